import { describe, expect, it } from 'vitest';
import { filterQueryString, parseAuditQuery, parseDay } from './schemas.ts';

describe('parseDay', () => {
  it.each([
    ['2026-03-27', '2026-03-27'],
    ['2026-3-7', '2026-03-07'],
    ['27/3/2026', '2026-03-27'],
    ['29/02/2028', '2028-02-29'],
    ['2026-02-29', 'impossible'],
    ['2026-13-01', 'impossible'],
    ['2026-04-31', 'impossible'],
    ['2026-00-10', 'impossible'],
    ['1850-01-01', 'impossible'],
    ['yesterday', 'invalid'],
    ['2026/03/27', 'invalid'],
    ['27 March 2026', 'invalid'],
  ])('%s → %s', (input, expected) => {
    expect(parseDay(input)).toBe(expected);
  });
});

describe('parseAuditQuery', () => {
  it('takes an empty query as no filters and the first page', () => {
    expect(parseAuditQuery({})).toEqual({
      ok: true,
      filters: {},
      values: { from: '', to: '', actor: '', action: '', recordType: '', recordId: '', outcome: '' },
      page: {},
    });
  });

  it('trims and normalises the filters, keeps what was typed for the form, and reads the page', () => {
    const r = parseAuditQuery({ from: ' 1/3/2026 ', to: '2026-03-31', actor: ' Ann ', action: 'view', recordType: 'case', recordId: 'n1', outcome: 'refused', before: '120' });
    expect(r).toMatchObject({
      ok: true,
      filters: { from: '2026-03-01', to: '2026-03-31', actor: 'Ann', action: 'view', recordType: 'case', recordId: 'n1', outcome: 'refused' },
      values: { from: '1/3/2026', actor: 'Ann' },
      page: { before: 120 },
    });
    expect(parseAuditQuery({ after: '7' })).toMatchObject({ ok: true, page: { after: 7 } });
    expect(parseAuditQuery({ before: 'abc' })).toMatchObject({ ok: true, page: {} });
    expect(parseAuditQuery({ action: ['view', 'update'] })).toMatchObject({ ok: true, filters: { action: 'view' } });
  });

  it('explains a date that is not one, an impossible date, and a to date before the from date, in form order', () => {
    const r = parseAuditQuery({ from: '2026-02-30', to: 'soon', outcome: 'maybe' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toEqual([
      { text: 'The from date must be a real date, like 2026-03-27', href: '#from' },
      { text: 'Enter the to date as year-month-day, like 2026-03-27', href: '#to' },
      { text: 'Select an outcome from the list', href: '#outcome' },
    ]);
    expect(r.fieldErrors.from).toEqual({ text: 'The from date must be a real date, like 2026-03-27' });
    expect(r.values).toMatchObject({ from: '2026-02-30', to: 'soon', outcome: 'maybe' });

    const order = parseAuditQuery({ from: '2026-03-10', to: '2026-03-09' });
    expect(order).toMatchObject({ ok: false, errors: [{ text: 'The to date must be the same as or after the from date', href: '#to' }] });
    expect(parseAuditQuery({ from: '2026-03-10', to: '2026-03-10' }).ok).toBe(true);
  });

  it('refuses over-long text', () => {
    expect(parseAuditQuery({ recordId: 'x'.repeat(201) })).toMatchObject({ ok: false, errors: [{ text: 'Record ID must be 200 characters or fewer', href: '#recordId' }] });
  });
});

describe('filterQueryString', () => {
  it('repeats the filters given, escaped, with a page boundary', () => {
    expect(filterQueryString({})).toBe('');
    expect(filterQueryString({ actor: 'a&b', action: 'view', from: '' }, { before: 9 })).toBe('?actor=a%26b&action=view&before=9');
  });
});
