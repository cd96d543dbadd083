// The calendar of a contract: when its periods start and end, and what each is called. Pure
// functions on calendar days, which are Date objects at UTC midnight (as Prisma returns @db.Date).
//
// Period k starts k intervals after the anchor. Month-based intervals add whole months to the
// anchor itself (not to the previous period), clamped to the month's last day: an anchor on
// 31 January gives 28/29 February and then 31 March again, never drifting to the 28th.
//
// The calendar ends (src/domain/kit/dates.ts): a period counts only when it ends, and the next one
// starts, by 9999-12-31, so that no period, suffix or next occurrence is a date the API cannot show.
import { LAST_DAY } from './kit/dates.js';

/** The REST API's `interval_id`s. */
export const INTERVAL_IDS = {
  MONTHLY: 1,
  BI_WEEKLY: 2,
  WEEKLY: 3,
  ANNUAL: 4,
  SEMIANNUAL: 5,
  QUARTERLY: 6,
} as const;

export type IntervalName = keyof typeof INTERVAL_IDS;
export type IntervalId = (typeof INTERVAL_IDS)[IntervalName];

const NAMES = Object.fromEntries(Object.entries(INTERVAL_IDS).map(([name, id]) => [id, name])) as Record<IntervalId, IntervalName>;

export const isIntervalId = (id: number): id is IntervalId => Number.isInteger(id) && id >= 1 && id <= 6;

export function intervalName(id: number): IntervalName {
  if (!isIntervalId(id)) throw new RangeError(`Unknown interval id ${id}`);
  return NAMES[id];
}

/** How long one interval is: whole months, or whole days. */
const STEP: Record<IntervalId, { months: number } | { days: number }> = {
  1: { months: 1 },
  2: { days: 14 },
  3: { days: 7 },
  4: { months: 12 },
  5: { months: 6 },
  6: { months: 3 },
};

const DAY_MS = 86_400_000;

/**
 * A calendar day from its parts (month 1-12; a day or month past the end rolls over), at UTC
 * midnight. Not `Date.UTC`, which reads the years 0-99 as 1900-1999.
 */
export function utcDay(year: number, month: number, dayOfMonth: number): Date {
  const day = new Date(0);
  day.setUTCFullYear(year, month - 1, dayOfMonth);
  return day;
}

/** The calendar day (UTC) of a point in time: "today" is `toDay(new Date())`. */
export const toDay = (instant: Date): Date => utcDay(instant.getUTCFullYear(), instant.getUTCMonth() + 1, instant.getUTCDate());

export const addDays = (day: Date, days: number): Date => new Date(day.getTime() + days * DAY_MS);

/** `months` after `day`, on the same day of the month or the month's last day when it is shorter. */
export function addMonths(day: Date, months: number): Date {
  const index = day.getUTCFullYear() * 12 + day.getUTCMonth() + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1; // 1-12
  const last = utcDay(year, month + 1, 0).getUTCDate();
  return utcDay(year, month, Math.min(day.getUTCDate(), last));
}

/** `years` after `day` (29 February becomes the 28th in other years). */
export const addYears = (day: Date, years: number): Date => addMonths(day, years * 12);

/** The first day of period `k` of a contract anchored on `anchor`. */
export function periodStart(anchor: Date, interval: IntervalId, k: number): Date {
  const step = STEP[interval];
  return 'months' in step ? addMonths(anchor, k * step.months) : addDays(anchor, k * step.days);
}

/**
 * The index of the period that starts on `day`, or null when no period starts that day (a
 * contract written without keeping `anchorOn` in step with `nextOccurrenceOn`).
 */
export function periodIndex(anchor: Date, interval: IntervalId, day: Date): number | null {
  const step = STEP[interval];
  const k =
    'months' in step
      ? Math.round(
          ((day.getUTCFullYear() - anchor.getUTCFullYear()) * 12 + (day.getUTCMonth() - anchor.getUTCMonth())) / step.months,
        )
      : Math.round((day.getTime() - anchor.getTime()) / DAY_MS / step.days);
  return periodStart(anchor, interval, k).getTime() === day.getTime() ? k : null;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `2017-01-31`. */
export const isoDay = (day: Date): string => day.toISOString().slice(0, 10);

/**
 * A period's name, from its first day: monthly `2017/01`, quarterly `2017/Q1`, semiannual
 * `2017/H1`, annual `2017`, weekly and bi-weekly `2017/01/09`. Quarters and halves are those of
 * the calendar year the period starts in.
 */
export function periodSuffix(interval: IntervalId, start: Date): string {
  const year = String(start.getUTCFullYear()).padStart(4, '0');
  const month = start.getUTCMonth() + 1;
  switch (interval) {
    case 1:
      return `${year}/${pad(month)}`;
    case 6:
      return `${year}/Q${Math.ceil(month / 3)}`;
    case 5:
      return `${year}/H${month <= 6 ? 1 : 2}`;
    case 4:
      return String(year);
    case 2:
    case 3:
      return `${year}/${pad(month)}/${pad(start.getUTCDate())}`;
  }
}

export interface Period {
  startsOn: Date;
  /** The day before the next period starts. */
  endsOn: Date;
  suffix: string;
}

export function period(anchor: Date, interval: IntervalId, k: number): Period {
  const startsOn = periodStart(anchor, interval, k);
  return { startsOn, endsOn: addDays(periodStart(anchor, interval, k + 1), -1), suffix: periodSuffix(interval, startsOn) };
}

/**
 * The period of the calendar anchored on `anchor` that holds `day` (any day, before the anchor too):
 * the period a contract's template deal becomes the budget of (src/domain/contracts.ts).
 */
export function periodHolding(anchor: Date, interval: IntervalId, day: Date): Period {
  const step = STEP[interval];
  // An estimate, then exact: month lengths and a clamped anchor day move a start by a few days.
  let k =
    'months' in step
      ? Math.floor(((day.getUTCFullYear() - anchor.getUTCFullYear()) * 12 + (day.getUTCMonth() - anchor.getUTCMonth())) / step.months)
      : Math.floor((day.getTime() - anchor.getTime()) / DAY_MS / step.days);
  while (periodStart(anchor, interval, k).getTime() > day.getTime()) k -= 1;
  while (periodStart(anchor, interval, k + 1).getTime() <= day.getTime()) k += 1;
  return period(anchor, interval, k);
}

/** What a contract's calendar depends on. */
export interface Schedule {
  intervalId: number;
  anchorOn: Date;
  nextOccurrenceOn: Date;
  endsOn: Date | null;
}

/** The anchor and index of the period starting on `nextOccurrenceOn` (itself the anchor when out of step). */
function start(schedule: Schedule): { anchor: Date; interval: IntervalId; k: number } {
  const interval = schedule.intervalId as IntervalId;
  if (!isIntervalId(interval)) throw new RangeError(`Unknown interval id ${schedule.intervalId}`);
  const k = periodIndex(schedule.anchorOn, interval, schedule.nextOccurrenceOn);
  return k === null ? { anchor: schedule.nextOccurrenceOn, interval, k: 0 } : { anchor: schedule.anchorOn, interval, k };
}

/** Whether period `k` ends, and the one after it starts, within the calendar. */
export const periodFits = (anchor: Date, interval: IntervalId, k: number): boolean =>
  periodStart(anchor, interval, k + 1).getTime() <= LAST_DAY.getTime();

/**
 * The periods a contract would generate next, from `nextOccurrenceOn`: those starting on or before
 * `until` (when given) and `endsOn` (when set), and fitting in the calendar, at most `limit` of them. `more` says whether
 * another period would have qualified past the limit; `next` is the first day after the last one
 * returned (where `nextOccurrenceOn` goes once they are generated).
 */
export function upcomingPeriods(
  schedule: Schedule,
  options: { until?: Date; limit: number },
): { periods: Period[]; more: boolean; next: Date } {
  const { anchor, interval, k } = start(schedule);
  const last = [options.until, schedule.endsOn ?? undefined].filter((d): d is Date => d !== undefined);
  const qualifies = (i: number) =>
    periodFits(anchor, interval, i) && last.every((bound) => periodStart(anchor, interval, i).getTime() <= bound.getTime());
  const periods: Period[] = [];
  let i = k;
  while (periods.length < options.limit && qualifies(i)) {
    periods.push(period(anchor, interval, i));
    i += 1;
  }
  const more = periods.length === options.limit && qualifies(i);
  return { periods, more, next: periodStart(anchor, interval, i) };
}

/** A calendar day typed as `2017-12-31` or `31.12.2017` (the forms the API accepts), or null. */
export function parseDay(text: string): Date | null {
  const trimmed = text.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(trimmed);
  const dotted = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(trimmed);
  const [year, month, dayOfMonth] = iso
    ? [Number(iso[1]), Number(iso[2]), Number(iso[3])]
    : dotted
      ? [Number(dotted[3]), Number(dotted[2]), Number(dotted[1])]
      : [NaN, NaN, NaN];
  if (!Number.isInteger(year)) return null;
  const day = utcDay(year, month, dayOfMonth);
  // Rejects 31.02.2017 and month 13, which Date.UTC would roll over.
  return day.getUTCFullYear() === year && day.getUTCMonth() + 1 === month && day.getUTCDate() === dayOfMonth ? day : null;
}
