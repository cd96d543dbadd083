// What the expense filters, sorts and totals mean, as plain functions from a decoded filter to
// Prisma arguments. Tenancy is not handled here: the scoped client adds it to whatever this builds.
import type { Prisma } from '../generated/prisma/client.js';
import type { ScopedClient } from '../db/scope.js';
import type { Money } from '../money/money.js';

/** Operators on one scalar field, as the REST API offers them. */
export interface Operators<T> {
  eq?: T | null;
  notEq?: T | null;
  contains?: string | null;
  notContains?: string | null;
  gt?: T | null;
  gte?: T | null;
  lt?: T | null;
  lte?: T | null;
  in?: T[] | null;
  isNull?: boolean | null;
}

export type ApprovalStatus = 'APPROVED' | 'NOT_APPROVED' | 'REJECTED';

export interface ExpenseFilter {
  dealIds?: number[] | null;
  serviceTypeIds?: number[] | null;
  companyIds?: number[] | null;
  projectIds?: number[] | null;
  personIds?: number[] | null;
  dateAfter?: Date | null;
  dateBefore?: Date | null;
  payOnAfter?: Date | null;
  payOnBefore?: Date | null;
  paidOnAfter?: Date | null;
  paidOnBefore?: Date | null;
  status?: 'PAID' | 'UNPAID' | null;
  approvalStatus?: ApprovalStatus | null;
  invoiced?: boolean | null;
  reimbursable?: boolean | null;
  name?: Operators<string> | null;
  currency?: Operators<string> | null;
  amount?: Operators<bigint> | null;
  billableAmount?: Operators<bigint> | null;
  date?: Operators<Date> | null;
  payOn?: Operators<Date> | null;
  paidOn?: Operators<Date> | null;
  createdAt?: Operators<Date> | null;
  and?: ExpenseFilter[] | null;
  or?: ExpenseFilter[] | null;
  not?: ExpenseFilter | null;
}

type Where = Prisma.ExpenseWhereInput;

/**
 * A condition on a nullable field that is false, never unknown, when the field is empty. SQL
 * would make `pay_on = X` unknown for a NULL, and `NOT (unknown)` is still unknown, so a `not`
 * group would silently drop rows without a value. Guarded, every condition is two-valued.
 */
function present(field: string, condition: Where): Where {
  return { AND: [{ [field]: { not: null } } as Where, condition] };
}

/**
 * One field's operators. `notEq`/`notContains` keep rows where a nullable field is null: "not
 * equal to X" includes "has no value", unlike SQL's `<>`.
 */
function operators<T>(field: string, ops: Operators<T>, nullable: boolean): Where[] {
  const out: Where[] = [];
  const on = (condition: unknown): Where => {
    const where = { [field]: condition } as Where;
    return nullable ? present(field, where) : where;
  };
  const orNull = (condition: Where): Where => (nullable ? { OR: [condition, { [field]: null } as Where] } : condition);
  if (ops.eq != null) out.push(on({ equals: ops.eq }));
  if (ops.notEq != null) out.push(orNull({ NOT: on({ equals: ops.notEq }) }));
  if (ops.contains != null) out.push(on({ contains: ops.contains, mode: 'insensitive' }));
  if (ops.notContains != null) {
    out.push(orNull({ NOT: on({ contains: ops.notContains, mode: 'insensitive' }) }));
  }
  if (ops.gt != null) out.push(on({ gt: ops.gt }));
  if (ops.gte != null) out.push(on({ gte: ops.gte }));
  if (ops.lt != null) out.push(on({ lt: ops.lt }));
  if (ops.lte != null) out.push(on({ lte: ops.lte }));
  if (ops.in != null) out.push(on({ in: ops.in }));
  if (ops.isNull != null) out.push({ [field]: ops.isNull ? null : { not: null } } as Where);
  return out;
}

const APPROVAL: Record<ApprovalStatus, Where> = {
  APPROVED: { approved: true },
  NOT_APPROVED: { approved: false, rejected: false },
  REJECTED: { rejected: true },
};

export function expenseWhere(filter: ExpenseFilter | null | undefined): Where {
  if (!filter) return {};
  const all: Where[] = [];
  if (filter.dealIds) all.push({ dealId: { in: filter.dealIds } });
  if (filter.serviceTypeIds) all.push({ serviceTypeId: { in: filter.serviceTypeIds } });
  if (filter.personIds) all.push(present('personId', { personId: { in: filter.personIds } }));
  if (filter.companyIds) all.push({ deal: { companyId: { in: filter.companyIds } } });
  if (filter.projectIds) all.push({ deal: { projectId: { in: filter.projectIds } } });
  // The REST `*_after` / `*_before` filters are inclusive: a day is "after" itself.
  if (filter.dateAfter) all.push({ date: { gte: filter.dateAfter } });
  if (filter.dateBefore) all.push({ date: { lte: filter.dateBefore } });
  if (filter.payOnAfter) all.push(present('payOn', { payOn: { gte: filter.payOnAfter } }));
  if (filter.payOnBefore) all.push(present('payOn', { payOn: { lte: filter.payOnBefore } }));
  if (filter.paidOnAfter) all.push(present('paidOn', { paidOn: { gte: filter.paidOnAfter } }));
  if (filter.paidOnBefore) all.push(present('paidOn', { paidOn: { lte: filter.paidOnBefore } }));
  if (filter.status) all.push({ paidOn: filter.status === 'PAID' ? { not: null } : null });
  if (filter.approvalStatus) all.push(APPROVAL[filter.approvalStatus]);
  if (filter.invoiced != null) all.push({ invoiced: filter.invoiced });
  if (filter.reimbursable != null) {
    all.push(
      filter.reimbursable
        ? present('reimbursable', { reimbursable: true })
        : { OR: [{ reimbursable: false }, { reimbursable: null }] },
    );
  }
  if (filter.name) all.push(...operators('name', filter.name, false));
  if (filter.currency) all.push(...operators('currency', filter.currency, false));
  if (filter.amount) all.push(...operators('amount', filter.amount, false));
  if (filter.billableAmount) all.push(...operators('billableAmount', filter.billableAmount, false));
  if (filter.date) all.push(...operators('date', filter.date, false));
  if (filter.payOn) all.push(...operators('payOn', filter.payOn, true));
  if (filter.paidOn) all.push(...operators('paidOn', filter.paidOn, true));
  if (filter.createdAt) all.push(...operators('createdAt', filter.createdAt, false));
  if (filter.and?.length) all.push(...filter.and.map(expenseWhere));
  if (filter.or) all.push({ OR: filter.or.map(expenseWhere) });
  if (filter.not) all.push({ NOT: expenseWhere(filter.not) });
  return all.length === 0 ? {} : all.length === 1 ? all[0]! : { AND: all };
}

export type ExpenseSortField =
  | 'NAME'
  | 'DATE'
  | 'PAY_ON'
  | 'PAID_ON'
  | 'AMOUNT'
  | 'BILLABLE_AMOUNT'
  | 'PROFIT'
  | 'SERVICE_TYPE_NAME'
  | 'CREATED_AT';

export interface ExpenseSort {
  field: ExpenseSortField;
  direction: 'ASC' | 'DESC';
}

type Order = Prisma.ExpenseOrderByWithRelationInput;

/**
 * Money sorts compare the default-currency value, the one form comparable across currencies.
 * Empty dates sort last either way. Every order ends with the id, so ties are stable across pages.
 */
export function expenseOrderBy(sorts: ExpenseSort[] | null | undefined): Order[] {
  const orders: Order[] = (sorts ?? []).map(({ field, direction }) => {
    const sort = direction === 'DESC' ? 'desc' : 'asc';
    switch (field) {
      case 'NAME':
        return { name: sort };
      case 'DATE':
        return { date: sort };
      case 'PAY_ON':
        return { payOn: { sort, nulls: 'last' } };
      case 'PAID_ON':
        return { paidOn: { sort, nulls: 'last' } };
      case 'AMOUNT':
        return { amountDefault: sort };
      case 'BILLABLE_AMOUNT':
        return { billableAmountDefault: sort };
      case 'PROFIT':
        return { profitDefault: sort };
      case 'SERVICE_TYPE_NAME':
        return { serviceType: { name: sort } };
      case 'CREATED_AT':
        return { createdAt: sort };
    }
  });
  const last = sorts?.[sorts.length - 1];
  orders.push({ id: last?.direction === 'DESC' ? 'desc' : 'asc' });
  return orders;
}

export interface MoneyTotals {
  original: Money | null;
  default: Money;
  normalized: Money | null;
}

export interface ExpenseTotals {
  totalAmount: MoneyTotals;
  totalBillableAmount: MoneyTotals;
  totalProfit: MoneyTotals;
}

/**
 * Sums over the filtered set in one statement, grouped by the currencies involved so that amounts
 * in different currencies are never added together. PostgreSQL sums bigint into numeric, and
 * Prisma hands it back as bigint: exact for any number of rows.
 */
export async function expenseTotals(db: ScopedClient, where: Where, defaultCurrency: string): Promise<ExpenseTotals> {
  const groups = await db.expense.groupBy({
    by: ['currency', 'normalizedCurrency'],
    where,
    _sum: {
      amount: true,
      amountDefault: true,
      amountNormalized: true,
      billableAmount: true,
      billableAmountDefault: true,
      profitNormalized: true,
      profitDefault: true,
    },
  });
  const sum = (pick: (g: (typeof groups)[number]) => bigint | null | undefined) =>
    groups.reduce((total, g) => total + BigInt(pick(g) ?? 0n), 0n);
  const only = (values: string[]) => (new Set(values).size === 1 ? values[0]! : null);
  const originalCurrency = only(groups.map((g) => g.currency));
  const normalizedCurrency = only(groups.map((g) => g.normalizedCurrency));
  const money = (cents: bigint, currency: string | null): Money | null => (currency ? { cents, currency } : null);
  return {
    totalAmount: {
      original: money(sum((g) => g._sum.amount), originalCurrency),
      default: { cents: sum((g) => g._sum.amountDefault), currency: defaultCurrency },
      normalized: money(sum((g) => g._sum.amountNormalized), normalizedCurrency),
    },
    // Billable amounts and profit are kept in the deal's currency (see money/expense-amounts.ts).
    totalBillableAmount: {
      original: money(sum((g) => g._sum.billableAmount), normalizedCurrency),
      default: { cents: sum((g) => g._sum.billableAmountDefault), currency: defaultCurrency },
      normalized: money(sum((g) => g._sum.billableAmount), normalizedCurrency),
    },
    totalProfit: {
      original: money(sum((g) => g._sum.profitNormalized), normalizedCurrency),
      default: { cents: sum((g) => g._sum.profitDefault), currency: defaultCurrency },
      normalized: money(sum((g) => g._sum.profitNormalized), normalizedCurrency),
    },
  };
}
