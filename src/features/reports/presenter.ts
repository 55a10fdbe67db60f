import { ACTION_STATUSES, ACTION_STATUS_LABELS } from '../../domain/learning/actions.ts';
import { DECISION_LABELS, DECISION_OUTCOMES, type ByBucket, type Figures, type TimelinessCounts } from '../../domain/reports/figures.ts';
import { displayCell, type Table, type TableKey } from '../../domain/reports/tables.ts';
import { lineChart, stackedBarChart, type Series } from './charts.ts';
import type { FiguresView } from './service.ts';

/** How many themes the chart draws (the table lists them all): more lines cannot be told apart. */
export const CHARTED_THEMES = 5;

function timelinessSeries(by: ByBucket<TimelinessCounts>): Series[] {
  const values = (pick: (c: TimelinessCounts) => number) => by.buckets.map((b) => pick(b.value));
  return [
    { key: 'onTime', label: 'On time', values: values((c) => c.onTime) },
    { key: 'late', label: 'Done late', values: values((c) => c.late) },
    { key: 'overdue', label: 'Overdue, not done', values: values((c) => c.overdue) },
    { key: 'pending', label: 'Not yet due', values: values((c) => c.pending) },
  ];
}

const hasData = (series: readonly Series[]) => series.some((s) => s.values.some((v) => v > 0));

/** The chart drawn beside each table that has one (null: nothing to draw for the period). */
export function chartsFor(view: FiguresView): Partial<Record<TableKey, string | null>> {
  const f: Figures = view.figures;
  const categories = f.buckets.map((b) => b.key);
  const unit = f.grouping === 'quarter' ? 'quarter' : 'year';
  const timeliness = (id: TableKey, title: string, by: ByBucket<TimelinessCounts>, what: string) => {
    const series = timelinessSeries(by);
    if (!hasData(series)) return null;
    const settled = by.total.percentOnTime === null ? 'none was due yet' : `${by.total.percentOnTime}% on time`;
    return stackedBarChart({ id: `chart-${id}`, title, description: `Stacked bars, one a ${unit}: ${what} on time, done late, overdue and not yet due. Over the whole period ${by.total.total} in all, ${settled}. The table beside it gives every figure.`, categories, series });
  };
  const decisions: Series[] = DECISION_OUTCOMES.map((o) => ({ key: o, label: DECISION_LABELS[o], values: f.decisions.buckets.map((b) => b.value[o]) }));
  const actions: Series[] = ACTION_STATUSES.map((s) => ({ key: s, label: ACTION_STATUS_LABELS[s], values: f.actions.byAgency.map((a) => a.counts[s]) }));
  const themes = f.themes.slice(0, CHARTED_THEMES);
  const themeSeries: Series[] = themes.map((t) => ({ key: t.key, label: view.themeLabels[t.key] ?? t.key, values: t.byBucket.buckets.map((b) => b.value) }));
  return {
    notifications: timeliness('notifications', 'Notifications to the Panel, on time and late', f.notifications, 'notifications'),
    'rapid-reviews': timeliness('rapid-reviews', 'Rapid reviews sent to the Panel, on time and late', f.rapidReviews, 'rapid reviews'),
    'review-completion': timeliness('review-completion', 'Local reviews published within 6 months, and late', f.reviewCompletion, 'local reviews'),
    decisions: hasData(decisions)
      ? stackedBarChart({ id: 'chart-decisions', title: 'Decisions and their outcomes', description: `Stacked bars, one a ${unit}: decisions for a local review, an alternative review, no further review or a national review. ${f.decisions.total.total} decisions in the period.`, categories, series: decisions })
      : null,
    actions: hasData(actions)
      ? stackedBarChart({ id: 'chart-actions', title: 'Actions by agency and status', description: `Stacked bars across, one an agency: its actions by status today. ${f.actions.total.total} actions, ${f.actions.total.overdue} overdue.`, categories: f.actions.byAgency.map((a) => a.agencyName), series: actions, horizontal: true })
      : null,
    themes: hasData(themeSeries)
      ? lineChart({ id: 'chart-themes', title: `The ${themes.length === 1 ? 'theme' : `${themes.length} most frequent themes`} over time`, description: `Lines, one a theme, a point a ${unit}: how many published reviews and recommendations carried it. ${themeSeries.map((s) => `${s.label}: ${s.values.reduce((a, b) => a + b, 0)}`).join('; ')}.`, categories, series: themeSeries })
      : null,
  };
}

/** A table's cells as people read them, with the kind of each column (numbers align right). */
export function displayRows(table: Table): { text: string; numeric: boolean }[][] {
  return table.rows.map((row) => row.map((cell, i) => ({ text: displayCell(cell, table.columns[i].type), numeric: table.columns[i].type === 'number' || table.columns[i].type === 'percent' })));
}
