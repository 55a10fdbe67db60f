import type { Kysely } from 'kysely';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import type { DB, ReminderKind } from '../../platform/db/types.ts';
import type { MailMessage } from '../../platform/mail/mailer.ts';

/** What makes a reminder one reminder: its kind, what it is about, the date it concerns and who is told. */
export type ReminderKey = { kind: ReminderKind; incidentId: string; clockKey: string; dueOn: DateOnly; recipientUserId: string };

/**
 * Sends one reminder email once, however many instances run the job at the same moment: a row in
 * reminder_sends is inserted first (on conflict do nothing), and only the run whose insert took
 * sends the email. A failed send removes its row, so a later run tries again.
 * 'sent': this run sent it; 'already': sent before, by this or another instance; 'failed'.
 */
export async function sendReminderOnce(
  db: Kysely<DB>,
  mailer: { sendMail(message: MailMessage): Promise<unknown> },
  key: ReminderKey,
  sentOn: DateOnly,
  message: MailMessage,
): Promise<'sent' | 'already' | 'failed'> {
  const claimed = await db
    .insertInto('reminder_sends')
    .values({ kind: key.kind, incident_id: key.incidentId, clock_key: key.clockKey, due_on: key.dueOn, recipient_user_id: key.recipientUserId, sent_on: sentOn })
    .onConflict((oc) => oc.columns(['kind', 'incident_id', 'clock_key', 'due_on', 'recipient_user_id']).doNothing())
    .returning('kind')
    .executeTakeFirst();
  if (!claimed) return 'already';
  try {
    await mailer.sendMail(message);
    return 'sent';
  } catch {
    // Give the reminder back, so that a later run sends it.
    await db
      .deleteFrom('reminder_sends')
      .where('kind', '=', key.kind)
      .where('incident_id', '=', key.incidentId)
      .where('clock_key', '=', key.clockKey)
      .where('due_on', '=', key.dueOn)
      .where('recipient_user_id', '=', key.recipientUserId)
      .execute();
    return 'failed';
  }
}
