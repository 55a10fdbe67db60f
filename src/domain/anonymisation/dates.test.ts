import { describe, it, expect } from 'vitest';
import { findDates } from './dates.ts';
import { scanForIdentifiers } from './scan.ts';
import type { Identifiers } from './types.ts';

const NONE: Identifiers = { people: [], datesOfBirth: [], addresses: [], postcodes: [], settings: [], nhsNumbers: [], phones: [], emails: [] };

function scan(text: string, datesOfBirth: string[] = ['2015-03-07']) {
  return scanForIdentifiers([{ source: 'summary', pages: [text] }], { ...NONE, datesOfBirth });
}

describe('findDates', () => {
  it.each([
    ['2015-03-07', 2015, 3, 7],
    ['07/03/2015', 2015, 3, 7],
    ['7/3/2015', 2015, 3, 7],
    ['07.03.15', 2015, 3, 7],
    ['07-03-2015', 2015, 3, 7],
    ['7 March 2015', 2015, 3, 7],
    ['7th March 2015', 2015, 3, 7],
    ['7th of March, 2015', 2015, 3, 7],
    ['March 7, 2015', 2015, 3, 7],
    ['March 7th 2015', 2015, 3, 7],
    ['7 Mar 2015', 2015, 3, 7],
    ['7 Mar. 2015', 2015, 3, 7],
    ['07-Mar-2015', 2015, 3, 7],
    ['21 sept 1998', 1998, 9, 21],
    ['1st JANUARY 2001', 2001, 1, 1],
    ['29/02/2016', 2016, 2, 29],
    ['3/7/87', 1987, 7, 3],
  ])('reads %s', (text, year, month, day) => {
    const dates = findDates(`Seen on ${text} at home.`);
    expect(dates).toHaveLength(1);
    expect(dates[0]).toMatchObject({ year, month, day, start: 8, end: 8 + text.length });
  });

  it.each([
    ['a year alone', 'in 2019'],
    ['a month and year', 'in March 2015'],
    ['a section number', 'section 4.12'],
    ['a three-part paragraph number', 'paragraph 4.12.15 and 3.2.1'],
    ['a version-like number', 'version 1.2.3.4 and 10.11.12.13'],
    ['money', '£3,000 and £12.50'],
    ['page numbers', 'page 4 of 12, pages 10-12'],
    ['an impossible day', '31/02/2015 and 30 February 2016 and 2015-13-01'],
    ['a time', 'at 10.30 on Tuesday'],
    ['a fraction', '1/2 of the time'],
  ])('ignores %s', (_label, text) => {
    expect(findDates(text)).toEqual([]);
  });

  it('reads both ends of a date range', () => {
    expect(findDates('07/03/2015-08/03/2015').map((d) => d.day)).toEqual([7, 8]);
  });
});

describe('dates in a scan', () => {
  it('flags a date of birth on the case as identifying, in every format', () => {
    const text = '2015-03-07; 07/03/2015; 7/3/2015; 07.03.15; 7 March 2015; 7th March 2015; March 7, 2015; 7 Mar 2015';
    const found = scan(text);
    expect(found.map((f) => f.match)).toEqual([
      '2015-03-07', '07/03/2015', '7/3/2015', '07.03.15', '7 March 2015', '7th March 2015', 'March 7, 2015', '7 Mar 2015',
    ]);
    for (const f of found) {
      expect(f).toMatchObject({ kind: 'date-of-birth', severity: 'identifying', detail: 'Matches a date of birth held on the case (7 March 2015)' });
    }
  });

  it('flags any other full date for review, saying it may be a date of birth, and never twice', () => {
    const found = scan('The referral was made on 12 May 2019.');
    expect(found).toEqual([
      expect.objectContaining({
        match: '12 May 2019',
        kind: 'pattern-date',
        severity: 'review',
        detail: 'A full date (12 May 2019): it may be a date of birth, so check it before publishing.',
        column: 26,
      }),
    ]);
  });

  it('does not take a date in another year for the date of birth', () => {
    expect(scan('7 March 2016 and 07.03.16')[0].kind).toBe('pattern-date');
    expect(scan('7 March 2016 and 07.03.16')[1].kind).toBe('pattern-date');
  });

  it('points out a numeric date that is the date of birth if read month first', () => {
    const [finding] = scan('Seen on 03/07/2015.');
    expect(finding.kind).toBe('pattern-date');
    expect(finding.detail).toContain('Read month first, it is a date of birth held on the case (7 March 2015)');
  });

  it('accepts dates of birth given in other formats on the record, and ignores unreadable ones', () => {
    expect(scan('07/03/2015', ['7 March 2015'])[0].kind).toBe('date-of-birth');
    expect(scan('07/03/2015', ['not a date', ''])[0].kind).toBe('pattern-date');
  });

  it('flags nothing in ordinary chronology', () => {
    expect(scan('In 2019, and again in March 2020, the family moved. See section 4.12 and page 7.')).toEqual([]);
  });
});
