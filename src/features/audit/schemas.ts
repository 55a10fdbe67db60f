import { z } from 'zod';

export const OUTCOMES = ['allowed', 'refused', 'failed'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** What people may filter the audit trail by: every value optional, dates as 'YYYY-MM-DD' (a day in UK time). */
export type AuditFilters = {
  from?: string;
  to?: string;
  actor?: string;
  action?: string;
  recordType?: string;
  recordId?: string;
  outcome?: Outcome;
};

export const FILTER_FIELDS = ['from', 'to', 'actor', 'action', 'recordType', 'recordId', 'outcome'] as const;

/** The filters as typed, for re-showing in the form. */
export type FilterValues = Record<(typeof FILTER_FIELDS)[number], string>;

export type FieldErrors = Record<string, { text: string }>;
export type ErrorItem = { text: string; href: string };

export type ParsedQuery =
  | { ok: true; filters: AuditFilters; values: FilterValues; page: { before?: number; after?: number } }
  | { ok: false; values: FilterValues; errors: ErrorItem[]; fieldErrors: FieldErrors };

/** 'YYYY-MM-DD' (or 'D/M/YYYY') → 'YYYY-MM-DD'; 'invalid' when it is not a date; 'impossible' for 31 February and the like. */
export function parseDay(input: string): string | 'invalid' | 'impossible' {
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(input);
  const uk = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(input);
  const parts = iso ? [iso[1], iso[2], iso[3]] : uk ? [uk[3], uk[2], uk[1]] : null;
  if (!parts) return 'invalid';
  const [y, m, d] = parts.map(Number);
  if (y < 1900 || m < 1 || m > 12 || d < 1) return 'impossible';
  const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
  if (d > daysInMonth) return 'impossible';
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** The first value of a query parameter (a repeated one gives an array), or ''. */
const queryText = z.preprocess((v) => (Array.isArray(v) ? v[0] : v) ?? '', z.string()).transform((v) => v.trim());

function dateField(label: string) {
  return queryText.transform((v, ctx) => {
    if (v === '') return undefined;
    const day = parseDay(v);
    if (day === 'invalid') {
      ctx.addIssue({ code: 'custom', message: `Enter the ${label} date as year-month-day, like 2026-03-27` });
      return z.NEVER;
    }
    if (day === 'impossible') {
      ctx.addIssue({ code: 'custom', message: `The ${label} date must be a real date, like 2026-03-27` });
      return z.NEVER;
    }
    return day;
  });
}

function textField(label: string, max: number) {
  return queryText.pipe(z.string().max(max, `${label} must be ${max} characters or fewer`)).transform((v) => v || undefined);
}

/** A page boundary: an entry number. Anything else is ignored (the first page is shown). */
const seqParam = z.preprocess((v) => (Array.isArray(v) ? v[0] : v), z.string().regex(/^\d{1,15}$/).transform(Number).optional().catch(undefined));

export const auditQuery = z
  .object({
    from: dateField('from'),
    to: dateField('to'),
    actor: textField('Email address', 254),
    action: textField('Action', 100),
    recordType: textField('Record type', 100),
    recordId: textField('Record ID', 200),
    outcome: queryText.pipe(z.union([z.literal(''), z.enum(OUTCOMES)], { error: 'Select an outcome from the list' })).transform((v) => v || undefined),
    before: seqParam,
    after: seqParam,
  })
  .superRefine((q, ctx) => {
    if (q.from && q.to && q.to < q.from) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'The to date must be the same as or after the from date' });
    }
  });

function valuesOf(query: unknown): FilterValues {
  const q = (query && typeof query === 'object' ? query : {}) as Record<string, unknown>;
  const one = (v: unknown): string => {
    const first = Array.isArray(v) ? v[0] : v;
    return typeof first === 'string' ? first.trim().slice(0, 300) : '';
  };
  return {
    from: one(q.from),
    to: one(q.to),
    actor: one(q.actor),
    action: one(q.action),
    recordType: one(q.recordType),
    recordId: one(q.recordId),
    outcome: one(q.outcome),
  };
}

/** Checks the search form's query string: the filters, or the errors to show beside each field. */
export function parseAuditQuery(query: unknown): ParsedQuery {
  const values = valuesOf(query);
  const parsed = auditQuery.safeParse(query ?? {});
  if (!parsed.success) {
    const errors: ErrorItem[] = [];
    const fieldErrors: FieldErrors = {};
    // In the order of the form, one message a field.
    for (const field of FILTER_FIELDS) {
      const issue = parsed.error.issues.find((i) => i.path[0] === field);
      if (!issue) continue;
      fieldErrors[field] = { text: issue.message };
      errors.push({ text: issue.message, href: `#${field}` });
    }
    return { ok: false, values, errors, fieldErrors };
  }
  const { before, after, ...rest } = parsed.data;
  const filters: AuditFilters = {};
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) (filters as Record<string, string>)[k] = v;
  return { ok: true, filters, values, page: before !== undefined ? { before } : after !== undefined ? { after } : {} };
}

/** The query string that repeats these filters (and optionally a page boundary). */
export function filterQueryString(values: Partial<FilterValues>, page: { before?: number; after?: number } = {}): string {
  const params = new URLSearchParams();
  for (const field of FILTER_FIELDS) {
    const v = values[field];
    if (v) params.set(field, v);
  }
  if (page.before !== undefined) params.set('before', String(page.before));
  if (page.after !== undefined) params.set('after', String(page.after));
  const s = params.toString();
  return s ? `?${s}` : '';
}
