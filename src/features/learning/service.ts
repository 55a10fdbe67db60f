import { sql, type Kysely } from 'kysely';
import { todayInLondon, type DateOnly } from '../../domain/calendar/date-only.ts';
import {
  actionProblems,
  checkStep,
  isOpen,
  ragOf,
  recommendationProblems,
  recommendationProgress,
  type ActionDefinition,
  type ActionStatus,
  type ActionStep,
  type Rag,
  type RecommendationDefinition,
  type Response,
  type StepInput,
  type StepRole,
} from '../../domain/learning/actions.ts';
import { agenciesWith, can, partnershipsWith, type Principal } from '../../platform/auth/policy.ts';
import { openField, sealField, type FieldCipher } from '../../platform/crypto/field-encryption.ts';
import { withTenant, type TenantScope } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import type { Problem } from '../../platform/http/form-body.ts';
import { formatDateTime } from '../audit/format.ts';
import { changedTexts, publishedLearningProblems, recommendationTexts } from './published-learning-guard.ts';
import { isUuid, type Actor } from '../cases/service.ts';
import { actionAssigned, actionTakenUp } from '../tasks/service.ts';

/**
 * Learning into practice: a review's recommendations, the partnership's response, the actions
 * that carry them out and the history of each action. Free of HTTP. Callers check access with
 * `actionAccess` / `can` and make every change through `req.change` (or `inTransaction`) with its
 * audit entry; each function here takes the caller's transaction.
 *
 * Who does what: the business unit (case:write) records recommendations and actions and may record
 * progress for any agency; an agency contributor (agency-request:respond) sees and updates only
 * the actions its own agency owns; a statutory partner's lead (case:sign-off) signs off or sends
 * back; the business unit and the leads (case:read) see everything of their partnership.
 */

export type Outcome<T = object> = ({ ok: true } & T) | { ok: false; problems: Problem[]; conflict?: boolean };

export type ActionSummary = {
  id: string;
  partnershipId: string;
  recommendationId: string;
  agencyId: string;
  agencyName: string;
  leadName: string;
  dueOn: DateOnly;
  intendedChange: string;
  measureOfSuccess: string;
  status: ActionStatus;
  sentBack: boolean;
  rag: Rag | null;
  version: number;
};

export type RecommendationView = {
  id: string;
  partnershipId: string;
  incidentId: string | null;
  publicationId: string | null;
  number: string;
  text: string;
  madeOn: DateOnly;
  themes: string[];
  agencyIds: string[];
  response: Response | null;
  responseReasons: string;
  version: number;
  actions: ActionSummary[];
};

export type ActionUpdateView = { id: string; step: string; fromStatus: ActionStatus | null; toStatus: ActionStatus; text: string; whatChanged: string; by: string | null; at: string; atIso: string };

export type ActionDetail = ActionSummary & {
  recommendation: { id: string; number: string; text: string; madeOn: DateOnly; incidentId: string | null; incidentReference: string | null };
  completionEvidence: string;
  /** Brought in from the partnership's old tracker as completed (or further on): the tracker is its record, no files came with it. */
  completionImported: boolean;
  impactWhatChanged: string;
  impactEvidence: string;
  updates: ActionUpdateView[];
};

export type ActionAccess = { read: boolean; owner: boolean; lead: boolean; manage: boolean };

/** What a person may do on an action: read it, record its progress (owner), sign it off (lead). */
export function actionAccess(principal: Principal | null | undefined, action: { partnershipId: string; agencyId: string }): ActionAccess {
  const scope = { partnershipId: action.partnershipId };
  const ownAgency = Boolean(principal && can(principal, 'agency-request:respond', scope) && agenciesWith(principal, 'agency-request:respond').includes(action.agencyId));
  const manage = can(principal, 'case:write', scope);
  return {
    read: can(principal, 'case:read', scope) || ownAgency,
    owner: manage || ownAgency,
    lead: can(principal, 'case:sign-off', scope),
    manage,
  };
}

/** Partnerships where the person may see some actions: the whole partnership's, or their agency's. */
export function learningScope(principal: Principal): TenantScope {
  const scopes = [partnershipsWith(principal, 'case:read'), partnershipsWith(principal, 'agency-request:respond')];
  return scopes.includes('all') ? 'all' : [...new Set(scopes.flat() as string[])];
}

export async function agenciesOf(db: Kysely<DB>, partnershipId: string): Promise<{ id: string; name: string }[]> {
  return db.selectFrom('agencies').select(['id', 'name']).where('partnership_id', '=', partnershipId).orderBy('name').execute();
}

export async function themeOptions(db: Kysely<DB>): Promise<{ key: string; label: string }[]> {
  return db.selectFrom('themes').select(['key', 'label']).where('retired', '=', false).orderBy('label').execute();
}

type ActionRow = {
  id: string;
  partnership_id: string;
  recommendation_id: string;
  agency_id: string;
  agency_name: string;
  lead_name: string;
  due_on: string;
  intended_change: string;
  measure_of_success: string;
  status: ActionStatus;
  sent_back: boolean;
  version: number;
};

function summary(r: ActionRow, today: DateOnly): ActionSummary {
  return {
    id: r.id,
    partnershipId: r.partnership_id,
    recommendationId: r.recommendation_id,
    agencyId: r.agency_id,
    agencyName: r.agency_name,
    leadName: r.lead_name,
    dueOn: r.due_on,
    intendedChange: r.intended_change,
    measureOfSuccess: r.measure_of_success,
    status: r.status,
    sentBack: r.sent_back,
    rag: ragOf(r.status, r.due_on, today),
    version: r.version,
  };
}

const ACTION_COLUMNS = [
  'recommendation_actions.id',
  'recommendation_actions.partnership_id',
  'recommendation_actions.recommendation_id',
  'recommendation_actions.agency_id',
  'agencies.name as agency_name',
  'recommendation_actions.lead_name',
  'recommendation_actions.due_on',
  'recommendation_actions.intended_change',
  'recommendation_actions.measure_of_success',
  'recommendation_actions.status',
  'recommendation_actions.sent_back',
  'recommendation_actions.version',
] as const;

/** The recommendations of a case's review, each with its actions, in number order. */
export async function recommendationsOfIncident(db: Kysely<DB>, partnershipId: string, incidentId: string, today: DateOnly): Promise<RecommendationView[]> {
  return recommendationsOfReview(db, partnershipId, { incidentId }, today);
}

/** A review whose recommendations are recorded: a case's, or a published review's in the repository (held by no case). */
export type ReviewRef = { incidentId: string } | { publicationId: string };

/**
 * The rows (recommendations, findings) of `review`: a case's, or a published review's own that no
 * case holds. Unqualified column names: for queries over one such table.
 */
export function ofReview(review: ReviewRef) {
  return 'incidentId' in review ? sql<boolean>`incident_id = ${review.incidentId}` : sql<boolean>`incident_id is null and publication_id = ${review.publicationId}`;
}

/**
 * Holds, until the transaction ends, the numbering of a review's recommendations or findings: the
 * check that a number is free and the write that takes it happen one request at a time, so two
 * sent at once with the same number are told so, not stopped by the unique index (a 500).
 */
export async function lockReviewNumbers(t: Kysely<DB>, table: 'recommendations' | 'review_findings', review: ReviewRef): Promise<void> {
  const key = 'incidentId' in review ? `incident:${review.incidentId}` : `publication:${review.publicationId}`;
  await sql`select pg_advisory_xact_lock(hashtext(${`${table}:${key}`}))`.execute(t);
}

/** The recommendations of a case's review or of a published review, each with its actions, in number order. */
export async function recommendationsOfReview(db: Kysely<DB>, partnershipId: string, review: ReviewRef, today: DateOnly): Promise<RecommendationView[]> {
  if (!isUuid('incidentId' in review ? review.incidentId : review.publicationId)) return [];
  return withTenant(db, [partnershipId], async (trx) => {
    const recs = await trx
      .selectFrom('recommendations')
      .selectAll()
      .where('partnership_id', '=', partnershipId)
      .where(ofReview(review))
      .execute();
    const actions = recs.length
      ? await trx
          .selectFrom('recommendation_actions')
          .innerJoin('agencies', 'agencies.id', 'recommendation_actions.agency_id')
          .select(ACTION_COLUMNS)
          .where('recommendation_actions.partnership_id', '=', partnershipId)
          .where(
            'recommendation_actions.recommendation_id',
            'in',
            recs.map((r) => r.id),
          )
          .orderBy('recommendation_actions.due_on')
          .orderBy('recommendation_actions.created_at')
          .execute()
      : [];
    return recs
      .map((r) => ({
        id: r.id,
        partnershipId: r.partnership_id,
        incidentId: r.incident_id,
        publicationId: r.publication_id,
        number: r.number,
        text: r.text,
        madeOn: r.made_on,
        themes: r.themes ?? [],
        agencyIds: r.agency_ids ?? [],
        response: r.response,
        responseReasons: r.response_reasons,
        version: r.version,
        actions: actions.filter((a) => a.recommendation_id === r.id).map((a) => summary(a as ActionRow, today)),
      }))
      .sort((a, b) => a.number.localeCompare(b.number, 'en', { numeric: true }));
  });
}

export async function findRecommendation(db: Kysely<DB>, partnershipId: string, incidentId: string, recommendationId: string, today: DateOnly): Promise<RecommendationView | undefined> {
  if (!isUuid(recommendationId)) return undefined;
  return (await recommendationsOfIncident(db, partnershipId, incidentId, today)).find((r) => r.id === recommendationId);
}

export async function checkRecommendation(db: Kysely<DB>, partnershipId: string, input: RecommendationDefinition): Promise<Problem[]> {
  const [themes, agencies] = await Promise.all([themeOptions(db), agenciesOf(db, partnershipId)]);
  return recommendationProblems(
    input,
    themes.map((t) => t.key),
    agencies.map((a) => a.id),
    todayInLondon(new Date()),
  );
}

const DUPLICATE_NUMBER: Problem = { field: 'number', message: 'This review already has a recommendation with that number' };
export const CONFLICT: Problem = { field: 'version', message: 'Someone else changed this since you opened the page. Their changes are shown: check them, then make yours again.' };

/** A recommendation's own columns as stored: trimmed, reasons kept only when not accepted in full. */
function recommendationColumns(input: RecommendationDefinition) {
  return {
    number: input.number.trim(),
    text: input.text.trim(),
    made_on: input.madeOn as DateOnly,
    themes: JSON.stringify(input.themes),
    agency_ids: JSON.stringify(input.agencyIds),
    response: (input.response || null) as Response | null,
    response_reasons: input.response && input.response !== 'accepted' ? input.responseReasons.trim() : '',
  };
}

/** Adds a recommendation to a case's review (by its id), or to a published review in the repository. */
export async function addRecommendation(trx: Kysely<DB>, cipher: FieldCipher, partnershipId: string, incidentId: string | ReviewRef, actor: Actor, input: RecommendationDefinition): Promise<Outcome<{ id: string }>> {
  const review: ReviewRef = typeof incidentId === 'string' ? { incidentId } : incidentId;
  const problems = await checkRecommendation(trx, partnershipId, input);
  if (!problems.length) problems.push(...(await publishedLearningProblems(trx, cipher, partnershipId, 'incidentId' in review ? review.incidentId : null, recommendationTexts(input))));
  if (problems.length) return { ok: false, problems };
  return withTenant(trx, [partnershipId], async (t) => {
    await lockReviewNumbers(t, 'recommendations', review);
    const taken = await t
      .selectFrom('recommendations')
      .select('id')
      .where('partnership_id', '=', partnershipId)
      .where(ofReview(review))
      .where('number', '=', input.number.trim())
      .executeTakeFirst();
    if (taken) return { ok: false, problems: [DUPLICATE_NUMBER] };
    const row = await t
      .insertInto('recommendations')
      .values({
        partnership_id: partnershipId,
        incident_id: 'incidentId' in review ? review.incidentId : null,
        publication_id: 'publicationId' in review ? review.publicationId : null,
        ...recommendationColumns(input),
        created_by: actor.userId,
        updated_by: actor.userId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { ok: true, id: row.id };
  });
}

/** Changes a recommendation if nobody else has since `version`; its actions' due dates must still follow its date. */
export async function updateRecommendation(trx: Kysely<DB>, cipher: FieldCipher, rec: RecommendationView, actor: Actor, input: RecommendationDefinition, version: number): Promise<Outcome> {
  const problems = await checkRecommendation(trx, rec.partnershipId, input);
  if (input.madeOn && rec.actions.some((a) => a.dueOn < (input.madeOn as string))) problems.push({ field: 'madeOn', message: 'The date of the recommendation cannot be after the due date of one of its actions' });
  if (!problems.length) problems.push(...(await publishedLearningProblems(trx, cipher, rec.partnershipId, rec.incidentId, changedTexts(recommendationTexts(input), recommendationTexts(rec)))));
  if (problems.length) return { ok: false, problems };
  return withTenant(trx, [rec.partnershipId], async (t) => {
    // A number is used once in a review, a case's or a published review's own (migration 0032).
    if (input.number.trim() !== rec.number) {
      const review: ReviewRef = rec.incidentId ? { incidentId: rec.incidentId } : { publicationId: rec.publicationId as string };
      await lockReviewNumbers(t, 'recommendations', review);
      const taken = await t.selectFrom('recommendations').select('id').where('partnership_id', '=', rec.partnershipId).where(ofReview(review)).where('number', '=', input.number.trim()).executeTakeFirst();
      if (taken) return { ok: false, problems: [DUPLICATE_NUMBER] };
    }
    return changeIfCurrent(t, 'recommendations', rec, version, actor, recommendationColumns(input));
  });
}

/**
 * Changes one row of a review (a recommendation or a finding) if nobody has since `version`: the
 * version moves on and who changed it is kept; otherwise the conflict, and nothing changes.
 */
export async function changeIfCurrent(
  t: Kysely<DB>,
  table: 'recommendations' | 'review_findings',
  row: { id: string; partnershipId: string },
  version: number,
  actor: Actor,
  values: Record<string, unknown>,
): Promise<Outcome> {
  const result = await t
    .updateTable(table as 'recommendations')
    .set((eb) => ({ ...values, version: eb('version', '+', 1), updated_by: actor.userId, updated_at: new Date() }) as never)
    .where('id', '=', row.id)
    .where('partnership_id', '=', row.partnershipId)
    .where('version', '=', version)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1 ? { ok: true } : { ok: false, problems: [CONFLICT], conflict: true };
}

/** Adds an action to a recommendation, owned by one of the partnership's agencies; its history starts here. */
export async function addAction(trx: Kysely<DB>, rec: RecommendationView, actor: Actor, input: ActionDefinition): Promise<Outcome<{ id: string }>> {
  const agencies = await agenciesOf(trx, rec.partnershipId);
  const problems = actionProblems(
    input,
    rec.madeOn,
    agencies.map((a) => a.id),
  );
  if (problems.length) return { ok: false, problems };
  return withTenant(trx, [rec.partnershipId], async (t) => {
    const row = await t
      .insertInto('recommendation_actions')
      .values({
        partnership_id: rec.partnershipId,
        recommendation_id: rec.id,
        agency_id: input.agencyId,
        lead_name: input.leadName.trim(),
        due_on: input.dueOn as DateOnly,
        intended_change: input.intendedChange.trim(),
        measure_of_success: input.measureOfSuccess.trim(),
        created_by: actor.userId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.insertInto('action_updates').values({ partnership_id: rec.partnershipId, action_id: row.id, step: 'created', from_status: null, to_status: 'not-started', created_by: actor.userId, created_by_name: actor.name }).execute();
    await actionAssigned(t, actor, { id: row.id, partnershipId: rec.partnershipId, agencyId: input.agencyId, incidentId: rec.incidentId, dueOn: input.dueOn as DateOnly });
    return { ok: true, id: row.id };
  });
}

/**
 * Changes what an action is (owner, lead, due date, intended change, measure) if nobody has changed
 * it since `version`; its status and evidence stay. The history records what changed.
 */
export async function updateAction(trx: Kysely<DB>, cipher: FieldCipher, action: ActionDetail, actor: Actor, input: ActionDefinition, version: number): Promise<Outcome<{ changed: string[] }>> {
  if (action.status === 'closed') return { ok: false, problems: [{ field: 'state', message: 'This action is closed: it was signed off and can no longer be changed' }] };
  const agencies = await agenciesOf(trx, action.partnershipId);
  const problems = actionProblems(
    input,
    action.recommendation.madeOn,
    agencies.map((a) => a.id),
  );
  if (problems.length) return { ok: false, problems };
  const name = (id: string) => agencies.find((a) => a.id === id)?.name ?? 'another agency';
  const changes: string[] = [];
  if (input.agencyId !== action.agencyId) changes.push(`Owning agency: ${action.agencyName} → ${name(input.agencyId)}`);
  if (input.leadName.trim() !== action.leadName) changes.push(`Named lead: ${action.leadName} → ${input.leadName.trim()}`);
  if (input.dueOn !== action.dueOn) changes.push(`Due date: ${action.dueOn} → ${input.dueOn}`);
  if (input.intendedChange.trim() !== action.intendedChange) changes.push('Intended change reworded');
  if (input.measureOfSuccess.trim() !== action.measureOfSuccess) changes.push('Measure of success reworded');
  if (changes.length === 0) return { ok: true, changed: [] };
  return withTenant(trx, [action.partnershipId], async (t) => {
    const result = await t
      .updateTable('recommendation_actions')
      .set((eb) => ({
        agency_id: input.agencyId,
        lead_name: input.leadName.trim(),
        due_on: input.dueOn as DateOnly,
        intended_change: input.intendedChange.trim(),
        measure_of_success: input.measureOfSuccess.trim(),
        version: eb('version', '+', 1),
        updated_at: new Date(),
      }))
      .where('id', '=', action.id)
      .where('partnership_id', '=', action.partnershipId)
      .where('version', '=', version)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return { ok: false, problems: [CONFLICT], conflict: true };
    await t
      .insertInto('action_updates')
      .values({ partnership_id: action.partnershipId, action_id: action.id, step: 'changed', from_status: action.status, to_status: action.status, text_enc: sealField(cipher, changes.join('\n')), created_by: actor.userId, created_by_name: actor.name })
      .execute();
    // Passed to another agency: it is theirs to take up now.
    if (input.agencyId !== action.agencyId) await actionAssigned(t, actor, { id: action.id, partnershipId: action.partnershipId, agencyId: input.agencyId, incidentId: action.recommendation.incidentId, dueOn: input.dueOn as DateOnly });
    return { ok: true, changed: changes };
  });
}

/** One action with its recommendation and history, if it is in `scope`. The caller checks `actionAccess`. */
export async function loadAction(db: Kysely<DB>, cipher: FieldCipher, scope: TenantScope, actionId: string, today: DateOnly): Promise<ActionDetail | undefined> {
  if (!isUuid(actionId)) return undefined;
  return withTenant(db, scope, async (trx) => {
    let q = trx
      .selectFrom('recommendation_actions')
      .innerJoin('agencies', 'agencies.id', 'recommendation_actions.agency_id')
      .innerJoin('recommendations', 'recommendations.id', 'recommendation_actions.recommendation_id')
      .leftJoin('incidents', 'incidents.id', 'recommendations.incident_id')
      .select(ACTION_COLUMNS)
      .select([
        'recommendation_actions.completion_evidence_enc',
        'recommendation_actions.completion_imported',
        'recommendation_actions.impact_what_changed_enc',
        'recommendation_actions.impact_evidence_enc',
        'recommendations.number as rec_number',
        'recommendations.text as rec_text',
        'recommendations.made_on as rec_made_on',
        'recommendations.incident_id as rec_incident_id',
        'incidents.reference as incident_reference',
      ])
      .where('recommendation_actions.id', '=', actionId);
    if (scope !== 'all') q = q.where('recommendation_actions.partnership_id', 'in', scope.length ? scope : ['00000000-0000-0000-0000-000000000000']);
    const row = await q.executeTakeFirst();
    if (!row) return undefined;
    const updates = await trx.selectFrom('action_updates').selectAll().where('action_id', '=', actionId).where('partnership_id', '=', row.partnership_id).orderBy('created_at', 'desc').execute();
    return {
      ...summary(row as ActionRow, today),
      recommendation: { id: row.recommendation_id, number: row.rec_number, text: row.rec_text, madeOn: row.rec_made_on, incidentId: row.rec_incident_id, incidentReference: row.incident_reference ?? null },
      completionEvidence: openField(cipher, row.completion_evidence_enc),
      completionImported: row.completion_imported,
      impactWhatChanged: openField(cipher, row.impact_what_changed_enc),
      impactEvidence: openField(cipher, row.impact_evidence_enc),
      updates: updates.map((u) => ({
        id: u.id,
        step: u.step,
        fromStatus: u.from_status,
        toStatus: u.to_status,
        text: openField(cipher, u.text_enc),
        whatChanged: openField(cipher, u.what_changed_enc),
        by: u.created_by_name,
        at: formatDateTime(new Date(u.created_at)),
        atIso: new Date(u.created_at).toISOString(),
      })),
    };
  });
}

/** The partnership an action belongs to, whoever asks (for the audit trail of a refusal). */
export async function actionPartnership(db: Kysely<DB>, actionId: string): Promise<string | null> {
  if (!isUuid(actionId)) return null;
  const row = await withTenant(db, 'all', (trx) => trx.selectFrom('recommendation_actions').select('partnership_id').where('id', '=', actionId).executeTakeFirst());
  return row?.partnership_id ?? null;
}

/** How many files the action keeps as evidence of its completion, added since it was last sent back. */
async function completionFileCount(trx: Kysely<DB>, action: Pick<ActionDetail, 'id' | 'partnershipId'>): Promise<number> {
  const row = await trx
    .selectFrom('action_evidence_files')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('partnership_id', '=', action.partnershipId)
    .where('action_id', '=', action.id)
    .where('stage', '=', 'completion')
    // A lead who sends the action back has challenged the evidence it had: completing it again needs a
    // file added since, not the one already found wanting.
    .where(
      'created_at',
      '>',
      sql<Date>`coalesce((select max(u.created_at) from action_updates u where u.partnership_id = ${action.partnershipId} and u.action_id = ${action.id} and u.step = 'send-back'), '-infinity'::timestamptz)`,
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Records a step on an action (a progress update, completion with evidence, the impact, sign-off or
 * sending back) if the action is still at `version`: the status, the latest evidence and a new
 * line of history change together, or nothing does.
 */
export async function recordStep(
  trx: Kysely<DB>,
  cipher: FieldCipher,
  action: ActionDetail,
  actor: Actor,
  role: StepRole,
  step: string,
  input: StepInput,
  version: number,
): Promise<Outcome<{ from: ActionStatus; to: ActionStatus; step: ActionStep }>> {
  return withTenant(trx, [action.partnershipId], async (t) => {
    // Completion needs a file of evidence: those attached before, or uploaded with this step in the
    // same transaction, counted here so the rule reads what is really stored.
    const evidenceFiles = step === 'complete' ? await completionFileCount(t, action) : 0;
    const checked = checkStep(action.status, step, role, { ...input, evidenceFiles });
    if (!checked.ok) return checked;
    const s = step as ActionStep;
    const evidence: Record<string, string | boolean | null> = {};
    if (s === 'complete') Object.assign(evidence, { completion_evidence_enc: sealField(cipher, input.text.trim()), sent_back: false });
    if (s === 'evaluate') Object.assign(evidence, { impact_what_changed_enc: sealField(cipher, input.whatChanged.trim()), impact_evidence_enc: sealField(cipher, input.text.trim()) });
    if (s === 'send-back') evidence.sent_back = true;
    const result = await t
      .updateTable('recommendation_actions')
      .set((eb) => ({ status: checked.to, ...evidence, version: eb('version', '+', 1), updated_at: new Date() }))
      .where('id', '=', action.id)
      .where('partnership_id', '=', action.partnershipId)
      .where('version', '=', version)
      .where('status', '=', action.status)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return { ok: false, problems: [CONFLICT], conflict: true };
    await t
      .insertInto('action_updates')
      .values({
        partnership_id: action.partnershipId,
        action_id: action.id,
        step: s,
        from_status: action.status,
        to_status: checked.to,
        text_enc: sealField(cipher, input.text.trim()),
        what_changed_enc: s === 'evaluate' ? sealField(cipher, input.whatChanged.trim()) : null,
        created_by: actor.userId,
        created_by_name: actor.name,
      })
      .execute();
    // Sent back by a partner lead, the action is the agency's again; any other step takes it up.
    if (s === 'send-back') await actionAssigned(t, actor, { id: action.id, partnershipId: action.partnershipId, agencyId: action.agencyId, incidentId: action.recommendation.incidentId, dueOn: action.dueOn });
    else await actionTakenUp(t, actor, action);
    return { ok: true, from: action.status, to: checked.to, step: s };
  });
}

/** `reviewId`: a case's (incident id) or a published review's (publication id): the review the recommendation came from. */
export type ActionFilters = { agencyId?: string; status?: ActionStatus | 'open'; overdue?: boolean; theme?: string; reviewId?: string; page: number };
export const PAGE_SIZE = 25;

/** `publicationTitle`: the published review a recommendation came from when it is not one of a case's (imported or recurring learning). */
export type ActionListItem = ActionSummary & { recommendationNumber: string; incidentId: string | null; incidentReference: string | null; publicationTitle: string | null };

/**
 * Open actions across every review the person may see, filtered and paged: the whole partnership's
 * for the business unit and leads, only their own agency's for an agency contributor.
 */
export async function listActions(db: Kysely<DB>, principal: Principal, filters: ActionFilters, today: DateOnly): Promise<{ items: ActionListItem[]; total: number; pages: number }> {
  const wide = partnershipsWith(principal, 'case:read');
  const ownAgencies = agenciesWith(principal, 'agency-request:respond');
  const scope = learningScope(principal);
  if (scope !== 'all' && scope.length === 0) return { items: [], total: 0, pages: 0 };
  return withTenant(db, scope, async (trx) => {
    let q = trx
      .selectFrom('recommendation_actions')
      .innerJoin('agencies', 'agencies.id', 'recommendation_actions.agency_id')
      .innerJoin('recommendations', 'recommendations.id', 'recommendation_actions.recommendation_id')
      .leftJoin('incidents', 'incidents.id', 'recommendations.incident_id')
      .leftJoin('publications', 'publications.id', 'recommendations.publication_id');
    // What the person may see: whole partnerships (case:read), or their own agencies' actions.
    q = q.where((eb) => {
      const ors = [];
      if (wide === 'all') ors.push(eb.val(true));
      else if (wide.length) ors.push(eb('recommendation_actions.partnership_id', 'in', wide));
      if (ownAgencies.length) ors.push(eb('recommendation_actions.agency_id', 'in', ownAgencies));
      return ors.length ? eb.or(ors) : eb.val(false);
    });
    if (filters.agencyId && isUuid(filters.agencyId)) q = q.where('recommendation_actions.agency_id', '=', filters.agencyId);
    if (filters.status === 'open' || !filters.status) q = q.where('recommendation_actions.status', '!=', 'closed');
    else q = q.where('recommendation_actions.status', '=', filters.status);
    if (filters.overdue) q = q.where('recommendation_actions.due_on', '<', today).where('recommendation_actions.status', 'in', ['not-started', 'in-progress']);
    if (filters.theme && /^[a-z0-9-]{1,80}$/.test(filters.theme)) q = q.where(sql<boolean>`recommendations.themes @> ${JSON.stringify([filters.theme])}::jsonb`);
    const reviewId = filters.reviewId;
    if (reviewId && isUuid(reviewId)) q = q.where((eb) => eb.or([eb('recommendations.incident_id', '=', reviewId), eb('recommendations.publication_id', '=', reviewId)]));
    const { total } = await q.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
    const rows = await q
      .select(ACTION_COLUMNS)
      .select(['recommendations.number as rec_number', 'recommendations.incident_id as rec_incident_id', 'incidents.reference as incident_reference', 'publications.title as publication_title'])
      .orderBy('recommendation_actions.due_on')
      .orderBy('recommendation_actions.id')
      .limit(PAGE_SIZE)
      .offset((Math.max(1, filters.page) - 1) * PAGE_SIZE)
      .execute();
    const count = Number(total);
    return {
      total: count,
      pages: Math.ceil(count / PAGE_SIZE),
      items: rows.map((r) => ({
        ...summary(r as ActionRow, today),
        recommendationNumber: r.rec_number,
        incidentId: r.rec_incident_id,
        incidentReference: r.incident_reference ?? null,
        publicationTitle: r.publication_title ?? null,
      })),
    };
  });
}

export { isOpen };

/** A recommendation of a case's review or of a published review by its id alone, if it is in `scope`. */
export async function loadRecommendation(db: Kysely<DB>, scope: TenantScope, recommendationId: string, today: DateOnly): Promise<RecommendationView | undefined> {
  if (!isUuid(recommendationId)) return undefined;
  if (scope !== 'all' && scope.length === 0) return undefined;
  const row = await withTenant(db, scope, (trx) => {
    let q = trx.selectFrom('recommendations').select(['partnership_id', 'incident_id', 'publication_id']).where('id', '=', recommendationId);
    if (scope !== 'all') q = q.where('partnership_id', 'in', scope);
    return q.executeTakeFirst();
  });
  // A published review's own recommendation (no case holds it) is found through its publication.
  if (row && !row.incident_id && row.publication_id) return (await recommendationsOfReview(db, row.partnership_id, { publicationId: row.publication_id }, today)).find((r) => r.id === recommendationId);
  if (!row?.incident_id) return undefined;
  return findRecommendation(db, row.partnership_id, row.incident_id, recommendationId, today);
}

/** The partnership a recommendation belongs to, whoever asks (for the audit trail of a refusal). */
export async function recommendationPartnership(db: Kysely<DB>, recommendationId: string): Promise<string | null> {
  if (!isUuid(recommendationId)) return null;
  const row = await withTenant(db, 'all', (trx) => trx.selectFrom('recommendations').select('partnership_id').where('id', '=', recommendationId).executeTakeFirst());
  return row?.partnership_id ?? null;
}

/** The reviews (cases) with recommendations whose actions the person may see, for the assurance view's filter. */
export async function reviewsWithActions(db: Kysely<DB>, principal: Principal): Promise<{ id: string; reference: string }[]> {
  const wide = partnershipsWith(principal, 'case:read');
  const ownAgencies = agenciesWith(principal, 'agency-request:respond');
  const scope = learningScope(principal);
  if (scope !== 'all' && scope.length === 0) return [];
  return withTenant(db, scope, async (trx) => {
    // A case's review by its reference; a published review (imported or recurring learning) by its title.
    const reviews = () =>
      trx
        .selectFrom('recommendations')
        .leftJoin('incidents', 'incidents.id', 'recommendations.incident_id')
        .leftJoin('publications', 'publications.id', 'recommendations.publication_id')
        .select((eb) => [eb.fn.coalesce('incidents.id', 'publications.id').as('id'), eb.fn.coalesce('incidents.reference', 'publications.title').as('reference')])
        .where((eb) => eb.or([eb('incidents.id', 'is not', null), eb('publications.id', 'is not', null)]));
    // The whole partnership's reviews with recommendations: from the recommendations, not every action.
    const whole = wide === 'all' || wide.length ? await (wide === 'all' ? reviews() : reviews().where('recommendations.partnership_id', 'in', wide)).distinct().execute() : [];
    const own = ownAgencies.length
      ? await reviews()
          .innerJoin('recommendation_actions', 'recommendation_actions.recommendation_id', 'recommendations.id')
          .where('recommendation_actions.agency_id', 'in', ownAgencies)
          .distinct()
          .execute()
      : [];
    const byId = new Map([...whole, ...own].filter((r): r is { id: string; reference: string } => r.id !== null && r.reference !== null).map((r) => [r.id, r]));
    return [...byId.values()].sort((a, b) => a.reference.localeCompare(b.reference));
  });
}

export type PublishedRecommendation = { number: string; text: string; response: Response | null; responseReasons: string; status: string };

/**
 * The recommendations published with a review: those recorded on its case or on the publication
 * itself, each with its response and current status. Public once the review is published.
 */
export async function publishedRecommendations(db: Kysely<DB>, publication: { id: string; partnershipId: string; incidentId: string | null }): Promise<PublishedRecommendation[]> {
  const rows = await withTenant(db, [publication.partnershipId], async (trx) => {
    const recs = await trx
      .selectFrom('recommendations')
      .select(['id', 'number', 'text', 'response', 'response_reasons'])
      .where('partnership_id', '=', publication.partnershipId)
      .where((eb) => (publication.incidentId ? eb.or([eb('publication_id', '=', publication.id), eb('incident_id', '=', publication.incidentId)]) : eb('publication_id', '=', publication.id)))
      .execute();
    const actions = recs.length
      ? await trx.selectFrom('recommendation_actions').select(['recommendation_id', 'status']).where('partnership_id', '=', publication.partnershipId).where('recommendation_id', 'in', recs.map((r) => r.id)).execute()
      : [];
    return recs.map((r) => ({ ...r, statuses: actions.filter((a) => a.recommendation_id === r.id).map((a) => a.status) }));
  });
  return rows
    .map((r) => ({ number: r.number, text: r.text, response: r.response, responseReasons: r.response_reasons, status: recommendationProgress(r.response, r.statuses).label }))
    .sort((a, b) => a.number.localeCompare(b.number, 'en', { numeric: true }));
}
