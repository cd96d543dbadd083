// The recycle bin. Every delete mutation soft-deletes its object, with what belongs to it, under
// one `deletedAt` moment (the stamp), and puts one entry in the bin here, in the same transaction:
// the item's type, id, name and location as the reference shows them, the deleter and the stamp.
// What went with the object (a deal's expenses, an invoice's attributions) has no entry of its
// own: restoring the entry brings back exactly the rows carrying its stamp (src/domain/bin-restore.ts,
// with the rules a restore re-establishes); purging it erases the
// object with everything that still points at it. What goes with what, and how a row is named, each
// model declares in its domain file (`BinRules`, src/domain/kit/bin-rules.ts); this file knows no model.
import { everyone, type ScopedClient, type ScopedTx } from '../db/scope.js';
import type { BinModel, ItemType, Reference } from './bin-items.js';
import type { BinRules } from './kit/bin-rules.js';

export { ITEM_TYPES, type ItemType } from './bin-items.js';
import { at, fail, notFound, ok, type Result } from './kit/result.js';
import { Rollback, transact } from './kit/transaction.js';
import { chargeWork } from './kit/work.js';
import type { Viewer } from './viewer.js';
import { recordEvent } from '../changes/outbox.js';
import type { DeletedItem } from '../generated/prisma/client.js';
import { globalId } from './kit/global-id.js';
import { instant, ref, type Payload } from './kit/shown.js';
import { binEventType, type BinSubject } from '../changes/types.js';

// ---- The models' declarations ------------------------------------------------------------------
//
// The domains import this file to delete, so it cannot import their declarations: the registry
// (src/domain/bin-rules.ts) hands them over when it loads. Every process that deletes or purges
// loads it with the recycle bin's service (src/domain/bin-restore.ts, and src/cli/recycle-bin.ts).

let registry: { rules: Readonly<Record<BinModel, BinRules>>; modelOf: Readonly<Record<ItemType, BinModel>> } | null = null;

/** Called once, by src/domain/bin-rules.ts. */
export function useBinRules(rules: Readonly<Record<BinModel, BinRules>>, modelOf: Readonly<Record<ItemType, BinModel>>): void {
  registry = { rules, modelOf };
}

function loaded() {
  if (!registry) throw new Error('the recycle bin has no rules: import src/domain/bin-rules.ts in this process');
  return registry;
}

/** What `model`'s domain declares to the bin. */
export const rulesOf = (model: BinModel): BinRules => loaded().rules[model];

/** The model an entry's item type is a row of (a `budget` is a deal). */
export const modelOf = (itemType: ItemType): BinModel => loaded().modelOf[itemType];

/** The object a delete is about to put in the bin. */
export interface BinItem {
  model: BinModel;
  id: number;
}

/**
 * What a delete answers: the object's id, and the id of the bin entry it filed (what
 * `restoreDeletedItem` takes to undo it; the delete payload's `deletedItem`).
 */
export interface Deleted {
  id: number;
  entryId: number;
}

/**
 * Use inside a delete's transaction: describes the object while it is live, and returns what files
 * its bin entry once the delete has stamped it, answering the entry's id. The delete has found its
 * object by then (else it answers NOT_FOUND first), and the description was read in the same
 * transaction: there is always one.
 */
export async function binEntry(tx: ScopedTx, viewer: Viewer, item: BinItem) {
  const description = await rulesOf(item.model).describe(tx, item.id);
  return async (stamp: Date): Promise<number> => {
    if (!description) throw new Error(`binEntry: ${item.model} ${item.id} was stamped but not described`);
    const entry = await tx.deletedItem.create({
      data: { organizationId: viewer.organization.id, private: false, ...description, itemId: item.id, deleterId: viewer.person.id, stamp },
    });
    if (!entry.private) await recordEvent(tx, viewer, binEventType(subjectOf(item.model), 'deleted'), { node: subjectOf(item.model), id: item.id }, (v) => presentDeletedItem(entry, v));
    return entry.id;
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
export function deleteItem(db: ScopedClient, viewer: Viewer, model: BinModel, id: number): Promise<Result<Deleted>> {
  return transact(db, async (tx) => {
    const file = await binEntry(tx, viewer, { model, id });
    const stamp = new Date();
    const { count } = await delegate(tx, model).updateMany({ where: { id }, data: { deletedAt: stamp, deleterId: viewer.person.id } });
    if (count !== 1) return fail(notFound(at('id'), rulesOf(model).what));
    await stampChildren(tx, model, [id], stamp, viewer.person.id);
    return ok({ id, entryId: await file(stamp) });
  });
}

/**
 * Puts the live rows that go with `parents` (and what goes with those) in the bin under the same
 * stamp. Run after the parents are stamped: a child created meanwhile held the parent's lock and
 * is committed by now, so this finds it; a later create finds no live parent. Children go whoever
 * may see them (a project's private tasks of others go with it): the walk sees every private row.
 */
export async function stampChildren(viewerTx: ScopedTx, model: BinModel, parents: number[], stamp: Date, deleterId: number): Promise<void> {
  const tx = everyone(viewerTx);
  for (const child of rulesOf(model).children ?? []) {
    const rows = ids(await delegate(tx, child.model).findMany({ where: { [child.key]: { in: parents } }, select: { id: true } }));
    if (!rows.length) continue;
    await delegate(tx, child.model).updateMany({ where: { id: { in: rows } }, data: { deletedAt: stamp, deleterId } });
    chargeWork(rows.length); // a cascade costs what it stamps (docs/rate-limits.md)
    await stampChildren(tx, child.model, rows, stamp, deleterId);
  }
}

// ---- Restoring: src/domain/bin-restore.ts, with the rules a restore re-establishes per model ----

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

/**
 * `bin` decides what may be purged: a member's bin client (bound to them: private entries of others
 * are not theirs to see, so not to purge) or an operator's (no person: every entry). `actor` is who
 * the event names: the member, or null for the operator.
 */
export async function purgeDeletedItem(bin: ScopedClient, actor: Viewer | null, entryId: number): Promise<Result<Purged>> {
  return transact(bin, async (tx) => {
    const entry = await tx.deletedItem.findFirst({ where: { id: entryId, recoveredAt: null } });
    if (!entry) return fail(notFound(at('id'), 'Deleted item'));
    const model = modelOf(entry.itemType as ItemType);
    // The event shows the entry, so it is recorded while the entry is there; a lost race below rolls it back.
    if (!entry.private) {
      const subject = subjectOf(model);
      await recordEvent(tx, actor, binEventType(subject, 'purged'), { node: subject, id: entry.itemId }, (v) => presentDeletedItem(entry, v));
    }
    // Taking the entry first decides a race with a restore (or another purge): one of them wins.
    const { count } = await tx.deletedItem.deleteMany({ where: { id: entryId, recoveredAt: null } });
    if (count !== 1) return fail(notFound(at('id'), 'Deleted item'));
    const row = await delegate(tx, model).findFirst({ where: { id: entry.itemId, deletedAt: entry.stamp }, select: { id: true } });
    // An entry whose object is gone (erased with a parent it went with) is simply taken out.
    // What goes with it goes whoever may see it (a project's private tasks of others): erase sees all.
    if (row) await erase(everyone(tx), model, [entry.itemId]);
    return ok({ entryId, itemType: entry.itemType as ItemType, model, id: entry.itemId });
  });
}

/** Erases rows of `model` (all in the bin) with what depends on them, depth first (the foreign keys restrict). */
async function erase(tx: ScopedTx, model: BinModel, rows: number[]): Promise<void> {
  const rules = rulesOf(model);
  for (const child of rules.children ?? []) {
    const found = await delegate(tx, child.model).findMany({ where: { [child.key]: { in: rows } }, select: { id: true, deletedAt: true } });
    if (found.some((r) => r.deletedAt === null)) {
      throw new Rollback(fail({ field: at('id'), message: `cannot be purged: a ${rulesOf(child.model).what.toLowerCase()} of it is live`, code: 'CONFLICT' }));
    }
    // Children that point at a row of their own kind (a page's subpages) are erased with theirs.
    const others = ids(found).filter((id) => !(child.model === model && rows.includes(id)));
    chargeWork(others.length); // a purge costs what it erases with the item, and the links it cuts
    if (others.length) await erase(tx, child.model, others);
  }
  for (const ref of rules.detach ?? []) await cut(tx, ref, rows);
  await tx.deletedItem.deleteMany({ where: { itemType: { in: [...rules.itemTypes] }, itemId: { in: rows } } });
  await delegate(tx, model).deleteMany({ where: { id: { in: rows } } });
}

/** Rows that live on without the erased ones: their reference is set to null. */
async function cut(tx: ScopedTx, ref: Reference, rows: number[]): Promise<void> {
  chargeWork((await delegate(tx, ref.model).updateMany({ where: { [ref.key]: { in: rows } }, data: { [ref.key]: null } })).count);
}

/** Entries older than `before` in an organization, oldest first: what the operator's purge takes. */
export async function expiredEntries(bin: ScopedClient, before: Date, limit: number): Promise<number[]> {
  const rows = await bin.deletedItem.findMany({ where: { recoveredAt: null, createdAt: { lt: before } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], take: limit, select: { id: true } });
  return rows.map((r) => r.id);
}

// ---- The event payload -------------------------------------------------------------------------

/** The global id of the object an entry holds: a `budget` entry holds a Deal. */
export const itemGlobalId = (entry: { itemType: string; itemId: number }): string =>
  globalId(subjectOf(modelOf(entry.itemType as ItemType)), entry.itemId);

/**
 * A bin entry as the API shows it (src/schema/deleted-item.ts) to `viewer`, for delete and purge
 * events; null when it is another's private entry.
 */
export function presentDeletedItem(entry: DeletedItem, viewer: Viewer): Payload | null {
  if (entry.private && entry.deleterId !== viewer.person.id) return null;
  return {
    id: globalId('DeletedItem', entry.id),
    databaseId: entry.id,
    itemType: entry.itemType.toUpperCase(),
    itemId: itemGlobalId(entry),
    name: entry.name,
    location: entry.location,
    deleter: ref('Person', entry.deleterId),
    private: entry.private,
    createdAt: instant(entry.createdAt),
    recoveredAt: instant(entry.recoveredAt),
  };
}
