import type { FastifyInstance } from 'fastify';
import { can } from '../../platform/auth/policy.ts';
import { access } from '../../platform/http/access.ts';

/** /admin: a link to each administration area the person may use (none, for most roles: the page says so). */
export async function overviewRoutes(app: FastifyInstance): Promise<void> {
  app.get('/admin', access('signed-in'), async (req, reply) => {
    const p = req.principal!;
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
    return reply.render('admin/views/index.njk', { pageTitle: 'Administration', areas });
  });
}
