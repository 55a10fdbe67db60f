import type { DateOnly } from '../../domain/calendar/date-only.ts';
import { parseDateInput, type DatePart } from './date-input.ts';
import type { ErrorItem } from './forms.ts';

/**
 * Reading form bodies: text and lists from a parsed body, GOV.UK date inputs named by their id,
 * and the problems found, ready for the error summary (each links to its field, a date to its
 * first box).
 */

export type Problem = { field: string; message: string };

export type FormBody = Record<string, unknown>;

export class Problems {
  readonly errors: ErrorItem[] = [];
  readonly fieldErrors: Record<string, { text: string }> = {};
  readonly dateParts: Record<string, DatePart[]> = {};
  private readonly dateIds: ReadonlySet<string>;
  constructor(dateIds: Iterable<string> = []) {
    this.dateIds = new Set(dateIds);
  }

  add(id: string, text: string, parts?: DatePart[]): void {
    if (this.fieldErrors[id]) return;
    this.fieldErrors[id] = { text };
    const date = this.dateIds.has(id) || id.startsWith('due-');
    if (date) this.dateParts[id] = parts ?? ['day', 'month', 'year'];
    this.errors.push({ text, href: `#${id}${date ? `-${this.dateParts[id][0]}` : ''}` });
  }

  addAll(problems: readonly Problem[], hrefFor: (field: string) => string | null = (f) => f): void {
    for (const p of problems) {
      const id = hrefFor(p.field);
      if (id) this.add(id, p.message);
      else this.errors.push({ text: p.message, href: '#main-content' });
    }
  }

  get any(): boolean {
    return this.errors.length > 0;
  }

  view() {
    return { errors: this.errors, fieldErrors: this.fieldErrors, dateParts: this.dateParts };
  }
}

export function bodyOf(req: { body?: unknown }): FormBody {
  return req.body && typeof req.body === 'object' ? (req.body as FormBody) : {};
}

export function text(body: FormBody, key: string, max = 60_000): string {
  const v = body[key];
  return typeof v === 'string' ? v.slice(0, max) : '';
}

/**
 * The version of the record the form was shown with (a hidden field). Anything but a whole number
 * is read as -1, a version no record has: the save is refused as a conflict, never sent to the
 * database as NaN.
 */
export function formVersion(body: FormBody, key = 'version'): number {
  const v = text(body, key, 12);
  return /^\d{1,9}$/.test(v) ? Number(v) : -1;
}

export function list(body: FormBody, key: string): string[] {
  const v = body[key];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string').slice(0, 100);
}

export function readDate(body: FormBody, problems: Problems, id: string, label: string, required = true): DateOnly | null {
  const r = parseDateInput(body, id, { label, required });
  if ('error' in r) {
    problems.add(id, r.error, r.parts);
    return null;
  }
  return r.value;
}

/** Date form values for a stored date (to re-show it in the boxes). */
export function dateValues(id: string, date: DateOnly | null): FormBody {
  if (!date) return {};
  const [y, m, d] = date.split('-');
  return { [`${id}-day`]: String(Number(d)), [`${id}-month`]: String(Number(m)), [`${id}-year`]: y };
}

