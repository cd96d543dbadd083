// Money in minor units. Amounts are bigint end to end, rates are decimal strings, and every
// conversion rounds exactly once, here, half away from zero -- the one rounding rule of the gateway.

export interface Money {
  cents: bigint;
  /** ISO 4217 code. */
  currency: string;
}

/** The three forms every money field comes in (see the expenses reference). */
export interface MoneySet {
  original: Money;
  default: Money;
  normalized: Money;
}

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export function isCurrencyCode(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && CURRENCIES.has(code);
}

/** A rate as an exact fraction numerator / 10^scale. */
interface Rate {
  numerator: bigint;
  denominator: bigint;
}

/**
 * What we accept as an exchange rate: exactly what the `DECIMAL(20, 10)` columns hold -- up to ten
 * digits before the point and ten after, greater than zero. Written as a plain decimal ("1.25"),
 * never in exponent notation.
 */
const RATE_PATTERN = /^(\d{1,10})(?:\.(\d{1,10}))?$/;

/** A rate as a number or a Prisma Decimal, as a plain decimal string (Decimal#toString gives `1e-7`). */
export type RateLike = string | { toFixed(): string };

export function rateText(rate: RateLike): string {
  return typeof rate === 'string' ? rate : rate.toFixed();
}

export function isValidRate(rate: string): boolean {
  const match = RATE_PATTERN.exec(rate);
  return match !== null && parseRate(rate).numerator > 0n;
}

/** Whether a rate is exactly 1 ("1", "1.0", "001.000"). */
export function isOneRate(rate: RateLike): boolean {
  const r = parseRate(rate);
  return r.numerator === r.denominator;
}

function parseRate(rate: RateLike): Rate {
  const text = rateText(rate);
  const match = RATE_PATTERN.exec(text);
  if (!match) throw new RangeError(`Invalid exchange rate ${text}`);
  const fraction = match[2] ?? '';
  return { numerator: BigInt(match[1] + fraction), denominator: 10n ** BigInt(fraction.length) };
}

/** n / d rounded half away from zero. */
export function divideRounded(n: bigint, d: bigint): bigint {
  if (d === 0n) throw new RangeError('Division by zero');
  if (d < 0n) return divideRounded(-n, -d);
  const q = n / d;
  const r = n % d;
  if (2n * (r < 0n ? -r : r) >= d) return n < 0n ? q - 1n : q + 1n;
  return q;
}

/** cents × rate: an amount in a currency whose rate to the default currency is `rate`, in the default currency. */
export function toDefault(cents: bigint, rate: RateLike): bigint {
  const r = parseRate(rate);
  return divideRounded(cents * r.numerator, r.denominator);
}

/** cents × fromRate / toRate: converts between two currencies through their rates to the default currency. */
export function between(
  cents: bigint,
  fromRate: RateLike,
  toRate: RateLike,
): bigint {
  const from = parseRate(fromRate);
  const to = parseRate(toRate);
  return divideRounded(cents * from.numerator * to.denominator, from.denominator * to.numerator);
}

/** Canonical text of a rate, e.g. "1.25" or "1.0", as the reference prints it. */
export function formatRate(rate: RateLike): string {
  const text = rateText(rate);
  const [whole, fraction = ''] = text.split('.');
  const trimmed = fraction.replace(/0+$/, '');
  return `${BigInt(whole!).toString()}.${trimmed === '' ? '0' : trimmed}`;
}

/** PostgreSQL's bigint, the type of every money column. */
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
export const fitsInt64 = (n: bigint): boolean => n >= INT64_MIN && n <= INT64_MAX;

/** A value that exists in one currency only (the default one: work cost, a project's rollups), in all three forms. */
export const sameForms = (m: Money): MoneySet => ({ original: m, default: m, normalized: m });
