// The bench's gateway answers every query of the bench's pair file (issue 25): a server started as
// bench/compare/run.sh starts it (bench/compare/gateway.env, `node dist/main/server.js`),
// on PostgreSQL as the bench runs, asked each gateway side of the pairs bench/compare/gateway-pairs.mjs
// writes, the write pair included. A change of the server's defaults (a rate limit, a cost limit, a
// new required header) that would make `npm run bench:compare` fail its content check fails here
// first. PostGraphile's side needs the bench's own install and is left to the bench.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { createToken } from '../src/auth/tokens.js';
import { DEMO_EMAIL, seedDemo } from '../src/domain/demo.js';
import { openTestDatabase } from './helpers/database.js';
import { captured, freePort, SPAWN_TIMEOUT, waitFor } from './helpers/processes.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const URL_ = process.env.TEST_DATABASE_URL;

/** KEY=VALUE lines of bench/compare/gateway.env, comments left out. */
function benchEnv(): Record<string, string> {
  const text = readFileSync(new URL('../bench/compare/gateway.env', import.meta.url), 'utf8');
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.trim() && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
});

interface Side {
  url: string;
  headers: Record<string, string>;
  query: string;
  variables?: Record<string, unknown>;
}

describe.runIf(Boolean(URL_))('the bench', () => {
  test('its gateway, started with gateway.env, answers every gateway query of the pair file without an error', async () => {
    const env = benchEnv();
    expect(env).toMatchObject({ RATE_LIMIT_ENABLED: 'false', WEBHOOK_DELIVERY: 'off' });

    // The demo organization stands in for the generated one: the same kinds of rows, in one organization.
    const db = await openTestDatabase();
    let ids: Record<string, string>;
    let token: string;
    try {
      const { organizationId } = await seedDemo(db.prisma);
      token = await createToken(db.prisma, DEMO_EMAIL, 'bench check');
      const organization = await db.prisma.organization.findUniqueOrThrow({ where: { id: organizationId } });
      const expense = await db.prisma.expense.findFirstOrThrow({ where: { organizationId, deletedAt: null }, orderBy: { id: 'desc' } });
      const deal = await db.prisma.deal.findFirstOrThrow({ where: { organizationId, deletedAt: null, currency: organization.defaultCurrency } });
      const person = await db.prisma.person.findUniqueOrThrow({ where: { email: DEMO_EMAIL } });
      ids = {
        ORG_ID: String(organizationId),
        EXPENSE_ID: String(expense.id),
        DEAL_ID: String(expense.dealId),
        WRITE_DEAL_ID: String(deal.id),
        SERVICE_TYPE_ID: String(expense.serviceTypeId),
        PERSON_ID: String(person.id),
      };
    } finally {
      await db.close();
    }

    // The server, as run.sh starts it (in a process group of its own, so that cleanup reaches it).
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/graphql`;
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: ROOT }, (error) => (error ? reject(error) : resolve())),
    );
    const child = spawn(process.execPath, ['dist/main/server.js'], {
      cwd: ROOT,
      env: { ...process.env, ...env, DATABASE_URL: URL_, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    children.push(child);
    const server = captured(child);
    const ask = async (side: Pick<Side, 'query' | 'variables'>, headers: Record<string, string> = {}) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query: side.query, variables: side.variables ?? {} }),
      });
      return { status: response.status, body: (await response.json().catch(() => null)) as { data?: unknown; errors?: unknown } | null };
    };
    const auth = { authorization: `Bearer ${token}` };
    await waitFor(async () => (await ask({ query: '{ __typename }' }, auth).catch(() => ({ status: 0 }))).status === 200, {
      what: 'the bench gateway to serve',
      exited: server.exited,
      output: () => `${server.stdout()}\n${server.stderr()}`,
    });

    // The pair file, as run.sh writes it, pointing both gateway URLs at this server.
    const pairs = await new Promise<Array<{ name: string; a: Side; b: Side }>>((resolve, reject) => {
      const gen = spawn(process.execPath, ['bench/compare/gateway-pairs.mjs'], {
        cwd: ROOT,
        env: { ...process.env, ...ids, GW_TOKEN: token, GW_URL: url, GW2_URL: url },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out = captured(gen);
      void out.exited.then((code) => (code === 0 ? resolve(JSON.parse(out.stdout())) : reject(new Error(out.stderr()))));
    });
    const sides = pairs.flatMap((p) => [p.a, p.b]).filter((side) => side.url === url);
    const names = new Set(pairs.filter((p) => p.a.url === url).map((p) => p.name[0]));
    expect([...names].sort()).toEqual(['a', 'b', 'c', 'd', 'n', 't', 'w']);

    let fresh = 0;
    for (const side of sides) {
      // As content-check.mjs and run-pair.mjs send them: a fresh idempotency key per write.
      const variables = JSON.parse(JSON.stringify(side.variables ?? {}).replaceAll('__FRESH__', `check-${++fresh}`));
      const { status, body } = await ask({ query: side.query, variables }, side.headers);
      expect({ status, errors: body?.errors }, side.query).toEqual({ status: 200, errors: undefined });
      expect(body?.data, side.query).toBeTruthy();
    }
  }, SPAWN_TIMEOUT);
});
