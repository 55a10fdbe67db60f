import { sql, type Kysely } from 'kysely';
import type { ScannedDocument } from '../../domain/anonymisation/types.ts';
import { caseIdentifiers, identifyingFindings, learningDocuments, type Override } from '../../domain/reviews/publication.ts';
import type { Problem } from '../../platform/http/form-body.ts';
import { openField, type FieldCipher } from '../../platform/crypto/field-encryption.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';

/**
 * Takes turns, for the rest of the caller's transaction, with publishing the case's review and with
 * other changes to its learning: a change checked as unpublished cannot then commit after the
 * publication, unchecked, and the publication reads the learning as it will go out (publishReview).
 */
export async function lockCaseLearning(db: Kysely<DB>, incidentId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`cspr-hub:case-learning:${incidentId}`}))`.execute(db);
}

/** A text a change would put on the review's page: the form field it came from and the document the scanner reads. */
export type PublicText = { field: string; document: ScannedDocument };

/** What a recommendation puts on its published review's page: its text and the partnership's reasons for not accepting it in full. */
export function recommendationTexts(r: { number: string; text: string; response: string | null; responseReasons: string }): PublicText[] {
  const [doc, response] = learningDocuments({ recommendations: [{ number: r.number.trim(), text: r.text.trim(), responseReasons: r.response && r.response !== 'accepted' ? r.responseReasons.trim() : '' }], findings: [] });
  return [{ field: 'text', document: doc }, ...(response ? [{ field: 'responseReasons', document: response }] : [])];
}

/**
 * The texts a change writes anew. One left as it was is on the page already: refusing it would only
 * stop the rest of the change (a theme, a date, a response), and a review published before its
 * learning was checked would be locked.
 */
export function changedTexts(texts: readonly PublicText[], before: readonly PublicText[]): PublicText[] {
  const key = (t: PublicText) => `${t.field}\n${t.document.pages.join('\f')}`;
  const was = new Set(before.map(key));
  return texts.filter((t) => !was.has(key(t)));
}

/** What a finding puts on its published review's page. */
export function findingTexts(f: { number: string; text: string }): PublicText[] {
  return learningDocuments({ recommendations: [], findings: [{ number: f.number.trim(), text: f.text.trim() }] }).map((document) => ({ field: 'text', document }));
}

/**
 * Why a change to a case's recommendations or findings cannot be saved as it is: once the case's
 * review is published, they show on its public page as they are changed (publishedRecommendations,
 * publishedFindings), with no check in between. So the change is checked as the publication was,
 * against the details held on the case and the other names its publication looks for, and refused
 * while it holds one nobody overrode then (identifyingFindings). Nothing to check before publication:
 * the publication's own check reads them then.
 */
export async function publishedLearningProblems(db: Kysely<DB>, cipher: FieldCipher, partnershipId: string, incidentId: string | null, texts: readonly PublicText[]): Promise<Problem[]> {
  if (!incidentId || texts.length === 0) return [];
  // In the change's own transaction, held until it commits (outside one, a lock would end at once).
  if (db.isTransaction) await lockCaseLearning(db, incidentId);
  // Publications are public (no tenant scope to open): most changes stop at this one statement.
  const published = await db.selectFrom('publications').select('id').where('partnership_id', '=', partnershipId).where('incident_id', '=', incidentId).executeTakeFirst();
  if (!published) return [];
  const held = await withTenant(db, [partnershipId], async (trx) => {
    const children = await trx
      .selectFrom('incident_children')
      .select(['name_enc', 'date_of_birth_enc', 'nhs_number_enc', 'address_enc', 'family_names_enc'])
      .where('partnership_id', '=', partnershipId)
      .where('incident_id', '=', incidentId)
      .execute();
    const draft = await trx.selectFrom('publication_drafts').select(['content_enc', 'overrides']).where('partnership_id', '=', partnershipId).where('incident_id', '=', incidentId).executeTakeFirst();
    return { children, draft };
  });
  const otherNames = held.draft ? String((JSON.parse(cipher.decrypt(held.draft.content_enc)) as { otherNames?: unknown }).otherNames ?? '') : '';
  const identifiers = caseIdentifiers(
    held.children.map((c) => ({
      name: openField(cipher, c.name_enc),
      dateOfBirth: openField(cipher, c.date_of_birth_enc) || null,
      nhsNumber: openField(cipher, c.nhs_number_enc),
      address: openField(cipher, c.address_enc),
      familyNames: openField(cipher, c.family_names_enc),
    })),
    otherNames.split(/\n+/),
  );
  const overrides = (held.draft?.overrides ?? []) as Override[];
  const fieldOf = new Map(texts.map((t) => [t.document.source, t.field]));
  return identifyingFindings(
    texts.map((t) => t.document),
    identifiers,
    overrides,
  ).map((f) => ({
    field: fieldOf.get(f.source) ?? 'text',
    message: `The review is published and its page would show this at once: take out “${f.match}” (${lowerFirst(f.detail)}), or say it without identifying anyone`,
  }));
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
