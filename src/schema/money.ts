// Money as GraphQL sees it: exact integers in minor units with their currency.
import type { Money } from '../money/money.js';
import { builder } from './builder.js';

export const MoneyRef = builder.objectRef<Money>('Money').implement({
  description: 'An exact amount of money in minor units (cents) of a currency.',
  fields: (t) => ({
    cents: t.expose('cents', { type: 'BigInt', description: 'Amount in minor units, e.g. 12500 for 125.00.' }),
    currency: t.exposeString('currency', { description: 'ISO 4217 currency code.' }),
  }),
});

export interface MoneySetShape {
  original: Money;
  default: Money;
  normalized: Money;
}

export const MoneySetRef = builder.objectRef<MoneySetShape>('MoneySet').implement({
  description:
    "One amount in its three forms: in the record's own currency, converted to the organization's default " +
    "currency, and normalized to the currency of the record's deal, each with the exchange rate stored on the record.",
  fields: (t) => ({
    original: t.expose('original', { type: MoneyRef, description: 'In the currency the amount was entered in.' }),
    default: t.expose('default', { type: MoneyRef, description: "In the organization's default currency." }),
    normalized: t.expose('normalized', { type: MoneyRef, description: "In the deal's currency." }),
  }),
});

export interface MoneyTotalShape {
  original: Money | null;
  default: Money;
  normalized: Money | null;
}

export const MoneyTotalRef = builder.objectRef<MoneyTotalShape>('MoneyTotal').implement({
  description:
    'A sum over many records, computed exactly in the database. Amounts in different currencies are never ' +
    'added as if they were one: a form is null when the records do not share exactly one currency in it.',
  fields: (t) => ({
    original: t.expose('original', {
      type: MoneyRef,
      nullable: true,
      description: 'Sum of the original amounts; null when they are in more than one currency (or there are none).',
    }),
    default: t.expose('default', {
      type: MoneyRef,
      description: "Sum of the amounts converted to the organization's default currency.",
    }),
    normalized: t.expose('normalized', {
      type: MoneyRef,
      nullable: true,
      description: "Sum of the normalized amounts; null when the deals involved don't share one currency.",
    }),
  }),
});
