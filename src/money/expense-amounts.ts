// How an expense's money is derived, read off the reference examples:
// - `amount` is in the expense's currency; default = amount × expense rate; normalized is in the
//   deal's currency = amount × expense rate / deal rate.
// - `billable_amount` is what the client is billed on the deal, in the deal's currency; default =
//   billable × deal rate. (Reference: a 10000 USD expense, rate 1.0, on a EUR deal at 1.25 bills
//   10000 → default 12500, normalized 10000, profit 2000 normalized / 2500 default.)
// - profit = billable − amount, in the deal's currency and in the default currency.
import { between, fitsInt64, toDefault, type MoneySet } from './money.js';

export interface ExpenseMoneyInput {
  amount: bigint;
  billableAmount: bigint;
  currency: string;
  exchangeRate: string;
  deal: { currency: string; exchangeRate: string };
}

export interface ExpenseMoneyColumns {
  amountDefault: bigint;
  amountNormalized: bigint;
  billableAmountDefault: bigint;
  normalizedCurrency: string;
  profitNormalized: bigint;
  profitDefault: bigint;
}

export function expenseMoneyColumns(input: ExpenseMoneyInput): ExpenseMoneyColumns {
  const amountDefault = toDefault(input.amount, input.exchangeRate);
  const amountNormalized =
    input.currency === input.deal.currency
      ? input.amount
      : between(input.amount, input.exchangeRate, input.deal.exchangeRate);
  const billableAmountDefault = toDefault(input.billableAmount, input.deal.exchangeRate);
  return {
    amountDefault,
    amountNormalized,
    billableAmountDefault,
    normalizedCurrency: input.deal.currency,
    profitNormalized: input.billableAmount - amountNormalized,
    profitDefault: billableAmountDefault - amountDefault,
  };
}

/**
 * A billable amount is kept in its deal's currency: when the deal changes currency, the amount is
 * re-expressed in the new one through the default currency (× old rate ÷ new rate, rounded once).
 * A change of rate alone leaves it as it is (only its default form moves).
 */
export function rebaseBillable(
  billable: bigint,
  from: { currency: string; exchangeRate: string },
  to: { currency: string; exchangeRate: string },
): bigint {
  return from.currency === to.currency ? billable : between(billable, from.exchangeRate, to.exchangeRate);
}

/** What an expense holds that its deal's currency and rate decide. */
export interface ExpenseOnDeal {
  amount: bigint;
  billableAmount: bigint;
  currency: string;
  exchangeRate: string;
}

/**
 * An expense's money once its deal moved from `before` to `after` (a new currency or rate): the
 * billable amount re-expressed, every derived column again. Null when a value would not fit a
 * bigint. updateDeal applies it to a deal's live expenses, a restore to an expense that was in the
 * bin meanwhile: one rule, whichever way the expense meets its deal's change.
 */
export function reexpressExpense(
  expense: ExpenseOnDeal,
  before: { currency: string; exchangeRate: string },
  after: { currency: string; exchangeRate: string },
): ({ billableAmount: bigint } & ExpenseMoneyColumns) | null {
  const billableAmount = rebaseBillable(expense.billableAmount, before, after);
  const columns = expenseMoneyColumns({ ...expense, billableAmount, deal: after });
  const values = [billableAmount, ...Object.values(columns).filter((v): v is bigint => typeof v === 'bigint')];
  return values.every(fitsInt64) ? { billableAmount, ...columns } : null;
}

/** The stored columns behind each money field of an expense: [original, its currency, default, normalized]. */
export const EXPENSE_MONEY_COLUMNS = {
  amount: ['amount', 'currency', 'amountDefault', 'amountNormalized'],
  billableAmount: ['billableAmount', 'normalizedCurrency', 'billableAmountDefault', 'billableAmount'],
  profit: ['profitNormalized', 'normalizedCurrency', 'profitDefault', 'profitNormalized'],
} as const;

export type ExpenseMoneyField = keyof typeof EXPENSE_MONEY_COLUMNS;

type Column = (typeof EXPENSE_MONEY_COLUMNS)[ExpenseMoneyField][number];

/**
 * A money field of an expense in its three forms, from its stored columns: the default form is in
 * the organization's currency, the normalized one in the deal's. The API and events both show this.
 */
export function expenseMoneySet(e: Pick<Record<Column, unknown>, Column>, field: ExpenseMoneyField, defaultCurrency: string): MoneySet {
  const [original, currency, inDefault, normalized] = EXPENSE_MONEY_COLUMNS[field];
  return {
    original: { cents: e[original] as bigint, currency: e[currency] as string },
    default: { cents: e[inDefault] as bigint, currency: defaultCurrency },
    normalized: { cents: e[normalized] as bigint, currency: e.normalizedCurrency as string },
  };
}
