// The exchange rate a write stores for a record of its own currency (deals, invoices).
import { isOneRate } from '../../money/money.js';
import type { Viewer } from '../viewer.js';
import { at, fail, invalid, MESSAGES, ok, type Result } from './result.js';

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
