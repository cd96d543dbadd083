// The process's Prometheus metrics (prom-client), served at /metrics. One registry per app, so that
// tests that create several apps in one process do not share counts.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface Metrics {
  registry: Registry;
  /** GraphQL operations, by operation name and outcome (ok, user_error, error, throttled, unauthenticated). */
  operations: Counter<'operation' | 'outcome'>;
  /** Their duration in seconds, by the same labels. */
  operationSeconds: Histogram<'operation' | 'outcome'>;
  /** Requests refused by the rate limiter, by why (cost, authentication). */
  rateLimitRejections: Counter<'reason'>;
  /**
   * Queries run again on the primary after their read replica failed them, by why: `unavailable`
   * (unreachable, shut down: it leaves the rotation) or `conflict` (cancelled by the standby's recovery).
   */
  replicaFallbacks: Counter<'reason'>;
}

export interface MetricsOptions {
  /**
   * The process's own metrics (CPU, memory, event-loop lag, GC, handles; prom-client's
   * collectDefaultMetrics) in the same registry. On by default.
   */
  processMetrics?: boolean;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return {
    registry,
    operations: new Counter({
      name: 'gateway_graphql_operations_total',
      help: 'GraphQL operations by operation name and outcome.',
      labelNames: ['operation', 'outcome'],
      registers: [registry],
    }),
    operationSeconds: new Histogram({
      name: 'gateway_graphql_operation_duration_seconds',
      help: 'Duration of GraphQL operations, by operation name and outcome.',
      labelNames: ['operation', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    rateLimitRejections: new Counter({
      name: 'gateway_rate_limit_rejections_total',
      help: 'Requests refused by the rate limiter, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
    replicaFallbacks: new Counter({
      name: 'gateway_db_replica_fallbacks_total',
      help: 'Query operations run again on the primary because their read replica failed them, by reason (unavailable, conflict).',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}

/** Where SQL statements go: the primary, or a read replica (DATABASE_REPLICA_URLS). */
export type StatementTarget = 'primary' | 'replica';

const STATEMENTS = 'gateway_db_statements_total';

/**
 * `gateway_db_statements_total{target}`: the SQL statements sent to the primary and to the read
 * replicas (all replicas summed), read from the databases' statement counters (src/db/statements.ts,
 * their never-reset `total`) at each scrape. A target is listed once it has a counter. Registered once
 * per registry: a second call on the same registry does nothing.
 */
export function registerStatementMetrics(
  registry: Registry,
  counters: Partial<Record<StatementTarget, ReadonlyArray<{ readonly total: number }>>>,
): void {
  const targets = (Object.entries(counters) as Array<[StatementTarget, ReadonlyArray<{ readonly total: number }>]>).filter(
    ([, list]) => list.length > 0,
  );
  if (targets.length === 0 || registry.getSingleMetric(STATEMENTS)) return;
  const seen = new Map<StatementTarget, number>();
  const counter = new Counter({
    name: STATEMENTS,
    help: 'SQL statements sent to the database, by target: the primary or the read replicas (DATABASE_REPLICA_URLS).',
    labelNames: ['target'],
    registers: [registry],
    collect() {
      // The counters only grow: what they gained since the last scrape is added.
      for (const [target, list] of targets) {
        const total = list.reduce((sum, c) => sum + c.total, 0);
        const gained = total - (seen.get(target) ?? 0);
        if (gained > 0) this.inc({ target }, gained);
        seen.set(target, total);
      }
    },
  });
  // Listed from the first scrape, at 0 when nothing was sent yet.
  for (const [target] of targets) counter.inc({ target }, 0);
}

const REPLICAS_AVAILABLE = 'gateway_db_replicas_available';

/**
 * `gateway_db_replicas_available` (replicas in rotation now) and `gateway_db_replicas` (replicas
 * configured), read at each scrape. Registered once per registry.
 */
export function registerReplicaMetrics(registry: Registry, state: () => { available: number; configured: number }): void {
  if (registry.getSingleMetric(REPLICAS_AVAILABLE)) return;
  new Gauge({
    name: REPLICAS_AVAILABLE,
    help: 'Read replicas in rotation now: reachable at their last use or probe. Queries go to the primary when none is.',
    registers: [registry],
    collect() {
      this.set(state().available);
    },
  });
  new Gauge({
    name: 'gateway_db_replicas',
    help: 'Read replicas configured (DATABASE_REPLICA_URLS).',
    registers: [registry],
    collect() {
      this.set(state().configured);
    },
  });
}

/** A connection pool's state at one moment (pg.Pool's counters). */
export interface PoolStats {
  /** Open connections, idle or busy. */
  total: number;
  idle: number;
  /** Queries waiting for a connection: above 0 for long, the pool is too small (or the database too slow). */
  waiting: number;
  /** The most connections the pool opens. */
  max: number;
}

const POOL_GAUGES = {
  total: ['gateway_db_pool_connections', 'Open connections of the database pool (idle or busy).'],
  idle: ['gateway_db_pool_idle_connections', 'Idle connections of the database pool.'],
  waiting: ['gateway_db_pool_waiting_queries', 'Queries waiting for a connection of the database pool.'],
  max: ['gateway_db_pool_max_connections', 'The most connections the database pool opens.'],
} as const satisfies Record<keyof PoolStats, readonly [string, string]>;

/**
 * Gauges read from `stats` at each scrape (nothing runs between scrapes). Registered once per
 * registry: a second call on the same registry does nothing.
 */
export function registerPoolMetrics(registry: Registry, stats: () => PoolStats | undefined): void {
  for (const [key, [name, help]] of Object.entries(POOL_GAUGES) as Array<[keyof PoolStats, readonly [string, string]]>) {
    if (registry.getSingleMetric(name)) continue;
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const current = stats();
        if (current) this.set(current[key]);
      },
    });
  }
}

const SUBSCRIPTIONS_OPEN = 'gateway_subscriptions_open';

/**
 * `gateway_subscriptions_open`: live subscriptions (open SSE streams) on this instance, read from
 * their slots (src/changes/slots.ts) at each scrape. Registered once per registry.
 */
export function registerSubscriptionMetrics(registry: Registry, open: () => number): void {
  if (registry.getSingleMetric(SUBSCRIPTIONS_OPEN)) return;
  new Gauge({
    name: SUBSCRIPTIONS_OPEN,
    help: 'Live subscriptions (open Server-Sent Events streams) on this instance.',
    registers: [registry],
    collect() {
      this.set(open());
    },
  });
}

/** Webhook delivery's counters (src/webhooks/queue.ts), in the registry of the process that delivers. */
export interface WebhookMetrics {
  /** Delivery attempts by what became of the delivery: delivered, retrying, failed (out of attempts), superseded. */
  attempts: Counter<'outcome'>;
  /** Drains put back without an attempt, by why: organization_busy (its cap), slow_share_full. */
  deferred: Counter<'reason'>;
}

const WEBHOOK_ATTEMPTS = 'gateway_webhook_delivery_attempts_total';
const WEBHOOK_DEFERRED = 'gateway_webhook_drains_deferred_total';

/** The webhook counters of `registry`, created on first use (each label listed at 0 from the start). */
export function webhookMetrics(registry: Registry): WebhookMetrics {
  const existing = registry.getSingleMetric(WEBHOOK_ATTEMPTS) as Counter<'outcome'> | undefined;
  if (existing) return { attempts: existing, deferred: registry.getSingleMetric(WEBHOOK_DEFERRED) as Counter<'reason'> };
  const attempts = new Counter({
    name: WEBHOOK_ATTEMPTS,
    help: 'Webhook delivery attempts, by outcome: delivered, retrying (failed, tried again later), failed (out of attempts), superseded.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const deferred = new Counter({
    name: WEBHOOK_DEFERRED,
    help: 'Webhook drains put back without an attempt, by reason: organization_busy (WEBHOOK_ORGANIZATION_CONCURRENCY), slow_share_full.',
    labelNames: ['reason'],
    registers: [registry],
  });
  for (const outcome of ['delivered', 'retrying', 'failed', 'superseded']) attempts.inc({ outcome }, 0);
  for (const reason of ['organization_busy', 'slow_share_full']) deferred.inc({ reason }, 0);
  return { attempts, deferred };
}

/** Pending webhook deliveries at one moment, by state. */
export interface WebhookBacklog {
  /** An attempt is under way. */
  in_flight: number;
  /** Waiting for a slot, their retry time, or the deliveries before them, on enabled endpoints. */
  queued: number;
  /** On disabled endpoints: they wait until the endpoint is enabled again. */
  held: number;
}

const WEBHOOK_PENDING = 'gateway_webhook_deliveries_pending';

/**
 * `gateway_webhook_deliveries_pending{state}`: the delivery queue's depth, read from the database at
 * each scrape (every process sees the same numbers). Registered once per registry.
 */
export function registerWebhookQueueMetrics(registry: Registry, read: () => Promise<WebhookBacklog>): void {
  if (registry.getSingleMetric(WEBHOOK_PENDING)) return;
  new Gauge({
    name: WEBHOOK_PENDING,
    help: 'Pending webhook deliveries, by state: in_flight, queued (enabled endpoints), held (disabled endpoints).',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      try {
        const backlog = await read();
        for (const [state, n] of Object.entries(backlog)) this.set({ state }, n);
      } catch {
        // The database did not answer: no value rather than a stale one (and the rest of /metrics still answers).
        this.reset();
      }
    },
  });
}

const EXPORTS_UNFINISHED = 'gateway_bulk_exports_unfinished';

/** Bulk exports not finished yet, by status, read from the database at each scrape (whichever process runs them). */
export function registerExportMetrics(registry: Registry, read: () => Promise<Record<'created' | 'running' | 'stalled', number>>): void {
  if (registry.getSingleMetric(EXPORTS_UNFINISHED)) return;
  new Gauge({
    name: EXPORTS_UNFINISHED,
    help: 'Bulk exports not finished, by state: created (waiting for a worker), running, stalled (running, but no page written within the lease).',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      try {
        for (const [state, n] of Object.entries(await read())) this.set({ state }, n);
      } catch {
        this.reset();
      }
    },
  });
}
