import { z } from 'zod';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import { parseDateInput, type DatePart } from '../../platform/http/date-input.ts';
import type { ErrorItem } from '../../platform/http/forms.ts';
import { ALTERNATIVES, DECISIONS, PANEL_RESPONSES, RECORD_FIELDS, type DecisionInput, type PanelResponse, type Problem, type RecordText, type RequestAnswer } from './service.ts';

/** Reading the rapid review forms. Date inputs are named by their id; problems link to the first box. */

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

export function readRecord(body: FormBody): RecordText {
  return Object.fromEntries(RECORD_FIELDS.map((f) => [f, text(body, f)])) as RecordText;
}

const decisionSchema = z.enum(DECISIONS);
const alternativeSchema = z.enum(ALTERNATIVES);
const responseSchema = z.enum(PANEL_RESPONSES);

export function readDecision(body: FormBody, problems: Problems): DecisionInput {
  const decision = decisionSchema.safeParse(body.decision);
  const alternative = alternativeSchema.safeParse(body.alternative);
  return {
    decision: decision.success ? decision.data : null,
    alternative: alternative.success ? alternative.data : null,
    criteria: list(body, 'criteria'),
    reasons: text(body, 'reasons'),
    decidedOn: readDate(body, problems, 'decided', 'the date of the decision'),
  };
}

export function readPanelResponse(body: FormBody, problems: Problems): { response: PanelResponse | null; on: DateOnly | null } {
  const response = responseSchema.safeParse(body.response);
  return { response: response.success ? response.data : null, on: readDate(body, problems, 'responded', 'the date of the Panel’s response') };
}

export function readAnswer(body: FormBody): RequestAnswer {
  return { involvement: text(body, 'involvement'), episodes: text(body, 'episodes'), answer: text(body, 'answer') };
}
