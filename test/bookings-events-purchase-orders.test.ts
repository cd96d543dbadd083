// Events, bookings and purchase orders through GraphQL (issue 11): create with every validation
// (exact messages, in input order, nothing written), limits and hostile input, other organizations'
// ids, lists and filters (also `Event.bookings`, `Service.bookings`, `Deal.purchaseOrders`), delete,
// the recycle bin round trip (delete, restore, delete again, purge), an event taking its bookings
// along, a deal taking its services (with their time entries) and purchase orders along, purchase
// order money in the reference's forms, and, on PostgreSQL, an event delete racing booking creates.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createBooking, deleteBooking, type BookingInput } from '../src/domain/bookings.js';
import { createEvent, deleteEvent } from '../src/domain/events.js';
import { createPurchaseOrder, type PurchaseOrderInput } from '../src/domain/purchase-orders.js';
import { createService } from '../src/domain/services.js';
import { createTimeEntry, deleteTimeEntry } from '../src/domain/time-entries.js';
import { todayUtc } from '../src/domain/invoice-queries.js';
import { overflowingFields, purchaseOrderMoney } from '../src/money/purchase-order-money.js';
import { graphql } from './generated/index.js';
import type { CreateBookingInput, CreatePurchaseOrderInput } from './generated/graphql.js';
import { data, execute, startApp, type TestApp } from './helpers/app.js';
import { createTenant, day, gid, type Tenant } from './helpers/fixtures.js';

graphql(`
  fragment BkMoneySet on MoneySet {
    original { cents currency }
    default { cents currency }
    normalized { cents currency }
  }
`);

graphql(`
  fragment BkPurchaseOrderFields on PurchaseOrder {
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
    totalCost { ...BkMoneySet }
    totalReceived { ...BkMoneySet }
    deal { id }
    vendor { id }
    creator { id }
    createdAt
    updatedAt
  }
`);

graphql(`
  fragment BkBookingFields on Booking {
    id
    databaseId
    startedOn
    endedOn
    time
    note
    service { id }
    event { id }
    person { id }
    creator { id }
    createdAt
    updatedAt
  }
`);

const CreateEvent = graphql(`
  mutation BkCreateEvent($input: CreateEventInput!) {
    createEvent(input: $input) {
      event { id databaseId name description paid createdAt updatedAt }
      userErrors { field message code }
    }
  }
`);

const DeleteEvent = graphql(`
  mutation BkDeleteEvent($input: DeleteEventInput!) {
    deleteEvent(input: $input) { deletedEventId userErrors { field message code } }
  }
`);

const Events = graphql(`
  query BkEvents($filter: EventFilter, $orderBy: [EventOrder!]) {
    events(filter: $filter, orderBy: $orderBy) { totalCount nodes { id name paid bookings(first: 10) { totalCount nodes { id } } } }
  }
`);

const CreateBooking = graphql(`
  mutation BkCreateBooking($input: CreateBookingInput!) {
    createBooking(input: $input) {
      booking { ...BkBookingFields }
      userErrors { field message code }
    }
  }
`);

const DeleteBooking = graphql(`
  mutation BkDeleteBooking($input: DeleteBookingInput!) {
    deleteBooking(input: $input) { deletedBookingId userErrors { field message code } }
  }
`);

const Bookings = graphql(`
  query BkBookings($filter: BookingFilter, $orderBy: [BookingOrder!]) {
    bookings(filter: $filter, orderBy: $orderBy) { totalCount nodes { id startedOn } }
  }
`);

const ServiceBookings = graphql(`
  query BkServiceBookings($id: ID!) {
    node(id: $id) { ... on Service { bookings(first: 10) { totalCount nodes { id } } } }
  }
`);

const CreatePurchaseOrder = graphql(`
  mutation BkCreatePurchaseOrder($input: CreatePurchaseOrderInput!) {
    createPurchaseOrder(input: $input) {
      purchaseOrder { ...BkPurchaseOrderFields }
      userErrors { field message code }
    }
  }
`);

const DeletePurchaseOrder = graphql(`
  mutation BkDeletePurchaseOrder($input: DeletePurchaseOrderInput!) {
    deletePurchaseOrder(input: $input) { deletedPurchaseOrderId userErrors { field message code } }
  }
`);

const PurchaseOrders = graphql(`
  query BkPurchaseOrders($filter: PurchaseOrderFilter, $orderBy: [PurchaseOrderOrder!]) {
    purchaseOrders(filter: $filter, orderBy: $orderBy) { totalCount nodes { id subject } }
  }
`);

const DealChildren = graphql(`
  query BkDealChildren($id: ID!) {
    deal(id: $id) {
      purchaseOrders(first: 10) { totalCount nodes { id subject totalCost { default { cents } } } }
      services(first: 10) { totalCount nodes { id timeEntries(first: 10) { totalCount nodes { id } } } }
    }
  }
`);

const DeleteDeal = graphql(`
  mutation BkDeleteDeal($input: DeleteDealInput!) { deleteDeal(input: $input) { userErrors { field message code } } }
`);

const RestoreDeal = graphql(`
  mutation BkRestoreDeal($input: RestoreDeletedItemInput!) {
    restoreDeletedItem(input: $input) {
      item { ... on Deal { id } }
      userErrors { field message code }
    }
  }
`);

const Node = graphql(`
  query BkNode($id: ID!) { node(id: $id) { id } }
`);

const Bin = graphql(`
  query BkBin($filter: DeletedItemFilter) {
    deletedItems(filter: $filter) { totalCount nodes { id itemType itemId name location } }
  }
`);

const Purge = graphql(`
  mutation BkPurge($input: PurgeDeletedItemInput!) {
    purgeDeletedItem(input: $input) { purgedDeletedItemId userErrors { field message code } }
  }
`);

const RestoreEvent = graphql(`
  mutation BkRestoreEvent($input: RestoreDeletedItemInput!) {
    restoreDeletedItem(input: $input) {
      item { ... on Event { id name bookings(first: 10) { totalCount nodes { id } } } }
      userErrors { field message code }
    }
  }
`);

const RestoreBooking = graphql(`
  mutation BkRestoreBooking($input: RestoreDeletedItemInput!) {
    restoreDeletedItem(input: $input) {
      item { ... on Booking { id time service { id } event { id } person { id } } }
      userErrors { field message code }
    }
  }
`);

const RestorePurchaseOrder = graphql(`
  mutation BkRestorePurchaseOrder($input: RestoreDeletedItemInput!) {
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

const as = (tenant: Tenant) => ({ token: tenant.token });
const errorsOf = (errors: ReadonlyArray<{ field: readonly string[]; code: string; message: string }>) =>
  errors.map((e) => [e.field.join('.'), e.code, e.message]);

type BinType = 'EVENT' | 'BOOKING' | 'PURCHASE_ORDER' | 'DEAL' | 'BUDGET' | 'SERVICE' | 'TIME_ENTRY';

async function binEntry(tenant: Tenant, itemType: BinType, itemId: string) {
  const bin = await data(t.app, Bin, { filter: { itemType: [itemType] } }, as(tenant));
  return bin.deletedItems.nodes.find((n) => n.itemId === itemId);
}

async function event(tenant: Tenant, name = 'Vacation'): Promise<number> {
  const result = await createEvent(tenant.db, tenant.viewer, { name });
  if (!result.ok) throw new Error(`fixture event: ${JSON.stringify(result.errors)}`);
  return result.value.id;
}

async function service(tenant: Tenant, dealId = tenant.deals.eur, name = 'Design'): Promise<number> {
  const result = await createService(tenant.db, tenant.viewer, { dealId, name });
  if (!result.ok) throw new Error(`fixture service: ${JSON.stringify(result.errors)}`);
  return result.value.id;
}

async function booking(tenant: Tenant, input: Partial<BookingInput>): Promise<number> {
  const result = await createBooking(tenant.db, tenant.viewer, { startedOn: day('2025-08-01'), endedOn: day('2025-08-05'), time: 240, ...input });
  if (!result.ok) throw new Error(`fixture booking: ${JSON.stringify(result.errors)}`);
  return result.value.id;
}

async function order(tenant: Tenant, input: Partial<PurchaseOrderInput> = {}): Promise<number> {
  const result = await createPurchaseOrder(tenant.db, tenant.viewer, { dealId: tenant.deals.eur, vendorId: tenant.companies.globex, ...input });
  if (!result.ok) throw new Error(`fixture purchase order: ${JSON.stringify(result.errors)}`);
  return result.value.id;
}

async function createBookingGql(tenant: Tenant, input: Partial<CreateBookingInput>) {
  return (await data(t.app, CreateBooking, { input: { startedOn: '2025-08-01', endedOn: '2025-08-05', time: 480, ...input } }, as(tenant)))
    .createBooking;
}

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

// ---- Events -----------------------------------------------------------------------------------

describe('events', () => {
  test('create, defaults, validation with every problem at once, limits; nothing written on errors', async () => {
    const a = await createTenant(t.db.prisma);
    const made = await data(t.app, CreateEvent, { input: { name: '  Vacation ', description: 'Paid leave' } }, as(a));
    expect(made.createEvent).toMatchObject({ event: { name: 'Vacation', description: 'Paid leave', paid: true }, userErrors: [] });
    const unpaid = await data(t.app, CreateEvent, { input: { name: 'Unpaid leave', paid: false } }, as(a));
    expect(unpaid.createEvent.event).toMatchObject({ paid: false, description: null });
    const before = await count('event', a);

    const cases: Array<[object, string[][]]> = [
      [{}, [['input.name', 'BLANK', "can't be blank"]]],
      [{ name: ' \t ' }, [['input.name', 'BLANK', "can't be blank"]]],
      [
        { name: 'x'.repeat(256), description: 'd'.repeat(10_001) },
        [
          ['input.name', 'TOO_LONG', 'is too long (maximum is 255 characters)'],
          ['input.description', 'TOO_LONG', 'is too long (maximum is 10000 characters)'],
        ],
      ],
      [
        { name: 'a\u0000', description: '\u0000' },
        [
          ['input.name', 'INVALID', 'cannot contain the NUL character (\\u0000)'],
          ['input.description', 'INVALID', 'cannot contain the NUL character (\\u0000)'],
        ],
      ],
      [{ name: 'y'.repeat(300_000) }, [['input.name', 'TOO_LONG', 'is too long (maximum is 255 characters)']]],
    ];
    for (const [input, errors] of cases) {
      const result = await data(t.app, CreateEvent, { input }, as(a));
      expect(errorsOf(result.createEvent.userErrors), JSON.stringify(input).slice(0, 80)).toEqual(errors);
      expect(result.createEvent.event).toBeNull();
    }
    const megabyte = await execute(t.app, CreateEvent, { input: { name: 'z'.repeat(1_100_000) } }, as(a));
    expect(megabyte.status).toBe(413);
    expect(await count('event', a)).toBe(before);
  });

  test('lists by name, filters; another organization sees none of them', async () => {
    const a = await createTenant(t.db.prisma);
    const b = await createTenant(t.db.prisma);
    await event(a, 'Vacation');
    await event(a, 'Sick leave');
    await createEvent(a.db, a.viewer, { name: 'Unpaid leave', paid: false });
    const names = async (variables: object, tenant = a) =>
      (await data(t.app, Events, variables as never, as(tenant))).events.nodes.map((n) => n.name);
    expect(await names({})).toEqual(['Sick leave', 'Unpaid leave', 'Vacation']);
    expect(await names({ filter: { paid: false } })).toEqual(['Unpaid leave']);
    expect(await names({ filter: { name: { startsWith: 'Va' } } })).toEqual(['Vacation']);
    expect(await names({ orderBy: [{ field: 'CREATED_AT', direction: 'DESC' }] })).toEqual(['Unpaid leave', 'Sick leave', 'Vacation']);
    expect(await names({}, b)).toEqual([]);
  });

  test('delete takes its bookings along; the bin entry is at the organization; restore brings exactly those back; purge', async () => {
    const a = await createTenant(t.db.prisma);
    const id = await event(a, 'Vacation');
    const global = gid('Event', id);
    const kept = await booking(a, { eventId: id });
    const alone = await booking(a, { eventId: id, startedOn: day('2025-09-01'), endedOn: day('2025-09-01') });
    const work = await booking(a, { serviceId: await service(a) });
    await deleteBooking(a.db, a.viewer, alone);

    const b = await createTenant(t.db.prisma);
    expect((await data(t.app, DeleteEvent, { input: { id: global } }, as(b))).deleteEvent.userErrors).toEqual([
      { field: ['input', 'id'], message: 'Event not found', code: 'NOT_FOUND' },
    ]);
    expect((await data(t.app, DeleteEvent, { input: { id: global } }, as(a))).deleteEvent).toEqual({ deletedEventId: global, userErrors: [] });
    const organization = await t.db.prisma.organization.findUniqueOrThrow({ where: { id: a.organizationId } });
    const entry = (await binEntry(a, 'EVENT', global))!;
    expect(entry).toMatchObject({ itemType: 'EVENT', name: 'Vacation', location: organization.name });
    expect((await data(t.app, Events, {}, as(a))).events.totalCount).toBe(0);
    expect((await data(t.app, Node, { id: global }, as(a))).node).toBeNull();
    expect((await data(t.app, Bookings, {}, as(a))).bookings.nodes.map((n) => n.id)).toEqual([gid('Booking', work)]);

    // The booking deleted on its own before cannot come back while its event is in the bin.
    const aloneEntry = (await binEntry(a, 'BOOKING', gid('Booking', alone)))!;
    expect((await data(t.app, RestoreBooking, { input: { id: aloneEntry.id } }, as(a))).restoreDeletedItem).toEqual({
      item: null,
      userErrors: [{ field: ['input', 'id'], message: 'cannot be restored while its event is in the recycle bin: restore that first', code: 'PARENT_DELETED' }],
    });
    const restored = await data(t.app, RestoreEvent, { input: { id: entry.id } }, as(a));
    expect(restored.restoreDeletedItem).toEqual({
      item: { id: global, name: 'Vacation', bookings: { totalCount: 1, nodes: [{ id: gid('Booking', kept) }] } },
      userErrors: [],
    });

    // Again, and purge: the event, its bookings and the lone booking's entry are erased.
    await data(t.app, DeleteEvent, { input: { id: global } }, as(a));
    const again = (await binEntry(a, 'EVENT', global))!;
    expect((await data(t.app, Purge, { input: { id: again.id } }, as(a))).purgeDeletedItem).toEqual({ purgedDeletedItemId: again.id, userErrors: [] });
    expect(await t.db.prisma.event.count({ where: { id } })).toBe(0);
    expect(await t.db.prisma.booking.count({ where: { eventId: id } })).toBe(0);
    expect(await binEntry(a, 'BOOKING', gid('Booking', alone))).toBeUndefined();
    expect((await data(t.app, RestoreEvent, { input: { id: again.id } }, as(a))).restoreDeletedItem.userErrors).toEqual([
      { field: ['input', 'id'], message: 'Deleted item not found', code: 'NOT_FOUND' },
    ]);
    expect(await a.db.booking.count({ where: { id: work } })).toBe(1);
  });
});

// ---- Bookings ---------------------------------------------------------------------------------

describe('createBooking', () => {
  test('on a service or on an event; the viewer by default, or another member', async () => {
    const a = await createTenant(t.db.prisma);
    const svc = gid('Service', await service(a));
    const evt = gid('Event', await event(a));
    const work = await createBookingGql(a, { serviceId: svc, note: ' kickoff ', time: 1440 });
    expect(work).toMatchObject({
      booking: {
        startedOn: '2025-08-01', endedOn: '2025-08-05', time: 1440, note: 'kickoff', service: { id: svc }, event: null,
        person: { id: gid('Person', a.personId) }, creator: { id: gid('Person', a.personId) },
      },
      userErrors: [],
    });
    const other = await a.member();
    const absence = await createBookingGql(a, { eventId: evt, personId: gid('Person', other.personId), startedOn: '01.08.2025', endedOn: '2025-08-01', time: 1 });
    expect(absence.booking).toMatchObject({
      startedOn: '2025-08-01', endedOn: '2025-08-01', time: 1, service: null, event: { id: evt }, person: { id: gid('Person', other.personId) },
    });
  });

  test('every problem at once, in input order: service xor event, day order, minutes, texts; nothing written', async () => {
    const a = await createTenant(t.db.prisma);
    const svc = gid('Service', await service(a));
    const evt = gid('Event', await event(a));
    const before = await count('booking', a);
    const empty = await data(t.app, CreateBooking, { input: {} }, as(a));
    expect(errorsOf(empty.createBooking.userErrors)).toEqual([
      ['input.serviceId', 'BLANK', "can't be blank without an eventId: a booking is on a service (work) or on an event (an absence)"],
      ['input.startedOn', 'BLANK', "can't be blank"],
      ['input.endedOn', 'BLANK', "can't be blank"],
      ['input.time', 'BLANK', "can't be blank"],
    ]);
    const both = await createBookingGql(a, { serviceId: svc, eventId: evt, personId: gid('Person', 999_999), startedOn: '2025-08-05', endedOn: '2025-08-04', time: 0, note: '\u0000' });
    expect(errorsOf(both.userErrors)).toEqual([
      ['input.personId', 'NOT_FOUND', 'Person not found'],
      ['input.eventId', 'INVALID', 'must be left out when serviceId is given: a booking is on a service or on an event, not both'],
      ['input.endedOn', 'INVALID', 'must not be before startedOn'],
      ['input.time', 'INVALID', 'must be between 1 and 1440 (minutes per day)'],
      ['input.note', 'INVALID', 'cannot contain the NUL character (\\u0000)'],
    ]);
    expect(errorsOf((await createBookingGql(a, { serviceId: svc, time: 1441, note: 'n'.repeat(10_001) })).userErrors)).toEqual([
      ['input.time', 'INVALID', 'must be between 1 and 1440 (minutes per day)'],
      ['input.note', 'TOO_LONG', 'is too long (maximum is 10000 characters)'],
    ]);
    const int32 = await execute(t.app, CreateBooking, { input: { serviceId: svc, startedOn: '2025-08-01', endedOn: '2025-08-01', time: -(2 ** 31) - 1 } }, as(a));
    expect(int32.status).toBe(400);
    const badDay = await execute(t.app, CreateBooking, { input: { serviceId: svc, startedOn: '2025-13-01', endedOn: '2025-08-01', time: 1 } }, as(a));
    expect(badDay.status).toBe(400);
    expect(await count('booking', a)).toBe(before);
  });

  test("another organization's service, event or person, an event in the bin, ids of another type: NOT_FOUND", async () => {
    const a = await createTenant(t.db.prisma);
    const b = await createTenant(t.db.prisma);
    const svc = await service(a);
    const evt = await event(a);
    expect(errorsOf((await createBookingGql(b, { serviceId: gid('Service', svc), personId: gid('Person', a.personId) })).userErrors)).toEqual([
      ['input.personId', 'NOT_FOUND', 'Person not found'],
      ['input.serviceId', 'NOT_FOUND', 'Service not found'],
    ]);
    expect(errorsOf((await createBookingGql(b, { eventId: gid('Event', evt) })).userErrors)).toEqual([['input.eventId', 'NOT_FOUND', 'Event not found']]);
    expect(errorsOf((await createBookingGql(a, { eventId: gid('Service', svc) })).userErrors)).toEqual([['input.eventId', 'NOT_FOUND', 'Event not found']]);
    await deleteEvent(a.db, a.viewer, evt);
    expect(errorsOf((await createBookingGql(a, { eventId: gid('Event', evt) })).userErrors)).toEqual([['input.eventId', 'NOT_FOUND', 'Event not found']]);
    expect(await count('booking', a)).toBe(0);
    expect(await count('booking', b)).toBe(0);
  });
});

describe('booking lists and the bin', () => {
  test('filters by person, service, event and first day (inclusive); by first day unless another order is given', async () => {
    const a = await createTenant(t.db.prisma);
    const b = await createTenant(t.db.prisma);
    const other = await a.member();
    const svc = await service(a);
    const evt = await event(a);
    const late = await booking(a, { serviceId: svc, startedOn: day('2025-08-10'), endedOn: day('2025-08-12') });
    const early = await booking(a, { eventId: evt, personId: other.personId, startedOn: day('2025-08-01'), endedOn: day('2025-08-20') });
    const middle = await booking(a, { serviceId: svc, startedOn: day('2025-08-05'), endedOn: day('2025-08-05') });
    await booking(b, { eventId: await event(b) });
    const ids = async (variables: object) => (await data(t.app, Bookings, variables as never, as(a))).bookings.nodes.map((n) => n.id);
    const g = (...rows: number[]) => rows.map((r) => gid('Booking', r));
    expect(await ids({})).toEqual(g(early, middle, late));
    expect(await ids({ orderBy: [{ field: 'ENDED_ON', direction: 'DESC' }] })).toEqual(g(early, late, middle));
    expect(await ids({ filter: { personIds: [gid('Person', other.personId)] } })).toEqual(g(early));
    expect(await ids({ filter: { serviceIds: [gid('Service', svc)] } })).toEqual(g(middle, late));
    expect(await ids({ filter: { eventIds: [gid('Event', evt)] } })).toEqual(g(early));
    expect(await ids({ filter: { startedOnAfter: '2025-08-05', startedOnBefore: '2025-08-10' } })).toEqual(g(middle, late));
    expect(await ids({ filter: { endedOn: { gte: '2025-08-12' } } })).toEqual(g(early, late));
    const viaService = await data(t.app, ServiceBookings, { id: gid('Service', svc) }, as(a));
    expect(viaService.node).toEqual({ bookings: { totalCount: 2, nodes: g(middle, late).map((id) => ({ id })) } });
    const viaEvent = await data(t.app, Events, {}, as(a));
    expect(viaEvent.events.nodes[0]!.bookings).toEqual({ totalCount: 1, nodes: [{ id: gid('Booking', early) }] });
  });

  test('delete: "First Last - Aug 1 2025 - Aug 5 2025" at its service path or event; restore; purge', async () => {
    const a = await createTenant(t.db.prisma);
    const person = await t.db.prisma.person.findUniqueOrThrow({ where: { id: a.personId } });
    const work = gid('Booking', await booking(a, { serviceId: await service(a, a.deals.usd, 'test name') }));
    const absence = gid('Booking', await booking(a, { eventId: await event(a, 'Vacation'), startedOn: day('2025-12-24'), endedOn: day('2026-01-02') }));
    for (const id of [work, absence]) {
      expect((await data(t.app, DeleteBooking, { input: { id } }, as(a))).deleteBooking).toEqual({ deletedBookingId: id, userErrors: [] });
      expect((await data(t.app, DeleteBooking, { input: { id } }, as(a))).deleteBooking.userErrors[0]?.code).toBe('NOT_FOUND');
      expect((await data(t.app, Node, { id }, as(a))).node).toBeNull();
    }
    expect(await binEntry(a, 'BOOKING', work)).toMatchObject({ name: `Test ${person.lastName} - Aug 1 2025 - Aug 5 2025`, location: 'App / USD budget / test name' });
    expect(await binEntry(a, 'BOOKING', absence)).toMatchObject({ name: `Test ${person.lastName} - Dec 24 2025 - Jan 2 2026`, location: 'Event: Vacation' });
    expect((await data(t.app, Bookings, {}, as(a))).bookings.totalCount).toBe(0);

    const entry = (await binEntry(a, 'BOOKING', work))!;
    const restored = await data(t.app, RestoreBooking, { input: { id: entry.id } }, as(a));
    expect(restored.restoreDeletedItem).toMatchObject({ item: { id: work, time: 240, event: null, person: { id: gid('Person', a.personId) } }, userErrors: [] });
    await data(t.app, DeleteBooking, { input: { id: work } }, as(a));
    const again = (await binEntry(a, 'BOOKING', work))!;
    expect((await data(t.app, Purge, { input: { id: again.id } }, as(a))).purgeDeletedItem.userErrors).toEqual([]);
    expect(await binEntry(a, 'BOOKING', work)).toBeUndefined();
    expect((await data(t.app, RestoreBooking, { input: { id: again.id } }, as(a))).restoreDeletedItem.userErrors[0]?.code).toBe('NOT_FOUND');
  });
});

// ---- Purchase orders --------------------------------------------------------------------------

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
    const a = await createTenant(t.db.prisma);
    const b = await createTenant(t.db.prisma);
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
    const a = await createTenant(t.db.prisma);
    const b = await createTenant(t.db.prisma);
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
    const a = await createTenant(t.db.prisma);
    const b = await createTenant(t.db.prisma);
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
      expect((await data(t.app, Node, { id }, as(a))).node).toBeNull();
    }
    expect(await binEntry(a, 'PURCHASE_ORDER', named)).toMatchObject({ name: 'Laptops', location: 'Deal: EUR budget' });
    expect(await binEntry(a, 'PURCHASE_ORDER', bare)).toMatchObject({ name: 'Purchase Order', location: 'Budget: test name' });
    expect((await data(t.app, PurchaseOrders, {}, as(a))).purchaseOrders.totalCount).toBe(0);

    const entry = (await binEntry(a, 'PURCHASE_ORDER', named))!;
    expect((await data(t.app, RestorePurchaseOrder, { input: { id: entry.id } }, as(a))).restoreDeletedItem).toEqual({
      item: { id: named, subject: 'Laptops', deal: { id: gid('Deal', a.deals.eur) }, vendor: { id: gid('Company', a.companies.globex) } },
      userErrors: [],
    });
    await data(t.app, DeletePurchaseOrder, { input: { id: named } }, as(a));
    const again = (await binEntry(a, 'PURCHASE_ORDER', named))!;
    expect((await data(t.app, Purge, { input: { id: again.id } }, as(a))).purgeDeletedItem).toEqual({ purgedDeletedItemId: again.id, userErrors: [] });
    expect(await binEntry(a, 'PURCHASE_ORDER', named)).toBeUndefined();
    expect((await data(t.app, RestorePurchaseOrder, { input: { id: again.id } }, as(a))).restoreDeletedItem.userErrors[0]?.code).toBe('NOT_FOUND');
  });
});

// ---- A deal takes its services and purchase orders along -------------------------------------

describe('deleting a deal', () => {
  test('takes its services (with their time entries) and purchase orders; its restore brings exactly those back', async () => {
    const a = await createTenant(t.db.prisma);
    const dealId = a.deals.eur;
    const design = await service(a, dealId, 'Design');
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
    const bin = await data(t.app, Bin, {}, as(a));
    expect(bin.deletedItems.nodes.map((n) => n.itemType).sort()).toEqual(['DEAL', 'TIME_ENTRY']);

    const entry = (await binEntry(a, 'DEAL', gid('Deal', dealId)))!;
    expect((await data(t.app, RestoreDeal, { input: { id: entry.id } }, as(a))).restoreDeletedItem.userErrors).toEqual([]);
    const back = await data(t.app, DealChildren, { id: gid('Deal', dealId) }, as(a));
    expect(back.deal?.purchaseOrders.nodes.map((n) => n.id)).toEqual([gid('PurchaseOrder', po)]);
    expect(back.deal?.services.nodes.map((n) => n.id)).toEqual([gid('Service', design)]);
    expect(back.deal?.services.nodes[0]!.timeEntries.nodes.map((n) => n.id).sort()).toEqual(entries.map((id) => gid('TimeEntry', id)).sort());
  });
});

// ---- Concurrency (PostgreSQL: real parallel connections) ----------------------------------------

describe.runIf(Boolean(process.env.TEST_DATABASE_URL))('concurrency', () => {
  test('an event delete racing 10 booking creates leaves no live booking on the deleted event', async () => {
    for (let round = 0; round < 3; round += 1) {
      const a = await createTenant(t.db.prisma);
      const id = await event(a);
      const [deleted, ...results] = await Promise.all([
        new Promise((resolve) => setTimeout(resolve, round * 5)).then(() => deleteEvent(a.db, a.viewer, id)),
        ...Array.from({ length: 10 }, (_, i) =>
          createBooking(a.db, a.viewer, { eventId: id, startedOn: day('2025-08-01'), endedOn: day('2025-08-02'), time: i + 1 }),
        ),
      ]);
      expect(deleted.ok).toBe(true);
      for (const r of results) {
        if (!r.ok) expect(r.errors).toEqual([{ field: ['input', 'eventId'], message: 'Event not found', code: 'NOT_FOUND' }]);
      }
      expect(await t.db.prisma.booking.count({ where: { eventId: id, deletedAt: null } })).toBe(0);
    }
  });

  test('a deal delete racing purchase order and service creates leaves nothing live on the deleted deal', async () => {
    const a = await createTenant(t.db.prisma);
    const dealId = a.deals.eur;
    const [deleted] = await Promise.all([
      new Promise((resolve) => setTimeout(resolve, 3)).then(() => data(t.app, DeleteDeal, { input: { id: gid('Deal', dealId) } }, as(a))),
      ...Array.from({ length: 5 }, () => createPurchaseOrder(a.db, a.viewer, { dealId, vendorId: a.companies.globex })),
      ...Array.from({ length: 5 }, (_, i) => createService(a.db, a.viewer, { dealId, name: `S${i}` })),
    ]);
    expect(deleted.deleteDeal.userErrors).toEqual([]);
    expect(await t.db.prisma.purchaseOrder.count({ where: { dealId, deletedAt: null } })).toBe(0);
    expect(await t.db.prisma.service.count({ where: { dealId, deletedAt: null } })).toBe(0);
  });
});
