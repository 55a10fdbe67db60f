import { describe, it, expect } from 'vitest';
import {
  addCalendarMonths,
  addDays,
  compareDates,
  dayOfWeek,
  daysBetween,
  daysInMonth,
  formatDateForDisplay,
  isDateOnly,
  isLeapYear,
  isWeekend,
  maxDate,
  minDate,
  parseDateOnly,
  todayInLondon,
} from './date-only.ts';

describe('parseDateOnly', () => {
  it('accepts real calendar dates', () => {
    expect(parseDateOnly('2024-12-20')).toBe('2024-12-20');
    expect(parseDateOnly('2024-02-29')).toBe('2024-02-29');
    expect(parseDateOnly('2000-02-29')).toBe('2000-02-29');
    expect(parseDateOnly('1945-05-08')).toBe('1945-05-08');
    expect(parseDateOnly('0001-01-01')).toBe('0001-01-01');
    expect(parseDateOnly('9999-12-31')).toBe('9999-12-31');
  });

  it('rejects impossible days', () => {
    expect(parseDateOnly('2024-02-30')).toBeNull();
    expect(parseDateOnly('2023-02-29')).toBeNull();
    expect(parseDateOnly('1900-02-29')).toBeNull(); // century, not leap
    expect(parseDateOnly('2024-04-31')).toBeNull();
    expect(parseDateOnly('2024-13-01')).toBeNull();
    expect(parseDateOnly('2024-00-10')).toBeNull();
    expect(parseDateOnly('2024-01-00')).toBeNull();
    expect(parseDateOnly('2024-01-32')).toBeNull();
  });

  it('rejects other layouts and extra content', () => {
    for (const bad of ['', '2024-1-05', '2024-01-5', '20/12/2024', '2024/12/20', '24-12-20', '2024-12-20T00:00:00Z',
      ' 2024-12-20', '2024-12-20 ', '2024-12-20\n', '+02024-12-20', 'tomorrow', '２０２４-12-20']) {
      expect(parseDateOnly(bad), bad).toBeNull();
    }
  });

  it('rejects non-strings at run time', () => {
    expect(parseDateOnly(20241220 as unknown as string)).toBeNull();
    expect(isDateOnly(undefined)).toBe(false);
    expect(isDateOnly(null)).toBe(false);
    expect(isDateOnly(new Date())).toBe(false);
    expect(isDateOnly('2024-12-20')).toBe(true);
  });
});

describe('leap years and month lengths', () => {
  it('follows the Gregorian rules', () => {
    expect(isLeapYear(2024)).toBe(true);
    expect(isLeapYear(2023)).toBe(false);
    expect(isLeapYear(1900)).toBe(false);
    expect(isLeapYear(2000)).toBe(true);
    expect(daysInMonth(2024, 2)).toBe(29);
    expect(daysInMonth(2025, 2)).toBe(28);
    expect(daysInMonth(2025, 4)).toBe(30);
    expect(daysInMonth(2025, 12)).toBe(31);
  });
});

describe('addDays', () => {
  it('moves across month, year and leap-day boundaries', () => {
    expect(addDays('2024-12-31', 1)).toBe('2025-01-01');
    expect(addDays('2025-01-01', -1)).toBe('2024-12-31');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2023-02-28', 1)).toBe('2023-03-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2024-12-20', 0)).toBe('2024-12-20');
    expect(addDays('2024-01-01', 366)).toBe('2025-01-01');
  });

  it('is not shifted by British Summer Time changes', () => {
    // Clocks went forward on 31 March 2024 and back on 27 October 2024.
    expect(addDays('2024-03-30', 1)).toBe('2024-03-31');
    expect(addDays('2024-03-31', 1)).toBe('2024-04-01');
    expect(addDays('2024-10-26', 2)).toBe('2024-10-28');
  });

  it('handles years below 100 without the Date.UTC 19xx remapping', () => {
    expect(addDays('0050-03-01', -1)).toBe('0050-02-28');
    expect(addDays('0099-12-31', 1)).toBe('0100-01-01');
  });

  it('throws on bad input', () => {
    expect(() => addDays('2024-02-30', 1)).toThrow(RangeError);
    expect(() => addDays('2024-02-01', 1.5)).toThrow(/whole number/);
    expect(() => addDays('9999-12-31', 1)).toThrow(/out of range/);
  });
});

describe('daysBetween', () => {
  it('is signed', () => {
    expect(daysBetween('2024-12-20', '2024-12-31')).toBe(11);
    expect(daysBetween('2024-12-31', '2024-12-20')).toBe(-11);
    expect(daysBetween('2024-02-01', '2024-03-01')).toBe(29);
    expect(daysBetween('2024-03-30', '2024-04-01')).toBe(2); // across the BST change
  });
});

describe('dayOfWeek', () => {
  it('numbers Sunday 0 to Saturday 6', () => {
    expect(dayOfWeek('2024-12-20')).toBe(5); // Friday
    expect(dayOfWeek('2024-12-21')).toBe(6);
    expect(dayOfWeek('2024-12-22')).toBe(0);
    expect(dayOfWeek('2024-12-23')).toBe(1);
    expect(dayOfWeek('2000-01-01')).toBe(6);
    expect(dayOfWeek('2024-02-29')).toBe(4);
    expect(isWeekend('2024-12-21')).toBe(true);
    expect(isWeekend('2024-12-20')).toBe(false);
  });
});

describe('compareDates', () => {
  it('orders dates and validates them', () => {
    expect(compareDates('2024-01-01', '2024-01-02')).toBe(-1);
    expect(compareDates('2024-01-02', '2024-01-01')).toBe(1);
    expect(compareDates('2024-01-01', '2024-01-01')).toBe(0);
    expect(compareDates('2023-12-31', '2024-01-01')).toBe(-1);
    expect(['2024-03-01', '2023-12-31', '2024-02-29'].sort(compareDates)).toEqual(['2023-12-31', '2024-02-29', '2024-03-01']);
    expect(() => compareDates('2024-1-1', '2024-01-01')).toThrow(RangeError);
    expect(minDate('2024-05-01', '2024-04-30')).toBe('2024-04-30');
    expect(maxDate('2024-05-01', '2024-04-30')).toBe('2024-05-01');
  });
});

describe('todayInLondon', () => {
  it('uses BST in summer: 23:30 UTC is already the next day', () => {
    expect(todayInLondon(new Date('2024-06-30T23:30:00Z'))).toBe('2024-07-01');
    expect(todayInLondon(new Date('2024-06-30T22:59:59Z'))).toBe('2024-06-30');
    expect(todayInLondon(new Date('2024-06-30T23:00:00Z'))).toBe('2024-07-01');
  });

  it('uses GMT in winter', () => {
    expect(todayInLondon(new Date('2024-12-31T23:30:00Z'))).toBe('2024-12-31');
    expect(todayInLondon(new Date('2025-01-01T00:00:00Z'))).toBe('2025-01-01');
  });

  it('is right on the days the clocks change', () => {
    // 31 March 2024: clocks go forward at 01:00 UTC.
    expect(todayInLondon(new Date('2024-03-30T23:59:00Z'))).toBe('2024-03-30');
    // 27 October 2024: clocks go back at 01:00 UTC; 23:30 UTC on the 27th is 23:30 GMT.
    expect(todayInLondon(new Date('2024-10-26T23:30:00Z'))).toBe('2024-10-27');
    expect(todayInLondon(new Date('2024-10-27T23:30:00Z'))).toBe('2024-10-27');
  });

  it('throws on an invalid Date', () => {
    expect(() => todayInLondon(new Date('nonsense'))).toThrow(RangeError);
  });

  it('gives the date the time zone database gives, every 29 minutes across a year and both clock changes, in any order', () => {
    const tz = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });
    const start = Date.UTC(2025, 0, 1);
    const instants: number[] = [];
    for (let t = start; t < Date.UTC(2026, 0, 1); t += 29 * 60_000) instants.push(t);
    // Forwards, then jumping about (a remembered hour must never answer for another).
    const order = [...instants, ...instants.map((_, i) => instants[(i * 7919) % instants.length])];
    for (const t of order) expect(todayInLondon(new Date(t)), new Date(t).toISOString()).toBe(tz.format(t));
    // The last second before and the first after London's midnight, in GMT and in BST.
    expect(todayInLondon(new Date('2025-01-15T23:59:59.999Z'))).toBe('2025-01-15');
    expect(todayInLondon(new Date('2025-01-16T00:00:00Z'))).toBe('2025-01-16');
    expect(todayInLondon(new Date('2025-07-15T22:59:59.999Z'))).toBe('2025-07-15');
    expect(todayInLondon(new Date('2025-07-15T23:00:00Z'))).toBe('2025-07-16');
  });
});

describe('addCalendarMonths', () => {
  it('clamps to the end of a shorter month', () => {
    expect(addCalendarMonths('2023-08-31', 6)).toBe('2024-02-29'); // leap year
    expect(addCalendarMonths('2024-08-31', 6)).toBe('2025-02-28');
    expect(addCalendarMonths('2024-01-31', 1)).toBe('2024-02-29');
    expect(addCalendarMonths('2025-01-31', 1)).toBe('2025-02-28');
    expect(addCalendarMonths('2024-03-31', 1)).toBe('2024-04-30');
    expect(addCalendarMonths('2024-02-29', 12)).toBe('2025-02-28');
    expect(addCalendarMonths('2024-02-29', 48)).toBe('2028-02-29');
  });

  it('keeps the day when it exists', () => {
    expect(addCalendarMonths('2024-01-15', 6)).toBe('2024-07-15');
    expect(addCalendarMonths('2024-07-15', 6)).toBe('2025-01-15');
    expect(addCalendarMonths('2024-02-29', 1)).toBe('2024-03-29'); // does not jump to month end
    expect(addCalendarMonths('2024-12-20', 0)).toBe('2024-12-20');
    expect(addCalendarMonths('2024-10-31', 2)).toBe('2024-12-31');
  });

  it('goes backwards with negative n, clamping too', () => {
    expect(addCalendarMonths('2024-03-31', -1)).toBe('2024-02-29');
    expect(addCalendarMonths('2025-03-31', -1)).toBe('2025-02-28');
    expect(addCalendarMonths('2024-01-15', -1)).toBe('2023-12-15');
    expect(addCalendarMonths('2024-08-31', -6)).toBe('2024-02-29');
    expect(addCalendarMonths('2024-01-31', -13)).toBe('2022-12-31');
    expect(addCalendarMonths('2024-05-31', -12)).toBe('2023-05-31');
  });

  it('throws on bad input', () => {
    expect(() => addCalendarMonths('2024-02-30', 1)).toThrow(RangeError);
    expect(() => addCalendarMonths('2024-02-01', 0.5)).toThrow(/whole number/);
  });
});

describe('formatDateForDisplay', () => {
  it('writes GOV.UK style dates', () => {
    expect(formatDateForDisplay('2024-12-31')).toBe('31 December 2024');
    expect(formatDateForDisplay('2023-12-05')).toBe('5 December 2023');
  });
});
