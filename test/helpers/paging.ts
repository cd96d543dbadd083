// Walking a Relay connection page by page, the way a client does, checking pageInfo on every page;
// and the order a sort must produce, worked out from the rows a test created.
import { expect } from 'vitest';

export interface PageArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface Connection {
  edges: ReadonlyArray<{ cursor: string; node: { databaseId: number } }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor?: string | null; endCursor?: string | null };
}

export type FetchPage = (args: PageArgs) => Promise<Connection>;

/** Called with each page right after it was read (to change data between two requests). */
export type OnPage = (page: Connection, index: number) => Promise<void> | void;

const ids = (page: Connection) => page.edges.map((e) => e.node.databaseId);

function checkCursors(page: Connection, label: string) {
  expect(page.pageInfo.startCursor ?? null, `${label}: startCursor is the first edge's cursor`).toBe(
    page.edges[0]?.cursor ?? null,
  );
  expect(page.pageInfo.endCursor ?? null, `${label}: endCursor is the last edge's cursor`).toBe(
    page.edges.at(-1)?.cursor ?? null,
  );
}

/**
 * `first: size`, then `after: endCursor` until hasNextPage is false. Checks that the first page has
 * no previous page, every page but the last has a next page, and the cursors in pageInfo.
 */
export async function walkForward(fetch: FetchPage, size: number, onPage?: OnPage, maxPages = 60) {
  const all: number[] = [];
  const pages: Connection[] = [];
  let after: string | null = null;
  for (let i = 0; i < maxPages; i++) {
    const page = await fetch(after === null ? { first: size } : { first: size, after });
    const label = `forward page ${i + 1} (after ${after ?? '-'})`;
    pages.push(page);
    all.push(...ids(page));
    checkCursors(page, label);
    expect(page.edges.length, `${label}: size`).toBeLessThanOrEqual(size);
    if (i === 0) expect(page.pageInfo.hasPreviousPage, `${label}: hasPreviousPage on the first page`).toBe(false);
    if (onPage) await onPage(page, i);
    if (!page.pageInfo.hasNextPage) return { ids: all, pages };
    expect(page.edges.length, `${label}: a page with a next page is full`).toBe(size);
    after = page.pageInfo.endCursor ?? null;
  }
  throw new Error(`walkForward: still a next page after ${maxPages} pages; so far ${JSON.stringify(all)}`);
}

/**
 * `last: size`, then `before: startCursor` until hasPreviousPage is false. Returns the ids in list
 * order (the first page read is the tail). Checks hasNextPage on the tail and the cursors.
 */
export async function walkBackward(fetch: FetchPage, size: number, onPage?: OnPage, maxPages = 60) {
  let all: number[] = [];
  const pages: Connection[] = [];
  let before: string | null = null;
  for (let i = 0; i < maxPages; i++) {
    const page = await fetch(before === null ? { last: size } : { last: size, before });
    const label = `backward page ${i + 1} (before ${before ?? '-'})`;
    pages.unshift(page);
    all = [...ids(page), ...all];
    checkCursors(page, label);
    expect(page.edges.length, `${label}: size`).toBeLessThanOrEqual(size);
    if (i === 0) expect(page.pageInfo.hasNextPage, `${label}: hasNextPage on the last page`).toBe(false);
    if (onPage) await onPage(page, i);
    if (!page.pageInfo.hasPreviousPage) return { ids: all, pages };
    expect(page.edges.length, `${label}: a page with a previous page is full`).toBe(size);
    before = page.pageInfo.startCursor ?? null;
  }
  throw new Error(`walkBackward: still a previous page after ${maxPages} pages; so far ${JSON.stringify(all)}`);
}

// ---- Expected orders -------------------------------------------------------------------------

export type SortValue = string | number | bigint | null;

export interface SortKey<Row> {
  value: (row: Row) => SortValue;
  direction: 'ASC' | 'DESC';
}

function compareValues(a: SortValue, b: SortValue, direction: 'ASC' | 'DESC'): number {
  // Rows without a value come last in both directions.
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  const c = a < b ? -1 : a > b ? 1 : 0;
  return direction === 'DESC' ? -c : c;
}

/** The rows sorted by the keys, nulls last, ties broken by id in `idDirection`. */
export function sortedIds<Row extends { id: number }>(
  rows: readonly Row[],
  keys: ReadonlyArray<SortKey<Row>>,
  idDirection: 'ASC' | 'DESC' = 'ASC',
): number[] {
  return [...rows]
    .sort((a, b) => {
      for (const key of keys) {
        const c = compareValues(key.value(a), key.value(b), key.direction);
        if (c !== 0) return c;
      }
      return compareValues(a.id, b.id, idDirection);
    })
    .map((r) => r.id);
}

/**
 * The orders a sort may produce: the values decide, and rows equal in every key come by id. The
 * API says "finally by id" without a direction, so both are accepted (equal when nothing ties).
 */
export function acceptableOrders<Row extends { id: number }>(rows: readonly Row[], keys: ReadonlyArray<SortKey<Row>>) {
  const asc = sortedIds(rows, keys, 'ASC');
  const desc = sortedIds(rows, keys, 'DESC');
  return JSON.stringify(asc) === JSON.stringify(desc) ? [asc] : [asc, desc];
}
