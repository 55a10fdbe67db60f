import type { Kysely } from 'kysely';
import { addDays, type DateOnly } from '../../domain/calendar/date-only.ts';
import { defaultCalendar } from '../../domain/calendar/working-days.ts';
import { escalationDates } from '../../domain/learning/escalation.ts';
import type { FieldCipher } from '../../platform/crypto/field-encryption.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import type { FileStore } from '../../platform/storage/file-store.ts';
import type { Actor } from '../cases/service.ts';
import { loadCheck, recordCheck, scheduleCheck } from './assurance-checks.ts';
import { demoDocumentPdf, type DemoDocument } from '../demo/evidence-files.ts';
import { addEvidenceFile } from './evidence.ts';
import { addAction, findRecommendation, loadAction, recordStep } from './service.ts';

/** The file of evidence of impact on the evaluated actions (made beforehand: demo/evidence-files.ts). */
export const DEMO_IMPACT_EVIDENCE: DemoDocument = {
  title: 'Audit of records (fictional)',
  text: 'Audit of 50 records in the last quarter: 44 recorded every adult in the household (88%), up from 61% before the change.\n\nSurvey of 31 health visitors: 27 said the new prompt helps them ask. Invented for the demonstration.',
};

/**
 * Fictional assurance for the demo partnership (after seedDemoLearning): evidence of impact on the
 * actions evaluated and waiting for sign-off, an action overdue long enough to have been escalated to the
 * partnership (its emails recorded as sent), a past assurance check and the next one, now overdue.
 * Goes through the feature's own services; the escalations are recorded as the job records them,
 * with their once-only marks, so the job does not send them again.
 */
export async function seedDemoAssurance(db: Kysely<DB>, cipher: FieldCipher, files: FileStore | undefined, partnershipId: string, admin: Actor, school: Actor, today: DateOnly): Promise<void> {
  const actions = await withTenant(db, [partnershipId], (trx) =>
    trx
      .selectFrom('recommendation_actions')
      .innerJoin('recommendations', 'recommendations.id', 'recommendation_actions.recommendation_id')
      .select(['recommendation_actions.id', 'recommendation_actions.status', 'recommendation_actions.agency_id', 'recommendations.id as rec_id', 'recommendations.incident_id', 'recommendations.number'])
      .where('recommendation_actions.partnership_id', '=', partnershipId)
      .orderBy('recommendation_actions.created_at')
      .execute(),
  );
  if (actions.length === 0) return;
  const must = <T extends { ok: boolean }>(result: T, what: string): T & { ok: true } => {
    if (!result.ok) throw new Error(`Demo assurance: ${what} not recorded: ${JSON.stringify(result)}`);
    return result as T & { ok: true };
  };

  // Evidence of impact on the evaluated actions (their files of completion came with completion).
  if (files) {
    for (const a of actions.filter((x) => x.status === 'impact-evaluated')) {
      const action = await loadAction(db, cipher, [partnershipId], a.id, today);
      if (!action) continue;
      const audit = await demoDocumentPdf(DEMO_IMPACT_EVIDENCE);
      must(await addEvidenceFile(db, cipher, files, action, admin, { stage: 'impact', bytes: audit, name: 'Audit of records, last quarter (fictional).pdf', type: 'pdf' }), 'impact evidence');
    }
  }

  // An action of the school's, in progress and overdue by more than 10 working days: escalated twice.
  const schoolRec = actions.find((a) => a.number === '2');
  if (schoolRec?.incident_id) {
    const rec = await findRecommendation(db, partnershipId, schoolRec.incident_id, schoolRec.rec_id, today);
    const schoolAgency = (await db.selectFrom('agencies').select('id').where('partnership_id', '=', partnershipId).where('name', '=', 'Northmoor Academy Trust').executeTakeFirst())?.id;
    if (rec && schoolAgency) {
      const dueOn = addDays(today, -35);
      const id = must(await addAction(db, rec, admin, { agencyId: schoolAgency, leadName: 'Jo Patel, Designated Safeguarding Lead', dueOn, intendedChange: 'Every school’s safeguarding staff are trained in what to do with a notification.', measureOfSuccess: 'Training records of every school in the area.' }), 'overdue action').id;
      const action = await loadAction(db, cipher, [partnershipId], id, today);
      if (action) must(await recordStep(db, cipher, action, school, 'owner', 'start', { text: 'Training booked for the autumn term (fictional).', whatChanged: '' }, action.version), 'start');
      const dates = escalationDates(dueOn, defaultCalendar());
      const people = await db
        .selectFrom('role_assignments as r')
        .innerJoin('users as u', 'u.id', 'r.user_id')
        .select(['u.id', 'u.name', 'r.role'])
        .where('r.partnership_id', '=', partnershipId)
        .where((eb) => eb.or([eb('r.role', '=', 'partnership-admin'), eb.and([eb('r.role', '=', 'agency-contributor'), eb('r.agency_id', '=', schoolAgency)])]))
        .execute();
      for (const p of people) {
        const level = p.role === 'partnership-admin' ? 2 : 1;
        await db
          .insertInto('reminder_sends')
          .values({ kind: level === 1 ? 'action-overdue' : 'action-escalated', incident_id: id, clock_key: 'action', due_on: dueOn, recipient_user_id: p.id, sent_on: dates[level] })
          .onConflict((oc) => oc.doNothing())
          .execute();
        await withTenant(db, [partnershipId], (trx) =>
          trx
            .insertInto('action_escalations')
            .values({ partnership_id: partnershipId, action_id: id, level, due_on: dueOn, recipient_user_id: p.id, recipient_name: p.name, recipient_role: p.role === 'partnership-admin' ? 'partnership-admin' : 'agency-contributor', sent_at: new Date(`${dates[level]}T08:00:00Z`) })
            .execute(),
        );
      }
    }
  }

  // A check recorded last quarter, and the next one, scheduled for a week ago and not yet done.
  const first = must(await scheduleCheck(db, partnershipId, admin, { dueOn: today, focus: 'Quarterly check of every open action.' }, today), 'scheduled check');
  await withTenant(db, [partnershipId], (trx) => trx.updateTable('assurance_checks').set({ due_on: addDays(today, -98) }).where('id', '=', first.id).execute());
  const check = await loadCheck(db, cipher, [partnershipId], first.id, today);
  if (check) {
    must(
      await recordCheck(db, cipher, check, admin, { checkedOn: addDays(today, -97), incidentIds: [], agencyIds: [], result: 'partly-assured', findings: 'Most actions are on track. The police information-sharing action waits for a system change; the school notifications need evidence that notifications arrive, not only that schools signed up (fictional).', nextDueOn: addDays(today, -7) }, addDays(today, -97)),
      'recorded check',
    );
  }
}
