import { describe, expect, it } from 'vitest';
import { bucketKey, bucketsOf, defaultPeriod, financialYearOf, periodProblems } from './period.ts';

describe('the period of a report', () => {
  it('refuses a missing, reversed or over-long period with the Design System’s words', () => {
    expect(periodProblems(null, null).map((p) => p.field)).toEqual(['from', 'to']);
    expect(periodProblems('2025-04-02', '2025-04-01')).toEqual([{ field: 'to', message: 'The end of the period must be the same as or after its start' }]);
    expect(periodProblems('2015-04-01', '2025-03-31')).toEqual([]);
    expect(periodProblems('2015-04-01', '2025-04-01')).toEqual([{ field: 'to', message: 'The period must be 10 years or shorter' }]);
    expect(periodProblems('2025-01-01', '2025-01-01')).toEqual([]);
  });

  it('counts financial years from 1 April', () => {
    expect(financialYearOf('2025-03-31')).toBe(2024);
    expect(financialYearOf('2025-04-01')).toBe(2025);
    expect(defaultPeriod('2025-02-10')).toEqual({ from: '2024-04-01', to: '2025-03-31' });
  });

  it('splits a period into the financial quarters or years it touches', () => {
    expect(bucketKey('2024-06-30', 'quarter')).toBe('2024-25 Q1');
    expect(bucketKey('2024-12-31', 'quarter')).toBe('2024-25 Q3');
    expect(bucketKey('2025-01-01', 'quarter')).toBe('2024-25 Q4');
    const quarters = bucketsOf({ from: '2024-05-15', to: '2025-04-02' }, 'quarter');
    expect(quarters.map((q) => q.key)).toEqual(['2024-25 Q1', '2024-25 Q2', '2024-25 Q3', '2024-25 Q4', '2025-26 Q1']);
    expect(quarters[3]).toEqual({ key: '2024-25 Q4', label: 'January to March 2025', start: '2025-01-01', end: '2025-03-31' });
    expect(bucketsOf({ from: '2023-01-01', to: '2024-12-31' }, 'year').map((y) => y.key)).toEqual(['2022-23', '2023-24', '2024-25']);
  });
});
