// Operator inputs shared by every filterable type: the REST API's filter operations, typed.
import { FIRST_DAY, inCalendar } from '../domain/kit/dates.js';
import { builder } from './builder.js';

export const StringOperators = builder.inputType('StringOperators', {
  description: 'Conditions on a text field; all given conditions must hold. `contains` ignores case.',
  fields: (t) => ({
    eq: t.string({ description: 'Equal to this text, exactly (case counts).' }),
    notEq: t.string({ description: 'Not equal to this text (case counts); on an optional field, also matches records without one.' }),
    contains: t.string({ description: 'Contains this text, ignoring case; `%` and `_` mean themselves.' }),
    notContains: t.string({ description: 'Does not contain this text, ignoring case; on an optional field, also matches records without one.' }),
    startsWith: t.string({ description: 'Starts with this text, ignoring case.' }),
    in: t.stringList({ description: 'Equal to one of these texts, exactly (case counts); an empty list matches nothing.' }),
  }),
});

export const BigIntOperators = builder.inputType('BigIntOperators', {
  description: 'Conditions on an amount in minor units; all given conditions must hold.',
  fields: (t) => ({
    eq: t.field({ type: 'BigInt', description: 'Equal to this many minor units.' }),
    notEq: t.field({ type: 'BigInt', description: 'Not equal to this many minor units.' }),
    gt: t.field({ type: 'BigInt', description: 'More than this many minor units.' }),
    gte: t.field({ type: 'BigInt', description: 'At least this many minor units.' }),
    lt: t.field({ type: 'BigInt', description: 'Less than this many minor units.' }),
    lte: t.field({ type: 'BigInt', description: 'At most this many minor units.' }),
    in: t.field({ type: ['BigInt'], description: 'One of these amounts in minor units; an empty list matches nothing.' }),
  }),
});

export const IntOperators = builder.inputType('IntOperators', {
  description: 'Conditions on a whole number; all given conditions must hold.',
  fields: (t) => ({
    eq: t.int({ description: 'Equal to this number.' }),
    notEq: t.int({ description: 'Not equal to this number; on an optional field, also matches records without one.' }),
    gt: t.int({ description: 'Greater than this number.' }),
    gte: t.int({ description: 'This number or greater.' }),
    lt: t.int({ description: 'Less than this number.' }),
    lte: t.int({ description: 'This number or less.' }),
    in: t.intList({ description: 'One of these numbers; an empty list matches nothing.' }),
  }),
});

export const DateOperators = builder.inputType('DateOperators', {
  description:
    'Conditions on a date; all given conditions must hold. On an optional date, `notEq` also matches ' +
    'records without one, and `isNull` asks for (or excludes) them.',
  fields: (t) => ({
    eq: t.field({ type: 'Date', description: 'On this day.' }),
    notEq: t.field({ type: 'Date', description: 'On any other day (or, on an optional date, none).' }),
    gt: t.field({ type: 'Date', description: 'After this day.' }),
    gte: t.field({ type: 'Date', description: 'On this day or after.' }),
    lt: t.field({ type: 'Date', description: 'Before this day.' }),
    lte: t.field({ type: 'Date', description: 'On this day or before.' }),
    in: t.field({ type: ['Date'], description: 'On one of these days; an empty list matches nothing.' }),
    isNull: t.boolean({ description: '`true`: only records without a date here; `false`: only those with one. On a required date, `true` matches nothing.' }),
  }),
});

export const DateTimeOperators = builder.inputType('DateTimeOperators', {
  description:
    'Conditions on a point in time; all given conditions must hold. `on`, `onOrAfter` and `onOrBefore` take a date, ' +
    'meaning that whole day in UTC (the reference\'s `created_at (date)` filter: `2025-08-01`).',
  fields: (t) => ({
    eq: t.field({ type: 'DateTime', description: 'At exactly this moment (to the millisecond).' }),
    notEq: t.field({ type: 'DateTime', description: 'At any other moment (or, on an optional field, none).' }),
    gt: t.field({ type: 'DateTime', description: 'After this moment.' }),
    gte: t.field({ type: 'DateTime', description: 'At this moment or after.' }),
    lt: t.field({ type: 'DateTime', description: 'Before this moment.' }),
    lte: t.field({ type: 'DateTime', description: 'At this moment or before.' }),
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
