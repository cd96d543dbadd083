// The server's life as an operator sees it: `npm start` as a real child process, stopped with a
// signal while requests are in flight; the embedded database folder locked against a second process;
// a taken port refused before the database is touched; statements cut by the statement timeout.
// The server runs on the backend chosen by TEST_DATABASE_URL (in a database of its own); the folder
// lock is PGlite's, so that test always uses PGlite.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { DatabaseLockedError, LOCK_FILE } from '../src/db/lock.js';
import { migratedFolder } from './helpers/database.js';
import { captured, exitOf, freePort, SPAWN_TIMEOUT, waitFor, type Captured } from './helpers/processes.js';
import { connect } from './helpers/websocket.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PG_URL = process.env.TEST_DATABASE_URL;
const QUERY = '{ viewer { person { email } } expenses(first: 5) { totalCount nodes { name } } }';

// ---- Helpers ---------------------------------------------------------------------------------

let tmp: string;
/** A migrated PGlite folder, copied for each server so that no test pays for the migrations. */
let template: string;
/** PostgreSQL runs: the servers' own database (not the suite's: the demo seed would disturb other files). */
let serverUrl: string | undefined;

const spawned: ChildProcess[] = [];

function adminUrl(database: string) {
  const url = new URL(PG_URL!);
  url.pathname = `/${database}`;
  return url.toString();
}

async function adminQuery(sql: string) {
  const client = new pg.Client({ connectionString: adminUrl('postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Every process below `pid` (children, grandchildren...), read from /proc. */
function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Gone meanwhile.
    }
  }
  const all: number[] = [];
  const queue = [pid];
  while (queue.length) {
    for (const child of parents.get(queue.shift()!) ?? []) {
      all.push(child);
      queue.push(child);
    }
  }
  return all;
}

/** The command line of a running process, or undefined when it is gone. */
function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

type Run = Captured;

/** `npm <args>` in the project, in a process group of its own (so that cleanup reaches orphans too). */
function npm(args: string[], env: Record<string, string>): Run {
  const child = spawn('npm', args, {
    cwd: ROOT,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      SEED_DEMO: 'true',
      LOG_LEVEL: 'info',
      DATABASE_URL: '',
      npm_config_update_notifier: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  spawned.push(child);
  return captured(child);
}

interface Server extends Run {
  port: number;
  token: string;
  url: string;
}

/** `npm start`, resolved once it printed the demo token (it then serves). */
async function startServer(env: Record<string, string>): Promise<Server> {
  const port = Number(env.PORT ?? (await freePort()));
  const run = npm(['start'], { ...env, PORT: String(port) });
  const match = await waitFor(() => /Demo token: (\S+)/.exec(run.stdout()), {
    what: 'npm start to serve',
    exited: run.exited,
    output: () => `${run.stdout()}\n${run.stderr()}`,
  });
  const token = match[1]!;
  return { ...run, port, token, url: `http://127.0.0.1:${port}/graphql` };
}

/** A server on the suite's backend: a copy of the migrated PGlite folder, or the servers' PostgreSQL database. */
async function databaseEnv(name: string): Promise<Record<string, string>> {
  if (serverUrl) return { DATABASE_URL: serverUrl };
  const dataDir = path.join(tmp, name);
  await cp(template, dataDir, { recursive: true });
  return { DATA_DIR: dataDir };
}

async function ask(server: Server, token = server.token) {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: QUERY }),
  });
  return { status: response.status, body: (await response.json()) as { data?: { viewer: { person: { email: string } } } } };
}

/** The exit code, however long a busy machine takes: the test's timeout (SPAWN_TIMEOUT) bounds it. */
const exitCode = (run: Run): Promise<number | null> => exitOf(run.exited, 'the process', () => `${run.stdout()}\n${run.stderr()}`);

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'gateway-lifecycle-'));
  template = path.join(tmp, 'template');
  await migratedFolder(template);
  if (PG_URL) {
    const name = `${new URL(PG_URL).pathname.slice(1)}_servers`;
    if (!/^\w+$/.test(name)) throw new Error(`Unexpected database name ${name}`);
    await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await adminQuery(`CREATE DATABASE "${name}"`);
    serverUrl = adminUrl(name);
  }
});

afterEach(async () => {
  // Whatever a test left running, also after a failure: the whole process group, orphans included.
  for (const child of spawned.splice(0)) {
    if (child.pid === undefined) continue;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
  if (serverUrl) await adminQuery(`DROP DATABASE IF EXISTS "${new URL(serverUrl).pathname.slice(1)}" WITH (FORCE)`);
});

// ---- Shutdown ----------------------------------------------------------------------------------

test('SIGTERM to npm start lets in-flight requests finish, then the whole process tree exits 0', async () => {
  const server = await startServer({ ...(await databaseEnv('sigterm')), SHUTDOWN_TIMEOUT_MS: '8000' });
  const tree = new Map(descendants(server.child.pid!).map((pid) => [pid, commandOf(pid)]));
  expect([...tree.values()].some((command) => command?.includes('dist/main/server.js')), 'npm runs the server').toBe(true);

  // An idle kept-alive connection must not hold the shutdown up until the deadline.
  const agent = new http.Agent({ keepAlive: true });
  expect((await post(server, JSON.stringify({ query: QUERY }), agent)).status).toBe(200);

  // 16 requests whose bodies arrive in two halves, the second after the signal.
  const body = JSON.stringify({ query: QUERY });
  const half = Math.floor(body.length / 2);
  const requests = Array.from({ length: 16 }, () => slowPost(server, body, half));
  await Promise.all(requests.map((r) => r.sentHalf));
  // A request sent after theirs has been answered: the server has accepted their connections and
  // read their headers (rather than a fixed pause, which a busy machine can outlast).
  expect((await post(server, body)).status).toBe(200);

  process.kill(server.child.pid!, 'SIGTERM');
  // It stops listening right after saying so.
  await waitFor(() => server.stdout().includes('shutting down: finishing in-flight requests'), {
    what: 'the server to start shutting down',
    exited: server.exited,
    output: () => server.stdout(),
  });
  // It no longer accepts connections...
  await expect(post(server, body)).rejects.toThrow(/ECONNREFUSED|ECONNRESET|socket hang up/);
  // ...but answers the requests in flight.
  for (const r of requests) r.finish();
  const responses = await Promise.all(requests.map((r) => r.response));
  for (const response of responses) {
    expect(response.status).toBe(200);
    const parsed = JSON.parse(response.body) as { data: { viewer: { person: { email: string } }; expenses: { totalCount: number } } };
    expect(parsed.data.viewer.person.email).toBe('demo@example.com');
    expect(parsed.data.expenses.totalCount).toBe(8);
  }

  // Exit code 0 and not forced: the idle kept-alive connection did not hold it up until the deadline
  // (reaching it logs "forced":true and exits 1), whatever the wall-clock time on a busy machine.
  expect(await exitCode(server)).toBe(0);
  expect(server.stdout()).toMatch(/"forced":false/);
  const left = () => [...tree].filter(([pid, command]) => commandOf(pid) === command);
  await waitFor(() => left().length === 0, { what: `every process of the tree to exit (${JSON.stringify(left())})` });
  agent.destroy();
}, SPAWN_TIMEOUT);

test('SIGTERM with a WebSocket open: its subscription completes, the socket closes with 1001, the process exits 0', async () => {
  const server = await startServer({ ...(await databaseEnv('sigterm-ws')), SHUTDOWN_TIMEOUT_MS: '8000' });
  const socket = connect(server.url.replace('http:', 'ws:'), { authorization: `Bearer ${server.token}` });
  const sub = socket.subscribe('subscription { changeEvents { type } }');
  // Open once the server's gauge counts it (no METRICS_TOKEN: /metrics is open).
  await waitFor(
    async () => /^gateway_subscriptions_open 1$/m.test(await (await fetch(server.url.replace('/graphql', '/metrics'))).text()),
    { what: 'the subscription to open', exited: server.exited, output: () => server.stdout() },
  );
  process.kill(server.child.pid!, 'SIGTERM');
  expect(await sub.next(10_000)).toBe('done');
  expect(await socket.closed).toEqual({ closed: 1001, reason: 'The server is shutting down: connect again.' });
  expect(await exitCode(server)).toBe(0);
  expect(server.stdout()).toMatch(/"forced":false/);
}, SPAWN_TIMEOUT);

function post(server: Server, body: string, agent?: http.Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(server.url, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}`, 'content-length': Buffer.byteLength(body) },
    });
    readResponse(req).then(resolve, reject);
    req.end(body);
  });
}

/** The status and whole body of `req`'s response. */
function readResponse(req: http.ClientRequest): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      res.on('error', reject);
    });
  });
}

function slowPost(server: Server, body: string, split: number) {
  const req = http.request(server.url, {
    method: 'POST',
    agent: false,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.token}`, 'content-length': Buffer.byteLength(body) },
  });
  const response = readResponse(req);
  response.catch(() => undefined); // awaited later
  const sentHalf = new Promise<void>((resolve) => {
    req.flushHeaders();
    req.write(body.slice(0, split), () => resolve());
  });
  return { sentHalf, response, finish: () => req.end(body.slice(split)) };
}

// ---- The embedded database folder is one process's ---------------------------------------------

describe('the PGlite folder lock', () => {
  test('a second process is refused with the holder named, and the server is unharmed', async () => {
    const dataDir = path.join(tmp, 'locked');
    await cp(template, dataDir, { recursive: true });
    const server = await startServer({ DATA_DIR: dataDir });
    const serverPids = descendants(server.child.pid!);
    const postmaster = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8');
    const files = readdirSync(dataDir).sort();
    const modified = (await stat(path.join(dataDir, 'postmaster.pid'))).mtimeMs;

    const cli = npm(['run', 'cli', '--', 'token', '--email', 'demo@example.com', '--name', 'x'], { DATA_DIR: dataDir });
    expect(await exitCode(cli)).not.toBe(0);
    const message = cli.stderr();
    expect(message).toContain(`The database folder ${path.resolve(dataDir)} is in use by the server (npm start, port ${server.port})`);
    const holder = Number(/process (\d+)/.exec(message)?.[1]);
    expect(serverPids).toContain(holder);
    expect(cli.stdout()).not.toMatch(/agw_/);

    expect(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8')).toBe(postmaster);
    expect((await stat(path.join(dataDir, 'postmaster.pid'))).mtimeMs).toBe(modified);
    expect(readdirSync(dataDir).sort()).toEqual(files);
    const answer = await ask(server);
    expect(answer.status).toBe(200);
    expect(answer.body.data?.viewer.person.email).toBe('demo@example.com');

    // Stopped, the server releases the folder, and the CLI works.
    process.kill(server.child.pid!, 'SIGTERM');
    expect(await exitCode(server)).toBe(0);
    expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
    const again = npm(['run', 'cli', '--', 'token', '--email', 'demo@example.com', '--name', 'x'], { DATA_DIR: dataDir });
    expect(await exitCode(again), again.stderr()).toBe(0);
    expect(again.stdout()).toMatch(/agw_\S+/);
  }, SPAWN_TIMEOUT);

  test('a second open in one process is refused; a lock whose process is gone is taken over', async () => {
    const dataDir = await migratedFolder(path.join(tmp, 'in-process'));
    const first = await openDatabase({ dataDir, owner: 'the first opener' });
    const refused = await openDatabase({ dataDir }).then(
      async (second) => void (await second.close()),
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(DatabaseLockedError);
    expect((refused as Error).message).toContain(`is in use by the first opener: process ${process.pid}`);
    await first.close();
    await first.close(); // twice is harmless

    // A lock left by a process that died without closing.
    const dead = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => dead.on('exit', resolve));
    const stale = { pid: dead.pid, hostname: os.hostname(), owner: 'a killed process', command: 'node', startedAt: new Date().toISOString() };
    await writeFile(path.join(dataDir, LOCK_FILE), JSON.stringify(stale));
    const reopened = await openDatabase({ dataDir });
    expect(JSON.parse(readFileSync(path.join(dataDir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    expect(await reopened.scripts.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await reopened.close();
    expect(existsSync(path.join(dataDir, LOCK_FILE))).toBe(false);
  });
});

// ---- A taken port ------------------------------------------------------------------------------

test('npm start on a taken port fails before it touches the database', async () => {
  const env = await databaseEnv('port');
  const server = await startServer(env);

  // The same database on the same port: it must not rotate the running server's demo token.
  const same = npm(['start'], { ...env, PORT: String(server.port) });
  expect(await exitCode(same)).not.toBe(0);
  expect(same.stderr()).toContain(`Port ${server.port} on 127.0.0.1 is already in use`);
  expect(same.stdout()).not.toMatch(/migrations applied|database up to date|Demo token/);
  expect((await ask(server)).status).toBe(200);

  // A database never used: it stays untouched.
  const fresh = await freshDatabase();
  const second = npm(['start'], { ...fresh.env, PORT: String(server.port) });
  expect(await exitCode(second)).not.toBe(0);
  expect(second.stderr()).toContain(`Port ${server.port} on 127.0.0.1 is already in use`);
  expect(await fresh.untouched()).toBe(true);
  expect((await ask(server)).status).toBe(200);

  process.kill(server.child.pid!, 'SIGTERM');
  expect(await exitCode(server)).toBe(0);
}, SPAWN_TIMEOUT);

/** A database nobody opened yet: a PGlite folder not created, or an empty PostgreSQL database. */
async function freshDatabase(): Promise<{ env: Record<string, string>; untouched(): Promise<boolean> }> {
  if (!PG_URL) {
    const dataDir = path.join(tmp, 'never-created');
    return { env: { DATA_DIR: dataDir }, untouched: async () => !existsSync(dataDir) };
  }
  const name = `${new URL(PG_URL).pathname.slice(1)}_untouched`;
  await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await adminQuery(`CREATE DATABASE "${name}"`);
  return {
    env: { DATABASE_URL: adminUrl(name) },
    async untouched() {
      const client = new pg.Client({ connectionString: adminUrl(name) });
      await client.connect();
      try {
        const { rows } = await client.query<{ tables: number }>(
          "SELECT count(*)::int AS tables FROM information_schema.tables WHERE table_schema = 'public'",
        );
        return rows[0]!.tables === 0;
      } finally {
        await client.end();
        await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }
    },
  };
}

// ---- Several instances -----------------------------------------------------------------------

describe.skipIf(!PG_URL)('several instances (PostgreSQL)', () => {
  test('two started at once on an empty database: both serve, one demo organization, each its own working demo token', async () => {
    const name = `${new URL(PG_URL!).pathname.slice(1)}_pair`;
    await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await adminQuery(`CREATE DATABASE "${name}"`);
    const env = { DATABASE_URL: adminUrl(name) };
    // Hold the start-up lock (STARTUP_LOCK in src/main/server.ts): both migrate, then wait for it
    // before seeding; released, they seed one after the other. Without the lock they would race.
    const holder = new pg.Client({ connectionString: adminUrl(name) });
    await holder.connect();
    await holder.query('SELECT pg_advisory_lock(72707370)');
    try {
      let served = 0;
      const both = Promise.all([startServer(env), startServer(env)].map((s) => s.then((server) => ((served += 1), server))));
      // Both are blocked on the lock (as PostgreSQL shows), not merely slow to start: neither serves yet.
      await waitFor(
        async () => {
          const { rows } = await holder.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database " +
              "WHERE d.datname = current_database() AND l.locktype = 'advisory' AND l.objid = 72707370 AND NOT l.granted",
          );
          return rows[0]!.n === 2;
        },
        { what: 'both instances to wait for the start-up lock' },
      );
      expect(served).toBe(0);
      await holder.query('SELECT pg_advisory_unlock(72707370)');
      const [a, b] = await both;
      expect(a.token).not.toBe(b.token);
      // Each instance's demo token still works after the other one started.
      expect((await ask(a)).status).toBe(200);
      expect((await ask(b)).status).toBe(200);
      expect((await ask(a, b.token)).body.data?.viewer.person.email).toBe((await ask(b, a.token)).body.data?.viewer.person.email);
      const client = new pg.Client({ connectionString: adminUrl(name) });
      await client.connect();
      try {
        const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM organizations WHERE name = 'Demo Agency'`);
        expect(rows[0]!.n).toBe(1);
      } finally {
        await client.end();
      }
      for (const server of [a, b]) process.kill(server.child.pid!, 'SIGTERM');
      expect(await exitCode(a)).toBe(0);
      expect(await exitCode(b)).toBe(0);
    } finally {
      await holder.end();
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
  }, SPAWN_TIMEOUT);
});

// ---- Statement timeout ---------------------------------------------------------------------------

describe.skipIf(!PG_URL)('the statement timeout (PostgreSQL)', () => {
  test('a statement longer than the timeout is cancelled; scripts (migrations) are exempt', async () => {
    const db = await openDatabase({ url: PG_URL, statementTimeoutMs: 300 });
    try {
      const started = Date.now();
      await expect(db.prisma.$queryRawUnsafe('SELECT pg_sleep(5)')).rejects.toThrow(/statement timeout/);
      expect(Date.now() - started).toBeLessThan(2_000);
      // The pool's connections stay usable.
      expect(await db.prisma.$queryRawUnsafe('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      expect(await db.scripts.query('SELECT pg_sleep(0.6)::text AS slept')).toEqual([{ slept: '' }]);
    } finally {
      await db.close();
    }
  });

  test('it is on by default', async () => {
    const db = await openDatabase({ url: PG_URL });
    try {
      expect(await db.prisma.$queryRawUnsafe('SHOW statement_timeout')).toEqual([{ statement_timeout: '15s' }]);
    } finally {
      await db.close();
    }
  });
});
