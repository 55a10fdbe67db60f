import type { ApiTokenScope, RoleName } from '../db/types.ts';

/**
 * Who may do what: the single place where access rules live. Every route names one
 * permission; a role grants it inside the partnership (and agency) it was given for.
 * Finer need-to-know rules (a reviewer's own reviews, an agency's own requests) are
 * checked against the record by the feature, through `canOnRecord`.
 */
export const ROLES: readonly RoleName[] = [
  'partnership-admin',
  'partner-lead',
  'agency-contributor',
  'reviewer',
  'panel-viewer',
  'system-admin',
];

export const ROLE_LABELS: Record<RoleName, string> = {
  'partnership-admin': 'Partnership administrator (business unit)',
  'partner-lead': 'Statutory partner lead',
  'agency-contributor': 'Agency contributor',
  reviewer: 'Independent reviewer',
  'panel-viewer': 'National Panel viewer',
  'system-admin': 'System administrator',
};

export const PERMISSIONS = [
  'account:own', // one's own account, two-factor, API tokens
  'case:read', // every case of the partnership, with identifying details
  'case:write', // record and move cases through the workflow
  'case:sign-off', // sign off a rapid review decision for one's statutory partner
  'referral:create', // refer an incident for consideration
  'agency-request:respond', // answer requests and actions addressed to one's own agency
  'review:work', // work on a review one is assigned to as reviewer
  'panel:read', // read what partnerships sent to the Panel, across partnerships
  'publication:manage', // publish, withdraw, resolve anonymisation findings
  'users:manage', // invite and manage users (of the partnership; all for system admins)
  'partnerships:manage', // create partnerships and their agencies
  'audit:read', // search and export the audit trail
  'rules:manage', // statutory clock rules and bank holidays
  'brand:manage', // the partnership's brand and host names on its public pages
  'figures:read', // counts and timeliness of the partnership's cases, reviews and actions (no case's details)
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const ROLE_PERMISSIONS: Record<RoleName, readonly Permission[]> = {
  'partnership-admin': ['account:own', 'case:read', 'case:write', 'referral:create', 'publication:manage', 'users:manage', 'audit:read', 'brand:manage', 'figures:read'],
  'partner-lead': ['account:own', 'case:read', 'case:sign-off', 'referral:create', 'figures:read'],
  'agency-contributor': ['account:own', 'referral:create', 'agency-request:respond'],
  reviewer: ['account:own', 'review:work'],
  // The Panel and a deployment's administrators see the figures across partnerships (national roles).
  'panel-viewer': ['account:own', 'panel:read', 'figures:read'],
  'system-admin': ['account:own', 'users:manage', 'partnerships:manage', 'audit:read', 'rules:manage', 'brand:manage', 'figures:read'],
};

/** Roles that can see identifying case data must pass a second factor. */
export const ROLES_NEEDING_TWO_FACTOR: readonly RoleName[] = ROLES;

export type RoleGrant = { role: RoleName; partnershipId: string | null; agencyId: string | null };

export type Principal = {
  userId: string;
  email: string;
  name: string;
  grants: RoleGrant[];
  /** How this request was authenticated. */
  via: 'session' | 'token';
  /**
   * Set when a partnership's single sign-on vouched for this session (or the token was made in
   * such a session): `grants` then holds only the roles in that partnership.
   */
  limitedTo?: string | null;
  /** For a token: whether it may change data ('write') or only read ('read'). */
  tokenScope?: ApiTokenScope;
};

/**
 * The roles that count when a partnership's single sign-on vouched for the person: that
 * partnership's only. Roles in other partnerships and national roles need the person's own
 * password and second factor. All roles when nothing limits the sign-in.
 */
export function grantsWithin(grants: RoleGrant[], limitedTo: string | null | undefined): RoleGrant[] {
  return limitedTo ? grants.filter((g) => g.partnershipId === limitedTo) : grants;
}

export type Scope = { partnershipId?: string | null; agencyId?: string | null };

function grantCovers(grant: RoleGrant, scope: Scope): boolean {
  // National and deployment roles are not tied to a partnership.
  if (grant.partnershipId === null) return true;
  if (scope.partnershipId && scope.partnershipId !== grant.partnershipId) return false;
  if (grant.agencyId && scope.agencyId && scope.agencyId !== grant.agencyId) return false;
  return true;
}

/** May the principal use this permission at all (scope omitted) or within the given partnership/agency? */
export function can(principal: Principal | null | undefined, permission: Permission, scope: Scope = {}): boolean {
  if (!principal) return false;
  return principal.grants.some((g) => ROLE_PERMISSIONS[g.role].includes(permission) && grantCovers(g, scope));
}

/**
 * The partnerships in which the principal holds the permission: the filter every
 * tenant query applies. 'all' for national and deployment roles.
 */
export function partnershipsWith(principal: Principal, permission: Permission): string[] | 'all' {
  const ids = new Set<string>();
  for (const g of principal.grants) {
    if (!ROLE_PERMISSIONS[g.role].includes(permission)) continue;
    if (g.partnershipId === null) return 'all';
    ids.add(g.partnershipId);
  }
  return [...ids];
}

/** The agencies for which the principal may answer requests, by partnership. */
export function agenciesWith(principal: Principal, permission: Permission): string[] {
  return principal.grants.filter((g) => g.agencyId && ROLE_PERMISSIONS[g.role].includes(permission)).map((g) => g.agencyId as string);
}

/** The role shown in the audit trail for an action under this permission. */
export function actingRole(principal: Principal, permission: Permission, scope: Scope = {}): RoleName | null {
  return principal.grants.find((g) => ROLE_PERMISSIONS[g.role].includes(permission) && grantCovers(g, scope))?.role ?? null;
}
