// Date-only values: a calendar day with no time and no zone, held as an ISO string `YYYY-MM-DD`.
//
// Statutory clocks count days, not instants. Holding days as strings (and doing arithmetic only on
// UTC midnights) means a date can never drift by a day because a server or browser sits in
// British Summer Time. ISO strings also sort and compare correctly as plain text, and store as-is.

/** A real calendar date written `YYYY-MM-DD`. Build one with `parseDateOnly`. */
export type DateOnly = string;

/** 0 = Sunday … 6 = Saturday, as `Date.prototype.getUTCDay` numbers them. */
export type DayOfWeek = 0 | 1 | 2 | 3 | 4 | 5 | 6;

const DATE_ONLY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
] as const;

type Parts = { year: number; month: number; day: number };

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days in a month; `month` is 1–12. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function splitValid(s: string): Parts | null {
  const m = DATE_ONLY_PATTERN.exec(s);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12) return null;
  if (day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

/**
 * Returns `s` if it is a real calendar date written exactly `YYYY-MM-DD`, otherwise null.
 * Rejects impossible days (2024-02-30, 2023-02-29), other layouts (2024-1-5, 05/01/2024) and
 * anything with a time part, so user input never reaches the clocks half-understood.
 */
export function parseDateOnly(s: string): DateOnly | null {
  if (typeof s !== 'string') return null;
  return splitValid(s) ? s : null;
}

/** Type guard form of `parseDateOnly`, for values of unknown type (JSON, form bodies). */
export function isDateOnly(value: unknown): value is DateOnly {
  return typeof value === 'string' && splitValid(value) !== null;
}

// Internal: every function below trusts nothing, because a malformed date reaching a clock would
// produce a wrong deadline rather than an error.
function parts(date: DateOnly): Parts {
  const p = typeof date === 'string' ? splitValid(date) : null;
  if (!p) throw new RangeError(`Not a valid date (expected YYYY-MM-DD): ${String(date)}`);
  return p;
}

// Milliseconds at UTC midnight. Date.UTC maps years 0–99 to 1900–1999, so those are set explicitly.
function utcMidnight({ year, month, day }: Parts): number {
  if (year >= 100) return Date.UTC(year, month - 1, day);
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime();
}

function fromUtcMs(ms: number): DateOnly {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (!Number.isFinite(ms) || year < 0 || year > 9999) {
    throw new RangeError('Date out of range (years 0000–9999 only)');
  }
  return formatParts(year, d.getUTCMonth() + 1, d.getUTCDate());
}

function formatParts(year: number, month: number, day: number): DateOnly {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function requireInteger(n: number, what: string): void {
  if (!Number.isInteger(n)) throw new RangeError(`${what} must be a whole number, got ${String(n)}`);
}

/** The date `n` calendar days after `date` (before it when `n` is negative). */
export function addDays(date: DateOnly, n: number): DateOnly {
  requireInteger(n, 'Number of days');
  return fromUtcMs(utcMidnight(parts(date)) + n * MS_PER_DAY);
}

/** Signed count of calendar days from `from` to `to` (positive when `to` is later). */
export function daysBetween(from: DateOnly, to: DateOnly): number {
  return Math.round((utcMidnight(parts(to)) - utcMidnight(parts(from))) / MS_PER_DAY);
}

/** Days since 1 January 1970 (a Thursday): day arithmetic without building dates. */
export function epochDay(date: DateOnly): number {
  return Math.round(utcMidnight(parts(date)) / MS_PER_DAY);
}

/** The date of a day number (days since 1 January 1970): the inverse of `epochDay`. */
export function dateOfEpochDay(day: number): DateOnly {
  requireInteger(day, 'Day number');
  return fromUtcMs(day * MS_PER_DAY);
}

/** 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(date: DateOnly): DayOfWeek {
  return new Date(utcMidnight(parts(date))).getUTCDay() as DayOfWeek;
}

export function isWeekend(date: DateOnly): boolean {
  const d = dayOfWeek(date);
  return d === 0 || d === 6;
}

/** -1, 0 or 1, for `Array.prototype.sort`. ISO strings order correctly as text once validated. */
export function compareDates(a: DateOnly, b: DateOnly): -1 | 0 | 1 {
  parts(a);
  parts(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

export function minDate(a: DateOnly, b: DateOnly): DateOnly {
  return compareDates(a, b) <= 0 ? a : b;
}

export function maxDate(a: DateOnly, b: DateOnly): DateOnly {
  return compareDates(a, b) >= 0 ? a : b;
}

const londonFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

let lastLondonHour = Number.NaN;
let lastLondonDate = '' as DateOnly;

/**
 * The calendar date in England at the instant `now`. Partnerships work on London time, so a
 * notification sent at 00:30 BST on 1 July counts as 1 July even though UTC still says 30 June.
 * `now` is passed in (never read from the clock here) so callers and tests control it.
 */
export function todayInLondon(now: Date): DateOnly {
  const ms = now.getTime();
  if (Number.isNaN(ms)) throw new RangeError('todayInLondon needs a valid Date');
  // London is always a whole number of hours from UTC (GMT or BST) and changes between them on the
  // hour (01:00 UTC), so its date is the same throughout any hour of UTC: worked out once per hour,
  // not on every request that shows a clock.
  const hour = Math.floor(ms / 3_600_000);
  if (hour === lastLondonHour) return lastLondonDate;
  const got: Record<string, string> = {};
  for (const p of londonFormat.formatToParts(now)) got[p.type] = p.value;
  lastLondonDate = formatParts(Number(got.year), Number(got.month), Number(got.day));
  lastLondonHour = hour;
  return lastLondonDate;
}

/**
 * `n` calendar months after `date` (before when negative), clamping to the last day of the target
 * month when the day does not exist there: 31 Aug 2023 + 6 months = 29 Feb 2024 (leap year),
 * 31 Aug 2024 + 6 months = 28 Feb 2025. This is how "within 6 months" is read for review deadlines:
 * the period must not spill into the following month.
 */
export function addCalendarMonths(date: DateOnly, n: number): DateOnly {
  requireInteger(n, 'Number of months');
  const { year, month, day } = parts(date);
  const monthIndex = year * 12 + (month - 1) + n;
  const newYear = Math.floor(monthIndex / 12);
  const newMonth = monthIndex - newYear * 12 + 1;
  if (newYear < 0 || newYear > 9999) throw new RangeError('Date out of range (years 0000–9999 only)');
  return formatParts(newYear, newMonth, Math.min(day, daysInMonth(newYear, newMonth)));
}

/** GOV.UK style for people: `31 December 2024`. */
export function formatDateForDisplay(date: DateOnly): string {
  const { year, month, day } = parts(date);
  return `${day} ${MONTH_NAMES[month - 1]} ${year}`;
}
