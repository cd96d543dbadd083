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

const RATE_PATTERN = /^(\d{1,10})(?:\.(\d{1,10}))?$/;

export function isValidRate(rate: string): boolean {
  const match = RATE_PATTERN.exec(rate);
  return match !== null && parseRate(rate).numerator > 0n;
}

function parseRate(rate: string | { toString(): string }): Rate {
  const text = rate.toString();
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
export function toDefault(cents: bigint, rate: string | { toString(): string }): bigint {
  const r = parseRate(rate);
  return divideRounded(cents * r.numerator, r.denominator);
}

/** cents × fromRate / toRate: converts between two currencies through their rates to the default currency. */
export function between(
  cents: bigint,
  fromRate: string | { toString(): string },
  toRate: string | { toString(): string },
): bigint {
  const from = parseRate(fromRate);
  const to = parseRate(toRate);
  return divideRounded(cents * from.numerator * to.denominator, from.denominator * to.numerator);
}

/** Canonical text of a rate, e.g. "1.25" or "1.0", as the reference prints it. */
export function formatRate(rate: string | { toString(): string }): string {
  const text = rate.toString();
  const [whole, fraction = ''] = text.split('.');
  const trimmed = fraction.replace(/0+$/, '');
  return `${BigInt(whole!).toString()}.${trimmed === '' ? '0' : trimmed}`;
}
