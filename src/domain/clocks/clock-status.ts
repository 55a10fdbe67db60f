// Where a clock stands today, for dashboards and reminders.

import { compareDates } from '../calendar/date-only.ts';
import type { DateOnly } from '../calendar/date-only.ts';
import type { WorkingDayCalendar } from '../calendar/working-days.ts';

export type ClockState = 'due' | 'due-soon' | 'overdue' | 'done-on-time' | 'done-late' | 'paused';

export type ClockProgress = {
  dueOn: DateOnly;
  doneOn?: DateOnly;
  /** A clock is paused (e.g. a review delayed by criminal proceedings or an inquest) from this date. */
  pausedSince?: DateOnly;
  pauseReason?: string;
};

export type ClockStatus = {
  state: ClockState;
  /**
   * Working days after today up to and including the due date (0 when due today or when the due
   * date is a weekend/holiday with no working day left before it). Negative when overdue: minus the
   * working days from the day after the due date up to and including today. Absent once done.
   */
  workingDaysLeft?: number;
  /** Why the clock is paused (also when a paused clock is overdue). */
  reason?: string;
};

/** A clock is "due soon" when its due date falls within this many working days, today included. */
export const DUE_SOON_WORKING_DAYS = 5;

/**
 * The state of a clock on `today`. Precedence: done beats overdue beats paused beats the rest,
 * because a finished task stays finished whatever happened while it was open, and a pause (a delay
 * for good reason) never moves the due date: the original due date stays the measure of timeliness
 * (Working Together to Safeguard Children 2023 ch.5), so a delayed task is late, with its reasons.
 * - done-on-time / done-late: `doneOn` on or before / after `dueOn`.
 * - overdue: today is after `dueOn` (with the pause's reason when paused).
 * - paused: `pausedSince` is set, not done, not yet overdue.
 * - due-soon: the due date falls within the next 5 working days counting today when today is a
 *   working day (so today plus 4 more); on a weekend or holiday, the next 5 working days.
 * - due: otherwise.
 */
export function clockStatus(progress: ClockProgress, today: DateOnly, calendar: WorkingDayCalendar): ClockStatus {
  const { dueOn, doneOn, pausedSince, pauseReason } = progress;
  compareDates(dueOn, today); // validates both

  if (doneOn !== undefined) {
    return { state: compareDates(doneOn, dueOn) <= 0 ? 'done-on-time' : 'done-late' };
  }

  const workingDaysLeft = daysLeft(today, dueOn, calendar);
  // A pause never moves the due date: a paused clock past its due date is overdue, with its reason.
  if (compareDates(today, dueOn) > 0) {
    const overdue: ClockStatus = { state: 'overdue', workingDaysLeft };
    if (pausedSince !== undefined && pauseReason !== undefined && pauseReason.trim() !== '') overdue.reason = pauseReason.trim();
    return overdue;
  }

  if (pausedSince !== undefined) {
    const status: ClockStatus = { state: 'paused', workingDaysLeft };
    if (pauseReason !== undefined && pauseReason.trim() !== '') status.reason = pauseReason.trim();
    return status;
  }

  // Today counts as one of the five only when it is a working day.
  const window = calendar.isWorkingDay(today) ? DUE_SOON_WORKING_DAYS - 1 : DUE_SOON_WORKING_DAYS;
  return { state: workingDaysLeft <= window ? 'due-soon' : 'due', workingDaysLeft };
}

/**
 * The first date that is no longer "due soon" on `today`: an open clock that is not paused is due
 * soon exactly when `today` ≤ its due date < this date (the rule of `clockStatus`, as a date range,
 * so stored due dates can be picked out without working out each clock). It is the working day
 * that would be the sixth of the window: today plus 5 working days when today is one, else plus 6.
 */
export function dueSoonBefore(today: DateOnly, calendar: WorkingDayCalendar): DateOnly {
  const window = calendar.isWorkingDay(today) ? DUE_SOON_WORKING_DAYS - 1 : DUE_SOON_WORKING_DAYS;
  return calendar.addWorkingDays(today, window + 1);
}

// Signed working days from `on` to `dueOn`. Past the due date it counts the working days elapsed
// since (exclusive of the due date), so a deadline on a Sunday is 1 working day overdue on Monday.
function daysLeft(on: DateOnly, dueOn: DateOnly, calendar: WorkingDayCalendar): number {
  return compareDates(on, dueOn) > 0
    ? 0 - calendar.workingDaysBetween(dueOn, on) // 0 - n, not -n: never yields -0
    : calendar.workingDaysBetween(on, dueOn);
}
