import type { Kysely } from 'kysely';
import { addDays, type DateOnly } from '../../domain/calendar/date-only.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import type { FieldCipher } from '../../platform/crypto/field-encryption.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import { CASE_REVIEW_STATES } from './case-reviews.ts';
import { checkTrackerFile, storeTracker } from './tracker-import.ts';

/**
 * Demonstration: the partnership's old tracker brought in the way a business unit would, through
 * the same checks and storage as the upload page: the recommendations of a serious case review
 * imported from the archive (and their actions, some long closed), and of a rapid review. Fictional.
 */
export async function seedDemoTracker(db: Kysely<DB>, cipher: FieldCipher, partnershipId: string, today: DateOnly): Promise<number> {
  const scr = await withTenant(db, [partnershipId], (trx) =>
    trx.selectFrom('publications').select(['slug', 'published_on']).where('partnership_id', '=', partnershipId).where('incident_id', 'is', null).where('review_type', '=', 'scr').orderBy('published_on').executeTakeFirst(),
  );
  const rapid = await withTenant(db, [partnershipId], (trx) =>
    trx.selectFrom('incidents').select('reference').where('partnership_id', '=', partnershipId).where('state', 'in', [...CASE_REVIEW_STATES].filter((s) => s === 'rapid-review' || s === 'decision')).orderBy('aware_on').executeTakeFirst(),
  );
  const q = (s: string) => `"${s.replaceAll('"', '""')}"`;
  const rows: string[] = ['review,number,text,agencies,themes,response,reasons,action,owner_agency,lead,due_on,status,evidence'];
  if (scr) {
    const after = (days: number) => addDays(String(scr.published_on).slice(0, 10), days);
    const who = q('Practitioners should ask who else lives in or visits the household, and record it, at every assessment.');
    rows.push(
      `${scr.slug},10,${who},Northmoor Council Children’s Services; Northmoor Police,Professional curiosity,accepted,,${q('Assessment forms ask who lives in and visits the home')},Northmoor Council Children’s Services,Head of Service (Assessment),${after(120)},closed,${q('New assessment form in use; audit of 30 assessments found the household recorded in 27 (fictional).')}`,
      `${scr.slug},10,${who},Northmoor Police,,accepted,,${q('Officers attending a domestic incident record every adult present')},Northmoor Police,Detective Inspector (Safeguarding),${after(180)},completed,${q('Briefing to all response officers; dip sample of 20 incident logs (fictional).')}`,
      `${scr.slug},11,${q('Agencies should escalate professional disagreements in writing when a plan is not working.')},Northmoor Integrated Care Board,Escalation and challenge,accepted in part,${q('The escalation policy is agreed across agencies; a separate health policy is not needed.')},,,,,,`,
    );
  }
  if (rapid) {
    rows.push(
      `${rapid.reference},1,${q('Health visitors should give safer sleep advice at every contact with families of infants, including the father.')},Northmoor Community Health NHS Trust,Sudden unexpected death in infancy and safer sleep,accepted,,${q('Safer sleep advice recorded at every contact with families of infants')},Northmoor Community Health NHS Trust,Named Nurse for Safeguarding,${addDays(today, 45)},in progress,`,
    );
  }
  if (rows.length === 1) return 0;
  const checked = await checkTrackerFile(db, null, [partnershipId], 'demo-tracker.csv', Buffer.from(rows.join('\n')));
  if (!checked.ok) throw new Error(`Demo tracker: ${checked.problems.map((p) => `line ${p.line}: ${p.message}`).join('; ')}`);
  const counts = await storeTracker(db, cipher, checked, null, 'the demonstration tracker', (trx, entry) => recordAudit(trx, { ...entry, actor: null }));
  return counts.recommendationsAdded;
}
