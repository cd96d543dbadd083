// The change subscription kit: the plumbing every subscription field shares (authentication per event,
// privacy, rate limits, slots: see src/schema/subscription.ts), and `changeSubscription`, which makes
// an object type's `<type>Changed(filter:)` field from a short spec.
import { contextCacheSymbol } from '@pothos/core';
import { GraphQLError } from 'graphql';
import { openEventStream, StreamEnd, type LiveEvent, type LiveStream } from '../../changes/pubsub.js';
import type { Sweep } from '../../changes/slots.js';
import { EVENT_TYPES, type EventType } from '../../changes/types.js';
import { BadInput } from '../../domain/kit/errors.js';
import { globalId } from '../../domain/kit/global-id.js';
import type PrismaTypes from '../../generated/pothos-types.js';
import { chargeSubscriptionEvent } from '../../limits/rate-limit.js';
import { builder } from '../builder.js';
import { ChangeEventRef, EventTypeRef, enumFromEventType } from '../change-event.js';
import type { Context } from '../context.js';
import { filterIds } from '../ids.js';
import { delegateName, delegateOf } from './delegate.js';
import { MAX_FILTER_LIST } from './list.js';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

// ---- Events as subscribers see them --------------------------------------------------------------

/** `Expense` and 12 from the global id `Expense:12` (the outbox writes well-formed ids). */
export function decodeSubject(globalId: string): { typename: string; id: number } | null {
  const match = /^([A-Za-z]\w*):(\d{1,10})$/.exec(Buffer.from(globalId, 'base64').toString('utf8'));
  return match ? { typename: match[1]!, id: Number(match[2]) } : null;
}

type Payload = Record<string, unknown> | null;
export const payloadOf = (event: LiveEvent): Payload =>
  event.payload && typeof event.payload === 'object' ? (event.payload as Record<string, unknown>) : null;

/** The database id of `{ id }` (a related node in a payload), when it is a node of `typename`. */
function relatedId(payload: Payload, key: string, typename: string): number | undefined {
  const related = payload?.[key] as { id?: unknown } | null | undefined;
  if (typeof related?.id !== 'string') return undefined;
  const decoded = decodeSubject(related.id);
  return decoded?.typename === typename ? decoded.id : undefined;
}

/**
 * A private payload (a private task, a private bin entry) reaches its own people only: whoever made
 * the change, and the people it names as creator, assignee or deleter. Everything else in an
 * organization is visible to every member.
 */
function mayShow(event: LiveEvent, viewer: Context['viewer']): boolean {
  const payload = payloadOf(event);
  if (payload?.private !== true) return true;
  if (event.actorId === viewer.person.id) return true;
  const me = globalId('Person', viewer.person.id);
  return ['creator', 'assignee', 'deleter'].some((key) => (payload[key] as { id?: unknown } | null | undefined)?.id === me);
}

/**
 * Checked before each event (through the token cache), and by the periodic sweep (`sweep`: from the
 * database, once per token and sweep): the token still valid, its person still in this organization.
 */
async function stillAllowed(ctx: Context, sweep?: Sweep): Promise<true | StreamEnd> {
  const reauthenticate = ctx.reauthenticate;
  if (!reauthenticate) return true;
  try {
    const viewer = await (!sweep
      ? reauthenticate()
      : ctx.credentials
        ? sweep.once(ctx.credentials, () => reauthenticate({ fresh: true }))
        : reauthenticate({ fresh: true }));
    if (viewer.organization.id === ctx.viewer.organization.id && viewer.person.id === ctx.viewer.person.id) return true;
    return new StreamEnd('You are no longer a member of this organization: the subscription ended.', 'FORBIDDEN');
  } catch (error) {
    if (error instanceof GraphQLError) {
      return new StreamEnd(`${error.message} The subscription ended.`, String(error.extensions?.code ?? 'UNAUTHENTICATED'));
    }
    throw error;
  }
}

/**
 * Every event is executed with the same request context: empty its caches first, so that nothing
 * loaded for an earlier event answers for this one (Pothos keeps its loaders under
 * `contextCacheSymbol`; our DataLoaders are emptied in place, since list fields keep the ones they
 * were handed).
 */
function freshReads(ctx: Context): void {
  ctx.loaders.forget();
  (ctx as unknown as Record<symbol, unknown>)[contextCacheSymbol] = {};
}

/** The event for the subscriber (a subscription field's `resolve`), or the error that ends the subscription. */
export function deliver(item: LiveEvent | StreamEnd, _args: unknown, ctx: Context): LiveEvent {
  if (item instanceof StreamEnd) throw new GraphQLError(item.message, { extensions: { code: item.code } });
  freshReads(ctx);
  return item;
}

interface Selection {
  /** The event types wanted (all of the field's when empty). */
  types: ReadonlySet<EventType>;
  /** Decided as events arrive, from the event itself. */
  filter?: (event: LiveEvent) => boolean;
  /** Decided right before an event is executed; may read the database. */
  check?: (event: LiveEvent, ctx: Context) => Promise<boolean>;
}

/**
 * A client's mistake in a subscription's arguments as the GraphQL error it is. Queries get this from
 * the server's masking plugin (src/http/errors.ts), which looks at executions only: a BadInput
 * reaching Yoga's own masking from `subscribe` would be answered the same, but logged as a failure.
 */
function asUserError<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof BadInput)) throw error;
    throw new GraphQLError(error.message, { extensions: { code: 'BAD_USER_INPUT', ...(error.argument && { argument: error.argument }) } });
  }
}

/** One of the caller's live subscription slots, as the function that gives it back; an error when none is left. */
function takeSlot(ctx: Context): (() => void) | undefined {
  const slots = ctx.subscriptionSlots;
  if (!slots) return undefined;
  const release = slots.take(`${ctx.viewer.organization.id}:${ctx.viewer.person.id}`);
  if (release) return release;
  throw new GraphQLError(
    `You already hold ${slots.perPerson} live subscriptions on this server, the most one person may: close one first.`,
    { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } },
  );
}

/**
 * A subscription's source stream: the organization's events of `selection`, those this viewer may
 * see, each paid for before it runs. While it lives it holds a slot and is re-checked periodically.
 */
export async function subscribe(ctx: Context, select: () => Selection) {
  const selection = asUserError(select);
  if (!ctx.events) throw new Error('No event bus in the request context (src/http/app.ts gives one)');
  const release = takeSlot(ctx);
  let stream: LiveStream | undefined;
  const unwatch = ctx.subscriptionSlots?.watch(async (sweep) => {
    const allowed = await stillAllowed(ctx, sweep);
    if (allowed !== true) stream?.end(allowed);
  });
  stream = await openEventStream(ctx.events, ctx.viewer.organization.id, {
    onEnd: () => {
      unwatch?.();
      release?.();
    },
    filter: (event) => selection.types.has(event.type) && (!selection.filter || selection.filter(event)),
    accept: async (event) => {
      const allowed = await stillAllowed(ctx);
      if (allowed !== true) return allowed;
      if (!mayShow(event, ctx.viewer)) return false;
      if (selection.check && !(await selection.check(event, ctx))) return false;
      // Only what is delivered is charged; the checks above read a row at most.
      const refused = await chargeSubscriptionEvent(ctx);
      return refused ? new StreamEnd(refused.message, refused.code) : true;
    },
  });
  return stream;
}

// ---- Arguments ----------------------------------------------------------------------------------

/** Event types of a family (`expense.*`), as the filter of its field accepts them. */
export const familyTypes = (test: (type: EventType) => boolean): ReadonlySet<EventType> => new Set(EVENT_TYPES.filter(test));

/** The `types` a client asked for, each one of `allowed`; all of them when none were given. */
export function typesOf(asked: readonly EventType[] | null | undefined, allowed: ReadonlySet<EventType>, path: string): ReadonlySet<EventType> {
  if (!asked?.length) return allowed;
  checkLength(asked, path);
  asked.forEach((type, i) => {
    if (!allowed.has(type)) {
      throw new BadInput(`\`${path}[${i}]\`: ${enumFromEventType(type)} is not one of this subscription's event types.`, `${path}[${i}]`);
    }
  });
  return new Set(asked);
}

export function checkLength(list: readonly unknown[] | null | undefined, path: string): void {
  if (list && list.length > MAX_FILTER_LIST) {
    throw new BadInput(`\`${path}\` may hold at most ${MAX_FILTER_LIST} values, got ${list.length}.`, path);
  }
}

/** Global ids of one type as a set of database ids; undefined when the filter does not name any. */
function idSet(globalIds: readonly (string | number)[] | null | undefined, typename: string, path: string): ReadonlySet<number> | undefined {
  if (globalIds == null) return undefined;
  checkLength(globalIds, path);
  return new Set(filterIds(globalIds.map(String), typename, path));
}

const subjectIn = (ids: ReadonlySet<number> | undefined) => (event: LiveEvent) =>
  ids === undefined || ids.has(decodeSubject(event.subjectId)?.id ?? 0);

/**
 * Whether the subject's `relation` is one of `ids`: from the payload's `{ id }` when it shows the
 * object, otherwise (a delete's or purge's payload is the bin entry) from the row, also when it is in
 * the bin. A purged row is gone: it matches no such filter.
 */
function relatedIn(
  ids: ReadonlySet<number> | undefined,
  relation: { key: string; typename: string; lookup: (ctx: Context, id: number) => Promise<number | null | undefined> },
): ((event: LiveEvent, ctx: Context) => Promise<boolean>) | undefined {
  if (ids === undefined) return undefined;
  return async (event, ctx) => {
    const payload = payloadOf(event);
    let related = relatedId(payload, relation.key, relation.typename);
    if (related === undefined && payload && !(relation.key in payload)) {
      const subject = decodeSubject(event.subjectId);
      related = subject ? ((await relation.lookup(ctx, subject.id)) ?? undefined) : undefined;
    }
    return related !== undefined && ids.has(related);
  };
}

type Check = (event: LiveEvent, ctx: Context) => Promise<boolean>;

/** All of `checks` (those given); undefined when none is. */
function allOf(checks: ReadonlyArray<Check | undefined>): Check | undefined {
  const given = checks.filter((check): check is Check => check !== undefined);
  if (given.length === 0) return undefined;
  if (given.length === 1) return given[0];
  return async (event, ctx) => {
    for (const check of given) if (!(await check(event, ctx))) return false;
    return true;
  };
}


// ---- One object type's changes --------------------------------------------------------------------

/** The `event` field of a change. */
export const eventField = (description: string) => ({ type: ChangeEventRef, description, resolve: (event: LiveEvent) => event });

/** The `types` field of a subscription's filter; `kinds` says which event types it takes. */
export const typesField = (t: PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'>, kinds: string) =>
  t.field({ type: [EventTypeRef], required: false, description: `Only these kinds of change (each one of ${kinds}); all of them when omitted.` });

/** A filter on an object the subject refers to (an expense's deal): `<name>: [ID!]` in the filter. */
export interface RelatedFilter {
  /** The related node type. */
  of: string;
  /** Where an event's payload shows it, as `{ id }` (`deal`). */
  key: string;
  /** The subject's foreign-key column, read when the payload does not show it (a delete's). */
  column: string;
  description: string;
}

/** An object type's change subscription: `<type>Changed(filter: <Type>ChangedFilter)` yielding `<Type>Change`. */
export interface ChangeSpec {
  /** The model; its events are `<type_in_snake_case>.*`. */
  type: keyof PrismaTypes & string;
  /** What descriptions call it (`invoice attribution`). */
  what: string;
  /** Of `<Type>Change`. */
  change: string;
  /** Of the subscription field. */
  field: string;
  /** Some of its event types, for `event` (`EXPENSE_CREATED, EXPENSE_APPROVED, ...`). */
  examples: string;
  /** Of the filter's `<type>Ids`. */
  ids: string;
  /** What the filter's `types` take, when more must be said than `<TYPE>_*`. */
  kinds?: string;
  /** The object field's description before "; null once ...": `The <what> as it is now` unless given. */
  now?: string;
  /** Filters on related objects, by filter field name, checked in this order. */
  related?: Record<string, RelatedFilter>;
}

type FindUnique = { findUnique(args: object): Promise<never> };
type FindFirst = { findFirst(args: object): Promise<Record<string, number | null> | null> };

/** The subscription field of a spec (its types are made now): `builder.subscriptionFields((t) => ({ [name]: field(t) }))`. */
export function changeSubscription(spec: ChangeSpec) {
  const model = delegateName(spec.type);
  const family = `${spec.type.replace(/(?<=[a-z])(?=[A-Z])/g, '_').toLowerCase()}.`;
  const types = familyTypes((type) => type.startsWith(family));
  const idsName = `${model}Ids`;
  const related = Object.entries(spec.related ?? {});
  const Change = builder.objectRef<LiveEvent>(`${spec.type}Change`).implement({
    description: spec.change,
    fields: (t) => ({
      event: t.field(eventField(`What happened (${spec.examples}), when, by whom.`)),
      [model]: t.prismaField({
        type: spec.type,
        nullable: true,
        description: `${spec.now ?? `The ${spec.what} as it is now`}; null once it is deleted (in the recycle bin) or purged.`,
        resolve: (query, event, _args, ctx) =>
          delegateOf<FindUnique>(ctx, spec.type).findUnique({ ...query, where: { id: decodeSubject(event.subjectId)?.id ?? 0 } }),
      }),
    }),
  });
  const Filter = builder.inputRef<Record<string, readonly string[] | null | undefined>>(`${spec.type}ChangedFilter`).implement({
    description: `Which ${spec.what} changes to hear; all of them when omitted. Conditions hold together.`,
    fields: (t) => ({
      [idsName]: t.idList({ description: spec.ids }),
      ...Object.fromEntries(related.map(([name, r]) => [name, t.idList({ description: r.description })])),
      types: typesField(t, spec.kinds ?? `${family.slice(0, -1).toUpperCase()}_*`),
    }),
  });
  const field = (t: PothosSchemaTypes.SubscriptionFieldBuilder<Types, object>) =>
    t.field({
      type: Change,
      description: spec.field,
      args: { filter: t.arg({ type: Filter, required: false, description: `Which ${spec.what} changes to hear; left out or null, every one.` }) },
      subscribe: (_root, { filter }, ctx) =>
        subscribe(ctx, () => ({
          types: typesOf(filter?.types as EventType[] | null | undefined, types, 'filter.types'),
          filter: subjectIn(idSet(filter?.[idsName], spec.type, `filter.${idsName}`)),
          check: allOf(
            related.map(([name, r]) =>
              relatedIn(idSet(filter?.[name], r.of, `filter.${name}`), {
                key: r.key,
                typename: r.of,
                // The bin's client: a deleted subject still names what it belonged to.
                lookup: async (c, id) => {
                  const bin = (c.bin as unknown as Record<string, FindFirst>)[model]!;
                  return (await bin.findFirst({ where: { id }, select: { [r.column]: true } }))?.[r.column];
                },
              }),
            ),
          ),
        })),
      resolve: deliver,
    });
  return { name: `${model}Changed`, field };
}
