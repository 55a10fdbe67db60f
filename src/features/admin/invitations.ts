import type { Kysely } from 'kysely';
import { ROLE_LABELS } from '../../platform/auth/policy.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import type { DB, RoleName } from '../../platform/db/types.ts';
import type { Mailer } from '../../platform/mail/mailer.ts';
import { OFFER_DAYS, offerRole } from '../users/role-offers.ts';
import { addRole, createUser, findUserByEmail, type NewGrant, type UserDetail } from '../users/service.ts';
import { issueEmailToken } from './email-tokens.ts';

/** A reason the invitation cannot be sent, tied to the form field it is about. */
export class InvitationError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

export type InvitationInput = {
  email: string;
  name: string;
  grant: NewGrant & { role: RoleName };
  /** for the email: the partnership the role is in, if any */
  partnershipName: string | null;
  inviterName: string;
  inviterId: string;
  /** the partnerships whose people the inviter manages ('all' for a system administrator) */
  inviterScope: string[] | 'all';
  /** e.g. https://cspr.example.org — the link is `${baseUrl}/invitation/<token>` */
  baseUrl: string;
};

/** The account is there (and the link stored) but the email did not go: inviting again sends a fresh link. */
export class InvitationNotSent extends Error {
  readonly userId: string;
  readonly created: boolean;
  constructor(userId: string, created: boolean, cause: unknown) {
    super('The invitation email could not be sent', { cause });
    this.userId = userId;
    this.created = created;
  }
}

export type InvitationResult = {
  userId: string;
  email: string;
  /** true when the person's account was made by this invitation */
  created: boolean;
  /** true when the role was new to an existing (not yet active) account */
  roleAdded: boolean;
  /** true when the account is someone else's to manage: the role was offered, not given */
  offered: boolean;
};

/** The email has the person's name, the inviter's, the role and the partnership: never anything about a case. */
export function invitationEmail(input: { name: string; inviterName: string; role: RoleName | null; partnershipName: string | null; link: string }): {
  subject: string;
  text: string;
} {
  const where = input.partnershipName ? ` for ${input.partnershipName}` : '';
  const what = input.role ? `, with the role "${ROLE_LABELS[input.role]}"${where}` : '';
  return {
    subject: 'You have been invited to CSPR Hub',
    text: [
      `Hello ${input.name},`,
      '',
      `${input.inviterName} has invited you to CSPR Hub, the service for child safeguarding practice reviews${what}.`,
      '',
      'Choose your password to set up your account:',
      input.link,
      '',
      'This link works once and expires in 7 days. After you choose a password, you will set up two-factor authentication when you sign in.',
      '',
      'If you were not expecting this email, you can ignore it. If the link has expired, ask your partnership administrator for a new one.',
    ].join('\n'),
  };
}

/** Records the invitation or offer (the account, role and link it made) in the transaction that makes them. */
export type RecordInvitation = (trx: Kysely<DB>, result: InvitationResult) => Promise<void>;

/** The offer email names the role, the partnership and who offered it: never anything about a case. */
export function roleOfferEmail(input: { name: string; inviterName: string; role: RoleName; partnershipName: string | null; link: string }): { subject: string; text: string } {
  const where = input.partnershipName ? ` for ${input.partnershipName}` : '';
  return {
    subject: 'You have been offered a role in CSPR Hub',
    text: [
      `Hello ${input.name},`,
      '',
      `${input.inviterName} has offered you the role "${ROLE_LABELS[input.role]}"${where} in CSPR Hub, the service for child safeguarding practice reviews.`,
      '',
      'The role is yours only once you accept it. Sign in and accept or decline it on your account page:',
      input.link,
      '',
      `The offer lasts ${OFFER_DAYS} days. If you have not set up your account yet, use the invitation you were sent first.`,
      '',
      'If you were not expecting this email, decline the offer or ignore it.',
    ].join('\n'),
  };
}

/**
 * An account the inviter wholly manages: no password chosen yet, and every role it holds is in
 * the inviter's partnerships. Only such an account may be given a role directly; any other is
 * someone else's to manage, or its owner's, and is offered the role instead.
 */
function managedWholly(person: UserDetail, scope: string[] | 'all'): boolean {
  if (person.hasPassword) return false;
  return scope === 'all' || person.grants.every((g) => g.partnershipId !== null && scope.includes(g.partnershipId));
}

/**
 * Invites a person: makes their account (without a password) with the role; if they were
 * invited before by this partnership alone and have not set a password yet, adds the role and
 * sends a fresh link (their older links stop working). Anyone else who already has an account
 * is offered the role, to accept when signed in. The account, role, offer or link are made with
 * `record`'s audit entry in one transaction; the email goes after it commits.
 */
export async function invitePerson(db: Kysely<DB>, mailer: Mailer, input: InvitationInput, record: RecordInvitation): Promise<InvitationResult> {
  const made = await inTransaction(db, async (trx) => {
    const existing = await findUserByEmail(trx, input.email);
    if (existing?.disabled) {
      throw new InvitationError('email', 'The account for this email address is disabled: enable it before inviting them again');
    }
    if (existing && !managedWholly(existing, input.inviterScope)) {
      const g = input.grant;
      if (existing.grants.some((h) => h.role === g.role && h.partnershipId === (g.partnershipId ?? null) && h.agencyId === (g.agencyId ?? null))) {
        throw new InvitationError('role', 'They already hold this role');
      }
      await offerRole(trx, existing.id, input.grant, { id: input.inviterId, name: input.inviterName });
      const result: InvitationResult = { userId: existing.id, email: existing.email, created: false, roleAdded: false, offered: true };
      await record(trx, result);
      return { result, person: existing as { id: string; email: string; name: string }, token: null };
    }
    let person: { id: string; email: string; name: string };
    let roleAdded = false;
    if (existing) {
      roleAdded = await addRole(trx, existing.id, input.grant);
      person = existing;
    } else {
      person = await createUser(trx, { email: input.email, name: input.name, grants: [input.grant] });
    }
    const result: InvitationResult = { userId: person.id, email: person.email, created: !existing, roleAdded, offered: false };
    const token = await issueEmailToken(trx, person.id, 'invitation');
    await record(trx, result);
    return { result, person, token };
  });
  const { result, person, token } = made;
  try {
    if (token === null) {
      const message = roleOfferEmail({ name: person.name, inviterName: input.inviterName, role: input.grant.role, partnershipName: input.partnershipName, link: `${input.baseUrl}/account` });
      await mailer.sendMail({ to: person.email, ...message });
    } else {
      await sendInvitation(mailer, person, input, token);
    }
  } catch (err) {
    throw new InvitationNotSent(result.userId, result.created, err);
  }
  return result;
}

async function sendInvitation(
  mailer: Mailer,
  person: { id: string; email: string; name: string },
  about: { grant: { role: RoleName } | null; partnershipName: string | null; inviterName: string; baseUrl: string },
  token: string,
): Promise<void> {
  const message = invitationEmail({
    name: person.name,
    inviterName: about.inviterName,
    role: about.grant?.role ?? null,
    partnershipName: about.partnershipName,
    link: `${about.baseUrl}/invitation/${token}`,
  });
  await mailer.sendMail({ to: person.email, ...message });
}

/**
 * Sends a person who has not set a password yet a fresh invitation (their older links stop
 * working). `grant` is the role to mention: one the inviter can see.
 */
export async function resendInvitation(
  db: Kysely<DB>,
  mailer: Mailer,
  person: UserDetail,
  about: { grant: { role: RoleName } | null; partnershipName: string | null; inviterName: string; baseUrl: string },
  record: RecordInvitation,
): Promise<void> {
  if (person.disabled) throw new InvitationError('account-actions', 'The account is disabled: enable it before inviting them again');
  if (person.hasPassword) throw new InvitationError('account-actions', 'They have already set a password: they can sign in, or reset their password if they have forgotten it');
  const token = await inTransaction(db, async (trx) => {
    const issued = await issueEmailToken(trx, person.id, 'invitation');
    await record(trx, { userId: person.id, email: person.email, created: false, roleAdded: false, offered: false });
    return issued;
  });
  try {
    await sendInvitation(mailer, person, about, token);
  } catch (err) {
    throw new InvitationNotSent(person.id, false, err);
  }
}
