import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/types.ts';
import { grantsWithin, type Principal, type RoleGrant } from './policy.ts';
import { randomToken, sha256 } from './secrets.ts';

/**
 * Sessions live in the database so several instances share them. The cookie holds a
 * random token; the table holds only its hash.
 */
export type SessionLimits = { idleMinutes: number; maxHours: number };

/** `limitedTo`: the partnership whose single sign-on started the session (only its roles count). */
export type SessionRow = { idHash: string; userId: string; twoFactorAt: Date | null; createdAt: Date; lastSeenAt: Date; limitedTo: string | null };

export type FoundSession = SessionRow & { principal: Principal | null };
/** A session that has just ended for want of use or for age: whose it was, so what they sent is not lost. */
export type EndedSession = { ended: 'timed-out'; userId: string };

export async function createSession(
  db: Kysely<DB>,
  userId: string,
  meta: { ip?: string | null; userAgent?: string | null; twoFactor?: boolean; limitedTo?: string | null },
): Promise<string> {
  const token = randomToken();
  await db
    .insertInto('sessions')
    .values({
      id_hash: sha256(token),
      user_id: userId,
      ip: meta.ip ?? null,
      user_agent: meta.userAgent?.slice(0, 300) ?? null,
      two_factor_at: meta.twoFactor ? new Date() : null,
      limited_to_partnership: meta.limitedTo ?? null,
    })
    .execute();
  return token;
}

/**
 * The live session for a cookie value with its person and their roles, in one query
 * (this runs on every signed-in request), or null; an expired session is removed on sight.
 */
export async function findSession(
  db: Kysely<DB>,
  token: string,
  limits: SessionLimits,
  now = new Date(),
): Promise<FoundSession | EndedSession | null> {
  const idHash = sha256(token);
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.user_id', 's.created_at', 's.last_seen_at', 's.two_factor_at', 's.limited_to_partnership', 'u.email', 'u.name', 'u.disabled_at'])
    .select((eb) =>
      eb
        .selectFrom('role_assignments as ra')
        .whereRef('ra.user_id', '=', 'u.id')
        .select(sql<RoleGrant[]>`coalesce(json_agg(json_build_object('role', ra.role, 'partnershipId', ra.partnership_id, 'agencyId', ra.agency_id)), '[]')`.as('g'))
        .as('grants'),
    )
    .where('s.id_hash', '=', idHash)
    .executeTakeFirst();
  if (!row) return null;
  const idleFor = now.getTime() - new Date(row.last_seen_at).getTime();
  const age = now.getTime() - new Date(row.created_at).getTime();
  if (idleFor > limits.idleMinutes * 60_000 || age > limits.maxHours * 3_600_000) {
    await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
    return { ended: 'timed-out', userId: row.user_id };
  }
  // Writing on every request would cost a write per page; a minute's precision is enough.
  if (idleFor > 60_000) {
    await db.updateTable('sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
  }
  return {
    idHash,
    userId: row.user_id,
    twoFactorAt: row.two_factor_at,
    createdAt: new Date(row.created_at),
    lastSeenAt: new Date(row.last_seen_at),
    limitedTo: row.limited_to_partnership,
    principal: row.disabled_at
      ? null
      : {
          userId: row.user_id,
          email: row.email,
          name: row.name,
          via: 'session',
          limitedTo: row.limited_to_partnership,
          grants: grantsWithin((row.grants as RoleGrant[] | null) ?? [], row.limited_to_partnership),
        },
  };
}

/** The person is still here (they asked to stay signed in): their idle time starts again now. */
export async function touchSession(db: Kysely<DB>, idHash: string, now = new Date()): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
}

export async function endSession(db: Kysely<DB>, idHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  forgetLocally([idHash]);
}

/** Sessions ended by this process are not served from the lookup cache again. */
function forgetLocally(idHashes: string[]): void {
  if (ended.size > 10_000) ended.clear();
  for (const h of idHashes) ended.add(h);
}

/** Sign out everywhere: every session of the person ends. */
export async function endAllSessions(db: Kysely<DB>, userId: string): Promise<number> {
  const rows = await db.deleteFrom('sessions').where('user_id', '=', userId).returning('id_hash').execute();
  forgetLocally(rows.map((r) => r.id_hash));
  return rows.length;
}

/**
 * Session lookups for the request path, remembered for SESSION_CACHE_MS (2 s by default): a signed-in page
 * then costs no database round trip for the person's identity. Ending a session takes
 * effect at once on the instance where it happens and within that time on every other instance.
 */
const ended = new Set<string>();

export function sessionLookup(db: Kysely<DB>, limits: SessionLimits, cacheMs: number) {
  const cache = new Map<string, { at: number; value: Awaited<ReturnType<typeof findSession>> }>();
  return {
    async find(token: string) {
      const key = sha256(token);
      const hit = cache.get(key);
      if (hit && Date.now() - hit.at < cacheMs && !ended.has(key)) return hit.value;
      const value = await findSession(db, token, limits);
      ended.delete(key);
      if (cacheMs > 0) {
        if (cache.size > 10_000) cache.clear();
        cache.set(key, { at: Date.now(), value });
      }
      return value;
    },
  };
}
