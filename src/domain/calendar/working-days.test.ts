import { describe, it, expect } from 'vitest';
import { addDays } from './date-only.ts';
import { createCalendar, defaultCalendar } from './working-days.ts';

const cal = defaultCalendar();

describe('isWorkingDay', () => {
  it('excludes weekends and bank holidays', () => {
    expect(cal.isWorkingDay('2024-12-20')).toBe(true); // Friday
    expect(cal.isWorkingDay('2024-12-21')).toBe(false); // Saturday
    expect(cal.isWorkingDay('2024-12-22')).toBe(false); // Sunday
    expect(cal.isWorkingDay('2024-12-25')).toBe(false);
    expect(cal.isWorkingDay('2024-12-27')).toBe(true);
  });

  it('excludes every one-off and substitute day', () => {
    for (const d of ['2020-05-08', '2022-06-02', '2022-06-03', '2022-09-19', '2023-05-08',
      '2020-12-28', '2021-12-27', '2021-12-28', '2022-01-03', '2022-12-27', '2023-01-02',
      '2026-12-28', '2027-12-27', '2027-12-28']) {
      expect(cal.isWorkingDay(d), d).toBe(false);
      expect(cal.isHoliday(d), d).toBe(true);
    }
    // The Mondays those moved away from are ordinary working days.
    expect(cal.isWorkingDay('2020-05-04')).toBe(true);
    expect(cal.isWorkingDay('2022-05-30')).toBe(true);
  });

  it('rejects malformed dates', () => {
    expect(() => cal.isWorkingDay('2024-02-30')).toThrow(RangeError);
    expect(() => cal.isHoliday('2024-2-3')).toThrow(RangeError);
  });
});

describe('addWorkingDays', () => {
  it('gives Tue 31 Dec 2024 for 5 working days after Fri 20 Dec 2024', () => {
    expect(cal.addWorkingDays('2024-12-20', 5)).toBe('2024-12-31');
  });

  it('treats the start date as day 0', () => {
    expect(cal.addWorkingDays('2024-12-20', 0)).toBe('2024-12-20');
    expect(cal.addWorkingDays('2024-12-20', 1)).toBe('2024-12-23');
    expect(cal.addWorkingDays('2024-12-25', 0)).toBe('2024-12-25'); // even a holiday
  });

  it('counts from a weekend or holiday start as day 0, first working day after is day 1', () => {
    expect(cal.addWorkingDays('2024-12-21', 1)).toBe('2024-12-23'); // Saturday
    expect(cal.addWorkingDays('2024-12-21', 5)).toBe('2024-12-31');
    expect(cal.addWorkingDays('2024-12-22', 5)).toBe('2024-12-31'); // Sunday
    expect(cal.addWorkingDays('2024-12-25', 1)).toBe('2024-12-27'); // Christmas Day
    expect(cal.addWorkingDays('2024-12-25', 5)).toBe('2025-01-03'); // 27, 30, 31, 2, 3
  });

  it('crosses Christmas and New Year', () => {
    // Tue 24 Dec 2024: 25, 26 holidays; 27, 30, 31; 1 Jan holiday; 2, 3 Jan.
    expect(cal.addWorkingDays('2024-12-24', 4)).toBe('2025-01-02');
    expect(cal.addWorkingDays('2024-12-24', 5)).toBe('2025-01-03');
    expect(cal.addWorkingDays('2024-12-31', 1)).toBe('2025-01-02');
  });

  it('crosses the 2021/22 double substitute days', () => {
    // Fri 24 Dec 2021: 27, 28 Dec substitutes; 29, 30, 31 Dec; 3 Jan substitute; 4, 5 Jan.
    expect(cal.addWorkingDays('2021-12-24', 1)).toBe('2021-12-29');
    expect(cal.addWorkingDays('2021-12-24', 3)).toBe('2021-12-31');
    expect(cal.addWorkingDays('2021-12-24', 5)).toBe('2022-01-05');
    expect(cal.addWorkingDays('2021-12-24', 15)).toBe('2022-01-19');
  });

  it('crosses the 2022/23 substitute days', () => {
    // Fri 23 Dec 2022: 26 Boxing Day, 27 substitute; 28, 29, 30 Dec; 2 Jan substitute; 3, 4 Jan.
    expect(cal.addWorkingDays('2022-12-23', 5)).toBe('2023-01-04');
  });

  it('crosses the 2020, 2026 and 2027 Christmas substitutes', () => {
    // Thu 24 Dec 2020: 25 holiday, 28 substitute; 29, 30, 31; 1 Jan holiday; 4, 5 Jan.
    expect(cal.addWorkingDays('2020-12-24', 5)).toBe('2021-01-05');
    // Thu 24 Dec 2026: 25 holiday, 28 substitute; 29, 30, 31; 1 Jan 2027 holiday; 4, 5 Jan.
    expect(cal.addWorkingDays('2026-12-24', 5)).toBe('2027-01-05');
    // Fri 24 Dec 2027: 27, 28 substitutes; 29, 30, 31; 3, 4 Jan 2028 (no 2028 data: weekends only).
    expect(cal.addWorkingDays('2027-12-24', 5)).toBe('2028-01-04');
  });

  it('skips the one-off days', () => {
    expect(cal.addWorkingDays('2020-05-07', 1)).toBe('2020-05-11'); // VE Day Friday
    expect(cal.addWorkingDays('2022-06-01', 1)).toBe('2022-06-06'); // Jubilee Thu+Fri
    expect(cal.addWorkingDays('2022-05-27', 5)).toBe('2022-06-07'); // 30, 31, 1, 6, 7
    expect(cal.addWorkingDays('2022-09-16', 1)).toBe('2022-09-20'); // State Funeral Monday
    expect(cal.addWorkingDays('2023-05-05', 1)).toBe('2023-05-09'); // Coronation Monday
    expect(cal.addWorkingDays('2023-04-28', 5)).toBe('2023-05-09'); // 1 May and 8 May both holidays
  });

  it('skips Easter', () => {
    expect(cal.addWorkingDays('2024-03-28', 1)).toBe('2024-04-02');
    expect(cal.addWorkingDays('2025-04-17', 5)).toBe('2025-04-28');
  });

  it('counts 15 working days for a rapid review', () => {
    expect(cal.addWorkingDays('2024-12-20', 15)).toBe('2025-01-15');
    expect(cal.addWorkingDays('2024-06-03', 15)).toBe('2024-06-24');
  });

  it('goes backwards with negative n', () => {
    expect(cal.addWorkingDays('2024-12-31', -5)).toBe('2024-12-20');
    expect(cal.addWorkingDays('2024-12-23', -1)).toBe('2024-12-20');
    expect(cal.addWorkingDays('2025-01-10', -7)).toBe('2024-12-31'); // 9,8,7,6,3,2,31 (1 Jan skipped)
    expect(cal.addWorkingDays('2022-06-07', -2)).toBe('2022-06-01');
    expect(cal.addWorkingDays('2024-12-22', -1)).toBe('2024-12-20'); // from a Sunday
    expect(cal.addWorkingDays('2022-01-04', -1)).toBe('2021-12-31'); // 3 Jan substitute skipped
    expect(cal.addWorkingDays('2022-01-04', -2)).toBe('2021-12-30');
  });

  it('rejects fractional counts and bad dates', () => {
    expect(() => cal.addWorkingDays('2024-12-20', 1.5)).toThrow(/whole number/);
    expect(() => cal.addWorkingDays('2024-12-32', 1)).toThrow(RangeError);
  });
});

describe('workingDaysBetween', () => {
  it('counts (from, to] going forwards', () => {
    expect(cal.workingDaysBetween('2024-12-20', '2024-12-31')).toBe(5);
    expect(cal.workingDaysBetween('2024-12-20', '2024-12-20')).toBe(0);
    expect(cal.workingDaysBetween('2024-12-20', '2024-12-23')).toBe(1);
    expect(cal.workingDaysBetween('2024-12-20', '2024-12-22')).toBe(0); // only weekend between
    expect(cal.workingDaysBetween('2024-12-21', '2024-12-23')).toBe(1);
  });

  it('is negative going backwards, counting [to, from)', () => {
    expect(cal.workingDaysBetween('2024-12-31', '2024-12-20')).toBe(-5);
    expect(cal.workingDaysBetween('2024-12-23', '2024-12-20')).toBe(-1);
    expect(cal.workingDaysBetween('2024-12-23', '2024-12-21')).toBe(0);
  });

  it('counts a whole year', () => {
    // 2024: 366 days, 104 weekend days, 8 bank holidays on weekdays.
    expect(cal.workingDaysBetween('2023-12-31', '2024-12-31')).toBe(366 - 104 - 8);
    // 2022 had 10 bank holidays, all weekdays; 260 weekdays.
    expect(cal.workingDaysBetween('2021-12-31', '2022-12-31')).toBe(260 - 10);
  });

  it('is consistent with addWorkingDays', () => {
    const starts = ['2020-05-07', '2021-12-24', '2021-12-25', '2022-06-01', '2022-09-17', '2023-04-28', '2024-12-20', '2024-12-25', '2026-12-27'];
    for (const a of starts) {
      for (let n = -25; n <= 25; n++) {
        const b = cal.addWorkingDays(a, n);
        expect(cal.workingDaysBetween(a, b), `${a} ${n}`).toBe(n);
        if (n !== 0) expect(cal.isWorkingDay(b), `${a} ${n} lands on a working day`).toBe(true);
      }
    }
  });

  it('round-trips addWorkingDays(a, workingDaysBetween(a, b)) === b for working-day b', () => {
    const starts = ['2021-12-24', '2022-06-04', '2024-12-20', '2024-12-25'];
    for (const a of starts) {
      for (let k = -40; k <= 40; k++) {
        const b = addDays(a, k);
        if (!cal.isWorkingDay(b)) continue;
        expect(cal.addWorkingDays(a, cal.workingDaysBetween(a, b)), `${a} -> ${b}`).toBe(b);
      }
    }
  });
});

describe('createCalendar', () => {
  it('uses only the holidays given', () => {
    const bare = createCalendar([]);
    expect(bare.isWorkingDay('2024-12-25')).toBe(true);
    expect(bare.addWorkingDays('2024-12-20', 5)).toBe('2024-12-27');
    const custom = createCalendar(['2024-12-23']);
    expect(custom.addWorkingDays('2024-12-20', 1)).toBe('2024-12-24');
    expect(custom.holidays).toEqual(['2024-12-23']);
  });

  it('sorts and de-duplicates holidays', () => {
    expect(createCalendar(new Set(['2025-01-01', '2024-12-25'])).holidays).toEqual(['2024-12-25', '2025-01-01']);
    expect(createCalendar(['2024-12-25', '2024-12-25']).holidays).toEqual(['2024-12-25']);
  });

  it('rejects malformed holiday dates', () => {
    expect(() => createCalendar(['2024-12-25', '25/12/2024'])).toThrow(/25\/12\/2024/);
    expect(() => createCalendar(['2023-02-29'])).toThrow(RangeError);
  });

  it('defaultCalendar holds the shipped table', () => {
    expect(cal.holidays).toHaveLength(83);
    expect(cal.holidays[0]).toBe('2018-01-01');
    expect(cal.holidays[cal.holidays.length - 1]).toBe('2027-12-28');
    expect(defaultCalendar()).toBe(cal);
  });
});

describe('workingDaysBetween counts as a day-by-day walk would', () => {
  it('agrees with walking every day, over spans of any length, either way, around holidays and before 1970', () => {
    const cal = defaultCalendar();
    const walk = (from: string, to: string): number => {
      let count = 0;
      if (from < to) for (let d = addDays(from, 1); d <= to; d = addDays(d, 1)) count += cal.isWorkingDay(d) ? 1 : 0;
      else for (let d = to; d < from; d = addDays(d, 1)) count -= cal.isWorkingDay(d) ? 1 : 0;
      return count;
    };
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
    for (let i = 0; i < 400; i += 1) {
      const from = addDays(i % 10 === 0 ? '1969-12-20' : '2018-01-01', next() % 3_600);
      const to = addDays(from, (next() % 800) - 400);
      expect(cal.workingDaysBetween(from, to), `${from} → ${to}`).toBe(walk(from, to));
    }
  });
});

describe('addWorkingDays lands where a day-by-day walk would', () => {
  it('agrees with stepping a day at a time, forwards and backwards, from working and non-working days, before 1970 too', () => {
    const cal = defaultCalendar();
    // The rule itself: step one calendar day at a time, counting only working days, until n are counted.
    const walk = (from: string, n: number): string => {
      let current = from;
      for (let left = Math.abs(n); left > 0; ) {
        current = addDays(current, n < 0 ? -1 : 1);
        if (cal.isWorkingDay(current)) left -= 1;
      }
      return current;
    };
    let seed = 11;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
    for (let i = 0; i < 600; i += 1) {
      const from = addDays(i % 10 === 0 ? '1969-12-20' : '2018-01-01', next() % 3_600);
      const n = (next() % 301) - 150;
      expect(cal.addWorkingDays(from, n), `${from} + ${n}`).toBe(walk(from, n));
    }
  });

  it('counts across a run of holidays longer than the span asked for', () => {
    const cal = createCalendar(['2030-01-01', '2030-01-02', '2030-01-03', '2030-01-04', '2030-01-07', '2030-01-08']);
    expect(cal.addWorkingDays('2029-12-31', 1)).toBe('2030-01-09');
    expect(cal.addWorkingDays('2030-01-09', -1)).toBe('2029-12-31');
  });
});
