// The actual cost counts what ran and what was written (issue 22): fields that ran are paid for even
// when a failing non-null root field or an internal error nulls `data`; generation, cascades and
// plain lists cost by their size; generation has a cap per call across all contracts.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { MAX_ROWS_PER_CALL } from '../src/domain/contracts.js';
import { createMetrics } from '../src/observability/metrics.js';
import type { RateLimitOptions } from '../src/limits/rate-limit.js';
import { createApp, type App } from '../src/http/app.js';
import { startApp, type TestApp } from './helpers/app.js';
import { contractRow, templateDeal } from './helpers/contracts.js';
import { createTenant, gid, type Tenant } from './helpers/fixtures.js';

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

function appWith(rateLimit: Omit<RateLimitOptions, 'metrics'>): App {
  const logger = pino({ level: 'silent' });
  return createApp({ prisma: t.db.prisma, logger, metrics: createMetrics(), rateLimit: { logger, ...rateLimit } });
}

interface Cost {
  requested: number;
  actual: number;
  throttleStatus: { currentlyAvailable: number };
}
interface Answer {
  status: number;
  body: {
    data?: Record<string, any> | null;
    errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>;
    extensions?: { cost?: Cost };
  };
}

async function send(app: App, token: string, query: string, variables?: Record<string, unknown>): Promise<Answer> {
  const response = await app.fetch('http://test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: await response.json() };
}

const cost = (answer: Answer) => answer.body.extensions!.cost!;

describe('fields that ran are paid for, whatever the shape of data', () => {
  let tenant: Tenant;
  beforeAll(async () => {
    tenant = await createTenant(t.db.prisma);
    for (let i = 0; i < 3; i += 1) await tenant.expense({ name: `eur ${i}`, dealId: tenant.deals.eur });
    await tenant.expense({ name: 'usd', dealId: tenant.deals.usd, currency: 'USD' });
  });

  const A = 'a: deals(first: 80) { totalCount nodes { id expenses(first: 3) { totalCount nodes { id } } } }';

  test("the issue's query: a failing non-null root field does not make its sibling's reads free, even 10 at once", async () => {
    const app = appWith({ points: 10_000, restoreRate: 500 });
    const alone = await send(app, tenant.token, `{ ${A} }`);
    const deals = alone.body.data!.a.nodes as Array<{ expenses: { nodes: unknown[] } }>;
    expect(deals.length).toBe(2);
    // 2 for the connection, each deal 1 + its connection 2 + the expenses it returned.
    const costA = 2 + deals.reduce((sum, d) => sum + 1 + 2 + d.expenses.nodes.length, 0);
    expect(cost(alone).actual).toBe(costA);

    const before = cost(alone).throttleStatus.currentlyAvailable;
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => send(app, tenant.token, `{ ${A} b: deals(after: "garbage") { totalCount } }`)),
    );
    for (const answer of answers) {
      expect(answer.body.data).toBeNull();
      expect(answer.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      // `a` ran in full; `b` ran and failed: its connection's 2.
      expect(cost(answer).actual).toBe(costA + 2);
    }
    const after = await send(app, tenant.token, '{ viewer { __typename } }');
    expect(cost(after).throttleStatus.currentlyAvailable).toBe(before - 10 * (costA + 2) - 1);
  });

  test('an internal error ("Unexpected error.") pays for what ran before and beside it', async () => {
    const app = appWith({ points: 10_000, restoreRate: 500 });
    const spy = vi.spyOn(t.db.prisma.expense, 'findMany').mockImplementation((() => Promise.reject(new Error('disk on fire'))) as never);
    try {
      const answer = await send(app, tenant.token, '{ a: deals(first: 80) { nodes { id } } b: expenses(first: 5) { nodes { id } } }');
      expect(answer.body.data).toBeNull();
      expect(answer.body.errors?.map((e) => e.message)).toEqual(['Unexpected error.']);
      // deals: 2 + 2 deals; expenses: its connection's 2, though it failed.
      expect(cost(answer)).toMatchObject({ requested: 2 + 80 + 2 + 5, actual: 2 + 2 + 2 });
      expect(cost(answer).throttleStatus.currentlyAvailable).toBe(10_000 - 6);
    } finally {
      spy.mockRestore();
    }
  });
});

const GENERATE = `mutation($input: GenerateContractOccurrencesInput!) {
  generateContractOccurrences(input: $input) { createdBudgets { id name } userErrors { field message code } }
}`;

/** A weekly contract from 2017-02-01 copying `expenses` template expenses. */
async function weeklyContract(tenant: Tenant, expenses: number): Promise<{ contractId: number; templateId: number }> {
  const templateId = await templateDeal(tenant, { date: '2017-01-01' });
  for (let i = 0; i < expenses; i += 1) {
    await tenant.expense({ name: `template ${i}`, dealId: templateId, currency: 'EUR', date: new Date('2017-01-01T00:00:00Z') });
  }
  const contractId = await contractRow(tenant, { templateId, intervalId: 3, nextOccurrenceOn: '2017-02-01', copyExpenses: true });
  return { contractId, templateId };
}

const budgetsOf = (tenant: Tenant, contractId: number) => tenant.db.deal.count({ where: { contractId } });

describe('generateContractOccurrences costs the rows it writes, and has a cap per call', () => {
  test("the issue's run (weekly, 5 expenses copied, 9 years) is refused on `until`, and writes nothing", async () => {
    const tenant = await createTenant(t.db.prisma);
    const { contractId } = await weeklyContract(tenant, 5);
    const app = appWith({ points: 1000, restoreRate: 50 });
    const answer = await send(app, tenant.token, GENERATE, { input: { until: '2026-01-01' } });
    const payload = answer.body.data!.generateContractOccurrences;
    expect(payload.createdBudgets).toEqual([]);
    // 466 weeks: 466 budgets, 466 events, 2330 expenses.
    expect(payload.userErrors).toEqual([
      {
        field: ['input', 'until'],
        code: 'INVALID',
        message: `would write 3262 rows in one call (466 budgets, 466 events and 2330 copied expenses), more than ${MAX_ROWS_PER_CALL}: generate up to an earlier date first, then again`,
      },
    ]);
    expect(await budgetsOf(tenant, contractId)).toBe(0);
  });

  test('the cap holds across contracts: several small contracts add up', async () => {
    const tenant = await createTenant(t.db.prisma);
    const contracts: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const templateId = await templateDeal(tenant, { date: '2017-01-01', number: 10 + i });
      contracts.push(await contractRow(tenant, { templateId, intervalId: 3, nextOccurrenceOn: '2017-02-01' }));
    }
    const app = appWith({ points: 1000, restoreRate: 50 });
    // 100 weeks each: 200 rows each, under the cap alone, 600 together.
    const until = '2018-12-26';
    const one = await send(app, tenant.token, GENERATE, { input: { until, contractIds: [gid('Contract', contracts[0]!)] } });
    expect(one.body.data!.generateContractOccurrences.userErrors).toEqual([]);
    expect(one.body.data!.generateContractOccurrences.createdBudgets).toHaveLength(100);
    const rest = await send(app, tenant.token, GENERATE, { input: { until, contractIds: contracts.slice(1).map((id) => gid('Contract', id)) } });
    expect(rest.body.data!.generateContractOccurrences.userErrors).toEqual([]);

    const tenant2 = await createTenant(t.db.prisma);
    const all: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      const templateId = await templateDeal(tenant2, { date: '2017-01-01', number: 10 + i });
      all.push(await contractRow(tenant2, { templateId, intervalId: 3, nextOccurrenceOn: '2017-02-01' }));
    }
    const together = await send(app, tenant2.token, GENERATE, { input: { until } });
    expect(together.body.data!.generateContractOccurrences.userErrors).toEqual([
      expect.objectContaining({ field: ['input', 'until'], message: expect.stringMatching(/^would write 600 rows in one call \(300 budgets/) }),
    ]);
    for (const id of all) expect(await budgetsOf(tenant2, id)).toBe(0);
  });

  test('a run is charged its rows and its createdBudgets by their number', async () => {
    const tenant = await createTenant(t.db.prisma);
    const { contractId } = await weeklyContract(tenant, 5);
    const app = appWith({ points: 1000, restoreRate: 50 });
    // 10 weeks: 10 budgets + 10 events + 50 expenses = 70 rows.
    const answer = await send(app, tenant.token, GENERATE, { input: { until: '2017-04-05' } });
    expect(answer.body.data!.generateContractOccurrences.createdBudgets).toHaveLength(10);
    expect(await tenant.db.expense.count({ where: { deal: { contractId } } })).toBe(50);
    // Charged 10 + one budget + one user error beforehand; it cost 10 + 10 budgets + 70 rows.
    expect(cost(answer)).toMatchObject({ requested: 12, actual: 10 + 10 + 70, throttleStatus: { currentlyAvailable: 1000 - 90 } });
  });

  test('a run the bucket cannot pay for is refused before it writes anything', async () => {
    const tenant = await createTenant(t.db.prisma);
    const { contractId } = await weeklyContract(tenant, 5);
    // 100 points, 20 used by a query: the 12 charged up front leave 68, less than the 70 rows.
    const app = appWith({ points: 100, restoreRate: 5 });
    const twenty = await send(app, tenant.token, `{ ${Array.from({ length: 10 }, (_, i) => `v${i}: viewer { person { id } }`).join(' ')} }`);
    expect(cost(twenty).actual).toBe(20);
    const answer = await send(app, tenant.token, GENERATE, { input: { until: '2017-04-05' } });
    expect(answer.body.errors).toEqual([
      expect.objectContaining({
        path: ['generateContractOccurrences'],
        message: expect.stringMatching(/^Throttled: this call would write 70 rows, at 1 point each, and 68 of 100 points are left; nothing was written/),
        extensions: expect.objectContaining({ code: 'THROTTLED' }),
      }),
    ]);
    expect(await budgetsOf(tenant, contractId)).toBe(0);
    // The mutation ran (10) and wrote nothing: the rest is refunded.
    expect(cost(answer)).toMatchObject({ actual: 10, throttleStatus: { currentlyAvailable: 70 } });

    // With a bucket of 75 it could never run (12 + 70 > 75): said at once, whatever is left.
    const small = appWith({ points: 75, restoreRate: 5 });
    const never = await send(small, tenant.token, GENERATE, { input: { until: '2017-04-05' } });
    expect(never.body.errors?.[0]?.extensions).toMatchObject({ code: 'MAX_COST_EXCEEDED', cost: 82, maximumAvailable: 75 });
    expect(await budgetsOf(tenant, contractId)).toBe(0);
  });
});

test('a cascading delete is charged the rows it takes with it', async () => {
  const tenant = await createTenant(t.db.prisma);
  for (let i = 0; i < 7; i += 1) await tenant.expense({ name: `e${i}`, dealId: tenant.deals.usd, currency: 'USD' });
  const app = appWith({ points: 1000, restoreRate: 50 });
  const answer = await send(app, tenant.token, 'mutation($id: ID!) { deleteDeal(input: { id: $id }) { deletedDealId userErrors { field } } }', {
    id: gid('Deal', tenant.deals.usd),
  });
  expect(answer.body.data!.deleteDeal).toEqual({ deletedDealId: gid('Deal', tenant.deals.usd), userErrors: [] });
  // 10 for the mutation, 7 for the expenses that went with the deal.
  expect(cost(answer)).toMatchObject({ requested: 11, actual: 17, throttleStatus: { currentlyAvailable: 1000 - 17 } });
});

test('a restore and a purge are charged the rows they bring back or erase with the item', async () => {
  const tenant = await createTenant(t.db.prisma);
  for (let i = 0; i < 7; i += 1) await tenant.expense({ name: `e${i}`, dealId: tenant.deals.usd, currency: 'USD' });
  const app = appWith({ points: 1000, restoreRate: 50 });
  const entry = async () =>
    gid('DeletedItem', (await t.db.prisma.deletedItem.findFirstOrThrow({ where: { itemType: 'deal', itemId: tenant.deals.usd, recoveredAt: null } })).id);
  const del = 'mutation($id: ID!) { deleteDeal(input: { id: $id }) { userErrors { field } } }';
  const deleted = await send(app, tenant.token, del, { id: gid('Deal', tenant.deals.usd) });
  expect(deleted.body).toMatchObject({ data: { deleteDeal: { userErrors: [] } } });
  const restored = await send(app, tenant.token, 'mutation($id: ID!) { restoreDeletedItem(input: { id: $id }) { userErrors { field } } }', { id: await entry() });
  expect(restored.body.data!.restoreDeletedItem).toEqual({ userErrors: [] });
  // 10 for the mutation, 7 for the expenses that came back with the deal.
  expect(cost(restored)).toMatchObject({ actual: 17 });
  await send(app, tenant.token, del, { id: gid('Deal', tenant.deals.usd) });
  const purged = await send(app, tenant.token, 'mutation($id: ID!) { purgeDeletedItem(input: { id: $id }) { userErrors { field } } }', { id: await entry() });
  expect(purged.body.data!.purgeDeletedItem).toEqual({ userErrors: [] });
  expect(cost(purged)).toMatchObject({ actual: 17 });
});
