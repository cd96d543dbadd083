// An invoice's money. `amount` (tax-exclusive, negative on a credit note), `amountPaid` and
// `amountWrittenOff` are entered and stored; everything else is derived here, in bigint:
//
// - amountTax      = amount × tax1Value / 100 + amount × tax2Value / 100, each term rounded once,
//                    half away from zero (a missing tax value is 0)
// - amountWithTax  = amount + amountTax
// - amountUnpaid   = amountWithTax − amountPaid − amountWrittenOff
// - amountCredited = − Σ amountWithTax of its live credit notes (they share its currency)
//
// Every field's original and normalized forms are in the invoice's currency; its default form is
// the original × the invoice's exchange rate, rounded once (src/money/money.ts `toDefault`).
import { divideRounded, fitsInt64, formatRate, rateText, toDefault, type MoneySet, type RateLike } from './money.js';

/** A percentage as the DECIMAL(7, 4) columns hold it: 0 to 100, at most 4 decimals, plain decimal text. */
const PERCENT_PATTERN = /^(\d{1,3})(?:\.(\d{1,4}))?$/;

interface Fraction {
  numerator: bigint;
  denominator: bigint;
}

function parsePercent(percent: RateLike): Fraction {
  const text = rateText(percent);
  const match = PERCENT_PATTERN.exec(text);
  if (!match) throw new RangeError(`Invalid percentage ${text}`);
  const fraction = match[2] ?? '';
  return { numerator: BigInt(match[1]! + fraction), denominator: 10n ** BigInt(fraction.length) };
}

/** What we accept as a tax value or discount: "10", "10.5", "7.6250", from 0 to 100. */
export function isValidPercent(text: string): boolean {
  if (!PERCENT_PATTERN.test(text)) return false;
  const p = parsePercent(text);
  return p.numerator <= 100n * p.denominator;
}

/** Canonical text of a percentage, as rates are printed: "10.5", "25.0". */
export const formatPercent = (percent: RateLike): string => formatRate(percent);

/** amount × percent / 100, rounded once, half away from zero. A missing percentage is 0. */
export function percentOf(amount: bigint, percent: RateLike | null | undefined): bigint {
  if (percent == null) return 0n;
  const p = parsePercent(percent);
  return divideRounded(amount * p.numerator, 100n * p.denominator);
}

/** The stored columns an invoice's money is derived from. */
export interface InvoiceEntered {
  amount: bigint;
  amountPaid: bigint;
  amountWrittenOff: bigint;
  tax1Value: RateLike | null;
  tax2Value: RateLike | null;
}

export interface InvoiceAmounts {
  amount: bigint;
  amountTax: bigint;
  amountWithTax: bigint;
  amountPaid: bigint;
  amountWrittenOff: bigint;
  amountUnpaid: bigint;
}

/** Taxes, total and what is unpaid, in the invoice's currency. */
export function invoiceAmounts(i: InvoiceEntered): InvoiceAmounts {
  const amountTax = percentOf(i.amount, i.tax1Value) + percentOf(i.amount, i.tax2Value);
  const amountWithTax = i.amount + amountTax;
  return {
    amount: i.amount,
    amountTax,
    amountWithTax,
    amountPaid: i.amountPaid,
    amountWrittenOff: i.amountWrittenOff,
    amountUnpaid: amountWithTax - i.amountPaid - i.amountWrittenOff,
  };
}

/** A credit note's total with tax (negative): what it takes off its invoice. */
export const creditNoteWithTax = (note: Pick<InvoiceEntered, 'amount' | 'tax1Value' | 'tax2Value'>): bigint =>
  note.amount + percentOf(note.amount, note.tax1Value) + percentOf(note.amount, note.tax2Value);

/** − Σ amountWithTax of the credit notes: positive when they credit the invoice. */
export const amountCredited = (notes: ReadonlyArray<Pick<InvoiceEntered, 'amount' | 'tax1Value' | 'tax2Value'>>): bigint =>
  -notes.reduce((sum, note) => sum + creditNoteWithTax(note), 0n);

export type InvoiceMoneyField = keyof InvoiceAmounts | 'amountCredited';

export interface InvoiceMoneyBasis extends InvoiceEntered {
  currency: string;
  exchangeRate: RateLike;
}

/** Every money field of an invoice in its three forms; `credited` is `amountCredited` (0 when it has no credit notes). */
export function invoiceMoney(invoice: InvoiceMoneyBasis, credited: bigint, defaultCurrency: string): Record<InvoiceMoneyField, MoneySet> {
  const set = (cents: bigint): MoneySet => ({
    original: { cents, currency: invoice.currency },
    default: { cents: toDefault(cents, invoice.exchangeRate), currency: defaultCurrency },
    normalized: { cents, currency: invoice.currency },
  });
  const amounts: Record<InvoiceMoneyField, bigint> = { ...invoiceAmounts(invoice), amountCredited: credited };
  return Object.fromEntries(Object.entries(amounts).map(([field, cents]) => [field, set(cents)])) as Record<InvoiceMoneyField, MoneySet>;
}

/**
 * The money fields whose value, or value in the default currency, would not fit a bigint (the
 * type every amount has in the database and the API promises). Empty when all fit.
 */
export function overflowingFields(invoice: InvoiceMoneyBasis, credited: bigint): InvoiceMoneyField[] {
  const amounts: Record<InvoiceMoneyField, bigint> = { ...invoiceAmounts(invoice), amountCredited: credited };
  return (Object.entries(amounts) as Array<[InvoiceMoneyField, bigint]>)
    .filter(([, cents]) => !fitsInt64(cents) || !fitsInt64(toDefault(cents, invoice.exchangeRate)))
    .map(([field]) => field);
}
