import { describe, expect, it } from 'vitest';
import type { DateOnly } from '../calendar/date-only.ts';
import { cleanFinding, findingProblems, type FindingDefinition } from './findings.ts';

const valid: FindingDefinition = { number: '2', text: 'Nobody asked who the baby’s father was.', foundOn: '2025-03-01' as DateOnly, themes: ['invisible-or-hidden-men'], recommendationIds: ['r1'] };
const fields = (input: FindingDefinition) => findingProblems(input, ['invisible-or-hidden-men', 'neglect'], ['r1', 'r2'], '2026-06-01').map((p) => p.field);

describe('a review’s finding', () => {
  it('needs its number, what was found and its date; themes and recommendations are optional', () => {
    expect(fields(valid)).toEqual([]);
    expect(fields({ ...valid, themes: [], recommendationIds: [] })).toEqual([]);
    expect(fields({ ...valid, number: ' ', text: '', foundOn: null })).toEqual(['number', 'text', 'foundOn']);
  });

  it('is dated on or before today, never in the future', () => {
    expect(fields({ ...valid, foundOn: '2026-06-01' as DateOnly })).toEqual([]);
    const future = findingProblems({ ...valid, foundOn: '2026-06-02' as DateOnly }, ['invisible-or-hidden-men'], ['r1'], '2026-06-01');
    expect(future).toEqual([{ field: 'foundOn', message: 'The date of the finding cannot be in the future' }]);
  });

  it('says what is wrong in words a person can act on', () => {
    const problems = findingProblems({ ...valid, text: '  ' }, [], [], '2026-06-01');
    expect(problems.find((p) => p.field === 'text')?.message).toBe('Enter what the review found');
  });

  it('keeps numbers short and texts within 10,000 characters, as recommendations are', () => {
    expect(fields({ ...valid, number: '1'.repeat(21) })).toEqual(['number']);
    expect(fields({ ...valid, text: 'x'.repeat(10_001) })).toEqual(['text']);
    expect(fields({ ...valid, text: 'x'.repeat(10_000) })).toEqual([]);
  });

  it('takes themes only from the vocabulary', () => {
    expect(fields({ ...valid, themes: ['made-up'] })).toEqual(['themes']);
  });

  it('leads only to recommendations of its own review', () => {
    expect(fields({ ...valid, recommendationIds: ['r2', 'elsewhere'] })).toEqual(['recommendationIds']);
  });

  it('is stored trimmed, each theme and recommendation once', () => {
    expect(cleanFinding({ ...valid, number: ' 2 ', text: ' Found. ', themes: ['neglect', 'neglect'], recommendationIds: ['r1', 'r1', 'r2'] })).toEqual({ ...valid, number: '2', text: 'Found.', themes: ['neglect'], recommendationIds: ['r1', 'r2'] });
  });
});
