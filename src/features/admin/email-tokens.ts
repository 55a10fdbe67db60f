import type { Kysely, Transaction } from 'kysely';
import { hashPassword } from '../../platform/auth/passwords.ts';
import { endApiTokens } from '../../platform/auth/principals.ts';
import { randomToken, sha256 } from '../../platform/auth/secrets.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import type { DB } from '../../platform/db/types.ts';

/**
 * Single-use links sent by email. The link carries a random token; the table keeps only
 * its SHA-256, so a copy of the database gives no working links.
 */
export type EmailPurpose = 'invitation' | 'password-reset';

export const TOKEN_LIFETIME_MS: Record<EmailPurpose, number> = {
  invitation: 7 * 24 * 3_600_000,
  'password-reset': 3_600_000,
};

/** randomToken() gives 43 base64url characters; anything else cannot be one of ours. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * A new link for the person. Their older unused links for the same purpose stop working,
 * so only the newest email is good.
 */
export async function issueEmailToken(db: Kysely<DB>, userId: string, purpose: EmailPurpose, now = new Date()): Promise<string> {
  const token = randomToken();
  await inTransaction(db, async (trx) => {
    await trx.deleteFrom('email_tokens').where('user_id', '=', userId).where('purpose', '=', purpose).where('used_at', 'is', null).execute();
    await trx
      .insertInto('email_tokens')
      .values({ token_hash: sha256(token), user_id: userId, purpose, created_at: now, expires_at: new Date(now.getTime() + TOKEN_LIFETIME_MS[purpose]) })
      .execute();
  });
  return token;
}

export type LinkPerson = { id: string; email: string; name: string };

export type TokenCheck =
  | { status: 'valid'; user: LinkPerson }
  /** never issued, or replaced by a newer link */
  | { status: 'unknown' }
  | { status: 'expired' }
  | { status: 'used' };

/**
 * What a link is worth now. An invitation to someone who has since set a password (by a
 * password reset, say) counts as used; any link of a disabled account counts as expired.
 */
export async function checkEmailToken(db: Kysely<DB>, token: string, purpose: EmailPurpose, now = new Date()): Promise<TokenCheck> {
  if (!TOKEN_SHAPE.test(token)) return { status: 'unknown' };
  const row = await db
    .selectFrom('email_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select(['t.expires_at', 't.used_at', 'u.id', 'u.email', 'u.name', 'u.password_hash', 'u.disabled_at'])
    .where('t.token_hash', '=', sha256(token))
    .where('t.purpose', '=', purpose)
    .executeTakeFirst();
  if (!row) return { status: 'unknown' };
  if (row.used_at || (purpose === 'invitation' && row.password_hash !== null)) return { status: 'used' };
  if (new Date(row.expires_at) <= now || row.disabled_at) return { status: 'expired' };
  return { status: 'valid', user: { id: row.id, email: row.email, name: row.name } };
}

/**
 * Uses the link to set the person's password, all at once: the link is marked used (only
 * if it still is good at this moment), the password set, the password's lockout cleared, their
 * API tokens ended, their other links for the same purpose removed, and `then` run (the audit
 * entry, ending sessions) in the same transaction. Null when the link was not good any more.
 * A lock set by wrong security codes stays: the link proves only the mailbox. The slow hash runs
 * before the transaction opens.
 */
export async function setPasswordWithToken<T>(
  db: Kysely<DB>,
  token: string,
  purpose: EmailPurpose,
  password: string,
  then: (trx: Transaction<DB>, person: LinkPerson) => Promise<T>,
  now = new Date(),
): Promise<T | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const passwordHash = await hashPassword(password);
  return inTransaction(db, async (trx) => {
    const used = await trx
      .updateTable('email_tokens')
      .set({ used_at: now })
      .where('token_hash', '=', sha256(token))
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning('user_id')
      .executeTakeFirst();
    if (!used) return null;
    let update = trx
      .updateTable('users')
      .set({ password_hash: passwordHash, password_changed_at: now, failed_sign_ins: 0, locked_until: null })
      .where('id', '=', used.user_id)
      .where('disabled_at', 'is', null);
    // An invitation sets a first password only.
    if (purpose === 'invitation') update = update.where('password_hash', 'is', null);
    const user = await update.returning(['id', 'email', 'name']).executeTakeFirst();
    if (!user) {
      // Not applied: the transaction is rolled back, so the link is not spent either.
      throw new LinkNoLongerValid();
    }
    await trx.deleteFrom('email_tokens').where('user_id', '=', user.id).where('purpose', '=', purpose).where('used_at', 'is', null).execute();
    await endApiTokens(trx, user.id, now);
    return then(trx, user);
  }).catch((err: unknown) => {
    if (err instanceof LinkNoLongerValid) return null;
    throw err;
  });
}

class LinkNoLongerValid extends Error {}
