import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { DECISION_OUTCOMES, type ByBucket, type Figures, type TimelinessCounts } from '../../domain/reports/figures.ts';
import { ACTION_STATUSES } from '../../domain/learning/actions.ts';
import { partnershipsWith } from '../../platform/auth/policy.ts';
import { access } from '../../platform/http/access.ts';
import { sendProblem } from '../../platform/http/errors.ts';
import { today } from '../cases/request-context.ts';
import { auditedScope, FIGURES } from './routes.ts';
import { parseFiguresQuery } from './schemas.ts';
import { figuresFor } from './service.ts';
import { jsonSchema } from '../../platform/http/json-schema.ts';
import { OUTLINE, SECTION_KEYS, SECTIONS } from '../../domain/reports/yearly.ts';
import { parseYearlyQuery } from './yearly-schemas.ts';
import { choosePartnership, yearlyReportFor, type YearlyReport } from './yearly-service.ts';

/**
 * The figures in the JSON API, for agencies' and the Panel's own reporting tools: the same
 * counting, the same people (the same permission and partnerships) and the same audit as the page.
 */

const bucket = z.object({ key: z.string().describe('e.g. "2024-25 Q3" or "2024-25" (years run April to March).'), label: z.string(), start: z.string(), end: z.string() });
const timeliness = z.object({
  total: z.number().int(),
  onTime: z.number().int().describe('Done on or before the original due date.'),
  late: z.number().int().describe('Done after the original due date (pauses never move it).'),
  overdue: z.number().int().describe('Not done and past the due date.'),
  pending: z.number().int().describe('Not done and not yet due.'),
  percentOnTime: z.number().nullable().describe('On time as a share of those done or overdue; null when none.'),
});
const byBucket = <T extends z.ZodType>(value: T) => z.object({ buckets: z.array(z.object({ bucket, value })), total: value });
const decisions = z.object({ ...Object.fromEntries(DECISION_OUTCOMES.map((o) => [o, z.number().int()])), total: z.number().int() });
const actionCounts = z.object({ ...Object.fromEntries(ACTION_STATUSES.map((s) => [s, z.number().int()])), total: z.number().int(), overdue: z.number().int(), impactEvidence: z.number().int() });

export const figuresSchema = z.object({
  period: z.object({ from: z.string(), to: z.string() }),
  grouping: z.enum(['quarter', 'year']),
  today: z.string(),
  partnerships: z.array(z.object({ id: z.uuid(), name: z.string() })).describe('The partnerships these figures cover.'),
  nothingRecorded: z.boolean().describe('True when no case, publication or action is recorded at all: every figure is zero.'),
  notifications: byBucket(timeliness).describe('Within 5 working days of the local authority becoming aware.'),
  rapidReviews: byBucket(timeliness).describe('Within 15 working days of the notification.'),
  decisions: byBucket(decisions),
  reviewsStarted: byBucket(z.number().int()).describe('Decisions to hold a local review.'),
  reviewCompletion: byBucket(timeliness).describe('Published within 6 months of the decision.'),
  lateReviews: z.array(z.object({ partnershipId: z.uuid(), reference: z.string(), dueOn: z.string(), doneOn: z.string().nullable(), daysLate: z.number().int(), reasons: z.array(z.string()) })),
  publications: byBucket(z.number().int()),
  withdrawals: byBucket(z.number().int()),
  actions: z.object({ byAgency: z.array(z.object({ agencyId: z.uuid(), agencyName: z.string(), counts: actionCounts })), total: actionCounts }),
  themes: z.array(z.object({ key: z.string(), label: z.string(), byBucket: byBucket(z.number().int()) })),
});

const sectionVersion = z.object({
  key: z.enum(SECTION_KEYS),
  title: z.string(),
  text: z.string().nullable().describe('The current version’s text (paragraphs separated by a blank line); null while nothing is written.'),
  version: z.number().int().nullable().describe('The current version: each save makes a new one, earlier ones are kept.'),
  writtenBy: z.string().nullable(),
  writtenAt: z.string().nullable().describe('When the current version was saved (ISO 8601).'),
});

export const yearlySchema = z.object({
  partnership: z.object({ id: z.uuid(), name: z.string() }),
  period: z.object({ from: z.string().describe('The first day of the 12 months.'), to: z.string().describe('Their last day.') }),
  outline: z.array(z.object({ id: z.string(), heading: z.string(), tables: z.array(z.string()), narrative: z.enum(SECTION_KEYS).nullable() })).describe('The report’s parts in order: the figures’ tables each shows and its narrative section.'),
  figures: figuresSchema.describe('The figures for the 12 months, by financial quarter: the same as GET /api/v1/reports/figures.'),
  narrative: z.array(sectionVersion),
});

function presentYearly(report: YearlyReport) {
  return {
    partnership: report.partnership,
    period: report.period,
    outline: OUTLINE.map((p) => ({ id: p.id, heading: p.heading, tables: [...p.tables], narrative: p.narrative })),
    figures: present(report.view.figures, report.view.covered, report.view.themeLabels),
    narrative: SECTION_KEYS.map((key) => {
      const v = report.narrative[key];
      return { key, title: SECTIONS[key].title, text: v?.body ?? null, version: v?.version ?? null, writtenBy: v?.writtenBy ?? null, writtenAt: v ? v.writtenAt.toISOString() : null };
    }),
  };
}

function present(f: Figures, partnerships: { id: string; name: string }[], themeLabels: Record<string, string>) {
  const timely = (b: ByBucket<TimelinessCounts>) => b;
  return {
    period: f.period,
    grouping: f.grouping,
    today: f.today,
    partnerships,
    nothingRecorded: f.nothingRecorded,
    notifications: timely(f.notifications),
    rapidReviews: timely(f.rapidReviews),
    decisions: f.decisions,
    reviewsStarted: f.reviewsStarted,
    reviewCompletion: timely(f.reviewCompletion),
    lateReviews: f.lateReviews,
    publications: f.publications,
    withdrawals: f.withdrawals,
    actions: f.actions,
    themes: f.themes.map((t) => ({ key: t.key, label: themeLabels[t.key] ?? t.key, byBucket: t.byBucket })),
  };
}

export async function reportApiRoutes(app: FastifyInstance): Promise<void> {
  const db = app.deps.database.db;

  app.get('/api/v1/reports/figures', access(FIGURES), async (req, reply) => {
    const parsed = parseFiguresQuery(req.query, today());
    if (!parsed.ok) return sendProblem(reply, 422, 'Unprocessable content', 'The period or a filter needs correcting: see errors.', { errors: parsed.problems });
    const view = await figuresFor(db, partnershipsWith(req.principal!, FIGURES), parsed.filters, today());
    if (!view) {
      await req.audit({ action: 'access-refused', permission: FIGURES, recordType: 'figures', recordId: parsed.filters.partnershipId ?? undefined, outcome: 'refused' });
      return sendProblem(reply, 404, 'Not found', 'There is no partnership with this id whose figures you may see.');
    }
    const scope = auditedScope(view, parsed.filters);
    await req.audit({ action: 'figures-viewed', permission: FIGURES, recordType: 'figures', partnershipId: scope.partnershipId, changes: { ...scope.changes, via: 'api' } });
    return present(view.figures, view.covered, view.themeLabels);
  });

  app.get('/api/v1/reports/yearly', access(FIGURES), async (req, reply) => {
    const parsed = parseYearlyQuery(req.query, today());
    if (!parsed.ok) return sendProblem(reply, 422, 'Unprocessable content', 'The period or the partnership needs correcting: see errors.', { errors: parsed.problems });
    const choice = await choosePartnership(db, partnershipsWith(req.principal!, FIGURES), parsed.query.partnershipId);
    if (!choice.ok) {
      if (choice.reason === 'choose') return sendProblem(reply, 422, 'Unprocessable content', 'You see several partnerships’ figures: say which partnership’s report with `partnership`.', { errors: [{ field: 'partnership', message: 'Choose a partnership' }] });
      await req.audit({ action: 'access-refused', permission: FIGURES, recordType: 'yearly-report', recordId: parsed.query.partnershipId ?? undefined, outcome: 'refused' });
      return sendProblem(reply, 404, 'Not found', 'There is no partnership with this id whose figures you may see.');
    }
    const report = await yearlyReportFor(db, choice.partnership, parsed.query.period, today());
    await req.audit({ action: 'yearly-report-viewed', permission: FIGURES, partnershipId: choice.partnership.id, recordType: 'yearly-report', changes: { from: parsed.query.startMonth, to: report.period.to, via: 'api' } });
    return presentYearly(report);
  });
}


export const REPORTS_API_TAG = { name: 'Reports', description: 'Figures of partnerships’ reviews for a period: counts and timeliness only, never a child’s details.' };

export function reportApiPaths() {
  const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
  const q = (name: string, description: string, schema: Record<string, unknown>) => ({ name, in: 'query' as const, required: false, description, schema });
  return {
    '/api/v1/reports/figures': {
      get: {
        operationId: 'getFigures',
        summary: 'Figures for a period',
        description:
          'Notifications and their timeliness (5 working days), rapid reviews (15 working days), decisions and their outcomes, local reviews started and published within 6 months or late (with the reasons recorded), publications, withdrawals, actions by agency and status (overdue, evidence of impact) and themes, by quarter or year. ' +
          'Timeliness is measured against the original due dates. Your own partnerships, or every partnership for the national Panel and a deployment’s administrators. A period is at most 10 years.',
        tags: [REPORTS_API_TAG.name],
        'x-access': FIGURES,
        parameters: [
          q('from', 'The first day of the period, YYYY-MM-DD. With neither from nor to: the current financial year.', { type: 'string', format: 'date' }),
          q('to', 'The last day of the period, YYYY-MM-DD: not before from, at most 10 years after it.', { type: 'string', format: 'date' }),
          q('by', 'Group by financial quarter (default) or year.', { type: 'string', enum: ['quarter', 'year'] }),
          q('partnership', 'One partnership’s id; all those you may see when absent.', { type: 'string', format: 'uuid' }),
        ],
        responses: {
          '200': { description: 'The figures.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Figures' } } } },
          '401': problem('No valid token or session.'),
          '403': problem('Your roles do not allow this.'),
          '404': problem('No partnership with this id whose figures you may see.'),
          '422': problem('The period is missing, reversed or longer than 10 years, or a filter is not valid: `errors` lists each.'),
        },
      },
    },
    '/api/v1/reports/yearly': {
      get: {
        operationId: 'getYearlyReport',
        summary: 'A partnership’s yearly report',
        description:
          'For 12 months from the month given: the figures of the partnership’s review activity by financial quarter (as GET /api/v1/reports/figures), the order of the report’s parts, and the current version of each narrative section the partnership wrote (introduction, what was learned, evidence of impact, what it will do next). ' +
          'The same people as the figures: a partnership’s business unit and partners’ leads, the national Panel and a deployment’s administrators.',
        tags: [REPORTS_API_TAG.name],
        'x-access': FIGURES,
        parameters: [
          q('from', 'The first month of the 12, YYYY-MM (not after this month). Absent: the last whole April to March year.', { type: 'string', pattern: '^\\d{4}-\\d{2}$' }),
          q('to', 'The last month, YYYY-MM: optional, and when given it must make exactly 12 months.', { type: 'string', pattern: '^\\d{4}-\\d{2}$' }),
          q('partnership', 'The partnership’s id; may be left out by someone who sees one partnership only.', { type: 'string', format: 'uuid' }),
        ],
        responses: {
          '200': { description: 'The report.', content: { 'application/json': { schema: { $ref: '#/components/schemas/YearlyReport' } } } },
          '401': problem('No valid token or session.'),
          '403': problem('Your roles do not allow this.'),
          '404': problem('No partnership with this id whose figures you may see.'),
          '422': problem('The month is missing or not real, has not begun, the period is not 12 months, or no partnership was named by someone who sees several: `errors` lists each.'),
        },
      },
    },
  };
}

export function reportApiSchemas(): Record<string, Record<string, unknown>> {
  return { Figures: jsonSchema(figuresSchema), YearlyReport: jsonSchema(yearlySchema) };
}
