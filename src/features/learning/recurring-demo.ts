import type { Kysely } from 'kysely';
import { addDays, type DateOnly } from '../../domain/calendar/date-only.ts';
import type { ActionStatus } from '../../domain/learning/actions.ts';
import { sealField, type FieldCipher } from '../../platform/crypto/field-encryption.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';

/**
 * Recommendations of the demo partnership's published reviews (fictional), written so that the
 * same lessons come back across years: information sharing, men unseen in the household,
 * professional curiosity, escalation, safer sleep, neglect, bruising in non-mobile babies. Each
 * has an action whose status shows whether the earlier response worked: the older ones closed,
 * the latest still open. With the recommendations of the demo case's review, the recurring
 * learning page shows real groups after `npm start`. Some of the reviews' findings too, recurring
 * in the same way.
 */
const LESSONS: Record<string, [string, string[]][]> = {
  'Child L': [
    ['Agencies should use the neglect assessment tool so that the cumulative impact of chronic neglect on a child is recognised, not each concern alone.', ['neglect']],
    ['Schools should share information about persistent absence with children’s social care and health promptly when there are other concerns about a child.', ['information-sharing', 'missing-education']],
  ],
  'Baby K': [
    ['Any bruise on a non-mobile baby must be referred to children’s social care and a paediatrician under the bruising protocol, whatever explanation is given.', ['bruising-fractures-non-mobile-babies']],
    ['Assessments must identify the father and every man living in or visiting the household, and include them in plans, not only the mother.', ['invisible-or-hidden-men']],
  ],
  'Child J': [
    ['Police, health and children’s social care should share information about exploitation risks on the same day, without waiting for a strategy meeting.', ['information-sharing', 'child-sexual-exploitation']],
  ],
  'Child H': [
    ['Practitioners should ask who lives in the household at every visit and find out about the mother’s new partners, sharing what they learn.', ['invisible-or-hidden-men', 'domestic-abuse']],
    ['Staff should use the escalation policy when they disagree with a decision to close a case, and challenge decisions that leave a child at risk.', ['escalation-and-challenge']],
  ],
  'Baby F': [
    ['Health visitors should see where the baby sleeps at every home visit and repeat safer sleep advice about co-sleeping, alcohol and drugs when circumstances change.', ['sudi-safer-sleep']],
  ],
  'Child E': [
    ['Practitioners should recognise the cumulative harm of neglect over time and use the neglect tool to track whether the child’s life improves.', ['neglect']],
  ],
  'Children C and B': [
    ['Practitioners should show professional curiosity and question explanations given by parents rather than accept them at face value.', ['professional-curiosity']],
    ['Agencies should share information about the household promptly with children’s social care, and not wait to be asked.', ['information-sharing']],
  ],
  'Northmoor babies': [
    ['GPs and emergency departments should follow the bruising protocol for non-mobile babies, whatever explanation is given.', ['bruising-fractures-non-mobile-babies', 'abusive-head-trauma']],
    ['Services should engage fathers and male carers in the baby’s life and record who they are, including men visiting the household.', ['invisible-or-hidden-men']],
    ['Practitioners should be confident to escalate concerns and challenge decisions of other agencies through the escalation policy.', ['escalation-and-challenge']],
  ],
  'Child M': [
    ['Staff were too accepting of parents’ explanations: supervision should promote professional curiosity so that explanations are questioned and checked.', ['professional-curiosity']],
    ['Schools, GPs and children’s social care should share a concern about a child’s sexualised behaviour on the day it arises, recording what the child said in the child’s own words.', ['information-sharing', 'child-sexual-abuse-in-the-family']],
  ],
};

/**
 * What some of those reviews found (fictional), written as findings are: what happened in practice,
 * not what should change. The same failings come back across years (men unseen in the household,
 * information not shared, explanations accepted); each names the
 * recommendation of its review it led to (by its place in LESSONS), or none.
 */
const FINDINGS: Record<string, [string, string[], number | null][]> = {
  'Child L': [['Schools knew of the child’s persistent absence for a year but did not share it with health or children’s social care.', ['information-sharing', 'missing-education'], 1]],
  'Baby K': [['The mother’s new partner lived in the household for months; no agency knew who he was or asked about him.', ['invisible-or-hidden-men'], 1]],
  'Child H': [
    ['Practitioners did not ask who lived in the household: the mother’s partner was never seen or spoken to by any agency.', ['invisible-or-hidden-men'], 0],
    ['Staff disagreed with the decision to close the case but did not use the escalation policy to challenge it.', ['escalation-and-challenge'], 1],
  ],
  'Baby F': [['Nobody saw where the baby slept; safer sleep advice given at birth was not repeated when the family moved and the parents drank.', ['sudi-safer-sleep'], 0]],
  'Children C and B': [['Agencies held information about the household but each waited to be asked before sharing it with children’s social care.', ['information-sharing'], 1]],
  'Northmoor babies': [['Fathers and male carers were not seen or recorded by services, although men visited the household often.', ['invisible-or-hidden-men'], 1]],
  'Child M': [
    ['Parents’ explanations of the child’s changed behaviour at school were accepted without question; practitioners were not curious about what the child was telling them.', ['professional-curiosity'], 0],
    ['The school and the GP each noticed the child’s sexualised behaviour, but neither shared it with the other or with children’s social care.', ['information-sharing', 'child-sexual-abuse-in-the-family'], 1],
  ],
};

/** Where an action on a review published in `year` is now: older ones signed off, the latest open. */
function statusFor(year: number, thisYear: number): ActionStatus {
  const age = thisYear - year;
  if (age >= 6) return 'closed';
  if (age >= 4) return 'impact-evaluated';
  if (age >= 2) return 'completed';
  if (age >= 1) return 'in-progress';
  return 'not-started';
}

export async function seedDemoRecurringLearning(db: Kysely<DB>, cipher: FieldCipher, partnershipId: string, adminId: string, today: DateOnly): Promise<number> {
  const thisYear = Number(today.slice(0, 4));
  return withTenant(db, [partnershipId], async (trx) => {
    const publications = await trx.selectFrom('publications').select(['id', 'title', 'published_on', 'review_completed_on']).where('partnership_id', '=', partnershipId).execute();
    const agencies = await trx.selectFrom('agencies').select(['id', 'name']).where('partnership_id', '=', partnershipId).orderBy('name').execute();
    if (!agencies.length) return 0;
    let added = 0;
    for (const [child, lessons] of Object.entries(LESSONS)) {
      const publication = publications.find((p) => p.title.includes(`: ${child} (fictional)`));
      if (!publication) continue;
      const madeOn = (publication.review_completed_on ?? publication.published_on).slice(0, 10) as DateOnly;
      const year = Number(String(publication.published_on).slice(0, 4));
      const recIds: string[] = [];
      for (const [i, [text, themes]] of lessons.entries()) {
        const agency = agencies[(added + i) % agencies.length];
        const rec = await trx
          .insertInto('recommendations')
          .values({ partnership_id: partnershipId, publication_id: publication.id, number: String(i + 1), text, made_on: madeOn, themes: JSON.stringify(themes), agency_ids: JSON.stringify([agency.id]), response: 'accepted', created_by: adminId, updated_by: adminId })
          .returning('id')
          .executeTakeFirstOrThrow();
        const status = statusFor(year, thisYear);
        // Done actions were due a year after the recommendation; open ones are due in the months
        // ahead, so the demo's one overdue action stays the one its own review shows.
        const dueOn = status === 'in-progress' || status === 'not-started' ? addDays(today, 90 + 30 * i) : (`${year + 1}-${madeOn.slice(5, 10)}` as DateOnly);
        const action = await trx
          .insertInto('recommendation_actions')
          .values({
            partnership_id: partnershipId,
            recommendation_id: rec.id,
            agency_id: agency.id,
            lead_name: 'Named lead (fictional)',
            due_on: dueOn,
            intended_change: text.replace(/ should | must /, ' will '),
            measure_of_success: 'An audit of cases a year on shows the change held (fictional).',
            status,
            completion_evidence_enc: status === 'in-progress' || status === 'not-started' ? null : sealField(cipher, 'Briefings held and the procedure changed; attendance and the new procedure kept (fictional).'),
            // Historic actions come from the partnership's old tracker: their completion is the tracker's record.
            completion_imported: status !== 'in-progress' && status !== 'not-started',
            impact_what_changed_enc: status === 'impact-evaluated' || status === 'closed' ? sealField(cipher, 'An audit a year on found the change in most cases (fictional).') : null,
            created_by: adminId,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await trx.insertInto('action_updates').values({ partnership_id: partnershipId, action_id: action.id, step: 'created', from_status: null, to_status: status, created_by: adminId, created_by_name: 'Demonstration data' }).execute();
        recIds.push(rec.id);
        added++;
      }
      for (const [i, [text, themes, ledTo]] of (FINDINGS[child] ?? []).entries()) {
        await trx
          .insertInto('review_findings')
          .values({ partnership_id: partnershipId, publication_id: publication.id, number: String(i + 1), text, found_on: madeOn, themes: JSON.stringify(themes), recommendation_ids: JSON.stringify(ledTo === null || !recIds[ledTo] ? [] : [recIds[ledTo]]), created_by: adminId, updated_by: adminId })
          .execute();
      }
    }
    return added;
  });
}
