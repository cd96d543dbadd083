// The event log in commit order (docs/events.md, "Order"): pages of an organization's events by
// (transaction_id, id), never past the oldest transaction still running, so that a page's end is a
// position behind which nothing can appear later (src/changes/outbox.ts explains why). Raw SQL:
// Prisma cannot read or compare xid8, so the organization is stated in the statement itself.
import { organizationSql } from '../db/scope.js';
import type { ScopedClient } from '../db/scope.js';
import { Prisma } from '../generated/prisma/client.js';
import { checkPageArgs, pageFromRows, type Page, type PageArgs } from '../domain/kit/page.js';
import { decodeCursor, type CursorContext, type OrderTerm } from '../domain/kit/keyset.js';

/** An event as the log reads it; `transactionId` is its commit position with `id` (the cursor). */
export interface LoggedEvent extends Record<string, unknown> {
  id: bigint;
  transactionId: bigint;
  type: string;
  actorId: number | null;
  subjectId: string;
  payload: unknown;
  createdAt: Date;
}

/** Oldest first: the writing transaction, then the id within it. Both are the cursor. */
export const COMMIT_ORDER: readonly OrderTerm[] = [
  { key: { path: ['transactionId'], type: 'bigint' }, desc: false },
  { key: { path: ['id'], type: 'bigint' }, desc: false },
];

export interface LogFilter {
  /** Only these types (none: every type). */
  types?: readonly string[];
  /** Only these subjects' events (global ids as the outbox stores them). */
  subjectIds?: readonly string[];
}

const DEFAULT_PAGE_SIZE = 30;

/**
 * One page of the organization's events. `context` names the list for its cursors (the
 * organization in it must be the client's). Bad page arguments and cursors are a BadInput
 * before any statement runs.
 */
export async function readEventLog(db: ScopedClient, filter: LogFilter, args: PageArgs, context: CursorContext): Promise<Page<LoggedEvent>> {
  checkPageArgs(args);
  const sql = organizationSql(db);
  if (sql.organizationId !== context.organizationId) throw new Error('readEventLog: the cursor context belongs to another organization');
  const size = args.first ?? args.last ?? DEFAULT_PAGE_SIZE;
  if (size === 0) return pageFromRows([], args, context);
  const backwards = args.last != null;
  const conditions: Prisma.Sql[] = [
    Prisma.sql`organization_id = ${sql.organizationId}::int4`,
    // Only what every reader will always see in this order: below the oldest running transaction.
    Prisma.sql`transaction_id < pg_snapshot_xmin(pg_current_snapshot())`,
  ];
  if (filter.types) conditions.push(Prisma.sql`type = ANY (${[...filter.types]}::text[])`);
  if (filter.subjectIds) conditions.push(Prisma.sql`subject_id = ANY (${[...filter.subjectIds]}::text[])`);
  // A cursor of another list, order or organization is refused here, before any statement.
  const position = (cursor: string, side: 'after' | 'before') => {
    const [transactionId, id] = decodeCursor(cursor, context, side).map(String);
    return side === 'after'
      ? Prisma.sql`(transaction_id, id) > (${transactionId}::text::xid8, ${id}::int8)`
      : Prisma.sql`(transaction_id, id) < (${transactionId}::text::xid8, ${id}::int8)`;
  };
  if (args.after != null) conditions.push(position(args.after, 'after'));
  if (args.before != null) conditions.push(position(args.before, 'before'));
  const direction = backwards ? Prisma.sql`DESC` : Prisma.sql`ASC`;
  const rows = await sql.$queryRaw<Array<{ id: bigint; transaction_id: string; type: string; actor_id: number | null; subject_id: string; payload: unknown; created_at: Date }>>`
    SELECT id, transaction_id::text AS transaction_id, type, actor_id, subject_id, payload, created_at
      FROM change_events
     WHERE ${Prisma.join(conditions, ' AND ')}
  ORDER BY transaction_id ${direction}, id ${direction}
     LIMIT ${size + 1}`;
  const events: LoggedEvent[] = rows.map((row) => ({
    id: BigInt(row.id),
    transactionId: BigInt(row.transaction_id),
    type: row.type,
    actorId: row.actor_id === null ? null : Number(row.actor_id),
    subjectId: row.subject_id,
    payload: row.payload,
    createdAt: row.created_at,
  }));
  return pageFromRows(events, args, context);
}

