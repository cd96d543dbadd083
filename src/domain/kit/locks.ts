// Row locks taken with an UPDATE that changes no value of the row's own (`x = x + 0`): the scoped
// client refuses raw SQL, so this is its SELECT ... FOR UPDATE (the hottest one, an expense create's
// lock of its deal, is raw SQL through organizationSql instead: lockDeal). A row out of scope or deleted
// matches nothing, also through the recycle bin's client (hence the explicit `deletedAt: null`). The order writes take them in (expenses before their deal; invoice, then deals
// in id order, then attributions) is documented in src/domain/expenses.ts and
// src/domain/invoice-attributions.ts.
import { organizationSql, type ScopedTx } from '../../db/scope.js';
import { Prisma } from '../../generated/prisma/client.js';

/**
 * Locks live deals in id order (one statement: PostgreSQL locks the rows after sorting them); true
 * when every one of them was there. FOR NO KEY UPDATE, the lock an UPDATE takes, without writing a
 * version of each deal (see lockDeal), so a deal's `updatedAt` stays the time the deal itself changed.
 */
export async function lockDeals(tx: ScopedTx, ids: Iterable<number>): Promise<boolean> {
  const wanted = [...new Set(ids)].sort((a, b) => a - b);
  if (wanted.length === 0) return true;
  const sql = organizationSql(tx);
  const rows = await sql.$queryRaw<Array<{ id: number }>>`
    SELECT id FROM "public"."deals"
     WHERE organization_id = ${sql.organizationId} AND id = ANY(${wanted}::int4[]) AND deleted_at IS NULL
     ORDER BY id FOR NO KEY UPDATE`;
  return rows.length === wanted.length;
}

/** What a write that locks one deal reads of it with the lock. */
export const LOCKED_DEAL = { id: true, currency: true, exchangeRate: true, lastExpensePosition: true } as const;

/** The row lockDeal reads: the same shape as Prisma's select of LOCKED_DEAL (its SQL names these columns). */
export type LockedDeal = Prisma.DealGetPayload<{ select: typeof LOCKED_DEAL }>;

/**
 * Locks one live deal and reads it in the same statement (SELECT ... FOR NO KEY UPDATE, the lock an
 * UPDATE of it takes); null when it is not there. `serviceTypeId`: a live, unarchived service type
 * of the organization the same statement checks (an expense's create): null when it is not there
 * either, and nothing is locked.
 *
 * Raw SQL (organizationSql) because the no-op UPDATE this was before wrote a new version of the
 * deal at every expense create, beside the one the trigger that keeps its sums writes: under
 * concurrent writes to a few deals those versions piled up faster than pages that are always pinned
 * could be pruned, and PostgreSQL's CPU per write grew with them (bench/results/2026-12-07-prepared.md).
 */
export async function lockDeal(tx: ScopedTx, id: number, serviceTypeId?: number): Promise<LockedDeal | null> {
  const sql = organizationSql(tx);
  const serviceType =
    serviceTypeId === undefined
      ? Prisma.empty
      : Prisma.sql`AND EXISTS (SELECT 1 FROM "public"."service_types" s
                                WHERE s.organization_id = ${sql.organizationId} AND s.id = ${serviceTypeId}
                                  AND s.deleted_at IS NULL AND s.archived_at IS NULL)`;
  const [deal] = await sql.$queryRaw<LockedDeal[]>`
    SELECT d.id, d.currency, d.exchange_rate AS "exchangeRate", d.last_expense_position AS "lastExpensePosition"
      FROM "public"."deals" d
     WHERE d.organization_id = ${sql.organizationId} AND d.id = ${id} AND d.deleted_at IS NULL ${serviceType}
       FOR NO KEY UPDATE OF d`;
  return deal ?? null;
}

/**
 * Locks a deal's live expenses in id order (SELECT ... ORDER BY id FOR UPDATE: PostgreSQL locks the
 * rows after sorting them); their count. Two writes that each lock all of a deal's expenses (rate
 * changes, a delete) with an UPDATE lock them in scan order, which differs between two statements
 * once a row has a newer version elsewhere in the table: on PostgreSQL under load they deadlocked
 * each other faster than retries could untangle (a CI run failed so). In id order the second one
 * waits on the first row the first one holds, holding none. Raw SQL because Prisma cannot order an
 * update's locks; the statement names the organization itself (organizationSql).
 */
export const lockDealExpenses = (tx: ScopedTx, dealId: number): Promise<number> => lockDealRows(tx, 'expenses', dealId);

/**
 * Locks a deal's live services in id order, as `lockDealExpenses` its expenses. A service's write
 * takes the service, then (through the trigger that keeps the deal's sort keys) the deal; a write
 * that changes every service of a deal (a currency change, a delete) takes them the same way round:
 * its expenses, its services, then the deal.
 */
export const lockDealServices = (tx: ScopedTx, dealId: number): Promise<number> => lockDealRows(tx, 'services', dealId);

/** SELECT ... ORDER BY id FOR UPDATE over a deal's live rows of one table (a fixed name, never input). */
async function lockDealRows(tx: ScopedTx, table: 'expenses' | 'services', dealId: number): Promise<number> {
  const sql = organizationSql(tx);
  const rows = await sql.$queryRaw<Array<{ id: number }>>`
    SELECT id FROM ${Prisma.raw(`"public"."${table}"`)}
     WHERE organization_id = ${sql.organizationId} AND deal_id = ${dealId} AND deleted_at IS NULL
     ORDER BY id FOR UPDATE`;
  return rows.length;
}

/** Locks live invoices in id order; true when every one of them was there. */
export async function lockInvoices(tx: ScopedTx, ids: Iterable<number>): Promise<boolean> {
  let all = true;
  for (const id of [...new Set(ids)].sort((a, b) => a - b)) {
    const { count } = await tx.invoice.updateMany({ where: { id, deletedAt: null }, data: { invoiceTypeId: { increment: 0 } } });
    all &&= count === 1;
  }
  return all;
}

type Lockable = 'company' | 'serviceType' | 'deal' | 'expense' | 'invoice' | 'invoiceAttribution' | 'contract' | 'project' | 'task' | 'service'
  | 'timeEntry' | 'booking' | 'event' | 'page' | 'dashboard' | 'purchaseOrder' | 'template';

/**
 * Locks one live row of any soft-deletable model (an UPDATE that writes `deleted_at = NULL` where it
 * is null: no value changes, though Prisma bumps an `updatedAt`); true when it was there.
 */
export async function lockLive(tx: ScopedTx, model: Lockable, id: number): Promise<boolean> {
  const delegate = tx[model] as unknown as { updateMany(args: unknown): Promise<{ count: number }> };
  const { count } = await delegate.updateMany({ where: { id, deletedAt: null }, data: { deletedAt: null } });
  return count === 1;
}

/**
 * For an update that moves a row to another parent (a time entry or a booking to another service):
 * locks the live parent it leaves (`from`) and the one it joins (`to`), in id order, before the row
 * itself. A parent's delete locks the parent, then stamps its children: it then either waits for the
 * move or went first (and the row, still its child, went to the bin with it, or `to` is gone), so a
 * row never goes to the bin with a parent it has left, nor stays live on one in the bin. True when
 * `to` is live.
 */
export async function lockMove(tx: ScopedTx, model: Lockable, from: number, to: number): Promise<boolean> {
  let joined = true;
  for (const id of [...new Set([from, to])].sort((a, b) => a - b)) {
    const live = await lockLive(tx, model, id);
    if (id === to) joined = live;
  }
  return joined;
}
