// An invoice's type and status, and its credit-note sums. The invoice list's filters and sorts are
// its spec in src/schema/invoice.ts, as every list's (src/schema/kit/list.ts); its `status` filter
// is `statusCondition` here, beside the rule it must agree with.
import type { ScopedTx } from '../db/scope.js';
import { amountCredited } from '../money/invoice-money.js';
import { present, type Where } from './kit/conditions.js';

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
