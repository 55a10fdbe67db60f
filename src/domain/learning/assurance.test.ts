import { describe, expect, it } from 'vitest';
import { checkRecordProblems, isCheckOverdue, nextCheckDate, scheduleProblems } from './assurance.ts';

const known = { incidentIds: ['i1'], agencyIds: ['a1'] };
const fine = { checkedOn: '2026-03-02', result: 'partly-assured', findings: 'Two actions lack evidence.', nextDueOn: '2026-06-02', incidentIds: ['i1'], agencyIds: [] };

describe('assurance checks', () => {
  it('schedules the next check a quarter later by default', () => {
    expect(nextCheckDate('2026-03-02')).toBe('2026-06-02');
    expect(nextCheckDate('2025-11-30')).toBe('2026-02-28');
  });

  it('is overdue only while scheduled and past its date', () => {
    expect(isCheckOverdue({ status: 'scheduled', dueOn: '2026-03-01' }, '2026-03-02')).toBe(true);
    expect(isCheckOverdue({ status: 'scheduled', dueOn: '2026-03-02' }, '2026-03-02')).toBe(false);
    expect(isCheckOverdue({ status: 'recorded', dueOn: '2026-03-01' }, '2026-03-02')).toBe(false);
  });

  it('accepts a complete record and says what is missing from an incomplete one', () => {
    expect(checkRecordProblems(fine, '2026-03-02', known)).toEqual([]);
    const fields = (p: { field: string }[]) => p.map((x) => x.field);
    expect(fields(checkRecordProblems({ ...fine, result: '', findings: ' ', nextDueOn: null }, '2026-03-02', known))).toEqual(['result', 'findings', 'nextDueOn']);
    expect(fields(checkRecordProblems({ ...fine, checkedOn: '2026-03-03' }, '2026-03-02', known))).toEqual(['checkedOn']);
    expect(fields(checkRecordProblems({ ...fine, nextDueOn: '2026-03-02' }, '2026-03-02', known))).toEqual(['nextDueOn']);
    expect(fields(checkRecordProblems({ ...fine, incidentIds: ['elsewhere'], agencyIds: ['x'] }, '2026-03-02', known))).toEqual(['incidentIds', 'agencyIds']);
  });

  it('schedules checks only for today or later', () => {
    expect(scheduleProblems({ dueOn: '2026-03-01', focus: '' }, '2026-03-02').map((p) => p.field)).toEqual(['dueOn']);
    expect(scheduleProblems({ dueOn: null, focus: '' }, '2026-03-02').map((p) => p.field)).toEqual(['dueOn']);
    expect(scheduleProblems({ dueOn: '2026-03-02', focus: 'Quarterly' }, '2026-03-02')).toEqual([]);
  });
});
