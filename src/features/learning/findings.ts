import type { Kysely } from 'kysely';
import { todayInLondon, type DateOnly } from '../../domain/calendar/date-only.ts';
import { cleanFinding, findingProblems, type FindingDefinition } from '../../domain/learning/findings.ts';
import type { FieldCipher } from '../../platform/crypto/field-encryption.ts';
import { changedTexts, findingTexts, publishedLearningProblems } from './published-learning-guard.ts';
import { withTenant, type TenantScope } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import type { Problem } from '../../platform/http/form-body.ts';
import { isUuid, type Actor } from '../cases/service.ts';
import { changeIfCurrent, lockReviewNumbers, ofReview, themeOptions, type Outcome, type ReviewRef } from './service.ts';

/**
 * A review's findings (the rule is src/domain/learning/findings.ts): kept on the same reviews as
 * recommendations (a case's review of any kind, or a published review no case holds), numbered
 * once in a review, each naming the recommendations of its own review it leads to. Free of HTTP:
 * callers check access and make every change through `req.change` with its audit entry.
 */

export type FindingView = {
  id: string;
  partnershipId: string;
  incidentId: string | null;
  publicationId: string | null;
  number: string;
  text: string;
  foundOn: DateOnly;
  themes: string[];
  recommendationIds: string[];
  /** The numbers of the recommendations it leads to, in number order (for pages and the public page). */
  recommendationNumbers: string[];
  version: number;
};

const byNumber = (a: { number: string }, b: { number: string }) => a.number.localeCompare(b.number, 'en', { numeric: true });

/** The recommendations of a review, id and number: what a finding may lead to. */
async function recommendationsOf(trx: Kysely<DB>, partnershipId: string, review: ReviewRef): Promise<{ id: string; number: string }[]> {
  return trx.selectFrom('recommendations').select(['id', 'number']).where('partnership_id', '=', partnershipId).where(ofReview(review)).execute();
}

/** The findings of a case's review or of a published review, in number order. */
export async function findingsOfReview(db: Kysely<DB>, partnershipId: string, review: ReviewRef): Promise<FindingView[]> {
  if (!isUuid('incidentId' in review ? review.incidentId : review.publicationId)) return [];
  return withTenant(db, [partnershipId], async (trx) => {
    const rows = await trx.selectFrom('review_findings').selectAll().where('partnership_id', '=', partnershipId).where(ofReview(review)).execute();
    const numbers = new Map((rows.length ? await recommendationsOf(trx, partnershipId, review) : []).map((r) => [r.id, r.number]));
    return rows
      .map((r) => {
        const recommendationIds = (r.recommendation_ids ?? []).filter((id) => numbers.has(id));
        return {
          id: r.id,
          partnershipId: r.partnership_id,
          incidentId: r.incident_id,
          publicationId: r.incident_id ? null : r.publication_id,
          number: r.number,
          text: r.text,
          foundOn: r.found_on as DateOnly,
          themes: r.themes ?? [],
          recommendationIds,
          recommendationNumbers: recommendationIds.map((id) => numbers.get(id) as string).sort((a, b) => a.localeCompare(b, 'en', { numeric: true })),
          version: r.version,
        };
      })
      .sort(byNumber);
  });
}

/** Everything wrong with a finding for `review`, before anything is saved. */
export async function checkFinding(db: Kysely<DB>, partnershipId: string, review: ReviewRef, input: FindingDefinition): Promise<Problem[]> {
  const [themes, recs] = await Promise.all([themeOptions(db), withTenant(db, [partnershipId], (trx) => recommendationsOf(trx, partnershipId, review))]);
  return findingProblems(
    input,
    themes.map((t) => t.key),
    recs.map((r) => r.id),
    todayInLondon(new Date()),
  );
}

const DUPLICATE_NUMBER: Problem = { field: 'number', message: 'This review already has a finding with that number' };

async function numberTaken(trx: Kysely<DB>, partnershipId: string, review: ReviewRef, number: string): Promise<boolean> {
  return Boolean(await trx.selectFrom('review_findings').select('id').where('partnership_id', '=', partnershipId).where('number', '=', number).where(ofReview(review)).executeTakeFirst());
}

/** Adds a finding to a case's review or to a published review. */
export async function addFinding(trx: Kysely<DB>, cipher: FieldCipher, partnershipId: string, review: ReviewRef, actor: Actor, definition: FindingDefinition): Promise<Outcome<{ id: string }>> {
  const problems = await checkFinding(trx, partnershipId, review, definition);
  const input = cleanFinding(definition);
  if (!problems.length) problems.push(...(await publishedLearningProblems(trx, cipher, partnershipId, 'incidentId' in review ? review.incidentId : null, findingTexts(input))));
  if (problems.length) return { ok: false, problems };
  return withTenant(trx, [partnershipId], async (t) => {
    await lockReviewNumbers(t, 'review_findings', review);
    if (await numberTaken(t, partnershipId, review, input.number)) return { ok: false, problems: [DUPLICATE_NUMBER] };
    const row = await t
      .insertInto('review_findings')
      .values({
        partnership_id: partnershipId,
        incident_id: 'incidentId' in review ? review.incidentId : null,
        publication_id: 'publicationId' in review ? review.publicationId : null,
        number: input.number,
        text: input.text,
        found_on: input.foundOn as DateOnly,
        themes: JSON.stringify(input.themes),
        recommendation_ids: JSON.stringify(input.recommendationIds),
        created_by: actor.userId,
        updated_by: actor.userId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { ok: true, id: row.id };
  });
}

/** The review a finding belongs to. */
export function reviewOfFinding(f: Pick<FindingView, 'incidentId' | 'publicationId'>): ReviewRef {
  return f.incidentId ? { incidentId: f.incidentId } : { publicationId: f.publicationId as string };
}

/** Changes a finding if nobody else has since `version`. */
export async function updateFinding(trx: Kysely<DB>, cipher: FieldCipher, finding: FindingView, actor: Actor, definition: FindingDefinition, version: number): Promise<Outcome> {
  const review = reviewOfFinding(finding);
  const problems = await checkFinding(trx, finding.partnershipId, review, definition);
  const input = cleanFinding(definition);
  if (!problems.length) problems.push(...(await publishedLearningProblems(trx, cipher, finding.partnershipId, finding.incidentId, changedTexts(findingTexts(input), findingTexts(finding)))));
  if (problems.length) return { ok: false, problems };
  return withTenant(trx, [finding.partnershipId], async (t) => {
    if (input.number !== finding.number) {
      await lockReviewNumbers(t, 'review_findings', review);
      if (await numberTaken(t, finding.partnershipId, review, input.number)) return { ok: false, problems: [DUPLICATE_NUMBER] };
    }
    return changeIfCurrent(t, 'review_findings', finding, version, actor, {
      number: input.number,
      text: input.text,
      found_on: input.foundOn as DateOnly,
      themes: JSON.stringify(input.themes),
      recommendation_ids: JSON.stringify(input.recommendationIds),
    });
  });
}

/** A finding by its id alone, if it is in `scope`. */
export async function loadFinding(db: Kysely<DB>, scope: TenantScope, findingId: string): Promise<FindingView | undefined> {
  if (!isUuid(findingId) || (scope !== 'all' && scope.length === 0)) return undefined;
  const row = await withTenant(db, scope, (trx) => {
    let q = trx.selectFrom('review_findings').select(['partnership_id', 'incident_id', 'publication_id']).where('id', '=', findingId);
    if (scope !== 'all') q = q.where('partnership_id', 'in', scope);
    return q.executeTakeFirst();
  });
  if (!row) return undefined;
  return (await findingsOfReview(db, row.partnership_id, reviewOfFinding({ incidentId: row.incident_id, publicationId: row.publication_id }))).find((f) => f.id === findingId);
}

/** The partnership a finding belongs to, whoever asks (for the audit trail of a refusal). */
export async function findingPartnership(db: Kysely<DB>, findingId: string): Promise<string | null> {
  if (!isUuid(findingId)) return null;
  const row = await withTenant(db, 'all', (trx) => trx.selectFrom('review_findings').select('partnership_id').where('id', '=', findingId).executeTakeFirst());
  return row?.partnership_id ?? null;
}

export type PublishedFinding = { number: string; text: string; recommendationNumbers: string[] };

/**
 * The findings published with a review, with the recommendations each led to: those recorded on its
 * case or on the publication itself. Public once the review is published.
 */
export async function publishedFindings(db: Kysely<DB>, publication: { id: string; partnershipId: string; incidentId: string | null }): Promise<PublishedFinding[]> {
  const review: ReviewRef = publication.incidentId ? { incidentId: publication.incidentId } : { publicationId: publication.id };
  const own = publication.incidentId ? await findingsOfReview(db, publication.partnershipId, { publicationId: publication.id }) : [];
  const found = [...(await findingsOfReview(db, publication.partnershipId, review)), ...own];
  return found.map((f) => ({ number: f.number, text: f.text, recommendationNumbers: f.recommendationNumbers })).sort(byNumber);
}
