// Read replicas (issue 12) without a standby: which client each operation runs on, the fallback to
// the primary when a replica fails, the configuration. The real thing (a streaming standby, two
// gateway processes) is test/replicas.test.ts, run by scripts/replica-cluster.sh in .ci/run.
//
// On PostgreSQL (TEST_DATABASE_URL) the replicas are the test database itself, reached through
// connections that are read-only (`default_transaction_read_only`): what a replica serves is then
// seen in its statement counter, and a write sent to it would fail as it would on a standby. On
// PGlite (no replicas there) the fallback runs with a replica whose connections are refused.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { PrismaPg } from '@prisma/adapter-pg';
import { DriverAdapterError } from '@prisma/driver-adapter-utils';
import { getNamedType, GraphQLObjectType, isNonNullType } from 'graphql';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { openDatabase, type Database, type DatabaseReplica } from '../src/db/client.js';
import { countStatements } from '../src/db/statements.js';
import { PrismaClient } from '../src/generated/prisma/client.js';
import { schema } from '../src/schema/index.js';
import { createMetrics, type Metrics } from '../src/observability/metrics.js';
import { classifyReplicaFailure } from '../src/http/replicas.js';
import { createApp, type App } from '../src/http/app.js';
import { startApp, type TestApp } from './helpers/app.js';
import { migratedFolder, openTestDatabase } from './helpers/database.js';
import { createTenant, gid, type Tenant } from './helpers/fixtures.js';
import { sample } from './helpers/metrics.js';
import { exitOf, freePort, SPAWN_TIMEOUT, waitFor } from './helpers/processes.js';

const PG_URL = process.env.TEST_DATABASE_URL;

// ---- Helpers ---------------------------------------------------------------------------------

function capture() {
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), logs };
}

interface GqlBody {
  data?: Record<string, any> | null;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}

async function gql(app: App, token: string, query: string, variables?: object): Promise<GqlBody> {
  const response = await app.fetch('http://test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GqlBody;
}

const scrape = async (app: App) => (await app.fetch('http://test/metrics')).text();

const EXPENSES = '{ viewer { person { email } } expenses(first: 5) { totalCount nodes { name deal { name } } } }';

const CREATE = `
  mutation Create($input: CreateExpenseInput!) {
    createExpense(input: $input) {
      expense { name deal { name expenses(first: 50) { totalCount } } }
      userErrors { message }
    }
  }`;

const expenseInput = (tenant: Tenant, name: string) => ({
  name,
  dealId: gid('Deal', tenant.deals.usd),
  serviceTypeId: gid('ServiceType', tenant.serviceTypes.travel),
  amount: 1000,
  currency: 'USD',
  date: '2021-04-15',
});

// ---- Configuration -----------------------------------------------------------------------------

describe('DATABASE_REPLICA_URLS', () => {
  test('a comma-separated list of PostgreSQL URLs; empty by default', () => {
    expect(loadConfig({}).DATABASE_REPLICA_URLS).toEqual([]);
    expect(loadConfig({ DATABASE_REPLICA_URLS: '' }).DATABASE_REPLICA_URLS).toEqual([]);
    expect(
      loadConfig({ DATABASE_REPLICA_URLS: ' postgresql://u:p@r1:5432/db , postgres://r2/db,' }).DATABASE_REPLICA_URLS,
    ).toEqual(['postgresql://u:p@r1:5432/db', 'postgres://r2/db']);
  });

  test('anything else is refused, without echoing the URL (it may hold a password)', () => {
    const attempt = () => loadConfig({ DATABASE_REPLICA_URLS: 'postgresql://r1/db,mysql://user:s3cret@r2/db' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/DATABASE_REPLICA_URLS: each URL must start with postgres:\/\/ or postgresql:\/\/ \(item 2\)/);
    expect(attempt).not.toThrow(/s3cret/);
  });

  test('npm start on PGlite says that it ignores them', async () => {
    const dataDir = await migratedFolder(await mkdtemp(path.join(os.tmpdir(), 'gateway-replica-routing-')));
    const child = spawn('npm', ['start'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: {
        ...process.env,
        DATABASE_URL: '',
        DATA_DIR: dataDir,
        PORT: String(await freePort()),
        HOST: '127.0.0.1',
        DATABASE_REPLICA_URLS: 'postgresql://reader:s3cret@127.0.0.1:1/gateway',
        LOG_FORMAT: 'json',
        npm_config_update_notifier: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout!.on('data', (chunk) => (out += chunk));
    child.stderr!.on('data', (chunk) => (out += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      // Ready when it prints its banner (a JSON record), however long a cold start takes (it took 34 s once).
      await waitFor(() => /"msg":"serving"/.test(out), { what: 'npm start to serve', exited, output: () => out });
      expect(out).toContain('"replicas":"ignored: DATABASE_REPLICA_URLS needs DATABASE_URL (PGlite has no replicas)"');
      expect(out).toMatch(/"level":40,.*"msg":"DATABASE_REPLICA_URLS ignored: read replicas need DATABASE_URL/);
      expect(out).not.toContain('s3cret');
      process.kill(child.pid!, 'SIGTERM');
      expect(await exitOf(exited, 'npm start', () => out)).toBe(0);
    } finally {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Gone.
      }
      await rm(dataDir, { recursive: true, force: true });
    }
  }, SPAWN_TIMEOUT);

  test('PGlite has no replicas: the URLs are ignored', async () => {
    const db = await openDatabase({ dataDir: 'memory://', replicaUrls: ['postgresql://postgres@127.0.0.1:1/none'] });
    try {
      expect(db.kind).toBe('pglite');
      expect(db.replicas).toEqual([]);
    } finally {
      await db.close();
    }
  });
});

describe('classifyReplicaFailure', () => {
  const adapterError = (cause: Record<string, unknown>) => new DriverAdapterError(cause as never);

  test('an unreachable or refusing server is unavailable', () => {
    expect(classifyReplicaFailure(adapterError({ kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 1 }))).toBe('unavailable');
    expect(classifyReplicaFailure(adapterError({ kind: 'ConnectionClosed' }))).toBe('unavailable');
    expect(classifyReplicaFailure(adapterError({ kind: 'SocketTimeout' }))).toBe('unavailable');
    expect(classifyReplicaFailure(adapterError({ kind: 'AuthenticationFailed', user: 'x' }))).toBe('unavailable');
    // Shutting down, starting up, terminated by an administrator.
    for (const code of ['57P01', '57P03', '08006']) {
      expect(classifyReplicaFailure(adapterError({ kind: 'postgres', code, severity: 'FATAL', message: 'x' }))).toBe('unavailable');
    }
    // pg's own errors, which the adapter passes on unmapped.
    expect(classifyReplicaFailure(new Error('Connection terminated unexpectedly'))).toBe('unavailable');
    expect(classifyReplicaFailure(new Error('timeout exceeded when trying to connect'))).toBe('unavailable');
    expect(classifyReplicaFailure(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).toBe('unavailable');
  });

  test('a query cancelled by the standby for recovery is a conflict', () => {
    expect(classifyReplicaFailure(adapterError({ kind: 'TransactionWriteConflict' }))).toBe('conflict');
    expect(classifyReplicaFailure(adapterError({ kind: 'postgres', code: '40001', severity: 'ERROR', message: 'x' }))).toBe('conflict');
  });

  test("a failure of the query itself is the query's", () => {
    // A statement timeout, a read-only violation (a bug: queries write nothing), a bug in our code.
    expect(classifyReplicaFailure(adapterError({ kind: 'postgres', code: '57014', severity: 'ERROR', message: 'x' }))).toBeUndefined();
    expect(classifyReplicaFailure(adapterError({ kind: 'postgres', code: '25006', severity: 'ERROR', message: 'x' }))).toBeUndefined();
    expect(classifyReplicaFailure(adapterError({ kind: 'UniqueConstraintViolation', constraint: undefined }))).toBeUndefined();
    expect(classifyReplicaFailure(new TypeError('x is not a function'))).toBeUndefined();
  });
});

// ---- A replica that fails (both backends) ------------------------------------------------------

/**
 * A replica whose connections are refused (nothing listens on its port) but whose probe says it is
 * fine: a replica that answered its last probe and has gone down since.
 */
async function refusingReplica(): Promise<DatabaseReplica & { close(): Promise<void>; pings: () => number }> {
  const pool = new pg.Pool({ connectionString: `postgresql://postgres@127.0.0.1:${await freePort()}/none`, connectionTimeoutMillis: 1000 });
  const listeners = new Set<(error: unknown) => void>();
  const failed = (error: unknown) => listeners.forEach((listener) => listener(error));
  pool.on('error', failed);
  const counted = countStatements(new PrismaPg(pool), { onError: failed });
  const prisma = new PrismaClient({ adapter: counted.factory });
  let pings = 0;
  return {
    name: 'replica 1 (refusing)',
    prisma,
    statements: counted.counter,
    onFailure(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async ping() {
      pings += 1;
      return { inRecovery: true };
    },
    closed: false,
    pings: () => pings,
    close: async () => {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

describe('a replica that goes down', () => {
  let db: Database;
  let replica: Awaited<ReturnType<typeof refusingReplica>>;
  let tenant: Tenant;
  let app: App;
  let metrics: Metrics;
  let logs: Array<Record<string, unknown>>;

  beforeAll(async () => {
    db = await openTestDatabase();
    tenant = await createTenant(db.prisma);
    await tenant.expense({ name: 'Train' });
    replica = await refusingReplica();
    metrics = createMetrics({ processMetrics: false });
    const captured = capture();
    logs = captured.logs;
    app = createApp({
      prisma: db.prisma,
      logger: captured.logger,
      metrics,
      rateLimit: { enabled: false },
      // Long enough that the failed query, its rerun and the scrape after it are done before the probe
      // brings the replica back (200 ms was not, with both suites running on 2 cores).
      readReplicas: { replicas: [replica], primaryStatements: db.statements, retryMs: 1_500 },
    });
  });

  afterAll(async () => {
    await replica?.close();
    await db?.close();
  });

  test('its query runs again on the primary: the client sees a normal answer; the replica leaves the rotation until it answers', async () => {
    const primaryBefore = db.statements.total;
    const first = await gql(
      app,
      tenant.token,
      `{ expenses(first: 5) { totalCount nodes { name deal { name } } }
         deals(first: 5, orderBy: [{ field: NAME, direction: ASC }]) { nodes { name expenses(first: 5) { totalCount } } } }`,
    );
    expect(first.errors).toBeUndefined();
    expect(first.data?.expenses.totalCount).toBe(1);
    expect(first.data?.expenses.nodes[0]).toEqual({ name: 'Train', deal: { name: 'EUR budget' } });
    expect(first.data?.deals.nodes).toEqual([
      { name: 'EUR budget', expenses: { totalCount: 1 } },
      { name: 'USD budget', expenses: { totalCount: 0 } },
    ]);
    expect(replica.statements.total, 'the replica was tried').toBeGreaterThan(0);
    expect(db.statements.total - primaryBefore, 'token lookup + the query again').toBeGreaterThan(1);
    let text = await scrape(app);
    expect(sample(text, 'gateway_db_replica_fallbacks_total', { reason: 'unavailable' })).toBe(1);
    expect(sample(text, 'gateway_db_replicas_available')).toBe(0);
    expect(sample(text, 'gateway_db_replicas')).toBe(1);
    expect(logs.some((l) => l.level === 40 && String(l.msg).startsWith('read replica unavailable') && l.replica === 'replica 1 (refusing)')).toBe(true);
    // The client's answer carries no trace of it; the failure is not logged as a request error.
    expect(logs.some((l) => l.msg === 'unexpected error')).toBe(false);

    // Out of rotation: the next query goes to the primary at once.
    const triedBefore = replica.statements.total;
    const second = await gql(app, tenant.token, EXPENSES);
    expect(second.data?.expenses.totalCount).toBe(1);
    expect(replica.statements.total).toBe(triedBefore);
    text = await scrape(app);
    expect(sample(text, 'gateway_db_replica_fallbacks_total', { reason: 'unavailable' })).toBe(1);

    // Its probe (every retryMs) answers: back in rotation, and the next query is sent to it again.
    for (let i = 0; i < 200 && sample(await scrape(app), 'gateway_db_replicas_available') !== 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(replica.pings()).toBeGreaterThanOrEqual(2); // at start, then after the failure
    expect(logs.some((l) => l.msg === 'read replica answers again: back in rotation')).toBe(true);
    const third = await gql(app, tenant.token, EXPENSES);
    expect(third.data?.expenses.totalCount).toBe(1);
    expect(replica.statements.total).toBeGreaterThan(triedBefore);
    expect(sample(await scrape(app), 'gateway_db_replica_fallbacks_total', { reason: 'unavailable' })).toBe(2);
  });

  test('mutations never touch it', async () => {
    const before = replica.statements.total;
    const body = await gql(app, tenant.token, CREATE, { input: expenseInput(tenant, 'Taxi') });
    expect(body.errors).toBeUndefined();
    expect(body.data?.createExpense.userErrors).toEqual([]);
    expect(body.data?.createExpense.expense.deal.expenses.totalCount).toBe(1);
    expect(replica.statements.total).toBe(before);
  });
});

// ---- Read-your-writes inside one request (both backends, with or without replicas) ----------------

describe('read-your-writes inside one mutation operation', () => {
  let t: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    t = await startApp();
    tenant = await createTenant(t.db.prisma);
  });

  afterAll(async () => {
    await t?.close();
  });

  test("two mutation fields: the second payload reads what the first wrote, request caches included", async () => {
    // The deal's totals come from the request's loaders (one statement for all rows): the first
    // payload fills them, the second must not be answered from them.
    const payload = `expense { deal { expense { default { cents } } expenses(first: 50) { totalCount nodes { name } } } } userErrors { message }`;
    const body = await gql(
      t.app,
      tenant.token,
      `mutation Two($a: CreateExpenseInput!, $b: CreateExpenseInput!) {
        a: createExpense(input: $a) { ${payload} }
        b: createExpense(input: $b) { ${payload} }
      }`,
      { a: expenseInput(tenant, 'Bus'), b: expenseInput(tenant, 'Ferry') },
    );
    expect(body.errors).toBeUndefined();
    const deal = (field: 'a' | 'b') => body.data?.[field].expense.deal;
    expect(deal('a').expenses.totalCount).toBe(1);
    expect(deal('a').expense.default.cents).toBe(1000);
    expect(deal('b').expenses.totalCount).toBe(2);
    expect(deal('b').expenses.nodes.map((n: { name: string }) => n.name).sort()).toEqual(['Bus', 'Ferry']);
    expect(deal('b').expense.default.cents).toBe(2000);
  });

  test('the same with one fragment for both payloads (one field node, read twice)', async () => {
    const body = await gql(
      t.app,
      tenant.token,
      `fragment Totals on CreateExpensePayload {
        expense { deal { expense { default { cents } } expenses(first: 50) { totalCount } } }
        userErrors { message }
      }
      mutation Two($a: CreateExpenseInput!, $b: CreateExpenseInput!) {
        a: createExpense(input: $a) { ...Totals }
        b: createExpense(input: $b) { ...Totals }
      }`,
      { a: expenseInput(tenant, 'Tram'), b: expenseInput(tenant, 'Boat') },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.a.expense.deal).toEqual({ expense: { default: { cents: 3000 } }, expenses: { totalCount: 3 } });
    expect(body.data?.b.expense.deal).toEqual({ expense: { default: { cents: 4000 } }, expenses: { totalCount: 4 } });
  });
});

// ---- Routing (PostgreSQL) ------------------------------------------------------------------------

/** The test database through connections where every transaction is read-only, as on a standby. */
function readOnly(url: string): string {
  const u = new URL(url);
  u.searchParams.set('options', '-c default_transaction_read_only=on');
  return u.toString();
}

/** A query of every top-level field that takes no required argument: lists with their counts and ids. */
function everyListQuery(): string {
  const fields = Object.values(schema.getQueryType()!.getFields()).filter((f) => !f.args.some((a) => isNonNullType(a.type)));
  const selections = fields.map((field) => {
    const type = getNamedType(field.type);
    if (!(type instanceof GraphQLObjectType)) return field.name;
    const own = type.getFields();
    if (own.totalCount && own.nodes) {
      const node = getNamedType(own.nodes.type) as GraphQLObjectType;
      return `${field.name} { totalCount nodes { __typename ${'id' in node.getFields() ? 'id' : ''} } }`;
    }
    return `${field.name} { __typename }`;
  });
  return `query EveryList { ${selections.join('\n')} }`;
}

describe.skipIf(!PG_URL)('routing (PostgreSQL; two read-only replicas of the test database)', () => {
  let db: Database;
  let tenant: Tenant;
  let app: App;
  let metrics: Metrics;
  const replicaTotal = () => db.replicas.reduce((sum, r) => sum + r.statements.total, 0);

  beforeAll(async () => {
    db = await openDatabase({ url: PG_URL, replicaUrls: [readOnly(PG_URL!), readOnly(PG_URL!)] });
    tenant = await createTenant(db.prisma);
    await tenant.expense({ name: 'Hotel' });
    metrics = createMetrics({ processMetrics: false });
    app = createApp({
      prisma: db.prisma,
      logger: pino({ level: 'silent' }),
      metrics,
      rateLimit: { enabled: false },
      readReplicas: { replicas: db.replicas, primaryStatements: db.statements },
    });
  });

  afterAll(async () => {
    await db?.close();
  });

  test('a replica connection refuses writes, as a standby does', async () => {
    expect(db.replicas.map((r) => r.name)).toEqual([
      `replica 1 (${new URL(PG_URL!).hostname}:${new URL(PG_URL!).port || '5432'}${new URL(PG_URL!).pathname})`,
      `replica 2 (${new URL(PG_URL!).hostname}:${new URL(PG_URL!).port || '5432'}${new URL(PG_URL!).pathname})`,
    ]);
    await expect(db.replicas[0]!.prisma.$executeRawUnsafe('UPDATE organizations SET name = name WHERE false')).rejects.toThrow(
      /read-only transaction/,
    );
    expect(await db.replicas[0]!.ping()).toEqual({ inRecovery: false });
    // Same timeout as the primary's.
    expect(await db.replicas[1]!.prisma.$queryRawUnsafe('SHOW statement_timeout')).toEqual([{ statement_timeout: '15s' }]);
  });

  test('a query runs on a replica; only the token lookup runs on the primary', async () => {
    db.statements.reset();
    const before = replicaTotal();
    const body = await gql(app, tenant.token, EXPENSES);
    expect(body.errors).toBeUndefined();
    expect(body.data?.expenses.nodes.map((n: { name: string }) => n.name)).toEqual(['Hotel']);
    expect(replicaTotal() - before).toBeGreaterThanOrEqual(2);
    expect(db.statements.log).toHaveLength(1);
    expect(db.statements.log[0]).toMatch(/FROM api_tokens/);
  });

  test('queries take turns on the replicas (round robin)', async () => {
    const counts = () => db.replicas.map((r) => r.statements.total);
    const seen = new Set<number>();
    for (let i = 0; i < 4; i++) {
      const before = counts();
      await gql(app, tenant.token, EXPENSES);
      const after = counts();
      const served = after.findIndex((n, index) => n > before[index]!);
      expect(after.filter((n, index) => n > before[index]!), 'one replica per query').toHaveLength(1);
      seen.add(served);
    }
    expect([...seen].sort()).toEqual([0, 1]);
  });

  test('a mutation runs wholly on the primary, its payload included: it reads its own write', async () => {
    const before = replicaTotal();
    db.statements.reset();
    const body = await gql(app, tenant.token, CREATE, { input: expenseInput(tenant, 'Flight') });
    expect(body.errors).toBeUndefined();
    expect(body.data?.createExpense).toEqual({
      expense: { name: 'Flight', deal: { name: 'USD budget', expenses: { totalCount: 1 } } },
      userErrors: [],
    });
    expect(replicaTotal()).toBe(before);
    expect(db.statements.count).toBeGreaterThan(3);
  });

  test('two mutation fields in one request: all on the primary, the second payload sees the first write', async () => {
    const before = replicaTotal();
    const body = await gql(
      app,
      tenant.token,
      `mutation Two($a: CreateExpenseInput!, $b: CreateExpenseInput!) {
        a: createExpense(input: $a) { expense { deal { expenses(first: 50) { totalCount } } } userErrors { message } }
        b: createExpense(input: $b) { expense { deal { expenses(first: 50) { totalCount nodes { name } } } } userErrors { message } }
      }`,
      { a: expenseInput(tenant, 'Bus'), b: expenseInput(tenant, 'Ferry') },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data?.a.expense.deal.expenses.totalCount).toBe(2);
    expect(body.data?.b.expense.deal.expenses.totalCount).toBe(3);
    expect(body.data?.b.expense.deal.expenses.nodes.map((n: { name: string }) => n.name).sort()).toEqual(['Bus', 'Ferry', 'Flight']);
    expect(replicaTotal()).toBe(before);
  });

  test('/metrics counts statements by target', async () => {
    let text = await scrape(app);
    const replica = sample(text, 'gateway_db_statements_total', { target: 'replica' })!;
    const primary = sample(text, 'gateway_db_statements_total', { target: 'primary' })!;
    expect(replica).toBeGreaterThan(0);
    expect(sample(text, 'gateway_db_replicas_available')).toBe(2);
    await gql(app, tenant.token, EXPENSES);
    text = await scrape(app);
    expect(sample(text, 'gateway_db_statements_total', { target: 'replica' })).toBeGreaterThan(replica);
    // The token, and the first scrape's read of the unfinished bulk exports (collected after the counter).
    expect(sample(text, 'gateway_db_statements_total', { target: 'primary' })).toBe(primary + 2);
  });

  test('a query the standby cancels (conflict with recovery) halfway runs again on the primary; the standby stays in rotation', async () => {
    // A replica of the test database whose second statement fails as a standby cancels a query that
    // conflicts with the WAL it replays: the first statement has answered, the rest must not mix.
    const pool = new pg.Pool({ connectionString: readOnly(PG_URL!) });
    const listeners = new Set<(error: unknown) => void>();
    let statementsSeen = 0;
    const conflict = () =>
      new DriverAdapterError({ kind: 'postgres', code: '40001', severity: 'ERROR', message: 'canceling statement due to conflict with recovery' } as never);
    const base = new PrismaPg(pool);
    const flaky = new Proxy(base, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop !== 'connect') return typeof value === 'function' ? value.bind(target) : value;
        return async () => {
          const adapter = await base.connect();
          return new Proxy(adapter, {
            get(a, p, r) {
              const v = Reflect.get(a, p, r);
              if (p === 'queryRaw') {
                return (query: unknown) => (++statementsSeen === 2 ? Promise.reject(conflict()) : (v as (q: unknown) => unknown).call(a, query));
              }
              return typeof v === 'function' ? v.bind(a) : v;
            },
          });
        };
      },
    });
    const counted = countStatements(flaky, { onError: (error) => listeners.forEach((listener) => listener(error)) });
    const prisma = new PrismaClient({ adapter: counted.factory });
    const replica: DatabaseReplica = {
      name: 'replica 1 (flaky)',
      prisma,
      statements: counted.counter,
      onFailure(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      ping: async () => ({ inRecovery: true }),
      closed: false,
    };
    const flakyMetrics = createMetrics({ processMetrics: false });
    const flakyApp = createApp({
      prisma: db.prisma,
      logger: pino({ level: 'silent' }),
      metrics: flakyMetrics,
      rateLimit: { enabled: false },
      readReplicas: { replicas: [replica], primaryStatements: db.statements },
    });
    try {
      db.statements.reset();
      const body = await gql(
        flakyApp,
        tenant.token,
        `{ expenses(first: 10) { totalCount nodes { name } }
           deals(first: 5, orderBy: [{ field: NAME, direction: ASC }]) { nodes { name expenses(first: 5) { totalCount } } } }`,
      );
      expect(body.errors).toBeUndefined();
      const onPrimary = db.statements.count;
      const count = (dealId?: number) => tenant.db.expense.count({ where: dealId === undefined ? {} : { dealId } });
      expect(body.data?.expenses.totalCount).toBe(await count());
      expect(body.data?.deals.nodes).toEqual([
        { name: 'EUR budget', expenses: { totalCount: await count(tenant.deals.eur) } },
        { name: 'USD budget', expenses: { totalCount: await count(tenant.deals.usd) } },
      ]);
      expect(statementsSeen).toBeGreaterThanOrEqual(2);
      expect(onPrimary, 'token lookup, then the whole query on the primary').toBeGreaterThan(2);
      const text = await scrape(flakyApp);
      expect(sample(text, 'gateway_db_replica_fallbacks_total', { reason: 'conflict' })).toBe(1);
      expect(sample(text, 'gateway_db_replicas_available')).toBe(1);
      // Still in rotation: the next query is served by it.
      const before = statementsSeen;
      expect((await gql(flakyApp, tenant.token, EXPENSES)).errors).toBeUndefined();
      expect(statementsSeen).toBeGreaterThan(before);
    } finally {
      await prisma.$disconnect();
      await pool.end();
    }
  });

  test('no query writes: every list of the schema reads through a read-only replica without an error', async () => {
    const before = replicaTotal();
    const body = await gql(app, tenant.token, everyListQuery());
    expect(body.errors).toBeUndefined();
    expect(Object.keys(body.data ?? {}).length).toBeGreaterThan(15);
    expect(replicaTotal() - before).toBeGreaterThan(15);
  });
});
