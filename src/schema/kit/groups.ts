// `groupedAggregates` of a list's connection: the list's filtered rows grouped by the keys a
// client picks (date buckets, related objects, enum-like values), each group with its count and
// the list's money totals, filtered by conditions on them (`having`), ordered and paged as a Relay
// connection. One statement per request (src/domain/kit/groups.ts); a related object shown as a
// key is loaded with every other group's of the page in one more, per type.
import type { GraphQLResolveInfo } from 'graphql';
import { BadInput } from '../../domain/kit/errors.js';
import type { Where } from '../../domain/kit/conditions.js';
import {
  decodeGroupCursor,
  encodeGroupCursor,
  readGroups,
  type DateBucket,
  type GroupKeySpec,
  type GroupSource,
  type KeyValue,
  type NumberOperators,
  type RowReader,
} from '../../domain/kit/groups.js';
import { checkPageArgs, DEFAULT_PAGE_SIZE, type PageArgs } from '../../domain/kit/page.js';
import type { MoneyTotalSpec, MoneyTotals } from '../../domain/kit/totals.js';
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import { BigIntOperators, IntOperators, SortDirection } from '../filters.js';
import { delegateOf } from './delegate.js';
import { argumentsKey } from './loaders.js';
import { fieldsIn, wantedTotals } from './selection.js';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** One way to group a list, named by its `<Type>GroupField` value. */
export interface GroupKeyField {
  spec: GroupKeySpec;
  /** The field of `<Type>GroupKeys` that shows the key. */
  field: string;
  /** `Date`, `String` or an enum type; for a relation, the Prisma model shown. */
  type: unknown;
  model?: string;
  description: string;
}

export interface GroupSpec {
  source: GroupSource;
  keys: Record<string, GroupKeyField>;
}

/** Group by a date field (`timestamp`: an instant, bucketed in the organization's time zone). */
export const byDate = (field: string, description: string, options: { timestamp?: boolean } = {}): GroupKeyField => ({
  spec: { kind: 'date', field, timestamp: options.timestamp },
  field,
  type: 'Date',
  description,
});

/** Group by a to-one relation: `sql` is its id over the list's row `r` (`r."dealId"`) or a join the source names. */
export const byRelation = (field: string, model: string, sql: string, description: string, join?: string): GroupKeyField => ({
  spec: { kind: 'id', sql, join },
  field,
  type: model,
  model,
  description,
});

/** Group by a value named by text: an enum (`sql` yields its value names) or a code. */
export const byValue = (field: string, type: unknown, sql: string, description: string, join?: string): GroupKeyField => ({
  spec: { kind: 'text', sql, join },
  field,
  type,
  description,
});

/** The most keys one grouping takes: each multiplies the groups a page can hold. */
export const MAX_GROUP_KEYS = 4;

const DateBucketEnum = builder.enumType('DateBucket', {
  description:
    "A period a date is grouped by; each group's key is the period's first day. Weeks start on Monday (ISO 8601). " +
    "Instants (such as `createdAt`) fall on the day they are in the organization's `timeZone`, UTC when it has none.",
  values: {
    DAY: { description: 'The day itself.' },
    WEEK: { description: 'The week, keyed by its Monday.' },
    MONTH: { description: 'The calendar month, keyed by its first day.' },
    QUARTER: { description: 'The quarter (January, April, July, October), keyed by its first day.' },
    YEAR: { description: 'The calendar year, keyed by 1 January.' },
  } as const,
});

/** What the list's resolver hands its connection for grouping: the list's rows, as a condition. */
export interface GroupedRows {
  where: Where;
}

interface GroupNode {
  keys: Record<string, KeyValue>;
  count: number;
  aggregates: () => Promise<Record<string, MoneyTotals>>;
}

type GroupArgs = PageArgs & {
  groupBy: Array<{ field: string; bucket?: DateBucket | null }>;
  having?: Record<string, NumberOperators | null> | null;
  orderBy?: Array<{ field: string; direction?: 'ASC' | 'DESC' | null }> | null;
};

/** How a total is compared: a sum of minutes, or money in the default currency. */
const totalWords = (total: MoneyTotalSpec) =>
  total.unit === 'minutes' ? ', in minutes' : total.original ? " (its `default` form), in minor units of the organization's default currency" : " in minor units of the organization's default currency";

/** `TOTAL_AMOUNT` for `totalAmount`. */
const enumName = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

/**
 * The `groupedAggregates` field of a list connection `c` whose spec has groups and totals.
 * `Aggregates` is the list's `<Type>Aggregates` type, shown for each group.
 */
export function groupedAggregatesField(
  c: PothosSchemaTypes.ObjectFieldBuilder<Types, { groupedRows?: GroupedRows }>,
  type: string,
  groups: GroupSpec,
  totals: Record<string, MoneyTotalSpec>,
  Aggregates: unknown,
) {
  const keyNames = Object.keys(groups.keys);
  const Field = builder.enumType(`${type}GroupField`, {
    description: `What \`${type}\` lists can be grouped by.`,
    values: Object.fromEntries(keyNames.map((n) => [n, { description: groups.keys[n]!.description }])),
  });
  const GroupBy = builder.inputType(`${type}GroupBy`, {
    description: 'One key to group by. A date key needs `bucket`; other keys refuse one.',
    fields: (f) => ({
      field: f.field({ type: Field, required: true, description: 'What to group by.' }),
      bucket: f.field({ type: DateBucketEnum, description: 'For a date key: the period its groups span.' }),
    }),
  });
  const totalNames = Object.keys(totals);
  const Having = builder.inputType(`${type}GroupHaving`, {
    description:
      'Conditions on the groups (all must hold): on their count, and on totals in the organization\'s default currency ' +
      '(the `default` form, the one comparable across currencies), in minor units, or in minutes for times.',
    fields: (f) => ({
      count: f.field({ type: IntOperators, description: 'On the number of rows in the group.' }),
      ...Object.fromEntries(totalNames.map((n) => [n, f.field({ type: BigIntOperators, description: `On \`${n}\`${totalWords(totals[n]!)}.` })])),
    }),
  });
  const OrderField = builder.enumType(`${type}GroupOrderField`, {
    description: 'What groups can be sorted by. Ties are broken by the keys, in the order grouped by.',
    values: {
      KEYS: { description: 'The keys, in the order grouped by (dates by day, related objects by id, values by name); empty keys last.' },
      COUNT: { description: 'The number of rows in the group.' },
      ...Object.fromEntries(totalNames.map((n) => [enumName(n), { description: `\`${n}\`${totalWords(totals[n]!)}.` }])),
    },
  });
  const Order = builder.inputType(`${type}GroupOrder`, {
    description: 'One sort key of groups.',
    fields: (f) => ({
      field: f.field({ type: OrderField, required: true, description: 'The key to sort by; required.' }),
      direction: f.field({ type: SortDirection, defaultValue: 'ASC', description: 'Ascending when left out or null.' }),
    }),
  });
  const Keys = builder.objectRef<Record<string, KeyValue>>(`${type}GroupKeys`).implement({
    description: 'The keys of one group: the fields grouped by are set (null for the group of rows without a value); the others are null.',
    fields: (k) =>
      Object.fromEntries(
        keyNames.map((name) => {
          const key = groups.keys[name]!;
          if (key.model) return [key.field, relationKey(k, key)];
          return [key.field, k.field({ type: key.type as 'String', nullable: true, description: key.description, resolve: (keys) => keys[key.field] as never })];
        }),
      ),
  });
  const Group = builder.objectRef<GroupNode>(`${type}Group`).implement({
    description: `One group of \`${type}\` objects: its keys, how many there are, and their totals.`,
    fields: (g) => ({
      keys: g.field({ type: Keys, description: 'What the group has in common.', resolve: (group) => group.keys }),
      count: g.int({ description: 'How many rows the group holds.', resolve: (group) => group.count }),
      aggregates: g.field({
        type: Aggregates as never,
        description: "The group's totals, with the list's currency rules (a form is null when the group mixes currencies in it).",
        resolve: (group) => group as never,
      }),
    }),
  });

  return (c as unknown as { connection: (...options: object[]) => unknown }).connection(
    {
      type: Group,
      description:
        "The list's filtered rows in groups, with each group's count and totals; one statement. Only on top-level lists " +
        `(a list under another object, such as a deal's expenses, is grouped by filtering the top-level list). At most ${MAX_GROUP_KEYS} keys.`,
      args: {
        groupBy: c.arg({ type: [GroupBy], required: true, description: `The keys, most significant first: 1 to ${MAX_GROUP_KEYS}, each field once.` }),
        having: c.arg({ type: Having, description: 'Only the groups that meet these conditions.' }),
        orderBy: c.arg({ type: [Order], description: 'Sort keys of groups, most significant first. Left out, null or empty: by the keys.' }),
      },
      resolve: (parent: { groupedRows?: GroupedRows }, args: GroupArgs, ctx: Context, info: GraphQLResolveInfo) =>
        resolveGroups(parent.groupedRows, args, ctx, info, { type, groups, totals }),
    },
    {
      name: `${type}GroupConnection`,
      description: `One page of groups of \`${type}\` objects. Read on with \`first\`/\`after\` or \`last\`/\`before\`.`,
      fields: (t: PothosSchemaTypes.ObjectFieldBuilder<Types, { totalCount: number }>) => ({
        totalCount: t.int({ description: 'How many groups there are (after `having`), across all pages.', resolve: (p) => p.totalCount }),
      }),
    },
    { name: `${type}GroupEdge`, description: 'One group of a page, with its cursor.' },
  ) as ReturnType<typeof c.field>;
}

/** A key that is a related object, loaded with the page's other groups' in one statement. */
function relationKey(k: PothosSchemaTypes.ObjectFieldBuilder<Types, Record<string, KeyValue>>, key: GroupKeyField) {
  const model = key.model!;
  return (k as unknown as { prismaField: (options: object) => unknown }).prismaField({
    type: model,
    nullable: true,
    description: `${key.description} Null for the group without one, or when it is not visible (in the recycle bin).`,
    resolve: async (query: Record<string, unknown>, keys: Record<string, KeyValue>, _args: object, ctx: Context) => {
      // The query is read first: Pothos checks that a resolver used it, also when it answers null.
      const shape = query.select ? { ...query, select: { ...(query.select as object), id: true } } : query;
      const id = keys[key.field];
      if (id == null) return null;
      const loader = ctx.loaders.get<number, unknown>(`group-key:${model}:${argumentsKey(shape)}`, async (ids) => {
        const rows = await delegateOf<{ findMany(a: object): Promise<Array<{ id: number }>> }>(ctx, model).findMany({
          ...shape,
          where: { id: { in: [...ids] } },
        });
        const byId = new Map(rows.map((row) => [row.id, row]));
        return ids.map((i) => byId.get(i) ?? null);
      });
      return loader.load(id as number);
    },
  }) as never;
}

async function resolveGroups(
  rows: GroupedRows | undefined,
  args: GroupArgs,
  ctx: Context,
  info: GraphQLResolveInfo,
  list: { type: string; groups: GroupSpec; totals: Record<string, MoneyTotalSpec> },
) {
  if (!rows) {
    throw new BadInput('`groupedAggregates` is offered on top-level lists only: group the top-level list with a filter instead.', 'groupedAggregates');
  }
  const { groupBy } = args;
  if (groupBy.length < 1 || groupBy.length > MAX_GROUP_KEYS) {
    throw new BadInput(`\`groupBy\` takes 1 to ${MAX_GROUP_KEYS} keys, got ${groupBy.length}.`, 'groupBy');
  }
  const keys = groupBy.map(({ field, bucket }, i) => {
    const key = list.groups.keys[field]!;
    if (groupBy.findIndex((g) => g.field === field) !== i) throw new BadInput(`\`groupBy[${i}]\`: ${field} is already a key.`, `groupBy[${i}].field`);
    if (key.spec.kind === 'date' && !bucket) throw new BadInput(`\`groupBy[${i}]\`: ${field} is a date; say which \`bucket\` to group it by.`, `groupBy[${i}].bucket`);
    if (key.spec.kind !== 'date' && bucket) throw new BadInput(`\`groupBy[${i}]\`: ${field} is not a date; leave \`bucket\` out.`, `groupBy[${i}].bucket`);
    return { name: field, field: key.field, spec: key.spec, bucket: bucket ?? undefined };
  });
  checkPageArgs(args);
  const totalNames = Object.keys(list.totals);
  const byEnum = new Map(totalNames.map((n) => [enumName(n), n]));
  const requested = args.orderBy?.length ? args.orderBy : [{ field: 'KEYS', direction: 'ASC' as const }];
  const order = requested.map(({ field, direction }) => ({
    by: field === 'KEYS' ? 'keys' : field === 'COUNT' ? 'count' : byEnum.get(field)!,
    desc: direction === 'DESC',
  }));
  const having = args.having ?? {};
  // A cursor holds its group's place in one grouping of one list's rows for one organization.
  const grouping = argumentsKey({ list: list.type, where: rows.where, groupBy, having, order });
  const organizationId = ctx.viewer.organization.id;
  const after = args.after != null ? decodeGroupCursor(args.after, grouping, organizationId, 'after') : undefined;
  const before = args.before != null ? decodeGroupCursor(args.before, grouping, organizationId, 'before') : undefined;

  // Which page: read forward from an offset, or (`last` without `before`) backward from the end.
  const start = after === undefined ? 0 : after + 1;
  let offset = start;
  let limit: number;
  let fromEnd = false;
  if (args.last != null) {
    if (before !== undefined) {
      offset = Math.max(start, before - args.last);
      limit = Math.max(0, before - offset);
    } else {
      fromEnd = true;
      offset = 0;
      limit = args.last;
    }
  } else {
    limit = args.first ?? DEFAULT_PAGE_SIZE;
    if (before !== undefined) limit = Math.max(0, Math.min(limit, before - start));
  }

  const selected = fieldsIn(info, info.fieldNodes.map((n) => n.selectionSet));
  const nodeSets = [...(selected.get('nodes') ?? []), ...(fieldsIn(info, selected.get('edges') ?? []).get('node') ?? [])];
  const wanted = wantedTotals(info, fieldsIn(info, nodeSets).get('aggregates') ?? [], list.totals);

  const read = await readGroups(delegateOf<RowReader>(ctx, list.type), list.groups.source, rows.where, {
    organizationId,
    keys,
    totals: list.totals,
    wanted,
    having,
    order,
    offset,
    limit,
    fromEnd,
    defaultCurrency: ctx.viewer.organization.defaultCurrency,
  });
  // Each group's place in the whole order, from 0; from the end, counted back from the total.
  let first = fromEnd ? Math.max(0, read.total - read.groups.length) : offset;
  let page = read.groups;
  if (fromEnd && after !== undefined) {
    // `last` with `after`: only the groups after the cursor.
    const drop = Math.max(0, start - first);
    page = page.slice(drop);
    first += drop;
  }
  const edges = page.map((group, i) => ({
    cursor: encodeGroupCursor(grouping, organizationId, first + i),
    node: {
      keys: Object.fromEntries(keys.map((key, k) => [key.field, group.keys[k]!])),
      count: group.count,
      aggregates: async () => group.money,
    } satisfies GroupNode,
  }));
  return {
    edges,
    totalCount: read.total,
    pageInfo: {
      hasPreviousPage: first > 0,
      hasNextPage: first + page.length < read.total,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
