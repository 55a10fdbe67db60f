import type { Kysely } from 'kysely';
import { todayInLondon, type DateOnly } from '../../src/domain/calendar/date-only.ts';
import type { FieldCipher } from '../../src/platform/crypto/field-encryption.ts';
import type { DB } from '../../src/platform/db/types.ts';
import { withTenant } from '../../src/platform/db/tenant.ts';
import { recordIncident } from '../../src/features/cases/service.ts';

/**
 * The cases the figures' and the yearly report's tests count, recorded through the service and then
 * dated as they happened (fixtures for tests only):
 *  - A: notified 5 working days after becoming aware (on time), rapid review on time, a local review decided;
 *  - B: notified 6 working days after (late); its rapid review never sent (overdue);
 *  - C: a local review due 20 November 2024, published 10 December after a pause for a criminal trial:
 *    late, with its reason; its publication, and a recommendation of A with two actions for the police.
 */
export async function recordFigureCases(
  db: Kysely<DB>,
  cipher: FieldCipher,
  who: { userId: string; partnershipId: string; policeId: string; slug: string; publication?: Record<string, unknown> },
): Promise<{ record: (partnershipId: string, ref: string, aware: DateOnly, dates: Record<string, unknown>) => Promise<string> }> {
  const today = todayInLondon(new Date());
  const record = async (partnershipId: string, ref: string, aware: DateOnly, dates: Record<string, unknown>) => {
    const r = await recordIncident(
      db,
      cipher,
      { userId: who.userId, name: 'Admin' },
      {
        partnershipId,
        facts: { outcome: 'serious-harm', abuseOrNeglect: 'suspected', location: 'in-area', incidentOn: aware, aware, whatIsKnown: '', agencyIds: [], otherAgencies: '' },
        children: [{ pseudonym: `Child ${ref}`, name: '', dateOfBirth: null, nhsNumber: '', address: '', familyNames: '', gender: null, ageAtIncident: 5, ageBand: null, lookedAfter: false, careLeaver: false }],
        referralId: null,
      },
      today,
    );
    if (!r.ok) throw new Error(`not recorded: ${JSON.stringify(r.problems)}`);
    await withTenant(db, [partnershipId], (trx) => trx.updateTable('incidents').set(dates).where('id', '=', r.id).execute());
    return r.id;
  };
  const p = who.partnershipId;
  const a = await record(p, 'A', '2024-12-02', { state: 'local-review', notified_on: '2024-12-09', rapid_review_started_on: '2024-12-10', rapid_review_sent_on: '2024-12-20', review_decision: 'local-review', decision_on: '2024-12-20' });
  await record(p, 'B', '2024-12-02', { state: 'notified', notified_on: '2024-12-10' });
  const c = await record(p, 'C', '2024-05-01', { state: 'published', notified_on: '2024-05-02', rapid_review_started_on: '2024-05-03', rapid_review_sent_on: '2024-05-10', review_decision: 'local-review', decision_on: '2024-05-20', completed_on: '2024-12-01', published_on: '2024-12-10' });
  await withTenant(db, [p], async (trx) => {
    await trx.insertInto('clock_pauses').values({ incident_id: c, partnership_id: p, clock_key: 'review-completion', paused_on: '2024-09-01', resumed_on: '2024-11-25', reason: 'Parallel criminal trial' }).execute();
    await trx
      .insertInto('publications')
      .values({ partnership_id: p, incident_id: c, source: 'review', slug: who.slug, title: 'Child C', summary: 'A review.', review_type: 'local-cspr', themes: JSON.stringify(['neglect']), published_on: '2024-12-10', withdrawable_on: '2025-12-10', ...who.publication })
      .execute();
    const rec = await trx
      .insertInto('recommendations')
      .values({ partnership_id: p, incident_id: a, number: '1', text: 'Share information.', made_on: '2025-01-10', themes: JSON.stringify(['neglect', 'domestic-abuse']), agency_ids: JSON.stringify([who.policeId]), response: 'accepted' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const action = { partnership_id: p, recommendation_id: rec.id, agency_id: who.policeId, lead_name: 'Lead', intended_change: 'Change', measure_of_success: 'Audit' };
    await trx.insertInto('recommendation_actions').values([
      { ...action, due_on: '2025-02-01', status: 'not-started' },
      { ...action, due_on: '2025-02-01', status: 'closed', impact_evidence_enc: 'sealed' },
    ]).execute();
  });
  return { record };
}
