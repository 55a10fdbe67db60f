import { formatDateForDisplay, type DateOnly } from '../calendar/date-only.ts';
import { SIGN_OFF_IN } from '../workflow/decision.ts';

/**
 * Hand-offs: the moments a piece of work passes from one person to another during a review, each
 * opening a task for the people who must act next. Pure rules, no I/O: which kinds there are, whom
 * each is for, what it asks, where to act, and the email that tells of it.
 *
 * The steps are those of Working Together to Safeguard Children 2023, chapter 5 (and the Child
 * Safeguarding Practice Review and Relevant Agency (England) Regulations 2018): in the rapid review
 * the partnership gathers the facts from each agency involved and the business unit reads what they
 * send; the three safeguarding partners together decide, and sign off, whether to hold a local
 * review; the partners commission a reviewer for it; and the agencies carry the review's
 * recommendations into practice, which the partners follow up.
 */

export const TASK_KINDS = ['agency-request-sent', 'agency-request-answered', 'sign-off-awaited', 'reviewer-chosen', 'action-assigned'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export function isTaskKind(value: unknown): value is TaskKind {
  return typeof value === 'string' && (TASK_KINDS as readonly string[]).includes(value);
}

export type AudienceRole = 'partnership-admin' | 'partner-lead' | 'agency-contributor' | 'reviewer';

/** Whom a task is for: one person, or everyone holding a role in the partnership (and agency). */
export type Audience = { userId: string } | { role: AudienceRole; agencyId: string | null };

type KindDefinition = {
  /** The name of the kind, on the settings page. */
  label: string;
  /** Who gets it, in plain words (the settings page). */
  forWhom: string;
  /** What the person must do: the task's line on the dashboard. */
  what: string;
  /** The words of the link to where the work is done. */
  act: string;
  /** How the task ends. */
  doneWhen: string;
  /** The email's first sentence, naming the case by its reference only. */
  opening: (reference: string) => string;
};

export const TASK_DEFINITIONS: Readonly<Record<TaskKind, KindDefinition>> = Object.freeze({
  'agency-request-sent': {
    label: 'A request for information sent to your agency',
    forWhom: 'Agency contributors of the agency asked',
    what: 'Send your agency’s summary of its involvement',
    act: 'Answer the request',
    doneWhen: 'when someone of your agency sends the answer',
    opening: (reference) => `The partnership has asked your agency for a summary of its involvement in case ${reference}, for the rapid review.`,
  },
  'agency-request-answered': {
    label: 'An agency’s answer to a request',
    forWhom: 'The partnership’s business unit',
    what: 'Read the agency’s answer',
    act: 'Read the answer',
    doneWhen: 'when someone of the business unit opens the answer',
    opening: (reference) => `An agency has answered the partnership’s request for information in case ${reference}.`,
  },
  'sign-off-awaited': {
    label: 'A rapid review decision awaiting your sign-off',
    forWhom: 'Each statutory partner lead whose sign-off is awaited',
    what: 'Sign off the rapid review decision',
    act: 'Sign off the decision',
    doneWhen: 'when the lead of your statutory partner signs the decision off',
    opening: (reference) => `The rapid review decision in case ${reference} awaits the sign-off of your statutory partner.`,
  },
  'reviewer-chosen': {
    label: 'A review you have been chosen to lead',
    forWhom: 'The independent reviewer chosen',
    what: 'Start the review you lead',
    act: 'Open the review',
    doneWhen: 'when the review’s log or a report version is added to, or another reviewer is chosen',
    opening: (reference) => `You have been chosen as the lead reviewer of the review in case ${reference}.`,
  },
  'action-assigned': {
    label: 'An action from a review assigned to your agency',
    forWhom: 'Agency contributors of the agency that owns the action',
    what: 'Record progress on your agency’s action',
    act: 'Open the action',
    doneWhen: 'when someone records a step on the action, or it passes to another agency',
    opening: (reference) => `An action from the review of ${reference} has been assigned to your agency.`,
  },
});

/** The role whose holders get each kind: what the settings page offers a person. */
export const KIND_ROLES: Readonly<Record<TaskKind, AudienceRole>> = Object.freeze({
  'agency-request-sent': 'agency-contributor',
  'agency-request-answered': 'partnership-admin',
  'sign-off-awaited': 'partner-lead',
  'reviewer-chosen': 'reviewer',
  'action-assigned': 'agency-contributor',
});

/** The kinds of task a person with these roles can be handed. */
export function kindsForRoles(roles: readonly string[]): TaskKind[] {
  return TASK_KINDS.filter((k) => roles.includes(KIND_ROLES[k]));
}

export const DELIVERY_MODES = ['immediate', 'digest'] as const;
export type DeliveryMode = (typeof DELIVERY_MODES)[number];
export const DELIVERY_LABELS: Readonly<Record<DeliveryMode, string>> = Object.freeze({
  immediate: 'An email at once',
  digest: 'In one email a day',
});

export function isDeliveryMode(value: unknown): value is DeliveryMode {
  return typeof value === 'string' && (DELIVERY_MODES as readonly string[]).includes(value);
}

/** The time (London) from which each day's digest goes: the start of a working day. */
export const DIGEST_HOUR = 7;

/** The hour of the day in London at `now`. */
export function londonHour(now: Date): number {
  return Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', hourCycle: 'h23' }).format(now));
}

/** May today's digests go now? From 07:00 London time; once a day is the outbox's own rule. */
export function digestTime(now: Date): boolean {
  return londonHour(now) >= DIGEST_HOUR;
}

/** Where a task's work is done: a path of this service. */
export function taskLink(task: { kind: TaskKind; subjectId: string; incidentId: string | null }): string {
  switch (task.kind) {
    case 'agency-request-sent':
      return `/agency-requests/${task.subjectId}`;
    case 'agency-request-answered':
      return `/cases/${task.incidentId}/rapid-review/requests/${task.subjectId}`;
    case 'sign-off-awaited':
      return `/cases/${task.incidentId}/rapid-review/sign-off`;
    case 'reviewer-chosen':
      return `/cases/${task.incidentId}/review`;
    case 'action-assigned':
      return `/actions/${task.subjectId}`;
  }
}

export type Grant = { role: string; partnershipId: string | null; agencyId: string | null };

/**
 * Is the task for this person? Theirs by name, or by a role they hold in the task's partnership
 * (and, for an agency's task, in that agency: a role in another agency does not count).
 */
export function isTaskFor(
  task: { partnershipId: string; forUserId: string | null; forRole: string | null; forAgencyId: string | null },
  person: { userId: string; grants: readonly Grant[] },
): boolean {
  if (task.forUserId) return task.forUserId === person.userId;
  return person.grants.some(
    (g) => g.role === task.forRole && g.partnershipId === task.partnershipId && (task.forAgencyId === null || g.agencyId === task.forAgencyId),
  );
}

/**
 * Can the task's work still be done in the case's state? A request can be answered only while the
 * rapid review runs, and a decision signed off only then or once sent while it awaits sign-off: a
 * case that moved on (closed, say) leaves nothing to do, so its task is no longer shown nor emailed.
 */
export function actionableIn(kind: TaskKind, state: string | null): boolean {
  if (kind === 'agency-request-sent') return state === 'rapid-review';
  if (kind === 'sign-off-awaited') return state !== null && (SIGN_OFF_IN as readonly string[]).includes(state);
  return true;
}

/** The statutory partners whose sign-off is still awaited (WT 2023 chapter 5: the three partners decide together, so each signs the decision off). */
export function awaitedPartners<P extends string>(partners: readonly P[], signed: readonly P[]): P[] {
  return partners.filter((p) => !signed.includes(p));
}

export type MailText = { subject: string; text: string };

const NO_DETAILS = 'This email names the case by its reference only. Sign in to see its details.';

/** The email of one hand-off: the case reference, the date, a link; never a name or a pseudonym. */
export function taskEmail(kind: TaskKind, item: { reference: string; dueOn: DateOnly | null; link: string }): MailText {
  const d = TASK_DEFINITIONS[kind];
  return {
    subject: `${d.what}: ${item.reference}`,
    text: [
      d.opening(item.reference),
      '',
      `Case: ${item.reference}`,
      ...(item.dueOn ? [`By: ${formatDateForDisplay(item.dueOn)}`] : []),
      '',
      `${d.act}: ${item.link}`,
      '',
      NO_DETAILS,
      'You can choose to get these emails at once or in one email a day in your account settings.',
    ].join('\n'),
  };
}

/** One person's daily digest: every task handed to them since the last, by kind. */
export function digestEmail(items: { kind: TaskKind; reference: string; dueOn: DateOnly | null; link: string }[], dashboard: string): MailText {
  const lines: string[] = [`${items.length === 1 ? 'One task was' : `${items.length} tasks were`} handed to you since your last digest.`, ''];
  for (const kind of TASK_KINDS) {
    const theirs = items.filter((i) => i.kind === kind);
    if (!theirs.length) continue;
    lines.push(`${TASK_DEFINITIONS[kind].what} (${theirs.length}):`);
    for (const i of theirs) lines.push(`- ${i.reference}${i.dueOn ? `, by ${formatDateForDisplay(i.dueOn)}` : ''}\n  ${i.link}`);
    lines.push('');
  }
  lines.push(`Your tasks: ${dashboard}`, '', 'This email names cases by their reference only. Sign in to see their details.');
  return { subject: `Your tasks: ${items.length} new`, text: lines.join('\n') };
}
