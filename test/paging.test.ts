// Keyset pagination and tenant probes, through HTTP, as a hostile client would send them.
//
// What is promised: a cursor carries the sort values and the id; the next page is the rows strictly
// after those values in the requested order, whatever happened to the cursor's own row since. Cursors
// are opaque: nothing here depends on their format, only on what the server does with them. A cursor
// the server did not hand out for this organization, this list and this sort is BAD_USER_INPUT.
// Every expected order is worked out from the rows created here.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { approveExpense, rejectExpense } from '../src/domain/expenses.js';
import { graphql } from './generated/index.js';
import type { ExpenseFilter, ExpenseOrder, PagingExpensesQueryVariables } from './generated/graphql.js';
import { data, execute, startApp, type Response, type TestApp } from './helpers/app.js';
import { createTenant, day, gid, type Tenant } from './helpers/fixtures.js';
import {
  acceptableOrders,
  sortedIds,
  walkBackward,
  walkForward,
  type Connection,
  type FetchPage,
  type SortKey,
} from './helpers/paging.js';

// ---- Documents -------------------------------------------------------------------------------

const Expenses = graphql(`
  query PagingExpenses(
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
      edges { cursor node { databaseId name } }
    }
  }
`);

const Deals = graphql(`
  query PagingDeals($first: Int, $after: String, $last: Int, $before: String) {
    deals(first: $first, after: $after, last: $last, before: $before) {
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { databaseId name } }
    }
  }
`);

const Companies = graphql(`
  query PagingCompanies($first: Int, $after: String, $last: Int, $before: String) {
    companies(first: $first, after: $after, last: $last, before: $before) {
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { databaseId name } }
    }
  }
`);

const Projects = graphql(`
  query PagingProjects($first: Int, $after: String, $last: Int, $before: String) {
    projects(first: $first, after: $after, last: $last, before: $before) {
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { databaseId name } }
    }
  }
`);

const ServiceTypes = graphql(`
  query PagingServiceTypes($first: Int, $after: String, $last: Int, $before: String) {
    serviceTypes(first: $first, after: $after, last: $last, before: $before) {
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { databaseId name } }
    }
  }
`);

const People = graphql(`
  query PagingPeople($first: Int, $after: String, $last: Int, $before: String) {
    people(first: $first, after: $after, last: $last, before: $before) {
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { databaseId lastName } }
    }
  }
`);

const Approve = graphql(`
  mutation PagingApprove($input: ApproveExpenseInput!) {
    approveExpense(input: $input) { expense { databaseId approvalStatus } userErrors { code } }
  }
`);

const Delete = graphql(`
  mutation PagingDelete($input: DeleteExpenseInput!) {
    deleteExpense(input: $input) { deletedExpenseId userErrors { code } }
  }
`);

const Update = graphql(`
  mutation PagingUpdate($input: UpdateExpenseInput!) {
    updateExpense(input: $input) { expense { databaseId } userErrors { code field message } }
  }
`);

const Node = graphql(`
  query PagingNode($id: ID!) {
    node(id: $id) { __typename id ... on Organization { databaseId } }
  }
`);

const Nodes = graphql(`
  query PagingNodes($ids: [ID!]!) {
    nodes(ids: $ids) { __typename id ... on Organization { databaseId } }
  }
`);

// ---- Helpers ---------------------------------------------------------------------------------

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

type ExpenseVariables = PagingExpensesQueryVariables;

async function expensePage(tenant: Tenant, variables: ExpenseVariables) {
  return (await data(t.app, Expenses, variables, { token: tenant.token })).expenses;
}

/** The expenses list with a fixed filter and sort, for the walkers. */
const expensesOf =
  (tenant: Tenant, variables: ExpenseVariables = {}): FetchPage =>
  (args) =>
    expensePage(tenant, { ...variables, ...args });

const ids = (page: Connection) => page.edges.map((e) => e.node.databaseId);
const order = (field: ExpenseOrder['field'], direction: ExpenseOrder['direction'] = 'ASC'): ExpenseOrder => ({
  field,
  direction,
});
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

async function approveViaApi(tenant: Tenant, id: number) {
  const result = await data(t.app, Approve, { input: { id: gid('Expense', id) } }, { token: tenant.token });
  expect(result.approveExpense.userErrors).toEqual([]);
}

async function deleteViaApi(tenant: Tenant, id: number) {
  const result = await data(t.app, Delete, { input: { id: gid('Expense', id) } }, { token: tenant.token });
  expect(result.deleteExpense.userErrors).toEqual([]);
}

async function setAmountViaApi(tenant: Tenant, id: number, amount: number) {
  const result = await data(t.app, Update, { input: { id: gid('Expense', id), amount } }, { token: tenant.token });
  expect(result.updateExpense.userErrors).toEqual([]);
}

/**
 * What a refused request looks like, as one object so that a failure shows everything at once:
 * HTTP 200, a BAD_USER_INPUT error, never the masked "Unexpected error.", and no rows.
 */
function refusal(response: Response<unknown>, field: string) {
  const errors = response.body.errors ?? [];
  const value = (response.body.data as Record<string, unknown> | null | undefined)?.[field] ?? null;
  const rows = value && typeof value === 'object' && 'edges' in value
    ? (value as Connection).edges.map((e) => e.node.databaseId)
    : value;
  return {
    status: response.status,
    code: errors[0]?.extensions?.code,
    unexpected: errors.some((e) => e.message === 'Unexpected error.'),
    rows,
  };
}
const REFUSED = { status: 200, code: 'BAD_USER_INPUT', unexpected: false, rows: null };

// ---- 1. Keyset paging while the data changes --------------------------------------------------

describe('approving each page while paging the NOT_APPROVED list', () => {
  // 14 expenses with distinct amounts (not in id order); three are not NOT_APPROVED from the start.
  const amounts = [700, 1300, 200, 1000, 400, 1100, 900, 100, 1400, 600, 300, 1200, 800, 500];
  async function setUp() {
    const tenant = await createTenant(t.db.prisma);
    const rows: Array<{ id: number; amount: number }> = [];
    for (const [i, amount] of amounts.entries()) {
      rows.push({
        id: await tenant.expense({ name: `pending ${i}`, dealId: tenant.deals.usd, currency: 'USD', amount: BigInt(amount) }),
        amount,
      });
    }
    expect((await approveExpense(tenant.db, tenant.viewer, rows[2]!.id)).ok).toBe(true);
    expect((await approveExpense(tenant.db, tenant.viewer, rows[7]!.id)).ok).toBe(true);
    expect((await rejectExpense(tenant.db, tenant.viewer, rows[10]!.id, 'no')).ok).toBe(true);
    const pending = rows.filter((_, i) => ![2, 7, 10].includes(i));
    return { tenant, pending };
  }
  const filter: ExpenseFilter = { approvalStatus: 'NOT_APPROVED' };
  const approveAll = (tenant: Tenant) => async (page: Connection) => {
    for (const id of ids(page)) await approveViaApi(tenant, id);
  };

  test('forwards (first: 3, after: endCursor): every pending row exactly once, none skipped', async () => {
    const { tenant, pending } = await setUp();
    const walked = await walkForward(expensesOf(tenant, { filter }), 3, approveAll(tenant));
    expect(walked.ids).toEqual(pending.map((r) => r.id));
    expect(walked.pages.map((p) => p.edges.length)).toEqual([3, 3, 3, 2]);
    expect((await expensePage(tenant, { filter })).totalCount).toBe(0);
  });

  test('backwards (last: 3, before: startCursor): every pending row exactly once, none skipped', async () => {
    const { tenant, pending } = await setUp();
    const walked = await walkBackward(expensesOf(tenant, { filter }), 3, approveAll(tenant));
    expect(walked.ids).toEqual(pending.map((r) => r.id));
    expect(walked.pages.map((p) => p.edges.length)).toEqual([2, 3, 3, 3]);
    expect((await expensePage(tenant, { filter })).totalCount).toBe(0);
  });

  test('forwards sorted by AMOUNT DESC: every pending row exactly once, in amount order', async () => {
    const { tenant, pending } = await setUp();
    const expected = sortedIds(pending, [{ value: (r) => r.amount, direction: 'DESC' }]);
    const walked = await walkForward(expensesOf(tenant, { filter, orderBy: [order('AMOUNT', 'DESC')] }), 3, approveAll(tenant));
    expect(walked.ids).toEqual(expected);
  });

  test('backwards sorted by AMOUNT DESC: every pending row exactly once, in amount order', async () => {
    const { tenant, pending } = await setUp();
    const expected = sortedIds(pending, [{ value: (r) => r.amount, direction: 'DESC' }]);
    const walked = await walkBackward(expensesOf(tenant, { filter, orderBy: [order('AMOUNT', 'DESC')] }), 3, approveAll(tenant));
    expect(walked.ids).toEqual(expected);
  });
});

describe('deleting seen rows, the cursor row included, while paging by NAME', () => {
  // 14 rows, four names, many duplicates, created out of name order: the id decides within a name.
  const names = ['kilo', 'juliet', 'kilo', 'india', 'juliet', 'kilo', 'hotel', 'india', 'kilo', 'juliet', 'hotel', 'kilo', 'india', 'juliet'];
  async function setUp() {
    const tenant = await createTenant(t.db.prisma);
    const rows: Array<{ id: number; name: string }> = [];
    for (const name of names) rows.push({ id: await tenant.expense({ name }), name });
    return { tenant, rows };
  }
  const byName = (direction: 'ASC' | 'DESC'): Array<SortKey<{ name: string }>> => [{ value: (r) => r.name, direction }];

  test('forwards (first: 4): deleting the first and the last (cursor) row of each page skips nothing', async () => {
    const { tenant, rows } = await setUp();
    const expected = sortedIds(rows, byName('ASC'));
    const deleted: number[] = [];
    const walked = await walkForward(expensesOf(tenant, { orderBy: [order('NAME')] }), 4, async (page) => {
      for (const id of new Set(ids(page).filter((_, i, all) => i === 0 || i === all.length - 1))) {
        await deleteViaApi(tenant, id);
        deleted.push(id);
      }
    });
    expect(walked.ids).toEqual(expected);
    expect(walked.pages.map((p) => p.edges.length)).toEqual([4, 4, 4, 2]);
    // what is left is exactly the untouched rows, in order
    const left = await expensePage(tenant, { orderBy: [order('NAME')], first: 50 });
    expect(ids(left)).toEqual(expected.filter((id) => !deleted.includes(id)));
  });

  test('backwards (last: 4): deleting the first (cursor) and the last row of each page skips nothing', async () => {
    const { tenant, rows } = await setUp();
    const expected = sortedIds(rows, byName('ASC'));
    const deleted: number[] = [];
    const walked = await walkBackward(expensesOf(tenant, { orderBy: [order('NAME')] }), 4, async (page) => {
      for (const id of new Set(ids(page).filter((_, i, all) => i === 0 || i === all.length - 1))) {
        await deleteViaApi(tenant, id);
        deleted.push(id);
      }
    });
    expect(walked.ids).toEqual(expected);
    expect(walked.pages.map((p) => p.edges.length)).toEqual([2, 4, 4, 4]);
    const left = await expensePage(tenant, { orderBy: [order('NAME')], first: 50 });
    expect(ids(left)).toEqual(expected.filter((id) => !deleted.includes(id)));
  });

  test('forwards by NAME DESC, deleting only the cursor row of each page: each row once, in a NAME DESC order', async () => {
    const { tenant, rows } = await setUp();
    const full = ids(await expensePage(tenant, { orderBy: [order('NAME', 'DESC')], first: 50 }));
    expect(acceptableOrders(rows, byName('DESC'))).toContainEqual(full);
    const walked = await walkForward(expensesOf(tenant, { orderBy: [order('NAME', 'DESC')] }), 4, async (page) => {
      if (page.edges.length > 0) await deleteViaApi(tenant, ids(page).at(-1)!);
    });
    expect(walked.ids).toEqual(full);
  });
});

describe('a row whose sort value changes after it was seen', () => {
  // ten USD rows on the USD deal (default amount = amount), amounts out of id order
  const amounts = [700, 200, 1000, 400, 900, 100, 600, 300, 800, 500];
  async function setUp() {
    const tenant = await createTenant(t.db.prisma);
    const rows: Array<{ id: number; amount: number }> = [];
    for (const amount of amounts) {
      rows.push({ id: await tenant.expense({ dealId: tenant.deals.usd, currency: 'USD', amount: BigInt(amount) }), amount });
    }
    return { tenant, rows };
  }
  const byAmount: Array<SortKey<{ amount: number }>> = [{ value: (r) => r.amount, direction: 'ASC' }];

  test('forwards by AMOUNT: moving the cursor row to the end, then another to the front, skips or repeats no other row', async () => {
    const { tenant, rows } = await setUp();
    const changed = new Set<number>();
    const walked = await walkForward(expensesOf(tenant, { orderBy: [order('AMOUNT')] }), 3, async (page, i) => {
      // after page 1: its cursor row jumps behind every unseen row; after page 2: its cursor row jumps to the front
      if (page.edges.length === 0) return;
      const cursorRow = ids(page).at(-1)!;
      if (i === 0) await setAmountViaApi(tenant, cursorRow, 1_000_000);
      if (i === 1) await setAmountViaApi(tenant, cursorRow, 1);
      if (i <= 1) changed.add(cursorRow);
    });
    const others = sortedIds(rows.filter((r) => !changed.has(r.id)), byAmount);
    expect(walked.ids.filter((id) => !changed.has(id))).toEqual(others);
    expect(changed.size).toBe(2);
  });

  test('backwards by AMOUNT: moving the cursor row to the front, then another to the end, skips or repeats no other row', async () => {
    const { tenant, rows } = await setUp();
    const changed = new Set<number>();
    const walked = await walkBackward(expensesOf(tenant, { orderBy: [order('AMOUNT')] }), 3, async (page, i) => {
      if (page.edges.length === 0) return;
      const cursorRow = ids(page)[0]!;
      if (i === 0) await setAmountViaApi(tenant, cursorRow, 1);
      if (i === 1) await setAmountViaApi(tenant, cursorRow, 1_000_000);
      if (i <= 1) changed.add(cursorRow);
    });
    const others = sortedIds(rows.filter((r) => !changed.has(r.id)), byAmount);
    expect(walked.ids.filter((id) => !changed.has(id))).toEqual(others);
    expect(changed.size).toBe(2);
  });
});

// ---- 1. Every sort, both directions, both ways ------------------------------------------------
//
// Seven expenses, distinct in every sortable respect except: two service types are shared (Travel:
// r0, r3; Design: r1, r6), payOn is empty for r1 and r4, paidOn for r0, r3 and r5.
//
//     name     service     date   payOn  paidOn  deal cur  amount  billable  → default: amount billable profit  createdAt
// r0  golf     Travel      03-05  04-03  -       eur  EUR   8000    4000                 10000   5000   -5000   +3d
// r1  alpha    Design      01-20  -      06-01   usd  USD   9000   12000                  9000  12000    3000   +6d
// r2  echo     Software    02-11  04-01  05-05   eur  USD  11000     800                 11000   1000  -10000   +0d
// r3  charlie  Travel      03-01  05-10  -       usd  USD  10400    5200                 10400   5200   -5200   +5d
// r4  foxtrot  Consulting  01-02  -      05-20   eur  EUR   9200    9200                 11500  11500       0   +1d
// r5  delta    Hardware    02-28  04-20  -       usd  USD    500   20000                   500  20000   19500   +4d
// r6  bravo    Design      01-15  04-02  05-01   eur  EUR  12000       0                 15000      0  -15000   +2d
//
// (EUR deal at 1.25: an EUR amount's default is × 1.25, a USD one's × 1; billable is in the deal's
// currency, so on the EUR deal it is × 1.25. The original amounts order differently from the default.)

interface CatalogRow {
  id: number;
  name: string;
  service: string;
  date: string;
  payOn: string | null;
  paidOn: string | null;
  amount: number;
  billable: number;
  profit: number;
  createdAt: string;
}

describe('every sort, paged forwards and backwards', () => {
  let tenant: Tenant;
  let rows: CatalogRow[];

  beforeAll(async () => {
    tenant = await createTenant(t.db.prisma);
    const consulting = await tenant.db.serviceType.create({ data: { organizationId: tenant.organizationId, name: 'Consulting' } });
    const design = await tenant.db.serviceType.create({ data: { organizationId: tenant.organizationId, name: 'Design' } });
    const service = {
      Travel: tenant.serviceTypes.travel,
      Software: tenant.serviceTypes.software,
      Hardware: tenant.serviceTypes.hardware,
      Consulting: consulting.id,
      Design: design.id,
    } as const;
    const spec = [
      ['golf', 'Travel', '2021-03-05', '2021-04-03', null, 'eur', 'EUR', 8000, 4000, 3],
      ['alpha', 'Design', '2021-01-20', null, '2021-06-01', 'usd', 'USD', 9000, 12000, 6],
      ['echo', 'Software', '2021-02-11', '2021-04-01', '2021-05-05', 'eur', 'USD', 11000, 800, 0],
      ['charlie', 'Travel', '2021-03-01', '2021-05-10', null, 'usd', 'USD', 10400, 5200, 5],
      ['foxtrot', 'Consulting', '2021-01-02', null, '2021-05-20', 'eur', 'EUR', 9200, 9200, 1],
      ['delta', 'Hardware', '2021-02-28', '2021-04-20', null, 'usd', 'USD', 500, 20000, 4],
      ['bravo', 'Design', '2021-01-15', '2021-04-02', '2021-05-01', 'eur', 'EUR', 12000, 0, 2],
    ] as const;
    rows = [];
    for (const [name, svc, date, payOn, paidOn, deal, currency, amount, billable, createdDay] of spec) {
      const id = await tenant.expense({
        name, serviceTypeId: service[svc], date: day(date), payOn: payOn ? day(payOn) : null, paidOn: paidOn ? day(paidOn) : null,
        dealId: tenant.deals[deal], currency, amount: BigInt(amount), billableAmount: BigInt(billable),
      });
      const createdAt = new Date(Date.UTC(2021, 0, 1 + createdDay, 10)).toISOString();
      await tenant.db.expense.updateMany({ where: { id }, data: { createdAt: new Date(createdAt) } });
      const amountDefault = currency === 'EUR' ? (amount * 5) / 4 : amount;
      const billableDefault = deal === 'eur' ? (billable * 5) / 4 : billable;
      rows.push({
        id, name, service: svc, date, payOn, paidOn, createdAt,
        amount: amountDefault, billable: billableDefault, profit: billableDefault - amountDefault,
      });
    }
  });

  const keyOf: Record<ExpenseOrder['field'], (r: CatalogRow) => string | number | null> = {
    NAME: (r) => r.name,
    DATE: (r) => r.date,
    PAY_ON: (r) => r.payOn,
    PAID_ON: (r) => r.paidOn,
    AMOUNT: (r) => r.amount,
    BILLABLE_AMOUNT: (r) => r.billable,
    PROFIT: (r) => r.profit,
    SERVICE_TYPE_NAME: (r) => r.service,
    CREATED_AT: (r) => r.createdAt,
  };
  const fields = Object.keys(keyOf) as Array<ExpenseOrder['field']>;
  const sorts: ExpenseOrder[][] = [
    ...fields.flatMap((field) => [[order(field, 'ASC')], [order(field, 'DESC')]]),
    [order('SERVICE_TYPE_NAME'), order('AMOUNT', 'DESC')],
    [order('PAID_ON', 'DESC'), order('NAME')],
    [order('PAY_ON'), order('DATE', 'DESC')],
    [order('SERVICE_TYPE_NAME', 'DESC'), order('CREATED_AT')],
  ];
  const label = (sort: ExpenseOrder[]) => sort.map((o) => `${o.field} ${o.direction}`).join(', ');

  test.each(sorts.map((sort) => [label(sort), sort] as const))('%s', async (_label, orderBy) => {
    const keys = orderBy.map((o) => ({ value: keyOf[o.field], direction: o.direction ?? 'ASC' }));
    const acceptable = acceptableOrders(rows, keys);
    const whole = await expensePage(tenant, { orderBy, first: 50 });
    expect(whole.totalCount).toBe(7);
    expect(whole.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    // the one order the values allow (with ties by id, either way)
    expect(acceptable, 'the whole list in one page').toContainEqual(ids(whole));
    const expected = acceptable.find((o) => JSON.stringify(o) === JSON.stringify(ids(whole))) ?? acceptable[0]!;

    const forward = await walkForward(expensesOf(tenant, { orderBy }), 2);
    expect(forward.ids, 'first: 2 / after').toEqual(expected);
    expect(forward.pages.map((p) => p.edges.length)).toEqual([2, 2, 2, 1]);
    expect(forward.pages.slice(0, -1).every((p) => p.pageInfo.hasNextPage)).toBe(true);

    const backward = await walkBackward(expensesOf(tenant, { orderBy }), 2);
    expect(backward.ids, 'last: 2 / before').toEqual(expected);
    expect(backward.pages.map((p) => p.edges.length)).toEqual([1, 2, 2, 2]);
    expect(backward.pages.slice(1).every((p) => p.pageInfo.hasPreviousPage)).toBe(true);
  });

  test('after and before together return the rows strictly between, for the default order and a sort', async () => {
    for (const orderBy of [undefined, [order('AMOUNT', 'DESC')], [order('PAY_ON')]]) {
      const whole = await expensePage(tenant, { orderBy, first: 50 });
      const cursor = (i: number) => whole.edges[i]!.cursor;
      const id = (i: number) => whole.edges[i]!.node.databaseId;
      const at = JSON.stringify(orderBy ?? 'default');
      const window = await expensePage(tenant, { orderBy, after: cursor(1), before: cursor(5) });
      expect(ids(window), at).toEqual([id(2), id(3), id(4)]);
      const head = await expensePage(tenant, { orderBy, first: 2, after: cursor(1), before: cursor(5) });
      expect(ids(head), `${at} first: 2`).toEqual([id(2), id(3)]);
      expect(head.pageInfo.hasNextPage, `${at} first: 2 hasNextPage`).toBe(true);
      const tail = await expensePage(tenant, { orderBy, last: 2, after: cursor(1), before: cursor(5) });
      expect(ids(tail), `${at} last: 2`).toEqual([id(3), id(4)]);
      expect(tail.pageInfo.hasPreviousPage, `${at} last: 2 hasPreviousPage`).toBe(true);
      // neighbours: nothing strictly between
      const empty = await expensePage(tenant, { orderBy, after: cursor(3), before: cursor(4) });
      expect(ids(empty), `${at} neighbours`).toEqual([]);
    }
  });
});

// ---- 1. The other lists ----------------------------------------------------------------------

describe('the other lists page forwards and backwards', () => {
  let tenant: Tenant;
  beforeAll(async () => {
    tenant = await createTenant(t.db.prisma);
    const organizationId = tenant.organizationId;
    const acme = tenant.companies.acme;
    // 7 of each (the tenant starts with 2 companies, 2 projects, 2 deals, 3 service types, 1 person),
    // with duplicate names where the list is sorted by name
    for (const name of ['Initech', 'Acme', 'Globex', 'Hooli', 'Acme']) {
      await tenant.db.company.create({ data: { organizationId, name } });
    }
    for (const [i, name] of ['Website', 'App', 'Backend', 'App', 'Zeta'].entries()) {
      await tenant.db.project.create({ data: { organizationId, companyId: acme, name, number: 10 + i } });
    }
    for (const i of [3, 4, 5, 6, 7]) {
      await tenant.db.deal.create({
        data: {
          organizationId, companyId: acme, projectId: null, name: `Deal ${i}`, number: i, date: day('2021-04-15'),
          currency: 'USD', exchangeRate: '1', exchangeDate: day('2021-04-15'),
        },
      });
    }
    for (const name of ['Travel', 'Audit', 'Software', 'Zoning']) {
      await tenant.db.serviceType.create({ data: { organizationId, name } });
    }
    for (let i = 0; i < 6; i++) await tenant.member();
    // another organization with rows of its own, which must never show up
    await createTenant(t.db.prisma);
  });

  const byNameThenId = (rows: Array<{ id: number; name: string }>) => sortedIds(rows, [{ value: (r) => r.name, direction: 'ASC' }]);
  const byId = (rows: Array<{ id: number }>) => rows.map((r) => r.id).sort((a, b) => a - b);

  const lists: Array<[string, FetchPage, () => Promise<number[]>]> = [
    [
      'deals (by id)',
      async (args) => (await data(t.app, Deals, args, { token: tenant.token })).deals,
      async () => byId(await tenant.db.deal.findMany({ select: { id: true } })),
    ],
    [
      'companies (by name)',
      async (args) => (await data(t.app, Companies, args, { token: tenant.token })).companies,
      async () => byNameThenId(await tenant.db.company.findMany({ select: { id: true, name: true } })),
    ],
    [
      'projects (by name)',
      async (args) => (await data(t.app, Projects, args, { token: tenant.token })).projects,
      async () => byNameThenId(await tenant.db.project.findMany({ select: { id: true, name: true } })),
    ],
    [
      'serviceTypes (by name)',
      async (args) => (await data(t.app, ServiceTypes, args, { token: tenant.token })).serviceTypes,
      async () => byNameThenId(await tenant.db.serviceType.findMany({ select: { id: true, name: true } })),
    ],
    [
      'people (by id)',
      async (args) => (await data(t.app, People, args, { token: tenant.token })).people,
      async () => byId(await tenant.db.person.findMany({ select: { id: true } })),
    ],
  ];

  test.each(lists)('%s', async (_name, fetch, expectedIds) => {
    const expected = await expectedIds();
    expect(expected).toHaveLength(7);
    expect(ids(await fetch({ first: 50 }))).toEqual(expected);
    const forward = await walkForward(fetch, 2);
    expect(forward.ids, 'first: 2 / after').toEqual(expected);
    expect(forward.pages.map((p) => p.edges.length)).toEqual([2, 2, 2, 1]);
    const backward = await walkBackward(fetch, 2);
    expect(backward.ids, 'last: 2 / before').toEqual(expected);
    expect(backward.pages.map((p) => p.edges.length)).toEqual([1, 2, 2, 2]);
    // an exact multiple of the page size: the last full page says there is no next one
    const sevens = await walkForward(fetch, 7);
    expect(sevens.pages.map((p) => p.edges.length)).toEqual([7]);
  });
});

// ---- 2. Cursors are validated ----------------------------------------------------------------

describe('cursors are validated', () => {
  // A: the victim, six expenses named "secret"; B: the prober, six named "probe", amounts interleaved
  // with A's so that any position an A cursor might stand for would split B's rows.
  let a: Tenant;
  let b: Tenant;
  const aExpenses: number[] = [];
  const bExpenses: number[] = [];
  const cursors = {} as Record<
    | 'aDefault' | 'aAmount' | 'aName' | 'aDeals' | 'aCompanies' | 'aProjects' | 'aServiceTypes' | 'aPeople'
    | 'bDefault' | 'bName' | 'bDeals' | 'bExpensesOnDeals',
    string
  >;

  beforeAll(async () => {
    a = await createTenant(t.db.prisma);
    b = await createTenant(t.db.prisma);
    for (const i of [1, 2, 3, 4, 5, 6]) {
      aExpenses.push(await a.expense({ name: `secret ${7 - i}`, dealId: a.deals.usd, currency: 'USD', amount: BigInt(i * 1000) }));
      bExpenses.push(await b.expense({ name: 'probe', dealId: b.deals.usd, currency: 'USD', amount: BigInt(i * 1000 - 500) }));
    }
    const end = (page: Connection) => page.pageInfo.endCursor!;
    cursors.aDefault = end(await expensePage(a, { first: 3 }));
    cursors.aAmount = end(await expensePage(a, { first: 3, orderBy: [order('AMOUNT')] }));
    cursors.aName = end(await expensePage(a, { first: 3, orderBy: [order('NAME')] }));
    cursors.aDeals = end((await data(t.app, Deals, { first: 1 }, { token: a.token })).deals);
    cursors.aCompanies = end((await data(t.app, Companies, { first: 1 }, { token: a.token })).companies);
    cursors.aProjects = end((await data(t.app, Projects, { first: 1 }, { token: a.token })).projects);
    cursors.aServiceTypes = end((await data(t.app, ServiceTypes, { first: 1 }, { token: a.token })).serviceTypes);
    cursors.aPeople = end((await data(t.app, People, { first: 1 }, { token: a.token })).people);
    cursors.bDefault = end(await expensePage(b, { first: 3 }));
    cursors.bName = end(await expensePage(b, { first: 3, orderBy: [order('NAME')] }));
    cursors.bDeals = end((await data(t.app, Deals, { first: 1 }, { token: b.token })).deals);
    cursors.bExpensesOnDeals = cursors.bDefault;
  });

  /** B asks for its own expenses, after (first: 5) or before (last: 5) the given cursor. */
  const asB = (side: 'after' | 'before', cursor: string, variables: ExpenseVariables = {}) =>
    execute(
      t.app,
      Expenses,
      { ...variables, ...(side === 'after' ? { first: 5, after: cursor } : { last: 5, before: cursor }) },
      { token: b.token },
    );

  describe("THE PROBE: A's cursor sent by B", () => {
    test('A can use its own cursors (the probe is not vacuous)', async () => {
      expect(ids(await expensePage(a, { first: 5, after: cursors.aAmount, orderBy: [order('AMOUNT')] }))).toEqual(aExpenses.slice(3));
      expect(ids(await expensePage(a, { first: 5, after: cursors.aDefault }))).toEqual(aExpenses.slice(3));
    });

    const probes: Array<[string, () => string, ExpenseVariables]> = [
      ["A's default-order cursor, with AMOUNT and B's filter", () => cursors.aDefault, { orderBy: [order('AMOUNT')], filter: { name: { eq: 'probe' } } }],
      ["A's AMOUNT cursor, with its own sort and B's filter", () => cursors.aAmount, { orderBy: [order('AMOUNT')], filter: { name: { eq: 'probe' } } }],
      ["A's default-order cursor, with its own (default) order", () => cursors.aDefault, {}],
      ["A's NAME cursor, with its own sort", () => cursors.aName, { orderBy: [order('NAME')] }],
    ];
    test.each(probes.flatMap(([name, cursor, variables]) => (['after', 'before'] as const).map((side) => [`${name} (${side})`, side, cursor, variables] as const)))(
      '%s is BAD_USER_INPUT, without rows',
      async (_name, side, cursor, variables) => {
        expect(refusal(await asB(side, cursor(), variables), 'expenses')).toEqual(REFUSED);
      },
    );

    test.each(['after', 'before'] as const)("A's cursors of every other list, on B's same list (%s)", async (side) => {
      const args = (cursor: string) => (side === 'after' ? { first: 5, after: cursor } : { last: 5, before: cursor });
      const caller = { token: b.token };
      expect.soft(refusal(await execute(t.app, Deals, args(cursors.aDeals), caller), 'deals'), 'deals').toEqual(REFUSED);
      expect.soft(refusal(await execute(t.app, Companies, args(cursors.aCompanies), caller), 'companies'), 'companies').toEqual(REFUSED);
      expect.soft(refusal(await execute(t.app, Projects, args(cursors.aProjects), caller), 'projects'), 'projects').toEqual(REFUSED);
      expect
        .soft(refusal(await execute(t.app, ServiceTypes, args(cursors.aServiceTypes), caller), 'serviceTypes'), 'serviceTypes')
        .toEqual(REFUSED);
      expect.soft(refusal(await execute(t.app, People, args(cursors.aPeople), caller), 'people'), 'people').toEqual(REFUSED);
    });
  });

  /** A real cursor of B's, altered. */
  const tamper = (cursor: string, at: number, count: number) => {
    const chars = [...cursor];
    for (let i = at; i < at + count && i < chars.length; i++) chars[i] = chars[i] === 'A' ? 'B' : 'A';
    return chars.join('');
  };
  const malformed: Array<[string, () => string, ExpenseVariables?]> = [
    ["the old Pothos format for one of B's own expenses", () => b64(`GPC:N:${bExpenses[2]}`)],
    ["the old Pothos format for A's expense", () => b64(`GPC:N:${aExpenses[2]}`)],
    ['GPC:N:xxx', () => b64('GPC:N:xxx')],
    ['GPC:N: with a 20-digit id', () => b64('GPC:N:12345678901234567890')],
    ['random base64', () => Buffer.from([0x9f, 0x13, 0xe2, 0x00, 0x7a, 0xc4, 0x51, 0xbb, 0x08, 0xfe, 0x33, 0x6d]).toString('base64')],
    ['non-base64 text', () => 'this is not a cursor! ☃'],
    ['an empty string', () => ''],
    ['a 100 kB string', () => 'A'.repeat(100_000)],
    ['a deals cursor', () => cursors.bDeals],
    ['a NAME-sorted cursor used with AMOUNT', () => cursors.bName, { orderBy: [order('AMOUNT')] }],
    ['a NAME ASC cursor used with NAME DESC', () => cursors.bName, { orderBy: [order('NAME', 'DESC')] }],
    ['a NAME cursor used with NAME, AMOUNT', () => cursors.bName, { orderBy: [order('NAME'), order('AMOUNT')] }],
    ['a default-order cursor used with NAME', () => cursors.bDefault, { orderBy: [order('NAME')] }],
    ['a real cursor with one character changed in the middle', () => tamper(cursors.bDefault, cursors.bDefault.length >> 1, 1)],
    ['a real cursor with three characters changed in the middle', () => tamper(cursors.bDefault, (cursors.bDefault.length >> 1) - 1, 3)],
    ['a real cursor with its first character changed', () => tamper(cursors.bDefault, 0, 1)],
    ['a real cursor with "A" appended', () => `${cursors.bDefault}A`],
    ['a real cursor with "AAAA" appended', () => `${cursors.bDefault}AAAA`],
    ['a real cursor with its last two characters cut', () => cursors.bDefault.slice(0, -2)],
  ];

  test.each(malformed.flatMap(([name, cursor, variables]) => (['after', 'before'] as const).map((side) => [`${name} (${side})`, side, cursor, variables] as const)))(
    '%s is BAD_USER_INPUT, without rows',
    async (_name, side, cursor, variables) => {
      expect(refusal(await asB(side, cursor(), variables ?? {}), 'expenses')).toEqual(REFUSED);
    },
  );

  test("B's own untouched cursors work (the cases above are not refused for another reason)", async () => {
    expect(ids(await expensePage(b, { first: 5, after: cursors.bDefault }))).toEqual(bExpenses.slice(3));
    expect(ids(await expensePage(b, { last: 5, before: cursors.bDefault }))).toEqual(bExpenses.slice(0, 2));
    // B's NAME cursor: all named "probe", so the id decides: the rows after the third
    expect(ids(await expensePage(b, { first: 5, after: cursors.bName, orderBy: [order('NAME')] }))).toEqual(bExpenses.slice(3));
  });

  test('an expenses cursor on deals, and garbage on every other list, are BAD_USER_INPUT', async () => {
    const after = (cursor: string) => ({ first: 5, after: cursor });
    expect.soft(refusal(await execute(t.app, Deals, after(cursors.bExpensesOnDeals), { token: b.token }), 'deals'), 'expenses cursor on deals').toEqual(REFUSED);
    const garbage = after('this is not a cursor! ☃');
    expect.soft(refusal(await execute(t.app, Deals, garbage, { token: b.token }), 'deals'), 'deals').toEqual(REFUSED);
    expect.soft(refusal(await execute(t.app, Companies, garbage, { token: b.token }), 'companies'), 'companies').toEqual(REFUSED);
    expect.soft(refusal(await execute(t.app, Projects, garbage, { token: b.token }), 'projects'), 'projects').toEqual(REFUSED);
    expect.soft(refusal(await execute(t.app, ServiceTypes, garbage, { token: b.token }), 'serviceTypes'), 'serviceTypes').toEqual(REFUSED);
    expect.soft(refusal(await execute(t.app, People, garbage, { token: b.token }), 'people'), 'people').toEqual(REFUSED);
  });
});

// ---- 3. Tenant probes through node(id:) and nodes(ids:) ---------------------------------------

describe('node(id:) and nodes(ids:) across organizations', () => {
  let a: Tenant;
  let b: Tenant;
  let bExpense: number;
  beforeAll(async () => {
    a = await createTenant(t.db.prisma);
    b = await createTenant(t.db.prisma);
    bExpense = await b.expense({ name: "B's" });
  });
  const nodeAsA = async (id: string) => (await execute(t.app, Node, { id }, { token: a.token })).body;

  test("another organization's Organization id is null, not the caller's own organization", async () => {
    expect(await nodeAsA(gid('Organization', b.organizationId))).toEqual({ data: { node: null } });
  });

  test('an Organization id that does not exist is null', async () => {
    expect(await nodeAsA(gid('Organization', 999999))).toEqual({ data: { node: null } });
  });

  test("the caller's own organization is found", async () => {
    expect(await nodeAsA(gid('Organization', a.organizationId))).toEqual({
      data: { node: { __typename: 'Organization', id: gid('Organization', a.organizationId), databaseId: a.organizationId } },
    });
  });

  test('nodes(ids:): own, another organization, unknown', async () => {
    const response = await execute(
      t.app,
      Nodes,
      { ids: [gid('Organization', a.organizationId), gid('Organization', b.organizationId), gid('Organization', 999999)] },
      { token: a.token },
    );
    expect(response.body).toEqual({
      data: {
        nodes: [{ __typename: 'Organization', id: gid('Organization', a.organizationId), databaseId: a.organizationId }, null, null],
      },
    });
  });

  test("another organization's Expense, Deal and Company are null, one by one and together", async () => {
    const theirs = [gid('Expense', bExpense), gid('Deal', b.deals.eur), gid('Company', b.companies.acme)];
    for (const id of theirs) expect.soft(await nodeAsA(id), id).toEqual({ data: { node: null } });
    expect((await execute(t.app, Nodes, { ids: theirs }, { token: a.token })).body).toEqual({ data: { nodes: [null, null, null] } });
  });
});

// ---- 4. LIKE wildcards in name filters are literal ---------------------------------------------

describe('%, _ and \\ in name filters are literal characters', () => {
  let tenant: Tenant;
  const n: Record<string, number> = {};
  const names = {
    percent: '100% done',
    thousand: '1000 done',
    underscore: 'snake_case',
    noUnderscore: 'snakeXcase',
    backslash: 'back\\slash',
    plain: 'plain',
    backslashPercent: 'odd\\%mix',
  };
  beforeAll(async () => {
    tenant = await createTenant(t.db.prisma);
    for (const [key, name] of Object.entries(names)) n[key] = await tenant.expense({ name });
  });
  const all = () => Object.keys(names).map((k) => n[k]!);
  const only = (...keys: Array<keyof typeof names>) => keys.map((k) => n[k]!);
  const except = (...keys: Array<keyof typeof names>) => all().filter((id) => !keys.some((k) => n[k] === id));

  const cases: Array<[string, ExpenseFilter['name'], () => number[]]> = [
    ['contains "%"', { contains: '%' }, () => only('percent', 'backslashPercent')],
    ['contains "100%" does not match "1000 done"', { contains: '100%' }, () => only('percent')],
    ['contains "_"', { contains: '_' }, () => only('underscore')],
    ['contains "SNAKE_" (ignoring case, _ literal)', { contains: 'SNAKE_' }, () => only('underscore')],
    ['contains "\\"', { contains: '\\' }, () => only('backslash', 'backslashPercent')],
    ['contains "\\%"', { contains: '\\%' }, () => only('backslashPercent')],
    ['notContains "%"', { notContains: '%' }, () => except('percent', 'backslashPercent')],
    ['notContains "_"', { notContains: '_' }, () => except('underscore')],
    ['notContains "\\"', { notContains: '\\' }, () => except('backslash', 'backslashPercent')],
    ['eq "100%"', { eq: '100%' }, () => []],
    ['eq "100% done"', { eq: '100% done' }, () => only('percent')],
    ['eq "snake_case"', { eq: 'snake_case' }, () => only('underscore')],
    ['eq "snake%"', { eq: 'snake%' }, () => []],
    ['eq "back\\slash"', { eq: 'back\\slash' }, () => only('backslash')],
    ['eq "odd\\%mix"', { eq: 'odd\\%mix' }, () => only('backslashPercent')],
    ['notEq "100% done"', { notEq: '100% done' }, () => except('percent')],
  ];

  test.each(cases)('%s', async (_name, name, expected) => {
    const result = await expensePage(tenant, { filter: { name }, first: 50 });
    expect(ids(result)).toEqual(expected());
    expect(result.totalCount).toBe(expected().length);
  });
});
