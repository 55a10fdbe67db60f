import type { Kysely } from 'kysely';
import { dayOfWeek, formatDateForDisplay, todayInLondon, type DateOnly } from '../../domain/calendar/date-only.ts';
import { can, type Principal } from '../../platform/auth/policy.ts';
import { loadPrincipal } from '../../platform/auth/principals.ts';
import type { Config } from '../../platform/config/config.ts';
import type { FieldCipher } from '../../platform/crypto/field-encryption.ts';
import type { DB, ReminderKind } from '../../platform/db/types.ts';
import type { MailMessage } from '../../platform/mail/mailer.ts';
import { incidentCreators, openDeadlines, type Deadline } from '../dashboard/deadlines.ts';
import { runActionEscalations } from '../learning/escalation-job.ts';
import { sendReminderOnce } from './send-once.ts';
import { jobLinkBase } from '../../platform/config/link-base.ts';

/**
 * Reminder emails about statutory clocks, run every 15 minutes by `cspr serve` and by
 * `cspr reminders run` (for cron):
 * - before-due: a clock due in 1 or 2 working days, to the person who recorded the case;
 * - on-the-day: a clock due today, to the same person;
 * - overdue: escalated to the partnership's administrators;
 * - weekly-digest: on Mondays, each partnership administrator gets the partnership's overdue and due-soon clocks;
 * - action-overdue, action-escalated: overdue actions of reviews' recommendations, to the owning
 *   agency and then to the partnership's administrators (see learning/escalation-job.ts).
 * The person who recorded the case is replaced by the partnership's administrators when they no
 * longer may read the partnership's cases (or are unknown).
 *
 * Each reminder goes once (send-once.ts): a row in reminder_sends is inserted first (on conflict do
 * nothing), and only the run whose insert took sends the email, so any number of instances may run
 * the job at once. A failed send removes its row, so a later run tries again. Emails carry the case
 * reference, the clock, the due date and a link: never a child's name or identifying details.
 */

export type ReminderDeps = {
  db: Kysely<DB>;
  cipher: FieldCipher;
  mailer: { sendMail(message: MailMessage): Promise<unknown> };
  config: Pick<Config, 'publicUrl' | 'host' | 'port'>;
};

export type ReminderResult = { sent: Record<ReminderKind, number>; failed: number };

type Recipient = { id: string; email: string };

/** The reminders about a case's statutory clock. */
type ClockKind = 'before-due' | 'on-the-day' | 'overdue';

async function partnershipAdmins(db: Kysely<DB>): Promise<Map<string, Recipient[]>> {
  const rows = await db
    .selectFrom('role_assignments as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .select(['r.partnership_id', 'u.id', 'u.email'])
    .where('r.role', '=', 'partnership-admin')
    .where('r.partnership_id', 'is not', null)
    .where('u.disabled_at', 'is', null)
    .orderBy('u.email')
    .execute();
  const admins = new Map<string, Recipient[]>();
  for (const r of rows) {
    const list = admins.get(r.partnership_id as string) ?? [];
    if (!list.some((x) => x.id === r.id)) list.push({ id: r.id, email: r.email });
    admins.set(r.partnership_id as string, list);
  }
  return admins;
}

function late(days: number | null): string {
  const n = days === null ? 0 : 0 - days;
  return `${n} working ${n === 1 ? 'day' : 'days'} late`;
}

function left(days: number | null): string {
  const n = days ?? 0;
  return n === 0 ? 'due today' : `${n} working ${n === 1 ? 'day' : 'days'} left`;
}

function clockMessage(kind: ClockKind, d: Deadline, base: string, to: string): MailMessage {
  const due = formatDateForDisplay(d.clock.dueOn);
  const link = `${base}/cases/${d.incidentId}`;
  const heading = {
    'before-due': `Due in ${d.clock.workingDaysLeft === 1 ? '1 working day' : `${d.clock.workingDaysLeft} working days`}`,
    'on-the-day': 'Due today',
    overdue: 'Overdue',
  }[kind];
  const opening = {
    'before-due': `A deadline of case ${d.reference} is coming up.`,
    'on-the-day': `A deadline of case ${d.reference} is due today.`,
    overdue: `A deadline of case ${d.reference} has passed and has not been met (${late(d.clock.workingDaysLeft)}). You are told as an administrator of the partnership.`,
  }[kind];
  return {
    to,
    subject: `${heading}: ${d.reference} - ${d.clock.title}`,
    text: [
      opening,
      '',
      `Case: ${d.reference}`,
      `Clock: ${d.clock.title}`,
      `Due: ${due}`,
      '',
      `Open the case: ${link}`,
      '',
      'This email names the case by its reference only. Sign in to see its details.',
    ].join('\n'),
  };
}

function digestMessage(deadlines: Deadline[], today: DateOnly, base: string, to: string): MailMessage {
  const overdue = deadlines.filter((d) => d.clock.state === 'overdue');
  const soon = deadlines.filter((d) => d.clock.state === 'due-soon');
  const line = (d: Deadline, how: string) => `- ${d.reference}: ${d.clock.title}, due ${formatDateForDisplay(d.clock.dueOn)} (${how})\n  ${base}/cases/${d.incidentId}`;
  return {
    to,
    subject: `Weekly deadlines: ${overdue.length} overdue, ${soon.length} due in the next 5 working days`,
    text: [
      `Deadlines of your partnership's cases on ${formatDateForDisplay(today)}.`,
      '',
      `Overdue (${overdue.length}):`,
      ...(overdue.length ? overdue.map((d) => line(d, late(d.clock.workingDaysLeft))) : ['- Nothing is overdue.']),
      '',
      `Due in the next 5 working days (${soon.length}):`,
      ...(soon.length ? soon.map((d) => line(d, left(d.clock.workingDaysLeft))) : ['- Nothing falls due.']),
      '',
      `Your dashboard: ${base}/dashboard`,
      '',
      'This email names cases by their reference only. Sign in to see their details.',
    ].join('\n'),
  };
}

export async function runReminders(deps: ReminderDeps, now = new Date()): Promise<ReminderResult> {
  const { db } = deps;
  const today = todayInLondon(now);
  const base = jobLinkBase(deps.config);
  const result: ReminderResult = { sent: { 'before-due': 0, 'on-the-day': 0, overdue: 0, 'weekly-digest': 0, 'action-overdue': 0, 'action-escalated': 0 }, failed: 0 };

  const { deadlines } = await openDeadlines(db, deps.cipher, 'all', today);
  const admins = await partnershipAdmins(db);
  const creators = await incidentCreators(db, 'all', [...new Set(deadlines.map((d) => d.incidentId))]);
  const principals = new Map<string, Principal | null>();

  async function owners(d: Deadline): Promise<Recipient[]> {
    const creator = creators.get(d.incidentId);
    if (creator) {
      if (!principals.has(creator)) principals.set(creator, await loadPrincipal(db, creator, 'session'));
      const p = principals.get(creator);
      if (p && can(p, 'case:read', { partnershipId: d.partnershipId })) return [{ id: p.userId, email: p.email }];
    }
    return admins.get(d.partnershipId) ?? [];
  }

  async function sendOnce(kind: ReminderKind, key: { incidentId: string; clockKey: string; dueOn: DateOnly }, to: Recipient, message: MailMessage): Promise<void> {
    const outcome = await sendReminderOnce(db, deps.mailer, { kind, ...key, recipientUserId: to.id }, today, message);
    if (outcome === 'sent') result.sent[kind] += 1;
    if (outcome === 'failed') result.failed += 1;
  }

  for (const d of deadlines) {
    const key = { incidentId: d.incidentId, clockKey: d.clock.key, dueOn: d.clock.dueOn };
    const days = d.clock.workingDaysLeft;
    let kind: ClockKind | null = null;
    if (d.clock.state === 'overdue') kind = 'overdue';
    else if (d.clock.dueOn === today) kind = 'on-the-day';
    else if (days !== null && days >= 1 && days <= 2) kind = 'before-due';
    if (!kind) continue;
    const recipients = kind === 'overdue' ? (admins.get(d.partnershipId) ?? []) : await owners(d);
    for (const to of recipients) await sendOnce(kind, key, to, clockMessage(kind, d, base, to.email));
  }

  if (dayOfWeek(today) === 1) {
    for (const [partnershipId, people] of admins) {
      const theirs = deadlines.filter((d) => d.partnershipId === partnershipId && (d.clock.state === 'overdue' || d.clock.state === 'due-soon'));
      for (const to of people) {
        await sendOnce('weekly-digest', { incidentId: partnershipId, clockKey: '*', dueOn: today }, to, digestMessage(theirs, today, base, to.email));
      }
    }
  }
  // Overdue actions of reviews' recommendations, through the same once-only sending.
  const escalations = await runActionEscalations({ db, mailer: deps.mailer, base }, today);
  result.sent['action-overdue'] += escalations.sent[1];
  result.sent['action-escalated'] += escalations.sent[2];
  result.failed += escalations.failed;
  return result;
}
