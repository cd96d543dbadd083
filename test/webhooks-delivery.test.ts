// Webhook delivery end to end: events written by real mutations, the pg-boss queue in this process,
// local receivers on 127.0.0.1. A receiver that fails twice gets each event once, signed, in order;
// one that stays down ends with failed deliveries and a disabled endpoint; redirects are failures;
// two workers on one PostgreSQL database never send one attempt twice.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase, type Database } from '../src/db/client.js';
import type { AttemptReport } from '../src/webhooks/deliver.js';
import { startDelivery, type DeliveryService } from '../src/webhooks/queue.js';
import { verifySignature } from '../src/webhooks/signature.js';
import { AddressPolicy } from '../src/webhooks/url-guard.js';
import { graphql } from './generated/index.js';
import type { CreateWebhookInput } from './generated/graphql.js';
import { as, data, startApp, type TestApp, type TestDeliveryOptions } from './helpers/app.js';
import { dropDatabase, siblingDatabase } from './helpers/databases.js';
import { createTenant, gid, type Tenant } from './helpers/fixtures.js';
import { apiExpense, ApproveExpense } from './helpers/mutations.js';
import { eventually } from './helpers/processes.js';

const Create = graphql(`
  mutation DeliveryCreateWebhook($input: CreateWebhookInput!) {
    createWebhook(input: $input) {
      webhook { id databaseId }
      secret
      userErrors { code }
    }
  }
`);

const Update = graphql(`
  mutation DeliveryUpdateWebhook($input: UpdateWebhookInput!) {
    updateWebhook(input: $input) {
      webhook { enabled consecutiveFailures }
      userErrors { code }
    }
  }
`);

/** One request a receiver got. */
interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  eventId: string;
  attempt: number;
  /** What it answered. */
  status: number;
}

/** Local receivers: one server, a handler per path (the status to answer, given what came before). */
class Receivers {
  readonly received: Received[] = [];
  readonly handlers = new Map<string, (request: Received, earlier: Received[]) => number>();
  #server!: Server;
  port = 0;

  async start() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        const request: Received = {
          path,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          eventId: String(req.headers['gateway-event-id']),
          attempt: Number(req.headers['gateway-delivery-attempt']),
          status: 0,
        };
        const earlier = this.received.filter((r) => r.path === path && r.eventId === request.eventId);
        request.status = this.handlers.get(path)?.(request, earlier) ?? 404;
        this.received.push(request);
        if (request.status >= 300 && request.status < 400) res.setHeader('location', '/ok');
        res.writeHead(request.status).end();
      });
    });
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
  }

  url = (path: string) => `http://127.0.0.1:${this.port}${path}`;
  at = (path: string) => this.received.filter((r) => r.path === path);
  close = () => new Promise<void>((resolve) => this.#server.close(() => resolve()));
}

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
const attempts: AttemptReport[] = [];
const receivers = new Receivers();

/** Fast settings: a few ms of backoff, failures disable after 2 failed deliveries, no sweep (see TestDeliveryOptions). */
const delivery = (policy: AddressPolicy, onAttempt?: (r: AttemptReport) => void): TestDeliveryOptions => ({
  policy,
  maxAttempts: 3,
  backoffBaseMs: 20,
  timeoutMs: 3_000,
  disableAfterFailures: 2,
  concurrency: 3,
  organizationConcurrency: 2,
  slowMs: 2_000,
  // A sweep would also take up other test files' deliveries when they share a PostgreSQL database.
  sweepIntervalMs: 0,
  pollingIntervalSeconds: 0.5,
  onAttempt,
});

/**
 * On PostgreSQL, pg-boss's tables go to a database of their own: in the test database they would be
 * seen by tests that check every constraint of it (test/scope.test.ts). Deliveries, their claims and
 * the data stay in the test database.
 */
let queueUrl: string | undefined;

let t: TestApp;

beforeAll(async () => {
  await receivers.start();
  if (onPostgres) {
    queueUrl = await siblingDatabase(process.env.TEST_DATABASE_URL!, 'queue');
  }
  const policy = new AddressPolicy(['127.0.0.1/32']);
  t = await startApp({ webhooks: { policy }, delivery: { ...delivery(policy, (r) => attempts.push(r)), connectionString: queueUrl } });
});

afterAll(async () => {
  await t?.close();
  await receivers.close();
  if (queueUrl) await dropDatabase(queueUrl);
});

async function webhook(tenant: Tenant, path: string, events: CreateWebhookInput['events'] = ['EXPENSE_CREATED']) {
  const { createWebhook } = await data(t.app, Create, { input: { url: receivers.url(path), events } }, as(tenant));
  expect(createWebhook.userErrors).toEqual([]);
  return { id: createWebhook.webhook!.id, databaseId: createWebhook.webhook!.databaseId, secret: createWebhook.secret! };
}

const expense = (tenant: Tenant, name: string) => apiExpense(t.app, tenant, name);

const deliveriesOf = (webhookId: number) =>
  t.db.prisma.webhookDelivery.findMany({ where: { webhookId }, orderBy: { eventId: 'asc' }, include: { event: true } });

describe('a receiver that fails twice, then succeeds', () => {
  test('gets each event exactly once, signed, in the order of creation, on the third attempt', async () => {
    const a = await createTenant(t.db.prisma);
    // Each event: 500, 500, then 204.
    receivers.handlers.set('/flaky', (_request, earlier) => (earlier.length < 2 ? 500 : 204));
    const hook = await webhook(a, '/flaky', ['EXPENSE_CREATED', 'EXPENSE_APPROVED']);
    const first = await expense(a, 'first');
    const second = await expense(a, 'second');
    await data(t.app, ApproveExpense, { input: { id: first } }, as(a));
    const third = await expense(a, 'third');

    const deliveries = await eventually(
      () => deliveriesOf(hook.databaseId),
      (ds) => ds.length === 4 && ds.every((d) => d.status === 'DELIVERED'),
    );
    const events = deliveries.map((d) => d.event);
    expect(events.map((e) => [e.type, e.subjectId])).toEqual([
      ['expense.created', first],
      ['expense.created', second],
      ['expense.approved', first],
      ['expense.created', third],
    ]);
    expect(deliveries.map((d) => [d.attempts, d.lastResponseCode, d.lastError])).toEqual(Array(4).fill([3, 204, null]));
    expect(deliveries.every((d) => d.deliveredAt && d.lastAttemptAt)).toBe(true);

    const got = receivers.at('/flaky');
    const eventIds = events.map((e) => gid('ChangeEvent', Number(e.id)));
    // In order: every attempt of an event before anything of the next one.
    expect(got.map((r) => [r.eventId, r.attempt, r.status])).toEqual(
      eventIds.flatMap((id) => [[id, 1, 500], [id, 2, 500], [id, 3, 204]]),
    );
    // Exactly once each, as far as the receiver accepted it.
    expect(got.filter((r) => r.status === 204).map((r) => r.eventId)).toEqual(eventIds);

    for (const [i, request] of got.entries()) {
      expect(verifySignature(hook.secret, request.headers['gateway-signature'] as string, request.body), `request ${i}`).toBe(true);
      expect(verifySignature('another secret of some length', request.headers['gateway-signature'] as string, request.body)).toBe(false);
      expect(request.headers['content-type']).toBe('application/json');
    }
    const event = events[2]!;
    const body = JSON.parse(got[6]!.body);
    expect(body).toEqual({
      id: eventIds[2],
      type: 'expense.approved',
      createdAt: event.createdAt.toISOString(),
      organizationId: gid('Organization', a.organizationId),
      actorId: gid('Person', a.personId),
      subjectId: first,
      data: event.payload,
    });
    expect(body.data).toMatchObject({ id: first, approved: true });
    expect(got[6]!.headers['gateway-event-type']).toBe('expense.approved');
    expect(await t.db.prisma.webhook.findUniqueOrThrow({ where: { id: hook.databaseId } })).toMatchObject({ consecutiveFailures: 0, disabledAt: null });
  });
});

describe('a receiver that stays down', () => {
  test('ends with failed deliveries and the endpoint disabled at the threshold; enabling it again sends the rest', async () => {
    const a = await createTenant(t.db.prisma);
    let down = true;
    receivers.handlers.set('/down', () => (down ? 503 : 200));
    const hook = await webhook(a, '/down');
    await expense(a, 'one');
    await expense(a, 'two');
    await expense(a, 'three');

    const stored = await eventually(
      () => t.db.prisma.webhook.findUniqueOrThrow({ where: { id: hook.databaseId } }),
      (w) => w.disabledAt !== null,
    );
    expect(stored).toMatchObject({
      consecutiveFailures: 2,
      disabledReason: 'Disabled after 2 deliveries in a row failed (last: HTTP 503).',
    });
    const deliveries = await deliveriesOf(hook.databaseId);
    expect(deliveries.map((d) => [d.status, d.attempts, d.lastResponseCode, d.lastError])).toEqual([
      ['FAILED', 3, 503, 'HTTP 503'],
      ['FAILED', 3, 503, 'HTTP 503'],
      ['PENDING', 0, null, null],
    ]);
    expect(receivers.at('/down')).toHaveLength(6);
    expect(t.logs.some((l) => l.msg === 'webhook disabled: deliveries kept failing' && l.webhookId === hook.databaseId)).toBe(true);

    // Disabled: new events are not queued for it.
    await expense(a, 'four');
    expect(await t.db.prisma.webhookDelivery.count({ where: { webhookId: hook.databaseId } })).toBe(3);

    // Fixed and enabled again: the one that waited goes out.
    down = false;
    const { updateWebhook } = await data(t.app, Update, { input: { id: hook.id, enabled: true } }, as(a));
    expect(updateWebhook.webhook).toEqual({ enabled: true, consecutiveFailures: 0 });
    const after = await eventually(
      () => deliveriesOf(hook.databaseId),
      (ds) => ds[2]!.status === 'DELIVERED',
    );
    expect(after.map((d) => [d.status, d.attempts])).toEqual([['FAILED', 3], ['FAILED', 3], ['DELIVERED', 1]]);
    expect(receivers.at('/down')).toHaveLength(7);
  });

  test('a redirect is a failed attempt: it is not followed', async () => {
    const a = await createTenant(t.db.prisma);
    receivers.handlers.set('/moved', () => 301);
    receivers.handlers.set('/ok', () => 200);
    const hook = await webhook(a, '/moved');
    await expense(a, 'moved');
    const [delivery] = await eventually(
      () => deliveriesOf(hook.databaseId),
      (ds) => ds[0]?.status === 'FAILED',
    );
    expect(delivery).toMatchObject({ attempts: 3, lastResponseCode: 301, lastError: 'HTTP 301: redirects are not followed' });
    expect(receivers.at('/ok')).toHaveLength(0);
  });
});

describe('two workers on one PostgreSQL database', () => {
  let second: Database;
  let other: DeliveryService;
  const otherAttempts: AttemptReport[] = [];

  beforeAll(async () => {
    if (!onPostgres) return;
    // Another process's worker, in all but the process: its own database client, pool and pg-boss (on the same queue).
    second = await openDatabase({ url: process.env.TEST_DATABASE_URL! });
    const policy = new AddressPolicy(['127.0.0.1/32']);
    other = await startDelivery({
      ...delivery(policy, (r) => otherAttempts.push(r)),
      prisma: second.prisma,
      scripts: second.scripts,
      connectionString: queueUrl,
      logger: (await import('pino')).default({ level: 'silent' }),
    });
  });

  afterAll(async () => {
    await other?.stop();
    await second?.close();
  });

  test.skipIf(!onPostgres)('deliver 50 events, each attempt once, in order', async () => {
    const a = await createTenant(t.db.prisma);
    // Every fifth event fails its first attempt, so retries meet both workers too.
    let n = 0;
    const failFirst = new Set<string>();
    receivers.handlers.set('/shared', (request, earlier) => {
      if (earlier.length === 0 && n++ % 5 === 0) failFirst.add(request.eventId);
      return earlier.length === 0 && failFirst.has(request.eventId) ? 500 : 200;
    });
    const hook = await webhook(a, '/shared');
    const before = { mine: attempts.length, theirs: otherAttempts.length };
    for (let i = 0; i < 50; i++) {
      await a.expense({ name: `expense ${i}` });
      // Both workers hear of it: the event's commit nudges this process's, the other sweeps.
      if (i % 10 === 9) await other.sweep();
    }
    await other.sweep();
    const deliveries = await eventually(
      () => deliveriesOf(hook.databaseId),
      (ds) => ds.length === 50 && ds.every((d) => d.status === 'DELIVERED'),
      60_000,
    );
    const got = receivers.at('/shared');
    const pairs = got.map((r) => `${r.eventId}#${r.attempt}`);
    expect(new Set(pairs).size).toBe(pairs.length); // no attempt twice
    const accepted = got.filter((r) => r.status === 200).map((r) => r.eventId);
    const eventIds = deliveries.map((d) => gid('ChangeEvent', Number(d.event.id)));
    expect(accepted).toEqual(eventIds); // each once, in order
    expect(deliveries.map((d) => d.attempts)).toEqual(eventIds.map((id) => (failFirst.has(id) ? 2 : 1)));
    const mine = attempts.slice(before.mine).filter((r) => r.webhookId === hook.databaseId).length;
    const theirs = otherAttempts.slice(before.theirs).filter((r) => r.webhookId === hook.databaseId).length;
    expect(mine + theirs).toBe(got.length);
    console.log(`two workers: ${got.length} attempts, ${mine} by one worker and ${theirs} by the other`);
    // Past the 60 s its deliveries may take: the log's readers stop at the oldest transaction running
    // anywhere on the cluster, and CI runs other files' long transactions beside this one.
  }, 120_000);
});
