// A purchase order's money. `totalCost` and `totalReceived` are entered in the order's own currency
// and stored; as for invoices (docs/money.md), each is shown in three forms: original and
// normalized in the order's currency, default converted at the order's own rate, rounded once.
import { fitsInt64, toDefault, type MoneySet, type RateLike } from './money.js';

export type PurchaseOrderMoneyField = 'totalCost' | 'totalReceived';

export interface PurchaseOrderMoneyBasis {
  currency: string;
  exchangeRate: RateLike;
  totalCost: bigint;
  totalReceived: bigint;
}

/** The largest total an order may have: 10^15 minor units, as every entered amount. */
export const MAX_ORDER_CENTS = 10n ** 15n;

export function purchaseOrderMoney(order: PurchaseOrderMoneyBasis, defaultCurrency: string): Record<PurchaseOrderMoneyField, MoneySet> {
  const set = (cents: bigint): MoneySet => ({
    original: { cents, currency: order.currency },
    default: { cents: toDefault(cents, order.exchangeRate), currency: defaultCurrency },
    normalized: { cents, currency: order.currency },
  });
  return { totalCost: set(order.totalCost), totalReceived: set(order.totalReceived) };
}

/** The fields whose default form would not fit a bigint (the type the API promises); empty when all fit. */
export function overflowingFields(order: PurchaseOrderMoneyBasis): PurchaseOrderMoneyField[] {
  return (['totalCost', 'totalReceived'] as const).filter((field) => !fitsInt64(toDefault(order[field], order.exchangeRate)));
}
