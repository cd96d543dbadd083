// What the expense filters, sorts and totals mean. The list kit (src/schema/kit/list.ts) turns these
// into GraphQL inputs and Prisma arguments; tenancy is added by the scoped client.
import { present, type Where } from './kit/conditions.js';
import type { SortKey } from './kit/keyset.js';
import type { MoneyTotalSpec } from './kit/totals.js';

export type ApprovalStatus = 'APPROVED' | 'NOT_APPROVED' | 'REJECTED';
export type PaymentStatus = 'PAID' | 'UNPAID';

export const expenseConditions = {
  dealIds: (ids: number[]): Where => ({ dealId: { in: ids } }),
  serviceTypeIds: (ids: number[]): Where => ({ serviceTypeId: { in: ids } }),
  personIds: (ids: number[]): Where => present('personId', { personId: { in: ids } }),
  companyIds: (ids: number[]): Where => ({ deal: { companyId: { in: ids } } }),
  projectIds: (ids: number[]): Where => ({ deal: { projectId: { in: ids } } }),
  /** The REST `*_after` / `*_before` filters are inclusive: a day is "after" itself. */
  onOrAfter: (field: 'date' | 'payOn' | 'paidOn') => (day: Date): Where =>
    field === 'date' ? { date: { gte: day } } : present(field, { [field]: { gte: day } }),
  onOrBefore: (field: 'date' | 'payOn' | 'paidOn') => (day: Date): Where =>
    field === 'date' ? { date: { lte: day } } : present(field, { [field]: { lte: day } }),
  paymentStatus: (status: PaymentStatus): Where => ({ paidOn: status === 'PAID' ? { not: null } : null }),
  /** NOT_APPROVED means awaiting a decision: neither approved nor rejected. */
  approvalStatus: (status: ApprovalStatus): Where =>
    ({
      APPROVED: { approved: true },
      NOT_APPROVED: { approved: false, rejected: false },
      REJECTED: { rejected: true },
    })[status],
  invoiced: (invoiced: boolean): Where => ({ invoiced }),
  /** `false` also matches expenses where it was never set. */
  reimbursable: (reimbursable: boolean): Where =>
    reimbursable ? present('reimbursable', { reimbursable: true }) : { OR: [{ reimbursable: false }, { reimbursable: null }] },
};

/**
 * Money sorts compare the default-currency value, the one form comparable across currencies.
 * Empty dates sort last either way.
 */
export const expenseSortKeys = {
  NAME: [{ path: ['name'], type: 'string' }],
  DATE: [{ path: ['date'], type: 'date' }],
  PAY_ON: [{ path: ['payOn'], type: 'date', nullable: true }],
  PAID_ON: [{ path: ['paidOn'], type: 'date', nullable: true }],
  AMOUNT: [{ path: ['amountDefault'], type: 'bigint' }],
  BILLABLE_AMOUNT: [{ path: ['billableAmountDefault'], type: 'bigint' }],
  PROFIT: [{ path: ['profitDefault'], type: 'bigint' }],
  // A copy of the service type's name kept on the expense by the database (see schema.prisma).
  SERVICE_TYPE_NAME: [{ path: ['serviceTypeName'], type: 'string' }],
  CREATED_AT: [{ path: ['createdAt'], type: 'datetime' }],
} satisfies Record<string, SortKey[]>;

/** Billable amounts and profit are kept in the deal's currency (see money/expense-amounts.ts). */
export const expenseTotals = {
  totalAmount: {
    original: { sum: 'amount', currency: 'currency' },
    default: 'amountDefault',
    normalized: { sum: 'amountNormalized', currency: 'normalizedCurrency' },
  },
  totalBillableAmount: {
    original: { sum: 'billableAmount', currency: 'normalizedCurrency' },
    default: 'billableAmountDefault',
    normalized: { sum: 'billableAmount', currency: 'normalizedCurrency' },
  },
  totalProfit: {
    original: { sum: 'profitNormalized', currency: 'normalizedCurrency' },
    default: 'profitDefault',
    normalized: { sum: 'profitNormalized', currency: 'normalizedCurrency' },
  },
} satisfies Record<string, MoneyTotalSpec>;
