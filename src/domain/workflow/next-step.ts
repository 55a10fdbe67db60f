// What the case page offers first: the next statutory step, never closing the case.
//
// During a rapid review the only transition on the case page that is usually open is "Close the
// case" (sending the rapid review waits for the three partners' sign-offs), so a page that made the
// first open transition its main button invited people to close a case that was in the middle of
// its statutory work. The main action is instead the step the process expects next (Working
// Together 2023, chapter 5: notify the Panel within 5 working days, hold the rapid review within 15,
// the partners decide, the review, publication); when that step is recorded on another page (the
// rapid review, the review, the publishing check), the main action leads there.
//
// Pure: no I/O.

import type { IncidentState } from './incident-workflow.ts';

/** Transitions that end or set aside the case's statutory work: offered, but never as the main action. */
export const SETTING_ASIDE: ReadonlySet<string> = new Set(['close', 'not-notifiable']);

/** Where the next statutory step is recorded when it is not a transition on the case page. */
export type WorkPage = { text: string; path: 'rapid-review' | 'review' | 'review/publish' };

const WORK_PAGES: Partial<Record<IncidentState, WorkPage>> = {
  'rapid-review': { text: 'Continue the rapid review', path: 'rapid-review' },
  decision: { text: 'Go to the rapid review decision and sign-off', path: 'rapid-review' },
  'local-review': { text: 'Continue the review', path: 'review' },
  'alternative-review': { text: 'Continue the review', path: 'review' },
  completed: { text: 'Check and publish the review', path: 'review/publish' },
};

export type CaseActions<T extends { key: string }> = {
  /** The main action: a transition the person may take now, or the page where the next step is recorded. */
  primary: { kind: 'transition'; transition: T } | { kind: 'page'; page: WorkPage } | null;
  /** Every other transition open to the person, the setting-aside ones last. */
  others: T[];
};

/**
 * Orders what the case page offers. `transitions` are those the person may take now (in the
 * workflow's order); `mayWork` says whether the person may record the work on the state's work page.
 * The main action is the first transition that moves the statutory process on; failing that, the page
 * where the next step is recorded; never a setting-aside transition (it stays offered, last).
 */
export function caseActions<T extends { key: string }>(state: IncidentState, transitions: readonly T[], mayWork: boolean): CaseActions<T> {
  const forward = transitions.filter((t) => !SETTING_ASIDE.has(t.key));
  const aside = transitions.filter((t) => SETTING_ASIDE.has(t.key));
  const [first, ...rest] = forward;
  if (first) return { primary: { kind: 'transition', transition: first }, others: [...rest, ...aside] };
  const page = WORK_PAGES[state];
  if (page && mayWork) return { primary: { kind: 'page', page }, others: aside };
  return { primary: null, others: aside };
}
