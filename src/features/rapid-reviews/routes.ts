import { actorOf, today } from '../cases/request-context.ts';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LCSPR_CRITERIA, LCSPR_DECISION_NOTE } from '../../domain/notification/criteria.ts';
import { PARTNER_LEAD_LABELS, STATES, type May } from '../../domain/workflow/incident-workflow.ts';
import { agenciesWith, can, partnershipsWith, type Permission } from '../../platform/auth/policy.ts';
import { access } from '../../platform/http/access.ts';
import type { AuditFields } from '../../platform/http/authentication.ts';
import { sendDocument } from '../../platform/http/downloads.ts';
import { notFoundPage } from '../../platform/http/errors.ts';
import { readMultipart } from '../../platform/http/multipart-form.ts';
import { findClock, incidentPartnership } from '../cases/service.ts';
import { CLOCK_STATE_LABELS } from '../cases/clocks.ts';
import { answerRead, answerToRead } from '../tasks/service.ts';
import { requestAbout } from './request-about.ts';
import { cleanFileName, detectFileType, FILE_TYPE_LABELS, MAX_FILE_BYTES, uploadProblem } from './files.ts';
import { bodyOf, dateValues, list, Problems, readAnswer, readDate, readDecision, readPanelResponse, readRecord, text, type FormBody } from './schemas.ts';
import {
  addMeeting,
  agenciesOf,
  ALTERNATIVE_LABELS,
  answerProblems,
  answerRequest,
  defaultDueDate,
  DECISION_LABELS,
  DECISIONS,
  ALTERNATIVES,
  listRequestsFor,
  loadRapidReview,
  loadRequest,
  PANEL_RESPONSE_LABELS,
  PANEL_RESPONSES,
  partnerOf,
  RECORD_LABELS,
  recordPanelResponse,
  saveDecision,
  saveRecord,
  sendProblems,
  sendRequests,
  sendToPanel,
  signOff,
  type RapidReviewView,
  type RequestAnswer,
  type RequestDetail,
} from './service.ts';

const READ: Permission = 'case:read';
const WRITE: Permission = 'case:write';
const SIGN: Permission = 'case:sign-off';
const RESPOND: Permission = 'agency-request:respond';

const mayIn = (req: FastifyRequest, partnershipId: string): May => (permission) => can(req.principal, permission, { partnershipId });

const LABELS = {
  decisions: DECISION_LABELS,
  decisionKeys: DECISIONS,
  alternatives: ALTERNATIVE_LABELS,
  alternativeKeys: ALTERNATIVES,
  responses: PANEL_RESPONSE_LABELS,
  responseKeys: PANEL_RESPONSES,
  record: RECORD_LABELS,
  criteria: LCSPR_CRITERIA,
  criteriaNote: LCSPR_DECISION_NOTE,
  states: STATES,
  partners: PARTNER_LEAD_LABELS,
  fileTypes: FILE_TYPE_LABELS,
};

const NOTICES: Record<string, string> = {
  requests: 'The requests were sent to the agencies.',
  meeting: 'The meeting was recorded.',
  record: 'The rapid review record was saved.',
  decision: 'The decision was saved.',
  'decision-cleared': 'The decision was changed, so the sign-offs given before were cleared: each partner lead must sign off the new decision.',
  'signed-off': 'You signed off the decision.',
  sent: 'The rapid review was recorded as sent to the Panel. The case follows the decision the partners signed off.',
  response: 'The Panel’s response was recorded.',
  answered: 'Your answer was sent.',
};


export async function rapidReviewRoutes(app: FastifyInstance): Promise<void> {
  const { database, cipher, documents, files } = app.deps;
  const db = database.db;
  // Only this feature takes files; the parser is registered in this plugin's scope alone.
  await app.register(multipart, { throwFileSizeLimit: false, limits: { fileSize: MAX_FILE_BYTES, files: 1, fields: 20, fieldSize: 100_000, parts: 25 } });

  /** The rapid review of a case in the person's scope for a permission, or the not-found page (a refusal is audited). */
  async function reviewFor(req: FastifyRequest, reply: FastifyReply, permission: Permission): Promise<RapidReviewView | null> {
    const { id } = req.params as { id: string };
    const view = await loadRapidReview(db, cipher, partnershipsWith(req.principal!, permission), id, today());
    if (view) return view;
    const elsewhere = await incidentPartnership(db, id);
    if (elsewhere) await req.audit({ action: 'access-refused', permission, partnershipId: elsewhere, recordType: 'incident', recordId: id, outcome: 'refused' });
    notFoundPage(reply);
    return null;
  }

  const base = (view: RapidReviewView) => `/cases/${view.incident.id}/rapid-review`;

  function render(reply: FastifyReply, template: string, title: string, view: RapidReviewView, extra: Record<string, unknown> = {}) {
    return reply.render(`rapid-reviews/views/${template}.njk`, {
      pageTitle: `${title} – ${view.incident.reference}`,
      title,
      view,
      incident: view.incident,
      labels: LABELS,
      values: {},
      fieldErrors: {},
      dateParts: {},
      ...extra,
    });
  }

  /** An audit entry about the rapid review: a view on its own, a change in the change's transaction (`trx`). */
  function entry(view: RapidReviewView, action: string, permission: Permission, changes: Record<string, unknown>): AuditFields {
    return { action, permission, partnershipId: view.incident.partnershipId, recordType: 'rapid-review', recordId: view.incident.id, changes };
  }

  async function audit(req: FastifyRequest, view: RapidReviewView, action: string, permission: Permission, changes: Record<string, unknown>) {
    await req.audit(entry(view, action, permission, changes));
  }

  // ---- The overview ----------------------------------------------------------------------------

  app.get('/cases/:id/rapid-review', access(READ), async (req, reply) => {
    const view = await reviewFor(req, reply, READ);
    if (!view) return reply;
    await audit(req, view, 'view', READ, { page: 'rapid-review' });
    const q = req.query as Record<string, unknown>;
    const notice = Object.entries(NOTICES).find(([k]) => q.done === k)?.[1] ?? null;
    const p = view.incident.partnershipId;
    // The rapid review's own clock (15 working days from the notification), so the page shows when it is overdue.
    const clock = await findClock(db, cipher, partnershipsWith(req.principal!, READ), view.incident.id, 'rapid-review', today());
    return render(reply, 'overview', 'Rapid review', view, {
      notice,
      clock: clock?.clock ?? null,
      clockLabels: CLOCK_STATE_LABELS,
      mayWrite: can(req.principal, WRITE, { partnershipId: p }),
      maySignOff: can(req.principal, SIGN, { partnershipId: p }),
      myPartner: await partnerOf(db, req.principal!, p),
      sendBlockers: sendProblems(view, mayIn(req, p)),
    });
  });

  // ---- Requests to agencies --------------------------------------------------------------------

  async function renderRequests(reply: FastifyReply, view: RapidReviewView, values: FormBody, extra: Record<string, unknown> = {}) {
    const agencies = await agenciesOf(db, view.incident.partnershipId);
    const asked = new Set(view.requests.map((r) => r.agencyId));
    return render(reply, 'requests', 'Send requests to agencies', view, {
      agencies: agencies.filter((a) => !asked.has(a.id)),
      chosen: values.agencies === undefined && !('posted' in values) ? view.incident.agencyIds.filter((a) => !asked.has(a)) : list(values, 'agencies'),
      defaultDue: await defaultDueDate(db, today()),
      // The day the requests were sent: today unless changed (GOV.UK date input, filled in).
      values: 'posted' in values ? values : { ...dateValues('sent', today()), ...values },
      ...extra,
    });
  }

  app.get('/cases/:id/rapid-review/requests', access(WRITE), async (req, reply) => {
    const view = await reviewFor(req, reply, WRITE);
    if (!view) return reply;
    await audit(req, view, 'view', WRITE, { page: 'rapid-review-requests' });
    const blocked = view.incident.state !== 'rapid-review';
    return renderRequests(reply.code(blocked ? 422 : 200), view, {}, blocked ? { errors: [{ text: `Requests can be sent to agencies only while the incident is in rapid review: this incident is ${STATES[view.incident.state].now}.`, href: '#main-content' }], blocked } : {});
  });

  app.post('/cases/:id/rapid-review/requests', access(WRITE), async (req, reply) => {
    const view = await reviewFor(req, reply, WRITE);
    if (!view) return reply;
    const body = { ...bodyOf(req), posted: '1' };
    const problems = new Problems(['sent']);
    const chosen = list(body, 'agencies');
    const sentOn = readDate(body, problems, 'sent', 'the date the requests were sent');
    if (chosen.length === 0) problems.add('agencies', 'Select at least one agency to send a request to');
    // A blank due date: 7 working days after the day the requests were really sent.
    const fallback = await defaultDueDate(db, sentOn ?? today());
    const items = chosen.map((agencyId) => ({ agencyId, dueOn: readDate(body, problems, `due-${agencyId}`, 'the due date', false) ?? fallback }));
    if (!problems.any) {
      const result = await req.change(
        (trx) => sendRequests(trx, view, actorOf(req), sentOn, items, today()),
        (r) => (r.ok ? entry(view, 'agency-requests-sent', WRITE, { after: { sentOn, requests: items.map((i) => ({ agencyId: i.agencyId, dueOn: i.dueOn })) } }) : null),
      );
      if (result.ok) {
        return reply.redirect(`${base(view)}?done=requests`, 303);
      }
      problems.addAll(result.problems, (f) => (f === 'state' ? null : f));
    }
    return renderRequests(reply.code(422), view, body, problems.view());
  });

  /** The rapid review and one of its case's requests to agencies, or null once a not-found page is sent. */
  async function requestFor(req: FastifyRequest, reply: FastifyReply, permission: Permission): Promise<{ view: RapidReviewView; request: RequestDetail } | null> {
    const view = await reviewFor(req, reply, permission);
    if (!view) return null;
    const { requestId } = req.params as { requestId: string };
    const found = await loadRequest(db, cipher, [view.incident.partnershipId], null, requestId, today());
    if (!('request' in found) || found.request.incidentId !== view.incident.id) {
      notFoundPage(reply);
      return null;
    }
    return { view, request: found.request };
  }

  app.get('/cases/:id/rapid-review/requests/:requestId', access(READ), async (req, reply) => {
    const found = await requestFor(req, reply, READ);
    if (!found) return reply;
    const { view, request } = found;
    await audit(req, view, 'view', READ, { page: 'agency-request', requestId: request.id });
    // The business unit's task to read the answer ends with its button below, not with this page.
    const open = request.answered && (await answerToRead(db, request));
    const toRead = open && can(req.principal, WRITE, { partnershipId: view.incident.partnershipId });
    // The banner says the task is done only when it is: not for an address typed with ?done=read.
    const read = (req.query as Record<string, unknown>).done === 'read' && request.answered && !open;
    return render(reply, 'request', `Answer from ${request.agencyName}`, view, { request, toRead, read });
  });

  // The business unit has read an agency's answer: its task ends (nothing happens when it had already ended).
  app.post('/cases/:id/rapid-review/requests/:requestId/read', access(WRITE), async (req, reply) => {
    const found = await requestFor(req, reply, WRITE);
    if (!found) return reply;
    const { view, request } = found;
    if (!request.answered) return notFoundPage(reply);
    await req.change(
      (trx) => answerRead(trx, actorOf(req), request),
      (closed) => (closed > 0 ? entry(view, 'agency-answer-read', WRITE, { requestId: request.id }) : null),
    );
    return reply.redirect(`${base(view)}/requests/${request.id}?done=read`, 303);
  });

  app.get('/cases/:id/rapid-review/requests/:requestId/file', access(READ), async (req, reply) => {
    const found = await requestFor(req, reply, READ);
    if (!found) return reply;
    const { view, request } = found;
    const requestId = request.id;
    if (!request.file) return notFoundPage(reply);
    const { file } = request;
    const stored = await files.open(file.sha256);
    if (!stored) return notFoundPage(reply);
    await audit(req, view, 'file-downloaded', READ, { requestId, sha256: file.sha256 });
    return sendDocument(reply, { body: stored.stream(), name: file.name, type: file.type });
  });

  // ---- The record: meetings, and what was found ------------------------------------------------

  app.get('/cases/:id/rapid-review/meetings/new', access(WRITE), async (req, reply) => {
    const view = await reviewFor(req, reply, WRITE);
    if (!view) return reply;
    await audit(req, view, 'view', WRITE, { page: 'rapid-review-meeting-new' });
    return render(reply, 'meeting', 'Record a rapid review meeting', view, { values: dateValues('held', today()) });
  });

  app.post('/cases/:id/rapid-review/meetings/new', access(WRITE), async (req, reply) => {
    const view = await reviewFor(req, reply, WRITE);
    if (!view) return reply;
    const body = bodyOf(req);
    const problems = new Problems(['held']);
    const heldOn = readDate(body, problems, 'held', 'the date of the meeting');
    const result = await req.change(
      (trx) => addMeeting(trx, cipher, view, actorOf(req), { heldOn, attendeeRoles: text(body, 'attendees', 5000), notes: text(body, 'notes') }, today()),
      (r) => (r.ok ? entry(view, 'rapid-review-meeting-added', WRITE, { after: { heldOn }, notesRecorded: text(body, 'notes').trim() !== '' }) : null),
    );
    if (!result.ok) problems.addAll(result.problems, (f) => (f === 'state' ? null : f));
    if (problems.any) return render(reply.code(422), 'meeting', 'Record a rapid review meeting', view, { values: body, ...problems.view() });
    return reply.redirect(`${base(view)}?done=meeting`, 303);
  });

  app.get('/cases/:id/rapid-review/record', access(WRITE), async (req, reply) => {
    const view = await reviewFor(req, reply, WRITE);
    if (!view) return reply;
    await audit(req, view, 'view', WRITE, { page: 'rapid-review-record' });
    return render(reply, 'record', 'Record what the rapid review found', view, { values: view.record });
  });

  app.post('/cases/:id/rapid-review/record', access(WRITE), async (req, reply) => {
    const view = await reviewFor(req, reply, WRITE);
    if (!view) return reply;
    const body = bodyOf(req);
    const input = readRecord(body);
    // The texts may name people: the audit trail names the fields changed, never their content.
    const result = await req.change(
      (trx) => saveRecord(trx, cipher, view, actorOf(req), input),
      (r) => (r.ok && r.changed.length ? entry(view, 'rapid-review-record-changed', WRITE, { changed: r.changed }) : null),
    );
    if (!result.ok) {
      const problems = new Problems();
      problems.addAll(result.problems, (f) => (f === 'state' ? null : f));
      return render(reply.code(422), 'record', 'Record what the rapid review found', view, { values: input, ...problems.view() });
    }
    return reply.redirect(`${base(view)}?done=record`, 303);
  });

  // ---- The decision, and signing it off --------------------------------------------------------

  function decisionValues(view: RapidReviewView): FormBody {
    const d = view.decision;
    return { decision: d.decision ?? '', alternative: d.alternative ?? '', criteria: d.criteria, reasons: d.reasons, ...dateValues('decided', d.decidedOn ?? today()) };
  }

  app.get('/cases/:id/rapid-review/decision', access(WRITE), async (req, reply) => {
    const view = await reviewFor(req, reply, WRITE);
    if (!view) return reply;
    await audit(req, view, 'view', WRITE, { page: 'rapid-review-decision' });
    return render(reply, 'decision', 'Record the decision', view, { values: decisionValues(view) });
  });

  app.post('/cases/:id/rapid-review/decision', access(WRITE), async (req, reply) => {
    const view = await reviewFor(req, reply, WRITE);
    if (!view) return reply;
    const body = bodyOf(req);
    const problems = new Problems(['decided']);
    const input = readDecision(body, problems);
    const result = await req.change(
      (trx) => saveDecision(trx, cipher, view, actorOf(req), input, today()),
      (r) =>
        r.ok && r.changed
          ? entry(view, 'rapid-review-decision', WRITE, {
              before: { decision: view.decision.decision, alternative: view.decision.alternative, criteria: view.decision.criteria, decidedOn: view.decision.decidedOn },
              after: { decision: input.decision, alternative: input.decision === 'alternative-review' ? input.alternative : null, criteria: input.criteria, decidedOn: input.decidedOn },
              reasonsRecorded: true,
              signOffsCleared: r.clearedSignOffs,
            })
          : null,
    );
    if (!result.ok) problems.addAll(result.problems, (f) => (f === 'state' ? null : f === 'criteria' ? 'criteria' : f));
    if (problems.any) return render(reply.code(422), 'decision', 'Record the decision', view, { values: { ...body, criteria: list(body, 'criteria') }, ...problems.view() });
    return reply.redirect(`${base(view)}?done=${result.ok && result.clearedSignOffs > 0 ? 'decision-cleared' : 'decision'}`, 303);
  });

  app.get('/cases/:id/rapid-review/sign-off', access(SIGN), async (req, reply) => {
    const view = await reviewFor(req, reply, SIGN);
    if (!view) return reply;
    await audit(req, view, 'view', SIGN, { page: 'rapid-review-sign-off' });
    return render(reply, 'sign-off', 'Sign off the decision', view, { myPartner: await partnerOf(db, req.principal!, view.incident.partnershipId), values: dateValues('signed', today()) });
  });

  app.post('/cases/:id/rapid-review/sign-off', access(SIGN), async (req, reply) => {
    const view = await reviewFor(req, reply, SIGN);
    if (!view) return reply;
    const partner = await partnerOf(db, req.principal!, view.incident.partnershipId);
    const body = bodyOf(req);
    const problems = new Problems(['signed']);
    const signedOn = readDate(body, problems, 'signed', 'the date you signed off the decision');
    const result = await req.change(
      (trx) => signOff(trx, view, actorOf(req), partner, signedOn, today()),
      (r) => (r.ok ? entry(view, 'rapid-review-signed-off', SIGN, { after: { partner, decision: view.decision.decision, signedOn } }) : null),
    );
    if (!result.ok) problems.addAll(result.problems, (f) => (f === 'signed' ? 'signed' : null));
    if (problems.any) {
      return render(reply.code(422), 'sign-off', 'Sign off the decision', view, { myPartner: partner, values: body, ...problems.view() });
    }
    return reply.redirect(`${base(view)}?done=signed-off`, 303);
  });

  // ---- Sending to the Panel, and the Panel's response -------------------------------------------

  app.get('/cases/:id/rapid-review/send', access(WRITE), async (req, reply) => {
    const view = await reviewFor(req, reply, WRITE);
    if (!view) return reply;
    const blockers = sendProblems(view, mayIn(req, view.incident.partnershipId));
    const problems = new Problems(['sent']);
    problems.addAll(blockers, () => null);
    return render(reply.code(blockers.length ? 422 : 200), 'send', 'Record the rapid review as sent to the Panel', view, { blocked: blockers.length > 0, values: dateValues('sent', today()), ...problems.view() });
  });

  app.post('/cases/:id/rapid-review/send', access(WRITE), async (req, reply) => {
    const view = await reviewFor(req, reply, WRITE);
    if (!view) return reply;
    const body = bodyOf(req);
    const problems = new Problems(['sent']);
    const sentOn = readDate(body, problems, 'sent', 'the date the rapid review was sent to the Panel');
    const result = await req.change(
      (trx) => sendToPanel(trx, view, actorOf(req), sentOn, mayIn(req, view.incident.partnershipId), today()),
      (r) => (r.ok ? entry(view, 'incident-transition', WRITE, { step: 'send-rapid-review', before: { state: r.from }, after: { state: r.to, rapidReviewSent: sentOn } }) : null),
    );
    if (!result.ok) {
      const blocked = result.problems.some((p) => p.field !== 'sent');
      problems.addAll(result.problems, (f) => (f === 'sent' ? 'sent' : null));
      return render(reply.code(422), 'send', 'Record the rapid review as sent to the Panel', view, { values: body, blocked, ...problems.view() });
    }
    return reply.redirect(`${base(view)}?done=sent`, 303);
  });

  app.get('/cases/:id/rapid-review/panel-response', access(WRITE), async (req, reply) => {
    const view = await reviewFor(req, reply, WRITE);
    if (!view) return reply;
    await audit(req, view, 'view', WRITE, { page: 'rapid-review-panel-response' });
    const values = { response: view.panelResponse ?? '', ...dateValues('responded', view.panelResponseOn ?? today()) };
    if (!view.sentOn) {
      return render(reply.code(422), 'panel-response', 'Record the Panel’s response', view, { values, blocked: true, errors: [{ text: 'The Panel’s response can only be recorded once the rapid review has been sent to the Panel', href: '#main-content' }] });
    }
    return render(reply, 'panel-response', 'Record the Panel’s response', view, { values });
  });

  app.post('/cases/:id/rapid-review/panel-response', access(WRITE), async (req, reply) => {
    const view = await reviewFor(req, reply, WRITE);
    if (!view) return reply;
    const body = bodyOf(req);
    const problems = new Problems(['responded']);
    const input = readPanelResponse(body, problems);
    const result = await req.change(
      (trx) => recordPanelResponse(trx, view, actorOf(req), input, today()),
      (r) => (r.ok ? entry(view, 'rapid-review-panel-response', WRITE, { before: { response: view.panelResponse, on: view.panelResponseOn }, after: { response: input.response, on: input.on } }) : null),
    );
    if (!result.ok) problems.addAll(result.problems, (f) => (f === 'state' ? null : f));
    if (problems.any) return render(reply.code(422), 'panel-response', 'Record the Panel’s response', view, { values: body, blocked: !view.sentOn, ...problems.view() });
    return reply.redirect(`${base(view)}?done=response`, 303);
  });

  // ---- Agencies: their own requests ------------------------------------------------------------

  app.get('/agency-requests', access(RESPOND), async (req, reply) => {
    const requests = await listRequestsFor(db, partnershipsWith(req.principal!, RESPOND), agenciesWith(req.principal!, RESPOND), today());
    const q = req.query as Record<string, unknown>;
    return reply.render('rapid-reviews/views/agency-requests.njk', { pageTitle: 'Requests to your agency', requests, notice: q.done === 'answered' ? NOTICES.answered : null });
  });

  /** A request addressed to one of the person's own agencies; any other is not found (and the refusal audited). */
  async function ownRequest(req: FastifyRequest, reply: FastifyReply) {
    const { id } = req.params as { id: string };
    const found = await loadRequest(db, cipher, partnershipsWith(req.principal!, RESPOND), agenciesWith(req.principal!, RESPOND), id, today());
    if ('request' in found && can(req.principal, RESPOND, { partnershipId: found.request.partnershipId, agencyId: found.request.agencyId })) return found.request;
    const from = 'refusedFrom' in found ? found.refusedFrom : null;
    if (from) await req.audit({ action: 'access-refused', permission: RESPOND, partnershipId: from.partnershipId, recordType: 'agency-request', recordId: id, outcome: 'refused' });
    notFoundPage(reply);
    return null;
  }

  async function renderAnswer(reply: FastifyReply, request: NonNullable<Awaited<ReturnType<typeof ownRequest>>>, values: FormBody, extra: Record<string, unknown> = {}) {
    const blocked = request.incidentState !== 'rapid-review';
    return reply.render('rapid-reviews/views/agency-request.njk', {
      pageTitle: `Request for ${request.incidentReference}`,
      request,
      about: await requestAbout(db, request),
      values,
      blocked,
      maxMb: MAX_FILE_BYTES / 1024 / 1024,
      fieldErrors: {},
      dateParts: {},
      labels: LABELS,
      ...extra,
    });
  }

  /** The answer as saved, its date as the boxes show it: the day it was received, or today for a new answer. */
  const answerValues = (request: RequestAnswer): FormBody => ({ ...request, ...dateValues('answered', request.answeredOn ?? today()) });

  app.get('/agency-requests/:id', access(RESPOND), async (req, reply) => {
    const request = await ownRequest(req, reply);
    if (!request) return reply;
    await req.audit({ action: 'view', permission: RESPOND, partnershipId: request.partnershipId, recordType: 'agency-request', recordId: request.id });
    return renderAnswer(reply, request, answerValues(request));
  });

  app.post('/agency-requests/:id', access(RESPOND, { uploads: true }), async (req, reply) => {
    const request = await ownRequest(req, reply);
    if (!request) return reply;
    const problems = new Problems(['answered']);
    if (!req.isMultipart()) {
      problems.add('file', 'Send the form from the page: it must be sent as a file upload form');
      return renderAnswer(reply.code(415), request, answerValues(request), problems.view());
    }
    const { fields, file } = await readMultipart(req, reply);
    const values = readAnswer(fields, problems);
    if (request.incidentState !== 'rapid-review') problems.addAll([{ field: 'state', message: `This request can no longer be answered: the incident is ${STATES[request.incidentState].now}.` }], () => null);
    problems.addAll(answerProblems(values, request, today()));
    const problem = file ? await uploadProblem(documents, file) : null;
    if (problem) problems.add('file', problem);
    const type = file && !problem ? detectFileType(file.bytes) : null;
    if (problems.any) {
      // Nothing is stored when anything is wrong, the file least of all.
      if (problem) await req.audit({ action: 'file-refused', permission: RESPOND, partnershipId: request.partnershipId, recordType: 'agency-request', recordId: request.id, outcome: 'failed', changes: { reason: problem } });
      return renderAnswer(reply.code(422), request, fields, problems.view());
    }
    const upload = file && type ? { bytes: file.bytes, name: cleanFileName(file.name, type), type } : null;
    const result = await req.change(
      (trx) => answerRequest(trx, cipher, request, actorOf(req), values, upload, files, today()),
      (r) =>
        r.ok
          ? {
              action: 'agency-request-answered',
              permission: RESPOND,
              partnershipId: request.partnershipId,
              recordType: 'agency-request',
              recordId: request.id,
              changes: { after: { answered: true, answeredOn: values.answeredOn, file: r.file } },
            }
          : null,
    );
    if (!result.ok) {
      problems.addAll(result.problems, (f) => (f === 'state' ? null : f));
      return renderAnswer(reply.code(422), request, fields, problems.view());
    }
    return reply.redirect('/agency-requests?done=answered', 303);
  });
}
