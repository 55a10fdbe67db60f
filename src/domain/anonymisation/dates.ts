// Full dates (day, month and year) in the formats reports use. One finder serves both rules: a
// date equal to a date of birth on the case is identifying; any other full date is flagged for
// review because it may be a date of birth the case record does not hold (a sibling's, say).
// A year alone, or a month and year, is ordinary chronology and is never flagged.

import type { Candidate, Matcher } from './matcher.ts';
import { WORD_END, WORD_START } from './matcher.ts';

type Day = { year: number; month: number; day: number };

export type FoundDate = Day & {
  start: number;
  end: number;
  /** Written with a two-digit year ('07.03.15'); `year` is then a best guess. */
  twoDigitYear: boolean;
  /** Written as numbers day first ('07/03/2015'), so a US writer may have meant 3 July. */
  ambiguousOrder: boolean;
};

const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
] as const;
const MONTH = '(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)';
const ORDINAL = '(?:st|nd|rd|th)?';
const YEAR4 = '((?:19|20)\\d{2})';
// Numbers run on with dots or slashes belong to something else: paragraph '4.12.3.1', '1/2/3/4'.
// Dashes are left out so that a range '07/03/2015-08/03/2015' still yields both dates.
const NUM_START = '(?<![\\p{L}\\p{N}]|\\d[./])';
const NUM_END = '(?![\\p{L}\\p{N}]|[./]\\d)';

type Shape = {
  pattern: string;
  numericDayFirst: boolean;
  parts: (m: RegExpExecArray) => { year: string; month: string; day: string; separator: string };
};

const SHAPES: Shape[] = [
  // 2015-03-07 (also with / or .)
  {
    pattern: `${NUM_START}${YEAR4}([-/.])(\\d{1,2})\\2(\\d{1,2})${NUM_END}`,
    numericDayFirst: false,
    parts: (m) => ({ year: m[1], separator: m[2], month: m[3], day: m[4] }),
  },
  // 07/03/2015, 7/3/2015, 07.03.15, 07-03-2015: day first, as in the UK.
  {
    pattern: `${NUM_START}(\\d{1,2})([-/.])(\\d{1,2})\\2(\\d{4}|\\d{2})${NUM_END}`,
    numericDayFirst: true,
    parts: (m) => ({ day: m[1], separator: m[2], month: m[3], year: m[4] }),
  },
  // 7 March 2015, 7th March 2015, 7th of March, 2015, 7 Mar. 2015, 07-Mar-2015
  {
    pattern: `${WORD_START}(\\d{1,2})${ORDINAL}(?:\\s+(?:of\\s+)?|-)${MONTH}\\.?,?(?:\\s+|-)${YEAR4}${WORD_END}`,
    numericDayFirst: false,
    parts: (m) => ({ day: m[1], month: m[2], year: m[3], separator: ' ' }),
  },
  // March 7, 2015, March 7th 2015
  {
    pattern: `${WORD_START}${MONTH}\\.?\\s+(\\d{1,2})${ORDINAL},?\\s+${YEAR4}${WORD_END}`,
    numericDayFirst: false,
    parts: (m) => ({ month: m[1], day: m[2], year: m[3], separator: ' ' }),
  },
];

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function monthNumber(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const prefix = text.slice(0, 3).toLowerCase();
  return MONTH_NAMES.findIndex((name) => name.toLowerCase().startsWith(prefix)) + 1;
}

function isRealDay(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function toDate(m: RegExpExecArray, shape: Shape): FoundDate | null {
  const parts = shape.parts(m);
  const twoDigitYear = parts.year.length === 2;
  // '4.12.15' is far more often a paragraph number than a date: with a two-digit year and dots or
  // dashes, ask for the zero-padded day and month that dates written that way have.
  if (twoDigitYear && parts.separator !== '/' && (parts.day.length < 2 || parts.month.length < 2)) return null;
  const yy = Number(parts.year);
  // No clock in domain code: two-digit years pivot at 50 (15 → 2015, 87 → 1987).
  const year = twoDigitYear ? (yy < 50 ? 2000 + yy : 1900 + yy) : yy;
  const month = monthNumber(parts.month);
  const day = Number(parts.day);
  if (!isRealDay(year, month, day)) return null;
  return { start: m.index, end: m.index + m[0].length, year, month, day, twoDigitYear, ambiguousOrder: shape.numericDayFirst };
}

type CompiledShape = { shape: Shape; regex: RegExp };

function compileShapes(): CompiledShape[] {
  return SHAPES.map((shape) => ({ shape, regex: new RegExp(shape.pattern, 'giu') }));
}

function eachDate(text: string, compiled: CompiledShape[], visit: (date: FoundDate) => void): void {
  for (const { shape, regex } of compiled) {
    regex.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = regex.exec(text)) !== null) {
      const date = toDate(m, shape);
      if (date) visit(date);
      else regex.lastIndex = m.index + 1;
    }
  }
}

/** Every full date in `text`, in order of position. */
export function findDates(text: string): FoundDate[] {
  const found: FoundDate[] = [];
  eachDate(text, compileShapes(), (date) => found.push(date));
  return found.sort((a, b) => a.start - b.start);
}

export function formatDate(date: Day): string {
  return `${date.day} ${MONTH_NAMES[date.month - 1]} ${date.year}`;
}

function isoKey(date: Day): string {
  return [String(date.year).padStart(4, '0'), String(date.month).padStart(2, '0'), String(date.day).padStart(2, '0')].join('-');
}

function parseBirthdays(datesOfBirth: string[]): Day[] {
  return datesOfBirth.flatMap((value) => {
    const date = findDates(value.trim()).find((d) => !d.twoDigitYear);
    return date ? [{ year: date.year, month: date.month, day: date.day }] : [];
  });
}

function sameDay(found: FoundDate, birthday: Day, month: number, day: number): boolean {
  const yearMatches = found.twoDigitYear ? found.year % 100 === birthday.year % 100 : found.year === birthday.year;
  return yearMatches && month === birthday.month && day === birthday.day;
}

/**
 * Finds every full date: one equal to a date of birth on the case is a 'date-of-birth' finding
 * (identifying); any other is a 'pattern-date' finding (review).
 */
export function dateMatcher(datesOfBirth: string[]): Matcher {
  const birthdays = parseBirthdays(datesOfBirth);
  const compiled = compileShapes();
  return {
    find(text: string, out: Candidate[]) {
      eachDate(text, compiled, (date) => {
        const birthday = birthdays.find((b) => sameDay(date, b, date.month, date.day));
        const base = { start: date.start, end: date.end, key: isoKey(date) };
        if (birthday) {
          out.push({ ...base, kind: 'date-of-birth', severity: 'identifying', detail: `Matches a date of birth held on the case (${formatDate(birthday)})` });
          return;
        }
        const written = date.twoDigitYear ? `${date.day} ${MONTH_NAMES[date.month - 1]} ${String(date.year % 100).padStart(2, '0')}` : formatDate(date);
        const monthFirst = date.ambiguousOrder ? birthdays.find((b) => sameDay(date, b, date.day, date.month)) : undefined;
        const usNote = monthFirst ? ` Read month first, it is a date of birth held on the case (${formatDate(monthFirst)}).` : '';
        out.push({
          ...base,
          kind: 'pattern-date',
          severity: 'review',
          detail: `A full date (${written}): it may be a date of birth, so check it before publishing.${usNote}`,
        });
      });
    },
  };
}
