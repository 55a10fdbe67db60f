import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type DateOnly, todayInLondon } from '../../domain/calendar/date-only.ts';
import { can, partnershipsWith } from '../../platform/auth/policy.ts';
import { recordViewsIfUnchanged, viewVersion } from '../../platform/db/view-versions.ts';
import { access } from '../../platform/http/access.ts';
import type { AuditFields } from '../../platform/http/authentication.ts';
import type { ReusablePage } from '../../platform/http/views.ts';
import { linkBase } from '../admin/links.ts';
import { activeFeed, createFeed, revokeFeed } from '../calendar/service.ts';
import { tasksFor } from '../tasks/service.ts';
import { DashboardCache, dashboardKey, dashboardScope } from './page-cache.ts';
import { workQueues } from './service.ts';

/** What a person without case access may do here, by permission. */
function otherWork(req: FastifyRequest): { href: string; text: string; description: string }[] {
  const p = req.principal;
  const items = [];
  if (can(p, 'review:work')) items.push({ href: '/cases/reviews', text: 'Your reviews', description: 'The reviews you lead: terms of reference, the review’s log and report versions.' });
  if (can(p, 'panel:read')) items.push({ href: '/panel', text: 'Sent to the Panel', description: 'Notifications, rapid reviews and advance copies of final reports that partnerships have sent to the Panel.' });
  if (can(p, 'agency-request:respond')) items.push({ href: '/agency-requests', text: 'Requests to your agency', description: 'Agency summaries and chronologies the partnership has asked your agency for.' });
  if (can(p, 'agency-request:respond')) items.push({ href: '/actions', text: 'Your agency’s actions from reviews', description: 'Actions your agency owns from reviews’ recommendations: record progress and the evidence of what changed.' });
  if (can(p, 'referral:create')) items.push({ href: '/referrals/new', text: 'Refer an incident', description: 'Tell the partnership about a serious incident so that it can decide whether to notify the Panel.' });
  if (can(p, 'users:manage') || can(p, 'partnerships:manage') || can(p, 'audit:read')) {
    items.push({ href: '/admin', text: 'Administration', description: 'Manage partnerships, agencies, users, clock rules and the audit trail, as your role allows.' });
  }
  items.push({ href: '/account', text: 'Your account', description: 'Change your password, two-factor authentication and API tokens.' });
  return items;
}

export async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  const { database, cipher, config } = app.deps;
  const db = database.db;

  const kept = new DashboardCache();

  /** The page and the audit entries its view records, read and rendered afresh. */
  async function freshDashboard(req: FastifyRequest, reply: FastifyReply, today: DateOnly): Promise<{ page: ReusablePage; audits: AuditFields[] }> {
    const p = req.principal!;
    const mayReadCases = can(p, 'case:read');
    const tasks = await tasksFor(db, p);
    // Tasks name cases by reference and pseudonym: a view of case data, recorded per partnership.
    const audits: AuditFields[] = [...new Set(tasks.map((t) => t.partnershipId))].map((partnershipId) => ({
      action: 'tasks-viewed',
      partnershipId,
      recordType: 'tasks',
      recordId: p.userId,
      changes: { tasks: tasks.filter((t) => t.partnershipId === partnershipId).map((t) => t.id) },
    }));
    if (!mayReadCases) {
      return { page: reply.renderForReuse('dashboard/views/dashboard.njk', { pageTitle: 'Your dashboard', mayReadCases, tasks, otherWork: otherWork(req) }), audits };
    }
    const partnerships = await workQueues(db, cipher, partnershipsWith(p, 'case:read'), p.userId, today);
    // The queues show case references, states and clocks (pseudonyms only): a view of case data all the same.
    for (const q of partnerships) audits.push({ action: 'dashboard-viewed', permission: 'case:read', partnershipId: q.id, recordType: 'dashboard', recordId: p.userId });
    const page = reply.renderForReuse('dashboard/views/dashboard.njk', { pageTitle: 'Your dashboard', mayReadCases, tasks, partnerships, feed: await activeFeed(db, p.userId) });
    return { page, audits };
  }

  app.get('/dashboard', access('signed-in'), async (req, reply) => {
    const p = req.principal!;
    const today = todayInLondon(new Date());
    const scope = dashboardScope(p);
    const key = dashboardKey(p, { today, layout: reply.layoutKey() });
    const last = kept.get(p.userId, key);
    let version: string;
    if (last) {
      // One statement: the view is recorded only if the counters are still the kept page's.
      version = await recordViewsIfUnchanged(db, scope, last.version, last.audits.map((e) => req.auditEntryOf(e)));
      if (version === last.version) return reply.sendRendered(last.page);
    } else {
      version = await viewVersion(db, scope);
    }
    // Read after the counters: a page kept under them is never older than they are.
    const fresh = { key, version, ...(await freshDashboard(req, reply, today)) };
    kept.set(p.userId, fresh);
    await req.auditViews(fresh.audits);
    return reply.sendRendered(fresh.page);
  });

  // ---- The calendar feed: made, replaced and stopped here; read at /calendar/<token>.ics -----------

  app.post('/dashboard/calendar', access('case:read'), async (req, reply) => {
    const p = req.principal!;
    const { replaced, created } = await req.change(
      async (trx) => ({ replaced: await activeFeed(trx, p.userId), created: await createFeed(trx, p.userId, { limitedTo: p.limitedTo ?? null }) }),
      (r) => ({
        action: r.replaced ? 'calendar-feed-replaced' : 'calendar-feed-created',
        recordType: 'calendar-feed',
        recordId: r.created.id,
        changes: r.replaced ? { before: { id: r.replaced.id }, after: { id: r.created.id } } : null,
      }),
    );
    const url = `${linkBase(req, config)}/calendar/${created.token}.ics`;
    return reply.render('dashboard/views/calendar-created.njk', { pageTitle: 'Your calendar link', url, replaced: Boolean(replaced), limited: Boolean(p.limitedTo) });
  });

  app.post('/dashboard/calendar/revoke', access('case:read'), async (req, reply) => {
    const p = req.principal!;
    await req.change(
      async (trx) => {
        const feed = await activeFeed(trx, p.userId);
        return feed && (await revokeFeed(trx, p.userId)) ? feed : null;
      },
      (revoked) => (revoked ? { action: 'calendar-feed-revoked', recordType: 'calendar-feed', recordId: revoked.id } : null),
    );
    return reply.redirect('/dashboard#calendar', 303);
  });
}
