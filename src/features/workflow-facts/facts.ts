import type { Kysely } from 'kysely';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import type { SignedDecision } from '../../domain/workflow/decision.ts';
import { STATUTORY_PARTNERS, type IncidentState, type StatutoryPartner, type WorkflowDate, type WorkflowFacts } from '../../domain/workflow/incident-workflow.ts';
import { withTenant, type TenantScope } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import { countFinalReports, selectPublicationDecision, selectRapidReviewDecision, selectSignedPartners } from './queries.ts';

/**
 * The workflow's facts: what the checks of a transition or step (src/domain/workflow) see of an
 * incident — its recorded dates, and what the rapid review and the review hold. This is their one
 * home: the cases, rapid-review and review features all read them here, and this module reads no
 * feature, so imports run one way (feature → workflow facts → domain).
 */

/** What the workflow's checks need of an incident (an IncidentRecord of the cases feature fits). */
export type WorkflowIncident = {
  id: string;
  partnershipId: string;
  state: IncidentState;
  aware: DateOnly;
  dates: Partial<Record<WorkflowDate, DateOnly>>;
};

/** What the workflow's checks see of an incident. */
export function workflowFacts(incident: Pick<WorkflowIncident, 'aware' | 'dates'>): WorkflowFacts {
  return { aware: incident.aware, ...incident.dates };
}

/** What the workflow needs to know of a rapid review: who has signed off its decision, and the decision once all three have. */
export async function rapidReviewFacts(trx: Kysely<DB>, scope: TenantScope, incidentId: string): Promise<{ rapidReviewSignOffs: StatutoryPartner[]; rapidReviewDecision: SignedDecision | null }> {
  const signOffs = (await selectSignedPartners(trx, scope, incidentId)).map((s) => s.partner);
  const review = await selectRapidReviewDecision(trx, scope, incidentId);
  const allSigned = STATUTORY_PARTNERS.every((p) => signOffs.includes(p));
  return {
    rapidReviewSignOffs: signOffs,
    rapidReviewDecision: allSigned && review?.decision && review.decided_on ? { decision: review.decision, decidedOn: review.decided_on } : null,
  };
}

/** What the workflow needs to know of a review: completing it needs a final report; publishing needs the decision. */
export async function reviewFacts(trx: Kysely<DB>, partnershipId: string, incidentId: string): Promise<{ finalReports: number; publicationDecision: string | null }> {
  const [row, finals] = await Promise.all([
    selectPublicationDecision(trx, partnershipId, incidentId),
    countFinalReports(trx, partnershipId, incidentId),
  ]);
  return { finalReports: Number(finals?.n ?? 0), publicationDecision: row?.publication_decision ?? null };
}

/**
 * The workflow facts with what other features hold: while the rapid review is open, the
 * partners who have signed off its decision (sending it to the Panel needs all three); while a
 * review is under way or completed, its final report versions and publication decision.
 */
export async function fullWorkflowFacts(db: Kysely<DB>, scope: TenantScope, incident: WorkflowIncident): Promise<WorkflowFacts> {
  const inTenant = <T>(work: (trx: Kysely<DB>) => Promise<T>) => withTenant(db, scope, work);
  if (incident.state === 'rapid-review') {
    return { ...workflowFacts(incident), ...(await inTenant((trx) => rapidReviewFacts(trx, scope, incident.id))) };
  }
  if (incident.state === 'local-review' || incident.state === 'alternative-review' || incident.state === 'completed') {
    return { ...workflowFacts(incident), ...(await inTenant((trx) => reviewFacts(trx, incident.partnershipId, incident.id))) };
  }
  return workflowFacts(incident);
}
