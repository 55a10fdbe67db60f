// Every step of a case takes the date it happened, not the moment someone recorded it, so that a
// rapid review held last week, or a case already under way when the partnership adopts the service,
// can be recorded truthfully; the clocks are then computed from these dates. A date that happened
// can be neither in the future nor before the dates it depends on. Who recorded it, and when, stays
// in the case timeline and the audit trail.
//
// The order follows the rapid review as Working Together to Safeguard Children 2023 ch.5 describes
// it (paragraphs on the rapid review): the partners gather the agencies' information (requests, then
// answers), decide, sign the decision off, and send the rapid review to the Panel, which responds.
//
// Pure: no I/O. The features pass the dates they hold; a missing earlier date is skipped.

import { compareDates, formatDateForDisplay, type DateOnly } from '../calendar/date-only.ts';

/** A date the step depends on: it cannot be earlier. `label` reads "the date the request was sent". */
export type EarlierDate = { date: DateOnly | null | undefined; label: string };

function sentenceStart(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * What is wrong with the date a step happened, or null when it is sound: missing, in the future
 * (unless `future` allows it, as a due date does), or before one of the dates it depends on. The
 * message names both dates, as the GOV.UK error summary asks ("… cannot be before the date the
 * request was sent (3 November 2026)"); of several it comes before, the latest, which binds.
 */
export function stepDateProblem(
  label: string,
  value: DateOnly | null,
  today: DateOnly,
  notBefore: readonly EarlierDate[],
  options: { future?: 'allowed' } = {},
): string | null {
  if (!value) return `Enter ${label}`;
  if (options.future !== 'allowed' && compareDates(value, today) > 0) return `${sentenceStart(label)} cannot be in the future`;
  // Of the dates it comes before, name the latest (on a tie, the later in the list: the nearer step).
  let binding: { date: DateOnly; label: string } | null = null;
  for (const earlier of notBefore) {
    if (earlier.date && compareDates(value, earlier.date) < 0 && (!binding || compareDates(earlier.date, binding.date) >= 0)) binding = { date: earlier.date, label: earlier.label };
  }
  return binding ? `${sentenceStart(label)} cannot be before ${binding.label} (${formatDateForDisplay(binding.date)})` : null;
}

/** The latest of some dates (the last partner's sign-off), or null when there is none. */
export function latestDate(dates: readonly (DateOnly | null | undefined)[]): DateOnly | null {
  let latest: DateOnly | null = null;
  for (const d of dates) if (d && (latest === null || compareDates(d, latest) > 0)) latest = d;
  return latest;
}

export const STEP_DATE_LABELS = Object.freeze({
  aware: 'the date the local authority became aware',
  notified: 'the date the Panel was notified',
  rapidReviewStarted: 'the date the rapid review started',
  requestsSent: 'the date the requests were sent',
  requestSent: 'the date the request was sent',
  requestDue: 'the due date',
  requestAnswered: 'the date the answer was sent',
  decided: 'the date of the decision',
  signedOff: 'the date you signed off the decision',
  lastSignOff: 'the date the last partner signed off the decision',
  sent: 'the date the rapid review was sent to the Panel',
});

/** The case's dates the rapid review's steps depend on. */
export type RapidReviewDates = {
  aware: DateOnly;
  notified?: DateOnly | null;
  rapidReviewStarted?: DateOnly | null;
};

const caseDates = (c: RapidReviewDates): EarlierDate[] => [
  { date: c.aware, label: STEP_DATE_LABELS.aware },
  { date: c.notified, label: STEP_DATE_LABELS.notified },
  { date: c.rapidReviewStarted, label: STEP_DATE_LABELS.rapidReviewStarted },
];

/**
 * Requests to agencies: sent as part of the rapid review (the typical timetable sends them the day
 * after the notification), so not before it started; each due date not before the day it was sent
 * (a request sent last week may be due already: that is the truth, not an error).
 */
export function requestSentProblem(sentOn: DateOnly | null, today: DateOnly, c: RapidReviewDates): string | null {
  return stepDateProblem(STEP_DATE_LABELS.requestsSent, sentOn, today, caseDates(c));
}

export function requestDueProblem(dueOn: DateOnly, sentOn: DateOnly, agencyName: string): string | null {
  return stepDateProblem(`the due date for ${agencyName}`, dueOn, dueOn, [{ date: sentOn, label: STEP_DATE_LABELS.requestsSent }], { future: 'allowed' });
}

/** An agency's answer: received on a day that has happened, not before its request was sent. */
export function requestAnsweredProblem(answeredOn: DateOnly | null, today: DateOnly, requestedOn: DateOnly): string | null {
  return stepDateProblem(STEP_DATE_LABELS.requestAnswered, answeredOn, today, [{ date: requestedOn, label: STEP_DATE_LABELS.requestSent }]);
}

/** Answered after its due date: late, whenever it was recorded. */
export function answeredLate(answeredOn: DateOnly | null, dueOn: DateOnly): boolean {
  return answeredOn !== null && compareDates(answeredOn, dueOn) > 0;
}

/** A partner's sign-off: the partners sign the decision they made, so not before it. */
export function signOffProblem(signedOn: DateOnly | null, today: DateOnly, decidedOn: DateOnly | null): string | null {
  return stepDateProblem(STEP_DATE_LABELS.signedOff, signedOn, today, [{ date: decidedOn, label: STEP_DATE_LABELS.decided }]);
}

/**
 * Sending the rapid review to the Panel: with the decision the three partners signed off, so not
 * before the decision nor before the last of the three sign-offs.
 */
export function sentToPanelProblem(sentOn: DateOnly | null, today: DateOnly, signed: { decidedOn: DateOnly | null; signedOn: readonly (DateOnly | null)[] }): string | null {
  return stepDateProblem(STEP_DATE_LABELS.sent, sentOn, today, [
    { date: signed.decidedOn, label: STEP_DATE_LABELS.decided },
    { date: latestDate(signed.signedOn), label: STEP_DATE_LABELS.lastSignOff },
  ]);
}
