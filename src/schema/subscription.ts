// The Subscription type (issue 13): live changes of the caller's organization, fed by the event bus
// (src/changes/pubsub.ts) over Server-Sent Events, Yoga's default transport, or WebSocket
// (src/http/websocket.ts, the same pipeline per operation). Authentication is that of
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
//
// That machinery is the change subscription kit (src/schema/kit/change-subscription.ts); this file says
// which object types have a `<type>Changed` field (one spec each), and the recycle bin's own.
import { globalId } from '../domain/kit/global-id.js';
import type { ItemType } from '../domain/recycle-bin.js';
import type { LiveEvent } from '../changes/pubsub.js';
import { EVENT_TYPES } from '../changes/types.js';
import { builder } from './builder.js';
import { ChangeEventRef, EventTypeRef } from './change-event.js';
import type { Context } from './context.js';
import {
  changeSubscription,
  checkLength,
  decodeSubject,
  deliver,
  eventField,
  familyTypes,
  payloadOf,
  subscribe,
  typesField,
  typesOf,
  type ChangeSpec,
} from './kit/change-subscription.js';

builder.subscriptionType({
  description:
    'Live changes of your organization, over Server-Sent Events (`Accept: text/event-stream`) or WebSocket (graphql-ws, `graphql-transport-ws`), authenticated like queries. ' +
    'Events are delivered at most once, in the order they were committed; a subscription hears events committed after it started. ' +
    'A person may hold a limited number at once on one server (50 by default); one more is the error `TOO_MANY_SUBSCRIPTIONS`. ' +
    "Each event costs what its selection read, taken from the token's rate-limit bucket and reported in the event's `extensions.cost`; " +
    'an event the bucket cannot pay ends the subscription with `THROTTLED`. A revoked token ends it with `UNAUTHENTICATED`, also while no event comes.',
});

// ---- Changes per object type -------------------------------------------------------------------

/** Each line one object type's `<type>Changed` (src/schema/kit/change-subscription.ts). */
const CHANGES: ChangeSpec[] = [
  {
    type: 'Expense',
    what: 'expense',
    change: 'A change of an expense: the event, and the expense as it is now.',
    field: 'Expenses created, updated, approved, unapproved, rejected, deleted, restored or purged.',
    examples: 'EXPENSE_CREATED, EXPENSE_APPROVED, EXPENSE_DELETED, ...',
    ids: 'Changes of these expenses.',
    related: { dealIds: { of: 'Deal', key: 'deal', column: 'dealId', description: 'Changes of expenses of these deals or budgets.' } },
  },
  {
    type: 'Deal',
    what: 'deal',
    change: 'A change of a deal or budget: the event, and the deal as it is now.',
    field: 'Deals and budgets created, updated, deleted, restored or purged.',
    examples: 'DEAL_CREATED, DEAL_UPDATED, DEAL_DELETED, ...',
    ids: 'Changes of these deals or budgets.',
  },
  {
    type: 'Contract',
    what: 'contract',
    change: 'A change of a contract (also: its budgets generated): the event, and the contract as it is now.',
    field: 'Contracts created, updated, deleted, restored or purged, and budgets generated from them.',
    examples: 'CONTRACT_UPDATED, CONTRACT_OCCURRENCE_GENERATED, ...',
    ids: 'Changes of these contracts.',
  },
  {
    type: 'Invoice',
    what: 'invoice',
    change: 'A change of an invoice: the event, and the invoice as it is now.',
    field: 'Invoices created, updated, archived, unarchived, deleted, restored or purged.',
    examples: 'INVOICE_CREATED, INVOICE_ARCHIVED, ...',
    ids: 'Changes of these invoices.',
    kinds: 'INVOICE_*, not INVOICE_ATTRIBUTION_*',
    now: 'The invoice as it is now (archived ones too)',
  },
  {
    type: 'InvoiceAttribution',
    what: 'invoice attribution',
    change: 'A change of an invoice attribution: the event, and the attribution as it is now.',
    field: 'Invoice attributions created, updated, deleted, restored or purged.',
    examples: 'INVOICE_ATTRIBUTION_CREATED, ..._UPDATED, ..._DELETED, ...',
    ids: 'Changes of these attributions.',
    now: 'The attribution as it is now',
    related: {
      invoiceIds: { of: 'Invoice', key: 'invoice', column: 'invoiceId', description: 'Changes of attributions of these invoices.' },
      budgetIds: { of: 'Deal', key: 'budget', column: 'dealId', description: 'Changes of attributions to these budgets.' },
    },
  },
];

const changeFields = CHANGES.map(changeSubscription);

// ---- The recycle bin's moves, of every object type ---------------------------------------------

const BIN_TYPES = familyTypes((type) => /\.(deleted|restored|purged)$/.test(type));

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

const DeletedItemChangedFilter = builder.inputType('DeletedItemChangedFilter', {
  description: 'Which recycle bin moves to hear; all of them when omitted. Conditions hold together.',
  fields: (t) => ({
    itemTypes: t.field({ type: ['DeletedItemType' as never], required: false, description: 'Only objects of these kinds.' }),
    types: typesField(t, '*_DELETED, *_RESTORED or *_PURGED'),
  }),
});

// ---- Fields ----------------------------------------------------------------------------------------

builder.subscriptionFields((t) => ({
  changeEvents: t.field({
    type: ChangeEventRef,
    description: 'Every change of your organization (or those of `types`), as recorded: see `ChangeEvent.subject` for the object.',
    args: { types: t.arg({ type: [EventTypeRef], required: false, description: 'Only these kinds of change; all of them when omitted.' }) },
    subscribe: (_root, args, ctx) => subscribe(ctx, () => ({ types: typesOf(args.types, new Set(EVENT_TYPES), 'types') })),
    resolve: deliver,
  }),

  ...Object.fromEntries(changeFields.map(({ name, field }) => [name, field(t)])),

  deletedItemChanged: t.field({
    type: DeletedItemChangeRef,
    description: 'Objects of any kind going to the recycle bin, coming back from it, or purged from it.',
    args: { filter: t.arg({ type: DeletedItemChangedFilter, required: false, description: 'Which bin changes to hear; left out or null, every one.' }) },
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
    resolve: deliver,
  }),
}));
