// The calendar the API can show: `Date` answers and accepts four-digit years, and PostgreSQL has no
// year 0, so calendar days run from 0001-01-01 to 9999-12-31. The `Date` scalar refuses anything
// else on input (src/schema/builder.ts); every date the domain derives (a payment date from terms,
// a contract's periods, the next occurrence after a generation) is checked against the same range
// and, when it would leave it, is a user error on the input field that caused it, so that the API
// never stores or answers a date its own `Date` would refuse (issue 22).

export const FIRST_DAY = new Date('0001-01-01T00:00:00.000Z');
export const LAST_DAY = new Date('9999-12-31T00:00:00.000Z');
export const LAST_DAY_ISO = '9999-12-31';

/** Whether `day` is a calendar day the API can store and show. */
export const inCalendar = (day: Date): boolean =>
  !Number.isNaN(day.getTime()) && day.getTime() >= FIRST_DAY.getTime() && day.getTime() <= LAST_DAY.getTime();

/** The earlier of two days. */
export const earlier = (a: Date, b: Date): Date => (a.getTime() <= b.getTime() ? a : b);
