import type { FastifyRequest } from 'fastify';
import { can } from '../auth/policy.ts';
import type { NavItem } from './views.ts';

/** The header navigation: what this person can reach. */
export function navigationFor(req: FastifyRequest): NavItem[] {
  const p = req.principal;
  const fullySignedIn = p && (p.via === 'token' || req.session?.twoFactorAt);
  // A partnership's own address: its published reviews and their learning, nothing else.
  if (req.brand) {
    return [
      { href: '/search', text: 'Search' },
      { href: '/learning', text: 'Learning' },
    ];
  }
  if (!p || !fullySignedIn) {
    return [
      { href: '/', text: 'Home' },
      { href: '/search', text: 'Search' },
      { href: '/learning', text: 'Learning' },
      { href: '/sign-in', text: 'Sign in' },
    ];
  }
  const items: NavItem[] = [{ href: '/', text: 'Home' }, { href: '/dashboard', text: 'Dashboard' }];
  if (can(p, 'case:read')) items.push({ href: '/cases', text: 'Cases' });
  if (can(p, 'case:write')) items.push({ href: '/referrals', text: 'Referrals' });
  else if (can(p, 'referral:create')) items.push({ href: '/referrals/new', text: 'Refer an incident' });
  if (can(p, 'panel:read')) items.push({ href: '/panel', text: 'Sent to the Panel' });
  if (can(p, 'review:work') || can(p, 'case:read')) items.push({ href: '/cases/reviews', text: 'Reviews' });
  if (can(p, 'agency-request:respond')) items.push({ href: '/agency-requests', text: 'Requests to your agency' });
  if (can(p, 'case:read') || can(p, 'agency-request:respond')) items.push({ href: '/actions', text: 'Actions' });
  if (can(p, 'case:read') || can(p, 'agency-request:respond')) items.push({ href: '/learning-products', text: 'Briefings' });
  if (can(p, 'case:read') || can(p, 'panel:read')) items.push({ href: '/learning/recurring', text: 'Recurring learning' });
  if (can(p, 'publication:manage')) items.push({ href: '/publications', text: 'Publications' });
  if (can(p, 'figures:read')) items.push({ href: '/reports/figures', text: 'Figures' }, { href: '/reports/yearly', text: 'Yearly report' });
  if (can(p, 'users:manage') || can(p, 'partnerships:manage') || can(p, 'audit:read')) items.push({ href: '/admin', text: 'Administration' });
  items.push({ href: '/account', text: 'Your account' });
  // Sign out is a form button in the layout (it needs the CSRF token), not a link here.
  return items;
}
