import { describe, expect, it } from 'vitest';
import { defaultStartMonth, OUTLINE, paragraphsOf, periodName, periodRunning, readPeriod, SECTION_KEYS, sectionProblems, yearlyPeriod } from './yearly.ts';

describe('the yearly report’s period', () => {
  it('covers the 12 months from the first of the month chosen', () => {
    expect(yearlyPeriod('2024-04')).toEqual({ from: '2024-04-01', to: '2025-03-31' });
    expect(yearlyPeriod('2024-01')).toEqual({ from: '2024-01-01', to: '2024-12-31' });
    // A leap year's February falls inside: the period still ends the day before the same date a year on.
    expect(yearlyPeriod('2023-03')).toEqual({ from: '2023-03-01', to: '2024-02-29' });
    expect(periodName(yearlyPeriod('2024-04'))).toBe('April 2024 to March 2025');
  });

  it('defaults to the last whole April to March year', () => {
    expect(defaultStartMonth('2025-03-31')).toBe('2023-04');
    expect(defaultStartMonth('2025-04-01')).toBe('2024-04');
    expect(defaultStartMonth('2026-12-04')).toBe('2025-04');
  });

  it('refuses no month, an unreal month, one not yet begun, and a period of more or fewer than 12 months', () => {
    const today = '2025-06-15';
    expect(readPeriod('', null, today)).toEqual({ ok: false, problems: [{ field: 'from', message: 'Enter the month the report starts, like 2025-04' }] });
    for (const bad of ['2024-13', '2024-00', '24-04', '2024-4', '1999-04', 'April']) expect(readPeriod(bad, null, today).ok, bad).toBe(false);
    expect(readPeriod('2025-07', null, today)).toMatchObject({ ok: false, problems: [{ field: 'from', message: 'The month the report starts must be this month or earlier' }] });
    // The month still running may start a report: its figures are the year so far.
    expect(readPeriod('2025-06', null, today)).toMatchObject({ ok: true, startMonth: '2025-06' });
    expect(periodRunning(yearlyPeriod('2025-06'), today)).toBe(true);
    expect(periodRunning(yearlyPeriod('2024-04'), today)).toBe(false);
    expect(readPeriod('2024-04', '2025-03', today)).toMatchObject({ ok: true, period: { from: '2024-04-01', to: '2025-03-31' } });
    expect(readPeriod('2024-04', '2025-04', today)).toMatchObject({ ok: false, problems: [{ field: 'to', message: 'A yearly report covers 12 months: the period is too long. It must end in March 2025' }] });
    expect(readPeriod('2024-04', '2024-12', today)).toMatchObject({ ok: false, problems: [{ field: 'to', message: 'A yearly report covers 12 months: it must end in March 2025' }] });
    expect(readPeriod('2024-04', '2025-3', today).ok).toBe(false);
  });
});

describe('the narrative sections', () => {
  it('refuses an empty text, one too long, and one unchanged from the current version', () => {
    expect(sectionProblems('  \n ', null)).toEqual(['Enter the text of the section']);
    expect(sectionProblems('x'.repeat(20_001), null)).toEqual(['The text must be 20,000 characters or fewer']);
    expect(sectionProblems('x'.repeat(20_000), null)).toEqual([]);
    expect(sectionProblems(' The same. ', 'The same.')).toEqual(['The text is the same as the current version: change it before saving']);
    expect(sectionProblems('Changed.', 'The same.')).toEqual([]);
  });

  it('reads paragraphs at blank lines, a single line break staying inside its paragraph', () => {
    expect(paragraphsOf('One\r\nline two.\r\n\r\n\r\nTwo.\n  \nThree.')).toEqual(['One line two.', 'Two.', 'Three.']);
    expect(paragraphsOf('')).toEqual([]);
  });

  it('places every section once in the outline, among the parts the statutory report asks for', () => {
    expect(OUTLINE.flatMap((p) => (p.narrative ? [p.narrative] : [])).sort()).toEqual([...SECTION_KEYS].sort());
    expect(OUTLINE.map((p) => p.id)).toEqual(['introduction', 'notifications', 'rapid-reviews', 'decisions', 'reviews', 'themes', 'learning', 'actions', 'next']);
    expect(new Set(OUTLINE.flatMap((p) => p.tables))).toEqual(new Set(['notifications', 'rapid-reviews', 'decisions', 'review-completion', 'late-reviews', 'publications', 'themes', 'actions']));
  });
});
