import type { Kysely } from 'kysely';
import { recordAudit } from '../audit/audit.ts';
import type { FieldCipher } from '../crypto/field-encryption.ts';
import { inTransaction } from '../db/transaction.ts';
import type { DB } from '../db/types.ts';

/**
 * Forms that arrived just after their sender's session ended for want of use (WCAG 2.2.1: a time
 * limit must not cost people their work). What they typed is kept, encrypted, for a week, for them
 * alone; after signing in again they see it and can send it again to where it was going.
 */
export const UNSENT_FORM_DAYS = 7;

/** Field values as a form sends them: a name sent more than once (check boxes) is a list. */
export type FormFields = Record<string, string | string[]>;

/** Never kept: the old session's security token (a new one is issued) and anything secret. */
const NOT_KEPT = /^_csrf$|^_unsent$|password|secret|^code$|token/i;

/** Words someone wrote (a phrase or more, or a long value), as against a choice, a date part or an id. */
export function isWrittenText(value: string): boolean {
  return /\s/.test(value.trim()) || value.length > 40;
}

/** The text fields of a form body worth keeping, or null when there is nothing (or it is not a plain form). */
export function keepableFields(body: unknown): FormFields | null {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const kept: FormFields = {};
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (NOT_KEPT.test(name) || name.length > 200) continue;
    if (typeof value === 'string') kept[name] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) kept[name] = value as string[];
  }
  const written = Object.values(kept).some((v) => (Array.isArray(v) ? v : [v]).some(isWrittenText));
  return written ? kept : null;
}

export type UnsentForm = { id: string; path: string; fields: FormFields; createdAt: Date };

/** An entry in the person's own name (the form may have come when no session stood for them). */
async function audit(trx: Kysely<DB>, userId: string, action: string, id: string, changes: Record<string, unknown> | null, ip: string | null) {
  const who = await trx.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirstOrThrow();
  await recordAudit(trx, { actor: { id: userId, email: who.email, role: null }, action, recordType: 'unsent-form', recordId: id, changes, ip });
}

/** Keeps a form for its sender; their forms older than a week go at the same time. Returns its id. */
export async function holdForm(
  db: Kysely<DB>,
  cipher: FieldCipher,
  input: { userId: string; path: string; fields: FormFields; ip: string | null },
): Promise<string> {
  return inTransaction(db, async (trx) => {
    const expired = await trx
      .deleteFrom('unsent_forms')
      .where('user_id', '=', input.userId)
      .where('created_at', '<', new Date(Date.now() - UNSENT_FORM_DAYS * 86_400_000))
      .returning('id')
      .execute();
    const row = await trx
      .insertInto('unsent_forms')
      .values({ user_id: input.userId, path: input.path, fields: cipher.encrypt(JSON.stringify(input.fields)) })
      .returning('id')
      .executeTakeFirstOrThrow();
    // The names of the fields, never what was typed: the trail is not a copy of the case.
    await audit(trx, input.userId, 'unsent-form-held', row.id, { path: input.path, fields: Object.keys(input.fields), expired: expired.length }, input.ip);
    return row.id;
  });
}

/** One of the person's own kept forms (a week old at most), or null; reading it is recorded. */
export async function readHeldForm(db: Kysely<DB>, cipher: FieldCipher, userId: string, id: string, ip: string | null): Promise<UnsentForm | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  return inTransaction(db, async (trx) => {
    const row = await trx
      .selectFrom('unsent_forms')
      .select(['id', 'path', 'fields', 'created_at'])
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('created_at', '>=', new Date(Date.now() - UNSENT_FORM_DAYS * 86_400_000))
      .executeTakeFirst();
    if (!row) return null;
    await audit(trx, userId, 'unsent-form-viewed', row.id, null, ip);
    return { id: row.id, path: row.path, fields: JSON.parse(cipher.decrypt(row.fields)) as FormFields, createdAt: new Date(row.created_at) };
  });
}

/** Discards one of the person's kept forms. True when there was one. */
export async function discardHeldForm(db: Kysely<DB>, userId: string, id: string, ip: string | null): Promise<boolean> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return false;
  return inTransaction(db, async (trx) => {
    const gone = await trx.deleteFrom('unsent_forms').where('id', '=', id).where('user_id', '=', userId).returning('id').executeTakeFirst();
    if (gone) await audit(trx, userId, 'unsent-form-discarded', gone.id, null, ip);
    return gone !== undefined;
  });
}
