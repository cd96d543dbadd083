// Subscriptions (issue 13): live changes over Server-Sent Events through `app.fetch`, fed by the
// event bus. Changes are made through mutations; the events must arrive with the right type, subject
// and payload, only in their organization, through the filters asked for, with fresh objects per
// event. The Redis path plays two instances in one process: two apps on one database, each with its
// own bus on the real Redis (127.0.0.1:6379, a channel prefix of this run's own), and an event
// committed through one reaches a subscriber of the other.
import { randomUUID } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { parse, print } from 'graphql';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../src/cli/index.js';
import type { CommittedEvent } from '../src/changes/outbox.js';
import { createEventBus, decodeEvent, encodeEvent, openEventStream, StreamEnd, type EventBus, type LiveEvent } from '../src/changes/pubsub.js';
import { schema } from '../src/schema/index.js';
import { requestedCost } from '../src/limits/cost.js';
import { SubscriptionSlots, type Sweep } from '../src/changes/slots.js';
import { createMetrics, type Metrics } from '../src/observability/metrics.js';
import { createApp, type App } from '../src/http/app.js';
import { graphql } from './generated/index.js';
import { as, data, execute, startApp, type Caller, type TestApp } from './helpers/app.js';
import { addPerson, createTenant, day, gid, type Tenant } from './helpers/fixtures.js';
import { subscribe, type SseResult, type Subscription } from './helpers/sse.js';

const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

const ExpenseChanged = graphql(`
  subscription SubsExpenseChanged($filter: ExpenseChangedFilter) {
    expenseChanged(filter: $filter) {
      event {
        id
        type
        occurredAt
        subjectId
        payload
        actor { databaseId }
        subject { id ... on Expense { approved } }
      }
      expense { id name approved approvalStatus }
    }
  }
`);

const ChangeEvents = graphql(`
  subscription SubsChangeEvents($types: [EventType!]) {
    changeEvents(types: $types) { id type subjectId payload actor { databaseId } }
  }
`);

const InvoiceChanged = graphql(`
  subscription SubsInvoiceChanged($filter: InvoiceChangedFilter) {
    invoiceChanged(filter: $filter) {
      event { type subjectId payload }
      invoice { id subject archived }
    }
  }
`);

const DeletedItemChanged = graphql(`
  subscription SubsDeletedItemChanged($filter: DeletedItemChangedFilter) {
    deletedItemChanged(filter: $filter) {
      event { type subjectId subject { id } }
      itemType
      deletedItemId
      deletedItem { id name recoveredAt }
    }
  }
`);

const Approve = graphql(`
  mutation SubsApprove($input: ApproveExpenseInput!) { approveExpense(input: $input) { userErrors { code message } } }
`);
const Unapprove = graphql(`
  mutation SubsUnapprove($input: UnapproveExpenseInput!) { unapproveExpense(input: $input) { userErrors { code message } } }
`);
const DeleteExpense = graphql(`
  mutation SubsDeleteExpense($input: DeleteExpenseInput!) { deleteExpense(input: $input) { userErrors { code message } } }
`);
const Restore = graphql(`
  mutation SubsRestore($input: RestoreDeletedItemInput!) { restoreDeletedItem(input: $input) { userErrors { code message } } }
`);
const CreateInvoice = graphql(`
  mutation SubsCreateInvoice($input: CreateInvoiceInput!) {
    createInvoice(input: $input) { invoice { id } userErrors { code message } }
  }
`);
const AttributionChanged = graphql(`
  subscription SubsAttributionChanged($filter: InvoiceAttributionChangedFilter) {
    invoiceAttributionChanged(filter: $filter) {
      event { type subjectId }
      invoiceAttribution { id amount { original { cents } } }
    }
  }
`);
const CreateAttribution = graphql(`
  mutation SubsCreateAttribution($input: CreateInvoiceAttributionInput!) {
    createInvoiceAttribution(input: $input) { invoiceAttribution { id } userErrors { code message } }
  }
`);
const DealChanged = graphql(`
  subscription SubsDealChanged($filter: DealChangedFilter) {
    dealChanged(filter: $filter) {
      event { type }
      deal { id name expenses(first: 90) { totalCount nodes { id name } } }
    }
  }
`);
const UpdateDeal = graphql(`
  mutation SubsUpdateDeal($input: UpdateDealInput!) { updateDeal(input: $input) { userErrors { code message } } }
`);
const Bin = graphql(`query SubsBin { deletedItems(first: 5) { nodes { id itemId } } }`);
const Budget = graphql(`query SubsRateLimit { rateLimit { remaining } }`);

/** Every data frame of a subscription must be data, not errors. */
function dataOf<T>(frame: SseResult<T> | 'done'): T {
  if (frame === 'done' || frame.errors?.length || !frame.data) throw new Error(`expected data, got ${JSON.stringify(frame)}`);
  return frame.data;
}

async function approve(app: App, tenant: Tenant, id: number) {
  expect((await data(app, Approve, { input: { id: gid('Expense', id) } }, as(tenant))).approveExpense.userErrors).toEqual([]);
}

let t: TestApp;
const open: Array<Subscription<unknown>> = [];
async function watch<T, V>(app: App, document: TypedDocumentNode<T, V>, variables: V, caller: Caller): Promise<Subscription<T>> {
  const subscription = await subscribe(app, document, variables, caller);
  open.push(subscription as Subscription<unknown>);
  return subscription;
}

beforeAll(async () => {
  t = await startApp();
});

afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
  await t?.close();
});

describe('subscriptions over SSE (in process)', () => {
  test('an approval arrives as EXPENSE_APPROVED with its subject, actor, payload and the fresh expense', async () => {
    const a = await createTenant(t.db.prisma);
    const id = await a.expense({ name: 'Train' });
    const sub = await watch(t.app, ExpenseChanged, {}, as(a));
    expect(sub.status).toBe(200);
    expect(sub.headers.get('content-type')).toContain('text/event-stream');

    await approve(t.app, a, id);
    const frame = await sub.next();
    // The rate limiter is off here: nothing is charged, and no cost is reported.
    expect((frame as SseResult<unknown>).extensions?.cost).toBeUndefined();
    const { expenseChanged } = dataOf(frame);
    expect(expenseChanged.event).toMatchObject({
      type: 'EXPENSE_APPROVED',
      subjectId: gid('Expense', id),
      actor: { databaseId: a.personId },
      subject: { id: gid('Expense', id), approved: true },
    });
    expect(expenseChanged.event.id).toEqual(expect.any(String));
    expect(new Date(expenseChanged.event.occurredAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(expenseChanged.event.payload).toMatchObject({ id: gid('Expense', id), name: 'Train', approved: true, deal: { id: gid('Deal', a.deals.eur) } });
    expect(expenseChanged.expense).toEqual({ id: gid('Expense', id), name: 'Train', approved: true, approvalStatus: 'APPROVED' });

    // Each event reads afresh: the unapproval shows the expense unapproved, not what the approval loaded.
    await data(t.app, Unapprove, { input: { id: gid('Expense', id) } }, as(a));
    const second = dataOf(await sub.next()).expenseChanged;
    expect(second.event.type).toBe('EXPENSE_UNAPPROVED');
    expect(second.event.subject).toEqual({ id: gid('Expense', id), approved: false });
    expect(second.expense).toMatchObject({ approved: false, approvalStatus: 'NOT_APPROVED' });
    await sub.close();
  });

  test("another organization's subscriber hears nothing of it", async () => {
    const a = await createTenant(t.db.prisma);
    const b = await createTenant(t.db.prisma);
    const mine = await a.expense({ name: 'Mine' });
    const theirs = await b.expense({ name: 'Theirs' });
    const spy = await watch(t.app, ChangeEvents, {}, as(b));
    const spyOnExpenses = await watch(t.app, ExpenseChanged, {}, as(b));

    await approve(t.app, a, mine);
    await data(t.app, DeleteExpense, { input: { id: gid('Expense', mine) } }, as(a));
    // Then one of b's own: it must be the first thing b hears.
    await approve(t.app, b, theirs);
    expect(dataOf(await spy.next()).changeEvents).toMatchObject({ type: 'EXPENSE_APPROVED', subjectId: gid('Expense', theirs) });
    expect(dataOf(await spyOnExpenses.next()).expenseChanged.event).toMatchObject({ subjectId: gid('Expense', theirs) });
    await spy.quiet(300);
    await spyOnExpenses.quiet(50);
  });

  test('an invoice created arrives on invoiceChanged', async () => {
    const a = await createTenant(t.db.prisma);
    const sub = await watch(t.app, InvoiceChanged, { filter: { types: ['INVOICE_CREATED'] } }, as(a));
    const created = await data(t.app, CreateInvoice, { input: { companyId: gid('Company', a.companies.acme), subject: 'Live invoice' } }, as(a));
    expect(created.createInvoice.userErrors).toEqual([]);
    const invoiceId = created.createInvoice.invoice!.id;
    const { invoiceChanged } = dataOf(await sub.next());
    expect(invoiceChanged.event).toMatchObject({ type: 'INVOICE_CREATED', subjectId: invoiceId, payload: { id: invoiceId, subject: 'Live invoice' } });
    expect(invoiceChanged.invoice).toEqual({ id: invoiceId, subject: 'Live invoice', archived: false });
  });

  test('a delete and a restore arrive on deletedItemChanged and expenseChanged', async () => {
    const a = await createTenant(t.db.prisma);
    const id = await a.expense({ name: 'Binned' });
    const bin = await watch(t.app, DeletedItemChanged, {}, as(a));
    const expenses = await watch(t.app, ExpenseChanged, { filter: { expenseIds: [gid('Expense', id)] } }, as(a));

    await data(t.app, DeleteExpense, { input: { id: gid('Expense', id) } }, as(a));
    const entry = (await data(t.app, Bin, {}, as(a))).deletedItems.nodes.find((n) => n.itemId === gid('Expense', id))!;
    const deleted = dataOf(await bin.next()).deletedItemChanged;
    expect(deleted).toEqual({
      event: { type: 'EXPENSE_DELETED', subjectId: gid('Expense', id), subject: null },
      itemType: 'EXPENSE',
      deletedItemId: entry.id,
      deletedItem: { id: entry.id, name: 'Binned', recoveredAt: null },
    });
    const gone = dataOf(await expenses.next()).expenseChanged;
    expect(gone.event.type).toBe('EXPENSE_DELETED');
    expect(gone.expense, 'in the bin: no expense').toBeNull();

    expect((await data(t.app, Restore, { input: { id: entry.id } }, as(a))).restoreDeletedItem.userErrors).toEqual([]);
    const restored = dataOf(await bin.next()).deletedItemChanged;
    expect(restored).toMatchObject({
      event: { type: 'EXPENSE_RESTORED', subjectId: gid('Expense', id), subject: { id: gid('Expense', id) } },
      itemType: 'EXPENSE',
      deletedItemId: entry.id,
      deletedItem: { id: entry.id, recoveredAt: expect.any(String) },
    });
    const back = dataOf(await expenses.next()).expenseChanged;
    expect(back.event.type).toBe('EXPENSE_RESTORED');
    expect(back.expense).toMatchObject({ id: gid('Expense', id), name: 'Binned' });
  });

  test('filters: ids, deals and types', async () => {
    const a = await createTenant(t.db.prisma);
    const wanted = await a.expense({ name: 'Wanted', dealId: a.deals.usd, currency: 'USD' });
    const other = await a.expense({ name: 'Other', dealId: a.deals.eur });
    const byId = await watch(t.app, ExpenseChanged, { filter: { expenseIds: [gid('Expense', wanted)] } }, as(a));
    const byDeal = await watch(t.app, ExpenseChanged, { filter: { dealIds: [gid('Deal', a.deals.usd)] } }, as(a));
    const byType = await watch(t.app, ChangeEvents, { types: ['EXPENSE_UNAPPROVED'] }, as(a));

    // Changes that match none of them come first: each must hear only what follows.
    await approve(t.app, a, other);
    await approve(t.app, a, wanted);
    await data(t.app, Unapprove, { input: { id: gid('Expense', other) } }, as(a));
    for (const sub of [byId, byDeal]) {
      expect(dataOf(await sub.next()).expenseChanged.event).toMatchObject({ type: 'EXPENSE_APPROVED', subjectId: gid('Expense', wanted) });
    }
    expect(dataOf(await byType.next()).changeEvents).toMatchObject({ type: 'EXPENSE_UNAPPROVED', subjectId: gid('Expense', other) });
    await byId.quiet(200);
    await byDeal.quiet(50);
    await byType.quiet(50);

    // A deal filter also follows its expenses into the bin (the payload is then the bin entry).
    await data(t.app, DeleteExpense, { input: { id: gid('Expense', wanted) } }, as(a));
    expect(dataOf(await byDeal.next()).expenseChanged.event).toMatchObject({ type: 'EXPENSE_DELETED', subjectId: gid('Expense', wanted) });
  });

  test('attribution filters: by invoice and by budget (src/schema/kit/change-subscription.ts related ids)', async () => {
    const a = await createTenant(t.db.prisma);
    const invoice = async () =>
      (await t.db.prisma.invoice.create({
        data: {
          organizationId: a.organizationId, companyId: a.companies.acme, creatorId: a.personId, invoicedOn: day('2021-01-24'),
          currency: 'USD', exchangeRate: '1', exchangeDate: day('2021-01-24'), amount: 100_000n,
        },
      })).id;
    const [first, second] = [await invoice(), await invoice()];
    const byBudget = await watch(t.app, AttributionChanged, { filter: { budgetIds: [gid('Deal', a.deals.usd)] } }, as(a));
    const bySecond = await watch(t.app, AttributionChanged, { filter: { invoiceIds: [gid('Invoice', second)] } }, as(a));
    const byBoth = await watch(t.app, AttributionChanged, { filter: { invoiceIds: [gid('Invoice', first)], budgetIds: [gid('Deal', a.deals.eur)] } }, as(a));
    const attribute = async (invoiceId: number, amount: number) => {
      const created = await data(t.app, CreateAttribution, { input: { invoiceId: gid('Invoice', invoiceId), budgetId: gid('Deal', a.deals.usd), amount } }, as(a));
      expect(created.createInvoiceAttribution.userErrors).toEqual([]);
      return created.createInvoiceAttribution.invoiceAttribution!.id;
    };
    const one = await attribute(first, 100);
    const two = await attribute(second, 200);
    const heard = async (sub: Subscription<{ invoiceAttributionChanged: { event: { type: string; subjectId: string }; invoiceAttribution: { id: string } | null } }>) =>
      dataOf(await sub.next()).invoiceAttributionChanged;
    expect(await heard(byBudget)).toMatchObject({ event: { type: 'INVOICE_ATTRIBUTION_CREATED', subjectId: one }, invoiceAttribution: { id: one, amount: { original: { cents: 100 } } } });
    expect(await heard(byBudget)).toMatchObject({ event: { subjectId: two } });
    expect(await heard(bySecond)).toMatchObject({ event: { type: 'INVOICE_ATTRIBUTION_CREATED', subjectId: two }, invoiceAttribution: { id: two } });
    // Both filters must hold: the first invoice's attribution is to the USD budget, not the EUR one.
    await byBoth.quiet(200);
    await bySecond.quiet(50);
    await byBudget.quiet(50);
  });

  test('a wrong filter is a clear BAD_USER_INPUT error, and nothing is subscribed', async () => {
    const a = await createTenant(t.db.prisma);
    const cases = [
      [{ expenseIds: [gid('Deal', 1)] }, '`filter.expenseIds[0]` expects an Expense id; this is a Deal id.'],
      [{ dealIds: ['nope'] }, '`filter.dealIds[0]`: "nope" is not a valid id (not a global id).'],
      [{ types: ['INVOICE_CREATED'] }, '`filter.types[0]`: INVOICE_CREATED is not one of this subscription\'s event types.'],
    ] as const;
    for (const [filter, message] of cases) {
      const sub = await watch(t.app, ExpenseChanged, { filter: filter as never }, as(a));
      const frame = await sub.next();
      expect(frame).not.toBe('done');
      expect((frame as SseResult<unknown>).errors).toEqual([expect.objectContaining({ message, extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
      expect(await sub.next()).toBe('done');
    }
  });

  test('without a valid token there is no subscription', async () => {
    const sub = await watch(t.app, ChangeEvents, {}, { token: 'not-a-token' });
    expect(sub.status).toBe(401);
  });

  test("a revoked token's subscription ends at its next event", async () => {
    const a = await createTenant(t.db.prisma);
    const id = await a.expense({ name: 'Revoked' });
    const { person, token } = await addPerson(t.db.prisma, [a.organizationId]);
    const sub = await watch(t.app, ChangeEvents, {}, { token });
    await t.db.prisma.apiToken.updateMany({ where: { personId: person.id }, data: { revokedAt: new Date() } });
    await approve(t.app, a, id);
    const frame = await sub.next();
    expect(frame).not.toBe('done');
    expect((frame as SseResult<unknown>).errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    expect(await sub.next()).toBe('done');
  });

  test('a person holds at most SUBSCRIPTIONS_PER_PERSON live subscriptions; closing one frees its slot', async () => {
    const capped = createApp({ prisma: t.db.prisma, logger: pino({ level: 'silent' }), rateLimit: { enabled: false }, subscriptionsPerPerson: 3 });
    const a = await createTenant(t.db.prisma);
    const colleague = await addPerson(t.db.prisma, [a.organizationId]);
    const id = await a.expense({ name: 'Capped' });
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await watch(capped, ExpenseChanged, {}, as(a)));
    const refused = await watch(capped, ChangeEvents, {}, as(a));
    const frame = await refused.next();
    expect(frame).not.toBe('done');
    expect((frame as SseResult<unknown>).errors).toEqual([
      expect.objectContaining({
        message: 'You already hold 3 live subscriptions on this server, the most one person may: close one first.',
        extensions: expect.objectContaining({ code: 'TOO_MANY_SUBSCRIPTIONS' }),
      }),
    ]);
    expect(await refused.next()).toBe('done');
    // Another person of the organization has slots of their own.
    const theirs = await watch(capped, ChangeEvents, {}, { token: colleague.token });
    // The held ones still work; once one is closed, its slot is free again (the client went away).
    await approve(capped, a, id);
    for (const sub of held) expect(dataOf(await sub.next()).expenseChanged.event.type).toBe('EXPENSE_APPROVED');
    expect(dataOf(await theirs.next()).changeEvents.type).toBe('EXPENSE_APPROVED');
    await held[0]!.close();
    // The server hears of the close a moment later: until then a new one is refused; after, it
    // starts and receives the next event.
    await expect
      .poll(async () => {
        const again = await watch(capped, ChangeEvents, { types: ['EXPENSE_CREATED'] }, as(a));
        await a.expense({ name: 'After a slot was freed' });
        const frame = await again.next();
        if (frame !== 'done' && frame.data?.changeEvents.type === 'EXPENSE_CREATED') return 'subscribed';
        await again.close();
        return JSON.stringify(frame);
      }, { timeout: 5000 })
      .toBe('subscribed');
  });

  test('closing the bus completes the streams (a shutting-down server lets its clients go)', async () => {
    const bus = createEventBus();
    const own = createApp({ prisma: t.db.prisma, logger: pino({ level: 'silent' }), rateLimit: { enabled: false }, events: bus });
    const a = await createTenant(t.db.prisma);
    const sub = await watch(own, ChangeEvents, {}, as(a));
    await bus.close();
    expect(await sub.next()).toBe('done');
  });

  test('nothing was logged as an error', async () => {
    expect(t.logs.filter((line) => Number(line.level) >= 50)).toEqual([]);
  });
});

// ---- What subscriptions cost, and how long they outlive their token --------------------------------

/** The `extensions.cost` of a subscription's frame. */
interface FrameCost {
  requested: number;
  actual: number;
  throttleStatus: { maximumAvailable: number; currentlyAvailable: number } | null;
}
const costOf = (frame: SseResult<unknown> | 'done') => (frame === 'done' ? undefined : (frame.extensions?.cost as FrameCost | undefined));

async function openGauge(metrics: Metrics): Promise<number> {
  const gauge = metrics.registry.getSingleMetric('gateway_subscriptions_open');
  return (await gauge!.get()).values[0]?.value ?? Number.NaN;
}

describe('subscriptions under the rate limit', () => {
  // A window of 1000 s or more: no bucket refills during a test.
  const limited = (points: number, metrics?: Metrics) =>
    createApp({ prisma: t.db.prisma, logger: pino({ level: 'silent' }), metrics, rateLimit: { enabled: true, points, restoreRate: points / 1000 } });

  test('each delivered event is charged what its selection read, and says so in its extensions.cost', async () => {
    const app = limited(1000);
    const a = await createTenant(t.db.prisma);
    // Changes are made by a colleague with a token of their own: only events touch the subscriber's bucket.
    const editor = await a.member();
    for (const name of ['One', 'Two', 'Three']) await a.expense({ name, dealId: a.deals.eur });
    const before = (await data(app, Budget, {}, as(a))).rateLimit.remaining!;
    const requested = requestedCost(schema, parse(print(DealChanged)), {}, undefined);
    // dealChanged 1 + event 1 + deal 1 + expenses 2 + 90 × 1.
    expect(requested).toBe(95);
    const sub = await watch(app, DealChanged, { filter: { dealIds: [gid('Deal', a.deals.eur)] } }, as(a));

    for (let i = 1; i <= 3; i++) {
      const renamed = await data(app, UpdateDeal, { input: { id: gid('Deal', a.deals.eur), name: `Renamed ${i}` } }, { token: editor.token });
      expect(renamed.updateDeal.userErrors).toEqual([]);
      const frame = await sub.next();
      expect(dataOf(frame).dealChanged.deal).toMatchObject({ name: `Renamed ${i}`, expenses: { totalCount: 3 } });
      // As run: dealChanged 1 + event 1 + deal 1 + expenses 2 + 3 expenses × 1 = 8; opening the stream cost 1.
      expect(costOf(frame)).toEqual({
        requested,
        actual: 8,
        throttleStatus: expect.objectContaining({ maximumAvailable: 1000, currentlyAvailable: before - 1 - 8 * i }),
      });
    }
    // The bucket moved by what the events read (and 1 for this query).
    expect((await data(app, Budget, {}, as(a))).rateLimit.remaining).toBe(before - 1 - 3 * 8 - 1);
  });

  test('an event the bucket cannot pay ends the subscription with THROTTLED, and frees its slot', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const points = 20;
    const app = limited(points, metrics);
    const a = await createTenant(t.db.prisma);
    const editor = await a.member();
    // The editor works through another instance (the same process bus): the subscriber's small bucket is theirs alone.
    const elsewhere = createApp({ prisma: t.db.prisma, logger: pino({ level: 'silent' }), rateLimit: { enabled: false } });
    const id = await a.expense({ name: 'Flip' });
    const requested = requestedCost(schema, parse(print(ExpenseChanged)), {}, undefined);
    expect(requested).toBeLessThan(points);
    const sub = await watch(app, ExpenseChanged, {}, as(a));
    expect(await openGauge(metrics)).toBe(1);

    // Every event reads all it asked for (actual = requested): after opening (1), the bucket pays
    // for floor(19 / requested) events, and the next one is refused before it runs.
    const paid = Math.floor((points - 1) / requested);
    expect(paid).toBeGreaterThanOrEqual(2);
    for (let i = 0; i <= paid; i++) {
      const input = { input: { id: gid('Expense', id) } };
      const changed =
        i % 2 === 0
          ? (await data(elsewhere, Approve, input, { token: editor.token })).approveExpense
          : (await data(elsewhere, Unapprove, input, { token: editor.token })).unapproveExpense;
      expect(changed.userErrors).toEqual([]);
      const frame = await sub.next();
      if (i < paid) {
        expect(dataOf(frame).expenseChanged.event.type).toBe(i % 2 === 0 ? 'EXPENSE_APPROVED' : 'EXPENSE_UNAPPROVED');
        expect(costOf(frame)).toMatchObject({ requested, actual: requested, throttleStatus: { currentlyAvailable: points - 1 - requested * (i + 1) } });
        continue;
      }
      const left = points - 1 - requested * paid;
      expect(frame).not.toBe('done');
      expect((frame as SseResult<unknown>).errors).toEqual([
        expect.objectContaining({
          message: expect.stringMatching(
            new RegExp(`^Throttled: each event of this subscription costs up to ${requested} points and ${left} of ${points} are left, so the subscription ended\\. .*subscribe again in \\d+ s\\.$`),
          ),
          extensions: expect.objectContaining({ code: 'THROTTLED' }),
        }),
      ]);
      expect(costOf(frame)).toMatchObject({ requested, actual: 0, throttleStatus: { currentlyAvailable: left } });
    }
    expect(await sub.next()).toBe('done');
    expect(await openGauge(metrics)).toBe(0);
    // Nothing more was taken: what was left is still there.
    expect((await data(app, Budget, {}, as(a))).rateLimit.remaining).toBe(points - 1 - requested * paid - 1);
  });

  test('many subscriptions of one token, events at once: every event is charged, on a bucket in Redis', async () => {
    const redis = new Redis(REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    await new Promise((resolve, reject) => redis.once('ready', resolve).once('error', reject));
    try {
      const app = createApp({
        prisma: t.db.prisma,
        logger: pino({ level: 'silent' }),
        rateLimit: { enabled: true, points: 1000, restoreRate: 1, redis, keyPrefix: `gateway-subs-test:${randomUUID()}` },
      });
      const a = await createTenant(t.db.prisma);
      const editor = await a.member();
      const ids = await Promise.all([1, 2, 3, 4].map((n) => a.expense({ name: `Parallel ${n}` })));
      const before = (await data(app, Budget, {}, as(a))).rateLimit.remaining!;
      const subs = await Promise.all([1, 2, 3, 4, 5].map(() => watch(app, ExpenseChanged, {}, as(a))));
      // Four approvals at once, each heard by five subscriptions: twenty events charged concurrently.
      await Promise.all(ids.map((id) => data(app, Approve, { input: { id: gid('Expense', id) } }, { token: editor.token })));
      let spent = 0;
      for (const sub of subs) {
        for (let i = 0; i < ids.length; i++) {
          const frame = await sub.next();
          expect(dataOf(frame).expenseChanged.event.type).toBe('EXPENSE_APPROVED');
          spent += costOf(frame)!.actual;
        }
      }
      expect(spent).toBe(20 * requestedCost(schema, parse(print(ExpenseChanged)), {}, undefined));
      expect((await data(app, Budget, {}, as(a))).rateLimit.remaining).toBe(before - 5 - spent - 1);
    } finally {
      redis.disconnect();
    }
  });
});

describe('a subscription outlives neither its token nor its membership', () => {
  const AUTH_CACHE_MS = 1000;
  // Time for a sweep's reads on a busy machine (the full suite runs files in parallel on 2 cores): what
  // matters is that the stream ends with no event at all, which the code before this issue never did.
  const SLACK_MS = 1500;

  test("a revoked token's idle subscription ends within AUTH_CACHE_MS; others' go on", async () => {
    const app = createApp({ prisma: t.db.prisma, logger: pino({ level: 'silent' }), rateLimit: { enabled: false }, authCacheMs: AUTH_CACHE_MS });
    const a = await createTenant(t.db.prisma);
    const id = await a.expense({ name: 'Still heard' });
    const { person, token } = await addPerson(t.db.prisma, [a.organizationId]);
    const doomed = await Promise.all([watch(app, ChangeEvents, {}, { token }), watch(app, ExpenseChanged, {}, { token })]);
    const other = await watch(app, ChangeEvents, {}, as(a));
    // A sweep or two pass; then a query caches the token again right before it is revoked: the
    // sweep must read it afresh, not wait for the cache to forget it.
    await new Promise((resolve) => setTimeout(resolve, AUTH_CACHE_MS * 1.5));
    await data(app, Budget, {}, { token });
    await t.db.prisma.apiToken.updateMany({ where: { personId: person.id }, data: { revokedAt: new Date() } });
    const revokedAt = Date.now();
    for (const sub of doomed) {
      const frame = await sub.next(AUTH_CACHE_MS + SLACK_MS + 1000);
      expect(frame).not.toBe('done');
      expect((frame as SseResult<unknown>).errors).toEqual([
        expect.objectContaining({ message: 'Invalid or revoked API token. The subscription ended.', extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) }),
      ]);
      expect(await sub.next()).toBe('done');
    }
    expect(Date.now() - revokedAt).toBeLessThan(AUTH_CACHE_MS + SLACK_MS);

    await approve(app, a, id);
    expect(dataOf(await other.next()).changeEvents.type).toBe('EXPENSE_APPROVED');
  });

  test("a person removed from the organization: their idle subscription ends with FORBIDDEN", async () => {
    const app = createApp({ prisma: t.db.prisma, logger: pino({ level: 'silent' }), rateLimit: { enabled: false }, authCacheMs: AUTH_CACHE_MS });
    const a = await createTenant(t.db.prisma);
    const b = await createTenant(t.db.prisma);
    // A person in both organizations, subscribed to a's: removing them from a ends it, b's goes on.
    const { person, token } = await addPerson(t.db.prisma, [a.organizationId, b.organizationId]);
    const inA = await watch(app, ChangeEvents, {}, { token, tenant: a.organizationId });
    const inB = await watch(app, ChangeEvents, {}, { token, tenant: b.organizationId });
    await t.db.prisma.membership.deleteMany({ where: { personId: person.id, organizationId: a.organizationId } });
    const removedAt = Date.now();
    const frame = await inA.next(AUTH_CACHE_MS + SLACK_MS + 1000);
    expect(frame).not.toBe('done');
    expect((frame as SseResult<unknown>).errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    expect(await inA.next()).toBe('done');
    expect(Date.now() - removedAt).toBeLessThan(AUTH_CACHE_MS + SLACK_MS);
    await inB.quiet(AUTH_CACHE_MS * 2);
  });
});

// ---- The bus itself ----------------------------------------------------------------------------

const sample = (organizationId: number, over: Partial<CommittedEvent> = {}): CommittedEvent => ({
  id: 9007199254740993n,
  organizationId,
  type: 'expense.approved',
  actorId: 7,
  subjectId: encodeGlobalID('Expense', 12),
  payload: { id: encodeGlobalID('Expense', 12), amount: { cents: 12n } },
  createdAt: new Date('2026-12-01T10:00:00.123Z'),
  webhookIds: [3],
  ...over,
});

describe('subscription slots', () => {
  test('count the open subscriptions of every person, and free them once each', () => {
    const slots = new SubscriptionSlots(2);
    const [a1, a2, b1] = [slots.take('1:1'), slots.take('1:1'), slots.take('1:2')];
    expect(slots.take('1:1')).toBeNull();
    expect(slots.open).toBe(3);
    a1!();
    b1!();
    expect(slots.open).toBe(1);
    expect(slots.take('1:1')).not.toBeNull();
    a2!();
    expect(slots.open).toBe(1);
  });

  test('one timer re-checks every watched subscription; those of one token share one read per sweep', async () => {
    const slots = new SubscriptionSlots(50, { recheckMs: 100 });
    let runs = 0;
    let reads = 0;
    const check = (token: string) => async (sweep: Sweep) => {
      runs++;
      await sweep.once(token, async () => {
        reads++;
        await new Promise((resolve) => setTimeout(resolve, 5));
      });
    };
    const unwatch = [check('a'), check('a'), check('a'), check('b')].map((c) => slots.watch(c));
    await expect.poll(() => runs, { timeout: 2000 }).toBeGreaterThanOrEqual(8);
    // Every sweep starts all four checks at once and reads each token once.
    expect(reads * 2).toBe(runs);
    for (const stop of unwatch) stop();
    const after = runs;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(runs, 'nothing is checked once unwatched: the timer stopped').toBe(after);
  });
});

describe('the bus', () => {
  test('events cross it as JSON: ids as strings, times as ISO, bigints anywhere as strings', () => {
    const wire = encodeEvent(sample(5));
    expect(JSON.parse(wire)).toEqual({
      v: 1,
      id: '9007199254740993',
      organizationId: 5,
      type: 'expense.approved',
      actorId: 7,
      subjectId: encodeGlobalID('Expense', 12),
      payload: { id: encodeGlobalID('Expense', 12), amount: { cents: '12' } },
      createdAt: '2026-12-01T10:00:00.123Z',
    });
    expect(decodeEvent(wire)).toEqual({ ...sample(5), payload: { id: encodeGlobalID('Expense', 12), amount: { cents: '12' } }, webhookIds: [] });
    for (const bad of ['', 'null', '{"v":2}', wire.replace('expense.approved', 'expense.exploded'), wire.replace('"id":"9007199254740993"', '"id":"1; drop"')]) {
      expect(decodeEvent(bad)).toBeNull();
    }
  });

  test('in process: only the listening organization hears its events', async () => {
    const bus = createEventBus({ feed: false });
    const heard: LiveEvent[] = [];
    const { ready, stop } = bus.listen(1, (event) => heard.push(event));
    await ready;
    bus.publish([sample(2), sample(1, { id: 1n })]);
    expect(heard.map((e) => [e.organizationId, e.id])).toEqual([[1, 1n]]);
    stop();
    bus.publish([sample(1)]);
    expect(heard).toHaveLength(1);
    await bus.close();
  });

  test('a slow subscriber is ended, with an error, rather than queueing without bound', async () => {
    const bus = createEventBus({ feed: false });
    const stream = await openEventStream(bus, 1, { maxQueue: 2 });
    bus.publish([sample(1, { id: 1n }), sample(1, { id: 2n }), sample(1, { id: 3n })]);
    const first = await stream.next();
    expect(first.value).toBeInstanceOf(StreamEnd);
    expect((first.value as StreamEnd).code).toBe('SUBSCRIPTION_OVERFLOW');
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    await bus.close();
  });

  test('a stream stops listening when its client goes away, also while it waits', async () => {
    const bus = createEventBus({ feed: false });
    const stream = await openEventStream(bus, 1);
    const waiting = stream.next();
    await stream.return!();
    expect(await waiting).toEqual({ value: undefined, done: true });
    const heard: LiveEvent[] = [];
    bus.listen(1, (event) => heard.push(event));
    bus.publish([sample(1)]);
    expect(heard).toHaveLength(1);
    await bus.close();
  });
});

// ---- Two instances sharing Redis -------------------------------------------------------------

describe('two instances sharing Redis', () => {
  const prefix = `gateway-subs-test:${randomUUID()}`;
  let redis: Redis;
  let busA: EventBus;
  let busB: EventBus;
  let appB: App;

  beforeAll(async () => {
    redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    redis.on('error', () => undefined);
    await redis.connect().catch((error: Error) => {
      throw new Error(`Redis does not answer at ${REDIS_URL} (REDIS_URL): ${error.message}`);
    });
    const logger = pino({ level: 'silent' });
    // A commits and publishes; B only listens, as another process would: what B hears came through Redis.
    busA = createEventBus({ redisUrl: REDIS_URL, channelPrefix: prefix, logger });
    busB = createEventBus({ redisUrl: REDIS_URL, channelPrefix: prefix, logger, feed: false });
    appB = createApp({ prisma: t.db.prisma, logger, rateLimit: { enabled: false }, events: busB });
  });

  afterAll(async () => {
    await busA?.close();
    await busB?.close();
    redis?.disconnect();
  });

  test('an approval made through instance A reaches a subscriber of instance B', async () => {
    const appA = createApp({ prisma: t.db.prisma, logger: pino({ level: 'silent' }), rateLimit: { enabled: false }, events: busA });
    const a = await createTenant(t.db.prisma);
    const b = await createTenant(t.db.prisma);
    const id = await a.expense({ name: 'Across' });
    const theirs = await b.expense({ name: 'Theirs' });
    // Approvals only: the fixtures' own events (expense created) may still be on their way through Redis.
    const onB = await watch(appB, ExpenseChanged, { filter: { types: ['EXPENSE_APPROVED'] } }, as(a));
    const otherOnB = await watch(appB, ChangeEvents, { types: ['EXPENSE_APPROVED'] }, as(b));
    // The subscription holds its channel in Redis once it has started.
    expect(await redis.call('PUBSUB', 'NUMSUB', `${prefix}:${a.organizationId}`)).toEqual([`${prefix}:${a.organizationId}`, 1]);

    await approve(appA, a, id);
    const { expenseChanged } = dataOf(await onB.next());
    expect(expenseChanged.event).toMatchObject({ type: 'EXPENSE_APPROVED', subjectId: gid('Expense', id), actor: { databaseId: a.personId } });
    expect(expenseChanged.event.payload).toMatchObject({ approved: true });
    expect(expenseChanged.expense).toMatchObject({ id: gid('Expense', id), approved: true });

    // The other organization's subscriber on B: nothing of a's, then its own event.
    await approve(appA, b, theirs);
    expect(dataOf(await otherOnB.next()).changeEvents).toMatchObject({ subjectId: gid('Expense', theirs) });
    await onB.quiet(200);

    // Closed subscriptions give their channel back.
    await onB.close();
    await otherOnB.close();
    await expect.poll(() => redis.call('PUBSUB', 'NUMSUB', `${prefix}:${a.organizationId}`), { timeout: 2000 }).toEqual([`${prefix}:${a.organizationId}`, 0]);
  });

  test("a message on an organization's channel that is not that organization's event is dropped", async () => {
    const a = await createTenant(t.db.prisma);
    const onB = await watch(appB, ChangeEvents, {}, as(a));
    // Someone with access to Redis publishes another organization's event, and noise, on a's channel.
    await redis.publish(`${prefix}:${a.organizationId}`, encodeEvent(sample(a.organizationId + 1)));
    await redis.publish(`${prefix}:${a.organizationId}`, 'not json');
    await redis.publish(`${prefix}:${a.organizationId}`, encodeEvent(sample(a.organizationId, { subjectId: gid('Expense', 1), id: 42n })));
    expect(dataOf(await onB.next()).changeEvents).toMatchObject({ id: encodeGlobalID('ChangeEvent', 42n), subjectId: gid('Expense', 1) });
    await onB.close();
  });

  test("an operator's bin purge (the CLI, another process) reaches subscribers through Redis", async () => {
    // The CLI's own prefix: busA, fed in this process too, would publish the purge a second time on `prefix`.
    const cliPrefix = `gateway-subs-cli:${randomUUID()}`;
    const listener = createEventBus({ redisUrl: REDIS_URL, channelPrefix: cliPrefix, logger: pino({ level: 'silent' }), feed: false });
    try {
      const a = await createTenant(t.db.prisma);
      const id = await a.expense({ name: 'Old' });
      expect((await data(t.app, DeleteExpense, { input: { id: gid('Expense', id) } }, as(a))).deleteExpense.userErrors).toEqual([]);
      await t.db.prisma.deletedItem.updateMany({ where: { organizationId: a.organizationId, itemId: id }, data: { createdAt: new Date(Date.now() - 40 * 86_400_000) } });
      const heard: LiveEvent[] = [];
      const { ready, stop } = listener.listen(a.organizationId, (event) => heard.push(event));
      await ready;

      const out: string[] = [];
      const env = { REDIS_URL, EVENTS_CHANNEL_PREFIX: cliPrefix };
      const code = await runCli(['bin', 'purge', '--older-than', '30', '--organization', String(a.organizationId)], {
        database: t.db, env, stdout: (s) => out.push(s), stderr: (s) => out.push(s),
      });
      expect(code, out.join('')).toBe(0);
      await expect.poll(() => heard.map((e) => e.type), { timeout: 2000 }).toEqual(['expense.purged']);
      // The operator is nobody's person: no actor.
      expect(heard[0]).toMatchObject({ organizationId: a.organizationId, actorId: null });
      stop();
    } finally {
      await listener.close();
    }
  });

  test('execute still answers queries next to live subscriptions', async () => {
    const a = await createTenant(t.db.prisma);
    const answer = await execute(appB, Bin, {}, as(a));
    expect(answer.body.errors).toBeUndefined();
  });
});
