// The Subscription type (issue 13): live changes of the caller's organization, fed by the event bus
// (src/changes/pubsub.ts) over Server-Sent Events, Yoga's default transport. Authentication is that of
// queries (the Bearer token header), and the organization is the context's, never an argument: the
// bus hands a subscription only its own organization's events.
//
// Each field yields a typed change (`ExpenseChange { event expense }`): the event as recorded, and
// the object as it is now, read for this subscriber with their scoped client (null when it is gone
// or hidden from them), so that a client can update what it shows without a query of its own.
// `changeEvents` yields the bare events of every kind.
//
// Per event, before it is executed: the token must still be valid and its person a member (a revoked
// token's subscription ends), private things (a private task, a private bin entry) reach only the
// people who may see them, and the token's bucket pays for the event (src/limits/rate-limit.ts: each
// delivered event costs what its selection read, reported in its `extensions.cost`; one the bucket
// cannot pay ends the subscription with THROTTLED). Between events, the instance re-checks the token
// of every live subscription every AUTH_CACHE_MS (src/changes/slots.ts), so that a revoked token's idle
// subscription ends too. The request's caches (Pothos' per-request loaders, our DataLoaders) are
// emptied before each event, so that every event reads the database afresh.
import { contextCacheSymbol } from '@pothos/core';
import { globalId } from '../domain/kit/global-id.js';
import { GraphQLError } from 'graphql';
import { BadInput } from '../domain/kit/errors.js';
import type { ItemType } from '../domain/recycle-bin.js';
import { openEventStream, StreamEnd, type LiveEvent, type LiveStream } from '../changes/pubsub.js';
import type { Sweep } from '../changes/slots.js';
import { chargeSubscriptionEvent } from '../limits/rate-limit.js';
import { EVENT_TYPES, type EventType } from '../changes/types.js';
import { builder } from './builder.js';
import { ChangeEventRef, EventTypeRef, enumFromEventType } from './change-event.js';
import type { Context } from './context.js';
import { filterIds } from './ids.js';
import { MAX_FILTER_LIST } from './kit/list.js';

builder.subscriptionType({
  description:
    'Live changes of your organization, over Server-Sent Events (`Accept: text/event-stream`), authenticated like queries. ' +
    'Events are delivered at most once, in the order they were committed; a subscription hears events committed after it started. ' +
    'A person may hold a limited number at once on one server (50 by default); one more is the error `TOO_MANY_SUBSCRIPTIONS`. ' +
    "Each event costs what its selection read, taken from the token's rate-limit bucket and reported in the event's `extensions.cost`; " +
    'an event the bucket cannot pay ends the subscription with `THROTTLED`. A revoked token ends it with `UNAUTHENTICATED`, also while no event comes.',
});

// ---- Events as subscribers see them --------------------------------------------------------------

/** `Expense` and 12 from the global id `Expense:12` (the outbox writes well-formed ids). */
function decodeSubject(globalId: string): { typename: string; id: number } | null {
  const match = /^([A-Za-z]\w*):(\d{1,10})$/.exec(Buffer.from(globalId, 'base64').toString('utf8'));
  return match ? { typename: match[1]!, id: Number(match[2]) } : null;
}

type Payload = Record<string, unknown> | null;
const payloadOf = (event: LiveEvent): Payload =>
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
 * `contextCacheSymbol`; our DataLoaders are emptied in
 * place, since list fields keep the ones they were handed).
 */
function freshReads(ctx: Context): void {
  ctx.loaders.forget();
  (ctx as unknown as Record<symbol, unknown>)[contextCacheSymbol] = {};
}

/** The value of one event for the subscriber, or the error that ends the subscription. */
function deliver<T>(item: LiveEvent | StreamEnd, ctx: Context, shape: (event: LiveEvent) => T): T {
  if (item instanceof StreamEnd) throw new GraphQLError(item.message, { extensions: { code: item.code } });
  freshReads(ctx);
  return shape(item);
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
async function subscribe(ctx: Context, select: () => Selection) {
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
const familyTypes = (test: (type: EventType) => boolean): ReadonlySet<EventType> => new Set(EVENT_TYPES.filter(test));

const BIN_MOVES = /\.(deleted|restored|purged)$/;

/** The `types` a client asked for, each one of `allowed`; all of them when none were given. */
function typesOf(asked: readonly EventType[] | null | undefined, allowed: ReadonlySet<EventType>, path: string): ReadonlySet<EventType> {
  if (!asked?.length) return allowed;
  checkLength(asked, path);
  asked.forEach((type, i) => {
    if (!allowed.has(type)) {
      throw new BadInput(`\`${path}[${i}]\`: ${enumFromEventType(type)} is not one of this subscription's event types.`, `${path}[${i}]`);
    }
  });
  return new Set(asked);
}

function checkLength(list: readonly unknown[] | null | undefined, path: string): void {
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

const allOf =
  (...checks: Array<((event: LiveEvent, ctx: Context) => Promise<boolean>) | undefined>) =>
  async (event: LiveEvent, ctx: Context) => {
    for (const check of checks) if (check && !(await check(event, ctx))) return false;
    return true;
  };

// ---- Changes per object type -------------------------------------------------------------------

const EXPENSE_TYPES = familyTypes((type) => type.startsWith('expense.'));
const DEAL_TYPES = familyTypes((type) => type.startsWith('deal.'));
const CONTRACT_TYPES = familyTypes((type) => type.startsWith('contract.'));
const INVOICE_TYPES = familyTypes((type) => type.startsWith('invoice.'));
const ATTRIBUTION_TYPES = familyTypes((type) => type.startsWith('invoice_attribution.'));
const BIN_TYPES = familyTypes((type) => BIN_MOVES.test(type));

const eventField = (description: string) => ({ type: ChangeEventRef, description, resolve: (event: LiveEvent) => event });
const subjectDbId = (event: LiveEvent) => decodeSubject(event.subjectId)?.id ?? 0;

const ExpenseChangeRef = builder.objectRef<LiveEvent>('ExpenseChange').implement({
  description: 'A change of an expense: the event, and the expense as it is now.',
  fields: (t) => ({
    event: t.field(eventField('What happened (EXPENSE_CREATED, EXPENSE_APPROVED, EXPENSE_DELETED, ...), when, by whom.')),
    expense: t.prismaField({
      type: 'Expense',
      nullable: true,
      description: 'The expense as it is now; null once it is deleted (in the recycle bin) or purged.',
      resolve: (query, event, _args, ctx) => ctx.db.expense.findUnique({ ...query, where: { id: subjectDbId(event) } }),
    }),
  }),
});

const DealChangeRef = builder.objectRef<LiveEvent>('DealChange').implement({
  description: 'A change of a deal or budget: the event, and the deal as it is now.',
  fields: (t) => ({
    event: t.field(eventField('What happened (DEAL_CREATED, DEAL_UPDATED, DEAL_DELETED, ...), when, by whom.')),
    deal: t.prismaField({
      type: 'Deal',
      nullable: true,
      description: 'The deal as it is now; null once it is deleted (in the recycle bin) or purged.',
      resolve: (query, event, _args, ctx) => ctx.db.deal.findUnique({ ...query, where: { id: subjectDbId(event) } }),
    }),
  }),
});

const ContractChangeRef = builder.objectRef<LiveEvent>('ContractChange').implement({
  description: 'A change of a contract (also: its budgets generated): the event, and the contract as it is now.',
  fields: (t) => ({
    event: t.field(eventField('What happened (CONTRACT_UPDATED, CONTRACT_OCCURRENCE_GENERATED, ...), when, by whom.')),
    contract: t.prismaField({
      type: 'Contract',
      nullable: true,
      description: 'The contract as it is now; null once it is deleted (in the recycle bin) or purged.',
      resolve: (query, event, _args, ctx) => ctx.db.contract.findUnique({ ...query, where: { id: subjectDbId(event) } }),
    }),
  }),
});

const InvoiceChangeRef = builder.objectRef<LiveEvent>('InvoiceChange').implement({
  description: 'A change of an invoice: the event, and the invoice as it is now.',
  fields: (t) => ({
    event: t.field(eventField('What happened (INVOICE_CREATED, INVOICE_ARCHIVED, ...), when, by whom.')),
    invoice: t.prismaField({
      type: 'Invoice',
      nullable: true,
      description: 'The invoice as it is now (archived ones too); null once it is deleted (in the recycle bin) or purged.',
      resolve: (query, event, _args, ctx) => ctx.db.invoice.findUnique({ ...query, where: { id: subjectDbId(event) } }),
    }),
  }),
});

const InvoiceAttributionChangeRef = builder.objectRef<LiveEvent>('InvoiceAttributionChange').implement({
  description: 'A change of an invoice attribution: the event, and the attribution as it is now.',
  fields: (t) => ({
    event: t.field(eventField('What happened (INVOICE_ATTRIBUTION_CREATED, ..._UPDATED, ..._DELETED, ...), when, by whom.')),
    invoiceAttribution: t.prismaField({
      type: 'InvoiceAttribution',
      nullable: true,
      description: 'The attribution as it is now; null once it is deleted (in the recycle bin) or purged.',
      resolve: (query, event, _args, ctx) => ctx.db.invoiceAttribution.findUnique({ ...query, where: { id: subjectDbId(event) } }),
    }),
  }),
});

/** The bin's item type of an event's subject (`budget` or `deal` for a Deal, by its payload). */
function itemTypeOf(event: LiveEvent): ItemType {
  const payload = payloadOf(event);
  // A delete's or purge's payload is the bin entry itself.
  if (typeof payload?.itemType === 'string') return payload.itemType.toLowerCase() as ItemType;
  const prefix = event.type.slice(0, event.type.indexOf('.'));
  if (prefix === 'deal') return payload?.budget === true ? 'budget' : 'deal';
  return prefix as ItemType;
}

/** The bin entry of an event: named by a delete's or purge's payload, else the item's latest entry. */
async function entryIdOf(event: LiveEvent, ctx: Context): Promise<number | null> {
  const payload = payloadOf(event);
  if (typeof payload?.itemType === 'string' && typeof payload.id === 'string') {
    const entry = decodeSubject(payload.id);
    if (entry?.typename === 'DeletedItem') return entry.id;
  }
  const subject = decodeSubject(event.subjectId);
  if (!subject) return null;
  const entry = await ctx.db.deletedItem.findFirst({
    where: { itemType: itemTypeOf(event), itemId: subject.id },
    orderBy: { id: 'desc' },
    select: { id: true },
  });
  return entry?.id ?? null;
}

const DeletedItemChangeRef = builder.objectRef<LiveEvent>('DeletedItemChange').implement({
  description: 'An object that went to the recycle bin, came back from it, or was purged from it.',
  fields: (t) => ({
    event: t.field(eventField('What happened (EXPENSE_DELETED, DEAL_RESTORED, TASK_PURGED, ...), when, by whom; `subject` is the object.')),
    itemType: t.field({
      type: 'DeletedItemType' as never,
      description: 'What kind of object it is.',
      resolve: (event) => itemTypeOf(event) as never,
    }),
    deletedItemId: t.id({
      nullable: true,
      description: 'The global id of its bin entry (also after a purge, which removes the entry).',
      resolve: async (event, _args, ctx) => {
        const id = await entryIdOf(event, ctx);
        return id === null ? null : globalId('DeletedItem', id);
      },
    }),
    deletedItem: t.prismaField({
      type: 'DeletedItem',
      nullable: true,
      description: 'Its bin entry as it is now (`recoveredAt` set after a restore); null once purged or when it is private to someone else.',
      resolve: async (query, event, _args, ctx) => {
        const id = await entryIdOf(event, ctx);
        if (id === null) return null;
        // Another person's private entry is hidden by the data layer.
        return ctx.db.deletedItem.findFirst({ ...query, where: { id } });
      },
    }),
  }),
});

// ---- Filters -------------------------------------------------------------------------------------

const typesOnly = (family: string) => `Only these kinds of change (each one of ${family}); all of them when omitted.`;

const ExpenseChangedFilter = builder.inputType('ExpenseChangedFilter', {
  description: 'Which expense changes to hear; all of them when omitted. Conditions hold together.',
  fields: (t) => ({
    expenseIds: t.idList({ description: 'Changes of these expenses.' }),
    dealIds: t.idList({ description: 'Changes of expenses of these deals or budgets.' }),
    types: t.field({ type: [EventTypeRef], required: false, description: typesOnly('EXPENSE_*') }),
  }),
});

const DealChangedFilter = builder.inputType('DealChangedFilter', {
  description: 'Which deal changes to hear; all of them when omitted. Conditions hold together.',
  fields: (t) => ({
    dealIds: t.idList({ description: 'Changes of these deals or budgets.' }),
    types: t.field({ type: [EventTypeRef], required: false, description: typesOnly('DEAL_*') }),
  }),
});

const ContractChangedFilter = builder.inputType('ContractChangedFilter', {
  description: 'Which contract changes to hear; all of them when omitted. Conditions hold together.',
  fields: (t) => ({
    contractIds: t.idList({ description: 'Changes of these contracts.' }),
    types: t.field({ type: [EventTypeRef], required: false, description: typesOnly('CONTRACT_*') }),
  }),
});

const InvoiceChangedFilter = builder.inputType('InvoiceChangedFilter', {
  description: 'Which invoice changes to hear; all of them when omitted. Conditions hold together.',
  fields: (t) => ({
    invoiceIds: t.idList({ description: 'Changes of these invoices.' }),
    types: t.field({ type: [EventTypeRef], required: false, description: typesOnly('INVOICE_*, not INVOICE_ATTRIBUTION_*') }),
  }),
});

const InvoiceAttributionChangedFilter = builder.inputType('InvoiceAttributionChangedFilter', {
  description: 'Which invoice attribution changes to hear; all of them when omitted. Conditions hold together.',
  fields: (t) => ({
    invoiceAttributionIds: t.idList({ description: 'Changes of these attributions.' }),
    invoiceIds: t.idList({ description: 'Changes of attributions of these invoices.' }),
    budgetIds: t.idList({ description: 'Changes of attributions to these budgets.' }),
    types: t.field({ type: [EventTypeRef], required: false, description: typesOnly('INVOICE_ATTRIBUTION_*') }),
  }),
});

const DeletedItemChangedFilter = builder.inputType('DeletedItemChangedFilter', {
  description: 'Which recycle bin moves to hear; all of them when omitted. Conditions hold together.',
  fields: (t) => ({
    itemTypes: t.field({ type: ['DeletedItemType' as never], required: false, description: 'Only objects of these kinds.' }),
    types: t.field({ type: [EventTypeRef], required: false, description: typesOnly('*_DELETED, *_RESTORED or *_PURGED') }),
  }),
});

// ---- Fields ----------------------------------------------------------------------------------------

builder.subscriptionFields((t) => ({
  changeEvents: t.field({
    type: ChangeEventRef,
    description: 'Every change of your organization (or those of `types`), as recorded: see `ChangeEvent.subject` for the object.',
    args: { types: t.arg({ type: [EventTypeRef], required: false, description: 'Only these kinds of change; all of them when omitted.' }) },
    subscribe: (_root, args, ctx) => subscribe(ctx, () => ({ types: typesOf(args.types, new Set(EVENT_TYPES), 'types') })),
    resolve: (item, _args, ctx) => deliver(item, ctx, (event) => event),
  }),

  expenseChanged: t.field({
    type: ExpenseChangeRef,
    description: 'Expenses created, updated, approved, unapproved, rejected, deleted, restored or purged.',
    args: { filter: t.arg({ type: ExpenseChangedFilter, required: false }) },
    subscribe: (_root, { filter }, ctx) =>
      subscribe(ctx, () => ({
        types: typesOf(filter?.types, EXPENSE_TYPES, 'filter.types'),
        filter: subjectIn(idSet(filter?.expenseIds, 'Expense', 'filter.expenseIds')),
        check: relatedIn(idSet(filter?.dealIds, 'Deal', 'filter.dealIds'), {
          key: 'deal',
          typename: 'Deal',
          lookup: async (c, id) => (await c.bin.expense.findFirst({ where: { id }, select: { dealId: true } }))?.dealId,
        }),
      })),
    resolve: (item, _args, ctx) => deliver(item, ctx, (event) => event),
  }),

  dealChanged: t.field({
    type: DealChangeRef,
    description: 'Deals and budgets created, updated, deleted, restored or purged.',
    args: { filter: t.arg({ type: DealChangedFilter, required: false }) },
    subscribe: (_root, { filter }, ctx) =>
      subscribe(ctx, () => ({
        types: typesOf(filter?.types, DEAL_TYPES, 'filter.types'),
        filter: subjectIn(idSet(filter?.dealIds, 'Deal', 'filter.dealIds')),
      })),
    resolve: (item, _args, ctx) => deliver(item, ctx, (event) => event),
  }),

  contractChanged: t.field({
    type: ContractChangeRef,
    description: 'Contracts created, updated, deleted, restored or purged, and budgets generated from them.',
    args: { filter: t.arg({ type: ContractChangedFilter, required: false }) },
    subscribe: (_root, { filter }, ctx) =>
      subscribe(ctx, () => ({
        types: typesOf(filter?.types, CONTRACT_TYPES, 'filter.types'),
        filter: subjectIn(idSet(filter?.contractIds, 'Contract', 'filter.contractIds')),
      })),
    resolve: (item, _args, ctx) => deliver(item, ctx, (event) => event),
  }),

  invoiceChanged: t.field({
    type: InvoiceChangeRef,
    description: 'Invoices created, updated, archived, unarchived, deleted, restored or purged.',
    args: { filter: t.arg({ type: InvoiceChangedFilter, required: false }) },
    subscribe: (_root, { filter }, ctx) =>
      subscribe(ctx, () => ({
        types: typesOf(filter?.types, INVOICE_TYPES, 'filter.types'),
        filter: subjectIn(idSet(filter?.invoiceIds, 'Invoice', 'filter.invoiceIds')),
      })),
    resolve: (item, _args, ctx) => deliver(item, ctx, (event) => event),
  }),

  invoiceAttributionChanged: t.field({
    type: InvoiceAttributionChangeRef,
    description: 'Invoice attributions created, updated, deleted, restored or purged.',
    args: { filter: t.arg({ type: InvoiceAttributionChangedFilter, required: false }) },
    subscribe: (_root, { filter }, ctx) =>
      subscribe(ctx, () => {
        const row = (c: Context, id: number) =>
          c.bin.invoiceAttribution.findFirst({ where: { id }, select: { invoiceId: true, dealId: true } });
        return {
          types: typesOf(filter?.types, ATTRIBUTION_TYPES, 'filter.types'),
          filter: subjectIn(idSet(filter?.invoiceAttributionIds, 'InvoiceAttribution', 'filter.invoiceAttributionIds')),
          check: allOf(
            relatedIn(idSet(filter?.invoiceIds, 'Invoice', 'filter.invoiceIds'), {
              key: 'invoice',
              typename: 'Invoice',
              lookup: async (c, id) => (await row(c, id))?.invoiceId,
            }),
            relatedIn(idSet(filter?.budgetIds, 'Deal', 'filter.budgetIds'), {
              key: 'budget',
              typename: 'Deal',
              lookup: async (c, id) => (await row(c, id))?.dealId,
            }),
          ),
        };
      }),
    resolve: (item, _args, ctx) => deliver(item, ctx, (event) => event),
  }),

  deletedItemChanged: t.field({
    type: DeletedItemChangeRef,
    description: 'Objects of any kind going to the recycle bin, coming back from it, or purged from it.',
    args: { filter: t.arg({ type: DeletedItemChangedFilter, required: false }) },
    subscribe: (_root, { filter }, ctx) =>
      subscribe(ctx, () => {
        const itemTypes = filter?.itemTypes as readonly ItemType[] | null | undefined;
        checkLength(itemTypes, 'filter.itemTypes');
        const wanted = itemTypes?.length ? new Set(itemTypes) : undefined;
        return {
          types: typesOf(filter?.types, BIN_TYPES, 'filter.types'),
          filter: (event: LiveEvent) => wanted === undefined || wanted.has(itemTypeOf(event)),
        };
      }),
    resolve: (item, _args, ctx) => deliver(item, ctx, (event) => event),
  }),
}));
