// Operator commands' building blocks: the demo seed, tokens, and the benchmark data generator.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { generate } from '../src/cli/generate.js';
import { DEMO_EMAIL, seedDemo } from '../src/cli/seed.js';
import { createToken, revokeTokens } from '../src/cli/tokens.js';
import { expenseMoneyColumns } from '../src/money/expense-amounts.js';
import { graphql } from './generated/index.js';
import { data, execute, startApp, type TestApp } from './helpers/app.js';

const Demo = graphql(`
  query CliDemo {
    viewer { person { email } organization { name defaultCurrency } }
    expenses(first: 200) { totalCount nodes { approvalStatus } }
  }
`);

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

test('the demo seed runs once, and a token made for it opens the API', async () => {
  const first = await seedDemo(t.db.prisma);
  const again = await seedDemo(t.db.prisma);
  expect(first.created).toBe(true);
  expect(again).toEqual({ created: false, organizationId: first.organizationId });

  const token = await createToken(t.db.prisma, DEMO_EMAIL, 'cli test');
  const stored = await t.db.prisma.apiToken.findMany({ where: { name: 'cli test' } });
  expect(stored).toHaveLength(1);
  expect(stored[0]!.tokenHash).not.toContain(token.slice(4, 20));
  const result = await data(t.app, Demo, {}, { token });
  expect(result.viewer.person.email).toBe(DEMO_EMAIL);
  expect(result.viewer.organization).toEqual({ name: 'Demo Agency', defaultCurrency: 'USD' });
  expect(result.expenses.totalCount).toBe(8);
  expect(result.expenses.nodes.map((n) => n.approvalStatus).sort()).toEqual([
    'APPROVED', 'APPROVED', 'NOT_APPROVED', 'NOT_APPROVED', 'NOT_APPROVED', 'NOT_APPROVED', 'NOT_APPROVED', 'REJECTED',
  ]);

  expect(await revokeTokens(t.db.prisma, DEMO_EMAIL, 'cli test')).toBe(1);
  expect((await execute(t.app, Demo, {}, { token })).status).toBe(401);
});

test('the generator spreads expenses over organizations with consistent money', async () => {
  const { organizationIds } = await generate(t.db.prisma, { expenses: 600, organizations: 2, dealsPerOrganization: 10, batchSize: 250 });
  expect(organizationIds).toHaveLength(2);
  for (const organizationId of organizationIds) {
    expect(await t.db.prisma.expense.count({ where: { organizationId } })).toBe(300);
    expect(await t.db.prisma.deal.count({ where: { organizationId } })).toBe(10);
  }
  const sample = await t.db.prisma.expense.findMany({ take: 50, include: { deal: true }, where: { organizationId: organizationIds[1]! } });
  for (const e of sample) {
    expect(e.deal.organizationId).toBe(organizationIds[1]);
    expect(
      expenseMoneyColumns({
        amount: e.amount, billableAmount: e.billableAmount, currency: e.currency, exchangeRate: e.exchangeRate.toString(),
        deal: { currency: e.deal.currency, exchangeRate: e.deal.exchangeRate.toString() },
      }),
    ).toEqual({
      amountDefault: e.amountDefault, amountNormalized: e.amountNormalized, billableAmountDefault: e.billableAmountDefault,
      normalizedCurrency: e.normalizedCurrency, profitNormalized: e.profitNormalized, profitDefault: e.profitDefault,
    });
  }
});
