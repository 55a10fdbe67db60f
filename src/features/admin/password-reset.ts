import type { Kysely } from 'kysely';
import { endAllSessions } from '../../platform/auth/sessions.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
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
 * audit trail only: the person asking is told the same whatever the outcome. `record` runs in
 * the transaction that issues the link (or on its own when none is issued), before the email goes.
 */
export async function requestPasswordReset(
  db: Kysely<DB>,
  mailer: Mailer,
  email: string,
  baseUrl: string,
  record: (trx: Kysely<DB>, outcome: ResetRequestOutcome) => Promise<void>,
): Promise<ResetRequestOutcome> {
  const user = await findUserByEmail(db, email);
  if (!user) return { outcome: 'no-account' };
  if (user.disabled) {
    const refused: ResetRequestOutcome = { outcome: 'disabled', userId: user.id, email: user.email };
    await record(db, refused);
    return refused;
  }
  const token = await inTransaction(db, async (trx) => {
    const issued = await issueEmailToken(trx, user.id, 'password-reset');
    await record(trx, { outcome: 'sent', userId: user.id, email: user.email });
    return issued;
  });
  await mailer.sendMail({ to: user.email, ...passwordResetEmail({ name: user.name, link: `${baseUrl}/password-reset/${token}` }) });
  return { outcome: 'sent', userId: user.id, email: user.email };
}

/**
 * Sets the new password through the link and signs the person out everywhere, `record` running in
 * the same transaction; null when the link is no longer good.
 */
export async function completePasswordReset(
  db: Kysely<DB>,
  token: string,
  password: string,
  record: (trx: Kysely<DB>, person: LinkPerson & { sessionsEnded: number }) => Promise<void>,
): Promise<(LinkPerson & { sessionsEnded: number }) | null> {
  return setPasswordWithToken(db, token, 'password-reset', password, async (trx, user) => {
    const person = { ...user, sessionsEnded: await endAllSessions(trx, user.id) };
    await record(trx, person);
    return person;
  });
}
