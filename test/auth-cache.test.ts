// The in-memory token cache: a cached request costs no statement at all, a new token works at
// once, and a revocation made elsewhere takes effect within the cache's time to live.
import { afterAll, beforeAll, expect, test } from 'vitest';
import pino from 'pino';
import { createApp, type App } from '../src/http/app.js';
import { startApp, type TestApp } from './helpers/app.js';
import { addPerson, createTenant, type Tenant } from './helpers/fixtures.js';

const TTL_MS = 400;
let t: TestApp;
let cached: App;
let a: Tenant;

beforeAll(async () => {
  t = await startApp();
  cached = createApp({ prisma: t.db.prisma, logger: pino({ level: 'silent' }), authCacheMs: TTL_MS });
  a = await createTenant(t.db.prisma);
});
afterAll(() => t.close());

async function ask(token: string) {
  const response = await cached.fetch('http://test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: '{ viewer { organization { name } } }' }),
  });
  return response.status;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a cached token costs no statement; a new token works at once', async () => {
  t.db.statements.reset();
  expect(await ask(a.token)).toBe(200);
  const first = t.db.statements.count;
  expect(first).toBe(2); // authentication, then the organization
  t.db.statements.reset();
  expect(await ask(a.token)).toBe(200);
  expect(t.db.statements.count).toBe(1); // only the organization
  const { token } = await addPerson(t.db.prisma, [a.organizationId]);
  expect(await ask(token)).toBe(200);
});

test('a revocation made by another process takes effect within the time to live', async () => {
  const { person, token } = await addPerson(t.db.prisma, [a.organizationId]);
  expect(await ask(token)).toBe(200);
  await t.db.prisma.apiToken.updateMany({ where: { personId: person.id }, data: { revokedAt: new Date() } });
  const revokedAt = Date.now();
  // Still served from the cache, but never past its time to live.
  let status = await ask(token);
  while (status === 200 && Date.now() - revokedAt < TTL_MS * 3) {
    await sleep(50);
    status = await ask(token);
  }
  expect(status).toBe(401);
  expect(Date.now() - revokedAt).toBeLessThan(TTL_MS + 300);
});

test('invalid tokens are never cached', async () => {
  expect(await ask('agw_not-a-token')).toBe(401);
  expect(await ask('agw_not-a-token')).toBe(401);
});
