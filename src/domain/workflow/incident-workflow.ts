// The statutory workflow of an incident, as data: its states, the transitions between them, the
// steps recorded along the way, and who may take each. Features read these tables to show the
// actions allowed now and check every request against them; later features (rapid review content,
// sign-offs, reviews) add detail by adding requirements to a transition or new transitions and steps.
//
//   recorded           --notify-->                    notified
//   recorded           --not-notifiable-->            not-notifiable --reopen--> recorded
//   notified           --start-rapid-review-->        rapid-review
//   rapid-review       --send-rapid-review-->         the state of the signed-off decision:
//                        local-review, alternative-review, no-review, or decision (a national
//                        review recommended: the Panel decides)
// There is one decision record: the one the three partners sign off in the rapid review
// (src/domain/workflow/decision.ts). Changing it after sign-off returns a sent case to `decision`
// until all three sign off again; then the case takes the new decision's state.
//   decision           --the Panel's response: national review--> national-review (the Panel leads)
//   not-notifiable     --below-threshold-review-->    alternative-review (a practice learning review or audit)
//   local-review, alternative-review --complete-review--> completed --publish--> published
//   notified, rapid-review, no-review, completed, published --close--> closed
// Steps recorded alongside (they do not change the state): partners informed, Secretary of State
// and Ofsted notified, advance copy sent, and pausing or resuming a clock.
//
// Pure: no I/O. Permissions are named as in src/platform/auth/policy.ts (a test in src/features/cases
// keeps them in step).

import { compareDates, formatDateForDisplay } from '../calendar/date-only.ts';
import type { DateOnly } from '../calendar/date-only.ts';
import { validateCaseDates, type CaseDateField } from '../clocks/deadlines.ts';

export const INCIDENT_STATES = [
  'recorded',
  'notified',
  'rapid-review',
  'decision',
  'local-review',
  'alternative-review',
  'no-review',
  'national-review',
  'completed',
  'published',
  'not-notifiable',
  'closed',
] as const;

export type IncidentState = (typeof INCIDENT_STATES)[number];

export function isIncidentState(value: unknown): value is IncidentState {
  return typeof value === 'string' && (INCIDENT_STATES as readonly string[]).includes(value);
}

/** The permissions the workflow names (a subset of the policy's). */
export type WorkflowPermission = 'case:write' | 'case:sign-off' | 'publication:manage';
export const WORKFLOW_PERMISSIONS: readonly WorkflowPermission[] = ['case:write', 'case:sign-off', 'publication:manage'];

/** GOV.UK tag colours used for states. */
export type TagColour = 'grey' | 'blue' | 'light-blue' | 'turquoise' | 'green' | 'purple' | 'pink' | 'orange' | 'yellow' | 'red';

export type StateDefinition = {
  state: IncidentState;
  /** Short label, e.g. for a tag: "Rapid review". */
  label: string;
  /** Completes "This incident is …": "in rapid review". */
  now: string;
  tag: TagColour;
  /** No further work is expected (it may still be reopened). */
  finished: boolean;
};

export const STATES: Readonly<Record<IncidentState, StateDefinition>> = Object.freeze({
  recorded: { state: 'recorded', label: 'Recorded', now: 'recorded and not yet notified to the Panel', tag: 'blue', finished: false },
  notified: { state: 'notified', label: 'Notified', now: 'notified to the Panel, with the rapid review not yet started', tag: 'light-blue', finished: false },
  'rapid-review': { state: 'rapid-review', label: 'Rapid review', now: 'in rapid review', tag: 'purple', finished: false },
  decision: { state: 'decision', label: 'Awaiting decision', now: 'sent to the Panel and awaiting a signed-off decision on a local review (or the Panel’s decision on a national review)', tag: 'pink', finished: false },
  'local-review': { state: 'local-review', label: 'Local review', now: 'in a local child safeguarding practice review', tag: 'turquoise', finished: false },
  'alternative-review': { state: 'alternative-review', label: 'Alternative review', now: 'in an alternative review (deep dive, practice learning review or audit)', tag: 'turquoise', finished: false },
  'no-review': { state: 'no-review', label: 'No review', now: 'decided as needing no further review', tag: 'grey', finished: false },
  'national-review': { state: 'national-review', label: 'National review', now: 'the subject of a national review led by the Panel, which the partnership supports', tag: 'light-blue', finished: false },
  completed: { state: 'completed', label: 'Review completed', now: 'a completed review not yet published', tag: 'green', finished: false },
  published: { state: 'published', label: 'Published', now: 'published', tag: 'green', finished: false },
  'not-notifiable': { state: 'not-notifiable', label: 'Not notifiable', now: 'closed as not notifiable', tag: 'grey', finished: true },
  closed: { state: 'closed', label: 'Closed', now: 'closed', tag: 'grey', finished: true },
});

/** Dates the workflow records on an incident (besides `aware`, recorded with the incident). */
export type WorkflowDate =
  | 'notified'
  | 'partnersInformed'
  | 'ofstedSosNotified'
  | 'rapidReviewStarted'
  | 'rapidReviewSent'
  | 'decision'
  | 'completed'
  | 'advanceCopySent'
  | 'published'
  | 'closed'
  | 'belowThresholdReview';

export const WORKFLOW_DATE_LABELS: Readonly<Record<WorkflowDate | 'aware', string>> = Object.freeze({
  aware: 'the date the local authority became aware',
  notified: 'the date the Panel was notified',
  partnersInformed: 'the date the safeguarding partners were told',
  ofstedSosNotified: 'the date the Secretary of State and Ofsted were notified',
  rapidReviewStarted: 'the date the rapid review started',
  rapidReviewSent: 'the date the rapid review was sent to the Panel',
  decision: 'the date of the decision',
  completed: 'the date the review was completed',
  advanceCopySent: 'the date the advance copy was sent',
  published: 'the publication date',
  closed: 'the date the case was closed',
  belowThresholdReview: 'the date the partners decided to hold a practice learning review',
});

/** What is known about an incident when a transition is checked: its recorded dates and anything later features add. */
export type WorkflowFacts = Partial<Record<WorkflowDate | 'aware', DateOnly | null>> & Readonly<Record<string, unknown>>;

/** An extra condition a transition needs (e.g. all three partners have signed off), with the message when it fails. */
export type Requirement = { key: string; holds(facts: WorkflowFacts): boolean; message: string };

export type DateQuestion = {
  field: WorkflowDate;
  /** The question, e.g. "When was the notification sent to the Panel?" */
  label: string;
  hint?: string;
  /** Recorded dates this one cannot come before. It can never be in the future. */
  notBefore: readonly (WorkflowDate | 'aware')[];
};

export type NoteQuestion = { required: boolean; label: string; hint?: string };

type Recorded = {
  key: string;
  /** Heading of the page recording it, e.g. "Record the notification to the Panel". */
  title: string;
  /** Text of the button on the case page. */
  action: string;
  /** How the case timeline names it once done, e.g. "Notification to the Panel recorded". */
  done: string;
  permission: WorkflowPermission;
  date?: DateQuestion;
  /** The Panel's reference for the notification (only the notification asks). */
  reference?: { label: string; hint: string; required: boolean };
  note: NoteQuestion | null;
  requires?: readonly Requirement[];
};

export type TransitionDefinition = Recorded & {
  kind: 'transition';
  from: readonly IncidentState[];
  to: IncidentState;
  /** Why the transition is out of order elsewhere; the current state is added to it. */
  precondition: string;
  /** Dates this transition clears (reopening a case clears its closing date). */
  clears?: readonly WorkflowDate[];
  /**
   * When the state reached depends on a recorded decision (sending the rapid review takes the case to
   * the state of the partners' signed-off decision), every state it may reach; `to` is the default.
   */
  outcomes?: readonly IncidentState[];
};

export type StepDefinition = Recorded & {
  kind: 'step';
  /** States in which the step may be recorded (or corrected). */
  allowedIn: readonly IncidentState[];
  precondition: string;
};

const NOT_FINISHED = INCIDENT_STATES.filter((s) => !STATES[s].finished);

/** The three statutory safeguarding partners, whose leads sign off the rapid review decision. */
export const STATUTORY_PARTNERS = ['local-authority', 'police', 'icb'] as const;
export type StatutoryPartner = (typeof STATUTORY_PARTNERS)[number];
export const PARTNER_LEAD_LABELS: Readonly<Record<StatutoryPartner, string>> = Object.freeze({
  'local-authority': 'local authority lead',
  police: 'police lead',
  icb: 'integrated care board lead',
});

/**
 * The rapid review goes to the Panel only once all three partners' leads have signed off its
 * decision. The fact `rapidReviewSignOffs` (the partners who have signed, from the rapid review
 * feature) must be given: without it no partner counts as signed, so the rule cannot be skipped.
 */
export const SIGN_OFF_REQUIREMENTS: readonly Requirement[] = Object.freeze(STATUTORY_PARTNERS.map((partner) => ({
  key: `signed-off-${partner}`,
  holds: (facts: WorkflowFacts) => Array.isArray(facts.rapidReviewSignOffs) && facts.rapidReviewSignOffs.includes(partner),
  message: `The ${PARTNER_LEAD_LABELS[partner]} has not signed off yet`,
})));

/**
 * A review is completed only with its final report on file (fact `finalReports`, the number of
 * final versions, from the reviews feature), and published only once the partners have decided what
 * to publish (fact `publicationDecision`). Missing facts count as not met.
 */
export const COMPLETION_REQUIREMENTS: readonly Requirement[] = Object.freeze([
  {
    key: 'final-report',
    holds: (facts: WorkflowFacts) => typeof facts.finalReports === 'number' && facts.finalReports > 0,
    message: 'Add the final report to the review before recording the review as completed',
  },
]);

export const PUBLICATION_REQUIREMENTS: readonly Requirement[] = Object.freeze([
  {
    key: 'publication-decision',
    holds: (facts: WorkflowFacts) => typeof facts.publicationDecision === 'string',
    message: 'Record the publication decision (the full report, or only the improvements to be made) before publishing',
  },
  {
    // One way to publish: the review's publishing page (or its API), which checks the decision, the
    // advance copy (the clock rule's working days before publication, CSPR Regulations 2018) and that
    // every anonymisation finding is resolved or overridden, then adds the public record.
    key: 'publication-checked',
    holds: (facts: WorkflowFacts) => facts.publicationChecked === true,
    message: 'Publish from the review’s “Publish” page, which checks the publication decision, the advance copy and every anonymisation finding, and adds the public record',
  },
]);

const REASONS_HINT = 'Use the child’s pseudonym, not their name. This note appears on the case timeline.';

export const TRANSITIONS: readonly TransitionDefinition[] = Object.freeze([
  {
    kind: 'transition',
    key: 'notify',
    // The Panel is notified through its national form, not by this service: the step records that it was done.
    title: 'Record that the Panel was notified',
    action: 'Record that the Panel was notified',
  done: 'Notification to the Panel recorded',
    from: ['recorded'],
    to: 'notified',
    permission: 'case:write',
    precondition: 'The notification to the Panel can only be recorded for an incident that is recorded and not yet notified',
    date: { field: 'notified', label: 'When was the notification sent to the Panel?', hint: 'The date you submitted the Child Safeguarding Practice Review Panel’s online form, for example 27 3 2026', notBefore: ['aware'] },
    reference: { label: 'Panel reference (optional)', hint: 'The reference the Panel’s service gave the notification, if you have it', required: false },
    note: { required: false, label: 'Note (optional)', hint: REASONS_HINT },
  },
  {
    kind: 'transition',
    key: 'not-notifiable',
    title: 'Record that the incident is not notifiable',
    action: 'Record as not notifiable',
  done: 'Recorded as not notifiable',
    from: ['recorded'],
    to: 'not-notifiable',
    permission: 'case:write',
    precondition: 'Only an incident that is recorded and not yet notified can be closed as not notifiable',
    date: { field: 'closed', label: 'When was this decided?', hint: 'For example 27 3 2026', notBefore: ['aware'] },
    note: { required: true, label: 'Reasons the incident does not need notifying to the Panel', hint: REASONS_HINT },
  },
  {
    kind: 'transition',
    key: 'reopen',
    title: 'Reopen the incident',
    action: 'Reopen the incident',
  done: 'Incident reopened',
    from: ['not-notifiable'],
    to: 'recorded',
    permission: 'case:write',
    precondition: 'Only an incident closed as not notifiable can be reopened',
    note: { required: true, label: 'Why the incident is being reopened', hint: 'For example, abuse or neglect has come to be suspected. ' + REASONS_HINT },
    clears: ['closed'],
  },
  {
    kind: 'transition',
    key: 'start-rapid-review',
    title: 'Start the rapid review',
    action: 'Start the rapid review',
  done: 'Rapid review started',
    from: ['notified'],
    to: 'rapid-review',
    permission: 'case:write',
    precondition: 'A rapid review can only start once the notification to the Panel is recorded',
    date: { field: 'rapidReviewStarted', label: 'When did the rapid review start?', hint: 'The day the work began, for example the day requests went to the agencies: it may be earlier than today. For example 27 3 2026', notBefore: ['aware', 'notified'] },
    note: { required: false, label: 'Note (optional)', hint: REASONS_HINT },
  },
  {
    kind: 'transition',
    key: 'send-rapid-review',
    title: 'Record the rapid review as sent to the Panel',
    action: 'Record the rapid review as sent',
  done: 'Rapid review sent to the Panel',
    from: ['rapid-review'],
    to: 'decision',
    permission: 'case:write',
    precondition: 'A rapid review can only be sent to the Panel once it has started',
    date: { field: 'rapidReviewSent', label: 'When was the rapid review sent to the Panel?', hint: 'For example 27 3 2026', notBefore: ['aware', 'notified', 'rapidReviewStarted'] },
    note: { required: false, label: 'Note (optional)', hint: REASONS_HINT },
    requires: SIGN_OFF_REQUIREMENTS,
    outcomes: ['local-review', 'alternative-review', 'no-review', 'decision'],
  },
  {
    kind: 'transition',
    key: 'below-threshold-review',
    title: 'Record a practice learning review of a case that was not notifiable',
    action: 'Hold a practice learning review or audit',
    done: 'Practice learning review decided for a case that was not notifiable',
    from: ['not-notifiable'],
    to: 'alternative-review',
    permission: 'case:write',
    precondition: 'A practice learning review of a case below the threshold can only be recorded for a case closed as not notifiable',
    date: { field: 'belowThresholdReview', label: 'When did the safeguarding partners decide to hold it?', hint: 'For example 27 3 2026', notBefore: ['aware', 'closed'] },
    note: { required: true, label: 'Why, and which kind of review', hint: 'For example a multi-agency practice learning review, a deep dive or an audit: the case did not meet the criteria for a notification, but there is learning to draw. ' + REASONS_HINT },
  },
  {
    kind: 'transition',
    key: 'complete-review',
    title: 'Record the review as completed',
    action: 'Record the review as completed',
  done: 'Review completed',
    from: ['local-review', 'alternative-review'],
    to: 'completed',
    permission: 'case:write',
    precondition: 'A review can only be completed once the decision to hold one is recorded',
    date: { field: 'completed', label: 'When was the review completed?', hint: 'For example 27 3 2026', notBefore: ['aware', 'decision'] },
    note: { required: false, label: 'Note (optional)', hint: REASONS_HINT },
    requires: COMPLETION_REQUIREMENTS,
  },
  {
    kind: 'transition',
    key: 'publish',
    title: 'Record the review as published',
    action: 'Record the review as published',
  done: 'Review published',
    from: ['completed'],
    to: 'published',
    permission: 'publication:manage',
    precondition: 'A review can only be published once it is completed',
    date: { field: 'published', label: 'When was the report published?', hint: 'For example 27 3 2026', notBefore: ['aware', 'decision', 'completed'] },
    note: { required: false, label: 'Note (optional)', hint: REASONS_HINT },
    requires: PUBLICATION_REQUIREMENTS,
  },
  {
    kind: 'transition',
    key: 'close',
    title: 'Close the case',
    action: 'Close the case',
  done: 'Case closed',
    from: ['notified', 'rapid-review', 'no-review', 'national-review', 'completed', 'published'],
    to: 'closed',
    permission: 'case:write',
    precondition: 'A case can only be closed once it has been notified, and not while a decision or review is under way',
    date: { field: 'closed', label: 'When was the case closed?', hint: 'For example 27 3 2026', notBefore: ['aware'] },
    note: { required: true, label: 'Reasons for closing the case', hint: 'For example, the rapid review found the case does not meet the criteria after all. ' + REASONS_HINT },
  },
] satisfies TransitionDefinition[]);

export const STEPS: readonly StepDefinition[] = Object.freeze([
  {
    kind: 'step',
    key: 'partners-informed',
    title: 'Record that the safeguarding partners were told',
    action: 'Record that the partners were told',
  done: 'Safeguarding partners told',
    allowedIn: NOT_FINISHED,
    precondition: 'Telling the safeguarding partners can only be recorded on a case that is still open',
    permission: 'case:write',
    date: { field: 'partnersInformed', label: 'When were the police and the integrated care board told?', hint: 'Within 5 working days of the local authority becoming aware. For example 27 3 2026', notBefore: ['aware'] },
    note: { required: false, label: 'Note (optional)', hint: REASONS_HINT },
  },
  {
    kind: 'step',
    key: 'ofsted-sos-notified',
    title: 'Record the notification to the Secretary of State and Ofsted',
    action: 'Record the notification to the Secretary of State and Ofsted',
  done: 'Secretary of State and Ofsted notified',
    allowedIn: INCIDENT_STATES.filter((s) => s !== 'closed'),
    precondition: 'The notification to the Secretary of State and Ofsted can only be recorded on a case that is not closed',
    permission: 'case:write',
    date: { field: 'ofstedSosNotified', label: 'When were the Secretary of State and Ofsted notified?', hint: 'Within 5 working days of the local authority becoming aware of the death. For example 27 3 2026', notBefore: ['aware'] },
    note: { required: false, label: 'Note (optional)', hint: REASONS_HINT },
  },
  {
    kind: 'step',
    key: 'advance-copy-sent',
    title: 'Record the advance copy of the final report as sent',
    action: 'Record the advance copy as sent',
  done: 'Advance copy of the final report sent',
    allowedIn: ['completed', 'published'],
    precondition: 'The advance copy of the final report can only be recorded once the review is completed',
    permission: 'case:write',
    date: { field: 'advanceCopySent', label: 'When was the final report sent to the Panel, the Secretary of State and Ofsted?', hint: 'At least 7 working days before publication. For example 27 3 2026', notBefore: ['aware', 'completed'] },
    note: { required: false, label: 'Note (optional)', hint: REASONS_HINT },
  },
] satisfies StepDefinition[]);

/** Pausing and resuming a clock (e.g. for parallel criminal proceedings): allowed while the case is open. */
export const CLOCK_CHANGES: Readonly<StepDefinition> = Object.freeze({
  kind: 'step',
  key: 'pause-clock',
  title: 'Pause or resume a clock',
  action: 'Pause',
done: 'Clock paused or resumed',
  allowedIn: NOT_FINISHED,
  precondition: 'Clocks can only be paused or resumed on a case that is still open',
  permission: 'case:write',
  note: { required: true, label: 'Reason', hint: REASONS_HINT },
} satisfies StepDefinition);

export type WorkflowErrorCode = 'unknown' | 'not-permitted' | 'out-of-order' | 'requirement';
export type WorkflowError = { code: WorkflowErrorCode; message: string };
export type WorkflowCheck<T> = { ok: true; definition: T } | { ok: false; error: WorkflowError };

/** Whether the person may use a permission within the incident's partnership. */
export type May = (permission: WorkflowPermission) => boolean;

export function findTransition(key: string, transitions: readonly TransitionDefinition[] = TRANSITIONS): TransitionDefinition | undefined {
  return transitions.find((t) => t.key === key);
}

export function findStep(key: string): StepDefinition | undefined {
  return STEPS.find((s) => s.key === key);
}

function outOfOrder(precondition: string, state: IncidentState): WorkflowError {
  return { code: 'out-of-order', message: `${precondition}: this incident is ${STATES[state].now}.` };
}

function unmet(definition: Recorded, facts: WorkflowFacts): WorkflowError | null {
  const failed = (definition.requires ?? []).find((r) => !r.holds(facts));
  return failed ? { code: 'requirement', message: failed.message } : null;
}

/**
 * May this person take this transition now? Checks, in order: the transition exists, the person
 * holds its permission, the incident is in a state it leaves from, and any extra requirements hold.
 * `transitions` defaults to the workflow's own table.
 */
export function checkTransition(
  state: IncidentState,
  key: string,
  may: May,
  facts: WorkflowFacts = {},
  transitions: readonly TransitionDefinition[] = TRANSITIONS,
): WorkflowCheck<TransitionDefinition> {
  const definition = findTransition(key, transitions);
  if (!definition) return { ok: false, error: { code: 'unknown', message: 'There is no such step in the workflow.' } };
  if (!may(definition.permission)) return { ok: false, error: { code: 'not-permitted', message: 'You do not have permission to do this.' } };
  if (!definition.from.includes(state)) return { ok: false, error: outOfOrder(definition.precondition, state) };
  const failed = unmet(definition, facts);
  return failed ? { ok: false, error: failed } : { ok: true, definition };
}

/** May this person record (or correct) this step now? */
export function checkStep(state: IncidentState, key: string, may: May, facts: WorkflowFacts = {}): WorkflowCheck<StepDefinition> {
  const definition = key === CLOCK_CHANGES.key ? CLOCK_CHANGES : findStep(key);
  if (!definition) return { ok: false, error: { code: 'unknown', message: 'There is no such step in the workflow.' } };
  if (!may(definition.permission)) return { ok: false, error: { code: 'not-permitted', message: 'You do not have permission to do this.' } };
  if (!definition.allowedIn.includes(state)) return { ok: false, error: outOfOrder(definition.precondition, state) };
  const failed = unmet(definition, facts);
  return failed ? { ok: false, error: failed } : { ok: true, definition };
}

/** The transitions this person may take now, in workflow order. */
export function availableTransitions(
  state: IncidentState,
  may: May,
  facts: WorkflowFacts = {},
  transitions: readonly TransitionDefinition[] = TRANSITIONS,
): TransitionDefinition[] {
  return transitions.filter((t) => checkTransition(state, t.key, may, facts, transitions).ok);
}

/** The steps this person may record now. */
export function availableSteps(state: IncidentState, may: May, facts: WorkflowFacts = {}): StepDefinition[] {
  return STEPS.filter((s) => checkStep(state, s.key, may, facts).ok);
}

/** The states reachable from `state` by any transition (whoever takes it). */
export function nextStates(state: IncidentState): IncidentState[] {
  const byTransition = TRANSITIONS.filter((t) => t.from.includes(state)).flatMap((t) => [t.to, ...(t.outcomes ?? [])]);
  // A case awaiting a (changed) decision moves on when the three partners sign it off, or when the
  // Panel decides to hold a national review (from the rapid review's Panel response).
  const bySignOff: IncidentState[] = state === 'decision' ? ['local-review', 'alternative-review', 'no-review', 'national-review'] : [];
  return [...new Set([...byTransition, ...bySignOff])];
}

const CASE_DATE_FIELDS: Partial<Record<WorkflowDate | 'aware', CaseDateField>> = { aware: 'aware', notified: 'notified', decision: 'decision' };

function sentenceStart(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Checks a date recorded for a transition or step against today (London) and the incident's
 * other dates: it cannot be in the future, nor before the dates its question names. The Panel
 * notification and decision dates use the clocks' own checks (validateCaseDates) and messages.
 * Returns the message to show, or null when the date is sound.
 */
export function checkRecordedDate(question: DateQuestion, value: DateOnly, facts: WorkflowFacts, today: DateOnly): string | null {
  const field = CASE_DATE_FIELDS[question.field];
  if (field) {
    const dates: Partial<Record<CaseDateField, DateOnly>> = {};
    for (const [k, f] of Object.entries(CASE_DATE_FIELDS) as [WorkflowDate | 'aware', CaseDateField][]) {
      const v = k === question.field ? value : facts[k];
      if (typeof v === 'string') dates[f] = v;
    }
    const problem = validateCaseDates(dates, today).find((e) => e.field === field);
    if (problem) return problem.message;
  }
  if (compareDates(value, today) > 0) return `${sentenceStart(WORKFLOW_DATE_LABELS[question.field])} cannot be in the future.`;
  for (const earlier of question.notBefore) {
    const other = facts[earlier];
    if (typeof other === 'string' && compareDates(value, other) < 0) {
      return `${sentenceStart(WORKFLOW_DATE_LABELS[question.field])} cannot be before ${WORKFLOW_DATE_LABELS[earlier]} (${formatDateForDisplay(other)}).`;
    }
  }
  return null;
}
