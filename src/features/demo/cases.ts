import type { Kysely } from 'kysely';
import { todayInLondon, type DateOnly } from '../../domain/calendar/date-only.ts';
import { sealField, type FieldCipher } from '../../platform/crypto/field-encryption.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import { listAgencies } from '../partnerships/service.ts';
import { currentCalendar } from '../rules/service.ts';
import { createReferral, recordReferralOutcome } from '../cases/referrals.ts';
import { changeClock, CaseError, recordIncident, recordWorkflowStep, type Actor, type ChildInput, type Facts } from '../cases/service.ts';

/**
 * Fictional demonstration cases for the Northmoor partnership, at different stages of the
 * workflow, dated relative to today so the clocks always look alive. Every name, address and
 * number is invented (NHS numbers are from the 999 test range).
 */

const everyone = () => () => true;

function child(pseudonym: string, extra: Partial<ChildInput>): ChildInput {
  return {
    pseudonym,
    name: '',
    dateOfBirth: null,
    nhsNumber: '',
    address: '',
    familyNames: '',
    gender: null,
    ageAtIncident: null,
    ageBand: null,
    lookedAfter: false,
    careLeaver: false,
    ...extra,
  };
}

function facts(aware: DateOnly, extra: Partial<Facts>): Facts {
  return {
    outcome: 'serious-harm',
    abuseOrNeglect: 'suspected',
    location: 'in-area',
    incidentOn: aware,
    aware,
    whatIsKnown: '',
    agencyIds: [],
    otherAgencies: '',
    ...extra,
  };
}

export type DemoCasesSummary = { incidents: number; referrals: number };

/** Adds the demo cases and referrals to a partnership that has none (safe to run again). */
export async function seedDemoCases(db: Kysely<DB>, cipher: FieldCipher, partnershipId: string, adminUserId: string): Promise<DemoCasesSummary> {
  const existing = await withTenant(db, [partnershipId], (trx) =>
    trx.selectFrom('incidents').select('id').where('partnership_id', '=', partnershipId).limit(1).executeTakeFirst(),
  );
  if (existing) return { incidents: 0, referrals: 0 };

  const admin = await db.selectFrom('users').select(['id', 'name']).where('id', '=', adminUserId).executeTakeFirstOrThrow();
  const actor: Actor = { userId: admin.id, name: admin.name };
  const today = todayInLondon(new Date());
  const calendar = await currentCalendar(db);
  const wd = (from: DateOnly, n: number) => calendar.addWorkingDays(from, n);
  const agencies = await listAgencies(db, partnershipId);
  const agency = (name: string) => agencies.find((a) => a.name.includes(name))?.id;
  const involved = (...names: string[]) => names.map(agency).filter((x): x is string => Boolean(x));

  async function record(f: Facts, children: ChildInput[], referralId?: string): Promise<string> {
    const result = await recordIncident(db, cipher, actor, { partnershipId, facts: f, children, referralId: referralId ?? null }, today);
    if (!result.ok) throw new CaseError(`Demo incident not recorded: ${result.problems.map((p) => p.message).join(' ')}`);
    return result.id;
  }

  async function step(id: string, key: string, date: DateOnly | null, note = '', reference = ''): Promise<void> {
    const result = await recordWorkflowStep(db, [partnershipId], actor, id, key, { date, note, reference }, everyone, today);
    if (!result.ok) throw new CaseError(`Demo step ${key} not recorded: ${JSON.stringify(result)}`);
  }

  let referrals = 0;

  // 1. Just recorded, from a health referral: the Panel notification is due in 2 working days.
  const aware1 = wd(wd(today, 2), -5);
  const health = agency('Community Health');
  let referral1: string | undefined;
  if (health) {
    const r = await createReferral(db, cipher, actor, {
      partnershipId,
      agencyId: health,
      summary: 'Baby admitted with a head injury the parents cannot explain',
      details: 'Poppy Imaginary (fictional), 4 months, admitted to Northmoor General on the evening of the referral with a skull fracture. Parents Dana and Lee Imaginary (fictional) say she rolled off a sofa; the injury is not consistent with that account.',
      receivedOn: aware1,
    }, today);
    if (r.ok) {
      referral1 = r.id;
      referrals += 1;
      await recordReferralOutcome(db, [partnershipId], actor, r.id, { outcome: 'notify', reasons: 'Serious harm to a baby with abuse suspected, in the area: meets the criteria for a notification.' });
    }
  }
  await record(
    facts(aware1, {
      whatIsKnown: 'Child A, 4 months old, was admitted with a skull fracture. The explanation given does not fit the injury. Police and children’s social care are making enquiries.',
      agencyIds: involved('Community Health', 'Police', 'Children’s Services'),
      perpetratorRelationship: 'not-known',
      policeInvestigation: 'yes',
      mediaInterest: 'no',
    }),
    [child('Child A', { ethnicity: 'mixed-white-black-caribbean', disability: 'no', name: 'Poppy Imaginary', dateOfBirth: null, nhsNumber: '9990000018', gender: 'female', ageBand: 'under-1', ageAtIncident: 0, address: '1 Makebelieve Row, Northmoor NM1 1AA (fictional)', familyNames: 'Dana Imaginary (mother), Lee Imaginary (father) — fictional' })],
    referral1,
  );

  // 2. A looked-after child's death, notified on time to the Panel, the partners, the Secretary of State and Ofsted.
  const aware2 = wd(today, -12);
  const case2 = await record(
    facts(aware2, {
      outcome: 'died',
      abuseOrNeglect: 'suspected',
      whatIsKnown: 'Child B, 15, looked after by Northmoor Council, died after being found unwell at a friend’s address. Neglect by the placement is suspected.',
      agencyIds: involved('Children’s Services', 'Police', 'Academy Trust'),
      perpetratorRelationship: 'carer',
      policeInvestigation: 'yes',
      mediaInterest: 'not-known',
    }),
    [child('Child B', { ethnicity: 'white-british', disability: 'yes', name: 'Jordan Pretend', nhsNumber: '9990000026', gender: 'male', ageAtIncident: 15, ageBand: '10-15', lookedAfter: true, address: '22 Storybook Close, Northmoor NM2 2BB (fictional)', familyNames: 'Sam Pretend (mother) — fictional' })],
  );
  await step(case2, 'notify', wd(aware2, 4), '', 'CSPRP-DEMO-0402');
  await step(case2, 'partners-informed', wd(aware2, 4));
  await step(case2, 'ofsted-sos-notified', wd(aware2, 5));

  // 3. Two siblings; the notification went late (7 working days on), and the rapid review, 15 working
  // days after it, is due in 2 working days. Counted back from that day, not from today: at a weekend
  // 20 working days back and 22 on do not end 2 working days from today.
  const aware3 = wd(wd(today, 2), -22);
  const case3 = await record(
    facts(aware3, {
      abuseOrNeglect: 'known',
      whatIsKnown: 'Child C and Child D, siblings, were found at home in serious neglect: malnourished, with untreated injuries. Both are in hospital and recovering.',
      agencyIds: involved('Children’s Services', 'Community Health', 'Academy Trust'),
    }),
    [
      child('Child C', { name: 'Sky Madeup', nhsNumber: '9990000034', gender: 'female', ageAtIncident: 7, ageBand: '5-9', address: '3 Nowhere Lane, Northmoor NM3 3CC (fictional)', familyNames: 'Robin Madeup (parent) — fictional' }),
      child('Child D', { name: 'River Madeup', nhsNumber: '9990000042', gender: 'male', ageAtIncident: 4, ageBand: '1-4', address: '3 Nowhere Lane, Northmoor NM3 3CC (fictional)', familyNames: 'Robin Madeup (parent) — fictional' }),
    ],
  );
  await step(case3, 'notify', wd(aware3, 7), 'Sent late: the duty manager was on leave and the referral was not passed on.');
  await step(case3, 'partners-informed', wd(aware3, 7));
  await step(case3, 'start-rapid-review', wd(aware3, 8));

  // 4. A rapid review running past its 15 working days.
  const aware4 = wd(today, -30);
  const case4 = await record(
    facts(aware4, {
      abuseOrNeglect: 'known',
      whatIsKnown: 'Child E, 14, was seriously assaulted by an adult known to the family. Concerns about criminal exploitation had been raised by the school.',
      agencyIds: involved('Police', 'Academy Trust', 'Children’s Services'),
      otherAgencies: 'Youth Justice Service (fictional)',
    }),
    [child('Child E', { name: 'Alfie Fictional', nhsNumber: '9990000050', gender: 'male', ageAtIncident: 14, ageBand: '10-15', address: '4 Pretend Parade, Northmoor NM4 4DD (fictional)' })],
  );
  await step(case4, 'notify', wd(aware4, 3), '', 'CSPRP-DEMO-0388');
  await step(case4, 'partners-informed', wd(aware4, 3));
  await step(case4, 'start-rapid-review', wd(aware4, 4));

  // 5. A local review delayed by parallel criminal proceedings: past its 6 months (the original due
  // date stays the measure), paused with its reasons, the Panel and the Secretary of State told.
  const aware5 = wd(today, -160);
  const case5 = await record(
    facts(aware5, {
      outcome: 'died',
      abuseOrNeglect: 'known',
      whatIsKnown: 'Child F, 2, died of injuries inflicted at home. A parent’s partner has been charged.',
      agencyIds: involved('Police', 'Community Health', 'Children’s Services', 'Integrated Care Board'),
      perpetratorRelationship: 'parents-partner',
      policeInvestigation: 'yes',
      mediaInterest: 'yes',
    }),
    [child('Child F', { ethnicity: 'white-gypsy-irish-traveller', disability: 'not-known', childInNeed: true, childProtectionPlan: true, name: 'Bo Example', nhsNumber: '9990000069', gender: 'not-known', ageAtIncident: 2, ageBand: '1-4', address: '5 Fable Street, Northmoor NM5 5EE (fictional)', familyNames: 'Alex Example (mother), Casey Sample (mother’s partner) — fictional' })],
  );
  const notified5 = wd(aware5, 3);
  const sent5 = wd(notified5, 14);
  const decided5 = wd(sent5, -1);
  await step(case5, 'notify', notified5, '', 'CSPRP-DEMO-0301');
  await step(case5, 'partners-informed', wd(aware5, 2));
  await step(case5, 'start-rapid-review', wd(notified5, 1));
  // One decision: the partners' decision in the rapid review, signed off by the three leads before it went to the Panel.
  await withTenant(db, [partnershipId], async (trx) => {
    await trx.insertInto('rapid_reviews').values({
      incident_id: case5, partnership_id: partnershipId, decision: 'local-review', decided_on: decided5, criteria: JSON.stringify(['improvements', 'multi-agency']),
      decision_reasons_enc: sealField(cipher, 'Criteria (a) and (c): the case may highlight improvements in recognising risk from new adults in the household, and concerns about agencies sharing information.'),
      updated_by: actor.userId,
    }).execute();
    await trx
      .insertInto('rapid_review_sign_offs')
      .values((['local-authority', 'police', 'icb'] as const).map((partner) => ({ incident_id: case5, partnership_id: partnershipId, partner, signer_name: `Northmoor ${partner} lead (fictional)`, signed_on: decided5 })))
      .execute();
  });
  await step(case5, 'send-rapid-review', sent5);
  const paused = await changeClock(db, cipher, [partnershipId], actor, case5, 'review-completion', { action: 'pause', on: wd(today, -60), reason: 'Parallel criminal proceedings: practitioners and the family cannot be interviewed until the trial ends.', panelToldOn: wd(today, -58), sosToldOn: wd(today, -58) }, everyone, today);
  if (!paused.ok) throw new CaseError(`Demo clock not paused: ${JSON.stringify(paused)}`);

  // 6. Closed as not notifiable: an accident, with no abuse or neglect suspected.
  const aware6 = wd(today, -8);
  const case6 = await record(
    facts(aware6, {
      abuseOrNeglect: 'not-suspected',
      whatIsKnown: 'Child G, 9, was seriously injured in a road traffic collision while crossing with a parent.',
      agencyIds: involved('Police'),
    }),
    [child('Child G', { name: 'Kit Storybook', nhsNumber: '9990000077', gender: 'female', ageAtIncident: 9, ageBand: '5-9', address: '6 Legend Road, Northmoor NM6 6FF (fictional)' })],
  );
  await step(case6, 'not-notifiable', wd(aware6, 1), 'An accident: police and health found no concerns of abuse or neglect. Not a serious child safeguarding case.');

  // 7. Not notifiable, yet worth learning from: a multi-agency practice learning review of a case below the threshold.
  const aware7 = wd(today, -40);
  const case7 = await record(
    facts(aware7, {
      abuseOrNeglect: 'not-suspected',
      whatIsKnown: 'Child H, 15, was admitted after an overdose. No abuse or neglect is suspected; three agencies knew of self-harm and none had shared it.',
      agencyIds: involved('Community Health', 'Academy Trust', 'Children’s Services'),
    }),
    [child('Child H', { name: 'Sam Fablemaker', nhsNumber: '9990000085', gender: 'male', ageAtIncident: 15, ageBand: '10-15', address: '7 Parable Close, Northmoor NM7 7GG (fictional)' })],
  );
  await step(case7, 'not-notifiable', wd(aware7, 2), 'No abuse or neglect known or suspected: not a serious child safeguarding case.');
  await step(case7, 'below-threshold-review', wd(aware7, 12), 'A multi-agency practice learning review: three agencies knew of self-harm and none shared it (fictional).');

  // 8. A national review: the partners recommended one, and the Panel decided to hold it. The Panel leads; no local 6-month clock runs.
  const aware8 = wd(today, -45);
  const case8 = await record(
    facts(aware8, {
      outcome: 'died',
      abuseOrNeglect: 'suspected',
      whatIsKnown: 'Child J, 16, died after being exploited by a county lines network operating across several areas.',
      agencyIds: involved('Police', 'Children’s Services', 'Academy Trust'),
    }),
    [child('Child J', { name: 'Ash Yarnspinner', nhsNumber: '9990000093', gender: 'male', ageAtIncident: 16, ageBand: '16-17', address: '8 Saga Street, Northmoor NM8 8HH (fictional)' })],
  );
  const notified8 = wd(aware8, 2);
  await step(case8, 'notify', notified8, '', 'CSPRP-DEMO-0412');
  await step(case8, 'partners-informed', wd(aware8, 2));
  await step(case8, 'start-rapid-review', wd(notified8, 1));
  await withTenant(db, [partnershipId], async (trx) => {
    await trx.insertInto('rapid_reviews').values({
      incident_id: case8, partnership_id: partnershipId, decision: 'national-review', decided_on: wd(notified8, 12), criteria: JSON.stringify(['recurrent-themes']),
      decision_reasons_enc: sealField(cipher, 'Exploitation across several areas: the Panel may be better placed to review it (fictional).'),
      updated_by: actor.userId,
    }).execute();
    await trx
      .insertInto('rapid_review_sign_offs')
      .values((['local-authority', 'police', 'icb'] as const).map((partner) => ({ incident_id: case8, partnership_id: partnershipId, partner, signer_name: `Northmoor ${partner} lead (fictional)`, signed_on: wd(notified8, 12) })))
      .execute();
  });
  await step(case8, 'send-rapid-review', wd(notified8, 13));
  const { loadRapidReview, recordPanelResponse } = await import('../rapid-reviews/service.ts');
  const rr8 = await loadRapidReview(db, cipher, [partnershipId], case8, today);
  if (!rr8) throw new CaseError('Demo rapid review not found');
  const responded = await recordPanelResponse(db, rr8, actor, { response: 'national-review', on: wd(notified8, 25) }, today);
  if (!responded.ok) throw new CaseError(`Demo Panel response not recorded: ${JSON.stringify(responded)}`);

  // A referral still to consider.
  const school = agency('Academy Trust');
  if (school) {
    const r = await createReferral(db, cipher, actor, {
      partnershipId,
      agencyId: school,
      summary: 'Pupil with unexplained burns, family not engaging',
      details: 'Tiger Notreal (fictional), Year 4, arrived with burns to both hands. The family has not answered calls since. Referred by the designated safeguarding lead.',
      receivedOn: wd(today, -1),
    }, today);
    if (r.ok) referrals += 1;
  }

  return { incidents: 8, referrals };
}
