import type { Kysely } from 'kysely';
import type { IncidentState } from '../../domain/workflow/incident-workflow.ts';
import type { FieldCipher } from '../../platform/crypto/field-encryption.ts';
import type { TenantScope } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import { loadIncident, type IncidentDetail } from '../cases/service.ts';

/**
 * Which cases hold a review whose recommendations the partnership records: every kind of review
 * a case can have, not only a local review. A rapid review "considers whether improvements can be
 * identified" (Working Together 2023, ch. 5, para 5.36 onwards), and its learning is acted on even
 * when no local review follows; a practice learning review, deep dive or audit (also of a case
 * below the threshold), and a national review the Panel leads with local input, make
 * recommendations the partnership answers for too. A case merely recorded or notified has no
 * review yet; one found not notifiable has none unless a review below the threshold was decided.
 */
export const CASE_REVIEW_STATES: readonly IncidentState[] = [
  'rapid-review',
  'decision',
  'local-review',
  'alternative-review',
  'no-review',
  'national-review',
  'completed',
  'published',
  'closed',
];

export function holdsReview(incident: { state: IncidentState; dates: { belowThresholdReview?: string } }): boolean {
  return CASE_REVIEW_STATES.includes(incident.state) || Boolean(incident.dates.belowThresholdReview);
}

/** The kind of review a case holds, in words, for its recommendations pages. */
export function reviewKindOf(incident: IncidentDetail): string {
  if (incident.state === 'national-review') return 'National review';
  if (incident.reviewDecision === 'local-review') return 'Local child safeguarding practice review';
  if (incident.reviewDecision === 'alternative-review' || incident.dates.belowThresholdReview) return 'Practice learning review';
  return 'Rapid review';
}

/** A case's review for its recommendations (only what the pages and the API need of it). */
export type CaseReview = { incident: IncidentDetail; kind: string };

/** The case's review in `scope`, whatever its kind; undefined when the case is not in scope or holds no review. */
export async function loadCaseReview(db: Kysely<DB>, cipher: FieldCipher, scope: TenantScope, incidentId: string): Promise<CaseReview | undefined> {
  const incident = await loadIncident(db, cipher, scope, incidentId);
  if (!incident || !holdsReview(incident)) return undefined;
  return { incident, kind: reviewKindOf(incident) };
}
