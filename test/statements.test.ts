// Nested reads must cost one statement per level, whatever the number of rows: the SQL a request
// makes is part of its expected behaviour.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { graphql } from './generated/index.js';
import { data, startApp, type TestApp } from './helpers/app.js';
import { createTenant, gid, type Tenant } from './helpers/fixtures.js';

const Nested = graphql(`
  query StatementsNested($first: Int) {
    expenses(first: $first) {
      totalCount
      nodes {
        name
        amount { default { cents currency } }
        deal { name company { name } project { name company { name } } }
        serviceType { name }
        creator { name }
        approver { name }
      }
    }
  }
`);

const Aliased = graphql(`
  query StatementsAliased($a: ExpenseFilter, $b: ExpenseFilter) {
    first: expenses(first: 200, filter: $a) { nodes { deal { company { name } } creator { name } } }
    second: expenses(first: 200, filter: $b) { nodes { deal { name } serviceType { name } } }
  }
`);

const OneWithDeal = graphql(`
  query StatementsOneWithDeal($id: ID!) {
    expense(id: $id) { name date amount { original { cents currency } } deal { name } }
  }
`);

const DefaultTotal = graphql(`
  query StatementsDefaultTotal {
    expenses(first: 0) { totalCount aggregates { totalAmount { default { cents currency } } } }
  }
`);

const OriginalTotals = graphql(`
  query StatementsOriginalTotals {
    expenses(first: 0) {
      aggregates {
        totalAmount { original { cents currency } }
        profit: totalProfit { default { cents } }
        again: totalAmount { default { cents } }
      }
    }
  }
`);

const AllTotals = graphql(`
  query StatementsAllTotals {
    expenses(first: 0) {
      totalCount
      aggregates {
        totalAmount { original { cents currency } default { cents currency } normalized { cents currency } }
        totalProfit { default { cents } }
      }
    }
  }
`);

const TypenameTotals = graphql(`
  query StatementsTypenameTotals {
    expenses(first: 0) { totalCount aggregates { __typename totalAmount { __typename } } }
  }
`);

const Nodes = graphql(`
  query StatementsNodes($ids: [ID!]!) {
    nodes(ids: $ids) { ... on Expense { name deal { name company { name } } creator { name } } }
  }
`);

let t: TestApp;
let small: Tenant;
let large: Tenant;

beforeAll(async () => {
  t = await startApp();
  small = await createTenant(t.db.prisma);
  large = await createTenant(t.db.prisma);
  for (let i = 0; i < 5; i += 1) await small.expense({ name: `small ${i}` });
  const approver = await large.member();
  for (let i = 0; i < 200; i += 1) {
    await large.expense({
      name: `large ${i}`,
      dealId: i % 2 ? large.deals.eur : large.deals.usd,
      currency: i % 2 ? 'EUR' : 'USD',
      serviceTypeId: i % 3 ? large.serviceTypes.travel : large.serviceTypes.software,
      personId: i % 5 ? null : approver.personId,
    });
  }
});
afterAll(() => t.close());

/** Statements made by one request (authentication included). */
async function statements(run: () => Promise<unknown>): Promise<{ count: number; log: string[] }> {
  t.db.statements.reset();
  await run();
  return { count: t.db.statements.count, log: [...t.db.statements.log] };
}

const CountAndTotals = graphql(`
  query StatementsCountAndTotals($filter: ExpenseFilter) {
    expenses(filter: $filter, first: 200, orderBy: [{ field: SERVICE_TYPE_NAME }]) {
      totalCount
      aggregates { totalAmount { default { cents } } totalProfit { normalized { cents } } }
      nodes { name }
    }
  }
`);

const NamesOnly = graphql(`
  query StatementsNamesOnly {
    expenses(first: 5, orderBy: [{ field: AMOUNT }]) { nodes { name } }
  }
`);

const Typename = graphql(`
  query StatementsTypename { __typename }
`);

const CountOnly = graphql(`
  query StatementsCountOnly {
    expenses { totalCount }
    deals { totalCount }
  }
`);

const Create = graphql(`
  mutation StatementsCreate($input: CreateExpenseInput!) {
    createExpense(input: $input) {
      expense { name deal { name company { name } } serviceType { name } creator { name } }
      userErrors { code }
    }
  }
`);

const CreateWithKey = graphql(`
  mutation StatementsCreateWithKey($input: CreateExpenseInput!) {
    createExpense(input: $input) { expense { id } userErrors { code } }
  }
`);

/** Authentication reads the token, its person and their organizations in one joined statement. */
const AUTH = 1;

describe('statement counts', () => {
  test('200 expenses with deal, company, project, service type and people cost the same as 5', async () => {
    const few = await statements(() => data(t.app, Nested, { first: 200 }, { token: small.token }));
    const many = await statements(async () => {
      const result = await data(t.app, Nested, { first: 200 }, { token: large.token });
      expect(result.expenses.nodes).toHaveLength(200);
      expect(result.expenses.totalCount).toBe(200);
    });
    expect(many.count, many.log.join('\n')).toBe(few.count);
    // The page with every to-one relation, at every level, joined into it (relationJoins), then the count.
    expect(many.count, many.log.join('\n')).toBe(AUTH + 1 + 1);
  });

  test('one expense by id with its deal (bench pair a) is one statement', async () => {
    const expense = await large.db.expense.findFirstOrThrow({ select: { id: true } });
    const counted = await statements(async () => {
      const result = await data(t.app, OneWithDeal, { id: gid('Expense', expense.id) }, { token: large.token });
      expect(result.expense?.deal.name).toMatch(/budget/);
    });
    expect(counted.count, counted.log.join('\n')).toBe(AUTH + 1);
  });

  test('aliases of one list with different arguments each cost their own fixed number', async () => {
    const run = (tenant: Tenant) =>
      statements(() =>
        data(
          t.app,
          Aliased,
          { a: { currency: { eq: 'EUR' } }, b: { currency: { eq: 'USD' } } },
          { token: tenant.token },
        ),
      );
    const few = await run(small);
    const many = await run(large);
    expect(many.count, many.log.join('\n')).toBe(few.count);
    // One page each, its relations joined in.
    expect(many.count, many.log.join('\n')).toBe(AUTH + 1 + 1);
  });

  test('totalCount and aggregates come from one statement, beside the page', async () => {
    const counted = await statements(async () => {
      const result = await data(t.app, CountAndTotals, { filter: { currency: { eq: 'EUR' } } }, { token: large.token });
      expect(result.expenses.totalCount).toBe(100);
      expect(result.expenses.nodes).toHaveLength(100);
    });
    // The page (sorted by the service type name copied onto expenses: no join) and one grouped
    // sum that also counts: no separate COUNT.
    expect(counted.count, counted.log.join('\n')).toBe(AUTH + 1 + 1);
    expect(counted.log.filter((sql) => /GROUP BY/i.test(sql))).toHaveLength(1);
    expect(counted.log.filter((sql) => /COUNT\(/i.test(sql) && !/GROUP BY/i.test(sql))).toHaveLength(0);
  });

  test('aggregates sum only the totals and forms asked for, grouping only for a currency form', async () => {
    const all = await data(t.app, AllTotals, {}, { token: large.token });

    const onlyDefault = await statements(async () => {
      const result = await data(t.app, DefaultTotal, {}, { token: large.token });
      expect(result.expenses.totalCount).toBe(all.expenses.totalCount);
      expect(result.expenses.aggregates.totalAmount.default).toEqual(all.expenses.aggregates.totalAmount.default);
    });
    const plain = onlyDefault.log.filter((sql) => /SUM\(/.test(sql));
    expect(plain, onlyDefault.log.join('\n')).toHaveLength(1);
    expect(plain[0]).not.toMatch(/GROUP BY/);
    expect(plain[0]!.match(/SUM\(/g)).toHaveLength(1);

    const mixed = await statements(async () => {
      const result = await data(t.app, OriginalTotals, {}, { token: large.token });
      // Two currencies among the rows: no single original currency, so no original total.
      expect(result.expenses.aggregates.totalAmount.original).toBeNull();
      expect(result.expenses.aggregates.profit.default).toEqual({ cents: all.expenses.aggregates.totalProfit.default.cents });
      expect(result.expenses.aggregates.again.default).toEqual({ cents: all.expenses.aggregates.totalAmount.default.cents });
    });
    const grouped = mixed.log.filter((sql) => /SUM\(/.test(sql));
    expect(grouped, mixed.log.join('\n')).toHaveLength(1);
    expect(grouped[0]).toMatch(/GROUP BY "public"."expenses"."currency"( OFFSET|$)/);
    // amount (original), amount_default (again) and profit_default, nothing else.
    expect(grouped[0]!.match(/SUM\(/g)).toHaveLength(3);
  });

  test('totals selected with no form, or only the count beside aggregates, still answer', async () => {
    const counted = await statements(async () => {
      const result = await data(t.app, TypenameTotals, {}, { token: large.token });
      expect(result.expenses.totalCount).toBe(200);
      expect(result.expenses.aggregates.totalAmount.__typename).toBe('MoneyTotal');
    });
    expect(counted.count, counted.log.join('\n')).toBe(AUTH + 1);
    expect(counted.log.some((sql) => /SUM\(/.test(sql))).toBe(false);
  });

  test('authentication is one statement: a request that reads nothing costs exactly that', async () => {
    const counted = await statements(() => data(t.app, Typename, {}, { token: large.token }));
    expect(counted.count, counted.log.join('\n')).toBe(1);
  });

  test('a page loads only the columns its fields need (and the sort key for cursors)', async () => {
    const counted = await statements(() => data(t.app, NamesOnly, {}, { token: large.token }));
    const page = counted.log.find((sql) => sql.includes('FROM "public"."expenses"'))!;
    const columns = page
      .slice(0, page.indexOf(' FROM '))
      .split(',')
      .map((c) => c.trim().replace(/ AS .*/, '').replace(/.*\./, ''));
    expect(columns.sort()).toEqual(['"amount_default"', '"id"', '"name"']);
  });

  test('totalCount alone reads no page', async () => {
    const counted = await statements(async () => {
      const result = await data(t.app, CountOnly, {}, { token: large.token });
      expect(result.expenses.totalCount).toBe(200);
      expect(result.deals.totalCount).toBe(2);
    });
    expect(counted.count, counted.log.join('\n')).toBe(AUTH + 2);
  });

  test('nodes(ids:) for 200 expenses loads them and their relations per level, not per id', async () => {
    const ids = (await large.db.expense.findMany({ select: { id: true } })).map((e) => gid('Expense', e.id));
    expect(ids).toHaveLength(200);
    const counted = await statements(async () => {
      const result = await data(t.app, Nodes, { ids }, { token: large.token });
      expect(result.nodes.filter((n) => n && 'name' in n)).toHaveLength(200);
    });
    expect(counted.count, counted.log.join('\n')).toBeLessThanOrEqual(AUTH + 1 + 3 + 1);
  });

  test('a mutation payload with nested relations costs a fixed number of statements', async () => {
    const counted = await statements(async () => {
      const result = await data(
        t.app,
        Create,
        {
          input: {
            name: 'Statement check',
            dealId: gid('Deal', large.deals.eur),
            serviceTypeId: gid('ServiceType', large.serviceTypes.travel),
            amount: 100,
            currency: 'EUR',
            date: '2021-04-15',
          },
        },
        { token: large.token },
      );
      expect(result.createExpense.userErrors).toEqual([]);
      expect(result.createExpense.expense?.deal.company.name).toBe('Acme');
    });
    // Transaction: begin, deal, service type, max position, insert, commit; then the payload's read.
    expect(counted.count, counted.log.join('\n')).toBeLessThanOrEqual(AUTH + 6 + 5);
  });

  test('createExpense with an idempotency key: the write path, statement by statement', async () => {
    const input = (key?: string) => ({
      idempotencyKey: key,
      name: 'Lean write',
      dealId: gid('Deal', large.deals.usd),
      serviceTypeId: gid('ServiceType', large.serviceTypes.travel),
      amount: 1250,
      currency: 'USD',
      date: '2021-04-15',
    });
    const write = async (key?: string) => {
      const counted = await statements(async () => {
        const result = await data(t.app, CreateWithKey, { input: input(key) }, { token: large.token });
        expect(result.createExpense.userErrors).toEqual([]);
      });
      // Transaction control is sent by the adapters unevenly (PGlite's not at all, pg's COMMIT only);
      // it is BEGIN + COMMIT on the wire either way.
      return counted.log.filter((sql) => !/^(BEGIN|COMMIT|ROLLBACK)\b/.test(sql));
    };
    const shape = (log: string[]) =>
      log.map((sql) => {
        const table = /^\s*(?:WITH (\w+)|INSERT INTO "public"\."(\w+)"|UPDATE "public"\."(\w+)"|SELECT .*? FROM (?:"public"\."(\w+)"|\(SELECT "public"\."(\w+)"|api_tokens))/s.exec(sql);
        const verb = /^\s*(\w+)/.exec(sql)![1];
        return `${verb} ${table?.slice(1).find(Boolean) ?? 'api_tokens'}`;
      });
    const withKey = await write(`lean-${Date.now()}`);
    expect(shape(withKey), withKey.join('\n')).toEqual([
      'SELECT api_tokens', // authentication
      'INSERT idempotency_keys', // the claim: ON CONFLICT answers a live key (one statement)
      // The deal's lock (FOR NO KEY UPDATE), read with it with its last position, and the service type
      // checked in its WHERE (src/domain/kit/locks.ts, lockDeal): no new version of the deal's row.
      'SELECT deals',
      'INSERT expenses', // its payload and the event's come from the row it returns (presentExpense)
      'WITH event', // the event, its webhook deliveries and the key's result: one statement, no organization lock
    ]);
    // No lock on the organization, no separate webhook lookup, no read of the payload after commit.
    expect(withKey.some((sql) => /^\s*UPDATE "public"\."organizations"/.test(sql))).toBe(false);
    expect(withKey.filter((sql) => /FROM "public"\."webhooks"/.test(sql))).toEqual([]);
    // The mutation: 6 with BEGIN and COMMIT (14 before issue 23 without them). Authentication is the
    // request's, once per token every AUTH_CACHE_MS (5 s) with the token cache a server runs with.
    expect(withKey.length - AUTH + 2).toBeLessThanOrEqual(6);
    // Without a key, the claim is not there.
    const plain = await write();
    expect(plain.length).toBe(withKey.length - 1);
  });
});

const DealsWithMoneyAndExpenses = graphql(`
  query StatementsDeals($first: Int) {
    deals(first: $first, orderBy: [{ field: REVENUE, direction: DESC }]) {
      totalCount
      nodes {
        name
        company { name }
        revenue { default { cents } }
        profit { normalized { cents currency } }
        budgetRemaining { default { cents } }
        expenses(first: 10, orderBy: [{ field: AMOUNT, direction: DESC }]) {
          totalCount
          aggregates { totalAmount { default { cents } } }
          nodes { name serviceType { name } }
          pageInfo { hasNextPage endCursor }
        }
      }
    }
  }
`);

describe('statement counts of deals', () => {
  /** A tenant with `deals` extra USD deals, each with `perDeal` expenses (rows written directly: fast, and consistent at rate 1). */
  async function dealsTenant(deals: number, perDeal: number) {
    const tenant = await createTenant(t.db.prisma);
    const base = { organizationId: tenant.organizationId, companyId: tenant.companies.acme, currency: 'USD', exchangeRate: '1' };
    await tenant.db.deal.createMany({
      data: Array.from({ length: deals }, (_, i) => ({
        ...base,
        name: `deal ${i}`,
        number: 10 + i,
        date: new Date('2021-01-01'),
        exchangeDate: new Date('2021-01-01'),
      })),
    });
    // In creation order, so that deal i gets the billable amounts of index i (PostgreSQL returns rows in no set order).
    const ids = (await tenant.db.deal.findMany({ where: { name: { startsWith: 'deal ' } }, select: { id: true }, orderBy: { id: 'asc' } })).map((d) => d.id);
    await tenant.db.expense.createMany({
      data: ids.flatMap((dealId, d) =>
        Array.from({ length: perDeal }, (_, i) => {
          const amount = BigInt(100 * (i + 1));
          const billable = BigInt(50 * d);
          return {
            organizationId: tenant.organizationId, dealId, serviceTypeId: tenant.serviceTypes.travel, creatorId: tenant.personId,
            name: `e ${d}.${i}`, date: new Date('2021-01-01'), position: i + 1,
            currency: 'USD', exchangeRate: '1', exchangeDate: new Date('2021-01-01'),
            amount, amountDefault: amount, amountNormalized: amount, billableAmount: billable, billableAmountDefault: billable,
            normalizedCurrency: 'USD', profitNormalized: billable - amount, profitDefault: billable - amount,
          };
        }),
      ),
    });
    return tenant;
  }

  test('200 deals with their money, their first 10 expenses and those totals cost the same as 5', async () => {
    const few = await dealsTenant(5, 3);
    const many = await dealsTenant(200, 12);
    const run = (tenant: Tenant) => statements(() => data(t.app, DealsWithMoneyAndExpenses, { first: 200 }, { token: tenant.token }));
    const small = await run(few);
    const counted = await statements(async () => {
      const result = await data(t.app, DealsWithMoneyAndExpenses, { first: 200 }, { token: many.token });
      expect(result.deals.nodes).toHaveLength(200);
      const top = result.deals.nodes[0]!;
      // The last deal made has the highest billable amounts: 12 × 50 × 199 revenue.
      expect(top.name).toBe('deal 199');
      expect(top.revenue.default.cents).toBe(12 * 50 * 199);
      expect(top.expenses.nodes).toHaveLength(10);
      expect(top.expenses.totalCount).toBe(12);
      expect(top.expenses.pageInfo.hasNextPage).toBe(true);
      expect(top.expenses.aggregates.totalAmount.default.cents).toBe(100 * (12 * 13) / 2);
    });
    expect(counted.count, counted.log.join('\n')).toBe(small.count);
    // The page of deals with each one's first expenses and their relations joined in; the deals'
    // count; one grouped sum of expenses for the deals' money; one for the nested totals and counts.
    expect(counted.count, counted.log.join('\n')).toBe(AUTH + 4);
  });
});
