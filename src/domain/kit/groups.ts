// Grouped totals over a list: the rows the list's filter matches, grouped by date buckets,
// relations and enum-like values, each group with its count and money totals under the same
// currency rules as the list's `aggregates` (src/domain/kit/totals.ts), filtered by conditions on
// those totals, ordered and paged -- in one statement. The rows are exactly those of the list:
// Prisma's own statement for them (`findMany` of the fields the grouping reads), with every scope the
// request's client adds, is the statement's row source `r` (src/db/embed.ts); Prisma names its
// columns by field (`"dealId"`), so keys and sums are written over `r."<field>"`, or over a join the
// list's spec adds for sums that are not columns (a project's money, from its deals). The rest of the SQL
// is built here from the list's spec and enum names; values (the organization, the page, `having`)
// are parameters after Prisma's, checked as whole numbers first.
import { createHash } from 'node:crypto';
import { selectAround } from '../../db/embed.js';
import type { Money } from '../../money/money.js';
import type { Where } from './conditions.js';
import { BadInput } from './errors.js';
import { cursorDocument } from './keyset.js';
import type { MoneyForm, MoneyTotalSpec, MoneyTotals, Totals } from './totals.js';

export type DateBucket = 'DAY' | 'WEEK' | 'MONTH' | 'QUARTER' | 'YEAR';

/**
 * How a list's rows can be grouped. SQL is over the list's rows, read as `r` with Prisma's field
 * names (`r."dealId"`), and over the joins it names.
 */
export type GroupKeySpec =
  /** A date field (`timestamp: false`) or an instant, grouped by the first day of its bucket. */
  | { kind: 'date'; field: string; timestamp?: boolean }
  /** A to-one relation: the related row's id (null when there is none). */
  | { kind: 'id'; sql: string; join?: string }
  /** A value named by text: an enum's value, a currency code. */
  | { kind: 'text'; sql: string; join?: string };

export interface GroupSource {
  /** The list's table (Prisma's statement must read it). */
  table: string;
  /**
   * Joins keys may use, by alias: SQL that joins the alias to `r` within the organization
   * (`r."organizationId"`), or the joins it needs first and then its own.
   */
  joins?: Record<string, string | readonly string[]>;
  /**
   * Values the totals sum that are not columns of `r` (a project's money is its deals'): SQL over
   * `join`, one row per row of `r` (a LATERAL aggregate `ON true`), by the name a total gives in
   * place of a field. The join is made only when a summed or compared total needs it. A list whose
   * source has these sums its `aggregates` here too, with no keys (`readTotals`): Prisma's aggregate
   * cannot.
   */
  computed?: { join: string; values: Record<string, string> };
}

export type KeyValue = string | number | Date | null;

export interface GroupKeyRequest {
  name: string;
  spec: GroupKeySpec;
  bucket?: DateBucket;
}

/** Comparisons a `having` condition may make (GraphQL's IntOperators/BigIntOperators). */
export interface NumberOperators {
  eq?: number | bigint | null;
  notEq?: number | bigint | null;
  gt?: number | bigint | null;
  gte?: number | bigint | null;
  lt?: number | bigint | null;
  lte?: number | bigint | null;
  in?: ReadonlyArray<number | bigint> | null;
}

export interface GroupOrderTerm {
  /** `keys`: the group's keys in the order grouped by; `count`; or a total's name (its default form). */
  by: string;
  desc: boolean;
}

export interface GroupsRequest<Name extends string> {
  organizationId: number;
  keys: readonly GroupKeyRequest[];
  totals: Record<Name, MoneyTotalSpec>;
  /** The totals and forms the query selects (only those are summed). */
  wanted: Partial<Record<Name, ReadonlySet<MoneyForm>>>;
  /** Conditions on the count and on totals' default forms (the organization's currency). */
  having: { count?: NumberOperators | null } & Partial<Record<Name, NumberOperators | null>>;
  order: readonly GroupOrderTerm[];
  offset: number;
  /** Groups to return. */
  limit: number;
  /** Read from the end (`last`): the order reversed, the rows handed back in the order asked. */
  fromEnd: boolean;
  defaultCurrency: string;
}

export interface Group<Name extends string> {
  keys: KeyValue[];
  count: number;
  money: Record<Name, MoneyTotals>;
}

export interface Groups<Name extends string> {
  groups: Array<Group<Name>>;
  /** Groups in all, after `having`: where a page stands follows from it and the offset. */
  total: number;
}

/** What reads the list's rows: `findMany` of the request's scoped client. */
export interface RowReader {
  findMany(args: { where: Where; select: Record<string, true> }): Promise<unknown>;
}

/** `r."amountDefault"`: a field of the rows as Prisma's statement names its column. */
export function field(name: string): string {
  if (!/^[a-z][A-Za-z0-9]*$/.test(name)) throw new Error(`not a field name: ${name}`);
  return `r."${name}"`;
}

/** What a total sums: a computed value of the source, or a field of `r`. */
function summed(source: GroupSource, name: string, used: Set<string>): string {
  const computed = source.computed?.values[name];
  if (computed === undefined) return field(name);
  used.add(name);
  return computed;
}

/** The fields of `r` a piece of the statement reads, for Prisma's select. */
const fieldsOf = (sql: string) => [...sql.matchAll(/\br\."([A-Za-z0-9]+)"/g)].map((m) => m[1]!);

const TRUNC: Record<DateBucket, string> = { DAY: 'day', WEEK: 'week', MONTH: 'month', QUARTER: 'quarter', YEAR: 'year' };

/** A whole number checked here, as the text of a statement parameter. */
function integer(value: unknown, path: string): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  throw new BadInput(`\`${path}\` must be a whole number.`, path);
}

/**
 * The statement's own parameters, numbered after Prisma's: values never enter its text, so one
 * grouping shape is one SQL text whatever the organization, page or `having` values (a prepared
 * statement each, src/db/prepared.ts).
 */
class Params {
  readonly values: string[] = [];
  constructor(private readonly after: number) {}
  add(value: string, type: 'int4' | 'int8' | 'numeric'): string {
    this.values.push(value);
    return `$${this.after + this.values.length}::${type}`;
  }
}

/** The longest `in` list of a `having` condition (as filters' lists). */
const MAX_HAVING_LIST = 500;

/** The SQL conditions of one `having` operator object on `expression`. */
function comparisons(expression: string, ops: NumberOperators, path: string, params: Params): string[] {
  const out: string[] = [];
  const simple = { eq: '=', notEq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;
  for (const [op, sign] of Object.entries(simple) as Array<[keyof typeof simple, string]>) {
    const value = ops[op];
    if (value != null) out.push(`${expression} ${sign} ${params.add(integer(value, `${path}.${op}`), 'numeric')}`);
  }
  if (ops.in != null) {
    if (ops.in.length > MAX_HAVING_LIST) throw new BadInput(`\`${path}.in\` may hold at most ${MAX_HAVING_LIST} values, got ${ops.in.length}.`, `${path}.in`);
    out.push(ops.in.length ? `${expression} IN (${ops.in.map((v, i) => params.add(integer(v, `${path}.in[${i}]`), 'numeric')).join(', ')})` : 'false');
  }
  return out;
}

function keySql(key: GroupKeyRequest): string {
  const { spec } = key;
  if (spec.kind !== 'date') return spec.sql;
  const unit = TRUNC[key.bucket!];
  // An instant falls on the day it is in the organization's time zone (UTC when it has none).
  // A date is truncated as a timestamp without zone: as a date PostgreSQL would make it an instant in
  // the session's time zone.
  const value = spec.timestamp ? `(${field(spec.field)} AT TIME ZONE COALESCE(o.time_zone, 'UTC'))` : `${field(spec.field)}::timestamp`;
  return `to_char(date_trunc('${unit}', ${value}), 'YYYY-MM-DD')`;
}

/**
 * The statement around Prisma's (`inner`), and how to read its columns back. The groups are a CTE,
 * counted whole and paged: the outer join keeps one row when the page is empty, so the number of
 * groups is known for any offset.
 */
function statement<Name extends string>(source: GroupSource, request: GroupsRequest<Name>, inner: string, argCount: number) {
  const params = new Params(argCount);
  const keys = request.keys.map((key, i) => ({ ...key, alias: `k${i}`, sql: keySql(key) }));
  // Each field summed (s0, s1...) or whose currency is shown (c0...) once, however many totals use it.
  const sums = new Map<string, string>();
  const currencies = new Map<string, string>();
  const alias = (names: Map<string, string>, prefix: string) => (field: string) => {
    if (!names.has(field)) names.set(field, `${prefix}${names.size}`);
    return names.get(field)!;
  };
  // Computed values the statement reads, so that their join is made only when needed.
  const computed = new Set<string>();
  const value = (name: string) => summed(source, name, computed);
  const sum = alias(sums, 's');
  const currency = alias(currencies, 'c');
  for (const [name, forms] of Object.entries(request.wanted) as Array<[Name, ReadonlySet<MoneyForm>]>) {
    const spec = request.totals[name];
    if (forms.has('default')) sum(spec.default);
    if (forms.has('original') && spec.original) (sum(spec.original.sum), currency(spec.original.currency));
    if (forms.has('normalized') && spec.normalized) (sum(spec.normalized.sum), currency(spec.normalized.currency));
  }

  const having: string[] = [];
  for (const [name, ops] of Object.entries(request.having) as Array<[string, NumberOperators | null | undefined]>) {
    if (!ops) continue;
    const expression = name === 'count' ? 'count(*)' : `sum(${value(request.totals[name as Name].default)})`;
    having.push(...comparisons(expression, ops, `having.${name}`, params));
  }

  // Keys break ties in the order grouped by, so the order is total and offsets are stable.
  const terms: Array<{ sql: string; desc: boolean }> = [];
  for (const term of request.order) {
    if (term.by === 'keys') keys.forEach((k) => terms.push({ sql: `g.${k.alias}`, desc: term.desc }));
    else terms.push({ sql: term.by === 'count' ? 'g.n' : `g.${sum(request.totals[term.by as Name].default)}`, desc: term.desc });
  }
  keys.forEach((k) => terms.some((term) => term.sql === `g.${k.alias}`) || terms.push({ sql: `g.${k.alias}`, desc: false }));
  const order = terms.map(({ sql, desc }) => {
    const descending = desc !== request.fromEnd;
    // Empty keys (no person, no paid day) come last in the order asked, first when read from the end.
    return `${sql} ${descending ? 'DESC' : 'ASC'} NULLS ${request.fromEnd ? 'FIRST' : 'LAST'}`;
  });

  const joins = new Set<string>();
  for (const key of keys) {
    if (key.spec.kind === 'date' && key.spec.timestamp) joins.add('JOIN "public"."organizations" AS o ON o.id = r."organizationId"');
    if (key.spec.kind !== 'date' && key.spec.join) for (const join of [source.joins![key.spec.join]!].flat()) joins.add(join);
  }
  const grouped = [
    ...keys.map((k) => `${k.sql} AS ${k.alias}`),
    'count(*) AS n',
    ...[...sums].map(([name, alias]) => `sum(${value(name)}) AS ${alias}`),
    // Amounts in different currencies are summed but never shown: a form is null unless one currency.
    ...[...currencies].map(([name, alias]) => `CASE WHEN count(DISTINCT ${value(name)}) = 1 THEN min(${value(name)}) END AS ${alias}`),
  ];
  // Last: its SQL may read the other joins' aliases as well as `r`.
  if (computed.size) joins.add(source.computed!.join);
  const shown = [...keys.map((k) => `g.${k.alias}::text AS ${k.alias}`), 'g.n::text AS n', ...[...sums.values()].map((a) => `g.${a}::text AS ${a}`), ...[...currencies.values()].map((a) => `g.${a}`)];
  const sql = [
    'WITH g AS (',
    `SELECT ${grouped.join(', ')}`,
    `FROM (${inner}) AS r`,
    ...joins,
    // Prisma's statement is scoped already; the organization is named here as well.
    `WHERE r."organizationId" = ${params.add(integer(request.organizationId, 'organizationId'), 'int4')}`,
    // No keys: one group of every row (an aggregate without GROUP BY), also when there is none.
    ...(keys.length ? [`GROUP BY ${keys.map((_, i) => i + 1).join(', ')}`] : []),
    ...(having.length ? [`HAVING ${having.join(' AND ')}`] : []),
    ')',
    'SELECT page.*, (SELECT count(*) FROM g)::text AS groups',
    'FROM (SELECT 1) AS one LEFT JOIN LATERAL (',
    `SELECT ${shown.join(', ')} FROM g`,
    ...(order.length ? [`ORDER BY ${order.join(', ')}`] : []),
    `LIMIT ${params.add(integer(request.limit, 'limit'), 'int8')} OFFSET ${params.add(integer(request.offset, 'offset'), 'int8')}`,
    ') AS page ON true',
  ].join('\n');
  return { sql, args: params.values, keys, sums, currencies };
}

/** Reads one page of groups in one statement. */
export async function readGroups<Name extends string>(
  db: RowReader,
  source: GroupSource,
  where: Where,
  request: GroupsRequest<Name>,
): Promise<Groups<Name>> {
  // The statement is built before Prisma's is known, to learn which fields it reads.
  const fields = new Set(['organizationId', ...fieldsOf(statement(source, request, '', 0).sql)]);
  let shape: ReturnType<typeof statement<Name>> | undefined;
  const result = await selectAround(
    source.table,
    () => db.findMany({ where, select: Object.fromEntries([...fields].map((f) => [f, true])) }),
    (inner, argCount) => (shape = statement(source, request, inner, argCount)),
  );
  if (!result || !shape || result.rows.length === 0) return { groups: [], total: 0 };
  const at = new Map(result.columnNames.map((name, i) => [name, i]));
  const value = (row: unknown[], alias: string) => row[at.get(alias)!] as string | null;
  const money = (cents: string | null, currency: string | null): Money | null => (currency ? { cents: BigInt(cents ?? 0), currency } : null);
  // An empty page is one row without a group (n is null) that still carries the number of groups.
  const rows = result.rows.filter((row) => value(row, 'n') !== null);
  const groups = rows.map((row): Group<Name> => {
    const keys = shape!.keys.map((key): KeyValue => {
      const raw = value(row, key.alias);
      if (raw === null) return null;
      if (key.spec.kind === 'date') return new Date(`${raw}T00:00:00Z`);
      return key.spec.kind === 'id' ? Number(raw) : raw;
    });
    const totals = Object.fromEntries(
      (Object.entries(request.wanted) as Array<[Name, ReadonlySet<MoneyForm>]>).map(([name, forms]) => {
        const spec = request.totals[name];
        const form = (sumField: string, currencyField: string) =>
          money(value(row, shape!.sums.get(sumField)!), value(row, shape!.currencies.get(currencyField)!));
        return [
          name,
          {
            ...(forms.has('original') && spec.original && { original: form(spec.original.sum, spec.original.currency) }),
            ...(forms.has('default') && { default: { cents: BigInt(value(row, shape!.sums.get(spec.default)!) ?? 0), currency: request.defaultCurrency } }),
            ...(forms.has('normalized') && spec.normalized && { normalized: form(spec.normalized.sum, spec.normalized.currency) }),
          },
        ];
      }),
    ) as Record<Name, MoneyTotals>;
    return { keys, count: Number(value(row, 'n')), money: totals };
  });
  if (request.fromEnd) groups.reverse();
  return { groups, total: Number(value(result.rows[0]!, 'groups')) };
}

/**
 * The totals and the count of all the rows, as the list's `aggregates`, in one statement: the
 * grouping with no keys. For sources whose totals are computed (Prisma's aggregate cannot sum them).
 */
export async function readTotals<Name extends string>(
  db: RowReader,
  source: GroupSource,
  where: Where,
  request: Pick<GroupsRequest<Name>, 'organizationId' | 'totals' | 'wanted' | 'defaultCurrency'>,
): Promise<Totals<Name>> {
  const read = await readGroups(db, source, where, { ...request, keys: [], having: {}, order: [], offset: 0, limit: 1, fromEnd: false });
  const all = read.groups[0];
  if (all) return { count: all.count, money: all.money };
  // Prisma answered without the database (a filter that matches nothing): zero, as an empty sum.
  const money = Object.fromEntries(
    (Object.entries(request.wanted) as Array<[Name, ReadonlySet<MoneyForm>]>).map(([name, forms]) => {
      const spec = request.totals[name];
      return [
        name,
        {
          ...(forms.has('original') && spec.original && { original: null }),
          ...(forms.has('default') && { default: { cents: 0n, currency: request.defaultCurrency } }),
          ...(forms.has('normalized') && spec.normalized && { normalized: null }),
        },
      ];
    }),
  ) as Record<Name, MoneyTotals>;
  return { count: 0, money };
}

// A group's cursor: its place in one grouping (a hash of the list, its filter, the keys, `having`
// and the order) for one organization. A cursor of another grouping would point at another group,
// so it is refused rather than read as a bare offset.
const MAX_OFFSET = 1_000_000;

const groupingHash = (grouping: string) => createHash('sha256').update(grouping).digest('base64url').slice(0, 16);

export function encodeGroupCursor(grouping: string, organizationId: number, index: number): string {
  return Buffer.from(JSON.stringify({ g: groupingHash(grouping), o: organizationId, i: index }), 'utf8').toString('base64url');
}

/** The place a cursor holds, or a `BadInput` naming the argument. */
export function decodeGroupCursor(cursor: string, grouping: string, organizationId: number, argument: string): number {
  const refuse = (why: string): never => {
    throw new BadInput(`\`${argument}\` is not a valid cursor for these groups: ${why}.`, argument);
  };
  const parsed = cursorDocument(cursor, 200);
  if (typeof parsed !== 'object' || parsed === null) return refuse('it is not a cursor this API issued');
  const doc = parsed as { g?: unknown; o?: unknown; i?: unknown };
  if (doc.o !== organizationId) refuse('it belongs to another organization');
  if (doc.g !== groupingHash(grouping)) refuse('it was issued for another grouping, filter or order; start again from the first page');
  if (typeof doc.i !== 'number' || !Number.isSafeInteger(doc.i) || doc.i < 0 || doc.i > MAX_OFFSET) refuse('it is malformed');
  return doc.i as number;
}
