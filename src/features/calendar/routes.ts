import type { FastifyInstance } from 'fastify';
import { access } from '../../platform/http/access.ts';
import { linkBase } from '../admin/links.ts';
import { feedByToken, feedCalendar } from './service.ts';

/** Calendar apps poll; a guesser would try many tokens. */
export const FEED_LIMIT = { rateLimit: { max: 60, timeWindow: '1 minute' } };

/**
 * The iCalendar feed of a person's deadlines. Public: calendar apps cannot sign in, so the secret
 * token in the address is the authentication. Unknown, malformed and revoked tokens all get the
 * same 404. The address is never logged with its token (loggablePath in app.ts).
 */
export async function calendarRoutes(app: FastifyInstance): Promise<void> {
  const { database, cipher, config } = app.deps;
  const db = database.db;

  app.get('/calendar/:file', access('public', FEED_LIMIT), async (req, reply) => {
    const { file } = req.params as { file: string };
    const token = /^(.+)\.ics$/.exec(file)?.[1];
    const feed = token ? await feedByToken(db, token) : undefined;
    const calendar = feed ? await feedCalendar(db, cipher, feed, linkBase(req, config)) : undefined;
    if (!feed || !calendar) {
      return reply.code(404).type('text/plain; charset=utf-8').header('cache-control', 'no-store').send('There is no calendar at this address.');
    }
    await req.audit({
      action: 'calendar-feed-read',
      actor: { id: feed.userId, email: calendar.email, role: null },
      recordType: 'calendar-feed',
      recordId: feed.id,
      changes: { after: { events: calendar.events } },
    });
    return reply
      .type('text/calendar; charset=utf-8')
      .header('cache-control', 'private, no-store')
      .header('content-disposition', 'inline; filename="cspr-deadlines.ics"')
      .header('referrer-policy', 'no-referrer')
      .send(calendar.text);
  });
}
