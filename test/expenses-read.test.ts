// Reading expenses: every filter and operator, every sort, pagination, aggregates, single lookups
// and soft deletion. Every expectation is worked out by hand from the fixtures created here.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { approveExpense, rejectExpense } from '../src/domain/expenses.js';
import { graphql } from './generated/index.js';
import type { ExpenseFilter, ExpenseOrder, ReadExpensesPageQueryVariables } from './generated/graphql.js';
import { data, execute, startApp, type TestApp } from './helpers/app.js';
import { createTenant, day, gid, type Tenant } from './helpers/fixtures.js';

// ---- Documents -------------------------------------------------------------------------------

const Page = graphql(`
  query ReadExpensesPage(
    $filter: ExpenseFilter
    $orderBy: [ExpenseOrder!]
    $first: Int
    $after: String
    $last: Int
    $before: String
  ) {
    expenses(filter: $filter, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { databaseId payOn } }
    }
  }
`);

const Totals = graphql(`
  query ReadExpensesTotals($filter: ExpenseFilter) {
    expenses(filter: $filter, first: 1) {
      totalCount
      nodes { databaseId }
      aggregates {
        totalAmount { original { cents currency } default { cents currency } normalized { cents currency } }
        totalBillableAmount { original { cents currency } default { cents currency } normalized { cents currency } }
        totalProfit { original { cents currency } default { cents currency } normalized { cents currency } }
      }
    }
  }
`);

const One = graphql(`
  query ReadExpenseOne($id: ID!) {
    expense(id: $id) {
      id
      databaseId
      name
      currency
      exchangeRate
      amount { original { cents currency } default { cents currency } normalized { cents currency } }
      billableAmount { original { cents currency } default { cents currency } normalized { cents currency } }
      profit { original { cents currency } default { cents currency } normalized { cents currency } }
    }
  }
`);

const Node = graphql(`
  query ReadExpenseNode($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on Expense { databaseId name }
    }
  }
`);

const Delete = graphql(`
  mutation ReadDeleteExpense($input: DeleteExpenseInput!) {
    deleteExpense(input: $input) { deletedExpenseId userErrors { code } }
  }
`);

// ---- Helpers ---------------------------------------------------------------------------------

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

type PageVariables = ReadExpensesPageQueryVariables;

async function page(tenant: Tenant, variables: PageVariables) {
  return (await data(t.app, Page, variables, { token: tenant.token })).expenses;
}

/** Database ids of the expenses one request returns, in order. */
async function list(tenant: Tenant, variables: PageVariables): Promise<number[]> {
  return (await page(tenant, variables)).edges.map((e) => e.node.databaseId);
}

/** Pages through with `first: size` / `after` until hasNextPage is false (bounded, in case it never is). */
async function walk(tenant: Tenant, variables: PageVariables, size: number, maxPages: number) {
  const ids: number[] = [];
  const payOns: Array<string | null | undefined> = [];
  const sizes: number[] = [];
  let after: string | null | undefined;
  for (let i = 0; i < maxPages; i++) {
    const p = await page(tenant, { ...variables, first: size, after });
    ids.push(...p.edges.map((e) => e.node.databaseId));
    payOns.push(...p.edges.map((e) => e.node.payOn));
    sizes.push(p.edges.length);
    expect(p.pageInfo.endCursor).toBe(p.edges.at(-1)?.cursor ?? null);
    if (!p.pageInfo.hasNextPage) return { ids, payOns, sizes, finished: true };
    after = p.pageInfo.endCursor;
  }
  return { ids, payOns, sizes, finished: false };
}

async function totals(tenant: Tenant, filter?: ExpenseFilter) {
  return (await data(t.app, Totals, { filter }, { token: tenant.token })).expenses;
}

const money = (cents: number | string, currency: string) => ({ cents, currency });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const order = (field: ExpenseOrder['field'], direction: ExpenseOrder['direction'] = 'ASC'): ExpenseOrder => ({
  field,
  direction,
});

// ---- The catalog: five expenses that differ in every filterable and sortable respect --------------
//
// deals: eur (EUR 1.25, acme, website), usd (USD 1, globex, app), hw (USD 1, acme, no project)
//
//     name               deal svc       amount      date   payOn  paidOn person reimb appr  inv  createdAt
// e1  Flight to Berlin   eur  travel    10000 EUR  04-15  05-01  05-03  p1     true  APPR  no   01-05
// e2  Hotel Berlin       eur  travel    25000 EUR  04-01  05-15  -      p2     false REJ   yes  01-03
// e3  IDE licence        usd  software  11000 USD  05-01  -      -      -      null  NOT   no   01-01
// e4  Laptop             hw   hardware 150000 USD  04-30  05-31  06-01  p1     true  APPR  yes  01-04
// e5  Cloud hosting      eur  software   2000 USD  03-31  04-30  04-30  p2     false NOT   no   01-02
//
// billable (deal currency): e1 2000 EUR, e2 30000 EUR, e3 2400 USD, e4 150000 USD, e5 2100 EUR
// default (USD) values:      amount   billable   profit      normalized amount / profit
//   e1                        12500      2500    -10000      10000 EUR / -8000 EUR
//   e2                        31250     37500      6250      25000 EUR /  5000 EUR
//   e3                        11000      2400     -8600      11000 USD / -8600 USD
//   e4                       150000    150000         0     150000 USD /     0 USD
//   e5                         2000      2625       625       1600 EUR /   500 EUR
// (e1/e3 amounts, e3/e5 billable amounts and e1/e3 profits order differently in original and default.)

interface Catalog {
  tenant: Tenant;
  hwDeal: number;
  p1: number;
  p2: number;
  /** e[1]..e[5]: database ids, increasing. */
  e: Record<number, number>;
}
let c: Catalog;
const pick = (...numbers: number[]) => numbers.map((n) => c.e[n]!);

beforeAll(async () => {
  const tenant = await createTenant(t.db.prisma);
  const { personId: p2 } = await tenant.member();
  const p1 = tenant.personId;
  const hw = await tenant.db.deal.create({
    data: {
      organizationId: tenant.organizationId, companyId: tenant.companies.acme, projectId: null, name: 'Hardware budget',
      number: 3, date: day('2021-04-15'), currency: 'USD', exchangeRate: '1', exchangeDate: day('2021-04-15'),
    },
  });
  const { deals, serviceTypes } = tenant;
  const e: Record<number, number> = {};
  e[1] = await tenant.expense({
    name: 'Flight to Berlin', dealId: deals.eur, serviceTypeId: serviceTypes.travel, amount: 10000n, currency: 'EUR',
    billableAmount: 2000n, date: day('2021-04-15'), payOn: day('2021-05-01'), paidOn: day('2021-05-03'), personId: p1,
    reimbursable: true,
  });
  e[2] = await tenant.expense({
    name: 'Hotel Berlin', dealId: deals.eur, serviceTypeId: serviceTypes.travel, amount: 25000n, currency: 'EUR',
    billableAmount: 30000n, date: day('2021-04-01'), payOn: day('2021-05-15'), personId: p2, reimbursable: false,
  });
  e[3] = await tenant.expense({
    name: 'IDE licence', dealId: deals.usd, serviceTypeId: serviceTypes.software, amount: 11000n, currency: 'USD',
    billableAmount: 2400n, date: day('2021-05-01'),
  });
  e[4] = await tenant.expense({
    name: 'Laptop', dealId: hw.id, serviceTypeId: serviceTypes.hardware, amount: 150000n, currency: 'USD',
    billableAmount: 150000n, date: day('2021-04-30'), payOn: day('2021-05-31'), paidOn: day('2021-06-01'), personId: p1,
    reimbursable: true,
  });
  e[5] = await tenant.expense({
    name: 'Cloud hosting', dealId: deals.eur, serviceTypeId: serviceTypes.software, amount: 2000n, currency: 'USD',
    billableAmount: 2100n, date: day('2021-03-31'), payOn: day('2021-04-30'), paidOn: day('2021-04-30'), personId: p2,
    reimbursable: false,
  });
  // Approval: e1 approved; e4 rejected, then approved (approving settles the rejection); e2 rejected.
  const ok = (r: { ok: boolean }) => expect(r.ok).toBe(true);
  ok(await approveExpense(tenant.db, tenant.viewer, e[1]));
  ok(await rejectExpense(tenant.db, tenant.viewer, e[4], 'duplicate?'));
  ok(await approveExpense(tenant.db, tenant.viewer, e[4]));
  ok(await rejectExpense(tenant.db, tenant.viewer, e[2], 'too expensive'));
  await tenant.db.expense.updateMany({ where: { id: { in: [e[2], e[4]] } }, data: { invoiced: true } });
  const createdAt = { 1: '2021-01-05', 2: '2021-01-03', 3: '2021-01-01', 4: '2021-01-04', 5: '2021-01-02' };
  for (const [n, date] of Object.entries(createdAt)) {
    await tenant.db.expense.updateMany({ where: { id: e[Number(n)]! }, data: { createdAt: new Date(`${date}T10:00:00Z`) } });
  }
  c = { tenant, hwDeal: hw.id, p1, p2, e };
});

// ---- Filters ---------------------------------------------------------------------------------

describe('filters', () => {
  const cases: Array<[string, () => ExpenseFilter, number[]]> = [
    ['no filter', () => ({}), [1, 2, 3, 4, 5]],
    ['dealIds eur', () => ({ dealIds: [gid('Deal', c.tenant.deals.eur)] }), [1, 2, 5]],
    ['dealIds usd', () => ({ dealIds: [gid('Deal', c.tenant.deals.usd)] }), [3]],
    ['dealIds usd + hardware', () => ({ dealIds: [gid('Deal', c.tenant.deals.usd), gid('Deal', c.hwDeal)] }), [3, 4]],
    ['serviceTypeIds software', () => ({ serviceTypeIds: [gid('ServiceType', c.tenant.serviceTypes.software)] }), [3, 5]],
    [
      'serviceTypeIds travel + hardware',
      () => ({
        serviceTypeIds: [gid('ServiceType', c.tenant.serviceTypes.travel), gid('ServiceType', c.tenant.serviceTypes.hardware)],
      }),
      [1, 2, 4],
    ],
    ['companyIds acme (two deals)', () => ({ companyIds: [gid('Company', c.tenant.companies.acme)] }), [1, 2, 4, 5]],
    ['companyIds globex', () => ({ companyIds: [gid('Company', c.tenant.companies.globex)] }), [3]],
    ['projectIds website', () => ({ projectIds: [gid('Project', c.tenant.projects.website)] }), [1, 2, 5]],
    ['projectIds app', () => ({ projectIds: [gid('Project', c.tenant.projects.app)] }), [3]],
    [
      'projectIds both (the deal without a project is left out)',
      () => ({ projectIds: [gid('Project', c.tenant.projects.website), gid('Project', c.tenant.projects.app)] }),
      [1, 2, 3, 5],
    ],
    ['personIds p1', () => ({ personIds: [gid('Person', c.p1)] }), [1, 4]],
    ['personIds p2', () => ({ personIds: [gid('Person', c.p2)] }), [2, 5]],
    ['personIds p1 + p2', () => ({ personIds: [gid('Person', c.p1), gid('Person', c.p2)] }), [1, 2, 4, 5]],
    ['dateAfter (inclusive)', () => ({ dateAfter: '2021-04-15' }), [1, 3, 4]],
    ['dateBefore (inclusive)', () => ({ dateBefore: '2021-04-15' }), [1, 2, 5]],
    ['dateAfter + dateBefore', () => ({ dateAfter: '2021-04-01', dateBefore: '2021-04-30' }), [1, 2, 4]],
    ['payOnAfter (inclusive, no payOn excluded)', () => ({ payOnAfter: '2021-05-15' }), [2, 4]],
    ['payOnBefore (inclusive, no payOn excluded)', () => ({ payOnBefore: '2021-05-01' }), [1, 5]],
    ['paidOnAfter (inclusive)', () => ({ paidOnAfter: '2021-05-03' }), [1, 4]],
    ['paidOnBefore (inclusive)', () => ({ paidOnBefore: '2021-05-03' }), [1, 5]],
    ['status PAID', () => ({ status: 'PAID' }), [1, 4, 5]],
    ['status UNPAID', () => ({ status: 'UNPAID' }), [2, 3]],
    ['approvalStatus APPROVED', () => ({ approvalStatus: 'APPROVED' }), [1, 4]],
    ['approvalStatus NOT_APPROVED', () => ({ approvalStatus: 'NOT_APPROVED' }), [3, 5]],
    ['approvalStatus REJECTED', () => ({ approvalStatus: 'REJECTED' }), [2]],
    ['invoiced true', () => ({ invoiced: true }), [2, 4]],
    ['invoiced false', () => ({ invoiced: false }), [1, 3, 5]],
    ['reimbursable true', () => ({ reimbursable: true }), [1, 4]],
    ['reimbursable false (also never set)', () => ({ reimbursable: false }), [2, 3, 5]],
    [
      'several top-level conditions all hold',
      () => ({ dealIds: [gid('Deal', c.tenant.deals.eur)], status: 'PAID', reimbursable: false }),
      [5],
    ],
  ];

  test.each(cases)('%s', async (_name, filter, expected) => {
    const result = await page(c.tenant, { filter: filter() });
    expect(result.edges.map((e) => e.node.databaseId)).toEqual(pick(...expected));
    expect(result.totalCount).toBe(expected.length);
  });

  test('an id of the wrong type in an id list is BAD_USER_INPUT', async () => {
    const response = await execute(
      t.app,
      Page,
      { filter: { dealIds: [gid('Company', c.tenant.companies.acme)] } },
      { token: c.tenant.token },
    );
    expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(response.body.data ?? null).toBeNull();
  });

  test("another organization's expenses never match", async () => {
    const other = await createTenant(t.db.prisma);
    await other.expense({ name: 'Flight to Berlin' });
    expect(await list(c.tenant, { filter: { name: { eq: 'Flight to Berlin' } } })).toEqual(pick(1));
    expect(await list(other, { filter: { dealIds: [gid('Deal', c.tenant.deals.eur)] } })).toEqual([]);
  });
});

// ---- Operators -------------------------------------------------------------------------------

describe('operators', () => {
  const cases: Array<[string, () => ExpenseFilter, number[]]> = [
    ['name eq', () => ({ name: { eq: 'Laptop' } }), [4]],
    ['name eq is case-sensitive', () => ({ name: { eq: 'laptop' } }), []],
    ['name notEq', () => ({ name: { notEq: 'Laptop' } }), [1, 2, 3, 5]],
    ['name contains ignores case (lower)', () => ({ name: { contains: 'berlin' } }), [1, 2]],
    ['name contains ignores case (upper)', () => ({ name: { contains: 'BERLIN' } }), [1, 2]],
    ['name notContains ignores case', () => ({ name: { notContains: 'bErLiN' } }), [3, 4, 5]],
    ['name in', () => ({ name: { in: ['Laptop', 'IDE licence', 'nothing'] } }), [3, 4]],
    ['name contains + notContains', () => ({ name: { contains: 'o', notContains: 'berlin' } }), [4, 5]],
    ['amount eq', () => ({ amount: { eq: 10000 } }), [1]],
    ['amount notEq', () => ({ amount: { notEq: 10000 } }), [2, 3, 4, 5]],
    ['amount gt', () => ({ amount: { gt: 11000 } }), [2, 4]],
    ['amount gte', () => ({ amount: { gte: 11000 } }), [2, 3, 4]],
    ['amount lt', () => ({ amount: { lt: 10000 } }), [5]],
    ['amount lte', () => ({ amount: { lte: 10000 } }), [1, 5]],
    ['amount in', () => ({ amount: { in: [2000, 25000, 7] } }), [2, 5]],
    ['amount gt + lt (a range)', () => ({ amount: { gt: 2000, lt: 150000 } }), [1, 2, 3]],
    ['billableAmount eq', () => ({ billableAmount: { eq: 2100 } }), [5]],
    ['billableAmount notEq', () => ({ billableAmount: { notEq: 2100 } }), [1, 2, 3, 4]],
    ['billableAmount gt', () => ({ billableAmount: { gt: 2400 } }), [2, 4]],
    ['billableAmount gte', () => ({ billableAmount: { gte: 2400 } }), [2, 3, 4]],
    ['billableAmount lt', () => ({ billableAmount: { lt: 2400 } }), [1, 5]],
    ['billableAmount lte', () => ({ billableAmount: { lte: 2400 } }), [1, 3, 5]],
    ['billableAmount in', () => ({ billableAmount: { in: [2000, 2400] } }), [1, 3]],
    ['date eq', () => ({ date: { eq: '2021-04-15' } }), [1]],
    ['date notEq', () => ({ date: { notEq: '2021-04-15' } }), [2, 3, 4, 5]],
    ['date gt', () => ({ date: { gt: '2021-04-15' } }), [3, 4]],
    ['date gte', () => ({ date: { gte: '2021-04-15' } }), [1, 3, 4]],
    ['date lt', () => ({ date: { lt: '2021-04-15' } }), [2, 5]],
    ['date lte', () => ({ date: { lte: '2021-04-15' } }), [1, 2, 5]],
    ['date in', () => ({ date: { in: ['2021-04-01', '2021-05-01', '2020-01-01'] } }), [2, 3]],
    ['payOn eq', () => ({ payOn: { eq: '2021-05-15' } }), [2]],
    ['payOn notEq includes expenses without payOn', () => ({ payOn: { notEq: '2021-05-01' } }), [2, 3, 4, 5]],
    ['payOn isNull true', () => ({ payOn: { isNull: true } }), [3]],
    ['payOn isNull false', () => ({ payOn: { isNull: false } }), [1, 2, 4, 5]],
    ['payOn gt (no payOn excluded)', () => ({ payOn: { gt: '2021-05-01' } }), [2, 4]],
    ['payOn lte', () => ({ payOn: { lte: '2021-05-01' } }), [1, 5]],
    ['payOn in', () => ({ payOn: { in: ['2021-04-30', '2021-05-31'] } }), [4, 5]],
    ['paidOn notEq includes unpaid expenses', () => ({ paidOn: { notEq: '2021-05-03' } }), [2, 3, 4, 5]],
    ['paidOn isNull true', () => ({ paidOn: { isNull: true } }), [2, 3]],
    ['paidOn isNull false + lt', () => ({ paidOn: { isNull: false, lt: '2021-06-01' } }), [1, 5]],
    ['currency eq EUR', () => ({ currency: { eq: 'EUR' } }), [1, 2]],
    ['currency eq USD', () => ({ currency: { eq: 'USD' } }), [3, 4, 5]],
    ['currency in', () => ({ currency: { in: ['EUR', 'GBP'] } }), [1, 2]],
    ['currency notEq', () => ({ currency: { notEq: 'USD' } }), [1, 2]],
    ['createdAt gt (strict)', () => ({ createdAt: { gt: '2021-01-03T10:00:00.000Z' } }), [1, 4]],
    ['createdAt lt (strict)', () => ({ createdAt: { lt: '2021-01-03T10:00:00.000Z' } }), [3, 5]],
    [
      'createdAt gt + lt',
      () => ({ createdAt: { gt: '2021-01-01T10:00:00.000Z', lt: '2021-01-05T10:00:00.000Z' } }),
      [2, 4, 5],
    ],
    ['and', () => ({ and: [{ dealIds: [gid('Deal', c.tenant.deals.eur)] }, { status: 'PAID' }] }), [1, 5]],
    ['or', () => ({ or: [{ name: { eq: 'Laptop' } }, { currency: { eq: 'EUR' } }] }), [1, 2, 4]],
    ['not', () => ({ not: { dealIds: [gid('Deal', c.tenant.deals.eur)] } }), [3, 4]],
    [
      'top-level conditions and an or group all hold',
      () => ({ currency: { eq: 'USD' }, or: [{ status: 'UNPAID' }, { amount: { gt: 100000 } }] }),
      [3, 4],
    ],
    [
      'or of an and (with a not) and a plain condition',
      () => ({
        or: [{ and: [{ currency: { eq: 'USD' } }, { not: { status: 'PAID' } }] }, { approvalStatus: 'REJECTED' }],
      }),
      [2, 3],
    ],
    // `not` is the complement within the organization's expenses: a row matches either X or `not: X`,
    // also when X is about a column the row has no value in (e3: reimbursable, payOn and person unset)
    ['not of an or', () => ({ not: { or: [{ invoiced: true }, { reimbursable: true }] } }), [3, 5]],
    ['not reimbursable true = reimbursable false (never set included)', () => ({ not: { reimbursable: true } }), [2, 3, 5]],
    ['not payOn eq = payOn notEq (no payOn included)', () => ({ not: { payOn: { eq: '2021-05-01' } } }), [2, 3, 4, 5]],
    ['not personIds includes expenses for nobody', () => ({ not: { personIds: [gid('Person', c.p1)] } }), [2, 3, 5]],
    ['not of not', () => ({ not: { not: { name: { contains: 'berlin' } } } }), [1, 2]],
    [
      'and of ors',
      () => ({
        and: [
          { or: [{ currency: { eq: 'EUR' } }, { amount: { gte: 150000 } }] },
          { or: [{ invoiced: true }, { approvalStatus: 'APPROVED' }] },
        ],
      }),
      [1, 2, 4],
    ],
  ];

  test.each(cases)('%s', async (_name, filter, expected) => {
    const result = await page(c.tenant, { filter: filter() });
    expect(result.edges.map((e) => e.node.databaseId)).toEqual(pick(...expected));
    expect(result.totalCount).toBe(expected.length);
  });
});

// ---- Sorting ---------------------------------------------------------------------------------

describe('sorting', () => {
  const cases: Array<[string, ExpenseOrder[], number[]]> = [
    ['NAME ASC', [order('NAME')], [5, 1, 2, 3, 4]],
    ['NAME DESC', [order('NAME', 'DESC')], [4, 3, 2, 1, 5]],
    ['DATE ASC', [order('DATE')], [5, 2, 1, 4, 3]],
    ['DATE DESC', [order('DATE', 'DESC')], [3, 4, 1, 2, 5]],
    ['PAY_ON ASC, nulls last', [order('PAY_ON')], [5, 1, 2, 4, 3]],
    ['PAY_ON DESC, nulls last', [order('PAY_ON', 'DESC')], [4, 2, 1, 5, 3]],
    ['PAID_ON ASC, nulls last (tied nulls by id)', [order('PAID_ON')], [5, 1, 4, 2, 3]],
    // the two unpaid ones tie; the name decides between them
    ['PAID_ON DESC, nulls last, then NAME', [order('PAID_ON', 'DESC'), order('NAME')], [4, 1, 5, 2, 3]],
    // default: 2000 < 11000 < 12500 < 31250 < 150000 (the original amounts would put e1 before e3)
    ['AMOUNT ASC compares the default currency', [order('AMOUNT')], [5, 3, 1, 2, 4]],
    ['AMOUNT DESC', [order('AMOUNT', 'DESC')], [4, 2, 1, 3, 5]],
    // default: 2400 < 2500 < 2625 < 37500 < 150000 (the original ones would be e1 2000, e5 2100, e3 2400)
    ['BILLABLE_AMOUNT ASC compares the default currency', [order('BILLABLE_AMOUNT')], [3, 1, 5, 2, 4]],
    ['BILLABLE_AMOUNT DESC', [order('BILLABLE_AMOUNT', 'DESC')], [4, 2, 5, 1, 3]],
    // default: -10000 < -8600 < 0 < 625 < 6250 (normalized: e3 -8600 before e1 -8000)
    ['PROFIT ASC compares the default currency', [order('PROFIT')], [1, 3, 4, 5, 2]],
    ['PROFIT DESC', [order('PROFIT', 'DESC')], [2, 5, 4, 3, 1]],
    // Hardware < Software (e3, e5) < Travel (e1, e2)
    ['SERVICE_TYPE_NAME ASC (ties by id)', [order('SERVICE_TYPE_NAME')], [4, 3, 5, 1, 2]],
    ['SERVICE_TYPE_NAME DESC, then NAME ASC', [order('SERVICE_TYPE_NAME', 'DESC'), order('NAME')], [1, 2, 5, 3, 4]],
    ['SERVICE_TYPE_NAME ASC, then AMOUNT DESC', [order('SERVICE_TYPE_NAME'), order('AMOUNT', 'DESC')], [4, 3, 5, 2, 1]],
    ['CREATED_AT ASC', [order('CREATED_AT')], [3, 5, 2, 4, 1]],
    ['CREATED_AT DESC', [order('CREATED_AT', 'DESC')], [1, 4, 2, 5, 3]],
    // paid ones by paidOn, then the two unpaid ones by date, latest first (e3 05-01, e2 04-01)
    ['PAID_ON ASC, then DATE DESC', [order('PAID_ON'), order('DATE', 'DESC')], [5, 1, 4, 3, 2]],
  ];

  test.each(cases)('%s', async (_name, orderBy, expected) => {
    expect(await list(c.tenant, { orderBy })).toEqual(pick(...expected));
  });

  test('last/before pages backwards through a sort, across expenses without payOn', async () => {
    // PAY_ON ASC is e5, e1, e2, e4, e3 (no payOn)
    const tail = await page(c.tenant, { orderBy: [order('PAY_ON')], last: 2 });
    expect(tail.edges.map((e) => e.node.databaseId)).toEqual(pick(4, 3));
    expect(tail.pageInfo.hasPreviousPage).toBe(true);
    const middle = await page(c.tenant, { orderBy: [order('PAY_ON')], last: 2, before: tail.pageInfo.startCursor });
    expect(middle.edges.map((e) => e.node.databaseId)).toEqual(pick(1, 2));
    expect(middle.pageInfo.hasPreviousPage).toBe(true);
    const head = await page(c.tenant, { orderBy: [order('PAY_ON')], last: 2, before: middle.pageInfo.startCursor });
    expect(head.edges.map((e) => e.node.databaseId)).toEqual(pick(5));
    expect(head.pageInfo.hasPreviousPage).toBe(false);
  });

  test('a sort combines with a filter', async () => {
    expect(await list(c.tenant, { filter: { currency: { eq: 'USD' } }, orderBy: [order('AMOUNT', 'DESC')] })).toEqual(
      pick(4, 3, 5),
    );
  });

  test('paging through each sort with first: 2 gives the same order, each row once', async () => {
    for (const [, orderBy, expected] of cases) {
      const walked = await walk(c.tenant, { orderBy }, 2, 5);
      expect(walked.ids, JSON.stringify(orderBy)).toEqual(pick(...expected));
      expect(walked.sizes).toEqual([2, 2, 1]);
    }
  });
});

// ---- Ties and pagination ---------------------------------------------------------------------
//
// 35 expenses, created in order i = 1..35: all named "Same", all dated 2021-04-15, USD on the USD
// deal, amount i × 100 (billable 0), so equal NAME and DATE values tie for every row. payOn is null
// when i % 3 == 0 (11 rows), otherwise 2021-05-0(1 + i % 4).

describe('pagination', () => {
  let p: Tenant;
  const ids: number[] = [];
  const payOnOf = (i: number) => (i % 3 === 0 ? null : `2021-05-0${1 + (i % 4)}`);
  const idOf = (i: number) => ids[i - 1]!;
  beforeAll(async () => {
    p = await createTenant(t.db.prisma);
    for (const i of range(1, 35)) {
      const payOn = payOnOf(i);
      ids.push(
        await p.expense({
          name: 'Same', dealId: p.deals.usd, currency: 'USD', amount: BigInt(i * 100), date: day('2021-04-15'),
          payOn: payOn ? day(payOn) : null,
        }),
      );
    }
  });

  test('the default page is 30, by id, with a next page', async () => {
    const result = await page(p, {});
    expect(result.edges.map((e) => e.node.databaseId)).toEqual(range(1, 30).map(idOf));
    expect(result.totalCount).toBe(35);
    expect(result.pageInfo.hasNextPage).toBe(true);
    expect(result.pageInfo.hasPreviousPage).toBe(false);
    expect(result.pageInfo.startCursor).toBe(result.edges[0]!.cursor);
    expect(result.pageInfo.endCursor).toBe(result.edges[29]!.cursor);
  });

  test('first/after walks to the end; the last page has no next page', async () => {
    const first = await page(p, { first: 10 });
    expect(first.edges.map((e) => e.node.databaseId)).toEqual(range(1, 10).map(idOf));
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const second = await page(p, { first: 10, after: first.pageInfo.endCursor });
    expect(second.edges.map((e) => e.node.databaseId)).toEqual(range(11, 20).map(idOf));
    expect(second.pageInfo.hasNextPage).toBe(true);
    expect(second.totalCount).toBe(35);
    const walked = await walk(p, {}, 10, 10);
    expect(walked.finished).toBe(true);
    expect(walked.sizes).toEqual([10, 10, 10, 5]);
    expect(walked.ids).toEqual(range(1, 35).map(idOf));
    // asking past the last row: an empty page, no next page
    const last = await page(p, { first: 10, after: (await page(p, { first: 35 })).pageInfo.endCursor });
    expect(last.edges).toEqual([]);
    expect(last.pageInfo.hasNextPage).toBe(false);
  });

  test('last/before pages backwards', async () => {
    const tail = await page(p, { last: 5 });
    expect(tail.edges.map((e) => e.node.databaseId)).toEqual(range(31, 35).map(idOf));
    expect(tail.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    expect(tail.pageInfo.startCursor).toBe(tail.edges[0]!.cursor);
    const before = await page(p, { last: 5, before: tail.pageInfo.startCursor });
    expect(before.edges.map((e) => e.node.databaseId)).toEqual(range(26, 30).map(idOf));
    expect(before.pageInfo.hasPreviousPage).toBe(true);
    const head = await page(p, { last: 10, before: (await page(p, { first: 3 })).pageInfo.endCursor });
    expect(head.edges.map((e) => e.node.databaseId)).toEqual(range(1, 2).map(idOf));
    expect(head.pageInfo.hasPreviousPage).toBe(false);
  });

  test('first: 200 is allowed', async () => {
    const result = await page(p, { first: 200 });
    expect(result.edges.map((e) => e.node.databaseId)).toEqual(range(1, 35).map(idOf));
    expect(result.pageInfo.hasNextPage).toBe(false);
  });

  test.each([
    ['first: 201', { first: 201 }],
    ['last: 201', { last: 201 }],
    ['first: -1', { first: -1 }],
    ['last: -1', { last: -1 }],
    ['a garbage after cursor', { first: 5, after: 'garbage!' }],
    ['a base64 after cursor of something else', { first: 5, after: Buffer.from('hello').toString('base64') }],
    ['a garbage before cursor', { last: 5, before: 'not-a-cursor' }],
    ['a NUL byte in a name filter', { first: 5, filter: { name: { contains: 'a\u0000b' } } }],
    ['a NUL byte in a nested name filter list', { first: 5, filter: { or: [{ name: { in: ['ok', '\u0000'] } }] } }],
  ])('%s is a BAD_USER_INPUT error, without data', async (_name, variables: PageVariables) => {
    const response = await execute(t.app, Page, variables, { token: p.token });
    expect(response.body.errors?.[0]?.path).toEqual(['expenses']);
    expect(response.body.errors?.[0]?.message).not.toBe('Unexpected error.');
    expect(response.body.data?.expenses ?? null).toBeNull();
    expect(response.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('totalCount is the filtered count, not the page size', async () => {
    // amount > 1000 means i >= 11: 25 rows
    const result = await page(p, { filter: { amount: { gt: 1000 } }, first: 5 });
    expect(result.totalCount).toBe(25);
    expect(result.edges.map((e) => e.node.databaseId)).toEqual(range(11, 15).map(idOf));
    expect(result.pageInfo.hasNextPage).toBe(true);
  });

  test('equal sort values come back in id order, and paging through them gives each row once', async () => {
    for (const orderBy of [[order('NAME')], [order('DATE')], [order('NAME'), order('DATE')]]) {
      expect(await list(p, { orderBy, first: 200 })).toEqual(range(1, 35).map(idOf));
      const walked = await walk(p, { orderBy }, 7, 10);
      expect(walked.ids).toEqual(range(1, 35).map(idOf));
      expect(walked.sizes).toEqual([7, 7, 7, 7, 7]);
    }
  });

  test('descending ties: a walk with first/after returns each row exactly once, in one consistent order', async () => {
    const whole = await list(p, { orderBy: [order('NAME', 'DESC')], first: 200 });
    expect([...whole].sort((a, b) => a - b)).toEqual(range(1, 35).map(idOf));
    const walked = await walk(p, { orderBy: [order('NAME', 'DESC')] }, 6, 10);
    expect(walked.ids).toEqual(whole);
  });

  // payOn ASC, nulls last, ties by id: the rows with each date (i % 4 = 0..3 → 05-01..05-04), then the nulls.
  const payOnAscending = () => {
    const dated = range(1, 35).filter((i) => payOnOf(i) !== null);
    const byDate = [0, 1, 2, 3].flatMap((r) => dated.filter((i) => i % 4 === r));
    return [...byDate, ...range(1, 35).filter((i) => payOnOf(i) === null)];
  };

  test('PAY_ON ASC in one page: dates ascending, ties by id, nulls last', async () => {
    const expected = payOnAscending();
    // hand check of the head and the tail: i % 4 == 0 and not a multiple of 3 → 4, 8, 16, 20, 28, 32
    expect(expected.slice(0, 6)).toEqual([4, 8, 16, 20, 28, 32]);
    expect(expected.slice(-11)).toEqual([3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33]);
    expect(await list(p, { orderBy: [order('PAY_ON')], first: 200 })).toEqual(expected.map(idOf));
  });

  test('PAY_ON ASC paged with first/after across null and non-null values returns each row exactly once', async () => {
    const walked = await walk(p, { orderBy: [order('PAY_ON')] }, 4, 12);
    expect(walked.ids).toEqual(payOnAscending().map(idOf));
    expect(walked.finished).toBe(true);
  });

  test('PAY_ON DESC paged with first/after across null and non-null values returns each row exactly once', async () => {
    const expectedPayOns = [
      ...range(1, 35).map(payOnOf).filter((d): d is string => d !== null).sort().reverse(),
      ...Array<null>(11).fill(null),
    ];
    const whole = await page(p, { orderBy: [order('PAY_ON', 'DESC')], first: 200 });
    expect(whole.edges.map((e) => e.node.payOn)).toEqual(expectedPayOns);
    const walked = await walk(p, { orderBy: [order('PAY_ON', 'DESC')] }, 4, 12);
    expect(walked.payOns).toEqual(expectedPayOns);
    expect(walked.ids).toEqual(whole.edges.map((e) => e.node.databaseId));
    expect(new Set(walked.ids).size).toBe(35);
    expect(walked.finished).toBe(true);
  });
});

// ---- Aggregates ------------------------------------------------------------------------------

describe('aggregates', () => {
  test('a single-currency set: exact sums in all three forms, over the whole set, not the page', async () => {
    const a = await createTenant(t.db.prisma);
    // EUR at 1.25 on the EUR deal: 10000 → 12500, 5000 → 6250, 333 → 416.25 → 416
    await a.expense({ amount: 10000n, billableAmount: 12000n });
    await a.expense({ amount: 5000n, billableAmount: 0n });
    await a.expense({ amount: 333n, billableAmount: 1000n });
    const result = await totals(a);
    expect(result.totalCount).toBe(3);
    expect(result.nodes).toHaveLength(1);
    expect(result.aggregates).toEqual({
      totalAmount: { original: money(15333, 'EUR'), default: money(19166, 'USD'), normalized: money(15333, 'EUR') },
      // 12000 → 15000, 0, 1000 → 1250
      totalBillableAmount: { original: money(13000, 'EUR'), default: money(16250, 'USD'), normalized: money(13000, 'EUR') },
      // 2000 − 5000 + 667 = −2333 EUR; 2500 − 6250 + 834 = −2916 USD
      totalProfit: { original: money(-2333, 'EUR'), default: money(-2916, 'USD'), normalized: money(-2333, 'EUR') },
    });
  });

  test('a single-currency set in the default currency: all forms agree', async () => {
    const a = await createTenant(t.db.prisma);
    await a.expense({ dealId: a.deals.usd, currency: 'USD', amount: 1234n, billableAmount: 2000n });
    await a.expense({ dealId: a.deals.usd, currency: 'USD', amount: 766n, billableAmount: 500n });
    const result = await totals(a);
    expect(result.aggregates).toEqual({
      totalAmount: { original: money(2000, 'USD'), default: money(2000, 'USD'), normalized: money(2000, 'USD') },
      totalBillableAmount: { original: money(2500, 'USD'), default: money(2500, 'USD'), normalized: money(2500, 'USD') },
      totalProfit: { original: money(500, 'USD'), default: money(500, 'USD'), normalized: money(500, 'USD') },
    });
  });

  test('mixed expense currencies on one deal: original is null, normalized and default are exact', async () => {
    const a = await createTenant(t.db.prisma);
    await a.expense({ amount: 10000n, currency: 'EUR', billableAmount: 4000n }); // 12500 USD, 10000 EUR
    await a.expense({ amount: 2000n, currency: 'USD', billableAmount: 1000n }); // 2000 USD, 1600 EUR
    const result = await totals(a);
    expect(result.aggregates.totalAmount).toEqual({
      original: null,
      default: money(14500, 'USD'),
      normalized: money(11600, 'EUR'),
    });
    // billable amounts are in the deal's currency: one currency
    expect(result.aggregates.totalBillableAmount).toEqual({
      original: money(5000, 'EUR'),
      default: money(6250, 'USD'),
      normalized: money(5000, 'EUR'),
    });
    // profit: (4000 − 10000) + (1000 − 1600) = −6600 EUR; (5000 − 12500) + (1250 − 2000) = −8250 USD
    expect(result.aggregates.totalProfit).toEqual({
      original: money(-6600, 'EUR'),
      default: money(-8250, 'USD'),
      normalized: money(-6600, 'EUR'),
    });
  });

  test('deals of different currencies: normalized is null; one expense currency keeps original', async () => {
    const a = await createTenant(t.db.prisma);
    await a.expense({ dealId: a.deals.eur, currency: 'USD', amount: 5000n, billableAmount: 4000n }); // 4000 EUR; bill 5000 USD
    await a.expense({ dealId: a.deals.usd, currency: 'USD', amount: 3000n, billableAmount: 3500n });
    const result = await totals(a);
    expect(result.aggregates).toEqual({
      totalAmount: { original: money(8000, 'USD'), default: money(8000, 'USD'), normalized: null },
      totalBillableAmount: { original: null, default: money(8500, 'USD'), normalized: null },
      // (5000 − 5000) + (3500 − 3000)
      totalProfit: { original: null, default: money(500, 'USD'), normalized: null },
    });
  });

  test('everything mixed: only default remains, the exact sum of converted amounts', async () => {
    const a = await createTenant(t.db.prisma);
    await a.expense({ dealId: a.deals.eur, currency: 'EUR', amount: 10000n }); // 12500 USD
    await a.expense({ dealId: a.deals.usd, currency: 'USD', amount: 999n, billableAmount: 1n });
    const result = await totals(a);
    expect(result.aggregates).toEqual({
      totalAmount: { original: null, default: money(13499, 'USD'), normalized: null },
      totalBillableAmount: { original: null, default: money(1, 'USD'), normalized: null },
      totalProfit: { original: null, default: money(-13498, 'USD'), normalized: null },
    });
  });

  test('an empty set: default is zero, the other forms null', async () => {
    const result = await totals(c.tenant, { name: { eq: 'no such expense' } });
    expect(result.totalCount).toBe(0);
    expect(result.aggregates.totalAmount).toEqual({ original: null, default: money(0, 'USD'), normalized: null });
    expect(result.aggregates.totalProfit).toEqual({ original: null, default: money(0, 'USD'), normalized: null });
  });

  test('the filter applies to the totals (catalog)', async () => {
    // EUR deal: e1, e2, e5
    const result = await totals(c.tenant, { dealIds: [gid('Deal', c.tenant.deals.eur)] });
    expect(result.totalCount).toBe(3);
    expect(result.nodes.map((n) => n.databaseId)).toEqual(pick(1));
    expect(result.aggregates).toEqual({
      totalAmount: { original: null, default: money(12500 + 31250 + 2000, 'USD'), normalized: money(10000 + 25000 + 1600, 'EUR') },
      totalBillableAmount: {
        original: money(2000 + 30000 + 2100, 'EUR'),
        default: money(2500 + 37500 + 2625, 'USD'),
        normalized: money(2000 + 30000 + 2100, 'EUR'),
      },
      totalProfit: {
        original: money(-8000 + 5000 + 500, 'EUR'),
        default: money(-10000 + 6250 + 625, 'USD'),
        normalized: money(-8000 + 5000 + 500, 'EUR'),
      },
    });
  });

  test('reference: 10000 EUR billing 0 has profit −10000 EUR / −12500 USD', async () => {
    const a = await createTenant(t.db.prisma);
    const id = await a.expense({ amount: 10000n, currency: 'EUR', billableAmount: 0n });
    const one = await data(t.app, One, { id: gid('Expense', id) }, { token: a.token });
    expect(one.expense).toMatchObject({
      databaseId: id,
      exchangeRate: '1.25',
      amount: { original: money(10000, 'EUR'), default: money(12500, 'USD'), normalized: money(10000, 'EUR') },
      billableAmount: { original: money(0, 'EUR'), default: money(0, 'USD'), normalized: money(0, 'EUR') },
      profit: { original: money(-10000, 'EUR'), default: money(-12500, 'USD'), normalized: money(-10000, 'EUR') },
    });
    expect((await totals(a)).aggregates.totalProfit).toEqual({
      original: money(-10000, 'EUR'),
      default: money(-12500, 'USD'),
      normalized: money(-10000, 'EUR'),
    });
  });

  test('reference: 10000 USD billing 10000 on the EUR deal', async () => {
    const a = await createTenant(t.db.prisma);
    const id = await a.expense({ amount: 10000n, currency: 'USD', billableAmount: 10000n });
    const one = await data(t.app, One, { id: gid('Expense', id) }, { token: a.token });
    expect(one.expense).toMatchObject({
      exchangeRate: '1.0',
      amount: { original: money(10000, 'USD'), default: money(10000, 'USD'), normalized: money(8000, 'EUR') },
      billableAmount: { original: money(10000, 'EUR'), default: money(12500, 'USD'), normalized: money(10000, 'EUR') },
      profit: { original: money(2000, 'EUR'), default: money(2500, 'USD'), normalized: money(2000, 'EUR') },
    });
    expect((await totals(a)).aggregates).toEqual({
      totalAmount: { original: money(10000, 'USD'), default: money(10000, 'USD'), normalized: money(8000, 'EUR') },
      totalBillableAmount: { original: money(10000, 'EUR'), default: money(12500, 'USD'), normalized: money(10000, 'EUR') },
      totalProfit: { original: money(2000, 'EUR'), default: money(2500, 'USD'), normalized: money(2000, 'EUR') },
    });
  });

  test('sums beyond 2^53 are exact (decimal strings)', async () => {
    const a = await createTenant(t.db.prisma);
    // ten EUR expenses of 999 999 999 999 999 (default: × 1.25 = 1 249 999 999 999 998.75 → …999),
    // each billing the maximum, 10^15 EUR (default 1 250 000 000 000 000)
    for (let i = 0; i < 10; i++) {
      await a.expense({ amount: 999_999_999_999_999n, currency: 'EUR', billableAmount: 10n ** 15n });
    }
    const one = (await data(t.app, One, { id: gid('Expense', (await list(a, { first: 1 }))[0]!) }, { token: a.token })).expense;
    expect(one?.amount.default).toEqual(money(1249999999999999, 'USD'));
    expect(one?.billableAmount.default).toEqual(money(1250000000000000, 'USD'));
    const result = await totals(a);
    expect(result.totalCount).toBe(10);
    expect(result.aggregates).toEqual({
      totalAmount: {
        original: money('9999999999999990', 'EUR'),
        default: money('12499999999999990', 'USD'),
        normalized: money('9999999999999990', 'EUR'),
      },
      totalBillableAmount: {
        original: money('10000000000000000', 'EUR'),
        default: money('12500000000000000', 'USD'),
        normalized: money('10000000000000000', 'EUR'),
      },
      totalProfit: { original: money(10, 'EUR'), default: money(10, 'USD'), normalized: money(10, 'EUR') },
    });
    expect(BigInt(result.aggregates.totalAmount.default.cents)).toBe(10n * 1_249_999_999_999_999n);
    expect((await totals(a, { amount: { eq: '999999999999999' } })).totalCount).toBe(10);
    expect((await totals(a, { amount: { gt: '999999999999999' } })).totalCount).toBe(0);
  });
});

// ---- One expense -----------------------------------------------------------------------------

describe('expense(id:) and node(id:)', () => {
  test('expense(id:) returns the expense', async () => {
    const one = await data(t.app, One, { id: gid('Expense', c.e[3]!) }, { token: c.tenant.token });
    expect(one.expense).toEqual({
      id: gid('Expense', c.e[3]!),
      databaseId: c.e[3],
      name: 'IDE licence',
      currency: 'USD',
      exchangeRate: '1.0',
      amount: { original: money(11000, 'USD'), default: money(11000, 'USD'), normalized: money(11000, 'USD') },
      billableAmount: { original: money(2400, 'USD'), default: money(2400, 'USD'), normalized: money(2400, 'USD') },
      profit: { original: money(-8600, 'USD'), default: money(-8600, 'USD'), normalized: money(-8600, 'USD') },
    });
  });

  test.each([
    ['an unknown id', () => gid('Expense', 999_999_999), 'NOT_FOUND'],
    // Not an id of an expense at all: the client's mistake, named as such.
    ['a malformed id', () => 'not a global id', 'BAD_USER_INPUT'],
    ['an id of another type', () => gid('Deal', c.tenant.deals.eur), 'BAD_USER_INPUT'],
    ['a non-numeric Expense id', () => Buffer.from('Expense:abc').toString('base64'), 'BAD_USER_INPUT'],
  ])('%s is %s with a null expense', async (_name, id, code) => {
    const response = await execute(t.app, One, { id: id() }, { token: c.tenant.token });
    expect(response.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(response.body.errors?.[0]?.path).toEqual(['expense']);
    expect(response.body.data).toEqual({ expense: null });
  });

  test("another organization's expense is NOT_FOUND", async () => {
    const other = await createTenant(t.db.prisma);
    const response = await execute(t.app, One, { id: gid('Expense', c.e[1]!) }, { token: other.token });
    expect(response.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(response.body.data).toEqual({ expense: null });
    const node = await execute(t.app, Node, { id: gid('Expense', c.e[1]!) }, { token: other.token });
    expect(node.body.data?.node ?? null).toBeNull();
  });

  test('node(id:) fetches an expense', async () => {
    const result = await data(t.app, Node, { id: gid('Expense', c.e[4]!) }, { token: c.tenant.token });
    expect(result.node).toEqual({ __typename: 'Expense', id: gid('Expense', c.e[4]!), databaseId: c.e[4], name: 'Laptop' });
  });
});

// ---- Soft deletion ---------------------------------------------------------------------------

describe('soft-deleted expenses', () => {
  test('disappear from the list, totalCount, aggregates, expense(id:) and node(id:)', async () => {
    const a = await createTenant(t.db.prisma);
    const keep = await a.expense({ name: 'Keep', amount: 1000n, billableAmount: 100n });
    const viaMutation = await a.expense({ name: 'Deleted by mutation', amount: 2000n, billableAmount: 200n });
    const viaUpdate = await a.expense({ name: 'Deleted by update', amount: 4000n, billableAmount: 400n });
    const before = await totals(a);
    expect(before.totalCount).toBe(3);
    expect(before.aggregates.totalAmount.original).toEqual(money(7000, 'EUR'));

    const deleted = await data(t.app, Delete, { input: { id: gid('Expense', viaMutation) } }, { token: a.token });
    expect(deleted.deleteExpense).toEqual({ deletedExpenseId: gid('Expense', viaMutation), userErrors: [] });
    await a.db.expense.updateMany({ where: { id: viaUpdate }, data: { deletedAt: new Date() } });

    const listed = await page(a, {});
    expect(listed.edges.map((e) => e.node.databaseId)).toEqual([keep]);
    expect(listed.totalCount).toBe(1);
    // the deleted ones match this filter but still do not count
    expect(await list(a, { filter: { name: { contains: 'deleted' } } })).toEqual([]);
    const after = await totals(a);
    expect(after.totalCount).toBe(1);
    expect(after.aggregates).toEqual({
      totalAmount: { original: money(1000, 'EUR'), default: money(1250, 'USD'), normalized: money(1000, 'EUR') },
      totalBillableAmount: { original: money(100, 'EUR'), default: money(125, 'USD'), normalized: money(100, 'EUR') },
      totalProfit: { original: money(-900, 'EUR'), default: money(-1125, 'USD'), normalized: money(-900, 'EUR') },
    });

    for (const id of [viaMutation, viaUpdate]) {
      const one = await execute(t.app, One, { id: gid('Expense', id) }, { token: a.token });
      expect(one.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(one.body.data).toEqual({ expense: null });
      const node = await execute(t.app, Node, { id: gid('Expense', id) }, { token: a.token });
      expect(node.body.data?.node ?? null).toBeNull();
    }
    expect((await data(t.app, Node, { id: gid('Expense', keep) }, { token: a.token })).node).toMatchObject({ name: 'Keep' });
  });
});

describe("SERVICE_TYPE_NAME sorts by a copy of the name the database keeps in step", () => {
  test('a renamed service type, a changed service type and a direct write all end up sorted by the real name', async () => {
    const tenant = await createTenant(t.db.prisma);
    const { travel, software, hardware } = tenant.serviceTypes;
    const x = await tenant.expense({ name: 'x', serviceTypeId: travel }); // Travel
    const y = await tenant.expense({ name: 'y', serviceTypeId: software }); // Software
    const z = await tenant.expense({ name: 'z', serviceTypeId: hardware }); // Hardware
    const sorted = () => list(tenant, { orderBy: [order('SERVICE_TYPE_NAME')] });
    expect(await sorted()).toEqual([z, y, x]);

    await tenant.db.serviceType.update({ where: { id: travel }, data: { name: 'Accommodation' } });
    expect(await sorted()).toEqual([x, z, y]);

    await tenant.db.expense.update({ where: { id: y }, data: { serviceTypeId: travel } });
    expect(await sorted()).toEqual([x, y, z]);

    // Even a writer that bypasses the application cannot make the copy lie.
    await t.db.prisma.expense.update({ where: { id: z }, data: { serviceTypeName: 'AAA' } });
    expect((await t.db.prisma.expense.findUniqueOrThrow({ where: { id: z } })).serviceTypeName).toBe('Hardware');
    expect(await sorted()).toEqual([x, y, z]);
  });
});
