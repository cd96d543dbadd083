// A state change of one row (approve, unapprove, reject, close, reopen) guarded in its UPDATE: the
// WHERE holds the state it leaves (`approved = false`), so of concurrent identical changes exactly one
// matches and records its event, and the others answer the user error that says the row is already
// there (ALREADY_APPROVED, ...). A row out of reach (another organization's, deleted, private to
// others) is NOT_FOUND.
import type { ScopedClient, ScopedTx } from '../../db/scope.js';
import { withEvent } from '../../changes/outbox.js';
import type { EventType } from '../../changes/types.js';
import { at, checkText, fail, notFound, ok, type Result, type UserError } from './result.js';
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

// ---- Reviews: approval and rejection, as expenses and time entries have them ----------------------

/** The longest rejection reason. */
export const MAX_REASON = 1000;

/** Approves a row; approving settles a rejection. A second approval is ALREADY_APPROVED. */
export function approve<Row extends { id: number }>(db: ScopedClient, viewer: Viewer, spec: Transitions<Row>, id: number, event: EventType) {
  return transition(db, viewer, spec, id, {
    from: { approved: false },
    to: { approved: true, approvedAt: new Date(), approverId: viewer.person.id, rejected: false, rejectedAt: null, rejectedReason: null, rejecterId: null },
    refused: { field: at('id'), message: 'is already approved', code: 'ALREADY_APPROVED' },
    event,
  });
}

/** Withdraws an approval (clears it and its approver); NOT_APPROVED when there is none. */
export function unapprove<Row extends { id: number }>(db: ScopedClient, viewer: Viewer, spec: Transitions<Row>, id: number, event: EventType) {
  return transition(db, viewer, spec, id, {
    from: { approved: true },
    to: { approved: false, approvedAt: null, approverId: null },
    refused: { field: at('id'), message: 'is not approved', code: 'NOT_APPROVED' },
    event,
  });
}

/** Rejects a row with a reason (required); a rejected row is no longer approved. A second rejection is ALREADY_REJECTED. */
export async function reject<Row extends { id: number }>(
  db: ScopedClient,
  viewer: Viewer,
  spec: Transitions<Row>,
  id: number,
  reason: string | null | undefined,
  event: EventType,
): Promise<Result<Row>> {
  const problems: UserError[] = [];
  checkText(problems, 'reason', reason, MAX_REASON);
  if (problems.length) {
    // A missing row is reported too, beside the problem with the reason.
    const exists = await (db[spec.model] as unknown as { count(args: object): Promise<number> }).count({ where: { id } });
    return fail(...(exists ? [] : [notFound(at('id'), spec.what)]), ...problems);
  }
  return transition(db, viewer, spec, id, {
    from: { rejected: false },
    to: { rejected: true, rejectedAt: new Date(), rejectedReason: reason!.trim(), rejecterId: viewer.person.id, approved: false, approvedAt: null, approverId: null },
    refused: { field: at('id'), message: 'is already rejected', code: 'ALREADY_REJECTED' },
    event,
  });
}
