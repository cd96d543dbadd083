// Services (lines of a budget) through GraphQL (issue 11): the total's arithmetic (unit-tested
// first), create with every validation (exact messages, in input order, nothing written), limits
// and hostile input, other organizations' ids, lists and filters (also `Deal.services`), delete, the
// recycle bin round trip, the cascade of a service to its time entries and bookings, the statements
// a page of deals with services and time entries costs, and, on PostgreSQL, a service delete racing
// time entry creates and concurrent creates on one deal.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createBooking } from '../src/domain/bookings.js';
import { createService, deleteService, type ServiceInput } from '../src/domain/services.js';
import { createTimeEntry, deleteTimeEntry } from '../src/domain/time-entries.js';
import { formatQuantity, isValidQuantity, MAX_SERVICE_CENTS, serviceTotal, totalFits } from '../src/money/service-amounts.js';
import { graphql } from './generated/index.js';
import type { CreateServiceInput } from './generated/graphql.js';
import { as, data, errorsOf, execute, startApp, type TestApp } from './helpers/app.js';
import { binContents, binEntry, nodeOf, purgeEntry } from './helpers/bin.js';
import { createTenant, day, gid, type Tenant, twoTenants } from './helpers/fixtures.js';
import { service as serviceRecord, timeEntry as entry } from './helpers/records.js';
import { DeleteTimeEntry, RestoreTimeEntry, TimeEntries } from './helpers/time-entries.js';

graphql(`
  fragment SvServiceFields on Service {
    id
    databaseId
    name
    description
    position
    billable
    unit
    unitId
    pricingType
    pricingTypeId
    quantity
    price { cents currency }
    total { cents currency }
    deal { id }
    serviceType { id }
    createdAt
    updatedAt
  }
`);

const CreateService = graphql(`
  mutation SvCreateService($input: CreateServiceInput!) {
    createService(input: $input) {
      service { ...SvServiceFields }
      userErrors { field message code }
    }
  }
`);

const SvUpdateDeal = graphql(`
  mutation SvUpdateDeal($input: UpdateDealInput!) { updateDeal(input: $input) { userErrors { field message code } } }
`);

const DeleteService = graphql(`
  mutation SvDeleteService($input: DeleteServiceInput!) {
    deleteService(input: $input) { deletedServiceId userErrors { field message code } }
  }
`);

const Services = graphql(`
  query SvServices($filter: ServiceFilter, $orderBy: [ServiceOrder!], $first: Int) {
    services(filter: $filter, orderBy: $orderBy, first: $first) { totalCount nodes { id name position } }
  }
`);

const DealServices = graphql(`
  query SvDealServices($id: ID!, $orderBy: [ServiceOrder!]) {
    deal(id: $id) {
      services(first: 10, orderBy: $orderBy) {
        totalCount
        nodes { name total { cents currency } timeEntries(first: 10) { totalCount nodes { id time } } }
      }
    }
  }
`);

const RestoreService = graphql(`
  mutation SvRestoreService($input: RestoreDeletedItemInput!) {
    restoreDeletedItem(input: $input) {
      item { ... on Service { id name deal { id } timeEntries(first: 10) { totalCount nodes { id } } bookings(first: 10) { totalCount } } }
      userErrors { field message code }
    }
  }
`);

const DealsPage = graphql(`
  query SvDealsPage {
    deals(first: 50) { nodes { id services(first: 5) { nodes { id timeEntries(first: 3) { nodes { id } } } } } }
  }
`);

const DealsPageWide = graphql(`
  query SvDealsPageWide {
    deals(first: 50) {
      nodes {
        services(first: 5, orderBy: [{ field: POSITION }]) {
          totalCount
          nodes {
            price { cents currency }
            total { cents }
            serviceType { name }
            timeEntries(first: 3) { totalCount nodes { person { name } task { id } creator { name } } }
            bookings(first: 2) { totalCount nodes { event { name } } }
          }
        }
        later: services(first: 2, orderBy: [{ field: NAME, direction: DESC }]) { nodes { name } }
      }
    }
  }
`);

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

/** A service priced 100.00, through the domain (test/helpers/records.ts). */
const service = (tenant: Tenant, input: Partial<ServiceInput> = {}) => serviceRecord(tenant, { price: 10000n, ...input });

async function createServiceGql(tenant: Tenant, input: Partial<CreateServiceInput>) {
  return (await data(t.app, CreateService, { input: { dealId: gid('Deal', tenant.deals.eur), name: 'Design', ...input } }, as(tenant))).createService;
}

const serviceCount = (tenant: Tenant) => t.db.prisma.service.count({ where: { organizationId: tenant.organizationId } });

// ---- The total's arithmetic ------------------------------------------------------------------

describe('service total (price × quantity)', () => {
  test('rounded once, half away from zero, in exact bigint arithmetic', () => {
    expect(serviceTotal(100000n, '1')).toBe(100000n);
    expect(serviceTotal(100000n, '1.0000')).toBe(100000n);
    expect(serviceTotal(333n, '2.5')).toBe(833n); // 832.5
    expect(serviceTotal(333n, '0.5')).toBe(167n); // 166.5
    expect(serviceTotal(1n, '0.4999')).toBe(0n);
    expect(serviceTotal(1n, '0.5')).toBe(1n);
    expect(serviceTotal(5000n, '0.0001')).toBe(1n); // 0.5
    expect(serviceTotal(4999n, '0.0001')).toBe(0n); // 0.4999
    expect(serviceTotal(0n, '9999999999.9999')).toBe(0n);
    expect(serviceTotal(7n, '0')).toBe(0n);
    // Far beyond a double's 2^53: still exact.
    expect(serviceTotal(10n ** 15n, '9999999999.9999')).toBe(9_999_999_999_999_900_000_000_000n);
    expect(serviceTotal(9_007_199_254_740_993n, '1')).toBe(9_007_199_254_740_993n);
    expect(serviceTotal(123_456_789_012_345n, '3.3333')).toBe(411_518_514_814_850n); // 411518514814849.5885
    expect(serviceTotal(9_007_199_254_740_993n, '0.5')).toBe(4_503_599_627_370_497n); // ...496.5: a double would say ...496
  });

  test('a Prisma Decimal (toFixed) is read like a string', () => {
    const decimal = { toFixed: () => '2.5000' };
    expect(serviceTotal(3n, decimal)).toBe(8n); // 7.5
    expect(formatQuantity(decimal)).toBe('2.5');
  });

  test('limits: the total may reach 10^15 and no more', () => {
    expect(totalFits(MAX_SERVICE_CENTS, '1')).toBe(true);
    expect(totalFits(MAX_SERVICE_CENTS, '1.0001')).toBe(false);
    expect(totalFits(10n ** 11n, '9999.9999')).toBe(true);
    expect(totalFits(10n ** 11n, '10000.0001')).toBe(false);
  });

  test('quantities: what DECIMAL(14, 4) holds, written plainly, not negative', () => {
    for (const ok of ['0', '1', '1.5', '0.0001', '9999999999.9999', '007']) expect(isValidQuantity(ok), ok).toBe(true);
    for (const bad of ['-1', '1.00001', '1e3', ' 1', '1 ', '', '1.', '.5', '12345678901', '1,5', 'NaN', 'Infinity', '0x10', '+1']) {
      expect(isValidQuantity(bad), bad).toBe(false);
    }
    expect(formatQuantity('1')).toBe('1.0');
    expect(formatQuantity('2.5000')).toBe('2.5');
    expect(formatQuantity('0.0001')).toBe('0.0001');
  });
});

// ---- Services ---------------------------------------------------------------------------------

describe('createService', () => {
  test('every field; price and total in the deal currency; positions follow the live services of the deal', async () => {
    const a = await createTenant(t.db.prisma);
    const result = await createServiceGql(a, {
      name: '  Design  ',
      description: 'Wireframes and mockups',
      serviceTypeId: gid('ServiceType', a.serviceTypes.software),
      billable: true,
      unit: 'PIECE',
      pricingType: 'FIXED_PRICE',
      quantity: '2.5',
      price: 333,
    });
    expect(result.userErrors).toEqual([]);
    expect(result.service).toMatchObject({
      name: 'Design',
      description: 'Wireframes and mockups',
      position: 1,
      billable: true,
      unit: 'PIECE',
      unitId: 2,
      pricingType: 'FIXED_PRICE',
      pricingTypeId: 2,
      quantity: '2.5',
      price: { cents: 333, currency: 'EUR' },
      total: { cents: 833, currency: 'EUR' }, // 832.5, half away from zero
      deal: { id: gid('Deal', a.deals.eur) },
      serviceType: { id: gid('ServiceType', a.serviceTypes.software) },
    });

    // Defaults: one hour of time and materials at 0, billable; the next position.
    const second = await createServiceGql(a, { name: 'Build' });
    expect(second.service).toMatchObject({
      position: 2, billable: true, unit: 'HOUR', unitId: 1, pricingType: 'TIME_AND_MATERIALS', pricingTypeId: 1,
      quantity: '1.0', price: { cents: 0, currency: 'EUR' }, total: { cents: 0, currency: 'EUR' }, description: null, serviceType: null,
    });
    const notBillable = await createServiceGql(a, { name: 'Internal', pricingType: 'NOT_BILLABLE', unit: 'DAY' });
    expect(notBillable.service).toMatchObject({ position: 3, billable: false, pricingTypeId: 3, unitId: 3 });

    // Positions count live services only, per deal.
    await deleteService(a.db, a.viewer, notBillable.service!.databaseId);
    expect((await createServiceGql(a, { name: 'Next' })).service?.position).toBe(3);
    expect((await createServiceGql(a, { name: 'Other deal', dealId: gid('Deal', a.deals.usd), price: 5 })).service).toMatchObject({
      position: 1, price: { cents: 5, currency: 'USD' },
    });
  });

  test('the reference example: price 100000 EUR, quantity 1.0', async () => {
    const a = await createTenant(t.db.prisma);
    const result = await createServiceGql(a, { name: 'test name', unit: 'PIECE', quantity: '1.0', price: 100000 });
    expect(result.service).toMatchObject({ quantity: '1.0', price: { cents: 100000, currency: 'EUR' }, total: { cents: 100000, currency: 'EUR' } });
  });

  test('every problem at once, in input order, with the reference messages; nothing written', async () => {
    const a = await createTenant(t.db.prisma);
    const before = await serviceCount(a);
    const empty = await data(t.app, CreateService, { input: {} }, as(a));
    expect(errorsOf(empty.createService.userErrors)).toEqual([
      ['input.dealId', 'BLANK', "can't be blank"],
      ['input.name', 'BLANK', "can't be blank"],
    ]);
    expect(empty.createService.service).toBeNull();

    const all = await createServiceGql(a, {
      dealId: gid('Deal', 999_999),
      name: 'x'.repeat(256),
      description: 'a\u0000b',
      serviceTypeId: gid('ServiceType', 999_999),
      billable: true,
      pricingType: 'NOT_BILLABLE',
      quantity: '-1',
      price: -1,
    });
    expect(errorsOf(all.userErrors)).toEqual([
      ['input.dealId', 'NOT_FOUND', 'Deal not found'],
      ['input.name', 'TOO_LONG', 'is too long (maximum is 255 characters)'],
      ['input.description', 'INVALID', 'cannot contain the NUL character (\\u0000)'],
      ['input.serviceTypeId', 'NOT_FOUND', 'Service type not found'],
      ['input.billable', 'INVALID', 'must be false when the pricing type is NOT_BILLABLE'],
      ['input.quantity', 'INVALID', 'must be a decimal number of at least 0 with at most 10 digits before the point and 4 after, such as 1.5'],
      ['input.price', 'INVALID', 'must be between 0 and 1000000000000000'],
    ]);
    const blank = await createServiceGql(a, { name: '   ', description: 'd'.repeat(10_001) });
    expect(errorsOf(blank.userErrors)).toEqual([
      ['input.name', 'BLANK', "can't be blank"],
      ['input.description', 'TOO_LONG', 'is too long (maximum is 10000 characters)'],
    ]);
    expect(await serviceCount(a)).toBe(before);
  });

  test('numbers at and beyond their limits', async () => {
    const a = await createTenant(t.db.prisma);
    const max = await createServiceGql(a, { price: '1000000000000000' });
    expect(max.service).toMatchObject({ price: { cents: 10 ** 15 }, total: { cents: 10 ** 15 } });
    const quantityMax = await createServiceGql(a, { quantity: '9999999999.9999', price: 0 });
    expect(quantityMax.service?.quantity).toBe('9999999999.9999');
    const exact = await createServiceGql(a, { quantity: '0.0001', price: 5000 });
    expect(exact.service?.total.cents).toBe(1);
    const before = await serviceCount(a);

    expect(errorsOf((await createServiceGql(a, { price: '1000000000000001' })).userErrors)).toEqual([
      ['input.price', 'INVALID', 'must be between 0 and 1000000000000000'],
    ]);
    expect(errorsOf((await createServiceGql(a, { price: '1000000000000000', quantity: '1.0001' })).userErrors)).toEqual([
      ['input.quantity', 'INVALID', 'is too large for the price: price × quantity must be at most 1000000000000000'],
    ]);
    for (const quantity of ['12345678901', '1.00001', '1e3', ' 1', 'NaN', '']) {
      expect(errorsOf((await createServiceGql(a, { quantity })).userErrors), quantity).toEqual([
        ['input.quantity', 'INVALID', 'must be a decimal number of at least 0 with at most 10 digits before the point and 4 after, such as 1.5'],
      ]);
    }
    // Beyond a bigint, or a JSON number past 2^53: the scalar refuses it before any resolver.
    const huge = await execute(t.app, CreateService, { input: { dealId: gid('Deal', a.deals.eur), name: 'x', price: '9223372036854775808' } }, as(a));
    expect(huge.status).toBe(400);
    expect(huge.body.errors?.[0]?.message).toMatch(/BigInt inputs must be between/);
    const unsafe = await execute(t.app, CreateService, { input: { dealId: gid('Deal', a.deals.eur), name: 'x', price: 2 ** 53 + 2 } }, as(a));
    expect(unsafe.status).toBe(400);
    const long = await createServiceGql(a, { name: 'x'.repeat(300_000), description: 'y'.repeat(300_000) });
    expect(errorsOf(long.userErrors)).toEqual([
      ['input.name', 'TOO_LONG', 'is too long (maximum is 255 characters)'],
      ['input.description', 'TOO_LONG', 'is too long (maximum is 10000 characters)'],
    ]);
    const megabyte = await execute(t.app, CreateService, { input: { dealId: gid('Deal', a.deals.eur), name: 'z'.repeat(1_100_000) } }, as(a));
    expect([megabyte.status, megabyte.body.errors?.[0]?.extensions?.code]).toEqual([413, 'REQUEST_TOO_LARGE']);
    expect(await serviceCount(a)).toBe(before);
  });

  test("another organization's deal or service type, a deleted deal, an id of another type or a malformed one: NOT_FOUND", async () => {
    const { a, b } = await twoTenants(t.db.prisma);
    const foreign = await createServiceGql(b, { dealId: gid('Deal', a.deals.eur), serviceTypeId: gid('ServiceType', a.serviceTypes.travel) });
    expect(errorsOf(foreign.userErrors)).toEqual([
      ['input.dealId', 'NOT_FOUND', 'Deal not found'],
      ['input.serviceTypeId', 'NOT_FOUND', 'Service type not found'],
    ]);
    for (const dealId of [gid('Company', a.companies.acme), 'nope', gid('Deal', 2 ** 31 - 1)]) {
      expect(errorsOf((await createServiceGql(a, { dealId })).userErrors), dealId).toEqual([['input.dealId', 'NOT_FOUND', 'Deal not found']]);
    }
    await a.db.deal.updateMany({ where: { id: a.deals.usd }, data: { deletedAt: new Date() } });
    expect(errorsOf((await createServiceGql(a, { dealId: gid('Deal', a.deals.usd) })).userErrors)).toEqual([
      ['input.dealId', 'NOT_FOUND', 'Deal not found'],
    ]);
    expect(await serviceCount(a)).toBe(0);
    expect(await serviceCount(b)).toBe(0);
  });
});

describe('services lists', () => {
  test('filters, sorts, Deal.services in position order, and nothing of another organization', async () => {
    const { a, b } = await twoTenants(t.db.prisma);
    const design = await service(a, { name: 'Design', serviceTypeId: a.serviceTypes.software });
    await service(a, { name: 'Build' });
    const ops = await service(a, { name: 'Ops', dealId: a.deals.usd, billable: false });
    await service(b, { name: 'Theirs' });

    const names = async (variables: object) =>
      (await data(t.app, Services, variables as never, as(a))).services.nodes.map((n) => n.name);
    expect(await names({})).toEqual(['Design', 'Build', 'Ops']);
    expect(await names({ filter: { dealIds: [gid('Deal', a.deals.eur)] } })).toEqual(['Design', 'Build']);
    expect(await names({ filter: { serviceTypeIds: [gid('ServiceType', a.serviceTypes.software)] } })).toEqual(['Design']);
    expect(await names({ filter: { billable: false } })).toEqual(['Ops']);
    expect(await names({ filter: { name: { contains: 'uil' } } })).toEqual(['Build']);
    expect(await names({ orderBy: [{ field: 'NAME' }] })).toEqual(['Build', 'Design', 'Ops']);
    expect(await names({ orderBy: [{ field: 'POSITION', direction: 'DESC' }, { field: 'NAME' }] })).toEqual(['Build', 'Design', 'Ops']);
    expect(await names({ orderBy: [{ field: 'CREATED_AT', direction: 'DESC' }] })).toEqual(['Ops', 'Build', 'Design']);
    const count = await data(t.app, Services, { first: 1 }, as(a));
    expect([count.services.totalCount, count.services.nodes.length]).toEqual([3, 1]);

    await entry(a, design, { time: 60 });
    const deal = await data(t.app, DealServices, { id: gid('Deal', a.deals.eur), orderBy: [{ field: 'POSITION' }] }, as(a));
    expect(deal.deal?.services.totalCount).toBe(2);
    expect(deal.deal?.services.nodes.map((n) => [n.name, n.total.cents, n.timeEntries.totalCount])).toEqual([
      ['Design', 10000, 1],
      ['Build', 10000, 0],
    ]);
    const filter = await execute(t.app, Services, { filter: { dealIds: ['nope'] } }, as(a));
    expect(filter.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect((await nodeOf(t.app, as(a), gid('Service', ops)))).toEqual({ id: gid('Service', ops) });
    expect((await nodeOf(t.app, as(b), gid('Service', ops)))).toBeNull();
  });
});

describe('deleteService and the recycle bin', () => {
  test('delete: the entry names it and its deal; gone from lists and node(id:); another organization cannot', async () => {
    const { a, b } = await twoTenants(t.db.prisma);
    const id = await service(a, { name: 'test name' });
    const global = gid('Service', id);
    expect((await data(t.app, DeleteService, { input: { id: global } }, as(b))).deleteService).toEqual({
      deletedServiceId: null,
      userErrors: [{ field: ['input', 'id'], message: 'Service not found', code: 'NOT_FOUND' }],
    });
    expect((await data(t.app, DeleteService, { input: { id: global } }, as(a))).deleteService).toEqual({ deletedServiceId: global, userErrors: [] });
    expect((await data(t.app, DeleteService, { input: { id: global } }, as(a))).deleteService.userErrors).toEqual([
      { field: ['input', 'id'], message: 'Service not found', code: 'NOT_FOUND' },
    ]);
    expect(await binEntry(t.app, as(a), 'SERVICE', global)).toMatchObject({ itemType: 'SERVICE', name: 'test name', location: 'EUR budget' });
    expect((await binContents(t.app, as(b))).totalCount).toBe(0);
    expect((await data(t.app, Services, {}, as(a))).services.totalCount).toBe(0);
    expect((await nodeOf(t.app, as(a), global))).toBeNull();
    expect((await data(t.app, DealServices, { id: gid('Deal', a.deals.eur) }, as(a))).deal?.services.totalCount).toBe(0);
  });

  test('restore brings it back with its deal; delete again and purge: gone for good, cannot be restored', async () => {
    const a = await createTenant(t.db.prisma);
    const id = await service(a, { name: 'Round trip' });
    const global = gid('Service', id);
    await data(t.app, DeleteService, { input: { id: global } }, as(a));
    const first = (await binEntry(t.app, as(a), 'SERVICE', global))!;
    const restored = await data(t.app, RestoreService, { input: { id: first.id } }, as(a));
    expect(restored.restoreDeletedItem).toEqual({
      item: { id: global, name: 'Round trip', deal: { id: gid('Deal', a.deals.eur) }, timeEntries: { totalCount: 0, nodes: [] }, bookings: { totalCount: 0 } },
      userErrors: [],
    });
    expect((await data(t.app, Services, {}, as(a))).services.nodes.map((n) => n.id)).toEqual([global]);
    expect(await binEntry(t.app, as(a), 'SERVICE', global)).toBeUndefined();

    await data(t.app, DeleteService, { input: { id: global } }, as(a));
    const second = (await binEntry(t.app, as(a), 'SERVICE', global))!;
    const b = await createTenant(t.db.prisma);
    expect((await purgeEntry(t.app, as(b), second.id)).userErrors).toEqual([
      { field: ['input', 'id'], message: 'Deleted item not found', code: 'NOT_FOUND' },
    ]);
    expect((await purgeEntry(t.app, as(a), second.id))).toEqual({ purgedDeletedItemId: second.id, userErrors: [] });
    expect(await t.db.prisma.service.count({ where: { id } })).toBe(0);
    expect(await binEntry(t.app, as(a), 'SERVICE', global)).toBeUndefined();
    expect((await data(t.app, RestoreService, { input: { id: second.id } }, as(a))).restoreDeletedItem).toEqual({
      item: null,
      userErrors: [{ field: ['input', 'id'], message: 'Deleted item not found', code: 'NOT_FOUND' }],
    });
  });

  test('a service whose position was taken while it was in the bin comes back last', async () => {
    const a = await createTenant(t.db.prisma);
    const first = await service(a, { name: 'First' });
    const global = gid('Service', first);
    await data(t.app, DeleteService, { input: { id: global } }, as(a));
    await service(a, { name: 'Took position 1' });
    await service(a, { name: 'Position 2' });
    const entry = (await binEntry(t.app, as(a), 'SERVICE', global))!;
    expect((await data(t.app, RestoreService, { input: { id: entry.id } }, as(a))).restoreDeletedItem.userErrors).toEqual([]);
    const rows = await a.db.service.findMany({ where: { dealId: a.deals.eur }, orderBy: { position: 'asc' }, select: { name: true, position: true } });
    expect(rows).toEqual([
      { name: 'Took position 1', position: 1 },
      { name: 'Position 2', position: 2 },
      { name: 'First', position: 3 },
    ]);
  });

  test("a deal's new currency re-expresses its services' prices; a rate change alone leaves them", async () => {
    const a = await createTenant(t.db.prisma);
    // The EUR deal is at 1.25 USD; 100.00 EUR is 125.00 USD.
    const id = await service(a, { name: 'Priced', price: 10000n, quantity: '2' });
    const update = (input: Record<string, unknown>) => data(t.app, SvUpdateDeal, { input: { id: gid('Deal', a.deals.eur), ...input } }, as(a));
    expect((await update({ exchangeRate: '1.5' })).updateDeal.userErrors).toEqual([]);
    expect((await a.db.service.findUniqueOrThrow({ where: { id } })).price).toBe(10000n);
    expect((await update({ currency: 'USD', exchangeRate: '1' })).updateDeal.userErrors).toEqual([]);
    expect((await a.db.service.findUniqueOrThrow({ where: { id } })).price).toBe(15000n);
  });

  test('cascade: a service takes its time entries and bookings, and brings back exactly those', async () => {
    const a = await createTenant(t.db.prisma);
    const id = await service(a, { name: 'Cascade' });
    const kept = [await entry(a, id, { time: 60 }), await entry(a, id, { time: 120 })];
    const alone = await entry(a, id, { time: 30 });
    const booking = await createBooking(a.db, a.viewer, { serviceId: id, startedOn: day('2025-08-01'), endedOn: day('2025-08-05'), time: 240 });
    expect(booking.ok).toBe(true);
    const other = await service(a, { name: 'Untouched' });
    const untouched = await entry(a, other);

    // One entry goes to the bin on its own first.
    expect((await data(t.app, DeleteTimeEntry, { input: { id: gid('TimeEntry', alone) } }, as(a))).deleteTimeEntry.userErrors).toEqual([]);
    await data(t.app, DeleteService, { input: { id: gid('Service', id) } }, as(a));
    const live = await data(t.app, TimeEntries, {}, as(a));
    expect(live.timeEntries.nodes.map((n) => n.id)).toEqual([gid('TimeEntry', untouched)]);
    const stamp = (await a.db.deletedItem.findFirstOrThrow({ where: { itemType: 'service', itemId: id } })).stamp;
    const rows = await t.db.prisma.timeEntry.findMany({ where: { serviceId: id }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => [r.id, r.deletedAt?.getTime() === stamp.getTime()])).toEqual([
      [kept[0], true],
      [kept[1], true],
      [alone, false],
    ]);
    expect((await t.db.prisma.booking.findFirstOrThrow({ where: { serviceId: id } })).deletedAt).toEqual(stamp);
    // What went with the service has no entry of its own.
    expect((await binContents(t.app, as(a))).nodes.map((n) => n.itemType).sort()).toEqual(['SERVICE', 'TIME_ENTRY']);

    // The lone entry cannot come back while its service is in the bin.
    const aloneEntry = (await binEntry(t.app, as(a), 'TIME_ENTRY', gid('TimeEntry', alone)))!;
    expect((await data(t.app, RestoreTimeEntry, { input: { id: aloneEntry.id } }, as(a))).restoreDeletedItem).toEqual({
      item: null,
      userErrors: [{ field: ['input', 'id'], message: 'cannot be restored while its service is in the recycle bin: restore that first', code: 'PARENT_DELETED' }],
    });

    const serviceEntry = (await binEntry(t.app, as(a), 'SERVICE', gid('Service', id)))!;
    const restored = await data(t.app, RestoreService, { input: { id: serviceEntry.id } }, as(a));
    expect(restored.restoreDeletedItem.userErrors).toEqual([]);
    expect(restored.restoreDeletedItem.item).toMatchObject({ timeEntries: { totalCount: 2 }, bookings: { totalCount: 1 } });
    expect(restored.restoreDeletedItem.item!.timeEntries.nodes.map((n) => n.id).sort()).toEqual(kept.map((k) => gid('TimeEntry', k)).sort());
    expect(await a.db.timeEntry.count({ where: { id: alone } })).toBe(0);

    // Now the lone entry may come back on its own.
    const lone = await data(t.app, RestoreTimeEntry, { input: { id: aloneEntry.id } }, as(a));
    expect(lone.restoreDeletedItem).toMatchObject({ item: { id: gid('TimeEntry', alone), time: 30, service: { id: gid('Service', id) } }, userErrors: [] });

    // Purging the service erases the separately deleted entry and its bin entry with it.
    await deleteTimeEntry(a.db, a.viewer, alone);
    await data(t.app, DeleteService, { input: { id: gid('Service', id) } }, as(a));
    const again = (await binEntry(t.app, as(a), 'SERVICE', gid('Service', id)))!;
    expect((await purgeEntry(t.app, as(a), again.id)).userErrors).toEqual([]);
    expect(await t.db.prisma.timeEntry.count({ where: { serviceId: id } })).toBe(0);
    expect(await t.db.prisma.booking.count({ where: { serviceId: id } })).toBe(0);
    expect(await t.db.prisma.deletedItem.count({ where: { organizationId: a.organizationId } })).toBe(0);
    expect(await a.db.timeEntry.count({ where: { id: untouched } })).toBe(1);
  });
});

// ---- Statements -------------------------------------------------------------------------------

describe('statements', () => {
  test('deals with services(first: 5) and their timeEntries(first: 3): 10 deals cost what 2 do', async () => {
    const small = await createTenant(t.db.prisma);
    const large = await createTenant(t.db.prisma);
    for (const [tenant, extra] of [[small, 0], [large, 8]] as const) {
      const deals = [tenant.deals.eur, tenant.deals.usd];
      for (let i = 0; i < extra; i += 1) {
        const deal = await tenant.db.deal.create({
          data: {
            organizationId: tenant.organizationId, companyId: tenant.companies.acme, name: `Deal ${i}`, number: 10 + i,
            date: day('2021-01-01'), currency: 'USD', exchangeRate: '1', exchangeDate: day('2021-01-01'),
          },
        });
        deals.push(deal.id);
      }
      for (const dealId of deals) {
        for (let s = 0; s < 6; s += 1) {
          const svc = await service(tenant, { dealId, name: `S${s}` });
          for (let e = 0; e < s % 5; e += 1) await entry(tenant, svc, { time: e });
        }
      }
    }
    const count = async (tenant: Tenant) => {
      t.db.statements.reset();
      const result = await data(t.app, DealsPage, {}, as(tenant));
      return { count: t.db.statements.count, log: [...t.db.statements.log], deals: result.deals.nodes };
    };
    const few = await count(small);
    const many = await count(large);
    expect(few.deals).toHaveLength(2);
    expect(many.deals).toHaveLength(10);
    for (const deal of many.deals) {
      expect(deal.services.nodes).toHaveLength(5);
      expect(deal.services.nodes.map((s) => s.timeEntries.nodes.length)).toEqual([0, 1, 2, 3, 3]);
    }
    expect(many.count, many.log.join('\n')).toBe(few.count);
    // Besides authentication: one statement for the page with its services and their time entries.
    const page = many.log.filter((sql) => !sql.includes('api_tokens'));
    expect(page, many.log.join('\n')).toHaveLength(1);

    // With counts, money, to-one relations of every level and an alias with other arguments: still fixed.
    const wide = async (tenant: Tenant) => {
      t.db.statements.reset();
      const result = await data(t.app, DealsPageWide, {}, as(tenant));
      return { count: t.db.statements.count, log: [...t.db.statements.log], deals: result.deals.nodes };
    };
    const wideFew = await wide(small);
    const wideMany = await wide(large);
    expect(wideMany.deals[0]!.services.totalCount).toBe(6);
    expect(wideMany.deals[0]!.later.nodes.map((n) => n.name)).toEqual(['S5', 'S4']);
    expect(wideMany.count, wideMany.log.join('\n')).toBe(wideFew.count);
  });
});

// ---- Concurrency (PostgreSQL: real parallel connections) ----------------------------------------

describe.runIf(Boolean(process.env.TEST_DATABASE_URL))('concurrency', () => {
  test('a service delete racing 10 time entry creates leaves no live time entry on the deleted service', async () => {
    for (let round = 0; round < 3; round += 1) {
      const a = await createTenant(t.db.prisma);
      const id = await service(a);
      const creates = Array.from({ length: 10 }, (_, i) =>
        createTimeEntry(a.db, a.viewer, { serviceId: id, date: day('2025-08-01'), time: i }),
      );
      const [deleted, ...results] = await Promise.all([
        new Promise((resolve) => setTimeout(resolve, round * 5)).then(() => deleteService(a.db, a.viewer, id)),
        ...creates,
      ]);
      expect(deleted.ok).toBe(true);
      for (const r of results) {
        if (!r.ok) expect(r.errors).toEqual([{ field: ['input', 'serviceId'], message: 'Service not found', code: 'NOT_FOUND' }]);
      }
      expect(await t.db.prisma.timeEntry.count({ where: { serviceId: id, deletedAt: null } })).toBe(0);
      // Every entry that was created went to the bin with the service, and comes back with it.
      const created = results.filter((r) => r.ok).length;
      const stamp = (await a.db.deletedItem.findFirstOrThrow({ where: { itemType: 'service', itemId: id } })).stamp;
      expect(await t.db.prisma.timeEntry.count({ where: { serviceId: id, deletedAt: stamp } })).toBe(created);
    }
  });

  test('20 concurrent createService on one deal get 20 different positions', async () => {
    const a = await createTenant(t.db.prisma);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => createService(a.db, a.viewer, { dealId: a.deals.eur, name: `Parallel ${i}` })),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    const positions = (await a.db.service.findMany({ where: { dealId: a.deals.eur }, select: { position: true } })).map((s) => s.position);
    expect(positions.sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});
