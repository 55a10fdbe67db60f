import { sql, type Kysely } from 'kysely';
import type { FieldCipher } from '../../platform/crypto/field-encryption.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import type { Actor } from '../cases/service.ts';
import { acknowledge, addProduct, answerFollowUp, checkLink, loadProduct, markEmailed, recordOpen, recordSend, saveList, takeStep } from './service.ts';

/**
 * A fictional thematic 7-minute briefing for the demo partnership, drawing on two of the
 * repository's demo reviews, written by the business unit, approved by a partner's lead and
 * published on the public learning pages; sent to a fictional distribution list, with some opens,
 * acknowledgements and one answer to the follow-up question. Goes through the feature's own
 * services; no email is sent (the addresses are fictional).
 */
/** The addresses of the demo's two learning products: a 7-minute briefing and a Learning on a Page. */
export const DEMO_PRODUCT_SLUGS = { briefing: 'northmoor-bruising-in-non-mobile-babies', learningOnAPage: 'northmoor-neglect-learning-on-a-page' } as const;

export async function seedDemoLearningProducts(db: Kysely<DB>, cipher: FieldCipher, partnershipId: string, admin: Actor, lead: Actor): Promise<void> {
  const must = <T extends { ok: boolean }>(result: T, what: string): T & { ok: true } => {
    if (!result.ok) throw new Error(`Demo learning products: ${what}: ${JSON.stringify(result)}`);
    return result as T & { ok: true };
  };
  // Its sources are the partnership's reviews on its theme (Baby K's and the thematic review of head injuries to babies).
  const theme = 'bruising-fractures-non-mobile-babies';
  const pubs = await db
    .selectFrom('publications')
    .select('id')
    .where('partnership_id', '=', partnershipId)
    .where(sql<boolean>`themes ? ${theme}`)
    .orderBy('published_on', 'desc')
    .limit(2)
    .execute();
  const cases = await withTenant(db, [partnershipId], (trx) => trx.selectFrom('reviews').select('incident_id').where('partnership_id', '=', partnershipId).limit(1).execute());
  const sources = pubs.length >= 2 ? pubs.map((p) => `publication:${p.id}`) : cases.map((c) => `incident:${c.incident_id}`);
  if (!sources.length) return;
  const created = must(
    await addProduct(db, partnershipId, admin, {
      kind: 'seven-minute-briefing',
      title: 'Bruising and fractures in babies who are not yet mobile',
      slug: DEMO_PRODUCT_SLUGS.briefing,
      theme,
      public: true,
      sources,
      sections: {
        background: 'Two reviews of the partnership looked at babies under six months who had bruises or fractures that were seen by professionals before serious harm (fictional).',
        'why-it-matters': 'A bruise on a baby who cannot yet move independently is rare. It can be the first sign of abuse, and a chance to protect the baby.',
        information: 'Bruising in a non-mobile baby must always be referred to children’s social care and seen by a paediatrician the same day.\nAn explanation from a parent does not remove the need to refer.\nFractures in infants are often hidden: a skeletal survey may be needed.',
        practice: 'Follow the partnership’s bruising protocol for every non-mobile baby. Record what you saw, with a body map. Tell your safeguarding lead the same day. Think about other children in the household.',
        questions: 'How does your team make sure the protocol is followed at weekends?\nWhat would make it hard for you to refer when a parent gives an explanation?\nHow do you include fathers and other carers when you see a baby?',
      },
    }),
    'briefing',
  );
  const draft = await loadProduct(db, [partnershipId], created.id);
  if (!draft) return;
  must(await takeStep(db, draft, admin, 'writer', 'submit', draft.version), 'submit');
  const inReview = await loadProduct(db, [partnershipId], created.id);
  must(await takeStep(db, inReview!, lead, 'approver', 'approve', inReview!.version), 'approve');
  const published = (await loadProduct(db, [partnershipId], created.id))!;

  const list = must(
    await saveList(db, partnershipId, {
      name: 'Designated safeguarding leads and named professionals',
      members: [
        'dsl.one@northmoor.example, Northmoor Academy Trust',
        'dsl.two@northmoor.example, Northmoor Academy Trust',
        'named.nurse@northmoor.example, Northmoor Community Health NHS Trust',
        'health.visitors@northmoor.example, Northmoor Community Health NHS Trust',
        'mash.police@northmoor.example, Northmoor Police',
        'practice.lead@northmoor.example, Northmoor Council Children’s Services',
      ].join('\n'),
    }, null),
    'list',
  );
  const sent = must(await recordSend(db, published, admin, { listIds: [list.id], others: '', followUpDays: 42 }, new Date(Date.now() - 50 * 86_400_000)), 'send');
  await markEmailed(db, partnershipId, sent.outgoing.map((o) => o.recipientId), new Date(Date.now() - 50 * 86_400_000));
  const byEmail = new Map(sent.outgoing.map((o) => [o.email, o.token]));
  const open = async (email: string) => {
    const check = await checkLink(db, cipher, byEmail.get(email)!);
    if (check.status !== 'valid') throw new Error('Demo learning products: a link does not work');
    await recordOpen(db, check.recipient);
    return (await checkLink(db, cipher, byEmail.get(email)!)) as Extract<Awaited<ReturnType<typeof checkLink>>, { status: 'valid' }>;
  };
  const one = await open('dsl.one@northmoor.example');
  must(await acknowledge(db, cipher, one.recipient, { confirmed: true, reflection: 'Discussed at the staff briefing: reception staff now know to tell the DSL the same day (fictional).' }), 'acknowledgement');
  const nurse = await open('named.nurse@northmoor.example');
  must(await acknowledge(db, cipher, nurse.recipient, { confirmed: true, reflection: '' }), 'acknowledgement');
  await open('mash.police@northmoor.example');
  // The follow-up question went to the first who acknowledged, who answered; the other's is due now
  // (the reminders run sends it, or the business unit from the reach page).
  await withTenant(db, [partnershipId], (trx) => trx.updateTable('learning_recipients').set({ follow_up_sent_at: new Date(Date.now() - 8 * 86_400_000) }).where('id', '=', one.recipient.id).where('partnership_id', '=', partnershipId).execute());
  const again = await checkLink(db, cipher, byEmail.get('dsl.one@northmoor.example')!);
  if (again.status === 'valid') must(await answerFollowUp(db, cipher, again.recipient, 'We added the bruising protocol to the induction for all new staff, and two referrals were made this term (fictional).'), 'answer');

  // A Learning on a Page still being written: a draft of the business unit.
  must(
    await addProduct(db, partnershipId, admin, {
      kind: 'learning-on-a-page',
      title: 'Neglect: learning from local and national reviews',
      slug: DEMO_PRODUCT_SLUGS.learningOnAPage,
      theme: 'neglect',
      public: false,
      sources,
      sections: { 'key-learning': 'Neglect was seen in every review, but its effect on the children built up over years before anyone named it (fictional).' },
    }),
    'draft',
  );
}
