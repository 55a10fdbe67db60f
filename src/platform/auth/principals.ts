import type { Kysely } from 'kysely';
import type { ApiTokenScope, DB } from '../db/types.ts';
import { grantsWithin, type Principal } from './policy.ts';
import { sha256 } from './secrets.ts';

export type UserSummary = { id: string; email: string; name: string; totpEnabled: boolean; disabled: boolean };

/**
 * A person's identity and the roles that count for this request: every role they hold, or
 * only one partnership's when the sign-in (or the token's) was limited to it.
 */
export async function loadPrincipal(
  db: Kysely<DB>,
  userId: string,
  via: Principal['via'],
  options: { limitedTo?: string | null; tokenScope?: ApiTokenScope } = {},
): Promise<Principal | null> {
  const user = await db
    .selectFrom('users')
    .select(['id', 'email', 'name', 'disabled_at'])
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!user || user.disabled_at) return null;
  const grants = await db
    .selectFrom('role_assignments')
    .select(['role', 'partnership_id', 'agency_id'])
    .where('user_id', '=', userId)
    .execute();
  const limitedTo = options.limitedTo ?? null;
  return {
    userId: user.id,
    email: user.email,
    name: user.name,
    via,
    limitedTo,
    ...(options.tokenScope ? { tokenScope: options.tokenScope } : {}),
    grants: grantsWithin(
      grants.map((g) => ({ role: g.role, partnershipId: g.partnership_id, agencyId: g.agency_id })),
      limitedTo,
    ),
  };
}

export const API_TOKEN_PREFIX = 'cspr_';

export type ApiTokenUse = { userId: string; scope: ApiTokenScope; limitedTo: string | null };

/** The token's owner and what the token may do, if it exists, is not revoked and has not expired. */
export async function findApiToken(db: Kysely<DB>, token: string): Promise<ApiTokenUse | null> {
  if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 200) return null;
  const row = await db
    .selectFrom('api_tokens')
    .select(['id', 'user_id', 'last_used_at', 'scope', 'limited_to_partnership'])
    .where('token_hash', '=', sha256(token))
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
  if (!row) return null;
  if (!row.last_used_at || Date.now() - new Date(row.last_used_at).getTime() > 60_000) {
    await db.updateTable('api_tokens').set({ last_used_at: new Date() }).where('id', '=', row.id).execute();
  }
  return { userId: row.user_id, scope: row.scope, limitedTo: row.limited_to_partnership };
}

/**
 * Ends every live API token of the person. Called (in the same transaction) whenever their
 * password is set or changed and when their account is disabled: a token never outlives the
 * credentials it was made under. Returns how many ended.
 */
export async function endApiTokens(db: Kysely<DB>, userId: string, now = new Date()): Promise<number> {
  const r = await db.updateTable('api_tokens').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows);
}
