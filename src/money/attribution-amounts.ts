// How an invoice attribution's money is derived: `amount` is in the invoice's currency (the
// reference: "currency follows the invoice"); default = amount × the invoice's rate; normalized is
// in the budget's currency = amount × invoice rate ÷ budget rate (the amount itself when the
// currencies are equal). Reference: 10000 EUR on a EUR invoice at 1.25 → 12500 USD, 10000 EUR.
import { between, toDefault, type MoneySet } from './money.js';

export interface AttributionMoneyColumns {
  currency: string;
  amountDefault: bigint;
  amountNormalized: bigint;
  normalizedCurrency: string;
}

export function attributionMoneyColumns(
  amount: bigint,
  invoice: { currency: string; exchangeRate: string },
  deal: { currency: string; exchangeRate: string },
): AttributionMoneyColumns {
  return {
    currency: invoice.currency,
    amountDefault: toDefault(amount, invoice.exchangeRate),
    amountNormalized: invoice.currency === deal.currency ? amount : between(amount, invoice.exchangeRate, deal.exchangeRate),
    normalizedCurrency: deal.currency,
  };
}

/** Whether `attributed` (a sum of an invoice's attributions) exceeds the invoice's amount, with its sign. */
export function exceedsInvoice(invoiceAmount: bigint, attributed: bigint): boolean {
  return invoiceAmount >= 0n ? attributed < 0n || attributed > invoiceAmount : attributed > 0n || attributed < invoiceAmount;
}

/** An attribution's `amount` in its three forms, from its stored columns (the API and events both show this). */
export function attributionMoneySet(
  a: { amount: bigint; currency: string; amountDefault: bigint; amountNormalized: bigint; normalizedCurrency: string },
  defaultCurrency: string,
): MoneySet {
  return {
    original: { cents: a.amount, currency: a.currency },
    default: { cents: a.amountDefault, currency: defaultCurrency },
    normalized: { cents: a.amountNormalized, currency: a.normalizedCurrency },
  };
}
