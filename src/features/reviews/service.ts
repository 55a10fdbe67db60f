import type { Kysely } from 'kysely';
import { compareDates, type DateOnly } from '../../domain/calendar/date-only.ts';
import { checkEntry, doneDateProblem, ENTRY_DEFINITIONS, entryDetails, milestoneOverdue, type EntryInput, type EntryKind } from '../../domain/reviews/review-log.ts';
import { isReviewType, REVIEW_TYPE_LABELS, type ReviewType } from '../../domain/reviews/review-types.ts';
import { STATES, type IncidentState } from '../../domain/workflow/incident-workflow.ts';
import { can, partnershipsWith, type Principal } from '../../platform/auth/policy.ts';
import { openField, sealField, type FieldCipher } from '../../platform/crypto/field-encryption.ts';
import { withTenant, type TenantScope } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import type { Problem } from '../../platform/http/form-body.ts';
import { formatDateTime } from '../audit/format.ts';
import { addCaseEvent, incidentPartnership, isUuid, loadIncident, storeClocks, type Actor, type IncidentDetail } from '../cases/service.ts';
import { reviewerChosen, reviewStarted } from '../tasks/service.ts';
import { cleanFileName, detectFileType, uploadProblem, type FileType } from '../rapid-reviews/files.ts';
import type { DocumentWorkers } from '../../platform/documents/document-workers.ts';
import type { FileStore } from '../../platform/storage/file-store.ts';

/**
 * Conducting a review once the partners have decided to hold one: the lead reviewer, the terms
 * of reference and method, the review's log (milestones, practitioner events, family engagement,
 * monitoring, delays), draft and final report versions, and the publication decision with the
 * advance copy's recipients. Free of HTTP; free text is encrypted here; every change adds an event
 * to the case timeline. Callers check access (`reviewAccess`) and record audit entries.
 */

/** States in which a case has a review to show. */
export const REVIEW_STATES: readonly IncidentState[] = ['local-review', 'alternative-review', 'completed', 'published', 'closed'];
/** States in which the review's work (terms, log, report versions) is recorded. */
const WORKING_STATES: readonly IncidentState[] = ['local-review', 'alternative-review'];
/** States in which the publication decision may still be made or changed. */
const PUBLISHING_STATES: readonly IncidentState[] = ['local-review', 'alternative-review', 'completed'];

export const METHODS = ['systems', 'learning-together', 'appreciative-inquiry', 'significant-event', 'practice-learning', 'other'] as const;
export type Method = (typeof METHODS)[number];
export const METHOD_LABELS: Readonly<Record<Method, string>> = Object.freeze({
  systems: 'Systems approach',
  'learning-together': 'Learning Together (SCIE)',
  'appreciative-inquiry': 'Appreciative inquiry',
  'significant-event': 'Significant event analysis',
  'practice-learning': 'Multi-agency practice learning',
  other: 'Another method (describe it)',
});

export const PUBLICATION_DECISIONS = ['full-report', 'improvements-only'] as const;
export type PublicationDecision = (typeof PUBLICATION_DECISIONS)[number];
export const PUBLICATION_DECISION_LABELS: Readonly<Record<PublicationDecision, string>> = Object.freeze({
  'full-report': 'Publish the full report',
  'improvements-only': 'Publish only the improvements to be made (publishing the report would be inappropriate)',
});

export const ADVANCE_COPY_RECIPIENTS = ['panel', 'secretary-of-state', 'ofsted'] as const;
export type AdvanceCopyRecipient = (typeof ADVANCE_COPY_RECIPIENTS)[number];
export const ADVANCE_COPY_LABELS: Readonly<Record<AdvanceCopyRecipient, string>> = Object.freeze({
  panel: 'The Child Safeguarding Practice Review Panel',
  'secretary-of-state': 'The Secretary of State for Education',
  ofsted: 'Ofsted',
});

export { REVIEW_EVENT_LABELS } from '../../domain/reviews/review-log.ts';

export type ReviewEntryView = {
  id: string;
  kind: EntryKind;
  onDate: DateOnly;
  doneOn: DateOnly | null;
  details: Record<string, unknown>;
  notes: string;
  createdByName: string | null;
  overdue: boolean;
};

export type ReportView = { id: string; kind: 'draft' | 'final'; version: number; fileName: string; fileType: FileType; fileSize: number; sha256: string; uploadedByName: string | null; uploadedAt: string };

export type ReviewTerms = {
  reviewType: ReviewType;
  scopeFrom: DateOnly | null;
  scopeTo: DateOnly | null;
  linesOfEnquiry: string;
  method: Method | null;
  methodNotes: string;
};

export type ReviewView = {
  incident: IncidentDetail;
  /** A review row exists (something has been recorded); otherwise the defaults are shown. */
  started: boolean;
  terms: ReviewTerms;
  leadReviewer: { id: string; name: string; email: string } | null;
  plannedPublicationOn: DateOnly | null;
  advanceCopyTo: AdvanceCopyRecipient[];
  publicationDecision: PublicationDecision | null;
  publicationReasons: string;
  version: number;
  entries: ReviewEntryView[];
  reports: ReportView[];
  /** The work may be recorded now (the review is under way). */
  working: boolean;
  /** The publication decision may be made or changed now. */
  publishing: boolean;
};

export type ReviewAccess = { read: boolean; contribute: boolean; manage: boolean; assigned: boolean };

/**
 * Who may do what on a review. The business unit (case:read / case:write) sees and runs every
 * review of its partnership; a reviewer (review:work) sees and works on only the reviews they
 * lead — need to know, not the partnership's other cases.
 */
export function reviewAccess(principal: Principal | null | undefined, review: { partnershipId: string; leadReviewerId: string | null }): ReviewAccess {
  const scope = { partnershipId: review.partnershipId };
  const assigned = Boolean(principal && review.leadReviewerId === principal.userId && can(principal, 'review:work', scope));
  const manage = can(principal, 'case:write', scope);
  return { read: can(principal, 'case:read', scope) || assigned, contribute: manage || assigned, manage, assigned };
}

/** The review type a case starts with, from the decision: a local CSPR, or the alternative the rapid review chose. */
function defaultType(state: IncidentState, alternative: string | null | undefined): ReviewType {
  if (state === 'alternative-review' || alternative) return alternative === 'practice-learning-review' ? 'practice-learning' : 'deep-dive';
  return 'local-cspr';
}

function reportView(r: { id: string; kind: 'draft' | 'final'; version: number; file_name: string; file_type: FileType; file_size: number; file_sha256: string; uploaded_by_name: string | null; uploaded_at: Date }): ReportView {
  return {
    id: r.id,
    kind: r.kind,
    version: r.version,
    fileName: r.file_name,
    fileType: r.file_type,
    fileSize: r.file_size,
    sha256: r.file_sha256,
    uploadedByName: r.uploaded_by_name,
    uploadedAt: formatDateTime(new Date(r.uploaded_at)),
  };
}

/**
 * The review of a case, if the case is in scope and has reached the decision to hold a review.
 * `scope` is the partnerships where the person holds case:read or review:work; the caller then
 * checks `reviewAccess` (a reviewer must lead this review).
 */
export async function loadReview(db: Kysely<DB>, cipher: FieldCipher, scope: TenantScope, incidentId: string, today: DateOnly): Promise<ReviewView | undefined> {
  if (!isUuid(incidentId)) return undefined;
  const incident = await loadIncident(db, cipher, scope, incidentId);
  if (!incident || !REVIEW_STATES.includes(incident.state) || !incident.reviewDecision || incident.reviewDecision === 'no-review') return undefined;
  const only: TenantScope = [incident.partnershipId];
  const { row, entries, reports, alternative } = await withTenant(db, only, async (trx) => ({
    row: await trx
      .selectFrom('reviews')
      .leftJoin('users', 'users.id', 'reviews.lead_reviewer_id')
      .selectAll('reviews')
      .select(['users.name as reviewer_name', 'users.email as reviewer_email'])
      .where('reviews.incident_id', '=', incidentId)
      .where('reviews.partnership_id', '=', incident.partnershipId)
      .executeTakeFirst(),
    entries: await trx.selectFrom('review_entries').selectAll().where('incident_id', '=', incidentId).where('partnership_id', '=', incident.partnershipId).orderBy('on_date').orderBy('created_at').execute(),
    reports: await trx.selectFrom('review_reports').selectAll().where('incident_id', '=', incidentId).where('partnership_id', '=', incident.partnershipId).orderBy('kind').orderBy('version', 'desc').execute(),
    alternative: (await trx.selectFrom('rapid_reviews').select('alternative_kind').where('incident_id', '=', incidentId).where('partnership_id', '=', incident.partnershipId).executeTakeFirst())?.alternative_kind,
  }));
  const reviewType: ReviewType = row && isReviewType(row.review_type) ? row.review_type : defaultType(incident.state, incident.reviewDecision === 'alternative-review' ? (alternative ?? 'deep-dive') : null);
  return {
    incident,
    started: Boolean(row),
    terms: {
      reviewType,
      scopeFrom: row?.scope_from ?? null,
      scopeTo: row?.scope_to ?? null,
      linesOfEnquiry: openField(cipher, row?.lines_of_enquiry_enc ?? null),
      method: (row?.method as Method | null) ?? null,
      methodNotes: openField(cipher, row?.method_notes_enc ?? null),
    },
    leadReviewer: row?.lead_reviewer_id && row.reviewer_name ? { id: row.lead_reviewer_id, name: row.reviewer_name, email: row.reviewer_email ?? '' } : null,
    plannedPublicationOn: row?.planned_publication_on ?? null,
    advanceCopyTo: (row?.advance_copy_to ?? []).filter((r): r is AdvanceCopyRecipient => (ADVANCE_COPY_RECIPIENTS as readonly string[]).includes(r)),
    publicationDecision: (row?.publication_decision as PublicationDecision | null) ?? null,
    publicationReasons: openField(cipher, row?.publication_reasons_enc ?? null),
    version: row?.version ?? 0,
    entries: entries.map((e) => {
      const view = { id: e.id, kind: e.kind as EntryKind, onDate: e.on_date, doneOn: e.done_on, details: e.details ?? {}, notes: openField(cipher, e.notes_enc), createdByName: e.created_by_name };
      return { ...view, overdue: milestoneOverdue(view, today) };
    }),
    reports: reports.map(reportView),
    working: WORKING_STATES.includes(incident.state),
    publishing: PUBLISHING_STATES.includes(incident.state),
  };
}

export type FoundReview = { view: ReviewView; may: ReviewAccess } | { view: null; elsewhere: string | null };

/**
 * The review at `incidentId` as this person may see it (the business unit's partnerships and the
 * reviews they lead), with what they may do there; otherwise nothing, and the partnership the
 * case belongs to (for the audit trail) when it exists at all. The pages and the API both ask here.
 */
export async function findReview(db: Kysely<DB>, cipher: FieldCipher, principal: Principal, incidentId: string, today: DateOnly): Promise<FoundReview> {
  const scopes = [partnershipsWith(principal, 'case:read'), partnershipsWith(principal, 'review:work')];
  const scope: TenantScope = scopes.includes('all') ? 'all' : [...new Set(scopes.flat() as string[])];
  const view = await loadReview(db, cipher, scope, incidentId, today);
  if (view) {
    const may = reviewAccess(principal, { partnershipId: view.incident.partnershipId, leadReviewerId: view.leadReviewer?.id ?? null });
    if (may.read) return { view, may };
    return { view: null, elsewhere: view.incident.partnershipId };
  }
  return { view: null, elsewhere: (await incidentPartnership(db, incidentId)) ?? null };
}

/** The lead reviewer of a case's review, to check a reviewer's access before loading it all. */
export async function leadReviewerOf(db: Kysely<DB>, partnershipId: string, incidentId: string): Promise<string | null> {
  if (!isUuid(incidentId)) return null;
  const row = await withTenant(db, [partnershipId], (trx) =>
    trx.selectFrom('reviews').select('lead_reviewer_id').where('incident_id', '=', incidentId).where('partnership_id', '=', partnershipId).executeTakeFirst(),
  );
  return row?.lead_reviewer_id ?? null;
}

/** People who may lead a review in a partnership: active users holding the reviewer role there. */
export async function reviewersOf(db: Kysely<DB>, partnershipId: string): Promise<{ id: string; name: string; email: string }[]> {
  return db
    .selectFrom('users')
    .innerJoin('role_assignments', 'role_assignments.user_id', 'users.id')
    .select(['users.id', 'users.name', 'users.email'])
    .where('role_assignments.role', '=', 'reviewer')
    .where('role_assignments.partnership_id', '=', partnershipId)
    .where('users.disabled_at', 'is', null)
    .orderBy('users.name')
    .distinct()
    .execute();
}

type Outcome = { ok: true } | { ok: false; problems: Problem[] };

function stateProblem(view: ReviewView, allowed: 'working' | 'publishing', what: string): Problem | null {
  if (view[allowed]) return null;
  return { field: 'state', message: `${what} only while the review is ${allowed === 'working' ? 'under way' : 'under way or completed and not yet published'}: this case is ${STATES[view.incident.state].now}.` };
}

/** Inserts the review row with the defaults when nothing has been recorded yet; then updates it if still at `version`. */
async function updateReview(
  trx: Kysely<DB>,
  view: ReviewView,
  version: number,
  values: Partial<{
    review_type: ReviewType;
    lead_reviewer_id: string | null;
    scope_from: DateOnly | null;
    scope_to: DateOnly | null;
    lines_of_enquiry_enc: string | null;
    method: Method | null;
    method_notes_enc: string | null;
    planned_publication_on: DateOnly | null;
    advance_copy_to: string;
    publication_decision: PublicationDecision | null;
    publication_reasons_enc: string | null;
  }>,
  actor: Actor,
): Promise<boolean> {
  const { incident } = view;
  if (!view.started) {
    // A page for a review not yet started carries version 0; anything else is a conflict, found
    // before writing (a refused change must leave nothing behind).
    if (version !== 0) return false;
    const inserted = await trx
      .insertInto('reviews')
      .values({ incident_id: incident.id, partnership_id: incident.partnershipId, review_type: view.terms.reviewType, updated_by: actor.userId, ...values })
      .onConflict((oc) => oc.column('incident_id').doNothing())
      .returning('incident_id')
      .executeTakeFirst();
    // Someone else started the review in the meantime: their version wins; this one is a conflict.
    // The review's version is part of the clocks' stamp (its plan starts the advance copy's clock).
    if (inserted !== undefined) await storeClocks(trx, [incident.partnershipId], [incident.id]);
    return inserted !== undefined;
  }
  const result = await trx
    .updateTable('reviews')
    .set((eb) => ({ ...values, version: eb('version', '+', 1), updated_by: actor.userId, updated_at: new Date() }))
    .where('incident_id', '=', incident.id)
    .where('partnership_id', '=', incident.partnershipId)
    .where('version', '=', version)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return false;
  await storeClocks(trx, [incident.partnershipId], [incident.id]);
  return true;
}

const CONFLICT: Problem = {
  field: 'version',
  message: 'Someone else changed this review since you opened the page. Their changes are shown below: check them, then make your changes again.',
};

export async function assignReviewer(db: Kysely<DB>, view: ReviewView, actor: Actor, reviewerId: string, version: number): Promise<Outcome> {
  const blocked = stateProblem(view, 'working', 'The lead reviewer can be chosen');
  if (blocked) return { ok: false, problems: [blocked] };
  const reviewers = await reviewersOf(db, view.incident.partnershipId);
  const chosen = reviewers.find((r) => r.id === reviewerId);
  if (!chosen) return { ok: false, problems: [{ field: 'reviewer', message: reviewers.length ? 'Select the lead reviewer' : 'There is no one with the reviewer role in this partnership: invite the reviewer first' }] };
  const saved = await withTenant(db, [view.incident.partnershipId], async (trx) => {
    if (!(await updateReview(trx, view, version, { lead_reviewer_id: chosen.id }, actor))) return false;
    await addCaseEvent(trx, view.incident, actor, 'review-reviewer-assigned', { reviewer: chosen.name });
    await reviewerChosen(trx, actor, view.incident, chosen.id);
    return true;
  });
  return saved ? { ok: true } : { ok: false, problems: [CONFLICT] };
}

export type TermsInput = ReviewTerms & { version: number };

export function termsProblems(view: ReviewView, input: TermsInput, today: DateOnly): Problem[] {
  const problems: Problem[] = [];
  if (!isReviewType(input.reviewType)) problems.push({ field: 'reviewType', message: 'Select the type of review' });
  if (input.scopeFrom && compareDates(input.scopeFrom, today) > 0) problems.push({ field: 'scopeFrom', message: 'The start of the period the review covers cannot be in the future' });
  if (input.scopeTo && compareDates(input.scopeTo, today) > 0) problems.push({ field: 'scopeTo', message: 'The end of the period the review covers cannot be in the future' });
  else if (input.scopeFrom && input.scopeTo && compareDates(input.scopeTo, input.scopeFrom) < 0) problems.push({ field: 'scopeTo', message: 'The end of the period the review covers cannot be before its start' });
  if (input.linesOfEnquiry.length > 20_000) problems.push({ field: 'linesOfEnquiry', message: 'The key lines of enquiry must be 20,000 characters or fewer' });
  if (input.method === 'other' && !input.methodNotes.trim()) problems.push({ field: 'methodNotes', message: 'Describe the method the review uses' });
  if (input.methodNotes.length > 5_000) problems.push({ field: 'methodNotes', message: 'The description of the method must be 5,000 characters or fewer' });
  void view;
  return problems;
}

export async function saveTerms(db: Kysely<DB>, cipher: FieldCipher, view: ReviewView, actor: Actor, input: TermsInput, today: DateOnly): Promise<Outcome & { changed?: string[] }> {
  const blocked = stateProblem(view, 'working', 'The terms of reference can be changed');
  if (blocked) return { ok: false, problems: [blocked] };
  const problems = termsProblems(view, input, today);
  if (problems.length) return { ok: false, problems };
  const before = view.terms;
  const changed = (Object.keys(before) as (keyof ReviewTerms)[]).filter((k) => (before[k] ?? '') !== (input[k] ?? ''));
  if (view.started && changed.length === 0) return { ok: true, changed: [] };
  const saved = await withTenant(db, [view.incident.partnershipId], async (trx) => {
    const ok = await updateReview(
      trx,
      view,
      input.version,
      {
        review_type: input.reviewType,
        scope_from: input.scopeFrom,
        scope_to: input.scopeTo,
        lines_of_enquiry_enc: sealField(cipher, input.linesOfEnquiry),
        method: input.method,
        method_notes_enc: sealField(cipher, input.methodNotes),
      },
      actor,
    );
    if (ok) await addCaseEvent(trx, view.incident, actor, 'review-terms', { changed });
    return ok;
  });
  return saved ? { ok: true, changed } : { ok: false, problems: [CONFLICT] };
}

/** Who may add an entry of this kind: monitoring and delays are the partners' (business unit's) record. */
export function mayAddEntry(kind: EntryKind, access: ReviewAccess): boolean {
  return access.manage || (access.assigned && ENTRY_DEFINITIONS[kind].reviewerMayAdd);
}

export async function addEntry(db: Kysely<DB>, cipher: FieldCipher, view: ReviewView, actor: Actor, kind: EntryKind, input: EntryInput, today: DateOnly): Promise<Outcome> {
  const definition = ENTRY_DEFINITIONS[kind];
  const blocked = stateProblem(view, 'working', 'The review’s log can be added to');
  if (blocked) return { ok: false, problems: [blocked] };
  const problems = checkEntry(definition, input, { today, decisionOn: view.incident.dates.decision ?? null });
  if (problems.length) return { ok: false, problems };
  await withTenant(db, [view.incident.partnershipId], async (trx) => {
    await trx
      .insertInto('review_entries')
      .values({
        incident_id: view.incident.id,
        partnership_id: view.incident.partnershipId,
        kind,
        on_date: input.onDate as DateOnly,
        done_on: input.doneOn,
        details: JSON.stringify(entryDetails(definition, input)),
        notes_enc: sealField(cipher, input.notes),
        created_by: actor.userId,
        created_by_name: actor.name,
      })
      .execute();
    await addCaseEvent(trx, view.incident, actor, 'review-entry', { entry: kind, date: input.onDate });
    // The reviewer's own record (an interview, a learning event...) shows the review under way.
    if (definition.reviewerMayAdd) await reviewStarted(trx, actor, view.incident);
  });
  return { ok: true };
}

/** Records a milestone as met or a delay as ended. */
export async function finishEntry(db: Kysely<DB>, view: ReviewView, actor: Actor, entryId: string, doneOn: DateOnly | null, today: DateOnly): Promise<Outcome> {
  const blocked = stateProblem(view, 'working', 'The review’s log can be changed');
  if (blocked) return { ok: false, problems: [blocked] };
  const entry = view.entries.find((e) => e.id === entryId);
  if (!entry || !ENTRY_DEFINITIONS[entry.kind].doneDate) return { ok: false, problems: [{ field: 'entry', message: 'There is no such milestone or delay on this review' }] };
  // The day it happened, not the day it is recorded (the case timeline and audit keep that).
  const problem = doneDateProblem(entry.kind, doneOn, today, { onDate: entry.onDate, decisionOn: view.incident.dates.decision ?? null });
  if (problem || !doneOn) return { ok: false, problems: [{ field: 'doneOn', message: problem ?? 'Enter the date' }] };
  await withTenant(db, [view.incident.partnershipId], async (trx) => {
    await trx.updateTable('review_entries').set({ done_on: doneOn }).where('id', '=', entryId).where('partnership_id', '=', view.incident.partnershipId).execute();
    await addCaseEvent(trx, view.incident, actor, 'review-entry-done', { entry: entry.kind, date: doneOn });
  });
  return { ok: true };
}

export type UploadedReport = { bytes: Buffer; name: string; truncated: boolean };

/** Adds a draft or final version of the report (PDF or Word), numbered after the last of its kind. */
/**
 * What is wrong with a report version before it is kept: the review's state, the kind, and the
 * file itself (read by the document workers, off the request thread). Run it before the
 * transaction that adds the version opens, so no transaction waits on a file being read.
 */
export async function reportProblems(view: ReviewView, kind: 'draft' | 'final' | null, file: UploadedReport | null, documents: DocumentWorkers): Promise<Problem[]> {
  const blocked = stateProblem(view, 'working', 'Report versions can be added');
  if (blocked) return [blocked];
  const problems: Problem[] = [];
  if (kind !== 'draft' && kind !== 'final') problems.push({ field: 'kind', message: 'Select whether this is a draft or the final report' });
  const bad = file ? await uploadProblem(documents, file) : 'Select the report file';
  if (bad) problems.push({ field: 'file', message: bad });
  return problems;
}

/** Keeps a report version that `reportProblems` found sound. */
export async function addReport(db: Kysely<DB>, files: FileStore, view: ReviewView, actor: Actor, kind: 'draft' | 'final', file: UploadedReport): Promise<{ ok: true; version: number }> {
  const type = detectFileType(file.bytes) as FileType;
  const version = await withTenant(db, [view.incident.partnershipId], async (trx) => {
    // Drafts name children and families: kept encrypted, in the transaction that records the version.
    const sha256 = await files.put(trx, file.bytes, 'private');
    const last = await trx
      .selectFrom('review_reports')
      .select((eb) => eb.fn.max('version').as('max'))
      .where('incident_id', '=', view.incident.id)
      .where('partnership_id', '=', view.incident.partnershipId)
      .where('kind', '=', kind)
      .executeTakeFirst();
    const next = Number(last?.max ?? 0) + 1;
    await trx
      .insertInto('review_reports')
      .values({
        incident_id: view.incident.id,
        partnership_id: view.incident.partnershipId,
        kind,
        version: next,
        file_sha256: sha256,
        file_name: cleanFileName(file.name, type),
        file_type: type,
        file_size: file.bytes.length,
        uploaded_by: actor.userId,
        uploaded_by_name: actor.name,
      })
      .execute();
    await addCaseEvent(trx, view.incident, actor, 'review-report', { report: kind, version: next });
    await reviewStarted(trx, actor, view.incident);
    return next;
  });
  return { ok: true, version };
}

export type PublicationInput = {
  decision: PublicationDecision | null;
  reasons: string;
  plannedPublicationOn: DateOnly | null;
  advanceCopyTo: string[];
  version: number;
};

export async function savePublicationDecision(db: Kysely<DB>, cipher: FieldCipher, view: ReviewView, actor: Actor, input: PublicationInput, today: DateOnly): Promise<Outcome> {
  const blocked = stateProblem(view, 'publishing', 'The publication decision can be recorded');
  if (blocked) return { ok: false, problems: [blocked] };
  const problems: Problem[] = [];
  if (!input.decision || !(PUBLICATION_DECISIONS as readonly string[]).includes(input.decision)) problems.push({ field: 'decision', message: 'Select what will be published' });
  else if (input.decision === 'improvements-only' && !input.reasons.trim()) problems.push({ field: 'reasons', message: 'Enter why publishing the full report would be inappropriate' });
  if (input.reasons.length > 10_000) problems.push({ field: 'reasons', message: 'The reasons must be 10,000 characters or fewer' });
  if (input.plannedPublicationOn && compareDates(input.plannedPublicationOn, today) < 0 && view.incident.state !== 'published') {
    problems.push({ field: 'planned', message: 'The planned publication date cannot be in the past' });
  }
  const unknown = input.advanceCopyTo.filter((r) => !(ADVANCE_COPY_RECIPIENTS as readonly string[]).includes(r));
  if (unknown.length) problems.push({ field: 'advanceCopyTo', message: 'Select who receives the advance copy from the list' });
  else if (!input.advanceCopyTo.includes('panel') || !input.advanceCopyTo.includes('secretary-of-state')) {
    problems.push({ field: 'advanceCopyTo', message: 'The advance copy must go to the Panel and the Secretary of State' });
  }
  if (problems.length) return { ok: false, problems };
  const saved = await withTenant(db, [view.incident.partnershipId], async (trx) => {
    const ok = await updateReview(
      trx,
      view,
      input.version,
      {
        publication_decision: input.decision,
        publication_reasons_enc: sealField(cipher, input.reasons),
        planned_publication_on: input.plannedPublicationOn,
        advance_copy_to: JSON.stringify(ADVANCE_COPY_RECIPIENTS.filter((r) => input.advanceCopyTo.includes(r))),
      },
      actor,
    );
    if (ok) await addCaseEvent(trx, view.incident, actor, 'review-publication-decision', { decision: input.decision, date: input.plannedPublicationOn, dateLabel: 'the planned publication date' });
    return ok;
  });
  return saved ? { ok: true } : { ok: false, problems: [CONFLICT] };
}

export type ReviewListItem = {
  incidentId: string;
  reference: string;
  partnershipName: string;
  state: IncidentState;
  reviewType: string;
  leadReviewer: string | null;
  decisionOn: DateOnly | null;
};

/**
 * The reviews a person may see: every review of the partnerships where they read cases, and the
 * reviews they lead where they are a reviewer.
 */
export async function listReviews(db: Kysely<DB>, principal: Principal): Promise<ReviewListItem[]> {
  const readable = partnershipsWith(principal, 'case:read');
  const reviewerIn = partnershipsWith(principal, 'review:work');
  const scope: TenantScope = readable === 'all' || reviewerIn === 'all' ? 'all' : [...new Set([...readable, ...reviewerIn])];
  if (Array.isArray(scope) && scope.length === 0) return [];
  const rows = await withTenant(db, scope, (trx) => {
    let q = trx
      .selectFrom('incidents')
      .innerJoin('partnerships', 'partnerships.id', 'incidents.partnership_id')
      .leftJoin('reviews', (j) => j.onRef('reviews.incident_id', '=', 'incidents.id').onRef('reviews.partnership_id', '=', 'incidents.partnership_id'))
      .leftJoin('users', 'users.id', 'reviews.lead_reviewer_id')
      .select([
        'incidents.id',
        'incidents.partnership_id',
        'incidents.reference',
        'incidents.state',
        'incidents.review_decision',
        'incidents.decision_on',
        'partnerships.name as partnership_name',
        'reviews.review_type',
        'reviews.lead_reviewer_id',
        'users.name as reviewer_name',
      ])
      .where('incidents.state', 'in', REVIEW_STATES)
      .where('incidents.review_decision', 'in', ['local-review', 'alternative-review']);
    if (Array.isArray(scope)) q = q.where('incidents.partnership_id', 'in', scope);
    return q.orderBy('incidents.decision_on', 'desc').orderBy('incidents.reference').execute();
  });
  return rows
    .filter((r) => reviewAccess(principal, { partnershipId: r.partnership_id, leadReviewerId: r.lead_reviewer_id }).read)
    .map((r) => ({
      incidentId: r.id,
      reference: r.reference,
      partnershipName: r.partnership_name,
      state: r.state as IncidentState,
      reviewType: REVIEW_TYPE_LABELS[isReviewType(r.review_type) ? r.review_type : r.review_decision === 'alternative-review' ? 'deep-dive' : 'local-cspr'],
      leadReviewer: r.reviewer_name,
      decisionOn: r.decision_on,
    }));
}
