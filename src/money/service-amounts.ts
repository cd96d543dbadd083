// A service's money: `price` (per unit, in minor units of its deal's currency) and `quantity` (a
// decimal with at most 4 decimals, as the DECIMAL(14, 4) column holds it) are entered; the total is
// derived here, exactly:
//
// - total = price × quantity, rounded once to the minor unit, half away from zero
//
// Both are bigint arithmetic on the quantity as a fraction n / 10^k: no float ever sees a value.
import { between, divideRounded, formatRate, rateText, type Money, type RateLike } from './money.js';

/** What the `quantity` column holds: up to 10 digits before the point and 4 after, not negative. */
const QUANTITY_PATTERN = /^(\d{1,10})(?:\.(\d{1,4}))?$/;

/** The largest price, and the largest total, a service may have: 10^15 minor units, as every entered amount. */
export const MAX_SERVICE_CENTS = 10n ** 15n;

/** Whether a client's quantity is one we store as it is: "1", "2.5", "0.0001", "9999999999.9999". */
export const isValidQuantity = (text: string): boolean => QUANTITY_PATTERN.test(text);

interface Fraction {
  numerator: bigint;
  denominator: bigint;
}

function parseQuantity(quantity: RateLike): Fraction {
  const text = rateText(quantity);
  const match = QUANTITY_PATTERN.exec(text);
  if (!match) throw new RangeError(`Invalid quantity ${text}`);
  const fraction = match[2] ?? '';
  return { numerator: BigInt(match[1]! + fraction), denominator: 10n ** BigInt(fraction.length) };
}

/** price × quantity, rounded once, half away from zero. */
export function serviceTotal(price: bigint, quantity: RateLike): bigint {
  const q = parseQuantity(quantity);
  return divideRounded(price * q.numerator, q.denominator);
}

/** Whether the total stays within MAX_SERVICE_CENTS, as an entered amount would have to. */
export const totalFits = (price: bigint, quantity: RateLike): boolean => serviceTotal(price, quantity) <= MAX_SERVICE_CENTS;

/** Canonical text of a quantity, as the reference prints it: "1.0", "2.5", "0.0001". */
export const formatQuantity = (quantity: RateLike): string => formatRate(quantity);

/**
 * A service's price once its deal's currency moved from `before` to `after`: re-expressed as
 * billable amounts are (a change of rate alone leaves it). Null when the price or the total would
 * then exceed MAX_SERVICE_CENTS. updateDeal and a restore of a service share it.
 */
export function reexpressPrice(
  price: bigint,
  quantity: RateLike,
  before: { currency: string; exchangeRate: string },
  after: { currency: string; exchangeRate: string },
): bigint | null {
  if (before.currency === after.currency) return price;
  const rebased = between(price, before.exchangeRate, after.exchangeRate);
  return rebased > MAX_SERVICE_CENTS || !totalFits(rebased, quantity) ? null : rebased;
}

/** A service's `price` and `total`, in its deal's currency (the API and events both show these). */
export function serviceMoney(s: { price: bigint; quantity: RateLike; deal: { currency: string } }): { price: Money; total: Money } {
  return { price: { cents: s.price, currency: s.deal.currency }, total: { cents: serviceTotal(s.price, s.quantity), currency: s.deal.currency } };
}
