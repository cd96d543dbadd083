// A deal's and a project's money from everything that is modelled (issue 24): services revenue,
// work cost at the people's cost rates, expenses, invoicing and time, checked through HTTP against
// the worked example of docs/money.md (built from the reference's numbers), and the reference's
// own answers (a service of 100 000 EUR at 1.25; a project's pending invoicing of −25 000 after two
// attributions). Then: the REVENUE/COST/PROFIT sort keys the database keeps agree with the shown
// figures through every kind of write; cost rates (validation, who sees them, another organization's
// people); one statement per page; and, on PostgreSQL, concurrent writes leave the keys exact.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { updateDeal } from '../src/domain/deals.js';
import { createInvoiceAttribution } from '../src/domain/invoice-attributions.js';
import { deleteService } from '../src/domain/services.js';
import { createTimeEntry, deleteTimeEntry } from '../src/domain/time-entries.js';
import { profitMargin, workCost } from '../src/money/work-cost.js';
import { execute, startApp, type TestApp } from './helpers/app.js';
import { binEntry } from './helpers/bin.js';
import { addPerson, createTenant, day, gid, type Tenant } from './helpers/fixtures.js';
import { service, timeEntry } from './helpers/records.js';

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

type Data = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function gql(token: string, query: string, variables: Record<string, unknown> = {}): Promise<Data> {
  const { body } = await execute(t.app, parse(query) as TypedDocumentNode<Data, Record<string, unknown>>, variables, { token });
  if (body.errors?.length || !body.data) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

const SET = '{ original { cents currency } default { cents currency } normalized { cents currency } }';
const DEAL_MONEY = `servicesRevenue ${SET} workCost ${SET} expense ${SET} expenseBillable ${SET} revenue ${SET} cost ${SET}
  profit ${SET} profitMargin budgetTotal ${SET} budgetUsed ${SET} budgetRemaining ${SET} invoiced ${SET} pendingInvoicing ${SET}
  workedTime billableTime budgetedTime`;

/** A MoneySet in the deal's currency (EUR) and the organization's (USD). */
const eur = (own: number, usd: number) => ({
  original: { cents: own, currency: 'EUR' },
  default: { cents: usd, currency: 'USD' },
  normalized: { cents: own, currency: 'EUR' },
});
const usd = (cents: number) => ({ original: { cents, currency: 'USD' }, default: { cents, currency: 'USD' }, normalized: { cents, currency: 'USD' } });

const dealMoney = async (tenant: Tenant, dealId: number) =>
  (await gql(tenant.token, `query($id: ID!) { node(id: $id) { ... on Deal { ${DEAL_MONEY} } } }`, { id: gid('Deal', dealId) })).node;

/** An invoice of `amount` in EUR at 1.25, for the attributions. */
async function invoice(tenant: Tenant, amount: bigint): Promise<number> {
  const row = await tenant.db.invoice.create({
    data: {
      organizationId: tenant.organizationId, companyId: tenant.companies.acme, creatorId: tenant.personId,
      invoicedOn: day('2021-01-24'), exchangeDate: day('2021-01-24'), currency: 'EUR', exchangeRate: '1.25', amount, number: String(amount),
    },
  });
  return row.id;
}

async function attribute(tenant: Tenant, invoiceId: number, dealId: number, amount: bigint) {
  const result = await createInvoiceAttribution(tenant.db, tenant.viewer, { invoiceId, dealId, amount });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
}

/** A member with a cost rate (minor units of USD an hour). */
async function memberAt(tenant: Tenant, costRate: bigint) {
  const { person } = await addPerson(t.db.prisma, [tenant.organizationId]);
  await t.db.prisma.membership.update({ where: { organizationId_personId: { organizationId: tenant.organizationId, personId: person.id } }, data: { costRate } });
  return person.id;
}

/** The worked example of docs/money.md, "Deals", on the tenant's EUR deal (rate 1.25, organization in USD). */
async function workedExample(tenant: Tenant) {
  const deal = tenant.deals.eur;
  await tenant.db.deal.update({ where: { id: deal }, data: { budgetTotal: 200000n } });
  const design = await service(tenant, { dealId: deal, name: 'Design', unit: 'HOUR', quantity: '10.0', price: 10000n });
  await service(tenant, { dealId: deal, name: 'Hosting', unit: 'PIECE', pricingType: 'FIXED_PRICE', quantity: '1.5', price: 20000n });
  await service(tenant, { dealId: deal, name: 'Internal', unit: 'HOUR', pricingType: 'NOT_BILLABLE', quantity: '2.0', price: 5000n });
  const senior = await memberAt(tenant, 6000n);
  const junior = await memberAt(tenant, 3333n);
  await timeEntry(tenant, design, { personId: senior, time: 480, billableTime: 480 }); // the reference's time entry
  await timeEntry(tenant, design, { personId: junior, time: 90, billableTime: 45 });
  // The expenses reference's two examples.
  await tenant.expense({ dealId: deal, amount: 10000n, currency: 'EUR', exchangeRate: '1.25', billableAmount: 0n });
  await tenant.expense({ dealId: deal, amount: 10000n, currency: 'USD', exchangeRate: '1.0', billableAmount: 10000n });
  const inv = await invoice(tenant, 20000n);
  await attribute(tenant, inv, deal, 10000n);
  await attribute(tenant, inv, deal, 10000n);
  return { design };
}

describe('the formulas', () => {
  test('work cost and profit margin round once, half away from zero', () => {
    expect(workCost(480, 6000n)).toBe(48000n);
    expect(workCost(90, 3333n)).toBe(5000n); // 4999.5
    expect(workCost(1, 1n)).toBe(0n);
    expect(workCost(30, 1n)).toBe(1n); // 0.5
    expect(workCost(1440, 10n ** 12n)).toBe(24n * 10n ** 12n);
    expect(profitMargin(100000n, 100000n)).toBe('100.0');
    expect(profitMargin(0n, 0n)).toBe('0.0');
    expect(profitMargin(79600n, 140000n)).toBe('56.86');
    expect(profitMargin(-1n, 8n)).toBe('-12.5');
    expect(profitMargin(-5n, 3n)).toBe('-166.67');
  });
});

describe('a deal', () => {
  test("the reference's service: 100 000 EUR at 1.25 sells 100 000 / 125 000, margin 100.0, nothing used yet", async () => {
    const tenant = await createTenant(t.db.prisma);
    await service(tenant, { dealId: tenant.deals.eur, name: 'test name', quantity: '1.0', price: 100000n });
    const money = await dealMoney(tenant, tenant.deals.eur);
    expect(money.servicesRevenue).toEqual(eur(100000, 125000));
    expect(money.revenue).toEqual(eur(100000, 125000));
    expect(money.profit).toEqual(eur(100000, 125000));
    expect(money.cost).toEqual(eur(0, 0));
    expect(money.profitMargin).toBe('100.0');
    expect(money.budgetUsed).toEqual(eur(0, 0));
    expect(money.budgetedTime).toBe(60);
    expect(money.workedTime).toBe(0);
  });

  test('the worked example of docs/money.md, every field', async () => {
    const tenant = await createTenant(t.db.prisma);
    await workedExample(tenant);
    expect(await dealMoney(tenant, tenant.deals.eur)).toEqual({
      servicesRevenue: eur(130000, 162500),
      workCost: eur(42400, 53000),
      expense: eur(18000, 22500),
      expenseBillable: eur(10000, 12500),
      revenue: eur(140000, 175000),
      cost: eur(60400, 75500),
      profit: eur(79600, 99500),
      profitMargin: '56.86',
      budgetTotal: eur(200000, 250000),
      budgetUsed: eur(97500, 121875),
      budgetRemaining: eur(102500, 128125),
      invoiced: eur(20000, 25000),
      pendingInvoicing: eur(120000, 150000),
      workedTime: 570,
      billableTime: 525,
      budgetedTime: 720,
    });
    // Each time entry shows its own work cost, in the default currency.
    const entries = await gql(
      tenant.token,
      `query($deal: ID!) { timeEntries(filter: { dealIds: [$deal] }) { nodes { time workCost ${SET} } } }`,
      { deal: gid('Deal', tenant.deals.eur) },
    );
    const byTime = Object.fromEntries(entries.timeEntries.nodes.map((n: Data) => [n.time, n.workCost]));
    expect(byTime).toEqual({ 480: usd(48000), 90: usd(5000) });
  });

  test("a project rolls up its live deals in the default currency; the reference's −25 000 after two attributions", async () => {
    const tenant = await createTenant(t.db.prisma);
    const query = `query($id: ID!) { node(id: $id) { ... on Project { revenue ${SET} cost ${SET} profit ${SET} profitMargin invoiced ${SET} pendingInvoicing ${SET} workedTime } } }`;
    // The reference: two attributions of 10 000 EUR (at 1.25) to a budget of a project with no revenue.
    const inv = await invoice(tenant, 20000n);
    await attribute(tenant, inv, tenant.deals.eur, 10000n);
    await attribute(tenant, inv, tenant.deals.eur, 10000n);
    expect((await gql(tenant.token, query, { id: gid('Project', tenant.projects.website) })).node).toEqual({
      revenue: usd(0), cost: usd(0), profit: usd(0), profitMargin: '0.0', invoiced: usd(25000), pendingInvoicing: usd(-25000), workedTime: 0,
    });

    const other = await createTenant(t.db.prisma);
    await workedExample(other);
    // A second deal of the project, in USD: 5 000 of billable expense.
    await other.db.deal.update({ where: { id: other.deals.usd }, data: { projectId: other.projects.website, companyId: other.companies.acme } });
    await other.expense({ dealId: other.deals.usd, amount: 1000n, currency: 'USD', exchangeRate: '1.0', billableAmount: 5000n });
    expect((await gql(other.token, query, { id: gid('Project', other.projects.website) })).node).toEqual({
      revenue: usd(180000), cost: usd(76500), profit: usd(103500), profitMargin: '57.5', invoiced: usd(25000), pendingInvoicing: usd(155000), workedTime: 570,
    });
    // A deal in the recycle bin no longer counts.
    await other.db.deal.update({ where: { id: other.deals.usd }, data: { deletedAt: new Date() } });
    expect((await gql(other.token, query, { id: gid('Project', other.projects.website) })).node.revenue).toEqual(usd(175000));
  });
});

describe('the sort keys the database keeps', () => {
  /** The stored keys of a deal equal the default forms it shows. */
  async function expectKeysAgree(tenant: Tenant, dealId: number) {
    const money = await dealMoney(tenant, dealId);
    const row = await t.db.prisma.deal.findUniqueOrThrow({ where: { id: dealId } });
    expect({
      revenue: row.sortRevenueDefault.toFixed(),
      cost: row.sortCostDefault.toFixed(),
      profit: row.sortProfitDefault.toFixed(),
    }).toEqual({
      revenue: String(money.revenue.default.cents),
      cost: String(money.cost.default.cents),
      profit: String(money.profit.default.cents),
    });
    return money;
  }

  test('through creates, a rate change, a currency change, deletes and restores', async () => {
    const tenant = await createTenant(t.db.prisma);
    const { design } = await workedExample(tenant);
    await expectKeysAgree(tenant, tenant.deals.eur);

    // A new rate converts the services again (odd cents: the rounding of each service shows).
    expect((await updateDeal(tenant.db, tenant.viewer, tenant.deals.eur, { exchangeRate: '1.3333' })).ok).toBe(true);
    const rated = await expectKeysAgree(tenant, tenant.deals.eur);
    expect(rated.servicesRevenue.default.cents).toBe(133330 + 39999); // 100000 × 1.3333, 30000 × 1.3333 = 39999
    // A new currency re-expresses the prices.
    expect((await updateDeal(tenant.db, tenant.viewer, tenant.deals.eur, { currency: 'GBP', exchangeRate: '1.7' })).ok).toBe(true);
    await expectKeysAgree(tenant, tenant.deals.eur);

    // Deleting the service takes its time entries with it; restoring brings both back.
    const before = await dealMoney(tenant, tenant.deals.eur);
    expect((await deleteService(tenant.db, tenant.viewer, design)).ok).toBe(true);
    const without = await expectKeysAgree(tenant, tenant.deals.eur);
    expect(without.workCost.default.cents).toBe(0);
    expect(without.workedTime).toBe(0);
    const entry = await binEntry(t.app, { token: tenant.token }, 'SERVICE', gid('Service', design));
    const restored = await gql(tenant.token, 'mutation($id: ID!) { restoreDeletedItem(input: { id: $id }) { userErrors { message } } }', { id: entry!.id });
    expect(restored.restoreDeletedItem.userErrors).toEqual([]);
    expect(await expectKeysAgree(tenant, tenant.deals.eur)).toEqual(before);

    // One time entry deleted.
    const [first] = await tenant.db.timeEntry.findMany({ orderBy: { id: 'asc' }, take: 1 });
    expect((await deleteTimeEntry(tenant.db, tenant.viewer, first!.id)).ok).toBe(true);
    expect((await expectKeysAgree(tenant, tenant.deals.eur)).workCost.default.cents).toBe(5000);
  });

  test('REVENUE sorts deals by services too', async () => {
    const tenant = await createTenant(t.db.prisma);
    await tenant.expense({ dealId: tenant.deals.usd, amount: 100n, currency: 'USD', exchangeRate: '1.0', billableAmount: 50000n });
    await service(tenant, { dealId: tenant.deals.eur, quantity: '1.0', price: 100000n });
    const order = await gql(tenant.token, '{ deals(orderBy: [{ field: REVENUE, direction: DESC }]) { nodes { name revenue { default { cents } } } } }');
    expect(order.deals.nodes).toEqual([
      { name: 'EUR budget', revenue: { default: { cents: 125000 } } },
      { name: 'USD budget', revenue: { default: { cents: 50000 } } },
    ]);
  });
});

describe('cost rates', () => {
  test('admins set them on members, members do not see them, bounds are checked, nothing else changes', async () => {
    const tenant = await createTenant(t.db.prisma);
    const add = `mutation($input: AddMemberInput!) { addMember(input: $input) { person { id costRate { cents currency } } userErrors { field message code } } }`;
    const added = await gql(tenant.token, add, { input: { email: `rate-${tenant.organizationId}@test.example`, firstName: 'R', lastName: 'Ate', costRate: '7500' } });
    expect(added.addMember.person.costRate).toEqual({ cents: 7500, currency: 'USD' });

    const update = `mutation($input: UpdateMemberInput!) { updateMember(input: $input) { person { costRate { cents } } userErrors { field message code } } }`;
    for (const bad of ['-1', '1000000000001', '9223372036854775807']) {
      const answer = await gql(tenant.token, update, { input: { personId: added.addMember.person.id, costRate: bad } });
      expect(answer.updateMember.userErrors).toEqual([{ field: ['input', 'costRate'], message: 'must be between 0 and 1000000000000 (minor units per hour)', code: 'INVALID' }]);
    }
    const unchanged = await gql(tenant.token, `query($id: ID!) { node(id: $id) { ... on Person { costRate { cents } } } }`, { id: added.addMember.person.id });
    expect(unchanged.node.costRate).toEqual({ cents: 7500 });

    // A member sees people, not their cost rates.
    const member = await tenant.member();
    const seen = await gql(member.token, `query($id: ID!) { node(id: $id) { ... on Person { costRate { cents } } } }`, { id: added.addMember.person.id });
    expect(seen.node).toEqual({ costRate: null });

    // A time entry recorded for them costs at their rate; a later rate leaves it as recorded.
    const design = await service(tenant, { quantity: '1.0', price: 100n });
    const personId = Number(Buffer.from(added.addMember.person.id, 'base64').toString().split(':')[1]);
    const entryId = await timeEntry(tenant, design, { personId, time: 61 });
    await gql(tenant.token, update, { input: { personId: added.addMember.person.id, costRate: '0' } });
    const stored = await tenant.db.timeEntry.findUniqueOrThrow({ where: { id: entryId } });
    expect(stored.workCostDefault).toBe(7625n); // 61 × 7500 ÷ 60

    // Changing anything else keeps it; new minutes or another person work it out again, at today's rate.
    const updateEntry = `mutation($input: UpdateTimeEntryInput!) { updateTimeEntry(input: $input) { timeEntry { workCost { default { cents } } } userErrors { message } } }`;
    const entryGid = gid('TimeEntry', entryId);
    const noted = await gql(tenant.token, updateEntry, { input: { id: entryGid, note: 'kept' } });
    expect(noted.updateTimeEntry.timeEntry.workCost.default.cents).toBe(7625);
    const moreMinutes = await gql(tenant.token, updateEntry, { input: { id: entryGid, time: 120 } });
    expect(moreMinutes.updateTimeEntry.timeEntry.workCost.default.cents).toBe(0);
    const senior = await memberAt(tenant, 9000n);
    const moved = await gql(tenant.token, updateEntry, { input: { id: entryGid, personId: gid('Person', senior) } });
    expect(moved.updateTimeEntry.timeEntry.workCost.default.cents).toBe(18000); // 120 × 9000 ÷ 60
    expect((await dealMoney(tenant, tenant.deals.eur)).workCost.default.cents).toBe(18000);
  });

  test("another organization's person is not found, and their cost rate never applies", async () => {
    const a = await createTenant(t.db.prisma);
    const b = await createTenant(t.db.prisma);
    await t.db.prisma.membership.update({ where: { organizationId_personId: { organizationId: b.organizationId, personId: b.personId } }, data: { costRate: 9000n } });
    const design = await service(a);
    const result = await createTimeEntry(a.db, a.viewer, { serviceId: design, date: day('2025-08-01'), time: 60, personId: b.personId });
    expect(result.ok).toBe(false);
    expect(result.ok || result.errors).toEqual([{ field: ['input', 'personId'], message: 'Person not found', code: 'NOT_FOUND' }]);
  });
});

describe('statements', () => {
  test('a page of deals with all their money and time costs the same statements for 2 deals as for 12', async () => {
    async function page(deals: number) {
      const tenant = await createTenant(t.db.prisma);
      for (let i = 2; i < deals; i++) {
        await tenant.db.deal.create({
          data: {
            organizationId: tenant.organizationId, companyId: tenant.companies.acme, name: `D${i}`, number: 10 + i,
            date: day('2021-04-15'), currency: 'EUR', exchangeRate: '1.25', exchangeDate: day('2021-04-15'),
          },
        });
      }
      for (const deal of await tenant.db.deal.findMany({ select: { id: true } })) {
        const s = await service(tenant, { dealId: deal.id, quantity: '1.0', price: 100n });
        await timeEntry(tenant, s, { time: 30 });
        await tenant.expense({ dealId: deal.id, amount: 10n, currency: 'EUR', exchangeRate: '1.25' });
      }
      t.db.statements.reset();
      const result = await gql(tenant.token, `{ deals(first: 50) { nodes { name ${DEAL_MONEY} } } }`);
      expect(result.deals.nodes).toHaveLength(deals);
      return { count: t.db.statements.count, log: [...t.db.statements.log] };
    }
    const few = await page(2);
    const many = await page(12);
    expect(many.count, many.log.join('\n')).toBe(few.count);
  });

  test('a page of projects with their rollups costs the same statements for 2 projects as for 10', async () => {
    async function page(projects: number) {
      const tenant = await createTenant(t.db.prisma);
      for (let i = 2; i < projects; i++) {
        const project = await tenant.db.project.create({ data: { organizationId: tenant.organizationId, companyId: tenant.companies.acme, name: `P${i}`, number: 10 + i } });
        await tenant.db.deal.create({
          data: {
            organizationId: tenant.organizationId, companyId: tenant.companies.acme, projectId: project.id, name: `D${i}`, number: 10 + i,
            date: day('2021-04-15'), currency: 'EUR', exchangeRate: '1.25', exchangeDate: day('2021-04-15'),
          },
        });
      }
      for (const deal of await tenant.db.deal.findMany({ select: { id: true } })) {
        const s = await service(tenant, { dealId: deal.id, quantity: '1.0', price: 100n });
        await timeEntry(tenant, s, { time: 30 });
      }
      t.db.statements.reset();
      const result = await gql(
        tenant.token,
        `{ projects(first: 50) { nodes { name revenue ${SET} cost ${SET} profit ${SET} profitMargin invoiced ${SET} pendingInvoicing ${SET} workedTime } } }`,
      );
      expect(result.projects.nodes).toHaveLength(projects);
      for (const node of result.projects.nodes) expect(node.revenue.default.cents).toBe(node.name === 'App' ? 100 : 125);
      return { count: t.db.statements.count, log: [...t.db.statements.log] };
    }
    const few = await page(2);
    const many = await page(10);
    expect(many.count, many.log.join('\n')).toBe(few.count);
  });
});

describe.runIf(Boolean(process.env.TEST_DATABASE_URL))('concurrency', () => {
  /** PostgreSQL's count of the deadlocks it broke in this file's database (reported once a backend is idle). */
  const deadlocks = async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const [row] = await t.db.prisma.$queryRaw<Array<{ n: bigint }>>`SELECT deadlocks AS n FROM pg_stat_database WHERE datname = current_database()`;
    return row!.n;
  };

  test('services, time entries, rate and currency changes and service deletes at once leave the sort keys exact, deadlocking nowhere', async () => {
    const before = await deadlocks();
    const tenant = await createTenant(t.db.prisma);
    const worker = await memberAt(tenant, 4321n);
    const design = await service(tenant, { quantity: '3.0', price: 3333n });
    const doomed = await Promise.all(Array.from({ length: 4 }, (_, i) => service(tenant, { name: `D${i}`, quantity: '2.0', price: 999n })));
    for (const id of doomed) await timeEntry(tenant, id, { personId: worker, time: 11 });
    const writes: Array<Promise<unknown>> = [];
    for (let i = 0; i < 20; i++) {
      writes.push(service(tenant, { name: `S${i}`, quantity: '1.5', price: BigInt(1001 + i) }));
      writes.push(timeEntry(tenant, design, { personId: worker, time: 7 + i }));
      if (i % 5 === 0) writes.push(updateDeal(tenant.db, tenant.viewer, tenant.deals.eur, { exchangeRate: `1.${3 + i}7` }));
      if (i % 5 === 2) writes.push(updateDeal(tenant.db, tenant.viewer, tenant.deals.eur, { currency: i % 2 ? 'GBP' : 'EUR', exchangeRate: `1.${i}3` }));
      if (i % 5 === 4) writes.push(deleteService(tenant.db, tenant.viewer, doomed[(i - 4) / 5]!));
    }
    const settled = await Promise.allSettled(writes);
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
    for (const s of settled) if (s.status === 'fulfilled' && s.value && typeof s.value === 'object' && 'ok' in s.value) expect(s.value).toMatchObject({ ok: true });
    const money = await dealMoney(tenant, tenant.deals.eur);
    const row = await t.db.prisma.deal.findUniqueOrThrow({ where: { id: tenant.deals.eur } });
    expect(row.sortRevenueDefault.toFixed()).toBe(String(money.revenue.default.cents));
    expect(row.sortCostDefault.toFixed()).toBe(String(money.cost.default.cents));
    expect(row.sortProfitDefault.toFixed()).toBe(String(money.profit.default.cents));
    expect(money.workedTime).toBe(Array.from({ length: 20 }, (_, i) => 7 + i).reduce((a, b) => a + b, 0));
    expect(money.workCost.default.cents).toBe(
      Array.from({ length: 20 }, (_, i) => Number(workCost(7 + i, 4321n))).reduce((a, b) => a + b, 0),
    );
    expect(await deadlocks()).toBe(before);
  }, 60_000);

  test("time entries' minutes changing while their deal is deleted deadlock nowhere", async () => {
    const before = await deadlocks();
    for (let round = 0; round < 3; round++) {
      const tenant = await createTenant(t.db.prisma);
      const worker = await memberAt(tenant, 5000n);
      const services = await Promise.all(Array.from({ length: 4 }, (_, i) => service(tenant, { name: `S${i}` })));
      const entries = await Promise.all(Array.from({ length: 16 }, (_, i) => timeEntry(tenant, services[i % 4]!, { personId: worker, time: 10 + i })));
      const update = `mutation($input: UpdateTimeEntryInput!) { updateTimeEntry(input: $input) { userErrors { code } } }`;
      const writes: Array<Promise<unknown>> = entries.map((id, i) => gql(tenant.token, update, { input: { id: gid('TimeEntry', id), time: 100 + i } }));
      writes.splice(8, 0, gql(tenant.token, 'mutation($id: ID!) { deleteDeal(input: { id: $id }) { userErrors { code } } }', { id: gid('Deal', tenant.deals.eur) }));
      const settled = await Promise.allSettled(writes);
      expect(settled.filter((r) => r.status === 'rejected')).toEqual([]);
    }
    expect(await deadlocks()).toBe(before);
  }, 60_000);
});
