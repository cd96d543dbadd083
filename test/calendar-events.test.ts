// Calendar events through GraphQL (issue 11): create with every validation, lists and filters
// (with `Event.bookings`), delete taking their bookings along, and the recycle bin round trip.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { deleteBooking } from '../src/domain/bookings.js';
import { createEvent } from '../src/domain/events.js';
import { graphql } from './generated/index.js';
import { as, data, errorsOf, execute, startApp, type TestApp } from './helpers/app.js';
import { binEntry, nodeOf, purgeEntry } from './helpers/bin.js';
import { Bookings, Events, RestoreBooking } from './helpers/calendar.js';
import { createTenant, day, gid, type Tenant, twoTenants } from './helpers/fixtures.js';
import { booking, event, service } from './helpers/records.js';

const CreateEvent = graphql(`
  mutation EvCreateEvent($input: CreateEventInput!) {
    createEvent(input: $input) {
      event { id databaseId name description paid createdAt updatedAt }
      userErrors { field message code }
    }
  }
`);

const DeleteEvent = graphql(`
  mutation EvDeleteEvent($input: DeleteEventInput!) {
    deleteEvent(input: $input) { deletedEventId userErrors { field message code } }
  }
`);

const RestoreEvent = graphql(`
  mutation EvRestoreEvent($input: RestoreDeletedItemInput!) {
    restoreDeletedItem(input: $input) {
      item { ... on Event { id name bookings(first: 10) { totalCount nodes { id } } } }
      userErrors { field message code }
    }
  }
`);

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.close());

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
    const { a, b } = await twoTenants(t.db.prisma);
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
    const entry = (await binEntry(t.app, as(a), 'EVENT', global))!;
    expect(entry).toMatchObject({ itemType: 'EVENT', name: 'Vacation', location: organization.name });
    expect((await data(t.app, Events, {}, as(a))).events.totalCount).toBe(0);
    expect((await nodeOf(t.app, as(a), global))).toBeNull();
    expect((await data(t.app, Bookings, {}, as(a))).bookings.nodes.map((n) => n.id)).toEqual([gid('Booking', work)]);

    // The booking deleted on its own before cannot come back while its event is in the bin.
    const aloneEntry = (await binEntry(t.app, as(a), 'BOOKING', gid('Booking', alone)))!;
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
    const again = (await binEntry(t.app, as(a), 'EVENT', global))!;
    expect((await purgeEntry(t.app, as(a), again.id))).toEqual({ purgedDeletedItemId: again.id, userErrors: [] });
    expect(await t.db.prisma.event.count({ where: { id } })).toBe(0);
    expect(await t.db.prisma.booking.count({ where: { eventId: id } })).toBe(0);
    expect(await binEntry(t.app, as(a), 'BOOKING', gid('Booking', alone))).toBeUndefined();
    expect((await data(t.app, RestoreEvent, { input: { id: again.id } }, as(a))).restoreDeletedItem.userErrors).toEqual([
      { field: ['input', 'id'], message: 'Deleted item not found', code: 'NOT_FOUND' },
    ]);
    expect(await a.db.booking.count({ where: { id: work } })).toBe(1);
  });
});

// ---- Bookings ---------------------------------------------------------------------------------

