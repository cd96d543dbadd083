// Booking rules: a person booked for some minutes a day, over a range of days, on a service (work)
// or on an event (an absence) -- exactly one of the two. Validation reports every problem of an
// input at once, in the input's order; nothing is written when there is any.
//
// Concurrency: a create locks the live service or event it books on before it writes
// (src/domain/kit/locks.ts), so a delete of that parent racing it either waits and takes the new
// booking with it, or has gone first and we find nothing to book on.
import type { ScopedClient } from '../db/scope.js';
import type { Booking } from '../generated/prisma/client.js';
import { lockLive } from './kit/locks.js';
import { at, blank, fail, inInputOrder, invalid, MESSAGES, notFound, ok, type Result, type UserError } from './kit/result.js';
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

/** Ids are database ids; an id that cannot exist (-1) is simply not found. */
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

function check(input: BookingInput): UserError[] {
  const errors: UserError[] = [];
  if (input.serviceId == null && input.eventId == null) {
    errors.push({
      field: at('serviceId'),
      message: `${MESSAGES.blank} without an eventId: a booking is on a service (work) or on an event (an absence)`,
      code: 'BLANK',
    });
  } else if (input.serviceId != null && input.eventId != null) {
    errors.push(invalid('eventId', 'must be left out when serviceId is given: a booking is on a service or on an event, not both'));
  }
  if (input.startedOn == null) errors.push(blank('startedOn'));
  if (input.endedOn == null) errors.push(blank('endedOn'));
  else if (input.startedOn != null && input.endedOn.getTime() < input.startedOn.getTime()) {
    errors.push(invalid('endedOn', 'must not be before startedOn'));
  }
  if (input.time == null) errors.push(blank('time'));
  else if (!Number.isInteger(input.time) || input.time < 1 || input.time > MAX_MINUTES) {
    errors.push(invalid('time', `must be between 1 and ${MAX_MINUTES} (minutes per day)`));
  }
  checkOptionalText(errors, 'note', input.note, MAX_LONG_TEXT);
  return errors;
}

export async function createBooking(db: ScopedClient, viewer: Viewer, input: BookingInput): Promise<Result<Booking>> {
  const checked = check(input);
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
