// Delivering an endpoint's pending events (docs/events.md, "Webhooks"). The rules:
//
// - Order: an endpoint only ever gets its OLDEST pending delivery (lowest event id). A delivery that
//   failed and waits for its next attempt holds back the later ones, so a receiver sees events in
//   the order they were created, each after the previous one was delivered or given up.
// - No attempt twice: an attempt is claimed with a guarded UPDATE (attempts = attempts + 1 where
//   attempts is still the number read), so of two workers that read the same delivery one claims
//   it and the other matches nothing. The claim also moves `nextAttemptAt` past the attempt's
//   deadline (a lease): while it is in flight the delivery is not due, so nothing behind it is
//   sent either; if the worker dies, the delivery is due again when the lease ends (at least once).
// - Backoff: a failed attempt is retried after base * 2^(attempt - 1), with +-20 % jitter so that
//   endpoints that failed together do not retry together; after `maxAttempts` the delivery is
//   FAILED and the endpoint's consecutive failures go up by one (a delivered one resets them); at
//   `disableAfterFailures` the endpoint is disabled.
// - No transaction is open during the HTTP call: each step is one short statement.
//
// The worker reads across organizations, so it uses the system client (never a resolver's).
import { encodeGlobalID } from '@pothos/plugin-relay';
import type { PrismaClient } from '../generated/prisma/client.js';
import { post, type PostOutcome } from './post.js';
import { signatureHeader } from './signature.js';
import type { AddressPolicy, Resolver } from './url-guard.js';

export interface DeliveryOptions {
  /** Attempts per delivery before it is FAILED. */
  maxAttempts: number;
  /** The first retry's delay in ms; each further one doubles it. */
  backoffBaseMs: number;
  /** One attempt's deadline in ms. */
  timeoutMs: number;
  /** Consecutive FAILED deliveries that disable an endpoint. */
  disableAfterFailures: number;
  policy: AddressPolicy;
  /** DNS, replaceable in tests. */
  resolve?: Resolver;
  /** Reports each attempt (logs, tests). */
  onAttempt?: (attempt: AttemptReport) => void;
}

export interface AttemptReport {
  webhookId: number;
  deliveryId: bigint;
  eventId: bigint;
  attempt: number;
  outcome: PostOutcome;
  /** What became of the delivery. */
  result: 'delivered' | 'retrying' | 'failed' | 'superseded';
  /** The endpoint was disabled by this failure. */
  disabled: boolean;
}

/** What a drain ended with, for the queue: nothing to do, come back at `until`, or go on (its share is used up). */
export type DrainOutcome = { kind: 'idle' } | { kind: 'wait'; until: Date } | { kind: 'more' };

/** A drain's share, so that one busy endpoint does not hold a worker while others wait. */
const MAX_DELIVERIES_PER_DRAIN = 50;
const MAX_DRAIN_MS = 30_000;
/** The lease beyond an attempt's deadline: recording its result must fit in it. */
const LEASE_MARGIN_MS = 30_000;
/** No retry is ever scheduled further out than this, whatever the settings. */
const MAX_BACKOFF_MS = 24 * 60 * 60 * 1000;

/** The delay before the attempt after `attempt` (1-based). `random` in [0, 1). */
export function backoffMs(attempt: number, baseMs: number, random: number = Math.random()): number {
  const plain = Math.min(baseMs * 2 ** (attempt - 1), MAX_BACKOFF_MS);
  return Math.round(plain * (0.8 + 0.4 * random));
}

interface EventRow {
  id: bigint;
  organizationId: number;
  type: string;
  actorId: number | null;
  subjectId: string;
  payload: unknown;
  createdAt: Date;
}

/**
 * The body of a delivery: the event with global ids (as `node(id:)` takes them) and the object as
 * the API showed it after the change (`data`). Receivers dedupe on `id`.
 */
export function eventBody(event: EventRow): string {
  return JSON.stringify({
    id: encodeGlobalID('ChangeEvent', event.id),
    type: event.type,
    createdAt: event.createdAt.toISOString(),
    organizationId: encodeGlobalID('Organization', event.organizationId),
    actorId: event.actorId === null ? null : encodeGlobalID('Person', event.actorId),
    subjectId: event.subjectId,
    data: event.payload,
  });
}

export function deliveryHeaders(secret: string, event: EventRow, body: string, attempt: number, deliveryId: bigint): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'agency-gateway-webhooks/1',
    'gateway-event-id': encodeGlobalID('ChangeEvent', event.id),
    'gateway-event-type': event.type,
    'gateway-delivery-id': encodeGlobalID('WebhookDelivery', deliveryId),
    'gateway-delivery-attempt': String(attempt),
    'gateway-signature': signatureHeader(secret, body),
  };
}

/** Claims the next attempt of a due delivery; the attempt's number, or null when another worker took it or it is not due. */
async function claim(prisma: PrismaClient, id: bigint, seen: number, leaseMs: number): Promise<number | null> {
  const rows = await prisma.$queryRaw<Array<{ attempts: number }>>`
    UPDATE webhook_deliveries
       SET attempts = attempts + 1, last_attempt_at = now(), next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000}::float8)
     WHERE id = ${id} AND status = 'PENDING' AND attempts = ${seen} AND next_attempt_at <= now()
 RETURNING attempts`;
  return rows[0]?.attempts ?? null;
}

async function delivered(prisma: PrismaClient, id: bigint, webhookId: number, attempt: number, status: number): Promise<boolean> {
  const updated = await prisma.$executeRaw`
    UPDATE webhook_deliveries
       SET status = 'DELIVERED', delivered_at = now(), last_response_code = ${status}, last_error = NULL
     WHERE id = ${id} AND status = 'PENDING' AND attempts = ${attempt}`;
  if (updated) await prisma.$executeRaw`UPDATE webhooks SET consecutive_failures = 0 WHERE id = ${webhookId} AND consecutive_failures <> 0`;
  return updated > 0;
}

async function retryLater(prisma: PrismaClient, id: bigint, attempt: number, outcome: PostOutcome & { delivered: false }, delayMs: number): Promise<Date | null> {
  const rows = await prisma.$queryRaw<Array<{ next: Date }>>`
    UPDATE webhook_deliveries
       SET next_attempt_at = now() + make_interval(secs => ${delayMs / 1000}::float8), last_response_code = ${outcome.status}, last_error = ${outcome.error}
     WHERE id = ${id} AND status = 'PENDING' AND attempts = ${attempt}
 RETURNING next_attempt_at AS next`;
  return rows[0]?.next ?? null;
}

/** Marks the delivery FAILED and counts it on its endpoint, in one statement; whether that disabled the endpoint, or null when superseded. */
async function failed(
  prisma: PrismaClient,
  id: bigint,
  attempt: number,
  outcome: PostOutcome & { delivered: false },
  threshold: number,
): Promise<{ disabled: boolean } | null> {
  const reason = `Disabled after ${threshold} deliveries in a row failed (last: ${outcome.error}).`;
  const rows = await prisma.$queryRaw<Array<{ disabled: boolean }>>`
    WITH failed AS (
      UPDATE webhook_deliveries
         SET status = 'FAILED', last_response_code = ${outcome.status}, last_error = ${outcome.error}
       WHERE id = ${id} AND status = 'PENDING' AND attempts = ${attempt}
   RETURNING webhook_id
    )
    UPDATE webhooks w
       SET consecutive_failures = w.consecutive_failures + 1,
           disabled_at = CASE WHEN w.disabled_at IS NULL AND w.consecutive_failures + 1 >= ${threshold} THEN now() ELSE w.disabled_at END,
           disabled_reason = CASE WHEN w.disabled_at IS NULL AND w.consecutive_failures + 1 >= ${threshold} THEN ${reason} ELSE w.disabled_reason END
      FROM failed
     WHERE w.id = failed.webhook_id
 RETURNING (w.disabled_at IS NOT NULL) AS disabled`;
  return rows[0] ?? null;
}

/**
 * Delivers an endpoint's pending events, oldest first, until none is due, one waits for a retry,
 * or the drain's share is used up. Safe to run in several workers at once (see the top of the file).
 */
export async function drainWebhook(prisma: PrismaClient, webhookId: number, options: DeliveryOptions): Promise<DrainOutcome> {
  const started = Date.now();
  const leaseMs = options.timeoutMs + LEASE_MARGIN_MS;
  for (let round = 0; round < 2 * MAX_DELIVERIES_PER_DRAIN; round++) {
    if (round >= MAX_DELIVERIES_PER_DRAIN || Date.now() - started > MAX_DRAIN_MS) return { kind: 'more' };
    const webhook = await prisma.webhook.findUnique({ where: { id: webhookId }, select: { url: true, secret: true, disabledAt: true } });
    // Gone, or disabled: its pending deliveries wait (enabling it again sends them).
    if (!webhook || webhook.disabledAt) return { kind: 'idle' };
    const head = await prisma.webhookDelivery.findFirst({
      where: { webhookId, status: 'PENDING' },
      orderBy: { eventId: 'asc' },
      select: {
        id: true,
        attempts: true,
        event: { select: { id: true, organizationId: true, type: true, actorId: true, subjectId: true, payload: true, createdAt: true } },
      },
    });
    if (!head) return { kind: 'idle' };

    const attempt = await claim(prisma, head.id, head.attempts, leaseMs);
    if (attempt === null) {
      // Not due yet (a retry waits, or another worker's attempt is in flight), or taken meanwhile.
      const now = await prisma.webhookDelivery.findUnique({ where: { id: head.id }, select: { status: true, nextAttemptAt: true } });
      if (now?.status === 'PENDING') return { kind: 'wait', until: now.nextAttemptAt };
      continue;
    }

    const body = eventBody(head.event);
    const outcome = await post({
      url: webhook.url,
      body,
      headers: deliveryHeaders(webhook.secret, head.event, body, attempt, head.id),
      timeoutMs: options.timeoutMs,
      policy: options.policy,
      resolve: options.resolve,
    });
    const report = (result: AttemptReport['result'], disabled = false) =>
      options.onAttempt?.({ webhookId, deliveryId: head.id, eventId: head.event.id, attempt, outcome, result, disabled });

    if (outcome.delivered) {
      report((await delivered(prisma, head.id, webhookId, attempt, outcome.status)) ? 'delivered' : 'superseded');
      continue;
    }
    if (attempt < options.maxAttempts) {
      const next = await retryLater(prisma, head.id, attempt, outcome, backoffMs(attempt, options.backoffBaseMs));
      report(next ? 'retrying' : 'superseded');
      // The later events wait behind this one (order); the queue comes back when it is due.
      if (next) return { kind: 'wait', until: next };
      continue;
    }
    const end = await failed(prisma, head.id, attempt, outcome, options.disableAfterFailures);
    report(end ? 'failed' : 'superseded', end?.disabled ?? false);
    if (end?.disabled) return { kind: 'idle' };
  }
  return { kind: 'more' };
}

/**
 * Endpoints whose oldest pending delivery is due: what a sweep wakes. It catches what no nudge
 * announced -- events written by another process (the CLI), a worker that died mid-drain, an
 * endpoint enabled again -- at the cost of one statement per sweep.
 */
export async function dueWebhooks(prisma: PrismaClient, limit = 1000): Promise<number[]> {
  const rows = await prisma.$queryRaw<Array<{ webhook_id: number }>>`
    SELECT head.webhook_id
      FROM (SELECT DISTINCT ON (d.webhook_id) d.webhook_id, d.next_attempt_at
              FROM webhook_deliveries d
             WHERE d.status = 'PENDING'
          ORDER BY d.webhook_id, d.event_id) head
      JOIN webhooks w ON w.id = head.webhook_id AND w.disabled_at IS NULL
     WHERE head.next_attempt_at <= now()
     LIMIT ${limit}`;
  return rows.map((r) => Number(r.webhook_id));
}
