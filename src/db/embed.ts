// A Prisma read used as a subquery of one statement of our own. Grouped totals (src/domain/kit/groups.ts)
// need SQL Prisma cannot write (date buckets in a time zone, sums grouped by a relation's column,
// HAVING and paging over groups), over exactly the rows a list shows. Those rows are what the
// request's scoped client reads for the list's filter -- organization, recycle bin, privacy --
// so rather than a second translation of filters and scopes into SQL, the statement Prisma compiles
// for `findMany({ where, select: <the fields the grouping reads> })` is taken as it reaches the driver adapter
// (src/db/statements.ts passes every statement through `embedded`) and sent inside ours:
// `... FROM (<Prisma's statement>) AS r`, with Prisma's parameters and ours after them. Prisma gets an
// empty result back; ours is kept here.
import { AsyncLocalStorage } from 'node:async_hooks';

interface Query {
  sql: string;
  args?: unknown[];
  argTypes?: unknown[];
}

/** A statement's result as the driver adapter returns it (rows of values, by column). */
export interface ResultSet {
  columnNames: string[];
  rows: unknown[][];
}

/** Our statement around Prisma's, and the parameters it adds after Prisma's `$1`..`$argCount`. */
export type Wrap = (inner: string, argCount: number) => { sql: string; args: string[] };

interface Capture {
  wrap: Wrap;
  /** The table Prisma's statement must read, as a guard against wrapping anything else. */
  table: string;
  result?: ResultSet;
  taken: boolean;
}

const capture = new AsyncLocalStorage<Capture>();

/**
 * Runs `read` (one Prisma `findMany` of `table` on a scoped client) and returns what the statement
 * `wrap(<its SQL>)` answers instead. Exactly one statement is sent; a read that sends none (Prisma
 * answered without the database, e.g. `id: { in: [] }`) returns null, as does an empty filter
 * result when the wrapped statement itself returns no rows.
 */
export async function selectAround(table: string, read: () => Promise<unknown>, wrap: Wrap): Promise<ResultSet | null> {
  const state: Capture = { wrap, table, taken: false };
  // Prisma's promises are lazy: the read starts when awaited, so it is awaited inside the context.
  await capture.run(state, async () => {
    await read();
  });
  return state.result ?? null;
}

const EMPTY = { columnNames: [], columnTypes: [], rows: [] };

/**
 * Called by the adapter wrapper for each statement: outside `selectAround`, null (send it as it is).
 * Inside, the first statement is sent wrapped and its result kept; Prisma is answered with no rows.
 * A second statement in the same read is refused: it would mean Prisma split the read, and the
 * wrapped statement would not hold the whole filter.
 */
export function embedded(query: Query): { query: Query; keep(result: ResultSet): typeof EMPTY } | null {
  const state = capture.getStore();
  if (!state) return null;
  if (state.taken) throw new Error('selectAround: the read sent more than one statement');
  state.taken = true;
  if (!/^\s*SELECT\b/i.test(query.sql) || !query.sql.includes(`FROM "public"."${state.table}"`)) {
    throw new Error(`selectAround: expected one SELECT from ${state.table}`);
  }
  const args = query.args ?? [];
  const wrapped = state.wrap(query.sql, args.length);
  // Our parameters are text the statement casts; the adapters read an argument's type only for dates and bytes.
  const types = wrapped.args.map(() => ({ scalarType: 'string', arity: 'scalar' }));
  return {
    query: { sql: wrapped.sql, args: [...args, ...wrapped.args], argTypes: [...(query.argTypes ?? args.map(() => ({ scalarType: 'unknown', arity: 'scalar' }))), ...types] },
    keep: (result) => {
      state.result = { columnNames: result.columnNames, rows: result.rows };
      return EMPTY;
    },
  };
}
