// Delivering an endpoint's pending events (docs/events.md, "Webhooks"). The rules:
//
// - Order: an endpoint only ever gets its OLDEST pending delivery in commit order -- the lowest
//   (transaction_id, event_id), among those below the oldest transaction still running
//   (pg_snapshot_xmin, src/changes/outbox.ts), so that a delivery whose transaction commits late can
//   never be overtaken by one written after it began. A delivery that failed and waits for its next
//   attempt holds back the later ones, so a receiver sees events in the order of the event log,
//   each after the previous one was delivered or given up.
// - No attempt twice: an attempt is claimed with a guarded UPDATE (attempts = attempts + 1 where
//   attempts is still the number read), so of two workers that read the same delivery one claims
//   it and the other matches nothing. The claim also moves `nextAttemptAt` past the attempt's
//   deadline (a lease): while it is in flight the delivery is not due, so nothing behind it is
//   sent either; if the worker dies, the delivery is due again when the lease ends (at least once).
// - Backoff: a failed attempt is retried after base * 2^(attempt - 1), with +-20 % jitter so that
//   endpoints that failed together do not retry together; after `maxAttempts` the delivery is
//   FAILED and the endpoint's consecutive failures go up by one (a delivered one resets them); at
//   `disableAfterFailures` the endpoint is disabled.
// - Fairness between organizations: an organization has at most `organizationConcurrency` attempts
//   in flight at once, across every worker. A claim sets `leased_until` (cleared when the result is
//   recorded, or lapsing with the lease) and counts the organization's leases under a transaction
//   advisory lock per organization, so two workers cannot both take its last place. A drain whose
//   organization is at its cap is deferred (its job comes back shortly, behind the others), and the
//   worker takes the next job: one organization's receivers never hold more than that many slots.
// - Slow endpoints: an attempt that takes `slowMs` or longer (a timeout, or a success after 9 s)
//   marks the endpoint slow (`webhooks.slow_since`; a fast attempt clears it). A slow endpoint's
//   drain makes one attempt and yields (its job goes to the back of the queue), and in a process at
//   most half the slots (`SlowShare`) attempt slow endpoints, so several organizations with slow
//   receivers still leave the other half to everyone else.
// - No transaction is open during the HTTP call: each step is one short statement (the claim: a
//   short transaction of two).
//
// The worker reads across organizations, so it uses the system client (never a resolver's).
import { globalId } from '../domain/kit/global-id.js';
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
  /** Attempts one organization may have in flight at once, across every worker. */
  organizationConcurrency: number;
  /** An attempt that takes at least this long (ms), delivered or not, marks its endpoint slow. */
  slowMs: number;
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

/**
 * What a drain ended with, for the queue: nothing to do, come back at `until`, go on (its share is
 * used up), or come back shortly because its organization is at its cap or this process's slots for
 * slow endpoints are taken (nothing was attempted).
 */
export type DrainOutcome =
  | { kind: 'idle' }
  | { kind: 'wait'; until: Date }
  | { kind: 'more' }
  | { kind: 'deferred'; reason: DeferReason };

export type DeferReason = 'organization_busy' | 'slow_share_full';

/** A process's slots for slow endpoints: `tryEnter` takes one if any is free. */
export interface SlowShare {
  tryEnter(): boolean;
  leave(): void;
}

/** At most `size` of a process's slots attempt slow endpoints at once. */
export function slowShare(size: number): SlowShare {
  let used = 0;
  return {
    tryEnter: () => (used < size ? (used++, true) : false),
    leave: () => void (used = Math.max(0, used - 1)),
  };
}

/** The advisory lock class (first key of the two-integer form) of the per-organization claim lock. */
const ORGANIZATION_CLAIM_LOCK = 0x77686f6f; // 'whoo'

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
    id: globalId('ChangeEvent', event.id),
    type: event.type,
    createdAt: event.createdAt.toISOString(),
    organizationId: globalId('Organization', event.organizationId),
    actorId: event.actorId === null ? null : globalId('Person', event.actorId),
    subjectId: event.subjectId,
    data: event.payload,
  });
}

export function deliveryHeaders(secret: string, event: EventRow, body: string, attempt: number, deliveryId: bigint): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'agency-gateway-webhooks/1',
    'gateway-event-id': globalId('ChangeEvent', event.id),
    'gateway-event-type': event.type,
    'gateway-delivery-id': globalId('WebhookDelivery', deliveryId),
    'gateway-delivery-attempt': String(attempt),
    'gateway-signature': signatureHeader(secret, body),
  };
}

/** An endpoint's oldest pending delivery in commit order, with its event; null when none is readable yet. */
async function oldestPending(prisma: PrismaClient, webhookId: number): Promise<{ id: bigint; attempts: number; event: EventRow } | null> {
  const [row] = await prisma.$queryRaw<
    Array<{ id: bigint; attempts: number; event_id: bigint; organization_id: number; type: string; actor_id: number | null; subject_id: string; payload: unknown; created_at: Date }>
  >`
    SELECT d.id, d.attempts, e.id AS event_id, e.organization_id, e.type, e.actor_id, e.subject_id, e.payload, e.created_at
      FROM webhook_deliveries d
      JOIN change_events e ON e.organization_id = d.organization_id AND e.id = d.event_id
     WHERE d.webhook_id = ${webhookId} AND d.status = 'PENDING'
       AND d.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
  ORDER BY d.transaction_id, d.event_id
     LIMIT 1`;
  if (!row) return null;
  return {
    id: BigInt(row.id),
    attempts: Number(row.attempts),
    event: {
      id: BigInt(row.event_id),
      organizationId: Number(row.organization_id),
      type: row.type,
      actorId: row.actor_id === null ? null : Number(row.actor_id),
      subjectId: row.subject_id,
      payload: row.payload,
      createdAt: row.created_at,
    },
  };
}

/**
 * Whether the endpoint has pending deliveries that readers cannot see yet: written by a transaction
 * above the horizon (one that began before another transaction still running on the server, which
 * may be in another database). Its nudge came after its commit, so only the horizon holds it back.
 */
async function heldBack(prisma: PrismaClient, webhookId: number): Promise<boolean> {
  const [row] = await prisma.$queryRaw<Array<{ held: boolean }>>`
    SELECT EXISTS (
      SELECT 1 FROM webhook_deliveries
       WHERE webhook_id = ${webhookId} AND status = 'PENDING'
         AND transaction_id >= pg_snapshot_xmin(pg_current_snapshot())
    ) AS held`;
  return row?.held === true;
}

/** How soon a drain whose deliveries the horizon holds back looks again (rather than at the next sweep). */
export const HELD_BACK_RETRY_MS = 200;

type Claim = { kind: 'claimed'; attempt: number } | { kind: 'busy' } | { kind: 'missed' };

/**
 * Claims the next attempt of a due delivery, if its organization has fewer than `cap` attempts in
 * flight: the attempt's number; `busy` when the organization is at its cap; `missed` when another
 * worker took it or it is not due. The count and the claim run under the organization's lock, in a
 * second statement (a fresh snapshot at READ COMMITTED): it sees every claim committed before.
 */
async function claim(prisma: PrismaClient, id: bigint, organizationId: number, seen: number, leaseMs: number, cap: number): Promise<Claim> {
  const [, rows] = await prisma.$transaction([
    prisma.$executeRaw`SELECT pg_advisory_xact_lock(${ORGANIZATION_CLAIM_LOCK}::int4, ${organizationId}::int4)`,
    prisma.$queryRaw<Array<{ attempts: number | null; in_flight: number }>>`
      WITH busy AS (
        SELECT count(*)::int AS n FROM webhook_deliveries
         WHERE organization_id = ${organizationId} AND status = 'PENDING' AND leased_until > now()
      ), claimed AS (
        UPDATE webhook_deliveries
           SET attempts = attempts + 1, last_attempt_at = now(),
               next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000}::float8),
               leased_until = now() + make_interval(secs => ${leaseMs / 1000}::float8)
         WHERE id = ${id} AND status = 'PENDING' AND attempts = ${seen} AND next_attempt_at <= now()
           AND (SELECT n FROM busy) < ${cap}
     RETURNING attempts
      )
      SELECT (SELECT attempts FROM claimed) AS attempts, (SELECT n FROM busy) AS in_flight`,
  ]);
  const row = rows[0]!;
  if (row.attempts !== null) return { kind: 'claimed', attempt: row.attempts };
  return row.in_flight >= cap ? { kind: 'busy' } : { kind: 'missed' };
}

/** Marks the endpoint slow, or fast again; writes only when that changes. */
async function markSpeed(prisma: PrismaClient, webhookId: number, slow: boolean): Promise<void> {
  await prisma.$executeRaw`
    UPDATE webhooks SET slow_since = CASE WHEN ${slow} THEN now() ELSE NULL END
     WHERE id = ${webhookId} AND (slow_since IS NULL) = ${slow}`;
}

async function delivered(prisma: PrismaClient, id: bigint, webhookId: number, attempt: number, status: number): Promise<boolean> {
  const updated = await prisma.$executeRaw`
    UPDATE webhook_deliveries
       SET status = 'DELIVERED', delivered_at = now(), last_response_code = ${status}, last_error = NULL, leased_until = NULL
     WHERE id = ${id} AND status = 'PENDING' AND attempts = ${attempt}`;
  if (updated) await prisma.$executeRaw`UPDATE webhooks SET consecutive_failures = 0 WHERE id = ${webhookId} AND consecutive_failures <> 0`;
  return updated > 0;
}

async function retryLater(prisma: PrismaClient, id: bigint, attempt: number, outcome: PostOutcome & { delivered: false }, delayMs: number): Promise<Date | null> {
  const rows = await prisma.$queryRaw<Array<{ next: Date }>>`
    UPDATE webhook_deliveries
       SET next_attempt_at = now() + make_interval(secs => ${delayMs / 1000}::float8), last_response_code = ${outcome.status}, last_error = ${outcome.error},
           leased_until = NULL
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
         SET status = 'FAILED', last_response_code = ${outcome.status}, last_error = ${outcome.error}, leased_until = NULL
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
 * the drain's share is used up, or it must give way (its organization's cap, the process's share
 * for slow endpoints). Safe to run in several workers at once (see the top of the file). `share`:
 * this process's slots for slow endpoints (none given: no such limit).
 */
export async function drainWebhook(prisma: PrismaClient, webhookId: number, options: DeliveryOptions, share?: SlowShare): Promise<DrainOutcome> {
  let inShare = false;
  try {
    return await drain(prisma, webhookId, options, () => inShare || (inShare = share?.tryEnter() ?? true));
  } finally {
    if (inShare) share?.leave();
  }
}

async function drain(prisma: PrismaClient, webhookId: number, options: DeliveryOptions, enterSlowShare: () => boolean): Promise<DrainOutcome> {
  const started = Date.now();
  const leaseMs = options.timeoutMs + LEASE_MARGIN_MS;
  // A timeout is slow whatever the setting.
  const slowMs = Math.min(options.slowMs, options.timeoutMs);
  for (let round = 0; round < 2 * MAX_DELIVERIES_PER_DRAIN; round++) {
    if (round >= MAX_DELIVERIES_PER_DRAIN || Date.now() - started > MAX_DRAIN_MS) return { kind: 'more' };
    const webhook = await prisma.webhook.findUnique({
      where: { id: webhookId },
      select: { organizationId: true, url: true, secret: true, disabledAt: true, slowSince: true },
    });
    // Gone, or disabled: its pending deliveries wait (enabling it again sends them).
    if (!webhook || webhook.disabledAt) return { kind: 'idle' };
    const head = await oldestPending(prisma, webhookId);
    if (!head) {
      // Committed, but behind a transaction still running elsewhere: look again shortly, not at the
      // next sweep (seconds later), so that another program's open transaction delays it only as long.
      return round === 0 && (await heldBack(prisma, webhookId)) ? { kind: 'wait', until: new Date(Date.now() + HELD_BACK_RETRY_MS) } : { kind: 'idle' };
    }
    if (webhook.slowSince && !enterSlowShare()) return { kind: 'deferred', reason: 'slow_share_full' };

    const claimed = await claim(prisma, head.id, webhook.organizationId, head.attempts, leaseMs, options.organizationConcurrency);
    if (claimed.kind === 'busy') return { kind: 'deferred', reason: 'organization_busy' };
    if (claimed.kind === 'missed') {
      // Not due yet (a retry waits, or another worker's attempt is in flight), or taken meanwhile.
      const now = await prisma.webhookDelivery.findUnique({ where: { id: head.id }, select: { status: true, nextAttemptAt: true } });
      if (now?.status === 'PENDING') return { kind: 'wait', until: now.nextAttemptAt };
      continue;
    }
    const { attempt } = claimed;

    const body = eventBody(head.event);
    const sentAt = Date.now();
    const outcome = await post({
      url: webhook.url,
      body,
      headers: deliveryHeaders(webhook.secret, head.event, body, attempt, head.id),
      timeoutMs: options.timeoutMs,
      policy: options.policy,
      resolve: options.resolve,
    });
    const slow = Date.now() - sentAt >= slowMs;
    if (slow !== Boolean(webhook.slowSince)) await markSpeed(prisma, webhookId, slow);
    const report = (result: AttemptReport['result'], disabled = false) =>
      options.onAttempt?.({ webhookId, deliveryId: head.id, eventId: head.event.id, attempt, outcome, result, disabled });

    let next: DrainOutcome | undefined;
    if (outcome.delivered) {
      report((await delivered(prisma, head.id, webhookId, attempt, outcome.status)) ? 'delivered' : 'superseded');
    } else if (attempt < options.maxAttempts) {
      const at = await retryLater(prisma, head.id, attempt, outcome, backoffMs(attempt, options.backoffBaseMs));
      report(at ? 'retrying' : 'superseded');
      // The later events wait behind this one (order); the queue comes back when it is due.
      if (at) next = { kind: 'wait', until: at };
    } else {
      const end = await failed(prisma, head.id, attempt, outcome, options.disableAfterFailures);
      report(end ? 'failed' : 'superseded', end?.disabled ?? false);
      if (end?.disabled) next = { kind: 'idle' };
    }
    if (next) return next;
    // A slow endpoint's share is one attempt: its next one waits behind the jobs queued meanwhile.
    if (slow) return { kind: 'more' };
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
             WHERE d.status = 'PENDING' AND d.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
          ORDER BY d.webhook_id, d.transaction_id, d.event_id) head
      JOIN webhooks w ON w.id = head.webhook_id AND w.disabled_at IS NULL
     WHERE head.next_attempt_at <= now()
     LIMIT ${limit}`;
  return rows.map((r) => Number(r.webhook_id));
}

/** Pending deliveries by state, for /metrics (src/observability/metrics.ts). One statement over the pending rows only. */
export async function deliveryBacklog(prisma: PrismaClient): Promise<{ in_flight: number; queued: number; held: number }> {
  const [row] = await prisma.$queryRaw<Array<{ in_flight: number; queued: number; held: number }>>`
    SELECT count(*) FILTER (WHERE d.leased_until > now())::int AS in_flight,
           count(*) FILTER (WHERE (d.leased_until IS NULL OR d.leased_until <= now()) AND w.disabled_at IS NULL)::int AS queued,
           count(*) FILTER (WHERE (d.leased_until IS NULL OR d.leased_until <= now()) AND w.disabled_at IS NOT NULL)::int AS held
      FROM webhook_deliveries d
      JOIN webhooks w ON w.id = d.webhook_id
     WHERE d.status = 'PENDING'`;
  return row ?? { in_flight: 0, queued: 0, held: 0 };
}
