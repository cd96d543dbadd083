// A record's currency and exchange rate: the checks every write of one makes (deals, invoices,
// expenses, purchase orders), with the same messages and codes, and the rate a write stores for a
// record of its own currency (deals, invoices).
import { isCurrencyCode, isOneRate, isValidRate } from '../../money/money.js';
import type { Viewer } from '../viewer.js';
import { at, blank, fail, invalid, isBlank, MESSAGES, ok, type Result, type UserError } from './result.js';

/**
 * Checks an input's `currency` (when `currencyNeeded`) and its `exchangeRate` (when given). One
 * error per field: the reference also reports a blank currency as "not a valid currency", which
 * tells the client nothing more (issue 8). Blank is BLANK; anything else that is not an ISO 4217
 * code is INVALID_CURRENCY.
 */
export function checkMoney(
  errors: UserError[],
  input: { currency?: string | null; exchangeRate?: string | null },
  currencyNeeded: boolean,
): void {
  if (currencyNeeded) {
    if (isBlank(input.currency)) errors.push(blank('currency'));
    else if (!isCurrencyCode(input.currency!.trim())) {
      errors.push({ field: at('currency'), message: MESSAGES.invalidCurrency, code: 'INVALID_CURRENCY' });
    }
  }
  if (input.exchangeRate != null && !isValidRate(input.exchangeRate)) {
    errors.push(invalid('exchangeRate', 'must be a positive decimal number such as 1.25, with at most 10 digits before and 10 after the point'));
  }
}

/**
 * The rate to the default currency: as given; 1 for the organization's currency (where a given rate
 * must be 1); `keep` when the caller has one to keep (the stored rate of an unchanged currency, a
 * credited invoice's); otherwise required -- the gateway has no rate source to guess from.
 */
export function resolveRate(currency: string, givenRate: string | null | undefined, keep: string | null, viewer: Viewer): Result<string> {
  const own = viewer.organization.defaultCurrency;
  if (givenRate != null) {
    if (currency === own && !isOneRate(givenRate)) return fail(invalid('exchangeRate', `must be 1 for the organization's own currency (${own})`));
    return ok(givenRate);
  }
  if (currency === own) return ok('1');
  if (keep !== null) return ok(keep);
  return fail({
    field: at('exchangeRate'),
    message: `${MESSAGES.blank} when the currency is not the organization's (${own})`,
    code: 'BLANK',
  });
}

/**
 * `resolveRate` after `checkMoney`: null when the currency or the rate already has an error (a
 * rate is not resolved for an invalid one), or when the rate cannot be resolved (its error is
 * added to `errors`).
 */
export function rateUnlessInvalid(
  errors: UserError[],
  currency: string,
  givenRate: string | null | undefined,
  keep: string | null,
  viewer: Viewer,
): string | null {
  if (errors.some((e) => e.field[1] === 'currency' || e.field[1] === 'exchangeRate')) return null;
  const rate = resolveRate(currency, givenRate, keep, viewer);
  if (rate.ok) return rate.value;
  errors.push(...rate.errors);
  return null;
}
