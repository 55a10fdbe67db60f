/** How the case timeline names the rapid review's events (written by the rapid review feature). */
export const RAPID_REVIEW_EVENT_LABELS: Readonly<Record<string, string>> = Object.freeze({
  'agency-requests-sent': 'Requests sent to agencies',
  'agency-request-answered': 'An agency answered its request',
  'rapid-review-meeting': 'Rapid review meeting recorded',
  'rapid-review-record': 'Rapid review record changed',
  'rapid-review-decision': 'Rapid review decision recorded',
  'rapid-review-sign-offs-cleared': 'Sign-offs cleared because the decision changed',
  'rapid-review-signed-off': 'Rapid review decision signed off',
  'rapid-review-panel-response': 'The Panel’s response recorded',
});
