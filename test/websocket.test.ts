// GraphQL over WebSocket (issue 26): the real graphql-ws client over real sockets (`ws`), against an
// app served on a free port with its WebSocket transport, as `npm start` serves it. The rules are
// those of HTTP and SSE (the same code runs: src/http/websocket.ts): authentication and tenant,
// other organizations' events, revocation, slots, costs, trusted documents, idempotency; and what
// only sockets have: close codes for refused sockets, oversized and malformed messages.
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createApp, type AppOptions } from '../src/http/app.js';
import { createMetrics, type Metrics } from '../src/observability/metrics.js';
import { startApp, type TestApp } from './helpers/app.js';
import { addPerson, createTenant, gid } from './helpers/fixtures.js';
import { connect, listen, type Closed, type Connection, type Frame, type Listening } from './helpers/websocket.js';

const CHANGES = 'subscription WsChanges { changeEvents { type subjectId } }';
const EXPENSE_CHANGED = 'subscription WsExpenseChanged { expenseChanged { event { type subjectId } expense { id name approved } } }';
const APPROVE = 'mutation WsApprove($id: ID!) { approveExpense(input: { id: $id }) { userErrors { code message } } }';
const UNAPPROVE = 'mutation WsUnapprove($id: ID!) { unapproveExpense(input: { id: $id }) { userErrors { code message } } }';
const VIEWER = 'query WsViewer { viewer { person { databaseId } organization { databaseId } } }';

let t: TestApp;
const servers: Listening[] = [];
const connections: Connection[] = [];

type Served = Listening & { metrics: Metrics };

/** `options` as an app on a free port; closed after the file. */
async function serve(options: Partial<AppOptions> = {}): Promise<Served> {
  const metrics = createMetrics({ processMetrics: false });
  const app = createApp({ prisma: t.db.prisma, logger: pino({ level: 'silent' }), rateLimit: { enabled: false }, metrics, ...options });
  const listening = await listen(app);
  servers.push(listening);
  return { ...listening, metrics };
}

/**
 * Once `count` subscriptions are open on `server` (its gauge): each one listens from the moment it
 * holds its slot, so an event written after this reaches it. Operations of one socket run
 * concurrently, so a query answered after a subscribe does not say that.
 */
async function live(server: Served, count: number): Promise<void> {
  const gauge = server.metrics.registry.getSingleMetric('gateway_subscriptions_open')!;
  await expect.poll(async () => (await gauge.get()).values[0]?.value, { timeout: 5000 }).toBe(count);
}

function open(url: string, params?: Record<string, unknown>, options?: Parameters<typeof connect>[2]): Connection {
  const connection = connect(url, params, options);
  connections.push(connection);
  return connection;
}

const bearer = (tenant: { token: string }) => ({ authorization: `Bearer ${tenant.token}` });

/** A GraphQL request over plain HTTP to the same server: "another request". */
async function http(server: Listening, token: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(server.httpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as Frame;
}

function dataOf(frame: Frame | 'done' | Closed): Record<string, any> {
  if (frame === 'done' || 'closed' in frame || frame.errors?.length || !frame.data) throw new Error(`expected data, got ${JSON.stringify(frame)}`);
  return frame.data;
}

function errorsOf(frame: Frame | 'done' | Closed) {
  if (frame === 'done' || 'closed' in frame) throw new Error(`expected errors, got ${JSON.stringify(frame)}`);
  return frame.errors;
}

beforeAll(async () => {
  t = await startApp();
});

afterAll(async () => {
  await Promise.all(connections.map((c) => c.dispose().catch(() => undefined)));
  await Promise.all(servers.map((s) => s.close()));
  await t?.close();
});

describe('subscriptions over graphql-ws', () => {

  test('an event written by another request (HTTP) arrives, with the fresh object; queries and mutations run over the socket too', async () => {
    const server = await serve();
    const a = await createTenant(t.db.prisma);
    const id = await a.expense({ name: 'Over the socket' });
    const socket = open(server.wsUrl, bearer(a));
    const sub = socket.subscribe(EXPENSE_CHANGED);
    await live(server, 1);
    expect(dataOf(await socket.request(VIEWER)).viewer).toEqual({ person: { databaseId: a.personId }, organization: { databaseId: a.organizationId } });

    const approved = await http(server, a.token, APPROVE, { id: gid('Expense', id) });
    expect(approved).toEqual({ data: { approveExpense: { userErrors: [] } } });
    expect(dataOf(await sub.next()).expenseChanged).toEqual({
      event: { type: 'EXPENSE_APPROVED', subjectId: gid('Expense', id) },
      expense: { id: gid('Expense', id), name: 'Over the socket', approved: true },
    });

    // A mutation sent over the socket itself: its result, then its event on the subscription.
    expect(dataOf(await socket.request(UNAPPROVE, { id: gid('Expense', id) })).unapproveExpense).toEqual({ userErrors: [] });
    expect(dataOf(await sub.next()).expenseChanged.expense.approved).toBe(false);
    // A user error over the socket is the same as over HTTP.
    expect(dataOf(await socket.request(UNAPPROVE, { id: gid('Expense', id) })).unapproveExpense.userErrors).toEqual([
      { code: 'NOT_APPROVED', message: 'is not approved' },
    ]);
    sub.stop();
  });

  test("a URL the API hands out over the socket points at the socket's host (a bulk export's file); PUBLIC_URL wins", async () => {
    const a = await createTenant(t.db.prisma);
    const START = 'mutation WsStartExport { startBulkExport(input: { query: "{ deals { nodes { id } } }" }) { bulkExport { databaseId } userErrors { code } } }';
    const SHOW = 'query WsShowExport($id: ID!) { bulkExport(id: $id) { url } }';
    const served = await serve();
    const socket = open(served.wsUrl, bearer(a));
    const started = dataOf(await socket.request(START)).startBulkExport;
    expect(started.userErrors).toEqual([]);
    const id = gid('BulkExport', started.bulkExport.databaseId);
    // Completed by hand: the run itself is test/bulk-exports.test.ts's.
    await t.db.prisma.bulkExport.update({ where: { id: started.bulkExport.databaseId }, data: { status: 'COMPLETED', expiresAt: new Date(Date.now() + 60_000) } });
    const port = new URL(served.wsUrl).port;
    expect(dataOf(await socket.request(SHOW, { id })).bulkExport.url).toBe(`http://127.0.0.1:${port}/bulk-exports/${id}`);
    const behindProxy = await serve({ publicUrl: 'https://api.example.com/' });
    const proxied = open(behindProxy.wsUrl, bearer(a));
    expect(dataOf(await proxied.request(SHOW, { id })).bulkExport.url).toBe(`https://api.example.com/bulk-exports/${id}`);
  });

  test("another organization's events never arrive", async () => {
    const server = await serve();
    const a = await createTenant(t.db.prisma);
    const b = await createTenant(t.db.prisma);
    const mine = await a.expense({ name: 'Mine' });
    const theirs = await b.expense({ name: 'Theirs' });
    const spy = open(server.wsUrl, bearer(b));
    const all = spy.subscribe(CHANGES);
    const expenses = spy.subscribe(EXPENSE_CHANGED);
    await live(server, 2);

    expect(await http(server, a.token, APPROVE, { id: gid('Expense', mine) })).toEqual({ data: { approveExpense: { userErrors: [] } } });
    // a's id sent by b over the socket is not found, as over HTTP.
    expect(dataOf(await spy.request(UNAPPROVE, { id: gid('Expense', mine) })).unapproveExpense.userErrors).toEqual([
      { code: 'NOT_FOUND', message: 'Expense not found' },
    ]);
    // Then one of b's own: it must be the first thing b hears.
    expect(await http(server, b.token, APPROVE, { id: gid('Expense', theirs) })).toEqual({ data: { approveExpense: { userErrors: [] } } });
    expect(dataOf(await all.next()).changeEvents).toEqual({ type: 'EXPENSE_APPROVED', subjectId: gid('Expense', theirs) });
    expect(dataOf(await expenses.next()).expenseChanged.event.subjectId).toBe(gid('Expense', theirs));
    await all.quiet(300);
    await expenses.quiet(50);
  });

  test('X-Tenant picks one of the person\'s organizations; the token may come in the upgrade request\'s headers instead', async () => {
    const server = await serve();
    const a = await createTenant(t.db.prisma);
    const b = await createTenant(t.db.prisma);
    const both = await addPerson(t.db.prisma, [a.organizationId, b.organizationId]);
    const idInB = await b.expense({ name: 'In b' });

    // Without a tenant a person of two organizations is refused, as over HTTP (TENANT_REQUIRED).
    const undecided = open(server.wsUrl, { authorization: `Bearer ${both.token}` });
    expect(await undecided.closed).toEqual({ closed: 4403, reason: expect.stringMatching(/^This person belongs to several organizations: choose one with the `X-Tenant` header/) });

    const inB = open(server.wsUrl, undefined, { headers: { authorization: `Bearer ${both.token}`, 'x-tenant': String(b.organizationId) } });
    const sub = inB.subscribe(CHANGES);
    await live(server, 1);
    expect(dataOf(await inB.request(VIEWER)).viewer.organization.databaseId).toBe(b.organizationId);
    await http(server, b.token, APPROVE, { id: gid('Expense', idInB) });
    expect(dataOf(await sub.next()).changeEvents.type).toBe('EXPENSE_APPROVED');
  });
});

describe('refused sockets', () => {
  let server: Served;
  beforeAll(async () => {
    server = await serve();
  });

  test('no token, a bad token, a revoked one: closed with 4403 and the reason, before anything runs', async () => {
    expect(await open(server.wsUrl).closed).toEqual({
      closed: 4403,
      reason: 'Authentication required: send { authorization: "Bearer <token>" } in the connection_init payload.',
    });
    expect(await open(server.wsUrl, { authorization: 'Bearer not-a-token' }).closed).toEqual({ closed: 4403, reason: 'Invalid or revoked API token.' });
    const { person, token } = await addPerson(t.db.prisma, [(await createTenant(t.db.prisma)).organizationId]);
    await t.db.prisma.apiToken.updateMany({ where: { personId: person.id }, data: { revokedAt: new Date() } });
    expect(await open(server.wsUrl, { authorization: `Bearer ${token}` }).closed).toEqual({ closed: 4403, reason: 'Invalid or revoked API token.' });
    expect(await open(server.wsUrl, { authorization: ['Bearer', token] }).closed).toEqual({ closed: 4400, reason: 'connection_init: `authorization` must be a string.' });
  });

  test('an oversized message, a malformed one, an unknown type, a wrong subprotocol: each socket closed with its code; the server goes on', async () => {
    const a = await createTenant(t.db.prisma);
    const raw = async (protocol: string, ...messages: string[]) => {
      const socket = protocol ? new WebSocket(server.wsUrl, protocol) : new WebSocket(server.wsUrl);
      socket.on('error', () => undefined);
      socket.once('open', () => messages.forEach((message) => socket.send(message)));
      return new Promise<Closed>((resolve) => socket.on('close', (code, reason) => resolve({ closed: code, reason: reason.toString() })));
    };
    const init = JSON.stringify({ type: 'connection_init', payload: bearer(a) });
    // 1009 "Message Too Big" (RFC 6455), past the HTTP body limit (1 MiB).
    expect(await raw('graphql-transport-ws', init, 'x'.repeat(1024 * 1024 + 1))).toEqual({ closed: 1009, reason: '' });
    expect(await raw('graphql-transport-ws', init, '{"type":"shout"}')).toEqual({ closed: 4400, reason: 'Invalid message received' });
    expect(await raw('graphql-transport-ws', init, 'not json')).toEqual({ closed: 4400, reason: 'Invalid message received' });
    // No subprotocol, or only the old subscriptions-transport-ws one (`graphql-ws`): not this protocol.
    expect(await raw('')).toEqual({ closed: 4406, reason: 'Subprotocol not acceptable' });
    expect(await raw('graphql-ws')).toEqual({ closed: 1006, reason: '' });
    // A subscribe before connection_init's acknowledgement.
    expect(await raw('graphql-transport-ws', JSON.stringify({ id: '1', type: 'subscribe', payload: { query: VIEWER } }))).toEqual({ closed: 4401, reason: 'Unauthorized' });
    // The same server still serves a well-behaved client.
    const socket = open(server.wsUrl, bearer(a));
    expect(dataOf(await socket.request(VIEWER)).viewer.person.databaseId).toBe(a.personId);
  });

  test('a path other than /graphql is not upgraded', async () => {
    const socket = new WebSocket(server.wsUrl.replace('/graphql', '/other'), 'graphql-transport-ws');
    socket.on('error', () => undefined);
    const status = await new Promise<number>((resolve) =>
      socket.on('unexpected-response', (request, response) => {
        resolve(response.statusCode!);
        request.destroy();
      }),
    );
    expect(status).toBe(404);
  });

  test('too many failed authentications from one address: its sockets are closed with 4429, but a known token still connects', async () => {
    const limited = await serve({ rateLimit: { enabled: true, authFailures: 2, authWindowSeconds: 60, keyPrefix: `ws-${randomUUID()}` } });
    const a = await createTenant(t.db.prisma);
    // Known: it authenticated before the guesses.
    expect(dataOf(await open(limited.wsUrl, bearer(a)).request(VIEWER)).viewer.person.databaseId).toBe(a.personId);
    for (let i = 0; i < 2; i++) expect((await open(limited.wsUrl, { authorization: `Bearer guess-${i}` }).closed).closed).toBe(4403);
    expect(await open(limited.wsUrl, { authorization: 'Bearer guess-3' }).closed).toEqual({
      closed: 4429,
      reason: expect.stringMatching(/^Too many failed authentications from your address \(2 in 60 s\): retry in \d+ s\.$/),
    });
    expect(dataOf(await open(limited.wsUrl, bearer(a)).request(VIEWER)).viewer.person.databaseId).toBe(a.personId);
  });
});

describe('revocation', () => {
  test("a token revoked while its socket is open: its idle subscriptions end with UNAUTHENTICATED, then the socket closes with 4403", async () => {
    const server = await serve({ authCacheMs: 500 });
    const a = await createTenant(t.db.prisma);
    const { person, token } = await addPerson(t.db.prisma, [a.organizationId]);
    const doomed = open(server.wsUrl, { authorization: `Bearer ${token}` });
    const subs = [doomed.subscribe(CHANGES), doomed.subscribe(EXPENSE_CHANGED)];
    await live(server, 2);
    const other = open(server.wsUrl, bearer(a));
    const theirs = other.subscribe(CHANGES);
    await live(server, 3);

    await t.db.prisma.apiToken.updateMany({ where: { personId: person.id }, data: { revokedAt: new Date() } });
    for (const sub of subs) {
      // No event comes: the periodic re-check ends them (within AUTH_CACHE_MS), as it ends SSE streams.
      expect(errorsOf(await sub.next(5_000))).toEqual([
        expect.objectContaining({ message: 'Invalid or revoked API token. The subscription ended.', extensions: { code: 'UNAUTHENTICATED' } }),
      ]);
      expect(await sub.next()).toBe('done');
    }
    expect(await doomed.closed).toEqual({ closed: 4403, reason: 'Invalid or revoked API token. The subscription ended.' });

    // The colleague's subscription goes on.
    const id = await a.expense({ name: 'Still heard' });
    await http(server, a.token, APPROVE, { id: gid('Expense', id) });
    expect(dataOf(await theirs.next()).changeEvents.type).toBe('EXPENSE_CREATED');
  });
});

describe('slots: subscriptions and sockets per person', () => {
  test('a person holds at most SUBSCRIPTIONS_PER_PERSON subscriptions (TOO_MANY_SUBSCRIPTIONS) and as many sockets (4429); stopping one frees its slot', async () => {
    const server = await serve({ subscriptionsPerPerson: 2 });
    const a = await createTenant(t.db.prisma);
    const first = open(server.wsUrl, bearer(a));
    const held = [first.subscribe(CHANGES), first.subscribe(EXPENSE_CHANGED)];
    await live(server, 2);
    // Slots are per person and instance, whatever the transport: a second socket has none left either.
    const second = open(server.wsUrl, bearer(a));
    const refused = second.subscribe(CHANGES);
    expect(errorsOf(await refused.next())).toEqual([
      expect.objectContaining({
        message: 'You already hold 2 live subscriptions on this server, the most one person may: close one first.',
        extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
      }),
    ]);
    expect(await refused.next()).toBe('done');
    // A third socket of the same person is one too many.
    expect(await open(server.wsUrl, bearer(a)).closed).toEqual({
      closed: 4429,
      reason: 'Too many WebSocket connections: you hold 2 on this server, the most one person may. Use one for all your subscriptions.',
    });
    // A colleague has slots of their own.
    const colleague = await a.member();
    const colleagues = open(server.wsUrl, { authorization: `Bearer ${colleague.token}` });
    const theirs = colleagues.subscribe(CHANGES);
    await live(server, 3);

    // The held ones still work; once one is stopped, its slot is free again.
    await a.expense({ name: 'Heard by all' });
    for (const sub of [...held, theirs]) expect(dataOf(await sub.next())).toBeTruthy();
    held[0]!.stop();
    await live(server, 2);
    const again = second.subscribe(CHANGES);
    await live(server, 3);
    await a.expense({ name: 'After a slot was freed' });
    expect(dataOf(await again.next()).changeEvents.type).toBe('EXPENSE_CREATED');
    // Closing a socket frees its socket slot.
    await second.dispose();
    await expect.poll(async () => {
      const third = open(server.wsUrl, bearer(a));
      const result = await Promise.race([third.request(VIEWER).then(() => 'connected'), third.closed.then((c) => c.reason)]);
      return result;
    }, { timeout: 5000 }).toBe('connected');
  });
});

describe('costs and rate limits over the socket', () => {
  test("queries report their cost; what never fits is MAX_COST_EXCEEDED; each event is charged, and the one the bucket cannot pay ends the subscription with THROTTLED", async () => {
    const points = 20;
    const server = await serve({ rateLimit: { enabled: true, points, restoreRate: points / 1000, keyPrefix: `ws-${randomUUID()}` } });
    const a = await createTenant(t.db.prisma);
    const socket = open(server.wsUrl, bearer(a));

    const budget = await socket.request('query WsBudget { rateLimit { remaining } }');
    expect(budget).toMatchObject({
      data: { rateLimit: { remaining: points - 1 } },
      extensions: { cost: { requested: 1, actual: 1, throttleStatus: { maximumAvailable: points, currentlyAvailable: points - 1 } } },
    });
    const tooBig = await socket.request('query WsTooBig { expenses(first: 50) { nodes { id } } }');
    expect(tooBig.errors).toEqual([expect.objectContaining({ extensions: { code: 'MAX_COST_EXCEEDED', cost: 52, maximumAvailable: points } })]);
    const bigSubscription = socket.subscribe('subscription WsBig { dealChanged { deal { expenses(first: 90) { nodes { id } } } } }');
    expect(errorsOf(await bigSubscription.next())).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'MAX_COST_EXCEEDED' }) })]);
    expect(await bigSubscription.next()).toBe('done');

    // expenseChanged 1 + event 1 + expense 1 = 3 per event; opening keeps 1.
    const sub = socket.subscribe(EXPENSE_CHANGED);
    await live(server, 1);
    const left = points - 1 - 1;
    const paid = Math.floor(left / 3);
    for (let i = 0; i <= paid; i++) {
      // Written by the domain, not through this token: only the events touch its bucket.
      await a.expense({ name: `Event ${i}` });
      const frame = await sub.next();
      if (i < paid) {
        expect(dataOf(frame).expenseChanged.event.type).toBe('EXPENSE_CREATED');
        expect((frame as Frame).extensions?.cost).toMatchObject({ requested: 3, actual: 3, throttleStatus: { currentlyAvailable: left - 3 * (i + 1) } });
        continue;
      }
      expect(errorsOf(frame)).toEqual([
        expect.objectContaining({
          message: expect.stringMatching(/^Throttled: each event of this subscription costs up to 3 points and \d+ of 20 are left, so the subscription ended\./),
          extensions: { code: 'THROTTLED' },
        }),
      ]);
    }
    expect(await sub.next()).toBe('done');
    // An operation the bucket cannot pay is refused with THROTTLED, nothing run.
    const refused = await socket.request('query WsRefused { viewer { person { id } organization { id } } }');
    expect(refused.errors).toEqual([expect.objectContaining({ message: expect.stringMatching(/^Throttled: this operation costs 3 points/), extensions: { code: 'THROTTLED' } })]);
    expect(refused.data).toBeUndefined();
  });
});

describe('the same rules as HTTP for what runs over the socket', () => {
  test('trusted documents: in `only` mode a query text is refused, a known documentId runs', async () => {
    const { createHash } = await import('node:crypto');
    const id = `sha256:${createHash('sha256').update(VIEWER).digest('hex')}`;
    const server = await serve({ persistedOperations: { mode: 'only', documents: { [id]: VIEWER } } });
    const a = await createTenant(t.db.prisma);
    const socket = open(server.wsUrl, bearer(a));
    expect((await socket.request(VIEWER)).errors).toEqual([expect.objectContaining({ extensions: { code: 'PERSISTED_QUERY_ONLY' } })]);
    expect(dataOf(await socket.request('', undefined, { documentId: id })).viewer.person.databaseId).toBe(a.personId);
    expect(dataOf(await socket.request('', undefined, { extensions: { persistedQuery: { version: 1, sha256Hash: id.slice(7) } } })).viewer.person.databaseId).toBe(a.personId);
    expect((await socket.request('', undefined, { documentId: 'sha256:nope' })).errors).toEqual([expect.objectContaining({ extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } })]);
  });

  test('idempotent creates: a key sent twice over the socket, and once over HTTP, creates one company', async () => {
    const server = await serve();
    const a = await createTenant(t.db.prisma);
    const socket = open(server.wsUrl, bearer(a));
    const create = 'mutation WsCreateCompany($key: String) { createCompany(input: { name: "Once", idempotencyKey: $key }) { company { id } userErrors { code } } }';
    const key = randomUUID();
    const first = dataOf(await socket.request(create, { key })).createCompany;
    expect(first.userErrors).toEqual([]);
    expect(dataOf(await socket.request(create, { key })).createCompany).toEqual(first);
    expect((await http(server, a.token, create, { key })).data?.createCompany).toEqual(first);
    expect(await t.db.prisma.company.count({ where: { organizationId: a.organizationId, name: 'Once' } })).toBe(1);
  });

  test('bad variables and over-deep queries are refused as over HTTP', async () => {
    const server = await serve();
    const a = await createTenant(t.db.prisma);
    const socket = open(server.wsUrl, bearer(a));
    const tooMany = await socket.request('query WsIds($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: Array.from({ length: 1001 }, (_, i) => String(i)) });
    expect(tooMany.errors).toEqual([expect.objectContaining({ extensions: { code: 'REQUEST_TOO_LARGE', limit: 'variablesList' } })]);
    const nested = await socket.request(`query WsNested { node(id: "x") { id ${'... on Node { '.repeat(14)}id${' }'.repeat(14)} } }`);
    expect(nested.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'QUERY_TOO_COMPLEX' }) })]);
  });
});
