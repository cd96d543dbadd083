// A state change of one row (approve, unapprove, reject, close, reopen) guarded in its UPDATE: the
// WHERE holds the state it leaves (`approved = false`), so of concurrent identical changes exactly one
// matches and records its event, and the others answer the user error that says the row is already
// there (ALREADY_APPROVED, ...). A row out of reach (another organization's, deleted, private to
// others) is NOT_FOUND.
import type { ScopedClient, ScopedTx } from '../../db/scope.js';
import { withEvent } from '../../changes/outbox.js';
import type { EventType } from '../../changes/types.js';
import { at, fail, notFound, ok, type Result, type UserError } from './result.js';
import type { Payload } from './shown.js';
import { transact } from './transaction.js';
import type { Viewer } from '../viewer.js';

/** The model a transition changes, as its domain declares it. */
export interface Transitions<Row extends { id: number }> {
  model: 'expense' | 'timeEntry' | 'task';
  /** Its GraphQL type. */
  node: string;
  /** Its name in NOT_FOUND ("Expense not found"). */
  what: string;
  /** The row as the event's payload needs it, read after the change. */
  read: (tx: ScopedTx, id: number) => Promise<Row | null>;
  present: (row: Row, viewer: Viewer) => Payload | null | Promise<Payload | null>;
  /** Rows whose changes record no event (a private task: no event tells the organization of it). */
  unrecorded?: (row: Row) => boolean;
}

interface Guarded {
  updateMany(args: { where: object; data: object }): Promise<{ count: number }>;
}

export function transition<Row extends { id: number }>(
  db: ScopedClient,
  viewer: Viewer,
  spec: Transitions<Row>,
  id: number,
  change: { from: Record<string, unknown>; to: Record<string, unknown>; refused: UserError; event: EventType },
): Promise<Result<Row>> {
  return transact(db, async (tx) => {
    const { count } = await (tx[spec.model] as unknown as Guarded).updateMany({ where: { id, ...change.from }, data: change.to });
    const row = await spec.read(tx, id);
    if (!row) return fail(notFound(at('id'), spec.what));
    if (count !== 1) return fail(change.refused);
    return ok(spec.unrecorded?.(row) ? row : await withEvent(tx, viewer, change.event, spec.node, row, spec.present));
  });
}
