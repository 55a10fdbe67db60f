import { formatDateForDisplay, type DateOnly } from '../../domain/calendar/date-only.ts';
import type { Table } from '../../domain/reports/tables.ts';
import { OUTLINE, paragraphsOf, periodDates, periodName, periodRunning, SECTIONS, type SectionDefinition } from '../../domain/reports/yearly.ts';
import type { Block, TaggedDocument } from '../../platform/documents/tagged-pdf.ts';
import { chartText } from './charts.ts';
import { chartsFor, displayRows } from './presenter.ts';
import type { SectionVersion, YearlyReport } from './yearly-service.ts';

/**
 * The yearly report's parts, in the outline's order, as both the printable page and the PDF show
 * them: the figures' own tables and charts (the figures page's presenter) and the narrative.
 */

export type ReportTable = Table & { display: ReturnType<typeof displayRows>; chart: string | null; chartTitle: string; chartDescription: string };
export type ReportPart = {
  id: string;
  heading: string;
  summary: string;
  narrative: (SectionDefinition & { current: (SectionVersion & { versions: number }) | null; paragraphs: string[] }) | null;
  tables: ReportTable[];
};

export function reportParts(report: YearlyReport): ReportPart[] {
  const charts = chartsFor(report.view);
  const byKey = new Map(report.view.tables.map((t) => [t.key, t]));
  return OUTLINE.map((part) => {
    const current = part.narrative ? report.narrative[part.narrative] : null;
    return {
      id: part.id,
      heading: part.heading,
      summary: part.summary,
      narrative: part.narrative ? { ...SECTIONS[part.narrative], current, paragraphs: current ? paragraphsOf(current.body) : [] } : null,
      tables: part.tables.flatMap((key) => {
        const table = byKey.get(key);
        if (!table) return [];
        const chart = charts[key] ?? null;
        const text = chart ? chartText(chart) : { title: '', description: '' };
        return [{ ...table, display: displayRows(table), chart, chartTitle: text.title, chartDescription: text.description }];
      }),
    };
  });
}

/** What the report says about its period and data, above the parts. */
export function reportNotes(report: YearlyReport, today: DateOnly): string[] {
  const notes = [`Figures counted on ${formatDateForDisplay(today)} from the cases, reviews, publications and actions recorded in the service. Timeliness is measured against the original due dates: a delay for good reason is shown with its reasons, and a late review is still late.`];
  if (periodRunning(report.period, today)) notes.unshift(`The period has not ended: these are the figures of the year so far.`);
  if (report.view.figures.nothingRecorded) notes.unshift('No cases, publications or actions have been recorded for this partnership yet, so every figure is zero.');
  return notes;
}

/** The PDF of the report: the same parts, tagged, with a contents page. */
export function yearlyPdfModel(report: YearlyReport, parts: readonly ReportPart[], today: DateOnly): TaggedDocument {
  const blocks: Block[] = [];
  for (const part of parts) {
    blocks.push({ kind: 'part', id: part.id, heading: part.heading });
    if (part.summary) blocks.push({ kind: 'paragraph', text: part.summary });
    for (const t of part.tables) {
      blocks.push({ kind: 'heading', text: t.title });
      blocks.push({ kind: 'paragraph', text: t.description, note: true });
      if (t.chart) blocks.push({ kind: 'figure', svg: t.chart, alt: `${t.chartTitle}. ${t.chartDescription}` });
      if (t.rows.length) blocks.push({ kind: 'table', columns: t.columns.map((c) => ({ label: c.label, numeric: c.type === 'number' || c.type === 'percent' })), rows: t.display.map((row) => row.map((c) => c.text)) });
      else blocks.push({ kind: 'paragraph', text: 'None in this period.' });
    }
    if (part.narrative) {
      if (part.tables.length) blocks.push({ kind: 'heading', text: part.narrative.title });
      if (part.narrative.paragraphs.length) for (const p of part.narrative.paragraphs) blocks.push({ kind: 'paragraph', text: p });
      else blocks.push({ kind: 'paragraph', text: 'This section has not been written yet.', note: true });
    }
  }
  return {
    title: `Review activity: yearly report ${periodName(report.period)}`,
    subtitle: report.partnership.name,
    lines: [...reportNotes(report, today), `Period: ${periodDates(report.period)}.`],
    footer: `${report.partnership.name}: review activity, ${periodName(report.period)}.`,
    author: report.partnership.name,
    blocks,
  };
}
