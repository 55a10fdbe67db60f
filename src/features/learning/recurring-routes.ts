import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DEFAULT_THEME_BOOST, DEFAULT_THRESHOLD, sameIdeaList } from '../../domain/learning/recurring.ts';
import { can, partnershipsWith, type Permission, type Principal } from '../../platform/auth/policy.ts';
import { access } from '../../platform/http/access.ts';
import { sendProblem } from '../../platform/http/errors.ts';
import { bodyOf, Problems, text } from '../../platform/http/form-body.ts';
import { actorOf } from '../cases/request-context.ts';
import { themeOptions } from './service.ts';
import { READ, WRITE } from './permissions.ts';
import { checkDecision, recordDecision, recurringGroups, type DecisionInput, type RecurringGroupView, type RecurringView } from './recurring-service.ts';
import { jsonSchema } from '../../platform/http/json-schema.ts';

/**
 * Recurring learning, on a page and in the API: recommendations and findings that say much the same thing
 * across reviews and years, grouped, with each one's review, date and action status (Working
 * Together 2023, chapter 5: partners consider whether a case highlights recurrent themes; the
 * Panel's annual reports name the failings that recur). A partnership's staff see all their
 * partnership's recommendations; a national Panel viewer sees every partnership's published ones.
 * A partnership's administrators may split a recommendation out of a group or merge two groups:
 * the decision is stored and applied each time the groups are worked out again.
 */

const PANEL: Permission = 'panel:read';
const SEE: readonly Permission[] = [READ, PANEL];

/**
 * The view a person gets: their partnerships' recommendations (case:read), or the published ones
 * of every partnership (panel:read). Someone with both chooses with ?view=national.
 */
function viewFor(principal: Principal, asked: unknown): RecurringView | null {
  const own = partnershipsWith(principal, READ);
  const national = can(principal, PANEL);
  if (national && (asked === 'national' || (own !== 'all' && own.length === 0))) return { kind: 'national' };
  if (own === 'all') return national ? { kind: 'national' } : null;
  return own.length ? { kind: 'partnership', partnershipIds: own } : null;
}

/** "3 recommendations and 2 findings": what a group holds, in words. */
export function countOf(g: { recommendations: unknown[]; findings: unknown[] }): string {
  const part = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
  if (!g.findings.length) return part(g.recommendations.length, 'recommendation');
  if (!g.recommendations.length) return part(g.findings.length, 'finding');
  return `${part(g.recommendations.length, 'recommendation')} and ${part(g.findings.length, 'finding')}`;
}

const NOTICES: Record<string, string> = {
  split: 'It was taken out of its group. The choice is kept when the groups are worked out again.',
  merge: 'The groups were merged. The choice is kept when the groups are worked out again.',
};

const recurringSchema = z.object({
  groups: z.array(
    z.object({
      label: z.string().describe('The group’s most characteristic words.'),
      reviewCount: z.number().int().describe('How many different reviews its recommendations come from (2 or more).'),
      from: z.string().describe('The date of its earliest recommendation.'),
      to: z.string().describe('The date of its latest recommendation.'),
      recommendations: z.array(
        z.object({
          id: z.uuid(),
          number: z.string(),
          text: z.string(),
          madeOn: z.string(),
          review: z.object({ title: z.string(), slug: z.string().nullable().describe('The published review’s address (/reviews/{slug}); null for a review not yet published (its partnership’s staff only).') }),
          status: z.string().describe('The progress of its actions, as on the review’s public page.'),
        }),
      ).describe('The recommendations of the group (it may hold findings only, then this is empty).'),
      findings: z.array(
        z.object({
          id: z.uuid(),
          number: z.string(),
          text: z.string().describe('What the review found.'),
          foundOn: z.string(),
          review: z.object({ title: z.string(), slug: z.string().nullable().describe('As for recommendations.') }),
          status: z.string().describe('The progress of the actions of the recommendations it led to, or that none is recorded.'),
        }),
      ).describe('The findings of the group: what reviews found that says much the same thing as the recommendations.'),
    }),
  ),
});

function present(groups: RecurringGroupView[]): z.infer<typeof recurringSchema> {
  return {
    groups: groups.map((g) => ({
      label: g.label,
      reviewCount: g.reviewCount,
      from: g.from,
      to: g.to,
      recommendations: g.recommendations.map((r) => ({ id: r.id, number: r.number, text: r.text, madeOn: r.madeOn, review: { title: r.review.title, slug: r.review.slug }, status: r.status })),
      findings: g.findings.map((f) => ({ id: f.id, number: f.number, text: f.text, foundOn: f.madeOn, review: { title: f.review.title, slug: f.review.slug }, status: f.status })),
    })),
  };
}

export async function recurringLearningRoutes(app: FastifyInstance): Promise<void> {
  const db = app.deps.database.db;

  async function refuse(req: FastifyRequest, reply: FastifyReply, api: boolean) {
    await req.audit({ action: 'access-refused', permission: READ, recordType: 'recurring-learning', outcome: 'refused' });
    const detail = 'Recurring learning is for a partnership’s business unit and statutory partner leads, and for national Panel viewers.';
    if (api) return sendProblem(reply, 403, 'Forbidden', detail);
    return reply.code(403).render('error-pages/client-error.njk', { pageTitle: 'You cannot see this page', detail, status: 403 });
  }

  /** The page; a view is audited, a form sent back with errors is not (a refusal stores nothing). */
  async function render(req: FastifyRequest, reply: FastifyReply, view: RecurringView, extra: Record<string, unknown> = {}, audit = true) {
    const { groups, decisions, recommendations, findings } = await recurringGroups(db, view);
    const themes = new Map((await themeOptions(db)).map((t) => [t.key, t.label]));
    const mayChange = (pid: string) => view.kind === 'partnership' && can(req.principal, WRITE, { partnershipId: pid });
    const q = req.query as Record<string, unknown>;
    const national = view.kind === 'national';
    if (audit) await req.audit({
      action: 'view',
      permission: national ? PANEL : READ,
      partnershipId: !national && view.partnershipIds.length === 1 ? view.partnershipIds[0] : null,
      recordType: 'recurring-learning',
      changes: { page: 'recurring-learning', view: view.kind, groups: groups.length },
    });
    return reply.render('learning/views/recurring.njk', {
      pageTitle: 'Recurring learning',
      national,
      mayChooseView: can(req.principal, PANEL) && partnershipsWith(req.principal!, READ).length > 0,
      groups: groups.map((g, i) => ({ ...g, index: i, count: countOf(g), mayChange: g.partnershipIds.every(mayChange), others: groups.filter((o) => o !== g).map((o) => ({ value: o.centralId, text: `${o.label} (${countOf(o)})` })) })),
      splits: decisions.filter((d) => d.kind === 'split').length,
      merges: decisions.filter((d) => d.kind === 'merge').length,
      recommendations,
      findings,
      themeLabels: Object.fromEntries(themes),
      sameIdea: sameIdeaList(),
      threshold: DEFAULT_THRESHOLD,
      themeBoost: DEFAULT_THEME_BOOST,
      notice: typeof q.done === 'string' ? (NOTICES[q.done] ?? null) : null,
      values: {},
      failed: null,
      fieldErrors: {},
      ...extra,
    });
  }

  app.get('/learning/recurring', access(SEE), async (req, reply) => {
    const view = viewFor(req.principal!, (req.query as Record<string, unknown>).view);
    if (!view) return refuse(req, reply, false);
    return render(req, reply, view);
  });

  /** A split or merge from the page: checked against the groups as they are now, stored with its audit entry. */
  async function decide(req: FastifyRequest, reply: FastifyReply, kind: 'split' | 'merge') {
    const principal = req.principal!;
    const own = partnershipsWith(principal, WRITE);
    const view: RecurringView = { kind: 'partnership', partnershipIds: own === 'all' ? [] : own };
    const body = bodyOf(req);
    const reason = text(body, 'reason', 4000);
    const input: DecisionInput =
      kind === 'split' ? { kind, recommendationId: text(body, 'recommendationId', 100), reason } : { kind, groupOf: text(body, 'groupOf', 100), withGroupOf: text(body, 'withGroupOf', 100), reason };
    const { groups } = await recurringGroups(db, view);
    const checked = checkDecision(groups, input, (pid) => can(principal, WRITE, { partnershipId: pid }));
    if (checked.ok) {
      await req.change(
        (trx) => recordDecision(trx, checked.partnershipId, kind, checked.recommendationIds, reason, actorOf(req)),
        (r) => ({ action: `recurring-learning-${kind}`, permission: WRITE, partnershipId: checked.partnershipId, recordType: 'recurring-learning-decision', recordId: r.id, changes: { after: { kind, recommendationIds: checked.recommendationIds, reason: reason.trim() } } }),
      );
      return reply.redirect(`/learning/recurring?done=${kind}`, 303);
    }
    // The errors link to the fields of the form that was sent, on the group it was sent from.
    const anchor = kind === 'split' ? input.kind === 'split' && input.recommendationId : input.kind === 'merge' && input.groupOf;
    const index = groups.findIndex((g) => g.items.some((r) => r.id === anchor));
    const problems = new Problems();
    problems.addAll(checked.problems, (field) => (index >= 0 ? `${kind}-${index}-${field}` : null));
    return render(req, reply.code(422), view, {
      failed: index >= 0 ? { kind, index } : null,
      values: { recommendationId: input.kind === 'split' ? input.recommendationId : '', withGroupOf: input.kind === 'merge' ? input.withGroupOf : '', reason },
      ...problems.view(),
    }, false);
  }

  app.post('/learning/recurring/split', access(WRITE), async (req, reply) => decide(req, reply, 'split'));
  app.post('/learning/recurring/merge', access(WRITE), async (req, reply) => decide(req, reply, 'merge'));

  app.get('/api/v1/learning/recurring', access(SEE), async (req, reply) => {
    const view = viewFor(req.principal!, (req.query as Record<string, unknown>).view);
    if (!view) return refuse(req, reply, true);
    const { groups } = await recurringGroups(db, view);
    await req.audit({
      action: 'view',
      permission: view.kind === 'national' ? PANEL : READ,
      partnershipId: view.kind === 'partnership' && view.partnershipIds.length === 1 ? view.partnershipIds[0] : null,
      recordType: 'recurring-learning',
      changes: { page: 'recurring-learning', view: view.kind, via: 'api' },
    });
    return present(groups);
  });
}

/** The recurring-learning part of the OpenAPI document. */
export function recurringApiPaths(tag: string) {
  const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
  return {
    '/api/v1/learning/recurring': {
      get: {
        operationId: 'listRecurringLearning',
        summary: 'List recurring learning',
        description:
          'Groups of recommendations and findings that say much the same thing across different reviews (only groups spanning two reviews or more), each recommendation with its review and the progress of its actions; each group’s findings are in `findings` (what reviews found), with the progress of the recommendations they led to. ' +
          'A partnership’s staff get their partnership’s recommendations; a national Panel viewer gets every partnership’s published recommendations (`view=national` for someone with both roles). ' +
          'Similarity: stemmed words without common ones, weighted by rarity (TF-IDF), cosine at or above 0.2 with a small boost for shared themes, joined only when also similar to the group as a whole; an administrator’s split and merge are applied.',
        tags: [tag],
        'x-access': [...SEE],
        parameters: [{ name: 'view', in: 'query' as const, required: false, description: '"national": every partnership’s published recommendations (national Panel viewers).', schema: { type: 'string', enum: ['national'] } }],
        responses: {
          '200': { description: 'The recurring groups, most widely recurring first.', content: { 'application/json': { schema: { $ref: '#/components/schemas/RecurringLearning' } } } },
          '401': problem('No valid token or session.'),
          '403': problem('Your roles do not allow this.'),
        },
      },
    },
  };
}

export function recurringApiSchemas(): Record<string, Record<string, unknown>> {
  return { RecurringLearning: jsonSchema(recurringSchema) };
}
