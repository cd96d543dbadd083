// Event rules: an event is a kind of absence people are booked on ("Vacation", "Sick leave").
// Validation reports every problem of an input at once; nothing is written when there is any.
import type { ScopedClient } from '../db/scope.js';
import type { Event } from '../generated/prisma/client.js';
import { at, blank, checkText, fail, given, notFound, ok, type Result, type UserError } from './kit/result.js';
import { transact } from './kit/transaction.js';
import { deleteItem, type Deleted } from './recycle-bin.js';
import { organizationName } from './bin-items.js';
import type { BinRules } from './kit/bin-rules.js';
import { checkOptionalText, MAX_LONG_TEXT, optionalText } from './kit/result.js';
import type { Viewer } from './viewer.js';
import { globalId } from './kit/global-id.js';
import { instant, type Payload } from './kit/shown.js';
import { withEvent } from '../changes/outbox.js';

export interface EventInput {
  name?: string | null;
  description?: string | null;
  paid?: boolean | null;
}

const MAX_NAME = 255;

export async function createEvent(db: ScopedClient, viewer: Viewer, input: EventInput): Promise<Result<Event>> {
  const errors: UserError[] = [];
  checkText(errors, 'name', input.name, MAX_NAME);
  checkOptionalText(errors, 'description', input.description, MAX_LONG_TEXT);
  if (errors.length) return fail(...errors);
  return transact(db, async (tx) => {
    const event = await tx.event.create({
      data: {
        organizationId: viewer.organization.id, // the scope sets it too; stated for the type checker
        name: input.name!.trim(),
        description: optionalText(input.description),
        paid: input.paid ?? true,
      },
    });
    return ok(await withEvent(tx, viewer, 'event.created', 'Event', event, presentEvent));
  });
}

/** Changes an event's name, description or paid flag; fields left out stay as they are. */
export async function updateEvent(db: ScopedClient, viewer: Viewer, id: number, input: EventInput): Promise<Result<Event>> {
  const errors: UserError[] = [];
  if (given(input, 'name')) checkText(errors, 'name', input.name, MAX_NAME);
  checkOptionalText(errors, 'description', input.description, MAX_LONG_TEXT);
  if (input.paid === null) errors.push(blank('paid'));
  if (errors.length) return fail(...errors);
  return transact(db, async (tx) => {
    const [event] = await tx.event.updateManyAndReturn({
      where: { id },
      data: {
        ...(given(input, 'name') && { name: input.name!.trim() }),
        ...(given(input, 'description') && { description: optionalText(input.description) }),
        ...(input.paid != null && { paid: input.paid }),
      },
    });
    if (!event) return fail(notFound(at('id'), 'Event'));
    return ok(await withEvent(tx, viewer, 'event.updated', 'Event', event, presentEvent));
  });
}

/** To the recycle bin, with its bookings (`children` of its `BinRules`). */
export function deleteEvent(db: ScopedClient, viewer: Viewer, id: number): Promise<Result<Deleted>> {
  return deleteItem(db, viewer, 'event', id);
}

// ---- The event payload -------------------------------------------------------------------------

/** An event (absence) as the API shows it (src/schema/event.ts), for its change events. */
export function presentEvent(e: Event): Payload {
  return {
    id: globalId('Event', e.id),
    databaseId: e.id,
    name: e.name,
    description: e.description,
    paid: e.paid,
    createdAt: instant(e.createdAt),
    updatedAt: instant(e.updatedAt),
  };
}

/**
 * What the recycle bin knows of an event (src/domain/kit/bin-rules.ts): its bookings go with it.
 */
export const eventBin: BinRules = {
  itemTypes: ['event'],
  what: 'Event',
  describe: async (tx, id) => {
    const event = await tx.event.findUnique({ where: { id }, select: { name: true } });
    return event && { itemType: 'event', name: event.name, location: await organizationName(tx) };
  },
  children: [{ model: 'booking', key: 'eventId' }],
};
