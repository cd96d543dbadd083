// Invoice attributions through GraphQL: the reference's example (2 × 10000 make a budget's invoiced
// 20000 and pending −20000), every validation, the currency following the invoice, the rule that
// an invoice's attributions may not exceed its amount (also under 20 concurrent creates), what a
// deal shows after create/update/delete, lists, Deal.invoiceAttributions, tenant isolation, and
// statement counts.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createInvoiceAttribution } from '../src/domain/invoice-attributions.js';
import { graphql } from './generated/index.js';
import { as, data, execute, type TestApp } from './helpers/app.js';
import { appWithTwoTenants, createTenant, day, gid, type Tenant } from './helpers/fixtures.js';
import { DeleteDeal } from './helpers/mutations.js';

const Create = graphql(`
  mutation AttributionsCreate($input: CreateInvoiceAttributionInput!) {
    createInvoiceAttribution(input: $input) {
      invoiceAttribution {
        id
        databaseId
        dateFrom
        dateTo
        amount { original { cents currency } default { cents currency } normalized { cents currency } }
        invoice { databaseId }
        budget { databaseId }
      }
      userErrors { field message code }
    }
  }
`);

const Update = graphql(`
  mutation AttributionsUpdate($input: UpdateInvoiceAttributionInput!) {
    updateInvoiceAttribution(input: $input) {
      invoiceAttribution { amount { original { cents } normalized { cents currency } } budget { databaseId } }
      userErrors { field message code }
    }
  }
`);

const Delete = graphql(`
  mutation AttributionsDelete($input: DeleteInvoiceAttributionInput!) {
    deleteInvoiceAttribution(input: $input) { deletedInvoiceAttributionId userErrors { field message code } }
  }
`);

const Invoicing = graphql(`
  query AttributionsDealInvoicing($id: ID!) {
    deal(id: $id) {
      invoiced { original { cents currency } default { cents currency } normalized { cents currency } }
      pendingInvoicing { original { cents currency } default { cents currency } normalized { cents currency } }
      invoiceAttributions(orderBy: [{ field: CREATED_AT }]) {
        totalCount
        aggregates { totalAmount { default { cents } normalized { cents currency } } }
        nodes { amount { original { cents } } }
      }
    }
  }
`);

const List = graphql(`
  query AttributionsList($filter: InvoiceAttributionFilter, $orderBy: [InvoiceAttributionOrder!]) {
    invoiceAttributions(filter: $filter, orderBy: $orderBy) {
      totalCount
      aggregates { totalAmount { original { cents currency } default { cents } } }
      nodes { databaseId dateFrom }
    }
  }
`);

const One = graphql(`
  query AttributionsOne($id: ID!) { invoiceAttribution(id: $id) { databaseId } }
`);

const Grouped = graphql(`
  query AttributionsGrouped($filter: InvoiceAttributionFilter, $groupBy: [InvoiceAttributionGroupBy!]!) {
    invoiceAttributions(filter: $filter) {
      groupedAggregates(groupBy: $groupBy) {
        totalCount
        nodes {
          keys { budget { databaseId } invoice { databaseId } company { name } dateFrom currency }
          count
          aggregates { totalAmount { original { cents currency } default { cents } normalized { cents currency } } }
        }
      }
    }
  }
`);

let t: TestApp;
let a: Tenant;
let b: Tenant;
beforeAll(async () => ({ t, a, b } = await appWithTwoTenants()));
afterAll(() => t.close());

/** An invoice written directly (the invoice mutations have their own tests); a negative amount makes a credit note of a new invoice. */
async function invoice(tenant: Tenant, amount: bigint, currency = 'EUR', exchangeRate = '1.25'): Promise<number> {
  const parentInvoiceId = amount < 0n ? await invoice(tenant, -amount, currency, exchangeRate) : null;
  const row = await tenant.db.invoice.create({
    data: {
      ...(parentInvoiceId !== null && { invoiceTypeId: 2, parentInvoiceId }),
      organizationId: tenant.organizationId,
      companyId: tenant.companies.acme,
      creatorId: tenant.personId,
      invoicedOn: day('2021-01-24'),
      currency,
      exchangeRate,
      exchangeDate: day('2021-01-24'),
      amount,
    },
  });
  return row.id;
}

async function attribute(tenant: Tenant, invoiceId: number, dealId: number, amount: number, extra: Record<string, unknown> = {}) {
  const result = await data(
    t.app,
    Create,
    { input: { invoiceId: gid('Invoice', invoiceId), budgetId: gid('Deal', dealId), amount, ...extra } },
    as(tenant),
  );
  expect(result.createInvoiceAttribution.userErrors).toEqual([]);
  return result.createInvoiceAttribution.invoiceAttribution!;
}

const eur = (cents: number, usd: number) => ({
  original: { cents, currency: 'EUR' },
  default: { cents: usd, currency: 'USD' },
  normalized: { cents, currency: 'EUR' },
});

describe('the reference', () => {
  test('two attributions of 10000 to a budget without revenue: invoiced 20000, pending −20000', async () => {
    const inv = await invoice(a, 20000n);
    const first = await attribute(a, inv, a.deals.eur, 10000);
    expect(first.amount).toEqual(eur(10000, 12500));
    expect(first).toMatchObject({ dateFrom: null, dateTo: null, invoice: { databaseId: inv }, budget: { databaseId: a.deals.eur } });
    await attribute(a, inv, a.deals.eur, 10000);
    const deal = (await data(t.app, Invoicing, { id: gid('Deal', a.deals.eur) }, as(a))).deal!;
    expect(deal.invoiced).toEqual(eur(20000, 25000));
    expect(deal.pendingInvoicing).toEqual(eur(-20000, -25000));
    expect(deal.invoiceAttributions.totalCount).toBe(2);
    expect(deal.invoiceAttributions.aggregates.totalAmount).toEqual({ default: { cents: 25000 }, normalized: { cents: 20000, currency: 'EUR' } });
  });

  test('amount is required ("can\'t be blank"), on create and on update', async () => {
    const inv = await invoice(a, 1000n);
    const missing = await data(t.app, Create, { input: { invoiceId: gid('Invoice', inv), budgetId: gid('Deal', a.deals.eur) } }, as(a));
    expect(missing.createInvoiceAttribution.userErrors).toEqual([{ field: ['input', 'amount'], message: "can't be blank", code: 'BLANK' }]);
    const made = await attribute(a, inv, a.deals.eur, 100);
    const cleared = await data(t.app, Update, { input: { id: made.id, amount: null } }, as(a));
    expect(cleared.updateInvoiceAttribution.userErrors).toEqual([{ field: ['input', 'amount'], message: "can't be blank", code: 'BLANK' }]);
  });
});

describe('validation', () => {
  test('every problem at once, in input order, and nothing written', async () => {
    const before = await a.db.invoiceAttribution.count();
    const empty = await data(t.app, Create, { input: {} }, as(a));
    expect(empty.createInvoiceAttribution.userErrors.map((e) => [e.field[1], e.code])).toEqual([
      ['invoiceId', 'BLANK'],
      ['budgetId', 'BLANK'],
      ['amount', 'BLANK'],
    ]);
    const foreign = await data(
      t.app,
      Create,
      {
        input: {
          invoiceId: gid('Invoice', await invoice(b, 1000n)),
          budgetId: gid('Deal', b.deals.eur),
          amount: 0,
          dateFrom: '2021-02-01',
          dateTo: '31.01.2021',
        },
      },
      as(a),
    );
    expect(foreign.createInvoiceAttribution.userErrors).toEqual([
      { field: ['input', 'invoiceId'], message: 'Invoice not found', code: 'NOT_FOUND' },
      { field: ['input', 'budgetId'], message: 'Budget not found', code: 'NOT_FOUND' },
      { field: ['input', 'amount'], message: 'must be between -1000000000000000 and 1000000000000000, and not 0', code: 'INVALID' },
      { field: ['input', 'dateTo'], message: 'must not be before dateFrom', code: 'INVALID' },
    ]);
    expect(await a.db.invoiceAttribution.count()).toBe(before);
  });

  test("an invoice's attributions may not exceed its amount, with its sign", async () => {
    const inv = await invoice(a, 15000n);
    await attribute(a, inv, a.deals.eur, 10000);
    const over = await data(t.app, Create, { input: { invoiceId: gid('Invoice', inv), budgetId: gid('Deal', a.deals.usd), amount: 5001 } }, as(a));
    expect(over.createInvoiceAttribution.userErrors).toEqual([
      {
        field: ['input', 'amount'],
        message: "would attribute more than the invoice's amount (15000, of which 10000 is already attributed)",
        code: 'INVALID',
      },
    ]);
    const negative = await data(t.app, Create, { input: { invoiceId: gid('Invoice', inv), budgetId: gid('Deal', a.deals.usd), amount: -1 } }, as(a));
    expect(negative.createInvoiceAttribution.userErrors).toEqual([
      { field: ['input', 'amount'], message: "must be positive, as the invoice's amount is", code: 'INVALID' },
    ]);
    await attribute(a, inv, a.deals.usd, 5000);
    // A credit note's attributions are negative.
    const credit = await invoice(a, -3000n);
    await attribute(a, credit, a.deals.eur, -3000);
    const more = await data(t.app, Create, { input: { invoiceId: gid('Invoice', credit), budgetId: gid('Deal', a.deals.eur), amount: -1 } }, as(a));
    expect(more.createInvoiceAttribution.userErrors[0]?.code).toBe('INVALID');
  });

  test('20 concurrent attributions of 1000 to an invoice of 10000: exactly 10 succeed', async () => {
    const inv = await invoice(a, 10000n);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => createInvoiceAttribution(a.db, a.viewer, { invoiceId: inv, dealId: a.deals.usd, amount: 1000n })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    for (const r of results) if (!r.ok) expect(r.errors[0]?.message).toMatch(/^would attribute more than the invoice's amount \(10000, of which 10000/);
    const { _sum } = await a.db.invoiceAttribution.aggregate({ where: { invoiceId: inv }, _sum: { amount: true } });
    expect(_sum.amount).toBe(10000n);
  });
});

describe('money follows the invoice and the budget', () => {
  test("a USD invoice attributed to a EUR budget: normalized in the budget's currency; the budget's rate change carries over", async () => {
    const tenant = await createTenant(t.db.prisma);
    const inv = await invoice(tenant, 50000n, 'USD', '1');
    const made = await attribute(tenant, inv, tenant.deals.eur, 10000);
    // 10000 USD at 1 on a EUR budget at 1.25: 8000 EUR.
    expect(made.amount).toEqual({
      original: { cents: 10000, currency: 'USD' },
      default: { cents: 10000, currency: 'USD' },
      normalized: { cents: 8000, currency: 'EUR' },
    });
    const UpdateDeal = graphql(`
      mutation AttributionsUpdateDeal($input: UpdateDealInput!) { updateDeal(input: $input) { userErrors { field message } } }
    `);
    expect((await data(t.app, UpdateDeal, { input: { id: gid('Deal', tenant.deals.eur), exchangeRate: '2' } }, as(tenant))).updateDeal.userErrors).toEqual([]);
    const deal = (await data(t.app, Invoicing, { id: gid('Deal', tenant.deals.eur) }, as(tenant))).deal!;
    expect(deal.invoiced).toEqual({
      original: { cents: 5000, currency: 'EUR' },
      default: { cents: 10000, currency: 'USD' },
      normalized: { cents: 5000, currency: 'EUR' },
    });
  });

  test('update and delete move what each budget shows', async () => {
    const tenant = await createTenant(t.db.prisma);
    const inv = await invoice(tenant, 30000n);
    const made = await attribute(tenant, inv, tenant.deals.eur, 10000, { dateFrom: '2021-01-01', dateTo: '2021-01-31' });
    const moved = await data(t.app, Update, { input: { id: made.id, budgetId: gid('Deal', tenant.deals.usd), amount: 20000 } }, as(tenant));
    expect(moved.updateInvoiceAttribution.invoiceAttribution).toEqual({
      amount: { original: { cents: 20000 }, normalized: { cents: 25000, currency: 'USD' } },
      budget: { databaseId: tenant.deals.usd },
    });
    const eurDeal = (await data(t.app, Invoicing, { id: gid('Deal', tenant.deals.eur) }, as(tenant))).deal!;
    const usdDeal = (await data(t.app, Invoicing, { id: gid('Deal', tenant.deals.usd) }, as(tenant))).deal!;
    expect(eurDeal.invoiced.normalized.cents).toBe(0);
    expect(usdDeal.invoiced.normalized).toEqual({ cents: 25000, currency: 'USD' });
    const over = await data(t.app, Update, { input: { id: made.id, amount: 30001 } }, as(tenant));
    expect(over.updateInvoiceAttribution.userErrors[0]).toMatchObject({ field: ['input', 'amount'], code: 'INVALID' });
    const gone = await data(t.app, Delete, { input: { id: made.id } }, as(tenant));
    expect(gone.deleteInvoiceAttribution).toEqual({ deletedInvoiceAttributionId: made.id, userErrors: [] });
    expect((await data(t.app, Invoicing, { id: gid('Deal', tenant.deals.usd) }, as(tenant))).deal!.invoiced.normalized.cents).toBe(0);
    const again = await data(t.app, Delete, { input: { id: made.id } }, as(tenant));
    expect(again.deleteInvoiceAttribution.userErrors).toEqual([{ field: ['input', 'id'], message: 'Invoice attribution not found', code: 'NOT_FOUND' }]);
  });

  test('deleting a budget takes its attributions with the same stamp', async () => {
    const tenant = await createTenant(t.db.prisma);
    const inv = await invoice(tenant, 30000n, 'USD', '1');
    const made = await attribute(tenant, inv, tenant.deals.usd, 10000);
    await data(t.app, DeleteDeal, { input: { id: gid('Deal', tenant.deals.usd) } }, as(tenant));
    const row = await t.db.prisma.invoiceAttribution.findUniqueOrThrow({ where: { id: made.databaseId } });
    const deal = await t.db.prisma.deal.findUniqueOrThrow({ where: { id: tenant.deals.usd } });
    expect(row.deletedAt).toEqual(deal.deletedAt);
    expect((await execute(t.app, One, { id: made.id }, as(tenant))).body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

describe('reading', () => {
  test('filters, sorts and totals; another organization sees none of it', async () => {
    const tenant = await createTenant(t.db.prisma);
    const one = await invoice(tenant, 50000n);
    const two = await invoice(tenant, 50000n, 'USD', '1');
    const x = await attribute(tenant, one, tenant.deals.eur, 1000, { dateFrom: '2021-03-01' });
    const y = await attribute(tenant, one, tenant.deals.usd, 2000, { dateFrom: '2021-01-01' });
    const z = await attribute(tenant, two, tenant.deals.usd, 4000);
    const ids = async (filter: object, orderBy?: object[]) =>
      (await data(t.app, List, { filter, orderBy: orderBy as never }, as(tenant))).invoiceAttributions.nodes.map((n) => n.databaseId);
    expect(await ids({ invoiceIds: [gid('Invoice', one)] })).toEqual([x.databaseId, y.databaseId]);
    expect(await ids({ budgetIds: [gid('Deal', tenant.deals.usd)] })).toEqual([y.databaseId, z.databaseId]);
    expect(await ids({ dateFrom: { gte: '2021-02-01' } })).toEqual([x.databaseId]);
    expect(await ids({ dateFrom: { isNull: true } })).toEqual([z.databaseId]);
    expect(await ids({}, [{ field: 'DATE_FROM' }])).toEqual([y.databaseId, x.databaseId, z.databaseId]);
    const all = (await data(t.app, List, {}, as(tenant))).invoiceAttributions;
    // Two currencies of invoices: no single original total; the default one always.
    expect(all.aggregates.totalAmount).toEqual({ original: null, default: { cents: 1250 + 2500 + 4000 } });
    const eurOnly = (await data(t.app, List, { filter: { invoiceIds: [gid('Invoice', one)] } }, as(tenant))).invoiceAttributions;
    expect(eurOnly.aggregates.totalAmount.original).toEqual({ cents: 3000, currency: 'EUR' });

    // Grouped: per budget, the usd budget mixes an EUR and a USD invoice (no original total); per
    // invoice, one currency each; per quarter of dateFrom, z (without one) last.
    const grouped = async (groupBy: object[], filter?: object, tenantOf = tenant) =>
      (await data(t.app, Grouped, { groupBy: groupBy as never, filter }, as(tenantOf))).invoiceAttributions.groupedAggregates;
    const byBudget = await grouped([{ field: 'BUDGET' }]);
    expect(byBudget.nodes.map((n) => [n.keys.budget!.databaseId, n.count, n.aggregates.totalAmount])).toEqual([
      [tenant.deals.eur, 1, { original: { cents: 1000, currency: 'EUR' }, default: { cents: 1250 }, normalized: { cents: 1000, currency: 'EUR' } }],
      [tenant.deals.usd, 2, { original: null, default: { cents: 2500 + 4000 }, normalized: { cents: 2500 + 4000, currency: 'USD' } }],
    ]);
    const byInvoice = await grouped([{ field: 'INVOICE' }, { field: 'CURRENCY' }]);
    expect(byInvoice.nodes.map((n) => [n.keys.invoice!.databaseId, n.keys.currency, n.count, n.aggregates.totalAmount.original])).toEqual([
      [one, 'EUR', 2, { cents: 3000, currency: 'EUR' }],
      [two, 'USD', 1, { cents: 4000, currency: 'USD' }],
    ]);
    const byQuarter = await grouped([{ field: 'DATE_FROM', bucket: 'QUARTER' }, { field: 'COMPANY' }]);
    expect(byQuarter.nodes.map((n) => [n.keys.dateFrom, n.keys.company!.name, n.count])).toEqual([
      ['2021-01-01', 'Acme', 1],
      ['2021-01-01', 'Globex', 1],
      [null, 'Globex', 1],
    ]);
    expect((await grouped([{ field: 'BUDGET' }], undefined, b)).nodes.map((n) => n.keys.budget!.databaseId)).not.toContain(tenant.deals.eur);
    expect((await grouped([{ field: 'BUDGET' }], { invoiceIds: [gid('Invoice', one)] }, b)).totalCount).toBe(0);

    expect((await data(t.app, List, {}, as(b))).invoiceAttributions.nodes.map((n) => n.databaseId)).not.toContain(x.databaseId);
    expect((await data(t.app, List, { filter: { invoiceIds: [gid('Invoice', one)] } }, as(b))).invoiceAttributions.totalCount).toBe(0);
    expect((await execute(t.app, One, { id: x.id }, as(b))).body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const update = await data(t.app, Update, { input: { id: x.id, amount: 1 } }, as(b));
    expect(update.updateInvoiceAttribution.userErrors).toEqual([{ field: ['input', 'id'], message: 'Invoice attribution not found', code: 'NOT_FOUND' }]);
    const moveIn = await data(t.app, Update, { input: { id: x.id, budgetId: gid('Deal', b.deals.eur) } }, as(tenant));
    expect(moveIn.updateInvoiceAttribution.userErrors).toEqual([{ field: ['input', 'budgetId'], message: 'Budget not found', code: 'NOT_FOUND' }]);
    const remove = await data(t.app, Delete, { input: { id: x.id } }, as(b));
    expect(remove.deleteInvoiceAttribution.userErrors[0]?.code).toBe('NOT_FOUND');
    expect((await data(t.app, One, { id: x.id }, as(tenant))).invoiceAttribution?.databaseId).toBe(x.databaseId);
  });

  test('deals with invoiced, pending and their attributions cost a fixed number of statements', async () => {
    const Deals = graphql(`
      query AttributionsDeals {
        deals(first: 200) {
          nodes {
            name
            invoiced { default { cents } }
            pendingInvoicing { normalized { cents } }
            invoiceAttributions(first: 2) { totalCount nodes { amount { original { cents } } invoice { number } } }
          }
        }
      }
    `);
    const run = async (deals: number) => {
      const tenant = await createTenant(t.db.prisma);
      const inv = await invoice(tenant, 10n ** 12n, 'USD', '1');
      for (let i = 0; i < deals; i += 1) {
        const deal = await tenant.db.deal.create({
          data: {
            organizationId: tenant.organizationId, companyId: tenant.companies.acme, name: `d${i}`, number: 10 + i, date: day('2021-01-01'),
            currency: 'USD', exchangeRate: '1', exchangeDate: day('2021-01-01'),
          },
        });
        for (let j = 0; j < 3; j += 1) await createInvoiceAttribution(tenant.db, tenant.viewer, { invoiceId: inv, dealId: deal.id, amount: 100n });
      }
      t.db.statements.reset();
      const result = await data(t.app, Deals, {}, as(tenant));
      expect(result.deals.nodes.filter((d) => d.name.startsWith('d')).every((d) => d.invoiceAttributions.totalCount === 3 && d.invoiced.default.cents === 300)).toBe(true);
      return { count: t.db.statements.count, log: [...t.db.statements.log] };
    };
    const few = await run(3);
    const many = await run(40);
    expect(many.count, many.log.join('\n')).toBe(few.count);
    // Auth, the page with the nested pages joined in, the expense sums, the attribution sums, the nested counts.
    expect(many.count, many.log.join('\n')).toBe(5);
  });
});

describe('Invoice.attributions', () => {
  test('invoices with their attributions and those budgets cost a fixed number of statements', async () => {
    const Invoices = graphql(`
      query AttributionsInvoices {
        invoices(first: 100) {
          nodes {
            number
            amount { default { cents } }
            attributions(first: 5) {
              totalCount
              aggregates { totalAmount { original { cents currency } } }
              nodes { amount { normalized { cents currency } } budget { name invoiced { default { cents } } } }
            }
          }
        }
      }
    `);
    const run = async (invoices: number) => {
      const tenant = await createTenant(t.db.prisma);
      for (let i = 0; i < invoices; i += 1) {
        const inv = await invoice(tenant, 3000n, 'USD', '1');
        await tenant.db.invoice.update({ where: { id: inv }, data: { number: `2021/${i}` } });
        for (const deal of [tenant.deals.eur, tenant.deals.usd]) await createInvoiceAttribution(tenant.db, tenant.viewer, { invoiceId: inv, dealId: deal, amount: 1000n });
      }
      t.db.statements.reset();
      const result = await data(t.app, Invoices, {}, as(tenant));
      const first = result.invoices.nodes[0]!;
      expect(first.attributions.totalCount).toBe(2);
      expect(first.attributions.aggregates.totalAmount.original).toEqual({ cents: 2000, currency: 'USD' });
      // 1000 USD at 1 on the EUR budget at 1.25: 800 EUR; each budget got 1000 USD from every invoice.
      expect(first.attributions.nodes.map((n) => n.amount.normalized)).toEqual([
        { cents: 800, currency: 'EUR' },
        { cents: 1000, currency: 'USD' },
      ]);
      expect(first.attributions.nodes[1]!.budget.invoiced.default.cents).toBe(1000 * invoices);
      return { count: t.db.statements.count, log: [...t.db.statements.log] };
    };
    const few = await run(2);
    const many = await run(30);
    expect(many.count, many.log.join('\n')).toBe(few.count);
    // Auth, the page with attributions and budgets joined in, the nested totals, the budgets' invoiced sums.
    expect(many.count, many.log.join('\n')).toBe(4);
  });

  test('an empty `or` matches nothing, on every list', async () => {
    const List2 = graphql(`query AttributionsEmptyOr { invoiceAttributions(filter: { or: [] }) { totalCount } deals(filter: { or: [] }) { totalCount } }`);
    expect(await data(t.app, List2, {}, as(a))).toEqual({ invoiceAttributions: { totalCount: 0 }, deals: { totalCount: 0 } });
  });
});
