import { describe, expect, it } from 'vitest';
import { can, PERMISSIONS, partnershipsWith, ROLES, type Permission, type Principal } from './policy.ts';
import type { RoleName } from '../db/types.ts';

/** The whole matrix, written out so that any change to who may do what shows up here. */
const EXPECTED: Record<RoleName, Permission[]> = {
  'partnership-admin': ['account:own', 'case:read', 'case:write', 'referral:create', 'publication:manage', 'users:manage', 'audit:read', 'brand:manage', 'figures:read'],
  'partner-lead': ['account:own', 'case:read', 'case:sign-off', 'referral:create', 'figures:read'],
  'agency-contributor': ['account:own', 'referral:create', 'agency-request:respond'],
  reviewer: ['account:own', 'review:work'],
  'panel-viewer': ['account:own', 'panel:read', 'figures:read'],
  'system-admin': ['account:own', 'users:manage', 'partnerships:manage', 'audit:read', 'rules:manage', 'brand:manage', 'figures:read'],
};

const P1 = '11111111-1111-1111-1111-111111111111';
const P2 = '22222222-2222-2222-2222-222222222222';
const A1 = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa';

function principal(role: RoleName): Principal {
  const national = role === 'panel-viewer' || role === 'system-admin';
  return {
    userId: 'u',
    email: 'u@example.org',
    name: 'U',
    via: 'session',
    grants: [{ role, partnershipId: national ? null : P1, agencyId: role === 'agency-contributor' ? A1 : null }],
  };
}

describe('policy matrix', () => {
  for (const role of ROLES) {
    for (const permission of PERMISSIONS) {
      const allowed = EXPECTED[role].includes(permission);
      it(`${role} ${allowed ? 'may' : 'may not'} ${permission}`, () => {
        expect(can(principal(role), permission)).toBe(allowed);
        expect(can(principal(role), permission, { partnershipId: P1 })).toBe(allowed);
      });
    }
  }

  it('keeps partnership roles inside their own partnership', () => {
    for (const role of ['partnership-admin', 'partner-lead', 'agency-contributor', 'reviewer'] as const) {
      for (const permission of EXPECTED[role]) expect(can(principal(role), permission, { partnershipId: P2 })).toBe(false);
    }
  });

  it('lets national roles act across partnerships', () => {
    expect(can(principal('panel-viewer'), 'panel:read', { partnershipId: P2 })).toBe(true);
    expect(partnershipsWith(principal('panel-viewer'), 'panel:read')).toBe('all');
    expect(partnershipsWith(principal('system-admin'), 'users:manage')).toBe('all');
  });

  it('keeps an agency contributor to their own agency', () => {
    expect(can(principal('agency-contributor'), 'agency-request:respond', { partnershipId: P1, agencyId: A1 })).toBe(true);
    expect(can(principal('agency-contributor'), 'agency-request:respond', { partnershipId: P1, agencyId: 'bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb' })).toBe(false);
  });

  it('lists the partnerships where a permission holds, for tenant filters', () => {
    const p: Principal = { ...principal('partnership-admin'), grants: [...principal('partnership-admin').grants, { role: 'partner-lead', partnershipId: P2, agencyId: null }] };
    expect(partnershipsWith(p, 'case:read')).toEqual([P1, P2]);
    expect(partnershipsWith(p, 'users:manage')).toEqual([P1]);
    expect(partnershipsWith(p, 'panel:read')).toEqual([]);
  });

  it('refuses nobody-signed-in', () => {
    for (const permission of PERMISSIONS) expect(can(null, permission)).toBe(false);
  });
});
