// The Event type: a kind of absence people are booked on ("Vacation"), with its list and its
// create/delete mutations. Rules in src/domain/events.ts.
import { createEvent, deleteEvent, updateEvent, type EventInput } from '../domain/events.js';
import { bookingList } from './booking.js';
import { builder } from './builder.js';
import { flag, listField, ops, relatedListField, sortBy } from './kit/list.js';
import { idempotencyKeyField, idempotent } from './kit/idempotency.js';
import { deleteField, inputDatabaseId, payloadType, toPayload } from './kit/mutation.js';

export const EventRef = builder.prismaNode('Event', {
  id: { field: 'id' },
  // Select mode: only the columns the query's fields need are loaded (see Expense).
  select: { id: true },
  // Unknown ids (or another organization's) resolve to null in node(id:)/nodes(ids:), as Relay expects.
  nullable: true,
  description: 'A kind of absence people can be booked on ("Vacation", "Sick leave").',
  fields: (t) => ({
    databaseId: t.exposeInt('id', { description: 'The numeric id the REST API uses for this event.' }),
    name: t.exposeString('name', { description: 'The name as shown in lists, e.g. "Vacation"; 1 to 255 characters.' }),
    description: t.exposeString('description', { nullable: true, description: 'What it is for, in words; null when there is none.' }),
    paid: t.exposeBoolean('paid', { description: 'A paid absence (true) or an unpaid one.' }),
    bookings: relatedListField(t as never, bookingList, {
      relation: 'bookings',
      foreignKey: 'eventId',
      description: 'People booked on it, with the filters, orders and paging of `Query.bookings`.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the event was created.' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', description: 'When it last changed.' }),
  }),
});

builder.queryFields((t) => ({
  events: listField(t, {
    type: 'Event',
    description: 'Events (kinds of absence) of the organization, by name unless another order is given.',
    filter: {
      description: 'Which events to include.',
      fields: {
        name: ops('string', { description: 'On the name.' }),
        paid: flag('paid', 'Paid (true) or unpaid absences.'),
        createdAt: ops('datetime', { description: 'On when it was created.' }),
      },
    },
    sorts: { NAME: sortBy('string', 'name', 'Alphabetically by name.'), CREATED_AT: sortBy('datetime', 'createdAt', 'By when it was created.') },
    defaultOrder: [{ field: 'NAME', direction: 'ASC' }],
  }),
}));

const CreateEventInput = builder.inputType('CreateEventInput', {
  description: 'A new event (kind of absence). `name` is required.',
  fields: (t) => ({
    name: t.string({ description: 'The name, not blank, at most 255 characters. Required: left out, null or blank is `BLANK`.' }),
    description: t.string({ description: 'What it is for, at most 10000 characters. Optional; blank or null stores none.' }),
    paid: t.boolean({ description: 'A paid absence. Default (also for null): true.' }),
    idempotencyKey: idempotencyKeyField(t),
  }),
});

builder.mutationFields((t) => ({
  createEvent: t.field({
    type: payloadType('CreateEventPayload', 'Event', 'The result of `createEvent`.'),
    description: 'Adds a kind of absence people can be booked on.',
    args: { input: t.arg({ type: CreateEventInput, required: true, description: 'The new event.' }) },
    resolve: async (_root, { input }, ctx, info) =>
      toPayload(await idempotent(ctx, info, input, (fields) => createEvent(ctx.db, ctx.viewer, fields as EventInput))),
  }),
  deleteEvent: deleteField(t, 'Event', {
    about: 'The event goes to the recycle bin with its bookings, and comes back with them when restored.',
    remove: (ctx, id) => deleteEvent(ctx.db, ctx.viewer, id),
  }),
}));

const UpdateEventInput = builder.inputType('UpdateEventInput', {
  description: 'Changes to an event (kind of absence); fields left out stay as they are.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The event to change.' }),
    name: t.string({ description: 'The new name, not blank, at most 255 characters; null or blank is `BLANK`.' }),
    description: t.string({ description: 'At most 10000 characters; blank or null clears it.' }),
    paid: t.boolean({ description: 'A paid absence (`true`) or not; null is `BLANK`.' }),
  }),
});

builder.mutationFields((t) => ({
  updateEvent: t.field({
    type: payloadType('UpdateEventPayload', 'Event', 'The result of `updateEvent`.'),
    description: "Changes an event's name, description or paid flag.",
    args: { input: t.arg({ type: UpdateEventInput, required: true, description: 'The event and what to change.' }) },
    resolve: async (_root, { input }, ctx) => {
      const { id, ...changes } = input;
      return toPayload(await updateEvent(ctx.db, ctx.viewer, inputDatabaseId(id, 'Event'), changes as EventInput));
    },
  }),
}));
