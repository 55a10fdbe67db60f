import { addCalendarMonths, compareDates, type DateOnly } from '../calendar/date-only.ts';
import type { Problem } from './actions.ts';

/**
 * Assurance checks of a partnership's action plans. Working Together 2023 (chapter 5) asks
 * partnerships to "regularly audit progress on the implementation of recommended improvements":
 * a check is scheduled (quarterly by default), then recorded with who checked, what (which reviews,
 * agencies and the actions open in them), when, the result and the findings, and the date of the
 * next check.
 */

export const CHECK_RESULTS = ['assured', 'partly-assured', 'not-assured'] as const;
export type CheckResult = (typeof CHECK_RESULTS)[number];
export const CHECK_RESULT_LABELS: Readonly<Record<CheckResult, string>> = Object.freeze({
  assured: 'Assured',
  'partly-assured': 'Partly assured',
  'not-assured': 'Not assured',
});

/** The usual interval between checks: a quarter. */
export const CHECK_INTERVAL_MONTHS = 3;

export function isCheckResult(value: unknown): value is CheckResult {
  return typeof value === 'string' && (CHECK_RESULTS as readonly string[]).includes(value);
}

export function nextCheckDate(checkedOn: DateOnly, months = CHECK_INTERVAL_MONTHS): DateOnly {
  return addCalendarMonths(checkedOn, months);
}

/** A scheduled check is overdue once its date has passed and it has not been recorded. */
export function isCheckOverdue(check: { status: 'scheduled' | 'recorded'; dueOn: DateOnly }, today: DateOnly): boolean {
  return check.status === 'scheduled' && compareDates(check.dueOn, today) < 0;
}

export type ScheduleInput = { dueOn: DateOnly | null; focus: string };

export function scheduleProblems(input: ScheduleInput, today: DateOnly): Problem[] {
  const problems: Problem[] = [];
  if (!input.dueOn) problems.push({ field: 'dueOn', message: 'Enter the date the check is due' });
  else if (compareDates(input.dueOn, today) < 0) problems.push({ field: 'dueOn', message: 'The date of the check must be today or in the future' });
  if (input.focus.length > 2000) problems.push({ field: 'focus', message: 'What the check looks at must be 2,000 characters or fewer' });
  return problems;
}

export type CheckRecordInput = {
  checkedOn: DateOnly | null;
  result: string;
  findings: string;
  nextDueOn: DateOnly | null;
  incidentIds: string[];
  agencyIds: string[];
};

/** A recorded check says when it was done (not in the future), its result, its findings and when the next is due (after it). */
export function checkRecordProblems(input: CheckRecordInput, today: DateOnly, known: { incidentIds: readonly string[]; agencyIds: readonly string[] }): Problem[] {
  const problems: Problem[] = [];
  if (!input.checkedOn) problems.push({ field: 'checkedOn', message: 'Enter the date of the check' });
  else if (compareDates(input.checkedOn, today) > 0) problems.push({ field: 'checkedOn', message: 'The date of the check must be today or in the past' });
  if (input.incidentIds.some((i) => !known.incidentIds.includes(i))) problems.push({ field: 'incidentIds', message: 'Select reviews from the list' });
  if (input.agencyIds.some((a) => !known.agencyIds.includes(a))) problems.push({ field: 'agencyIds', message: 'Select agencies from the list' });
  if (!isCheckResult(input.result)) problems.push({ field: 'result', message: 'Select the result of the check' });
  if (!input.findings.trim()) problems.push({ field: 'findings', message: 'Enter what the check found' });
  else if (input.findings.length > 10_000) problems.push({ field: 'findings', message: 'The findings must be 10,000 characters or fewer' });
  if (!input.nextDueOn) problems.push({ field: 'nextDueOn', message: 'Enter the date of the next check' });
  else if (input.checkedOn && compareDates(input.nextDueOn, input.checkedOn) <= 0) problems.push({ field: 'nextDueOn', message: 'The next check must be after this one' });
  return problems;
}
