import { parseDateOnly, type DateOnly } from '../../domain/calendar/date-only.ts';

/**
 * GOV.UK date inputs (three boxes: `<name>-day`, `<name>-month`, `<name>-year`) read from a form
 * body into a `YYYY-MM-DD` date, with the Design System's error messages. Impossible dates such as
 * 31/02/2025 are refused, never rolled over into March.
 */
export type DatePart = 'day' | 'month' | 'year';

export type DateInputResult =
  | { value: DateOnly | null }
  | { error: string; /** the boxes to highlight */ parts: DatePart[] };

export type DateInputOptions = {
  /** How the date is named inside a sentence, e.g. "the date the local authority became aware". Default "the date". */
  label?: string;
  /** When true (the default), leaving all three boxes empty is an error; otherwise it gives `{ value: null }`. */
  required?: boolean;
};

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function field(body: unknown, key: string): string {
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' ? v.trim().slice(0, 20) : '';
}

function monthNumber(text: string): number | null {
  if (/^\d{1,2}$/.test(text)) return Number(text);
  const i = MONTHS.indexOf(text.toLowerCase().slice(0, 3));
  // Month names are accepted in full or as their first three letters ("Feb", "February").
  return i >= 0 && /^[a-z]+$/i.test(text) ? i + 1 : null;
}

function sentence(label: string): string {
  return label.charAt(0).toUpperCase() + label.slice(1);
}

/** The date the three boxes hold, or the message to show (GOV.UK wording) and which boxes to mark. */
export function parseDateInput(body: unknown, name: string, options: DateInputOptions = {}): DateInputResult {
  const label = options.label ?? 'the date';
  const required = options.required ?? true;
  const raw = { day: field(body, `${name}-day`), month: field(body, `${name}-month`), year: field(body, `${name}-year`) };
  const missing = (['day', 'month', 'year'] as const).filter((p) => raw[p] === '');
  if (missing.length === 3) return required ? { error: `Enter ${label}`, parts: ['day', 'month', 'year'] } : { value: null };
  if (missing.length > 0) {
    return { error: `${sentence(label)} must include a ${missing.join(' and ')}`, parts: [...missing] };
  }
  const day = /^\d{1,2}$/.test(raw.day) ? Number(raw.day) : null;
  const month = monthNumber(raw.month);
  if (!/^\d+$/.test(raw.year) || raw.year.length !== 4) {
    return day === null || month === null
      ? { error: `${sentence(label)} must be a real date`, parts: ['day', 'month', 'year'] }
      : { error: 'Year must include 4 numbers', parts: ['year'] };
  }
  const bad: DatePart[] = [];
  if (day === null || day < 1 || day > 31) bad.push('day');
  if (month === null || month < 1 || month > 12) bad.push('month');
  if (bad.length === 0) {
    const iso = `${raw.year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    const value = parseDateOnly(iso);
    if (value) return { value };
    // 31 February, 29 February in a common year: the day does not exist in that month.
    bad.push('day');
  }
  return { error: `${sentence(label)} must be a real date`, parts: bad };
}
