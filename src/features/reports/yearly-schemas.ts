import type { DateOnly } from '../../domain/calendar/date-only.ts';
import type { Period } from '../../domain/reports/period.ts';
import { defaultStartMonth, readPeriod, type MonthText } from '../../domain/reports/yearly.ts';

/**
 * Reading which yearly report is asked for: the first month of its 12 (from=2025-04 in links, the
 * PDF and the API, or the page's month and year boxes), an optional last month (to=2026-03, which
 * must then make 12 months), and the partnership. With no month at all, the last whole April to
 * March year. A month left empty, not real, not yet begun, or a period of more or fewer than 12
 * months is refused with the reason, never answered with a partial report.
 */

export type YearlyQuery = { startMonth: MonthText; period: Period; partnershipId: string | null };
export type YearlyValues = { 'from-month': string; 'from-year': string; partnership: string };
export type ParsedYearly =
  | { ok: true; query: YearlyQuery; values: YearlyValues }
  | { ok: false; values: YearlyValues; problems: { field: string; message: string }[] };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const str = (q: Record<string, unknown>, key: string, max = 40): string | null => (typeof q[key] === 'string' ? (q[key] as string).trim().slice(0, max) : null);

export function parseYearlyQuery(input: unknown, today: DateOnly): ParsedYearly {
  const q = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  const iso = str(q, 'from');
  const month = str(q, 'from-month');
  const year = str(q, 'from-year');
  const partnership = str(q, 'partnership', 100) ?? '';
  let from: string;
  if (iso !== null) from = iso;
  else if (month !== null || year !== null) from = month || year ? `${year ?? ''}-${(month ?? '').padStart(2, '0')}` : '';
  else from = defaultStartMonth(today);
  const values: YearlyValues = { 'from-month': month ?? (/^\d{4}-\d{2}$/.test(from) ? String(Number(from.slice(5, 7))) : ''), 'from-year': year ?? (/^\d{4}-\d{2}$/.test(from) ? from.slice(0, 4) : ''), partnership };
  if (month !== null && year !== null && (month === '' || year === '') && !(month === '' && year === '')) {
    return { ok: false, values, problems: [{ field: 'from', message: `The month the report starts must include a ${month === '' ? 'month' : 'year'}` }] };
  }
  const read = readPeriod(from, str(q, 'to'), today);
  const problems: { field: string; message: string }[] = read.ok ? [] : [...read.problems];
  // A month or partnership given twice (?from=2024-04&from=2025-04) is not read as "none given":
  // that would answer with the default report, not the one asked for.
  for (const key of ['from', 'from-month', 'from-year', 'to', 'partnership']) {
    if (Array.isArray(q[key])) problems.push(key === 'partnership' ? { field: 'partnership', message: 'Choose one partnership' } : { field: 'from', message: 'Give the month the report starts once' });
  }
  if (partnership !== '' && !UUID.test(partnership)) problems.push({ field: 'partnership', message: 'Choose a partnership from the list' });
  if (!read.ok || problems.length) return { ok: false, values, problems };
  return { ok: true, values, query: { startMonth: read.startMonth, period: read.period, partnershipId: partnership || null } };
}

/** The address of a report (and of its PDF, sections and API), as YYYY-MM. */
export function yearlyQuery(startMonth: MonthText, partnershipId: string, extra: Record<string, string> = {}): string {
  return `?${new URLSearchParams({ from: startMonth, partnership: partnershipId, ...extra }).toString()}`;
}
