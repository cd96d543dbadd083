// The demo organization (src/domain/demo.ts), as a GraphiQL explorer meets it: every part of the API
// has something in it, and what is there is coherent by the API's own rules and with the docs
// (budgets have no sales status, deals do; an invoice's attributions add up to at most its amount; a
// contract's template is its first budget). GraphiQL's example query and the README's curl answer
// what the README says. The seed is all or nothing, and runs once.
//
// Another branch changes how a deal's money is computed: no deal revenue or cost is asserted here.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createToken } from '../src/auth/tokens.js';
import { composedTransaction } from '../src/db/scope.js';
import { createCompany } from '../src/domain/companies.js';
import { DEMO_DEAL, DEMO_EMAIL, DEMO_EXPENSE, DEMO_ORGANIZATION, seedDemo } from '../src/domain/demo.js';
import { EXAMPLE_QUERY } from '../src/http/app.js';
import { graphql } from './generated/index.js';
import { data, startApp, type Caller, type TestApp } from './helpers/app.js';

const Deals = graphql(`
  query DemoDeals {
    viewer { person { email } organization { name defaultCurrency } role }
    deals(first: 100, orderBy: [{ field: NUMBER }]) {
      nodes {
        id name number suffix budget salesStatus salesStatusId closed date endDate
        company { id name } project { id name } contract { id } originDeal { id }
      }
    }
    projects(first: 50) { nodes { id name company { id name } tasks(first: 50) { nodes { title closed assignee { email } } } } }
  }
`);

const Contracts = graphql(`
  query DemoContracts {
    contracts(first: 10) {
      totalCount
      nodes {
        id interval nextOccurrenceOn
        template { id name budget salesStatus suffix contract { id } }
        budgets(first: 50, orderBy: [{ field: DATE }]) { totalCount nodes { id number suffix date endDate budget contract { id } originDeal { id } } }
        upcomingOccurrences(count: 1) { startsOn }
      }
    }
  }
`);

const Invoices = graphql(`
  query DemoInvoices {
    invoices(first: 20) {
      nodes {
        id number invoiceType status currency
        amount { original { cents currency } }
        amountCredited { original { cents currency } }
        parentInvoice { id }
        creditNotes(first: 5) { nodes { id } }
        attributions(first: 10) { totalCount nodes { amount { original { cents currency } } budget { id name budget } } }
      }
    }
  }
`);

const Work = graphql(`
  query DemoWork {
    services(first: 50) { nodes { id name deal { id name } timeEntries(first: 50) { totalCount } } }
    timeEntries(first: 100) { totalCount nodes { time approved rejected rejectedReason workCost { default { cents currency } } person { email } service { id } task { title } } }
    tasks(first: 100) { nodes { title closed project { name } } }
    deletedItems { totalCount nodes { itemType name location recoveredAt } }
  }
`);

let t: TestApp;
let caller: Caller;
let organizationId: number;
beforeAll(async () => {
  t = await startApp();
  // Another file of this worker may have seeded it already: the same data either way.
  ({ organizationId } = await seedDemo(t.db.prisma));
  caller = { token: await createToken(t.db.prisma, DEMO_EMAIL, 'demo test') };
});
afterAll(() => t.close());

/** POSTs a query as text, as GraphiQL or curl does. */
async function run(query: string): Promise<Record<string, any>> {
  const response = await t.app.fetch('http://test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${caller.token}` },
    body: JSON.stringify({ query }),
  });
  const body = (await response.json()) as { data?: Record<string, any>; errors?: unknown };
  expect(body.errors, query).toBeUndefined();
  return body.data!;
}

describe('what the README shows of the demo', () => {
  test("GraphiQL's example query: 8 expenses, the newest on the deal the screenshot shows", async () => {
    const { expenses } = await run(EXAMPLE_QUERY);
    expect(expenses.totalCount).toBe(8);
    // docs/graphiql.png: the sum in dollars, and no normalized sum across the deals' two currencies.
    expect(expenses.aggregates.totalAmount).toEqual({ default: { cents: 231400, currency: 'USD' }, normalized: null });
    expect(expenses.nodes[0]).toMatchObject({
      name: DEMO_EXPENSE,
      date: '2026-03-05',
      amount: { original: { cents: 10000, currency: 'USD' }, default: { cents: 10000, currency: 'USD' } },
      deal: { name: DEMO_DEAL, company: { name: 'Acme GmbH' } },
      serviceType: { name: 'Software licences' },
    });
  });

  test("the README's curl query answers the organization and its expenses", async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const body = /-d '(\{"query":.*\})'/.exec(readme);
    expect(body, 'the curl example in README.md').not.toBeNull();
    const answer = await run((JSON.parse(body![1]!) as { query: string }).query);
    expect(answer.viewer.organization.name).toBe(DEMO_ORGANIZATION);
    expect(answer.expenses.totalCount).toBe(8);
    expect(answer.expenses.nodes).toHaveLength(5);
  });
});

describe('every part of the API has something, coherent', () => {
  test('the demo person, an admin of the demo organization', async () => {
    const { viewer } = await data(t.app, Deals, {}, caller);
    expect(viewer).toEqual({ person: { email: DEMO_EMAIL }, organization: { name: DEMO_ORGANIZATION, defaultCurrency: 'USD' }, role: 'ADMIN' });
  });

  test('budgets have no sales status and deals have one (docs/conventions.md); a project has a budget and a deal', async () => {
    const { deals, projects } = await data(t.app, Deals, {}, caller);
    for (const deal of deals.nodes) {
      if (deal.budget) expect([deal.name, deal.salesStatus, deal.salesStatusId]).toEqual([deal.name, null, null]);
      else expect(['OPEN', 'WON', 'LOST'], deal.name).toContain(deal.salesStatus);
    }
    const byName = new Map(deals.nodes.map((d) => [d.name, d]));
    expect(byName.get(DEMO_DEAL)).toMatchObject({ budget: true, salesStatus: null, company: { name: 'Acme GmbH' }, project: { name: 'Website relaunch' } });
    expect(new Set(deals.nodes.map((d) => d.salesStatus))).toEqual(new Set([null, 'OPEN', 'LOST']));
    expect(deals.nodes.filter((d) => d.salesStatus === 'LOST').map((d) => d.closed)).toEqual([true]);
    // A project with deals: a budget and one still being sold, of the project's own company.
    const website = projects.nodes.find((p) => p.name === 'Website relaunch')!;
    const onWebsite = deals.nodes.filter((d) => d.project?.id === website.id);
    expect(onWebsite.map((d) => d.budget).sort()).toEqual([false, true]);
    for (const deal of deals.nodes.filter((d) => d.project)) {
      const project = projects.nodes.find((p) => p.id === deal.project!.id)!;
      expect(deal.company.id, deal.name).toBe(project.company.id);
    }
    // Every deal's number is its own, apart from a contract's budgets, which share their template's.
    const numbers = deals.nodes.filter((d) => !d.contract).map((d) => d.number);
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  test("a contract whose template is its first budget, and the budgets it generated after it", async () => {
    const { contracts } = await data(t.app, Contracts, {}, caller);
    expect(contracts.totalCount).toBeGreaterThanOrEqual(1);
    const contract = contracts.nodes[0]!;
    expect(contract.template).toMatchObject({ budget: true, salesStatus: null, contract: { id: contract.id } });
    expect(contract.template.suffix).toMatch(/^\d{4}\/\d{2}$/);
    const budgets = contract.budgets.nodes;
    expect(contract.budgets.totalCount).toBeGreaterThanOrEqual(3); // the template and at least two generated
    expect(budgets[0]!.id).toBe(contract.template.id);
    const generated = budgets.slice(1);
    for (const [i, budget] of budgets.entries()) {
      expect(budget).toMatchObject({ budget: true, contract: { id: contract.id }, number: budgets[0]!.number });
      if (i > 0) {
        expect(budget.originDeal).toEqual({ id: contract.template.id });
        // Whole periods one after the other, each named after its month.
        expect(budget.date).toBe(addDay(budgets[i - 1]!.endDate!));
        expect(budget.suffix).toBe(budget.date.slice(0, 7).replace('-', '/'));
      }
    }
    expect(new Set(budgets.map((b) => b.suffix)).size).toBe(budgets.length);
    // Generated up to the next occurrence, which comes after the last one.
    expect(contract.nextOccurrenceOn).toBe(addDay(generated.at(-1)!.endDate!));
    expect(contract.upcomingOccurrences).toEqual([{ startsOn: contract.nextOccurrenceOn }]);
  });

  test("invoices with attributions that add up to at most their amount, in the invoice's currency; a credit note of an invoice", async () => {
    const { invoices } = await data(t.app, Invoices, {}, caller);
    const attributed = invoices.nodes.filter((i) => i.attributions.totalCount > 0);
    expect(attributed.length).toBeGreaterThanOrEqual(1);
    for (const invoice of attributed) {
      const amounts = invoice.attributions.nodes.map((a) => a.amount.original);
      for (const amount of amounts) expect(amount.currency).toBe(invoice.currency);
      const sum = amounts.reduce((total, a) => total + BigInt(a.cents), 0n);
      expect(sum <= BigInt(invoice.amount.original.cents), invoice.number!).toBe(true);
      // Attributed to budgets (REST's `budget` relationship).
      for (const a of invoice.attributions.nodes) expect(a.budget.budget, a.budget.name).toBe(true);
    }
    const notes = invoices.nodes.filter((i) => i.invoiceType === 'CREDIT_NOTE');
    expect(notes.length).toBeGreaterThanOrEqual(1);
    for (const note of notes) {
      const parent = invoices.nodes.find((i) => i.id === note.parentInvoice?.id)!;
      expect(parent.invoiceType).toBe('INVOICE');
      expect(parent.creditNotes.nodes).toContainEqual({ id: note.id });
      expect(BigInt(note.amount.original.cents) < 0n).toBe(true);
      expect(parent.amountCredited.original.cents).not.toBe(0);
    }
    expect(invoices.nodes.filter((i) => i.invoiceType === 'INVOICE').map((i) => i.status)).toContain('PAID');
  });

  test('services with time entries approved, rejected and open; tasks open and closed; something in the recycle bin', async () => {
    const { services, timeEntries, tasks, deletedItems } = await data(t.app, Work, {}, caller);
    expect(services.nodes.length).toBeGreaterThanOrEqual(2);
    expect(services.nodes.filter((s) => s.timeEntries.totalCount > 0).length).toBeGreaterThanOrEqual(2);
    const serviceIds = new Set(services.nodes.map((s) => s.id));
    for (const entry of timeEntries.nodes) expect(serviceIds.has(entry.service.id)).toBe(true);
    const state = (e: { approved: boolean; rejected: boolean }) => (e.approved ? 'approved' : e.rejected ? 'rejected' : 'open');
    expect(new Set(timeEntries.nodes.map(state))).toEqual(new Set(['approved', 'rejected', 'open']));
    for (const entry of timeEntries.nodes.filter((e) => e.rejected)) expect(entry.rejectedReason).toBeTruthy();
    expect(new Set(timeEntries.nodes.map((e) => e.person.email)).size).toBe(2);
    expect(timeEntries.nodes.some((e) => e.task)).toBe(true);
    // Its people have cost rates (60.00 and 45.00 USD an hour): each entry's work cost is its minutes at one of them.
    for (const entry of timeEntries.nodes) {
      expect([6000, 4500].map((rate) => Math.round((entry.time * rate) / 60))).toContain(entry.workCost.default.cents);
      expect(entry.workCost.default.currency).toBe('USD');
    }

    expect(new Set(tasks.nodes.map((task) => task.closed))).toEqual(new Set([true, false]));
    expect(deletedItems.totalCount).toBeGreaterThanOrEqual(1);
    expect(deletedItems.nodes[0]).toMatchObject({ itemType: 'TASK', name: 'Old sitemap draft', recoveredAt: null });
    // What is in the bin is out of the lists.
    expect(tasks.nodes.map((task) => task.title)).not.toContain(deletedItems.nodes[0]!.name);
  });
});

describe('seeding', () => {
  test('once: a second seed finds it and writes nothing', async () => {
    const count = () => t.db.prisma.deal.count({ where: { organizationId } });
    const before = await count();
    expect(await seedDemo(t.db.prisma)).toEqual({ created: false, organizationId });
    expect(await count()).toBe(before);
    expect(await t.db.prisma.organization.count({ where: { name: DEMO_ORGANIZATION } })).toBe(1);
  });

  test.skipIf(!process.env.TEST_DATABASE_URL)('two seeds at once: one seeds, the other answers its organization', async () => {
    // Set the present demo aside (its people's emails and its name), as if the database were fresh.
    for (const email of [DEMO_EMAIL, 'alex@example.com']) {
      await t.db.prisma.person.updateMany({ where: { email }, data: { email: `aside-${Date.now()}-${email}` } });
    }
    await t.db.prisma.organization.update({ where: { id: organizationId }, data: { name: `${DEMO_ORGANIZATION} (aside ${Date.now()})` } });
    const organizations = await t.db.prisma.organization.count();
    const [first, second] = await Promise.all([seedDemo(t.db.prisma), seedDemo(t.db.prisma)]);
    expect([first.created, second.created].sort()).toEqual([false, true]);
    expect(first.organizationId).toBe(second.organizationId);
    expect(await t.db.prisma.organization.count()).toBe(organizations + 1);
    organizationId = first.organizationId;
    caller = { token: await createToken(t.db.prisma, DEMO_EMAIL, 'demo test') };
    expect((await data(t.app, Deals, {}, caller)).viewer.organization.name).toBe(DEMO_ORGANIZATION);
  });

  test('all or nothing: a composed write that fails leaves no organization, row or event', async () => {
    const name = `Half-seeded ${Date.now()}`;
    const events = await t.db.prisma.changeEvent.count();
    await expect(
      composedTransaction(
        t.db.prisma,
        async (system, scoped) => {
          const organization = await system.organization.create({ data: { name, defaultCurrency: 'USD' } });
          const person = await system.person.create({ data: { email: `${name.replace(/\W/g, '')}@example.com`, firstName: 'H', lastName: 'S' } });
          await system.membership.create({ data: { organizationId: organization.id, personId: person.id, role: 'admin' } });
          const viewer = { person, organization, role: 'admin' as const };
          const created = await createCompany(scoped({ organizationId: organization.id }), viewer, { name: 'Kept?' });
          expect(created.ok).toBe(true);
          throw new Error('stopped half way');
        },
        { timeout: 30_000 },
      ),
    ).rejects.toThrow('stopped half way');
    expect(await t.db.prisma.organization.count({ where: { name } })).toBe(0);
    expect(await t.db.prisma.company.count({ where: { name: 'Kept?' } })).toBe(0);
    expect(await t.db.prisma.changeEvent.count()).toBe(events);
  });
});

/** The day after an ISO day. */
function addDay(iso: string): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}
