// The delivery service: pg-boss jobs that drain endpoints (src/webhooks/deliver.ts), on the same
// database as the data, in the gateway process (WEBHOOK_DELIVERY=inline) or in `npm run worker`.
//
// One job kind, `webhook-drain { webhookId }`. A job is sent when an event for the endpoint commits
// (onEventsCommitted), when a drain must come back later (a retry's time; the job's startAfter),
// and by a periodic sweep of endpoints with a due delivery (events written by other processes,
// workers that died, endpoints enabled again). Jobs only say "look at this endpoint": correctness
// (order, no attempt twice) comes from the delivery rows' guarded claims, so duplicate or
// concurrent jobs are harmless, and any number of processes may run the service.
//
// Queue policy `short`: at most one QUEUED job per singleton key (sending another is a no-op), any
// number active. Immediate jobs use the key `<id>`, so a burst of events is one queued job per
// endpoint; a later one uses `<id>@<due time>`, so it never swallows, nor is swallowed by, a job
// for another time. (`stately` -- one queued and one active per key -- looks closer, but in
// pg-boss 10 a fetch that would activate a second job of an active key fails on the unique index,
// pg-boss ignores the failure, and the whole queue stalls until the first job ends.)
//
// Fairness (src/webhooks/deliver.ts): a drain whose organization is at its cap, or whose slow
// endpoint finds this process's slow share taken, attempts nothing and is sent again for a moment
// later. Such a job, and one that continues a drain whose share is used up, is sent at a lower
// priority: workers take the jobs of new events and due retries first (pg-boss fetches by priority,
// then age), so a busy organization's backlog never stands in front of another's new event, and
// the backlog's jobs take turns among themselves (each goes to the back when sent again).
//
// The queue itself (pg-boss, its pool or PGlite's script runner): src/db/job-queue.ts.
import type PgBoss from 'pg-boss';
import type { ScriptRunner } from '../db/client.js';
import { startJobQueue } from '../db/job-queue.js';
import { onEventsCommitted } from '../changes/outbox.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Logger } from '../observability/logger.js';
import type { WebhookMetrics } from '../observability/metrics.js';
import { drainWebhook, dueWebhooks, slowShare, type DeliveryOptions } from './deliver.js';
import { onWebhookNudge } from './nudges.js';

export const DRAIN_QUEUE = 'webhook-drain';
/** A drain due within this is woken by a timer of this process rather than found by polling. */
const SOON_MS = 60_000;
/** Connections of the queue's own pool on PostgreSQL. */
const QUEUE_POOL_SIZE = 4;
/** A deferred drain comes back after this (ms), +-50 % so that the deferred ones spread out. */
const DEFER_MS = 750;
/** Below the default 0: deferred drains and continued ones wait until no new event's or retry's job is due. */
const BACKLOG_PRIORITY = -1;

export interface DeliveryServiceOptions extends DeliveryOptions {
  /** The system client: deliveries are read across organizations. */
  prisma: PrismaClient;
  /** PostgreSQL: pg-boss's own pool. Without it, `scripts` carries pg-boss's SQL (PGlite). */
  connectionString?: string;
  scripts: ScriptRunner;
  logger: Logger;
  /** Endpoints drained at once by this process. */
  concurrency: number;
  /**
   * How often endpoints with a due delivery are looked for, in ms (also once at start); 0 for never
   * (tests: a sweep would also pick up deliveries of other tests sharing the database).
   */
  sweepIntervalMs: number;
  /** How often each worker asks the queue for a job when it was not told of one, in seconds (at least 0.5). */
  pollingIntervalSeconds?: number;
  /** Counts attempts and deferrals (the app's /metrics), when given. */
  metrics?: WebhookMetrics;
}

export interface DeliveryService {
  /** Asks for the endpoints to be drained now (a no-op for one that already has a queued job). */
  nudge(webhookIds: Iterable<number>): Promise<void>;
  /** One sweep now (also runs every `sweepIntervalMs`). */
  sweep(): Promise<void>;
  /** Stops taking jobs, lets the running drains finish (at most `timeoutMs`), and stops the queue. */
  stop(timeoutMs?: number): Promise<void>;
}

interface DrainJob {
  webhookId: number;
}

export async function startDelivery(options: DeliveryServiceOptions): Promise<DeliveryService> {
  const { prisma, logger } = options;
  const log = logger.child({ component: 'webhooks' });
  let stopping = false;
  // While stopping, a worker's last poll may meet the closing pool: not worth an error line.
  const boss = await startJobQueue({ ...options, poolSize: QUEUE_POOL_SIZE, name: 'webhooks' }, (error: Error) => stopping || log.error({ err: error }, 'webhook queue error'));
  await boss.createQueue(DRAIN_QUEUE, {
    name: DRAIN_QUEUE,
    policy: 'short',
    // A drain that threw (the database was away) runs again; the sweep is the last resort.
    retryLimit: 5,
    retryDelay: 5,
    retryBackoff: true,
    // Far above a drain's share (30 s plus one attempt's deadline).
    expireInSeconds: 15 * 60,
  });

  const workers: string[] = [];
  const send = async (webhookId: number, at?: Date, priority = 0) => {
    await boss.send(
      DRAIN_QUEUE,
      { webhookId } satisfies DrainJob,
      at ? { singletonKey: `${webhookId}@${at.getTime()}`, startAfter: at, priority } : { singletonKey: String(webhookId), priority },
    );
  };
  const wake = () => workers.forEach((id) => boss.notifyWorker(id));

  // Half the slots at most (at least one) attempt slow endpoints: the rest stay for the others.
  const share = slowShare(Math.max(1, Math.floor(options.concurrency / 2)));
  const handle = async ([job]: PgBoss.Job<DrainJob>[]) => {
    const { webhookId } = job!.data;
    const outcome = await drainWebhook(
      prisma,
      webhookId,
      {
        ...options,
        onAttempt: (report) => {
          options.metrics?.attempts.inc({ outcome: report.result });
          options.onAttempt?.(report);
          if (report.disabled) {
            const { outcome } = report;
            // `detail` is the operator's (it may name internal addresses); the endpoint shows only `error`.
            log.warn(
              { webhookId, error: outcome.delivered ? undefined : outcome.error, detail: outcome.delivered ? undefined : outcome.detail },
              'webhook disabled: deliveries kept failing',
            );
          }
        },
      },
      share,
    );
    if (outcome.kind === 'deferred') {
      options.metrics?.deferred.inc({ reason: outcome.reason });
      const inMs = Math.round(DEFER_MS * (0.5 + Math.random()));
      await send(webhookId, new Date(Date.now() + inMs), BACKLOG_PRIORITY);
      setTimeout(wake, inMs + 5).unref();
      // This worker goes on to the next job now rather than after its polling interval.
      wake();
    }
    if (outcome.kind === 'wait') {
      await send(webhookId, outcome.until);
      // Workers would find the job at their next poll; a retry due soon is worth waking them for.
      const inMs = outcome.until.getTime() - Date.now();
      if (inMs < SOON_MS) setTimeout(wake, Math.max(inMs, 0) + 5).unref();
    }
    if (outcome.kind === 'more') {
      await send(webhookId, undefined, BACKLOG_PRIORITY);
      wake();
    }
  };
  for (let i = 0; i < options.concurrency; i++) {
    workers.push(await boss.work<DrainJob>(DRAIN_QUEUE, { batchSize: 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 }, handle));
  }

  const nudge = async (webhookIds: Iterable<number>) => {
    for (const id of new Set(webhookIds)) await send(id);
    wake();
  };
  const report = (what: string) => (error: unknown) => log.error({ err: error }, what);

  let sweeping: Promise<void> | undefined;
  const sweep = () =>
    (sweeping ??= (async () => {
      try {
        await nudge(await dueWebhooks(prisma));
      } finally {
        sweeping = undefined;
      }
    })());
  const timer = options.sweepIntervalMs ? setInterval(() => sweep().catch(report('webhook sweep failed')), options.sweepIntervalMs) : undefined;
  timer?.unref();
  if (options.sweepIntervalMs) await sweep().catch(report('webhook sweep failed'));

  // After commit, outside the writer's request: a failure here is logged, and the sweep catches up.
  const unsubscribe = onEventsCommitted((events) => {
    const ids = events.flatMap((e) => e.webhookIds);
    if (ids.length) nudge(ids).catch(report('webhook nudge failed'));
  });
  const unsubscribeNudges = onWebhookNudge((ids) => nudge(ids).catch(report('webhook nudge failed')));

  log.info(
    { concurrency: options.concurrency, organizationConcurrency: options.organizationConcurrency, queue: options.connectionString ? 'own pool' : 'script runner' },
    'webhook delivery started',
  );
  if (options.concurrency <= options.organizationConcurrency) {
    // Then one organization's slow receivers can take every slot of this process.
    log.warn(
      { concurrency: options.concurrency, organizationConcurrency: options.organizationConcurrency },
      'WEBHOOK_CONCURRENCY should be above WEBHOOK_ORGANIZATION_CONCURRENCY: one organization can fill this process',
    );
  }
  return {
    nudge,
    sweep,
    async stop(timeoutMs = 10_000) {
      stopping = true;
      clearInterval(timer);
      unsubscribe();
      unsubscribeNudges();
      await sweeping?.catch(() => undefined);
      await boss.stop({ graceful: true, timeout: timeoutMs, wait: true });
    },
  };
}
