// One page of a list, read by keyset: the filter, the cursor's bounds and one more row than asked
// for (to know whether another page follows), in one statement.
import { and, type Where } from './conditions.js';
import { BadInput } from './errors.js';
import { decodeCursor, encodeCursor, keysetWhere, orderBy, rowValues, type CursorContext } from './keyset.js';

export const DEFAULT_PAGE_SIZE = 30;
export const MAX_PAGE_SIZE = 200;

export interface PageArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

export interface Page<Row> {
  edges: Array<{ cursor: string; node: Row }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/** What reads a page: a Prisma `findMany` of the scoped client. */
export type FindMany<Row> = (args: { where: Where; orderBy: Where[]; take: number } & Record<string, unknown>) => Promise<Row[]>;

/** Checks `first`/`last` before anything runs: a clear error rather than a silent cut. */
export function checkPageArgs(args: PageArgs): void {
  for (const name of ['first', 'last'] as const) {
    const value = args[name];
    if (value != null && (value < 0 || value > MAX_PAGE_SIZE)) {
      throw new BadInput(`\`${name}\` must be between 0 and ${MAX_PAGE_SIZE}, got ${value}.`, name);
    }
  }
  if (args.first != null && args.last != null) throw new BadInput('Pass either `first` or `last`, not both.', 'last');
}

/** The cursors' bounds as conditions; decoding them first means a bad cursor fails before any query. */
export function cursorBounds(args: PageArgs, context: CursorContext): Where[] {
  const bounds: Where[] = [];
  if (args.after != null) bounds.push(keysetWhere(context.terms, decodeCursor(args.after, context, 'after'), 'after'));
  if (args.before != null) bounds.push(keysetWhere(context.terms, decodeCursor(args.before, context, 'before'), 'before'));
  return bounds;
}

/**
 * Reads the page. `selection` is what the GraphQL query needs of each row (Pothos' include/select);
 * the sort columns are added to it so that every row's cursor can be made.
 */
export async function readPage<Row extends Record<string, unknown>>(
  findMany: FindMany<Row>,
  selection: Record<string, unknown>,
  where: Where,
  args: PageArgs,
  context: CursorContext,
): Promise<Page<Row>> {
  const query = pageQuery(selection, where, args, context);
  const rows = query ? await findMany(query) : [];
  return pageFromRows(rows, args, context);
}

/**
 * The `findMany` arguments of a page (also usable as a to-many relation's query, one page per
 * parent row in the parent's statement), or null when the page is empty by definition (size 0).
 * Validates the page arguments and cursors first.
 */
export function pageQuery(
  selection: Record<string, unknown>,
  where: Where,
  args: PageArgs,
  context: CursorContext,
): ({ where: Where; orderBy: Where[]; take: number } & Record<string, unknown>) | null {
  checkPageArgs(args);
  const bounds = cursorBounds(args, context);
  const size = pageSize(args);
  if (size === 0) return null;
  return {
    ...withSortColumns(selection, context),
    where: and([where, ...bounds]),
    orderBy: orderBy(context.terms, args.last != null),
    take: size + 1,
  };
}

const pageSize = (args: PageArgs) => args.first ?? args.last ?? DEFAULT_PAGE_SIZE;

/** The page made of the rows `pageQuery` read (one more than the page size when another page follows). */
export function pageFromRows<Row extends Record<string, unknown>>(rows: readonly Row[], args: PageArgs, context: CursorContext): Page<Row> {
  const backwards = args.last != null;
  const size = pageSize(args);
  const more = rows.length > size;
  const page = rows.slice(0, size);
  if (backwards) page.reverse();
  const edges = page.map((node) => new Edge(node, context));
  return {
    edges,
    pageInfo: {
      // Reading forwards, rows before `after` are assumed to exist (the cursor came from one);
      // checking would cost another statement. Likewise for `before` when reading backwards.
      hasNextPage: backwards ? args.before != null : more,
      hasPreviousPage: backwards ? more : args.after != null,
      get startCursor() {
        return edges[0]?.cursor ?? null;
      },
      get endCursor() {
        return edges.at(-1)?.cursor ?? null;
      },
    },
  };
}

/** An edge whose cursor is encoded when read: a page asked only for `nodes` encodes none. */
class Edge<Row extends Record<string, unknown>> {
  #cursor: string | undefined;
  constructor(
    readonly node: Row,
    private readonly context: CursorContext,
  ) {}

  get cursor(): string {
    return (this.#cursor ??= encodeCursor(this.context, rowValues(this.context.terms, this.node)));
  }
}

/** Adds the sort columns (and relations they sit on) to an include/select selection. */
export function withSortColumns(selection: Record<string, unknown>, context: CursorContext): Record<string, unknown> {
  const out: Record<string, unknown> = { ...selection };
  for (const { key } of context.terms) {
    if (out.select) out.select = addPath(out.select as Record<string, unknown>, key.path, 'select');
    else if (key.path.length > 1) out.include = addPath((out.include as Record<string, unknown>) ?? {}, key.path, 'include');
  }
  return out;
}

/** Makes sure `path` is loaded by a selection, keeping whatever the selection already loads. */
function addPath(selection: Record<string, unknown>, path: readonly string[], mode: 'select' | 'include'): Record<string, unknown> {
  const [head, ...rest] = path;
  const out = { ...selection };
  if (rest.length === 0) {
    // A scalar: include mode loads every scalar already.
    if (mode === 'select') out[head!] = true;
    return out;
  }
  const current = out[head!];
  if (current === true) return out; // the whole related row is loaded
  const nested = current && typeof current === 'object' ? { ...(current as Record<string, unknown>) } : null;
  if (!nested) {
    out[head!] = { select: addPath({}, rest, 'select') };
  } else if (nested.select) {
    nested.select = addPath(nested.select as Record<string, unknown>, rest, 'select');
    out[head!] = nested;
  } else {
    // An include (or empty) object loads every scalar of the relation; go deeper for nested paths.
    if (rest.length > 1) nested.include = addPath((nested.include as Record<string, unknown>) ?? {}, rest, 'include');
    out[head!] = nested;
  }
  return out;
}
