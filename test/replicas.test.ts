// Several instances and read replicas, for real (issue 12): a PostgreSQL primary and a streaming
// standby of our own (scripts/replica-cluster.sh builds them and runs this file; .ci/run does that),
// two `npm start` processes on two ports sharing them and Redis. Skipped unless REPLICA_PRIMARY_URL
// is set: `bash scripts/replica-cluster.sh` is how to run it.
//
// It asserts that (a) the standby is one and serves the queries (the statement-by-target metric of
// each instance), the primary only authenticating; (b) a mutation and the reads after it in the same
// request run on the primary and see the write; (c) one token's rate-limit budget is shared by both
// instances (Redis); (d) the standby gets the write soon after; (e) a standby that stops is taken
// out of rotation, queries being answered by the primary meanwhile, and comes back once it answers;
// (f) a subscriber of one instance hears an approval made through the other (Redis pub/sub), and
// an open subscription does not keep an instance from stopping on SIGTERM.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { migrate } from '../src/db/migrate.js';
import { newToken } from '../src/auth/tokens.js';
import { gid } from './helpers/fixtures.js';
import { sample } from './helpers/metrics.js';
import { captured, freePort, SPAWN_TIMEOUT, type Captured } from './helpers/processes.js';
import { readSse } from './helpers/sse.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PRIMARY = process.env.REPLICA_PRIMARY_URL;
const STANDBY = process.env.REPLICA_STANDBY_URL;
const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
/** Every instance shares the buckets under this prefix; no other run's keys are touched. */
const PREFIX = `gateway-replicas-test:${randomUUID()}`;
/** A bucket of 300 points that refills after 300 s: nothing comes back while the test runs. */
const POINTS = 300;

// ---- Helpers ---------------------------------------------------------------------------------

interface Instance extends Captured {
  port: number;
  token: string;
}

const spawned: ChildProcess[] = [];

/** `npm start` in a process group of its own, resolved once it printed its demo token (it then serves). */
async function start(env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', npm_config_update_notifier: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  spawned.push(child);
  // The cluster script kills what is listed there, should this process die before its afterAll.
  if (process.env.REPLICA_PIDS_FILE && child.pid) appendFileSync(process.env.REPLICA_PIDS_FILE, `${child.pid}\n`);
  const { stdout, stderr, exited } = captured(child);
  const token = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      // The banner, a JSON record (LOG_FORMAT=json).
      const match = /"demoToken":"(agw_[^"]+)"/.exec(stdout());
      if (match) {
        clearInterval(timer);
        resolve(match[1]!);
      }
    }, 50);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`npm start exited with ${code} before serving:\n${stdout()}\n${stderr()}`));
    });
  });
  return { child, port, token, stdout, stderr, exited };
}

/** The start banner: in JSON log mode, the record whose msg is "serving". */
function banner(stdout: string): Record<string, string> {
  const line = stdout.split('\n').find((l) => l.includes('"msg":"serving"'));
  if (!line) throw new Error(`no serving record in:\n${stdout}`);
  return JSON.parse(line) as Record<string, string>;
}

interface Answer {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, any> | null;
    errors?: Array<{ message: string; extensions?: Record<string, any> }>;
    extensions?: Record<string, any>;
  };
}

async function gql(instance: Instance, query: string, options: { token?: string; variables?: object } = {}): Promise<Answer> {
  const response = await fetch(`http://127.0.0.1:${instance.port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token ?? instance.token}` },
    body: JSON.stringify({ query, variables: options.variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
}

/** One sample of /metrics (`name{labels} value`), or undefined. */
async function metric(instance: Instance, name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  return sample(await (await fetch(`http://127.0.0.1:${instance.port}/metrics`)).text(), name, labels);
}

/** Statements each target received so far, as the instance counts them (one scrape of /metrics). */
async function statements(instance: Instance): Promise<{ primary: number; replica: number }> {
  const text = await (await fetch(`http://127.0.0.1:${instance.port}/metrics`)).text();
  const of = (target: string) => Number(new RegExp(`^gateway_db_statements_total\\{target="${target}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { primary: of('primary'), replica: of('replica') };
}

/**
 * What a scrape of /metrics itself costs the primary between two scrapes (the webhook queue's depth is
 * read from the database at each one), so that a bound on a request's statements counts the request only.
 */
async function scrapeCost(instance: Instance): Promise<number> {
  const first = await statements(instance);
  const second = await statements(instance);
  return second.primary - first.primary;
}

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A subscription over real HTTP (Server-Sent Events), open once its headers arrived. */
async function subscribeOver(instance: Instance, query: string) {
  const abort = new AbortController();
  const response = await fetch(`http://127.0.0.1:${instance.port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${instance.token}` },
    body: JSON.stringify({ query }),
    signal: abort.signal,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  return readSse<Record<string, any>>(response, abort);
}

async function sql<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** pg_ctl on the standby, as the user the cluster runs as. */
function standbyCtl(...args: string[]): void {
  const pgCtl = `${process.env.REPLICA_PG_BIN ?? '/usr/lib/postgresql/15/bin'}/pg_ctl`;
  const pgArgs = ['-D', process.env.REPLICA_STANDBY_DATA!, '-w', '-t', '30', ...args];
  const [file, fileArgs] =
    process.getuid?.() === 0 ? ['runuser', ['-u', process.env.REPLICA_PG_USER ?? 'postgres', '--', pgCtl, ...pgArgs]] : [pgCtl, pgArgs];
  // From the cluster's temp folder: the postgres user may not be allowed into the checkout.
  execFileSync(file, fileArgs, { stdio: 'ignore', cwd: path.dirname(process.env.REPLICA_STANDBY_DATA!) });
}

const EXPENSES = 'query Expenses { viewer { person { email } } expenses(first: 8) { totalCount nodes { name } } }';

// ---- The cluster -------------------------------------------------------------------------------

describe.skipIf(!PRIMARY)('a primary, a streaming standby and two gateway processes', () => {
  let one: Instance;
  let two: Instance;
  let redis: Redis;
  let lingering: Awaited<ReturnType<typeof subscribeOver>> | undefined;

  beforeAll(async () => {
    if (!STANDBY) throw new Error('REPLICA_STANDBY_URL is not set: run this file with bash scripts/replica-cluster.sh');
    // Migrated once beforehand: the instances find the schema up to date.
    const db = await openDatabase({ url: PRIMARY });
    try {
      await migrate(db.scripts);
    } finally {
      await db.close();
    }
    redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2000, retryStrategy: () => null });
    redis.on('error', () => undefined);
    await redis.connect().catch((error: Error) => {
      throw new Error(`Redis does not answer at ${REDIS_URL} (REDIS_URL): the instances share their buckets there. ${error.message}`);
    });
    const env = {
      DATABASE_URL: PRIMARY!,
      DATABASE_REPLICA_URLS: STANDBY,
      REDIS_URL,
      RATE_LIMIT_KEY_PREFIX: PREFIX,
      // Live events of this run only: other runs sharing Redis publish under their own prefix.
      EVENTS_CHANNEL_PREFIX: `${PREFIX}:events`,
      RATE_LIMIT_POINTS: String(POINTS),
      RATE_LIMIT_RESTORE_RATE: '1',
      SEED_DEMO: 'true',
      LOG_LEVEL: 'info',
      LOG_FORMAT: 'json',
    };
    // A folder each for their demo tokens (not the repository's ./.data): each keeps its own.
    const folders = await Promise.all(['one', 'two'].map((name) => mkdtemp(path.join(tmpdir(), `gateway-replicas-${name}-`))));
    [one, two] = await Promise.all(folders.map((DATA_DIR) => start({ ...env, DATA_DIR })));
  }, SPAWN_TIMEOUT);

  afterAll(async () => {
    for (const instance of [one, two]) if (instance?.child.pid) process.kill(instance.child.pid, 'SIGTERM');
    // However long a busy machine takes: this hook's timeout (SPAWN_TIMEOUT) bounds it.
    const codes = await Promise.all([one?.exited, two?.exited]);
    // Whatever is left (also after a failure): the whole process groups.
    for (const child of spawned) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Gone.
      }
    }
    if (redis) {
      const keys = await redis.keys(`${PREFIX}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    }
    expect(codes, 'both instances stop cleanly on SIGTERM, an open subscription included').toEqual([0, 0]);
    if (lingering) {
      // It heard the approval of (f) too; then its stream ended with the instance.
      expect((await lingering.next(1_000)) as unknown).toMatchObject({ data: { expenseChanged: { event: { type: 'EXPENSE_APPROVED' } } } });
      expect(await lingering.next(1_000), "the subscription's stream ended with the instance").toBe('done');
    }
  }, SPAWN_TIMEOUT);

  test('the standby is a streaming standby of the primary, and both instances use it', async () => {
    expect(await sql(STANDBY!, 'SELECT pg_is_in_recovery() AS recovery')).toEqual([{ recovery: true }]);
    expect(await sql(PRIMARY!, 'SELECT pg_is_in_recovery() AS recovery')).toEqual([{ recovery: false }]);
    expect(await sql(PRIMARY!, `SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'`)).toEqual([{ n: 1 }]);
    // Writes are refused there: it is a replica, not a copy.
    await expect(sql(STANDBY!, 'CREATE TABLE nope (a int)')).rejects.toThrow(/read-only transaction/);
    for (const instance of [one, two]) {
      expect(banner(instance.stdout()).replicas).toMatch(/^1 \(DATABASE_REPLICA_URLS\)/);
      expect(await metric(instance, 'gateway_db_replicas_available')).toBe(1);
    }
    // Two instances, one demo organization (the start-up lock), each its own demo token.
    expect(one.token).not.toBe(two.token);
    expect(await sql(PRIMARY!, `SELECT count(*)::int AS n FROM organizations WHERE name = 'Demo Agency'`)).toEqual([{ n: 1 }]);
  });

  test('(a) queries are served by the standby; the primary only authenticates', async () => {
    for (const instance of [one, two]) {
      const scrape = await scrapeCost(instance);
      const before = await statements(instance);
      const answer = await gql(instance, EXPENSES);
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data?.viewer.person.email).toBe('demo@example.com');
      expect(answer.body.data?.expenses.totalCount).toBeGreaterThanOrEqual(8);
      const after = await statements(instance);
      expect(after.replica - before.replica, 'statements on the standby').toBeGreaterThanOrEqual(2);
      expect(after.primary - before.primary - scrape, 'the token lookup at most (it is cached a few seconds)').toBeLessThanOrEqual(1);
    }
  });

  test('(b) a mutation runs on the primary with the reads after it: one request sees its own writes', async () => {
    const [{ deal, type }] = await sql<{ deal: number; type: number }>(
      PRIMARY!,
      `SELECT (SELECT min(d.id) FROM deals d JOIN organizations o ON o.id = d.organization_id WHERE o.name = 'Demo Agency' AND d.currency = 'USD') AS deal,
              (SELECT min(s.id) FROM service_types s JOIN organizations o ON o.id = s.organization_id WHERE o.name = 'Demo Agency') AS type`,
    );
    const [{ n }] = await sql<{ n: number }>(PRIMARY!, 'SELECT count(*)::int AS n FROM expenses WHERE deal_id = $1 AND deleted_at IS NULL', [deal]);
    const input = (name: string) => ({ name, dealId: gid('Deal', deal!), serviceTypeId: gid('ServiceType', type!), amount: 1234, currency: 'USD', date: '2024-05-01' });
    const before = await statements(two);
    const answer = await gql(
      two,
      `mutation Two($a: CreateExpenseInput!, $b: CreateExpenseInput!) {
        a: createExpense(input: $a) { expense { name deal { expenses(first: 10) { totalCount } } } userErrors { message } }
        b: createExpense(input: $b) { expense { name deal { expenses(first: 10) { totalCount nodes { name } } } } userErrors { message } }
      }`,
      { variables: { a: input(`${PREFIX} first`), b: input(`${PREFIX} second`) } },
    );
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.a.userErrors).toEqual([]);
    expect(answer.body.data?.a.expense.deal.expenses.totalCount).toBe(n + 1);
    expect(answer.body.data?.b.expense.deal.expenses.totalCount).toBe(n + 2);
    expect(answer.body.data?.b.expense.deal.expenses.nodes.map((e: { name: string }) => e.name)).toEqual(
      expect.arrayContaining([`${PREFIX} first`, `${PREFIX} second`]),
    );
    const after = await statements(two);
    expect(after.replica, 'nothing of a mutation reaches the standby').toBe(before.replica);
    expect(after.primary - before.primary).toBeGreaterThan(4);
  });

  test('(d) the standby has the write soon after: a query on the other instance sees it', async () => {
    const seen = await until('the write on the standby', 10_000, async () => {
      const answer = await gql(one, `{ expenses(first: 200) { nodes { name } } }`);
      const names = (answer.body.data?.expenses.nodes ?? []).map((e: { name: string }) => e.name);
      return names.includes(`${PREFIX} second`) && names;
    });
    expect(seen).toEqual(expect.arrayContaining([`${PREFIX} first`, `${PREFIX} second`]));
    expect(await sql(STANDBY!, 'SELECT count(*)::int AS n FROM expenses WHERE name LIKE $1', [`${PREFIX}%`])).toEqual([{ n: 2 }]);
  });

  test("(c) one token's budget is shared by both instances", async () => {
    // A token of its own, so that the other tests' spending does not count.
    const { token, tokenHash } = newToken();
    await sql(
      PRIMARY!,
      `INSERT INTO api_tokens (person_id, name, token_hash) SELECT id, 'replica test', $1 FROM people WHERE email = 'demo@example.com'`,
      [tokenHash],
    );
    // Costs what it asks for: every expense with two related objects (actual = requested).
    const costly = '{ expenses(first: 8) { nodes { name deal { name } serviceType { name } } } }';
    let available = POINTS;
    let requested = 0;
    for (let i = 0; i < 100; i++) {
      const answer = await gql(one, costly, { token });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      const cost = answer.body.extensions?.cost;
      requested = cost.requested;
      expect(cost.actual).toBe(requested);
      available = cost.throttleStatus.currentlyAvailable;
      if (available < requested) break;
    }
    expect(requested).toBeGreaterThan(0);
    expect(available).toBeLessThan(requested);

    // The other instance sees the same bucket: a free operation reports what is left...
    const free = await gql(two, '{ __typename }', { token });
    expect(free.status).toBe(200);
    expect(free.body.extensions?.cost.throttleStatus.currentlyAvailable).toBe(available);
    expect(free.body.extensions?.cost.throttleStatus.maximumAvailable).toBe(POINTS);
    // ...and the next costly one is refused there, before it runs.
    const refused = await gql(two, costly, { token });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('THROTTLED');
    expect(refused.body.errors?.[0]?.message).toContain(`${available} of ${POINTS} are left`);
    expect(await metric(two, 'gateway_rate_limit_rejections_total', { reason: 'cost' })).toBe(1);
    // The instance that spent it refuses too; other tokens are not affected.
    expect((await gql(one, costly, { token })).status).toBe(429);
    expect((await gql(one, EXPENSES)).status).toBe(200);
  });

  test('(f) a subscriber of one instance hears an approval made through the other', async () => {
    for (const instance of [one, two]) expect(banner(instance.stdout()).events).toBe('shared by every instance through Redis (REDIS_URL)');
    const [{ id }] = await sql<{ id: number }>(PRIMARY!, 'SELECT id FROM expenses WHERE name = $1', [`${PREFIX} first`]);
    const query = 'subscription { expenseChanged { event { type subjectId actor { email } } expense { id approved } } }';
    const sub = await subscribeOver(two, query);
    // Left open on purpose: stopping must end it (afterAll expects both instances to exit 0).
    lingering = await subscribeOver(one, query);
    try {
      // The stream is open once the headers are: the subscription listens from its start.
      const approved = await gql(one, 'mutation ($id: ID!) { approveExpense(input: { id: $id }) { userErrors { message } } }', {
        variables: { id: gid('Expense', id!) },
      });
      expect(approved.body.errors).toBeUndefined();
      expect(approved.body.data?.approveExpense.userErrors).toEqual([]);
      const frame = await sub.next(10_000);
      expect(frame).not.toBe('done');
      if (frame === 'done') return;
      expect(frame.errors).toBeUndefined();
      expect(frame.data?.expenseChanged).toEqual({
        event: { type: 'EXPENSE_APPROVED', subjectId: gid('Expense', id!), actor: { email: 'demo@example.com' } },
        expense: { id: gid('Expense', id!), approved: true },
      });
    } finally {
      await sub.close();
    }
  });

  test('(e) a standby that stops: queries are answered by the primary; it is used again once it answers', async () => {
    standbyCtl('-m', 'fast', 'stop');
    try {
      const before = await statements(one);
      const answer = await gql(one, EXPENSES);
      expect(answer.status).toBe(200);
      expect(answer.body.errors, 'the client sees a normal answer').toBeUndefined();
      expect(answer.body.data?.expenses.totalCount).toBeGreaterThanOrEqual(10);
      const after = await statements(one);
      expect(after.primary - before.primary, 'the query ran on the primary').toBeGreaterThanOrEqual(2);
      expect(await metric(one, 'gateway_db_replicas_available')).toBe(0);
      expect(one.stdout()).toMatch(/read replica unavailable/);
      // Both instances keep answering while it is down.
      expect((await gql(two, EXPENSES)).body.errors).toBeUndefined();
    } finally {
      standbyCtl('-l', process.env.REPLICA_STANDBY_LOG ?? '/dev/null', 'start');
    }
    // Probed every 5 s: back in rotation, and the next query reads from it again.
    await until('the standby back in rotation', 20_000, async () => (await metric(one, 'gateway_db_replicas_available')) === 1);
    expect(one.stdout()).toMatch(/read replica answers again: back in rotation/);
    const before = await statements(one);
    expect((await gql(one, EXPENSES)).body.errors).toBeUndefined();
    const after = await statements(one);
    expect(after.replica - before.replica).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
