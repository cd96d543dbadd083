// Keyset pagination. A cursor carries the sort values of its row plus the row's id; the next page is
// the rows that come strictly after those values in the requested order, found with a condition in
// `where` -- inside the scoped query, like any filter. No page ever looks a row up by a
// client-supplied id, so a cursor cannot probe rows the caller cannot see, and paging stays correct
// when the cursor's row is deleted, leaves the filter or changes its sort value.
import { BadInput } from './errors.js';
import { fitsInt64 } from '../../money/money.js';
import { and, nest, NOTHING, type Where } from './conditions.js';

/** `decimal`: a whole number of any size in a numeric column (Prisma Decimal), e.g. a deal's summed revenue. */
export type KeyType = 'string' | 'int' | 'bigint' | 'decimal' | 'date' | 'datetime';

/** One column to sort by: a path of to-one relations ending in a scalar, e.g. ['serviceType', 'name']. */
export interface SortKey {
  path: readonly string[];
  type: KeyType;
  /** Empty values sort last in both directions. */
  nullable?: boolean;
}

/** One key of a requested order. */
export interface OrderTerm {
  key: SortKey;
  desc: boolean;
}

type Value = string | number | bigint | Date | { toFixed(): string } | null;

const ID_KEY: SortKey = { path: ['id'], type: 'int' };

/** Every order ends with the id, in the direction of the last key, so that no two rows tie. */
export function withId(terms: readonly OrderTerm[]): OrderTerm[] {
  return [...terms, { key: ID_KEY, desc: terms.at(-1)?.desc ?? false }];
}

/** Prisma's orderBy for the terms (the id included by the caller through `withId`). */
export function orderBy(terms: readonly OrderTerm[], reverse = false): Where[] {
  return terms.map(({ key, desc }) => {
    const sort = desc !== reverse ? 'desc' : 'asc';
    // Empty values stay last whichever way the page is read: reversed, they come first.
    return nest(key.path, key.nullable ? { sort, nulls: reverse ? 'first' : 'last' } : sort);
  });
}

/** The sort values of a loaded row, in the order of the terms. */
export function rowValues(terms: readonly OrderTerm[], row: Record<string, unknown>): Value[] {
  return terms.map(({ key }) => {
    let value: unknown = row;
    for (const step of key.path) value = value == null ? null : (value as Record<string, unknown>)[step];
    return (value ?? null) as Value;
  });
}

/**
 * The rows strictly after (or before) `values` in the order of `terms`:
 * (k1 > v1) OR (k1 = v1 AND k2 > v2) OR ... with empty values last, in both directions.
 */
export function keysetWhere(terms: readonly OrderTerm[], values: readonly Value[], side: 'after' | 'before'): Where {
  const alternatives: Where[] = [];
  const ties: Where[] = [];
  terms.forEach(({ key, desc }, i) => {
    const value = values[i] ?? null;
    const isNull = nullCondition(key.path, true);
    const notNull = nullCondition(key.path, false);
    const later = (desc ? 'lt' : 'gt') as 'lt' | 'gt';
    const earlier = (desc ? 'gt' : 'lt') as 'lt' | 'gt';
    let strict: Where | null;
    if (side === 'after') {
      // After a value: the later values, then the empty ones. After an empty value: nothing.
      strict = value === null ? null : key.nullable ? { OR: [nest(key.path, { [later]: value }), isNull] } : nest(key.path, { [later]: value });
    } else {
      // Before a value: the earlier non-empty values. Before an empty value: every non-empty one.
      strict = value === null ? notNull : nest(key.path, { [earlier]: value });
    }
    if (strict) alternatives.push(and([...ties, strict]));
    ties.push(value === null ? isNull : nest(key.path, { equals: value }));
  });
  if (alternatives.length === 0) return NOTHING;
  // Implied by the alternatives, but stated so that PostgreSQL can start an index range scan at
  // the cursor instead of filtering every row before it.
  const first = terms[0]!;
  const value = values[0] ?? null;
  const bound = !first.key.nullable && value !== null ? nest(first.key.path, { [first.desc === (side === 'after') ? 'lte' : 'gte']: value }) : null;
  return bound ? { AND: [bound, { OR: alternatives }] } : { OR: alternatives };
}

/** "Is empty" / "has a value" along a path; across an optional relation, a missing row is empty. */
function nullCondition(path: readonly string[], isNull: boolean): Where {
  if (path.length === 1) return nest(path, isNull ? null : { not: null });
  const [relation, ...rest] = path;
  if (isNull) return { OR: [{ [relation!]: { is: null } }, { [relation!]: nullCondition(rest, true) }] };
  return { [relation!]: nullCondition(rest, false) };
}

// ---- Cursors -----------------------------------------------------------------------------------

/** What a cursor is valid for: one list, one order, one organization. */
export interface CursorContext {
  list: string;
  /** A stable name of the order, e.g. `NAME:ASC,DATE:DESC`. */
  order: string;
  organizationId: number;
  terms: readonly OrderTerm[];
}

const MAX_CURSOR_LENGTH = 4096;
const MAX_STRING = 10_000;
const INT4_MAX = 2 ** 31 - 1;

/** Opaque to clients: base64url of a small JSON document. */
export function encodeCursor(context: CursorContext, values: readonly Value[]): string {
  const encoded = values.map((v, i) => encodeValue(v, context.terms[i]!.key.type));
  const json = JSON.stringify({ l: context.list, s: context.order, o: context.organizationId, v: encoded });
  return Buffer.from(json, 'utf8').toString('base64url');
}

function encodeValue(value: Value, type: KeyType): string | number | null {
  if (value === null) return null;
  switch (type) {
    case 'date':
      return (value as Date).toISOString().slice(0, 10);
    case 'datetime':
      return (value as Date).toISOString();
    case 'bigint':
      return String(value);
    case 'decimal':
      return (value as { toFixed(): string }).toFixed();
    default:
      return value as string | number;
  }
}

/**
 * The JSON document a cursor of this API encodes (base64url), or undefined when the text is not one:
 * empty, longer than `maxLength`, other characters, or not exactly the encoding of a JSON value.
 */
export function cursorDocument(cursor: string, maxLength = MAX_CURSOR_LENGTH): unknown {
  if (cursor.length === 0 || cursor.length > maxLength || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined;
  try {
    const json = Buffer.from(cursor, 'base64url').toString('utf8');
    // The decoder drops trailing characters that do not make a whole byte: a cursor with one
    // appended would still decode. Ours are exactly what their JSON encodes to.
    if (Buffer.from(json, 'utf8').toString('base64url') !== cursor) return undefined;
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
}

/** The sort values a cursor carries, or a `BadInput` naming the argument when it is not one of ours. */
export function decodeCursor(cursor: string, context: CursorContext, argument: string): Value[] {
  const refuse = (why: string): never => {
    throw new BadInput(`\`${argument}\` is not a valid cursor for this list and order: ${why}.`, argument);
  };
  const parsed = cursorDocument(cursor);
  if (parsed === undefined) return refuse('it is not a cursor this API issued');
  const doc = parsed as { l?: unknown; s?: unknown; o?: unknown; v?: unknown };
  if (typeof doc !== 'object' || doc === null || !Array.isArray(doc.v)) refuse('it is not a cursor this API issued');
  if (doc.l !== context.list) refuse('it belongs to another list');
  if (doc.o !== context.organizationId) refuse('it belongs to another organization');
  if (doc.s !== context.order) refuse('it was issued for another order; start again from the first page');
  const raw = doc.v as unknown[];
  if (raw.length !== context.terms.length) refuse('it is malformed');
  return raw.map((v, i) => {
    const key = context.terms[i]!.key;
    const value = decodeValue(v, key.type);
    if (value === undefined || (value === null && !key.nullable)) refuse('it is malformed');
    return value as Value;
  });
}

/** A value of the key's type, or undefined when it is not one. */
function decodeValue(raw: unknown, type: KeyType): Value | undefined {
  if (raw === null) return null;
  switch (type) {
    case 'string':
      // PostgreSQL text cannot hold NUL; a cursor we issued never contains one.
      return typeof raw === 'string' && raw.length <= MAX_STRING && !raw.includes('\u0000') ? raw : undefined;
    case 'int':
      return Number.isInteger(raw) && Math.abs(raw as number) <= INT4_MAX ? (raw as number) : undefined;
    case 'bigint': {
      if (typeof raw !== 'string' || !/^-?\d{1,19}$/.test(raw)) return undefined;
      const n = BigInt(raw);
      return fitsInt64(n) ? n : undefined;
    }
    case 'decimal':
      // Whole numbers only (the numeric(38, 0) sums); handed to Prisma as a string.
      return typeof raw === 'string' && /^-?\d{1,38}$/.test(raw) ? raw : undefined;
    case 'date': {
      if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(raw)) return undefined;
      const date = new Date(`${raw}T00:00:00Z`);
      return date.toISOString().slice(0, 10) === raw ? date : undefined;
    }
    case 'datetime': {
      if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(raw)) return undefined;
      const date = new Date(raw);
      return date.toISOString() === raw ? date : undefined;
    }
  }
}
