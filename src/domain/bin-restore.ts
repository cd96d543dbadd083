// Restoring a recycle bin entry: its object and exactly the rows that went to the bin with it (those
// carrying its stamp) come back, in one transaction on the bin's client (which sees deleted rows,
// hence the explicit `deletedAt: null` wherever live rows are meant). A restore writes rows that no
// create or update checked, so it re-establishes every rule that a create or an update of the same
// rows enforces, under the same locks, or refuses (CONFLICT or PARENT_DELETED, naming the rule)
// and changes nothing.
//
// This file is the algorithm, the same for every model: collect what comes back, lock the parents
// in order, place the item, check the places every returning row takes, unstamp, recheck. What is
// particular to a model is declared beside its create rules, in its domain file, as `BinRules`
// (src/domain/kit/bin-rules.ts), and read from src/domain/bin-rules.ts: a deal's contract period
// (deals.ts), an expense's position and money (expenses.ts), a service's (services.ts), a task's
// number (tasks.ts), an invoice's number and credit (invoices.ts), the attribution sums
// (invoice-attributions.ts), a contract's next occurrence (contracts.ts).
//
// For every row that comes back: each parent it names (its model's `parents`) is live, or comes
// back with it, and is locked until commit, so a parent being deleted meanwhile waits and then takes
// the row along. Optional links that a delete leaves dangling (a deal's project, a time entry's task)
// may point into the bin, as they do after that delete: shown null until it comes back. People on
// rows (creators, assignees) are members by foreign key, and a membership cannot go.
import { everyone, narrowTransaction, type ScopedClient, type ScopedTx } from '../db/scope.js';
import { Prisma } from '../generated/prisma/client.js';
import { recordEvent } from '../changes/outbox.js';
import { binEventType } from '../changes/types.js';
import type { BinModel, DealMoney } from './bin-items.js';
import { BIN_RULES, MODEL_OF } from './bin-rules.js';
import { conflict, refuse, type Row } from './kit/bin-rules.js';
import { at, fail, notFound, ok, type Result, type UserError } from './kit/result.js';
import { lockLive } from './kit/locks.js';
import { Rollback, transact } from './kit/transaction.js';
import { chargeWork, reserveWork } from './kit/work.js';
import { presentById } from './presenters.js';
import { delegate, subjectOf, type ItemType } from './recycle-bin.js';
import type { Viewer } from './viewer.js';

/** What a restore brings back, to be shown as the node it is. */
export interface Restored {
  entryId: number;
  itemType: ItemType;
  model: BinModel;
  id: number;
}

/** `whose`: "its deal", "the vendor of one of its purchase orders". */
const parentDeleted = (whose: string): UserError => ({
  field: at('id'),
  message: `cannot be restored while ${whose} is in the recycle bin: restore that first`,
  code: 'PARENT_DELETED',
});

/** The unique indexes a concurrent write can still beat us to (nothing locks a value not used yet), of every model. */
const PLACES: Record<string, string> = Object.assign({}, ...Object.values(BIN_RULES).map((rules) => rules.places ?? {}));

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
      if (!entry.private) {
        const subject = subjectOf(model);
        // Shown as the API shows it: through the request's view, without what is still in the bin.
        await recordEvent(tx, viewer, binEventType(subject, 'restored'), { node: subject, id: entry.itemId }, (v) => presentById(narrowTransaction(tx), v, subject, entry.itemId));
      }
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

const back = { deletedAt: null, deleterId: null };
const idsOf = (rows: Row[]) => rows.map((row) => row.id as number);

/**
 * What went with `rows` under `stamp`, and what went with those. A budget's attributions come
 * back only to live invoices, an invoice's only to live budgets (`returnsWith`): the others stay
 * in the bin with the object that is still there. A stamp is a millisecond: what was deleted on its own in the same
 * one is told apart by its own entry.
 */
async function collect(tx: ScopedTx, model: BinModel, rows: Row[], stamp: Date, into: Returning): Promise<void> {
  into.set(model, [...(into.get(model) ?? []), ...rows]);
  for (const child of BIN_RULES[model].children ?? []) {
    const only = BIN_RULES[child.model].returnsWith?.(child.key) ?? {};
    const found = await delegate(tx, child.model).findMany({ where: { [child.key]: { in: idsOf(rows) }, deletedAt: stamp, ...only } });
    if (!found.length) continue;
    // A row with an open entry of its own was deleted on its own, in the same millisecond as this one
    // (what went with an object has no entry): it stays in the bin with its entry.
    const own = await tx.deletedItem.findMany({
      where: { itemType: { in: [...BIN_RULES[child.model].itemTypes] }, itemId: { in: idsOf(found) }, recoveredAt: null },
      select: { itemId: true },
    });
    const alone = new Set(own.map((entry) => entry.itemId));
    const theirs = found.filter((row) => !alone.has(row.id as number));
    if (theirs.length) await collect(tx, child.model, theirs, stamp, into);
  }
}

const plural = (noun: string) => (noun.endsWith('y') ? `${noun.slice(0, -1)}ies` : `${noun}s`);

/** Lock order of every write (src/domain/kit/locks.ts): ranked models first (invoices, then deals), then the rest. */
const lockRank = (model: string) => BIN_RULES[model as BinModel]?.lockRank ?? Number.MAX_SAFE_INTEGER;

/**
 * Locks every parent the returning rows name that is not itself returning, live, in the lock order
 * and in id order; refuses when one is in the bin.
 */
async function lockParents(tx: ScopedTx, returning: Returning, item: BinModel): Promise<void> {
  const wanted = new Map<string, Map<number, string>>();
  for (const [model, rows] of returning) {
    for (const parent of BIN_RULES[model].parents ?? []) {
      const coming = new Set(idsOf(returning.get(parent.model as BinModel) ?? []));
      for (const row of rows) {
        const id = row[parent.key] as number | null | undefined;
        if (id === null || id === undefined || coming.has(id)) continue;
        const what = model === item ? `its ${parent.what}` : `the ${parent.what} of one of its ${plural(BIN_RULES[model].what.toLowerCase())}`;
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
      if (!(await lockLive(tx, model as Parameters<typeof lockLive>[1], id))) throw new Rollback(fail(parentDeleted(ids.get(id)!)));
    }
  }
}

/**
 * The rules that read the rows once they are back (sums over live rows include them): those over
 * every returning row of a model first, then the item's own.
 */
async function recheck(tx: ScopedTx, model: BinModel, item: Row, returning: Returning, basis: DealMoney | null): Promise<void> {
  for (const [each, rows] of returning) await BIN_RULES[each].recheckReturning?.(tx, rows);
  await BIN_RULES[model].recheck?.(tx, item, basis);
}

/** Brings the item back with what went with it, or throws a Rollback saying which rule refused. */
async function bringBack(tx: ScopedTx, model: BinModel, id: number, stamp: Date, basis: DealMoney | null): Promise<void> {
  const item = await delegate(tx, model).findFirst({ where: { id, deletedAt: stamp } });
  if (!item) refuse('it is no longer in the recycle bin');
  const returning: Returning = new Map();
  await collect(tx, model, [item!], stamp, returning);
  // What comes back with it is paid for by its rows, before anything is written (docs/rate-limits.md).
  const cascade = [...returning.values()].reduce((sum, rows) => sum + rows.length, 0) - 1;
  await reserveWork(cascade);
  // Locks first, then what they protect is read: parents, places, numbers.
  await lockParents(tx, returning, model);
  const moved = (await BIN_RULES[model].place?.(tx, item!)) ?? {};
  for (const [each, rows] of returning) await BIN_RULES[each].placesFree?.(tx, rows);
  for (const [each, rows] of returning) {
    const data = each === model ? { ...back, ...moved } : back;
    const others = idsOf(rows).filter((rowId) => !(each === model && rowId === id));
    if (each === model) await delegate(tx, each).updateMany({ where: { id, deletedAt: stamp }, data });
    if (others.length) await delegate(tx, each).updateMany({ where: { id: { in: others }, deletedAt: stamp }, data: back });
  }
  chargeWork(cascade);
  await recheck(tx, model, { ...item!, ...moved }, returning, basis);
}
