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
// Invoiced / pending invoicing join when invoice attributions exist (a second family).
import type { ScopedClient } from '../db/scope.js';
import { toDefault, type MoneySet, type RateLike } from '../money/money.js';

/** Sums over one deal's live expenses. */
export interface ExpenseSums {
  cost: bigint;
  costDefault: bigint;
  billable: bigint;
  billableDefault: bigint;
}

const NO_EXPENSES: ExpenseSums = { cost: 0n, costDefault: 0n, billable: 0n, billableDefault: 0n };

/** The expense sums of many deals in one grouped statement (deals without expenses get zeros). */
export async function expenseSumsByDeal(db: ScopedClient, dealIds: readonly number[]): Promise<ExpenseSums[]> {
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

export type DealMoneyField =
  | 'revenue'
  | 'cost'
  | 'profit'
  | 'expense'
  | 'expenseBillable'
  | 'budgetTotal'
  | 'budgetUsed'
  | 'budgetRemaining';

export interface DealMoneyBasis {
  currency: string;
  exchangeRate: RateLike;
  budgetTotal: bigint;
}

/** Every money field of a deal from its own columns and its expense sums. */
export function dealMoney(deal: DealMoneyBasis, sums: ExpenseSums, defaultCurrency: string): Record<DealMoneyField, MoneySet> {
  const set = (own: bigint, inDefault: bigint): MoneySet => ({
    original: { cents: own, currency: deal.currency },
    default: { cents: inDefault, currency: defaultCurrency },
    normalized: { cents: own, currency: deal.currency },
  });
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
