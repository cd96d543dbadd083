// The outbox: every meaningful change records an event row in the change's own transaction, so an
// event exists exactly when its change was committed. Webhook deliveries are fanned out in the same
// transaction (one PENDING row per endpoint that wants the type); subscriptions and the delivery
// queue hear of committed events through `onEventsCommitted`.
//
// Order: an organization's events are numbered in the order their transactions commit. Before it
// takes an id, a transaction locks its organization's row (an UPDATE that changes nothing) and
// holds the lock until it commits, so a later id can never commit before an earlier one of the same
// organization. Webhooks deliver in id order (docs/events.md). The cost: the last moments of two
// writes of one organization -- from their first event to their commit -- run one after the other.
import { afterCommitBatch, inTransaction } from '../db/after-commit.js';
import type { ScopedTx } from '../db/scope.js';
import { globalId } from '../domain/kit/global-id.js';
import type { Payload } from '../domain/kit/shown.js';
import type { Viewer } from '../domain/viewer.js';
import type { Prisma } from '../generated/prisma/client.js';
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
  return { person: { id: 0, firstName: 'Operator', lastName: '', email: '' }, organization };
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
  // The organization's lock before the id: see "Order" above.
  await tx.organization.update({ where: { id: organizationId }, data: { lastDealNumber: { increment: 0 } }, select: { id: true } });
  const event = await tx.changeEvent.create({
    data: { organizationId, type, actorId: actor?.person.id ?? null, subjectId, payload: (payload ?? { id: subjectId }) as Prisma.InputJsonObject },
  });
  const webhooks = await tx.webhook.findMany({ where: { disabledAt: null, events: { has: type } }, select: { id: true } });
  if (webhooks.length) {
    await tx.webhookDelivery.createMany({ data: webhooks.map((w) => ({ organizationId, webhookId: w.id, eventId: event.id })) });
  }
  afterCommitBatch<CommittedEvent>(
    BATCH,
    {
      id: event.id,
      organizationId,
      type,
      actorId: event.actorId,
      subjectId,
      payload: event.payload,
      createdAt: event.createdAt,
      webhookIds: webhooks.map((w) => w.id),
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
