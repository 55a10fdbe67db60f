import type { Kysely } from 'kysely';
import type { TenantScope } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';

/**
 * SQL of the workflow's facts: only what a transition's check reads from the rapid review and the
 * review (their features keep the rest). Callers run these inside withTenant; each query also
 * filters by the partnerships of the scope itself.
 */

type Db = Kysely<DB>;

function only(scope: TenantScope): string[] | null {
  return scope === 'all' ? null : scope;
}

/** The partners who have signed off the rapid review's decision, in the order they signed. */
export async function selectSignedPartners(db: Db, scope: TenantScope, incidentId: string) {
  const ids = only(scope);
  return db
    .selectFrom('rapid_review_sign_offs')
    .select('partner')
    .where('incident_id', '=', incidentId)
    .$if(ids !== null, (q) => q.where('partnership_id', 'in', ids as string[]))
    .orderBy('signed_at')
    .execute();
}

/** The rapid review's decision and the date the partners decided (none until recorded). */
export async function selectRapidReviewDecision(db: Db, scope: TenantScope, incidentId: string) {
  const ids = only(scope);
  return db
    .selectFrom('rapid_reviews')
    .select(['decision', 'decided_on'])
    .where('incident_id', '=', incidentId)
    .$if(ids !== null, (q) => q.where('partnership_id', 'in', ids as string[]))
    .executeTakeFirst();
}

/** The review's publication decision. */
export async function selectPublicationDecision(db: Db, partnershipId: string, incidentId: string) {
  return db.selectFrom('reviews').select('publication_decision').where('incident_id', '=', incidentId).where('partnership_id', '=', partnershipId).executeTakeFirst();
}

/** How many final report versions the review holds. */
export async function countFinalReports(db: Db, partnershipId: string, incidentId: string) {
  return db
    .selectFrom('review_reports')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('incident_id', '=', incidentId)
    .where('partnership_id', '=', partnershipId)
    .where('kind', '=', 'final')
    .executeTakeFirst();
}
