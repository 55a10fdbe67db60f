// The yearly report: the 12 months it covers, its narrative sections and the order of its parts.
// Pure: the page, the PDF and the API are all made from this one outline.

import { addCalendarMonths, addDays, compareDates, formatDateForDisplay, type DateOnly } from '../calendar/date-only.ts';
import { financialYearOf, type Period } from './period.ts';
import type { TableKey } from './tables.ts';

/**
 * Working Together 2023 (chapter 2, "Reporting"): the safeguarding partners publish a report at
 * least once in every 12-month period. Most partnerships report on the financial year (April to
 * March), so that is the default, but any 12 months may be chosen by their first month.
 */
export const REPORT_MONTHS = 12;

/** A month written YYYY-MM, as in the page's and the API's addresses. */
export type MonthText = string;

const MONTH = /^(\d{4})-(\d{2})$/;
/** The earliest year a report may start: the service holds nothing older, and no partnership existed before 2019. */
export const EARLIEST_YEAR = 2000;

/** The 12 months starting on the first of the month given. */
export function yearlyPeriod(startMonth: MonthText): Period {
  const from = `${startMonth}-01`;
  return { from, to: addDays(addCalendarMonths(from, REPORT_MONTHS), -1) };
}

/** The month (YYYY-MM) of a date. */
export const monthOf = (date: DateOnly): MonthText => date.slice(0, 7);

/** The last whole April-to-March year before today: what a partnership reports on by default. */
export function defaultStartMonth(today: DateOnly): MonthText {
  return `${financialYearOf(today) - 1}-04`;
}

export type StartProblem = { field: 'from' | 'to'; message: string };

/**
 * Reads the first month of the period (and, when given, its last month, which must then make
 * exactly 12 months). Refused: no month, a month that is not real, a period that has not started
 * yet, and one longer (or shorter) than 12 months. A period still running is allowed: the report
 * is drafted during the year and its figures say "so far".
 */
export function readPeriod(from: string, to: string | null, today: DateOnly): { ok: true; startMonth: MonthText; period: Period } | { ok: false; problems: StartProblem[] } {
  const f = from.trim();
  if (f === '') return { ok: false, problems: [{ field: 'from', message: 'Enter the month the report starts, like 2025-04' }] };
  const m = MONTH.exec(f);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12 || Number(m[1]) < EARLIEST_YEAR) {
    return { ok: false, problems: [{ field: 'from', message: `The month the report starts must be a real month from ${EARLIEST_YEAR}, written like 2025-04` }] };
  }
  const period = yearlyPeriod(f);
  if (compareDates(period.from, today) > 0) return { ok: false, problems: [{ field: 'from', message: 'The month the report starts must be this month or earlier' }] };
  if (to !== null && to.trim() !== '') {
    const t = MONTH.exec(to.trim());
    if (!t || Number(t[2]) < 1 || Number(t[2]) > 12) return { ok: false, problems: [{ field: 'to', message: 'The month the report ends must be a real month, written like 2026-03' }] };
    const end = addDays(addCalendarMonths(`${to.trim()}-01`, 1), -1);
    if (compareDates(end, period.to) > 0) return { ok: false, problems: [{ field: 'to', message: `A yearly report covers ${REPORT_MONTHS} months: the period is too long. It must end in ${formatMonth(monthOf(period.to))}` }] };
    if (compareDates(end, period.to) < 0) return { ok: false, problems: [{ field: 'to', message: `A yearly report covers ${REPORT_MONTHS} months: it must end in ${formatMonth(monthOf(period.to))}` }] };
  }
  return { ok: true, startMonth: f, period };
}

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "April 2025". */
export function formatMonth(month: MonthText): string {
  return `${MONTH_NAMES[Number(month.slice(5, 7)) - 1]} ${month.slice(0, 4)}`;
}

/** "April 2025 to March 2026": how the report names its period. */
export function periodName(period: Period): string {
  return `${formatMonth(monthOf(period.from))} to ${formatMonth(monthOf(period.to))}`;
}

/** True while the period has not ended: its figures are the year so far. */
export function periodRunning(period: Period, today: DateOnly): boolean {
  return compareDates(today, period.to) <= 0;
}

export const periodDates = (period: Period) => `${formatDateForDisplay(period.from)} to ${formatDateForDisplay(period.to)}`;

// ---- Narrative sections -------------------------------------------------------------------------

export const SECTION_KEYS = ['introduction', 'learning', 'impact', 'next'] as const;
export type SectionKey = (typeof SECTION_KEYS)[number];

export type SectionDefinition = { key: SectionKey; title: string; hint: string };

/** What the partnership writes itself, each in its place among the figures. */
export const SECTIONS: Readonly<Record<SectionKey, SectionDefinition>> = Object.freeze({
  introduction: { key: 'introduction', title: 'Introduction', hint: 'The partnership, its arrangements for reviews and the year at a glance.' },
  learning: { key: 'learning', title: 'What we learned', hint: 'The main learning from the year’s rapid reviews and local reviews, by theme.' },
  impact: { key: 'impact', title: 'Evidence of impact', hint: 'What changed in practice because of the reviews, and how the partnership knows.' },
  next: { key: 'next', title: 'What we will do next', hint: 'The partnership’s priorities for learning from reviews in the coming year.' },
});

export function isSectionKey(value: unknown): value is SectionKey {
  return typeof value === 'string' && (SECTION_KEYS as readonly string[]).includes(value);
}

/** The longest text a section holds: several pages of a report, never a whole document. */
export const SECTION_MAX = 20_000;

/** What is wrong with a new version of a section's text; none when it can be saved. */
export function sectionProblems(text: string, current: string | null): string[] {
  const t = text.trim();
  if (t === '') return ['Enter the text of the section'];
  if (t.length > SECTION_MAX) return [`The text must be ${SECTION_MAX.toLocaleString('en-GB')} characters or fewer`];
  if (current !== null && t === current.trim()) return ['The text is the same as the current version: change it before saving'];
  return [];
}

/** A section's text as paragraphs: split at blank lines (single line breaks stay within a paragraph). */
export function paragraphsOf(text: string): string[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s*\n\s*/g, ' ').trim())
    .filter((p) => p !== '');
}

// ---- The outline ----------------------------------------------------------------------------------

/**
 * The report's parts in order, each with the figures' tables it shows (charts with them) and the
 * narrative written for it. The statutory report asks what the partnership did (its review
 * activity), how effective it was (timeliness, actions and their impact) and what it will do next.
 */
export type Part = { id: string; heading: string; summary: string; tables: readonly TableKey[]; narrative: SectionKey | null };

export const OUTLINE: readonly Part[] = Object.freeze([
  { id: 'introduction', heading: 'Introduction', summary: '', tables: [], narrative: 'introduction' },
  { id: 'notifications', heading: 'Notifications to the Panel', summary: 'Serious incidents the local authority notified to the Child Safeguarding Practice Review Panel, and whether within 5 working days of becoming aware.', tables: ['notifications'], narrative: null },
  { id: 'rapid-reviews', heading: 'Rapid reviews', summary: 'Rapid reviews sent to the Panel, and whether within 15 working days of the notification.', tables: ['rapid-reviews'], narrative: null },
  { id: 'decisions', heading: 'Decisions', summary: 'What the safeguarding partners decided after each rapid review, and the local reviews they started.', tables: ['decisions'], narrative: null },
  { id: 'reviews', heading: 'Reviews completed and published', summary: 'Local child safeguarding practice reviews published within 6 months of the decision, those that were late and why, and the reports published and withdrawn.', tables: ['review-completion', 'late-reviews', 'publications'], narrative: null },
  { id: 'themes', heading: 'Learning themes', summary: 'The themes of the reviews published and the recommendations made in the year.', tables: ['themes'], narrative: null },
  { id: 'learning', heading: 'What we learned', summary: '', tables: [], narrative: 'learning' },
  { id: 'actions', heading: 'Action progress and evidence of impact', summary: 'The actions agencies agreed for the year’s recommendations: their progress today, those overdue, and those with evidence of what changed.', tables: ['actions'], narrative: 'impact' },
  { id: 'next', heading: 'What we will do next', summary: '', tables: [], narrative: 'next' },
]);
