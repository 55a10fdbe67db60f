import type { Kysely } from 'kysely';
import type { DB } from '../db/types.ts';
import { randomToken, sha256 } from './secrets.ts';

/**
 * Sessions live in the database so several instances share them. The cookie holds a
 * random token; the table holds only its hash.
 */
export type SessionLimits = { idleMinutes: number; maxHours: number };

export type SessionRow = { idHash: string; userId: string; twoFactorAt: Date | null; createdAt: Date; lastSeenAt: Date };

export async function createSession(
  db: Kysely<DB>,
  userId: string,
  meta: { ip?: string | null; userAgent?: string | null; twoFactor?: boolean },
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
    })
    .execute();
  return token;
}

/** The live session for a cookie value, or null; an expired one is removed on sight. */
export async function findSession(db: Kysely<DB>, token: string, limits: SessionLimits, now = new Date()): Promise<SessionRow | null> {
  const idHash = sha256(token);
  const row = await db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  if (!row) return null;
  const idleFor = now.getTime() - new Date(row.last_seen_at).getTime();
  const age = now.getTime() - new Date(row.created_at).getTime();
  if (idleFor > limits.idleMinutes * 60_000 || age > limits.maxHours * 3_600_000) {
    await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
    return null;
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
  };
}

export async function endSession(db: Kysely<DB>, idHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
}

/** Sign out everywhere: every session of the person ends. */
export async function endAllSessions(db: Kysely<DB>, userId: string): Promise<number> {
  const result = await db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}
