import { describe, it, expect } from 'vitest';
import { addDays, dayOfWeek } from './date-only.ts';
import { ENGLAND_AND_WALES_BANK_HOLIDAYS, SHIPPED_BANK_HOLIDAY_YEARS, parseGovUkBankHolidays } from './bank-holidays.ts';

// The README table, typed in independently, so a typo in either place shows up.
const README_TABLE: Record<number, string> = {
  2018: '01-01 03-30 04-02 05-07 05-28 08-27 12-25 12-26',
  2019: '01-01 04-19 04-22 05-06 05-27 08-26 12-25 12-26',
  2020: '01-01 04-10 04-13 05-08 05-25 08-31 12-25 12-28',
  2021: '01-01 04-02 04-05 05-03 05-31 08-30 12-27 12-28',
  2022: '01-03 04-15 04-18 05-02 06-02 06-03 08-29 09-19 12-26 12-27',
  2023: '01-02 04-07 04-10 05-01 05-08 05-29 08-28 12-25 12-26',
  2024: '01-01 03-29 04-01 05-06 05-27 08-26 12-25 12-26',
  2025: '01-01 04-18 04-21 05-05 05-26 08-25 12-25 12-26',
  2026: '01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-28',
  2027: '01-01 03-26 03-29 05-03 05-31 08-30 12-27 12-28',
};

const shippedDates = ENGLAND_AND_WALES_BANK_HOLIDAYS.map((h) => h.date);

// Anonymous Gregorian computus (Meeus/Jones/Butcher), to check Good Friday and Easter Monday.
function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

describe('shipped England and Wales bank holidays', () => {
  it('match the README table exactly, year by year', () => {
    for (let year = SHIPPED_BANK_HOLIDAY_YEARS.first; year <= SHIPPED_BANK_HOLIDAY_YEARS.last; year++) {
      const expected = README_TABLE[year].split(' ').map((md) => `${year}-${md}`);
      expect(shippedDates.filter((d) => d.startsWith(`${year}-`)), String(year)).toEqual(expected);
    }
    expect(shippedDates).toHaveLength(83);
  });

  it('are sorted, unique, and all fall on weekdays', () => {
    expect([...shippedDates].sort()).toEqual(shippedDates);
    expect(new Set(shippedDates).size).toBe(shippedDates.length);
    for (const d of shippedDates) expect([1, 2, 3, 4, 5], d).toContain(dayOfWeek(d));
  });

  it('include Good Friday and Easter Monday every year', () => {
    for (let year = 2018; year <= 2027; year++) {
      const easter = easterSunday(year);
      expect(shippedDates, `Good Friday ${year}`).toContain(addDays(easter, -2));
      expect(shippedDates, `Easter Monday ${year}`).toContain(addDays(easter, 1));
    }
  });

  it('include the one-off days', () => {
    const title = (date: string) => ENGLAND_AND_WALES_BANK_HOLIDAYS.find((h) => h.date === date)?.title;
    expect(title('2020-05-08')).toMatch(/VE day/);
    expect(shippedDates).not.toContain('2020-05-04'); // the usual early May Monday, moved
    expect(title('2022-06-02')).toBe('Spring bank holiday');
    expect(title('2022-06-03')).toMatch(/Platinum Jubilee/);
    expect(shippedDates).not.toContain('2022-05-30'); // the usual late May Monday, moved
    expect(title('2022-09-19')).toMatch(/State Funeral/);
    expect(title('2023-05-08')).toMatch(/coronation/);
  });

  it('include the substitute days', () => {
    for (const d of ['2020-12-28', '2021-12-27', '2021-12-28', '2022-01-03', '2022-12-27', '2023-01-02', '2026-12-28', '2027-12-27', '2027-12-28']) {
      expect(ENGLAND_AND_WALES_BANK_HOLIDAYS.find((h) => h.date === d)?.title, d).toMatch(/substitute day/);
    }
    // The weekend days they replace are not listed.
    for (const d of ['2020-12-26', '2021-12-25', '2021-12-26', '2022-01-01', '2022-12-25', '2023-01-01', '2026-12-26', '2027-12-25', '2027-12-26']) {
      expect(shippedDates, d).not.toContain(d);
    }
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(ENGLAND_AND_WALES_BANK_HOLIDAYS)).toBe(true);
    expect(Object.isFrozen(ENGLAND_AND_WALES_BANK_HOLIDAYS[0])).toBe(true);
  });
});

describe('parseGovUkBankHolidays', () => {
  const feed = {
    'england-and-wales': {
      division: 'england-and-wales',
      events: [
        { title: 'Boxing Day', date: '2028-12-26', notes: '', bunting: true },
        { title: 'New Year’s Day', date: '2028-01-03', notes: 'Substitute day', bunting: true },
        { title: 'Christmas Day', date: '2028-12-25', notes: '', bunting: true },
      ],
    },
    scotland: {
      division: 'scotland',
      events: [{ title: 'St Andrew’s Day', date: '2028-11-30', notes: '', bunting: true }],
    },
    'northern-ireland': { division: 'northern-ireland', events: [] },
  };

  it('returns England and Wales events only, sorted, as { date, title }', () => {
    expect(parseGovUkBankHolidays(feed)).toEqual([
      { date: '2028-01-03', title: 'New Year’s Day' },
      { date: '2028-12-25', title: 'Christmas Day' },
      { date: '2028-12-26', title: 'Boxing Day' },
    ]);
  });

  it('accepts the raw JSON text too', () => {
    expect(parseGovUkBankHolidays(JSON.stringify(feed))).toHaveLength(3);
    expect(() => parseGovUkBankHolidays('{not json')).toThrow('Bank holidays file is not valid JSON.');
  });

  it('keeps one entry per date', () => {
    const dup = { 'england-and-wales': { division: 'england-and-wales', events: [
      { title: 'A', date: '2028-05-01' }, { title: 'B', date: '2028-05-01' },
    ] } };
    expect(parseGovUkBankHolidays(dup)).toEqual([{ date: '2028-05-01', title: 'A' }]);
  });

  it('accepts an empty events list', () => {
    expect(parseGovUkBankHolidays({ 'england-and-wales': { division: 'england-and-wales', events: [] } })).toEqual([]);
  });

  it('rejects input that is not an object', () => {
    for (const bad of [null, 42, [], true, '[]', '"text"']) {
      expect(() => parseGovUkBankHolidays(bad)).toThrow(/must be a JSON object/);
    }
  });

  it('rejects a file with no england-and-wales division', () => {
    expect(() => parseGovUkBankHolidays({ scotland: feed.scotland })).toThrow('Bank holidays file has no "england-and-wales" division.');
    expect(() => parseGovUkBankHolidays({ 'england-and-wales': [] })).toThrow(/must be an object with "division" and "events"/);
  });

  it('rejects a division labelled as another division', () => {
    expect(() => parseGovUkBankHolidays({ 'england-and-wales': { division: 'scotland', events: [] } }))
      .toThrow('The "england-and-wales" division is labelled "scotland"; expected "england-and-wales".');
  });

  it('rejects missing events', () => {
    expect(() => parseGovUkBankHolidays({ 'england-and-wales': { division: 'england-and-wales' } }))
      .toThrow('The "england-and-wales" division has no "events" list.');
  });

  it('rejects a malformed event, naming it', () => {
    const withEvent = (event: unknown) => ({ 'england-and-wales': { division: 'england-and-wales', events: [{ title: 'Ok', date: '2028-01-03' }, event] } });
    expect(() => parseGovUkBankHolidays(withEvent('x'))).toThrow('England and Wales event 2 is not an object.');
    expect(() => parseGovUkBankHolidays(withEvent({ date: '2028-05-01' }))).toThrow('England and Wales event 2 has no title.');
    expect(() => parseGovUkBankHolidays(withEvent({ title: 'Leap', date: '2027-02-29' })))
      .toThrow('England and Wales event 2 ("Leap") has an invalid date "2027-02-29"; expected a real date as YYYY-MM-DD.');
    expect(() => parseGovUkBankHolidays(withEvent({ title: 'Slashes', date: '01/05/2028' }))).toThrow(/invalid date "01\/05\/2028"/);
    expect(() => parseGovUkBankHolidays(withEvent({ title: 'Missing' }))).toThrow(/invalid date undefined/);
  });
});
