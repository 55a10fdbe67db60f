import { isDateOnly, type DateOnly } from '../../domain/calendar/date-only.ts';
import { defaultPeriod, GROUPINGS, periodProblems, type Grouping } from '../../domain/reports/period.ts';
import { isTableKey, type TableKey } from '../../domain/reports/tables.ts';
import type { DatePart } from '../../platform/http/date-input.ts';
import { dateValues, Problems, type FormBody } from '../../platform/http/form-body.ts';
import type { FiguresQuery } from './service.ts';

/**
 * Reading the figures' filters from an address: the page's date boxes (from-day, from-month,
 * from-year…) or, in links, exports and the API, dates written YYYY-MM-DD (from=2024-04-01). With
 * no dates at all, the current financial year. A missing, reversed or over-long period is refused
 * with the reason, never answered with an empty or partial report.
 */

export type FiguresFilters = FiguresQuery & { table: TableKey | null; format: 'csv' | 'xlsx' | null };

export type ParsedFilters =
  | { ok: true; filters: FiguresFilters; values: FormBody }
  | { ok: false; values: FormBody; errors: { text: string; href: string }[]; fieldErrors: Record<string, { text: string }>; dateParts: Record<string, DatePart[]>; problems: { field: string; message: string }[] };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const str = (q: Record<string, unknown>, key: string, max = 100): string => (typeof q[key] === 'string' ? (q[key] as string).trim().slice(0, max) : '');

function readBoxes(q: Record<string, unknown>, name: 'from' | 'to', label: string, problems: Problems): DateOnly | null | 'blank' {
  const iso = str(q, name, 20);
  const boxes = ['day', 'month', 'year'].map((p) => str(q, `${name}-${p}`, 20));
  if (iso === '' && boxes.every((b) => b === '')) return 'blank';
  if (iso !== '') {
    if (isDateOnly(iso)) return iso;
    problems.add(name, `${label.charAt(0).toUpperCase()}${label.slice(1)} must be a real date, written like 2025-04-01`);
    return null;
  }
  const [day, month, year] = boxes;
  const missing = (['day', 'month', 'year'] as const).filter((_, i) => boxes[i] === '');
  if (missing.length) {
    problems.add(name, `${label.charAt(0).toUpperCase()}${label.slice(1)} must include a ${missing.join(' and ')}`, [...missing]);
    return null;
  }
  const candidate = /^\d{4}$/.test(year) && /^\d{1,2}$/.test(month) && /^\d{1,2}$/.test(day) ? `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}` : '';
  if (!isDateOnly(candidate)) {
    problems.add(name, `${label.charAt(0).toUpperCase()}${label.slice(1)} must be a real date`);
    return null;
  }
  return candidate;
}

export function parseFiguresQuery(query: unknown, today: DateOnly): ParsedFilters {
  const q = (query && typeof query === 'object' ? query : {}) as Record<string, unknown>;
  const problems = new Problems(['from', 'to']);
  let from = readBoxes(q, 'from', 'the start of the period', problems);
  let to = readBoxes(q, 'to', 'the end of the period', problems);
  if (from === 'blank' && to === 'blank') {
    const year = defaultPeriod(today);
    from = year.from;
    to = year.to;
  }
  const by = str(q, 'by', 20);
  const grouping: Grouping = (GROUPINGS as readonly string[]).includes(by) ? (by as Grouping) : 'quarter';
  const partnership = str(q, 'partnership', 100);
  const table = str(q, 'table', 40);
  const format = str(q, 'format', 10);
  const values: FormBody = {
    ...Object.fromEntries(['from', 'to'].flatMap((n) => ['day', 'month', 'year'].map((p) => [`${n}-${p}`, str(q, `${n}-${p}`, 20)]))),
    ...(typeof from === 'string' && from !== 'blank' && str(q, 'from-day') === '' ? dateValues('from', from) : {}),
    ...(typeof to === 'string' && to !== 'blank' && str(q, 'to-day') === '' ? dateValues('to', to) : {}),
    by: grouping,
    partnership,
  };
  if (!problems.any) {
    for (const p of periodProblems(from === 'blank' ? null : from, to === 'blank' ? null : to)) problems.add(p.field, p.message);
  }
  if (partnership !== '' && !UUID.test(partnership)) problems.add('partnership', 'Choose a partnership from the list');
  if (table !== '' && !isTableKey(table)) problems.add('table', 'Choose a table to download');
  if (format !== '' && format !== 'csv' && format !== 'xlsx') problems.add('format', 'Choose CSV or Excel');
  if (problems.any) {
    return { ok: false, values, ...problems.view(), problems: Object.entries(problems.fieldErrors).map(([field, e]) => ({ field, message: e.text })) };
  }
  return {
    ok: true,
    values,
    filters: {
      period: { from: from as DateOnly, to: to as DateOnly },
      grouping,
      partnershipId: partnership || null,
      table: table ? (table as TableKey) : null,
      format: format ? (format as 'csv' | 'xlsx') : null,
    },
  };
}

/** The address of these figures (for exports and the API), with dates written YYYY-MM-DD. */
export function filterQuery(filters: FiguresQuery, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({ from: filters.period.from, to: filters.period.to, by: filters.grouping, ...(filters.partnershipId ? { partnership: filters.partnershipId } : {}), ...extra });
  return `?${params.toString()}`;
}
