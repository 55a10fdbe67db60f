import type { RecurringItem } from './recurring.ts';

/**
 * A labelled set for measuring the grouping: recommendations written in the style of published
 * reviews (fictional, none copied), each labelled with the lesson it is about. Several reviews
 * (r1…r12, across years) say the same thing in different words; some say something of their own
 * ('other': they belong in no group). Used by the unit test and the benchmark.
 */
export type Labelled = RecurringItem & { label: string };

const rows: [string, string, string, string[]][] = [
  // Information sharing between agencies
  ['r1', 'sharing', 'All agencies should share information about risks to children promptly with children’s social care, and not wait for a formal request.', ['information-sharing']],
  ['r3', 'sharing', 'The partnership should remind practitioners that information about safeguarding concerns can and should be shared without consent where a child is at risk.', ['information-sharing']],
  ['r5', 'sharing', 'Health and police should review their arrangements for sharing information with children’s social care so that concerns are shared on the same day.', []],
  ['r8', 'sharing', 'Agencies must share relevant information with each other at the point of referral; the failure to share information meant no agency had the full picture.', ['information-sharing']],
  ['r11', 'sharing', 'GP practices should share information about parents’ mental health and substance misuse with health visitors and social workers when a child is at risk.', []],

  // Unseen men and fathers in the household
  ['r1', 'men', 'Assessments must identify and include fathers and every adult male living in or visiting the household, not only the mother.', ['invisible-or-hidden-men']],
  ['r2', 'men', 'Practitioners should ask who lives in the household at every visit and find out about new partners and boyfriends of the mother.', ['invisible-or-hidden-men']],
  ['r4', 'men', 'The role of the father and of other men in the baby’s life was not explored: agencies should routinely engage fathers in assessments and plans.', []],
  ['r7', 'men', 'Services should record the details of stepfathers and male carers and consider the risks they may pose to the child.', ['invisible-or-hidden-men']],
  ['r10', 'men', 'Health visitors and midwives should ask about the father and any other men in the household and invite fathers to appointments.', []],
  ['r12', 'men', 'Agencies should not rely on the mother’s account of who lives in the home: checks should be made on any man in the household.', ['invisible-or-hidden-men']],

  // Professional curiosity
  ['r2', 'curiosity', 'Practitioners should show professional curiosity and question explanations given by parents rather than accepting them at face value.', ['professional-curiosity']],
  ['r6', 'curiosity', 'Training should help staff to be curious, to ask questions when what they see does not match what parents tell them.', ['professional-curiosity']],
  ['r9', 'curiosity', 'Supervision should encourage professional curiosity so that workers question parental explanations and do not accept them without checking.', []],
  ['r12', 'curiosity', 'Staff were too accepting of parents’ explanations; the partnership should promote professional curiosity and respectful uncertainty.', ['professional-curiosity']],

  // Escalation and professional challenge
  ['r1', 'escalation', 'Practitioners should use the escalation policy when they disagree with a decision made by another agency about a child.', ['escalation-and-challenge']],
  ['r4', 'escalation', 'Agencies should promote the escalation and resolution of professional disagreements policy, so that staff challenge decisions they think leave a child at risk.', ['escalation-and-challenge']],
  ['r7', 'escalation', 'Schools did not challenge the decision to close the case: staff should be confident to escalate concerns when a referral is not accepted.', []],
  ['r10', 'escalation', 'The partnership should audit the use of its escalation policy and report how often professional challenge changed a decision.', ['escalation-and-challenge']],

  // Safer sleep
  ['r2', 'sleep', 'All practitioners in contact with families of babies should give safer sleep advice and talk about the risks of co-sleeping, alcohol and drugs.', ['safer-sleep']],
  ['r5', 'sleep', 'Health visitors should assess the sleeping arrangements for the baby at every home visit and see where the baby sleeps.', ['safer-sleep']],
  ['r8', 'sleep', 'Safer sleep messages should be repeated when family circumstances change, such as a move, a party or drinking, when the risk of co-sleeping rises.', []],
  ['r11', 'sleep', 'Midwives and health visitors should check that every baby has a safe cot and that parents understand the risks of sharing a sofa or bed with an infant.', ['safer-sleep']],

  // Neglect
  ['r3', 'neglect', 'Agencies should use the neglect assessment tool to identify the cumulative impact of neglect on children over time.', ['neglect']],
  ['r6', 'neglect', 'Practitioners should recognise chronic neglect and its cumulative harm, and not treat each missed appointment or poor home condition alone.', ['neglect']],
  ['r9', 'neglect', 'The partnership should refresh its neglect strategy and make sure the neglect tool is used to track whether children’s lives improve.', ['neglect']],
  ['r12', 'neglect', 'Long-term neglect was not recognised because each concern was seen alone; agencies should consider the cumulative impact of neglect.', []],

  // Bruising in non-mobile babies
  ['r4', 'bruising', 'Any bruise on a non-mobile baby must be referred to children’s social care and a paediatrician, in line with the bruising protocol.', ['bruising-and-fractures-in-non-mobile-babies']],
  ['r7', 'bruising', 'GPs and emergency departments should follow the protocol for bruising in non-mobile infants, whatever explanation is given.', ['bruising-and-fractures-in-non-mobile-babies']],
  ['r11', 'bruising', 'Staff should be reminded that bruising in babies who are not mobile is rare and needs a child protection medical.', []],

  // Voice of the child
  ['r3', 'voice', 'Practitioners should see children alone and record their wishes and feelings, so that the voice of the child is heard in assessments.', ['voice-of-the-child']],
  ['r8', 'voice', 'The child’s own voice was missing from the plans: agencies should speak to children on their own and record what they say.', ['voice-of-the-child']],
  ['r10', 'voice', 'Assessments should describe the lived experience of the child and include the child’s wishes and feelings in their own words.', []],

  // Domestic abuse notifications to schools
  ['r5', 'encompass', 'Police should tell schools through Operation Encompass the morning after they attend a domestic abuse incident where a child lives.', ['domestic-abuse']],
  ['r9', 'encompass', 'Schools should receive Operation Encompass notifications of domestic abuse incidents before the school day starts.', ['domestic-abuse']],

  // Lessons that appear once (no group)
  ['r1', 'other', 'The partnership should write to the Department for Education about the funding of speech and language therapy for children under five.', []],
  ['r3', 'other', 'The housing department should review its process for allocating temporary accommodation outside the area to families with a child protection plan.', ['housing-and-homelessness']],
  ['r6', 'other', 'Youth justice and schools should agree how to keep children excluded from school safe from criminal exploitation and county lines.', ['child-criminal-exploitation']],
  // Once among the recommendations; a finding below says the same (its label is its own so it can).
  ['r8', 'interpreting', 'Translation and interpreting services should be booked for every meeting with a parent whose first language is not English.', ['ethnicity-culture-religion-and-racism']],
  ['r10', 'other', 'Children with disabilities who use residential short breaks should have a named worker who knows how they communicate.', ['children-with-disabilities']],
  ['r12', 'other', 'The local authority should check on the welfare of children in elective home education at least once a year.', ['missing-education']],
];

export const LABELLED_SET: Labelled[] = rows.map(([review, label, text, themes], i) => ({ id: `rec-${String(i + 1).padStart(2, '0')}`, reviewKey: review, label, text, themes }));

/**
 * A second set, written after the method and its threshold were chosen on the first and never
 * tuned on: the same lessons in other words (and the words a reader would not expect to match),
 * with lessons of their own. Its figures are the honest ones.
 */
const heldOut: [string, string, string, string[]][] = [
  ['h1', 'sharing', 'Key information held by the GP about the mother’s drug use was not passed on: health should tell social care when they hold such concerns.', []],
  ['h2', 'sharing', 'Information sharing between the police and the school was too slow; information should be exchanged within one working day.', ['information-sharing']],
  ['h3', 'sharing', 'Agencies held parts of the picture but nobody put them together: the multi-agency safeguarding hub should gather and share what each agency knows.', []],
  ['h4', 'men', 'The mother’s partner was never spoken to; assessments must find out about any new partner who spends time with the children.', ['invisible-or-hidden-men']],
  ['h5', 'men', 'Practitioners should think about the risk posed by fathers who do not live with the child but visit often.', []],
  ['h6', 'men', 'Dads were rarely invited to meetings or appointments: services should actively include fathers.', []],
  ['h2', 'curiosity', 'Staff should respectfully question what families tell them and check accounts against other information.', ['professional-curiosity']],
  ['h7', 'curiosity', 'Practitioners took the parents’ explanation for the injuries at face value and did not ask further questions.', []],
  ['h3', 'escalation', 'When the school disagreed with the decision not to hold a strategy meeting it did not use the escalation procedure: schools should be reminded how to escalate.', ['escalation-and-challenge']],
  ['h8', 'escalation', 'Health professionals should feel able to challenge social care decisions and take disagreements to a manager.', []],
  ['h4', 'sleep', 'Every family with a new baby should be given consistent advice about where and how the baby should sleep.', ['safer-sleep']],
  ['h9', 'sleep', 'The baby died after sleeping on a sofa with a parent who had been drinking: safe sleeping advice should cover alcohol and sofas.', []],
  ['h5', 'neglect', 'Poor home conditions, missed health appointments and school absence were each seen alone; the build-up of neglect over years was missed.', []],
  ['h10', 'neglect', 'Agencies should use a shared neglect toolkit to measure change over time.', ['neglect']],
  ['h6', 'bruising', 'A small bruise on the face of a four-month-old baby was not referred: the protocol for injuries in non-mobile infants must be followed.', []],
  ['h11', 'bruising', 'Ambulance staff should know the bruising protocol for babies who cannot yet crawl.', ['bruising-and-fractures-in-non-mobile-babies']],
  ['h7', 'other', 'The partnership should commission research into the experience of families from Gypsy, Roma and Traveller communities of child protection.', []],
  ['h8', 'other', 'Children placed in unregistered homes should be visited by their social worker every two weeks.', ['children-in-care-and-care-leavers']],
  ['h9', 'other', 'Online safety lessons in schools should cover sharing images and how to get help.', ['online-harm']],
  ['h10', 'other', 'The local authority should make sure young carers are identified and offered an assessment of their needs.', ['young-carers']],
  ['h11', 'other', 'Health services should record the ethnicity and first language of every child they see.', []],
];

export const HELD_OUT_SET: Labelled[] = heldOut.map(([review, label, text, themes], i) => ({ id: `held-${String(i + 1).padStart(2, '0')}`, reviewKey: review, label, text, themes }));

/**
 * Findings, written as reviews write them (what happened, not what should change), labelled with
 * the lesson they are about; written after the method was chosen and never tuned on. Recurring
 * learning compares findings with recommendations: a finding should join the recommendations of
 * its lesson. Reviews f1…f8 are other reviews than the recommendations' (their own years).
 */
const findings: [string, string, string, string[]][] = [
  ['f1', 'sharing', 'The school knew of the bruises but did not share the information with children’s social care until weeks later.', ['information-sharing']],
  ['f2', 'sharing', 'Police held information about domestic abuse at the address that was never shared with health visitors.', []],
  ['f3', 'men', 'No agency knew the mother’s new partner had moved into the household; he was never seen or assessed.', ['invisible-or-hidden-men']],
  ['f4', 'men', 'The baby’s father was not invited to any appointment and no practitioner asked about him.', []],
  ['f5', 'curiosity', 'Practitioners accepted the parents’ explanations for the injuries without question and were not curious about what they saw.', ['professional-curiosity']],
  ['f6', 'escalation', 'The health visitor disagreed with the decision to close the case but did not escalate the concern or challenge it.', ['escalation-and-challenge']],
  ['f7', 'sleep', 'Nobody saw where the baby slept; the family co-slept on a sofa after drinking and safer sleep advice had not been repeated.', ['safer-sleep']],
  ['f8', 'neglect', 'Each missed appointment and report of poor home conditions was seen alone; the cumulative impact of neglect was not recognised.', ['neglect']],
  ['f1', 'bruising', 'A bruise on the non-mobile baby was seen by the GP and not referred under the bruising protocol.', []],
  ['f2', 'voice', 'The child was never seen alone and her wishes and feelings are not recorded in any assessment.', ['voice-of-the-child']],
  ['f3', 'other', 'The family moved three times in a year and the child’s records did not follow them between GP practices.', []],
  ['f4', 'interpreting', 'Interpreters were not booked for the mother’s antenatal appointments, so she could not follow what was said.', []],
];

export const FINDINGS_SET: Labelled[] = findings.map(([review, label, text, themes], i) => ({ id: `finding-${String(i + 1).padStart(2, '0')}`, reviewKey: review, label, text, themes }));

/**
 * `n` recommendations for measuring speed: variations of the labelled set's lessons (a third of the
 * words dropped, ten of a case's own words added from a vocabulary of 4,000 where a few are common
 * and most rare, as in real reports), spread over `reviews` reviews. Deterministic.
 */
export function syntheticRecommendations(n: number, reviews = 1400): RecurringItem[] {
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const letters = 'bcdfghjklmnprstvz';
  const vocabulary = Array.from({ length: 4000 }, (_, i) => `w${[...i.toString(17)].map((c) => letters[Number.parseInt(c, 17)]).join('')}o`);
  const zipf = () => vocabulary[Math.min(vocabulary.length - 1, Math.floor(Math.exp(random() * Math.log(vocabulary.length))) - 1)];
  const items: RecurringItem[] = [];
  for (let i = 0; i < n; i++) {
    const base = LABELLED_SET[Math.floor(random() * LABELLED_SET.length)];
    const words = base.text.split(' ').filter(() => random() > 0.3);
    for (let k = 0; k < 10; k++) words.splice(Math.floor(random() * words.length), 0, zipf());
    items.push({ id: `s${i}`, reviewKey: `review-${Math.floor(random() * reviews)}`, text: words.join(' '), themes: random() > 0.5 ? base.themes : [] });
  }
  return items;
}
