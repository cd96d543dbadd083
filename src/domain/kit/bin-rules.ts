// What a domain declares to the recycle bin about its rows, beside its create rules in the domain's
// own file (e.g. `taskBin` in src/domain/tasks.ts): how its rows are filed and named, what goes to
// the bin with them, what must be live for them to come back, and the rules its create enforces that
// a restore must re-establish. The bin (src/domain/recycle-bin.ts, src/domain/bin-restore.ts) runs
// one generic algorithm -- stamp what goes with a row, collect what comes back, lock the parents in
// order, place, unstamp, recheck, erase -- and asks the model's rules at each step; it knows no
// model by name. The declarations are gathered in src/domain/bin-rules.ts.
import type { ScopedTx } from '../../db/scope.js';
import { rateText } from '../../money/money.js';
import type { BinModel, DealMoney, Description, ItemType, Parent, Reference } from '../bin-items.js';
import { fail, type UserError } from './result.js';
import { Rollback } from './transaction.js';
import type { Where } from './conditions.js';

export type Row = Record<string, unknown>;

/** The rows coming back, per model, in the order they were found (the item first). */
export type Returning = ReadonlyMap<BinModel, Row[]>;

export interface BinRules {
  /** The item types a row of the model is filed as (a deal is a `budget` or a `deal`). */
  itemTypes: readonly ItemType[];
  /** How userErrors name it ("Task not found"). */
  what: string;
  /**
   * The bin's description of a live row (its entry's type, name and location), read before the
   * delete while the scoped client still sees it; null when it does not (the delete then finds nothing either).
   */
  describe: (tx: ScopedTx, id: number) => Promise<Description | null>;
  /** Rows that go to the bin with it, under its stamp, and come back with it; a purge erases them (and their own bin entries). */
  children?: readonly Reference[];
  /** Rows that keep living without it: their reference is cut when it is purged. */
  detach?: readonly Reference[];
  /** What must be live (and is locked) for it to come back, in the order they are locked. */
  parents?: readonly Parent[];
  /**
   * Where the model's rows stand in the lock order of every write when they are locked as parents
   * (src/domain/kit/locks.ts): lower first. Models without a rank come after every ranked one.
   */
  lockRank?: number;
  /**
   * The rows of this model that come back with a parent along `key` also meet this condition
   * (an attribution comes back with its budget only to a live invoice); the others stay in the bin.
   */
  returnsWith?: (key: string) => Where;
  /** The item's own place among live rows, once its parents are locked: the columns to change (none: `{}`), or `refuse`. */
  place?: (tx: ScopedTx, item: Row) => Promise<Row>;
  /** Places every returning row of this model takes (not only the item): `refuse` when one is held. */
  placesFree?: (tx: ScopedTx, rows: Row[]) => Promise<void>;
  /** Unique indexes a concurrent write can still beat the restore to, with the reason the CONFLICT gives. */
  places?: Readonly<Record<string, string>>;
  /**
   * The rules that read the item once it is back (sums over live rows include it): money derived
   * again from parents that may have changed, caps. `basis` is the deal's money when it was deleted on its own.
   */
  recheck?: (tx: ScopedTx, item: Row, basis: DealMoney | null) => Promise<void>;
  /** The same for every returning row of this model, whichever item brought them (attribution sums per invoice). */
  recheckReturning?: (tx: ScopedTx, rows: Row[]) => Promise<void>;
}

/** A rule refused the restore: the transaction rolls back with this CONFLICT, naming the rule. */
export function refuse(why: string): never {
  throw new Rollback(fail(conflict(why)));
}

export const conflict = (why: string): UserError => ({ field: ['input', 'id'], message: `cannot be restored: ${why}`, code: 'CONFLICT' });

export const live = { deletedAt: null };

/** The deal's money now, for what a restore re-expresses on it (the bin's client sees deleted rows: live explicitly). */
export async function dealMoneyOf(tx: ScopedTx, dealId: number): Promise<DealMoney> {
  const deal = await tx.deal.findFirstOrThrow({ where: { id: dealId, ...live }, select: { currency: true, exchangeRate: true } });
  return { currency: deal.currency, exchangeRate: rateText(deal.exchangeRate) };
}

/** Lines numbered per deal (expenses, services), whose deal's lock the restore holds. */
interface Lines {
  count(args: { where: Where }): Promise<number>;
  aggregate(args: { where: Where; _max: { position: true } }): Promise<{ _max: { position: number | null } }>;
}

/** A line's position among its deal's live lines: its own when free, else after the last. */
export async function lastIfTaken(lines: Lines, row: Row): Promise<Row> {
  const where = { dealId: row.dealId as number, ...live };
  if (!(await lines.count({ where: { ...where, position: row.position as number } }))) return {};
  const { _max } = await lines.aggregate({ where, _max: { position: true } });
  return { position: (_max.position ?? 0) + 1 };
}
