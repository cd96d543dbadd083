// What the outbox records (src/changes/outbox.ts), as webhooks' deliveries and subscriptions show it.
import { globalId } from '../domain/kit/global-id.js';
import { JSONObjectResolver } from 'graphql-scalars';
import { BadInput } from '../domain/kit/errors.js';
import type { CursorContext } from '../domain/kit/keyset.js';
import type { PageArgs } from '../domain/kit/page.js';
import { COMMIT_ORDER, readEventLog, type LogFilter } from '../changes/log.js';
import { EVENT_TYPES, type EventType } from '../changes/types.js';
import { builder, plainNode } from './builder.js';
import { decodeId } from './ids.js';
import { MAX_FILTER_LIST } from './kit/list.js';
import { argumentsKey } from './kit/loaders.js';

/** `expense.approved` <-> EXPENSE_APPROVED. */
export const enumFromEventType = (type: EventType): string => type.replace('.', '_').toUpperCase();

/** What each kind of change says happened, for the descriptions of EventType's values. */
const HAPPENED: Record<string, string> = {
  created: 'was created',
  updated: 'was changed',
  deleted: 'went to the recycle bin',
  restored: 'came back from the recycle bin',
  purged: 'was purged from the recycle bin, for good',
  approved: 'was approved',
  unapproved: 'had its approval withdrawn',
  rejected: 'was rejected',
  archived: 'was archived',
  unarchived: 'was taken out of the archive',
  closed: 'was closed',
  reopened: 'was reopened',
  occurrence_generated: 'generated the budget of one of its periods',
  finished: 'finished: completed, failed or was cancelled (its `status` says which)',
};

/** "An expense was approved (`expense.approved`)." */
function eventTypeDescription(type: EventType): string {
  const [subject = '', what = ''] = type.split('.');
  const words = subject.replace(/_/g, ' ');
  const happened = HAPPENED[what] ?? `: ${what.replace(/_/g, ' ')}`;
  return `${/^[aeiou]/.test(words) ? 'An' : 'A'} ${words} ${happened} (\`${type}\`).`;
}

export const EventTypeRef = builder.enumType('EventType', {
  description:
    'A kind of change. Webhook bodies and signatures name it in lower case with a dot (`expense.approved` for EXPENSE_APPROVED): see docs/events.md.',
  values: Object.fromEntries(
    EVENT_TYPES.map((type) => [enumFromEventType(type), { value: type, description: eventTypeDescription(type) }]),
  ) as Record<string, { value: EventType; description: string }>,
});

builder.addScalarType('JSONObject', JSONObjectResolver, {});

/** An event as the outbox row holds it (or as a committed event carries it). */
export interface ChangeEventShape {
  id: bigint;
  type: string;
  actorId: number | null;
  subjectId: string;
  payload: unknown;
  createdAt: Date;
}

/** The columns of an event that the type shows (the log's raw rows carry the same ones). */
const SHOWN = { id: true, type: true, actorId: true, subjectId: true, payload: true, createdAt: true } as const;

export const ChangeEventRef = builder.objectRef<ChangeEventShape>('ChangeEvent');
// A node read through the scoped client (its organization only), but not a Prisma object type: the
// log's pages come from raw SQL in commit order (src/changes/log.ts), which Pothos' selections cannot drive.
plainNode('ChangeEvent');

builder.node(ChangeEventRef, {
  description:
    'A change recorded with the write that made it: what happened, to which object, by whom, and the object as the API showed it then. ' +
    '`node(id:)` finds one by its id, as `changeEvents` lists them: any event of the organization (private things record none).',
  id: {
    description: 'Unique among events; the `id` of a webhook body. Not in commit order: `changeEvents` and webhooks give events in the order they were committed.',
    resolve: (event) => event.id,
  },
  // In the request's organization, or null: the scoped client leaves other organizations' events out.
  loadMany: async (ids, ctx) => {
    const rows = await ctx.db.changeEvent.findMany({ where: { id: { in: ids.map((id) => BigInt(id)) } }, select: SHOWN });
    const byId = new Map(rows.map((row) => [String(row.id), row]));
    return ids.map((id) => byId.get(String(id)) ?? null);
  },
  fields: (t) => ({
    type: t.field({ type: EventTypeRef, description: 'What happened, e.g. EXPENSE_APPROVED (`expense.approved` in webhook bodies).', resolve: (event) => event.type as EventType }),
    occurredAt: t.field({ type: 'DateTime', description: 'When the change was recorded.', resolve: (event) => event.createdAt }),
    actor: t.prismaField({
      type: 'Person',
      nullable: true,
      description: 'Who made the change; null for the operator (CLI) or a person no longer in the organization.',
      // One statement for a page of events, whatever their number (the scoped client's lookups are not batched by Prisma).
      resolve: (query, event, _args, ctx) => {
        // Pothos checks that the selection was read: read it even for an operator's event (no actor).
        const selection = (query as { select?: Record<string, unknown> }).select ? { ...query, select: { ...(query as { select: object }).select, id: true } } : { ...query };
        if (event.actorId === null) return null;
        return ctx.loaders
          .get<number, unknown>(`changeEvent.actor:${argumentsKey(selection)}`, async (ids) => {
            const rows = (await ctx.db.person.findMany({ ...(selection as object), where: { id: { in: [...ids] } } })) as Array<{ id: number }>;
            const byId = new Map(rows.map((row) => [row.id, row]));
            return ids.map((id) => byId.get(id) ?? null);
          })
          .load(event.actorId) as never;
      },
    }),
    subjectId: t.id({ description: 'The global id of the changed object.', resolve: (event) => event.subjectId }),
    subject: t.node({
      description: 'The changed object as it is now; null when it is gone (deleted or purged) or not visible to you.',
      id: (event) => event.subjectId,
    }),
    payload: t.field({
      type: 'JSONObject',
      description:
        'The object as the API showed it right after the change: every field without arguments, related objects as `{ id }`. For a delete, the recycle bin entry; for a purge, the entry as it was.',
      resolve: (event) => event.payload as Record<string, unknown>,
    }),
  }),
});

// ---- The event log: what changed since a cursor ---------------------------------------------------
//
// Subscriptions are at most once; a client that was away catches up here: it remembers the last
// cursor it saw and asks for what came after. Pages are in commit order and end before any
// transaction still running (src/changes/log.ts), so nothing can appear behind a cursor later.
// Cursors carry (transaction id, event id); those of the id order used before are refused.

const ChangeEventFilter = builder.inputType('ChangeEventFilter', {
  description: 'Which events to list; all of them when omitted. Conditions hold together.',
  fields: (t) => ({
    types: t.field({ type: [EventTypeRef], required: false, description: 'Only these kinds of change.' }),
    subjectIds: t.idList({ required: false, description: 'Only changes of these objects (global ids of any type).' }),
  }),
});

const ChangeEventConnection = builder.connectionObject(
  {
    type: ChangeEventRef,
    name: 'ChangeEventConnection',
    description: 'One page of the event log, in commit order. Its last cursor is where to ask `after` next time.',
  },
  { name: 'ChangeEventEdge', description: 'One event of a page, with its cursor: its place in commit order.' },
);

interface ChangeEventFilterValue {
  types?: readonly EventType[] | null;
  subjectIds?: readonly (string | number)[] | null;
}

/** The filter for the log; bad ids and lists too long are a BadInput naming the argument. */
function logFilter(filter: ChangeEventFilterValue | null | undefined): LogFilter {
  if (!filter) return {};
  for (const [name, list] of [['types', filter.types], ['subjectIds', filter.subjectIds]] as const) {
    if (list && list.length > MAX_FILTER_LIST) throw new BadInput(`\`filter.${name}\` may hold at most ${MAX_FILTER_LIST} values, got ${list.length}.`, `filter.${name}`);
  }
  // Stored as the outbox encodes them, which is the only spelling decodeId accepts (an id re-encodes to itself).
  const subjects = filter.subjectIds?.map((id, i) => {
    const { typename, key } = decodeId(String(id), `filter.subjectIds[${i}]`);
    return globalId(typename, key);
  });
  return {
    ...(filter.types && { types: [...new Set(filter.types)] }),
    ...(subjects && { subjectIds: [...new Set(subjects)] }),
  };
}

builder.queryFields((t) => ({
  changeEvents: t.connection(
    {
      type: ChangeEventRef,
      description:
        'The organization\'s recorded changes, oldest first: to catch up after a subscription was away, ask for those `after` the last cursor seen (`last: n` for the newest). Private tasks record none.',
      args: { filter: t.arg({ type: ChangeEventFilter, required: false, description: 'Which events; left out or null, every one.' }) },
      resolve: async (_root, args, ctx) => {
        const context: CursorContext = { list: 'changeEvents', order: 'COMMIT:ASC', organizationId: ctx.viewer.organization.id, terms: COMMIT_ORDER };
        const filter = logFilter(args.filter as ChangeEventFilterValue | null | undefined);
        return (await readEventLog(ctx.db, filter, args as PageArgs, context)) as never;
      },
    },
    ChangeEventConnection,
  ),
}));
