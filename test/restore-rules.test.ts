// A restore re-establishes every rule that a create or update of the same rows enforces, or
// refuses and changes nothing (issue 22; the rules per model are in src/domain/bin-restore.ts):
// invoice sums and signs, money re-expressed to parents that changed meanwhile, credit notes that
// must share their invoice's currency, a contract's dates, and unique places under concurrency.
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { graphql } from './generated/index.js';
import { as, data, startApp, type TestApp } from './helpers/app.js';
import { createTenant, day, gid, type Tenant } from './helpers/fixtures.js';
import { DeleteAttribution, DeleteContract, DeleteDeal, DeleteExpense, DeleteInvoice, DeleteService } from './helpers/mutations.js';

const CreateInvoice = graphql(`
  mutation RulesCreateInvoice($input: CreateInvoiceInput!) {
    createInvoice(input: $input) { invoice { databaseId } userErrors { field message code } }
  }
`);
const UpdateInvoice = graphql(`
  mutation RulesUpdateInvoice($input: UpdateInvoiceInput!) { updateInvoice(input: $input) { userErrors { field message code } } }
`);
const Attribute = graphql(`
  mutation RulesAttribute($input: CreateInvoiceAttributionInput!) {
    createInvoiceAttribution(input: $input) { invoiceAttribution { databaseId } userErrors { field message code } }
  }
`);
const UpdateDeal = graphql(`mutation RulesUpdateDeal($input: UpdateDealInput!) { updateDeal(input: $input) { userErrors { field message code } } }`);
const CreateService = graphql(`
  mutation RulesCreateService($input: CreateServiceInput!) { createService(input: $input) { service { databaseId } userErrors { field message code } } }
`);
const Restore = graphql(`
  mutation RulesRestore($input: RestoreDeletedItemInput!) {
    restoreDeletedItem(input: $input) { item { __typename ... on Node { id } } userErrors { field message code } }
  }
`);
const Expense = graphql(`
  query RulesExpense($id: ID!) {
    expense(id: $id) {
      amount { original { cents currency } default { cents } normalized { cents currency } }
      billableAmount { original { cents currency } default { cents } normalized { cents currency } }
      profit { default { cents } normalized { cents currency } }
    }
  }
`);
const Service = graphql(`query RulesService($id: ID!) { node(id: $id) { ... on Service { price { cents currency } total { cents currency } } } }`);
const Attribution = graphql(`
  query RulesAttribution($id: ID!) {
    invoiceAttribution(id: $id) { amount { original { cents currency } default { cents currency } normalized { cents currency } } }
  }
`);

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

async function invoice(a: Tenant, amount: number, extra: Record<string, unknown> = {}) {
  const result = await data(
    t.app,
    CreateInvoice,
    { input: { companyId: gid('Company', a.companies.globex), amount, invoicedOn: '2021-05-01', ...extra } },
    as(a),
  );
  expect(result.createInvoice.userErrors).toEqual([]);
  return result.createInvoice.invoice!.databaseId;
}

async function attribute(a: Tenant, invoiceId: number, dealId: number, amount: number) {
  return (
    await data(t.app, Attribute, { input: { invoiceId: gid('Invoice', invoiceId), budgetId: gid('Deal', dealId), amount } }, as(a))
  ).createInvoiceAttribution;
}

async function budget(a: Tenant, name: string, currency = 'USD', exchangeRate = '1') {
  const deal = await a.db.deal.create({
    data: {
      organizationId: a.organizationId, companyId: a.companies.globex, name, number: 10, budget: true,
      date: day('2021-01-01'), currency, exchangeRate, exchangeDate: day('2021-01-01'),
    },
  });
  return deal.id;
}

const entryOf = async (a: Tenant, itemType: string, itemId: number) =>
  gid('DeletedItem', (await a.db.deletedItem.findFirstOrThrow({ where: { itemType, itemId, recoveredAt: null } })).id);

const restore = async (a: Tenant, itemType: string, itemId: number) =>
  (await data(t.app, Restore, { input: { id: await entryOf(a, itemType, itemId) } }, as(a))).restoreDeletedItem;

/** What is attributed to an invoice, live rows only (the database, not the API: nothing hides a wrong sum). */
const attributed = async (invoiceId: number) => {
  const { _sum } = await t.db.prisma.invoiceAttribution.aggregate({ where: { invoiceId, deletedAt: null }, _sum: { amount: true } });
  return _sum.amount ?? 0n;
};

const stillInBin = async (itemType: string, itemId: number) =>
  t.db.prisma.deletedItem.count({ where: { itemType, itemId, recoveredAt: null } });

describe('invoice attributions come back only within their invoice', () => {
  test("a budget whose attribution's amount went to another budget meanwhile is refused, and nothing changes", async () => {
    const a = await createTenant(t.db.prisma);
    const inv = await invoice(a, 1000);
    const d1 = await budget(a, 'D1');
    const d2 = await budget(a, 'D2');
    expect((await attribute(a, inv, d1, 1000)).userErrors).toEqual([]);
    await data(t.app, DeleteDeal, { input: { id: gid('Deal', d1) } }, as(a));
    expect((await attribute(a, inv, d2, 1000)).userErrors).toEqual([]);

    const result = await restore(a, 'budget', d1);
    expect(result.item).toBeNull();
    expect(result.userErrors).toEqual([
      {
        field: ['input', 'id'],
        code: 'CONFLICT',
        message: `cannot be restored: invoice #${inv} would have 2000 attributed, more than its amount (1000); its amount has been attributed to other budgets meanwhile`,
      },
    ]);
    expect(await attributed(inv)).toBe(1000n);
    expect(await t.db.prisma.deal.count({ where: { id: d1, deletedAt: null } })).toBe(0);
    expect(await stillInBin('budget', d1)).toBe(1);

    // Once the other budget's attribution is gone, the budget comes back with its own.
    await data(t.app, DeleteDeal, { input: { id: gid('Deal', d2) } }, as(a));
    expect((await restore(a, 'budget', d1)).userErrors).toEqual([]);
    expect(await attributed(inv)).toBe(1000n);
  });

  test('a budget whose invoice was lowered meanwhile is refused; the same for an attribution restored alone', async () => {
    const a = await createTenant(t.db.prisma);
    const inv = await invoice(a, 1000);
    const d1 = await budget(a, 'D1');
    const made = await attribute(a, inv, d1, 900);
    await data(t.app, DeleteDeal, { input: { id: gid('Deal', d1) } }, as(a));
    expect((await data(t.app, UpdateInvoice, { input: { id: gid('Invoice', inv), amount: 10 } }, as(a))).updateInvoice.userErrors).toEqual([]);
    expect((await restore(a, 'budget', d1)).userErrors[0]).toMatchObject({ code: 'CONFLICT' });
    expect(await attributed(inv)).toBe(0n);

    // An attribution deleted on its own, then the invoice lowered: refused too.
    const d2 = await budget(a, 'D2');
    expect((await data(t.app, UpdateInvoice, { input: { id: gid('Invoice', inv), amount: 1000 } }, as(a))).updateInvoice.userErrors).toEqual([]);
    const alone = (await attribute(a, inv, d2, 600)).invoiceAttribution!.databaseId;
    await data(t.app, DeleteAttribution, { input: { id: gid('InvoiceAttribution', alone) } }, as(a));
    expect((await data(t.app, UpdateInvoice, { input: { id: gid('Invoice', inv), amount: 500 } }, as(a))).updateInvoice.userErrors).toEqual([]);
    expect((await restore(a, 'invoice_attribution', alone)).userErrors[0]).toMatchObject({ code: 'CONFLICT' });
    expect(await attributed(inv)).toBe(0n);
    expect(made.userErrors).toEqual([]);
  });

  test("an attribution that comes back follows its invoice's currency and rate, as if it had stayed", async () => {
    const a = await createTenant(t.db.prisma);
    const inv = await invoice(a, 5000);
    const gone = await budget(a, 'Gone');
    const stayed = await budget(a, 'Stayed');
    const g = (await attribute(a, inv, gone, 1000)).invoiceAttribution!.databaseId;
    const s = (await attribute(a, inv, stayed, 1000)).invoiceAttribution!.databaseId;
    await data(t.app, DeleteDeal, { input: { id: gid('Deal', gone) } }, as(a));
    const changed = await data(t.app, UpdateInvoice, { input: { id: gid('Invoice', inv), currency: 'EUR', exchangeRate: '1.25' } }, as(a));
    expect(changed.updateInvoice.userErrors).toEqual([]);
    expect((await restore(a, 'budget', gone)).userErrors).toEqual([]);
    const shown = async (id: number) => (await data(t.app, Attribution, { id: gid('InvoiceAttribution', id) }, as(a))).invoiceAttribution!.amount;
    const expected = {
      original: { cents: 1000, currency: 'EUR' },
      default: { cents: 1250, currency: 'USD' },
      normalized: { cents: 1250, currency: 'USD' },
    };
    expect(await shown(s)).toEqual(expected);
    expect(await shown(g)).toEqual(expected);
  });

  test('on PostgreSQL too: a budget restore racing 10 attributions to another budget never over-attributes', async () => {
    const a = await createTenant(t.db.prisma);
    const inv = await invoice(a, 1000);
    const d1 = await budget(a, 'D1');
    const d2 = await budget(a, 'D2');
    await attribute(a, inv, d1, 1000);
    await data(t.app, DeleteDeal, { input: { id: gid('Deal', d1) } }, as(a));
    const entry = await entryOf(a, 'budget', d1);
    const results = await Promise.all([
      data(t.app, Restore, { input: { id: entry } }, as(a)).then((r) => r.restoreDeletedItem.userErrors),
      ...Array.from({ length: 10 }, () => attribute(a, inv, d2, 100).then((r) => r.userErrors)),
    ]);
    for (const errors of results) for (const error of errors) expect(['CONFLICT', 'INVALID']).toContain(error.code);
    expect(await attributed(inv)).toBeLessThanOrEqual(1000n);
    const restored = results[0]!.length === 0;
    expect(await attributed(inv)).toBe(restored ? 1000n : BigInt(results.slice(1).filter((e) => e.length === 0).length * 100));
  });
});

describe("money on a parent that changed while the object was in the bin", () => {
  test('an expense comes back re-expressed in its deal\'s new currency and rate, exactly as its live twin was', async () => {
    const a = await createTenant(t.db.prisma);
    const deal = await budget(a, 'Moving', 'USD', '1');
    const twin = await a.expense({ dealId: deal, name: 'stayed', amount: 10000n, billableAmount: 12345n, currency: 'EUR', exchangeRate: '1.25' });
    const binned = await a.expense({ dealId: deal, name: 'binned', amount: 10000n, billableAmount: 12345n, currency: 'EUR', exchangeRate: '1.25' });
    await data(t.app, DeleteExpense, { input: { id: gid('Expense', binned) } }, as(a));
    const moved = await data(t.app, UpdateDeal, { input: { id: gid('Deal', deal), currency: 'GBP', exchangeRate: '1.3' } }, as(a));
    expect(moved.updateDeal.userErrors).toEqual([]);
    expect((await restore(a, 'expense', binned)).userErrors).toEqual([]);
    const money = async (id: number) => (await data(t.app, Expense, { id: gid('Expense', id) }, as(a))).expense;
    const live = await money(twin);
    expect(live!.billableAmount.original.currency).toBe('GBP');
    expect(await money(binned)).toEqual(live);
  });

  test("a service's price comes back in its budget's new currency, as its live twin's", async () => {
    const a = await createTenant(t.db.prisma);
    const deal = await budget(a, 'Services', 'USD', '1');
    const create = async (name: string) =>
      (await data(t.app, CreateService, { input: { dealId: gid('Deal', deal), name, price: 10000, quantity: '2.5' } }, as(a))).createService.service!.databaseId;
    const twin = await create('stayed');
    const binned = await create('binned');
    await data(t.app, DeleteService, { input: { id: gid('Service', binned) } }, as(a));
    expect((await data(t.app, UpdateDeal, { input: { id: gid('Deal', deal), currency: 'EUR', exchangeRate: '1.25' } }, as(a))).updateDeal.userErrors).toEqual([]);
    expect((await restore(a, 'service', binned)).userErrors).toEqual([]);
    const shown = async (id: number) => (await data(t.app, Service, { id: gid('Service', id) }, as(a))).node as { price: unknown; total: unknown } | null;
    expect((await shown(twin))!.price).toEqual({ cents: 8000, currency: 'EUR' });
    expect(await shown(binned)).toEqual(await shown(twin));
  });
});

describe('credit notes and contracts', () => {
  test("a credit note whose invoice changed currency meanwhile is refused", async () => {
    const a = await createTenant(t.db.prisma);
    const inv = await invoice(a, 5000);
    const note = await invoice(a, -1000, { invoiceType: 'CREDIT_NOTE', parentInvoiceId: gid('Invoice', inv) });
    await data(t.app, DeleteInvoice, { input: { id: gid('Invoice', note) } }, as(a));
    expect((await data(t.app, UpdateInvoice, { input: { id: gid('Invoice', inv), currency: 'EUR', exchangeRate: '1.25' } }, as(a))).updateInvoice.userErrors).toEqual([]);
    expect((await restore(a, 'invoice', note)).userErrors).toEqual([
      { field: ['input', 'id'], code: 'CONFLICT', message: 'cannot be restored: the credited invoice is in EUR now, the credit note in USD' },
    ]);
    expect(await t.db.prisma.invoice.count({ where: { id: note, deletedAt: null } })).toBe(0);
  });

  test("a contract whose template's date moved past its next occurrence is refused", async () => {
    const a = await createTenant(t.db.prisma);
    const template = await budget(a, 'Template');
    // Made in the database: createContract wants a next occurrence after today, and this test must not depend on the date.
    const contract = (
      await a.db.contract.create({
        data: { organizationId: a.organizationId, templateId: template, intervalId: 3, nextOccurrenceOn: day('2022-01-01'), anchorOn: day('2022-01-01') },
      })
    ).id;
    await data(t.app, DeleteContract, { input: { id: gid('Contract', contract) } }, as(a));
    expect((await data(t.app, UpdateDeal, { input: { id: gid('Deal', template), date: '2022-06-01' } }, as(a))).updateDeal.userErrors).toEqual([]);
    expect((await restore(a, 'contract', contract)).userErrors).toEqual([
      { field: ['input', 'id'], code: 'CONFLICT', message: "cannot be restored: its next occurrence is no longer after its template's date" },
    ]);
  });
});

describe('unique places under concurrency', () => {
  test('an invoice restore racing creates that take its number: one holder, no unexpected error', async () => {
    const a = await createTenant(t.db.prisma);
    const inv = await invoice(a, 100, { number: 'RACE-1' });
    await data(t.app, DeleteInvoice, { input: { id: gid('Invoice', inv) } }, as(a));
    const entry = await entryOf(a, 'invoice', inv);
    const results = await Promise.all([
      data(t.app, Restore, { input: { id: entry } }, as(a)).then((r) => r.restoreDeletedItem.userErrors),
      ...Array.from({ length: 5 }, () =>
        data(t.app, CreateInvoice, { input: { companyId: gid('Company', a.companies.globex), amount: 1, number: 'RACE-1' } }, as(a)).then(
          (r) => r.createInvoice.userErrors,
        ),
      ),
    ]);
    expect(results.filter((errors) => errors.length === 0)).toHaveLength(1);
    for (const errors of results) for (const error of errors) expect(['CONFLICT', 'TAKEN']).toContain(error.code);
    expect(await t.db.prisma.invoice.count({ where: { organizationId: a.organizationId, number: 'RACE-1', deletedAt: null } })).toBe(1);
  });
});

describe('what was deleted on its own stays, even in the same millisecond', () => {
  test('an expense deleted alone, then its deal at the same instant: the deal comes back without it', async () => {
    const a = await createTenant(t.db.prisma);
    const deal = await budget(a, 'Same instant');
    const alone = await a.expense({ dealId: deal, name: 'alone', currency: 'USD' });
    const went = await a.expense({ dealId: deal, name: 'went with it', currency: 'USD' });
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2026-03-01T10:00:00.000Z'));
      await data(t.app, DeleteExpense, { input: { id: gid('Expense', alone) } }, as(a));
      await data(t.app, DeleteDeal, { input: { id: gid('Deal', deal) } }, as(a));
    } finally {
      vi.useRealTimers();
    }
    expect((await restore(a, 'budget', deal)).userErrors).toEqual([]);
    expect(await t.db.prisma.expense.count({ where: { id: went, deletedAt: null } })).toBe(1);
    // Still in the bin, with its entry, as the bin lists it.
    expect(await t.db.prisma.expense.count({ where: { id: alone, deletedAt: null } })).toBe(0);
    expect(await stillInBin('expense', alone)).toBe(1);
  });
});
