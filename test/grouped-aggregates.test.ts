// Grouped totals of a list (`expenses { groupedAggregates(...) }`): every kind of key, currency
// mixes, `having`, orders, paging and cursors, tenancy, the recycle bin, bad input, and the number
// of statements. Expected totals are summed here from the same expenses read one by one.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { approveExpense, deleteExpense, rejectExpense } from '../src/domain/expenses.js';
import { graphql } from './generated/index.js';
import type { ExpenseFilter, ExpenseGroupBy, ExpenseGroupHaving, ExpenseGroupOrder, ReadExpenseGroupsQueryVariables } from './generated/graphql.js';
import { data, execute, startApp, type TestApp } from './helpers/app.js';
import { addPerson, createTenant, day, gid, type Tenant } from './helpers/fixtures.js';
import { service, timeEntry } from './helpers/records.js';

const Groups = graphql(`
  query ReadExpenseGroups(
    $filter: ExpenseFilter
    $groupBy: [ExpenseGroupBy!]!
    $having: ExpenseGroupHaving
    $orderBy: [ExpenseGroupOrder!]
    $first: Int
    $after: String
    $last: Int
    $before: String
  ) {
    expenses(filter: $filter, first: 0) {
      groupedAggregates(groupBy: $groupBy, having: $having, orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
        totalCount
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
        edges {
          cursor
          node {
            keys {
              date paidOn createdAt approvalStatus paymentStatus currency
              deal { databaseId name } company { name } project { name } serviceType { name } person { databaseId } creator { databaseId }
            }
            count
            aggregates {
              totalAmount { original { cents currency } default { cents currency } normalized { cents currency } }
              totalProfit { default { cents } }
            }
          }
        }
      }
    }
  }
`);

const Lean = graphql(`
  query ReadExpenseGroupsLean($groupBy: [ExpenseGroupBy!]!, $first: Int) {
    expenses {
      groupedAggregates(groupBy: $groupBy, first: $first) {
        nodes { keys { date currency } count aggregates { totalAmount { default { cents } } } }
      }
    }
  }
`);

const WithDeals = graphql(`
  query ReadExpenseGroupsWithDeals {
    expenses {
      groupedAggregates(groupBy: [{ field: DEAL }, { field: PERSON }]) {
        nodes { keys { deal { name company { name } } person { databaseId } } count }
      }
    }
  }
`);

const Rows = graphql(`
  query ReadExpenseRowsForGroups($filter: ExpenseFilter) {
    expenses(filter: $filter, first: 200) {
      nodes {
        databaseId date currency approvalStatus
        amount { original { cents } default { cents } }
        profit { default { cents } }
        deal { databaseId company { name } }
        person { databaseId }
      }
    }
  }
`);

const DealGroups = graphql(`
  query ReadDealGroups($filter: DealFilter, $groupBy: [DealGroupBy!]!, $orderBy: [DealGroupOrder!]) {
    deals(filter: $filter) {
      aggregates { totalRevenue { cents currency } totalCost { cents } totalProfit { cents } }
      groupedAggregates(groupBy: $groupBy, orderBy: $orderBy) {
        totalCount
        nodes {
          keys { company { name } project { name } date salesStatus responsible { databaseId } }
          count
          aggregates { totalRevenue { cents currency } totalCost { cents } totalProfit { cents } }
        }
      }
    }
  }
`);

const DealRows = graphql(`
  query ReadDealRowsForGroups {
    deals(first: 200) {
      nodes { databaseId date company { name } revenue { default { cents } } cost { default { cents } } profit { default { cents } } }
    }
  }
`);

const EntryGroups = graphql(`
  query ReadTimeEntryGroups($groupBy: [TimeEntryGroupBy!]!) {
    timeEntries {
      aggregates { totalTime totalBillableTime totalWorkCost { cents currency } }
      groupedAggregates(groupBy: $groupBy) {
        nodes { keys { person { databaseId } deal { databaseId } company { name } date } count aggregates { totalTime totalBillableTime totalWorkCost { cents } } }
      }
    }
  }
`);

const EntryRows = graphql(`
  query ReadTimeEntryRowsForGroups {
    timeEntries(first: 200) { nodes { time billableTime workCost { default { cents } } person { databaseId } task { title } } }
  }
`);

const MakeTask = graphql(`
  mutation GroupsMakeTask($input: CreateTaskInput!) { createTask(input: $input) { task { id } userErrors { code message } } }
`);

const MakeEntry = graphql(`
  mutation GroupsMakeEntry($input: CreateTimeEntryInput!) { createTimeEntry(input: $input) { timeEntry { id } userErrors { code message } } }
`);

const Related = graphql(`
  query ReadRelatedExpenseGroups($id: ID!) {
    deal(id: $id) { expenses { groupedAggregates(groupBy: [{ field: CURRENCY }]) { totalCount } } }
  }
`);

let t: TestApp;
let a: Tenant;
let b: Tenant;
let p2: number;
const e: Record<number, number> = {};

beforeAll(async () => {
  t = await startApp();
  a = await createTenant(t.db.prisma);
  b = await createTenant(t.db.prisma);
  p2 = (await a.member()).personId;
  const p1 = a.personId;
  const hw = await a.db.deal.create({
    data: {
      organizationId: a.organizationId, companyId: a.companies.acme, projectId: null, name: 'Hardware budget', number: 3,
      date: day('2021-04-15'), currency: 'USD', exchangeRate: '1', exchangeDate: day('2021-04-15'),
    },
  });
  const { deals, serviceTypes } = a;
  // default (USD) amounts: e1 12500, e2 31250, e3 11000, e4 150000, e5 2000
  e[1] = await a.expense({ dealId: deals.eur, serviceTypeId: serviceTypes.travel, amount: 10000n, currency: 'EUR', billableAmount: 2000n, date: day('2021-04-15'), paidOn: day('2021-05-03'), personId: p1 });
  e[2] = await a.expense({ dealId: deals.eur, serviceTypeId: serviceTypes.travel, amount: 25000n, currency: 'EUR', billableAmount: 30000n, date: day('2021-04-01'), personId: p2 });
  e[3] = await a.expense({ dealId: deals.usd, serviceTypeId: serviceTypes.software, amount: 11000n, currency: 'USD', billableAmount: 2400n, date: day('2021-05-01') });
  e[4] = await a.expense({ dealId: hw.id, serviceTypeId: serviceTypes.hardware, amount: 150000n, currency: 'USD', billableAmount: 150000n, date: day('2021-04-30'), paidOn: day('2021-06-01'), personId: p1 });
  e[5] = await a.expense({ dealId: deals.eur, serviceTypeId: serviceTypes.software, amount: 2000n, currency: 'USD', billableAmount: 2100n, date: day('2021-03-31'), paidOn: day('2021-04-30'), personId: p2 });
  expect((await approveExpense(a.db, a.viewer, e[1]!)).ok).toBe(true);
  expect((await approveExpense(a.db, a.viewer, e[4]!)).ok).toBe(true);
  expect((await rejectExpense(a.db, a.viewer, e[2]!, 'too expensive')).ok).toBe(true);
  // Entered at 23:30 UTC on 5 January: the 6th in Berlin.
  await a.db.expense.updateMany({ where: { id: e[1]! }, data: { createdAt: new Date('2021-01-05T23:30:00Z') } });
  // Organization b: one expense in April 2021 that must never show in a's groups.
  await b.expense({ dealId: b.deals.usd, serviceTypeId: b.serviceTypes.travel, amount: 999n, currency: 'USD', date: day('2021-04-10') });
});
afterAll(() => t.close());

type Variables = ReadExpenseGroupsQueryVariables;
async function groups(tenant: Tenant, variables: Variables) {
  return (await data(t.app, Groups, variables, { token: tenant.token })).expenses.groupedAggregates;
}
const by = (field: ExpenseGroupBy['field'], bucket?: ExpenseGroupBy['bucket']): ExpenseGroupBy => ({ field, ...(bucket && { bucket }) });
const order = (field: ExpenseGroupOrder['field'], direction: ExpenseGroupOrder['direction'] = 'ASC'): ExpenseGroupOrder => ({ field, direction });
const nodes = (page: Awaited<ReturnType<typeof groups>>) => page.edges.map((edge) => edge.node);

/** The expenses as the list shows them, grouped here by `key` and summed in the test. */
async function summed(key: (row: Awaited<ReturnType<typeof rows>>[number]) => string, filter?: ExpenseFilter) {
  const byKey = new Map<string, { count: number; default: bigint; profit: bigint; currencies: Set<string>; original: bigint }>();
  for (const row of await rows(filter)) {
    const k = key(row);
    const sum = byKey.get(k) ?? { count: 0, default: 0n, profit: 0n, currencies: new Set(), original: 0n };
    sum.count += 1;
    sum.default += BigInt(row.amount.default.cents);
    sum.profit += BigInt(row.profit.default.cents);
    sum.original += BigInt(row.amount.original.cents);
    sum.currencies.add(row.currency);
    byKey.set(k, sum);
  }
  return byKey;
}
async function rows(filter?: ExpenseFilter) {
  return (await data(t.app, Rows, { filter }, { token: a.token })).expenses.nodes;
}

describe('grouping by each kind of key', () => {
  test('by month of the date: counts and totals as summed from the rows; an original total is null where currencies mix', async () => {
    const page = await groups(a, { groupBy: [by('DATE', 'MONTH')] });
    const expected = await summed((row) => `${row.date.slice(0, 7)}-01`);
    expect(page.totalCount).toBe(3);
    expect(nodes(page).map((n) => n.keys.date)).toEqual(['2021-03-01', '2021-04-01', '2021-05-01']);
    for (const node of nodes(page)) {
      const sum = expected.get(node.keys.date!)!;
      expect(node.count).toBe(sum.count);
      expect(node.aggregates.totalAmount.default).toEqual({ cents: Number(sum.default), currency: 'USD' });
      expect(node.aggregates.totalProfit.default.cents).toBe(Number(sum.profit));
      expect(node.aggregates.totalAmount.original).toEqual(
        sum.currencies.size === 1 ? { cents: Number(sum.original), currency: [...sum.currencies][0] } : null,
      );
    }
    // April mixes EUR (e1, e2) and USD (e4): no original total, the default one is exact.
    expect(nodes(page)[1]).toMatchObject({ count: 3, aggregates: { totalAmount: { original: null, default: { cents: 193750 } } } });
    // Keys not grouped by are null.
    expect(nodes(page)[0]!.keys).toMatchObject({ deal: null, currency: null, approvalStatus: null, createdAt: null });
  });

  test('every bucket of a date: day, ISO week (Monday), quarter, year', async () => {
    const keys = async (bucket: ExpenseGroupBy['bucket']) => nodes(await groups(a, { groupBy: [by('DATE', bucket)] })).map((n) => [n.keys.date, n.count]);
    expect(await keys('DAY')).toEqual([['2021-03-31', 1], ['2021-04-01', 1], ['2021-04-15', 1], ['2021-04-30', 1], ['2021-05-01', 1]]);
    // 31 March and 1 April 2021 are the Wednesday and Thursday of the week of Monday 29 March.
    expect(await keys('WEEK')).toEqual([['2021-03-29', 2], ['2021-04-12', 1], ['2021-04-26', 2]]);
    expect(await keys('QUARTER')).toEqual([['2021-01-01', 1], ['2021-04-01', 4]]);
    expect(await keys('YEAR')).toEqual([['2021-01-01', 5]]);
  });

  test("an instant falls on its day in the organization's time zone, UTC without one", async () => {
    const days = async () => nodes(await groups(a, { groupBy: [by('CREATED_AT', 'DAY')], filter: { dateBefore: '2021-04-15', dateAfter: '2021-04-15' } })).map((n) => n.keys.createdAt);
    expect(await days()).toEqual(['2021-01-05']);
    await t.db.prisma.organization.update({ where: { id: a.organizationId }, data: { timeZone: 'Europe/Berlin' } });
    try {
      expect(await days()).toEqual(['2021-01-06']);
    } finally {
      await t.db.prisma.organization.update({ where: { id: a.organizationId }, data: { timeZone: null } });
    }
  });

  test('by relations: the related objects themselves; the group without one is last', async () => {
    const page = await groups(a, { groupBy: [by('PERSON')] });
    expect(nodes(page).map((n) => [n.keys.person?.databaseId ?? null, n.count])).toEqual([
      [Math.min(a.personId, p2), 2],
      [Math.max(a.personId, p2), 2],
      [null, 1],
    ]);
    const companies = await groups(a, { groupBy: [by('COMPANY'), by('DATE', 'QUARTER')] });
    const expected = await summed((row) => `${row.deal.company.name}|${row.date < '2021-04-01' ? 'Q1' : 'Q2'}`);
    const got = nodes(companies).map((n) => [n.keys.company!.name, n.keys.date, n.count, n.aggregates.totalProfit.default.cents]);
    expect(got).toEqual([
      ['Acme', '2021-01-01', 1, Number(expected.get('Acme|Q1')!.profit)],
      ['Acme', '2021-04-01', 3, Number(expected.get('Acme|Q2')!.profit)],
      ['Globex', '2021-04-01', 1, Number(expected.get('Globex|Q2')!.profit)],
    ]);
    const projects = nodes(await groups(a, { groupBy: [by('PROJECT')] })).map((n) => [n.keys.project?.name ?? null, n.count]);
    expect(projects).toEqual([['Website', 3], ['App', 1], [null, 1]]);
    const types = nodes(await groups(a, { groupBy: [by('SERVICE_TYPE')] })).map((n) => [n.keys.serviceType!.name, n.count]);
    // Related objects in the order of their ids (the fixture creates the three types at once).
    const byId = (['travel', 'software', 'hardware'] as const).map((n) => [a.serviceTypes[n], n] as const).sort(([x], [y]) => x - y);
    const counts = { travel: ['Travel', 2], software: ['Software', 2], hardware: ['Hardware', 1] };
    expect(types).toEqual(byId.map(([, n]) => counts[n]));
  });

  test('by enum values and currency, several keys at once', async () => {
    const page = await groups(a, { groupBy: [by('APPROVAL_STATUS'), by('CURRENCY')] });
    expect(nodes(page).map((n) => [n.keys.approvalStatus, n.keys.currency, n.count, n.aggregates.totalAmount.original])).toEqual([
      ['APPROVED', 'EUR', 1, { cents: 10000, currency: 'EUR' }],
      ['APPROVED', 'USD', 1, { cents: 150000, currency: 'USD' }],
      ['NOT_APPROVED', 'USD', 2, { cents: 13000, currency: 'USD' }],
      ['REJECTED', 'EUR', 1, { cents: 25000, currency: 'EUR' }],
    ]);
    const paid = nodes(await groups(a, { groupBy: [by('PAYMENT_STATUS')] })).map((n) => [n.keys.paymentStatus, n.count]);
    expect(paid).toEqual([['PAID', 3], ['UNPAID', 2]]);
  });

  test("the list's filter applies: only EUR expenses of the eur deal", async () => {
    const page = await groups(a, { groupBy: [by('DEAL')], filter: { currency: { eq: 'EUR' } } });
    expect(nodes(page).map((n) => [n.keys.deal!.databaseId, n.count, n.aggregates.totalAmount.original])).toEqual([
      [a.deals.eur, 2, { cents: 35000, currency: 'EUR' }],
    ]);
    const none = await groups(a, { groupBy: [by('DEAL')], filter: { currency: { in: [] } } });
    expect(none).toMatchObject({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null } });
  });
});

describe('having and order', () => {
  test('conditions on the count and on default totals; order by a total or the count, keys breaking ties', async () => {
    const more = await groups(a, { groupBy: [by('DATE', 'MONTH')], having: { count: { gte: 2 } } });
    expect(nodes(more).map((n) => n.keys.date)).toEqual(['2021-04-01']);
    expect(more.totalCount).toBe(1);
    const big: ExpenseGroupHaving = { totalAmount: { gt: 10000 } };
    const byTotal = await groups(a, { groupBy: [by('DATE', 'MONTH')], having: big, orderBy: [order('TOTAL_AMOUNT', 'DESC')] });
    expect(nodes(byTotal).map((n) => [n.keys.date, n.aggregates.totalAmount.default.cents])).toEqual([
      ['2021-04-01', 193750],
      ['2021-05-01', 11000],
    ]);
    const byCount = await groups(a, { groupBy: [by('PERSON')], orderBy: [order('COUNT', 'ASC')] });
    // One expense for no one, then two each for p1 and p2 (ties in the order of the keys).
    expect(nodes(byCount).map((n) => [n.keys.person?.databaseId ?? null, n.count])).toEqual([
      [null, 1],
      [Math.min(a.personId, p2), 2],
      [Math.max(a.personId, p2), 2],
    ]);
    const none = await groups(a, { groupBy: [by('DATE', 'MONTH')], having: { count: { in: [] } } });
    expect(none.totalCount).toBe(0);
  });

  test('keys descending still put the group without a value last', async () => {
    const page = await groups(a, { groupBy: [by('PERSON')], orderBy: [order('KEYS', 'DESC')] });
    expect(nodes(page).map((n) => n.keys.person?.databaseId ?? null)).toEqual([Math.max(a.personId, p2), Math.min(a.personId, p2), null]);
  });
});

describe('paging', () => {
  const day5 = { groupBy: [by('DATE', 'DAY')] };
  test('first/after walks every group once; last/before walks back; totalCount stays', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 5; i++) {
      const page: Awaited<ReturnType<typeof groups>> = await groups(a, { ...day5, first: 2, after });
      expect(page.totalCount).toBe(5);
      seen.push(...nodes(page).map((n) => n.keys.date!));
      expect(page.pageInfo.hasPreviousPage).toBe(i > 0);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(['2021-03-31', '2021-04-01', '2021-04-15', '2021-04-30', '2021-05-01']);

    const last = await groups(a, { ...day5, last: 2 });
    expect(nodes(last).map((n) => n.keys.date)).toEqual(['2021-04-30', '2021-05-01']);
    expect(last.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: false });
    const back = await groups(a, { ...day5, last: 2, before: last.pageInfo.startCursor });
    expect(nodes(back).map((n) => n.keys.date)).toEqual(['2021-04-01', '2021-04-15']);
    expect(back.pageInfo).toMatchObject({ hasPreviousPage: true, hasNextPage: true });
    const start = await groups(a, { ...day5, last: 5, before: back.pageInfo.startCursor });
    expect(nodes(start).map((n) => n.keys.date)).toEqual(['2021-03-31']);
    const between = await groups(a, { ...day5, first: 5, after: start.pageInfo.endCursor, before: last.pageInfo.startCursor });
    expect(nodes(between).map((n) => n.keys.date)).toEqual(['2021-04-01', '2021-04-15']);
    const pastEnd = await groups(a, { ...day5, first: 2, after: last.pageInfo.endCursor });
    expect(pastEnd).toMatchObject({ totalCount: 5, edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: true } });
  });

  test("a cursor of another grouping, order, filter or organization, or a forged one, is refused and says which argument", async () => {
    const page = await groups(a, { ...day5, first: 1 });
    const cursor = page.pageInfo.endCursor!;
    const refused = async (tenant: Tenant, variables: Variables) => {
      const { body } = await execute(t.app, Groups, variables, { token: tenant.token });
      expect(body.data).toBeNull();
      return body.errors!.map((error) => [error.extensions?.code, error.message]);
    };
    const why = (reason: string) => [['BAD_USER_INPUT', `\`after\` is not a valid cursor for these groups: ${reason}.`]];
    const other = 'it was issued for another grouping, filter or order; start again from the first page';
    expect(await refused(a, { groupBy: [by('DATE', 'MONTH')], after: cursor })).toEqual(why(other));
    expect(await refused(a, { ...day5, orderBy: [order('COUNT')], after: cursor })).toEqual(why(other));
    expect(await refused(a, { ...day5, filter: { currency: { eq: 'EUR' } }, after: cursor })).toEqual(why(other));
    expect(await refused(b, { ...day5, after: cursor })).toEqual(why('it belongs to another organization'));
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(cursor, 'base64url').toString()), i: -1 })).toString('base64url');
    expect(await refused(a, { ...day5, after: forged })).toEqual(why('it is malformed'));
    expect(await refused(a, { ...day5, after: 'x'.repeat(5000) })).toEqual(why('it is not a cursor this API issued'));
    expect(await refused(a, { ...day5, after: `${cursor}\u0000` })).toEqual(why('it is not a cursor this API issued'));
  });
});

describe('tenancy and the recycle bin', () => {
  test("another organization's rows never count; its own groups hold only its expense", async () => {
    const april = await groups(a, { groupBy: [by('DATE', 'MONTH')], filter: { dateAfter: '2021-04-01', dateBefore: '2021-04-30' } });
    expect(nodes(april).map((n) => n.count)).toEqual([3]);
    const theirs = await groups(b, { groupBy: [by('DEAL'), by('CREATOR')] });
    expect(nodes(theirs).map((n) => [n.keys.deal!.databaseId, n.keys.creator!.databaseId, n.count])).toEqual([[b.deals.usd, b.personId, 1]]);
    // a's deal ids in b's filter match nothing.
    const probe = await groups(b, { groupBy: [by('DEAL')], filter: { dealIds: [gid('Deal', a.deals.eur)] } });
    expect(probe.totalCount).toBe(0);
  });

  test('an expense in the recycle bin leaves its group', async () => {
    const tenant = await createTenant(t.db.prisma);
    const kept = await tenant.expense({ amount: 100n, currency: 'USD', dealId: tenant.deals.usd });
    const binned = await tenant.expense({ amount: 200n, currency: 'USD', dealId: tenant.deals.usd });
    expect((await deleteExpense(tenant.db, tenant.viewer, binned)).ok).toBe(true);
    const page = await groups(tenant, { groupBy: [by('DEAL')] });
    expect(nodes(page).map((n) => [n.count, n.aggregates.totalAmount.original])).toEqual([[1, { cents: 100, currency: 'USD' }]]);
    expect(kept).toBeLessThan(binned);
  });
});

describe('bad input changes nothing and names the argument', () => {
  const refusal = async (variables: Variables) => {
    const { status, body } = await execute(t.app, Groups, variables, { token: a.token });
    expect(status).toBe(200);
    return body.errors!.map((error) => [error.extensions?.code, error.message]);
  };
  test.each([
    [{ groupBy: [] }, '`groupBy` takes 1 to 4 keys, got 0.'],
    [{ groupBy: [by('DEAL'), by('PERSON'), by('CURRENCY'), by('COMPANY'), by('PROJECT')] }, '`groupBy` takes 1 to 4 keys, got 5.'],
    [{ groupBy: [by('DEAL'), by('DEAL')] }, '`groupBy[1]`: DEAL is already a key.'],
    [{ groupBy: [by('DATE')] }, '`groupBy[0]`: DATE is a date; say which `bucket` to group it by.'],
    [{ groupBy: [by('DEAL', 'MONTH')] }, '`groupBy[0]`: DEAL is not a date; leave `bucket` out.'],
    [{ groupBy: [by('DEAL')], first: 201 }, '`first` must be between 0 and 200, got 201.'],
    [{ groupBy: [by('DEAL')], first: 1, last: 1 }, 'Pass either `first` or `last`, not both.'],
  ] as Array<[Variables, string]>)('%j', async (variables, message) => {
    expect(await refusal(variables)).toEqual([['BAD_USER_INPUT', message]]);
  });

  test('a having list past the filter bound, and amounts past 64 bits, are refused', async () => {
    const long = await refusal({ groupBy: [by('DEAL')], having: { count: { in: Array.from({ length: 501 }, (_, i) => i) } } });
    expect(long).toEqual([['BAD_USER_INPUT', '`having.count.in` may hold at most 500 values, got 501.']]);
    const { body } = await execute(t.app, Groups, { groupBy: [by('DEAL')], having: { totalAmount: { gt: '9223372036854775808' } } }, { token: a.token });
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const huge = await groups(a, { groupBy: [by('DEAL')], having: { totalAmount: { lt: '9223372036854775807' } } });
    expect(huge.totalCount).toBe(3);
  });

  test('a list under another object answers that grouping is for top-level lists', async () => {
    const { body } = await execute(t.app, Related, { id: gid('Deal', a.deals.eur) }, { token: a.token });
    expect(body.errors!.map((error) => [error.extensions?.code, error.message])).toEqual([
      ['BAD_USER_INPUT', '`groupedAggregates` is offered on top-level lists only: group the top-level list with a filter instead.'],
    ]);
  });
});

describe('statements', () => {
  test('one SQL text per grouping shape: the organization, the page and having values are parameters', async () => {
    const text = async (tenant: Tenant, variables: Variables) => {
      t.db.statements.reset();
      await groups(tenant, variables);
      return t.db.statements.log.find((sql) => /^WITH g AS/.test(sql))!;
    };
    const shape = { groupBy: [by('DEAL')], having: { count: { gt: 0 } }, first: 1 };
    const first = await text(a, shape);
    const page = await groups(a, shape);
    expect(await text(a, { ...shape, after: page.pageInfo.endCursor })).toBe(first);
    expect(await text(b, { groupBy: [by('DEAL')], having: { count: { gt: 7 } }, first: 2 })).toBe(first);
  });

  test('one statement for the groups; one more per type of related object shown', async () => {
    t.db.statements.reset();
    const lean = await data(t.app, Lean, { groupBy: [by('DATE', 'MONTH'), by('CURRENCY')], first: 10 }, { token: a.token });
    expect(lean.expenses.groupedAggregates.nodes).toHaveLength(4);
    const groupsOnly = t.db.statements.log.filter((sql) => !/api_tokens/.test(sql));
    expect(groupsOnly).toHaveLength(1);
    expect(groupsOnly[0]).toMatch(/^WITH g AS/);

    t.db.statements.reset();
    const withDeals = await data(t.app, WithDeals, {}, { token: a.token });
    expect(withDeals.expenses.groupedAggregates.nodes.map((n) => n.keys.deal!.company.name).sort()).toEqual(['Acme', 'Acme', 'Acme', 'Globex']);
    const reads = t.db.statements.log.filter((sql) => !/api_tokens/.test(sql));
    // The groups, the deals with their companies (one statement), the people.
    expect(reads.map((sql) => (/^WITH g AS/.test(sql) ? 'groups' : /FROM "public"\."(\w+)"/.exec(sql)?.[1]))).toEqual(['groups', 'deals', 'people']);
  });
});

describe('deals: money computed from services, time and expenses', () => {
  test('profit per company per quarter, to the cent, against the deals summed here; revenue and cost too', async () => {
    const tenant = await createTenant(t.db.prisma);
    const { person } = await addPerson(t.db.prisma, [tenant.organizationId]);
    await t.db.prisma.membership.update({
      where: { organizationId_personId: { organizationId: tenant.organizationId, personId: person.id } },
      data: { costRate: 3333n },
    });
    // A third deal in another quarter, for Globex in USD at 1.
    const later = await tenant.db.deal.create({
      data: {
        organizationId: tenant.organizationId, companyId: tenant.companies.globex, projectId: null, name: 'Later', number: 3,
        date: day('2021-08-02'), currency: 'USD', exchangeRate: '1', exchangeDate: day('2021-08-02'),
      },
    });
    // Amounts chosen so that each conversion rounds (EUR at 1.25; 90 minutes at 33.33 an hour).
    const design = await service(tenant, { dealId: tenant.deals.eur, unit: 'HOUR', quantity: '10.5', price: 10001n });
    await service(tenant, { dealId: tenant.deals.usd, unit: 'PIECE', pricingType: 'FIXED_PRICE', quantity: '1.5', price: 20001n });
    await service(tenant, { dealId: later.id, unit: 'HOUR', quantity: '3', price: 777n });
    await timeEntry(tenant, design, { personId: person.id, time: 90, billableTime: 45 });
    await tenant.expense({ dealId: tenant.deals.eur, amount: 10003n, currency: 'EUR', billableAmount: 333n });
    await tenant.expense({ dealId: later.id, amount: 999n, currency: 'USD', billableAmount: 1001n });
    await tenant.expense({ dealId: tenant.deals.usd, amount: 4321n, currency: 'USD', billableAmount: 0n });

    const deals = (await data(t.app, DealRows, {}, { token: tenant.token })).deals.nodes;
    const quarterOf = (date: string) => `${date.slice(0, 4)}-${String(Math.floor((Number(date.slice(5, 7)) - 1) / 3) * 3 + 1).padStart(2, '0')}-01`;
    const expected = new Map<string, { count: number; revenue: bigint; cost: bigint; profit: bigint }>();
    for (const deal of deals) {
      const key = `${deal.company.name}|${quarterOf(deal.date)}`;
      const sum = expected.get(key) ?? { count: 0, revenue: 0n, cost: 0n, profit: 0n };
      sum.count += 1;
      sum.revenue += BigInt(deal.revenue.default.cents);
      sum.cost += BigInt(deal.cost.default.cents);
      sum.profit += BigInt(deal.profit.default.cents);
      expected.set(key, sum);
    }
    expect([...expected.keys()]).toHaveLength(3);

    const grouped = (await data(t.app, DealGroups, { groupBy: [{ field: 'COMPANY' }, { field: 'DATE', bucket: 'QUARTER' }] }, { token: tenant.token })).deals;
    expect(grouped.groupedAggregates.nodes.map((n) => [n.keys.company!.name, n.keys.date, n.count, n.aggregates])).toEqual(
      [...expected].map(([key, sum]) => [
        ...key.split('|'),
        sum.count,
        {
          totalRevenue: { cents: Number(sum.revenue), currency: 'USD' },
          totalCost: { cents: Number(sum.cost) },
          totalProfit: { cents: Number(sum.profit) },
        },
      ]),
    );
    // Nothing is zero by accident: every group has revenue and cost.
    expect([...expected.values()].every((sum) => sum.revenue !== 0n && sum.cost !== 0n)).toBe(true);
    // The list's own totals are the sums of the groups.
    const all = [...expected.values()].reduce((a, b) => ({ count: a.count + b.count, revenue: a.revenue + b.revenue, cost: a.cost + b.cost, profit: a.profit + b.profit }));
    expect(grouped.aggregates).toEqual({
      totalRevenue: { cents: Number(all.revenue), currency: 'USD' },
      totalCost: { cents: Number(all.cost) },
      totalProfit: { cents: Number(all.profit) },
    });

    // By project (the later deal has none) ordered by profit, and by sales status (budgets have none).
    const byProfit = (await data(t.app, DealGroups, { groupBy: [{ field: 'PROJECT' }], orderBy: [{ field: 'TOTAL_PROFIT', direction: 'DESC' }] }, { token: tenant.token })).deals;
    const profits = byProfit.groupedAggregates.nodes.map((n) => n.aggregates.totalProfit.cents);
    expect(profits).toEqual([...profits].sort((x, y) => Number(y) - Number(x)));
    expect(byProfit.groupedAggregates.nodes.map((n) => n.keys.project?.name ?? null).sort()).toEqual(['App', 'Website', null].sort());
    const bySales = (await data(t.app, DealGroups, { groupBy: [{ field: 'SALES_STATUS' }] }, { token: tenant.token })).deals;
    expect(bySales.groupedAggregates.nodes.map((n) => [n.keys.salesStatus, n.count])).toEqual([[null, 3]]);
    await tenant.db.deal.update({ where: { id: later.id }, data: { salesStatusId: 2 } });
    const won = (await data(t.app, DealGroups, { groupBy: [{ field: 'SALES_STATUS' }], filter: { salesStatus: ['WON'] } }, { token: tenant.token })).deals;
    expect(won.groupedAggregates.nodes.map((n) => [n.keys.salesStatus, n.count])).toEqual([['WON', 1]]);
  });
});

describe('time entries: minutes and work cost, and privacy', () => {
  test("hours and work cost per person are the list's, summed per viewer; an entry on a private task counts only as the list shows it", async () => {
    const tenant = await createTenant(t.db.prisma);
    const member = await tenant.member();
    await t.db.prisma.membership.update({
      where: { organizationId_personId: { organizationId: tenant.organizationId, personId: member.personId } },
      data: { costRate: 3333n },
    });
    const design = await service(tenant, { dealId: tenant.deals.eur, unit: 'HOUR', quantity: '10', price: 10000n });
    const build = await service(tenant, { dealId: tenant.deals.usd, unit: 'HOUR', quantity: '10', price: 10000n });
    await timeEntry(tenant, design, { personId: tenant.personId, time: 90, billableTime: 60, date: day('2025-08-01') });
    await timeEntry(tenant, build, { personId: member.personId, time: 480, billableTime: 450, date: day('2025-08-02') });
    await timeEntry(tenant, design, { personId: member.personId, time: 45, billableTime: 0, date: day('2025-09-02') });
    // The member's private task, and 30 minutes on it, made as the member.
    const task = (await data(t.app, MakeTask, { input: { projectId: gid('Project', tenant.projects.website), title: 'Secret', private: true } }, { token: member.token })).createTask;
    expect(task.userErrors).toEqual([]);
    const entry = (await data(t.app, MakeEntry, { input: { serviceId: gid('Service', design), taskId: task.task!.id, date: '2025-09-03', time: 30 } }, { token: member.token })).createTimeEntry;
    expect(entry.userErrors).toEqual([]);

    for (const viewer of [tenant, member]) {
      const rows = (await data(t.app, EntryRows, {}, { token: viewer.token })).timeEntries.nodes;
      const expected = new Map<number, { count: number; time: number; billable: number; cost: number }>();
      for (const row of rows) {
        const sum = expected.get(row.person.databaseId) ?? { count: 0, time: 0, billable: 0, cost: 0 };
        sum.count += 1;
        sum.time += row.time;
        sum.billable += row.billableTime;
        sum.cost += Number(row.workCost.default.cents);
        expected.set(row.person.databaseId, sum);
      }
      const grouped = (await data(t.app, EntryGroups, { groupBy: [{ field: 'PERSON' }] }, { token: viewer.token })).timeEntries;
      expect(grouped.groupedAggregates.nodes.map((n) => [n.keys.person!.databaseId, n.count, n.aggregates])).toEqual(
        [...expected].sort(([x], [y]) => x - y).map(([person, sum]) => [person, sum.count, { totalTime: sum.time, totalBillableTime: sum.billable, totalWorkCost: { cents: sum.cost } }]),
      );
      expect(grouped.aggregates).toEqual({
        totalTime: rows.reduce((n, r) => n + r.time, 0),
        totalBillableTime: rows.reduce((n, r) => n + r.billableTime, 0),
        totalWorkCost: { cents: rows.reduce((n, r) => n + Number(r.workCost.default.cents), 0), currency: 'USD' },
      });
      // The private task shows only to its creator; its entry is listed (and counted) with the task hidden.
      expect(rows.map((r) => r.task?.title ?? null).filter(Boolean)).toEqual(viewer === member ? ['Secret'] : []);
    }
    // The member's work cost is 3333 an hour: 480 + 45 + 30 minutes.
    const perDeal = (await data(t.app, EntryGroups, { groupBy: [{ field: 'COMPANY' }, { field: 'DATE', bucket: 'MONTH' }] }, { token: tenant.token })).timeEntries;
    expect(perDeal.groupedAggregates.nodes.map((n) => [n.keys.company!.name, n.keys.date, n.aggregates.totalTime])).toEqual([
      ['Acme', '2025-08-01', 90],
      ['Acme', '2025-09-01', 75],
      ['Globex', '2025-08-01', 480],
    ]);
    // Tasks are not a key: the grouping statement could not prune a private task of others.
    const { body } = await execute(t.app, EntryGroups, { groupBy: [{ field: 'TASK' as never }] }, { token: tenant.token });
    expect(body.errors?.[0]?.message).toMatch(/TASK/);
  });
});
