// One decision on a local review: the one the three safeguarding partners sign off inside the rapid
// review. Working Together to Safeguard Children 2023 ch.5: the partners decide, in the rapid review,
// whether to hold a local child safeguarding practice review, and the review is to be completed and
// published within 6 months of that decision. So the signed-off decision — and nothing else — sets
// the case's state and the date the 6-month clock runs from.
//
// Pure: the rapid review feature records the decision and sign-offs; the cases feature stores the
// state and dates this module derives from them.

import type { DateOnly } from '../calendar/date-only.ts';
import type { IncidentState } from './incident-workflow.ts';

/** What the partners may decide in the rapid review. */
export const RAPID_REVIEW_DECISIONS = ['local-review', 'no-local-review', 'national-review', 'alternative-review'] as const;
export type RapidReviewDecision = (typeof RAPID_REVIEW_DECISIONS)[number];

/** The decision as the case keeps it (the national review is the Panel's to decide: none until it has). */
export type CaseReviewDecision = 'local-review' | 'alternative-review' | 'no-review';

/** signedOn: the day the last of the three partners signed it off (sending cannot come before it). */
export type SignedDecision = { decision: RapidReviewDecision; decidedOn: DateOnly; signedOn?: DateOnly | null };

/** The case's own record of the decision: its kind and the date the partners decided (the 6-month clock's start). */
export function caseDecisionOf(signed: SignedDecision): { reviewDecision: CaseReviewDecision | null; decisionOn: DateOnly | null } {
  switch (signed.decision) {
    case 'local-review': return { reviewDecision: 'local-review', decisionOn: signed.decidedOn };
    case 'alternative-review': return { reviewDecision: 'alternative-review', decisionOn: signed.decidedOn };
    case 'no-local-review': return { reviewDecision: 'no-review', decisionOn: signed.decidedOn };
    // Recommending a national review leaves the decision with the Panel: no local clock runs.
    case 'national-review': return { reviewDecision: null, decisionOn: signed.decidedOn };
  }
}

/** The state a case takes once its rapid review is sent with this signed-off decision. */
export function stateAfterSending(decision: RapidReviewDecision): IncidentState {
  switch (decision) {
    case 'local-review': return 'local-review';
    case 'alternative-review': return 'alternative-review';
    case 'no-local-review': return 'no-review';
    case 'national-review': return 'decision';
  }
}

/** States in which the decision stands and may be changed (with the three sign-offs again): from the rapid review until a review is completed. */
export const DECISION_CHANGEABLE_IN: readonly IncidentState[] = ['rapid-review', 'decision', 'local-review', 'alternative-review', 'no-review'];

/** States in which the partners may sign off the decision: in rapid review, or once sent and awaiting a (changed) decision. */
export const SIGN_OFF_IN: readonly IncidentState[] = ['rapid-review', 'decision'];

/**
 * The state a sent case returns to when its decision changes after sign-off: awaiting the decision
 * until the three partners sign off again. Before sending, it stays in rapid review.
 */
export function stateAfterDecisionChange(state: IncidentState): IncidentState {
  return state === 'rapid-review' ? 'rapid-review' : 'decision';
}
