// Event order without a lock (docs/events.md, "Order"): the log and webhook delivery read events in
// (transaction id, id) order and never past the oldest transaction still running. On PostgreSQL
// (TEST_DATABASE_URL) a slow transaction takes its event first and commits last while ten writers
// commit theirs: a reader polling meanwhile sees none of theirs (it would have to skip the slow one
// to do so), then all eleven once it commits, the slow one first, none twice; the endpoint gets them
// in the same order. On PGlite (one connection) only the cursor checks run.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createWebhook } from '../src/domain/webhooks.js';
import { recordEvent } from '../src/changes/outbox.js';
import { drainWebhook, type DeliveryOptions } from '../src/webhooks/deliver.js';
import { AddressPolicy } from '../src/webhooks/url-guard.js';
import { graphql } from './generated/index.js';
import { eventsReadable } from './helpers/events.js';
import { data, execute, startApp, type TestApp } from './helpers/app.js';
import { createTenant, gid, type Tenant } from './helpers/fixtures.js';

const Log = graphql(`
  query EventOrderLog($first: Int, $after: String, $last: Int, $before: String) {
    changeEvents(first: $first, after: $after, last: $last, before: $before) {
      edges { cursor node { id type subjectId } }
      pageInfo { endCursor hasNextPage }
    }
  }
`);

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
const policy = new AddressPolicy(['127.0.0.1/32']);

let t: TestApp;
let tenant: Tenant;
let server: Server;
/** Event ids (global) in the order the receiver got them. */
const received: string[] = [];

beforeAll(async () => {
  t = await startApp({ webhooks: { policy } });
  tenant = await createTenant(t.db.prisma);
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(String(req.headers['gateway-event-id']));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await t.close();
});

interface Seen {
  id: string;
  type: string;
  subjectId: string;
}

/** Reads the log from `after` to its current end, page by page: what it saw and where it stopped. */
async function readOn(after: string | null): Promise<{ seen: Seen[]; cursor: string | null }> {
  const seen: Seen[] = [];
  let cursor = after;
  for (;;) {
    const page = (await data(t.app, Log, { first: 3, after: cursor }, { token: tenant.token })).changeEvents;
    seen.push(...page.edges.map((edge) => edge.node));
    cursor = page.pageInfo.endCursor ?? cursor;
    if (!page.pageInfo.hasNextPage) return { seen, cursor };
  }
}

const options: DeliveryOptions = {
  maxAttempts: 3,
  backoffBaseMs: 1,
  timeoutMs: 5_000,
  organizationConcurrency: 4,
  slowMs: 5_000,
  disableAfterFailures: 10,
  policy,
};

describe('the log and webhooks in commit order', () => {
  test.skipIf(!onPostgres)('a transaction that takes its event first and commits last is never skipped, by the log or by webhooks', async () => {
    const created = await createWebhook(tenant.db, tenant.viewer, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, events: ['expense.created', 'expense.updated'] }, policy);
    if (!created.ok) throw new Error(JSON.stringify(created.errors));
    const webhookId = created.value.id;
    const subject = await tenant.expense({ name: 'slow subject' });
    // Deliver what exists so far and read the log to its end: the test starts from there (once its
    // events are past the horizon, which another file's transaction on the server can hold back).
    await eventsReadable(t.db.prisma, tenant.organizationId);
    while ((await drainWebhook(t.db.prisma, webhookId, options)).kind === 'more');
    let { cursor } = await readOn(null);
    received.length = 0;

    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let taken!: () => void;
    const tookItsEvent = new Promise<void>((resolve) => (taken = resolve));
    const slow = tenant.db.$transaction(
      async (tx) => {
        await recordEvent(tx, tenant.viewer, 'expense.updated', { node: 'Expense', id: subject }, () => ({ name: 'slow subject' }));
        taken();
        await gate;
      },
      { timeout: 60_000 },
    );
    await tookItsEvent;
    const fast = await Promise.all(Array.from({ length: 10 }, (_, i) => tenant.expense({ name: `fast ${i}` })));

    // Ten events are committed, but each lies after the slow one: a reader that showed them now
    // would have to skip it. Polling returns nothing and delivery sends nothing until it commits.
    for (let poll = 0; poll < 5; poll++) {
      const read = await readOn(cursor);
      expect(read.seen, `poll ${poll} while the slow transaction runs`).toEqual([]);
      cursor = read.cursor;
      // Held back, not idle: the queue looks again shortly rather than at its next sweep.
      expect((await drainWebhook(t.db.prisma, webhookId, options)).kind).toBe('wait');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(received).toEqual([]);

    release();
    await slow;
    // Other databases' transactions on the same server hold the bound back too: poll until all 11.
    const seen: Seen[] = [];
    const deadline = Date.now() + 20_000;
    while (seen.length < 11 && Date.now() < deadline) {
      const read = await readOn(cursor);
      seen.push(...read.seen);
      cursor = read.cursor;
      if (seen.length < 11) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(seen[0]).toMatchObject({ type: 'EXPENSE_UPDATED', subjectId: gid('Expense', subject) });
    expect(seen.slice(1).map((e) => e.subjectId).sort()).toEqual(fast.map((id) => gid('Expense', id)).sort());
    expect(new Set(seen.map((e) => e.id)).size, 'no event twice').toBe(11);
    // Its event id is the lowest of the eleven, though it committed last: ids are not the order.
    const number = (id: string) => BigInt(Buffer.from(id, 'base64').toString().split(':')[1]!);
    expect(seen.every((e) => number(e.id) >= number(seen[0]!.id))).toBe(true);
    // Nothing more, and a second pass from the start agrees with the polls (no event was skipped).
    expect((await readOn(cursor)).seen).toEqual([]);

    for (let round = 0; round < 20 && received.length < 11; round++) {
      const outcome = await drainWebhook(t.db.prisma, webhookId, options);
      if (outcome.kind === 'idle' || outcome.kind === 'wait') await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(received, 'the endpoint gets them in the order of the log').toEqual(seen.map((e) => e.id));
  });

  test('cursors carry the commit position: valid only for this list and organization, and tamper-proof', async () => {
    await tenant.expense({ name: 'one' });
    await tenant.expense({ name: 'two' });
    const page = (await data(t.app, Log, { first: 1 }, { token: tenant.token })).changeEvents;
    const cursor = page.pageInfo.endCursor!;
    const doc = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as { s: string; v: string[] };
    expect(doc.s).toBe('COMMIT:ASC');
    expect(doc.v).toHaveLength(2);

    const other = await createTenant(t.db.prisma);
    const refused = async (after: string, caller = { token: tenant.token }) => {
      const { body } = await execute(t.app, Log, { first: 5, after }, caller);
      expect(body.data ?? null).toBeNull();
      return body.errors?.[0]?.message ?? '';
    };
    expect(await refused(cursor, { token: other.token })).toMatch(/another organization/);
    // A cursor of the order used before (the event id alone) is another order: start again.
    const old = Buffer.from(JSON.stringify({ l: 'changeEvents', s: 'ID:ASC', o: tenant.organizationId, v: ['1'] })).toString('base64url');
    expect(await refused(old)).toMatch(/another order/);
    const forged = Buffer.from(JSON.stringify({ ...doc, v: ['1 OR 1=1', doc.v[1]] })).toString('base64url');
    expect(await refused(forged)).toMatch(/malformed/);

    // Forwards and backwards meet: the page before the second event's cursor is the first event.
    const two = (await data(t.app, Log, { first: 2 }, { token: tenant.token })).changeEvents;
    const back = (await data(t.app, Log, { last: 1, before: two.edges[1]!.cursor }, { token: tenant.token })).changeEvents;
    expect(back.edges.map((e) => e.node.id)).toEqual([two.edges[0]!.node.id]);
  });
});
