// A deal's money, computed from its rows. Today a deal's money comes from its expenses (time
// entries and services are not modelled yet, and add to the same figures when they are):
//
// - expense         = Σ live expenses' cost         (normalized: amount.normalized, default: amount.default)
// - expenseBillable = Σ live expenses' billable     (billableAmount, billableAmount.default)
// - revenue         = expenseBillable  (+ services revenue, once services exist)
// - cost            = expense          (+ work cost, once time entries exist)
// - profit          = revenue − cost
// - budgetTotal     = the agreed budget entered on the deal, × the deal's rate in the default currency
// - budgetUsed      = revenue recognised so far = revenue
// - budgetRemaining = budgetTotal − budgetUsed
//
// The original and normalized forms are in the deal's currency (the normalized currency of its
// expenses, kept so by updateDeal); the default forms add the stored default-currency values of
// the rows, so that a deal's default figures equal the expense list's totals for that deal.
//
// - invoiced          = Σ live invoice attributions to it (amount.normalized, amount.default)
// - pendingInvoicing  = revenue − invoiced
// The invoiced family is its own grouped statement, made only when one of those two is asked for.
import type { ScopedTx } from '../db/scope.js';
import { toDefault, type MoneySet, type RateLike } from '../money/money.js';

/** Sums over one deal's live expenses. */
export interface ExpenseSums {
  cost: bigint;
  costDefault: bigint;
  billable: bigint;
  billableDefault: bigint;
}

export const NO_EXPENSES: ExpenseSums = { cost: 0n, costDefault: 0n, billable: 0n, billableDefault: 0n };

/** The expense sums of many deals in one grouped statement (deals without expenses get zeros). */
export async function expenseSumsByDeal(db: ScopedTx, dealIds: readonly number[]): Promise<ExpenseSums[]> {
  const groups = await db.expense.groupBy({
    by: ['dealId'],
    where: { dealId: { in: [...dealIds] } },
    _sum: { amountNormalized: true, amountDefault: true, billableAmount: true, billableAmountDefault: true },
  });
  const byDeal = new Map(
    groups.map((g) => [
      g.dealId,
      {
        cost: BigInt(g._sum.amountNormalized ?? 0),
        costDefault: BigInt(g._sum.amountDefault ?? 0),
        billable: BigInt(g._sum.billableAmount ?? 0),
        billableDefault: BigInt(g._sum.billableAmountDefault ?? 0),
      },
    ]),
  );
  return dealIds.map((id) => byDeal.get(id) ?? NO_EXPENSES);
}

/** Sums over one deal's live invoice attributions. */
export interface InvoicedSums {
  invoiced: bigint;
  invoicedDefault: bigint;
}

const NOTHING_INVOICED: InvoicedSums = { invoiced: 0n, invoicedDefault: 0n };

/** The invoiced sums of many deals in one grouped statement. */
export async function invoicedSumsByDeal(db: ScopedTx, dealIds: readonly number[]): Promise<InvoicedSums[]> {
  const groups = await db.invoiceAttribution.groupBy({
    by: ['dealId'],
    where: { dealId: { in: [...dealIds] } },
    _sum: { amountNormalized: true, amountDefault: true },
  });
  const byDeal = new Map(
    groups.map((g) => [g.dealId, { invoiced: BigInt(g._sum.amountNormalized ?? 0), invoicedDefault: BigInt(g._sum.amountDefault ?? 0) }]),
  );
  return dealIds.map((id) => byDeal.get(id) ?? NOTHING_INVOICED);
}

export type DealMoneyField =
  | 'revenue'
  | 'cost'
  | 'profit'
  | 'expense'
  | 'expenseBillable'
  | 'budgetTotal'
  | 'budgetUsed'
  | 'budgetRemaining';

export type DealInvoicingField = 'invoiced' | 'pendingInvoicing';

export interface DealMoneyBasis {
  currency: string;
  exchangeRate: RateLike;
  budgetTotal: bigint;
}

const inDeal = (deal: { currency: string }, defaultCurrency: string) => (own: bigint, inDefault: bigint): MoneySet => ({
  original: { cents: own, currency: deal.currency },
  default: { cents: inDefault, currency: defaultCurrency },
  normalized: { cents: own, currency: deal.currency },
});

/** `invoiced` and `pendingInvoicing` (revenue − invoiced). The seed: 2 × 10000 on a deal without revenue: 20000 and −20000. */
export function dealInvoicing(
  deal: { currency: string },
  expenses: ExpenseSums,
  invoiced: InvoicedSums,
  defaultCurrency: string,
): Record<DealInvoicingField, MoneySet> {
  const set = inDeal(deal, defaultCurrency);
  return {
    invoiced: set(invoiced.invoiced, invoiced.invoicedDefault),
    pendingInvoicing: set(expenses.billable - invoiced.invoiced, expenses.billableDefault - invoiced.invoicedDefault),
  };
}

/** Every money field of a deal from its own columns and its expense sums. */
export function dealMoney(deal: DealMoneyBasis, sums: ExpenseSums, defaultCurrency: string): Record<DealMoneyField, MoneySet> {
  const set = inDeal(deal, defaultCurrency);
  const budgetTotalDefault = toDefault(deal.budgetTotal, deal.exchangeRate);
  const revenue = set(sums.billable, sums.billableDefault);
  const cost = set(sums.cost, sums.costDefault);
  return {
    revenue,
    cost,
    profit: set(sums.billable - sums.cost, sums.billableDefault - sums.costDefault),
    expense: cost,
    expenseBillable: revenue,
    budgetTotal: set(deal.budgetTotal, budgetTotalDefault),
    budgetUsed: revenue,
    budgetRemaining: set(deal.budgetTotal - sums.billable, budgetTotalDefault - sums.billableDefault),
  };
}
