import type { Kysely } from 'kysely';
import { addDays, type DateOnly } from '../../domain/calendar/date-only.ts';
import type { FieldCipher } from '../../platform/crypto/field-encryption.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import type { Actor } from '../cases/service.ts';
import { addEntry, assignReviewer, loadReview, saveTerms } from './service.ts';

/**
 * The demo partnership's local review under way: the fictional reviewer leads it, with terms of
 * reference, milestones (one overdue), a practitioner event, contact with the family, the partners'
 * monitoring and the delay that paused its clock. Goes through the feature's own services.
 */
export async function seedDemoReview(db: Kysely<DB>, cipher: FieldCipher, partnershipId: string, admin: Actor, reviewerId: string, today: DateOnly): Promise<void> {
  const incident = await withTenant(db, [partnershipId], (trx) =>
    trx.selectFrom('incidents').select(['id', 'decision_on']).where('partnership_id', '=', partnershipId).where('state', '=', 'local-review').orderBy('aware_on').executeTakeFirst(),
  );
  if (!incident?.decision_on) return;
  const load = async () => {
    const view = await loadReview(db, cipher, [partnershipId], incident.id, today);
    if (!view) throw new Error('The demo review could not be loaded.');
    return view;
  };
  const must = (result: { ok: boolean }, what: string) => {
    if (!result.ok) throw new Error(`Demo review: ${what} not recorded: ${JSON.stringify(result)}`);
  };
  const decided = incident.decision_on;
  const after = (n: number): DateOnly => {
    const d = addDays(decided, n);
    return d > today ? today : d;
  };
  must(await assignReviewer(db, await load(), admin, reviewerId, 0), 'reviewer');
  const view = await load();
  must(
    await saveTerms(db, cipher, view, admin, {
      reviewType: 'local-cspr',
      scopeFrom: addDays(decided, -540),
      scopeTo: addDays(decided, -20),
      linesOfEnquiry: 'How well did agencies understand who lived in the household with Child F?\nHow was information about the new adult shared between police, health and children’s services?\nHow was Child F’s daily life seen and recorded?',
      method: 'systems',
      methodNotes: '',
      version: view.version,
    }, today),
    'terms',
  );
  const entry = (kind: Parameters<typeof addEntry>[4], input: Partial<Parameters<typeof addEntry>[5]>) =>
    addEntry(db, cipher, view, admin, kind, { onDate: null, doneOn: null, extraDate: null, shortText: '', choices: {}, flags: {}, notes: '', ...input }, today);
  must(await entry('milestone', { onDate: after(14), doneOn: after(12), shortText: 'Terms of reference agreed' }), 'milestone');
  must(await entry('milestone', { onDate: addDays(today, -3), shortText: 'Chronologies merged' }), 'milestone');
  must(await entry('milestone', { onDate: addDays(today, 40), shortText: 'Draft report to the partners' }), 'milestone');
  must(await entry('practitioner-event', { onDate: after(20), shortText: 'health visitor, social worker, GP practice manager, neighbourhood police officer', choices: { format: 'learning-event' }, notes: 'Practitioners described how rarely the household’s adults were asked who lived there (fictional).' }), 'event');
  must(await entry('family-contact', { onDate: after(10), shortText: 'mother', choices: { contact: 'invited' }, notes: 'Letter sent through the family liaison officer inviting her to take part (fictional).' }), 'family contact');
  must(await entry('monitoring', { onDate: after(25), choices: { time: 'at-risk', quality: 'good' }, flags: { regulation14: false }, notes: 'Criminal proceedings will delay the practitioner conversations; the partners agreed to pause the clock (fictional).' }), 'monitoring');
  must(await entry('delay', { onDate: after(26), extraDate: after(27), sosToldOn: after(27), choices: { reason: 'criminal-proceedings' }, notes: 'Trial listed; the police asked that witnesses are not interviewed before it (fictional).' }), 'delay');
}
