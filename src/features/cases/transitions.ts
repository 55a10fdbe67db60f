import type { Kysely } from 'kysely';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import { caseDecisionOf, type SignedDecision, stateAfterSending } from '../../domain/workflow/decision.ts';
import { sentToPanelProblem } from '../../domain/workflow/step-dates.ts';
import {
  checkRecordedDate,
  checkStep,
  checkTransition,
  findStep,
  findTransition,
  type IncidentState,
  type May,
  type StepDefinition,
  type TransitionDefinition,
  WORKFLOW_DATE_LABELS,
  type WorkflowError,
  type WorkflowFacts,
} from '../../domain/workflow/incident-workflow.ts';
import { type TenantScope, withTenant } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import { fullWorkflowFacts, workflowFacts } from '../workflow-facts/facts.ts';
import type { FieldProblem } from './facts.ts';
import { insertEvent, selectIncident, updateIncident } from './queries.ts';
import { storeClocks } from './clock-store.ts';
import { CaseError, DATE_COLUMNS, type IncidentRecord, isUuid, noPartnerships, record } from './records.ts';
import type { Actor } from './timeline.ts';

/** Moving a case through the statutory workflow: transitions and recorded steps, with their answers. */

const SEND_RAPID_REVIEW = 'send-rapid-review';

export type StepInput = { date: DateOnly | null; reference: string; note: string };

export type StepResult =
  | { ok: true; reference: string; partnershipId: string; from: IncidentState; to: IncidentState; date: DateOnly | null; definition: TransitionDefinition | StepDefinition }
  | { ok: false; reason: 'not-found' }
  | { ok: false; reason: 'workflow'; error: WorkflowError }
  | { ok: false; reason: 'invalid'; problems: FieldProblem[] };

function answerProblems(definition: TransitionDefinition | StepDefinition, input: StepInput, incident: IncidentRecord, today: DateOnly): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (definition.date) {
    if (!input.date) problems.push({ field: 'date', message: `Enter ${WORKFLOW_DATE_LABELS[definition.date.field]}` });
    else {
      const p = checkRecordedDate(definition.date, input.date, workflowFacts(incident), today);
      if (p) problems.push({ field: 'date', message: p });
    }
  }
  if (definition.reference) {
    const ref = input.reference.trim();
    if (definition.reference.required && !ref) problems.push({ field: 'reference', message: 'Enter the Panel reference' });
    else if (ref.length > 100) problems.push({ field: 'reference', message: 'Panel reference must be 100 characters or fewer' });
  }
  if (definition.note) {
    const note = input.note.trim();
    if (definition.note.required && !note) problems.push({ field: 'note', message: `Enter the ${definition.note.label.toLowerCase().replace(/ \(optional\)$/, '')}` });
    else if (note.length > 5000) problems.push({ field: 'note', message: 'The note must be 5,000 characters or fewer' });
  }
  return problems;
}

/** The form a transition or step asks for: looked up by key; undefined when there is no such thing. */
export function definitionFor(key: string): TransitionDefinition | StepDefinition | undefined {
  return findTransition(key) ?? findStep(key);
}

/**
 * Takes a transition or records a step, checked against the workflow (order and permission) and
 * the answers (date, reference, note), and adds it to the timeline. The check runs on the incident
 * as it is in the database, locked, so two people cannot both move it from the same state.
 */
export async function recordWorkflowStep(
  db: Kysely<DB>,
  scope: TenantScope,
  actor: Actor,
  id: string,
  key: string,
  input: StepInput,
  may: (partnershipId: string) => May,
  today: DateOnly,
  /** Facts only the caller can vouch for: the publishing feature's `publicationChecked` after its checks. */
  vouched: WorkflowFacts = {},
): Promise<StepResult> {
  if (noPartnerships(scope) || !isUuid(id)) return { ok: false, reason: 'not-found' };
  return withTenant(db, scope, async (trx): Promise<StepResult> => {
    const row = await selectIncident(trx, scope, id, { forUpdate: true });
    if (!row) return { ok: false, reason: 'not-found' };
    const incident = record(row);
    // Sending the rapid review needs the three partners' sign-offs, which the rapid review feature keeps.
    const facts = { ...(await fullWorkflowFacts(trx, scope, incident)), ...vouched };
    const check = findTransition(key)
      ? checkTransition(incident.state, key, may(incident.partnershipId), facts)
      : checkStep(incident.state, key, may(incident.partnershipId), facts);
    if (!check.ok) return { ok: false, reason: 'workflow', error: check.error };
    const definition = check.definition;
    const problems = answerProblems(definition, input, incident, today);
    if (problems.length) return { ok: false, reason: 'invalid', problems };

    // One decision: sending the rapid review moves the case to the state of the decision the three
    // partners signed off, and records that decision and its date (the 6-month clock's start).
    const signed = definition.key === SEND_RAPID_REVIEW ? (facts.rapidReviewDecision as SignedDecision | null | undefined) ?? null : null;
    if (definition.key === SEND_RAPID_REVIEW) {
      if (!signed) return { ok: false, reason: 'workflow', error: { code: 'requirement', message: 'Record the decision in the rapid review, and have the three partners sign it off, before sending it to the Panel' } };
      // Sent with the signed-off decision: not before the decision, nor before the last sign-off.
      const early = input.date ? sentToPanelProblem(input.date, today, { decidedOn: signed.decidedOn, signedOn: [signed.signedOn ?? null] }) : null;
      if (early) return { ok: false, reason: 'invalid', problems: [{ field: 'date', message: early }] };
    }
    const to = signed ? stateAfterSending(signed.decision) : definition.kind === 'transition' ? definition.to : incident.state;
    const changes: Parameters<typeof updateIncident>[4] = { state: to, updated_by: actor.userId };
    if (signed) {
      const decided = caseDecisionOf(signed);
      changes.review_decision = decided.reviewDecision;
      changes.decision_on = decided.decisionOn;
      await trx.updateTable('rapid_reviews').set({ sent_on: input.date, updated_by: actor.userId }).where('incident_id', '=', id).where('partnership_id', '=', incident.partnershipId).execute();
    }
    if (definition.date && input.date) changes[DATE_COLUMNS[definition.date.field]] = input.date;
    if (definition.reference) changes.panel_reference = input.reference.trim() || null;
    if (definition.kind === 'transition') {
      for (const cleared of definition.clears ?? []) changes[DATE_COLUMNS[cleared]] = null;
      // A practice learning review of a case below the threshold: the partnership's own decision (there was no rapid review).
      if (definition.key === 'below-threshold-review' && input.date) {
        changes.review_decision = 'alternative-review';
        changes.decision_on = input.date;
      }
    }
    const saved = await updateIncident(trx, incident.partnershipId, id, incident.version, changes);
    if (!saved) throw new CaseError('The incident changed while it was being saved.');
    await storeClocks(trx, [incident.partnershipId], [id]);
    await insertEvent(trx, {
      incident_id: id,
      partnership_id: incident.partnershipId,
      kind: definition.key,
      actor_id: actor.userId,
      actor_name: actor.name,
      from_state: incident.state,
      to_state: to,
      note: input.note.trim() || null,
      details: JSON.stringify({
        ...(definition.date && input.date ? { date: input.date, dateLabel: WORKFLOW_DATE_LABELS[definition.date.field] } : {}),
        ...(definition.reference && input.reference.trim() ? { panelReference: input.reference.trim() } : {}),
        ...(signed ? { decision: signed.decision, decidedOn: signed.decidedOn } : {}),
      }),
    });
    return { ok: true, reference: incident.reference, partnershipId: incident.partnershipId, from: incident.state, to, date: input.date, definition };
  });
}
