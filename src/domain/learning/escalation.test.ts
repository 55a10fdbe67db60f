import { describe, expect, it } from 'vitest';
import { createCalendar } from '../calendar/working-days.ts';
import { ESCALATE_AFTER_WORKING_DAYS, escalationDates, escalationLevel, escalationsDue } from './escalation.ts';

// Christmas 2025: 25 and 26 December are bank holidays, as is 1 January 2026.
const calendar = createCalendar(['2025-12-25', '2025-12-26', '2026-01-01']);

describe('escalation of overdue actions', () => {
  it('escalates nothing on or before the due date', () => {
    expect(escalationLevel('in-progress', '2026-03-02', '2026-03-01', calendar)).toBe(0);
    expect(escalationLevel('in-progress', '2026-03-02', '2026-03-02', calendar)).toBe(0);
    expect(escalationsDue('not-started', '2026-03-02', '2026-03-02', calendar)).toEqual([]);
  });

  it('tells the owning agency the day after the due date (level 1)', () => {
    expect(escalationLevel('in-progress', '2026-03-02', '2026-03-03', calendar)).toBe(1);
    expect(escalationLevel('not-started', '2026-03-02', '2026-03-03', calendar)).toBe(1);
    expect(escalationsDue('in-progress', '2026-03-02', '2026-03-03', calendar)).toEqual([1]);
  });

  it('escalates to the partnership after 10 working days, not 10 calendar days (level 2)', () => {
    expect(ESCALATE_AFTER_WORKING_DAYS).toBe(10);
    // Due Monday 2 March 2026: 9 working days later is Friday 13 March, 10 is Monday 16 March.
    expect(escalationLevel('in-progress', '2026-03-02', '2026-03-13', calendar)).toBe(1);
    expect(escalationLevel('in-progress', '2026-03-02', '2026-03-14', calendar)).toBe(1);
    expect(escalationLevel('in-progress', '2026-03-02', '2026-03-16', calendar)).toBe(2);
    expect(escalationsDue('in-progress', '2026-03-02', '2026-03-16', calendar)).toEqual([1, 2]);
  });

  it('skips bank holidays when counting', () => {
    // Due Monday 22 December 2025: 23, 24, 29, 30, 31 Dec, 2, 5, 6, 7, 8 Jan = the 10th working day.
    expect(escalationLevel('in-progress', '2025-12-22', '2026-01-07', calendar)).toBe(1);
    expect(escalationLevel('in-progress', '2025-12-22', '2026-01-08', calendar)).toBe(2);
    expect(escalationDates('2025-12-22', calendar)).toEqual({ 1: '2025-12-23', 2: '2026-01-08' });
  });

  it('never escalates an action that is completed, evaluated or closed, however late', () => {
    for (const status of ['completed', 'impact-evaluated', 'closed'] as const) {
      expect(escalationLevel(status, '2025-01-01', '2026-03-16', calendar)).toBe(0);
    }
  });

  it('takes another threshold when a partnership sets one', () => {
    expect(escalationLevel('in-progress', '2026-03-02', '2026-03-09', calendar, 5)).toBe(2);
    expect(escalationLevel('in-progress', '2026-03-02', '2026-03-06', calendar, 5)).toBe(1);
  });
});
