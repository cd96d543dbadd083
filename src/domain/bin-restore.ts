// Restoring a recycle bin entry: its object and exactly the rows that went to the bin with it (those
// carrying its stamp) come back, in one transaction on the bin's client (which sees deleted rows,
// hence the explicit `deletedAt: null` wherever live rows are meant). A restore writes rows that no
// create or update checked, so it re-establishes every rule that a create or an update of the same
// rows enforces, under the same locks, or refuses (CONFLICT or PARENT_DELETED, naming the rule)
// and changes nothing.
//
// The rules, per model (what went with what is src/domain/bin-items.ts):
// - every row that comes back: each parent it names (BIN_MODELS[model].parents) is live, or comes
//   back with it, and is locked until commit, so a parent being deleted meanwhile waits and then
//   takes the row along. Optional links that a delete leaves dangling (a deal's project, a time
//   entry's task) may point into the bin, as they do after that delete: shown null until it comes back.
// - deal: company live; a contract's budget takes no period that another live budget of the
//   contract holds (deals_live_contract_date_key). Its attributions: as below.
// - expense: deal and service type live; its position among the deal's live expenses is free, else
//   it goes last (expenses_live_deal_position_key); its money is re-expressed from the deal's
//   currency and rate when it was deleted (the entry's `basis`) to the deal's now, as updateDeal does
//   for live expenses, and must still fit a bigint.
// - invoice: company and credited invoice live; its number, and its credit notes', not taken by a
//   live invoice (invoices_live_number_key). A credit note shares its invoice's company and currency,
//   and what the invoice shows as credited fits a bigint. Attributions come back only to live budgets.
// - invoice attribution (alone, or with its budget or invoice): invoice and budget live; under the
//   invoice's lock, each has the invoice amount's sign and together they fit the amount; their money
//   is derived again from the invoice and budget as they are now, and fits a bigint. A budget's
//   attributions to an invoice in the bin stay there with it.
// - contract: template deal live; its next occurrence after the template's date. A next occurrence
//   that passed while in the bin is not refused: generation catches up, as for any live contract.
// - project: company live. task: project live; its number free in the project, else the next one.
// - service: budget and service type live; its position free, else it goes last; its price
//   re-expressed to the deal's currency now (as updateDeal does) and within its bounds.
// - time entry: service live. booking: its service or event live. page: project and parent page
//   live. dashboard: project live. purchase order: budget and vendor live. event, template: none.
// People on rows (creators, assignees) are members by foreign key, and a membership cannot go.
import { everyone, type ScopedClient, type ScopedTx } from '../db/scope.js';
import { Prisma } from '../generated/prisma/client.js';
import { reexpressExpense } from '../money/expense-amounts.js';
import { rateText } from '../money/money.js';
import { reexpressPrice } from '../money/service-amounts.js';
import { recordEvent } from '../events/outbox.js';
import { binEventType } from '../events/types.js';
import { BIN_MODELS, MODEL_OF, type BinModel, type DealMoney } from './bin-items.js';
import { reestablishAttributions } from './invoice-attributions.js';
import { creditNoteHolds } from './invoices.js';
import { at, fail, notFound, ok, type Result, type UserError } from './kit/result.js';
import { lockLive } from './kit/locks.js';
import { Rollback, transact } from './kit/transaction.js';
import { chargeWork, reserveWork } from './kit/work.js';
import { delegate, subjectOf, type ItemType } from './recycle-bin.js';
import { nextTaskNumber } from './tasks.js';
import type { Viewer } from './viewer.js';

/** What a restore brings back, to be shown as the node it is. */
export interface Restored {
  entryId: number;
  itemType: ItemType;
  model: BinModel;
  id: number;
}

type Row = Record<string, unknown>;

/** `whose`: "its deal", "the vendor of one of its purchase orders". */
const parentDeleted = (whose: string): UserError => ({
  field: at('id'),
  message: `cannot be restored while ${whose} is in the recycle bin: restore that first`,
  code: 'PARENT_DELETED',
});

const conflict = (why: string): UserError => ({ field: at('id'), message: `cannot be restored: ${why}`, code: 'CONFLICT' });

const refuse = (error: UserError): never => {
  throw new Rollback(fail(error));
};

/** The unique indexes a concurrent write can still beat us to (nothing locks a value not used yet). */
const PLACES: Record<string, string> = {
  invoices_live_number_key: 'its number has just been taken by another invoice',
  deals_live_contract_date_key: 'its contract has just generated another budget for the same period',
  expenses_live_deal_position_key: 'its position has just been taken on its deal',
};

function placeTaken(error: unknown): string | null {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== 'P2002') return null;
  const text = JSON.stringify(error.meta ?? {}) + error.message;
  return Object.entries(PLACES).find(([index]) => text.includes(index))?.[1] ?? null;
}

export async function restoreDeletedItem(bin: ScopedClient, viewer: Viewer, entryId: number): Promise<Result<Restored>> {
  try {
    return await transact(bin, async (tx) => {
      // The entry as the viewer sees it (another person's private entry is not there); what comes
      // back with it comes back whoever may see it (a project's private tasks of others).
      const { count } = await tx.deletedItem.updateMany({ where: { id: entryId, recoveredAt: null }, data: { recoveredAt: new Date() } });
      const entry = await tx.deletedItem.findFirst({ where: { id: entryId } });
      if (!entry) return fail(notFound(at('id'), 'Deleted item'));
      if (count !== 1) return fail({ field: at('id'), message: 'has already been restored', code: 'ALREADY_RESTORED' });
      const itemType = entry.itemType as ItemType;
      const model = MODEL_OF[itemType];
      await bringBack(everyone(tx), model, entry.itemId, entry.stamp, (entry.basis as DealMoney | null) ?? null);
      // Private entries (private tasks) tell no one else: they record no event.
      if (!entry.private) await recordEvent(tx, viewer, binEventType(subjectOf(model), 'restored'), { node: subjectOf(model), id: entry.itemId });
      return ok({ entryId, itemType, model, id: entry.itemId });
    });
  } catch (error) {
    const why = placeTaken(error);
    if (why) return fail(conflict(why));
    throw error;
  }
}

/** The rows coming back, per model, in the order they were found (the item first). */
type Returning = Map<BinModel, Row[]>;

const live = { deletedAt: null };
const back = { deletedAt: null, deleterId: null };
const idsOf = (rows: Row[]) => rows.map((row) => row.id as number);

/**
 * What went with `rows` under `stamp`, and what went with those. A budget's attributions come
 * back only to live invoices, an invoice's only to live budgets: the others stay in the bin with
 * the object that is still there. A stamp is a millisecond: what was deleted on its own in the same
 * one is told apart by its own entry.
 */
async function collect(tx: ScopedTx, model: BinModel, rows: Row[], stamp: Date, into: Returning): Promise<void> {
  into.set(model, [...(into.get(model) ?? []), ...rows]);
  for (const child of BIN_MODELS[model].children) {
    const only =
      child.model === 'invoiceAttribution' ? (child.key === 'dealId' ? { invoice: live } : { deal: live }) : {};
    const found = await delegate(tx, child.model).findMany({ where: { [child.key]: { in: idsOf(rows) }, deletedAt: stamp, ...only } });
    if (!found.length) continue;
    // A row with an open entry of its own was deleted on its own, in the same millisecond as this one
    // (what went with an object has no entry): it stays in the bin with its entry.
    const own = await tx.deletedItem.findMany({
      where: { itemType: { in: [...BIN_MODELS[child.model].itemTypes] }, itemId: { in: idsOf(found) }, recoveredAt: null },
      select: { itemId: true },
    });
    const alone = new Set(own.map((entry) => entry.itemId));
    const theirs = found.filter((row) => !alone.has(row.id as number));
    if (theirs.length) await collect(tx, child.model, theirs, stamp, into);
  }
}

const plural = (noun: string) => (noun.endsWith('y') ? `${noun.slice(0, -1)}ies` : `${noun}s`);

/** Lock order of every write: invoices, then deals, then the rest (src/domain/kit/locks.ts). */
const LOCK_ORDER = ['invoice', 'deal'];
const lockRank = (model: string) => (LOCK_ORDER.includes(model) ? LOCK_ORDER.indexOf(model) : LOCK_ORDER.length);

/**
 * Locks every parent the returning rows name that is not itself returning, live, in the lock order
 * and in id order; refuses when one is in the bin.
 */
async function lockParents(tx: ScopedTx, returning: Returning, item: BinModel): Promise<void> {
  const wanted = new Map<string, Map<number, string>>();
  for (const [model, rows] of returning) {
    for (const parent of BIN_MODELS[model].parents) {
      const coming = new Set(idsOf(returning.get(parent.model as BinModel) ?? []));
      for (const row of rows) {
        const id = row[parent.key] as number | null | undefined;
        if (id === null || id === undefined || coming.has(id)) continue;
        const what = model === item ? `its ${parent.what}` : `the ${parent.what} of one of its ${plural(BIN_MODELS[model].what.toLowerCase())}`;
        const ids = wanted.get(parent.model) ?? new Map<number, string>();
        if (!ids.has(id)) ids.set(id, what);
        wanted.set(parent.model, ids);
      }
    }
  }
  const models = [...wanted.keys()].sort((a, b) => lockRank(a) - lockRank(b) || a.localeCompare(b));
  for (const model of models) {
    const ids = wanted.get(model)!;
    for (const id of [...ids.keys()].sort((a, b) => a - b)) {
      if (!(await lockLive(tx, model as Parameters<typeof lockLive>[1], id))) refuse(parentDeleted(ids.get(id)!));
    }
  }
}

/** The item's own place among the live rows (taken meanwhile: the next free one, or a CONFLICT). */
async function place(tx: ScopedTx, model: BinModel, row: Row): Promise<Row> {
  switch (model) {
    case 'deal': {
      if (row.contractId === null) return {};
      const taken = await tx.deal.count({ where: { contractId: row.contractId as number, date: row.date as Date, ...live } });
      return taken ? refuse(conflict('its contract has generated another budget for the same period')) : {};
    }
    case 'expense':
    case 'service': {
      // Expenses and services are numbered per deal (whose lock lockParents holds): taken, it goes last.
      const lines = tx[model] as unknown as {
        count(args: unknown): Promise<number>;
        aggregate(args: { where: unknown; _max: { position: true } }): Promise<{ _max: { position: number | null } }>;
      };
      const where = { dealId: row.dealId as number, ...live };
      if (!(await lines.count({ where: { ...where, position: row.position as number } }))) return {};
      const { _max } = await lines.aggregate({ where, _max: { position: true } });
      return { position: (_max.position ?? 0) + 1 };
    }
    case 'task': {
      const projectId = row.projectId as number;
      const taken = await tx.task.count({ where: { projectId, number: row.number as number, ...live } });
      return taken ? { number: await nextTaskNumber(tx, projectId) } : {};
    }
    default:
      return {};
  }
}

/** Invoice numbers of the returning invoices (an invoice and its credit notes) that a live invoice holds. */
async function numbersFree(tx: ScopedTx, returning: Returning): Promise<void> {
  const numbers = (returning.get('invoice') ?? []).map((row) => row.number as string | null).filter((n): n is string => n !== null);
  if (numbers.length && (await tx.invoice.count({ where: { number: { in: numbers }, ...live } }))) {
    refuse(conflict('its number is now used by another invoice'));
  }
}

/** The deal's money now, for what is re-expressed on it. */
async function dealMoneyOf(tx: ScopedTx, dealId: number): Promise<DealMoney> {
  const deal = await tx.deal.findFirstOrThrow({ where: { id: dealId, ...live }, select: { currency: true, exchangeRate: true } });
  return { currency: deal.currency, exchangeRate: rateText(deal.exchangeRate) };
}

/**
 * The rules that read the rows once they are back (sums over live rows include them): money
 * derived again from parents that may have changed, sums and caps.
 */
async function recheck(tx: ScopedTx, model: BinModel, item: Row, returning: Returning, basis: DealMoney | null): Promise<void> {
  const attributions = returning.get('invoiceAttribution') ?? [];
  const returningIds = new Set(idsOf(attributions));
  for (const invoiceId of [...new Set(attributions.map((row) => row.invoiceId as number))].sort((a, b) => a - b)) {
    const why = await reestablishAttributions(tx, invoiceId, returningIds);
    if (why) refuse(conflict(why));
  }
  const id = item.id as number;
  switch (model) {
    case 'expense': {
      const now = await dealMoneyOf(tx, item.dealId as number);
      // Entries filed before bases were kept: the deal's currency then is the expense's normalized one.
      const then = basis ?? { currency: item.normalizedCurrency as string, exchangeRate: now.exchangeRate };
      if (then.currency !== now.currency && !basis) refuse(conflict(`its deal's currency changed from ${then.currency} to ${now.currency} meanwhile`));
      const money = reexpressExpense(
        { amount: item.amount as bigint, billableAmount: item.billableAmount as bigint, currency: item.currency as string, exchangeRate: rateText(item.exchangeRate as string) },
        then,
        now,
      );
      if (!money) refuse(conflict("converted to its deal's currency and rate now, an amount would exceed the largest that can be stored"));
      await tx.expense.update({ where: { id }, data: money! });
      return;
    }
    case 'service': {
      if (!basis) return; // Filed before bases were kept: its price stays as it was.
      const now = await dealMoneyOf(tx, item.dealId as number);
      const price = reexpressPrice(item.price as bigint, item.quantity as string, basis, now);
      if (price === null) refuse(conflict(`converted to its budget's currency (${now.currency}), its price or total would be too large`));
      if (price !== item.price) await tx.service.update({ where: { id }, data: { price: price! } });
      return;
    }
    case 'invoice': {
      if (item.parentInvoiceId === null) return; // Not a credit note.
      const why = await creditNoteHolds(tx, id);
      if (why) refuse(conflict(why));
      return;
    }
    case 'contract': {
      const template = await tx.deal.findFirstOrThrow({ where: { id: item.templateId as number, ...live }, select: { date: true } });
      if ((item.nextOccurrenceOn as Date) <= template.date) refuse(conflict("its next occurrence is no longer after its template's date"));
      return;
    }
    default:
      return;
  }
}

/** Brings the item back with what went with it, or throws a Rollback saying which rule refused. */
async function bringBack(tx: ScopedTx, model: BinModel, id: number, stamp: Date, basis: DealMoney | null): Promise<void> {
  const item = await delegate(tx, model).findFirst({ where: { id, deletedAt: stamp } });
  if (!item) refuse(conflict('it is no longer in the recycle bin'));
  const returning: Returning = new Map();
  await collect(tx, model, [item!], stamp, returning);
  // What comes back with it is paid for by its rows, before anything is written (README, "Rate limits").
  const cascade = [...returning.values()].reduce((sum, rows) => sum + rows.length, 0) - 1;
  await reserveWork(cascade);
  // Locks first, then what they protect is read: parents, places, numbers.
  await lockParents(tx, returning, model);
  const moved = await place(tx, model, item!);
  await numbersFree(tx, returning);
  for (const [each, rows] of returning) {
    const data = each === model ? { ...back, ...moved } : back;
    const others = idsOf(rows).filter((rowId) => !(each === model && rowId === id));
    if (each === model) await delegate(tx, each).updateMany({ where: { id, deletedAt: stamp }, data });
    if (others.length) await delegate(tx, each).updateMany({ where: { id: { in: others }, deletedAt: stamp }, data: back });
  }
  chargeWork(cascade);
  await recheck(tx, model, { ...item!, ...moved }, returning, basis);
}
