// The Booking type: a person booked on a service (work) or an event (an absence) over a range of
// days, with its list (also as `Service.bookings` and `Event.bookings`) and its create/delete
// mutations. Rules in src/domain/bookings.ts.
import { createBooking, deleteBooking, updateBooking, type BookingInput } from '../domain/bookings.js';
import { builder } from './builder.js';
import { idsIn, listField, onOrAfter, onOrBefore, ops, sortBy, type ListSpec } from './kit/list.js';
import { idempotencyKeyField, idempotent } from './kit/idempotency.js';
import { domainInput } from './kit/input.js';
import { deleteField, inputDatabaseId, payloadType, toPayload } from './kit/mutation.js';

export const BookingRef = builder.prismaNode('Booking', {
  id: { field: 'id' },
  // Select mode: only the columns the query's fields need are loaded (see Expense).
  select: { id: true },
  // Unknown ids (or another organization's) resolve to null in node(id:)/nodes(ids:), as Relay expects.
  nullable: true,
  description: 'A person booked, for some minutes a day from `startedOn` to `endedOn`, on a service (work) or an event (an absence).',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id the REST API uses for this booking.' }),
    startedOn: t.expose('startedOn', { type: 'Date', description: 'The first day.' }),
    endedOn: t.expose('endedOn', { type: 'Date', description: 'The last day (the same as `startedOn` for one day).' }),
    time: t.exposeInt('time', { description: 'Minutes per day, 1 to 1440.' }),
    note: t.exposeString('note', { nullable: true, description: 'A free-text note, up to 10000 characters; null when there is none.' }),
    // Deleting the service or event takes its bookings along: a live booking never points at one in the bin.
    service: t.relation('service', { nullable: true, description: 'The service booked on; null for an absence.' }),
    event: t.relation('event', { nullable: true, description: 'The event (absence) booked on; null for work.' }),
    person: t.relation('person', { description: 'Who is booked.' }),
    creator: t.relation('creator', { description: 'Who made the booking.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the booking was made.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
  }),
});

export const bookingList: ListSpec = {
  type: 'Booking',
  description: 'Bookings of the organization, by first day unless another order is given.',
  filter: {
    description: 'Which bookings to include. `startedOnAfter` and `startedOnBefore` include their end days.',
    fields: {
      personIds: idsIn('Person', 'personId', 'Bookings of any of these people.'),
      serviceIds: idsIn('Service', 'serviceId', 'Bookings on any of these services.'),
      eventIds: idsIn('Event', 'eventId', 'Bookings on any of these events.'),
      startedOnAfter: onOrAfter('startedOn', 'Starting on this day or later.'),
      startedOnBefore: onOrBefore('startedOn', 'Starting on this day or earlier.'),
      startedOn: ops('date', { description: 'On the first day.' }),
      endedOn: ops('date', { description: 'On the last day.' }),
      createdAt: ops('datetime', { description: 'On when it was made.' }),
    },
  },
  sorts: {
    STARTED_ON: sortBy('date', 'startedOn', 'By the first day.'),
    ENDED_ON: sortBy('date', 'endedOn', 'By the last day.'),
    CREATED_AT: sortBy('datetime', 'createdAt', 'By when it was made.'),
  },
  defaultOrder: [{ field: 'STARTED_ON', direction: 'ASC' }],
};

builder.queryFields((t) => ({
  bookings: listField(t, bookingList),
}));

const CreateBookingInput = builder.inputType('CreateBookingInput', {
  description: 'A new booking: on a service (`serviceId`) or on an event (`eventId`), exactly one. `startedOn`, `endedOn` and `time` are required.',
  fields: (t) => ({
    personId: t.id({ description: 'Who is booked: a member of the organization. Default (also for null): the caller.' }),
    serviceId: t.id({ description: 'The live service to book on (work). Give this or `eventId`: neither is `BLANK`, both `INVALID`.' }),
    eventId: t.id({ description: 'The live event to book on (an absence). Give this or `serviceId`.' }),
    startedOn: t.field({ type: 'Date', description: 'The first day. Required: left out or null is `BLANK`.' }),
    endedOn: t.field({ type: 'Date', description: 'The last day, not before `startedOn` (the same day for one day). Required.' }),
    time: t.int({ description: 'Minutes per day, 1 to 1440 (480 is 8 hours). Required.' }),
    note: t.string({ description: 'A free-text note, at most 10000 characters. Optional; blank or null stores none.' }),
    idempotencyKey: idempotencyKeyField(t),
  }),
});

const toDomainInput = domainInput<BookingInput>({ personId: 'Person', serviceId: 'Service', eventId: 'Event' });

builder.mutationFields((t) => ({
  createBooking: t.field({
    type: payloadType('CreateBookingPayload', 'Booking', 'The result of `createBooking`.'),
    description: 'Books a person on a service or an event for some minutes a day over a range of days.',
    args: { input: t.arg({ type: CreateBookingInput, required: true, description: 'The new booking.' }) },
    resolve: async (_root, { input }, ctx, info) =>
      toPayload(await idempotent(ctx, info, input, (fields) => createBooking(ctx.db, ctx.viewer, toDomainInput(fields)))),
  }),
  deleteBooking: deleteField(t, 'Booking', {
    about: 'The booking goes to the recycle bin, from which it can be restored.',
    remove: (ctx, id) => deleteBooking(ctx.db, ctx.viewer, id),
  }),
}));

const UpdateBookingInput = builder.inputType('UpdateBookingInput', {
  description:
    'Changes to a booking, with the checks of `createBooking`: fields left out stay as they are; `null` clears `note`. ' +
    'It keeps its kind: a booking on a service may move to another service, one on an event to another event.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The booking to change.' }),
    personId: t.id({ description: 'Who is booked: a member of the organization. Null is `BLANK`.' }),
    serviceId: t.id({ description: 'Another live service, for a booking on a service (null is `BLANK`). Refused for a booking on an event.' }),
    eventId: t.id({ description: 'Another live event, for a booking on an event (null is `BLANK`). Refused for a booking on a service.' }),
    startedOn: t.field({ type: 'Date', description: 'The first day: not after `endedOn` (the given or the stored one). Null is `BLANK`.' }),
    endedOn: t.field({ type: 'Date', description: 'The last day: not before `startedOn` (the given or the stored one). Null is `BLANK`.' }),
    time: t.int({ description: 'Minutes per day, 1 to 1440. Null is `BLANK`.' }),
    note: t.string({ description: 'At most 10000 characters; blank or null clears it.' }),
  }),
});

builder.mutationFields((t) => ({
  updateBooking: t.field({
    type: payloadType('UpdateBookingPayload', 'Booking', 'The result of `updateBooking`.'),
    description: "Changes a booking's person, service or event, days, minutes or note.",
    args: { input: t.arg({ type: UpdateBookingInput, required: true, description: 'The booking and what to change.' }) },
    resolve: async (_root, { input }, ctx) => toPayload(await updateBooking(ctx.db, ctx.viewer, inputDatabaseId(input.id, 'Booking'), toDomainInput(input))),
  }),
}));
