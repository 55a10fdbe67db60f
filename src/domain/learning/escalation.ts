import { addDays, type DateOnly } from '../calendar/date-only.ts';
import type { WorkingDayCalendar } from '../calendar/working-days.ts';
import { isOverdue, type ActionStatus } from './actions.ts';

/**
 * Escalation of overdue actions. Working Together 2023 (chapter 5) asks partnerships to say "how and
 * within what timescales" recommendations will be acted on and to "regularly audit progress on the
 * implementation of recommended improvements": a missed due date is followed up, not left in a
 * spreadsheet. An action is overdue the day after its due date while it is not yet completed (see
 * `isOverdue`); then:
 *
 * - level 1, at once: the owning agency's contributors are told (the agency answers for its action);
 * - level 2, once the action is `ESCALATE_AFTER_WORKING_DAYS` working days overdue: the partnership's
 *   administrators (the business unit) are told, so the partners can act on it.
 *
 * Ten working days (two working weeks) is a choice of this service, not a statutory figure: long
 * enough for an agency to answer its own reminder, short enough that the partnership hears within
 * the month, before its next assurance check. A new due date starts the escalation again.
 */
export const ESCALATE_AFTER_WORKING_DAYS = 10;

export type EscalationLevel = 1 | 2;

export const ESCALATION_LEVEL_LABELS: Readonly<Record<EscalationLevel, string>> = Object.freeze({
  1: 'The owning agency was told',
  2: 'Escalated to the partnership’s administrators',
});

/** The highest escalation due for an action today: 0 (none), 1 (the agency) or 2 (the partnership). */
export function escalationLevel(status: ActionStatus, dueOn: DateOnly, today: DateOnly, calendar: WorkingDayCalendar, afterWorkingDays = ESCALATE_AFTER_WORKING_DAYS): 0 | EscalationLevel {
  if (!isOverdue(status, dueOn, today)) return 0;
  return calendar.workingDaysBetween(dueOn, today) >= afterWorkingDays ? 2 : 1;
}

/** Every level due today, lowest first: an action found 15 working days late is escalated at both levels. */
export function escalationsDue(status: ActionStatus, dueOn: DateOnly, today: DateOnly, calendar: WorkingDayCalendar, afterWorkingDays = ESCALATE_AFTER_WORKING_DAYS): EscalationLevel[] {
  const level = escalationLevel(status, dueOn, today, calendar, afterWorkingDays);
  return level === 0 ? [] : level === 1 ? [1] : [1, 2];
}

/** The first day each level falls due for an action due on `dueOn` (shown on the action's page). */
export function escalationDates(dueOn: DateOnly, calendar: WorkingDayCalendar, afterWorkingDays = ESCALATE_AFTER_WORKING_DAYS): Record<EscalationLevel, DateOnly> {
  return { 1: addDays(dueOn, 1), 2: calendar.addWorkingDays(dueOn, afterWorkingDays) };
}
