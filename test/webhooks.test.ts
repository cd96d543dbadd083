// Webhook management through GraphQL (create, update, delete, lists, deliveries), its validation and
// request-forgery checks, tenant isolation of every argument, and the signature scheme. Delivery is
// off in this file: deliveries stay PENDING unless a test drains one itself
// (test/webhooks-delivery.test.ts runs the queue).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { MAX_WEBHOOKS } from '../src/domain/webhooks.js';
import { EVENT_TYPES } from '../src/changes/types.js';
import { drainWebhook, slowShare, type DeliveryOptions, type DrainOutcome } from '../src/webhooks/deliver.js';
import { describeFailure } from '../src/webhooks/post.js';
import { signatureHeader, verifySignature } from '../src/webhooks/signature.js';
import { AddressPolicy, checkWebhookUrl } from '../src/webhooks/url-guard.js';
import { graphql } from './generated/index.js';
import type { CreateWebhookInput } from './generated/graphql.js';
import { as, data, execute, startApp, type TestApp } from './helpers/app.js';
import { eventsReadable } from './helpers/events.js';
import { createTenant, gid, type Tenant } from './helpers/fixtures.js';
import { apiExpense } from './helpers/mutations.js';

const WebhookFields = graphql(`
  fragment WebhookFields on Webhook {
    id
    databaseId
    url
    events
    enabled
    disabledAt
    disabledReason
    consecutiveFailures
    createdAt
    updatedAt
  }
`);
void WebhookFields;

const Create = graphql(`
  mutation WebhookCreate($input: CreateWebhookInput!) {
    createWebhook(input: $input) {
      webhook { ...WebhookFields }
      secret
      userErrors { field message code }
    }
  }
`);

const Update = graphql(`
  mutation WebhookUpdate($input: UpdateWebhookInput!) {
    updateWebhook(input: $input) {
      webhook { ...WebhookFields }
      userErrors { field message code }
    }
  }
`);

const Delete = graphql(`
  mutation WebhookDelete($input: DeleteWebhookInput!) {
    deleteWebhook(input: $input) {
      deletedWebhookId
      userErrors { field message code }
    }
  }
`);

const List = graphql(`
  query WebhookList($filter: WebhookFilter) {
    webhooks(filter: $filter) {
      totalCount
      nodes { ...WebhookFields }
    }
  }
`);

const Node = graphql(`
  query WebhookNode($id: ID!) {
    node(id: $id) {
      ... on Webhook { id url }
    }
  }
`);

const Deliveries = graphql(`
  query WebhookDeliveries($webhookId: ID!, $status: [WebhookDeliveryStatus!], $first: Int, $after: String) {
    webhookDeliveries(webhookId: $webhookId, status: $status, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id
        status
        attempts
        lastResponseCode
        lastAttemptAt
        nextAttemptAt
        lastError
        deliveredAt
        event { id type subjectId payload }
        webhook { id }
      }
    }
  }
`);

const NestedDeliveries = graphql(`
  query WebhookNestedDeliveries {
    webhooks {
      nodes {
        id
        deliveries(first: 5) { totalCount nodes { status event { type } } }
      }
    }
  }
`);

let t: TestApp;
let a: Tenant;
let b: Tenant;

beforeAll(async () => {
  // As the tests' operator allows: 127.0.0.1 only (the local receivers), nothing else private.
  t = await startApp({ webhooks: { policy: new AddressPolicy(['127.0.0.1/32']) } });
  a = await createTenant(t.db.prisma);
  b = await createTenant(t.db.prisma);
});

afterAll(async () => {
  await t.close();
});

async function create(tenant: Tenant, input: Partial<CreateWebhookInput> = {}) {
  const result = await data(t.app, Create, { input: { url: 'https://hooks.example.com/agency', events: ['EXPENSE_CREATED'], ...input } }, as(tenant));
  return result.createWebhook;
}

async function expense(tenant: Tenant, name = 'Taxi') {
  const id = await apiExpense(t.app, tenant, name);
  // Drains below read right away: its event (and deliveries) must be past the readers' horizon.
  await eventsReadable(t.db.prisma, tenant.organizationId);
  return id;
}

const codes = (errors: ReadonlyArray<{ field: readonly string[]; code: string }>) => errors.map((e) => `${e.field.join('.')}:${e.code}`);

describe('createWebhook', () => {
  test('answers a generated secret once; no field shows it afterwards', async () => {
    const created = await create(a, { events: ['EXPENSE_CREATED', 'EXPENSE_APPROVED'] });
    expect(created.userErrors).toEqual([]);
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(created.webhook).toMatchObject({
      url: 'https://hooks.example.com/agency',
      events: ['EXPENSE_CREATED', 'EXPENSE_APPROVED'],
      enabled: true,
      disabledAt: null,
      consecutiveFailures: 0,
    });
    const stored = await t.db.prisma.webhook.findUniqueOrThrow({ where: { id: created.webhook!.databaseId } });
    expect(stored).toMatchObject({ secret: created.secret, creatorId: a.personId, events: ['expense.created', 'expense.approved'] });
    // The schema has no way to read it back.
    const Webhook = t.app.getEnveloped().schema.getType('Webhook') as import('graphql').GraphQLObjectType;
    expect(Object.keys(Webhook.getFields())).not.toContain('secret');
    const UpdatePayload = t.app.getEnveloped().schema.getType('UpdateWebhookPayload') as import('graphql').GraphQLObjectType;
    expect(Object.keys(UpdatePayload.getFields())).not.toContain('secret');
  });

  test('a given secret is kept as given and answered once', async () => {
    const secret = 'a-secret-of-24-characters';
    const created = await create(a, { secret });
    expect(created.secret).toBe(secret);
    expect((await t.db.prisma.webhook.findUniqueOrThrow({ where: { id: created.webhook!.databaseId } })).secret).toBe(secret);
  });

  test('repeated event types count once', async () => {
    const created = await create(a, { events: ['EXPENSE_APPROVED', 'EXPENSE_CREATED', 'EXPENSE_APPROVED'] });
    expect(created.webhook!.events).toEqual(['EXPENSE_APPROVED', 'EXPENSE_CREATED']);
  });

  test('an idempotent retry answers the same endpoint without its secret, and creates nothing', async () => {
    const key = `hook-${Math.random()}`;
    const first = await create(a, { idempotencyKey: key, url: 'https://hooks.example.com/idempotent' });
    expect(first.secret).toMatch(/.{16,}/);
    // Rotated since: a replay must not answer the new secret (issue 22), nor the first one.
    const rotated = 'rotated-secret-0123456789';
    expect((await data(t.app, Update, { input: { id: first.webhook!.id, secret: rotated } }, as(a))).updateWebhook.userErrors).toEqual([]);
    const again = await create(a, { idempotencyKey: key, url: 'https://hooks.example.com/idempotent' });
    expect(again.webhook!.id).toBe(first.webhook!.id);
    expect(again.userErrors).toEqual([]);
    expect(again.secret).toBeNull();
    expect(await t.db.prisma.webhook.count({ where: { organizationId: a.organizationId, url: 'https://hooks.example.com/idempotent' } })).toBe(1);
  });

  test('validation: every problem at once, in input order, nothing written', async () => {
    const before = await t.db.prisma.webhook.count({ where: { organizationId: a.organizationId } });
    const cases: Array<[Partial<CreateWebhookInput>, string[]]> = [
      [{ url: null, events: null }, ['input.url:BLANK', 'input.events:BLANK']],
      [{ url: '  ', events: [] }, ['input.url:BLANK', 'input.events:BLANK']],
      [{ url: 'not a url' }, ['input.url:INVALID']],
      [{ url: 'ftp://hooks.example.com/' }, ['input.url:INVALID']],
      [{ url: 'javascript:alert(1)' }, ['input.url:INVALID']],
      [{ url: 'https://user:pass@hooks.example.com/' }, ['input.url:INVALID']],
      [{ url: 'https://token@hooks.example.com/' }, ['input.url:INVALID']],
      [{ url: `https://hooks.example.com/${'a'.repeat(2048)}` }, ['input.url:TOO_LONG']],
      [{ secret: 'short' }, ['input.secret:INVALID']],
      [{ secret: 'x'.repeat(257) }, ['input.secret:TOO_LONG']],
      [{ secret: `${'x'.repeat(20)}\u0000` }, ['input.secret:INVALID']],
      [{ url: 'ftp://x', events: [], secret: 'short' }, ['input.url:INVALID', 'input.events:BLANK', 'input.secret:INVALID']],
    ];
    for (const [input, expected] of cases) {
      const result = await create(a, input);
      expect(codes(result.userErrors), JSON.stringify(input)).toEqual(expected);
      expect(result.webhook).toBeNull();
      expect(result.secret).toBeNull();
    }
    const tooLong = await create(a, { url: `https://hooks.example.com/${'a'.repeat(2048)}` });
    expect(tooLong.userErrors[0]!.message).toBe('is too long (maximum is 2048 characters)');
    expect((await create(a, { url: 'https://u:p@hooks.example.com/' })).userErrors[0]!.message).toMatch(/user name or password/);
    expect(await t.db.prisma.webhook.count({ where: { organizationId: a.organizationId } })).toBe(before);
  });

  test('more event types than there are is refused (the list is bounded)', async () => {
    const all = EVENT_TYPES.map((type) => type.replace('.', '_').toUpperCase()) as CreateWebhookInput['events'] & string[];
    expect((await create(a, { events: all })).userErrors).toEqual([]);
    const result = await create(a, { events: [...all, all[0]!] });
    expect(codes(result.userErrors)).toEqual(['input.events:INVALID']);
    expect(result.userErrors[0]!.message).toBe(`may name at most ${EVENT_TYPES.length} event types (every one there is)`);
  });

  test('private, loopback, link-local and other special addresses are refused, in every spelling', async () => {
    const refused = [
      'http://localhost/hook',
      'http://LOCALHOST./hook',
      'http://api.localhost/hook',
      'http://127.0.0.2/hook',
      'http://2130706434/hook', // 127.0.0.2 in decimal
      'http://0x7f.0.0.2/hook', // hexadecimal
      'http://0177.0.0.2/hook', // octal
      'http://127.2/hook',
      'http://10.1.2.3/hook',
      'http://172.16.0.1/hook',
      'http://192.168.1.1/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://100.64.0.1/hook',
      'http://0.0.0.0/hook',
      'http://224.0.0.1/hook',
      'http://255.255.255.255/hook',
      'http://[::1]/hook',
      'http://[::]/hook',
      'http://[::ffff:10.0.0.1]/hook', // IPv4-mapped
      'http://[::ffff:127.0.0.2]/hook',
      'http://[64:ff9b::a00:1]/hook', // NAT64 of 10.0.0.1
      'http://[fd00::1]/hook', // unique local
      'http://[fe80::1]/hook', // link-local
      'http://[ff02::1]/hook', // multicast
    ];
    for (const url of refused) {
      const result = await create(a, { url });
      expect(codes(result.userErrors), url).toEqual(['input.url:INVALID']);
      expect(result.userErrors[0]!.message, url).toMatch(/not allowed/);
    }
    // The operator allowed 127.0.0.1 (WEBHOOK_ALLOW_PRIVATE_ADDRESSES=127.0.0.1/32): that one only, in any spelling.
    for (const url of ['http://127.0.0.1:9/hook', 'http://2130706433:9/hook', 'http://[::ffff:127.0.0.1]:9/hook', 'https://8.8.8.8/hook']) {
      expect((await create(a, { url })).userErrors, url).toEqual([]);
    }
  });

  test(`at most ${MAX_WEBHOOKS} per organization`, async () => {
    const c = await createTenant(t.db.prisma);
    // Concurrent creates must not slip past the limit together.
    const results = await Promise.all(Array.from({ length: MAX_WEBHOOKS + 3 }, (_, i) => create(c, { url: `https://hooks.example.com/${i}` })));
    expect(results.filter((r) => r.webhook).length).toBe(MAX_WEBHOOKS);
    const refused = results.filter((r) => !r.webhook);
    expect(refused.map((r) => codes(r.userErrors))).toEqual([['input:LIMIT_REACHED'], ['input:LIMIT_REACHED'], ['input:LIMIT_REACHED']]);
    expect(await t.db.prisma.webhook.count({ where: { organizationId: c.organizationId } })).toBe(MAX_WEBHOOKS);
    // Another organization is not affected.
    expect((await create(b, { url: 'https://hooks.example.com/b' })).userErrors).toEqual([]);
  });
});

describe('updateWebhook', () => {
  test('changes fields; enabling again clears the failures; disabling keeps its first moment', async () => {
    const { webhook } = await create(a);
    const id = webhook!.id;
    const changed = await data(t.app, Update, { input: { id, url: 'https://hooks.example.com/v2', events: ['INVOICE_ARCHIVED'] } }, as(a));
    expect(changed.updateWebhook.webhook).toMatchObject({ url: 'https://hooks.example.com/v2', events: ['INVOICE_ARCHIVED'], enabled: true });

    const off = await data(t.app, Update, { input: { id, enabled: false } }, as(a));
    expect(off.updateWebhook.webhook).toMatchObject({ enabled: false, disabledReason: 'Disabled with updateWebhook.' });
    const offAgain = await data(t.app, Update, { input: { id, enabled: false } }, as(a));
    expect(offAgain.updateWebhook.webhook!.disabledAt).toBe(off.updateWebhook.webhook!.disabledAt);

    // As the delivery worker leaves an endpoint it gave up on:
    await t.db.prisma.webhook.update({ where: { id: webhook!.databaseId }, data: { consecutiveFailures: 5, disabledReason: 'Disabled after 5 deliveries in a row failed.' } });
    const on = await data(t.app, Update, { input: { id, enabled: true } }, as(a));
    expect(on.updateWebhook.webhook).toMatchObject({ enabled: true, disabledAt: null, disabledReason: null, consecutiveFailures: 0 });
  });

  test('rotating the secret; removing it or a bad URL is a user error and writes nothing', async () => {
    const { webhook } = await create(a);
    const id = webhook!.id;
    const secret = 'rotated-secret-0123456789';
    expect((await data(t.app, Update, { input: { id, secret } }, as(a))).updateWebhook.userErrors).toEqual([]);
    expect((await t.db.prisma.webhook.findUniqueOrThrow({ where: { id: webhook!.databaseId } })).secret).toBe(secret);

    const bad = await data(t.app, Update, { input: { id, url: 'http://10.0.0.1/', secret: null, events: [] } }, as(a));
    expect(codes(bad.updateWebhook.userErrors)).toEqual(['input.url:INVALID', 'input.events:BLANK', 'input.secret:INVALID']);
    const stored = await t.db.prisma.webhook.findUniqueOrThrow({ where: { id: webhook!.databaseId } });
    expect(stored).toMatchObject({ url: 'https://hooks.example.com/agency', secret });
    expect((await data(t.app, Update, { input: { id, url: null } }, as(a))).updateWebhook.userErrors.map((e) => e.code)).toEqual(['BLANK']);
  });
});

describe('deleteWebhook', () => {
  test('deletes the endpoint and its deliveries for good', async () => {
    const c = await createTenant(t.db.prisma);
    const { webhook } = await create(c);
    await expense(c);
    expect(await t.db.prisma.webhookDelivery.count({ where: { webhookId: webhook!.databaseId } })).toBe(1);
    const deleted = await data(t.app, Delete, { input: { id: webhook!.id } }, as(c));
    expect(deleted.deleteWebhook).toEqual({ deletedWebhookId: webhook!.id, userErrors: [] });
    expect(await t.db.prisma.webhook.count({ where: { id: webhook!.databaseId } })).toBe(0);
    expect(await t.db.prisma.webhookDelivery.count({ where: { webhookId: webhook!.databaseId } })).toBe(0);
    // The events stay: they are the organization's record, not the endpoint's.
    expect(await t.db.prisma.changeEvent.count({ where: { organizationId: c.organizationId } })).toBe(1);
    const again = await data(t.app, Delete, { input: { id: webhook!.id } }, as(c));
    expect(again.deleteWebhook).toEqual({ deletedWebhookId: null, userErrors: [{ field: ['input', 'id'], message: 'Webhook not found', code: 'NOT_FOUND' }] });
  });
});

describe('lists and deliveries', () => {
  test('webhookDeliveries: newest first, status filter, paging, the event; Webhook.deliveries the same', async () => {
    const c = await createTenant(t.db.prisma);
    const { webhook } = await create(c, { events: ['EXPENSE_CREATED'] });
    const ids = [await expense(c, 'first'), await expense(c, 'second'), await expense(c, 'third')];
    // A delivered one, as the worker leaves it.
    const oldest = await t.db.prisma.webhookDelivery.findFirstOrThrow({ where: { webhookId: webhook!.databaseId }, orderBy: { eventId: 'asc' } });
    await t.db.prisma.webhookDelivery.update({ where: { id: oldest.id }, data: { status: 'DELIVERED', attempts: 1, deliveredAt: new Date(), lastResponseCode: 204 } });

    const all = (await data(t.app, Deliveries, { webhookId: webhook!.id }, as(c))).webhookDeliveries!;
    expect(all.totalCount).toBe(3);
    expect(all.nodes.map((d) => d.event.subjectId)).toEqual([...ids].reverse());
    expect(all.nodes[0]).toMatchObject({ status: 'PENDING', attempts: 0, lastResponseCode: null, deliveredAt: null, webhook: { id: webhook!.id } });
    expect(all.nodes[0]!.nextAttemptAt).not.toBeNull();
    expect(all.nodes[0]!.event).toMatchObject({ type: 'EXPENSE_CREATED', payload: { id: ids[2], name: 'third' } });
    expect(all.nodes[2]).toMatchObject({ status: 'DELIVERED', attempts: 1, lastResponseCode: 204, nextAttemptAt: null });

    const pending = (await data(t.app, Deliveries, { webhookId: webhook!.id, status: ['PENDING'] }, as(c))).webhookDeliveries!;
    expect(pending.totalCount).toBe(2);
    const page1 = (await data(t.app, Deliveries, { webhookId: webhook!.id, first: 2 }, as(c))).webhookDeliveries!;
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await data(t.app, Deliveries, { webhookId: webhook!.id, first: 2, after: page1.pageInfo.endCursor }, as(c))).webhookDeliveries!;
    expect([...page1.nodes, ...page2.nodes].map((d) => d.id)).toEqual(all.nodes.map((d) => d.id));
    expect(page2.pageInfo.hasNextPage).toBe(false);

    const nested = (await data(t.app, NestedDeliveries, {}, as(c))).webhooks.nodes;
    expect(nested).toEqual([{ id: webhook!.id, deliveries: { totalCount: 3, nodes: expect.any(Array) } }]);
    expect(nested[0]!.deliveries.nodes.map((d) => d.status)).toEqual(['PENDING', 'PENDING', 'DELIVERED']);
  });

  test('webhooks filter by enabled; a malformed webhookId is BAD_USER_INPUT', async () => {
    const c = await createTenant(t.db.prisma);
    const on = await create(c);
    const off = await create(c);
    await data(t.app, Update, { input: { id: off.webhook!.id, enabled: false } }, as(c));
    const enabled = (await data(t.app, List, { filter: { enabled: true } }, as(c))).webhooks;
    expect(enabled.nodes.map((w) => w.id)).toEqual([on.webhook!.id]);
    expect((await data(t.app, List, { filter: { enabled: false } }, as(c))).webhooks.totalCount).toBe(1);
    const bad = await execute(t.app, Deliveries, { webhookId: 'nope' }, as(c));
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const wrongType = await execute(t.app, Deliveries, { webhookId: gid('Deal', c.deals.usd) }, as(c));
    expect(wrongType.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('tenant isolation', () => {
  test("another organization's webhook is not found in every argument", async () => {
    const theirs = (await create(b, { url: 'https://hooks.example.com/theirs' })).webhook!;
    await expense(b);
    const notFound = [{ field: ['input', 'id'], message: 'Webhook not found', code: 'NOT_FOUND' }];

    const update = await data(t.app, Update, { input: { id: theirs.id, url: 'https://evil.example.com/', enabled: false } }, as(a));
    expect(update.updateWebhook).toEqual({ webhook: null, userErrors: notFound });
    const del = await data(t.app, Delete, { input: { id: theirs.id } }, as(a));
    expect(del.deleteWebhook).toEqual({ deletedWebhookId: null, userErrors: notFound });
    expect((await data(t.app, Node, { id: theirs.id }, as(a))).node).toBeNull();
    expect((await data(t.app, Deliveries, { webhookId: theirs.id }, as(a))).webhookDeliveries).toBeNull();
    expect((await data(t.app, List, {}, as(a))).webhooks.nodes.map((w) => w.id)).not.toContain(theirs.id);

    // Untouched, and still theirs.
    const stored = await t.db.prisma.webhook.findUniqueOrThrow({ where: { id: theirs.databaseId } });
    expect(stored).toMatchObject({ url: 'https://hooks.example.com/theirs', disabledAt: null, organizationId: b.organizationId });
    expect((await data(t.app, Deliveries, { webhookId: theirs.id }, as(b))).webhookDeliveries!.totalCount).toBe(1);
  });

  test("an event of one organization is never fanned out to another's endpoint", async () => {
    const c = await createTenant(t.db.prisma);
    const d = await createTenant(t.db.prisma);
    const mine = (await create(c)).webhook!;
    await expense(d);
    expect(await t.db.prisma.webhookDelivery.count({ where: { webhookId: mine.databaseId } })).toBe(0);
  });
});

describe('delivery-time address check (DNS rebinding)', () => {
  let receiver: Server;
  let port: number;
  const received: IncomingMessage[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      // /slow never answers.
      if (req.url === '/slow') return;
      received.push(req);
      res.writeHead(200).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    port = (receiver.address() as AddressInfo).port;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        receiver.close(() => resolve());
        receiver.closeAllConnections();
      }),
  );

  const options = (policy: AddressPolicy, resolve: DeliveryOptions['resolve']): DeliveryOptions => ({
    maxAttempts: 1, backoffBaseMs: 1, timeoutMs: 2000, disableAfterFailures: 100, organizationConcurrency: 2, slowMs: 2000, policy, resolve,
  });

  test('a name that resolves to a private address is refused when delivering, and nothing is sent', async () => {
    const c = await createTenant(t.db.prisma);
    // A name passes when saved: only its literal form is checked then.
    const { webhook } = await create(c, { url: `http://rebind.example:${port}/hook` });
    await expense(c);
    await expense(c);
    // The delivery worker's operator did not allow 127.0.0.1; the name resolves to it (or to it among others).
    const answers = [[{ address: '127.0.0.1', family: 4 }], [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.7', family: 4 }]];
    let call = 0;
    const outcome = await drainWebhook(t.db.prisma, webhook!.databaseId, options(new AddressPolicy(), async () => answers[call++]!));
    expect(outcome).toEqual({ kind: 'idle' });
    const deliveries = await t.db.prisma.webhookDelivery.findMany({ where: { webhookId: webhook!.databaseId }, orderBy: { eventId: 'asc' } });
    expect(deliveries.map((d) => [d.status, d.attempts, d.lastResponseCode, d.lastError])).toEqual([
      // Neither the address nor that the name resolved: a tenant must not map the operator's DNS.
      ['FAILED', 1, null, 'host not found, or its address is not allowed'],
      ['FAILED', 1, null, 'host not found, or its address is not allowed'],
    ]);
    expect(received).toHaveLength(0);
  });

  test("what an endpoint shows of a failed attempt never names an address, a name's resolution or an internal error", async () => {
    const c = await createTenant(t.db.prisma);
    // A port with nothing listening, reached through a name; https to a plain-HTTP receiver; a name that does not resolve.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const cases = [
      { url: `http://refusing.example:${closedPort}/hook`, answer: [{ address: '127.0.0.1', family: 4 }], error: 'connection refused' },
      { url: `https://127.0.0.1:${port}/hook`, answer: [], error: 'TLS handshake failed' },
      { url: `http://nowhere.example:${port}/hook`, answer: 'ENOTFOUND', error: 'host not found, or its address is not allowed' },
      // The operator's internal name: it resolves, to a private address (issue 22: "vm resolves to ... (127.0.0.1)").
      { url: `http://vm:${port}/hook`, answer: [{ address: '10.20.0.5', family: 4 }], error: 'host not found, or its address is not allowed' },
    ] as const;
    for (const { url, answer, error } of cases) {
      const { webhook } = await create(c, { url });
      await expense(c);
      const resolve = async (host: string) => {
        if (answer === 'ENOTFOUND') throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', hostname: host });
        return [...answer];
      };
      await drainWebhook(t.db.prisma, webhook!.databaseId, options(new AddressPolicy(['127.0.0.1/32']), resolve));
      const [delivery] = await t.db.prisma.webhookDelivery.findMany({ where: { webhookId: webhook!.databaseId }, orderBy: { eventId: 'desc' }, take: 1 });
      expect(delivery, url).toMatchObject({ status: 'FAILED', attempts: 1, lastResponseCode: null, lastError: error });
    }
    // What the organization reads, through the API as well: no address, no host name, no library text.
    const shown = JSON.stringify(await t.db.prisma.webhookDelivery.findMany({ where: { organizationId: c.organizationId }, select: { lastError: true } }));
    for (const secret of ['127.0.0.1', '10.20.0.5', 'vm', 'nowhere', 'getaddrinfo', 'SSL', 'routines', String(closedPort)]) {
      expect(shown).not.toContain(secret);
    }
  });

  test('every connection error is worded by its code alone', () => {
    const failure = (code: string | undefined, message: string) => describeFailure(Object.assign(new Error(message), { code }), 1000, false);
    const cases: Array<[string | undefined, string, string]> = [
      ['ETIMEDOUT', 'connect ETIMEDOUT 10.1.2.3:443', 'connection timed out'],
      ['EHOSTUNREACH', 'connect EHOSTUNREACH 10.1.2.3:443', 'host unreachable'],
      ['ECONNRESET', 'socket hang up', 'connection reset by the receiver'],
      ['ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames: IP: 10.1.2.3 is not in the cert's list: DNS:db.internal", "TLS: the certificate does not match the URL's host name"],
      ['DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate', 'TLS: the certificate is self-signed'],
      ['CERT_HAS_EXPIRED', 'certificate has expired', 'TLS: the certificate has expired'],
      ['ERR_SSL_WRONG_VERSION_NUMBER', 'C0:2A:8E:1F:7F:00:00:error:0A00010B:SSL routines:ssl3_get_record:wrong version number', 'TLS handshake failed'],
      ['HPE_INVALID_HEADER_TOKEN', 'Parse Error: Invalid header value char', 'the receiver sent an invalid HTTP response'],
      ['EAI_AGAIN', 'getaddrinfo EAI_AGAIN db.internal', 'host name lookup failed (temporary)'],
      ['ENODATA', 'queryA ENODATA db.internal', 'host not found, or its address is not allowed'],
      ['EADDRNOTAVAIL', 'connect EADDRNOTAVAIL 10.1.2.3:443 - Local (0.0.0.0:0)', 'connection failed (EADDRNOTAVAIL)'],
      [undefined, 'something internal at 10.1.2.3', 'connection failed'],
      ['not a code: 10.1.2.3', 'x', 'connection failed'],
    ];
    for (const [code, message, words] of cases) {
      const described = failure(code, message);
      expect(described.error, message).toBe(words);
      // The operator's log still gets the whole story.
      expect(described.detail).toContain(message.slice(0, 40));
    }
    expect(describeFailure(new Error('timed out'), 1500, true)).toEqual({ error: 'no answer within 1500 ms' });
  });

  test('an attempt that gets no answer in time fails with the deadline, and is retried later', async () => {
    const c = await createTenant(t.db.prisma);
    const { webhook } = await create(c, { url: `http://127.0.0.1:${port}/slow` });
    await expense(c);
    const started = Date.now();
    const outcome = await drainWebhook(t.db.prisma, webhook!.databaseId, { ...options(new AddressPolicy(['127.0.0.1/32']), undefined), maxAttempts: 2, timeoutMs: 300, backoffBaseMs: 60_000 });
    expect(Date.now() - started).toBeLessThan(2_000);
    const delivery = await t.db.prisma.webhookDelivery.findFirstOrThrow({ where: { webhookId: webhook!.databaseId } });
    expect(delivery).toMatchObject({ status: 'PENDING', attempts: 1, lastResponseCode: null, lastError: 'no answer within 300 ms' });
    // The retry waits about a minute (base 60 s, +-20 %), and the drain says when to come back.
    const wait = delivery.nextAttemptAt.getTime() - delivery.lastAttemptAt!.getTime();
    expect(wait).toBeGreaterThan(47_000);
    expect(wait).toBeLessThan(73_000);
    expect(outcome).toEqual({ kind: 'wait', until: delivery.nextAttemptAt });
    // Not due: a second drain sends nothing.
    expect(await drainWebhook(t.db.prisma, webhook!.databaseId, options(new AddressPolicy(['127.0.0.1/32']), undefined))).toEqual({ kind: 'wait', until: delivery.nextAttemptAt });
    expect((await t.db.prisma.webhookDelivery.findFirstOrThrow({ where: { id: delivery.id } })).attempts).toBe(1);
  });

  test('the connection goes to the address that was checked: a second lookup cannot swap it', async () => {
    const c = await createTenant(t.db.prisma);
    const { webhook } = await create(c, { url: `http://pinned.example:${port}/hook` });
    await expense(c);
    const lookups: string[] = [];
    // The first answer is the allowed receiver; any later lookup would say 10.0.0.7.
    const resolve = async (host: string) => {
      lookups.push(host);
      return [{ address: lookups.length === 1 ? '127.0.0.1' : '10.0.0.7', family: 4 }];
    };
    await drainWebhook(t.db.prisma, webhook!.databaseId, options(new AddressPolicy(['127.0.0.1/32']), resolve));
    expect(lookups).toEqual(['pinned.example']);
    expect(received).toHaveLength(1);
    expect(received[0]!.headers.host).toBe(`pinned.example:${port}`);
    const delivery = await t.db.prisma.webhookDelivery.findFirstOrThrow({ where: { webhookId: webhook!.databaseId } });
    expect(delivery).toMatchObject({ status: 'DELIVERED', attempts: 1, lastResponseCode: 200 });
  });
});

describe('fairness: one drain at a time', () => {
  // Paths: /held/... waits until released; /after-<ms>/... answers 200 after that long; the rest at once.
  let receiver: Server;
  let port: number;
  const held: Array<() => void> = [];
  let arrivals = 0;
  let open = 0;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      req.resume();
      arrivals++;
      open++;
      res.on('close', () => open--);
      const answer = () => res.writableEnded || res.destroyed || res.writeHead(200).end();
      const delay = Number(/\/after-(\d+)\//.exec(req.url ?? '')?.[1] ?? 0);
      if (req.url?.startsWith('/held/')) held.push(answer);
      else setTimeout(answer, delay);
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    port = (receiver.address() as AddressInfo).port;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        receiver.close(() => resolve());
        receiver.closeAllConnections();
      }),
  );

  const options = (overrides: Partial<DeliveryOptions> = {}): DeliveryOptions => ({
    policy: new AddressPolicy(['127.0.0.1/32']),
    maxAttempts: 3, backoffBaseMs: 1, timeoutMs: 10_000, disableAfterFailures: 100, organizationConcurrency: 2, slowMs: 300,
    ...overrides,
  });
  const until = async (holds: () => boolean) => {
    for (const deadline = Date.now() + 10_000; !holds(); await new Promise((r) => setTimeout(r, 10))) {
      if (Date.now() > deadline) throw new Error('timed out');
    }
  };

  test('a drain whose organization is at its cap attempts nothing: ten racing drains, two attempts', async () => {
    const c = await createTenant(t.db.prisma);
    const hooks: number[] = [];
    for (let i = 0; i < 10; i++) hooks.push((await create(c, { url: `http://127.0.0.1:${port}/held/${i}` })).webhook!.databaseId);
    await expense(c);
    const before = arrivals;
    // Ten drains at once (on PostgreSQL, on separate connections): each endpoint's delivery is due.
    const settled: Array<DrainOutcome | undefined> = Array(10).fill(undefined);
    const drains = hooks.map((id, i) => drainWebhook(t.db.prisma, id, options()).then((o) => (settled[i] = o)));
    await until(() => settled.filter(Boolean).length === 8 && open === 2);
    expect(settled.filter(Boolean)).toEqual(Array(8).fill({ kind: 'deferred', reason: 'organization_busy' }));
    expect(arrivals - before).toBe(2);
    const leased = await t.db.prisma.webhookDelivery.findMany({ where: { organizationId: c.organizationId, NOT: { leasedUntil: null } } });
    expect(leased).toHaveLength(2);
    expect(leased.every((d) => d.leasedUntil! > new Date() && d.attempts === 1)).toBe(true);
    // The deferred ones were not touched: no attempt counted, still due.
    const waiting = await t.db.prisma.webhookDelivery.findMany({ where: { organizationId: c.organizationId, leasedUntil: null } });
    expect(waiting.map((d) => [d.status, d.attempts])).toEqual(Array(8).fill(['PENDING', 0]));

    // Released: the results clear the leases, and the organization's next drain goes.
    for (const release of held.splice(0)) release();
    await Promise.all(drains);
    expect(await t.db.prisma.webhookDelivery.count({ where: { organizationId: c.organizationId, NOT: { leasedUntil: null } } })).toBe(0);
    const next = drainWebhook(t.db.prisma, waiting[0]!.webhookId, options());
    await until(() => held.length === 1);
    held.shift()!();
    expect(await next).toEqual({ kind: 'idle' });
  });

  test('a slow attempt, even a delivered one, marks the endpoint slow and ends its drain; a fast one clears the mark', async () => {
    const c = await createTenant(t.db.prisma);
    const hook = (await create(c, { url: `http://127.0.0.1:${port}/after-400/slow` })).webhook!.databaseId;
    await expense(c);
    await expense(c);
    const slowSince = async () => (await t.db.prisma.webhook.findUniqueOrThrow({ where: { id: hook } })).slowSince;
    // One attempt, then it yields though the next delivery is due.
    expect(await drainWebhook(t.db.prisma, hook, options())).toEqual({ kind: 'more' });
    const deliveries = await t.db.prisma.webhookDelivery.findMany({ where: { webhookId: hook }, orderBy: { eventId: 'asc' } });
    expect(deliveries.map((d) => [d.status, d.leasedUntil])).toEqual([['DELIVERED', null], ['PENDING', null]]);
    expect(await slowSince()).not.toBeNull();

    // The process's slots for slow endpoints are taken: it gives way without an attempt.
    const share = slowShare(1);
    expect(share.tryEnter()).toBe(true);
    const before = arrivals;
    expect(await drainWebhook(t.db.prisma, hook, options(), share)).toEqual({ kind: 'deferred', reason: 'slow_share_full' });
    expect(arrivals).toBe(before);
    // A free slot: it goes, and gives the slot back.
    share.leave();
    expect(await drainWebhook(t.db.prisma, hook, options(), share)).toEqual({ kind: 'more' });
    expect(arrivals).toBe(before + 1);
    expect(share.tryEnter()).toBe(true);

    // Fast enough now (the same receiver, a higher threshold): the mark is cleared.
    await expense(c);
    expect(await drainWebhook(t.db.prisma, hook, options({ slowMs: 2_000 }))).toEqual({ kind: 'idle' });
    expect(await slowSince()).toBeNull();
  });

  test('a timeout is slow whatever the threshold', async () => {
    const c = await createTenant(t.db.prisma);
    const hook = (await create(c, { url: `http://127.0.0.1:${port}/after-2000/late` })).webhook!.databaseId;
    await expense(c);
    const outcome = await drainWebhook(t.db.prisma, hook, options({ timeoutMs: 200, slowMs: 60_000 }));
    expect(outcome.kind).toBe('wait');
    expect(await t.db.prisma.webhook.findUniqueOrThrow({ where: { id: hook } })).toMatchObject({ slowSince: expect.any(Date) });
  });
});

describe('signatures', () => {
  const secret = 'whsec_test_secret_value';
  const body = JSON.stringify({ id: 'x', type: 'expense.created' });

  test('a signature verifies with its secret, body and time; anything else does not', () => {
    const now = 1_800_000_000;
    const header = signatureHeader(secret, body, now);
    expect(header).toMatch(/^t=1800000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature(secret, header, body, 300, now)).toBe(true);
    expect(verifySignature(secret, header, body, 300, now + 299)).toBe(true);
    expect(verifySignature(secret, header, body, 300, now + 301)).toBe(false); // replayed later
    expect(verifySignature('another secret', header, body, 300, now)).toBe(false);
    expect(verifySignature(secret, header, `${body} `, 300, now)).toBe(false);
    expect(verifySignature(secret, header.replace('t=1800000000', 't=1800000001'), body, 300, now)).toBe(false);
    expect(verifySignature(secret, null, body)).toBe(false);
    expect(verifySignature(secret, 'garbage', body)).toBe(false);
    expect(verifySignature(secret, `t=${now}`, body, 300, now)).toBe(false);
    // Several v1 values (a receiver checking while the secret rotates): one match is enough.
    const [, v1] = header.split(',v1=');
    expect(verifySignature(secret, `t=${now},v1=${'0'.repeat(64)},v1=${v1}`, body, 300, now)).toBe(true);
  });

  test('the documented scheme: HMAC-SHA256 over "<t>.<body>", hex', async () => {
    const { createHmac } = await import('node:crypto');
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(signatureHeader(secret, body, 1_700_000_000)).toBe(`t=1700000000,v1=${expected}`);
  });
});

describe('url guard', () => {
  test('operator entries: CIDR ranges, single addresses and host names; malformed ones are refused', () => {
    const policy = new AddressPolicy(['10.1.0.0/16', 'fd00::/8', '192.168.1.5', 'receiver.internal']);
    expect(checkWebhookUrl('http://10.1.200.3/', policy)).toBeNull();
    expect(checkWebhookUrl('http://10.2.0.1/', policy)).toMatch(/not allowed/);
    expect(checkWebhookUrl('http://[fd00::5]/', policy)).toBeNull();
    expect(checkWebhookUrl('http://192.168.1.5/', policy)).toBeNull();
    expect(checkWebhookUrl('http://192.168.1.6/', policy)).toMatch(/not allowed/);
    expect(policy.allowsHostByName('Receiver.Internal.')).toBe(true);
    for (const bad of ['10.0.0.0/33', 'fd00::/129', '10.0.0.0/x', 'a b', 'http://x/']) {
      expect(() => new AddressPolicy([bad]), bad).toThrow();
    }
  });
});
