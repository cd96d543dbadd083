// Webhook endpoints: where an organization wants its events POSTed, which event types, and the
// secret deliveries are signed with. Deliveries themselves are src/webhooks (docs/events.md).
// Validation reports every problem of an input at once; nothing is written when there is any.
import type { ScopedClient } from '../db/scope.js';
import { EVENT_TYPES, isEventType, type EventType } from '../changes/types.js';
import type { Webhook } from '../generated/prisma/client.js';
import { generateSecret } from '../webhooks/signature.js';
import { checkWebhookUrl, MAX_URL_LENGTH, type AddressPolicy } from '../webhooks/url-guard.js';
import { at, blank, fail, given, inInputOrder, invalid, isBlank, notFound, ok, tooLong, type Result, type UserError } from './kit/result.js';
import { transact } from './kit/transaction.js';
import type { Viewer } from './viewer.js';

export interface WebhookInput {
  url?: string | null;
  /** Event type strings (`expense.approved`); repeated ones count once. */
  events?: readonly string[] | null;
  /** Absent on create: one is generated. */
  secret?: string | null;
  /** Update only: false disables the endpoint, true enables it again. */
  enabled?: boolean | null;
}

/** Endpoints per organization: each is a drain on the delivery workers, and a few cover any integration. */
export const MAX_WEBHOOKS = 20;
/** A signing secret's length: at least 16 characters (guessable below), at most 256. */
export const MIN_SECRET = 16;
export const MAX_SECRET = 256;

const FIELDS = ['id', 'url', 'events', 'secret', 'enabled'];
const WHAT = 'Webhook';

/** The event types of an input, each once, in the order given; or the problems with them. */
function eventTypes(events: readonly string[] | null | undefined, errors: UserError[]): EventType[] {
  if (!events?.length) {
    errors.push(blank('events'));
    return [];
  }
  // Bounded before anything else: a longer list can only be repeats (the enum has this many values).
  if (events.length > EVENT_TYPES.length) {
    errors.push(invalid('events', `may name at most ${EVENT_TYPES.length} event types (every one there is)`));
    return [];
  }
  const unknown = events.find((e) => !isEventType(e));
  if (unknown !== undefined) errors.push(invalid('events', `${JSON.stringify(unknown.slice(0, 100))} is not an event type`));
  return [...new Set(events.filter(isEventType))];
}

function checkSecret(secret: string, errors: UserError[]): void {
  if (secret.length < MIN_SECRET) errors.push(invalid('secret', `is too short (minimum is ${MIN_SECRET} characters)`));
  else if (secret.length > MAX_SECRET) errors.push(tooLong('secret', MAX_SECRET));
  else if (secret.includes('\u0000')) errors.push(invalid('secret', 'cannot contain the NUL character (\\u0000)'));
}

function checkUrl(url: string | null | undefined, policy: AddressPolicy, errors: UserError[]): void {
  if (isBlank(url)) return void errors.push(blank('url'));
  const problem = checkWebhookUrl(url!.trim(), policy);
  if (!problem) return;
  errors.push(url!.trim().length > MAX_URL_LENGTH ? tooLong('url', MAX_URL_LENGTH) : invalid('url', problem));
}

/** The columns an input sets, or its problems. `creating`: url and events are required, a secret is made when none is given. */
function check(input: WebhookInput, creating: boolean, policy: AddressPolicy): Result<{ url?: string; events?: EventType[]; secret?: string }> {
  const errors: UserError[] = [];
  const data: { url?: string; events?: EventType[]; secret?: string } = {};
  if (creating || given(input, 'url')) {
    checkUrl(input.url, policy, errors);
    data.url = input.url?.trim();
  }
  if (creating || given(input, 'events')) data.events = eventTypes(input.events, errors);
  if (input.secret != null) {
    checkSecret(input.secret, errors);
    data.secret = input.secret;
  } else if (given(input, 'secret') && !creating) {
    // null on update: "keep it" would be surprising next to "rotate it"; say what to do instead.
    errors.push(invalid('secret', 'cannot be removed: give a new secret to rotate it, or leave it out'));
  }
  if (creating) data.secret ??= generateSecret();
  return errors.length ? fail(...inInputOrder(errors, FIELDS)) : ok(data);
}

/** The limit as a user error: the whole input is refused, whatever its fields. */
const tooMany = (): UserError => ({
  field: ['input'],
  message: `An organization can have at most ${MAX_WEBHOOKS} webhooks: delete one first`,
  code: 'LIMIT_REACHED',
});

/** A new endpoint. The result holds its secret, which only this answer shows. */
export async function createWebhook(db: ScopedClient, viewer: Viewer, input: WebhookInput, policy: AddressPolicy): Promise<Result<Webhook>> {
  const checked = check(input, true, policy);
  if (!checked.ok) return checked;
  const organizationId = viewer.organization.id;
  return transact(db, async (tx) => {
    // The organization's row lock (an UPDATE that changes nothing): concurrent creates count one
    // after the other, so two of them cannot both take the 20th place.
    await tx.organization.update({ where: { id: organizationId }, data: { lastDealNumber: { increment: 0 } }, select: { id: true } });
    if ((await tx.webhook.count()) >= MAX_WEBHOOKS) return fail(tooMany());
    const { url, events, secret } = checked.value;
    return ok(await tx.webhook.create({ data: { organizationId, url: url!, events: events!, secret: secret!, creatorId: viewer.person.id } }));
  });
}

/**
 * Changes an endpoint. Enabling it again (after failures disabled it) clears the failure count:
 * its pending deliveries go out again, oldest first. A new URL applies to pending deliveries too.
 */
export async function updateWebhook(db: ScopedClient, id: number, input: WebhookInput, policy: AddressPolicy): Promise<Result<Webhook>> {
  const checked = check(input, false, policy);
  if (!checked.ok) return checked;
  return transact(db, async (tx) => {
    const existing = await tx.webhook.findUnique({ where: { id }, select: { disabledAt: true } });
    if (!existing) return fail(notFound(at('id'), WHAT));
    return ok(
      await tx.webhook.update({
        where: { id },
        data: {
          ...checked.value,
          ...(input.enabled === true && { disabledAt: null, disabledReason: null, consecutiveFailures: 0 }),
          // Disabling a disabled endpoint keeps the first moment and reason.
          ...(input.enabled === false && !existing.disabledAt && { disabledAt: new Date(), disabledReason: 'Disabled with updateWebhook.' }),
        },
      }),
    );
  });
}

/** Deletes an endpoint for good, with its deliveries (there is no recycle bin for configuration). */
export async function deleteWebhook(db: ScopedClient, id: number): Promise<Result<{ id: number }>> {
  const { count } = await db.webhook.deleteMany({ where: { id } });
  return count ? ok({ id }) : fail(notFound(at('id'), WHAT));
}
