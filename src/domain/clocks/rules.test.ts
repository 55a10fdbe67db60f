import { describe, it, expect } from 'vitest';
import { DEFAULT_CLOCK_RULES, validateClockRule, validateClockRuleSet } from './rules.ts';
import type { ClockRule } from './rules.ts';

const byKey = (key: string) => DEFAULT_CLOCK_RULES.filter((r) => r.key === key);
const only = (key: string) => {
  const rows = byKey(key);
  expect(rows).toHaveLength(1);
  return rows[0];
};

describe('DEFAULT_CLOCK_RULES', () => {
  it('has exactly the expected keys', () => {
    expect([...new Set(DEFAULT_CLOCK_RULES.map((r) => r.key))]).toEqual([
      'panel-notification', 'partners-informed', 'ofsted-sos-notification', 'rapid-review',
      'review-completion', 'advance-copy', 'published-until',
    ]);
  });

  it('every rule passes validation, and so does the set', () => {
    for (const r of DEFAULT_CLOCK_RULES) expect(validateClockRule(r), r.key).toEqual([]);
    expect(validateClockRuleSet(DEFAULT_CLOCK_RULES)).toEqual([]);
  });

  it('panel notification: 5 working days after aware, to the Panel', () => {
    expect(only('panel-notification')).toMatchObject({
      version: 1, runsFrom: 'aware', length: 5, unit: 'working-days', direction: 'after',
      condition: 'always', statutory: false, mayPause: false, appliesFrom: null, appliesUntil: null,
      recipients: ['Child Safeguarding Practice Review Panel'],
    });
  });

  it('partners informed: 5 working days after aware, to police and ICB', () => {
    expect(only('partners-informed')).toMatchObject({
      runsFrom: 'aware', length: 5, unit: 'working-days', direction: 'after', condition: 'always', statutory: false, mayPause: false,
    });
    expect(only('partners-informed').recipients).toEqual(['Chief officer of police', 'Integrated care board']);
  });

  it('Ofsted/SoS: looked-after deaths always, care leavers from 15 Dec 2023', () => {
    const [v1, v2] = byKey('ofsted-sos-notification');
    expect(v1).toMatchObject({ version: 1, condition: 'looked-after-death', appliesFrom: null, appliesUntil: '2023-12-14', runsFrom: 'aware', length: 5, unit: 'working-days' });
    expect(v2).toMatchObject({ version: 2, condition: 'looked-after-or-care-leaver-death', appliesFrom: '2023-12-15', appliesUntil: null, runsFrom: 'aware', length: 5, unit: 'working-days' });
    for (const r of [v1, v2]) expect(r.recipients).toEqual(['Secretary of State for Education', 'Ofsted']);
  });

  it('rapid review: 15 working days after notification, not statutory', () => {
    expect(only('rapid-review')).toMatchObject({ runsFrom: 'notified', length: 15, unit: 'working-days', direction: 'after', statutory: false });
  });

  it('review completion: 6 calendar months after the decision', () => {
    expect(only('review-completion')).toMatchObject({ runsFrom: 'decision', length: 6, unit: 'calendar-months', direction: 'after', recipients: [] });
  });

  it('advance copy: 7 working days before publication to Panel, SoS and Ofsted', () => {
    expect(only('advance-copy')).toMatchObject({ runsFrom: 'publication', length: 7, unit: 'working-days', direction: 'before' });
    expect(only('advance-copy').recipients).toEqual(['Child Safeguarding Practice Review Panel', 'Secretary of State for Education', 'Ofsted']);
  });

  it('published until: 12 calendar months after publication', () => {
    expect(only('published-until')).toMatchObject({ runsFrom: 'publication', length: 12, unit: 'calendar-months', direction: 'after' });
  });

  it('only the review may pause: the notification duties run whatever happens (Working Together 2023 ch.5)', () => {
    expect(DEFAULT_CLOCK_RULES.filter((r) => r.mayPause).map((r) => r.key)).toEqual(['review-completion']);
  });

  it('marks statutory only timescales set in law: the 5 working days and 6 months are Working Together, the advance copy the 2018 Regulations', () => {
    expect([...new Set(DEFAULT_CLOCK_RULES.filter((r) => r.statutory).map((r) => r.key))]).toEqual(['advance-copy', 'published-until']);
    expect(only('review-completion').guidance).not.toMatch(/^Children Act 2004 s16F/);
    expect(only('review-completion').statutory).toBe(false);
  });

  it('refuses a pausable notification duty', () => {
    expect(validateClockRule({ ...only('panel-notification'), mayPause: true })).toEqual([
      'A clock that runs from the date the local authority became aware is a notification duty and cannot be paused.',
    ]);
  });

  it('every rule cites its guidance', () => {
    for (const r of DEFAULT_CLOCK_RULES) expect(r.guidance, r.key).toMatch(/Working Together|Regulations|Children Act/);
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(DEFAULT_CLOCK_RULES)).toBe(true);
    expect(Object.isFrozen(DEFAULT_CLOCK_RULES[0])).toBe(true);
    expect(() => { DEFAULT_CLOCK_RULES[0].recipients.push('x'); }).toThrow(TypeError);
  });
});

const good: ClockRule = {
  key: 'rapid-review', version: 2, title: 'Send the rapid review', runsFrom: 'notified', length: 15,
  unit: 'working-days', direction: 'after', recipients: ['Panel'], guidance: 'Working Together 2023 ch.5',
  appliesFrom: '2024-01-01', appliesUntil: null, condition: 'always', statutory: false, mayPause: false,
};

describe('validateClockRule', () => {
  const errorsFor = (patch: Record<string, unknown>) => validateClockRule({ ...good, ...patch });

  it('accepts a sound rule', () => {
    expect(validateClockRule(good)).toEqual([]);
  });

  it('rejects a non-object', () => {
    expect(validateClockRule(null)).toEqual(['A clock rule must be an object.']);
    expect(validateClockRule([])).toEqual(['A clock rule must be an object.']);
  });

  it('checks the key', () => {
    expect(errorsFor({ key: '' })).toEqual(['Enter a key, like "rapid-review".']);
    for (const bad of ['Rapid-Review', 'rapid review', 'rapid--review', '-rapid', 'rapid_review', 'a'.repeat(61)]) {
      expect(errorsFor({ key: bad }), bad).toEqual([
        'Key must be 60 characters or fewer, using lowercase letters, numbers and single hyphens, like "rapid-review".',
      ]);
    }
  });

  it('checks the version', () => {
    for (const bad of [0, -1, 1.5, '2', undefined]) {
      expect(errorsFor({ version: bad })).toEqual(['Version must be a whole number, 1 or more.']);
    }
  });

  it('checks the title', () => {
    expect(errorsFor({ title: '  ' })).toEqual(['Enter a title.']);
    expect(errorsFor({ title: 'x'.repeat(201) })).toEqual(['Title must be 200 characters or fewer.']);
  });

  it('checks the enumerations', () => {
    expect(errorsFor({ runsFrom: 'incident' })).toEqual(['Runs from must be one of "aware", "notified", "decision", "publication".']);
    expect(errorsFor({ unit: 'days' })).toEqual(['Unit must be one of "working-days", "calendar-months".']);
    expect(errorsFor({ direction: 'around' })).toEqual(['Direction must be one of "after", "before".']);
    expect(errorsFor({ condition: 'sometimes' })).toEqual([
      'Condition must be one of "always", "looked-after-death", "care-leaver-death", "looked-after-or-care-leaver-death".',
    ]);
  });

  it('checks the length', () => {
    for (const bad of [0, -5, 2.5, '15']) expect(errorsFor({ length: bad })).toEqual(['Length must be a whole number, 1 or more.']);
    expect(errorsFor({ length: 261 })).toEqual(['Length must be 260 working days or fewer.']);
    expect(errorsFor({ unit: 'calendar-months', length: 61 })).toEqual(['Length must be 60 calendar months or fewer.']);
    expect(errorsFor({ unit: 'calendar-months', length: 60 })).toEqual([]);
  });

  it('allows "before" only from publication', () => {
    expect(errorsFor({ direction: 'before' })).toEqual([
      'Only clocks that run from the publication date can count before it; the other start dates are recorded after the event.',
    ]);
    expect(errorsFor({ direction: 'before', runsFrom: 'publication' })).toEqual([]);
  });

  it('checks recipients', () => {
    expect(errorsFor({ recipients: [] })).toEqual([]);
    expect(errorsFor({ recipients: 'Panel' })).toEqual(['Recipients must be a list (it may be empty).']);
    expect(errorsFor({ recipients: ['Panel', ' '] })).toEqual(['Each recipient must be a name; remove any blank recipients.']);
  });

  it('checks guidance', () => {
    expect(errorsFor({ guidance: '' })).toEqual(['Enter the guidance the rule comes from, like "Working Together to Safeguard Children 2023 ch.5".']);
  });

  it('checks the applies-from/until window', () => {
    expect(errorsFor({ appliesFrom: '2024-02-30' })).toEqual(['Applies from must be a real date as YYYY-MM-DD, or empty.']);
    expect(errorsFor({ appliesUntil: '31/12/2024' })).toEqual(['Applies until must be a real date as YYYY-MM-DD, or empty.']);
    expect(errorsFor({ appliesFrom: undefined })).toEqual(['Applies from must be a real date as YYYY-MM-DD, or empty.']);
    expect(errorsFor({ appliesFrom: '2024-06-01', appliesUntil: '2024-05-31' })).toEqual(['Applies until must be the same as or after applies from.']);
    expect(errorsFor({ appliesFrom: '2024-06-01', appliesUntil: '2024-06-01' })).toEqual([]);
  });

  it('checks statutory', () => {
    expect(errorsFor({ statutory: 'yes' })).toEqual(['Say whether the rule is statutory (true or false).']);
  });

  it('reports several problems at once', () => {
    expect(errorsFor({ key: '', version: 0, length: 0 })).toHaveLength(3);
  });
});

describe('validateClockRuleSet', () => {
  it('prefixes per-rule errors with the rule', () => {
    expect(validateClockRuleSet([good, { ...good, key: 'x', version: 0 }])).toEqual(['Rule 2 (x): Version must be a whole number, 1 or more.']);
  });

  it('rejects a repeated key and version', () => {
    expect(validateClockRuleSet([good, { ...good }])).toEqual(['rapid-review v2 appears more than once; give each version its own number.']);
  });

  it('rejects versions whose windows overlap', () => {
    const v3 = { ...good, version: 3, appliesFrom: '2024-06-01' };
    expect(validateClockRuleSet([good, v3])).toEqual([
      'rapid-review v2 and v3 both apply to some cases; make their applies-from and applies-until dates meet without overlapping.',
    ]);
    expect(validateClockRuleSet([{ ...good, appliesUntil: '2024-05-31' }, v3])).toEqual([]);
  });

  it('allows overlapping windows when the conditions exclude each other', () => {
    const lac = { ...good, key: 'sos', version: 1, condition: 'looked-after-death' as const, appliesFrom: null };
    const cl = { ...lac, version: 2, condition: 'care-leaver-death' as const };
    expect(validateClockRuleSet([lac, cl])).toEqual([]);
    expect(validateClockRuleSet([lac, { ...cl, condition: 'looked-after-or-care-leaver-death' as const }])).toHaveLength(1);
  });
});
