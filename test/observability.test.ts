// Observability (issue 12): /ready for load balancers, /metrics for Prometheus (operations by
// name and outcome, bounded labels, pool gauges, METRICS_TOKEN), and the request id and
// organization id on every log line of a request.
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createSchema, createYoga } from 'graphql-yoga';
import { GraphQLError } from 'graphql';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { Database } from '../src/db/client.js';
import { MIGRATIONS_DIR } from '../src/db/migrate.js';
import { createMetrics, type Metrics } from '../src/observability/metrics.js';
import { logContextOptions } from '../src/observability/log-context.js';
import {
  operationLabeler,
  outcomeOf,
  useObservability,
  type ObservabilityOptions,
} from '../src/http/observability.js';
import { createApp, type App } from '../src/http/app.js';
import { openTestDatabase } from './helpers/database.js';
import { createTenant, gid, type Tenant } from './helpers/fixtures.js';
import { sample } from './helpers/metrics.js';

const url = process.env.TEST_DATABASE_URL;
const openDb = () => openTestDatabase();

interface Harness {
  app: App;
  metrics: Metrics;
  logs: Array<Record<string, unknown>>;
}

function capture(): { logger: pino.Logger; logs: Array<Record<string, unknown>> } {
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { logger: pino({ level: 'info', ...logContextOptions }, sink), logs };
}

/** An app on the test database; /ready and the pool gauges look at `database` (the same one unless said). */
function build(database: Database | undefined, observability: Omit<ObservabilityOptions, 'metrics' | 'logger' | 'database'> = {}): Harness {
  const { logger, logs } = capture();
  const metrics = createMetrics();
  const app = createApp({ prisma: db.prisma, logger, metrics, observability: { database, logger, ...observability } });
  return { app, metrics, logs };
}

async function gql(app: App, query: string, options: { token?: string; operationName?: string; variables?: object; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await app.fetch('http://test/graphql', {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables: options.variables, operationName: options.operationName }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { data?: any; errors?: any[] } };
}

async function scrape(app: App, headers: Record<string, string> = {}) {
  const response = await app.fetch('http://test/metrics', { headers });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

let db: Database;
let tenant: Tenant;

beforeAll(async () => {
  db = await openDb();
  tenant = await createTenant(db.prisma);
});
afterAll(() => db.close());

describe('/ready', () => {
  test('200 when the database answers and every migration is applied; no authentication', async () => {
    const { app } = build(db);
    const response = await app.fetch('http://test/ready');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(await response.json()).toEqual({ status: 'ready' });
    const head = await app.fetch('http://test/ready', { method: 'HEAD' });
    expect(head.status).toBe(200);
    // /health stays Yoga's: the process is up.
    expect((await app.fetch('http://test/health')).status).toBe(200);
  });

  test('one statement per probe: the migrations are read once, then only SELECT 1', async () => {
    const { app } = build(db);
    db.statements.reset();
    expect((await app.fetch('http://test/ready')).status).toBe(200);
    expect(db.statements.log).toHaveLength(1);
    expect(db.statements.log[0]).toMatch(/_prisma_migrations/);
    db.statements.reset();
    await Promise.all([1, 2, 3].map(() => app.fetch('http://test/ready')));
    // Three concurrent probes share one check.
    expect(db.statements.log).toEqual(['SELECT 1']);
  });

  test('503 with the pending migrations when one in the repository is not applied', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gateway-migrations-'));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      await mkdir(path.join(dir, '29991231000000_not_applied'));
      await writeFile(path.join(dir, '29991231000000_not_applied', 'migration.sql'), 'SELECT 1;');
      const { app, logs } = build(db, { migrationsDir: dir });
      const response = await app.fetch('http://test/ready');
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({
        status: 'unavailable',
        reason: 'migrations not applied',
        pending: ['29991231000000_not_applied'],
      });
      expect(logs.some((l) => l.msg === 'not ready' && l.reason === 'migrations not applied')).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('503 when the database is closed', async () => {
    const other = await openDb();
    const { app } = build(other);
    expect((await app.fetch('http://test/ready')).status).toBe(200);
    await other.close();
    const response = await app.fetch('http://test/ready');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'unavailable', reason: 'database unavailable' });
  });

  test('503 when the database does not answer in time, and without a database', async () => {
    const stuck = { prisma: { $queryRaw: () => new Promise(() => undefined) } } as unknown as Database;
    const { app } = build(stuck, { readyTimeoutMs: 50 });
    const started = Date.now();
    const response = await app.fetch('http://test/ready');
    expect(response.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await response.json()).toEqual({ status: 'unavailable', reason: 'database did not answer within 50 ms' });

    const { app: bare } = build(undefined);
    const none = await bare.fetch('http://test/ready');
    expect(none.status).toBe(503);
    expect(await none.json()).toMatchObject({ reason: 'no database configured' });
  });
});

describe('/metrics', () => {
  test('Prometheus text with operations by name and outcome, durations and process metrics', async () => {
    const { app } = build(db);
    const viewer = 'query Viewer { viewer { organization { id } } }';
    expect((await gql(app, viewer, { token: tenant.token })).status).toBe(200);
    expect((await gql(app, viewer, { token: tenant.token })).status).toBe(200);
    // Anonymous, and refused before it runs: no token.
    expect((await gql(app, '{ viewer { person { id } } }')).status).toBe(401);
    // A GraphQL error (validation).
    expect((await gql(app, 'query Broken { viewer { nope } }', { token: tenant.token })).body.errors).toBeDefined();
    // A mutation whose payload holds user errors.
    const approve = await gql(app, 'mutation Approve($id: ID!) { approveExpense(input: { id: $id }) { userErrors { code } } }', {
      token: tenant.token,
      variables: { id: gid('Expense', 999_999_999) },
    });
    expect(approve.body.data?.approveExpense.userErrors.length).toBeGreaterThan(0);
    // Not operations: GraphiQL, probes.
    await app.fetch('http://test/graphql', { headers: { accept: 'text/html' } });
    await app.fetch('http://test/health');

    const { status, contentType, text } = await scrape(app);
    expect(status).toBe(200);
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const ops = 'gateway_graphql_operations_total';
    expect(sample(text, ops, { operation: 'Viewer', outcome: 'ok' })).toBe(2);
    expect(sample(text, ops, { operation: 'anonymous', outcome: 'unauthenticated' })).toBe(1);
    expect(sample(text, ops, { operation: 'Broken', outcome: 'error' })).toBe(1);
    expect(sample(text, ops, { operation: 'Approve', outcome: 'user_error' })).toBe(1);
    const total = text.split('\n').filter((l) => l.startsWith(`${ops}{`)).reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    expect(total).toBe(5);
    expect(sample(text, 'gateway_graphql_operation_duration_seconds_count', { operation: 'Viewer', outcome: 'ok' })).toBe(2);
    expect(sample(text, 'gateway_graphql_operation_duration_seconds_sum', { operation: 'Viewer', outcome: 'ok' })).toBeGreaterThan(0);
    expect(text).toMatch(/^# TYPE gateway_rate_limit_rejections_total counter$/m);
    // Default process metrics, in the same registry.
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  test('operation labels are bounded: anonymous, well-formed names up to the limit, then "other"', async () => {
    const { app } = build(db, { maxOperationNames: 2 });
    for (const name of ['First', 'Second', 'Third', 'First', `Long${'x'.repeat(70)}`]) {
      await gql(app, `query ${name} { viewer { person { id } } }`, { token: tenant.token });
    }
    await gql(app, '{ viewer { person { id } } }', { token: tenant.token });
    // A client-declared operationName that is not in the document: an error, under its own (bounded) name.
    await gql(app, 'query Real { viewer { person { id } } }', { token: tenant.token, operationName: 'bad name!' });
    const { text } = await scrape(app);
    const labels = new Set(
      [...text.matchAll(/^gateway_graphql_operations_total\{operation="([^"]*)"/gm)].map((m) => m[1]),
    );
    expect(labels).toEqual(new Set(['First', 'Second', 'other', 'anonymous']));
    expect(sample(text, 'gateway_graphql_operations_total', { operation: 'First', outcome: 'ok' })).toBe(2);
    expect(sample(text, 'gateway_graphql_operations_total', { operation: 'other', outcome: 'ok' })).toBe(2);
    expect(sample(text, 'gateway_graphql_operations_total', { operation: 'other', outcome: 'error' })).toBe(1);
  });

  test('operationLabeler and outcomeOf', () => {
    const label = operationLabeler(1);
    expect([label(undefined), label(''), label('A'), label('B'), label('A'), label('1a'), label('a-b')]).toEqual([
      'anonymous', 'anonymous', 'A', 'other', 'A', 'other', 'other',
    ]);
    const error = (code?: string) => ({ message: 'x', extensions: code ? { code } : {} });
    expect(outcomeOf({ data: { a: 1 } }, 'query')).toBe('ok');
    expect(outcomeOf({ errors: [error('BAD_USER_INPUT')] })).toBe('error');
    expect(outcomeOf({ errors: [error('THROTTLED')] })).toBe('throttled');
    expect(outcomeOf({ errors: [error('UNAUTHENTICATED')] })).toBe('unauthenticated');
    expect(outcomeOf({ data: { m: { userErrors: [{ code: 'BLANK' }] } } }, 'mutation')).toBe('user_error');
    expect(outcomeOf({ data: { m: { userErrors: [] } } }, 'mutation')).toBe('ok');
    // Queries have no payloads: a field named userErrors there is data.
    expect(outcomeOf({ data: { m: { userErrors: [{}] } } }, 'query')).toBe('ok');
    expect(outcomeOf([{ data: {} }, { errors: [error('THROTTLED')] }])).toBe('throttled');
  });

  test('throttled: a THROTTLED error with 429 (as the rate limiter answers) counts as throttled', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const refuse = {
      onExecute({ args, setResultAndStopExecution }: any) {
        if (args.operationName === 'Costly') {
          setResultAndStopExecution({
            errors: [new GraphQLError('Throttled', { extensions: { code: 'THROTTLED', http: { status: 429 } } })],
          });
        }
      },
    };
    const early = {
      onRequest({ request, endResponse }: any) {
        if (request.headers.get('x-refuse')) endResponse(new Response('{"errors":[{"message":"slow down"}]}', { status: 429 }));
      },
    };
    const yoga = createYoga({
      schema: createSchema({ typeDefs: 'type Query { a: Int }', resolvers: { Query: { a: () => 1 } } }),
      plugins: [useObservability({ metrics }), early, refuse],
      logging: false,
    });
    const post = (body: object, headers: Record<string, string> = {}) =>
      yoga.fetch('http://test/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    expect((await post({ query: 'query Costly { a }', operationName: 'Costly' })).status).toBe(429);
    expect((await post({ query: 'query Cheap { a }' })).status).toBe(200);
    // Refused before its parameters are read (e.g. by client address): counted, without a name.
    expect((await post({ query: 'query Cheap { a }' }, { 'x-refuse': '1' })).status).toBe(429);
    const text = await metrics.registry.metrics();
    expect(sample(text, 'gateway_graphql_operations_total', { operation: 'Costly', outcome: 'throttled' })).toBe(1);
    expect(sample(text, 'gateway_graphql_operations_total', { operation: 'Cheap', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'gateway_graphql_operations_total', { operation: 'anonymous', outcome: 'throttled' })).toBe(1);
  });

  test('METRICS_TOKEN: when set, /metrics requires it as a bearer token', async () => {
    const { app } = build(db, { metricsToken: 's3cret-metrics' });
    const none = await scrape(app);
    expect(none.status).toBe(401);
    expect(none.text).not.toMatch(/gateway_/);
    expect((await scrape(app, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await scrape(app, { authorization: 's3cret-metrics' })).status).toBe(401);
    const ok = await scrape(app, { authorization: 'Bearer s3cret-metrics' });
    expect(ok.status).toBe(200);
    expect(ok.text).toMatch(/gateway_graphql_operations_total/);
    // /ready and /health stay open.
    expect((await app.fetch('http://test/ready')).status).toBe(200);
    // Only GET and HEAD.
    expect((await app.fetch('http://test/metrics', { method: 'POST' })).status).toBe(405);
  });

  test('database pool gauges: total, idle, waiting and max connections on PostgreSQL, none on PGlite', async () => {
    const { app } = build(db);
    await gql(app, '{ viewer { person { id } } }', { token: tenant.token });
    const { text } = await scrape(app);
    if (db.kind === 'postgres') {
      expect(sample(text, 'gateway_db_pool_connections')).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'gateway_db_pool_idle_connections')).toBeGreaterThanOrEqual(0);
      expect(sample(text, 'gateway_db_pool_waiting_queries')).toBe(0);
      expect(sample(text, 'gateway_db_pool_max_connections')).toBe(10);
      const stats = db.pool!();
      expect(sample(text, 'gateway_db_pool_connections')).toBe(stats.total);
    } else {
      expect(db.pool).toBeUndefined();
      expect(text).not.toMatch(/gateway_db_pool/);
    }
  });

  test.runIf(url)('pool gauges see queries waiting for a connection when the pool is exhausted', async () => {
    const { app } = build(db);
    // Eleven slow statements on a pool of ten: one waits. (Prisma's promises start when awaited.)
    const slow = Promise.all(Array.from({ length: 11 }, () => db.prisma.$queryRaw`SELECT 1 FROM pg_sleep(0.5)`));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const { text } = await scrape(app);
    await slow;
    expect(sample(text, 'gateway_db_pool_connections')).toBe(10);
    expect(sample(text, 'gateway_db_pool_idle_connections')).toBe(0);
    expect(sample(text, 'gateway_db_pool_waiting_queries')).toBe(1);
  });
});

describe('logs', () => {
  test('one line per operation with request id, organization id, operation, outcome, status and duration', async () => {
    const { app, logs } = build(db);
    const { headers } = await gql(app, 'query Mine { viewer { person { id } } }', {
      token: tenant.token,
      headers: { 'x-request-id': 'obs-req-1' },
    });
    expect(headers.get('x-request-id')).toBe('obs-req-1');
    const lines = logs.filter((l) => l.msg === 'graphql operation');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      requestId: 'obs-req-1',
      organizationId: tenant.organizationId,
      operation: 'Mine',
      outcome: 'ok',
      status: 200,
    });
    expect(lines[0]!.durationMs).toBeGreaterThan(0);

    // A generated request id (none sent) and no organization (refused): the id is the response's.
    const refused = await gql(app, 'query Mine { viewer { person { id } } }', { token: 'agw_not-a-token' });
    expect(refused.status).toBe(401);
    const line = logs.filter((l) => l.msg === 'graphql operation').at(-1)!;
    expect(line).toMatchObject({ requestId: refused.headers.get('x-request-id'), outcome: 'unauthenticated', status: 401 });
    expect(line).not.toHaveProperty('organizationId');
  });

  test('every line of a request carries its ids: an unexpected error gets the organization id from the log context', async () => {
    const { app, logs } = build(db);
    const spy = vi.spyOn(db.prisma.expense, 'findMany').mockRejectedValue(new Error('secret failure'));
    let response;
    try {
      response = await gql(app, 'query Ids { expenses(first: 1) { nodes { id } } }', {
        token: tenant.token,
        headers: { 'x-request-id': 'obs-err-1' },
      });
    } finally {
      spy.mockRestore();
    }
    expect(response.body.errors?.[0]?.message).toBe('Unexpected error.');
    const error = logs.find((l) => l.msg === 'unexpected error');
    expect(error).toMatchObject({ requestId: 'obs-err-1', organizationId: tenant.organizationId });
    expect(logs.find((l) => l.msg === 'graphql operation')).toMatchObject({ requestId: 'obs-err-1', outcome: 'error' });
    // Every line of the request carries both.
    expect(logs.length).toBeGreaterThanOrEqual(2);
    for (const line of logs) expect(line).toMatchObject({ requestId: 'obs-err-1', organizationId: tenant.organizationId });
  });

  test('the app\'s request id (requestId option) is on lines written anywhere during the request, from its start', async () => {
    const { logger, logs } = capture();
    const yoga = createYoga({
      schema: createSchema({
        typeDefs: 'type Query { a: Int }',
        resolvers: { Query: { a: () => (logger.warn('inside a resolver'), 1) } },
      }),
      plugins: [
        { onRequest: () => void logger.info('before the context') },
        useObservability({ logger, requestId: () => 'app-assigned-7', metrics: createMetrics({ processMetrics: false }) }),
        { onRequestParse: () => void logger.info('parsing the request') },
      ],
      logging: false,
    });
    const response = await yoga.fetch('http://test/graphql?query=%7Ba%7D');
    expect(await response.json()).toEqual({ data: { a: 1 } });
    expect(logs.map((l) => [l.msg, l.requestId])).toEqual([
      // Before this plugin's onRequest the id is not known yet (yoga.ts' requestIdPlugin runs first).
      ['before the context', undefined],
      ['parsing the request', 'app-assigned-7'],
      ['inside a resolver', 'app-assigned-7'],
      ['graphql operation', 'app-assigned-7'],
    ]);
  });

  test('outside a request, lines carry neither field', () => {
    const { logger, logs } = capture();
    logger.info({ requestId: undefined }, 'outside');
    expect(logs[0]).not.toHaveProperty('requestId');
    expect(logs[0]).not.toHaveProperty('organizationId');
  });
});
