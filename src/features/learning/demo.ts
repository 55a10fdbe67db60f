import type { Kysely } from 'kysely';
import { addDays, type DateOnly } from '../../domain/calendar/date-only.ts';
import type { StepRole } from '../../domain/learning/actions.ts';
import type { FieldCipher } from '../../platform/crypto/field-encryption.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import type { FileStore } from '../../platform/storage/file-store.ts';
import type { Actor } from '../cases/service.ts';
import { demoDocumentPdf, type DemoDocument } from '../demo/evidence-files.ts';
import { addEvidenceFile } from './evidence.ts';
import { addFinding } from './findings.ts';
import { addAction, addRecommendation, findRecommendation, loadAction, recordStep } from './service.ts';

/** What the owner of each completed action wrote on completing it, and the recommendation it answers. */
const COMPLETIONS = {
  closed: { recommendation: '1', note: 'New template live since the spring; 14 team briefings held, attendance lists kept (fictional).' },
  evaluated: { recommendation: '1', note: 'Contact template changed; all health visitors trained (fictional).' },
  sentBack: { recommendation: '2', note: 'All schools signed up to the notifications (fictional).' },
  completed: { recommendation: '2', note: 'Notifications now sent by the overnight team; late notifications fell from 12 to 1 last month (fictional).' },
} as const;

/** A completed action's file of evidence: what was done for the recommendation, as the owner wrote it. */
function completionEvidence(recommendation: string, note: string): DemoDocument {
  return { title: 'Evidence of completion (fictional)', text: `Recommendation ${recommendation}: what was done.\n\n${note}\n\nEvery name and figure in this document is invented for the demonstration.` };
}

/** The files of evidence the completions below carry (made beforehand: demo/evidence-files.ts). */
export const DEMO_COMPLETION_EVIDENCE: readonly DemoDocument[] = Object.values(COMPLETIONS).map((c) => completionEvidence(c.recommendation, c.note));

/**
 * Fictional recommendations for the demo partnership's review, with actions at every status: one
 * not started, one overdue, one completed and waiting for sign-off, one sent back by a partner
 * lead, one with its impact evaluated and one closed. Goes through the feature's own services;
 * every completion carries a file of evidence, as the pages require.
 */
export async function seedDemoLearning(db: Kysely<DB>, cipher: FieldCipher, files: FileStore, partnershipId: string, admin: Actor, people: { school: Actor; lead: Actor }, today: DateOnly): Promise<void> {
  const incident = await withTenant(db, [partnershipId], (trx) =>
    trx.selectFrom('incidents').select('id').where('partnership_id', '=', partnershipId).where('state', '=', 'local-review').orderBy('aware_on').executeTakeFirst(),
  );
  if (!incident) return;
  const agencies = new Map((await db.selectFrom('agencies').select(['id', 'name']).where('partnership_id', '=', partnershipId).execute()).map((a) => [a.name, a.id]));
  const agency = (name: string) => {
    const id = agencies.get(name);
    if (!id) throw new Error(`Demo learning: no agency ${name}`);
    return id;
  };
  const must = <T extends { ok: boolean }>(result: T, what: string): T & { ok: true } => {
    if (!result.ok) throw new Error(`Demo learning: ${what} not recorded: ${JSON.stringify(result)}`);
    return result as T & { ok: true };
  };
  const madeOn = addDays(today, -200);
  const school = agency('Northmoor Academy Trust');
  const council = agency('Northmoor Council Children’s Services');
  const police = agency('Northmoor Police');
  const health = agency('Northmoor Community Health NHS Trust');

  const recs = [
    {
      number: '1',
      text: 'Partner agencies should ask about, and record, every adult living in or regularly visiting the household at each assessment, and share what they learn about new adults promptly.',
      themes: ['invisible-or-hidden-men', 'information-sharing'],
      agencyIds: [council, police, health],
      response: 'accepted',
      responseReasons: '',
    },
    {
      number: '2',
      text: 'Schools should be told, through Operation Encompass and the multi-agency safeguarding hub, when police attend a domestic abuse incident at a pupil’s home, and record how they supported the child the next day.',
      themes: ['domestic-abuse', 'information-sharing'],
      agencyIds: [school, police],
      response: 'accepted-in-part',
      responseReasons: 'Accepted for schools in the partnership area; notifications to schools outside it depend on their own partnerships (fictional).',
    },
    {
      number: '3',
      text: 'The partnership should commission a new escalation policy training programme for all frontline staff.',
      themes: ['escalation-and-challenge'],
      agencyIds: [council],
      response: 'not-accepted',
      responseReasons: 'The escalation policy was retrained across agencies in the last year; the partnership will instead audit its use (fictional).',
    },
  ];
  const ids: string[] = [];
  for (const r of recs) ids.push(must(await addRecommendation(db, cipher, partnershipId, incident.id, admin, { ...r, madeOn }), `recommendation ${r.number}`).id);
  // What the review found, each finding leading to the recommendations above (and one to none).
  const findings = [
    { number: '1', text: 'A man who was the baby’s father was living in the household; no agency asked who lived there or recorded him, so no assessment included him.', themes: ['invisible-or-hidden-men'], recommendationIds: [ids[0]] },
    { number: '2', text: 'Police attended two domestic abuse incidents at the home, but the child’s school was not told and did not know to look out for the child the next day.', themes: ['domestic-abuse', 'information-sharing'], recommendationIds: [ids[1]] },
    { number: '3', text: 'The school disagreed with the decision to close the case and said so by email, but did not use the escalation policy.', themes: ['escalation-and-challenge'], recommendationIds: [ids[2]] },
    { number: '4', text: 'The family’s housing moves meant the child changed GP three times in a year, and records did not follow promptly (fictional).', themes: [], recommendationIds: [] },
  ];
  for (const f of findings) must(await addFinding(db, cipher, partnershipId, { incidentId: incident.id }, admin, { ...f, foundOn: madeOn }), `finding ${f.number}`);

  const rec = async (i: number) => {
    const found = await findRecommendation(db, partnershipId, incident.id, ids[i], today);
    if (!found) throw new Error('Demo learning: recommendation not found');
    return found;
  };

  const action = async (i: number, agencyId: string, leadName: string, dueOn: DateOnly, intendedChange: string, measureOfSuccess: string) =>
    must(await addAction(db, await rec(i), admin, { agencyId, leadName, dueOn, intendedChange, measureOfSuccess }), 'action').id;
  const step = async (id: string, by: Actor, role: StepRole, name: string, text = '', whatChanged = '') => {
    let current = await loadAction(db, cipher, [partnershipId], id, today);
    if (!current) throw new Error('Demo learning: action not found');
    // Completion needs a file of evidence, as on the pages.
    if (name === 'complete') {
      const pdf = await demoDocumentPdf(completionEvidence(current.recommendation.number, text));
      must(await addEvidenceFile(db, cipher, files, current, by, { stage: 'completion', bytes: pdf, name: 'Completion evidence (fictional).pdf', type: 'pdf' }), 'completion evidence');
      current = (await loadAction(db, cipher, [partnershipId], id, today)) ?? current;
    }
    must(await recordStep(db, cipher, current, by, role, name, { text, whatChanged }, current.version), `${name} on an action`);
  };

  // Recommendation 1: a closed action, one with its impact evaluated, one overdue.
  const closed = await action(0, council, 'Rachel Adams, Head of Service', addDays(today, -90), 'Assessments record every adult in or visiting the household.', 'Quarterly audit of 30 assessments: 90% record all adults.');
  await step(closed, admin, 'owner', 'start', 'Assessment template changed; briefings to all teams booked.');
  await step(closed, admin, 'owner', 'complete', COMPLETIONS.closed.note);
  await step(closed, admin, 'owner', 'evaluate', 'Audit of 30 assessments in the last quarter: 28 recorded all adults (fictional).', 'Social workers now ask about new partners at every visit; two families said they were asked in a way that felt respectful.');
  await step(closed, people.lead, 'lead', 'close', 'The audit shows the change has held for two quarters.');

  const evaluated = await action(0, health, 'Dr Nia Roberts, Named Nurse', addDays(today, -30), 'Health visitors ask about new adults at every contact and share concerns with children’s social care.', 'Record audit and a survey of health visitors.');
  await step(evaluated, admin, 'owner', 'start');
  await step(evaluated, admin, 'owner', 'complete', COMPLETIONS.evaluated.note);
  await step(evaluated, admin, 'owner', 'evaluate', 'Audit of 50 records: 44 record all adults; survey of 31 health visitors (fictional).', 'Referrals naming a new adult rose from 3 to 11 a quarter.');

  const overdue = await action(0, police, 'DI Sam Carter', addDays(today, -10), 'Police share the names of adults found at domestic abuse call-outs with children’s social care within one working day.', 'Monthly figures from the multi-agency safeguarding hub.');
  await step(overdue, admin, 'owner', 'start', 'New sharing form agreed; waiting for the system change (fictional).');

  // Recommendation 2: the school's own actions — one sent back by a partner lead, one not started.
  const sentBack = await action(1, school, 'Jo Patel, Designated Safeguarding Lead', addDays(today, 20), 'Every school is told the next morning when police attended a domestic abuse incident at a pupil’s home.', 'Termly check of notifications against police call-outs.');
  await step(sentBack, people.school, 'owner', 'start');
  await step(sentBack, people.school, 'owner', 'complete', COMPLETIONS.sentBack.note);
  await step(sentBack, people.lead, 'lead', 'send-back', 'Signing up is not evidence that notifications arrive: send the termly check of notifications against call-outs.');
  await action(1, school, 'Jo Patel, Designated Safeguarding Lead', addDays(today, 60), 'Staff record how they supported the child on the day after a notification.', 'Sample of 20 notifications: support recorded in each.');

  // A completed action waiting for a lead to sign it off (or send it back).
  const completed = await action(1, police, 'Inspector Lee Hughes', addDays(today, 5), 'Police send Operation Encompass notifications before 9am on school days.', 'Monthly count of notifications sent late.');
  await step(completed, admin, 'owner', 'start');
  await step(completed, admin, 'owner', 'complete', COMPLETIONS.completed.note);
}
