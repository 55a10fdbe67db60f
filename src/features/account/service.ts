import type { Kysely, Transaction } from 'kysely';
import { hashPassword, passwordProblem, verifyPassword } from '../../platform/auth/passwords.ts';
import { API_TOKEN_PREFIX } from '../../platform/auth/principals.ts';
import { randomToken, sha256 } from '../../platform/auth/secrets.ts';
import type { RoleGrant } from '../../platform/auth/policy.ts';
import type { FieldCipher } from '../../platform/crypto/field-encryption.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import type { DB } from '../../platform/db/types.ts';
import { checkTotp, newRecoveryCodes, newTotpSecret, recoveryCodeHash } from './two-factor.ts';

/** After this many wrong passwords or codes in a row, the account waits LOCK_MINUTES. */
export const MAX_FAILED_ATTEMPTS = 5;
export const LOCK_MINUTES = 15;

export type SignInResult =
  | { ok: true; userId: string; email: string }
  | { ok: false; reason: 'invalid' | 'locked'; userId?: string; email?: string; lockedUntil?: Date };

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

async function registerFailure(db: Kysely<DB>, userId: string, failures: number): Promise<Date | null> {
  const lockedUntil = failures >= MAX_FAILED_ATTEMPTS ? new Date(Date.now() + LOCK_MINUTES * 60_000) : null;
  await db
    .updateTable('users')
    .set({ failed_sign_ins: lockedUntil ? 0 : failures, ...(lockedUntil ? { locked_until: lockedUntil } : {}) })
    .where('id', '=', userId)
    .execute();
  return lockedUntil;
}

/**
 * Checks an email and password. The slow hash runs first, outside any transaction; then, in one
 * transaction, the attempt is counted (or the count cleared) and \`record\` runs with the result,
 * so the caller's audit entry (and session) commit with it.
 */
export async function checkPassword(
  db: Kysely<DB>,
  emailInput: string,
  password: string,
  record: (trx: Transaction<DB>, result: SignInResult) => Promise<void>,
): Promise<SignInResult> {
  const email = normaliseEmail(emailInput);
  const user = await db
    .selectFrom('users')
    .select(['id', 'email', 'password_hash', 'failed_sign_ins', 'locked_until', 'disabled_at'])
    .where('email', '=', email)
    .executeTakeFirst();
  // The hash is always computed, so timing does not reveal whether the account exists.
  const matches = await verifyPassword(password, user?.password_hash ?? null);
  return inTransaction(db, async (trx) => {
    const result = await passwordOutcome(trx, user, matches);
    await record(trx, result);
    return result;
  });
}

async function passwordOutcome(
  trx: Kysely<DB>,
  user: { id: string; email: string; failed_sign_ins: number; locked_until: Date | null; disabled_at: Date | null } | undefined,
  matches: boolean,
): Promise<SignInResult> {
  if (!user || user.disabled_at) return { ok: false, reason: 'invalid' };
  if (user.locked_until && new Date(user.locked_until) > new Date()) {
    return { ok: false, reason: 'locked', userId: user.id, email: user.email, lockedUntil: new Date(user.locked_until) };
  }
  if (!matches) {
    const lockedUntil = await registerFailure(trx, user.id, user.failed_sign_ins + 1);
    return lockedUntil
      ? { ok: false, reason: 'locked', userId: user.id, email: user.email, lockedUntil }
      : { ok: false, reason: 'invalid', userId: user.id, email: user.email };
  }
  await trx.updateTable('users').set({ failed_sign_ins: 0, locked_until: null }).where('id', '=', user.id).execute();
  return { ok: true, userId: user.id, email: user.email };
}

export type TwoFactorState = { enabled: boolean; pendingSecret: string | null };

export async function twoFactorState(db: Kysely<DB>, cipher: FieldCipher, userId: string): Promise<TwoFactorState> {
  const u = await db.selectFrom('users').select(['totp_enabled', 'totp_secret_enc']).where('id', '=', userId).executeTakeFirstOrThrow();
  return { enabled: u.totp_enabled, pendingSecret: !u.totp_enabled && u.totp_secret_enc ? cipher.decrypt(u.totp_secret_enc) : null };
}

/** The secret being set up: kept between visits so a half-finished set-up can be completed (\`created\`: new now). */
export async function pendingTotpSecret(db: Kysely<DB>, cipher: FieldCipher, userId: string): Promise<{ secret: string; created: boolean }> {
  const state = await twoFactorState(db, cipher, userId);
  if (state.pendingSecret) return { secret: state.pendingSecret, created: false };
  const secret = newTotpSecret();
  await db.updateTable('users').set({ totp_secret_enc: cipher.encrypt(secret), totp_enabled: false }).where('id', '=', userId).execute();
  return { secret, created: true };
}

export type CodeResult = { ok: true } | { ok: false; reason: 'invalid' | 'locked' };

async function lockStatus(db: Kysely<DB>, userId: string) {
  return db.selectFrom('users').select(['failed_sign_ins', 'locked_until', 'totp_secret_enc', 'totp_last_step', 'totp_enabled']).where('id', '=', userId).executeTakeFirstOrThrow();
}

/** Checks a code from the authenticator app; wrong codes count towards the lockout. */
export async function verifyTotpCode(db: Kysely<DB>, cipher: FieldCipher, userId: string, code: string, enabling = false): Promise<CodeResult> {
  const u = await lockStatus(db, userId);
  if (u.locked_until && new Date(u.locked_until) > new Date()) return { ok: false, reason: 'locked' };
  if (!u.totp_secret_enc || u.totp_enabled === enabling) return { ok: false, reason: 'invalid' };
  const step = checkTotp(cipher.decrypt(u.totp_secret_enc), code, u.totp_last_step === null ? null : Number(u.totp_last_step));
  if (step === null) {
    const lockedUntil = await registerFailure(db, userId, u.failed_sign_ins + 1);
    return { ok: false, reason: lockedUntil ? 'locked' : 'invalid' };
  }
  await db
    .updateTable('users')
    .set({ totp_last_step: step, failed_sign_ins: 0, ...(enabling ? { totp_enabled: true } : {}) })
    .where('id', '=', userId)
    .execute();
  return { ok: true };
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

export async function useRecoveryCode(db: Kysely<DB>, userId: string, code: string): Promise<CodeResult> {
  const u = await lockStatus(db, userId);
  if (u.locked_until && new Date(u.locked_until) > new Date()) return { ok: false, reason: 'locked' };
  const used = await db
    .updateTable('recovery_codes')
    .set({ used_at: new Date() })
    .where('user_id', '=', userId)
    .where('code_hash', '=', recoveryCodeHash(code))
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(used.numUpdatedRows) === 1) return { ok: true };
  const lockedUntil = await registerFailure(db, userId, u.failed_sign_ins + 1);
  return { ok: false, reason: lockedUntil ? 'locked' : 'invalid' };
}

export async function remainingRecoveryCodes(db: Kysely<DB>, userId: string): Promise<number> {
  const r = await db.selectFrom('recovery_codes').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function setPassword(db: Kysely<DB>, userId: string, password: string): Promise<string | null> {
  const user = await db.selectFrom('users').select(['email', 'name']).where('id', '=', userId).executeTakeFirstOrThrow();
  const problem = passwordProblem(password, user);
  if (problem) return problem;
  await db
    .updateTable('users')
    .set({ password_hash: await hashPassword(password), password_changed_at: new Date(), failed_sign_ins: 0, locked_until: null })
    .where('id', '=', userId)
    .execute();
  return null;
}

export type ApiTokenView = { id: string; name: string; prefix: string; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null };

/** A new API token: the whole value is returned once and only its hash is kept. */
export async function createApiToken(db: Kysely<DB>, userId: string, name: string): Promise<{ id: string; token: string }> {
  const token = `${API_TOKEN_PREFIX}${randomToken()}`;
  const row = await db
    .insertInto('api_tokens')
    .values({ user_id: userId, name: name.trim(), token_hash: sha256(token), prefix: token.slice(0, API_TOKEN_PREFIX.length + 6) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, token };
}

export async function listApiTokens(db: Kysely<DB>, userId: string): Promise<ApiTokenView[]> {
  const rows = await db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').execute();
  return rows.map((r) => ({ id: r.id, name: r.name, prefix: r.prefix, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at }));
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
