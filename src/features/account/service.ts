import type { Kysely, Transaction } from 'kysely';
import { hashPassword, passwordProblem, verifyPassword } from '../../platform/auth/passwords.ts';
import { API_TOKEN_PREFIX, endApiTokens } from '../../platform/auth/principals.ts';
import { randomToken, sha256 } from '../../platform/auth/secrets.ts';
import type { RoleGrant } from '../../platform/auth/policy.ts';
import type { FieldCipher } from '../../platform/crypto/field-encryption.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import type { ApiTokenScope, DB } from '../../platform/db/types.ts';
import { attemptFailed, attemptSucceeded, reserveAttempt } from './attempts.ts';
import { checkTotp, newRecoveryCodes, newTotpSecret, recoveryCodeHash } from './two-factor.ts';

export { LOCK_MINUTES, MAX_FAILED_ATTEMPTS } from './attempts.ts';

/**
 * 'invalid': the password was checked and is wrong (or there is no such account); 'locked': the
 * account is locked, so the password was not checked at all.
 */
export type SignInResult = { ok: true; userId: string; email: string } | { ok: false; reason: 'invalid' | 'locked'; userId?: string; email?: string };

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * The first factor. A locked account's password is not checked at all, yet the time a check
 * takes is spent all the same (as for an address with no account), so neither the answer nor
 * its timing tells a locked account, an unknown address and a wrong password apart.
 *
 * The attempt is reserved (counted) on its own before the slow hash, so concurrent attempts
 * see one count; its outcome is then recorded in one transaction with `record` (the caller's
 * audit entry and session), so they commit together.
 */
export async function checkPassword(
  db: Kysely<DB>,
  emailInput: string,
  password: string,
  record: (trx: Transaction<DB>, result: SignInResult) => Promise<void>,
): Promise<SignInResult> {
  const email = normaliseEmail(emailInput);
  const user = await db.selectFrom('users').select(['id', 'email', 'password_hash', 'disabled_at']).where('email', '=', email).executeTakeFirst();
  const outcome = await passwordOutcome(db, user, password);
  return inTransaction(db, async (trx) => {
    const result = await outcome(trx);
    await record(trx, result);
    return result;
  });
}

type PasswordUser = { id: string; email: string; password_hash: string | null; disabled_at: Date | null } | undefined;

/** Checks the password (reserving the attempt first); returns how to record the outcome in the transaction. */
async function passwordOutcome(db: Kysely<DB>, user: PasswordUser, password: string): Promise<(trx: Kysely<DB>) => Promise<SignInResult>> {
  if (!user || user.disabled_at) {
    await verifyPassword(password, null);
    return async () => ({ ok: false, reason: 'invalid' });
  }
  const known = { userId: user.id, email: user.email };
  if (!(await reserveAttempt(db, user.id, 'password'))) {
    await verifyPassword(password, null);
    return async () => ({ ok: false, reason: 'locked', ...known });
  }
  if (!(await verifyPassword(password, user.password_hash))) {
    return async (trx) => {
      await attemptFailed(trx, user.id, 'password');
      return { ok: false, reason: 'invalid', ...known };
    };
  }
  return async (trx) => ((await attemptSucceeded(trx, user.id, 'password')) ? { ok: true, ...known } : { ok: false, reason: 'locked', ...known });
}

export type TwoFactorState = { enabled: boolean; pendingSecret: string | null };

export async function twoFactorState(db: Kysely<DB>, cipher: FieldCipher, userId: string): Promise<TwoFactorState> {
  const u = await db.selectFrom('users').select(['totp_enabled', 'totp_secret_enc']).where('id', '=', userId).executeTakeFirstOrThrow();
  return { enabled: u.totp_enabled, pendingSecret: !u.totp_enabled && u.totp_secret_enc ? cipher.decrypt(u.totp_secret_enc) : null };
}

/** The secret being set up: kept between visits so a half-finished set-up can be completed (`created`: new now). */
export async function pendingTotpSecret(db: Kysely<DB>, cipher: FieldCipher, userId: string): Promise<{ secret: string; created: boolean }> {
  const state = await twoFactorState(db, cipher, userId);
  if (state.pendingSecret) return { secret: state.pendingSecret, created: false };
  const secret = newTotpSecret();
  await db.updateTable('users').set({ totp_secret_enc: cipher.encrypt(secret), totp_enabled: false }).where('id', '=', userId).execute();
  return { secret, created: true };
}

/**
 * 'invalid': the code was checked and is wrong (`lockedNow` when that was the last attempt
 * allowed); 'locked': the account is locked, so the code was not checked.
 */
export type CodeResult = { ok: true } | { ok: false; reason: 'invalid'; lockedNow: boolean } | { ok: false; reason: 'locked' };

const codeFailed = async (db: Kysely<DB>, userId: string): Promise<CodeResult> => ({ ok: false, reason: 'invalid', lockedNow: await attemptFailed(db, userId, 'code') });

/**
 * Checks a code from the authenticator app; wrong codes count towards the second factor's lock.
 * The step of the code is recorded only if no later one was (two requests with one code: one wins).
 */
export async function verifyTotpCode(db: Kysely<DB>, cipher: FieldCipher, userId: string, code: string, enabling = false): Promise<CodeResult> {
  const u = await db.selectFrom('users').select(['totp_secret_enc', 'totp_last_step', 'totp_enabled']).where('id', '=', userId).executeTakeFirstOrThrow();
  if (!u.totp_secret_enc || u.totp_enabled === enabling) return { ok: false, reason: 'invalid', lockedNow: false };
  if (!(await reserveAttempt(db, userId, 'code'))) return { ok: false, reason: 'locked' };
  const step = checkTotp(cipher.decrypt(u.totp_secret_enc), code, u.totp_last_step === null ? null : Number(u.totp_last_step));
  if (step === null) return codeFailed(db, userId);
  const accepted = await attemptSucceeded(db, userId, 'code', {
    set: { totp_last_step: step, ...(enabling ? { totp_enabled: true } : {}) },
    onlyIf: (q) => q.where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)])),
  });
  return accepted ? { ok: true } : codeFailed(db, userId);
}

/** Replaces the person's recovery codes with ten new ones, returned once. */
export async function issueRecoveryCodes(db: Kysely<DB>, userId: string): Promise<string[]> {
  const { codes, hashes } = newRecoveryCodes();
  await inTransaction(db, async (trx) => {
    await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
    await trx.insertInto('recovery_codes').values(hashes.map((h) => ({ user_id: userId, code_hash: h }))).execute();
  });
  return codes;
}

/** A recovery code stands in for a security code: it counts towards the same lock. */
export async function useRecoveryCode(db: Kysely<DB>, userId: string, code: string): Promise<CodeResult> {
  if (!(await reserveAttempt(db, userId, 'code'))) return { ok: false, reason: 'locked' };
  // The code is spent only together with a successful attempt: both or neither.
  return inTransaction(db, async (trx) => {
    const used = await trx
      .updateTable('recovery_codes')
      .set({ used_at: new Date() })
      .where('user_id', '=', userId)
      .where('code_hash', '=', recoveryCodeHash(code))
      .where('used_at', 'is', null)
      .returning('code_hash')
      .executeTakeFirst();
    if (!used) return codeFailed(trx, userId);
    if (await attemptSucceeded(trx, userId, 'code')) return { ok: true };
    // Locked meanwhile by attempts running alongside: the code stays unspent.
    await trx.updateTable('recovery_codes').set({ used_at: null }).where('user_id', '=', userId).where('code_hash', '=', used.code_hash).execute();
    return codeFailed(trx, userId);
  });
}

export async function remainingRecoveryCodes(db: Kysely<DB>, userId: string): Promise<number> {
  const r = await db.selectFrom('recovery_codes').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Sets a new password; the person's API tokens end with the old one. */
export async function setPassword(db: Kysely<DB>, userId: string, password: string): Promise<string | null> {
  const user = await db.selectFrom('users').select(['email', 'name']).where('id', '=', userId).executeTakeFirstOrThrow();
  const problem = passwordProblem(password, user);
  if (problem) return problem;
  const passwordHash = await hashPassword(password);
  await inTransaction(db, async (trx) => {
    await trx.updateTable('users').set({ password_hash: passwordHash, password_changed_at: new Date(), failed_sign_ins: 0, locked_until: null }).where('id', '=', userId).execute();
    await endApiTokens(trx, userId);
  });
  return null;
}

/** A token lives 90 days unless its maker chooses otherwise, and never more than a year. */
export const TOKEN_DAYS_DEFAULT = 90;
export const TOKEN_DAYS_MAX = 365;
export const TOKEN_SCOPES: readonly ApiTokenScope[] = ['read', 'write'];

export type ApiTokenView = {
  id: string;
  name: string;
  prefix: string;
  scope: ApiTokenScope;
  createdAt: Date;
  expiresAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  expired: boolean;
  limitedTo: string | null;
};

export type NewApiToken = {
  name: string;
  /** 'read' unless a token must change data */
  scope?: ApiTokenScope;
  expiresInDays?: number;
  /** made in a single sign-on session: the token is limited as the session is */
  limitedTo?: string | null;
};

/** A new API token: the whole value is returned once and only its hash is kept. */
export async function createApiToken(db: Kysely<DB>, userId: string, input: NewApiToken, now = new Date()): Promise<{ id: string; token: string; expiresAt: Date }> {
  const days = input.expiresInDays ?? TOKEN_DAYS_DEFAULT;
  if (!Number.isInteger(days) || days < 1 || days > TOKEN_DAYS_MAX) throw new RangeError(`a token lives 1 to ${TOKEN_DAYS_MAX} days`);
  const token = `${API_TOKEN_PREFIX}${randomToken()}`;
  const expiresAt = new Date(now.getTime() + days * 86_400_000);
  const row = await db
    .insertInto('api_tokens')
    .values({
      user_id: userId,
      name: input.name.trim(),
      token_hash: sha256(token),
      prefix: token.slice(0, API_TOKEN_PREFIX.length + 6),
      scope: input.scope ?? 'read',
      created_at: now,
      expires_at: expiresAt,
      limited_to_partnership: input.limitedTo ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, token, expiresAt };
}

export async function listApiTokens(db: Kysely<DB>, userId: string, now = new Date()): Promise<ApiTokenView[]> {
  const rows = await db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scope: r.scope,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
    expired: new Date(r.expires_at) <= now,
    limitedTo: r.limited_to_partnership,
  }));
}

/** Revokes one of the person's own tokens; false when there is no such token of theirs. */
export async function revokeApiToken(db: Kysely<DB>, userId: string, tokenId: string): Promise<boolean> {
  const r = await db
    .updateTable('api_tokens')
    .set({ revoked_at: new Date() })
    .where('id', '=', tokenId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Names of the partnerships and agencies a person's roles refer to, by id. */
export async function grantNames(db: Kysely<DB>, grants: RoleGrant[]): Promise<Map<string, string>> {
  const partnershipIds = grants.flatMap((g) => (g.partnershipId ? [g.partnershipId] : []));
  const agencyIds = grants.flatMap((g) => (g.agencyId ? [g.agencyId] : []));
  const names = new Map<string, string>();
  if (partnershipIds.length) for (const r of await db.selectFrom('partnerships').select(['id', 'name']).where('id', 'in', partnershipIds).execute()) names.set(r.id, r.name);
  if (agencyIds.length) for (const r of await db.selectFrom('agencies').select(['id', 'name']).where('id', 'in', agencyIds).execute()) names.set(r.id, r.name);
  return names;
}
