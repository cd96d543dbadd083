// Operator inputs shared by every filterable type: the REST API's filter operations, typed.
import { FIRST_DAY, inCalendar } from '../domain/kit/dates.js';
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
  description:
    'Conditions on a point in time; all given conditions must hold. `on`, `onOrAfter` and `onOrBefore` take a date, ' +
    'meaning that whole day in UTC (the reference\'s `created_at (date)` filter: `2025-08-01`).',
  fields: (t) => ({
    eq: t.field({ type: 'DateTime' }),
    notEq: t.field({ type: 'DateTime' }),
    gt: t.field({ type: 'DateTime' }),
    gte: t.field({ type: 'DateTime' }),
    lt: t.field({ type: 'DateTime' }),
    lte: t.field({ type: 'DateTime' }),
    on: t.field({ type: 'Date', description: 'During this day (UTC): from its first instant to the next day\'s, excluded.' }),
    onOrAfter: t.field({ type: 'Date', description: 'During this day (UTC) or later.' }),
    onOrBefore: t.field({ type: 'Date', description: 'During this day (UTC) or earlier.' }),
  }),
});

/** The day conditions of `DateTimeOperators`: each a whole UTC day (a `Date` input is that day's midnight, UTC). */
export interface DayOperators {
  on?: Date | null;
  onOrAfter?: Date | null;
  onOrBefore?: Date | null;
}

/** The first instant after `day`; none after the calendar's last day (no instant is stored past it). */
function nextDay(day: Date): { lt?: Date } {
  const next = new Date(day.getTime() + 86_400_000);
  return inCalendar(next) ? { lt: next } : {};
}

/** The day conditions as operators on the instant: `on: d` is `gte: d, lt: d + 1 day`. Each holds on its own. */
export function dayRanges(ops: DayOperators): Array<{ gte?: Date; lt?: Date }> {
  const out: Array<{ gte?: Date; lt?: Date }> = [];
  if (ops.on != null) out.push({ gte: ops.on, ...nextDay(ops.on) });
  if (ops.onOrAfter != null) out.push({ gte: ops.onOrAfter });
  // Up to the calendar's end: any instant, but one must be there (an empty optional one is not on any day).
  if (ops.onOrBefore != null) out.push({ gte: FIRST_DAY, ...nextDay(ops.onOrBefore) });
  return out;
}

export const SortDirection = builder.enumType('SortDirection', {
  description: 'Ascending or descending.',
  values: { ASC: { description: 'Smallest first.' }, DESC: { description: 'Largest first.' } } as const,
});
