import { describe, expect, it } from 'vitest';
import { INCIDENT_STATES } from '../../domain/workflow/incident-workflow.ts';
import { holdsReview } from './case-reviews.ts';

describe('which cases hold a review with recommendations', () => {
  it('every kind of review: rapid, local, practice learning, national, and one below the threshold; not a case merely recorded or notified', () => {
    const holding = INCIDENT_STATES.filter((state) => holdsReview({ state, dates: {} }));
    expect(holding).toEqual(['rapid-review', 'decision', 'local-review', 'alternative-review', 'no-review', 'national-review', 'completed', 'published', 'closed']);
    expect(holdsReview({ state: 'not-notifiable', dates: {} })).toBe(false);
    expect(holdsReview({ state: 'not-notifiable', dates: { belowThresholdReview: '2026-01-05' } })).toBe(true);
  });
});
