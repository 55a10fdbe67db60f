/** How the case timeline names the rapid review's events (written by the rapid review feature). */
export const RAPID_REVIEW_EVENT_LABELS: Readonly<Record<string, string>> = Object.freeze({
  'agency-requests-sent': 'Requests sent to agencies',
  'agency-request-answered': 'An agency answered its request',
  'rapid-review-meeting': 'Rapid review meeting recorded',
  'rapid-review-record': 'Rapid review record changed',
  'rapid-review-decision': 'Rapid review decision recorded',
  'rapid-review-sign-offs-cleared': 'Sign-offs cleared because the decision changed',
  'rapid-review-signed-off': 'Rapid review decision signed off',
  'rapid-review-decision-signed': 'Decision signed off by all three partners: it is the case’s decision',
  'rapid-review-decision-reopened': 'Decision changed after sign-off: awaiting the partners’ sign-offs again',
  // Cases recorded before the decision became one record.
  'decide-local-review': 'Decided to hold a local review',
  'decide-alternative-review': 'Decided to hold an alternative review',
  'decide-no-review': 'Decided not to hold a review',
  'rapid-review-panel-response': 'The Panel’s response recorded',
});
