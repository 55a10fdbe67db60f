import type { FastifyInstance } from 'fastify';
import { can, partnershipsWith } from '../../platform/auth/policy.ts';
import { access } from '../../platform/http/access.ts';
import { listPartnerships } from '../partnerships/service.ts';
import { providersAwaitingApproval } from '../sso/service.ts';

/** /admin: a link to each administration area the person may use (none, for most roles: the page says so). */
export async function overviewRoutes(app: FastifyInstance): Promise<void> {
  const db = app.deps.database.db;
  app.get('/admin', access('signed-in'), async (req, reply) => {
    const p = req.principal!;
    const managed = partnershipsWith(p, 'users:manage');
    // A partnership administrator reaches their partnership's single sign-on from here; a system
    // administrator from each partnership's page, and sees here the email domains waiting for approval.
    const singleSignOn = Array.isArray(managed) ? await listPartnerships(db, managed) : [];
    const awaitingApproval = can(p, 'partnerships:manage') ? await providersAwaitingApproval(db) : [];
    const areas = [
      can(p, 'partnerships:manage') && {
        href: '/admin/partnerships',
        title: 'Partnerships',
        description: 'Add safeguarding children partnerships and their agencies.',
      },
      can(p, 'users:manage') && {
        href: '/admin/users',
        title: 'Users',
        description: 'Invite people, give and remove their roles, and disable accounts.',
      },
      ...singleSignOn.map((partnership) => ({
        href: `/admin/partnerships/${partnership.slug}/single-sign-on`,
        title: singleSignOn.length > 1 ? `Single sign-on: ${partnership.name}` : 'Single sign-on',
        description: 'Let people sign in with their organisation’s own account (for example Microsoft Entra ID).',
      })),
      can(p, 'audit:read') && {
        href: '/admin/audit',
        title: 'Audit trail',
        description: 'Search who saw or changed what, and when.',
      },
      can(p, 'partnerships:manage') && {
        href: '/admin/themes',
        title: 'Themes',
        description: 'The vocabulary of themes published reviews are described and searched by: add, reword and retire themes.',
      },
      can(p, 'publication:manage') && {
        href: '/publications',
        title: 'Publications',
        description: 'Your partnership’s published reviews: import past reports and withdraw a report file.',
      },
      can(p, 'brand:manage') && {
        href: '/admin/brand',
        title: 'Public pages',
        description: 'How your partnership’s published reviews look at its own address: name, logo, colour, contact details, licence and host names.',
      },
      can(p, 'rules:manage') && {
        href: '/admin/clock-rules',
        title: 'Statutory clock rules',
        description: 'See the deadline rules and add a new version when guidance changes.',
      },
      can(p, 'rules:manage') && {
        href: '/admin/bank-holidays',
        title: 'Bank holidays',
        description: 'The England and Wales bank holidays that working-day clocks skip; load the GOV.UK file each year.',
      },
    ].filter((a) => a !== false);
    return reply.render('admin/views/index.njk', { pageTitle: 'Administration', areas, awaitingApproval });
  });
}
