// The scan as a whole: places, order, one finding per span, fingerprints and speed.
import { describe, it, expect } from 'vitest';
import { scanForIdentifiers } from './index.ts';
import type { Identifiers, ScannedDocument } from './index.ts';

const NONE: Identifiers = { people: [], datesOfBirth: [], addresses: [], postcodes: [], settings: [], nhsNumbers: [], phones: [], emails: [] };

const CASE: Identifiers = {
  people: [
    { fullName: 'Kayden Lee Smith', role: 'child' },
    { fullName: 'Mary-Jane van der Berg', role: 'mother' },
    { fullName: 'Darren Smith', role: 'father' },
  ],
  datesOfBirth: ['2015-03-07'],
  addresses: ['12 Acacia Avenue, Northmoor, NM1 2AB'],
  postcodes: [],
  settings: ['Oakfield Primary School'],
  nhsNumbers: ['943 476 5919'],
  phones: ['07700 900123'],
  emails: ['mj.berg@example.com'],
};

describe('places: source, page, line and column', () => {
  it('reports 1-based page, line and column for each finding', () => {
    const documents: ScannedDocument[] = [
      { source: 'final-report.pdf', pages: ['Introduction\nChild A.', 'Background\n  In 2019 Kayden moved.\nHis father, Darren,\r\nleft.'] },
    ];
    const found = scanForIdentifiers(documents, CASE);
    expect(found.map(({ page, line, column, match }) => ({ page, line, column, match }))).toEqual([
      { page: 2, line: 2, column: 11, match: 'Kayden' },
      { page: 2, line: 3, column: 13, match: 'Darren' },
    ]);
  });

  it('counts columns in characters of the original text, hidden characters included', () => {
    const [finding] = scanForIdentifiers([{ source: 's', pages: ['a\u200Bb 😀 Kayden'] }], CASE);
    expect(finding).toMatchObject({ line: 1, column: 7, match: 'Kayden' });
  });

  it('places a match that runs over a line break at its start', () => {
    const [finding] = scanForIdentifiers([{ source: 's', pages: ['one\nthen Kayden\nSmith left'] }], CASE);
    expect(finding).toMatchObject({ line: 2, column: 6, match: 'Kayden\nSmith' });
  });

  it('sorts by source, then page, line and column, whatever the order documents arrive in', () => {
    const documents: ScannedDocument[] = [
      { source: 'summary', pages: ['Kayden'] },
      { source: 'final-report.pdf', pages: ['x\nx Smith Kayden', 'Kayden'] },
      { source: 'briefing', pages: ['', 'x Kayden x Kayden'] },
    ];
    expect(scanForIdentifiers(documents, CASE).map((f) => [f.source, f.page, f.line, f.column])).toEqual([
      ['briefing', 2, 1, 3],
      ['briefing', 2, 1, 12],
      ['final-report.pdf', 1, 2, 3],
      ['final-report.pdf', 2, 1, 1],
      ['summary', 1, 1, 1],
    ]);
  });

  it('returns nothing for no documents, empty pages, or no identifiers on plain text', () => {
    expect(scanForIdentifiers([], CASE)).toEqual([]);
    expect(scanForIdentifiers([{ source: 's', pages: ['', '\n\n'] }], CASE)).toEqual([]);
    expect(scanForIdentifiers([{ source: 's', pages: ['Kayden Smith'] }], NONE)).toEqual([]);
  });
});

describe('one finding per span', () => {
  function kinds(text: string): [string, string, string][] {
    return scanForIdentifiers([{ source: 's', pages: [text] }], CASE).map((f) => [f.kind, f.severity, f.match]);
  }

  it('keeps the case identifier when a general pattern matches the same text', () => {
    expect(kinds('Born 07/03/2015, NHS 943 476 5919, tel 07700 900123, NM1 2AB, mj.berg@example.com')).toEqual([
      ['date-of-birth', 'identifying', '07/03/2015'],
      ['nhs-number', 'identifying', '943 476 5919'],
      ['phone', 'identifying', '07700 900123'],
      ['postcode', 'identifying', 'NM1 2AB'],
      ['email', 'identifying', 'mj.berg@example.com'],
    ]);
  });

  it('keeps the longest case identifier: the full address over its postcode, the full name over its parts', () => {
    expect(kinds('12 Acacia Avenue, Northmoor, NM1 2AB; Kayden Lee Smith')).toEqual([
      ['address', 'identifying', '12 Acacia Avenue, Northmoor, NM1 2AB'],
      ['name', 'identifying', 'Kayden Lee Smith'],
    ]);
  });

  it('keeps a general pattern that contains case identifiers, marked identifying and saying what it contains', () => {
    const found = scanForIdentifiers([{ source: 's', pages: ['Email kayden.smith@example.org please'] }], CASE);
    expect(found).toEqual([
      expect.objectContaining({
        kind: 'pattern-email',
        severity: 'identifying',
        match: 'kayden.smith@example.org',
        detail: "Looks like an email address, and it contains the child's first name 'Kayden' and the surname 'Smith' of the child and the father",
      }),
    ]);
  });

  it('keeps general patterns that touch no case identifier as review findings', () => {
    expect(kinds('Seen 12/05/2019 at SW1A 1AA, 020 7946 0958, duty@northmoor.gov.uk, 401 023 2137')).toEqual([
      ['pattern-date', 'review', '12/05/2019'],
      ['pattern-postcode', 'review', 'SW1A 1AA'],
      ['pattern-phone', 'review', '020 7946 0958'],
      ['pattern-email', 'review', 'duty@northmoor.gov.uk'],
      ['pattern-nhs-number', 'review', '401 023 2137'],
    ]);
  });
});

describe('fingerprints', () => {
  const pages = ['Kayden went home. KAYDEN’s mother called.', 'Later, Kayden and Mary-Jane left on 12/05/2019.'];

  it('are readable, deterministic strings of source, kind, normalised match and occurrence', () => {
    const found = scanForIdentifiers([{ source: 'final-report.pdf', pages }], CASE);
    expect(found.map((f) => f.fingerprint)).toEqual([
      'final-report.pdf:name:kayden:1',
      'final-report.pdf:name:kayden:2',
      'final-report.pdf:name:kayden:3',
      'final-report.pdf:name:mary-jane:1',
      'final-report.pdf:pattern-date:2019-05-12:1',
    ]);
  });

  it('are the same on a re-scan of the same text', () => {
    const first = scanForIdentifiers([{ source: 'summary', pages }], CASE);
    const second = scanForIdentifiers([{ source: 'summary', pages: [...pages] }], structuredClone(CASE));
    expect(second).toEqual(first);
  });

  it('survive edits that do not add or remove an earlier occurrence of the same text', () => {
    const before = scanForIdentifiers([{ source: 'summary', pages }], CASE);
    const edited = ['Kayden went home at once. KAYDEN’s mother called.', 'Later that day, Kayden and Mary-Jane left on 12/05/2019.'];
    const after = scanForIdentifiers([{ source: 'summary', pages: edited }], CASE);
    expect(after.map((f) => f.fingerprint)).toEqual(before.map((f) => f.fingerprint));
  });

  it('do not depend on how the match is spaced, cased or hidden', () => {
    const a = scanForIdentifiers([{ source: 's', pages: ['Kayden Smith, 07700 900123, NM1 2AB, 7 March 2015'] }], CASE);
    const b = scanForIdentifiers([{ source: 's', pages: ['KAY\u200BDEN  smith, +44 7700-900-123, nm12ab, 07/03/2015'] }], CASE);
    expect(b.map((f) => f.fingerprint)).toEqual(a.map((f) => f.fingerprint));
    expect(a.map((f) => f.fingerprint)).toEqual([
      's:name:kayden smith:1',
      's:phone:07700900123:1',
      's:postcode:NM12AB:1',
      's:date-of-birth:2015-03-07:1',
    ]);
  });

  it('differ between sources and escape colons in the source', () => {
    const found = scanForIdentifiers([{ source: 'a', pages: ['Kayden'] }, { source: 'b:c%', pages: ['Kayden'] }], CASE);
    expect(found.map((f) => f.fingerprint)).toEqual(['a:name:kayden:1', 'b%3Ac%25:name:kayden:1']);
  });
});

describe('performance', () => {
  it('scans a 200-page report with about 20 identifiers in well under a second', () => {
    const ids: Identifiers = {
      people: [
        ...CASE.people,
        { fullName: 'Tyler Smith', role: 'sibling' },
        { fullName: 'Jo Brown', role: 'grandmother' },
        { fullName: "Liam O'Brien", role: "mother's partner" },
      ],
      datesOfBirth: ['2015-03-07', '2012-11-30'],
      addresses: ['12 Acacia Avenue, Northmoor, NM1 2AB', 'Flat 3, 45 Mill Lane, Northmoor NM2 3CD'],
      postcodes: ['NM3 4CD'],
      settings: ["St Mary's C of E Primary School", 'Riverside Medical Practice', 'Little Acorns Nursery'],
      nhsNumbers: ['943 476 5919'],
      phones: ['07700 900123', '01632 960001'],
      emails: ['mj.berg@example.com'],
    };
    const paragraph =
      'Practitioners considered the child’s “lived experience” of Child A in 2019 — see section 4.12. ' +
      '£3,000 was spent by Northmoor Council; the health visitor and the school nurse shared information ' +
      'at the strategy meeting on 12 May 2019, and the social worker recorded concerns about neglect.\n';
    const page = paragraph.repeat(Math.ceil(3000 / paragraph.length)).slice(0, 3000);
    const pages = Array.from({ length: 200 }, (_, i) => (i === 150 ? `${page} Kayden Smith lived at 12 Acacia Avenue.` : page));

    scanForIdentifiers([{ source: 'warm-up', pages: [paragraph] }], ids);
    const started = performance.now();
    const found = scanForIdentifiers([{ source: 'final-report.pdf', pages }], ids);
    const elapsed = performance.now() - started;

    expect(found.filter((f) => f.severity === 'identifying').map((f) => [f.page, f.match])).toEqual([
      [151, 'Kayden Smith'],
      [151, '12 Acacia Avenue'],
    ]);
    expect(elapsed).toBeLessThan(1000);
  });
});
