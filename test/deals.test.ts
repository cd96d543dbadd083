// Deals and budgets through GraphQL: create/update/delete with every validation, numbering, the
// sales pipeline, money computed from expenses (hand-computed), currency and rate changes carried
// into the expenses, deletion with what belongs to the deal, filters, sorts, `Deal.expenses`, and
// tenant isolation of every query and mutation.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { graphql } from './generated/index.js';
import type { CreateDealInput } from './generated/graphql.js';
import { as, data, execute, type TestApp } from './helpers/app.js';
import { appWithTwoTenants, createTenant, day, gid, type Tenant } from './helpers/fixtures.js';

graphql(`
  fragment DealMoneySet on MoneySet {
    original { cents currency }
    default { cents currency }
    normalized { cents currency }
  }
`);

graphql(`
  fragment DealFields on Deal {
    id
    databaseId
    name
    number
    suffix
    budget
    date
    endDate
    probability
    timeApproval
    expenseApproval
    salesStatus
    salesStatusId
    salesStatusUpdatedAt
    closed
    closedAt
    deliveredOn
    tagList
    currency
    exchangeRate
    exchangeDate
    lastActivityAt
    company { databaseId }
    project { databaseId }
    responsible { databaseId }
    creator { databaseId }
    dealStatus { databaseId name }
  }
`);

const Create = graphql(`
  mutation DealsCreate($input: CreateDealInput!) {
    createDeal(input: $input) {
      deal { ...DealFields }
      userErrors { field message code }
    }
  }
`);

const Update = graphql(`
  mutation DealsUpdate($input: UpdateDealInput!) {
    updateDeal(input: $input) {
      deal { ...DealFields }
      userErrors { field message code }
    }
  }
`);

const Delete = graphql(`
  mutation DealsDelete($input: DeleteDealInput!) {
    deleteDeal(input: $input) { deletedDealId userErrors { field message code } }
  }
`);

const Money = graphql(`
  query DealsMoney($id: ID!) {
    deal(id: $id) {
      currency
      revenue { ...DealMoneySet }
      cost { ...DealMoneySet }
      profit { ...DealMoneySet }
      expense { ...DealMoneySet }
      expenseBillable { ...DealMoneySet }
      budgetTotal { ...DealMoneySet }
      budgetUsed { ...DealMoneySet }
      budgetRemaining { ...DealMoneySet }
    }
  }
`);

const One = graphql(`
  query DealsOne($id: ID!) {
    deal(id: $id) { ...DealFields }
  }
`);

const List = graphql(`
  query DealsList($filter: DealFilter, $orderBy: [DealOrder!], $first: Int, $after: String) {
    deals(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
      totalCount
      nodes { databaseId name }
      pageInfo { hasNextPage endCursor }
    }
  }
`);

const WithExpenses = graphql(`
  query DealsWithExpenses($id: ID!, $filter: ExpenseFilter, $orderBy: [ExpenseOrder!], $first: Int, $after: String) {
    deal(id: $id) {
      expenses(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
        totalCount
        aggregates { totalAmount { ...DealMoneyTotal } totalProfit { default { cents } } }
        nodes { databaseId name amount { normalized { cents currency } } }
        pageInfo { hasNextPage hasPreviousPage endCursor }
      }
    }
  }
`);

graphql(`
  fragment DealMoneyTotal on MoneyTotal {
    original { cents currency }
    default { cents currency }
    normalized { cents currency }
  }
`);

const ExpenseOfDeal = graphql(`
  query DealsExpenseOfDeal($id: ID!) {
    node(id: $id) { ... on Expense { name deal { databaseId } } }
  }
`);

const Statuses = graphql(`
  mutation DealsCreateStatus($input: CreateDealStatusInput!) {
    createDealStatus(input: $input) { dealStatus { id databaseId name position } userErrors { field message code } }
  }
`);

const StatusList = graphql(`
  query DealsStatusList { dealStatuses { nodes { name position } } }
`);

let t: TestApp;
let a: Tenant;
let b: Tenant;
beforeAll(async () => ({ t, a, b } = await appWithTwoTenants()));
afterAll(() => t.close());

async function create(tenant: Tenant, input: Partial<CreateDealInput>) {
  const result = await data(t.app, Create, { input: { name: 'Deal', companyId: gid('Company', tenant.companies.acme), ...input } }, as(tenant));
  expect(result.createDeal.userErrors).toEqual([]);
  return result.createDeal.deal!;
}

const dealCount = (tenant: Tenant) => tenant.db.deal.count();

describe('createDeal', () => {
  test('a deal with defaults: next number, organization currency, open, the caller as creator', async () => {
    const deal = await create(a, { name: '  Website relaunch ', date: '2021-01-24' });
    expect(deal).toMatchObject({
      name: 'Website relaunch',
      budget: false,
      date: '2021-01-24',
      endDate: null,
      probability: 100,
      salesStatus: 'OPEN',
      salesStatusId: 1,
      closed: false,
      closedAt: null,
      currency: 'USD',
      exchangeRate: '1.0',
      exchangeDate: '2021-01-24',
      tagList: [],
      company: { databaseId: a.companies.acme },
      creator: { databaseId: a.personId },
    });
    expect(deal.salesStatusUpdatedAt).not.toBeNull();
    expect(deal.lastActivityAt).not.toBeNull();
    // Fixture deals hold numbers 1 and 2.
    expect(deal.number).toBeGreaterThan(2);
    const next = await create(a, { name: 'Next' });
    expect(next.number).toBe(deal.number + 1);
  });

  test('a budget in EUR with every attribute, dates also as DD.MM.YYYY', async () => {
    const status = await data(t.app, Statuses, { input: { name: 'prospective' } }, as(a));
    const budget = await create(a, {
      name: 'Retainer',
      budget: true,
      projectId: gid('Project', a.projects.website),
      responsibleId: gid('Person', a.personId),
      dealStatusId: status.createDealStatus.dealStatus!.id,
      date: '01.01.2017',
      endDate: '31.01.2017',
      probability: 50,
      timeApproval: true,
      expenseApproval: true,
      deliveredOn: '2017-02-03',
      tagList: [' retainer', 'vip', 'retainer', ' '],
      currency: 'EUR',
      exchangeRate: '1.25',
      budgetTotal: 10000,
    });
    expect(budget).toMatchObject({
      budget: true,
      salesStatus: null,
      salesStatusId: null,
      date: '2017-01-01',
      endDate: '2017-01-31',
      probability: 50,
      timeApproval: true,
      expenseApproval: true,
      deliveredOn: '2017-02-03',
      tagList: ['retainer', 'vip'],
      currency: 'EUR',
      exchangeRate: '1.25',
      project: { databaseId: a.projects.website },
      responsible: { databaseId: a.personId },
      dealStatus: { name: 'prospective' },
    });
    // The seed: a budget_total of 10000 EUR at 1.25 is 12500 USD, all of it remaining.
    const money = await data(t.app, Money, { id: budget.id }, as(a));
    expect(money.deal!.budgetTotal).toEqual({
      original: { cents: 10000, currency: 'EUR' },
      default: { cents: 12500, currency: 'USD' },
      normalized: { cents: 10000, currency: 'EUR' },
    });
    expect(money.deal!.budgetRemaining.default).toEqual({ cents: 12500, currency: 'USD' });
    expect(money.deal!.revenue.default).toEqual({ cents: 0, currency: 'USD' });
  });

  test('every problem at once, each on its field, and nothing written', async () => {
    const before = await dealCount(a);
    const result = await data(
      t.app,
      Create,
      {
        input: {
          name: ' ',
          companyId: null,
          projectId: gid('Project', b.projects.app),
          responsibleId: gid('Person', b.personId),
          dealStatusId: gid('DealStatus', 999999),
          budget: true,
          salesStatus: 'WON',
          date: '2021-02-01',
          endDate: '2021-01-31',
          probability: 101,
          currency: 'EURO',
          exchangeRate: '1e3',
          budgetTotal: '1000000000000001',
          tagList: Array.from({ length: 51 }, (_, i) => `tag ${i}`),
        },
      },
      as(a),
    );
    expect(result.createDeal.deal).toBeNull();
    const errors = result.createDeal.userErrors.map((e) => [e.field.join('.'), e.code, e.message]);
    // In the order of the input's fields, as the reference lists them.
    expect(errors).toEqual([
      ['input.name', 'BLANK', "can't be blank"],
      ['input.companyId', 'BLANK', "can't be blank"],
      ['input.projectId', 'NOT_FOUND', 'Project not found'],
      ['input.responsibleId', 'NOT_FOUND', 'Person not found'],
      ['input.dealStatusId', 'NOT_FOUND', 'Deal status not found'],
      ['input.endDate', 'INVALID', "must not be before the deal's date"],
      ['input.probability', 'INVALID', 'must be between 0 and 100'],
      ['input.salesStatus', 'INVALID', 'budgets have no sales status'],
      ['input.tagList', 'INVALID', 'may hold at most 50 tags'],
      ['input.currency', 'INVALID_CURRENCY', 'is not a valid currency'],
      [
        'input.exchangeRate',
        'INVALID',
        'must be a positive decimal number such as 1.25, with at most 10 digits before and 10 after the point',
      ],
      ['input.budgetTotal', 'INVALID', 'must be between 0 and 1000000000000000'],
    ]);
    expect(await dealCount(a)).toBe(before);
  });

  test("a company of another organization is not found; a project must be the deal's company's", async () => {
    const other = await data(t.app, Create, { input: { name: 'X', companyId: gid('Company', b.companies.acme) } }, as(a));
    expect(other.createDeal.userErrors).toEqual([{ field: ['input', 'companyId'], message: 'Company not found', code: 'NOT_FOUND' }]);
    const mismatch = await data(
      t.app,
      Create,
      { input: { name: 'X', companyId: gid('Company', a.companies.acme), projectId: gid('Project', a.projects.app) } },
      as(a),
    );
    expect(mismatch.createDeal.userErrors).toEqual([
      { field: ['input', 'projectId'], message: "must be a project of the deal's company", code: 'INVALID' },
    ]);
  });

  test('a foreign currency needs its rate; the organization currency must be at 1', async () => {
    const eur = await data(t.app, Create, { input: { name: 'X', companyId: gid('Company', a.companies.acme), currency: 'EUR' } }, as(a));
    expect(eur.createDeal.userErrors).toEqual([
      { field: ['input', 'exchangeRate'], message: "can't be blank when the currency is not the organization's (USD)", code: 'BLANK' },
    ]);
    const usd = await data(
      t.app,
      Create,
      { input: { name: 'X', companyId: gid('Company', a.companies.acme), currency: 'USD', exchangeRate: '2' } },
      as(a),
    );
    expect(usd.createDeal.userErrors).toEqual([
      { field: ['input', 'exchangeRate'], message: "must be 1 for the organization's own currency (USD)", code: 'INVALID' },
    ]);
  });

  test('a bad date is a clear input error naming the value', async () => {
    const response = await execute(t.app, Create, { input: { name: 'X', companyId: gid('Company', a.companies.acme), date: '30.02.2017' } }, as(a));
    // A variable that is not of its type: the request is refused before anything runs.
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.message).toMatch(/"30\.02\.2017".*YYYY-MM-DD or DD\.MM\.YYYY/);
  });
});

describe('updateDeal', () => {
  test('won and lost close a deal, open reopens it; a budget closes with `closed`', async () => {
    const deal = await create(a, { name: 'Pipeline' });
    const won = await data(t.app, Update, { input: { id: deal.id, salesStatus: 'WON' } }, as(a));
    expect(won.updateDeal.deal).toMatchObject({ salesStatus: 'WON', salesStatusId: 2, closed: true });
    const closedAt = won.updateDeal.deal!.closedAt;
    const lost = await data(t.app, Update, { input: { id: deal.id, salesStatus: 'LOST' } }, as(a));
    expect(lost.updateDeal.deal).toMatchObject({ salesStatus: 'LOST', closed: true, closedAt });
    const reopened = await data(t.app, Update, { input: { id: deal.id, salesStatus: 'OPEN' } }, as(a));
    expect(reopened.updateDeal.deal).toMatchObject({ salesStatus: 'OPEN', closed: false, closedAt: null });

    const budget = await create(a, { name: 'Budget', budget: true });
    const closed = await data(t.app, Update, { input: { id: budget.id, closed: true } }, as(a));
    expect(closed.updateDeal.deal).toMatchObject({ closed: true, salesStatus: null });
    const turned = await create(a, { name: 'Turned', budget: true });
    const asDeal = await data(t.app, Update, { input: { id: turned.id, budget: false } }, as(a));
    expect(asDeal.updateDeal.deal).toMatchObject({ budget: false, salesStatus: 'OPEN', salesStatusId: 1 });
    const refused = await data(t.app, Update, { input: { id: budget.id, salesStatus: 'WON' } }, as(a));
    expect(refused.updateDeal.userErrors).toEqual([
      { field: ['input', 'salesStatus'], message: 'budgets have no sales status', code: 'INVALID' },
    ]);
  });

  test('fields left out stay; null clears optional ones; a date past the end date is refused', async () => {
    const deal = await create(a, { name: 'Keep', projectId: gid('Project', a.projects.website), date: '2021-01-01', endDate: '2021-01-31', tagList: ['a'] });
    const renamed = await data(t.app, Update, { input: { id: deal.id, name: 'Kept', projectId: null, tagList: null } }, as(a));
    expect(renamed.updateDeal.deal).toMatchObject({ name: 'Kept', project: null, tagList: [], endDate: '2021-01-31', date: '2021-01-01' });
    const late = await data(t.app, Update, { input: { id: deal.id, date: '2021-02-01' } }, as(a));
    expect(late.updateDeal.userErrors).toEqual([{ field: ['input', 'date'], message: "must not be after the deal's end date", code: 'INVALID' }]);
    const blank = await data(t.app, Update, { input: { id: deal.id, name: '', currency: null } }, as(a));
    expect(blank.updateDeal.userErrors.map((e) => e.field[1])).toEqual(['name', 'currency']);
  });

  test("a new company must be the company of the deal's project", async () => {
    const deal = await create(a, { name: 'Moves', projectId: gid('Project', a.projects.website) });
    const alone = await data(t.app, Update, { input: { id: deal.id, companyId: gid('Company', a.companies.globex) } }, as(a));
    expect(alone.updateDeal.userErrors).toEqual([
      { field: ['input', 'companyId'], message: "must be the company of the deal's project (change or clear projectId too)", code: 'INVALID' },
    ]);
    const both = await data(
      t.app,
      Update,
      { input: { id: deal.id, companyId: gid('Company', a.companies.globex), projectId: gid('Project', a.projects.app) } },
      as(a),
    );
    expect(both.updateDeal.deal).toMatchObject({ company: { databaseId: a.companies.globex }, project: { databaseId: a.projects.app } });
  });

  test('another organization cannot see, change or delete a deal', async () => {
    const deal = await create(a, { name: 'Private' });
    const read = await execute(t.app, One, { id: deal.id }, as(b));
    expect(read.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const update = await data(t.app, Update, { input: { id: deal.id, name: 'Stolen' } }, as(b));
    expect(update.updateDeal.userErrors).toEqual([{ field: ['input', 'id'], message: 'Deal not found', code: 'NOT_FOUND' }]);
    const remove = await data(t.app, Delete, { input: { id: deal.id } }, as(b));
    expect(remove.deleteDeal.userErrors[0]?.code).toBe('NOT_FOUND');
    const listed = await data(t.app, List, { filter: { companyIds: [gid('Company', a.companies.acme)] } }, as(b));
    expect(listed.deals.totalCount).toBe(0);
    expect((await data(t.app, One, { id: deal.id }, as(a))).deal?.name).toBe('Private');
  });
});

describe('money from expenses', () => {
  test('revenue, cost, profit, expense and budget figures as computed by hand', async () => {
    const budget = await create(a, { name: 'Money', budget: true, currency: 'EUR', exchangeRate: '1.25', budgetTotal: 50000 });
    const dealId = budget.databaseId;
    // The reference's two expenses on a EUR deal at 1.25 (docs/money.md), and a third.
    await a.expense({ dealId, amount: 10000n, currency: 'EUR' }); // cost 10000 EUR / 12500 USD
    await a.expense({ dealId, amount: 10000n, currency: 'USD', exchangeRate: '1.0', billableAmount: 10000n }); // cost 8000 EUR / 10000 USD, billable 10000 EUR / 12500 USD
    const gone = await a.expense({ dealId, amount: 999n, currency: 'EUR', billableAmount: 5n });
    await a.db.expense.update({ where: { id: gone }, data: { deletedAt: new Date(), deleterId: a.personId } });

    const money = (await data(t.app, Money, { id: budget.id }, as(a))).deal!;
    const eur = (cents: number, usd: number) => ({
      original: { cents, currency: 'EUR' },
      default: { cents: usd, currency: 'USD' },
      normalized: { cents, currency: 'EUR' },
    });
    expect(money.expense).toEqual(eur(18000, 22500));
    expect(money.cost).toEqual(eur(18000, 22500));
    expect(money.expenseBillable).toEqual(eur(10000, 12500));
    expect(money.revenue).toEqual(eur(10000, 12500));
    expect(money.profit).toEqual(eur(-8000, -10000));
    expect(money.budgetTotal).toEqual(eur(50000, 62500));
    expect(money.budgetUsed).toEqual(eur(10000, 12500));
    expect(money.budgetRemaining).toEqual(eur(40000, 50000));

    // The sort keys the database keeps agree with what is shown.
    const row = await a.db.deal.findUniqueOrThrow({ where: { id: dealId } });
    expect(row.sortRevenueDefault.toFixed()).toBe('12500');
    expect(row.sortCostDefault.toFixed()).toBe('22500');
    expect(row.sortProfitDefault.toFixed()).toBe('-10000');
  });

  test("changing the deal's rate, then its currency, rewrites its expenses in the same write", async () => {
    const budget = await create(a, { name: 'Rebased', budget: true, currency: 'EUR', exchangeRate: '1.25' });
    const dealId = budget.databaseId;
    const expenseId = await a.expense({ dealId, amount: 10000n, currency: 'USD', exchangeRate: '1.0', billableAmount: 10000n });

    const rate = await data(t.app, Update, { input: { id: budget.id, exchangeRate: '2' } }, as(a));
    expect(rate.updateDeal.userErrors).toEqual([]);
    let e = await a.db.expense.findUniqueOrThrow({ where: { id: expenseId } });
    // 10000 USD at 1.0 on a EUR deal at 2: 5000 EUR; billable stays 10000 EUR, now 20000 USD.
    expect([e.amountNormalized, e.billableAmount, e.billableAmountDefault, e.profitNormalized, e.profitDefault]).toEqual([
      5000n, 10000n, 20000n, 5000n, 10000n,
    ]);

    const currency = await data(t.app, Update, { input: { id: budget.id, currency: 'USD', exchangeRate: '1' } }, as(a));
    expect(currency.updateDeal.deal).toMatchObject({ currency: 'USD', exchangeRate: '1.0' });
    e = await a.db.expense.findUniqueOrThrow({ where: { id: expenseId } });
    // The billable 10000 EUR at 2 is 20000 USD; the cost is now in the deal's own currency.
    expect([e.normalizedCurrency, e.amountNormalized, e.billableAmount, e.billableAmountDefault, e.profitNormalized]).toEqual([
      'USD', 10000n, 20000n, 20000n, 10000n,
    ]);
    const money = (await data(t.app, Money, { id: budget.id }, as(a))).deal!;
    expect(money.profit).toEqual({
      original: { cents: 10000, currency: 'USD' },
      default: { cents: 10000, currency: 'USD' },
      normalized: { cents: 10000, currency: 'USD' },
    });
  });

  test('a rate that would overflow an expense is refused and changes nothing', async () => {
    const budget = await create(a, { name: 'Huge', budget: true, currency: 'EUR', exchangeRate: '1' });
    // 9 × 10^8 GBP at 9999999999: about 9 × 10^18 in USD and in EUR at 1, just under 2^63.
    const expenseId = await a.expense({ dealId: budget.databaseId, amount: 900_000_000n, currency: 'GBP', exchangeRate: '9999999999', billableAmount: 0n });
    const before = await a.db.expense.findUniqueOrThrow({ where: { id: expenseId } });
    const result = await data(t.app, Update, { input: { id: budget.id, exchangeRate: '0.0000000001' } }, as(a));
    expect(result.updateDeal.userErrors).toEqual([
      { field: ['input', 'exchangeRate'], message: 'would make the converted amount of one of its expenses too large to store', code: 'INVALID' },
    ]);
    expect(await a.db.expense.findUniqueOrThrow({ where: { id: expenseId } })).toEqual(before);
    expect((await data(t.app, One, { id: budget.id }, as(a))).deal?.exchangeRate).toBe('1.0');
  });
});

describe('deleteDeal', () => {
  test('takes its expenses and the contracts it is the template of; their relations show nothing deleted', async () => {
    const template = await create(a, { name: 'Template', budget: true, date: '2020-01-01' });
    const earlier = await a.expense({ dealId: template.databaseId, name: 'deleted before', currency: 'USD' });
    await a.db.expense.update({ where: { id: earlier }, data: { deletedAt: new Date('2020-06-01'), deleterId: a.personId } });
    const kept = await a.expense({ dealId: template.databaseId, name: 'goes with the deal', currency: 'USD' });
    const contract = await a.db.contract.create({
      data: { organizationId: a.organizationId, templateId: template.databaseId, intervalId: 1, nextOccurrenceOn: day('2030-01-01'), anchorOn: day('2030-01-01') },
    });
    const copy = await create(a, { name: 'Generated', budget: true });
    await a.db.deal.update({ where: { id: copy.databaseId }, data: { contractId: contract.id, originDealId: template.databaseId } });

    const result = await data(t.app, Delete, { input: { id: template.id } }, as(a));
    expect(result.deleteDeal).toEqual({ deletedDealId: template.id, userErrors: [] });

    const deal = await t.db.prisma.deal.findUniqueOrThrow({ where: { id: template.databaseId } });
    const expense = await t.db.prisma.expense.findUniqueOrThrow({ where: { id: kept } });
    const before = await t.db.prisma.expense.findUniqueOrThrow({ where: { id: earlier } });
    const gone = await t.db.prisma.contract.findUniqueOrThrow({ where: { id: contract.id } });
    expect(expense.deletedAt).toEqual(deal.deletedAt);
    expect(gone.deletedAt).toEqual(deal.deletedAt);
    expect([expense.deleterId, gone.deleterId]).toEqual([a.personId, a.personId]);
    // Deleted on its own before: keeps its own moment, so the bin will not bring it back with the deal.
    expect(before.deletedAt).toEqual(new Date('2020-06-01'));

    expect((await execute(t.app, ExpenseOfDeal, { id: gid('Expense', kept) }, as(a))).body.data?.node).toBeNull();
    const shown = await data(
      t.app,
      graphql(`query DealsCopy($id: ID!) { deal(id: $id) { contract { id } originDeal { id } } }`),
      { id: copy.id },
      as(a),
    );
    expect(shown.deal).toEqual({ contract: null, originDeal: null });
    const again = await data(t.app, Delete, { input: { id: template.id } }, as(a));
    expect(again.deleteDeal.userErrors).toEqual([{ field: ['input', 'id'], message: 'Deal not found', code: 'NOT_FOUND' }]);
  });
});

describe('Deal.expenses', () => {
  test('takes the filters, orders, paging and totals of the expense list, per deal', async () => {
    const budget = await create(a, { name: 'Nested', budget: true, currency: 'EUR', exchangeRate: '1.25' });
    const dealId = budget.databaseId;
    for (const [name, amount] of [['c', 300n], ['a', 100n], ['b', 200n], ['d', 400n]] as const) {
      await a.expense({ dealId, name, amount, currency: 'EUR' });
    }
    await a.expense({ name: 'elsewhere', amount: 5000n });

    const first = await data(t.app, WithExpenses, { id: budget.id, orderBy: [{ field: 'NAME' }], first: 2 }, as(a));
    const page = first.deal!.expenses;
    expect(page.nodes.map((n) => n.name)).toEqual(['a', 'b']);
    expect(page.totalCount).toBe(4);
    expect(page.aggregates.totalAmount).toEqual({
      original: { cents: 1000, currency: 'EUR' },
      default: { cents: 1250, currency: 'USD' },
      normalized: { cents: 1000, currency: 'EUR' },
    });
    expect(page.pageInfo.hasNextPage).toBe(true);
    const second = await data(t.app, WithExpenses, { id: budget.id, orderBy: [{ field: 'NAME' }], first: 2, after: page.pageInfo.endCursor }, as(a));
    expect(second.deal!.expenses.nodes.map((n) => n.name)).toEqual(['c', 'd']);
    expect(second.deal!.expenses.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });

    const filtered = await data(t.app, WithExpenses, { id: budget.id, filter: { amount: { gte: 250 } }, orderBy: [{ field: 'AMOUNT', direction: 'DESC' }] }, as(a));
    expect(filtered.deal!.expenses.nodes.map((n) => n.name)).toEqual(['d', 'c']);
    expect(filtered.deal!.expenses.totalCount).toBe(2);
    expect(filtered.deal!.expenses.aggregates.totalProfit.default.cents).toBe(-875);
  });

  test('a bad cursor or size is an error on the nested field, not on the whole query', async () => {
    const response = await execute(t.app, WithExpenses, { id: gid('Deal', a.deals.eur), after: 'nope' }, as(a));
    expect(response.body.errors?.[0]).toMatchObject({ path: ['deal', 'expenses'], extensions: { code: 'BAD_USER_INPUT' } });
    const big = await execute(t.app, WithExpenses, { id: gid('Deal', a.deals.eur), first: 201 }, as(a));
    expect(big.body.errors?.[0]).toMatchObject({ path: ['deal', 'expenses'], extensions: { code: 'BAD_USER_INPUT' } });
    // The connection is non-null, so its error nulls the deal (and nothing else of the response).
    expect(big.body.data).toEqual({ deal: null });
  });
});

describe('deals list', () => {
  let c: Tenant;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    c = await createTenant(t.db.prisma);
    const status = (await data(t.app, Statuses, { input: { name: 'negotiation', position: 2 } }, as(c))).createDealStatus.dealStatus!;
    await data(t.app, Statuses, { input: { name: 'prospective', position: 1 } }, as(c));
    const make = async (name: string, input: Partial<CreateDealInput>) => {
      ids[name] = (await create(c, { name, ...input })).databaseId;
    };
    await make('Alpha', { budget: true, date: '2021-01-10', tagList: ['vip'], projectId: gid('Project', c.projects.website) });
    await make('Bravo', { date: '2021-02-10', salesStatus: 'WON', responsibleId: gid('Person', c.personId), dealStatusId: status.id });
    await make('Charlie', { date: '2021-03-10', companyId: gid('Company', c.companies.globex), tagList: ['vip', 'new'] });
    await make('Delta', { budget: true, date: '2021-04-10', endDate: '2021-04-30', currency: 'EUR', exchangeRate: '1.25' });
    // Revenue and profit in USD: Alpha 100 / -900, Charlie 3000 / 2500, Delta 1250 / 1250 (EUR deal at 1.25).
    await c.expense({ dealId: ids.Alpha, amount: 1000n, currency: 'USD', billableAmount: 100n });
    await c.expense({ dealId: ids.Charlie, amount: 500n, currency: 'USD', billableAmount: 3000n });
    await c.expense({ dealId: ids.Delta, amount: 0n, currency: 'EUR', billableAmount: 1000n });
  });

  const names = async (variables: Parameters<typeof data<unknown, object>>[2] & object) =>
    (await data(t.app, List, variables as never, as(c))).deals.nodes.map((n) => n.name).filter((n) => !/budget$/.test(n));

  test('filters', async () => {
    expect(await names({ filter: { budget: true } })).toEqual(['Alpha', 'Delta']);
    expect(await names({ filter: { budget: false } })).toEqual(['Bravo', 'Charlie']);
    expect(await names({ filter: { companyIds: [gid('Company', c.companies.globex)] } })).toEqual(['Charlie']);
    expect(await names({ filter: { projectIds: [gid('Project', c.projects.website)] } })).toEqual(['Alpha']);
    expect(await names({ filter: { responsibleIds: [gid('Person', c.personId)] } })).toEqual(['Bravo']);
    expect(await names({ filter: { salesStatus: ['WON'] } })).toEqual(['Bravo']);
    expect(await names({ filter: { salesStatus: ['OPEN', 'LOST'] } })).toEqual(['Charlie']);
    expect(await names({ filter: { open: false } })).toEqual(['Bravo']);
    expect(await names({ filter: { open: true, budget: false } })).toEqual(['Charlie']);
    expect(await names({ filter: { tags: ['new', 'nothing'] } })).toEqual(['Charlie']);
    expect(await names({ filter: { name: { contains: 'LPH' } } })).toEqual(['Alpha']);
    expect(await names({ filter: { date: { gte: '2021-02-10', lt: '2021-04-10' } } })).toEqual(['Bravo', 'Charlie']);
    expect(await names({ filter: { endDate: { isNull: false } } })).toEqual(['Delta']);
    expect(await names({ filter: { currency: { eq: 'EUR' } } })).toEqual(['Delta']);
    const status = await c.db.dealStatus.findFirstOrThrow({ where: { name: 'negotiation' } });
    expect(await names({ filter: { dealStatusIds: [gid('DealStatus', status.id)] } })).toEqual(['Bravo']);
    // Another organization's ids match nothing here.
    expect(await names({ filter: { companyIds: [gid('Company', a.companies.globex)] } })).toEqual([]);
  });

  test('sorts, with keyset paging through money sorts', async () => {
    expect(await names({ orderBy: [{ field: 'NAME', direction: 'DESC' }] })).toEqual(['Delta', 'Charlie', 'Bravo', 'Alpha']);
    expect(await names({ orderBy: [{ field: 'DATE', direction: 'DESC' }] })).toEqual(['Delta', 'Charlie', 'Bravo', 'Alpha']);
    expect(await names({ orderBy: [{ field: 'NUMBER' }] })).toEqual(['Alpha', 'Bravo', 'Charlie', 'Delta']);
    expect(await names({ orderBy: [{ field: 'COMPANY_NAME' }, { field: 'NAME' }] })).toEqual(['Alpha', 'Bravo', 'Delta', 'Charlie']);
    const fixture = /budget$/;
    const revenue = (await data(t.app, List, { orderBy: [{ field: 'REVENUE', direction: 'DESC' }] }, as(c))).deals.nodes.map((n) => n.name);
    expect(revenue.filter((n) => !fixture.test(n))).toEqual(['Charlie', 'Delta', 'Alpha', 'Bravo']);
    const profit = (await data(t.app, List, { orderBy: [{ field: 'PROFIT' }] }, as(c))).deals.nodes.map((n) => n.name);
    expect(profit.filter((n) => !fixture.test(n))).toEqual(['Alpha', 'Bravo', 'Delta', 'Charlie']);

    // Page by page, one deal at a time: the same order, each deal once.
    const seen: string[] = [];
    let after: string | null | undefined;
    for (;;) {
      const page = await data(t.app, List, { orderBy: [{ field: 'REVENUE', direction: 'DESC' }], first: 1, after }, as(c));
      seen.push(...page.deals.nodes.map((n) => n.name));
      if (!page.deals.pageInfo.hasNextPage) break;
      after = page.deals.pageInfo.endCursor;
    }
    expect(seen).toEqual(revenue);
  });

  test('deal statuses list in pipeline order', async () => {
    const list = await data(t.app, StatusList, {}, as(c));
    expect(list.dealStatuses.nodes).toEqual([
      { name: 'prospective', position: 1 },
      { name: 'negotiation', position: 2 },
    ]);
  });
});

describe('hostile input', () => {
  test('NUL bytes, huge strings, 100 000 tags and numbers past their limits: clear errors, nothing written', async () => {
    const before = await dealCount(a);
    const company = gid('Company', a.companies.acme);
    const nul = await data(t.app, Create, { input: { name: 'a\u0000b', companyId: company, tagList: ['x\u0000'] } }, as(a));
    expect(nul.createDeal.userErrors).toEqual([
      { field: ['input', 'name'], message: 'cannot contain the NUL character (\\u0000)', code: 'INVALID' },
      { field: ['input', 'tagList'], message: 'cannot contain the NUL character (\\u0000)', code: 'INVALID' },
    ]);
    const long = await data(t.app, Create, { input: { name: 'x'.repeat(300_000), companyId: company } }, as(a));
    expect(long.createDeal.userErrors).toEqual([{ field: ['input', 'name'], message: 'is too long (maximum is 255 characters)', code: 'TOO_LONG' }]);
    const tags = (n: number) => Array.from({ length: n }, (_, i) => `${i}`);
    const huge = await execute(t.app, Create, { input: { name: 'Tags', companyId: company, tagList: tags(100_000) } }, as(a));
    expect([huge.status, huge.body.errors?.[0]?.extensions?.code]).toEqual([400, 'REQUEST_TOO_LARGE']);
    const many = await data(t.app, Create, { input: { name: 'Tags', companyId: company, tagList: tags(1000) } }, as(a));
    expect(many.createDeal.userErrors).toEqual([{ field: ['input', 'tagList'], message: 'may hold at most 50 tags', code: 'INVALID' }]);
    const big = await execute(t.app, Create, { input: { name: 'Big', companyId: company, budgetTotal: '9223372036854775808' } }, as(a));
    expect(big.status).toBe(400);
    expect(big.body.errors?.[0]?.message).toMatch(/BigInt inputs must be between/);
    const probability = await execute(t.app, Create, { input: { name: 'P', companyId: company, probability: 2 ** 31 } }, as(a));
    expect(probability.status).toBe(400);
    expect(await dealCount(a)).toBe(before);

    const filter = await execute(t.app, List, { filter: { tags: ['a\u0000'] } }, as(a));
    expect(filter.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(filter.body.errors?.[0]?.message).toMatch(/NUL/);
    const cursor = await execute(t.app, List, { orderBy: [{ field: 'REVENUE' }], after: Buffer.from(JSON.stringify({ l: 'Deal', s: 'REVENUE:ASC', o: a.organizationId, v: ['1e99', 1] })).toString('base64url') }, as(a));
    expect(cursor.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    const foreign = await execute(t.app, List, { orderBy: [{ field: 'REVENUE' }], after: Buffer.from(JSON.stringify({ l: 'Deal', s: 'REVENUE:ASC', o: b.organizationId, v: ['1', 1] })).toString('base64url') }, as(a));
    expect(foreign.body.errors?.[0]?.message).toMatch(/another organization/);
  });
});

describe('deal statuses', () => {
  const UpdateStatus = graphql(`
    mutation DealsUpdateStatus($input: UpdateDealStatusInput!) {
      updateDealStatus(input: $input) { dealStatus { name position archivedAt } userErrors { field message code } }
    }
  `);

  test('validation, archiving once, and another organization can neither use nor change them', async () => {
    const blank = await data(t.app, Statuses, { input: { name: ' ', position: 0 } }, as(a));
    expect(blank.createDealStatus.userErrors).toEqual([
      { field: ['input', 'name'], message: "can't be blank", code: 'BLANK' },
      { field: ['input', 'position'], message: 'must be between 1 and 1000000', code: 'INVALID' },
    ]);
    const status = (await data(t.app, Statuses, { input: { name: 'won over' } }, as(a))).createDealStatus.dealStatus!;
    const archived = await data(t.app, UpdateStatus, { input: { id: status.id, archived: true } }, as(a));
    const at = archived.updateDealStatus.dealStatus!.archivedAt;
    expect(at).not.toBeNull();
    const again = await data(t.app, UpdateStatus, { input: { id: status.id, archived: true, name: 'Won over' } }, as(a));
    expect(again.updateDealStatus.dealStatus).toEqual({ name: 'Won over', position: status.position, archivedAt: at });

    const foreign = await data(t.app, UpdateStatus, { input: { id: status.id, name: 'mine' } }, as(b));
    expect(foreign.updateDealStatus.userErrors).toEqual([{ field: ['input', 'id'], message: 'Deal status not found', code: 'NOT_FOUND' }]);
    const used = await data(
      t.app,
      Create,
      { input: { name: 'X', companyId: gid('Company', b.companies.acme), dealStatusId: status.id } },
      as(b),
    );
    expect(used.createDeal.userErrors).toEqual([{ field: ['input', 'dealStatusId'], message: 'Deal status not found', code: 'NOT_FOUND' }]);
    const node = await execute(t.app, graphql(`query DealsStatusNode($id: ID!) { node(id: $id) { id } }`), { id: status.id }, as(b));
    expect(node.body.data?.node).toBeNull();
    expect((await data(t.app, StatusList, {}, as(b))).dealStatuses.nodes.map((s) => s.name)).not.toContain('Won over');
  });

  test('20 concurrent updates of one status: all succeed, archiving gives every one the same date, no field is lost', async () => {
    const status = (await data(t.app, Statuses, { input: { name: 'contested' } }, as(a))).createDealStatus.dealStatus!;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        data(t.app, UpdateStatus, { input: { id: status.id, archived: true, ...(i === 7 ? { name: 'renamed' } : {}), ...(i === 13 ? { position: 99 } : {}) } }, as(a)),
      ),
    );
    expect(results.every((r) => r.updateDealStatus.userErrors.length === 0)).toBe(true);
    const dates = new Set(results.map((r) => r.updateDealStatus.dealStatus!.archivedAt));
    expect(dates.size).toBe(1);
    const row = await a.db.dealStatus.findUniqueOrThrow({ where: { id: status.databaseId } });
    expect({ name: row.name, position: row.position }).toEqual({ name: 'renamed', position: 99 });
    expect(row.archivedAt?.toISOString()).toBe([...dates][0]);
  });
});
