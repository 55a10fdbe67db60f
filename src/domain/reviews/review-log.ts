// The log kept while a review is conducted, as data: each kind of entry (milestone, practitioner
// event, contact with the family, the partners' monitoring of time and quality, delay) with its
// questions and the checks its answers must pass. One form and one table serve every kind; a new
// kind is a new entry here. Pure: no I/O.

import { compareDates, formatDateForDisplay, type DateOnly } from '../calendar/date-only.ts';
import { stepDateProblem } from '../workflow/step-dates.ts';

export const ENTRY_KINDS = ['milestone', 'practitioner-event', 'family-contact', 'monitoring', 'delay'] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

export function isEntryKind(value: unknown): value is EntryKind {
  return typeof value === 'string' && (ENTRY_KINDS as readonly string[]).includes(value);
}

/** A choice question: options with labels, stored by key in the entry's details. */
export type ChoiceQuestion = { name: string; label: string; hint?: string; options: Readonly<Record<string, string>>; required: boolean };
/** A yes/no question shown as a single checkbox. */
export type FlagQuestion = { name: string; label: string; hint?: string };
/** A short, non-identifying text stored in the details (roles, titles — never names). */
export type ShortTextQuestion = { name: string; label: string; hint?: string; required: boolean; max: number };

export type EntryDefinition = {
  kind: EntryKind;
  /** Section heading on the review page, e.g. "Practitioner events". */
  heading: string;
  /** Page heading and button text, e.g. "Add a practitioner event". */
  add: string;
  /** Who may add it: the business unit only, or the assigned reviewer too. */
  reviewerMayAdd: boolean;
  date: { label: string; hint: string; future: 'allowed' | 'refused'; missing: string };
  /** A second date: a milestone met, a delay ended. */
  doneDate?: { label: string; hint: string };
  /** A further date the entry records in its details (the Panel told of a delay). */
  extraDate?: { name: string; label: string; hint: string };
  /** Another such date (the Secretary of State told of a delay). */
  sosDate?: { name: string; label: string; hint: string };
  shortText?: ShortTextQuestion;
  choices: readonly ChoiceQuestion[];
  flags: readonly FlagQuestion[];
  notes: { label: string; hint: string; required: boolean };
};

const NOTES_HINT = 'Use the child’s pseudonym and people’s roles, not names. Notes are stored encrypted.';

const DEFINITIONS: Record<EntryKind, EntryDefinition> = {
  milestone: {
    kind: 'milestone',
    heading: 'Milestones',
    add: 'Add a milestone',
    reviewerMayAdd: true,
    date: { label: 'When is it due?', hint: 'For example 27 3 2026', future: 'allowed', missing: 'Enter the date the milestone is due' },
    doneDate: { label: 'When was it met? (optional)', hint: 'Leave blank while it is still to come' },
    shortText: { name: 'title', label: 'Milestone', hint: 'For example “Terms of reference agreed” or “Draft report to partners”', required: true, max: 200 },
    choices: [],
    flags: [],
    notes: { label: 'Notes (optional)', hint: NOTES_HINT, required: false },
  },
  'practitioner-event': {
    kind: 'practitioner-event',
    heading: 'Practitioner events',
    add: 'Add a practitioner event',
    reviewerMayAdd: true,
    date: { label: 'When is or was it held?', hint: 'For example 27 3 2026', future: 'allowed', missing: 'Enter the date of the event' },
    shortText: { name: 'attendees', label: 'Who takes part', hint: 'Roles and agencies, for example “health visitor, social worker, GP practice manager”', required: true, max: 1000 },
    choices: [
      {
        name: 'format',
        label: 'Format',
        options: { 'learning-event': 'Learning event (group)', 'individual-conversation': 'Individual conversation', 'written-questions': 'Written questions', other: 'Other' },
        required: true,
      },
    ],
    flags: [],
    notes: { label: 'What was learned (optional)', hint: NOTES_HINT, required: false },
  },
  'family-contact': {
    kind: 'family-contact',
    heading: 'Family engagement',
    add: 'Record contact with the family',
    reviewerMayAdd: true,
    date: { label: 'When?', hint: 'For example 27 3 2026', future: 'refused', missing: 'Enter the date of the contact' },
    shortText: { name: 'with', label: 'With whom', hint: 'Their relationship to the child, for example “mother” or “grandparent”', required: true, max: 200 },
    choices: [
      {
        name: 'contact',
        label: 'What happened',
        options: {
          'invited': 'Invited to take part',
          'met': 'Met the reviewer',
          'update': 'Given an update',
          'draft-shared': 'Shown the draft report',
          'declined': 'Declined to take part',
          other: 'Other',
        },
        required: true,
      },
    ],
    flags: [],
    notes: { label: 'Notes', hint: NOTES_HINT, required: true },
  },
  monitoring: {
    kind: 'monitoring',
    heading: 'Monitoring of time and quality',
    add: 'Record a monitoring check',
    reviewerMayAdd: false,
    date: { label: 'When did the partners check?', hint: 'For example 27 3 2026', future: 'refused', missing: 'Enter the date of the check' },
    choices: [
      {
        name: 'time',
        label: 'Time: is the review on course to be completed and published on time?',
        options: { 'on-track': 'On track', 'at-risk': 'At risk', late: 'Will be late' },
        required: true,
      },
      {
        name: 'quality',
        label: 'Quality of the work so far',
        options: { good: 'Good', 'needs-improvement': 'Needs improvement', inadequate: 'Inadequate' },
        required: true,
      },
    ],
    flags: [
      {
        name: 'regulation14',
        label: 'The partners asked the reviewer in writing for information or a draft (regulation 14)',
      },
    ],
    notes: { label: 'Findings and actions agreed', hint: NOTES_HINT, required: true },
  },
  delay: {
    kind: 'delay',
    heading: 'Delays',
    add: 'Record a delay',
    reviewerMayAdd: false,
    date: { label: 'When did the delay start?', hint: 'For example 27 3 2026', future: 'refused', missing: 'Enter the date the delay started' },
    doneDate: { label: 'When did it end? (optional)', hint: 'Leave blank while it continues' },
    extraDate: { name: 'panelToldOn', label: 'When was the Panel told? (optional)', hint: 'The Panel must be told of delays and the reasons' },
    sosDate: { name: 'sosToldOn', label: 'When was the Secretary of State told? (optional)', hint: 'The Secretary of State must be told of delays and the reasons too' },
    choices: [
      {
        name: 'reason',
        label: 'Reason',
        options: {
          'criminal-proceedings': 'Parallel criminal proceedings',
          inquest: 'An inquest',
          family: 'Waiting for the family',
          'agency-information': 'Waiting for agency information',
          reviewer: 'Reviewer availability',
          other: 'Other',
        },
        required: true,
      },
    ],
    flags: [],
    notes: { label: 'Reasons in more detail', hint: 'To record the delay on the 6 month clock, pause it on the case page: its original due date still measures timeliness. ' + NOTES_HINT, required: true },
  },
};

export const ENTRY_DEFINITIONS: Readonly<Record<EntryKind, EntryDefinition>> = Object.freeze(DEFINITIONS);

/** What a person sent for an entry, already parsed: dates as DateOnly (or null when blank), texts trimmed. */
export type EntryInput = {
  onDate: DateOnly | null;
  doneOn: DateOnly | null;
  extraDate: DateOnly | null;
  /** The Secretary of State told (a delay). */
  sosToldOn?: DateOnly | null;
  shortText: string;
  choices: Readonly<Record<string, string>>;
  flags: Readonly<Record<string, boolean>>;
  notes: string;
};

export type EntryProblem = { field: string; message: string };

/** The entry's details as stored (non-identifying): short text, choices, flags, the extra date. */
export function entryDetails(definition: EntryDefinition, input: EntryInput): Record<string, string | boolean> {
  const details: Record<string, string | boolean> = {};
  if (definition.shortText) details[definition.shortText.name] = input.shortText;
  for (const c of definition.choices) if (input.choices[c.name]) details[c.name] = input.choices[c.name];
  for (const f of definition.flags) details[f.name] = Boolean(input.flags[f.name]);
  if (definition.extraDate && input.extraDate) details[definition.extraDate.name] = input.extraDate;
  if (definition.sosDate && input.sosToldOn) details[definition.sosDate.name] = input.sosToldOn;
  return details;
}

/**
 * Checks an entry against its definition and the review's dates: required answers, known choices,
 * dates not in the future where they cannot be, an end not before its start, and nothing dated
 * before the decision to hold the review (the review did not exist then).
 */
export function checkEntry(definition: EntryDefinition, input: EntryInput, context: { today: DateOnly; decisionOn: DateOnly | null }): EntryProblem[] {
  const problems: EntryProblem[] = [];
  const { today, decisionOn } = context;
  if (!input.onDate) problems.push({ field: 'onDate', message: definition.date.missing });
  else {
    if (definition.date.future === 'refused' && compareDates(input.onDate, today) > 0) problems.push({ field: 'onDate', message: 'The date cannot be in the future' });
    if (decisionOn && compareDates(input.onDate, decisionOn) < 0 && definition.kind !== 'milestone') {
      problems.push({ field: 'onDate', message: `The date cannot be before the decision to hold the review (${formatDateForDisplay(decisionOn)})` });
    }
  }
  if (input.doneOn) {
    if (!definition.doneDate) problems.push({ field: 'doneOn', message: 'This entry has no end date' });
    else {
      const done = doneDateProblem(definition.kind, input.doneOn, today, { onDate: input.onDate, decisionOn });
      if (done) problems.push({ field: 'doneOn', message: done });
    }
  }
  if (input.extraDate && definition.extraDate) {
    if (compareDates(input.extraDate, today) > 0) problems.push({ field: definition.extraDate.name, message: 'The date the Panel was told cannot be in the future' });
    else if (input.onDate && compareDates(input.extraDate, input.onDate) < 0) problems.push({ field: definition.extraDate.name, message: 'The Panel cannot have been told before the delay started' });
  }
  if (input.sosToldOn && definition.sosDate) {
    if (compareDates(input.sosToldOn, today) > 0) problems.push({ field: definition.sosDate.name, message: 'The date the Secretary of State was told cannot be in the future' });
    else if (input.onDate && compareDates(input.sosToldOn, input.onDate) < 0) problems.push({ field: definition.sosDate.name, message: 'The Secretary of State cannot have been told before the delay started' });
  }
  const short = definition.shortText;
  if (short) {
    if (short.required && input.shortText.length === 0) problems.push({ field: short.name, message: `Enter ${short.label.toLowerCase()}` });
    else if (input.shortText.length > short.max) problems.push({ field: short.name, message: `${short.label} must be ${short.max} characters or fewer` });
  }
  for (const c of definition.choices) {
    const value = input.choices[c.name];
    if (!value) {
      if (c.required) problems.push({ field: c.name, message: `Select ${c.label.split(':')[0].toLowerCase()}` });
    } else if (!Object.hasOwn(c.options, value)) problems.push({ field: c.name, message: `Select one of the options for ${c.label.split(':')[0].toLowerCase()}` });
  }
  if (definition.notes.required && input.notes.length === 0) problems.push({ field: 'notes', message: `Enter ${definition.notes.label.toLowerCase()}` });
  else if (input.notes.length > 10_000) problems.push({ field: 'notes', message: 'Notes must be 10,000 characters or fewer' });
  return problems;
}

/**
 * The day a milestone was met or a delay ended, as it happened: not in the future, not before the
 * decision to hold the review (there was no review to meet milestones of), and a delay not before
 * it started. A milestone may be met before it was due. Null when the day is sound.
 */
export function doneDateProblem(kind: EntryKind, doneOn: DateOnly | null, today: DateOnly, dates: { onDate: DateOnly | null; decisionOn: DateOnly | null }): string | null {
  return stepDateProblem(kind === 'delay' ? 'the date the delay ended' : 'the date the milestone was met', doneOn, today, [
    { date: dates.decisionOn, label: 'the date of the decision to hold the review' },
    ...(kind === 'delay' ? [{ date: dates.onDate, label: 'the date the delay started' }] : []),
  ]);
}

/** A milestone still to come whose due date has passed. */
export function milestoneOverdue(entry: { kind: EntryKind; onDate: DateOnly; doneOn: DateOnly | null }, today: DateOnly): boolean {
  return entry.kind === 'milestone' && entry.doneOn === null && compareDates(entry.onDate, today) < 0;
}

/** Delays not yet reported to the Panel or the Secretary of State: the partners must tell both of every delay. */
export function delaysNotReported(entries: readonly { kind: EntryKind; details: Readonly<Record<string, unknown>> }[]): number {
  return entries.filter((e) => e.kind === 'delay' && (!e.details.panelToldOn || !e.details.sosToldOn)).length;
}

/** How the case timeline names the review's events (written by the reviews feature). */
export const REVIEW_EVENT_LABELS: Readonly<Record<string, string>> = Object.freeze({
  'review-reviewer-assigned': 'Lead reviewer assigned',
  'review-terms': 'Terms of reference changed',
  'review-entry': 'Review log entry added',
  'review-entry-done': 'Review log entry updated',
  'review-report': 'Report version added',
  'review-publication-decision': 'Publication decision recorded',
  'publication-draft': 'Texts to publish saved',
  'anonymisation-override': 'Anonymisation finding overridden with a reason',
});
