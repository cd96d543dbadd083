// What an operator watches (issue 12): /ready for load balancers, /metrics for Prometheus, one
// log line per GraphQL operation, the request's id and organization id on every log line of the
// request, and (when tracing is on) the OpenTelemetry plugin. /health is Yoga's own.
import { createHash, timingSafeEqual } from 'node:crypto';
import { getOperationAST, type DocumentNode, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Database } from '../db/client.js';
import { MIGRATIONS_DIR, readMigrations } from '../db/migrate.js';
import { withLogFields, type LogFields } from '../observability/log-context.js';
import type { Logger } from '../observability/logger.js';
import { createMetrics, registerPoolMetrics, type Metrics } from '../observability/metrics.js';
import { useTracing, type Tracing } from '../observability/tracing.js';

export interface ObservabilityOptions {
  metrics?: Metrics;
  /**
   * The database that /ready checks and whose pool /metrics reports (PostgreSQL only). Without
   * it, /ready answers 503: a load balancer must not send traffic to an app that cannot check.
   */
  database?: Pick<Database, 'prisma' | 'pool'>;
  /** The migrations /ready expects applied; the repository's prisma/migrations by default. */
  migrationsDir?: string;
  /** How long /ready waits for the database before answering 503 (ms). */
  readyTimeoutMs?: number;
  /** When set, /metrics requires `Authorization: Bearer <metricsToken>` (METRICS_TOKEN). */
  metricsToken?: string;
  /** When given, one info line per GraphQL operation (operation, outcome, status, duration). */
  logger?: Logger;
  /**
   * The request's id as the app assigned it (yoga.ts' requestIdPlugin), so that log lines written
   * before the context exists carry it too. Without it: a valid `x-request-id` header, then the
   * context's requestId.
   */
  requestId?: (request: Request) => string | undefined;
  /** Tracing started by startTracing (src/observability/tracing.ts): adds the OpenTelemetry plugin. */
  tracing?: Tracing;
  /**
   * Operation names are chosen by clients: the first `maxOperationNames` distinct well-formed names
   * get their own metric label, later ones count as "other" (a bounded number of time series).
   */
  maxOperationNames?: number;
  /** Where GraphQL is served (Yoga's graphqlEndpoint). */
  graphqlEndpoint?: string;
}

export type Outcome = 'ok' | 'user_error' | 'error' | 'throttled' | 'unauthenticated';

const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const REQUEST_ID = /^[\w.-]{1,100}$/;

/**
 * The metric label of an operation name: "anonymous" without a name; the name itself for the
 * first `max` distinct well-formed names (GraphQL names, at most 64 characters); "other" after.
 */
export function operationLabeler(max = 100): (name: string | undefined) => string {
  const known = new Set<string>();
  return (name) => {
    if (!name) return 'anonymous';
    if (known.has(name)) return name;
    if (known.size >= max || !OPERATION_NAME.test(name)) return 'other';
    known.add(name);
    return name;
  };
}

const SEVERITY: Record<Outcome, number> = { ok: 0, user_error: 1, error: 2, unauthenticated: 3, throttled: 4 };

/**
 * An operation's outcome from its result: a THROTTLED or UNAUTHENTICATED error says so, any other
 * error is "error", a mutation whose payload holds `userErrors` is "user_error" (only top-level
 * fields are looked at: every mutation of the schema returns a payload with `userErrors`).
 */
export function outcomeOf(result: unknown, operationType?: string): Outcome {
  if (Array.isArray(result)) {
    return result.map((r) => outcomeOf(r, operationType)).reduce((a, b) => (SEVERITY[b] > SEVERITY[a] ? b : a), 'ok');
  }
  if (!result || typeof result !== 'object' || Symbol.asyncIterator in result) return 'ok';
  const { errors, data } = result as { errors?: readonly GraphQLError[]; data?: Record<string, unknown> | null };
  if (errors?.length) {
    const codes = errors.map((e) => e.extensions?.code);
    if (codes.includes('THROTTLED')) return 'throttled';
    if (codes.includes('UNAUTHENTICATED')) return 'unauthenticated';
    return 'error';
  }
  if (operationType === 'mutation' && data) {
    for (const payload of Object.values(data)) {
      const userErrors = (payload as { userErrors?: unknown } | null)?.userErrors;
      if (Array.isArray(userErrors) && userErrors.length > 0) return 'user_error';
    }
  }
  return 'ok';
}

interface RequestState {
  start: number;
  log: LogFields;
  /** GraphQL parameters were read from the request: it is an operation. */
  graphql: boolean;
  name?: string;
  type?: string;
  outcome?: Outcome;
}

type ReadyAnswer = { ready: true } | { ready: false; reason: string; pending?: string[] };

/**
 * /ready's check: one statement per call. Until the repository's migrations have been seen
 * applied, it reads the applied ones from `_prisma_migrations` (as src/db/migrate.ts records them);
 * afterwards (migrations are never unapplied) a `SELECT 1`. Concurrent calls share one check.
 */
export function readinessCheck(
  database: Pick<Database, 'prisma'> | undefined,
  options: { migrationsDir?: string; timeoutMs?: number } = {},
): () => Promise<ReadyAnswer> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  let expected: Promise<string[]> | undefined;
  let migrated = false;
  let inFlight: Promise<ReadyAnswer> | undefined;

  async function check(): Promise<ReadyAnswer> {
    if (!database) return { ready: false, reason: 'no database configured' };
    const { prisma } = database;
    if (migrated) {
      await prisma.$queryRaw`SELECT 1`;
      return { ready: true };
    }
    expected ??= readMigrations(options.migrationsDir ?? MIGRATIONS_DIR)
      .then((all) => all.map((m) => m.name))
      .catch((error: unknown) => {
        expected = undefined;
        throw error;
      });
    const names = await expected;
    let rows: Array<{ migration_name: string }>;
    try {
      rows = await prisma.$queryRaw<Array<{ migration_name: string }>>`
        SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
    } catch (error) {
      if (/_prisma_migrations/.test(String((error as Error).message))) {
        return { ready: false, reason: 'migrations not applied', pending: names };
      }
      throw error;
    }
    const applied = new Set(rows.map((r) => r.migration_name));
    const pending = names.filter((n) => !applied.has(n));
    if (pending.length) return { ready: false, reason: 'migrations not applied', pending };
    migrated = true;
    return { ready: true };
  }

  return () =>
    (inFlight ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<ReadyAnswer>((resolve) => {
        timer = setTimeout(() => resolve({ ready: false, reason: `database did not answer within ${timeoutMs} ms` }), timeoutMs);
        timer.unref();
      });
      try {
        return await Promise.race([
          check().catch((): ReadyAnswer => ({ ready: false, reason: 'database unavailable' })),
          timeout,
        ]);
      } finally {
        clearTimeout(timer);
        inFlight = undefined;
      }
    })());
}

/** `Authorization: Bearer <token>` equals the expected token (constant time). */
function bearerMatches(header: string | null, token: string): boolean {
  const given = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
  if (!given) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(token));
}

export function useObservability(options: ObservabilityOptions = {}): Plugin {
  const metrics = options.metrics ?? createMetrics();
  const { registry } = metrics;
  const logger = options.logger;
  const graphqlEndpoint = options.graphqlEndpoint ?? '/graphql';
  const label = operationLabeler(options.maxOperationNames);
  const ready = readinessCheck(options.database, { migrationsDir: options.migrationsDir, timeoutMs: options.readyTimeoutMs });
  const poolStats = options.database?.pool;
  if (poolStats) registerPoolMetrics(registry, () => poolStats());
  const tracing = useTracing(options.tracing);

  const states = new WeakMap<Request, RequestState>();
  let lastReady: ReadyAnswer | undefined;

  function stateOf(request: Request | undefined): RequestState | undefined {
    return request ? states.get(request) : undefined;
  }

  type Fetch = { Response: typeof Response };

  function json(fetchAPI: Fetch, status: number, body: unknown, head: boolean): Response {
    return new fetchAPI.Response(head ? null : JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
    });
  }

  async function readyResponse(fetchAPI: Fetch, head: boolean): Promise<Response> {
    const answer = await ready();
    // Logged when readiness changes, not on every probe.
    if (logger && lastReady?.ready !== answer.ready) {
      if (answer.ready) logger.info('ready: database up, migrations applied');
      else logger.warn({ reason: answer.reason, pending: answer.pending }, 'not ready');
    }
    lastReady = answer;
    if (answer.ready) return json(fetchAPI, 200, { status: 'ready' }, head);
    return json(fetchAPI, 503, { status: 'unavailable', reason: answer.reason, ...(answer.pending && { pending: answer.pending }) }, head);
  }

  async function metricsResponse(fetchAPI: Fetch, request: Request, head: boolean): Promise<Response> {
    if (options.metricsToken && !bearerMatches(request.headers.get('authorization'), options.metricsToken)) {
      return new fetchAPI.Response(head ? null : 'Unauthorized: send `Authorization: Bearer <METRICS_TOKEN>`.\n', {
        status: 401,
        headers: { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer realm="metrics"' },
      });
    }
    const text = await registry.metrics();
    return new fetchAPI.Response(head ? null : text, {
      status: 200,
      headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' },
    });
  }

  return {
    instrumentation: {
      // Around the whole request: its log fields are what every log line written meanwhile carries.
      request({ request }, wrapped) {
        const state: RequestState = { start: performance.now(), log: {}, graphql: false };
        states.set(request, state);
        return withLogFields(state.log, wrapped);
      },
    },
    onPluginInit({ addPlugin }) {
      if (tracing) addPlugin(tracing);
    },
    onRequest({ request, url, endResponse, fetchAPI }) {
      let state = states.get(request);
      if (!state) {
        state = { start: performance.now(), log: {}, graphql: false };
        states.set(request, state);
      }
      const header = request.headers.get('x-request-id');
      state.log.requestId = options.requestId?.(request) ?? (header && REQUEST_ID.test(header) ? header : undefined);

      const path = url.pathname;
      if (path !== '/ready' && path !== '/metrics') return;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      const head = request.method === 'HEAD';
      return (path === '/ready' ? readyResponse(fetchAPI, head) : metricsResponse(fetchAPI, request, head)).then(endResponse);
    },
    onParams({ request, params }) {
      const state = states.get(request);
      if (!state) return;
      state.graphql = true;
      if (typeof params.operationName === 'string') state.name = params.operationName;
    },
    onParse({ context }) {
      const state = stateOf((context as { request?: Request }).request);
      if (!state) return;
      return ({ result }) => {
        if (!result || result instanceof Error) return;
        const operation = getOperationAST(result as DocumentNode, state.name ?? undefined);
        if (!operation) return;
        state.type = operation.operation;
        if (operation.name) state.name = operation.name.value;
      };
    },
    onContextBuilding() {
      return ({ context }) => {
        const built = context as { request?: Request; requestId?: string; viewer?: { organization?: { id?: number } } };
        const state = stateOf(built.request);
        if (!state) return;
        if (built.requestId) state.log.requestId = built.requestId;
        const organizationId = built.viewer?.organization?.id;
        if (organizationId !== undefined) state.log.organizationId = organizationId;
      };
    },
    onResultProcess({ request, result }) {
      const state = states.get(request);
      if (state) state.outcome = outcomeOf(result, state.type);
    },
    onResponse({ request, response }) {
      const state = states.get(request);
      if (!state) return;
      const status = response.status;
      const refused = status === 429 || status === 401;
      if (!state.graphql && !(refused && new URL(request.url).pathname === graphqlEndpoint)) return;
      const outcome: Outcome =
        status === 429 ? 'throttled' : status === 401 ? 'unauthenticated' : (state.outcome ?? (status >= 400 ? 'error' : 'ok'));
      const operation = label(state.name);
      const seconds = (performance.now() - state.start) / 1000;
      metrics.operations.inc({ operation, outcome });
      metrics.operationSeconds.observe({ operation, outcome }, seconds);
      if (logger) {
        const requestId = response.headers.get('x-request-id') ?? state.log.requestId;
        logger.info(
          {
            requestId,
            organizationId: state.log.organizationId,
            operation: state.name ? state.name.slice(0, 100) : 'anonymous',
            outcome,
            status,
            durationMs: Math.round(seconds * 10_000) / 10,
          },
          'graphql operation',
        );
      }
    },
  };
}
