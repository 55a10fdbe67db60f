import { textProblem } from '../../domain/text/plain-text.ts';
import type { Kysely } from 'kysely';
import { hashPassword, passwordProblem } from '../../platform/auth/passwords.ts';
import { endApiTokens } from '../../platform/auth/principals.ts';
import { ROLES } from '../../platform/auth/policy.ts';
import type { DB, RoleName } from '../../platform/db/types.ts';
import { inTransaction } from '../../platform/db/transaction.ts';

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
  if (!name) throw new UserError('Enter a name');
  const nameProblem = textProblem(name, { label: 'Name', max: 200 });
  if (nameProblem) throw new UserError(nameProblem);
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
  return inTransaction(db, async (trx) => {
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
  /** False until the person accepts their invitation (or resets their password). */
  hasPassword: boolean;
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
    .select(['users.id', 'users.email', 'users.name', 'users.disabled_at', 'users.totp_enabled', 'users.password_hash', 'ra.role', 'ra.partnership_id', 'p.name as partnership_name', 'a.name as agency_name'])
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
      u = { id: r.id, email: r.email, name: r.name, disabled: r.disabled_at !== null, twoFactor: r.totp_enabled, hasPassword: r.password_hash !== null, grants: [] };
      byId.set(r.id, u);
    }
    // A partnership admin sees only the roles held in their own partnerships.
    if (r.role && (partnerships === 'all' || (r.partnership_id && partnerships.includes(r.partnership_id)))) {
      u.grants.push({ role: r.role, partnershipId: r.partnership_id, partnershipName: r.partnership_name, agencyName: r.agency_name });
    }
  }
  return [...byId.values()];
}

export type UserGrant = {
  id: string;
  role: RoleName;
  partnershipId: string | null;
  partnershipName: string | null;
  agencyId: string | null;
  agencyName: string | null;
};

export type UserDetail = {
  id: string;
  email: string;
  name: string;
  disabled: boolean;
  hasPassword: boolean;
  twoFactor: boolean;
  grants: UserGrant[];
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A well-formed id: anything else is simply not found (and never reaches the database as a bad uuid). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

async function userDetail(db: Kysely<DB>, where: { id: string } | { email: string }): Promise<UserDetail | undefined> {
  let q = db.selectFrom('users').select(['id', 'email', 'name', 'disabled_at', 'password_hash', 'totp_enabled']);
  q = 'id' in where ? q.where('id', '=', where.id) : q.where('email', '=', where.email.trim().toLowerCase());
  const user = await q.executeTakeFirst();
  if (!user) return undefined;
  const grants = await db
    .selectFrom('role_assignments as ra')
    .leftJoin('partnerships as p', 'p.id', 'ra.partnership_id')
    .leftJoin('agencies as a', 'a.id', 'ra.agency_id')
    .select(['ra.id', 'ra.role', 'ra.partnership_id', 'p.name as partnership_name', 'ra.agency_id', 'a.name as agency_name'])
    .where('ra.user_id', '=', user.id)
    .orderBy('p.name')
    .orderBy('ra.role')
    .execute();
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    disabled: user.disabled_at !== null,
    hasPassword: user.password_hash !== null,
    twoFactor: user.totp_enabled,
    grants: grants.map((g) => ({
      id: g.id,
      role: g.role,
      partnershipId: g.partnership_id,
      partnershipName: g.partnership_name,
      agencyId: g.agency_id,
      agencyName: g.agency_name,
    })),
  };
}

/** One person with every role they hold (the caller filters what a partnership admin may see). */
export async function findUser(db: Kysely<DB>, id: string): Promise<UserDetail | undefined> {
  return isUuid(id) ? userDetail(db, { id }) : undefined;
}

export async function findUserByEmail(db: Kysely<DB>, email: string): Promise<UserDetail | undefined> {
  return userDetail(db, { email });
}

/** Adds a role unless the person already holds it; true when added. */
export async function addRole(db: Kysely<DB>, userId: string, grant: NewGrant): Promise<boolean> {
  const problem = grantProblem(grant);
  if (problem) throw new UserError(problem);
  const partnershipId = grant.partnershipId ?? null;
  const agencyId = grant.agencyId ?? null;
  const held = await db
    .selectFrom('role_assignments')
    .select('id')
    .where('user_id', '=', userId)
    .where('role', '=', grant.role)
    .where((eb) => (partnershipId ? eb('partnership_id', '=', partnershipId) : eb('partnership_id', 'is', null)))
    .where((eb) => (agencyId ? eb('agency_id', '=', agencyId) : eb('agency_id', 'is', null)))
    .executeTakeFirst();
  if (held) return false;
  await db.insertInto('role_assignments').values({ user_id: userId, role: grant.role, partnership_id: partnershipId, agency_id: agencyId }).execute();
  return true;
}

/** Removes one role of a person; the removed role, or undefined when there was none with that id. */
export async function removeRole(db: Kysely<DB>, userId: string, grantId: string): Promise<{ role: RoleName; partnershipId: string | null; agencyId: string | null } | undefined> {
  if (!isUuid(grantId)) return undefined;
  const row = await db
    .deleteFrom('role_assignments')
    .where('id', '=', grantId)
    .where('user_id', '=', userId)
    .returning(['role', 'partnership_id', 'agency_id'])
    .executeTakeFirst();
  return row ? { role: row.role, partnershipId: row.partnership_id, agencyId: row.agency_id } : undefined;
}

/**
 * Disables or enables an account; true when something changed. Disabling ends the person's API
 * tokens for good (enabling does not bring them back); ending sessions is the caller's part.
 */
export async function setUserDisabled(db: Kysely<DB>, userId: string, disabled: boolean): Promise<boolean> {
  return inTransaction(db, async (trx) => {
    const result = await trx
      .updateTable('users')
      .set({ disabled_at: disabled ? new Date() : null })
      .where('id', '=', userId)
      .where('disabled_at', disabled ? 'is' : 'is not', null)
      .executeTakeFirst();
    if (disabled) await endApiTokens(trx, userId);
    return Number(result.numUpdatedRows) > 0;
  });
}
