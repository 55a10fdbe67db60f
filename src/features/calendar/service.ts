import type { Kysely } from 'kysely';
import { formatDateForDisplay, todayInLondon } from '../../domain/calendar/date-only.ts';
import { partnershipsWith } from '../../platform/auth/policy.ts';
import { loadPrincipal } from '../../platform/auth/principals.ts';
import { randomToken, sha256 } from '../../platform/auth/secrets.ts';
import type { FieldCipher } from '../../platform/crypto/field-encryption.ts';
import type { DB } from '../../platform/db/types.ts';
import { openDeadlines } from '../dashboard/deadlines.ts';
import { serializeCalendar, type CalendarEvent } from './ical.ts';
import { inTransaction } from '../../platform/db/transaction.ts';

/**
 * A person's secret calendar feed of deadlines (/calendar/<token>.ics). Only the token's SHA-256
 * is stored; the URL is shown once. The feed holds case references, clock titles and due dates:
 * never a child's name or identifying details, because calendars are synced to phones.
 */

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export type FeedView = { id: string; createdAt: Date };

/**
 * Creates a new feed for the person, revoking any feed they had: the old URL stops working.
 * `limitedTo`: the partnership whose single sign-on started the session making it. The feed then
 * reaches that partnership's deadlines only, as the session does: the other partnerships did not
 * vouch for whoever holds it.
 */
export async function createFeed(db: Kysely<DB>, userId: string, { limitedTo = null, now = new Date() }: { limitedTo?: string | null; now?: Date } = {}): Promise<{ id: string; token: string }> {
  const token = randomToken();
  const row = await inTransaction(db, async (trx) => {
    await trx.updateTable('calendar_feeds').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
    return trx.insertInto('calendar_feeds').values({ user_id: userId, token_hash: sha256(token), limited_to_partnership: limitedTo }).returning('id').executeTakeFirstOrThrow();
  });
  return { id: row.id, token };
}

/** Stops the person's feed; false when they had none in use. */
export async function revokeFeed(db: Kysely<DB>, userId: string, now = new Date()): Promise<boolean> {
  const r = await db.updateTable('calendar_feeds').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function activeFeed(db: Kysely<DB>, userId: string): Promise<FeedView | undefined> {
  const row = await db.selectFrom('calendar_feeds').select(['id', 'created_at']).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
  return row ? { id: row.id, createdAt: new Date(row.created_at) } : undefined;
}

export type Feed = { id: string; userId: string; limitedTo: string | null };

/** The feed and its owner for a token in use; undefined for anything else (revoked, unknown, malformed). */
export async function feedByToken(db: Kysely<DB>, token: string): Promise<Feed | undefined> {
  if (!TOKEN.test(token)) return undefined;
  const row = await db
    .selectFrom('calendar_feeds')
    .select(['id', 'user_id', 'limited_to_partnership'])
    .where('token_hash', '=', sha256(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return row ? { id: row.id, userId: row.user_id, limitedTo: row.limited_to_partnership } : undefined;
}

/**
 * The iCalendar text of the feed owner's open deadlines in the partnerships where they may read
 * cases today (within the one it is limited to, if any); undefined when the account is disabled or gone.
 */
export async function feedCalendar(
  db: Kysely<DB>,
  cipher: FieldCipher,
  feed: Feed,
  base: string,
  now = new Date(),
): Promise<{ text: string; email: string; events: number } | undefined> {
  const principal = await loadPrincipal(db, feed.userId, 'token', { limitedTo: feed.limitedTo });
  if (!principal) return undefined;
  const scope = partnershipsWith(principal, 'case:read');
  const { deadlines } = await openDeadlines(db, cipher, scope, todayInLondon(now));
  const events: CalendarEvent[] = deadlines.map((d) => ({
    uid: `${d.incidentId}-${d.clock.key}@cspr-hub`,
    date: d.clock.dueOn,
    summary: `${d.reference}: ${d.clock.title}`,
    description: `Case ${d.reference}. ${d.clock.title}. Due ${formatDateForDisplay(d.clock.dueOn)}. Open the case: ${base}/cases/${d.incidentId}`,
    url: `${base}/cases/${d.incidentId}`,
  }));
  const text = serializeCalendar({ prodId: '-//CSPR Hub//Deadlines//EN', name: 'CSPR Hub deadlines', events, now });
  return { text, email: principal.email, events: events.length };
}
