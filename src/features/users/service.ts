import type { Kysely } from 'kysely';
import { hashPassword, passwordProblem } from '../../platform/auth/passwords.ts';
import { ROLES } from '../../platform/auth/policy.ts';
import type { DB, RoleName } from '../../platform/db/types.ts';

export class UserError extends Error {}

export type NewGrant = { role: RoleName; partnershipId?: string | null; agencyId?: string | null };

const EMAIL = /^[^\s@<>()[\]\\,;:"]{1,64}@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]{2,}$/;

export function emailProblem(email: string): string | null {
  if (!email) return 'Enter an email address';
  if (email.length > 254 || !EMAIL.test(email)) return 'Enter an email address in the correct format, like name@example.org';
  return null;
}

/** Checks a role assignment against the rules the database also enforces, with messages for people. */
export function grantProblem(grant: NewGrant): string | null {
  if (!ROLES.includes(grant.role)) return `Choose a role: ${ROLES.join(', ')}`;
  const national = grant.role === 'panel-viewer' || grant.role === 'system-admin';
  if (national && grant.partnershipId) return `The ${grant.role} role is not tied to a partnership`;
  if (!national && !grant.partnershipId) return `The ${grant.role} role needs a partnership`;
  if (grant.role === 'agency-contributor' && !grant.agencyId) return 'An agency contributor needs an agency';
  return null;
}

export type CreatedUser = { id: string; email: string; name: string };

/**
 * Creates a person with their roles. Without a password they can sign in only after
 * accepting an invitation (or through single sign-on).
 */
export async function createUser(
  db: Kysely<DB>,
  input: { email: string; name: string; password?: string; grants: NewGrant[] },
): Promise<CreatedUser> {
  const email = input.email.trim().toLowerCase();
  const name = input.name.trim();
  const emailError = emailProblem(email);
  if (emailError) throw new UserError(emailError);
  if (!name || name.length > 200) throw new UserError('Enter a name of 200 characters or fewer');
  for (const g of input.grants) {
    const p = grantProblem(g);
    if (p) throw new UserError(p);
  }
  if (input.password !== undefined) {
    const p = passwordProblem(input.password, { email, name });
    if (p) throw new UserError(p);
  }
  const exists = await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
  if (exists) throw new UserError(`There is already a user with the email address ${email}`);
  const passwordHash = input.password !== undefined ? await hashPassword(input.password) : null;
  return db.transaction().execute(async (trx) => {
    const user = await trx
      .insertInto('users')
      .values({ email, name, password_hash: passwordHash, password_changed_at: passwordHash ? new Date() : null })
      .returning(['id', 'email', 'name'])
      .executeTakeFirstOrThrow();
    for (const g of input.grants) {
      await trx
        .insertInto('role_assignments')
        .values({ user_id: user.id, role: g.role, partnership_id: g.partnershipId ?? null, agency_id: g.agencyId ?? null })
        .execute();
    }
    return user;
  });
}

export type UserListItem = {
  id: string;
  email: string;
  name: string;
  disabled: boolean;
  twoFactor: boolean;
  grants: { role: RoleName; partnershipId: string | null; partnershipName: string | null; agencyName: string | null }[];
};

/** People, with their roles; limited to those holding a role in the given partnerships unless 'all'. */
export async function listUsers(db: Kysely<DB>, partnerships: string[] | 'all'): Promise<UserListItem[]> {
  if (Array.isArray(partnerships) && partnerships.length === 0) return [];
  let q = db
    .selectFrom('users')
    .leftJoin('role_assignments as ra', 'ra.user_id', 'users.id')
    .leftJoin('partnerships as p', 'p.id', 'ra.partnership_id')
    .leftJoin('agencies as a', 'a.id', 'ra.agency_id')
    .select(['users.id', 'users.email', 'users.name', 'users.disabled_at', 'users.totp_enabled', 'ra.role', 'ra.partnership_id', 'p.name as partnership_name', 'a.name as agency_name'])
    .orderBy('users.name')
    .orderBy('users.email');
  if (Array.isArray(partnerships)) {
    q = q.where('users.id', 'in', db.selectFrom('role_assignments').select('user_id').where('partnership_id', 'in', partnerships));
  }
  const rows = await q.execute();
  const byId = new Map<string, UserListItem>();
  for (const r of rows) {
    let u = byId.get(r.id);
    if (!u) {
      u = { id: r.id, email: r.email, name: r.name, disabled: r.disabled_at !== null, twoFactor: r.totp_enabled, grants: [] };
      byId.set(r.id, u);
    }
    // A partnership admin sees only the roles held in their own partnerships.
    if (r.role && (partnerships === 'all' || (r.partnership_id && partnerships.includes(r.partnership_id)))) {
      u.grants.push({ role: r.role, partnershipId: r.partnership_id, partnershipName: r.partnership_name, agencyName: r.agency_name });
    }
  }
  return [...byId.values()];
}
