// The period a report covers and how it is split into quarters or years. Pure.

import { addCalendarMonths, addDays, compareDates, formatDateForDisplay, type DateOnly } from '../calendar/date-only.ts';

/**
 * Years run from 1 April to 31 March: partnerships' yearly reports and the Panel's own figures
 * (notifications "2023-24") are counted by financial year, so quarters are its quarters too
 * (April–June is the first).
 */
export type Grouping = 'quarter' | 'year';
export const GROUPINGS: readonly Grouping[] = ['quarter', 'year'];

export type Period = { from: DateOnly; to: DateOnly };

/** A period longer than this is refused: it would be unreadable as a page and is never a reporting period. */
export const MAX_PERIOD_YEARS = 10;

export type PeriodProblem = { field: 'from' | 'to'; message: string };

/** What is wrong with a period, in the Design System's words; none when it can be reported on. */
export function periodProblems(from: DateOnly | null, to: DateOnly | null): PeriodProblem[] {
  const problems: PeriodProblem[] = [];
  if (!from) problems.push({ field: 'from', message: 'Enter the start of the period' });
  if (!to) problems.push({ field: 'to', message: 'Enter the end of the period' });
  if (!from || !to) return problems;
  if (compareDates(to, from) < 0) return [{ field: 'to', message: 'The end of the period must be the same as or after its start' }];
  // 10 years from 1 April 2015 ends on 31 March 2025: the last day allowed is the day before the same date 10 years on.
  if (compareDates(to, addDays(addCalendarMonths(from, MAX_PERIOD_YEARS * 12), -1)) > 0) {
    return [{ field: 'to', message: `The period must be ${MAX_PERIOD_YEARS} years or shorter` }];
  }
  return [];
}

/** The financial year (its starting calendar year) a date falls in: 2025-03-31 is in 2024 (2024-25). */
export function financialYearOf(date: DateOnly): number {
  const year = Number(date.slice(0, 4));
  return Number(date.slice(5, 7)) >= 4 ? year : year - 1;
}

/** The financial year holding `today`, whole: what a partnership reports on by default. */
export function defaultPeriod(today: DateOnly): Period {
  const year = financialYearOf(today);
  return { from: `${year}-04-01`, to: `${year + 1}-03-31` };
}

export type Bucket = { key: string; label: string; start: DateOnly; end: DateOnly };

const pad = (n: number) => String(n).padStart(2, '0');
const yearName = (y: number) => `${y}-${pad((y + 1) % 100)}`;

function quarterOf(date: DateOnly): { year: number; quarter: number } {
  const year = financialYearOf(date);
  const month = Number(date.slice(5, 7));
  // April–June 1, July–September 2, October–December 3, January–March 4.
  return { year, quarter: month >= 4 ? Math.floor((month - 4) / 3) + 1 : 4 };
}

function quarterBucket(year: number, quarter: number): Bucket {
  const startMonth = quarter === 4 ? 1 : 4 + (quarter - 1) * 3;
  const startYear = quarter === 4 ? year + 1 : year;
  const start = `${startYear}-${pad(startMonth)}-01`;
  const end = addDays(addCalendarMonths(start, 3), -1);
  const month = (d: DateOnly) => formatDateForDisplay(d).split(' ')[1];
  return { key: `${yearName(year)} Q${quarter}`, label: `${month(start)} to ${month(end)} ${startYear}`, start, end };
}

function yearBucket(year: number): Bucket {
  return { key: yearName(year), label: `April ${year} to March ${year + 1}`, start: `${year}-04-01`, end: `${year + 1}-03-31` };
}

/** The key of the quarter or year a date falls in ("2024-25 Q3", "2024-25"). */
export function bucketKey(date: DateOnly, grouping: Grouping): string {
  if (grouping === 'year') return yearName(financialYearOf(date));
  const { year, quarter } = quarterOf(date);
  return `${yearName(year)} Q${quarter}`;
}

/** Every quarter or year the period touches, oldest first (the first and last may be partly outside it). */
export function bucketsOf(period: Period, grouping: Grouping): Bucket[] {
  const buckets: Bucket[] = [];
  let at = period.from;
  while (compareDates(at, period.to) <= 0) {
    const bucket = grouping === 'year' ? yearBucket(financialYearOf(at)) : (({ year, quarter }) => quarterBucket(year, quarter))(quarterOf(at));
    buckets.push(bucket);
    at = addDays(bucket.end, 1);
  }
  return buckets;
}

export function inPeriod(date: DateOnly | null | undefined, period: Period): date is DateOnly {
  return Boolean(date) && compareDates(date as DateOnly, period.from) >= 0 && compareDates(date as DateOnly, period.to) <= 0;
}
