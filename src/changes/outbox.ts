// The outbox: every meaningful change records an event row in the change's own transaction, so an
// event exists exactly when its change was committed. Webhook deliveries are fanned out by the same
// statement (one PENDING row per endpoint that wants the type), and so is an idempotent create's
// key result; subscriptions and the delivery queue hear of committed events through
// `onEventsCommitted`.
//
// Order, without a lock: each event row (and each of its deliveries) carries the id of the
// transaction that wrote it (`transaction_id xid8 DEFAULT pg_current_xact_id()`). Readers -- the
// `changeEvents` log, webhook delivery -- order by (transaction_id, id) and only read rows whose
// transaction id is below the oldest transaction still running (`pg_snapshot_xmin(
// pg_current_snapshot())`, taken in the reading statement). Every transaction below that bound has
// ended, so no event can later appear before a position a reader has passed: a transaction that
// took its id first and commits last holds readers back until it commits, and is read then. The
// cost moves from writers (no organization row lock: writes of one organization run side by side)
// to readers: a long transaction anywhere in the database delays the log until it ends
// (docs/events.md). Event ids alone are NOT in commit order.
import { afterCommitBatch, inTransaction } from '../db/after-commit.js';
import { organizationSql, type ScopedTx } from '../db/scope.js';
import { globalId } from '../domain/kit/global-id.js';
import { resultWithEvent } from '../domain/kit/idempotency.js';
import type { Payload } from '../domain/kit/shown.js';
import type { Viewer } from '../domain/viewer.js';
import type { EventType } from './types.js';

/** An event as listeners hear of it once its transaction has committed. */
export interface CommittedEvent {
  id: bigint;
  organizationId: number;
  type: EventType;
  actorId: number | null;
  /** The changed object's global id. */
  subjectId: string;
  /** The object as the API showed it (JSON). */
  payload: unknown;
  createdAt: Date;
  /** The webhooks that got a delivery of it. */
  webhookIds: number[];
}

/** Who made a change: a member (their viewer), or the operator's CLI for one organization (null). */
export type Actor = Viewer | null;

/** A node: its GraphQL type and database id. */
export interface Shown {
  node: string;
  id: number;
}

/**
 * An event's payload: the object as `viewer` sees it now, built by its domain's presenter from the
 * rows the write holds (no GraphQL runs here); null when the viewer cannot see it.
 */
export type Presenter = (viewer: Viewer) => Payload | null | Promise<Payload | null>;

type Listener = (events: readonly CommittedEvent[]) => void;

const listeners = new Set<Listener>();

/** Calls `listener` with the events of each transaction that commits in this process. Returns the unsubscribe. */
export function onEventsCommitted(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const BATCH = Symbol('events');

function publish(events: readonly CommittedEvent[]): void {
  for (const listener of listeners) {
    try {
      listener(events);
    } catch {
      // A listener's failure must not reach the writer, whose change is committed; listeners log.
    }
  }
}

/** The operator as presenters see it: a member with no private items of their own. */
async function operatorViewer(tx: ScopedTx): Promise<Viewer> {
  const organization = await tx.organization.findFirstOrThrow({ select: { id: true, name: true, defaultCurrency: true } });
  return { person: { id: 0, firstName: 'Operator', lastName: '', email: '' }, organization, role: 'member' };
}

/**
 * Records that `subject` underwent `type`, inside the writing transaction `tx`. The payload is what
 * `present` shows as `actor` sees it (the operator: as a member with no private items); call after
 * the write. A delete shows the recycle bin's entry, a purge the entry before it goes.
 */
export async function recordEvent(tx: ScopedTx, actor: Actor, type: EventType, subject: Shown, present: Presenter): Promise<void> {
  if (!inTransaction()) throw new Error(`recordEvent(${type}) must run inside the change's transaction`);
  const viewer = actor ?? (await operatorViewer(tx));
  const organizationId = viewer.organization.id;
  const subjectId = globalId(subject.node, subject.id);
  const payload = await present(viewer);
  // The event and its deliveries in one round trip; the organization is stated, not scoped (raw SQL).
  const sql = organizationSql(tx);
  if (sql.organizationId !== organizationId) throw new Error(`recordEvent(${type}): the transaction belongs to another organization`);
  const actorId = actor?.person.id ?? null;
  // An idempotent create's key gets its result in this statement too (src/domain/kit/idempotency.ts).
  const keyed = resultWithEvent(organizationId, subject.id);
  const [event] = await sql.$queryRaw<Array<{ id: bigint; payload: unknown; created_at: Date; webhook_ids: number[] }>>`
    WITH event AS (
      INSERT INTO change_events (organization_id, type, actor_id, subject_id, payload)
      VALUES (${organizationId}::int4, ${type}, ${actorId}::int4, ${subjectId}, ${JSON.stringify(payload ?? { id: subjectId })}::jsonb)
      RETURNING id, payload, created_at
    ), fanned AS (
      INSERT INTO webhook_deliveries (organization_id, webhook_id, event_id)
      SELECT ${organizationId}::int4, w.id, event.id
        FROM webhooks w, event
       WHERE w.organization_id = ${organizationId}::int4 AND w.disabled_at IS NULL AND ${type} = ANY (w.events)
      RETURNING webhook_id
    )${keyed.sql}
    SELECT event.id, event.payload, event.created_at, ARRAY(SELECT webhook_id FROM fanned ORDER BY webhook_id) AS webhook_ids
      FROM event`;
  if (!event) throw new Error(`recordEvent(${type}): the event was not recorded`);
  keyed.written();
  afterCommitBatch<CommittedEvent>(
    BATCH,
    {
      id: BigInt(event.id),
      organizationId,
      type,
      actorId,
      subjectId,
      payload: event.payload,
      createdAt: event.created_at,
      webhookIds: event.webhook_ids.map(Number),
    },
    publish,
  );
}

/**
 * Records `type` for `row` (a node of type `node`), shown by its domain's presenter, and gives the
 * row back: `return ok(await withEvent(tx, viewer, 'task.created', 'Task', task, presentTask))`.
 */
export async function withEvent<T extends { id: number }>(
  tx: ScopedTx,
  actor: Actor,
  type: EventType,
  node: string,
  row: T,
  present: (row: T, viewer: Viewer) => Payload | null | Promise<Payload | null>,
): Promise<T> {
  await recordEvent(tx, actor, type, { node, id: row.id }, (viewer) => present(row, viewer));
  return row;
}
