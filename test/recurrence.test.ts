// The contract calendar: period starts and ends for every interval, month-end clamping without
// drift, year boundaries, suffixes, and where generation stops.
import { describe, expect, test } from 'vitest';
import {
  addMonths,
  INTERVAL_IDS,
  intervalName,
  isoDay,
  parseDay,
  period,
  periodHolding,
  periodIndex,
  periodStart,
  periodSuffix,
  toDay,
  upcomingPeriods,
  type IntervalId,
  type Schedule,
} from '../src/domain/recurrence.js';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);

/** The first `n` periods of an anchor, as [start, end, suffix]. */
const periods = (anchor: string, interval: IntervalId, n: number) =>
  Array.from({ length: n }, (_, k) => {
    const p = period(day(anchor), interval, k);
    return [isoDay(p.startsOn), isoDay(p.endsOn), p.suffix];
  });

const schedule = (s: { anchorOn: string; intervalId: number; next?: string; ends?: string }): Schedule => ({
  intervalId: s.intervalId,
  anchorOn: day(s.anchorOn),
  nextOccurrenceOn: day(s.next ?? s.anchorOn),
  endsOn: s.ends ? day(s.ends) : null,
});

describe('intervals as the REST API numbers them', () => {
  test('1 monthly, 2 bi-weekly, 3 weekly, 4 annual, 5 semiannual, 6 quarterly', () => {
    expect(INTERVAL_IDS).toEqual({ MONTHLY: 1, BI_WEEKLY: 2, WEEKLY: 3, ANNUAL: 4, SEMIANNUAL: 5, QUARTERLY: 6 });
    expect([1, 2, 3, 4, 5, 6].map(intervalName)).toEqual(['MONTHLY', 'BI_WEEKLY', 'WEEKLY', 'ANNUAL', 'SEMIANNUAL', 'QUARTERLY']);
    expect(() => intervalName(7)).toThrow(RangeError);
  });
});

describe('periods of every interval', () => {
  test('monthly: calendar months from the 1st, suffix YYYY/MM (the reference: 2017/01)', () => {
    expect(periods('2017-01-01', 1, 3)).toEqual([
      ['2017-01-01', '2017-01-31', '2017/01'],
      ['2017-02-01', '2017-02-28', '2017/02'],
      ['2017-03-01', '2017-03-31', '2017/03'],
    ]);
  });

  test('monthly from the 15th: each period ends on the 14th of the next month', () => {
    expect(periods('2017-01-15', 1, 2)).toEqual([
      ['2017-01-15', '2017-02-14', '2017/01'],
      ['2017-02-15', '2017-03-14', '2017/02'],
    ]);
  });

  test('weekly: seven days, suffix the first day', () => {
    expect(periods('2017-01-09', 3, 3)).toEqual([
      ['2017-01-09', '2017-01-15', '2017/01/09'],
      ['2017-01-16', '2017-01-22', '2017/01/16'],
      ['2017-01-23', '2017-01-29', '2017/01/23'],
    ]);
  });

  test('bi-weekly: fourteen days, suffix the first day', () => {
    expect(periods('2017-01-09', 2, 3)).toEqual([
      ['2017-01-09', '2017-01-22', '2017/01/09'],
      ['2017-01-23', '2017-02-05', '2017/01/23'],
      ['2017-02-06', '2017-02-19', '2017/02/06'],
    ]);
  });

  test('quarterly: three months, suffix the quarter of the first day', () => {
    expect(periods('2017-01-01', 6, 5)).toEqual([
      ['2017-01-01', '2017-03-31', '2017/Q1'],
      ['2017-04-01', '2017-06-30', '2017/Q2'],
      ['2017-07-01', '2017-09-30', '2017/Q3'],
      ['2017-10-01', '2017-12-31', '2017/Q4'],
      ['2018-01-01', '2018-03-31', '2018/Q1'],
    ]);
    // A quarter that does not start on a calendar quarter is named by the one its first day is in.
    expect(periods('2017-02-15', 6, 2).map((p) => p[2])).toEqual(['2017/Q1', '2017/Q2']);
  });

  test('semiannual: six months, suffix H1 / H2', () => {
    expect(periods('2017-01-01', 5, 3)).toEqual([
      ['2017-01-01', '2017-06-30', '2017/H1'],
      ['2017-07-01', '2017-12-31', '2017/H2'],
      ['2018-01-01', '2018-06-30', '2018/H1'],
    ]);
  });

  test('annual: a year, suffix the year', () => {
    expect(periods('2017-03-01', 4, 2)).toEqual([
      ['2017-03-01', '2018-02-28', '2017'],
      ['2018-03-01', '2019-02-28', '2018'],
    ]);
    // An anchor on 29 February comes back to it in leap years.
    expect(periods('2016-02-29', 4, 5).map((p) => p[0])).toEqual(['2016-02-29', '2017-02-28', '2018-02-28', '2019-02-28', '2020-02-29']);
  });
});

describe('month ends', () => {
  test('31 January, then 28 February (non-leap), then 31 March: no drift to the 28th', () => {
    expect(periods('2017-01-31', 1, 4)).toEqual([
      ['2017-01-31', '2017-02-27', '2017/01'],
      ['2017-02-28', '2017-03-30', '2017/02'],
      ['2017-03-31', '2017-04-29', '2017/03'],
      ['2017-04-30', '2017-05-30', '2017/04'],
    ]);
  });

  test('31 January, then 29 February in a leap year, then 31 March', () => {
    expect(periods('2016-01-31', 1, 3)).toEqual([
      ['2016-01-31', '2016-02-28', '2016/01'],
      ['2016-02-29', '2016-03-30', '2016/02'],
      ['2016-03-31', '2016-04-29', '2016/03'],
    ]);
  });

  test('quarterly from 30 November: 28 February, then 30 May', () => {
    expect(periods('2016-11-30', 6, 3).map((p) => p[0])).toEqual(['2016-11-30', '2017-02-28', '2017-05-30']);
  });

  test('addMonths clamps, and goes backwards too', () => {
    expect(isoDay(addMonths(day('2017-03-31'), -1))).toBe('2017-02-28');
    expect(isoDay(addMonths(day('2017-01-31'), -2))).toBe('2016-11-30');
    expect(isoDay(addMonths(day('2017-12-31'), 14))).toBe('2019-02-28');
  });
});

describe('year boundaries', () => {
  test('December to January: the suffix year changes', () => {
    expect(periods('2017-12-01', 1, 2)).toEqual([
      ['2017-12-01', '2017-12-31', '2017/12'],
      ['2018-01-01', '2018-01-31', '2018/01'],
    ]);
  });

  test('a weekly period across New Year keeps the year of its first day', () => {
    expect(periods('2017-12-25', 3, 2)).toEqual([
      ['2017-12-25', '2017-12-31', '2017/12/25'],
      ['2018-01-01', '2018-01-07', '2018/01/01'],
    ]);
    expect(periods('2017-12-28', 3, 1)).toEqual([['2017-12-28', '2018-01-03', '2017/12/28']]);
  });

  test('semiannual from October: H2 then H1 of the next year', () => {
    expect(periods('2017-10-01', 5, 2).map((p) => p[2])).toEqual(['2017/H2', '2018/H1']);
  });
});

describe('the period of a day', () => {
  test('periodIndex finds the period that starts on a day, clamped months included', () => {
    const anchor = day('2017-01-31');
    expect(periodIndex(anchor, 1, day('2017-02-28'))).toBe(1);
    expect(periodIndex(anchor, 1, day('2017-03-31'))).toBe(2);
    expect(periodIndex(anchor, 1, day('2017-03-28'))).toBeNull();
    expect(periodIndex(day('2017-01-02'), 2, day('2017-01-30'))).toBe(2);
    expect(periodIndex(day('2017-01-02'), 2, day('2017-01-23'))).toBeNull();
    for (const interval of [1, 2, 3, 4, 5, 6] as const) {
      for (let k = 0; k < 30; k += 1) expect(periodIndex(anchor, interval, periodStart(anchor, interval, k))).toBe(k);
    }
  });

  test('suffixes of each interval for one day', () => {
    const d = day('2017-08-07');
    expect([1, 2, 3, 4, 5, 6].map((i) => periodSuffix(i as IntervalId, d))).toEqual([
      '2017/08', '2017/08/07', '2017/08/07', '2017', '2017/H2', '2017/Q3',
    ]);
  });
});

describe('the period that holds a day (a template deal becomes its budget)', () => {
  const holding = (anchor: string, interval: IntervalId, d: string) => {
    const p = periodHolding(day(anchor), interval, day(d));
    return [isoDay(p.startsOn), isoDay(p.endsOn), p.suffix];
  };

  test("the reference's example: anchored on 1 February, 1 January is in 2017/01", () => {
    expect(holding('2017-02-01', 1, '2017-01-01')).toEqual(['2017-01-01', '2017-01-31', '2017/01']);
    expect(holding('2017-02-01', 1, '2017-01-31')).toEqual(['2017-01-01', '2017-01-31', '2017/01']);
  });

  test('before the anchor by many periods, on any day of its period, for every interval', () => {
    expect(holding('2017-02-15', 1, '2017-01-10')).toEqual(['2016-12-15', '2017-01-14', '2016/12']);
    expect(holding('2017-02-01', 6, '2016-12-15')).toEqual(['2016-11-01', '2017-01-31', '2016/Q4']);
    expect(holding('2017-07-01', 5, '2015-03-03')).toEqual(['2015-01-01', '2015-06-30', '2015/H1']);
    expect(holding('2017-03-01', 4, '2010-02-28')).toEqual(['2009-03-01', '2010-02-28', '2009']);
    expect(holding('2017-01-16', 3, '2017-01-05')).toEqual(['2017-01-02', '2017-01-08', '2017/01/02']);
    expect(holding('2017-01-16', 2, '2017-01-01')).toEqual(['2016-12-19', '2017-01-01', '2016/12/19']);
    // Clamped month ends, counted from the anchor itself.
    expect(holding('2017-03-31', 1, '2017-02-28')).toEqual(['2017-02-28', '2017-03-30', '2017/02']);
    expect(holding('2017-03-31', 1, '2017-02-27')).toEqual(['2017-01-31', '2017-02-27', '2017/01']);
    // The anchor's own period, and after it.
    expect(holding('2017-02-01', 1, '2017-02-01')).toEqual(['2017-02-01', '2017-02-28', '2017/02']);
    expect(holding('2017-02-01', 1, '2017-05-20')).toEqual(['2017-05-01', '2017-05-31', '2017/05']);
  });

  test('years before 100 are years, not 1900 and after', () => {
    expect(holding('2017-02-01', 1, '0050-03-10')).toEqual(['0050-03-01', '0050-03-31', '0050/03']);
    expect(isoDay(addMonths(day('0004-01-31'), 1))).toBe('0004-02-29');
    expect(isoDay(parseDay('29.02.0004')!)).toBe('0004-02-29');
  });
});

describe('upcoming periods', () => {
  test('from nextOccurrenceOn, counted from the anchor (31 January stays the 31st)', () => {
    const { periods: next, next: after } = upcomingPeriods(schedule({ anchorOn: '2017-01-31', next: '2017-02-28', intervalId: 1 }), {
      limit: 3,
    });
    expect(next.map((p) => isoDay(p.startsOn))).toEqual(['2017-02-28', '2017-03-31', '2017-04-30']);
    expect(isoDay(after)).toBe('2017-05-31');
  });

  test('stop at endsOn: no period starting after it', () => {
    const s = schedule({ anchorOn: '2017-01-01', intervalId: 1, ends: '2017-03-01' });
    const { periods: next, more, next: after } = upcomingPeriods(s, { limit: 10 });
    expect(next.map((p) => p.suffix)).toEqual(['2017/01', '2017/02', '2017/03']);
    expect(more).toBe(false);
    expect(isoDay(after)).toBe('2017-04-01');
    // The day before a start is not enough.
    expect(upcomingPeriods({ ...s, endsOn: day('2017-02-28') }, { limit: 10 }).periods).toHaveLength(2);
  });

  test('stop at until (inclusive), and say when the limit cut the list', () => {
    const s = schedule({ anchorOn: '2017-01-01', intervalId: 3 });
    expect(upcomingPeriods(s, { until: day('2017-01-15'), limit: 10 }).periods.map((p) => isoDay(p.startsOn))).toEqual([
      '2017-01-01', '2017-01-08', '2017-01-15',
    ]);
    expect(upcomingPeriods(s, { until: day('2017-01-15'), limit: 3 }).more).toBe(false);
    expect(upcomingPeriods(s, { until: day('2017-01-15'), limit: 2 }).more).toBe(true);
    expect(upcomingPeriods(s, { until: day('2016-12-31'), limit: 10 }).periods).toEqual([]);
  });

  test('a nextOccurrenceOn out of step with the anchor becomes the anchor', () => {
    const s = schedule({ anchorOn: '2017-01-01', next: '2017-02-10', intervalId: 1 });
    expect(upcomingPeriods(s, { limit: 2 }).periods.map((p) => isoDay(p.startsOn))).toEqual(['2017-02-10', '2017-03-10']);
  });
});

describe('days', () => {
  test('parseDay takes 2017-12-31 and 31.12.2017, and nothing else', () => {
    expect(isoDay(parseDay('2017-12-31')!)).toBe('2017-12-31');
    expect(isoDay(parseDay('31.12.2017')!)).toBe('2017-12-31');
    for (const bad of ['2017-02-29', '31.02.2017', '2017-13-01', '12/31/2017', '2017-1-1', '']) expect(parseDay(bad)).toBeNull();
  });

  test('toDay is the UTC calendar day', () => {
    expect(isoDay(toDay(new Date('2017-06-30T23:59:59.999Z')))).toBe('2017-06-30');
    expect(toDay(new Date('2017-06-30T12:00:00+14:00')).toISOString()).toBe('2017-06-29T00:00:00.000Z');
  });
});
