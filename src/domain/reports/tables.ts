// The figures as tables: the one shape the page, the CSV and the spreadsheet are all made from,
// so that what is exported is exactly what is shown. Pure.

import { formatDateForDisplay, type DateOnly } from '../calendar/date-only.ts';
import { ACTION_STATUSES, ACTION_STATUS_LABELS } from '../learning/actions.ts';
import { DECISION_LABELS, DECISION_OUTCOMES, type ByBucket, type Figures, type TimelinessCounts } from './figures.ts';
import type { Period } from './period.ts';

/** A cell keeps its kind so that a spreadsheet gets a real date or number, never text that looks like one. */
export type ColumnType = 'text' | 'number' | 'percent' | 'date';
export type Column = { key: string; label: string; type: ColumnType };
export type Cell = string | number | null;
export type Table = { key: TableKey; title: string; description: string; columns: Column[]; rows: Cell[][] };

export const TABLE_KEYS = ['by-partnership', 'notifications', 'rapid-reviews', 'decisions', 'review-completion', 'late-reviews', 'publications', 'actions', 'themes'] as const;
export type TableKey = (typeof TABLE_KEYS)[number];

export function isTableKey(value: unknown): value is TableKey {
  return typeof value === 'string' && (TABLE_KEYS as readonly string[]).includes(value);
}

const num = (key: string, label: string): Column => ({ key, label, type: 'number' });
const txt = (key: string, label: string): Column => ({ key, label, type: 'text' });

const TIMELINESS_COLUMNS: Column[] = [
  txt('period', 'Period'),
  num('total', 'Total'),
  num('onTime', 'On time'),
  num('late', 'Done late'),
  num('overdue', 'Overdue, not done'),
  num('pending', 'Not yet due'),
  { key: 'percentOnTime', label: 'On time (%)', type: 'percent' },
];

function timelinessRows(by: ByBucket<TimelinessCounts>): Cell[][] {
  const row = (label: string, c: TimelinessCounts): Cell[] => [label, c.total, c.onTime, c.late, c.overdue, c.pending, c.percentOnTime];
  return [...by.buckets.map(({ bucket, value }) => row(bucket.key, value)), row('Whole period', by.total)];
}

function countRows(by: ByBucket<number>): Cell[][] {
  return [...by.buckets.map(({ bucket, value }): Cell[] => [bucket.key, value]), ['Whole period', by.total]];
}

export type TableNames = { themes: Readonly<Record<string, string>>; partnerships: Readonly<Record<string, string>>; severalPartnerships: boolean };

/** Every table of the figures, in the order the page shows them. */
export function figureTables(f: Figures, names: TableNames): Table[] {
  const period = `${formatDateForDisplay(f.period.from)} to ${formatDateForDisplay(f.period.to)}`;
  const unit = f.grouping === 'quarter' ? 'quarter (financial year, April to March)' : 'financial year (April to March)';
  return [
    {
      key: 'notifications',
      title: 'Notifications to the Panel',
      description: `Serious incident notifications by ${unit}, ${period}: on time when made within 5 working days of the local authority becoming aware, counted in the quarter they were made (or fell due, when not made).`,
      columns: TIMELINESS_COLUMNS,
      rows: timelinessRows(f.notifications),
    },
    {
      key: 'rapid-reviews',
      title: 'Rapid reviews sent to the Panel',
      description: `Rapid reviews by ${unit}, ${period}: on time when sent within 15 working days of the notification.`,
      columns: TIMELINESS_COLUMNS,
      rows: timelinessRows(f.rapidReviews),
    },
    {
      key: 'decisions',
      title: 'Decisions and their outcomes',
      description: `The partners’ decisions on a review by ${unit}, ${period}, and the local reviews they started.`,
      columns: [txt('period', 'Period'), ...DECISION_OUTCOMES.map((o) => num(o, DECISION_LABELS[o])), num('total', 'All decisions'), num('started', 'Local reviews started')],
      rows: [
        ...f.decisions.buckets.map(({ bucket, value }, i): Cell[] => [bucket.key, ...DECISION_OUTCOMES.map((o) => value[o]), value.total, f.reviewsStarted.buckets[i].value]),
        ['Whole period', ...DECISION_OUTCOMES.map((o) => f.decisions.total[o]), f.decisions.total.total, f.reviewsStarted.total],
      ],
    },
    {
      key: 'review-completion',
      title: 'Local reviews completed and published',
      description: `Local reviews by ${unit}, ${period}: on time when published within 6 months of the decision to hold the review, measured against that original date even when the review was delayed for good reason.`,
      columns: TIMELINESS_COLUMNS,
      rows: timelinessRows(f.reviewCompletion),
    },
    {
      key: 'late-reviews',
      title: 'Late reviews and the reasons recorded',
      description: `Local reviews published after their original due date, or past it and not yet published, ${period}, with the delays recorded for them.`,
      columns: [
        ...(names.severalPartnerships ? [txt('partnership', 'Partnership')] : []),
        txt('reference', 'Case'),
        { key: 'dueOn', label: 'Due by', type: 'date' as const },
        { key: 'doneOn', label: 'Published on', type: 'date' as const },
        num('daysLate', 'Days late'),
        txt('reasons', 'Reasons recorded'),
      ],
      rows: f.lateReviews.map((l): Cell[] => [
        ...(names.severalPartnerships ? [names.partnerships[l.partnershipId] ?? ''] : []),
        l.reference,
        l.dueOn,
        l.doneOn,
        l.daysLate,
        l.reasons.length ? l.reasons.join('; ') : 'No reason recorded',
      ]),
    },
    {
      key: 'publications',
      title: 'Publications and withdrawals',
      description: `Reviews published, and reports taken down, by ${unit}, ${period}.`,
      columns: [txt('period', 'Period'), num('published', 'Published'), num('withdrawn', 'Report withdrawn')],
      rows: countRows(f.publications).map((row, i) => [...row, i < f.withdrawals.buckets.length ? f.withdrawals.buckets[i].value : f.withdrawals.total]),
    },
    {
      key: 'actions',
      title: 'Actions by agency and status',
      description: `Actions from recommendations made ${period}, with their status today (${formatDateForDisplay(f.today)}): overdue when not completed by their due date; evidence of impact when what changed in practice has been recorded.`,
      columns: [txt('agency', 'Agency'), ...ACTION_STATUSES.map((s) => num(s, ACTION_STATUS_LABELS[s])), num('total', 'Total'), num('overdue', 'Overdue'), num('impactEvidence', 'With evidence of impact')],
      rows: [
        ...f.actions.byAgency.map((a): Cell[] => [a.agencyName, ...ACTION_STATUSES.map((s) => a.counts[s]), a.counts.total, a.counts.overdue, a.counts.impactEvidence]),
        ['All agencies', ...ACTION_STATUSES.map((s) => f.actions.total[s]), f.actions.total.total, f.actions.total.overdue, f.actions.total.impactEvidence],
      ],
    },
    {
      key: 'themes',
      title: 'Themes over time',
      description: `Learning themes of reviews published and recommendations made, by ${unit}, ${period}: each review or recommendation counts once for each of its themes.`,
      columns: [txt('theme', 'Theme'), ...f.buckets.map((b) => num(b.key, b.key)), num('total', 'Whole period')],
      rows: f.themes.map((t): Cell[] => [names.themes[t.key] ?? t.key, ...t.byBucket.buckets.map((b) => b.value), t.byBucket.total]),
    },
  ];
}

/** One row a partnership, for those who see several (the national Panel, a deployment's administrators). */
export function partnershipTable(each: readonly { name: string; figures: Figures }[], period: Period): Table {
  return {
    key: 'by-partnership',
    title: 'By partnership',
    description: `The main figures of each partnership, ${formatDateForDisplay(period.from)} to ${formatDateForDisplay(period.to)}: timeliness against the original due dates.`,
    columns: [
      txt('partnership', 'Partnership'),
      num('notifications', 'Notifications'),
      { key: 'notificationsOnTime', label: 'Notifications on time (%)', type: 'percent' },
      num('rapidReviews', 'Rapid reviews'),
      { key: 'rapidReviewsOnTime', label: 'Rapid reviews on time (%)', type: 'percent' },
      num('started', 'Local reviews started'),
      num('completed', 'Local reviews published'),
      { key: 'completedOnTime', label: 'Reviews on time (%)', type: 'percent' },
      num('published', 'Publications'),
      num('overdueActions', 'Overdue actions'),
    ],
    rows: each.map(({ name, figures: f }): Cell[] => [
      name,
      f.notifications.total.total,
      f.notifications.total.percentOnTime,
      f.rapidReviews.total.total,
      f.rapidReviews.total.percentOnTime,
      f.reviewsStarted.total,
      f.reviewCompletion.total.onTime + f.reviewCompletion.total.late,
      f.reviewCompletion.total.percentOnTime,
      f.publications.total,
      f.actions.total.overdue,
    ]),
  };
}

/** A cell as people read it on the page. */
export function displayCell(value: Cell, type: ColumnType): string {
  if (value === null) return '–';
  if (type === 'date') return formatDateForDisplay(value as DateOnly);
  if (type === 'percent') return `${value}%`;
  return String(value);
}
