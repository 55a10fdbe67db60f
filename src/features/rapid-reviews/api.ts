import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isDateOnly, type DateOnly } from '../../domain/calendar/date-only.ts';
import { can, partnershipsWith, type Permission } from '../../platform/auth/policy.ts';
import { access } from '../../platform/http/access.ts';
import { sendProblem } from '../../platform/http/errors.ts';
import { actorOf, today } from '../cases/request-context.ts';
import type { May } from '../../domain/workflow/incident-workflow.ts';
import { incidentPartnership } from '../cases/service.ts';
import {
  addMeeting,
  ALTERNATIVES,
  DECISIONS,
  loadRapidReview,
  PANEL_RESPONSES,
  partnerOf,
  recordPanelResponse,
  saveDecision,
  sendProblems,
  sendToPanel,
  signOff,
  type Problem,
  type RapidReviewView,
} from './service.ts';

/**
 * The rapid review in the JSON API: read it; record meetings, the decision, the partners' sign-offs,
 * sending to the Panel and the Panel's response. The same services and checks as the pages (a
 * decision changed after sign-off clears the sign-offs; sending takes the signed-off decision's
 * state). Agencies answer their requests on their own pages (with a file), not here.
 */

const mayIn = (req: FastifyRequest, partnershipId: string): May => (permission) => can(req.principal, permission, { partnershipId });

const READ: Permission = 'case:read';
const WRITE: Permission = 'case:write';
const SIGN: Permission = 'case:sign-off';

const isoDate = (description: string) => z.string().refine(isDateOnly, 'Use a real date written YYYY-MM-DD').describe(description);

export const rapidReviewDecisionSchema = z
  .strictObject({
    decision: z.enum(DECISIONS).describe('What the partners decided.'),
    alternative: z.enum(ALTERNATIVES).optional().describe('With "alternative-review": the kind.'),
    criteria: z.array(z.string()).max(4).optional().describe('The criteria for a local review the case meets (keys, e.g. "improvements", "multi-agency").'),
    reasons: z.string().max(20_000).describe('The reasons for the decision.'),
    decidedOn: isoDate('The date the partners decided: it starts the 6-month clock once all three sign it off. Not in the future; not before the notification.'),
  })
  .describe('The partners’ decision in the rapid review: the one decision on a local review.');

export const rapidReviewDateSchema = z.strictObject({ on: isoDate('The date it happened.') });
export const rapidReviewResponseSchema = z.strictObject({ response: z.enum(PANEL_RESPONSES), on: isoDate('The date of the Panel’s response.') });
export const rapidReviewMeetingSchema = z.strictObject({
  heldOn: isoDate('The date the meeting was held.'),
  attendeeRoles: z.string().max(5000).describe('The roles, not names, of the people who attended.'),
  notes: z.string().max(20_000).optional(),
});

export const rapidReviewSchema = z.object({
  incidentId: z.string(),
  reference: z.string(),
  state: z.string(),
  startedOn: z.string().nullable(),
  decision: z.object({ decision: z.enum(DECISIONS).nullable(), alternative: z.enum(ALTERNATIVES).nullable(), criteria: z.array(z.string()), decidedOn: z.string().nullable() }),
  signOffs: z.array(z.object({ partner: z.string(), signed: z.boolean(), signerName: z.string().nullable() })),
  allSignedOff: z.boolean(),
  sendBlockers: z.array(z.string()).describe('Why the rapid review cannot be sent now (empty when it can).'),
  sentOn: z.string().nullable(),
  panelResponse: z.enum(PANEL_RESPONSES).nullable(),
  panelResponseOn: z.string().nullable(),
  meetings: z.array(z.object({ heldOn: z.string(), attendeeRoles: z.string() })),
  requests: z.array(z.object({ agencyId: z.string(), requestedOn: z.string(), dueOn: z.string(), answered: z.boolean() })),
}).describe('A rapid review (free text left out: read it on the page).');

function present(view: RapidReviewView, blockers: string[]): z.infer<typeof rapidReviewSchema> {
  return {
    incidentId: view.incident.id,
    reference: view.incident.reference,
    state: view.incident.state,
    startedOn: view.startedOn,
    decision: { decision: view.decision.decision, alternative: view.decision.alternative, criteria: [...view.decision.criteria], decidedOn: view.decision.decidedOn },
    signOffs: view.signOffs.map((s) => ({ partner: s.partner, signed: s.signed, signerName: s.signerName })),
    allSignedOff: view.allSignedOff,
    sendBlockers: blockers,
    sentOn: view.sentOn,
    panelResponse: view.panelResponse,
    panelResponseOn: view.panelResponseOn,
    meetings: view.meetings.map((m) => ({ heldOn: m.heldOn, attendeeRoles: m.attendeeRoles })),
    requests: view.requests.map((r) => ({ agencyId: r.agencyId, requestedOn: r.requestedOn, dueOn: r.dueOn, answered: r.answered })),
  };
}

/** Field names of the pages' problems, as the API's body names them. */
const FIELD: Record<string, string> = { decided: 'decidedOn', sent: 'on', responded: 'on', held: 'heldOn', attendees: 'attendeeRoles' };

export async function rapidReviewApiRoutes(app: FastifyInstance): Promise<void> {
  const { database, cipher } = app.deps;
  const db = database.db;

  async function reviewFor(req: FastifyRequest, reply: FastifyReply, permission: Permission): Promise<RapidReviewView | null> {
    const { id } = req.params as { id: string };
    const view = await loadRapidReview(db, cipher, partnershipsWith(req.principal!, permission), id, today());
    if (view) return view;
    const elsewhere = await incidentPartnership(db, id);
    if (elsewhere) await req.audit({ action: 'access-refused', permission, partnershipId: elsewhere, recordType: 'incident', recordId: id, outcome: 'refused' });
    sendProblem(reply, 404, 'Not found', 'There is no incident with this id.');
    return null;
  }

  const entry = (view: RapidReviewView, action: string, permission: Permission, changes: Record<string, unknown>) =>
    ({ action, permission, partnershipId: view.incident.partnershipId, recordType: 'rapid-review', recordId: view.incident.id, changes: { via: 'api', ...changes } });

  /** A refusal of the workflow (field "state") answers 409 saying why; other problems 422 with each field. */
  function problems(reply: FastifyReply, list: Problem[]): FastifyReply {
    const state = list.filter((p) => p.field === 'state' || p.field === 'sign-off' || p.field === 'partner' || (p.field === 'decision' && /not been recorded|Record the decision/.test(p.message)));
    if (state.length) return sendProblem(reply, 409, 'Conflict', state.map((p) => p.message).join('; ') + '.', { errors: list });
    return sendProblem(reply, 422, 'Unprocessable content', 'Some answers need correcting: see errors.', { errors: list.map((p) => ({ field: FIELD[p.field] ?? p.field, message: p.message })) });
  }

  function invalid(reply: FastifyReply, error: z.ZodError): FastifyReply {
    return sendProblem(reply, 422, 'Unprocessable content', 'Some answers need correcting: see errors.', {
      errors: error.issues.map((i) => ({ field: i.path.map(String).join('.') || 'body', message: i.message })),
    });
  }

  async function answer(req: FastifyRequest, reply: FastifyReply, id: string, code = 200): Promise<FastifyReply> {
    const view = await loadRapidReview(db, cipher, partnershipsWith(req.principal!, READ), id, today());
    if (!view) return sendProblem(reply, 404, 'Not found', 'There is no incident with this id.');
    return reply.code(code).send(present(view, sendProblems(view, mayIn(req, view.incident.partnershipId)).map((p) => p.message)));
  }

  app.get('/api/v1/incidents/:id/rapid-review', access(READ), async (req, reply) => {
    const view = await reviewFor(req, reply, READ);
    if (!view) return reply;
    await req.audit(entry(view, 'view', READ, { page: 'rapid-review' }));
    return present(view, sendProblems(view, mayIn(req, view.incident.partnershipId)).map((p) => p.message));
  });

  app.post('/api/v1/incidents/:id/rapid-review/meetings', access(WRITE), async (req, reply) => {
    const view = await reviewFor(req, reply, WRITE);
    if (!view) return reply;
    const parsed = rapidReviewMeetingSchema.safeParse(req.body ?? {});
    if (!parsed.success) return invalid(reply, parsed.error);
    const b = parsed.data;
    const result = await req.change(
      (trx) => addMeeting(trx, cipher, view, actorOf(req), { heldOn: b.heldOn as DateOnly, attendeeRoles: b.attendeeRoles, notes: b.notes ?? '' }, today()),
      (r) => (r.ok ? entry(view, 'rapid-review-meeting-added', WRITE, { after: { heldOn: b.heldOn }, notesRecorded: Boolean(b.notes?.trim()) }) : null),
    );
    if (!result.ok) return problems(reply, result.problems);
    return answer(req, reply, view.incident.id, 201);
  });

  app.post('/api/v1/incidents/:id/rapid-review/decision', access(WRITE), async (req, reply) => {
    const view = await reviewFor(req, reply, WRITE);
    if (!view) return reply;
    const parsed = rapidReviewDecisionSchema.safeParse(req.body ?? {});
    if (!parsed.success) return invalid(reply, parsed.error);
    const b = parsed.data;
    const input = { decision: b.decision, alternative: b.alternative ?? null, criteria: b.criteria ?? [], reasons: b.reasons, decidedOn: b.decidedOn as DateOnly };
    const result = await req.change(
      (trx) => saveDecision(trx, cipher, view, actorOf(req), input, today()),
      (r) => (r.ok && r.changed
        ? entry(view, 'rapid-review-decision', WRITE, {
            before: { decision: view.decision.decision, alternative: view.decision.alternative, criteria: view.decision.criteria, decidedOn: view.decision.decidedOn },
            after: { decision: input.decision, alternative: input.decision === 'alternative-review' ? input.alternative : null, criteria: input.criteria, decidedOn: input.decidedOn },
            reasonsRecorded: true,
            signOffsCleared: r.clearedSignOffs,
          })
        : null),
    );
    if (!result.ok) return problems(reply, result.problems);
    return answer(req, reply, view.incident.id);
  });

  app.post('/api/v1/incidents/:id/rapid-review/sign-off', access(SIGN), async (req, reply) => {
    const view = await reviewFor(req, reply, SIGN);
    if (!view) return reply;
    const partner = await partnerOf(db, req.principal!, view.incident.partnershipId);
    const result = await req.change(
      (trx) => signOff(trx, view, actorOf(req), partner),
      (r) => (r.ok ? entry(view, 'rapid-review-signed-off', SIGN, { after: { partner, decision: view.decision.decision } }) : null),
    );
    if (!result.ok) return problems(reply, result.problems);
    return answer(req, reply, view.incident.id);
  });

  app.post('/api/v1/incidents/:id/rapid-review/send', access(WRITE), async (req, reply) => {
    const view = await reviewFor(req, reply, WRITE);
    if (!view) return reply;
    const parsed = rapidReviewDateSchema.safeParse(req.body ?? {});
    if (!parsed.success) return invalid(reply, parsed.error);
    const sentOn = parsed.data.on as DateOnly;
    const result = await req.change(
      (trx) => sendToPanel(trx, view, actorOf(req), sentOn, mayIn(req, view.incident.partnershipId), today()),
      (r) => (r.ok ? entry(view, 'incident-transition', WRITE, { step: 'send-rapid-review', before: { state: r.from }, after: { state: r.to, rapidReviewSent: sentOn } }) : null),
    );
    if (!result.ok) return problems(reply, result.problems);
    return answer(req, reply, view.incident.id);
  });

  app.post('/api/v1/incidents/:id/rapid-review/panel-response', access(WRITE), async (req, reply) => {
    const view = await reviewFor(req, reply, WRITE);
    if (!view) return reply;
    const parsed = rapidReviewResponseSchema.safeParse(req.body ?? {});
    if (!parsed.success) return invalid(reply, parsed.error);
    const input = { response: parsed.data.response, on: parsed.data.on as DateOnly };
    const result = await req.change(
      (trx) => recordPanelResponse(trx, view, actorOf(req), input, today()),
      (r) => (r.ok ? entry(view, 'rapid-review-panel-response', WRITE, { before: { response: view.panelResponse, on: view.panelResponseOn }, after: input }) : null),
    );
    if (!result.ok) return problems(reply, result.problems);
    return answer(req, reply, view.incident.id);
  });
}

type JsonSchema = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  delete out.$schema;
  return out;
}

export const RAPID_REVIEW_API_TAG = {
  name: 'Rapid reviews',
  description: 'A case’s rapid review: meetings, the decision (the one decision on a local review), the three partners’ sign-offs, sending to the Panel and the Panel’s response.',
};

/** The rapid review part of the OpenAPI document, merged into it by api/openapi.ts. */
export function rapidReviewApiPaths() {
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
  const id = { name: 'id', in: 'path' as const, required: true, description: 'The incident’s id.', schema: { type: 'string', format: 'uuid' } };
  const refusals = { '401': problem('No valid token or session.'), '403': problem('Your roles do not allow this.'), '404': problem('No incident with this id that you may see.') };
  const ok = { description: 'The rapid review as it is now.', content: { 'application/json': { schema: ref('RapidReview') } } };
  const change = (operationId: string, summary: string, description: string, access: string, schema: string | null, conflict: string) => ({
    post: {
      operationId,
      summary,
      description,
      tags: [RAPID_REVIEW_API_TAG.name],
      'x-access': access,
      parameters: [id],
      ...(schema ? { requestBody: { required: true, content: { 'application/json': { schema: ref(schema) } } } } : {}),
      responses: { '200': ok, ...refusals, '409': problem(conflict), '422': problem('Some answers need correcting: `errors` lists each one.') },
    },
  });
  return {
    '/api/v1/incidents/{id}/rapid-review': {
      get: {
        operationId: 'getRapidReview',
        summary: 'Read the rapid review',
        description: 'The decision, the sign-offs, what stops it being sent, the Panel’s response, meetings and requests to agencies.',
        tags: [RAPID_REVIEW_API_TAG.name],
        'x-access': READ,
        parameters: [id],
        responses: { '200': ok, ...refusals },
      },
    },
    '/api/v1/incidents/{id}/rapid-review/meetings': {
      post: {
        ...change('addRapidReviewMeeting', 'Record a rapid review meeting', 'The date it was held (not in the future, not before the rapid review started) and the roles who attended.', WRITE, 'RapidReviewMeeting', 'The rapid review is not open.').post,
        responses: { '201': ok, ...refusals, '409': problem('The rapid review is not open.'), '422': problem('Some answers need correcting: `errors` lists each one.') },
      },
    },
    '/api/v1/incidents/{id}/rapid-review/decision': change('saveRapidReviewDecision', 'Record or change the decision',
      'The one decision on a local review. Once all three partner leads sign it off it sets the case’s decision and starts the 6-month clock on `decidedOn`. ' +
      'Changing it after sign-off clears the sign-offs (and a sent case awaits them again).', WRITE, 'RapidReviewDecision', 'The decision cannot be changed now (e.g. the review is completed).'),
    '/api/v1/incidents/{id}/rapid-review/sign-off': change('signOffRapidReviewDecision', 'Sign off the decision',
      'Signs for the caller’s statutory partner (local authority, police or integrated care board lead).', SIGN, null, 'There is no decision to sign, this partner has signed already, or the caller leads no statutory partner.'),
    '/api/v1/incidents/{id}/rapid-review/send': change('sendRapidReview', 'Record the rapid review as sent to the Panel',
      'Needs the decision signed off by all three partners; the case then takes the decision’s state. `on` cannot be before the decision.', WRITE, 'RapidReviewDate', 'Not all three partners have signed off, or the rapid review is not open: `detail` names each reason.'),
    '/api/v1/incidents/{id}/rapid-review/panel-response': change('recordPanelResponse', 'Record the Panel’s response',
      'Agree, disagree or a national review. When the Panel decides to hold a national review, the case moves to it (no local 6-month clock).', WRITE, 'RapidReviewResponse', 'The rapid review has not been sent to the Panel.'),
  };
}

export function rapidReviewApiSchemas(): Record<string, JsonSchema> {
  return {
    RapidReview: schemaOf(rapidReviewSchema, 'output'),
    RapidReviewDecision: schemaOf(rapidReviewDecisionSchema, 'input'),
    RapidReviewDate: schemaOf(rapidReviewDateSchema, 'input'),
    RapidReviewResponse: schemaOf(rapidReviewResponseSchema, 'input'),
    RapidReviewMeeting: schemaOf(rapidReviewMeetingSchema, 'input'),
  };
}
