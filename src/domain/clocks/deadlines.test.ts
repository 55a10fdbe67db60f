import { describe, it, expect } from 'vitest';
import { createCalendar, defaultCalendar } from '../calendar/working-days.ts';
import { DEFAULT_CLOCK_RULES } from './rules.ts';
import type { ClockRule } from './rules.ts';
import { computeDeadlines, dueDate, ruleGoverns, validateCaseDates } from './deadlines.ts';

const cal = defaultCalendar();
const due = (facts: Parameters<typeof computeDeadlines>[0]) =>
  Object.fromEntries(computeDeadlines(facts, DEFAULT_CLOCK_RULES, cal).map((d) => [d.key, d.dueOn]));

describe('computeDeadlines with the default rules', () => {
  it('computes every clock for a full case', () => {
    const result = computeDeadlines(
      { aware: '2024-12-20', notified: '2024-12-23', decision: '2025-01-31', publication: '2025-08-29' },
      DEFAULT_CLOCK_RULES, cal,
    );
    expect(result.map(({ key, dueOn, from }) => ({ key, dueOn, from }))).toEqual([
      { key: 'panel-notification', dueOn: '2024-12-31', from: '2024-12-20' },
      { key: 'partners-informed', dueOn: '2024-12-31', from: '2024-12-20' },
      { key: 'rapid-review', dueOn: '2025-01-16', from: '2024-12-23' },
      { key: 'review-completion', dueOn: '2025-07-31', from: '2025-01-31' },
      // Fri 29 Aug 2025 back 7: 28, 27, 26, (25 bank holiday), 22, 21, 20, 19.
      { key: 'advance-copy', dueOn: '2025-08-19', from: '2025-08-29' },
      { key: 'published-until', dueOn: '2026-08-29', from: '2025-08-29' },
    ]);
  });

  it('describes each rule in words, without internal keys', () => {
    const rules = Object.fromEntries(computeDeadlines(
      { aware: '2024-12-20', notified: '2024-12-23', decision: '2025-01-31', publication: '2025-08-29' },
      DEFAULT_CLOCK_RULES, cal,
    ).map((d) => [d.key, d.rule]));
    expect(rules).toEqual({
      'panel-notification': '5 working days after the local authority became aware',
      'partners-informed': '5 working days after the local authority became aware',
      'rapid-review': '15 working days after the Panel was notified',
      'review-completion': '6 calendar months after the decision to hold a local review',
      'advance-copy': '7 working days before the planned publication date',
      'published-until': '12 calendar months after publication',
    });
  });

  it('carries version, title, recipients and statutory flag', () => {
    const [panel] = computeDeadlines({ aware: '2024-12-20' }, DEFAULT_CLOCK_RULES, cal);
    expect(panel).toMatchObject({ key: 'panel-notification', version: 1, statutory: false, recipients: ['Child Safeguarding Practice Review Panel'] });
    expect(panel.title).toMatch(/Panel/);
  });

  it('only includes clocks whose start date is recorded', () => {
    expect(Object.keys(due({ aware: '2024-12-20' }))).toEqual(['panel-notification', 'partners-informed']);
    expect(Object.keys(due({ aware: '2024-12-20', publication: '2025-08-29' })))
      .toEqual(['panel-notification', 'partners-informed', 'advance-copy', 'published-until']);
  });

  it('clamps the 6-month review deadline to the month end, leap years included', () => {
    expect(due({ aware: '2023-08-01', decision: '2023-08-31' })['review-completion']).toBe('2024-02-29');
    expect(due({ aware: '2024-08-01', decision: '2024-08-31' })['review-completion']).toBe('2025-02-28');
    expect(due({ aware: '2024-03-01', decision: '2024-03-31' })['review-completion']).toBe('2024-09-30');
  });

  it('leaves a calendar-month due date on a weekend as it falls', () => {
    // Sat 15 Jun 2024 + 12 months = Sun 15 Jun 2025: "at least a year" is not moved to a working day.
    expect(due({ aware: '2024-01-02', publication: '2024-06-15' })['published-until']).toBe('2025-06-15');
  });

  it('keeps a published report up for a year from 29 February', () => {
    expect(due({ aware: '2023-06-01', publication: '2024-02-29' })['published-until']).toBe('2025-02-28');
  });

  it('counts the advance copy back across Christmas and New Year', () => {
    // Publication Wed 8 Jan 2025 back 7: 7, 6, 3, 2, (1 holiday), 31, 30, 27.
    expect(due({ aware: '2024-06-03', publication: '2025-01-08' })['advance-copy']).toBe('2024-12-27');
    // Publication Tue 7 Jun 2022 back 7: 6, (3, 2 Jubilee), 1, 31 May, 30, 27, 26, 25.
    expect(due({ aware: '2021-06-03', publication: '2022-06-07' })['advance-copy']).toBe('2022-05-25');
  });

  it('counts the panel notification over one-off bank holidays', () => {
    expect(due({ aware: '2022-09-15' })['panel-notification']).toBe('2022-09-23'); // 16, (19), 20, 21, 22, 23
    expect(due({ aware: '2023-05-04' })['panel-notification']).toBe('2023-05-12'); // 5, (8), 9, 10, 11, 12
    expect(due({ aware: '2020-05-06' })['panel-notification']).toBe('2020-05-14'); // 7, (8), 11, 12, 13, 14
  });

  describe('Secretary of State and Ofsted notification', () => {
    it('applies to a looked-after child death before WT2023 under v1', () => {
      const [d] = computeDeadlines({ aware: '2023-12-14', lookedAfterDeath: true }, DEFAULT_CLOCK_RULES, cal)
        .filter((x) => x.key === 'ofsted-sos-notification');
      expect(d).toMatchObject({ dueOn: '2023-12-21', version: 1, rule: '5 working days after the local authority became aware' });
    });

    it('applies to a looked-after child death after WT2023 under v2', () => {
      const [d] = computeDeadlines({ aware: '2024-12-20', lookedAfterDeath: true }, DEFAULT_CLOCK_RULES, cal)
        .filter((x) => x.key === 'ofsted-sos-notification');
      expect(d).toMatchObject({ dueOn: '2024-12-31', version: 2 });
    });

    it('applies to a care leaver death from 15 December 2023, not the day before', () => {
      expect(due({ aware: '2023-12-14', careLeaverDeath: true })['ofsted-sos-notification']).toBeUndefined();
      const [d] = computeDeadlines({ aware: '2023-12-15', careLeaverDeath: true }, DEFAULT_CLOCK_RULES, cal)
        .filter((x) => x.key === 'ofsted-sos-notification');
      expect(d).toMatchObject({ dueOn: '2023-12-22', version: 2 });
    });

    it('does not apply to other deaths', () => {
      expect(due({ aware: '2024-12-20' })['ofsted-sos-notification']).toBeUndefined();
      expect(due({ aware: '2024-12-20', lookedAfterDeath: false, careLeaverDeath: false })['ofsted-sos-notification']).toBeUndefined();
    });

    it('appears once even when both flags are set', () => {
      const keys = computeDeadlines({ aware: '2024-12-20', lookedAfterDeath: true, careLeaverDeath: true }, DEFAULT_CLOCK_RULES, cal)
        .map((d) => d.key);
      expect(keys.filter((k) => k === 'ofsted-sos-notification')).toHaveLength(1);
    });
  });

  it('throws on malformed dates', () => {
    expect(() => computeDeadlines({ aware: '2024-02-30' }, DEFAULT_CLOCK_RULES, cal)).toThrow(RangeError);
    expect(() => computeDeadlines({ aware: '2024-02-01', notified: '2024-2-2' }, DEFAULT_CLOCK_RULES, cal)).toThrow(RangeError);
  });
});

describe('computeDeadlines with edited rules', () => {
  const base: ClockRule = {
    key: 'rapid-review', version: 1, title: 'Rapid review', runsFrom: 'notified', length: 15, unit: 'working-days',
    direction: 'after', recipients: [], guidance: 'WT', appliesFrom: null, appliesUntil: '2024-03-31', condition: 'always', statutory: false, mayPause: false,
  };
  const relaxed: ClockRule = { ...base, version: 2, length: 20, appliesFrom: '2024-04-01', appliesUntil: null };

  it('picks the version whose window contains the aware date (inclusive)', () => {
    const at = (aware: string) => computeDeadlines({ aware, notified: aware }, [base, relaxed], cal)[0];
    expect(at('2024-03-31')).toMatchObject({ version: 1, rule: '15 working days after the Panel was notified' });
    expect(at('2024-04-01')).toMatchObject({ version: 2, rule: '20 working days after the Panel was notified' });
  });

  it('uses the higher version when overlapping versions both apply', () => {
    const overlapping = { ...relaxed, appliesFrom: null };
    const result = computeDeadlines({ aware: '2024-01-02', notified: '2024-01-03' }, [base, overlapping], cal);
    expect(result).toHaveLength(1);
    expect(result[0].version).toBe(2);
  });

  it('uses the calendar it is given', () => {
    const bare = createCalendar([]);
    expect(computeDeadlines({ aware: '2024-12-20', notified: '2024-12-20' }, [{ ...base, appliesUntil: null }], bare)[0].dueOn).toBe('2025-01-10');
  });

  it('uses singular units for a length of 1', () => {
    const one = { ...base, appliesUntil: null, length: 1 };
    expect(computeDeadlines({ aware: '2024-12-20', notified: '2024-12-20' }, [one], cal)[0].rule).toBe('1 working day after the Panel was notified');
    const month = { ...one, unit: 'calendar-months' as const };
    expect(computeDeadlines({ aware: '2024-12-20', notified: '2024-12-20' }, [month], cal)[0]).toMatchObject({
      dueOn: '2025-01-20', rule: '1 calendar month after the Panel was notified',
    });
  });

  it('supports calendar months before a date', () => {
    const rule = { ...base, runsFrom: 'publication' as const, direction: 'before' as const, unit: 'calendar-months' as const, length: 1, appliesUntil: null };
    expect(dueDate(rule, '2024-03-31', cal)).toBe('2024-02-29');
  });

  it('ruleGoverns checks condition and window', () => {
    const lac = { ...base, condition: 'looked-after-death' as const };
    expect(ruleGoverns(lac, { aware: '2024-01-01' })).toBe(false);
    expect(ruleGoverns(lac, { aware: '2024-01-01', lookedAfterDeath: true })).toBe(true);
    expect(ruleGoverns(lac, { aware: '2024-04-01', lookedAfterDeath: true })).toBe(false);
    const cl = { ...base, appliesUntil: null, condition: 'care-leaver-death' as const };
    expect(ruleGoverns(cl, { aware: '2024-01-01', lookedAfterDeath: true })).toBe(false);
    expect(ruleGoverns(cl, { aware: '2024-01-01', careLeaverDeath: true })).toBe(true);
  });
});

describe('validateCaseDates', () => {
  const today = '2025-03-10';

  it('accepts consistent dates, with publication in the future', () => {
    expect(validateCaseDates({ aware: '2024-12-20', notified: '2024-12-23', decision: '2025-01-31', publication: '2025-08-29' }, today)).toEqual([]);
    expect(validateCaseDates({ aware: today, notified: today, decision: today }, today)).toEqual([]);
    expect(validateCaseDates({ aware: '2024-12-20' }, today)).toEqual([]);
  });

  it('requires the aware date', () => {
    expect(validateCaseDates({}, today)).toEqual([{ field: 'aware', message: 'Enter the date the local authority became aware.' }]);
  });

  it('rejects dates that are not real', () => {
    expect(validateCaseDates({ aware: '2024-02-30', notified: '2024/03/01' }, today)).toEqual([
      { field: 'aware', message: 'The date the local authority became aware must be a real date.' },
      { field: 'notified', message: 'The date the Panel was notified must be a real date.' },
    ]);
  });

  it('rejects aware, notified and decision dates in the future', () => {
    expect(validateCaseDates({ aware: '2025-03-11', notified: '2025-03-12', decision: '2025-03-13' }, today)).toEqual([
      { field: 'aware', message: 'The date the local authority became aware cannot be in the future.' },
      { field: 'notified', message: 'The date the Panel was notified cannot be in the future.' },
      { field: 'decision', message: 'The date of the decision to hold a local review cannot be in the future.' },
    ]);
  });

  it('rejects awareness before the duty to notify the Panel began (29 June 2018)', () => {
    const message = 'The date the local authority became aware cannot be before 29 June 2018, when the duty to notify the Panel began: check the year.';
    expect(validateCaseDates({ aware: '1900-12-01' }, today)).toEqual([{ field: 'aware', message }]);
    expect(validateCaseDates({ aware: '2018-06-28' }, today)).toEqual([{ field: 'aware', message }]);
    expect(validateCaseDates({ aware: '2018-06-29' }, today)).toEqual([]);
  });

  it('rejects notification before awareness', () => {
    expect(validateCaseDates({ aware: '2024-12-20', notified: '2024-12-19' }, today)).toEqual([
      { field: 'notified', message: 'The Panel cannot have been notified before the local authority became aware.' },
    ]);
  });

  it('rejects a decision before notification, or before awareness when not notified', () => {
    expect(validateCaseDates({ aware: '2024-12-20', notified: '2024-12-23', decision: '2024-12-22' }, today)).toEqual([
      { field: 'decision', message: 'The decision to hold a local review cannot come before the Panel was notified.' },
    ]);
    expect(validateCaseDates({ aware: '2024-12-20', decision: '2024-12-19' }, today)).toEqual([
      { field: 'decision', message: 'The decision to hold a local review cannot come before the local authority became aware.' },
    ]);
  });

  it('rejects publication before the decision or awareness', () => {
    expect(validateCaseDates({ aware: '2024-12-20', decision: '2025-01-31', publication: '2025-01-30' }, today)).toEqual([
      { field: 'publication', message: 'The publication date cannot be before the decision to hold the review.' },
    ]);
    expect(validateCaseDates({ aware: '2024-12-20', publication: '2024-12-19' }, today)).toEqual([
      { field: 'publication', message: 'The publication date cannot be before the local authority became aware.' },
    ]);
  });

  it('treats empty strings as not given', () => {
    expect(validateCaseDates({ aware: '2024-12-20', notified: '', decision: '' }, today)).toEqual([]);
  });
});
