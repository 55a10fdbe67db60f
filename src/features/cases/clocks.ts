import { compareDates, type DateOnly } from '../../domain/calendar/date-only.ts';
import type { WorkingDayCalendar } from '../../domain/calendar/working-days.ts';
import { clockStatus, type ClockState } from '../../domain/clocks/clock-status.ts';
import { computeDeadlines, type CaseFacts } from '../../domain/clocks/deadlines.ts';
import { OFSTED, PANEL, SECRETARY_OF_STATE, type ClockRule } from '../../domain/clocks/rules.ts';
import type { NotificationDuty } from '../../domain/notification/criteria.ts';
import { STATES, type IncidentState, type WorkflowDate } from '../../domain/workflow/incident-workflow.ts';

/**
 * Every clock of a case as people see it: the due date from the rules the case is judged under, and
 * where it stands today. A pause (allowed only where the clock's rule says it may pause) never moves the
 * due date: it records the delay, its reasons and when the Panel and the Secretary of State were told,
 * and the original due date stays the measure of timeliness. Pure: the caller passes today and the calendar.
 */

/** The recorded date that stops each clock. Clocks of rules added later have none until a step records them. */
export const CLOCK_DONE_BY: Readonly<Record<string, WorkflowDate>> = Object.freeze({
  'panel-notification': 'notified',
  'partners-informed': 'partnersInformed',
  'ofsted-sos-notification': 'ofstedSosNotified',
  'rapid-review': 'rapidReviewSent',
  'review-completion': 'published',
  'advance-copy': 'advanceCopySent',
});

/** Clocks that mark a period to keep something up, not a task: they cannot be late. */
const PERIODS: ReadonlySet<string> = new Set(['published-until']);

/** Which notification duty governs a clock: when the duty does not apply, neither does the clock. */
const CLOCK_DUTY: Readonly<Record<string, NotificationDuty['duty']>> = Object.freeze({
  'panel-notification': 'panel-notification',
  'partners-informed': 'partners-informed',
  'ofsted-sos-notification': 'ofsted-sos-notification',
});

export type ClockViewState = ClockState | 'not-required' | 'stopped' | 'running';

export const CLOCK_STATE_LABELS: Readonly<Record<ClockViewState, { text: string; colour: string }>> = Object.freeze({
  // An open clock not yet near its due date: the same words wherever it is shown (case page, lists, dashboard, API).
  due: { text: 'On time', colour: 'green' },
  'due-soon': { text: 'Due soon', colour: 'yellow' },
  overdue: { text: 'Overdue', colour: 'red' },
  'done-on-time': { text: 'Done on time', colour: 'turquoise' },
  'done-late': { text: 'Done late', colour: 'orange' },
  paused: { text: 'Paused', colour: 'grey' },
  'not-required': { text: 'Not required', colour: 'grey' },
  stopped: { text: 'Stopped', colour: 'grey' },
  running: { text: 'Running', colour: 'blue' },
});

export type ClockPause = {
  clockKey: string;
  pausedOn: DateOnly;
  resumedOn: DateOnly | null;
  reason: string;
  /** When the Panel was told of the delay and its reasons. */
  panelToldOn?: DateOnly | null;
  /** When the Secretary of State was told. */
  sosToldOn?: DateOnly | null;
};

export type ClockView = {
  key: string;
  title: string;
  recipients: string[];
  statutory: boolean;
  /** e.g. "5 working days after the local authority became aware" */
  rule: string;
  version: number;
  from: DateOnly;
  /** The due date: pauses never move it. */
  dueOn: DateOnly;
  /** The pauses (delays for good reason) of this clock, oldest first, with when the Panel and Secretary of State were told. */
  delays: ClockPause[];
  doneOn: DateOnly | null;
  state: ClockViewState;
  workingDaysLeft: number | null;
  /** Why the clock is paused, or why it is not required or stopped. */
  reason: string | null;
  pausedSince: DateOnly | null;
  /** The clock's rule allows a pause for good reason (notification duties never do). */
  mayPause: boolean;
  /** May be paused now (its rule allows it; open, not done, not paused). */
  pausable: boolean;
};

export type ClockInput = {
  state: IncidentState;
  aware: DateOnly;
  outcome: 'died' | 'serious-harm' | 'other';
  lookedAfter: boolean;
  careLeaver: boolean;
  reviewDecision: 'local-review' | 'alternative-review' | 'no-review' | null;
  dates: Partial<Record<WorkflowDate, DateOnly>>;
  /** The planned publication date (the review's), from which the advance copy is due before publication. */
  plannedPublication?: DateOnly | null;
  /** Who the partners chose to send the advance copy to (the review's), by key; null when not chosen yet. */
  advanceCopyTo?: readonly string[] | null;
  rules: readonly ClockRule[];
  pauses: readonly ClockPause[];
  duties: readonly NotificationDuty[];
};

export function caseFacts(input: Pick<ClockInput, 'aware' | 'outcome' | 'lookedAfter' | 'careLeaver' | 'reviewDecision' | 'dates' | 'plannedPublication'>): CaseFacts {
  const facts: CaseFacts = {
    aware: input.aware,
    lookedAfterDeath: input.lookedAfter && input.outcome === 'died',
    careLeaverDeath: input.careLeaver && input.outcome === 'died',
  };
  if (input.dates.notified) facts.notified = input.dates.notified;
  // The six-month clock runs only from a decision to hold a local review.
  if (input.reviewDecision === 'local-review' && input.dates.decision) facts.decision = input.dates.decision;
  if (input.dates.published) facts.publication = input.dates.published;
  if (input.plannedPublication) facts.plannedPublication = input.plannedPublication;
  return facts;
}

/** The advance copy goes to whom the partners chose: a rule's recipient is kept when its key was chosen (recipients not named by a key are kept). */
const RECIPIENT_KEYS: Readonly<Record<string, string>> = Object.freeze({ [PANEL]: 'panel', [SECRETARY_OF_STATE]: 'secretary-of-state', [OFSTED]: 'ofsted' });
function chosenRecipient(recipient: string, chosen: readonly string[]): boolean {
  const key = RECIPIENT_KEYS[recipient];
  return key === undefined || chosen.includes(key);
}

/**
 * A clock as stored with the case: everything that does not depend on the day. `settled` holds the
 * state of a clock that no longer changes with the day (not required, stopped, done); a period clock
 * (kept published until) turns from running to done on its due date; any other clock is open and its
 * state today follows from its due date and pause alone (`clockOnDay`).
 */
export type StoredClock = Omit<ClockView, 'state' | 'workingDaysLeft' | 'reason'> & {
  settled: { state: 'not-required' | 'stopped' | 'done-on-time' | 'done-late'; reason: string | null } | null;
  period: boolean;
  /** The open pause's reason (shown while paused, and on an overdue clock that is paused). */
  pauseReason: string | null;
};

/** Still to be met: neither settled nor a period (the clocks a dashboard, feed or reminder may show). */
export function isOpenClock(clock: StoredClock): boolean {
  return clock.settled === null && !clock.period;
}

/** Every clock of a case without today: computed when the case, its pauses, its review's plan or the calendar change. */
export function storedClocks(input: ClockInput, calendar: WorkingDayCalendar): StoredClock[] {
  const deadlines = computeDeadlines(caseFacts(input), input.rules, calendar);
  const finished = STATES[input.state].finished;
  return deadlines.map((d) => {
    const rule = input.rules.find((r) => r.key === d.key && r.version === d.version);
    const pauses = input.pauses.filter((p) => p.clockKey === d.key);
    const open = pauses.find((p) => !p.resumedOn);
    const mayPause = rule?.mayPause === true;
    const doneField = CLOCK_DONE_BY[d.key];
    const doneOn = doneField ? (input.dates[doneField] ?? null) : null;
    const stored: StoredClock = {
      key: d.key,
      title: d.title,
      recipients: d.key === 'advance-copy' && input.advanceCopyTo ? d.recipients.filter((r) => chosenRecipient(r, input.advanceCopyTo as readonly string[])) : d.recipients,
      statutory: d.statutory,
      rule: d.rule,
      version: d.version,
      from: d.from,
      dueOn: d.dueOn,
      delays: [...pauses].sort((a, b) => compareDates(a.pausedOn, b.pausedOn)),
      doneOn,
      pausedSince: open?.pausedOn ?? null,
      mayPause,
      pausable: false,
      settled: null,
      period: false,
      pauseReason: open ? open.reason : null,
    };

    const duty = CLOCK_DUTY[d.key] ? input.duties.find((x) => x.duty === CLOCK_DUTY[d.key]) : undefined;
    // A case found not notifiable never owed the Panel a notification, even when a practice learning review follows.
    const notNotifiable = input.state === 'not-notifiable' || Boolean(input.dates.belowThresholdReview);
    const notifiable = !(notNotifiable && (d.key === 'panel-notification' || d.key === 'partners-informed'));
    if (!doneOn && (!notifiable || (duty && !duty.applies))) {
      return { ...stored, settled: { state: 'not-required', reason: notifiable ? (duty?.why ?? null) : 'The incident was recorded as not notifiable to the Panel.' } };
    }
    if (PERIODS.has(d.key)) return { ...stored, period: true };
    if (!doneOn && finished) return { ...stored, settled: { state: 'stopped', reason: `The case is ${STATES[input.state].now}.` } };
    if (doneOn) return { ...stored, settled: { state: compareDates(doneOn, d.dueOn) <= 0 ? 'done-on-time' : 'done-late', reason: null } };
    return { ...stored, pausable: mayPause && !open };
  });
}

/** A stored clock as it stands on `today`: the only part of a clock that changes with the day. */
export function clockOnDay(clock: StoredClock, today: DateOnly, calendar: WorkingDayCalendar): ClockView {
  const { settled, period, pauseReason, ...view } = clock;
  if (settled) return { ...view, state: settled.state, workingDaysLeft: null, reason: settled.reason };
  if (period) {
    return compareDates(today, clock.dueOn) >= 0
      ? { ...view, state: 'done-on-time', doneOn: clock.dueOn, workingDaysLeft: null, reason: null }
      : { ...view, state: 'running', workingDaysLeft: null, reason: null };
  }
  const status = clockStatus(
    { dueOn: clock.dueOn, ...(clock.pausedSince && pauseReason !== null ? { pausedSince: clock.pausedSince, pauseReason } : {}) },
    today,
    calendar,
  );
  return { ...view, state: status.state, workingDaysLeft: status.workingDaysLeft ?? null, reason: status.reason ?? null };
}

/** Every clock of a case as it stands today. */
export function caseClocks(input: ClockInput, calendar: WorkingDayCalendar, today: DateOnly): ClockView[] {
  return storedClocks(input, calendar).map((c) => clockOnDay(c, today, calendar));
}

const URGENCY: readonly ClockViewState[] = ['overdue', 'due-soon', 'due', 'paused'];

/** The clock that most needs attention: overdue first, then due soon, then due, then paused; earliest due date within each. */
export function nextClock(clocks: readonly ClockView[]): ClockView | null {
  const open = clocks.filter((c) => URGENCY.includes(c.state));
  open.sort((a, b) => URGENCY.indexOf(a.state) - URGENCY.indexOf(b.state) || compareDates(a.dueOn, b.dueOn));
  return open[0] ?? null;
}

/** The tag for a case list's "next clock" column: overdue red, due soon yellow, on time green, paused grey. */
export function nextClockTag(clock: ClockView | null): { text: string; colour: string } | null {
  return clock ? CLOCK_STATE_LABELS[clock.state] : null;
}
