// Work cost: what the time people worked cost, at their cost rate (minor units of the organization's
// default currency per hour). A time entry's cost is worked out once, when it is written.
import { divideRounded } from './money.js';

/** The highest cost rate a member may have: 10^12 minor units an hour (a day at it still fits easily). */
export const MAX_COST_RATE = 10n ** 12n;

/** `minutes` × `costRate` ÷ 60, rounded once, half away from zero. */
export const workCost = (minutes: number, costRate: bigint): bigint => divideRounded(BigInt(minutes) * costRate, 60n);

/**
 * A profit margin in per cent of `revenue`, to two decimals (half away from zero), printed as the
 * reference prints it ("100.0", "-12.5", "33.33"); "0.0" when there is no revenue (the reference's 0).
 */
export function profitMargin(profit: bigint, revenue: bigint): string {
  if (revenue === 0n) return '0.0';
  const hundredths = divideRounded(profit * 10000n, revenue);
  const negative = hundredths < 0n;
  const abs = negative ? -hundredths : hundredths;
  const decimals = (abs % 100n).toString().padStart(2, '0').replace(/0$/, '');
  return `${negative ? '-' : ''}${abs / 100n}.${decimals === '' ? '0' : decimals}`;
}
