import type { Kysely } from 'kysely';
import type { DB } from '../db/types.ts';
import type { Principal } from './policy.ts';
import { sha256 } from './secrets.ts';

export type UserSummary = { id: string; email: string; name: string; totpEnabled: boolean; disabled: boolean };

/** A person's identity and every role they hold, as the policy sees them. */
export async function loadPrincipal(db: Kysely<DB>, userId: string, via: Principal['via']): Promise<Principal | null> {
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
  return {
    userId: user.id,
    email: user.email,
    name: user.name,
    via,
    grants: grants.map((g) => ({ role: g.role, partnershipId: g.partnership_id, agencyId: g.agency_id })),
  };
}

export const API_TOKEN_PREFIX = 'cspr_';

/** The user behind a bearer token, if the token exists and is not revoked. */
export async function userForApiToken(db: Kysely<DB>, token: string): Promise<string | null> {
  if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 200) return null;
  const row = await db
    .selectFrom('api_tokens')
    .select(['id', 'user_id', 'last_used_at'])
    .where('token_hash', '=', sha256(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  if (!row.last_used_at || Date.now() - new Date(row.last_used_at).getTime() > 60_000) {
    await db.updateTable('api_tokens').set({ last_used_at: new Date() }).where('id', '=', row.id).execute();
  }
  return row.user_id;
}
