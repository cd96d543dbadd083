// The list kit: from one spec per model -- filterable fields and their operators, sorts (also across
// to-one relations), money totals -- it makes the GraphQL filter input, the order enum and input,
// the Relay connection with `totalCount` (and `aggregates` when the spec has totals), and reads
// pages by keyset (src/domain/kit/keyset.ts). Every list of the schema goes through `listField`.
import { queryFromInfo, getRefFromModel } from '@pothos/plugin-prisma';
import type { GraphQLResolveInfo } from 'graphql';
import { and, nest, NOTHING, operatorConditions, present, type Where } from '../../domain/kit/conditions.js';
import { BadInput } from '../../domain/kit/errors.js';
import { readTotals } from '../../domain/kit/groups.js';
import { withId, type OrderTerm, type SortKey, type CursorContext } from '../../domain/kit/keyset.js';
import { readPage, checkPageArgs, cursorBounds, pageFromRows, pageQuery, withSortColumns, type PageArgs } from '../../domain/kit/page.js';
import {
  moneyTotals,
  moneyTotalsBy,
  type Aggregator,
  type MoneyTotalSpec,
  type MoneyTotals,
  type Totals,
} from '../../domain/kit/totals.js';
import type { Context } from '../context.js';
import { builder } from '../builder.js';
import { delegateOf } from './delegate.js';
import { argumentsKey } from './loaders.js';
import { fieldsIn, wantedTotals } from './selection.js';
import { groupedAggregatesField, type GroupedRows, type GroupSpec } from './groups.js';
import { filterIds } from '../ids.js';
import { MoneyRef, MoneyTotalRef } from '../money.js';
import {
  BigIntOperators,
  DateOperators,
  DateTimeOperators,
  dayRanges,
  IntOperators,
  type DayOperators,
  SortDirection,
  StringOperators,
} from '../filters.js';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

type OperatorKind = 'string' | 'int' | 'bigint' | 'date' | 'datetime';

const OPERATOR_INPUTS = {
  string: StringOperators,
  int: IntOperators,
  bigint: BigIntOperators,
  date: DateOperators,
  datetime: DateTimeOperators,
} as const;

/** One field of a list's filter input. */
export type FilterField =
  /** Operators on a column (or a path across to-one relations); text comparisons ignore case in `contains`. */
  | { kind: OperatorKind; path?: readonly string[]; nullable?: boolean; description?: string }
  /** A list of global ids of one type; `where` receives their database ids. */
  | { kind: 'ids'; of: string; where: (ids: number[]) => Where; description?: string }
  /** Any input type with its own meaning. */
  | { kind: 'custom'; type: unknown; where: (value: never) => Where; description?: string };

/** Operators on a column: `ops('string')`, `ops('date', { nullable: true })`. */
export const ops = (
  kind: OperatorKind,
  options: { path?: readonly string[]; nullable?: boolean; description?: string } = {},
): FilterField => ({ kind, ...options });

/**
 * What a spec field says beside its GraphQL type: its description, and whether its column may be
 * empty (a condition on an empty column is then false, never unknown, so that `not` keeps such rows).
 */
type FieldOptions = string | { description?: string; nullable?: boolean };
const optionsOf = (options: FieldOptions | undefined) => (typeof options === 'string' ? { description: options } : (options ?? {}));
const pathOf = (path: string | readonly string[]) => (typeof path === 'string' ? [path] : path);

/** A condition on `path`, two-valued when the column is nullable. */
const on = (path: readonly string[], nullable: boolean | undefined, condition: unknown): Where =>
  nullable ? present(path, nest(path, condition)) : nest(path, condition);

/** A filter by global ids of one type, matched against a foreign key (or a path across to-one relations). */
export const idsIn = (of: string, column: string | readonly string[], options?: FieldOptions): FilterField => {
  const { description, nullable } = optionsOf(options);
  return { kind: 'ids', of, where: (ids) => on(pathOf(column), nullable, { in: ids }), description };
};

/** A `Boolean` filter matching a boolean column: `invoiced: true`. */
export const flag = (column: string, description?: string): FilterField => ({
  kind: 'custom',
  type: 'Boolean',
  where: (value: boolean) => ({ [column]: value }),
  description,
});

/** A `Boolean` filter on whether a column is set: `archived: true` for `archivedAt` not null. */
export const notNull = (column: string, description?: string): FilterField => ({
  kind: 'custom',
  type: 'Boolean',
  where: (value: boolean) => ({ [column]: value ? { not: null } : null }),
  description,
});

/** A `Boolean` filter on whether a column is empty: `open: true` for `closedAt` null. */
export const isNull = (column: string, description?: string): FilterField => ({
  kind: 'custom',
  type: 'Boolean',
  where: (value: boolean) => ({ [column]: value ? null : { not: null } }),
  description,
});

/** A `Date` filter: on this day or later (inclusive, as the REST API's `*_after`). */
export const onOrAfter = (column: string, options?: FieldOptions): FilterField => {
  const { description, nullable } = optionsOf(options);
  return { kind: 'custom', type: 'Date', where: (day: Date) => on([column], nullable, { gte: day }), description };
};

/** A `Date` filter: on this day or earlier (inclusive, as the REST API's `*_before`). */
export const onOrBefore = (column: string, options?: FieldOptions): FilterField => {
  const { description, nullable } = optionsOf(options);
  return { kind: 'custom', type: 'Date', where: (day: Date) => on([column], nullable, { lte: day }), description };
};

/** Whether a filter says anything about `field`, at any depth (an explicit `null` counts): for `defaults`. */
export function mentions(filter: FilterValue | null | undefined, field: string): boolean {
  if (!filter) return false;
  return (
    field in filter ||
    (filter.and ?? []).some((f) => mentions(f, field)) ||
    (filter.or ?? []).some((f) => mentions(f, field)) ||
    mentions(filter.not, field)
  );
}

/** A sort on one column, or a path across to-one relations; a nullable one puts empty values last both ways. */
export const sortBy = (type: SortKey['type'], path: string | readonly string[], options?: FieldOptions): SortField => {
  const { description, nullable } = optionsOf(options);
  return { keys: [{ path: pathOf(path), type, ...(nullable && { nullable }) }], description };
};

export interface SortField {
  /** The columns compared, in order (e.g. last name then first name). */
  keys: readonly SortKey[];
  description?: string;
}

export interface MoneyTotalField extends MoneyTotalSpec {
  description: string;
}

/** A total kept in the organization's default currency only (a `Money`, not a `MoneyTotal`). */
export const defaultTotal = (column: string, description: string): MoneyTotalField => ({ default: column, description });

/** A sum of minutes (a `BigInt`: many rows of a day each can pass 2³¹ minutes). */
export const minutesTotal = (column: string, description: string): MoneyTotalField => ({ default: column, description, unit: 'minutes' });

/**
 * The total of a money column stored the usual way: `<column>` in `currency`, `<column>Default` in
 * the organization's default currency, `<column>Normalized` in `normalizedCurrency`.
 */
export const moneyTotal = (column: string, description: string): MoneyTotalField => ({
  original: { sum: column, currency: 'currency' },
  default: `${column}Default`,
  normalized: { sum: `${column}Normalized`, currency: 'normalizedCurrency' },
  description,
});

export interface ListSpec {
  /** The Prisma model and GraphQL type listed; also names the generated types (`<Type>Filter`, ...). */
  type: string;
  description: string;
  filter?: { description: string; fields: Record<string, FilterField> };
  sorts?: Record<string, SortField>;
  /** The order when none is asked for (the id always breaks ties). */
  defaultOrder?: ReadonlyArray<{ field: string; direction: 'ASC' | 'DESC' }>;
  totals?: { description: string; fields: Record<string, MoneyTotalField> };
  /** How the list's rows can be grouped (`groupedAggregates`, with the totals above); needs `totals`. */
  groups?: GroupSpec;
  /**
   * The filter as the list reads it, given the client's: for defaults a filter leaves unsaid
   * (invoices leave archived ones out unless the filter mentions `archived`).
   */
  defaults?: (filter: FilterValue | null | undefined) => FilterValue | null | undefined;
  /** Rows the caller may see beyond the organization's scope (the bin: a private item only to its deleter). */
  visible?: (ctx: Context) => Where;
  /** Called before anything is read: throws when the caller may not list these at all (src/schema/kit/roles.ts). */
  guard?: (ctx: Context) => void;
}

export type FilterValue = Record<string, unknown> & { and?: FilterValue[] | null; or?: FilterValue[] | null; not?: FilterValue | null };
type OrderValue = { field: string; direction?: 'ASC' | 'DESC' | null };
type ListArgs = PageArgs & { filter?: FilterValue | null; orderBy?: OrderValue[] | null };

interface ConnectionParent {
  totalCount: () => Promise<number>;
  aggregates: () => Promise<Record<string, MoneyTotals>>;
  /** The rows `groupedAggregates` groups: set by top-level lists only. */
  groupedRows?: GroupedRows;
}

/** The filter input of a spec, with `and`/`or`/`not` over itself. */
function filterInput(spec: ListSpec) {
  const fields = spec.filter!.fields;
  const ref = builder.inputRef<FilterValue>(`${spec.type}Filter`);
  ref.implement({
    description:
      `${spec.filter!.description} All given conditions must hold; \`and\`, \`or\` and \`not\` combine nested ` +
      `filters, at most ${MAX_FILTER_DEPTH} levels deep. Lists (\`in\`, ids, \`and\`, \`or\`) hold at most ${MAX_FILTER_LIST} values.`,
    fields: (t) => ({
      ...Object.fromEntries(
        Object.entries(fields).map(([name, f]) => {
          const options = { description: f.description };
          if (f.kind === 'ids') return [name, t.idList(options)];
          if (f.kind === 'custom') return [name, t.field({ ...options, type: f.type as never })];
          return [name, t.field({ ...options, type: OPERATOR_INPUTS[f.kind] })];
        }),
      ),
      and: t.field({ type: [ref], description: 'Every one of these filters holds.' }),
      or: t.field({ type: [ref], description: 'At least one of these filters holds.' }),
      not: t.field({ type: ref, description: 'This filter does not hold.' }),
    }),
  });
  return ref;
}

/** The longest list a filter takes (`in`, id lists, `and`/`or`), and how deep `and`/`or`/`not` may nest. */
export const MAX_FILTER_LIST = 500;
export const MAX_FILTER_DEPTH = 8;

function checkList(value: unknown, path: string): void {
  if (Array.isArray(value) && value.length > MAX_FILTER_LIST) {
    throw new BadInput(`\`${path}\` may hold at most ${MAX_FILTER_LIST} values, got ${value.length}.`, path);
  }
}

/** The Prisma condition of a filter value; ids are decoded here, so a bad one names its argument. */
function filterWhere(spec: ListSpec, filter: FilterValue | null | undefined, path = 'filter', depth = 0): Where {
  if (!filter) return {};
  if (depth > MAX_FILTER_DEPTH) {
    throw new BadInput(`\`${path}\`: filters may nest \`and\`/\`or\`/\`not\` at most ${MAX_FILTER_DEPTH} levels deep.`, path);
  }
  checkList(filter.and, `${path}.and`);
  checkList(filter.or, `${path}.or`);
  const all: Where[] = [];
  for (const [name, field] of Object.entries(spec.filter?.fields ?? {})) {
    const value = filter[name];
    if (value == null) continue;
    checkList(value, `${path}.${name}`);
    if (value && typeof value === 'object' && !Array.isArray(value)) checkList((value as { in?: unknown }).in, `${path}.${name}.in`);
    if (field.kind === 'ids') all.push(field.where(filterIds(value as string[], field.of, `${path}.${name}`)!));
    else if (field.kind === 'custom') all.push(field.where(value as never));
    else {
      if (field.kind === 'string') refuseNul(value as Record<string, unknown>, `${path}.${name}`);
      all.push(...operatorConditions(field.path ?? [name], value as object, { nullable: field.nullable }));
      // A date where an instant is filtered means that whole day, in UTC.
      if (field.kind === 'datetime') {
        for (const range of dayRanges(value as DayOperators)) all.push(...operatorConditions(field.path ?? [name], range, { nullable: field.nullable }));
      }
    }
  }
  filter.and?.forEach((f, i) => all.push(filterWhere(spec, f, `${path}.and[${i}]`, depth + 1)));
  // An empty `or` holds for no row (Prisma would read an empty OR inside AND as no condition).
  if (filter.or) all.push(filter.or.length ? { OR: filter.or.map((f, i) => filterWhere(spec, f, `${path}.or[${i}]`, depth + 1)) } : NOTHING);
  if (filter.not) all.push({ NOT: filterWhere(spec, filter.not, `${path}.not`, depth + 1) });
  return and(all);
}

/** PostgreSQL text cannot hold NUL: say so, rather than fail in the database. */
function refuseNul(ops: Record<string, unknown>, path: string): void {
  for (const [op, value] of Object.entries(ops)) {
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v === 'string' && v.includes('\u0000'))) {
      throw new BadInput(`\`${path}.${op}\` cannot contain the NUL character (\\u0000).`, `${path}.${op}`);
    }
  }
}

/** The requested order as keyset terms, and its name for cursors (a cursor is valid for one order). */
function orderTerms(spec: ListSpec, orderBy: readonly OrderValue[] | null | undefined) {
  const requested = orderBy?.length ? orderBy : (spec.defaultOrder ?? []);
  const terms: OrderTerm[] = requested.flatMap(({ field, direction }) =>
    spec.sorts![field]!.keys.map((key) => ({ key, desc: direction === 'DESC' })),
  );
  const name = requested.map(({ field, direction }) => `${field}:${direction ?? 'ASC'}`).join(',');
  return { terms: withId(terms), name };
}

const emptyPageInfo = { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null };

interface ListDelegate extends Aggregator {
  findMany(args: object): Promise<Array<Record<string, unknown>>>;
  count(args: object): Promise<number>;
}

interface ListKit {
  FilterInput: ReturnType<typeof filterInput> | null;
  OrderInput: ReturnType<typeof builder.inputType> | null;
  Connection: ReturnType<typeof builder.connectionObject>;
}

const KITS = new Map<ListSpec, ListKit>();

/** The GraphQL types of a spec (filter, order, connection with totals), made once and shared by every field listing it. */
function kitOf(spec: ListSpec): ListKit {
  const existing = KITS.get(spec);
  if (existing) return existing;
  const FilterInput = spec.filter ? filterInput(spec) : null;
  const sortNames = Object.keys(spec.sorts ?? {});
  const OrderField = sortNames.length
    ? builder.enumType(`${spec.type}OrderField`, {
        description: `What ${spec.type} lists can be sorted by.`,
        values: Object.fromEntries(sortNames.map((n) => [n, { description: spec.sorts![n]!.description }])),
      })
    : null;
  const OrderInput = OrderField
    ? builder.inputType(`${spec.type}Order`, {
        description: 'One sort key. Ties are broken by the next key, and finally by id, so pages never overlap.',
        fields: (f) => ({
          field: f.field({ type: OrderField, required: true, description: 'The key to sort by; required.' }),
          direction: f.field({ type: SortDirection, defaultValue: 'ASC', description: 'Ascending when left out or null.' }),
        }),
      })
    : null;
  const totals = spec.totals;
  const Aggregates = totals
    ? builder.objectRef<ConnectionParent>(`${spec.type}Aggregates`).implement({
        description: totals.description,
        fields: (a) =>
          Object.fromEntries(
            Object.entries(totals.fields).map(([name, field]) => [
              name,
              field.unit === 'minutes'
                ? a.field({
                    type: 'BigInt',
                    description: field.description,
                    resolve: async (parent) => (await parent.aggregates())[name]!.default.cents,
                  })
                : field.original
                ? a.field({
                    type: MoneyTotalRef,
                    description: field.description,
                    resolve: async (parent) => (await parent.aggregates())[name]!,
                  })
                : a.field({
                    type: MoneyRef,
                    description: `${field.description} In the organization's default currency.`,
                    resolve: async (parent) => (await parent.aggregates())[name]!.default,
                  }),
            ]),
          ),
      })
    : null;
  const Connection = builder.connectionObject(
    {
      type: getRefFromModel(spec.type, builder),
      name: `${spec.type}Connection`,
      description:
        `One page of a list of \`${spec.type}\` objects, with \`totalCount\`${totals ? ' and `aggregates`' : ''} of the whole ` +
        'filtered list. Read on with `first`/`after` or `last`/`before` and the cursors of `pageInfo`.',
      fields: (c) => ({
        totalCount: c.int({
          description: 'How many match the filter, across all pages.',
          resolve: (parent) => (parent as unknown as ConnectionParent).totalCount(),
        }),
        ...(Aggregates && {
          aggregates: c.field({
            type: Aggregates,
            description: 'Totals over the whole filtered set, not only this page.',
            resolve: (parent) => parent as unknown as ConnectionParent,
          }),
        }),
        ...(Aggregates &&
          spec.groups && {
            groupedAggregates: groupedAggregatesField(c as never, spec.type, spec.groups, totals!.fields, Aggregates),
          }),
      }),
    },
    { name: `${spec.type}Edge`, description: `One \`${spec.type}\` of a page, with its cursor.` },
  );
  const kit: ListKit = { FilterInput, OrderInput: OrderInput as ListKit['OrderInput'], Connection };
  KITS.set(spec, kit);
  return kit;
}

/** The `filter` and `orderBy` arguments of a list field. */
function listArgs(kit: ListKit, t: { arg: (options: never) => unknown }): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  const arg = t.arg as (options: object) => unknown;
  if (kit.FilterInput) args.filter = arg({ type: kit.FilterInput, description: 'Only the objects that match. Left out or null: every object the list shows by default.' });
  if (kit.OrderInput) args.orderBy = arg({ type: [kit.OrderInput], description: "Sort keys, most significant first; the id breaks ties. Left out, null or empty: the list's default order." });
  return args;
}

/** What a list's arguments mean: its condition and its order, with the cursor context of the order. Throws BadInput. */
function listQuery(spec: ListSpec, list: string, raw: ListArgs, ctx: Context) {
  const filtered = filterWhere(spec, spec.defaults ? spec.defaults(raw.filter) : raw.filter);
  const where = spec.visible ? and([filtered, spec.visible(ctx)]) : filtered;
  const order = orderTerms(spec, raw.orderBy);
  const context: CursorContext = {
    list,
    order: order.name || 'default',
    organizationId: ctx.viewer.organization.id,
    terms: order.terms,
  };
  return { where, context };
}

type Connect = (options: Record<string, unknown>, connection: ListKit['Connection']) => unknown;

/**
 * Builds the connection field of a spec. Use it in `builder.queryFields((t) => ({ xs: listField(t, spec) }))`.
 * The types it generates are created once per spec.
 */
export function listField(t: PothosSchemaTypes.QueryFieldBuilder<Types, object>, spec: ListSpec) {
  const kit = kitOf(spec);
  const totals = spec.totals;
  const connection = (t as unknown as { connection: Connect }).connection(
    {
      type: getRefFromModel(spec.type, builder),
      description: spec.description,
      args: listArgs(kit, t),
      resolve: async (_parent: unknown, raw: ListArgs, ctx: Context, info: GraphQLResolveInfo) => {
        spec.guard?.(ctx);
        const db = delegateOf<ListDelegate>(ctx, spec.type);
        const { where, context } = listQuery(spec, spec.type, raw, ctx);
        const fields = fieldsIn(info, info.fieldNodes.map((node) => node.selectionSet));
        const selected = new Set(fields.keys());
        // One statement gives the totals and the count when both are asked for; it sums only the
        // totals and forms the query selects. Computed totals (a source with `computed`) are summed
        // by the grouping statement with no keys; the others by Prisma's aggregate.
        let sums: Promise<Totals<string>> | undefined;
        const sumsOnce = () => {
          if (sums) return sums;
          const wanted = wantedTotals(info, fields.get('aggregates') ?? [], totals!.fields);
          const defaultCurrency = ctx.viewer.organization.defaultCurrency;
          const source = spec.groups?.source;
          return (sums = source?.computed
            ? readTotals(db, source, where, { organizationId: ctx.viewer.organization.id, totals: totals!.fields, wanted, defaultCurrency })
            : moneyTotals(db, where, totals!.fields, defaultCurrency, wanted));
        };
        const extras: ConnectionParent = {
          totalCount: async () => (totals && selected.has('aggregates') ? (await sumsOnce()).count : db.count({ where })),
          aggregates: async () => (await sumsOnce()).money,
          groupedRows: { where },
        };
        if (!selected.has('edges') && !selected.has('nodes') && !selected.has('pageInfo')) {
          // Validated all the same: a bad argument is an error whatever is selected.
          checkPageArgs(raw);
          cursorBounds(raw, context);
          return { ...extras, edges: [], pageInfo: emptyPageInfo };
        }
        const selection = (await queryFromInfo({
          context: ctx,
          info,
          typeName: spec.type,
          paths: [['nodes'], ['edges', 'node']],
          awaitSelections: true,
        })) as Record<string, unknown>;
        const page = await readPage((a) => db.findMany(a), selection, where, raw, context);
        return { ...extras, ...page };
      },
    },
    kit.Connection,
  );
  return connection as ReturnType<typeof t.field>;
}

/** Per request and field node: what a related list's arguments mean, worked out for its first parent. */
const PREPARED = new WeakMap<Context, WeakMap<object, unknown>>();

function once<T>(ctx: Context, info: GraphQLResolveInfo, prepare: () => T): T {
  let byNode = PREPARED.get(ctx);
  if (!byNode) PREPARED.set(ctx, (byNode = new WeakMap()));
  const node = info.fieldNodes[0]!;
  if (!byNode.has(node)) byNode.set(node, prepare());
  return byNode.get(node) as T;
}

/** Where a connection's nodes are, for Pothos' nested selections. */
const NODE_PATHS = [[{ name: 'nodes' }], [{ name: 'edges' }, { name: 'node' }]];

/**
 * A to-many relation as a connection with the same filter, order, totals and paging as the
 * spec's top-level list, e.g. `Deal.expenses`. Each parent's page is read inside the parent's own
 * statement (a LATERAL subquery per row, with the filter, cursor bound and limit); `totalCount`
 * and `aggregates` for every parent of a request come from one grouped statement (a DataLoader
 * keyed by parent id). So a page of 200 deals with their first 10 expenses and totals is a fixed
 * number of statements.
 */
export function relatedListField(
  t: PothosSchemaTypes.ObjectFieldBuilder<Types, { id: number }>,
  spec: ListSpec,
  related: { relation: string; foreignKey: string; description: string },
) {
  const kit = kitOf(spec);
  // Per-parent totals are Prisma's grouped aggregate, which cannot sum computed values.
  if (spec.groups?.source.computed) throw new Error(`${spec.type}: a list with computed totals cannot be a related list (${related.relation})`);
  const list = `${related.relation}:${spec.type}`;
  const connection = (t as unknown as { connection: Connect }).connection(
    {
      type: getRefFromModel(spec.type, builder),
      description: related.description,
      args: listArgs(kit, t),
      select: (raw: ListArgs, ctx: Context, nestedSelection: (query: object, path: unknown) => Record<string, unknown>) => {
        let query: ReturnType<typeof pageQuery>;
        try {
          const { where, context } = listQuery(spec, list, raw, ctx);
          query = pageQuery({}, where, raw, context);
          if (!query) return {};
          return { [related.relation]: withSortColumns(nestedSelection(query, { getType: () => spec.type, paths: NODE_PATHS }), context) };
        } catch (error) {
          // A bad argument loads nothing here; the resolver repeats the check and reports it on this field.
          if (error instanceof BadInput) return {};
          throw error;
        }
      },
      resolve: (parent: Record<string, unknown> & { id: number }, raw: ListArgs, ctx: Context, info: GraphQLResolveInfo) => {
        // The same field node has the same arguments for every parent of a request: read them once.
        const { context, loader } = once(ctx, info, () => {
          const { where, context } = listQuery(spec, list, raw, ctx);
          checkPageArgs(raw);
          cursorBounds(raw, context);
          const fields = fieldsIn(info, info.fieldNodes.map((node) => node.selectionSet));
          const wanted = spec.totals && fields.has('aggregates') ? wantedTotals(info, fields.get('aggregates')!, spec.totals.fields) : {};
          const loader = ctx.loaders.get<number, Totals<string>>(`${list}:${argumentsKey({ where, wanted })}`, async (ids) => {
            const byParent = await moneyTotalsBy(
              delegateOf<ListDelegate>(ctx, spec.type),
              related.foreignKey,
              ids,
              where,
              spec.totals?.fields ?? {},
              ctx.viewer.organization.defaultCurrency,
              wanted,
            );
            return ids.map((id) => byParent.get(id)!);
          });
          return { context, loader };
        });
        const extras: ConnectionParent = {
          totalCount: async () => (await loader.load(parent.id)).count,
          aggregates: async () => (await loader.load(parent.id)).money,
        };
        const rows = (parent[related.relation] as Array<Record<string, unknown>> | undefined) ?? [];
        return { ...extras, ...pageFromRows(rows, raw, context) };
      },
    },
    kit.Connection,
  );
  return connection as ReturnType<typeof t.field>;
}
