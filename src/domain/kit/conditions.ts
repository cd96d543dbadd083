// Filter operators as Prisma conditions, shared by every list. Tenancy is not handled here: the
// scoped client adds it to whatever this builds.

export type Where = Record<string, unknown>;

/** Operators on one field, as the REST API offers them. Which ones a field has is the schema's choice. */
export interface Operators<T> {
  eq?: T | null;
  notEq?: T | null;
  contains?: string | null;
  notContains?: string | null;
  startsWith?: string | null;
  gt?: T | null;
  gte?: T | null;
  lt?: T | null;
  lte?: T | null;
  in?: readonly T[] | null;
  isNull?: boolean | null;
}

/** Matches no row; `{ id: { in: [] } }` is what Prisma turns into a constant false. */
export const NOTHING: Where = { id: { in: [] } };

/** `{ a: { b: condition } }` for the path ['a', 'b']: a condition across to-one relations. */
export function nest(path: readonly string[], condition: unknown): Where {
  return path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), condition) as Where;
}

/**
 * A condition on a nullable column that is false, never unknown, when the column is empty: SQL
 * makes `pay_on = X` unknown for a NULL, and `NOT (unknown)` is still unknown.
 */
export function present(path: string | readonly string[], condition: Where): Where {
  return { AND: [nest(typeof path === 'string' ? [path] : path, { not: null }), condition] };
}

export function and(conditions: readonly Where[]): Where {
  const parts = conditions.filter((c) => Object.keys(c).length > 0);
  return parts.length === 0 ? {} : parts.length === 1 ? parts[0]! : { AND: parts };
}

/**
 * LIKE treats `%`, `_` and `\` as pattern characters, and Prisma's `contains`/`startsWith` pass the
 * text through unescaped: `contains: "%"` would match every row. Escaped, they mean themselves.
 */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The conditions of one field's operators. On a nullable field every condition is two-valued
 * (false, never unknown, for an empty value), so `not` groups keep rows without a value; and
 * `notEq`/`notContains` include empty values: "not equal to X" includes "has no value".
 * On a field that is never empty, `isNull: true` matches nothing and `isNull: false` everything.
 */
export function operatorConditions<T>(
  path: string | readonly string[],
  ops: Operators<T>,
  options: { nullable?: boolean; caseInsensitive?: boolean } = {},
): Where[] {
  const at = typeof path === 'string' ? [path] : path;
  const nullable = options.nullable ?? false;
  const mode = options.caseInsensitive === false ? {} : { mode: 'insensitive' };
  const isNull = nest(at, null);
  const notNull = nest(at, { not: null });
  const on = (condition: unknown): Where => {
    const where = nest(at, condition);
    return nullable ? present(at, where) : where;
  };
  const orNull = (condition: Where): Where => (nullable ? { OR: [condition, isNull] } : condition);

  const out: Where[] = [];
  if (ops.eq != null) out.push(on({ equals: ops.eq }));
  if (ops.notEq != null) out.push(orNull({ NOT: on({ equals: ops.notEq }) }));
  if (ops.contains != null) out.push(on({ contains: escapeLike(ops.contains), ...mode }));
  if (ops.notContains != null) out.push(orNull({ NOT: on({ contains: escapeLike(ops.notContains), ...mode }) }));
  if (ops.startsWith != null) out.push(on({ startsWith: escapeLike(ops.startsWith), ...mode }));
  if (ops.gt != null) out.push(on({ gt: ops.gt }));
  if (ops.gte != null) out.push(on({ gte: ops.gte }));
  if (ops.lt != null) out.push(on({ lt: ops.lt }));
  if (ops.lte != null) out.push(on({ lte: ops.lte }));
  if (ops.in != null) out.push(on({ in: ops.in }));
  if (ops.isNull != null) {
    if (nullable) out.push(ops.isNull ? isNull : notNull);
    else if (ops.isNull) out.push(NOTHING);
  }
  return out;
}
