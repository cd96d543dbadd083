// Booking rules: a person booked for some minutes a day, over a range of days, on a service (work)
// or on an event (an absence) -- exactly one of the two. Validation reports every problem of an
// input at once, in the input's order; nothing is written when there is any.
//
// Concurrency: a create locks the live service or event it books on before it writes
// (src/domain/kit/locks.ts), so a delete of that parent racing it either waits and takes the new
// booking with it, or has gone first and we find nothing to book on.
import type { ScopedClient } from '../db/scope.js';
import type { Booking } from '../generated/prisma/client.js';
import { lockLive, lockMove } from './kit/locks.js';
import { at, blank, fail, fieldAfter, given, inInputOrder, invalid, MESSAGES, notFound, ok, type Result, type UserError } from './kit/result.js';
import { transact } from './kit/transaction.js';
import { deleteItem, type Deleted } from './recycle-bin.js';
import { dayName, fullName, servicePath } from './bin-items.js';
import type { BinRules } from './kit/bin-rules.js';
import { checkOptionalText, MAX_LONG_TEXT, optionalText } from './kit/result.js';
import { checkPerson, MAX_MINUTES } from './time-entries.js';
import type { Viewer } from './viewer.js';
import { globalId } from './kit/global-id.js';
import { day, instant, ref, type Payload } from './kit/shown.js';
import { withEvent } from '../changes/outbox.js';

/** A create or update input. Ids are database ids; an id that cannot exist (-1) is simply not found. */
export interface BookingInput {
  personId?: number | null;
  serviceId?: number | null;
  eventId?: number | null;
  startedOn?: Date | null;
  endedOn?: Date | null;
  time?: number | null;
  note?: string | null;
}

const FIELDS = ['personId', 'serviceId', 'eventId', 'startedOn', 'endedOn', 'time', 'note'] as const;

/**
 * Checks the fields `input` gives (every required one when creating: `existing` null) and the rules
 * across fields on the booking as the write leaves it. createBooking and updateBooking share it.
 */
function check(input: BookingInput, existing: Booking | null): UserError[] {
  const creating = existing === null;
  const errors: UserError[] = [];
  if (creating) {
    if (input.serviceId == null && input.eventId == null) {
      errors.push({
        field: at('serviceId'),
        message: `${MESSAGES.blank} without an eventId: a booking is on a service (work) or on an event (an absence)`,
        code: 'BLANK',
      });
    } else if (input.serviceId != null && input.eventId != null) {
      errors.push(invalid('eventId', 'must be left out when serviceId is given: a booking is on a service or on an event, not both'));
    }
  } else {
    // A booking keeps its kind: work stays work (on a service), an absence stays an absence (on an
    // event). It may move to another service, or another event.
    const [own, other] = existing.serviceId !== null ? (['serviceId', 'eventId'] as const) : (['eventId', 'serviceId'] as const);
    if (given(input, own) && input[own] === null) errors.push(blank(own));
    if (input[other] != null) {
      errors.push(invalid(other, `cannot be set: a booking on ${own === 'serviceId' ? 'a service stays on a service' : 'an event stays on an event'} (book anew to change its kind)`));
    }
  }
  for (const key of ['startedOn', 'endedOn', 'time', 'personId'] as const) {
    const missing = creating ? key !== 'personId' && input[key] == null : given(input, key) && input[key] === null;
    if (missing) errors.push(blank(key));
  }
  const startedOn = fieldAfter(input, existing, 'startedOn');
  const endedOn = fieldAfter(input, existing, 'endedOn');
  if (startedOn != null && endedOn != null && endedOn.getTime() < startedOn.getTime()) {
    // On the field the input moved: the last day when it gives one (always, on a create).
    if (creating || given(input, 'endedOn')) errors.push(invalid('endedOn', 'must not be before startedOn'));
    else errors.push(invalid('startedOn', 'must not be after endedOn'));
  }
  if (input.time != null && (!Number.isInteger(input.time) || input.time < 1 || input.time > MAX_MINUTES)) {
    errors.push(invalid('time', `must be between 1 and ${MAX_MINUTES} (minutes per day)`));
  }
  checkOptionalText(errors, 'note', input.note, MAX_LONG_TEXT);
  return errors;
}

export async function createBooking(db: ScopedClient, viewer: Viewer, input: BookingInput): Promise<Result<Booking>> {
  const checked = check(input, null);
  // Both parents given is an error already: neither is looked up (nor locked).
  const both = input.serviceId != null && input.eventId != null;
  return transact(db, async (tx) => {
    const errors = [...checked];
    await checkPerson(tx, errors, input.personId);
    // The parent's lock (see the top of this file).
    if (!both && input.serviceId != null && !(await lockLive(tx, 'service', input.serviceId))) {
      errors.push(notFound(at('serviceId'), 'Service'));
    }
    if (!both && input.eventId != null && !(await lockLive(tx, 'event', input.eventId))) errors.push(notFound(at('eventId'), 'Event'));
    if (errors.length) return fail(...inInputOrder(errors, FIELDS));

    const booking = await tx.booking.create({
      data: {
        organizationId: viewer.organization.id, // the scope sets it too; stated for the type checker
        personId: input.personId ?? viewer.person.id,
        creatorId: viewer.person.id,
        serviceId: input.serviceId ?? null,
        eventId: input.eventId ?? null,
        startedOn: input.startedOn!,
        endedOn: input.endedOn!,
        time: input.time!,
        note: optionalText(input.note),
      },
    });
    return ok(await withEvent(tx, viewer, 'booking.created', 'Booking', booking, presentBooking));
  });
}

/**
 * Changes a booking, with the checks of createBooking: fields left out stay, `null` clears the note.
 * It keeps its kind (see `check`) and may move to another live service or event of the organization.
 *
 * Concurrency: a move first locks the parent it leaves and the one it joins (lockMove,
 * src/domain/kit/locks.ts), then the booking, whose lock gives its latest committed state.
 */
export async function updateBooking(db: ScopedClient, viewer: Viewer, id: number, input: BookingInput): Promise<Result<Booking>> {
  return transact(db, async (tx) => {
    // Which parent it has, read before any lock: its kind never changes.
    const current = await tx.booking.findUnique({ where: { id }, select: { serviceId: true, eventId: true } });
    const parent = current?.serviceId != null ? ({ model: 'service', key: 'serviceId', what: 'Service' } as const) : ({ model: 'event', key: 'eventId', what: 'Event' } as const);
    const target = input[parent.key] ?? null;
    let from: number | null = null;
    let joined = true;
    if (current && target !== null && current[parent.key] !== target) joined = await lockMove(tx, parent.model, (from = current[parent.key]!), target);
    // The booking's lock, and with it its latest committed state; a deleted or foreign one matches nothing.
    const [existing] = current ? await tx.booking.updateManyAndReturn({ where: { id }, data: { updatedAt: new Date() } }) : [];
    if (!existing) return fail(notFound(at('id'), 'Booking'));
    const leaves = existing[parent.key];
    if (target !== null && leaves !== null && leaves !== target && leaves !== from) {
      // Moved by a concurrent update between the read and the lock: locked now, out of order (a
      // deadlock that causes is rerun by transact()).
      joined = await lockMove(tx, parent.model, leaves, target);
    }
    const errors = check(input, existing);
    if (!joined) errors.push(notFound(at(parent.key), parent.what));
    await checkPerson(tx, errors, input.personId);
    if (errors.length) return fail(...inInputOrder(errors, FIELDS));

    const booking = await tx.booking.update({
      where: { id },
      data: {
        ...(input.personId != null && { personId: input.personId }),
        ...(target !== null && { [parent.key]: target }),
        ...(input.startedOn != null && { startedOn: input.startedOn }),
        ...(input.endedOn != null && { endedOn: input.endedOn }),
        ...(input.time != null && { time: input.time }),
        ...(given(input, 'note') && { note: optionalText(input.note) }),
      },
    });
    return ok(await withEvent(tx, viewer, 'booking.updated', 'Booking', booking, presentBooking));
  });
}

export function deleteBooking(db: ScopedClient, viewer: Viewer, id: number): Promise<Result<Deleted>> {
  return deleteItem(db, viewer, 'booking', id);
}

// ---- The event payload -------------------------------------------------------------------------

/**
 * A booking as the API shows it (src/schema/booking.ts), for its events. Its service and event are
 * plain references: deleting either takes its bookings along, so a live booking never points into the bin.
 */
export function presentBooking(b: Booking): Payload {
  return {
    id: globalId('Booking', b.id),
    databaseId: b.id,
    startedOn: day(b.startedOn),
    endedOn: day(b.endedOn),
    time: b.time,
    note: b.note,
    service: ref('Service', b.serviceId),
    event: ref('Event', b.eventId),
    person: ref('Person', b.personId),
    creator: ref('Person', b.creatorId),
    createdAt: instant(b.createdAt),
    updatedAt: instant(b.updatedAt),
  };
}

/**
 * What the recycle bin knows of a booking (src/domain/kit/bin-rules.ts): its service or event must be live for it to come back.
 */
export const bookingBin: BinRules = {
  itemTypes: ['booking'],
  what: 'Booking',
  describe: async (tx, id) => {
    const booking = await tx.booking.findUnique({
      where: { id },
      select: {
        serviceId: true, startedOn: true, endedOn: true,
        person: { select: { firstName: true, lastName: true } }, event: { select: { name: true } },
      },
    });
    if (!booking) return null;
    const location = booking.serviceId !== null ? await servicePath(tx, booking.serviceId) : `Event: ${booking.event?.name ?? ''}`;
    return { itemType: 'booking', name: `${fullName(booking.person)} - ${dayName(booking.startedOn)} - ${dayName(booking.endedOn)}`, location };
  },
  parents: [
    { model: 'service', key: 'serviceId', what: 'service' },
    { model: 'event', key: 'eventId', what: 'event' },
  ],
};
