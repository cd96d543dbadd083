// Bookings through GraphQL (issue 11): create with every validation (exact messages, in input
// order, nothing written), other organizations' ids, lists and filters (also `Service.bookings`),
// the recycle bin round trip, and, on PostgreSQL, an event delete racing booking creates.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createBooking } from '../src/domain/bookings.js';
import { deleteEvent } from '../src/domain/events.js';
import { createPurchaseOrder } from '../src/domain/purchase-orders.js';
import { createService } from '../src/domain/services.js';
import { graphql } from './generated/index.js';
import type { CreateBookingInput } from './generated/graphql.js';
import { as, data, errorsOf, execute, startApp, type TestApp } from './helpers/app.js';
import { binEntry, nodeOf, purgeEntry } from './helpers/bin.js';
import { Bookings, Events, RestoreBooking } from './helpers/calendar.js';
import { createTenant, day, gid, type Tenant, twoTenants } from './helpers/fixtures.js';
import { DeleteDeal } from './helpers/mutations.js';
import { booking, event, service } from './helpers/records.js';

graphql(`
  fragment BoBookingFields on Booking {
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

const CreateBooking = graphql(`
  mutation BoCreateBooking($input: CreateBookingInput!) {
    createBooking(input: $input) {
      booking { ...BoBookingFields }
      userErrors { field message code }
    }
  }
`);

const DeleteBooking = graphql(`
  mutation BoDeleteBooking($input: DeleteBookingInput!) {
    deleteBooking(input: $input) { deletedBookingId userErrors { field message code } }
  }
`);

const ServiceBookings = graphql(`
  query BoServiceBookings($id: ID!) {
    node(id: $id) { ... on Service { bookings(first: 10) { totalCount nodes { id } } } }
  }
`);

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

async function createBookingGql(tenant: Tenant, input: Partial<CreateBookingInput>) {
  return (await data(t.app, CreateBooking, { input: { startedOn: '2025-08-01', endedOn: '2025-08-05', time: 480, ...input } }, as(tenant)))
    .createBooking;
}

const count = (model: 'event' | 'booking' | 'purchaseOrder', tenant: Tenant) =>
  (t.db.prisma[model] as unknown as { count(a: object): Promise<number> }).count({ where: { organizationId: tenant.organizationId } });

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
    const { a, b } = await twoTenants(t.db.prisma);
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
    const { a, b } = await twoTenants(t.db.prisma);
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
    const work = gid('Booking', await booking(a, { serviceId: await service(a, { dealId: a.deals.usd, name: 'test name' }) }));
    const absence = gid('Booking', await booking(a, { eventId: await event(a, 'Vacation'), startedOn: day('2025-12-24'), endedOn: day('2026-01-02') }));
    for (const id of [work, absence]) {
      expect((await data(t.app, DeleteBooking, { input: { id } }, as(a))).deleteBooking).toEqual({ deletedBookingId: id, userErrors: [] });
      expect((await data(t.app, DeleteBooking, { input: { id } }, as(a))).deleteBooking.userErrors[0]?.code).toBe('NOT_FOUND');
      expect((await nodeOf(t.app, as(a), id))).toBeNull();
    }
    expect(await binEntry(t.app, as(a), 'BOOKING', work)).toMatchObject({ name: `Test ${person.lastName} - Aug 1 2025 - Aug 5 2025`, location: 'App / USD budget / test name' });
    expect(await binEntry(t.app, as(a), 'BOOKING', absence)).toMatchObject({ name: `Test ${person.lastName} - Dec 24 2025 - Jan 2 2026`, location: 'Event: Vacation' });
    expect((await data(t.app, Bookings, {}, as(a))).bookings.totalCount).toBe(0);

    const entry = (await binEntry(t.app, as(a), 'BOOKING', work))!;
    const restored = await data(t.app, RestoreBooking, { input: { id: entry.id } }, as(a));
    expect(restored.restoreDeletedItem).toMatchObject({ item: { id: work, time: 240, event: null, person: { id: gid('Person', a.personId) } }, userErrors: [] });
    await data(t.app, DeleteBooking, { input: { id: work } }, as(a));
    const again = (await binEntry(t.app, as(a), 'BOOKING', work))!;
    expect((await purgeEntry(t.app, as(a), again.id)).userErrors).toEqual([]);
    expect(await binEntry(t.app, as(a), 'BOOKING', work)).toBeUndefined();
    expect((await data(t.app, RestoreBooking, { input: { id: again.id } }, as(a))).restoreDeletedItem.userErrors[0]?.code).toBe('NOT_FOUND');
  });
});

// ---- Purchase orders --------------------------------------------------------------------------

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
