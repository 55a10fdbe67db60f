import { sql, type Kysely } from 'kysely';
import { formatDateForDisplay, type DateOnly } from '../../domain/calendar/date-only.ts';
import { defaultCalendar, type WorkingDayCalendar } from '../../domain/calendar/working-days.ts';
import { ESCALATE_AFTER_WORKING_DAYS, escalationDates, escalationsDue, type EscalationLevel } from '../../domain/learning/escalation.ts';
import type { ActionStatus } from '../../domain/learning/actions.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import type { MailMessage } from '../../platform/mail/mailer.ts';
import { formatDateTime } from '../audit/format.ts';
import { sendReminderOnce } from '../reminders/send-once.ts';

/**
 * Escalation of overdue actions (the rule: domain/learning/escalation.ts), run with the reminder
 * emails (every 15 minutes by `cspr serve`, and by `cspr reminders run`):
 * - level 1, the day after the due date: the owning agency's contributors (when the agency has
 *   none in the service, the partnership's administrators, so that someone is told);
 * - level 2, 10 working days after it: the partnership's administrators (the business unit).
 * Each email goes once per person, level and missed due date, however many instances run the job,
 * through the reminders' own once-only sending (reminder_sends, kind action-overdue /
 * action-escalated, incident_id holding the action's id). Each one sent is recorded
 * (action_escalations: who was told, when) with its audit entry, and shown on the action's page.
 * Emails name the review by its reference, the recommendation and action by number, and link to
 * the action: no names, no text of the action, nothing identifying.
 */

export type EscalationDeps = { db: Kysely<DB>; mailer: { sendMail(message: MailMessage): Promise<unknown> }; base: string; calendar?: WorkingDayCalendar };
export type EscalationResult = { sent: Record<EscalationLevel, number>; failed: number };

type OverdueAction = { id: string; partnership_id: string; agency_id: string; due_on: string; status: ActionStatus; rec_number: string; position: number; reference: string | null };
type Recipient = { id: string; email: string; name: string; role: 'agency-contributor' | 'partnership-admin' };

const KIND = { 1: 'action-overdue', 2: 'action-escalated' } as const;

/** Every action past its due date and not yet completed, deployment-wide, with its number within its recommendation. */
async function overdueActions(db: Kysely<DB>, today: DateOnly): Promise<OverdueAction[]> {
  return withTenant(db, 'all', async (trx) => {
    const rows = await sql<OverdueAction>`
      select a.id, a.partnership_id, a.agency_id, a.due_on::text as due_on, a.status, r.number as rec_number, i.reference,
             (select count(*) from recommendation_actions b where b.recommendation_id = a.recommendation_id and (b.created_at, b.id) <= (a.created_at, a.id))::int as position
        from recommendation_actions a
        join recommendations r on r.id = a.recommendation_id
        left join incidents i on i.id = r.incident_id
       where a.status in ('not-started', 'in-progress') and a.due_on < ${today}::date
       order by a.due_on, a.id`.execute(trx);
    return rows.rows;
  });
}

async function recipients(db: Kysely<DB>): Promise<{ admins: Map<string, Recipient[]>; contributors: Map<string, Recipient[]> }> {
  const rows = await db
    .selectFrom('role_assignments as r')
    .innerJoin('users as u', 'u.id', 'r.user_id')
    .select(['r.role', 'r.partnership_id', 'r.agency_id', 'u.id', 'u.email', 'u.name'])
    .where('r.role', 'in', ['partnership-admin', 'agency-contributor'])
    .where('u.disabled_at', 'is', null)
    .orderBy('u.email')
    .execute();
  const admins = new Map<string, Recipient[]>();
  const contributors = new Map<string, Recipient[]>();
  for (const r of rows) {
    const [map, key] = r.role === 'partnership-admin' ? [admins, r.partnership_id] : [contributors, r.agency_id];
    if (!key) continue;
    const list = map.get(key) ?? [];
    if (!list.some((x) => x.id === r.id)) list.push({ id: r.id, email: r.email, name: r.name, role: r.role as Recipient['role'] });
    map.set(key, list);
  }
  return { admins, contributors };
}

/** The email: the review's reference, the recommendation's and the action's numbers, the due date and a link. */
export function escalationMessage(level: EscalationLevel, a: { id: string; reference: string | null; recNumber: string; position: number; dueOn: DateOnly }, base: string, to: string, calendar: WorkingDayCalendar = defaultCalendar()): MailMessage {
  const review = a.reference ? `review ${a.reference}` : 'a review';
  const name = `action ${a.position} of recommendation ${a.recNumber}`;
  const days = calendar.workingDaysBetween(a.dueOn, escalationDates(a.dueOn, calendar)[2]);
  const opening =
    level === 1
      ? `An action your agency owns is overdue: ${name} of ${review} was due on ${formatDateForDisplay(a.dueOn)} and has not been completed. If it is not completed within ${days} working days of its due date, the partnership’s administrators will be told.`
      : `An action is still overdue ${days} working days after its due date: ${name} of ${review} was due on ${formatDateForDisplay(a.dueOn)}. The owning agency was told when it became overdue. You are told as an administrator of the partnership.`;
  return {
    to,
    subject: `${level === 1 ? 'Overdue action' : 'Escalated: overdue action'}: ${a.reference ?? 'review'} recommendation ${a.recNumber}, action ${a.position}`,
    text: [opening, '', `Review: ${a.reference ?? 'not recorded'}`, `Recommendation: ${a.recNumber}`, `Action: ${a.position}`, `Due: ${formatDateForDisplay(a.dueOn)}`, '', `Open the action: ${base}/actions/${a.id}`, '', 'This email names the review by its reference only. Sign in to see the action and record its progress.'].join('\n'),
  };
}

export async function runActionEscalations(deps: EscalationDeps, today: DateOnly): Promise<EscalationResult> {
  const calendar = deps.calendar ?? defaultCalendar();
  const result: EscalationResult = { sent: { 1: 0, 2: 0 }, failed: 0 };
  const actions = await overdueActions(deps.db, today);
  if (actions.length === 0) return result;
  const { admins, contributors } = await recipients(deps.db);
  for (const a of actions) {
    for (const level of escalationsDue(a.status, a.due_on, today, calendar, ESCALATE_AFTER_WORKING_DAYS)) {
      const agencyPeople = contributors.get(a.agency_id) ?? [];
      const people = level === 1 && agencyPeople.length ? agencyPeople : (admins.get(a.partnership_id) ?? []);
      for (const to of people) {
        const message = escalationMessage(level, { id: a.id, reference: a.reference, recNumber: a.rec_number, position: a.position, dueOn: a.due_on }, deps.base, to.email, calendar);
        const outcome = await sendReminderOnce(deps.db, deps.mailer, { kind: KIND[level], incidentId: a.id, clockKey: 'action', dueOn: a.due_on, recipientUserId: to.id }, today, message);
        if (outcome === 'failed') result.failed += 1;
        if (outcome !== 'sent') continue;
        result.sent[level] += 1;
        // The record of who was told, when, with its audit entry, in one transaction.
        await inTransaction(deps.db, async (trx) => {
          await withTenant(trx, [a.partnership_id], (t) =>
            t.insertInto('action_escalations').values({ partnership_id: a.partnership_id, action_id: a.id, level, due_on: a.due_on, recipient_user_id: to.id, recipient_name: to.name.slice(0, 200) || to.email.slice(0, 200), recipient_role: to.role }).execute(),
          );
          await recordAudit(trx, { partnershipId: a.partnership_id, action: level === 1 ? 'action-overdue-told' : 'action-escalated', recordType: 'recommendation-action', recordId: a.id, changes: { level, dueOn: a.due_on, recipientUserId: to.id } });
        });
      }
    }
  }
  return result;
}

export type EscalationView = { level: EscalationLevel; dueOn: DateOnly; to: string; role: string; at: string; atIso: string };

/** The escalations of an action, oldest first, and when the next level falls due (for its page). */
export async function escalationsOf(db: Kysely<DB>, action: { id: string; partnershipId: string; dueOn: DateOnly; status: ActionStatus }, calendar: WorkingDayCalendar = defaultCalendar()): Promise<{ sent: EscalationView[]; dates: Record<EscalationLevel, DateOnly>; open: boolean }> {
  const rows = await withTenant(db, [action.partnershipId], (trx) =>
    trx.selectFrom('action_escalations').selectAll().where('partnership_id', '=', action.partnershipId).where('action_id', '=', action.id).orderBy('sent_at').execute(),
  );
  return {
    sent: rows.map((r) => ({ level: r.level, dueOn: r.due_on, to: r.recipient_name, role: r.recipient_role === 'agency-contributor' ? 'Owning agency' : 'Partnership administrator', at: formatDateTime(new Date(r.sent_at)), atIso: new Date(r.sent_at).toISOString() })),
    dates: escalationDates(action.dueOn, calendar),
    open: action.status === 'not-started' || action.status === 'in-progress',
  };
}
