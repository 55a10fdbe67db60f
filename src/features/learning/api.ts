import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isDateOnly, type DateOnly } from '../../domain/calendar/date-only.ts';
import { ACTION_STATUSES, ACTION_STEPS, isActionStatus, RESPONSES } from '../../domain/learning/actions.ts';
import { partnershipsWith, type Permission } from '../../platform/auth/policy.ts';
import { access } from '../../platform/http/access.ts';
import { sendProblem } from '../../platform/http/errors.ts';
import type { Problem } from '../../platform/http/form-body.ts';
import { actorOf, today } from '../cases/request-context.ts';
import { getPublicationById } from '../repository/catalogue.ts';
import type { FindingDefinition } from '../../domain/learning/findings.ts';
import { addFinding, findingPartnership, findingsOfReview, loadFinding, updateFinding, type FindingView } from './findings.ts';
import {
  actionAccess,
  
  addAction,
  addRecommendation,
  
  listActions,
  loadAction,
  loadRecommendation,
  recommendationPartnership,
  recommendationsOfReview,
  recordStep,
  type ActionDetail,
  type ActionSummary,
  type RecommendationView,
  type ReviewRef,
} from './service.ts';
import { OWN_AGENCY, READ, SIGN_OFF, WRITE } from './permissions.ts';
import { reviewForRecommendations, visibleAction } from './review-access.ts';
import { jsonSchema, type JsonSchema } from '../../platform/http/json-schema.ts';

/**
 * Learning into practice in the JSON API, for agencies' own systems: a review's recommendations,
 * their actions and updates on those actions. The same services and checks as the pages: an
 * agency's token reaches only its own agency's actions; sign-off and sending back are the partner
 * leads'.
 */

const SEE_ACTIONS: readonly Permission[] = [READ, OWN_AGENCY];
const UPDATE_ACTIONS: readonly Permission[] = [WRITE, OWN_AGENCY, SIGN_OFF];

const dateString = z.string().refine(isDateOnly, 'Use a date written YYYY-MM-DD');

export const recommendationCreateSchema = z
  .object({
    number: z.string().max(20).describe('As in the report, e.g. "3" or "3a".'),
    text: z.string().max(10_000).describe('As published with the review: no names or identifying details.'),
    madeOn: dateString.describe('The date of the recommendation; no action may be due before it.'),
    themes: z.array(z.string().max(80)).max(50).optional().describe('Theme keys of the repository’s vocabulary.'),
    agencyIds: z.array(z.string().max(40)).max(50).describe('The partnership’s agencies it is for.'),
    response: z.enum(RESPONSES).optional().describe('The partnership’s response.'),
    responseReasons: z.string().max(10_000).optional().describe('Required unless accepted in full.'),
  })
  .strict();

export const actionCreateSchema = z
  .object({
    agencyId: z.string().max(40).describe('The agency that owns the action; only its contributors update it.'),
    leadName: z.string().max(200),
    dueOn: dateString.describe('Not before the recommendation’s date.'),
    intendedChange: z.string().max(10_000),
    measureOfSuccess: z.string().max(10_000),
  })
  .strict();

export const actionUpdateSchema = z
  .object({
    step: z.enum(ACTION_STEPS).describe('note, start, complete (evidence in text, and at least one file of evidence of completion attached first with POST /api/v1/actions/{id}/evidence), evaluate (whatChanged and evidence in text): the owning agency or the business unit. close, send-back (reasons in text): a statutory partner’s lead.'),
    text: z.string().max(10_000).optional().describe('The update, the evidence, or the reasons for sending back. Stored encrypted.'),
    whatChanged: z.string().max(10_000).optional(),
    version: z.number().int().positive().describe('The action’s version as last read: a change made since is a conflict (409).'),
  })
  .strict();

const actionSchema = z.object({
  id: z.uuid(),
  recommendationId: z.uuid(),
  agency: z.object({ id: z.uuid(), name: z.string() }),
  leadName: z.string(),
  dueOn: z.string(),
  intendedChange: z.string(),
  measureOfSuccess: z.string(),
  status: z.enum(ACTION_STATUSES),
  sentBack: z.boolean(),
  rag: z.enum(['red', 'amber', 'green']).nullable(),
  version: z.number().int(),
});

const actionDetailSchema = actionSchema.extend({
  completionEvidence: z.string(),
  completionImported: z.boolean().describe('Brought in from the partnership’s tracker as completed or further on: the tracker is its record of completion, no files came with it.'),
  impactWhatChanged: z.string(),
  impactEvidence: z.string(),
  updates: z.array(z.object({ step: z.string(), fromStatus: z.string().nullable(), toStatus: z.string(), text: z.string(), whatChanged: z.string(), by: z.string().nullable(), at: z.string() })),
});

const recommendationSchema = z.object({
  id: z.uuid(),
  incidentId: z.uuid().nullable(),
  publicationId: z.uuid().nullable(),
  number: z.string(),
  text: z.string(),
  madeOn: z.string(),
  themes: z.array(z.string()),
  agencyIds: z.array(z.string()),
  response: z.enum(RESPONSES).nullable(),
  responseReasons: z.string(),
  version: z.number().int(),
  actions: z.array(actionSchema),
});

export const findingWriteSchema = z
  .object({
    number: z.string().max(20).describe('As in the report, e.g. "2" or "2a"; used once in a review.'),
    text: z.string().max(10_000).describe('What the review found, as published with the review: no names or identifying details.'),
    foundOn: dateString.describe('The date of the finding (usually the report’s).'),
    themes: z.array(z.string().max(80)).max(50).optional().describe('Theme keys of the repository’s vocabulary.'),
    recommendationIds: z.array(z.string().max(40)).max(200).optional().describe('Recommendations of the same review the finding leads to.'),
    version: z.number().int().positive().describe('The finding’s version as last read (to change it): a change made since is a conflict (409).'),
  })
  .strict();

const findingSchema = z.object({
  id: z.uuid(),
  incidentId: z.uuid().nullable(),
  publicationId: z.uuid().nullable(),
  number: z.string(),
  text: z.string(),
  foundOn: z.string(),
  themes: z.array(z.string()),
  recommendationIds: z.array(z.uuid()),
  recommendationNumbers: z.array(z.string()),
  version: z.number().int(),
});
const findingListSchema = z.object({ findings: z.array(findingSchema) });

function presentFinding(f: FindingView): z.infer<typeof findingSchema> {
  return { id: f.id, incidentId: f.incidentId, publicationId: f.publicationId, number: f.number, text: f.text, foundOn: f.foundOn, themes: f.themes, recommendationIds: f.recommendationIds, recommendationNumbers: f.recommendationNumbers, version: f.version };
}

function findingInput(body: Omit<z.infer<typeof findingWriteSchema>, 'version'>): FindingDefinition {
  return { number: body.number, text: body.text, foundOn: body.foundOn as DateOnly, themes: body.themes ?? [], recommendationIds: body.recommendationIds ?? [] };
}

const recommendationListSchema = z.object({ recommendations: z.array(recommendationSchema) });
const actionListSchema = z.object({ actions: z.array(actionSchema), total: z.number().int(), page: z.number().int(), pages: z.number().int() });

function presentAction(a: ActionSummary): z.infer<typeof actionSchema> {
  return { id: a.id, recommendationId: a.recommendationId, agency: { id: a.agencyId, name: a.agencyName }, leadName: a.leadName, dueOn: a.dueOn, intendedChange: a.intendedChange, measureOfSuccess: a.measureOfSuccess, status: a.status, sentBack: a.sentBack, rag: a.rag, version: a.version };
}

function presentDetail(a: ActionDetail): z.infer<typeof actionDetailSchema> {
  return {
    ...presentAction(a),
    completionEvidence: a.completionEvidence,
    completionImported: a.completionImported,
    impactWhatChanged: a.impactWhatChanged,
    impactEvidence: a.impactEvidence,
    updates: a.updates.map((u) => ({ step: u.step, fromStatus: u.fromStatus, toStatus: u.toStatus, text: u.text, whatChanged: u.whatChanged, by: u.by, at: u.atIso })),
  };
}

function presentRecommendation(r: RecommendationView): z.infer<typeof recommendationSchema> {
  return { id: r.id, incidentId: r.incidentId, publicationId: r.incidentId ? null : r.publicationId, number: r.number, text: r.text, madeOn: r.madeOn, themes: r.themes, agencyIds: r.agencyIds, response: r.response, responseReasons: r.responseReasons, version: r.version, actions: r.actions.map(presentAction) };
}

const invalid = (reply: FastifyReply, problems: Problem[]) => sendProblem(reply, 422, 'Unprocessable content', 'Some answers need correcting: see errors.', { errors: problems });

function parse<T>(schema: z.ZodType<T>, req: FastifyRequest, reply: FastifyReply): T | null {
  const parsed = schema.safeParse(req.body ?? {});
  if (parsed.success) return parsed.data;
  invalid(
    reply,
    parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.') || 'body', message: i.message })),
  );
  return null;
}

export async function learningApiRoutes(app: FastifyInstance): Promise<void> {
  const { database, cipher } = app.deps;
  const db = database.db;

  /**
   * Where a review's findings and recommendations are reached in the API: an incident's review (of
   * any kind), or a published review no case holds. The handlers below serve both alike.
   */
  type ApiReview = { partnershipId: string; ref: ReviewRef; record: { recordType: string; recordId: string }; location: string };
  type ApiFinder = { path: string; find(req: FastifyRequest, reply: FastifyReply, permission: Permission): Promise<ApiReview | null> };

  const caseReviews: ApiFinder = {
    path: '/api/v1/incidents/:id/review',
    async find(req, reply, permission) {
      const view = await reviewForRecommendations(req, db, cipher, permission);
      if (view) return { partnershipId: view.incident.partnershipId, ref: { incidentId: view.incident.id }, record: { recordType: 'review', recordId: view.incident.id }, location: `/api/v1/incidents/${view.incident.id}/review` };
      sendProblem(reply, 404, 'Not found', 'There is no review of an incident with this id that you may see.');
      return null;
    },
  };

  // A published review no case holds (an imported serious case review, a national or thematic review).
  const publishedReviews: ApiFinder = {
    path: '/api/v1/publications/:id',
    async find(req, reply, permission) {
      const { id } = req.params as { id: string };
      const publication = await getPublicationById(db, id);
      const scope = partnershipsWith(req.principal!, permission);
      if (publication && !publication.incidentId && (scope === 'all' || scope.includes(publication.partnership.id))) {
        return { partnershipId: publication.partnership.id, ref: { publicationId: publication.id }, record: { recordType: 'publication', recordId: publication.id }, location: `/api/v1/publications/${publication.id}` };
      }
      if (publication) await req.audit({ action: 'access-refused', permission, partnershipId: publication.partnership.id, recordType: 'recommendations', recordId: publication.id, outcome: 'refused' });
      sendProblem(reply, 404, 'Not found', publication?.incidentId ? 'This review was published from a case: its findings and recommendations are the case’s (/api/v1/incidents/{id}/review/…).' : 'There is no published review with this id that you may see.');
      return null;
    },
  };

  const refFields = (ref: ReviewRef) => ('incidentId' in ref ? { incidentId: ref.incidentId } : { publicationId: ref.publicationId });

  for (const finder of [caseReviews, publishedReviews]) {
    app.get(`${finder.path}/recommendations`, access(READ), async (req, reply) => {
      const r = await finder.find(req, reply, READ);
      if (!r) return reply;
      await req.audit({ action: 'view', permission: READ, partnershipId: r.partnershipId, ...r.record, changes: { page: 'recommendations', via: 'api' } });
      return { recommendations: (await recommendationsOfReview(db, r.partnershipId, r.ref, today())).map(presentRecommendation) };
    });

    app.post(`${finder.path}/recommendations`, access(WRITE), async (req, reply) => {
      const r = await finder.find(req, reply, WRITE);
      if (!r) return reply;
      const body = parse(recommendationCreateSchema, req, reply);
      if (!body) return reply;
      const input = { number: body.number, text: body.text, madeOn: body.madeOn as DateOnly, themes: body.themes ?? [], agencyIds: body.agencyIds, response: body.response ?? null, responseReasons: body.responseReasons ?? '' };
      const result = await req.change(
        (trx) => addRecommendation(trx, cipher, r.partnershipId, r.ref, actorOf(req), input),
        (x) => (x.ok ? { action: 'recommendation-added', permission: WRITE, partnershipId: r.partnershipId, recordType: 'recommendation', recordId: x.id, changes: { after: { ...refFields(r.ref), ...input }, via: 'api' } } : null),
      );
      if (!result.ok) return invalid(reply, result.problems);
      const created = (await recommendationsOfReview(db, r.partnershipId, r.ref, today())).find((x) => x.id === result.id);
      return reply.code(201).header('location', `${r.location}/recommendations`).send(created ? presentRecommendation(created) : {});
    });

    app.get(`${finder.path}/findings`, access(READ), async (req, reply) => {
      const r = await finder.find(req, reply, READ);
      if (!r) return reply;
      await req.audit({ action: 'view', permission: READ, partnershipId: r.partnershipId, ...r.record, changes: { page: 'findings', via: 'api' } });
      return { findings: (await findingsOfReview(db, r.partnershipId, r.ref)).map(presentFinding) };
    });

    app.post(`${finder.path}/findings`, access(WRITE), async (req, reply) => {
      const r = await finder.find(req, reply, WRITE);
      if (!r) return reply;
      const body = parse(findingWriteSchema.omit({ version: true }), req, reply);
      if (!body) return reply;
      const input = findingInput(body);
      const result = await req.change(
        (trx) => addFinding(trx, cipher, r.partnershipId, r.ref, actorOf(req), input),
        (x) => (x.ok ? { action: 'finding-added', permission: WRITE, partnershipId: r.partnershipId, recordType: 'finding', recordId: x.id, changes: { after: { ...refFields(r.ref), ...input }, via: 'api' } } : null),
      );
      if (!result.ok) return invalid(reply, result.problems);
      const created = await loadFinding(db, [r.partnershipId], result.id);
      return reply.code(201).header('location', `/api/v1/findings/${result.id}`).send(created ? presentFinding(created) : {});
    });
  }

  app.put('/api/v1/findings/:id', access(WRITE), async (req, reply) => {
    const { id } = req.params as { id: string };
    const finding = await loadFinding(db, partnershipsWith(req.principal!, WRITE), id);
    if (!finding) {
      const elsewhere = await findingPartnership(db, id);
      if (elsewhere) await req.audit({ action: 'access-refused', permission: WRITE, partnershipId: elsewhere, recordType: 'finding', recordId: id, outcome: 'refused' });
      return sendProblem(reply, 404, 'Not found', 'There is no finding with this id that you may change.');
    }
    const body = parse(findingWriteSchema, req, reply);
    if (!body) return reply;
    const input = findingInput(body);
    const result = await req.change(
      (trx) => updateFinding(trx, cipher, finding, actorOf(req), input, body.version),
      (x) =>
        x.ok
          ? { action: 'finding-changed', permission: WRITE, partnershipId: finding.partnershipId, recordType: 'finding', recordId: finding.id, changes: { before: { number: finding.number, text: finding.text, foundOn: finding.foundOn, themes: finding.themes, recommendationIds: finding.recommendationIds }, after: input, via: 'api' } }
          : null,
    );
    if (!result.ok) {
      if (result.conflict) return sendProblem(reply, 409, 'Conflict', 'The finding changed since you read it: read it again and resend.');
      return invalid(reply, result.problems);
    }
    const after = await loadFinding(db, [finding.partnershipId], finding.id);
    return after ? presentFinding(after) : {};
  });

  app.post('/api/v1/recommendations/:id/actions', access(WRITE), async (req, reply) => {
    const { id } = req.params as { id: string };
    const rec = await loadRecommendation(db, partnershipsWith(req.principal!, WRITE), id, today());
    if (!rec) {
      const elsewhere = await recommendationPartnership(db, id);
      if (elsewhere) await req.audit({ action: 'access-refused', permission: WRITE, partnershipId: elsewhere, recordType: 'recommendation', recordId: id, outcome: 'refused' });
      return sendProblem(reply, 404, 'Not found', 'There is no recommendation with this id that you may change.');
    }
    const body = parse(actionCreateSchema, req, reply);
    if (!body) return reply;
    const input = { ...body, dueOn: body.dueOn as DateOnly };
    const result = await req.change(
      (trx) => addAction(trx, rec, actorOf(req), input),
      (r) => (r.ok ? { action: 'action-added', permission: WRITE, partnershipId: rec.partnershipId, recordType: 'recommendation-action', recordId: r.id, changes: { after: { recommendationId: rec.id, ...input }, via: 'api' } } : null),
    );
    if (!result.ok) return invalid(reply, result.problems);
    const created = await loadAction(db, cipher, [rec.partnershipId], result.id, today());
    return reply.code(201).header('location', `/api/v1/actions/${result.id}`).send(created ? presentDetail(created) : {});
  });

  app.get('/api/v1/actions', access(SEE_ACTIONS), async (req) => {
    const q = req.query as Record<string, unknown>;
    const str = (k: string) => (typeof q[k] === 'string' ? (q[k] as string) : '');
    const page = Math.min(10_000, Math.max(1, Number.parseInt(str('page'), 10) || 1));
    const status = str('status');
    const result = await listActions(db, req.principal!, { agencyId: str('agency') || undefined, status: isActionStatus(status) ? status : 'open', overdue: str('overdue') === 'true' || str('overdue') === 'yes', theme: str('theme') || undefined, reviewId: str('review') || undefined, page }, today());
    await req.audit({ action: 'view', permission: READ, recordType: 'recommendation-actions', changes: { page: 'actions', via: 'api' } });
    return { actions: result.items.map(presentAction), total: result.total, page, pages: result.pages };
  });

  async function actionFor(req: FastifyRequest, reply: FastifyReply): Promise<ActionDetail | null> {
    const action = await visibleAction(req, db, cipher, (req.params as { id: string }).id);
    if (!action) sendProblem(reply, 404, 'Not found', 'There is no action with this id that you may see.');
    return action;
  }

  app.get('/api/v1/actions/:id', access(SEE_ACTIONS), async (req, reply) => {
    const action = await actionFor(req, reply);
    if (!action) return reply;
    await req.audit({ action: 'view', permission: READ, partnershipId: action.partnershipId, recordType: 'recommendation-action', recordId: action.id, changes: { via: 'api' } });
    return presentDetail(action);
  });

  app.post('/api/v1/actions/:id/updates', access(UPDATE_ACTIONS), async (req, reply) => {
    const action = await actionFor(req, reply);
    if (!action) return reply;
    const body = parse(actionUpdateSchema, req, reply);
    if (!body) return reply;
    const role = body.step === 'close' || body.step === 'send-back' ? 'lead' : 'owner';
    const may = actionAccess(req.principal, action);
    const permission: Permission = role === 'lead' ? SIGN_OFF : may.manage ? WRITE : OWN_AGENCY;
    if (role === 'lead' ? !may.lead : !may.owner) {
      await req.audit({ action: 'access-refused', permission, partnershipId: action.partnershipId, recordType: 'recommendation-action', recordId: action.id, outcome: 'refused' });
      return sendProblem(reply, 403, 'Forbidden', role === 'lead' ? 'Only a statutory partner’s lead can sign off or send back an action.' : 'Only the agency that owns this action, or the business unit, can record its progress.');
    }
    const result = await req.change(
      (trx) => recordStep(trx, cipher, action, actorOf(req), role, body.step, { text: body.text ?? '', whatChanged: body.whatChanged ?? '' }, body.version),
      (r) => (r.ok ? { action: `action-${r.step}`, permission, partnershipId: action.partnershipId, recordType: 'recommendation-action', recordId: action.id, changes: { before: { status: r.from }, after: { status: r.to }, via: 'api' } } : null),
    );
    if (!result.ok) {
      if (result.conflict) return sendProblem(reply, 409, 'Conflict', 'The action changed since you read it: read it again and resend.');
      return invalid(reply, result.problems);
    }
    const after = await loadAction(db, cipher, [action.partnershipId], action.id, today());
    return reply.code(201).header('location', `/api/v1/actions/${action.id}`).send(after ? presentDetail(after) : {});
  });
}



export const LEARNING_API_TAG = { name: 'Learning into practice', description: 'Findings and recommendations of a review, the actions that carry them out, and updates on those actions. An agency reaches only its own agency’s actions.' };

/** The learning part of the OpenAPI document, merged into it by api/openapi.ts. */
export function learningApiPaths() {
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
  const path = (description: string) => ({ name: 'id', in: 'path' as const, required: true, description, schema: { type: 'string', format: 'uuid' } });
  const common = { '401': problem('No valid token or session.'), '403': problem('Your roles do not allow this.') };

  /** Listing and adding a review's recommendations or findings, on an incident's review or a published review no case holds (the same handlers serve both). */
  function reviewPaths(where: 'incident' | 'publication', what: 'recommendations' | 'findings') {
    const one = what === 'recommendations' ? 'recommendation' : 'finding';
    const Kind = what === 'recommendations' ? 'Recommendation' : 'Finding';
    const onIncident = where === 'incident';
    const address = onIncident ? `/api/v1/incidents/{id}/review/${what}` : `/api/v1/publications/{id}/${what}`;
    const whose = onIncident ? 'a review’s' : 'a published review’s';
    const operation = (verb: 'list' | 'add') => `${verb}${onIncident ? '' : 'Publication'}${verb === 'list' ? Kind + 's' : Kind}`;
    const shown =
      what === 'recommendations'
        ? 'with the partnership’s response and their actions (status, RAG by due date).'
        : 'each with its themes and the recommendations of the review it leads to.';
    const checks =
      what === 'recommendations'
        ? 'Checked as the page checks it: number unique in the review, text, date, known themes and agencies, reasons unless accepted in full.'
        : 'Checked as the page checks it: number unique in the review, text, date, known themes, recommendations of this review only.';
    const param = path(onIncident ? 'The incident’s id.' : 'The publication’s id.');
    const missing = onIncident ? 'No review you may see for this incident.' : `No published review you may see, or one published from a case (its ${what} are the case’s).`;
    return {
      [address]: {
        get: {
          operationId: operation('list'),
          summary: `List ${whose} ${what}`,
          description: `The ${what} of ${onIncident ? 'an incident’s review (of any kind)' : 'a published review no case holds (an imported serious case review, a national or thematic review)'}, ${shown}`,
          tags: [LEARNING_API_TAG.name],
          'x-access': READ,
          parameters: [param],
          responses: { '200': { description: `The ${what}.`, content: { 'application/json': { schema: ref(`${Kind}List`) } } }, ...common, '404': problem(missing) },
        },
        post: {
          operationId: operation('add'),
          summary: `Add a ${one} to ${onIncident ? 'a review' : 'a published review'}`,
          description: checks,
          tags: [LEARNING_API_TAG.name],
          'x-access': WRITE,
          parameters: [param],
          requestBody: { required: true, content: { 'application/json': { schema: ref(`${Kind}Create`) } } },
          responses: { '201': { description: 'Added.', content: { 'application/json': { schema: ref(Kind) } } }, ...common, '404': problem(missing.replace('see', 'change')), '422': problem('Some answers need correcting: `errors` lists each one.') },
        },
      },
    };
  }
  return {
    ...reviewPaths('incident', 'recommendations'),
    ...reviewPaths('publication', 'recommendations'),
    ...reviewPaths('incident', 'findings'),
    ...reviewPaths('publication', 'findings'),
    '/api/v1/findings/{id}': {
      put: {
        operationId: 'updateFinding',
        summary: 'Change a finding',
        description: 'Replaces its number, text, date, themes and recommendations, if nobody changed it since the version sent.',
        tags: [LEARNING_API_TAG.name],
        'x-access': WRITE,
        parameters: [path('The finding’s id.')],
        requestBody: { required: true, content: { 'application/json': { schema: ref('FindingUpdate') } } },
        responses: {
          '200': { description: 'Changed; the finding as it is now.', content: { 'application/json': { schema: ref('Finding') } } },
          ...common,
          '404': problem('No finding you may change.'),
          '409': problem('The finding changed since the version you sent.'),
          '422': problem('Some answers need correcting: `errors` lists each one.'),
        },
      },
    },
    '/api/v1/recommendations/{id}/actions': {
      post: {
        operationId: 'addAction',
        summary: 'Add an action to a recommendation',
        description: 'An owning agency, a named lead, a due date not before the recommendation’s, the intended change and how success will be measured.',
        tags: [LEARNING_API_TAG.name],
        'x-access': WRITE,
        parameters: [path('The recommendation’s id.')],
        requestBody: { required: true, content: { 'application/json': { schema: ref('ActionCreate') } } },
        responses: { '201': { description: 'Added.', content: { 'application/json': { schema: ref('Action') } } }, ...common, '404': problem('No recommendation you may change.'), '422': problem('Some answers need correcting: `errors` lists each one.') },
      },
    },
    '/api/v1/actions': {
      get: {
        operationId: 'listActions',
        summary: 'List open actions',
        description: 'Every action you may see across reviews (an agency: its own agency’s), soonest due first, 25 a page. Closed actions only when asked for by status.',
        tags: [LEARNING_API_TAG.name],
        'x-access': [...SEE_ACTIONS],
        parameters: [
          { name: 'agency', in: 'query' as const, required: false, description: 'An agency’s id.', schema: { type: 'string', format: 'uuid' } },
          { name: 'status', in: 'query' as const, required: false, description: 'One status; open ones when absent.', schema: { type: 'string', enum: [...ACTION_STATUSES] } },
          { name: 'overdue', in: 'query' as const, required: false, description: '"true": only actions past their due date and not completed.', schema: { type: 'string', enum: ['true'] } },
          { name: 'theme', in: 'query' as const, required: false, description: 'A theme key: actions of recommendations with that theme.', schema: { type: 'string' } },
          { name: 'review', in: 'query' as const, required: false, description: 'A case’s id (its incident) or a published review’s id: actions of that review’s recommendations.', schema: { type: 'string', format: 'uuid' } },
          { name: 'page', in: 'query' as const, required: false, description: 'From 1.', schema: { type: 'integer', minimum: 1 } },
        ],
        responses: { '200': { description: 'The actions.', content: { 'application/json': { schema: ref('ActionList') } } }, ...common },
      },
    },
    '/api/v1/actions/{id}': {
      get: {
        operationId: 'getAction',
        summary: 'Get an action with its history',
        description: 'The action, its latest evidence and every update: who, when, from which status to which, and what they said.',
        tags: [LEARNING_API_TAG.name],
        'x-access': [...SEE_ACTIONS],
        parameters: [path('The action’s id.')],
        responses: { '200': { description: 'The action.', content: { 'application/json': { schema: ref('Action') } } }, ...common, '404': problem('No action you may see.') },
      },
    },
    '/api/v1/actions/{id}/updates': {
      post: {
        operationId: 'addActionUpdate',
        summary: 'Record progress, sign off or send back an action',
        description: 'Statuses run not-started → in-progress → completed (evidence required: the text, and at least one evidence file of completion already attached, else 422 with the field `file`) → impact-evaluated (what changed and evidence) → closed; a partner lead may send a completed or evaluated action back to in-progress with reasons.',
        tags: [LEARNING_API_TAG.name],
        'x-access': [...UPDATE_ACTIONS],
        parameters: [path('The action’s id.')],
        requestBody: { required: true, content: { 'application/json': { schema: ref('ActionUpdate') } } },
        responses: {
          '201': { description: 'Recorded; the action as it is now.', content: { 'application/json': { schema: ref('Action') } } },
          ...common,
          '404': problem('No action you may see (another agency’s is not found).'),
          '409': problem('The action changed since the version you sent.'),
          '422': problem('Some answers need correcting: `errors` lists each one.'),
        },
      },
    },
  };
}

export function learningApiSchemas(): Record<string, JsonSchema> {
  return {
    Recommendation: jsonSchema(recommendationSchema, 'output'),
    RecommendationList: jsonSchema(recommendationListSchema, 'output'),
    RecommendationCreate: jsonSchema(recommendationCreateSchema, 'input'),
    Finding: jsonSchema(findingSchema, 'output'),
    FindingList: jsonSchema(findingListSchema, 'output'),
    FindingCreate: jsonSchema(findingWriteSchema.omit({ version: true }), 'input'),
    FindingUpdate: jsonSchema(findingWriteSchema, 'input'),
    Action: jsonSchema(actionDetailSchema, 'output'),
    ActionList: jsonSchema(actionListSchema, 'output'),
    ActionCreate: jsonSchema(actionCreateSchema, 'input'),
    ActionUpdate: jsonSchema(actionUpdateSchema, 'input'),
  };
}
