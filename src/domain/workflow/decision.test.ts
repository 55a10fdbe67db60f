import { describe, expect, it } from 'vitest';
import { caseDecisionOf, DECISION_CHANGEABLE_IN, SIGN_OFF_IN, stateAfterDecisionChange, stateAfterSending } from './decision.ts';

// Working Together to Safeguard Children 2023 ch.5: the partners decide in the rapid review whether to
// hold a local review; the review is completed and published within 6 months of that decision.
describe('one decision record', () => {
  it('dates the case decision (and so the 6-month clock) on the day the partners decided', () => {
    expect(caseDecisionOf({ decision: 'local-review', decidedOn: '2026-03-02' })).toEqual({ reviewDecision: 'local-review', decisionOn: '2026-03-02' });
    expect(caseDecisionOf({ decision: 'no-local-review', decidedOn: '2026-03-02' })).toEqual({ reviewDecision: 'no-review', decisionOn: '2026-03-02' });
    expect(caseDecisionOf({ decision: 'alternative-review', decidedOn: '2026-03-02' })).toEqual({ reviewDecision: 'alternative-review', decisionOn: '2026-03-02' });
    // A national review is the Panel's to decide: no local decision, so no local 6-month clock.
    expect(caseDecisionOf({ decision: 'national-review', decidedOn: '2026-03-02' })).toEqual({ reviewDecision: null, decisionOn: '2026-03-02' });
  });

  it('sends the case to the state of the signed-off decision', () => {
    expect(stateAfterSending('local-review')).toBe('local-review');
    expect(stateAfterSending('no-local-review')).toBe('no-review');
    expect(stateAfterSending('alternative-review')).toBe('alternative-review');
    expect(stateAfterSending('national-review')).toBe('decision');
  });

  it('returns a sent case to awaiting the decision when it changes after sign-off', () => {
    expect(stateAfterDecisionChange('rapid-review')).toBe('rapid-review');
    for (const s of ['local-review', 'alternative-review', 'no-review', 'decision'] as const) expect(stateAfterDecisionChange(s)).toBe('decision');
    expect(DECISION_CHANGEABLE_IN).not.toContain('completed');
    expect(SIGN_OFF_IN).toEqual(['rapid-review', 'decision']);
  });
});
