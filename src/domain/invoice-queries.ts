// What the invoice filters, sorts, statuses and credit-note sums mean. The list kit
// (src/schema/kit/list.ts) turns these into GraphQL inputs and Prisma arguments; tenancy and
// soft deletion are added by the scoped client.
import type { ScopedTx } from '../db/scope.js';
import { amountCredited } from '../money/invoice-money.js';
import { NOTHING, present, type Where } from './kit/conditions.js';
import type { SortKey } from './kit/keyset.js';
import { anyTag } from './kit/tags.js';

/** Invoice or credit note, numbered as the REST API's `invoice_type_id`. */
export const INVOICE_TYPES = { INVOICE: 1, CREDIT_NOTE: 2 } as const;
export type InvoiceType = keyof typeof INVOICE_TYPES;

export const invoiceTypeOf = (id: number): InvoiceType => (id === INVOICE_TYPES.CREDIT_NOTE ? 'CREDIT_NOTE' : 'INVOICE');

export type InvoiceStatus = 'DRAFT' | 'SENT' | 'OVERDUE' | 'PAID';

/** Today as a calendar date (UTC midnight), as `@db.Date` columns are read. */
export const todayUtc = (): Date => new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);

/**
 * PAID when `paidOn` is set; otherwise OVERDUE when it was sent or finalized and `payOn` is before
 * today; otherwise SENT when it was sent or finalized; otherwise DRAFT. `statusCondition` is the
 * same rule as a database condition: keep them together.
 */
export function invoiceStatusOf(
  invoice: { paidOn: Date | null; sentOn: Date | null; finalizedOn: Date | null; payOn: Date | null },
  today: Date,
): InvoiceStatus {
  if (invoice.paidOn) return 'PAID';
  const issued = invoice.sentOn !== null || invoice.finalizedOn !== null;
  if (!issued) return 'DRAFT';
  return invoice.payOn !== null && invoice.payOn.getTime() < today.getTime() ? 'OVERDUE' : 'SENT';
}

/** The rows of one status (two-valued: never unknown for empty dates, so `not` works as expected). */
export function statusCondition(status: InvoiceStatus, today: Date): Where {
  const unpaid = { paidOn: null };
  const issued = { OR: [{ sentOn: { not: null } }, { finalizedOn: { not: null } }] };
  switch (status) {
    case 'PAID':
      return { paidOn: { not: null } };
    case 'OVERDUE':
      return { AND: [unpaid, issued, present('payOn', { payOn: { lt: today } })] };
    case 'SENT':
      return { AND: [unpaid, issued, { OR: [{ payOn: null }, { payOn: { gte: today } }] }] };
    case 'DRAFT':
      return { paidOn: null, sentOn: null, finalizedOn: null };
  }
}

export const invoiceConditions = {
  companyIds: (ids: number[]): Where => ({ companyId: { in: ids } }),
  parentInvoiceIds: (ids: number[]): Where => present('parentInvoiceId', { parentInvoiceId: { in: ids } }),
  /** Any of these statuses, as of today (UTC). An empty list matches nothing. */
  status: (statuses: InvoiceStatus[], today: Date = todayUtc()): Where =>
    // Prisma reads an empty OR as no condition at all: state "nothing" outright.
    statuses.length === 0 ? NOTHING : { OR: statuses.map((s) => statusCondition(s, today)) },
  archived: (archived: boolean): Where => ({ archivedAt: archived ? { not: null } : null }),
  invoiceType: (type: InvoiceType): Where => ({ invoiceTypeId: INVOICE_TYPES[type] }),
  /** Invoices carrying any of these tags (exact, case-sensitive). */
  tags: anyTag,
};

/** A list filter as the client sent it: `archived` and the combinators are all this module looks at. */
export interface ArchivedFilter {
  archived?: boolean | null;
  and?: ArchivedFilter[] | null;
  or?: ArchivedFilter[] | null;
  not?: ArchivedFilter | null;
}

/** Whether a filter says anything about `archived`, at any depth (an explicit `null` counts: it asks for both). */
export function mentionsArchived(filter: ArchivedFilter | null | undefined): boolean {
  if (!filter) return false;
  return (
    'archived' in filter ||
    (filter.and ?? []).some(mentionsArchived) ||
    (filter.or ?? []).some(mentionsArchived) ||
    mentionsArchived(filter.not)
  );
}

/**
 * Archived invoices are left out of lists unless the filter mentions `archived`: archiving files an
 * invoice away without deleting it. `archived: null` asks for both.
 */
export function withArchivedDefault<F extends ArchivedFilter>(filter: F | null | undefined): F {
  if (mentionsArchived(filter)) return filter!;
  return { ...(filter ?? {}), archived: false } as F;
}

/** Empty values (no number, no pay-on date) come last in both directions. */
export const invoiceSortKeys = {
  NUMBER: [{ path: ['number'], type: 'string', nullable: true }],
  INVOICED_ON: [{ path: ['invoicedOn'], type: 'date' }],
  PAY_ON: [{ path: ['payOn'], type: 'date', nullable: true }],
  CREATED_AT: [{ path: ['createdAt'], type: 'datetime' }],
} satisfies Record<string, SortKey[]>;

/** What an invoice's live credit notes add up to. */
export interface CreditSums {
  /** How many live credit notes it has. */
  count: number;
  /** − Σ their amountWithTax, in the invoice's currency. */
  credited: bigint;
}

const NO_CREDIT: CreditSums = { count: 0, credited: 0n };

/**
 * The credit sums of many invoices in one statement. Each credit note's tax is rounded on its own
 * (docs/money.md), so the rows are summed here rather than with SQL SUM over the amounts.
 */
export async function creditSumsByInvoice(db: ScopedTx, invoiceIds: readonly number[]): Promise<CreditSums[]> {
  const notes = await db.invoice.findMany({
    where: { parentInvoiceId: { in: [...invoiceIds] } },
    select: { parentInvoiceId: true, amount: true, tax1Value: true, tax2Value: true },
  });
  const byInvoice = new Map<number, typeof notes>();
  for (const note of notes) {
    const list = byInvoice.get(note.parentInvoiceId!) ?? [];
    list.push(note);
    byInvoice.set(note.parentInvoiceId!, list);
  }
  return invoiceIds.map((id) => {
    const list = byInvoice.get(id);
    return list ? { count: list.length, credited: amountCredited(list) } : NO_CREDIT;
  });
}
