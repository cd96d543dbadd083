// Purchase orders through GraphQL (issue 11): money in the reference's forms, create with every
// validation, limits and hostile input, lists and filters (also `Deal.purchaseOrders`), the recycle
// bin round trip, and a deal taking its services (with their time entries) and purchase orders along.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTimeEntry, deleteTimeEntry } from '../src/domain/time-entries.js';
import { todayUtc } from '../src/domain/invoice-status.js';
import { overflowingFields, purchaseOrderMoney } from '../src/money/purchase-order-money.js';
import { graphql } from './generated/index.js';
import type { CreatePurchaseOrderInput } from './generated/graphql.js';
import { as, data, errorsOf, execute, startApp, type TestApp } from './helpers/app.js';
import { binContents, binEntry, nodeOf, purgeEntry } from './helpers/bin.js';
import { createTenant, day, gid, type Tenant, twoTenants } from './helpers/fixtures.js';
import { DeleteDeal } from './helpers/mutations.js';
import { purchaseOrder as order, service } from './helpers/records.js';

graphql(`
  fragment PoMoneySet on MoneySet {
    original { cents currency }
    default { cents currency }
    normalized { cents currency }
  }
`);

graphql(`
  fragment PoPurchaseOrderFields on PurchaseOrder {
    id
    databaseId
    number
    subject
    note
    issuedOn
    deliveryOn
    sentOn
    receivedOn
    currency
    exchangeRate
    exchangeDate
    totalCost { ...PoMoneySet }
    totalReceived { ...PoMoneySet }
    deal { id }
    vendor { id }
    creator { id }
    createdAt
    updatedAt
  }
`);

const CreatePurchaseOrder = graphql(`
  mutation PoCreatePurchaseOrder($input: CreatePurchaseOrderInput!) {
    createPurchaseOrder(input: $input) {
      purchaseOrder { ...PoPurchaseOrderFields }
      userErrors { field message code }
    }
  }
`);

const DeletePurchaseOrder = graphql(`
  mutation PoDeletePurchaseOrder($input: DeletePurchaseOrderInput!) {
    deletePurchaseOrder(input: $input) { deletedPurchaseOrderId userErrors { field message code } }
  }
`);

const PurchaseOrders = graphql(`
  query PoPurchaseOrders($filter: PurchaseOrderFilter, $orderBy: [PurchaseOrderOrder!]) {
    purchaseOrders(filter: $filter, orderBy: $orderBy) { totalCount nodes { id subject } }
  }
`);

const DealChildren = graphql(`
  query PoDealChildren($id: ID!) {
    deal(id: $id) {
      purchaseOrders(first: 10) { totalCount nodes { id subject totalCost { default { cents } } } }
      services(first: 10) { totalCount nodes { id timeEntries(first: 10) { totalCount nodes { id } } } }
    }
  }
`);

const RestoreDeal = graphql(`
  mutation PoRestoreDeal($input: RestoreDeletedItemInput!) {
    restoreDeletedItem(input: $input) {
      item { ... on Deal { id } }
      userErrors { field message code }
    }
  }
`);

const RestorePurchaseOrder = graphql(`
  mutation PoRestorePurchaseOrder($input: RestoreDeletedItemInput!) {
    restoreDeletedItem(input: $input) {
      item { ... on PurchaseOrder { id subject deal { id } vendor { id } } }
      userErrors { field message code }
    }
  }
`);

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

async function createOrderGql(tenant: Tenant, input: Partial<CreatePurchaseOrderInput>) {
  return (
    await data(
      t.app,
      CreatePurchaseOrder,
      { input: { dealId: gid('Deal', tenant.deals.eur), vendorId: gid('Company', tenant.companies.globex), ...input } },
      as(tenant),
    )
  ).createPurchaseOrder;
}

const count = (model: 'event' | 'booking' | 'purchaseOrder', tenant: Tenant) =>
  (t.db.prisma[model] as unknown as { count(a: object): Promise<number> }).count({ where: { organizationId: tenant.organizationId } });

describe('purchase order money', () => {
  test('original and normalized in its currency, default at its rate, rounded once', () => {
    const money = purchaseOrderMoney({ currency: 'EUR', exchangeRate: '1.25', totalCost: 10101n, totalReceived: 77n }, 'USD');
    expect(money.totalCost).toEqual({
      original: { cents: 10101n, currency: 'EUR' },
      default: { cents: 12626n, currency: 'USD' }, // 12626.25
      normalized: { cents: 10101n, currency: 'EUR' },
    });
    expect(money.totalReceived.default.cents).toBe(96n); // 96.25
    expect(purchaseOrderMoney({ currency: 'EUR', exchangeRate: '0.5', totalCost: 1n, totalReceived: 3n }, 'USD').totalReceived.default.cents).toBe(2n); // 1.5
    expect(overflowingFields({ currency: 'EUR', exchangeRate: '9223', totalCost: 10n ** 15n, totalReceived: 0n })).toEqual([]);
    expect(overflowingFields({ currency: 'EUR', exchangeRate: '9224', totalCost: 10n ** 15n, totalReceived: 0n })).toEqual(['totalCost']);
  });
});

describe('createPurchaseOrder', () => {
  test("every field; the deal's currency and rate by default, as the reference shows (EUR at 1.25)", async () => {
    const a = await createTenant(t.db.prisma);
    const result = await createOrderGql(a, {
      subject: '  Laptops ', number: 'PO-1', note: 'Deliver to office', issuedOn: '2025-08-01', deliveryOn: '2025-08-15', totalCost: 10000,
    });
    expect(result.userErrors).toEqual([]);
    expect(result.purchaseOrder).toMatchObject({
      subject: 'Laptops', number: 'PO-1', note: 'Deliver to office', issuedOn: '2025-08-01', deliveryOn: '2025-08-15', sentOn: null, receivedOn: null,
      currency: 'EUR', exchangeRate: '1.25', exchangeDate: '2025-08-01',
      totalCost: { original: { cents: 10000, currency: 'EUR' }, default: { cents: 12500, currency: 'USD' }, normalized: { cents: 10000, currency: 'EUR' } },
      totalReceived: { original: { cents: 0, currency: 'EUR' }, default: { cents: 0, currency: 'USD' }, normalized: { cents: 0, currency: 'EUR' } },
      deal: { id: gid('Deal', a.deals.eur) }, vendor: { id: gid('Company', a.companies.globex) }, creator: { id: gid('Person', a.personId) },
    });
    // The reference's restored order: no subject, issued today, 0 EUR at 1.25.
    const bare = await createOrderGql(a, {});
    const today = todayUtc().toISOString().slice(0, 10);
    expect(bare.purchaseOrder).toMatchObject({ subject: null, number: null, note: null, issuedOn: today, exchangeDate: today, deliveryOn: null, exchangeRate: '1.25' });
    // The organization's currency is at 1; another needs its rate.
    expect((await createOrderGql(a, { currency: 'USD', totalCost: 333 })).purchaseOrder).toMatchObject({ exchangeRate: '1.0', totalCost: { default: { cents: 333 } } });
    expect((await createOrderGql(a, { currency: 'GBP', exchangeRate: '1.3', totalCost: 5 })).purchaseOrder).toMatchObject({
      currency: 'GBP', exchangeRate: '1.3', totalCost: { default: { cents: 7, currency: 'USD' } }, // 6.5
    });
    expect((await createOrderGql(a, { dealId: gid('Deal', a.deals.usd) })).purchaseOrder).toMatchObject({ currency: 'USD', exchangeRate: '1.0' });
    expect((await createOrderGql(a, { exchangeRate: '1.5' })).purchaseOrder).toMatchObject({ currency: 'EUR', exchangeRate: '1.5' });
  });

  test('every problem at once, in input order; currencies and rates; limits; nothing written', async () => {
    const a = await createTenant(t.db.prisma);
    const before = await count('purchaseOrder', a);
    const empty = await data(t.app, CreatePurchaseOrder, { input: {} }, as(a));
    expect(errorsOf(empty.createPurchaseOrder.userErrors)).toEqual([
      ['input.dealId', 'BLANK', "can't be blank"],
      ['input.vendorId', 'BLANK', "can't be blank"],
    ]);
    const all = await createOrderGql(a, {
      vendorId: gid('Company', 999_999), subject: 's'.repeat(256), number: 'n\u0000', note: 'x'.repeat(10_001),
      currency: 'eur', exchangeRate: '1e3', totalCost: -1,
    });
    expect(errorsOf(all.userErrors)).toEqual([
      ['input.vendorId', 'NOT_FOUND', 'Company not found'],
      ['input.subject', 'TOO_LONG', 'is too long (maximum is 255 characters)'],
      ['input.number', 'INVALID', 'cannot contain the NUL character (\\u0000)'],
      ['input.note', 'TOO_LONG', 'is too long (maximum is 10000 characters)'],
      ['input.currency', 'INVALID_CURRENCY', 'is not a valid currency'],
      ['input.exchangeRate', 'INVALID', 'must be a positive decimal number such as 1.25, with at most 10 digits before and 10 after the point'],
      ['input.totalCost', 'INVALID', 'must be between 0 and 1000000000000000'],
    ]);
    const rates: Array<[Partial<CreatePurchaseOrderInput>, string[][]]> = [
      [{ currency: 'GBP' }, [['input.exchangeRate', 'BLANK', "can't be blank when the currency is not the organization's (USD)"]]],
      [{ currency: 'USD', exchangeRate: '2' }, [['input.exchangeRate', 'INVALID', "must be 1 for the organization's own currency (USD)"]]],
      [{ currency: '  ' }, [['input.currency', 'BLANK', "can't be blank"]]],
      [{ exchangeRate: '0' }, [['input.exchangeRate', 'INVALID', 'must be a positive decimal number such as 1.25, with at most 10 digits before and 10 after the point']]],
      [{ totalCost: '1000000000000001' }, [['input.totalCost', 'INVALID', 'must be between 0 and 1000000000000000']]],
      // 10^15 EUR at 9999999999: its default form would not fit a bigint -- on the rate that was given.
      [
        { totalCost: '1000000000000000', exchangeRate: '9999999999' },
        [['input.exchangeRate', 'INVALID', 'is too large: converted with the exchange rate, the total cost exceeds the largest amount that can be stored']],
      ],
    ];
    for (const [input, errors] of rates) {
      expect(errorsOf((await createOrderGql(a, input)).userErrors), JSON.stringify(input)).toEqual(errors);
    }
    // On the amount when the rate is the deal's.
    const steep = await a.db.deal.create({
      data: {
        organizationId: a.organizationId, companyId: a.companies.acme, name: 'Steep', number: 9, date: day('2021-01-01'),
        currency: 'JPY', exchangeRate: '99999', exchangeDate: day('2021-01-01'),
      },
    });
    expect(errorsOf((await createOrderGql(a, { dealId: gid('Deal', steep.id), totalCost: '1000000000000000' })).userErrors)).toEqual([
      ['input.totalCost', 'INVALID', 'is too large: converted with the exchange rate, the total cost exceeds the largest amount that can be stored'],
    ]);
    const big = await execute(t.app, CreatePurchaseOrder, { input: { dealId: gid('Deal', a.deals.eur), vendorId: gid('Company', a.companies.acme), totalCost: '-9223372036854775809' } }, as(a));
    expect(big.status).toBe(400);
    const long = await createOrderGql(a, { subject: 'x'.repeat(300_000) });
    expect(errorsOf(long.userErrors)).toEqual([['input.subject', 'TOO_LONG', 'is too long (maximum is 255 characters)']]);
    const megabyte = await execute(t.app, CreatePurchaseOrder, { input: { dealId: gid('Deal', a.deals.eur), vendorId: gid('Company', a.companies.acme), note: 'z'.repeat(1_100_000) } }, as(a));
    expect(megabyte.status).toBe(413);
    expect(await count('purchaseOrder', a)).toBe(before);
    // At the limit it is written.
    expect((await createOrderGql(a, { totalCost: '1000000000000000' })).purchaseOrder?.totalCost.default.cents).toBe(1_250_000_000_000_000);
  });

  test("another organization's deal or vendor, a deleted deal, ids of another type: NOT_FOUND", async () => {
    const { a, b } = await twoTenants(t.db.prisma);
    const foreign = await createOrderGql(b, { dealId: gid('Deal', a.deals.eur), vendorId: gid('Company', a.companies.acme) });
    expect(errorsOf(foreign.userErrors)).toEqual([
      ['input.dealId', 'NOT_FOUND', 'Deal not found'],
      ['input.vendorId', 'NOT_FOUND', 'Company not found'],
    ]);
    expect(errorsOf((await createOrderGql(a, { dealId: gid('Company', a.companies.acme), vendorId: gid('Deal', a.deals.eur) })).userErrors)).toEqual([
      ['input.dealId', 'NOT_FOUND', 'Deal not found'],
      ['input.vendorId', 'NOT_FOUND', 'Company not found'],
    ]);
    await a.db.deal.updateMany({ where: { id: a.deals.usd }, data: { deletedAt: new Date() } });
    expect(errorsOf((await createOrderGql(a, { dealId: gid('Deal', a.deals.usd) })).userErrors)).toEqual([['input.dealId', 'NOT_FOUND', 'Deal not found']]);
    expect(await count('purchaseOrder', a)).toBe(0);
    expect(await count('purchaseOrder', b)).toBe(0);
  });
});

describe('purchase order lists and the bin', () => {
  test('filters and orders; Deal.purchaseOrders; another organization sees none', async () => {
    const { a, b } = await twoTenants(t.db.prisma);
    await order(a, { subject: 'Late', issuedOn: day('2025-08-20'), totalCost: 300n });
    await order(a, { subject: 'Early', issuedOn: day('2025-08-01'), vendorId: a.companies.acme, deliveryOn: day('2025-09-01') });
    await order(a, { subject: 'Other deal', issuedOn: day('2025-08-10'), dealId: a.deals.usd });
    await order(b, { subject: 'Theirs' });
    const subjects = async (variables: object, tenant = a) =>
      (await data(t.app, PurchaseOrders, variables as never, as(tenant))).purchaseOrders.nodes.map((n) => n.subject);
    expect(await subjects({})).toEqual(['Early', 'Other deal', 'Late']);
    expect(await subjects({ filter: { dealIds: [gid('Deal', a.deals.eur)] } })).toEqual(['Early', 'Late']);
    expect(await subjects({ filter: { vendorIds: [gid('Company', a.companies.acme)] } })).toEqual(['Early']);
    expect(await subjects({ filter: { totalCost: { gt: 0 } } })).toEqual(['Late']);
    expect(await subjects({ filter: { issuedOn: { gte: '2025-08-10' } } })).toEqual(['Other deal', 'Late']);
    expect(await subjects({ orderBy: [{ field: 'DELIVERY_ON' }] })).toEqual(['Early', 'Late', 'Other deal']);
    expect(await subjects({}, b)).toEqual(['Theirs']);
    const deal = await data(t.app, DealChildren, { id: gid('Deal', a.deals.eur) }, as(a));
    expect(deal.deal?.purchaseOrders.totalCount).toBe(2);
    expect(deal.deal?.purchaseOrders.nodes.map((n) => [n.subject, n.totalCost.default.cents])).toEqual([['Early', 0], ['Late', 375]]);
  });

  test('delete: named by subject (or "Purchase Order") at "Deal: <name>" / "Budget: <name>"; restore; purge', async () => {
    const { a, b } = await twoTenants(t.db.prisma);
    const budget = await a.db.deal.create({
      data: {
        organizationId: a.organizationId, companyId: a.companies.acme, name: 'test name', number: 7, budget: true,
        date: day('2021-01-01'), currency: 'USD', exchangeRate: '1', exchangeDate: day('2021-01-01'),
      },
    });
    const named = gid('PurchaseOrder', await order(a, { subject: 'Laptops' }));
    const bare = gid('PurchaseOrder', await order(a, { dealId: budget.id }));
    expect((await data(t.app, DeletePurchaseOrder, { input: { id: named } }, as(b))).deletePurchaseOrder.userErrors).toEqual([
      { field: ['input', 'id'], message: 'Purchase order not found', code: 'NOT_FOUND' },
    ]);
    for (const id of [named, bare]) {
      expect((await data(t.app, DeletePurchaseOrder, { input: { id } }, as(a))).deletePurchaseOrder).toEqual({ deletedPurchaseOrderId: id, userErrors: [] });
      expect((await nodeOf(t.app, as(a), id))).toBeNull();
    }
    expect(await binEntry(t.app, as(a), 'PURCHASE_ORDER', named)).toMatchObject({ name: 'Laptops', location: 'Deal: EUR budget' });
    expect(await binEntry(t.app, as(a), 'PURCHASE_ORDER', bare)).toMatchObject({ name: 'Purchase Order', location: 'Budget: test name' });
    expect((await data(t.app, PurchaseOrders, {}, as(a))).purchaseOrders.totalCount).toBe(0);

    const entry = (await binEntry(t.app, as(a), 'PURCHASE_ORDER', named))!;
    expect((await data(t.app, RestorePurchaseOrder, { input: { id: entry.id } }, as(a))).restoreDeletedItem).toEqual({
      item: { id: named, subject: 'Laptops', deal: { id: gid('Deal', a.deals.eur) }, vendor: { id: gid('Company', a.companies.globex) } },
      userErrors: [],
    });
    await data(t.app, DeletePurchaseOrder, { input: { id: named } }, as(a));
    const again = (await binEntry(t.app, as(a), 'PURCHASE_ORDER', named))!;
    expect((await purgeEntry(t.app, as(a), again.id))).toEqual({ purgedDeletedItemId: again.id, userErrors: [] });
    expect(await binEntry(t.app, as(a), 'PURCHASE_ORDER', named)).toBeUndefined();
    expect((await data(t.app, RestorePurchaseOrder, { input: { id: again.id } }, as(a))).restoreDeletedItem.userErrors[0]?.code).toBe('NOT_FOUND');
  });
});

// ---- A deal takes its services and purchase orders along -------------------------------------

describe('deleting a deal', () => {
  test('takes its services (with their time entries) and purchase orders; its restore brings exactly those back', async () => {
    const a = await createTenant(t.db.prisma);
    const dealId = a.deals.eur;
    const design = await service(a, { dealId, name: 'Design' });
    const entries: number[] = [];
    for (const time of [60, 120]) {
      const result = await createTimeEntry(a.db, a.viewer, { serviceId: design, date: day('2025-08-01'), time });
      if (result.ok) entries.push(result.value.id);
    }
    const gone = await createTimeEntry(a.db, a.viewer, { serviceId: design, date: day('2025-08-02'), time: 5 });
    await deleteTimeEntry(a.db, a.viewer, gone.ok ? gone.value.id : -1);
    const po = await order(a, { subject: 'Laptops' });
    const elsewhere = await order(a, { dealId: a.deals.usd });

    expect((await data(t.app, DeleteDeal, { input: { id: gid('Deal', dealId) } }, as(a))).deleteDeal.userErrors).toEqual([]);
    expect(await a.db.service.count({ where: { id: design } })).toBe(0);
    expect(await a.db.timeEntry.count()).toBe(0);
    expect((await data(t.app, PurchaseOrders, {}, as(a))).purchaseOrders.nodes.map((n) => n.id)).toEqual([gid('PurchaseOrder', elsewhere)]);
    expect((await binContents(t.app, as(a))).nodes.map((n) => n.itemType).sort()).toEqual(['DEAL', 'TIME_ENTRY']);

    const entry = (await binEntry(t.app, as(a), 'DEAL', gid('Deal', dealId)))!;
    expect((await data(t.app, RestoreDeal, { input: { id: entry.id } }, as(a))).restoreDeletedItem.userErrors).toEqual([]);
    const back = await data(t.app, DealChildren, { id: gid('Deal', dealId) }, as(a));
    expect(back.deal?.purchaseOrders.nodes.map((n) => n.id)).toEqual([gid('PurchaseOrder', po)]);
    expect(back.deal?.services.nodes.map((n) => n.id)).toEqual([gid('Service', design)]);
    expect(back.deal?.services.nodes[0]!.timeEntries.nodes.map((n) => n.id).sort()).toEqual(entries.map((id) => gid('TimeEntry', id)).sort());
  });
});

