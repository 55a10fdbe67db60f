// Working days for statutory clocks: Monday to Friday, less England and Wales bank holidays.
//
// Counting convention (Working Together and the Panel count this way): the starting day is day 0
// and is never counted; day 1 is the first working day after it. So 5 working days after
// Friday 20 December 2024 is Tuesday 31 December 2024 (23, 24, 27, 30, 31; 25, 26 are holidays).
//
// When the starting day is itself a weekend or bank holiday it is still day 0: a local authority
// that became aware on Saturday 21 December 2024 has 23, 24, 27, 30, 31 December, the same
// deadline as if it had become aware on the Friday. Nothing is lost or gained by the day of the week.

import { compareDates, dateOfEpochDay, dayOfWeek, epochDay, isDateOnly, parseDateOnly } from './date-only.ts';
import type { DateOnly } from './date-only.ts';
import { ENGLAND_AND_WALES_BANK_HOLIDAYS } from './bank-holidays.ts';

export type WorkingDayCalendar = {
  /** The bank holidays this calendar knows, sorted. */
  readonly holidays: readonly DateOnly[];
  /** True for a bank holiday in this calendar (whatever the day of the week). */
  isHoliday(date: DateOnly): boolean;
  /** Monday to Friday and not a bank holiday. */
  isWorkingDay(date: DateOnly): boolean;
  /**
   * The `n`th working day after `date` (before it when `n` is negative); `date` is day 0 and
   * `addWorkingDays(date, 0)` is `date` itself even when it is not a working day.
   * For any `n` ≠ 0 the result is always a working day.
   */
  addWorkingDays(date: DateOnly, n: number): DateOnly;
  /**
   * Signed count of working days from `from` to `to`, the inverse of `addWorkingDays`:
   * - `to` later: working days in (from, to] — `from` excluded, `to` included;
   * - `to` earlier: minus the working days in [to, from);
   * - same day: 0.
   * Hence `workingDaysBetween(a, addWorkingDays(a, n)) === n` for every `a` and `n`, and
   * `addWorkingDays(a, workingDaysBetween(a, b)) === b` whenever `b` is a working day.
   */
  workingDaysBetween(from: DateOnly, to: DateOnly): number;
};

/** Build a calendar from holiday dates (`YYYY-MM-DD`). Throws on a malformed date. */
export function createCalendar(holidays: Iterable<string>): WorkingDayCalendar {
  const set = new Set<DateOnly>();
  for (const h of holidays) {
    const date = parseDateOnly(h);
    if (date === null) throw new RangeError(`Not a valid holiday date (expected YYYY-MM-DD): ${String(h)}`);
    set.add(date);
  }
  const sorted = Object.freeze([...set].sort());

  const isHoliday = (date: DateOnly): boolean => {
    if (!isDateOnly(date)) throw new RangeError(`Not a valid date (expected YYYY-MM-DD): ${String(date)}`);
    return set.has(date);
  };

  const isWorkingDay = (date: DateOnly): boolean => {
    const d = dayOfWeek(date); // validates
    return d !== 0 && d !== 6 && !set.has(date);
  };

  // Counted, not walked: weekdays by arithmetic on day numbers, less the bank holidays that fall on
  // a weekday in the span (binary search in the sorted list). Dashboards count spans of months for
  // every open clock of every case.
  const weekdayHolidays = sorted.filter((h) => dayOfWeek(h) !== 0 && dayOfWeek(h) !== 6).map(epochDay);
  /** Working days among day numbers up to `day`, from an arbitrary origin: only differences mean anything. */
  const workingDaysUpTo = (day: number): number => weekdaysBefore(day + 1) - holidaysUpTo(weekdayHolidays, day);
  const workingDaysIn = (after: number, upTo: number): number => workingDaysUpTo(upTo) - workingDaysUpTo(after);

  // The date is parsed once into a day number; the answer is found by searching the count (which
  // only grows with the day) rather than by stepping a day at a time.
  const addWorkingDays = (date: DateOnly, n: number): DateOnly => {
    if (!Number.isInteger(n)) throw new RangeError(`Number of working days must be a whole number, got ${String(n)}`);
    if (!isDateOnly(date)) throw new RangeError(`Not a valid date (expected YYYY-MM-DD): ${String(date)}`);
    if (n === 0) return date;
    const start = epochDay(date);
    // Forwards: the first day d with n working days in (start, d]; that day is itself a working day.
    // Backwards: the last day d with -n working days in [d, start); likewise a working day.
    const enough = n > 0 ? (d: number) => workingDaysIn(start, d) >= n : (d: number) => workingDaysIn(d - 1, start - 1) >= -n;
    const direction = n > 0 ? 1 : -1;
    let near = 0;
    let far = Math.abs(n);
    while (!enough(start + direction * far)) {
      near = far;
      far *= 2;
    }
    // Invariant: `near` days away is not enough, `far` days away is.
    while (far - near > 1) {
      const mid = near + Math.floor((far - near) / 2);
      if (enough(start + direction * mid)) far = mid;
      else near = mid;
    }
    return dateOfEpochDay(start + direction * far);
  };

  const workingDaysBetween = (from: DateOnly, to: DateOnly): number => {
    const order = compareDates(from, to);
    if (order === 0) return 0;
    const a = epochDay(from);
    const b = epochDay(to);
    // (from, to]
    if (order < 0) return workingDaysIn(a, b);
    // [to, from) is (to - 1, from - 1]
    return 0 - workingDaysIn(b - 1, a - 1); // not -count, which gives -0 for an empty span
  };

  return Object.freeze({ holidays: sorted, isHoliday, isWorkingDay, addWorkingDays, workingDaysBetween });
}

// Weekdays among epoch days [0, n): day 0 (1 January 1970) was a Thursday, so each week from it
// runs Thu, Fri, Sat, Sun, Mon, Tue, Wed.
const WEEKDAYS_IN_FIRST = [0, 1, 2, 2, 2, 3, 4, 5];
function weekdaysBefore(n: number): number {
  const weeks = Math.floor(n / 7);
  return weeks * 5 + WEEKDAYS_IN_FIRST[n - weeks * 7];
}

/** How many of the sorted day numbers are ≤ day. */
function holidaysUpTo(days: readonly number[], day: number): number {
  let lo = 0;
  let hi = days.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (days[mid] <= day) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

let shipped: WorkingDayCalendar | undefined;

/**
 * The calendar built from the shipped England and Wales table (2018–2027). Outside those years
 * only weekends are skipped, so deployments should load the GOV.UK feed for later years.
 */
export function defaultCalendar(): WorkingDayCalendar {
  shipped ??= createCalendar(ENGLAND_AND_WALES_BANK_HOLIDAYS.map((h) => h.date));
  return shipped;
}
