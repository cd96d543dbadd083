// The recycle bin. Every delete mutation soft-deletes its object, with what belongs to it, under
// one `deletedAt` moment (the stamp), and puts one entry in the bin here, in the same transaction:
// the item's type, id, name and location as the reference shows them, the deleter and the stamp.
// What went with the object (a deal's expenses, an invoice's attributions) has no entry of its
// own: restoring the entry brings back exactly the rows carrying its stamp; purging it erases the
// object with everything that still points at it. What goes with what is in src/domain/bin-items.ts.
import type { ScopedClient } from '../db/scope.js';
import type { ScopedTx } from '../db/transaction.js';
import { exceedsInvoice } from '../money/attribution-amounts.js';
import { BIN_MODELS, describe, MODEL_OF, type BinModel, type Reference } from './bin-items.js';
import { at, fail, notFound, ok, type Result, type UserError } from './kit/result.js';
import { lockDeals, lockInvoices, lockLive } from './kit/locks.js';
import { Rollback, transact } from './kit/transaction.js';
import { chargeWork } from './kit/work.js';
import type { Viewer } from './viewer.js';
import { recordEvent } from '../events/outbox.js';
import { binEventType, type BinSubject } from '../events/types.js';

/** The reference's item types, and the two the gateway can also delete. */
export const ITEM_TYPES = [
  'booking',
  'budget',
  'dashboard',
  'deal',
  'event',
  'expense',
  'invoice',
  'page',
  'project',
  'purchase_order',
  'service',
  'task',
  'template',
  'time_entry',
  'contract',
  'invoice_attribution',
] as const;

export type ItemType = (typeof ITEM_TYPES)[number];

/** The object a delete is about to put in the bin. */
export interface BinItem {
  model: BinModel;
  id: number;
}

/**
 * Use inside a delete's transaction: describes the object while it is live, and returns what files
 * its bin entry once the delete has stamped it. Nothing is filed when the delete found nothing.
 */
export async function binEntry(tx: ScopedTx, viewer: Viewer, item: BinItem) {
  const description = await describe(tx, item.model, item.id);
  return async (stamp: Date): Promise<void> => {
    if (!description) return;
    const entry = await tx.deletedItem.create({
      data: { organizationId: viewer.organization.id, private: false, ...description, itemId: item.id, deleterId: viewer.person.id, stamp },
    });
    if (!entry.private) await recordEvent(tx, viewer, binEventType(subjectOf(item.model), 'deleted'), { node: subjectOf(item.model), id: item.id }, { node: 'DeletedItem', id: entry.id });
  };
}

/** The GraphQL type of a bin model, which names its events: `timeEntry` -> TimeEntry (`time_entry.deleted`). */
export const subjectOf = (model: BinModel): BinSubject => (model[0]!.toUpperCase() + model.slice(1)) as BinSubject;

/** The object a delete is about to put in the bin, with the model's children. */
type Delegate = {
  findMany(args: unknown): Promise<Record<string, unknown>[]>;
  findFirst(args: unknown): Promise<Record<string, unknown> | null>;
  updateMany(args: unknown): Promise<{ count: number }>;
  deleteMany(args: unknown): Promise<{ count: number }>;
};

/** The Prisma delegate of a model, for the walks below that treat every model alike. */
export const delegate = (tx: ScopedTx, model: BinModel): Delegate => tx[model] as unknown as Delegate;

const ids = (rows: Record<string, unknown>[]) => rows.map((row) => row.id as number);

/**
 * The delete every item type without rules of its own uses (projects, tasks, services, ...): one
 * transaction that describes the object, stamps it with a guarded UPDATE (of two concurrent deletes
 * one wins, the other finds nothing: NOT_FOUND), stamps what goes with it, and files the entry.
 */
export function deleteItem(db: ScopedClient, viewer: Viewer, model: BinModel, id: number): Promise<Result<{ id: number }>> {
  return transact(db, async (tx) => {
    const file = await binEntry(tx, viewer, { model, id });
    const stamp = new Date();
    const { count } = await delegate(tx, model).updateMany({ where: { id }, data: { deletedAt: stamp, deleterId: viewer.person.id } });
    if (count !== 1) return fail(notFound(at('id'), BIN_MODELS[model].what));
    await stampChildren(tx, model, [id], stamp, viewer.person.id);
    await file(stamp);
    return ok({ id });
  });
}

/**
 * Puts the live rows that go with `parents` (and what goes with those) in the bin under the same
 * stamp. Run after the parents are stamped: a child created meanwhile held the parent's lock and
 * is committed by now, so this finds it; a later create finds no live parent.
 */
export async function stampChildren(tx: ScopedTx, model: BinModel, parents: number[], stamp: Date, deleterId: number): Promise<void> {
  for (const child of BIN_MODELS[model].children) {
    const rows = ids(await delegate(tx, child.model).findMany({ where: { [child.key]: { in: parents } }, select: { id: true } }));
    if (!rows.length) continue;
    await delegate(tx, child.model).updateMany({ where: { id: { in: rows } }, data: { deletedAt: stamp, deleterId } });
    chargeWork(rows.length); // a cascade costs what it stamps (README, "Rate limits")
    await stampChildren(tx, child.model, rows, stamp, deleterId);
  }
}

// ---- Restoring ---------------------------------------------------------------------------------
//
// One transaction on the bin's client (which sees deleted rows): the entry is taken out of the bin
// first, with a guarded UPDATE (of two concurrent restores one wins; the other finds it restored),
// then the object and exactly the rows carrying its stamp come back. An object whose parent is
// itself still in the bin (an expense of a deleted budget) cannot come back before it.

/** What a restore brings back, to be shown as the node it is. */
export interface Restored {
  entryId: number;
  itemType: ItemType;
  model: BinModel;
  id: number;
}

const parentDeleted = (what: string): UserError => ({
  field: at('id'),
  message: `cannot be restored while its ${what} is in the recycle bin: restore that first`,
  code: 'PARENT_DELETED',
});

const conflict = (why: string): UserError => ({ field: at('id'), message: `cannot be restored: ${why}`, code: 'CONFLICT' });

const gone = () => fail(conflict('it is no longer in the recycle bin'));

/** A private entry only for its deleter; an operator (no person) sees every entry. */
const mine = (personId: number | null) => (personId === null ? {} : { OR: [{ private: false }, { deleterId: personId }] });

export async function restoreDeletedItem(bin: ScopedClient, viewer: Viewer, entryId: number): Promise<Result<Restored>> {
  return transact(bin, async (tx) => {
    const visible = mine(viewer.person.id);
    const { count } = await tx.deletedItem.updateMany({ where: { AND: [{ id: entryId, recoveredAt: null }, visible] }, data: { recoveredAt: new Date() } });
    const entry = await tx.deletedItem.findFirst({ where: { AND: [{ id: entryId }, visible] } });
    if (!entry) return fail(notFound(at('id'), 'Deleted item'));
    if (count !== 1) return fail({ field: at('id'), message: 'has already been restored', code: 'ALREADY_RESTORED' });
    const itemType = entry.itemType as ItemType;
    const model = MODEL_OF[itemType];
    const result = await bringBack(tx, model, entry.itemId, entry.stamp);
    if (!result.ok) return result;
    // Private entries (private tasks) tell no one else: they record no event.
    if (!entry.private) await recordEvent(tx, viewer, binEventType(subjectOf(model), 'restored'), { node: subjectOf(model), id: entry.itemId });
    return ok({ entryId, itemType, model, id: entry.itemId });
  });
}

const back = { deletedAt: null, deleterId: null };
const live = { deletedAt: null };

/**
 * Brings back what went with `parents` under `stamp` (and what went with those). A deal's
 * attributions come back only to live invoices: one whose invoice was deleted since stays with it.
 */
async function unstampChildren(tx: ScopedTx, model: BinModel, parents: number[], stamp: Date): Promise<void> {
  for (const child of BIN_MODELS[model].children) {
    const only = child.model === 'invoiceAttribution' && child.key === 'dealId' ? { invoice: live } : {};
    const rows = ids(await delegate(tx, child.model).findMany({ where: { [child.key]: { in: parents }, deletedAt: stamp, ...only }, select: { id: true } }));
    if (!rows.length) continue;
    await delegate(tx, child.model).updateMany({ where: { id: { in: rows }, deletedAt: stamp }, data: back });
    await unstampChildren(tx, child.model, rows, stamp);
  }
}

/**
 * Locks each parent the row points at, live: a parent being deleted meanwhile waits for this
 * restore and then takes the row with it; one already in the bin is PARENT_DELETED.
 */
async function lockParents(tx: ScopedTx, model: BinModel, row: Record<string, unknown>): Promise<UserError | null> {
  for (const parent of BIN_MODELS[model].parents) {
    const value = row[parent.key];
    if (value === null || value === undefined) continue;
    if (!(await lockLive(tx, parent.model, value as number))) return parentDeleted(parent.what);
  }
  return null;
}

async function bringBack(tx: ScopedTx, model: BinModel, id: number, stamp: Date): Promise<Result<null>> {
  switch (model) {
    case 'deal': {
      const deal = await tx.deal.findFirst({ where: { id, deletedAt: stamp }, select: { companyId: true, contractId: true, date: true } });
      if (!deal) return gone();
      if (!(await tx.company.count({ where: { id: deal.companyId, ...live } }))) return fail(parentDeleted('company'));
      if (deal.contractId !== null) {
        const taken = await tx.deal.count({ where: { contractId: deal.contractId, date: deal.date, ...live } });
        if (taken) return fail(conflict("its contract has generated another budget for the same period"));
      }
      await tx.deal.updateMany({ where: { id, deletedAt: stamp }, data: back });
      // Exactly what went with it: expenses, attributions (to live invoices), contracts, services, purchase orders.
      await unstampChildren(tx, 'deal', [id], stamp);
      return ok(null);
    }
    case 'expense': {
      const expense = await tx.expense.findFirst({ where: { id, deletedAt: stamp }, select: { dealId: true, position: true } });
      if (!expense) return gone();
      // Its deal's lock, then its place among the deal's live expenses (see src/domain/expenses.ts).
      if (!(await lockDeals(tx, [expense.dealId]))) return fail(parentDeleted('deal'));
      const taken = await tx.expense.count({ where: { dealId: expense.dealId, position: expense.position, ...live } });
      const position = taken
        ? ((await tx.expense.aggregate({ where: { dealId: expense.dealId, ...live }, _max: { position: true } }))._max.position ?? 0) + 1
        : expense.position;
      await tx.expense.updateMany({ where: { id, deletedAt: stamp }, data: { ...back, position } });
      return ok(null);
    }
    case 'invoice': {
      const invoice = await tx.invoice.findFirst({ where: { id, deletedAt: stamp }, select: { companyId: true, number: true, parentInvoiceId: true } });
      if (!invoice) return gone();
      if (!(await tx.company.count({ where: { id: invoice.companyId, ...live } }))) return fail(parentDeleted('company'));
      if (invoice.parentInvoiceId !== null && !(await tx.invoice.count({ where: { id: invoice.parentInvoiceId, ...live } }))) {
        return fail(parentDeleted('invoice'));
      }
      const notes = await tx.invoice.findMany({ where: { parentInvoiceId: id, deletedAt: stamp }, select: { id: true, number: true } });
      const numbers = [invoice.number, ...notes.map((n) => n.number)].filter((n): n is string => n !== null);
      if (numbers.length && (await tx.invoice.count({ where: { number: { in: numbers }, ...live } }))) {
        return fail(conflict('its number is now used by another invoice'));
      }
      const all = [id, ...notes.map((n) => n.id)];
      await tx.invoice.updateMany({ where: { id: { in: all }, deletedAt: stamp }, data: back });
      await tx.invoiceAttribution.updateMany({ where: { invoiceId: { in: all }, deletedAt: stamp, deal: live }, data: back });
      return ok(null);
    }
    case 'invoiceAttribution': {
      const row = await tx.invoiceAttribution.findFirst({ where: { id, deletedAt: stamp }, select: { invoiceId: true, dealId: true, amount: true } });
      if (!row) return gone();
      // The invoice's lock before its sum (src/domain/invoice-attributions.ts).
      if (!(await lockInvoices(tx, [row.invoiceId]))) return fail(parentDeleted('invoice'));
      if (!(await tx.deal.count({ where: { id: row.dealId, ...live } }))) return fail(parentDeleted('budget'));
      const invoice = await tx.invoice.findFirstOrThrow({ where: { id: row.invoiceId }, select: { amount: true } });
      const { _sum } = await tx.invoiceAttribution.aggregate({ where: { invoiceId: row.invoiceId, ...live }, _sum: { amount: true } });
      if (exceedsInvoice(invoice.amount, BigInt(_sum.amount ?? 0) + row.amount)) {
        return fail(conflict("the invoice's amount is attributed to other budgets meanwhile"));
      }
      await tx.invoiceAttribution.updateMany({ where: { id, deletedAt: stamp }, data: back });
      return ok(null);
    }
    default: {
      // Contracts and the item types without rules of their own: parents live and locked, then the
      // row and what went with it.
      const row = await delegate(tx, model).findFirst({ where: { id, deletedAt: stamp } });
      if (!row) return gone();
      const orphan = await lockParents(tx, model, row);
      if (orphan) return fail(orphan);
      const data: Record<string, unknown> = { ...back };
      // Its place may have been taken meanwhile: a task then takes its project's next number, a
      // service goes last on its deal (whose lock lockParents holds).
      if (model === 'task') {
        const taken = await tx.task.count({ where: { projectId: row.projectId as number, number: row.number as number, ...live } });
        if (taken) data.number = await nextTaskNumber(tx, row.projectId as number);
      }
      if (model === 'service') {
        const dealId = row.dealId as number;
        const taken = await tx.service.count({ where: { dealId, position: row.position as number, ...live } });
        if (taken) data.position = ((await tx.service.aggregate({ where: { dealId, ...live }, _max: { position: true } }))._max.position ?? 0) + 1;
      }
      await delegate(tx, model).updateMany({ where: { id, deletedAt: stamp }, data });
      await unstampChildren(tx, model, [id], stamp);
      return ok(null);
    }
  }
}

/** The next number of a live project's tasks, handed out in the statement that reads it. */
export async function nextTaskNumber(tx: ScopedTx, projectId: number): Promise<number> {
  const project = await tx.project.update({ where: { id: projectId, deletedAt: null }, data: { lastTaskNumber: { increment: 1 } }, select: { lastTaskNumber: true } });
  return project.lastTaskNumber;
}

// ---- Purging -----------------------------------------------------------------------------------
//
// A purge erases the entry's object for good, with everything that points at it and cannot live
// without it -- what went with it, and what was deleted on its own before (an expense deleted before
// its budget), with their entries -- and cuts the references of rows that live on (a budget's
// `contract`, a copy's `originDeal`). Only rows in the bin are erased: the bin's client refuses to
// hard-delete a live row, and a live child (which the rules above never leave) is a CONFLICT.

export interface Purged {
  entryId: number;
  itemType: ItemType;
  model: BinModel;
  id: number;
}

/** Who purges: a member (private entries of others are not theirs to purge) or an operator (null). */
export interface Purger {
  personId: number | null;
  /** The member's viewer, who the event names as the actor; absent for the operator. */
  actor?: Viewer;
}

export async function purgeDeletedItem(bin: ScopedClient, who: Purger, entryId: number): Promise<Result<Purged>> {
  return transact(bin, async (tx) => {
    const entry = await tx.deletedItem.findFirst({ where: { AND: [{ id: entryId, recoveredAt: null }, mine(who.personId)] } });
    if (!entry) return fail(notFound(at('id'), 'Deleted item'));
    const model = MODEL_OF[entry.itemType as ItemType];
    // The event shows the entry, so it is recorded while the entry is there; a lost race below rolls it back.
    if (!entry.private) {
      const subject = subjectOf(model);
      await recordEvent(tx, who.actor ?? null, binEventType(subject, 'purged'), { node: subject, id: entry.itemId }, { node: 'DeletedItem', id: entryId });
    }
    // Taking the entry first decides a race with a restore (or another purge): one of them wins.
    const { count } = await tx.deletedItem.deleteMany({ where: { id: entryId, recoveredAt: null } });
    if (count !== 1) return fail(notFound(at('id'), 'Deleted item'));
    const row = await delegate(tx, model).findFirst({ where: { id: entry.itemId, deletedAt: entry.stamp }, select: { id: true } });
    // An entry whose object is gone (erased with a parent it went with) is simply taken out.
    if (row) await erase(tx, model, [entry.itemId]);
    return ok({ entryId, itemType: entry.itemType as ItemType, model, id: entry.itemId });
  });
}

/** Erases rows of `model` (all in the bin) with what depends on them, depth first (the foreign keys restrict). */
async function erase(tx: ScopedTx, model: BinModel, rows: number[]): Promise<void> {
  const spec = BIN_MODELS[model];
  for (const child of spec.children) {
    const found = await delegate(tx, child.model).findMany({ where: { [child.key]: { in: rows } }, select: { id: true, deletedAt: true } });
    if (found.some((r) => r.deletedAt === null)) {
      throw new Rollback(fail({ field: at('id'), message: `cannot be purged: a ${BIN_MODELS[child.model].what.toLowerCase()} of it is live`, code: 'CONFLICT' }));
    }
    // Children that point at a row of their own kind (a page's subpages) are erased with theirs.
    const others = ids(found).filter((id) => !(child.model === model && rows.includes(id)));
    if (others.length) await erase(tx, child.model, others);
  }
  for (const ref of spec.detach) await cut(tx, ref, rows);
  await tx.deletedItem.deleteMany({ where: { itemType: { in: [...spec.itemTypes] }, itemId: { in: rows } } });
  await delegate(tx, model).deleteMany({ where: { id: { in: rows } } });
}

/** Rows that live on without the erased ones: their reference is set to null. */
async function cut(tx: ScopedTx, ref: Reference, rows: number[]): Promise<void> {
  await delegate(tx, ref.model).updateMany({ where: { [ref.key]: { in: rows } }, data: { [ref.key]: null } });
}

/** Entries older than `before` in an organization, oldest first: what the operator's purge takes. */
export async function expiredEntries(bin: ScopedClient, before: Date, limit: number): Promise<number[]> {
  const rows = await bin.deletedItem.findMany({ where: { recoveredAt: null, createdAt: { lt: before } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: limit, select: { id: true } });
  return rows.map((r) => r.id);
}
