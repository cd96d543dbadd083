// Writing expenses through GraphQL: create (money derivation as in the reference examples),
// validation (every message, nothing written), update, soft delete, approval, rejection,
// concurrency of the guarded transitions, tenant isolation of every write, and error masking.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';
import { graphql } from './generated/index.js';
import type { CreateExpenseInput, UpdateExpenseInput } from './generated/graphql.js';
import { startApp, execute, data, type TestApp, type Response as HttpResult } from './helpers/app.js';
import { createTenant, day, gid, type Tenant } from './helpers/fixtures.js';

graphql(`
  fragment WriteMoneySet on MoneySet {
    original { cents currency }
    default { cents currency }
    normalized { cents currency }
  }
`);

graphql(`
  fragment WriteMoneyTotal on MoneyTotal {
    original { cents currency }
    default { cents currency }
    normalized { cents currency }
  }
`);

graphql(`
  fragment WriteExpenseFields on Expense {
    id
    databaseId
    name
    date
    payOn
    paidOn
    paymentStatus
    position
    invoiced
    approved
    approvedAt
    rejected
    rejectedReason
    rejectedAt
    approvalStatus
    reimbursable
    reimbursedOn
    currency
    exchangeRate
    exchangeDate
    amount { ...WriteMoneySet }
    billableAmount { ...WriteMoneySet }
    profit { ...WriteMoneySet }
    deal { id databaseId }
    serviceType { id databaseId }
    organization { databaseId }
    creator { id databaseId }
    person { id databaseId }
    approver { databaseId }
    rejecter { databaseId }
  }
`);

const Create = graphql(`
  mutation WriteCreateExpense($input: CreateExpenseInput!) {
    createExpense(input: $input) {
      expense { ...WriteExpenseFields }
      userErrors { field message code }
    }
  }
`);

const Update = graphql(`
  mutation WriteUpdateExpense($input: UpdateExpenseInput!) {
    updateExpense(input: $input) {
      expense { ...WriteExpenseFields }
      userErrors { field message code }
    }
  }
`);

const Delete = graphql(`
  mutation WriteDeleteExpense($input: DeleteExpenseInput!) {
    deleteExpense(input: $input) {
      deletedExpenseId
      userErrors { field message code }
    }
  }
`);

const Approve = graphql(`
  mutation WriteApproveExpense($input: ApproveExpenseInput!) {
    approveExpense(input: $input) {
      expense { id approved approvedAt approvalStatus approver { databaseId } rejected rejectedAt rejectedReason rejecter { databaseId } }
      userErrors { field message code }
    }
  }
`);

const Unapprove = graphql(`
  mutation WriteUnapproveExpense($input: UnapproveExpenseInput!) {
    unapproveExpense(input: $input) {
      expense { id approved approvedAt approvalStatus approver { databaseId } }
      userErrors { field message code }
    }
  }
`);

const Reject = graphql(`
  mutation WriteRejectExpense($input: RejectExpenseInput!) {
    rejectExpense(input: $input) {
      expense { id approved approvedAt approver { databaseId } approvalStatus rejected rejectedAt rejectedReason rejecter { databaseId } }
      userErrors { field message code }
    }
  }
`);

const One = graphql(`
  query WriteExpense($id: ID!) {
    expense(id: $id) { id name }
  }
`);

const List = graphql(`
  query WriteExpenses($filter: ExpenseFilter) {
    expenses(filter: $filter) {
      totalCount
      nodes { id }
      aggregates {
        totalAmount { ...WriteMoneyTotal }
        totalBillableAmount { ...WriteMoneyTotal }
        totalProfit { ...WriteMoneyTotal }
      }
    }
  }
`);

const Node = graphql(`
  query WriteNode($id: ID!) {
    node(id: $id) { __typename id }
  }
`);

const Nodes = graphql(`
  query WriteNodes($ids: [ID!]!) {
    nodes(ids: $ids) { __typename id }
  }
`);

const ListIds = graphql(`
  query WriteExpenseIds {
    expenses { nodes { id } }
  }
`);

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

// A mutation answers with its payload only: user errors are data, and a payload with user errors
// has `expense: null` -- never a GraphQL error beside it. Mutations go through `mutate`, which
// collects any such error; every test then ends by checking there was none, after all its other
// assertions have run.
let stray = new Set<string>();
beforeEach(() => {
  stray = new Set();
});
afterEach(() => {
  expect([...stray], 'GraphQL errors beside mutation payloads').toEqual([]);
});

async function mutate<T, V>(document: TypedDocumentNode<T, V>, variables: V, token: string): Promise<T> {
  const { status, body } = await execute(t.app, document, variables, { token });
  expect(status).toBe(200);
  if (!body.data) throw new Error(`Expected data, got ${status}: ${JSON.stringify(body.errors)}`);
  for (const error of body.errors ?? []) stray.add(`${error.path?.join('.')}: ${error.message}`);
  return body.data;
}

// ---- helpers ---------------------------------------------------------------------------------

const money = (cents: number, currency: string) => ({ cents, currency });
const set = (original: [number, string], dflt: [number, string], normalized: [number, string]) => ({
  original: money(...original),
  default: money(...dflt),
  normalized: money(...normalized),
});

/** Every expense row of the organization, soft-deleted ones included (the unscoped client). */
const rowCount = (tenant: Tenant) => t.db.prisma.expense.count({ where: { organizationId: tenant.organizationId } });
const row = (id: number) => t.db.prisma.expense.findUniqueOrThrow({ where: { id } });

/** A complete, valid create input on the tenant's EUR deal. */
const validInput = (tenant: Tenant, extra: Partial<CreateExpenseInput> = {}): CreateExpenseInput => ({
  name: 'test name',
  dealId: gid('Deal', tenant.deals.eur),
  serviceTypeId: gid('ServiceType', tenant.serviceTypes.travel),
  amount: 10000,
  currency: 'EUR',
  date: '2021-04-15',
  ...extra,
});

const create = (tenant: Tenant, input: CreateExpenseInput, token = tenant.token) =>
  mutate(Create, { input }, token).then((r) => r.createExpense);

const update = (tenant: Tenant, input: UpdateExpenseInput, token = tenant.token) =>
  mutate(Update, { input }, token).then((r) => r.updateExpense);

/** Creates through GraphQL and fails on user errors. */
async function created(tenant: Tenant, extra: Partial<CreateExpenseInput> = {}) {
  const payload = await create(tenant, validInput(tenant, extra));
  expect(payload.userErrors).toEqual([]);
  expect(payload.expense).not.toBeNull();
  return payload.expense!;
}

/** Runs a create that must fail with exactly `errors` and must not write anything. */
async function rejectsCreate(tenant: Tenant, input: CreateExpenseInput, errors: unknown[]) {
  const before = await rowCount(tenant);
  const payload = await create(tenant, input);
  expect(payload.expense).toBeNull();
  expect(payload.userErrors).toEqual(errors);
  expect(await rowCount(tenant)).toBe(before);
  expect(await tenant.db.expense.count()).toBe(before);
}

const blank = (field: string) => ({ field: ['input', field], message: "can't be blank", code: 'BLANK' });
const notFound = (field: string, what: string) => ({ field: ['input', field], message: `${what} not found`, code: 'NOT_FOUND' });
const invalidCurrency = { field: ['input', 'currency'], message: 'is not a valid currency', code: 'INVALID_CURRENCY' };
const badRate = { field: ['input', 'exchangeRate'], message: 'must be a positive decimal number such as 1.25, with at most 10 digits before and 10 after the point', code: 'INVALID' };
const outOfRange = (field: string) => ({ field: ['input', field], message: 'must be between 0 and 1000000000000000', code: 'INVALID' });

// ---- createExpense ---------------------------------------------------------------------------

describe('createExpense', () => {
  test('a full EUR expense on the EUR deal: every attribute, money as in the reference (rate 1.25, billable 0)', async () => {
    const tenant = await createTenant(t.db.prisma);
    const member = await tenant.member();
    const startedAt = Date.now();
    const payload = await create(
      tenant,
      validInput(tenant, {
        personId: gid('Person', member.personId),
        payOn: '2021-05-01',
        paidOn: '2021-05-02',
        reimbursable: true,
        reimbursedOn: '2021-05-03',
      }),
    );
    expect(payload.userErrors).toEqual([]);
    const e = payload.expense!;
    expect(e).toEqual({
      id: gid('Expense', e.databaseId),
      databaseId: e.databaseId,
      name: 'test name',
      date: '2021-04-15',
      payOn: '2021-05-01',
      paidOn: '2021-05-02',
      paymentStatus: 'PAID',
      position: 1,
      invoiced: false,
      approved: false,
      approvedAt: null,
      rejected: false,
      rejectedReason: null,
      rejectedAt: null,
      approvalStatus: 'NOT_APPROVED',
      reimbursable: true,
      reimbursedOn: '2021-05-03',
      currency: 'EUR',
      exchangeRate: '1.25',
      exchangeDate: '2021-04-15',
      amount: set([10000, 'EUR'], [12500, 'USD'], [10000, 'EUR']),
      billableAmount: set([0, 'EUR'], [0, 'USD'], [0, 'EUR']),
      profit: set([-10000, 'EUR'], [-12500, 'USD'], [-10000, 'EUR']),
      deal: { id: gid('Deal', tenant.deals.eur), databaseId: tenant.deals.eur },
      serviceType: { id: gid('ServiceType', tenant.serviceTypes.travel), databaseId: tenant.serviceTypes.travel },
      organization: { databaseId: tenant.organizationId },
      creator: { id: gid('Person', tenant.personId), databaseId: tenant.personId },
      person: { id: gid('Person', member.personId), databaseId: member.personId },
      approver: null,
      rejecter: null,
    });

    // And the row as stored.
    const stored = await row(e.databaseId);
    expect(stored).toMatchObject({
      organizationId: tenant.organizationId,
      dealId: tenant.deals.eur,
      serviceTypeId: tenant.serviceTypes.travel,
      creatorId: tenant.personId,
      personId: member.personId,
      name: 'test name',
      date: day('2021-04-15'),
      exchangeDate: day('2021-04-15'),
      currency: 'EUR',
      amount: 10000n,
      amountDefault: 12500n,
      amountNormalized: 10000n,
      billableAmount: 0n,
      billableAmountDefault: 0n,
      normalizedCurrency: 'EUR',
      profitNormalized: -10000n,
      profitDefault: -12500n,
      deletedAt: null,
      deleterId: null,
    });
    expect(stored.exchangeRate.toString()).toBe('1.25');
    expect(stored.createdAt.getTime()).toBeGreaterThanOrEqual(startedAt - 1000);
  });

  test('the second reference example: 10000 USD (rate 1.0) billing 10000 on the EUR deal', async () => {
    const tenant = await createTenant(t.db.prisma);
    const e = await created(tenant, {
      currency: 'USD',
      billableAmount: 10000,
      position: 1,
      personId: gid('Person', tenant.personId),
    });
    expect(e).toMatchObject({
      name: 'test name',
      date: '2021-04-15',
      payOn: null,
      paidOn: null,
      paymentStatus: 'UNPAID',
      position: 1,
      reimbursable: null,
      reimbursedOn: null,
      currency: 'USD',
      exchangeRate: '1.0',
      exchangeDate: '2021-04-15',
      amount: set([10000, 'USD'], [10000, 'USD'], [8000, 'EUR']),
      billableAmount: set([10000, 'EUR'], [12500, 'USD'], [10000, 'EUR']),
      profit: set([2000, 'EUR'], [2500, 'USD'], [2000, 'EUR']),
      creator: { databaseId: tenant.personId },
      person: { databaseId: tenant.personId },
      approvalStatus: 'NOT_APPROVED',
    });
  });

  test('the name is trimmed; no person means null', async () => {
    const tenant = await createTenant(t.db.prisma);
    const e = await created(tenant, { name: '  Flight to Berlin  ' });
    expect(e.name).toBe('Flight to Berlin');
    expect(e.person).toBeNull();
  });

  test('positions default to 1, 2, 3 on one deal, and start again at 1 on another; a given one is kept', async () => {
    const tenant = await createTenant(t.db.prisma);
    const positions = [];
    for (let i = 0; i < 3; i++) positions.push((await created(tenant)).position);
    expect(positions).toEqual([1, 2, 3]);
    const usd = await created(tenant, { dealId: gid('Deal', tenant.deals.usd), currency: 'USD' });
    expect(usd.position).toBe(1);
    expect((await created(tenant, { position: 7 })).position).toBe(7);
    expect((await created(tenant)).position).toBe(8);
  });

  test('a given position inserts there: the expenses at and after it move down, in order, as the reference creates one at position 1', async () => {
    const tenant = await createTenant(t.db.prisma);
    const order = async () =>
      (await t.db.prisma.expense.findMany({ where: { dealId: tenant.deals.eur, deletedAt: null }, orderBy: { position: 'asc' }, select: { name: true, position: true } }))
        .map((e) => `${e.position}:${e.name}`);
    for (const name of ['a', 'b', 'c']) await created(tenant, { name });
    const first = await created(tenant, { name: 'first', position: 1 });
    expect(first.position).toBe(1);
    expect(await order()).toEqual(['1:first', '2:a', '3:b', '4:c']);
    // A gap stays a gap: a position past the end is taken as it is, nothing moves.
    await created(tenant, { name: 'far', position: 9 });
    await created(tenant, { name: 'mid', position: 3 });
    expect(await order()).toEqual(['1:first', '2:a', '3:mid', '4:b', '5:c', '10:far']);
    // A reposition up or down moves the holder and those after it; the last position follows.
    expect((await update(tenant, { id: first.id, position: 4 })).userErrors).toEqual([]);
    expect(await order()).toEqual(['2:a', '3:mid', '4:first', '5:b', '6:c', '11:far']);
    const c = await t.db.prisma.expense.findFirstOrThrow({ where: { dealId: tenant.deals.eur, name: 'c' } });
    expect((await update(tenant, { id: gid('Expense', c.id), position: 2 })).userErrors).toEqual([]);
    expect(await order()).toEqual(['2:c', '3:a', '4:mid', '5:first', '6:b', '12:far']);
    expect((await t.db.prisma.deal.findUniqueOrThrow({ where: { id: tenant.deals.eur } })).lastExpensePosition).toBe(12);
    expect((await created(tenant, { name: 'next' })).position).toBe(13);
  });

  test('the default position follows the last live expense through deletes, repositions, moves and restores', async () => {
    // The database keeps each deal's last position (migration 20261206200000); a create reads it with
    // the deal's lock. After every kind of change it must equal max(position) of the live expenses.
    const tenant = await createTenant(t.db.prisma);
    const { eur, usd } = tenant.deals;
    const kept = async (dealId: number) =>
      (await t.db.prisma.deal.findUniqueOrThrow({ where: { id: dealId }, select: { lastExpensePosition: true } })).lastExpensePosition;
    const max = async (dealId: number) =>
      (await t.db.prisma.expense.aggregate({ where: { dealId, deletedAt: null }, _max: { position: true } }))._max.position ?? 0;
    const agree = async (expected: { eur: number; usd: number }) => {
      expect({ eur: await kept(eur), usd: await kept(usd) }).toEqual(expected);
      expect({ eur: await max(eur), usd: await max(usd) }).toEqual(expected);
    };
    const made = [];
    for (let i = 0; i < 4; i++) made.push(await created(tenant));
    await agree({ eur: 4, usd: 0 });
    // The last one deleted: the next create takes its place again.
    expect((await mutate(Delete, { input: { id: made[3]!.id } }, tenant.token)).deleteExpense.userErrors).toEqual([]);
    await agree({ eur: 3, usd: 0 });
    expect((await created(tenant)).position).toBe(4);
    // A reposition beyond the end, then back below it.
    expect((await update(tenant, { id: made[1]!.id, position: 9 })).userErrors).toEqual([]);
    await agree({ eur: 9, usd: 0 });
    expect((await update(tenant, { id: made[1]!.id, position: 7 })).userErrors).toEqual([]);
    await agree({ eur: 7, usd: 0 });
    // A move to the other deal takes the position after its last one there.
    const moved = await update(tenant, { id: made[1]!.id, dealId: gid('Deal', usd), currency: 'USD' });
    expect(moved.userErrors).toEqual([]);
    expect(moved.expense!.position).toBe(1);
    await agree({ eur: 4, usd: 1 });
    // Soft delete and restore written by anyone (here: directly) keep it too.
    await t.db.prisma.expense.update({ where: { id: made[2]!.databaseId }, data: { position: 12 } });
    await agree({ eur: 12, usd: 1 });
    await t.db.prisma.expense.update({ where: { id: made[2]!.databaseId }, data: { deletedAt: new Date() } });
    await agree({ eur: 4, usd: 1 });
    await t.db.prisma.expense.update({ where: { id: made[2]!.databaseId }, data: { deletedAt: null } });
    await agree({ eur: 12, usd: 1 });
    expect((await created(tenant)).position).toBe(13);
    // None left: the next one is 1 again.
    await t.db.prisma.expense.updateMany({ where: { dealId: eur }, data: { deletedAt: new Date() } });
    await agree({ eur: 0, usd: 1 });
    expect((await created(tenant)).position).toBe(1);
  });

  test("a currency that is neither the organization's nor the deal's needs an exchange rate", async () => {
    const tenant = await createTenant(t.db.prisma);
    await rejectsCreate(tenant, validInput(tenant, { currency: 'GBP' }), [
      {
        field: ['input', 'exchangeRate'],
        message: "can't be blank when the currency is neither the organization's (USD) nor the deal's (EUR)",
        code: 'BLANK',
      },
    ]);
  });

  test('with an explicit rate 1.1 it works: default = round(amount × 1.1), normalized = round(amount × 1.1 / 1.25)', async () => {
    const tenant = await createTenant(t.db.prisma);
    const e = await created(tenant, { currency: 'GBP', exchangeRate: '1.1', amount: 12345, billableAmount: 100 });
    expect(e.currency).toBe('GBP');
    expect(e.exchangeRate).toBe('1.1');
    // 12345 × 1.1 = 13579.5 → 13580 (half away from zero); 12345 × 1.1 / 1.25 = 10863.6 → 10864.
    expect(e.amount).toEqual(set([12345, 'GBP'], [13580, 'USD'], [10864, 'EUR']));
    expect(e.billableAmount).toEqual(set([100, 'EUR'], [125, 'USD'], [100, 'EUR']));
    expect(e.profit).toEqual(set([100 - 10864, 'EUR'], [125 - 13580, 'USD'], [100 - 10864, 'EUR']));
  });

  test('the largest allowed amount, 10^15, is exact (a string beyond 2^53 in the default form)', async () => {
    const tenant = await createTenant(t.db.prisma);
    const e = await created(tenant, { amount: '1000000000000000', currency: 'GBP', exchangeRate: '9.5' });
    expect(e.amount.original).toEqual({ cents: 1000000000000000, currency: 'GBP' });
    // 9.5 × 10^15 is above 2^53: serialized as a decimal string, exactly.
    expect(e.amount.default).toEqual({ cents: '9500000000000000', currency: 'USD' });
    expect(e.amount.normalized).toEqual({ cents: 7600000000000000, currency: 'EUR' });
  });
});

// ---- payload shape ---------------------------------------------------------------------------

describe('payloads with user errors', () => {
  test('have expense null and userErrors, and no GraphQL error beside them', async () => {
    const tenant = await createTenant(t.db.prisma);
    const e = await created(tenant);
    const call = <T, V>(document: TypedDocumentNode<T, V>, variables: V) =>
      execute(t.app, document, variables, { token: tenant.token });

    expect((await call(Create, { input: { name: 'x', amount: -1 } })).body).toEqual({
      data: {
        createExpense: {
          expense: null,
          userErrors: [blank('dealId'), blank('serviceTypeId'), outOfRange('amount'), blank('currency'), blank('date')],
        },
      },
    });
    expect((await call(Update, { input: { id: e.id, name: '' } })).body).toEqual({
      data: { updateExpense: { expense: null, userErrors: [blank('name')] } },
    });
    expect((await call(Unapprove, { input: { id: e.id } })).body).toEqual({
      data: {
        unapproveExpense: {
          expense: null,
          userErrors: [{ field: ['input', 'id'], message: 'is not approved', code: 'NOT_APPROVED' }],
        },
      },
    });
    expect((await call(Reject, { input: { id: e.id, reason: ' ' } })).body).toEqual({
      data: {
        rejectExpense: { expense: null, userErrors: [{ field: ['input', 'reason'], message: "can't be blank", code: 'BLANK' }] },
      },
    });
  });
});

// ---- validation ------------------------------------------------------------------------------

describe('createExpense validation: every problem is reported and nothing is written', () => {
  test('an empty input gives one error per required field, in the reference\'s order', async () => {
    const tenant = await createTenant(t.db.prisma);
    await rejectsCreate(tenant, { name: '' }, [
      blank('name'),
      blank('dealId'),
      blank('serviceTypeId'),
      blank('amount'),
      blank('currency'),
      blank('date'),
    ]);
  });

  test('whitespace-only name and currency count as blank', async () => {
    const tenant = await createTenant(t.db.prisma);
    await rejectsCreate(tenant, validInput(tenant, { name: '   ', currency: '  ' }), [
      blank('name'),
      blank('currency'),
    ]);
  });

  test.each([['XYZ'], ['eur'], ['EURO'], ['E1R']])('currency %s is not a valid currency', async (currency) => {
    const tenant = await createTenant(t.db.prisma);
    await rejectsCreate(tenant, validInput(tenant, { currency }), [invalidCurrency]);
  });

  test('a name of 256 characters is too long; 255 is fine', async () => {
    const tenant = await createTenant(t.db.prisma);
    await rejectsCreate(tenant, validInput(tenant, { name: 'x'.repeat(256) }), [
      { field: ['input', 'name'], message: 'is too long (maximum is 255 characters)', code: 'TOO_LONG' },
    ]);
    expect((await created(tenant, { name: 'y'.repeat(255) })).name).toBe('y'.repeat(255));
  });

  test('amounts must lie between 0 and 10^15', async () => {
    const tenant = await createTenant(t.db.prisma);
    await rejectsCreate(tenant, validInput(tenant, { amount: -1 }), [outOfRange('amount')]);
    await rejectsCreate(tenant, validInput(tenant, { amount: '1000000000000001' }), [outOfRange('amount')]);
    await rejectsCreate(tenant, validInput(tenant, { billableAmount: -5 }), [outOfRange('billableAmount')]);
    await rejectsCreate(tenant, validInput(tenant, { billableAmount: '1000000000000001' }), [outOfRange('billableAmount')]);
    await rejectsCreate(tenant, validInput(tenant, { amount: -1, billableAmount: -1 }), [
      outOfRange('amount'),
      outOfRange('billableAmount'),
    ]);
    expect((await created(tenant, { amount: 0 })).amount.original).toEqual({ cents: 0, currency: 'EUR' });
  });

  test.each([['abc'], ['0'], ['0.0'], ['-1.25'], ['1,25'], ['']])('exchange rate "%s" is refused', async (exchangeRate) => {
    const tenant = await createTenant(t.db.prisma);
    await rejectsCreate(tenant, validInput(tenant, { exchangeRate }), [badRate]);
  });

  test('a position below 1 is refused', async () => {
    const tenant = await createTenant(t.db.prisma);
    await rejectsCreate(tenant, validInput(tenant, { position: 0 }), [
      { field: ['input', 'position'], message: 'must be between 1 and 1000000', code: 'INVALID' },
    ]);
  });

  test('a deleted service type or deal is NOT_FOUND, and the deal is not left locked or changed', async () => {
    // The deal's lock checks the service type in its own WHERE (src/domain/expenses.ts, lockForCreate):
    // a deleted one must not match there either.
    const tenant = await createTenant(t.db.prisma);
    const before = await t.db.prisma.deal.findUniqueOrThrow({ where: { id: tenant.deals.eur } });
    await t.db.prisma.serviceType.update({ where: { id: tenant.serviceTypes.travel }, data: { deletedAt: new Date() } });
    await rejectsCreate(tenant, validInput(tenant), [notFound('serviceTypeId', 'Service type')]);
    expect(await t.db.prisma.deal.findUniqueOrThrow({ where: { id: tenant.deals.eur } })).toEqual(before);
    await t.db.prisma.serviceType.update({ where: { id: tenant.serviceTypes.travel }, data: { deletedAt: null } });
    await t.db.prisma.deal.update({ where: { id: tenant.deals.eur }, data: { deletedAt: new Date() } });
    await rejectsCreate(tenant, validInput(tenant), [notFound('dealId', 'Deal')]);
  });

  test('ids of nothing, malformed ids and ids of another type are NOT_FOUND on their field', async () => {
    const tenant = await createTenant(t.db.prisma);
    for (const bad of [gid('Deal', 999999999), 'nonsense', gid('Company', tenant.companies.acme), Buffer.from('Deal:abc').toString('base64')]) {
      await rejectsCreate(tenant, validInput(tenant, { dealId: bad }), [notFound('dealId', 'Deal')]);
    }
    for (const bad of [gid('ServiceType', 999999999), 'nonsense', gid('Deal', tenant.deals.eur)]) {
      await rejectsCreate(tenant, validInput(tenant, { serviceTypeId: bad }), [notFound('serviceTypeId', 'Service type')]);
    }
    for (const bad of [gid('Person', 999999999), 'nonsense', gid('ServiceType', tenant.serviceTypes.travel)]) {
      await rejectsCreate(tenant, validInput(tenant, { personId: bad }), [notFound('personId', 'Person')]);
    }
    await rejectsCreate(
      tenant,
      validInput(tenant, { dealId: 'a', serviceTypeId: 'b', personId: 'c' }),
      [notFound('dealId', 'Deal'), notFound('serviceTypeId', 'Service type'), notFound('personId', 'Person')],
    );
  });

  test('a person who exists but is not a member of the organization is NOT_FOUND', async () => {
    const tenant = await createTenant(t.db.prisma);
    const outsider = await t.db.prisma.person.create({
      data: { firstName: 'Out', lastName: 'Sider', email: `outsider-${tenant.organizationId}@test.example` },
    });
    await rejectsCreate(tenant, validInput(tenant, { personId: gid('Person', outsider.id) }), [notFound('personId', 'Person')]);
  });

  test('problems of every kind together are all reported at once', async () => {
    const tenant = await createTenant(t.db.prisma);
    await rejectsCreate(
      tenant,
      {
        name: 'x'.repeat(300),
        dealId: gid('Deal', 999999999),
        serviceTypeId: gid('ServiceType', 999999999),
        amount: -1,
        currency: 'eur',
        exchangeRate: 'abc',
        date: '2021-04-15',
      },
      [
        { field: ['input', 'name'], message: 'is too long (maximum is 255 characters)', code: 'TOO_LONG' },
        outOfRange('amount'),
        invalidCurrency,
        badRate,
        notFound('dealId', 'Deal'),
        notFound('serviceTypeId', 'Service type'),
      ],
    );
  });
});

// ---- updateExpense ---------------------------------------------------------------------------

describe('updateExpense', () => {
  test('renames and leaves every other field as it was', async () => {
    const tenant = await createTenant(t.db.prisma);
    const e = await created(tenant, { payOn: '2021-05-01', billableAmount: 300, personId: gid('Person', tenant.personId) });
    const before = await row(e.databaseId);
    const payload = await update(tenant, { id: e.id, name: '  Renamed  ' });
    expect(payload.userErrors).toEqual([]);
    expect(payload.expense).toEqual({ ...e, name: 'Renamed' });
    const after = await row(e.databaseId);
    expect({ ...after, updatedAt: null }).toEqual({ ...before, name: 'Renamed', updatedAt: null });
  });

  test('an update with only the id changes nothing', async () => {
    const tenant = await createTenant(t.db.prisma);
    const e = await created(tenant, { currency: 'GBP', exchangeRate: '1.1', date: '2021-03-01' });
    const before = await row(e.databaseId);
    const payload = await update(tenant, { id: e.id });
    expect(payload.userErrors).toEqual([]);
    expect(payload.expense).toEqual(e);
    expect({ ...(await row(e.databaseId)), updatedAt: null }).toEqual({ ...before, updatedAt: null });
  });

  test('a blank name is refused and the stored name is unchanged', async () => {
    const tenant = await createTenant(t.db.prisma);
    const e = await created(tenant, { name: 'Original' });
    const before = await row(e.databaseId);
    for (const name of ['', '   ', null]) {
      const payload = await update(tenant, { id: e.id, name });
      expect(payload.expense).toBeNull();
      expect(payload.userErrors).toEqual([blank('name')]);
    }
    expect(await row(e.databaseId)).toEqual(before);
  });

  test('required fields cannot be cleared, and invalid values are refused without writing', async () => {
    const tenant = await createTenant(t.db.prisma);
    const e = await created(tenant);
    const before = await row(e.databaseId);
    const payload = await update(tenant, {
      id: e.id,
      dealId: null,
      serviceTypeId: null,
      amount: null,
      currency: null,
      date: null,
      billableAmount: -1,
      exchangeRate: '0',
      // a valid change among invalid ones must not be written either
      payOn: '2021-06-01',
    });
    expect(payload.expense).toBeNull();
    expect(payload.userErrors).toEqual([
      blank('dealId'),
      blank('serviceTypeId'),
      blank('amount'),
      outOfRange('billableAmount'),
      blank('currency'),
      badRate,
      blank('date'),
    ]);
    expect(await row(e.databaseId)).toEqual(before);
  });

  test('changing amount, currency and deal recomputes every money form', async () => {
    const tenant = await createTenant(t.db.prisma);
    const e = await created(tenant, { billableAmount: 1000 });
    expect(e.amount).toEqual(set([10000, 'EUR'], [12500, 'USD'], [10000, 'EUR']));

    // Amount only: EUR at the deal's 1.25.
    let u = (await update(tenant, { id: e.id, amount: 20000 })).expense!;
    expect(u.exchangeRate).toBe('1.25');
    expect(u.amount).toEqual(set([20000, 'EUR'], [25000, 'USD'], [20000, 'EUR']));
    expect(u.billableAmount).toEqual(set([1000, 'EUR'], [1250, 'USD'], [1000, 'EUR']));
    expect(u.profit).toEqual(set([-19000, 'EUR'], [-23750, 'USD'], [-19000, 'EUR']));

    // Currency to USD: the rate becomes the organization's 1.
    u = (await update(tenant, { id: e.id, currency: 'USD' })).expense!;
    expect(u.currency).toBe('USD');
    expect(u.exchangeRate).toBe('1.0');
    expect(u.amount).toEqual(set([20000, 'USD'], [20000, 'USD'], [16000, 'EUR']));
    expect(u.billableAmount).toEqual(set([1000, 'EUR'], [1250, 'USD'], [1000, 'EUR']));
    expect(u.profit).toEqual(set([-15000, 'EUR'], [-18750, 'USD'], [-15000, 'EUR']));

    // Deal to the USD one: everything normalized to USD now.
    u = (await update(tenant, { id: e.id, dealId: gid('Deal', tenant.deals.usd), billableAmount: 30000 })).expense!;
    expect(u.deal.databaseId).toBe(tenant.deals.usd);
    expect(u.exchangeRate).toBe('1.0');
    expect(u.amount).toEqual(set([20000, 'USD'], [20000, 'USD'], [20000, 'USD']));
    expect(u.billableAmount).toEqual(set([30000, 'USD'], [30000, 'USD'], [30000, 'USD']));
    expect(u.profit).toEqual(set([10000, 'USD'], [10000, 'USD'], [10000, 'USD']));

    // Back to EUR on the EUR deal: the deal's rate again.
    u = (await update(tenant, { id: e.id, dealId: gid('Deal', tenant.deals.eur), currency: 'EUR', amount: 8000 })).expense!;
    expect(u.exchangeRate).toBe('1.25');
    expect(u.amount).toEqual(set([8000, 'EUR'], [10000, 'USD'], [8000, 'EUR']));
    expect(u.billableAmount).toEqual(set([30000, 'EUR'], [37500, 'USD'], [30000, 'EUR']));
    expect(u.profit).toEqual(set([22000, 'EUR'], [27500, 'USD'], [22000, 'EUR']));

    // An explicit rate, and the exchange date follows the date.
    u = (await update(tenant, { id: e.id, currency: 'GBP', exchangeRate: '1.1', amount: 12345, date: '2021-05-05' })).expense!;
    expect(u.exchangeRate).toBe('1.1');
    expect(u.exchangeDate).toBe('2021-05-05');
    expect(u.amount).toEqual(set([12345, 'GBP'], [13580, 'USD'], [10864, 'EUR']));

    // The stored row agrees with what was returned.
    expect(await row(e.databaseId)).toMatchObject({
      currency: 'GBP',
      amount: 12345n,
      amountDefault: 13580n,
      amountNormalized: 10864n,
      billableAmount: 30000n,
      billableAmountDefault: 37500n,
      normalizedCurrency: 'EUR',
      profitNormalized: 30000n - 10864n,
      profitDefault: 37500n - 13580n,
      exchangeDate: day('2021-05-05'),
    });
  });

  test('moving to a deal whose currency needs a rate the expense does not have is refused', async () => {
    const tenant = await createTenant(t.db.prisma);
    const e = await created(tenant); // EUR on the EUR deal
    const before = await row(e.databaseId);
    const payload = await update(tenant, { id: e.id, dealId: gid('Deal', tenant.deals.usd) });
    expect(payload.expense).toBeNull();
    expect(payload.userErrors).toEqual([
      {
        field: ['input', 'exchangeRate'],
        message: "can't be blank when the currency is neither the organization's (USD) nor the deal's (USD)",
        code: 'BLANK',
      },
    ]);
    expect(await row(e.databaseId)).toEqual(before);
  });

  test('null clears optional fields; omitted fields stay', async () => {
    const tenant = await createTenant(t.db.prisma);
    const e = await created(tenant, {
      payOn: '2021-05-01',
      paidOn: '2021-05-02',
      reimbursable: true,
      reimbursedOn: '2021-05-03',
      personId: gid('Person', tenant.personId),
    });
    let u = (await update(tenant, { id: e.id, payOn: null })).expense!;
    expect(u).toEqual({ ...e, payOn: null });
    u = (await update(tenant, { id: e.id, paidOn: null, personId: null, reimbursable: null, reimbursedOn: null })).expense!;
    expect(u).toEqual({ ...e, payOn: null, paidOn: null, paymentStatus: 'UNPAID', person: null, reimbursable: null, reimbursedOn: null });
    expect(await row(e.databaseId)).toMatchObject({ payOn: null, paidOn: null, personId: null, reimbursable: null, reimbursedOn: null });
  });

  test('invoiced: false on create unless given; an update sets and clears it, null keeps it; recorded in expense.updated', async () => {
    const tenant = await createTenant(t.db.prisma);
    const plain = await created(tenant);
    expect(plain.invoiced).toBe(false);
    const marked = await created(tenant, { invoiced: true });
    expect(marked.invoiced).toBe(true);
    // A client exporting to accounting marks the expense invoiced; nothing else changes.
    const u = (await update(tenant, { id: plain.id, invoiced: true })).expense!;
    expect(u).toEqual({ ...plain, invoiced: true });
    expect((await update(tenant, { id: plain.id, invoiced: null, name: 'Still invoiced' })).expense).toMatchObject({ invoiced: true, name: 'Still invoiced' });
    expect((await update(tenant, { id: plain.id, invoiced: false })).expense!.invoiced).toBe(false);
    expect(await row(plain.databaseId)).toMatchObject({ invoiced: false });
    const events = await t.db.prisma.changeEvent.findMany({ where: { organizationId: tenant.organizationId, subjectId: plain.id, type: 'expense.updated' }, orderBy: { id: 'asc' } });
    expect(events.map((e) => (e.payload as { invoiced: boolean }).invoiced)).toEqual([true, true, false]);
    // The list's filter finds them.
    const listed = await data(t.app, List, { filter: { invoiced: true } }, { token: tenant.token });
    expect(listed.expenses.nodes.map((n) => n.id)).toEqual([marked.id]);
  });

  test('service type, person and position can be changed', async () => {
    const tenant = await createTenant(t.db.prisma);
    const member = await tenant.member();
    const e = await created(tenant);
    const u = (
      await update(tenant, {
        id: e.id,
        serviceTypeId: gid('ServiceType', tenant.serviceTypes.hardware),
        personId: gid('Person', member.personId),
        position: 5,
      })
    ).expense!;
    expect(u.serviceType.databaseId).toBe(tenant.serviceTypes.hardware);
    expect(u.person?.databaseId).toBe(member.personId);
    expect(u.position).toBe(5);
    expect(u.creator.databaseId).toBe(tenant.personId);
  });

  test('unknown, malformed and wrongly typed ids are NOT_FOUND on ["input","id"]', async () => {
    const tenant = await createTenant(t.db.prisma);
    const e = await created(tenant);
    const before = await row(e.databaseId);
    for (const id of [gid('Expense', 999999999), 'nonsense', gid('Deal', e.databaseId)]) {
      const payload = await update(tenant, { id, name: 'x' });
      expect(payload.expense).toBeNull();
      expect(payload.userErrors).toEqual([notFound('id', 'Expense')]);
    }
    expect(await row(e.databaseId)).toEqual(before);
  });

  test('a new deal, service type or person that does not exist is NOT_FOUND on its field', async () => {
    const tenant = await createTenant(t.db.prisma);
    const e = await created(tenant);
    const before = await row(e.databaseId);
    const payload = await update(tenant, {
      id: e.id,
      dealId: gid('Deal', 999999999),
      serviceTypeId: 'nonsense',
      personId: gid('Person', 999999999),
    });
    expect(payload.userErrors).toEqual([
      notFound('dealId', 'Deal'),
      notFound('serviceTypeId', 'Service type'),
      notFound('personId', 'Person'),
    ]);
    expect(await row(e.databaseId)).toEqual(before);
  });
});

// ---- deleteExpense ---------------------------------------------------------------------------

describe('deleteExpense', () => {
  test('soft-deletes: the row stays with deletedAt and deleterId, but is invisible everywhere', async () => {
    const tenant = await createTenant(t.db.prisma);
    const member = await tenant.member();
    const keep = await created(tenant);
    const e = await created(tenant);
    const startedAt = Date.now();
    const result = await mutate(Delete, { input: { id: e.id } }, member.token);
    expect(result.deleteExpense).toEqual({ deletedExpenseId: e.id, userErrors: [] });

    const stored = await t.db.prisma.expense.findUnique({ where: { id: e.databaseId } });
    expect(stored).not.toBeNull();
    expect(stored!.deleterId).toBe(member.personId);
    expect(stored!.deletedAt).toBeInstanceOf(Date);
    expect(stored!.deletedAt!.getTime()).toBeGreaterThanOrEqual(startedAt - 1000);
    expect(stored!.deletedAt!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);

    const one = await execute(t.app, One, { id: e.id }, { token: tenant.token });
    expect(one.body.data).toEqual({ expense: null });
    expect(one.body.errors).toHaveLength(1);
    expect(one.body.errors![0]!.extensions?.code).toBe('NOT_FOUND');

    const list = await data(t.app, List, { filter: null }, { token: tenant.token });
    expect(list.expenses.nodes).toEqual([{ id: keep.id }]);
    expect(list.expenses.totalCount).toBe(1);
    expect(list.expenses.aggregates.totalAmount).toEqual(set([10000, 'EUR'], [12500, 'USD'], [10000, 'EUR']));
    expect.soft((await execute(t.app, Node, { id: e.id }, { token: tenant.token })).body).toEqual({ data: { node: null } });

    const again = await mutate(Delete, { input: { id: e.id } }, tenant.token);
    expect(again.deleteExpense).toEqual({ deletedExpenseId: null, userErrors: [notFound('id', 'Expense')] });
    // The second attempt did not overwrite who deleted it.
    expect((await row(e.databaseId)).deleterId).toBe(member.personId);

    // Nor can a deleted expense be updated or approved.
    expect((await update(tenant, { id: e.id, name: 'ghost' })).userErrors).toEqual([notFound('id', 'Expense')]);
    const approve = await mutate(Approve, { input: { id: e.id } }, tenant.token);
    expect(approve.approveExpense).toEqual({ expense: null, userErrors: [notFound('id', 'Expense')] });
    expect((await row(e.databaseId)).approved).toBe(false);
    expect((await row(e.databaseId)).name).toBe('test name');
  });

  test('unknown and malformed ids are NOT_FOUND', async () => {
    const tenant = await createTenant(t.db.prisma);
    for (const id of [gid('Expense', 999999999), 'nonsense']) {
      const result = await mutate(Delete, { input: { id } }, tenant.token);
      expect(result.deleteExpense).toEqual({ deletedExpenseId: null, userErrors: [notFound('id', 'Expense')] });
    }
  });
});

// ---- approval and rejection ------------------------------------------------------------------

const approve = (tenant: Tenant, id: string, token = tenant.token) =>
  mutate(Approve, { input: { id } }, token).then((r) => r.approveExpense);
const unapprove = (tenant: Tenant, id: string, token = tenant.token) =>
  mutate(Unapprove, { input: { id } }, token).then((r) => r.unapproveExpense);
const reject = (tenant: Tenant, id: string, reason: string | null | undefined, token = tenant.token) =>
  mutate(Reject, { input: reason === undefined ? { id } : { id, reason } }, token).then((r) => r.rejectExpense);

const within = (iso: string | null | undefined, from: number, to: number) => {
  expect(iso).toEqual(expect.any(String));
  const time = new Date(iso!).getTime();
  expect(time).toBeGreaterThanOrEqual(from - 1000);
  expect(time).toBeLessThanOrEqual(to + 1000);
};

describe('approval', () => {
  test('approve records who and when; approving again is ALREADY_APPROVED', async () => {
    const tenant = await createTenant(t.db.prisma);
    const member = await tenant.member();
    const e = await created(tenant);
    const from = Date.now();
    const payload = await approve(tenant, e.id, member.token);
    const to = Date.now();
    expect(payload.userErrors).toEqual([]);
    expect(payload.expense).toMatchObject({
      id: e.id,
      approved: true,
      approvalStatus: 'APPROVED',
      approver: { databaseId: member.personId },
      rejected: false,
    });
    within(payload.expense!.approvedAt, from, to);
    const stored = await row(e.databaseId);
    expect(stored.approved).toBe(true);
    expect(stored.approverId).toBe(member.personId);
    expect(stored.approvedAt!.toISOString()).toBe(payload.expense!.approvedAt);

    const again = await approve(tenant, e.id);
    expect(again).toEqual({
      expense: null,
      userErrors: [{ field: ['input', 'id'], message: 'is already approved', code: 'ALREADY_APPROVED' }],
    });
    // The first approval is untouched.
    expect(await row(e.databaseId)).toEqual(stored);
  });

  test('unapprove clears the approval; unapproving an unapproved expense is NOT_APPROVED', async () => {
    const tenant = await createTenant(t.db.prisma);
    const e = await created(tenant);
    const refused = { expense: null, userErrors: [{ field: ['input', 'id'], message: 'is not approved', code: 'NOT_APPROVED' }] };
    expect(await unapprove(tenant, e.id)).toEqual(refused);

    await approve(tenant, e.id);
    const payload = await unapprove(tenant, e.id);
    expect(payload).toEqual({
      expense: { id: e.id, approved: false, approvedAt: null, approvalStatus: 'NOT_APPROVED', approver: null },
      userErrors: [],
    });
    expect(await row(e.databaseId)).toMatchObject({ approved: false, approvedAt: null, approverId: null });
    expect(await unapprove(tenant, e.id)).toEqual(refused);
  });

  test('reject with a reason records it and withdraws an approval', async () => {
    const tenant = await createTenant(t.db.prisma);
    const member = await tenant.member();
    const e = await created(tenant);
    await approve(tenant, e.id);
    const from = Date.now();
    const payload = await reject(tenant, e.id, '  Too expensive  ', member.token);
    const to = Date.now();
    expect(payload.userErrors).toEqual([]);
    expect(payload.expense).toMatchObject({
      approved: false,
      approvedAt: null,
      approver: null,
      approvalStatus: 'REJECTED',
      rejected: true,
      rejectedReason: 'Too expensive',
      rejecter: { databaseId: member.personId },
    });
    within(payload.expense!.rejectedAt, from, to);
    expect(await row(e.databaseId)).toMatchObject({
      approved: false,
      approvedAt: null,
      approverId: null,
      rejected: true,
      rejectedReason: 'Too expensive',
      rejecterId: member.personId,
    });
  });

  test('a blank or missing reason is BLANK on ["input","reason"] and nothing changes', async () => {
    const tenant = await createTenant(t.db.prisma);
    const e = await created(tenant);
    await approve(tenant, e.id);
    const before = await row(e.databaseId);
    for (const reason of ['', '   ', null, undefined]) {
      expect(await reject(tenant, e.id, reason)).toEqual({
        expense: null,
        userErrors: [{ field: ['input', 'reason'], message: "can't be blank", code: 'BLANK' }],
      });
    }
    expect(await row(e.databaseId)).toEqual(before);
    // With an unknown id as well, both problems are reported.
    expect(await reject(tenant, gid('Expense', 999999999), '')).toEqual({
      expense: null,
      userErrors: [notFound('id', 'Expense'), { field: ['input', 'reason'], message: "can't be blank", code: 'BLANK' }],
    });
  });

  test('rejecting twice is ALREADY_REJECTED and keeps the first rejection', async () => {
    const tenant = await createTenant(t.db.prisma);
    const member = await tenant.member();
    const e = await created(tenant);
    await reject(tenant, e.id, 'first');
    const before = await row(e.databaseId);
    expect(await reject(tenant, e.id, 'second', member.token)).toEqual({
      expense: null,
      userErrors: [{ field: ['input', 'id'], message: 'is already rejected', code: 'ALREADY_REJECTED' }],
    });
    expect(await row(e.databaseId)).toEqual(before);
    expect(before.rejectedReason).toBe('first');
    expect(before.rejecterId).toBe(tenant.personId);
  });

  test('approving a rejected expense clears the rejection', async () => {
    const tenant = await createTenant(t.db.prisma);
    const e = await created(tenant);
    await reject(tenant, e.id, 'no receipt');
    const payload = await approve(tenant, e.id);
    expect(payload.userErrors).toEqual([]);
    expect(payload.expense).toMatchObject({
      approved: true,
      approvalStatus: 'APPROVED',
      approver: { databaseId: tenant.personId },
      rejected: false,
      rejectedAt: null,
      rejectedReason: null,
      rejecter: null,
    });
    expect(await row(e.databaseId)).toMatchObject({
      approved: true,
      approverId: tenant.personId,
      rejected: false,
      rejectedAt: null,
      rejectedReason: null,
      rejecterId: null,
    });
    // And it can be rejected again afterwards.
    expect((await reject(tenant, e.id, 'after all')).expense?.rejectedReason).toBe('after all');
  });

  test('unknown and malformed ids are NOT_FOUND for approve, unapprove and reject', async () => {
    const tenant = await createTenant(t.db.prisma);
    for (const id of [gid('Expense', 999999999), 'nonsense']) {
      const nf = { expense: null, userErrors: [notFound('id', 'Expense')] };
      expect(await approve(tenant, id)).toEqual(nf);
      expect(await unapprove(tenant, id)).toEqual(nf);
      expect(await reject(tenant, id, 'why')).toEqual(nf);
    }
  });
});

// ---- concurrency -----------------------------------------------------------------------------

describe('concurrent transitions', () => {
  test('of 10 simultaneous approvals by two people exactly one succeeds', async () => {
    const tenant = await createTenant(t.db.prisma);
    const member = await tenant.member();
    const e = await created(tenant);
    const callers = Array.from({ length: 10 }, (_, i) =>
      i % 2 === 0 ? { token: tenant.token, personId: tenant.personId } : { token: member.token, personId: member.personId },
    );
    const results = await Promise.all(callers.map((c) => approve(tenant, e.id, c.token)));

    const winners = results.flatMap((r, i) => (r.expense !== null && r.userErrors.length === 0 ? [i] : []));
    expect(winners).toHaveLength(1);
    const losers = results.filter((_, i) => i !== winners[0]);
    expect(losers).toHaveLength(9);
    for (const loser of losers) {
      expect(loser).toEqual({
        expense: null,
        userErrors: [{ field: ['input', 'id'], message: 'is already approved', code: 'ALREADY_APPROVED' }],
      });
    }
    const winner = results[winners[0]!]!.expense!;
    const winnerPerson = callers[winners[0]!]!.personId;
    expect(winner.approver?.databaseId).toBe(winnerPerson);
    const stored = await row(e.databaseId);
    expect(stored.approved).toBe(true);
    expect(stored.approverId).toBe(winnerPerson);
    expect(stored.approvedAt!.toISOString()).toBe(winner.approvedAt);
  });

  test('of 10 simultaneous unapprovals exactly one succeeds', async () => {
    const tenant = await createTenant(t.db.prisma);
    const member = await tenant.member();
    const e = await created(tenant);
    expect((await approve(tenant, e.id)).userErrors).toEqual([]);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => unapprove(tenant, e.id, i % 2 === 0 ? tenant.token : member.token)),
    );
    const winners = results.filter((r) => r.expense !== null && r.userErrors.length === 0);
    expect(winners).toHaveLength(1);
    expect(winners[0]!.expense).toMatchObject({ approved: false, approvedAt: null, approver: null });
    const losers = results.filter((r) => r.expense === null);
    expect(losers).toHaveLength(9);
    for (const loser of losers) {
      expect(loser.userErrors).toEqual([{ field: ['input', 'id'], message: 'is not approved', code: 'NOT_APPROVED' }]);
    }
    expect(await row(e.databaseId)).toMatchObject({ approved: false, approvedAt: null, approverId: null });
  });
});

// ---- tenant isolation ------------------------------------------------------------------------

describe('tenant isolation', () => {
  test("another organization's expense reads exactly like one that does not exist", async () => {
    const a = await createTenant(t.db.prisma);
    const b = await createTenant(t.db.prisma);
    const theirs = await created(b);

    const foreign = await execute(t.app, One, { id: theirs.id }, { token: a.token });
    const missing = await execute(t.app, One, { id: gid('Expense', 999999999) }, { token: a.token });
    expect(foreign.status).toBe(200);
    expect(foreign.status).toBe(missing.status);
    expect(foreign.body.data).toEqual({ expense: null });
    expect(missing.body.data).toEqual({ expense: null });
    const shape = (r: typeof foreign, id: string) =>
      r.body.errors?.map((e) => ({ ...e, message: e.message.replace(id, '<id>'), locations: undefined }));
    expect(shape(foreign, theirs.id)).toEqual(shape(missing, gid('Expense', 999999999)));
    expect(foreign.body.errors).toHaveLength(1);
    expect(foreign.body.errors![0]).toMatchObject({
      message: `No expense with id ${theirs.id}.`,
      path: ['expense'],
      extensions: { code: 'NOT_FOUND' },
    });

    // node(id:) and nodes(ids:) answer null for it, as for an id that does not exist, without an error.
    const nodeOf = async (id: string) => (await execute(t.app, Node, { id }, { token: a.token })).body;
    const anonymous = (body: Awaited<ReturnType<typeof nodeOf>>) =>
      JSON.parse(JSON.stringify(body).replace(/"requestId":"[^"]*"/g, '"requestId":"<id>"'));
    expect(anonymous(await nodeOf(theirs.id))).toEqual(anonymous(await nodeOf(gid('Expense', 999999999))));
    expect.soft(await nodeOf(theirs.id)).toEqual({ data: { node: null } });
    expect.soft(await nodeOf(gid('Expense', 999999999))).toEqual({ data: { node: null } });
    expect.soft((await execute(t.app, Nodes, { ids: [theirs.id] }, { token: a.token })).body).toEqual({ data: { nodes: [null] } });
    // One foreign id among the caller's own must not spoil the others.
    const mine = await created(a);
    expect.soft((await execute(t.app, Nodes, { ids: [mine.id, theirs.id] }, { token: a.token })).body).toEqual({
      data: { nodes: [{ __typename: 'Expense', id: mine.id }, null] },
    });

    // B sees it, of course.
    expect((await data(t.app, Node, { id: theirs.id }, { token: b.token })).node).toEqual({ __typename: 'Expense', id: theirs.id });
  });

  test("filtering by another organization's deal finds nothing, with zero totals", async () => {
    const a = await createTenant(t.db.prisma);
    const b = await createTenant(t.db.prisma);
    await created(a);
    await created(b);
    const result = await data(t.app, List, { filter: { dealIds: [gid('Deal', b.deals.eur)] } }, { token: a.token });
    const zero = { original: null, default: { cents: 0, currency: 'USD' }, normalized: null };
    expect(result.expenses).toEqual({
      totalCount: 0,
      nodes: [],
      aggregates: { totalAmount: zero, totalBillableAmount: zero, totalProfit: zero },
    });
  });

  test("every write on another organization's expense is NOT_FOUND and leaves its row untouched", async () => {
    const a = await createTenant(t.db.prisma);
    const b = await createTenant(t.db.prisma);
    const theirs = await created(b);
    const approvedTheirs = await created(b);
    await approve(b, approvedTheirs.id);
    const before = await row(theirs.databaseId);
    const beforeApproved = await row(approvedTheirs.databaseId);
    const nf = [notFound('id', 'Expense')];

    expect((await update(a, { id: theirs.id, name: 'hijacked', amount: 1 })).userErrors).toEqual(nf);
    expect((await update(a, { id: theirs.id, dealId: gid('Deal', a.deals.eur) })).userErrors).toEqual(nf);
    expect((await mutate(Delete, { input: { id: theirs.id } }, a.token)).deleteExpense).toEqual({
      deletedExpenseId: null,
      userErrors: nf,
    });
    expect(await approve(a, theirs.id)).toEqual({ expense: null, userErrors: nf });
    expect(await unapprove(a, approvedTheirs.id)).toEqual({ expense: null, userErrors: nf });
    expect(await reject(a, theirs.id, 'not yours')).toEqual({ expense: null, userErrors: nf });
    expect(await reject(a, approvedTheirs.id, 'not yours')).toEqual({ expense: null, userErrors: nf });

    expect(await row(theirs.databaseId)).toEqual(before);
    expect(await row(approvedTheirs.databaseId)).toEqual(beforeApproved);
  });

  test("creating with another organization's deal, service type or person is NOT_FOUND and writes nowhere", async () => {
    const a = await createTenant(t.db.prisma);
    const b = await createTenant(t.db.prisma);
    const bCount = await rowCount(b);
    const cases: Array<[Partial<CreateExpenseInput>, ReturnType<typeof notFound>]> = [
      [{ dealId: gid('Deal', b.deals.eur) }, notFound('dealId', 'Deal')],
      [{ serviceTypeId: gid('ServiceType', b.serviceTypes.travel) }, notFound('serviceTypeId', 'Service type')],
      [{ personId: gid('Person', b.personId) }, notFound('personId', 'Person')],
    ];
    for (const [extra, error] of cases) {
      await rejectsCreate(a, validInput(a, extra), [error]);
      expect(await rowCount(b)).toBe(bCount);
    }
    expect(await rowCount(a)).toBe(0);
  });

  test("an update pointing at another organization's deal, service type or person is NOT_FOUND", async () => {
    const a = await createTenant(t.db.prisma);
    const b = await createTenant(t.db.prisma);
    const mine = await created(a);
    const before = await row(mine.databaseId);
    const payload = await update(a, {
      id: mine.id,
      dealId: gid('Deal', b.deals.eur),
      serviceTypeId: gid('ServiceType', b.serviceTypes.travel),
      personId: gid('Person', b.personId),
    });
    expect(payload.userErrors).toEqual([
      notFound('dealId', 'Deal'),
      notFound('serviceTypeId', 'Service type'),
      notFound('personId', 'Person'),
    ]);
    expect(await row(mine.databaseId)).toEqual(before);
  });

  test("another organization's deal, company, project, service type and person are null through node(id:)", async () => {
    const a = await createTenant(t.db.prisma);
    const b = await createTenant(t.db.prisma);
    const ids = [
      gid('Deal', b.deals.eur),
      gid('Company', b.companies.acme),
      gid('Project', b.projects.website),
      gid('ServiceType', b.serviceTypes.travel),
      gid('Person', b.personId),
    ];
    for (const id of ids) {
      expect.soft((await execute(t.app, Node, { id }, { token: a.token })).body, id).toEqual({ data: { node: null } });
      // ... while B sees each of them.
      expect((await data(t.app, Node, { id }, { token: b.token })).node?.id).toBe(id);
    }
    expect.soft((await execute(t.app, Nodes, { ids }, { token: a.token })).body).toEqual({ data: { nodes: ids.map(() => null) } });
  });
});

// ---- error masking ---------------------------------------------------------------------------

describe('error masking', () => {
  const SECRET = 'relation "secret_table" does not exist SELECT * FROM x';

  /**
   * Makes `expense.findMany` fail with a driver-like message. Scoped clients pass their (scoped)
   * arguments to the system client's delegates, so the failure is planted there.
   */
  function breakFindMany(_tenant: Tenant) {
    return vi.spyOn(t.db.prisma.expense, 'findMany').mockImplementation((() => Promise.reject(new Error(SECRET))) as never);
  }

  test.each([
    ['a generated request id', {}],
    ['the caller\'s request id', { 'x-request-id': 'write-mask-42' }],
  ])('an internal failure is "Unexpected error." with %s, logged under it', async (_name, headers) => {
    const tenant = await createTenant(t.db.prisma);
    await created(tenant);
    const spy = breakFindMany(tenant);
    let response: HttpResult<unknown>;
    try {
      response = await execute(t.app, ListIds, {}, { token: tenant.token, headers });
      expect(spy).toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toBeTruthy();
    if ('x-request-id' in headers) expect(requestId).toBe(headers['x-request-id']);

    expect(response.body.errors).toHaveLength(1);
    const error = response.body.errors![0]!;
    expect(error.message).toBe('Unexpected error.');
    expect(error.extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', requestId });
    const text = JSON.stringify(response.body);
    expect(text).not.toContain('secret_table');
    expect(text).not.toContain('SELECT');
    expect(text).not.toContain('does not exist');
    expect(text).not.toMatch(/stack|\bat .*:\d+:\d+|\.ts\b/);

    const logged = t.logs.filter((entry) => entry.requestId === requestId);
    expect(logged.length).toBeGreaterThanOrEqual(1);
    expect(logged.some((entry) => (entry.err as { message?: string } | undefined)?.message === SECRET)).toBe(true);

    // The spy is gone: the same request works again.
    const ok = await data(t.app, ListIds, {}, { token: tenant.token });
    expect(ok.expenses.nodes).toHaveLength(1);
  });
});

