// England and Wales bank holidays, shipped as data, and a reader for the GOV.UK feed that
// administrators use to load later years.
//
// The table is written out date by date rather than computed: substitute days and one-off days
// (VE Day moved in 2020, the Platinum Jubilee, the State Funeral, the Coronation) cannot be derived
// from rules, and a deadline that ignores one of them is a day early.

import { isDateOnly } from './date-only.ts';
import type { DateOnly } from './date-only.ts';

export type BankHoliday = { date: DateOnly; title: string };

/** The years the shipped table covers. Deadlines beyond the last year need a loaded feed. */
export const SHIPPED_BANK_HOLIDAY_YEARS = { first: 2018, last: 2027 } as const;

/** 2027 is computed from the usual rules, not yet confirmed by GOV.UK. */
export const PROVISIONAL_BANK_HOLIDAY_YEARS: readonly number[] = [2027];

const NEW_YEAR = 'New Year’s Day';
const GOOD_FRIDAY = 'Good Friday';
const EASTER_MONDAY = 'Easter Monday';
const EARLY_MAY = 'Early May bank holiday';
const SPRING = 'Spring bank holiday';
const SUMMER = 'Summer bank holiday';
const CHRISTMAS = 'Christmas Day';
const BOXING = 'Boxing Day';
const SUBSTITUTE = ' (substitute day)';

/** England and Wales bank holidays 2018–2027 (2027 provisional), in date order. */
export const ENGLAND_AND_WALES_BANK_HOLIDAYS: readonly BankHoliday[] = Object.freeze([
  { date: '2018-01-01', title: NEW_YEAR },
  { date: '2018-03-30', title: GOOD_FRIDAY },
  { date: '2018-04-02', title: EASTER_MONDAY },
  { date: '2018-05-07', title: EARLY_MAY },
  { date: '2018-05-28', title: SPRING },
  { date: '2018-08-27', title: SUMMER },
  { date: '2018-12-25', title: CHRISTMAS },
  { date: '2018-12-26', title: BOXING },

  { date: '2019-01-01', title: NEW_YEAR },
  { date: '2019-04-19', title: GOOD_FRIDAY },
  { date: '2019-04-22', title: EASTER_MONDAY },
  { date: '2019-05-06', title: EARLY_MAY },
  { date: '2019-05-27', title: SPRING },
  { date: '2019-08-26', title: SUMMER },
  { date: '2019-12-25', title: CHRISTMAS },
  { date: '2019-12-26', title: BOXING },

  { date: '2020-01-01', title: NEW_YEAR },
  { date: '2020-04-10', title: GOOD_FRIDAY },
  { date: '2020-04-13', title: EASTER_MONDAY },
  // Moved from Monday 4 May to Friday 8 May for the 75th anniversary of VE Day.
  { date: '2020-05-08', title: 'Early May bank holiday (VE day)' },
  { date: '2020-05-25', title: SPRING },
  { date: '2020-08-31', title: SUMMER },
  { date: '2020-12-25', title: CHRISTMAS },
  { date: '2020-12-28', title: BOXING + SUBSTITUTE },

  { date: '2021-01-01', title: NEW_YEAR },
  { date: '2021-04-02', title: GOOD_FRIDAY },
  { date: '2021-04-05', title: EASTER_MONDAY },
  { date: '2021-05-03', title: EARLY_MAY },
  { date: '2021-05-31', title: SPRING },
  { date: '2021-08-30', title: SUMMER },
  { date: '2021-12-27', title: CHRISTMAS + SUBSTITUTE },
  { date: '2021-12-28', title: BOXING + SUBSTITUTE },

  { date: '2022-01-03', title: NEW_YEAR + SUBSTITUTE },
  { date: '2022-04-15', title: GOOD_FRIDAY },
  { date: '2022-04-18', title: EASTER_MONDAY },
  { date: '2022-05-02', title: EARLY_MAY },
  // The spring bank holiday moved from the last Monday in May, and a Jubilee day was added.
  { date: '2022-06-02', title: SPRING },
  { date: '2022-06-03', title: 'Platinum Jubilee bank holiday' },
  { date: '2022-08-29', title: SUMMER },
  { date: '2022-09-19', title: 'Bank Holiday for the State Funeral of Queen Elizabeth II' },
  { date: '2022-12-26', title: BOXING },
  { date: '2022-12-27', title: CHRISTMAS + SUBSTITUTE },

  { date: '2023-01-02', title: NEW_YEAR + SUBSTITUTE },
  { date: '2023-04-07', title: GOOD_FRIDAY },
  { date: '2023-04-10', title: EASTER_MONDAY },
  { date: '2023-05-01', title: EARLY_MAY },
  { date: '2023-05-08', title: 'Bank holiday for the coronation of King Charles III' },
  { date: '2023-05-29', title: SPRING },
  { date: '2023-08-28', title: SUMMER },
  { date: '2023-12-25', title: CHRISTMAS },
  { date: '2023-12-26', title: BOXING },

  { date: '2024-01-01', title: NEW_YEAR },
  { date: '2024-03-29', title: GOOD_FRIDAY },
  { date: '2024-04-01', title: EASTER_MONDAY },
  { date: '2024-05-06', title: EARLY_MAY },
  { date: '2024-05-27', title: SPRING },
  { date: '2024-08-26', title: SUMMER },
  { date: '2024-12-25', title: CHRISTMAS },
  { date: '2024-12-26', title: BOXING },

  { date: '2025-01-01', title: NEW_YEAR },
  { date: '2025-04-18', title: GOOD_FRIDAY },
  { date: '2025-04-21', title: EASTER_MONDAY },
  { date: '2025-05-05', title: EARLY_MAY },
  { date: '2025-05-26', title: SPRING },
  { date: '2025-08-25', title: SUMMER },
  { date: '2025-12-25', title: CHRISTMAS },
  { date: '2025-12-26', title: BOXING },

  { date: '2026-01-01', title: NEW_YEAR },
  { date: '2026-04-03', title: GOOD_FRIDAY },
  { date: '2026-04-06', title: EASTER_MONDAY },
  { date: '2026-05-04', title: EARLY_MAY },
  { date: '2026-05-25', title: SPRING },
  { date: '2026-08-31', title: SUMMER },
  { date: '2026-12-25', title: CHRISTMAS },
  { date: '2026-12-28', title: BOXING + SUBSTITUTE },

  { date: '2027-01-01', title: NEW_YEAR },
  { date: '2027-03-26', title: GOOD_FRIDAY },
  { date: '2027-03-29', title: EASTER_MONDAY },
  { date: '2027-05-03', title: EARLY_MAY },
  { date: '2027-05-31', title: SPRING },
  { date: '2027-08-30', title: SUMMER },
  { date: '2027-12-27', title: CHRISTMAS + SUBSTITUTE },
  { date: '2027-12-28', title: BOXING + SUBSTITUTE },
].map((h) => Object.freeze(h)));

const DIVISION = 'england-and-wales';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the GOV.UK `bank-holidays.json` feed (https://www.gov.uk/bank-holidays.json) and returns
 * the England and Wales events as `{ date, title }`, sorted by date, one per date. Other divisions
 * (Scotland, Northern Ireland) are ignored: the statutory clocks run on England's working days.
 *
 * Accepts the parsed JSON or the raw text. Throws an Error whose message says exactly what is wrong,
 * so an administrator uploading a file can fix it.
 */
export function parseGovUkBankHolidays(json: unknown): BankHoliday[] {
  let data = json;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data) as unknown;
    } catch {
      throw new Error('Bank holidays file is not valid JSON.');
    }
  }
  if (!isRecord(data)) {
    throw new Error('Bank holidays file must be a JSON object with an "england-and-wales" division, like the GOV.UK bank-holidays.json.');
  }
  const division = data[DIVISION];
  if (division === undefined) {
    throw new Error('Bank holidays file has no "england-and-wales" division.');
  }
  if (!isRecord(division)) {
    throw new Error('The "england-and-wales" division must be an object with "division" and "events".');
  }
  if (division.division !== undefined && division.division !== DIVISION) {
    throw new Error(`The "england-and-wales" division is labelled "${String(division.division)}"; expected "england-and-wales".`);
  }
  if (!Array.isArray(division.events)) {
    throw new Error('The "england-and-wales" division has no "events" list.');
  }

  const byDate = new Map<DateOnly, BankHoliday>();
  division.events.forEach((event: unknown, index: number) => {
    const n = index + 1;
    if (!isRecord(event)) throw new Error(`England and Wales event ${n} is not an object.`);
    const { date, title } = event;
    if (typeof title !== 'string' || title.trim() === '') {
      throw new Error(`England and Wales event ${n} has no title.`);
    }
    if (!isDateOnly(date)) {
      throw new Error(`England and Wales event ${n} ("${title}") has an invalid date ${JSON.stringify(date)}; expected a real date as YYYY-MM-DD.`);
    }
    // Duplicates carry no extra meaning for counting working days; keep the first title.
    if (!byDate.has(date)) byDate.set(date, { date, title: title.trim() });
  });

  return [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}
