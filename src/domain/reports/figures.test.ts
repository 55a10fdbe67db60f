import { describe, expect, it } from 'vitest';
import type { DateOnly } from '../calendar/date-only.ts';
import { defaultCalendar } from '../calendar/working-days.ts';
import { clockStatus } from '../clocks/clock-status.ts';
import { computeDeadlines, type CaseFacts } from '../clocks/deadlines.ts';
import { DEFAULT_CLOCK_RULES } from '../clocks/rules.ts';
import { computeFigures, decisionOutcome, percentOnTime, timelinessOf, type CaseFact, type ClockFact } from './figures.ts';
import { figureTables } from './tables.ts';

const calendar = defaultCalendar();
const TODAY: DateOnly = '2025-03-31';
const YEAR = { from: '2024-04-01', to: '2025-03-31' };

/** A clock as the case page computes it: due date from the default rules, state from clockStatus. */
function clock(key: string, facts: CaseFacts, doneOn: DateOnly | null, delays: string[] = []): ClockFact {
  const deadline = computeDeadlines(facts, DEFAULT_CLOCK_RULES, calendar).find((d) => d.key === key);
  if (!deadline) throw new Error(`no ${key} clock`);
  const status = clockStatus({ dueOn: deadline.dueOn, ...(doneOn ? { doneOn } : {}) }, TODAY, calendar);
  return { key, state: status.state, dueOn: deadline.dueOn, doneOn, delays: delays.map((reason) => ({ reason })) };
}

function notifiedCase(ref: string, aware: DateOnly, notified: DateOnly | null): CaseFact {
  return { id: ref, partnershipId: 'p1', reference: ref, reviewDecision: null, decisionOn: null, clocks: [clock('panel-notification', { aware }, notified)] };
}

const facts = (cases: CaseFact[]) => ({ cases, publications: [], recommendations: [], actions: [] });

describe('timeliness of notifications (5 working days of becoming aware, Working Together 2023 ch.5)', () => {
  it('counts a notification 5 working days after awareness on time and one 6 working days after late', () => {
    // Aware Monday 2 December 2024: 5 working days is Monday 9 December; 6 is Tuesday 10 December.
    const f = computeFigures(facts([notifiedCase('A', '2024-12-02', '2024-12-09'), notifiedCase('B', '2024-12-02', '2024-12-10')]), YEAR, 'quarter', TODAY);
    const q3 = f.notifications.buckets.find((b) => b.bucket.key === '2024-25 Q3')!.value;
    expect(q3).toMatchObject({ total: 2, onTime: 1, late: 1, overdue: 0, percentOnTime: 50 });
    expect(f.notifications.total.late).toBe(1);
  });

  it('skips bank holidays: aware Friday 20 December 2024, notified Tuesday 31 December is on time', () => {
    const f = computeFigures(facts([notifiedCase('A', '2024-12-20', '2024-12-31')]), YEAR, 'year', TODAY);
    expect(f.notifications.total).toMatchObject({ onTime: 1, late: 0 });
  });

  it('counts a notification not made and past its due date as overdue (late), in the quarter it fell due', () => {
    const f = computeFigures(facts([notifiedCase('A', '2025-01-06', null)]), YEAR, 'quarter', TODAY);
    expect(f.notifications.buckets.find((b) => b.bucket.key === '2024-25 Q4')!.value).toMatchObject({ total: 1, overdue: 1, percentOnTime: 0 });
  });

  it('leaves out notifications made outside the period', () => {
    const f = computeFigures(facts([notifiedCase('A', '2024-03-01', '2024-03-04')]), YEAR, 'year', TODAY);
    expect(f.notifications.total.total).toBe(0);
    expect(f.notifications.total.percentOnTime).toBeNull();
  });
});

describe('rapid reviews (15 working days of the notification) and reviews (6 months of the decision)', () => {
  it('judges a rapid review sent 16 working days after the notification late', () => {
    // Notified Monday 3 February 2025: 15 working days is Monday 24 February; the 25th is late.
    const onTime = clock('rapid-review', { aware: '2025-01-31', notified: '2025-02-03' }, '2025-02-24');
    const late = clock('rapid-review', { aware: '2025-01-31', notified: '2025-02-03' }, '2025-02-25');
    const cases: CaseFact[] = [onTime, late].map((c, i) => ({ id: String(i), partnershipId: 'p1', reference: `R${i}`, reviewDecision: null, decisionOn: null, clocks: [c] }));
    expect(computeFigures(facts(cases), YEAR, 'year', TODAY).rapidReviews.total).toMatchObject({ onTime: 1, late: 1 });
  });

  it('keeps a delayed review late against its original due date and lists the reasons', () => {
    // Decision 31 August 2024: due 28 February 2025. Published 14 March 2025 after a pause for an inquest.
    const review = clock('review-completion', { aware: '2024-07-01', notified: '2024-07-02', decision: '2024-08-31' }, '2025-03-14', ['Inquest not yet concluded']);
    expect(review.dueOn).toBe('2025-02-28');
    const f = computeFigures(facts([{ id: 'x', partnershipId: 'p1', reference: 'NM-2024-001', reviewDecision: 'local-review', decisionOn: '2024-08-31', clocks: [review] }]), YEAR, 'quarter', TODAY);
    expect(f.reviewCompletion.total).toMatchObject({ late: 1, onTime: 0 });
    expect(f.lateReviews).toEqual([{ partnershipId: 'p1', reference: 'NM-2024-001', dueOn: '2025-02-28', doneOn: '2025-03-14', daysLate: 14, reasons: ['Inquest not yet concluded'] }]);
    expect(f.reviewsStarted.total).toBe(1);
    expect(f.reviewsStarted.buckets.find((b) => b.bucket.key === '2024-25 Q2')!.value).toBe(1);
  });
});

describe('decisions, clocks that do not count, actions and themes', () => {
  it('names the outcome of a decision, a national review when no local decision was recorded', () => {
    expect(decisionOutcome({ reviewDecision: 'no-review', decisionOn: '2024-05-01' })).toBe('no-review');
    expect(decisionOutcome({ reviewDecision: null, decisionOn: '2024-05-01' })).toBe('national-review');
    expect(decisionOutcome({ reviewDecision: null, decisionOn: null })).toBeNull();
  });

  it('does not count clocks that never applied or stopped with the case, and counts paused ones as not yet due', () => {
    expect(timelinessOf({ state: 'not-required' })).toBeNull();
    expect(timelinessOf({ state: 'stopped' })).toBeNull();
    expect(timelinessOf({ state: 'paused' })).toBe('pending');
    expect(percentOnTime({ onTime: 2, late: 1, overdue: 0 })).toBe(66.7);
  });

  it('counts actions by agency and status, overdue when open past the due date, with evidence of impact', () => {
    const action = (agencyId: string, status: 'not-started' | 'completed' | 'closed', dueOn: DateOnly, impactEvidence = false) => ({ partnershipId: 'p1', agencyId, agencyName: agencyId === 'a' ? 'Police' : 'Health', status, dueOn, madeOn: '2024-06-01', impactEvidence });
    const f = computeFigures({ cases: [], publications: [], recommendations: [], actions: [action('a', 'not-started', '2025-01-01'), action('a', 'closed', '2025-01-01', true), action('b', 'completed', '2025-06-01')] }, YEAR, 'year', TODAY);
    expect(f.actions.byAgency.map((a) => a.agencyName)).toEqual(['Health', 'Police']);
    expect(f.actions.total).toMatchObject({ total: 3, overdue: 1, impactEvidence: 1, 'not-started': 1, closed: 1, completed: 1 });
  });

  it('counts themes of published reviews and recommendations in their quarters, most frequent first', () => {
    const f = computeFigures(
      {
        cases: [],
        publications: [{ partnershipId: 'p1', publishedOn: '2024-05-01', withdrawnOn: '2025-02-01', themes: ['neglect', 'neglect'] }],
        recommendations: [{ partnershipId: 'p1', madeOn: '2024-11-01', themes: ['neglect', 'domestic-abuse'] }],
        actions: [],
      },
      YEAR,
      'quarter',
      TODAY,
    );
    expect(f.themes.map((t) => [t.key, t.byBucket.total])).toEqual([['neglect', 2], ['domestic-abuse', 1]]);
    expect(f.publications.total).toBe(1);
    expect(f.withdrawals.buckets.find((b) => b.bucket.key === '2024-25 Q4')!.value).toBe(1);
  });

  it('gives an honest empty report when nothing is recorded: every table, every figure zero', () => {
    const f = computeFigures(facts([]), YEAR, 'quarter', TODAY);
    expect(f.nothingRecorded).toBe(true);
    const tables = figureTables(f, { themes: {}, partnerships: {}, severalPartnerships: false });
    expect(tables.find((t) => t.key === 'notifications')!.rows).toHaveLength(5);
    expect(tables.find((t) => t.key === 'notifications')!.rows[4]).toEqual(['Whole period', 0, 0, 0, 0, 0, null]);
    expect(tables.find((t) => t.key === 'late-reviews')!.rows).toEqual([]);
  });
});
