import type { Kysely } from 'kysely';
import { compareDates, todayInLondon, type DateOnly } from '../../domain/calendar/date-only.ts';
import { LCSPR_CRITERIA } from '../../domain/notification/criteria.ts';
import {
  caseDecisionOf,
  DECISION_CHANGEABLE_IN,
  RAPID_REVIEW_DECISIONS,
  SIGN_OFF_IN,
  stateAfterDecisionChange,
  stateAfterSending,
  type RapidReviewDecision,
  type SignedDecision,
} from '../../domain/workflow/decision.ts';
import {
  answeredLate,
  requestAnsweredProblem,
  requestDueProblem,
  requestSentProblem,
  sentToPanelProblem,
  signOffProblem,
  stepDateProblem,
} from '../../domain/workflow/step-dates.ts';
import {
  checkRecordedDate,
  checkTransition,
  findTransition,
  PARTNER_LEAD_LABELS,
  SIGN_OFF_REQUIREMENTS,
  STATES,
  STATUTORY_PARTNERS,
  WORKFLOW_DATE_LABELS,
  type IncidentState,
  type May,
  type StatutoryPartner,
} from '../../domain/workflow/incident-workflow.ts';
import type { Principal } from '../../platform/auth/policy.ts';
import { openField, sealField, type FieldCipher } from '../../platform/crypto/field-encryption.ts';
import { withTenant, type TenantScope } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import type { FileStore } from '../../platform/storage/file-store.ts';
import { formatDateTime } from '../audit/format.ts';
import { selectIncident, updateIncident } from '../cases/queries.ts';
import { addCaseEvent as event, isUuid, loadIncident, recordWorkflowStep, storeClocks, type IncidentDetail } from '../cases/service.ts';
import { workflowFacts } from '../workflow-facts/facts.ts';
import { listAgencies, type AgencyView } from '../partnerships/service.ts';
import { currentCalendar } from '../rules/service.ts';
import { requestAnswered, requestsSent, signedOff, signOffAwaited } from '../tasks/service.ts';
import type { FileType } from './files.ts';
import {
  deleteSignOffs,
  insertMeeting,
  insertRequests,
  insertSignOff,
  requestOwnerOf,
  selectMeetings,
  selectRapidReview,
  selectRequest,
  selectRequestsOfAgencies,
  selectRequestsOfIncident,
  selectSignOffs,
  updateRequest,
  upsertRapidReview,
  type RequestListRow,
} from './queries.ts';

/**
 * The rapid review of an incident, free of HTTP: requests to agencies and their answers, the
 * record, the decision, the three partners' sign-offs, sending to the Panel (the workflow's
 * send-rapid-review transition) and the Panel's response. Free text is encrypted here; every
 * change adds an event to the case timeline. Callers record audit entries.
 */

export type Actor = { userId: string; name: string };
export type Problem = { field: string; message: string };

export const DEFAULT_DUE_WORKING_DAYS = 7;

export const DECISIONS = RAPID_REVIEW_DECISIONS;
export type Decision = RapidReviewDecision;
export const DECISION_LABELS: Readonly<Record<Decision, string>> = Object.freeze({
  'local-review': 'Hold a local child safeguarding practice review',
  'no-local-review': 'No local review',
  'national-review': 'Recommend a national review to the Panel',
  'alternative-review': 'Hold an alternative local review',
});
export const ALTERNATIVES = ['deep-dive', 'practice-learning-review'] as const;
export type Alternative = (typeof ALTERNATIVES)[number];
export const ALTERNATIVE_LABELS: Readonly<Record<Alternative, string>> = Object.freeze({
  'deep-dive': 'Local deep-dive review',
  'practice-learning-review': 'Multi-agency practice learning review',
});
export const PANEL_RESPONSES = ['agree', 'disagree', 'national-review'] as const;
export type PanelResponse = (typeof PANEL_RESPONSES)[number];
export const PANEL_RESPONSE_LABELS: Readonly<Record<PanelResponse, string>> = Object.freeze({
  agree: 'The Panel agrees with the decision',
  disagree: 'The Panel disagrees with the decision',
  'national-review': 'The Panel will hold a national review',
});
/** States from which the Panel's decision to hold a national review moves the case to it (sent, and no local review completed). */
const NATIONAL_REVIEW_FROM: readonly IncidentState[] = ['decision', 'local-review', 'alternative-review', 'no-review'];
export const CRITERIA_KEYS: readonly string[] = LCSPR_CRITERIA.map((c) => c.key);

/** Labels for the case timeline (the case page may show these for the events this feature adds). */
export { RAPID_REVIEW_EVENT_LABELS } from '../../domain/workflow/rapid-review-events.ts';

// ---- Reading ---------------------------------------------------------------------------------

export type RequestView = {
  id: string;
  incidentId: string;
  incidentReference: string;
  incidentState: IncidentState;
  partnershipId: string;
  agencyId: string;
  agencyName: string;
  requestedOn: DateOnly;
  dueOn: DateOnly;
  answered: boolean;
  /** The day the answer was sent (as entered); answeredAt: when it was recorded. */
  answeredOn: DateOnly | null;
  answeredAt: string | null;
  overdue: boolean;
  /** Answered after its due date. */
  late: boolean;
  status: { text: string; colour: string };
  file: { name: string; type: FileType; size: number; sha256: string } | null;
};

export type RequestAnswer = { involvement: string; episodes: string; answer: string; answeredOn: DateOnly | null };

export type RecordText = { safetyActions: string; learning: string; racism: string; inequalities: string; disability: string };
export const RECORD_FIELDS = ['safetyActions', 'learning', 'racism', 'inequalities', 'disability'] as const;
export const RECORD_LABELS: Readonly<Record<keyof RecordText, string>> = Object.freeze({
  safetyActions: 'Immediate actions to keep children safe',
  learning: 'Learning identified',
  racism: 'How racism may have affected the family’s experiences and practice',
  inequalities: 'How other inequalities may have affected them',
  disability: 'How disability may have affected them',
});

export type DecisionInput = { decision: Decision | null; alternative: Alternative | null; criteria: string[]; reasons: string; decidedOn: DateOnly | null };

/** signedOn: the day the partner signed (as entered); signedAt: when it was recorded. */
export type SignOffView = { partner: StatutoryPartner; label: string; signed: boolean; signerName: string | null; signedOn: DateOnly | null; signedAt: string | null };

export type RapidReviewView = {
  incident: IncidentDetail;
  startedOn: DateOnly | null;
  requests: RequestView[];
  meetings: { id: string; heldOn: DateOnly; attendeeRoles: string; notes: string }[];
  record: RecordText;
  decision: DecisionInput;
  signOffs: SignOffView[];
  allSignedOff: boolean;
  sentOn: DateOnly | null;
  panelResponse: PanelResponse | null;
  panelResponseOn: DateOnly | null;
};

function requestView(r: RequestListRow, today: DateOnly): RequestView {
  const answered = r.responded_at !== null;
  const overdue = !answered && compareDates(r.due_on, today) < 0;
  const late = answered && answeredLate(r.answered_on, r.due_on);
  return {
    id: r.id,
    incidentId: r.incident_id,
    incidentReference: r.incident_reference,
    incidentState: r.incident_state as IncidentState,
    partnershipId: r.partnership_id,
    agencyId: r.agency_id,
    agencyName: r.agency_name,
    requestedOn: r.requested_on,
    dueOn: r.due_on,
    answered,
    answeredOn: r.answered_on,
    answeredAt: r.responded_at ? formatDateTime(new Date(r.responded_at)) : null,
    overdue,
    late,
    status: late ? { text: 'Answered late', colour: 'orange' } : answered ? { text: 'Answered', colour: 'green' } : overdue ? { text: 'Overdue', colour: 'red' } : { text: 'Waiting', colour: 'yellow' },
    file: r.file_sha256 && r.file_type && r.file_name && r.file_size ? { name: r.file_name, type: r.file_type, size: r.file_size, sha256: r.file_sha256 } : null,
  };
}

/** The date the rapid review started, as recorded (for cases recorded before it was asked: the day of the start-rapid-review event, London). */
function startedOnOf(incident: IncidentDetail): DateOnly | null {
  if (incident.dates.rapidReviewStarted) return incident.dates.rapidReviewStarted;
  const started = incident.events.filter((e) => e.kind === 'start-rapid-review').sort((a, b) => b.seq - a.seq)[0];
  return started ? todayInLondon(started.at) : null;
}

function signOffViews(rows: { partner: StatutoryPartner; signer_name: string; signed_on: DateOnly | null; signed_at: Date }[]): SignOffView[] {
  return STATUTORY_PARTNERS.map((partner) => {
    const row = rows.find((r) => r.partner === partner);
    return { partner, label: PARTNER_LEAD_LABELS[partner], signed: !!row, signerName: row?.signer_name ?? null, signedOn: row?.signed_on ?? null, signedAt: row ? formatDateTime(new Date(row.signed_at)) : null };
  });
}

/** The rapid review of an incident in scope, with its free text decrypted; undefined when not in scope. */
export async function loadRapidReview(db: Kysely<DB>, cipher: FieldCipher, scope: TenantScope, incidentId: string, today: DateOnly): Promise<RapidReviewView | undefined> {
  const incident = await loadIncident(db, cipher, scope, incidentId);
  if (!incident) return undefined;
  const only: TenantScope = [incident.partnershipId];
  const { review, meetings, signOffs, requests } = await withTenant(db, only, async (trx) => ({
    review: await selectRapidReview(trx, only, incidentId),
    meetings: await selectMeetings(trx, only, incidentId),
    signOffs: await selectSignOffs(trx, only, incidentId),
    requests: await selectRequestsOfIncident(trx, only, incidentId),
  }));
  const views = signOffViews(signOffs);
  return {
    incident,
    startedOn: startedOnOf(incident),
    requests: requests.map((r) => requestView(r, today)),
    meetings: meetings.map((m) => ({ id: m.id, heldOn: m.held_on, attendeeRoles: m.attendee_roles, notes: openField(cipher, m.notes_enc) })),
    record: {
      safetyActions: openField(cipher, review?.safety_actions_enc ?? null),
      learning: openField(cipher, review?.learning_enc ?? null),
      racism: openField(cipher, review?.equality_racism_enc ?? null),
      inequalities: openField(cipher, review?.equality_inequalities_enc ?? null),
      disability: openField(cipher, review?.equality_disability_enc ?? null),
    },
    decision: {
      decision: review?.decision ?? null,
      alternative: review?.alternative_kind ?? null,
      criteria: Array.isArray(review?.criteria) ? review.criteria : [],
      reasons: openField(cipher, review?.decision_reasons_enc ?? null),
      decidedOn: review?.decided_on ?? null,
    },
    signOffs: views,
    allSignedOff: views.every((s) => s.signed),
    sentOn: review?.sent_on ?? null,
    panelResponse: review?.panel_response ?? null,
    panelResponseOn: review?.panel_response_on ?? null,
  };
}

function inStates(incident: IncidentDetail, states: readonly IncidentState[], what: string): Problem | null {
  return states.includes(incident.state) ? null : { field: 'state', message: `${what}: this incident is ${STATES[incident.state].now}.` };
}

function inRapidReview(incident: IncidentDetail, what: string): Problem | null {
  return incident.state === 'rapid-review' ? null : { field: 'state', message: `${what} only while the incident is in rapid review: this incident is ${STATES[incident.state].now}.` };
}

/** The domain's rule for the date a step happened (step-dates.ts), as a problem on a field. */
function dateProblem(field: string, label: string, value: DateOnly | null, today: DateOnly, notBefore: { date: DateOnly | null; label: string }[]): Problem | null {
  const message = stepDateProblem(label, value, today, notBefore);
  return message ? { field, message } : null;
}

const asProblem = (field: string, message: string | null): Problem | null => (message ? { field, message } : null);

/** The case's dates the rapid review's steps depend on (the start as recorded, or as first recorded for older cases). */
function caseDates(view: RapidReviewView) {
  return { aware: view.incident.aware, notified: view.incident.dates.notified ?? null, rapidReviewStarted: view.startedOn };
}


// ---- Requests to agencies --------------------------------------------------------------------

/** The due date a request gets when none is given: 7 working days after the day it was sent. */
export async function defaultDueDate(db: Kysely<DB>, sentOn: DateOnly): Promise<DateOnly> {
  return (await currentCalendar(db)).addWorkingDays(sentOn, DEFAULT_DUE_WORKING_DAYS);
}

export async function agenciesOf(db: Kysely<DB>, partnershipId: string): Promise<AgencyView[]> {
  return listAgencies(db, partnershipId);
}

/**
 * Sends a request to each chosen agency, each with its own due date, on the day they were sent
 * (it may be earlier than today: a rapid review is often recorded after the fact).
 */
export async function sendRequests(
  db: Kysely<DB>,
  view: RapidReviewView,
  actor: Actor,
  sentOn: DateOnly | null,
  items: { agencyId: string; dueOn: DateOnly }[],
  today: DateOnly,
): Promise<{ ok: true; agencies: string[] } | { ok: false; problems: Problem[] }> {
  const { incident } = view;
  const blocked = inRapidReview(incident, 'Requests can be sent to agencies');
  if (blocked) return { ok: false, problems: [blocked] };
  const agencies = await listAgencies(db, incident.partnershipId);
  const problems: Problem[] = [];
  const sentProblem = asProblem('sent', requestSentProblem(sentOn, today, caseDates(view)));
  if (sentProblem) problems.push(sentProblem);
  if (items.length === 0) problems.push({ field: 'agencies', message: 'Select at least one agency to send a request to' });
  for (const item of items) {
    const agency = agencies.find((a) => a.id === item.agencyId);
    if (!agency) problems.push({ field: 'agencies', message: 'Select agencies of this partnership' });
    else if (view.requests.some((r) => r.agencyId === item.agencyId)) problems.push({ field: `due-${item.agencyId}`, message: `${agency.name} has already been sent a request` });
    else if (sentOn && !sentProblem) {
      const due = asProblem(`due-${item.agencyId}`, requestDueProblem(item.dueOn, sentOn, agency.name));
      if (due) problems.push(due);
    }
  }
  if (problems.length || !sentOn) return { ok: false, problems };
  const names = items.map((i) => agencies.find((a) => a.id === i.agencyId)?.name ?? '');
  await withTenant(db, [incident.partnershipId], async (trx) => {
    const sent = await insertRequests(trx, items.map((i) => ({
      incident_id: incident.id,
      partnership_id: incident.partnershipId,
      agency_id: i.agencyId,
      requested_on: sentOn,
      due_on: i.dueOn,
      requested_by: actor.userId,
    })));
    await event(trx, incident, actor, 'agency-requests-sent', { agencies: names, dueDates: items.map((i) => i.dueOn), date: sentOn, dateLabel: 'the date the requests were sent' });
    await requestsSent(trx, actor, incident, sent);
  });
  return { ok: true, agencies: names };
}

/** Requests addressed to the given agencies (an agency contributor's own). */
export async function listRequestsFor(db: Kysely<DB>, scope: TenantScope, agencyIds: string[], today: DateOnly): Promise<RequestView[]> {
  if (agencyIds.length === 0 || (Array.isArray(scope) && scope.length === 0)) return [];
  const rows = await withTenant(db, scope, (trx) => selectRequestsOfAgencies(trx, scope, agencyIds));
  return rows.map((r) => requestView(r, today));
}

export type RequestDetail = RequestView & RequestAnswer;

/**
 * One request in scope addressed to one of `agencyIds` (null: any agency, for the business unit).
 * `refusedFrom` is set when the request exists but belongs to another agency or partnership.
 */
export async function loadRequest(
  db: Kysely<DB>,
  cipher: FieldCipher,
  scope: TenantScope,
  agencyIds: string[] | null,
  id: string,
  today: DateOnly,
): Promise<{ request: RequestDetail } | { refusedFrom: { partnershipId: string } | null }> {
  if (!isUuid(id)) return { refusedFrom: null };
  const row = Array.isArray(scope) && scope.length === 0 ? undefined : await withTenant(db, scope, (trx) => selectRequest(trx, scope, id));
  if (row && (agencyIds === null || agencyIds.includes(row.agency_id))) {
    return {
      request: {
        ...requestView(row, today),
        involvement: openField(cipher, row.involvement_enc),
        episodes: openField(cipher, row.episodes_enc),
        answer: openField(cipher, row.answer_enc),
        answeredOn: row.answered_on,
      },
    };
  }
  const owner = await withTenant(db, 'all', (trx) => requestOwnerOf(trx, id));
  return { refusedFrom: owner ? { partnershipId: owner.partnership_id } : null };
}

/** What is wrong with an answer: its texts, and the day it was received (not in the future, not before the request was sent). */
export function answerProblems(answer: RequestAnswer, request: { requestedOn: DateOnly }, today: DateOnly): Problem[] {
  const problems: Problem[] = [];
  const when = asProblem('answered', requestAnsweredProblem(answer.answeredOn, today, request.requestedOn));
  if (when) problems.push(when);
  if (!answer.involvement.trim()) problems.push({ field: 'involvement', message: 'Enter a summary of your agency’s involvement' });
  else if (answer.involvement.length > 20_000) problems.push({ field: 'involvement', message: 'The summary of involvement must be 20,000 characters or fewer' });
  if (answer.episodes.length > 20_000) problems.push({ field: 'episodes', message: 'The key practice episodes must be 20,000 characters or fewer' });
  if (answer.answer.length > 50_000) problems.push({ field: 'answer', message: 'The chronology must be 50,000 characters or fewer' });
  return problems;
}

/** Saves an agency's answer (and the file it sent, already stored). */
export async function answerRequest(
  db: Kysely<DB>,
  cipher: FieldCipher,
  request: RequestDetail,
  actor: Actor,
  answer: RequestAnswer,
  file: { bytes: Buffer; name: string; type: FileType } | null,
  files: FileStore,
  today: DateOnly,
): Promise<{ ok: true; file: { sha256: string; type: FileType; size: number } | null } | { ok: false; problems: Problem[] }> {
  if (request.incidentState !== 'rapid-review') {
    return { ok: false, problems: [{ field: 'state', message: `This request can no longer be answered: the incident is ${STATES[request.incidentState].now}.` }] };
  }
  const problems = answerProblems(answer, request, today);
  if (problems.length) return { ok: false, problems };
  const stored = await withTenant(db, [request.partnershipId], async (trx) => {
    // The file is kept (encrypted) in the same transaction as the answer that names it.
    const sha256 = file ? await files.put(trx, file.bytes, 'private') : null;
    await updateRequest(trx, request.partnershipId, request.id, {
      involvement_enc: sealField(cipher, answer.involvement),
      episodes_enc: sealField(cipher, answer.episodes),
      answer_enc: sealField(cipher, answer.answer),
      ...(file && sha256 ? { file_sha256: sha256, file_name: file.name, file_type: file.type, file_size: file.bytes.length } : {}),
      responded_by: actor.userId,
      responded_at: new Date(),
      answered_on: answer.answeredOn,
    });
    await event(trx, { id: request.incidentId, partnershipId: request.partnershipId }, actor, 'agency-request-answered', {
      agency: request.agencyName, fileSent: !!file, date: answer.answeredOn, dateLabel: 'the date the answer was sent',
    });
    await requestAnswered(trx, actor, request);
    return file && sha256 ? { sha256, type: file.type, size: file.bytes.length } : null;
  });
  return { ok: true, file: stored };
}

// ---- The record ------------------------------------------------------------------------------

export async function addMeeting(
  db: Kysely<DB>,
  cipher: FieldCipher,
  view: RapidReviewView,
  actor: Actor,
  input: { heldOn: DateOnly | null; attendeeRoles: string; notes: string },
  today: DateOnly,
): Promise<{ ok: true } | { ok: false; problems: Problem[] }> {
  const blocked = inRapidReview(view.incident, 'Meetings can be recorded');
  if (blocked) return { ok: false, problems: [blocked] };
  const problems: Problem[] = [];
  const d = dateProblem('held', 'the date of the meeting', input.heldOn, today, [{ date: view.startedOn, label: 'the date the rapid review started' }]);
  if (d) problems.push(d);
  if (!input.attendeeRoles.trim()) problems.push({ field: 'attendees', message: 'Enter the roles of the people who attended' });
  else if (input.attendeeRoles.trim().length > 2000) problems.push({ field: 'attendees', message: 'The attendees’ roles must be 2,000 characters or fewer' });
  if (input.notes.length > 20_000) problems.push({ field: 'notes', message: 'The notes must be 20,000 characters or fewer' });
  if (problems.length) return { ok: false, problems };
  const { incident } = view;
  await withTenant(db, [incident.partnershipId], async (trx) => {
    await insertMeeting(trx, {
      incident_id: incident.id,
      partnership_id: incident.partnershipId,
      held_on: input.heldOn as DateOnly,
      attendee_roles: input.attendeeRoles.trim(),
      notes_enc: sealField(cipher, input.notes),
      created_by: actor.userId,
    });
    await event(trx, incident, actor, 'rapid-review-meeting', { date: input.heldOn, dateLabel: 'the date of the meeting' });
  });
  return { ok: true };
}

export async function saveRecord(
  db: Kysely<DB>,
  cipher: FieldCipher,
  view: RapidReviewView,
  actor: Actor,
  input: RecordText,
): Promise<{ ok: true; changed: string[] } | { ok: false; problems: Problem[] }> {
  const blocked = inRapidReview(view.incident, 'The rapid review record can be changed');
  if (blocked) return { ok: false, problems: [blocked] };
  const problems = RECORD_FIELDS.filter((f) => input[f].length > 20_000).map((f) => ({ field: f, message: `${RECORD_LABELS[f]} must be 20,000 characters or fewer` }));
  if (problems.length) return { ok: false, problems };
  const changed = RECORD_FIELDS.filter((f) => input[f].trim() !== view.record[f].trim());
  if (changed.length === 0) return { ok: true, changed: [] };
  const { incident } = view;
  await withTenant(db, [incident.partnershipId], async (trx) => {
    await upsertRapidReview(trx, incident.partnershipId, incident.id, {
      safety_actions_enc: sealField(cipher, input.safetyActions),
      learning_enc: sealField(cipher, input.learning),
      equality_racism_enc: sealField(cipher, input.racism),
      equality_inequalities_enc: sealField(cipher, input.inequalities),
      equality_disability_enc: sealField(cipher, input.disability),
      updated_by: actor.userId,
    });
    await event(trx, incident, actor, 'rapid-review-record', { fields: changed.map((f) => RECORD_LABELS[f]) });
  });
  return { ok: true, changed: changed.map((f) => RECORD_LABELS[f]) };
}

// ---- The decision and sign-off ---------------------------------------------------------------

function sameDecision(a: DecisionInput, b: DecisionInput): boolean {
  return a.decision === b.decision
    && a.alternative === b.alternative
    && [...a.criteria].sort().join(',') === [...b.criteria].sort().join(',')
    && a.reasons.trim() === b.reasons.trim()
    && a.decidedOn === b.decidedOn;
}

/** Records (or changes) the decision; a change clears any sign-offs already given. */
export async function saveDecision(
  db: Kysely<DB>,
  cipher: FieldCipher,
  view: RapidReviewView,
  actor: Actor,
  input: DecisionInput,
  today: DateOnly,
): Promise<{ ok: true; changed: boolean; clearedSignOffs: number } | { ok: false; problems: Problem[] }> {
  const blocked = inStates(view.incident, DECISION_CHANGEABLE_IN, 'The decision can be recorded or changed only from the rapid review until a review is completed');
  if (blocked) return { ok: false, problems: [blocked] };
  const problems: Problem[] = [];
  if (!input.decision) problems.push({ field: 'decision', message: 'Select the decision' });
  if (input.decision === 'alternative-review' && !input.alternative) problems.push({ field: 'alternative', message: 'Select the kind of alternative local review' });
  if (input.criteria.some((c) => !CRITERIA_KEYS.includes(c))) problems.push({ field: 'criteria', message: 'Select criteria from the list' });
  if (!input.reasons.trim()) problems.push({ field: 'reasons', message: 'Enter the reasons for the decision' });
  else if (input.reasons.length > 20_000) problems.push({ field: 'reasons', message: 'The reasons must be 20,000 characters or fewer' });
  // The partners decide in the rapid review, which follows the notification; the decision may be recorded weeks later, with its true date.
  const d = dateProblem('decided', 'the date of the decision', input.decidedOn, today, [
    { date: view.incident.aware, label: 'the date the local authority became aware' },
    { date: view.incident.dates.notified ?? null, label: 'the date the Panel was notified' },
    { date: view.incident.dates.rapidReviewStarted ?? null, label: 'the date the rapid review started' },
  ]);
  if (d) problems.push(d);
  if (problems.length) return { ok: false, problems };
  const values: DecisionInput = { ...input, alternative: input.decision === 'alternative-review' ? input.alternative : null };
  if (sameDecision(values, view.decision)) return { ok: true, changed: false, clearedSignOffs: 0 };
  const { incident } = view;
  const cleared = await withTenant(db, [incident.partnershipId], async (trx) => {
    await upsertRapidReview(trx, incident.partnershipId, incident.id, {
      decision: values.decision,
      alternative_kind: values.alternative,
      criteria: JSON.stringify(values.criteria),
      decision_reasons_enc: sealField(cipher, values.reasons),
      decided_on: values.decidedOn,
      updated_by: actor.userId,
    });
    await event(trx, incident, actor, 'rapid-review-decision', {
      decision: DECISION_LABELS[values.decision as Decision],
      ...(values.alternative ? { alternative: ALTERNATIVE_LABELS[values.alternative] } : {}),
      criteria: LCSPR_CRITERIA.filter((c) => values.criteria.includes(c.key)).map((c) => `(${c.letter})`),
      date: values.decidedOn,
      dateLabel: 'the date of the decision',
    });
    const n = await deleteSignOffs(trx, incident.partnershipId, incident.id);
    if (n > 0) await event(trx, incident, actor, 'rapid-review-sign-offs-cleared', { cleared: n });
    // A changed decision is not the partners' until all three sign it off again: the case no longer
    // holds a decision (nor runs the 6-month clock from one), and a sent case awaits the new sign-offs.
    await withdrawCaseDecision(trx, incident.partnershipId, incident.id, actor);
    // Every sign-off given before was cleared: each statutory partner's lead must sign this decision.
    await signOffAwaited(trx, actor, incident, STATUTORY_PARTNERS);
    return n;
  });
  return { ok: true, changed: true, clearedSignOffs: cleared };
}

/** The statutory partner a person signs for in a partnership: their partner-lead role's agency, when it is one of the three. */
export async function partnerOf(db: Kysely<DB>, principal: Principal, partnershipId: string): Promise<StatutoryPartner | null> {
  const agencyIds = principal.grants.filter((g) => g.role === 'partner-lead' && g.partnershipId === partnershipId && g.agencyId).map((g) => g.agencyId as string);
  if (agencyIds.length === 0) return null;
  const agencies = await listAgencies(db, partnershipId);
  const kind = agencies.find((a) => agencyIds.includes(a.id) && (STATUTORY_PARTNERS as readonly string[]).includes(a.kind))?.kind;
  return (kind as StatutoryPartner | undefined) ?? null;
}

export async function signOff(
  db: Kysely<DB>,
  view: RapidReviewView,
  actor: Actor,
  partner: StatutoryPartner | null,
  signedOn: DateOnly | null,
  today: DateOnly,
): Promise<{ ok: true } | { ok: false; problems: Problem[] }> {
  const blocked = inStates(view.incident, SIGN_OFF_IN, 'The decision can be signed off only in rapid review, or once sent while the decision awaits sign-off');
  if (blocked) return { ok: false, problems: [blocked] };
  if (!partner) return { ok: false, problems: [{ field: 'partner', message: 'Only the lead of a statutory partner (local authority, police or integrated care board) can sign off the decision' }] };
  if (!view.decision.decision) return { ok: false, problems: [{ field: 'decision', message: 'The decision has not been recorded yet: it can be signed off once it is' }] };
  if (view.signOffs.find((s) => s.partner === partner)?.signed) {
    return { ok: false, problems: [{ field: 'partner', message: `The ${PARTNER_LEAD_LABELS[partner]} has already signed off this decision` }] };
  }
  const when = asProblem('signed', signOffProblem(signedOn, today, view.decision.decidedOn));
  if (when || !signedOn) return { ok: false, problems: when ? [when] : [] };
  const { incident } = view;
  await withTenant(db, [incident.partnershipId], async (trx) => {
    await insertSignOff(trx, { incident_id: incident.id, partnership_id: incident.partnershipId, partner, user_id: actor.userId, signer_name: actor.name, signed_on: signedOn });
    await event(trx, incident, actor, 'rapid-review-signed-off', { partner: PARTNER_LEAD_LABELS[partner], date: signedOn, dateLabel: 'the date the partner signed off' });
    await signedOff(trx, actor, incident, partner);
    const signed = (await selectSignOffs(trx, [incident.partnershipId], incident.id)).map((r) => r.partner);
    if (STATUTORY_PARTNERS.every((p) => signed.includes(p)) && view.decision.decision && view.decision.decidedOn) {
      await adoptCaseDecision(trx, incident.partnershipId, incident.id, actor, { decision: view.decision.decision, decidedOn: view.decision.decidedOn });
    }
  });
  return { ok: true };
}

/**
 * The three partners have signed the decision off: it becomes the case's decision, dated the day the
 * partners decided (the 6-month clock's start). A case already sent to the Panel and awaiting a
 * (changed) decision takes the decision's state now.
 */
async function adoptCaseDecision(trx: Kysely<DB>, partnershipId: string, incidentId: string, actor: Actor, signed: SignedDecision): Promise<void> {
  const row = await selectIncident(trx, [partnershipId], incidentId, { forUpdate: true });
  if (!row) return;
  const decided = caseDecisionOf(signed);
  const state = row.state as IncidentState;
  const to = state === 'decision' ? stateAfterSending(signed.decision) : state;
  await updateIncident(trx, partnershipId, incidentId, row.version, { state: to, review_decision: decided.reviewDecision, decision_on: decided.decisionOn, updated_by: actor.userId });
  await storeClocks(trx, [partnershipId], [incidentId]);
  await event(trx, { id: incidentId, partnershipId }, actor, 'rapid-review-decision-signed', {
    decision: DECISION_LABELS[signed.decision], date: signed.decidedOn, dateLabel: 'the date the partners decided',
  }, to !== state ? { from: state, to } : {});
}

/** The decision changed after sign-off: the case holds no decision until the partners sign again. */
async function withdrawCaseDecision(trx: Kysely<DB>, partnershipId: string, incidentId: string, actor: Actor): Promise<void> {
  const row = await selectIncident(trx, [partnershipId], incidentId, { forUpdate: true });
  if (!row || (row.review_decision === null && row.decision_on === null && row.state === 'rapid-review')) return;
  const state = row.state as IncidentState;
  const to = stateAfterDecisionChange(state);
  await updateIncident(trx, partnershipId, incidentId, row.version, { state: to, review_decision: null, decision_on: null, updated_by: actor.userId });
  await storeClocks(trx, [partnershipId], [incidentId]);
  if (to !== state) await event(trx, { id: incidentId, partnershipId }, actor, 'rapid-review-decision-reopened', {}, { from: state, to });
}

// ---- Sending to the Panel, and its response ---------------------------------------------------

export const SEND_KEY = 'send-rapid-review';

/** The reasons the rapid review cannot be sent now (every missing sign-off is named). */
export function sendProblems(view: RapidReviewView, may: May): Problem[] {
  const facts = { ...workflowFacts(view.incident), rapidReviewSignOffs: view.signOffs.filter((s) => s.signed).map((s) => s.partner) };
  const check = checkTransition(view.incident.state, SEND_KEY, may, facts);
  if (!check.ok && check.error.code !== 'requirement') return [{ field: 'state', message: check.error.message }];
  const problems: Problem[] = [];
  if (!view.decision.decision) problems.push({ field: 'decision', message: 'Record the decision before sending the rapid review to the Panel' });
  for (const r of SIGN_OFF_REQUIREMENTS) if (!r.holds(facts)) problems.push({ field: 'sign-off', message: r.message });
  return problems;
}

/** Takes the workflow's send-rapid-review transition (rapid review → decision), with the date it was sent. */
export async function sendToPanel(
  db: Kysely<DB>,
  view: RapidReviewView,
  actor: Actor,
  sentOn: DateOnly | null,
  may: May,
  today: DateOnly,
): Promise<{ ok: true; from: IncidentState; to: IncidentState } | { ok: false; problems: Problem[] }> {
  const blockers = sendProblems(view, may);
  if (blockers.length) return { ok: false, problems: blockers };
  const definition = findTransition(SEND_KEY);
  if (!definition?.date) throw new Error('The workflow has no dated send-rapid-review transition.');
  const question = definition.date;
  let problem: string | null = sentOn ? checkRecordedDate(question, sentOn, workflowFacts(view.incident), today) : `Enter ${WORKFLOW_DATE_LABELS.rapidReviewSent}`;
  // Sent with the decision the three partners signed off: not before the decision, nor before the last sign-off.
  if (!problem) problem = sentToPanelProblem(sentOn, today, { decidedOn: view.decision.decidedOn, signedOn: view.signOffs.map((s) => s.signedOn) });
  if (problem) return { ok: false, problems: [{ field: 'sent', message: problem.replace(/\.$/, '') }] };
  // One path: the workflow's own send-rapid-review step, which takes the signed-off decision's state.
  const { incident } = view;
  const result = await recordWorkflowStep(db, [incident.partnershipId], actor, incident.id, SEND_KEY, { date: sentOn, reference: '', note: '' }, () => may, today);
  if (result.ok) return { ok: true, from: result.from, to: result.to };
  if (result.reason === 'invalid') return { ok: false, problems: result.problems.map((p) => (p.field === 'date' ? { ...p, field: 'sent' } : p)) };
  if (result.reason === 'workflow') return { ok: false, problems: [{ field: 'state', message: result.error.message }] };
  return { ok: false, problems: [{ field: 'state', message: 'The case changed while this was being saved: check it and try again' }] };
}

export async function recordPanelResponse(
  db: Kysely<DB>,
  view: RapidReviewView,
  actor: Actor,
  input: { response: PanelResponse | null; on: DateOnly | null },
  today: DateOnly,
): Promise<{ ok: true } | { ok: false; problems: Problem[] }> {
  if (!view.sentOn) return { ok: false, problems: [{ field: 'state', message: 'The Panel’s response can only be recorded once the rapid review has been sent to the Panel' }] };
  const problems: Problem[] = [];
  if (!input.response) problems.push({ field: 'response', message: 'Select the Panel’s response' });
  const d = dateProblem('responded', 'the date of the Panel’s response', input.on, today, [{ date: view.sentOn, label: 'the date the rapid review was sent to the Panel' }]);
  if (d) problems.push(d);
  if (problems.length) return { ok: false, problems };
  const { incident } = view;
  await withTenant(db, [incident.partnershipId], async (trx) => {
    await upsertRapidReview(trx, incident.partnershipId, incident.id, { panel_response: input.response, panel_response_on: input.on, updated_by: actor.userId });
    // When the Panel decides to hold a national review, the case follows: the Panel leads, the
    // partnership supports it, and no local 6-month clock runs.
    const row = input.response === 'national-review' ? await selectIncident(trx, [incident.partnershipId], incident.id, { forUpdate: true }) : undefined;
    const from = row?.state as IncidentState | undefined;
    const moves = from !== undefined && NATIONAL_REVIEW_FROM.includes(from);
    if (row && moves) {
      await updateIncident(trx, incident.partnershipId, incident.id, row.version, { state: 'national-review', review_decision: null, updated_by: actor.userId });
      await storeClocks(trx, [incident.partnershipId], [incident.id]);
    }
    await event(trx, incident, actor, 'rapid-review-panel-response', { response: PANEL_RESPONSE_LABELS[input.response as PanelResponse], date: input.on, dateLabel: 'the date of the Panel’s response' },
      moves && from ? { from, to: 'national-review' } : {});
  });
  return { ok: true };
}
