// Operator inputs shared by every filterable type: the REST API's filter operations, typed.
import { builder } from './builder.js';

export const StringOperators = builder.inputType('StringOperators', {
  description: 'Conditions on a text field; all given conditions must hold. `contains` ignores case.',
  fields: (t) => ({
    eq: t.string(),
    notEq: t.string(),
    contains: t.string({ description: 'Contains this text, ignoring case; `%` and `_` mean themselves.' }),
    notContains: t.string(),
    startsWith: t.string({ description: 'Starts with this text, ignoring case.' }),
    in: t.stringList(),
  }),
});

export const BigIntOperators = builder.inputType('BigIntOperators', {
  description: 'Conditions on an amount in minor units; all given conditions must hold.',
  fields: (t) => ({
    eq: t.field({ type: 'BigInt' }),
    notEq: t.field({ type: 'BigInt' }),
    gt: t.field({ type: 'BigInt' }),
    gte: t.field({ type: 'BigInt' }),
    lt: t.field({ type: 'BigInt' }),
    lte: t.field({ type: 'BigInt' }),
    in: t.field({ type: ['BigInt'] }),
  }),
});

export const IntOperators = builder.inputType('IntOperators', {
  description: 'Conditions on a whole number; all given conditions must hold.',
  fields: (t) => ({
    eq: t.int(),
    notEq: t.int(),
    gt: t.int(),
    gte: t.int(),
    lt: t.int(),
    lte: t.int(),
    in: t.intList(),
  }),
});

export const DateOperators = builder.inputType('DateOperators', {
  description:
    'Conditions on a date; all given conditions must hold. On an optional date, `notEq` also matches ' +
    'records without one, and `isNull` asks for (or excludes) them.',
  fields: (t) => ({
    eq: t.field({ type: 'Date' }),
    notEq: t.field({ type: 'Date' }),
    gt: t.field({ type: 'Date' }),
    gte: t.field({ type: 'Date' }),
    lt: t.field({ type: 'Date' }),
    lte: t.field({ type: 'Date' }),
    in: t.field({ type: ['Date'] }),
    isNull: t.boolean(),
  }),
});

export const DateTimeOperators = builder.inputType('DateTimeOperators', {
  description: 'Conditions on a point in time; all given conditions must hold.',
  fields: (t) => ({
    eq: t.field({ type: 'DateTime' }),
    notEq: t.field({ type: 'DateTime' }),
    gt: t.field({ type: 'DateTime' }),
    gte: t.field({ type: 'DateTime' }),
    lt: t.field({ type: 'DateTime' }),
    lte: t.field({ type: 'DateTime' }),
  }),
});

export const SortDirection = builder.enumType('SortDirection', {
  description: 'Ascending or descending.',
  values: { ASC: { description: 'Smallest first.' }, DESC: { description: 'Largest first.' } } as const,
});
