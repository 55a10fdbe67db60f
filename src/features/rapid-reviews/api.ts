import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isDateOnly, type DateOnly } from '../../domain/calendar/date-only.ts';
import { agenciesWith, can, partnershipsWith, type Permission } from '../../platform/auth/policy.ts';
import { access } from '../../platform/http/access.ts';
import { sendProblem } from '../../platform/http/errors.ts';
import { actorOf, today } from '../cases/request-context.ts';
import { STATES, type May } from '../../domain/workflow/incident-workflow.ts';
import { incidentPartnership } from '../cases/service.ts';
import { jsonSchema, type JsonSchema } from '../../platform/http/json-schema.ts';
import { cleanFileName, detectFileType, MAX_FILE_BYTES, uploadProblem } from './files.ts';
import {
  addMeeting,
  ALTERNATIVES,
  answerProblems,
  answerRequest,
  DECISIONS,
  defaultDueDate,
  listRequestsFor,
  loadRapidReview,
  loadRequest,
  sendRequests,
  type RequestDetail,
  type RequestView,
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
 * state). Requests to agencies: the business unit sends them (which agencies, due dates, the day
 * sent); an agency contributor reads and answers only its own agency's requests, as on its pages.
 *
 * A file sent with an answer comes as base64 inside the JSON body, not as a multipart upload: every
 * body of this API is one JSON document checked by one schema (and shown in the OpenAPI document),
 * and token callers carry no form token, which the pages' multipart reader requires. The file then
 * passes the very checks of the page (kind by content, size, the document workers).
 */

const mayIn = (req: FastifyRequest, partnershipId: string): May => (permission) => can(req.principal, permission, { partnershipId });

const READ: Permission = 'case:read';
const WRITE: Permission = 'case:write';
const SIGN: Permission = 'case:sign-off';
const RESPOND: Permission = 'agency-request:respond';

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
export const rapidReviewSignOffSchema = z.strictObject({
  on: isoDate('The date the partner signed the decision off. Not in the future; not before the date of the decision. Today when left out.').optional(),
});
export const agencyRequestsSendSchema = z.strictObject({
  sentOn: isoDate('The date the requests were sent. Not in the future; not before the rapid review started.'),
  agencies: z.array(z.strictObject({
    agencyId: z.string().max(100).describe('An agency of the case’s partnership not yet asked.'),
    dueOn: isoDate('The date the answer is due; not before `sentOn`. Left out: 7 working days after `sentOn`.').optional(),
  })).min(1).max(100).describe('The agencies to ask, each with its due date.'),
}).describe('Requests to agencies for their summary of involvement, key practice episodes and chronology.');

/** Base64 of a file of at most MAX_FILE_BYTES (4 characters per 3 bytes, padded). */
const MAX_BASE64 = Math.ceil(MAX_FILE_BYTES / 3) * 4;

export const agencyAnswerSchema = z.strictObject({
  involvement: z.string().max(20_000).describe('A summary of the agency’s involvement with the child and family (pseudonyms, not names).'),
  episodes: z.string().max(20_000).optional().describe('The key practice episodes.'),
  answer: z.string().max(50_000).optional().describe('The chronology and anything else.'),
  answeredOn: isoDate('The date the answer was sent to the partnership. Not in the future; not before the request was sent.'),
  file: z.strictObject({
    name: z.string().min(1).max(200).describe('The file’s name, e.g. "chronology.pdf".'),
    contentBase64: z.string().max(MAX_BASE64 + 4).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'Send the file’s content as base64').describe('The file’s bytes in base64: a PDF or Word document (.docx), smaller than 10 MB.'),
  }).optional().describe('The chronology as a file (optional). A file sent before is kept unless another is sent.'),
}).describe('An agency’s answer to its request.');
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
  signOffs: z.array(z.object({ partner: z.string(), signed: z.boolean(), signerName: z.string().nullable(), signedOn: z.string().nullable().describe('The day the partner signed off.') })),
  allSignedOff: z.boolean(),
  sendBlockers: z.array(z.string()).describe('Why the rapid review cannot be sent now (empty when it can).'),
  sentOn: z.string().nullable(),
  panelResponse: z.enum(PANEL_RESPONSES).nullable(),
  panelResponseOn: z.string().nullable(),
  meetings: z.array(z.object({ heldOn: z.string(), attendeeRoles: z.string() })),
  requests: z.array(z.object({
    id: z.string(), agencyId: z.string(), agencyName: z.string(), requestedOn: z.string(), dueOn: z.string(), answered: z.boolean(),
    answeredOn: z.string().nullable().describe('The day the answer was sent.'), late: z.boolean().describe('Answered after its due date.'), overdue: z.boolean(),
  })),
}).describe('A rapid review (free text left out: read it on the page).');

export const agencyRequestSchema = z.object({
  id: z.string(),
  incidentId: z.string(),
  incidentReference: z.string(),
  agencyId: z.string(),
  agencyName: z.string(),
  requestedOn: z.string(),
  dueOn: z.string(),
  status: z.enum(['waiting', 'overdue', 'answered', 'answered-late']),
  answered: z.boolean(),
  answeredOn: z.string().nullable().describe('The day the answer was sent.'),
  recordedAt: z.string().nullable().describe('When the answer was recorded.'),
  involvement: z.string().optional(),
  episodes: z.string().optional(),
  answer: z.string().optional(),
  file: z.object({ name: z.string(), type: z.enum(['pdf', 'docx']), size: z.number().int() }).nullable(),
}).describe('A request to an agency (with its answer when read one at a time).');

function presentRequest(r: RequestView | RequestDetail, detail: boolean): z.infer<typeof agencyRequestSchema> {
  return {
    id: r.id,
    incidentId: r.incidentId,
    incidentReference: r.incidentReference,
    agencyId: r.agencyId,
    agencyName: r.agencyName,
    requestedOn: r.requestedOn,
    dueOn: r.dueOn,
    status: r.late ? 'answered-late' : r.answered ? 'answered' : r.overdue ? 'overdue' : 'waiting',
    answered: r.answered,
    answeredOn: r.answeredOn,
    recordedAt: r.answeredAt,
    ...(detail && 'involvement' in r ? { involvement: r.involvement, episodes: r.episodes, answer: r.answer } : {}),
    file: r.file ? { name: r.file.name, type: r.file.type, size: r.file.size } : null,
  };
}

function present(view: RapidReviewView, blockers: string[]): z.infer<typeof rapidReviewSchema> {
  return {
    incidentId: view.incident.id,
    reference: view.incident.reference,
    state: view.incident.state,
    startedOn: view.startedOn,
    decision: { decision: view.decision.decision, alternative: view.decision.alternative, criteria: [...view.decision.criteria], decidedOn: view.decision.decidedOn },
    signOffs: view.signOffs.map((s) => ({ partner: s.partner, signed: s.signed, signerName: s.signerName, signedOn: s.signedOn })),
    allSignedOff: view.allSignedOff,
    sendBlockers: blockers,
    sentOn: view.sentOn,
    panelResponse: view.panelResponse,
    panelResponseOn: view.panelResponseOn,
    meetings: view.meetings.map((m) => ({ heldOn: m.heldOn, attendeeRoles: m.attendeeRoles })),
    requests: view.requests.map((r) => ({
      id: r.id, agencyId: r.agencyId, agencyName: r.agencyName, requestedOn: r.requestedOn, dueOn: r.dueOn, answered: r.answered, answeredOn: r.answeredOn, late: r.late, overdue: r.overdue,
    })),
  };
}

/** Field names of the pages' problems, as the API's body names them. */
const FIELD: Record<string, string> = { decided: 'decidedOn', sent: 'on', responded: 'on', held: 'heldOn', attendees: 'attendeeRoles', signed: 'on', answered: 'answeredOn' };

export async function rapidReviewApiRoutes(app: FastifyInstance): Promise<void> {
  const { database, cipher, documents, files } = app.deps;
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
    const parsed = rapidReviewSignOffSchema.safeParse(req.body ?? {});
    if (!parsed.success) return invalid(reply, parsed.error);
    const signedOn = (parsed.data.on ?? today()) as DateOnly;
    const partner = await partnerOf(db, req.principal!, view.incident.partnershipId);
    const result = await req.change(
      (trx) => signOff(trx, view, actorOf(req), partner, signedOn, today()),
      (r) => (r.ok ? entry(view, 'rapid-review-signed-off', SIGN, { after: { partner, decision: view.decision.decision, signedOn } }) : null),
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

  // ---- Requests to agencies, and their answers ----------------------------------------------------

  app.post('/api/v1/incidents/:id/rapid-review/requests', access(WRITE), async (req, reply) => {
    const view = await reviewFor(req, reply, WRITE);
    if (!view) return reply;
    const parsed = agencyRequestsSendSchema.safeParse(req.body ?? {});
    if (!parsed.success) return invalid(reply, parsed.error);
    const sentOn = parsed.data.sentOn as DateOnly;
    const fallback = await defaultDueDate(db, sentOn);
    const items = parsed.data.agencies.map((a) => ({ agencyId: a.agencyId, dueOn: (a.dueOn ?? fallback) as DateOnly }));
    const result = await req.change(
      (trx) => sendRequests(trx, view, actorOf(req), sentOn, items, today()),
      (r) => (r.ok ? entry(view, 'agency-requests-sent', WRITE, { after: { sentOn, requests: items } }) : null),
    );
    if (!result.ok) {
      // A due date is named by its place in the body, as the caller wrote it.
      const at = (field: string) => {
        const i = items.findIndex((x) => `due-${x.agencyId}` === field);
        return i >= 0 ? `agencies.${i}.dueOn` : field === 'sent' ? 'sentOn' : field;
      };
      return problems(reply, result.problems.map((p) => ({ ...p, field: at(p.field) })));
    }
    return answer(req, reply, view.incident.id, 201);
  });

  /** A request of a case in the person's scope (the business unit reads every agency's answer, as on its pages). */
  app.get('/api/v1/incidents/:id/rapid-review/requests/:requestId', access(READ), async (req, reply) => {
    const view = await reviewFor(req, reply, READ);
    if (!view) return reply;
    const { requestId } = req.params as { requestId: string };
    const found = await loadRequest(db, cipher, [view.incident.partnershipId], null, requestId, today());
    if (!('request' in found) || found.request.incidentId !== view.incident.id) return sendProblem(reply, 404, 'Not found', 'There is no request with this id on this incident.');
    await req.audit(entry(view, 'view', READ, { page: 'agency-request', requestId }));
    return presentRequest(found.request, true);
  });

  /** The requests addressed to the caller's own agencies. */
  app.get('/api/v1/agency-requests', access(RESPOND), async (req) => {
    const requests = await listRequestsFor(db, partnershipsWith(req.principal!, RESPOND), agenciesWith(req.principal!, RESPOND), today());
    return { requests: requests.map((r) => presentRequest(r, false)) };
  });

  /** A request addressed to one of the caller's own agencies; any other is not found (and the refusal audited), as on the pages. */
  async function ownRequest(req: FastifyRequest, reply: FastifyReply): Promise<RequestDetail | null> {
    const { id } = req.params as { id: string };
    const found = await loadRequest(db, cipher, partnershipsWith(req.principal!, RESPOND), agenciesWith(req.principal!, RESPOND), id, today());
    if ('request' in found && can(req.principal, RESPOND, { partnershipId: found.request.partnershipId, agencyId: found.request.agencyId })) return found.request;
    const from = 'refusedFrom' in found ? found.refusedFrom : null;
    if (from) await req.audit({ action: 'access-refused', permission: RESPOND, partnershipId: from.partnershipId, recordType: 'agency-request', recordId: id, outcome: 'refused' });
    sendProblem(reply, 404, 'Not found', 'There is no request to your agency with this id.');
    return null;
  }

  app.get('/api/v1/agency-requests/:id', access(RESPOND), async (req, reply) => {
    const request = await ownRequest(req, reply);
    if (!request) return reply;
    await req.audit({ action: 'view', permission: RESPOND, partnershipId: request.partnershipId, recordType: 'agency-request', recordId: request.id, changes: { via: 'api' } });
    return presentRequest(request, true);
  });

  // A file of up to 10 MB arrives as base64 in the JSON body: this route alone takes a body that large.
  app.post('/api/v1/agency-requests/:id/answer', { ...access(RESPOND), bodyLimit: MAX_BASE64 + 200_000 }, async (req, reply) => {
    const request = await ownRequest(req, reply);
    if (!request) return reply;
    const parsed = agencyAnswerSchema.safeParse(req.body ?? {});
    if (!parsed.success) return invalid(reply, parsed.error);
    const b = parsed.data;
    if (request.incidentState !== 'rapid-review') {
      return sendProblem(reply, 409, 'Conflict', `This request can no longer be answered: the incident is ${STATES[request.incidentState].now}.`);
    }
    const values = { involvement: b.involvement, episodes: b.episodes ?? '', answer: b.answer ?? '', answeredOn: b.answeredOn as DateOnly };
    const errors = answerProblems(values, request, today()).map((p) => ({ field: FIELD[p.field] ?? p.field, message: p.message }));
    let upload: { bytes: Buffer; name: string; type: 'pdf' | 'docx' } | null = null;
    if (b.file) {
      const bytes = Buffer.from(b.file.contentBase64, 'base64');
      // The same checks as a file chosen on the page: its kind by content, its size, the document workers.
      const problem = await uploadProblem(documents, { bytes, truncated: false });
      const type = problem ? null : detectFileType(bytes);
      if (problem || !type) {
        await req.audit({ action: 'file-refused', permission: RESPOND, partnershipId: request.partnershipId, recordType: 'agency-request', recordId: request.id, outcome: 'failed', changes: { reason: problem, via: 'api' } });
        errors.push({ field: 'file.contentBase64', message: problem ?? 'The selected file must be a PDF or a Word document (.docx)' });
      } else upload = { bytes, name: cleanFileName(b.file.name, type), type };
    }
    if (errors.length) return sendProblem(reply, 422, 'Unprocessable content', 'Some answers need correcting: see errors.', { errors });
    const result = await req.change(
      (trx) => answerRequest(trx, cipher, request, actorOf(req), values, upload, files, today()),
      (r) => (r.ok
        ? { action: 'agency-request-answered', permission: RESPOND, partnershipId: request.partnershipId, recordType: 'agency-request', recordId: request.id, changes: { via: 'api', after: { answered: true, answeredOn: values.answeredOn, file: r.file } } }
        : null),
    );
    if (!result.ok) return problems(reply, result.problems);
    const again = await loadRequest(db, cipher, [request.partnershipId], [request.agencyId], request.id, today());
    return 'request' in again ? presentRequest(again.request, true) : sendProblem(reply, 404, 'Not found');
  });
}



export const RAPID_REVIEW_API_TAG = {
  name: 'Rapid reviews',
  description: 'A case’s rapid review: requests to agencies and their answers, meetings, the decision (the one decision on a local review), the three partners’ sign-offs, sending to the Panel and the Panel’s response. Every step takes the date it happened (not in the future, not before the dates it depends on); who recorded it and when stays in the audit trail.',
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
    '/api/v1/incidents/{id}/rapid-review/sign-off': {
      post: {
        ...change('signOffRapidReviewDecision', 'Sign off the decision',
          'Signs for the caller’s statutory partner (local authority, police or integrated care board lead), on the day given in `on` (today when left out).', SIGN, null,
          'There is no decision to sign, this partner has signed already, or the caller leads no statutory partner.').post,
        requestBody: { required: false, content: { 'application/json': { schema: ref('RapidReviewSignOff') } } },
      },
    },
    '/api/v1/incidents/{id}/rapid-review/requests': {
      post: {
        ...change('sendAgencyRequests', 'Send requests to agencies',
          'Asks each agency for its summary of involvement, key practice episodes and chronology, on the day `sentOn` (not in the future, not before the rapid review started), each with its due date (not before `sentOn`).',
          WRITE, 'AgencyRequestsSend', 'The rapid review is not open.').post,
        responses: { '201': ok, ...refusals, '409': problem('The rapid review is not open.'), '422': problem('Some answers need correcting (an agency already asked, a date out of order): `errors` lists each one.') },
      },
    },
    '/api/v1/incidents/{id}/rapid-review/requests/{requestId}': {
      get: {
        operationId: 'getAgencyRequestOfIncident',
        summary: 'Read an agency’s answer',
        description: 'The request and the agency’s answer (its file is downloaded from the page).',
        tags: [RAPID_REVIEW_API_TAG.name],
        'x-access': READ,
        parameters: [id, { name: 'requestId', in: 'path' as const, required: true, description: 'The request’s id.', schema: { type: 'string', format: 'uuid' } }],
        responses: { '200': { description: 'The request and its answer.', content: { 'application/json': { schema: ref('AgencyRequest') } } }, ...refusals },
      },
    },
    '/api/v1/agency-requests': {
      get: {
        operationId: 'listOwnAgencyRequests',
        summary: 'Requests to your agency',
        description: 'The requests addressed to the caller’s own agencies, with their status (waiting, overdue, answered, answered late).',
        tags: [RAPID_REVIEW_API_TAG.name],
        'x-access': RESPOND,
        responses: {
          '200': { description: 'The requests.', content: { 'application/json': { schema: { type: 'object', properties: { requests: { type: 'array', items: ref('AgencyRequest') } }, required: ['requests'] } } } },
          '401': refusals['401'], '403': refusals['403'],
        },
      },
    },
    '/api/v1/agency-requests/{id}': {
      get: {
        operationId: 'getOwnAgencyRequest',
        summary: 'Read a request to your agency',
        description: 'A request addressed to one of the caller’s own agencies, with the answer given so far. A request to another agency is not found.',
        tags: [RAPID_REVIEW_API_TAG.name],
        'x-access': RESPOND,
        parameters: [{ ...id, description: 'The request’s id.' }],
        responses: { '200': { description: 'The request.', content: { 'application/json': { schema: ref('AgencyRequest') } } }, ...refusals, '404': problem('No request to your agency with this id.') },
      },
    },
    '/api/v1/agency-requests/{id}/answer': {
      post: {
        operationId: 'answerAgencyRequest',
        summary: 'Answer a request to your agency',
        description: 'The agency’s summary, key practice episodes, chronology and, optionally, a file (PDF or .docx, smaller than 10 MB) sent as base64 in `file.contentBase64`, ' +
          'with the day the answer was sent (`answeredOn`: not in the future, not before the request). Only while the rapid review is open; only for the caller’s own agency.',
        tags: [RAPID_REVIEW_API_TAG.name],
        'x-access': RESPOND,
        parameters: [{ ...id, description: 'The request’s id.' }],
        requestBody: { required: true, content: { 'application/json': { schema: ref('AgencyAnswer') } } },
        responses: {
          '200': { description: 'The request with its answer.', content: { 'application/json': { schema: ref('AgencyRequest') } } },
          ...refusals,
          '404': problem('No request to your agency with this id.'),
          '409': problem('The rapid review has moved on: the request can no longer be answered.'),
          '413': problem('The body is too large (the file must be smaller than 10 MB).'),
          '422': problem('Some answers need correcting (a date out of order, a file that is not a PDF or .docx): `errors` lists each one.'),
        },
      },
    },
    '/api/v1/incidents/{id}/rapid-review/send': change('sendRapidReview', 'Record the rapid review as sent to the Panel',
      'Needs the decision signed off by all three partners; the case then takes the decision’s state. `on` cannot be before the decision.', WRITE, 'RapidReviewDate', 'Not all three partners have signed off, or the rapid review is not open: `detail` names each reason.'),
    '/api/v1/incidents/{id}/rapid-review/panel-response': change('recordPanelResponse', 'Record the Panel’s response',
      'Agree, disagree or a national review. When the Panel decides to hold a national review, the case moves to it (no local 6-month clock).', WRITE, 'RapidReviewResponse', 'The rapid review has not been sent to the Panel.'),
  };
}

export function rapidReviewApiSchemas(): Record<string, JsonSchema> {
  return {
    RapidReview: jsonSchema(rapidReviewSchema, 'output'),
    RapidReviewDecision: jsonSchema(rapidReviewDecisionSchema, 'input'),
    RapidReviewDate: jsonSchema(rapidReviewDateSchema, 'input'),
    RapidReviewResponse: jsonSchema(rapidReviewResponseSchema, 'input'),
    RapidReviewMeeting: jsonSchema(rapidReviewMeetingSchema, 'input'),
    RapidReviewSignOff: jsonSchema(rapidReviewSignOffSchema, 'input'),
    AgencyRequestsSend: jsonSchema(agencyRequestsSendSchema, 'input'),
    AgencyAnswer: jsonSchema(agencyAnswerSchema, 'input'),
    AgencyRequest: jsonSchema(agencyRequestSchema, 'output'),
  };
}
