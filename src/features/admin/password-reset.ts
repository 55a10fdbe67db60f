import type { Kysely } from 'kysely';
import { endAllSessions } from '../../platform/auth/sessions.ts';
import type { DB } from '../../platform/db/types.ts';
import type { Mailer } from '../../platform/mail/mailer.ts';
import { findUserByEmail } from '../users/service.ts';
import { issueEmailToken, setPasswordWithToken, type LinkPerson } from './email-tokens.ts';

export function passwordResetEmail(input: { name: string; link: string }): { subject: string; text: string } {
  return {
    subject: 'Reset your CSPR Hub password',
    text: [
      `Hello ${input.name},`,
      '',
      'Someone asked to reset the password of your CSPR Hub account. If it was you, choose a new password here:',
      input.link,
      '',
      'This link works once and expires in 1 hour. Setting a new password signs you out on every device.',
      '',
      'If you did not ask for this, you can ignore this email: your password has not changed.',
    ].join('\n'),
  };
}

export type ResetRequestOutcome =
  | { outcome: 'no-account' }
  | { outcome: 'disabled'; userId: string; email: string }
  | { outcome: 'sent'; userId: string; email: string };

/**
 * Sends a reset link if there is an account for the address. What happened is for the
 * audit trail only: the person asking is told the same whatever the outcome.
 */
export async function requestPasswordReset(db: Kysely<DB>, mailer: Mailer, email: string, baseUrl: string): Promise<ResetRequestOutcome> {
  const user = await findUserByEmail(db, email);
  if (!user) return { outcome: 'no-account' };
  if (user.disabled) return { outcome: 'disabled', userId: user.id, email: user.email };
  const token = await issueEmailToken(db, user.id, 'password-reset');
  await mailer.sendMail({ to: user.email, ...passwordResetEmail({ name: user.name, link: `${baseUrl}/password-reset/${token}` }) });
  return { outcome: 'sent', userId: user.id, email: user.email };
}

/** Sets the new password through the link and signs the person out everywhere; null when the link is no longer good. */
export async function completePasswordReset(
  db: Kysely<DB>,
  token: string,
  password: string,
): Promise<(LinkPerson & { sessionsEnded: number }) | null> {
  const user = await setPasswordWithToken(db, token, 'password-reset', password);
  if (!user) return null;
  const sessionsEnded = await endAllSessions(db, user.id);
  return { ...user, sessionsEnded };
}
