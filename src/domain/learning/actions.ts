import { compareDates, daysBetween, type DateOnly } from '../calendar/date-only.ts';

/**
 * Learning into practice: what a partnership does with a review's recommendations.
 *
 * Working Together to Safeguard Children 2023, chapter 5 (learning from serious child safeguarding
 * incidents): partnerships publish reviews and their recommendations, say "how and within what
 * timescales they will be acted on, and what is expected to change", and "regularly audit progress
 * on the implementation of recommended improvements". Each recommendation therefore carries the
 * partnership's response, and each of its actions an owner, a due date, the intended change and how
 * success will be measured, moving through the statuses below with evidence at each step and the
 * statutory partners' leads signing off (or sending back) what agencies say they have done.
 */

export type Problem = { field: string; message: string };

// ---- The partnership's response to a recommendation -------------------------------------------

export const RESPONSES = ['accepted', 'accepted-in-part', 'not-accepted'] as const;
export type Response = (typeof RESPONSES)[number];
export const RESPONSE_LABELS: Readonly<Record<Response, string>> = Object.freeze({
  accepted: 'Accepted',
  'accepted-in-part': 'Accepted in part',
  'not-accepted': 'Not accepted',
});

export function isResponse(value: unknown): value is Response {
  return typeof value === 'string' && (RESPONSES as readonly string[]).includes(value);
}

/** A response other than full acceptance must say why: the partnership answers for what it will not do. */
export function responseProblems(response: string | null, reasons: string): Problem[] {
  if (response === null || response === '') return [];
  if (!isResponse(response)) return [{ field: 'response', message: 'Select the partnership’s response' }];
  if (response !== 'accepted' && !reasons.trim()) {
    return [{ field: 'responseReasons', message: response === 'not-accepted' ? 'Say why the recommendation is not accepted' : 'Say which parts are not accepted and why' }];
  }
  return [];
}

// ---- Actions and their statuses ----------------------------------------------------------------

export const ACTION_STATUSES = ['not-started', 'in-progress', 'completed', 'impact-evaluated', 'closed'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];
export const ACTION_STATUS_LABELS: Readonly<Record<ActionStatus, string>> = Object.freeze({
  'not-started': 'Not started',
  'in-progress': 'In progress',
  completed: 'Completed',
  'impact-evaluated': 'Impact evaluated',
  closed: 'Closed',
});

export function isActionStatus(value: unknown): value is ActionStatus {
  return typeof value === 'string' && (ACTION_STATUSES as readonly string[]).includes(value);
}

/** Still to be done or signed off: counted in the assurance view. Closed is the only end. */
export function isOpen(status: ActionStatus): boolean {
  return status !== 'closed';
}

/**
 * Steps an action takes. The owning agency (or the business unit for it) starts, completes and
 * evaluates the impact; a statutory partner's lead closes (signs off) or sends back.
 */
export const ACTION_STEPS = ['note', 'start', 'complete', 'evaluate', 'close', 'send-back'] as const;
export type ActionStep = (typeof ACTION_STEPS)[number];
export type StepRole = 'owner' | 'lead';

export const STEP_LABELS: Readonly<Record<ActionStep, string>> = Object.freeze({
  note: 'Add a progress update',
  start: 'Mark as in progress',
  complete: 'Mark as completed, with the evidence',
  evaluate: 'Record the impact, with the evidence',
  close: 'Sign off and close',
  'send-back': 'Send back, with reasons',
});

type StepRule = { from: readonly ActionStatus[]; to: ActionStatus | null; by: StepRole };

const STEP_RULES: Readonly<Record<ActionStep, StepRule>> = Object.freeze({
  note: { from: ['not-started', 'in-progress', 'completed', 'impact-evaluated'], to: null, by: 'owner' },
  start: { from: ['not-started'], to: 'in-progress', by: 'owner' },
  complete: { from: ['in-progress'], to: 'completed', by: 'owner' },
  evaluate: { from: ['completed'], to: 'impact-evaluated', by: 'owner' },
  close: { from: ['impact-evaluated'], to: 'closed', by: 'lead' },
  'send-back': { from: ['completed', 'impact-evaluated'], to: 'in-progress', by: 'lead' },
});

export function isActionStep(value: unknown): value is ActionStep {
  return typeof value === 'string' && (ACTION_STEPS as readonly string[]).includes(value);
}

/** The steps open to someone acting as `role` on an action at `status`. */
export function stepsFrom(status: ActionStatus, role: StepRole): ActionStep[] {
  return ACTION_STEPS.filter((s) => STEP_RULES[s].by === role && STEP_RULES[s].from.includes(status));
}

export type StepInput = {
  /** The progress update, the evidence of completion, or the reasons for sending back. */
  text: string;
  /** What changed for children and families, for an impact evaluation. */
  whatChanged: string;
  /**
   * Files kept as evidence of completion: those already attached to the action and any uploaded
   * with this step. Absent counts as none, so a caller that forgets them cannot complete an action.
   */
  evidenceFiles?: number;
};

export const COMPLETION_FILE_REQUIRED = 'Attach at least one file as evidence that the action is completed: a PDF, Word document (.docx), Excel spreadsheet (.xlsx), or PNG or JPEG image, up to 10 MB';

export type StepOutcome = { ok: true; to: ActionStatus } | { ok: false; problems: Problem[] };

const MAX_TEXT = 10_000;

/**
 * Whether `step` may be taken on an action at `status` by someone acting as `role`, and the status
 * it leads to. Completion needs its evidence in words and at least one file ("completed (evidence
 * required: text and files)"); an impact evaluation needs what changed and the evidence of it in
 * words (files there are welcome but not required: much of that evidence is what practitioners and
 * families say); sending back needs the lead's reasons. An agency's word alone does not close a
 * recommendation.
 */
export function checkStep(status: ActionStatus, step: string, role: StepRole, input: StepInput): StepOutcome {
  if (!isActionStep(step)) return { ok: false, problems: [{ field: 'step', message: 'Select what you are recording' }] };
  const rule = STEP_RULES[step];
  if (rule.by !== role) {
    return { ok: false, problems: [{ field: 'step', message: rule.by === 'lead' ? 'Only a statutory partner’s lead can sign off or send back an action' : 'Only the agency that owns the action (or the business unit) can record its progress' }] };
  }
  if (!rule.from.includes(status)) {
    return { ok: false, problems: [{ field: 'step', message: `This cannot be done to an action that is ${ACTION_STATUS_LABELS[status].toLowerCase()}` }] };
  }
  const problems: Problem[] = [];
  const text = input.text.trim();
  if (step === 'note' && !text) problems.push({ field: 'text', message: 'Enter the progress update' });
  if (step === 'complete' && !text) problems.push({ field: 'text', message: 'Enter the evidence that the action is completed' });
  if (step === 'complete' && !((input.evidenceFiles ?? 0) > 0)) problems.push({ field: 'file', message: COMPLETION_FILE_REQUIRED });
  if (step === 'evaluate') {
    if (!input.whatChanged.trim()) problems.push({ field: 'whatChanged', message: 'Say what changed as a result of the action' });
    if (!text) problems.push({ field: 'text', message: 'Enter the evidence of the impact: audit results, figures, what practitioners and families say' });
  }
  if (step === 'send-back' && !text) problems.push({ field: 'text', message: 'Enter the reasons for sending the action back' });
  if (input.text.length > MAX_TEXT) problems.push({ field: 'text', message: 'The text must be 10,000 characters or fewer' });
  if (input.whatChanged.length > MAX_TEXT) problems.push({ field: 'whatChanged', message: 'What changed must be 10,000 characters or fewer' });
  if (problems.length) return { ok: false, problems };
  return { ok: true, to: rule.to ?? status };
}

// ---- RAG by due date ---------------------------------------------------------------------------

export type Rag = 'red' | 'amber' | 'green';
export const RAG_LABELS: Readonly<Record<Rag, string>> = Object.freeze({ red: 'Overdue', amber: 'Due soon', green: 'On track' });
/** Days before the due date at which an action turns amber. */
export const AMBER_DAYS = 14;

/**
 * Red when the due date has passed, amber when it falls within `amberDays`, green otherwise. An
 * action that is completed (or further on) has met its date: it is not rated, whatever the date.
 */
export function ragOf(status: ActionStatus, dueOn: DateOnly, today: DateOnly, amberDays = AMBER_DAYS): Rag | null {
  if (status === 'completed' || status === 'impact-evaluated' || status === 'closed') return null;
  const days = daysBetween(today, dueOn);
  if (days < 0) return 'red';
  if (days <= amberDays) return 'amber';
  return 'green';
}

export function isOverdue(status: ActionStatus, dueOn: DateOnly, today: DateOnly): boolean {
  return ragOf(status, dueOn, today) === 'red';
}

// ---- Defining an action ------------------------------------------------------------------------

export type ActionDefinition = {
  agencyId: string;
  leadName: string;
  dueOn: DateOnly | null;
  intendedChange: string;
  measureOfSuccess: string;
};

/** An action says who will do what by when, what should change and how the partnership will know (WT 2023 ch. 5). */
export function actionProblems(input: ActionDefinition, recommendationOn: DateOnly, agencyIds: readonly string[]): Problem[] {
  const problems: Problem[] = [];
  if (!agencyIds.includes(input.agencyId)) problems.push({ field: 'agencyId', message: 'Select the agency that owns the action' });
  if (!input.leadName.trim()) problems.push({ field: 'leadName', message: 'Enter the name of the action’s lead' });
  else if (input.leadName.length > 200) problems.push({ field: 'leadName', message: 'The lead’s name must be 200 characters or fewer' });
  if (!input.dueOn) problems.push({ field: 'dueOn', message: 'Enter the date the action is due' });
  else if (compareDates(input.dueOn, recommendationOn) < 0) problems.push({ field: 'dueOn', message: 'The due date cannot be before the date of the recommendation' });
  if (!input.intendedChange.trim()) problems.push({ field: 'intendedChange', message: 'Enter the change the action is meant to bring about' });
  else if (input.intendedChange.length > MAX_TEXT) problems.push({ field: 'intendedChange', message: 'The intended change must be 10,000 characters or fewer' });
  if (!input.measureOfSuccess.trim()) problems.push({ field: 'measureOfSuccess', message: 'Enter how success will be measured' });
  else if (input.measureOfSuccess.length > MAX_TEXT) problems.push({ field: 'measureOfSuccess', message: 'How success will be measured must be 10,000 characters or fewer' });
  return problems;
}

export type RecommendationDefinition = {
  number: string;
  text: string;
  madeOn: DateOnly | null;
  themes: string[];
  agencyIds: string[];
  response: string | null;
  responseReasons: string;
};

/** What is wrong with a recommendation, given the themes and agencies known and today (a recommendation is not dated in the future). */
export function recommendationProblems(input: RecommendationDefinition, knownThemes: readonly string[], knownAgencies: readonly string[], today: DateOnly): Problem[] {
  const problems: Problem[] = [];
  if (!input.number.trim()) problems.push({ field: 'number', message: 'Enter the recommendation’s number, as in the report' });
  else if (input.number.length > 20) problems.push({ field: 'number', message: 'The number must be 20 characters or fewer' });
  if (!input.text.trim()) problems.push({ field: 'text', message: 'Enter the text of the recommendation' });
  else if (input.text.length > MAX_TEXT) problems.push({ field: 'text', message: 'The recommendation must be 10,000 characters or fewer' });
  if (!input.madeOn) problems.push({ field: 'madeOn', message: 'Enter the date of the recommendation' });
  else if (compareDates(input.madeOn, today) > 0) problems.push({ field: 'madeOn', message: 'The date of the recommendation cannot be in the future' });
  if (input.themes.some((t) => !knownThemes.includes(t))) problems.push({ field: 'themes', message: 'Select themes from the list' });
  if (input.agencyIds.length === 0) problems.push({ field: 'agencyIds', message: 'Select the agencies the recommendation is for' });
  else if (input.agencyIds.some((a) => !knownAgencies.includes(a))) problems.push({ field: 'agencyIds', message: 'Select agencies of the partnership' });
  problems.push(...responseProblems(input.response, input.responseReasons));
  return problems;
}

// ---- A recommendation's current status, as published -------------------------------------------

export type RecommendationProgress = { label: string; done: number; total: number };

/**
 * The status a recommendation is published with (the partnership publishes "all reviews and their
 * recommendations" and how they are acted on): not accepted; no actions agreed yet; how many of its
 * actions are completed; or completed and signed off once every action is closed.
 */
export function recommendationProgress(response: Response | null, statuses: readonly ActionStatus[]): RecommendationProgress {
  const total = statuses.length;
  const done = statuses.filter((s) => s === 'completed' || s === 'impact-evaluated' || s === 'closed').length;
  if (response === 'not-accepted') return { label: 'Not accepted', done, total };
  if (total === 0) return { label: 'Actions not yet agreed', done, total };
  if (statuses.every((s) => s === 'closed')) return { label: 'Completed and signed off', done, total };
  return { label: `In progress: ${done} of ${total} ${total === 1 ? 'action' : 'actions'} completed`, done, total };
}
