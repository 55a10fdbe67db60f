// Case-specific identifiers other than names and dates: addresses, postcodes, settings, NHS
// numbers, phone numbers and email addresses.
import { describe, it, expect } from 'vitest';
import { scanForIdentifiers } from './scan.ts';
import type { Identifiers } from './types.ts';

const NONE: Identifiers = { people: [], datesOfBirth: [], addresses: [], postcodes: [], settings: [], nhsNumbers: [], phones: [], emails: [] };

function scan(text: string, ids: Partial<Identifiers>) {
  return scanForIdentifiers([{ source: 'summary', pages: [text] }], { ...NONE, ...ids });
}
function found(text: string, ids: Partial<Identifiers>): [string, string][] {
  return scan(text, ids).map((f) => [f.kind, f.match]);
}

describe('addresses', () => {
  const addresses = ['12 Acacia Avenue, Northmoor, NM1 2AB'];

  it('flags the whole address as one finding, however it is broken across lines', () => {
    const [finding, ...rest] = scan('They lived at 12 Acacia Avenue,\n  Northmoor NM1 2AB until 2020.', { addresses });
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      kind: 'address',
      severity: 'identifying',
      match: '12 Acacia Avenue,\n  Northmoor NM1 2AB',
      detail: "Matches the case address '12 Acacia Avenue, Northmoor, NM1 2AB'",
      line: 1,
      column: 15,
    });
  });

  it('flags the first line in any case and spacing, and with the street type abbreviated', () => {
    expect(found('12 acacia avenue; 12  ACACIA\nAVENUE; 12, Acacia Avenue; 12 Acacia Ave.; 12 Acacia Ave', { addresses })).toEqual([
      ['address', '12 acacia avenue'],
      ['address', '12  ACACIA\nAVENUE'],
      ['address', '12, Acacia Avenue'],
      ['address', '12 Acacia Ave.'],
      ['address', '12 Acacia Ave'],
    ]);
    expect(scan('12 Acacia Avenue', { addresses })[0].detail).toBe("Matches the first line of the case address '12 Acacia Avenue'");
  });

  it('flags the street without the house number', () => {
    expect(scan('They moved to Acacia Avenue.', { addresses })[0]).toMatchObject({
      match: 'Acacia Avenue',
      detail: "Matches the street of the case address ('Acacia Avenue' in '12 Acacia Avenue')",
    });
  });

  it('flags the postcode written in the address, but not the town, which names the partnership too', () => {
    expect(found('Northmoor Council served NM1 2AB and Northmoor.', { addresses })).toEqual([['postcode', 'NM1 2AB']]);
  });

  it('uses the line after a flat number as the street line', () => {
    const flat = ['Flat 3, 45 Mill Lane, Northmoor'];
    expect(found('Flat 3 was damp. 45 Mill Lane; 45 Mill Ln; Mill Lane', { addresses: flat })).toEqual([
      ['address', '45 Mill Lane'],
      ['address', '45 Mill Ln'],
      ['address', 'Mill Lane'],
    ]);
  });

  it('does not flag a different house number or a word that merely contains the street', () => {
    expect(found('14 Acacia Avenues were planted', { addresses: ['12 Acacia Avenue'] })).toEqual([]);
  });
});

describe('postcodes', () => {
  it('flags a case postcode with or without the space, in any case', () => {
    expect(found('NM1 2AB, NM12AB, nm1 2ab, nm12ab', { postcodes: ['NM1 2AB'] })).toEqual([
      ['postcode', 'NM1 2AB'],
      ['postcode', 'NM12AB'],
      ['postcode', 'nm1 2ab'],
      ['postcode', 'nm12ab'],
    ]);
    expect(scan('NM12AB', { postcodes: ['nm1 2ab'] })[0].detail).toBe("Matches a postcode held on the case ('NM1 2AB')");
  });

  it('does not flag a postcode inside a longer code', () => {
    expect(found('REFNM12AB and NM12ABX', { postcodes: ['NM1 2AB'] })).toEqual([]);
  });
});

describe('settings', () => {
  it('flags the setting by its full name, in any case and spacing', () => {
    const [finding] = scan('He attended OAKFIELD  PRIMARY SCHOOL.', { settings: ['Oakfield Primary School'] });
    expect(finding).toMatchObject({ kind: 'setting', severity: 'identifying', match: 'OAKFIELD  PRIMARY SCHOOL', detail: "Matches the setting 'Oakfield Primary School'" });
  });

  it('flags the distinctive part followed by any kind of setting', () => {
    const settings = ['Oakfield Primary School'];
    expect(found('Oakfield Primary; Oakfield School; Oakfield Academy; Oakfield Infants', { settings }).map(([, m]) => m)).toEqual([
      'Oakfield Primary',
      'Oakfield School',
      'Oakfield Academy',
      'Oakfield Infants',
    ]);
    expect(scan('Oakfield School', { settings })[0].detail).toBe("Matches the setting 'Oakfield Primary School' by its name ('Oakfield')");
  });

  it("copes with 'St' and 'Saint', apostrophes and church-school qualifiers", () => {
    const settings = ["St Mary's C of E Primary School"];
    expect(found("St. Mary’s CE Primary; Saint Marys Primary School; St Mary's C of E Primary School", { settings }).map(([, m]) => m)).toEqual([
      'St. Mary’s CE Primary',
      'Saint Marys Primary School',
      "St Mary's C of E Primary School",
    ]);
  });

  it('flags GP practices and nurseries the same way', () => {
    const settings = ['Riverside Medical Practice', 'Little Acorns Day Nursery'];
    expect(found('Riverside Surgery; Riverside Medical Practice; Little Acorns Nursery', { settings }).map(([, m]) => m)).toEqual([
      'Riverside Surgery',
      'Riverside Medical Practice',
      'Little Acorns Nursery',
    ]);
  });

  it('does not flag the distinctive part alone or with a word that is not a kind of setting', () => {
    const settings = ['Northmoor Nursery', 'Oakfield Primary School'];
    expect(found('Northmoor Council, Northmoor Police and the Oakfield estate', { settings })).toEqual([]);
  });
});

describe('NHS numbers', () => {
  it('flags a case NHS number however it is spaced', () => {
    expect(found('943 476 5919; 9434765919; 943-476-5919; 9434 765 919', { nhsNumbers: ['943 476 5919'] })).toEqual([
      ['nhs-number', '943 476 5919'],
      ['nhs-number', '9434765919'],
      ['nhs-number', '943-476-5919'],
      ['nhs-number', '9434 765 919'],
    ]);
  });

  it('flags a case NHS number even if its check digit is wrong (a typing slip on the record)', () => {
    expect(found('NHS 123 456 7890', { nhsNumbers: ['1234567890'] })).toEqual([['nhs-number', '123 456 7890']]);
  });

  it('does not flag the digits inside a longer number', () => {
    expect(found('19434765919 and 94347659190', { nhsNumbers: ['9434765919'] })).toEqual([]);
  });
});

describe('phone numbers', () => {
  it('flags a case mobile number in national and +44 forms with any spacing', () => {
    const phones = ['07700 900123'];
    expect(found('07700900123; 07700 900 123; 07700-900-123; +44 7700 900123; +447700900123; +44 (0)7700 900123; 0044 7700 900123', { phones }).map(([, m]) => m)).toEqual([
      '07700900123',
      '07700 900 123',
      '07700-900-123',
      '+44 7700 900123',
      '+447700900123',
      '+44 (0)7700 900123',
      '0044 7700 900123',
    ]);
    expect(scan('+44 7700 900123', { phones })[0]).toMatchObject({ kind: 'phone', detail: 'Matches a phone number held on the case (07700900123)' });
  });

  it('flags a case number recorded in +44 form when written nationally, and landlines with brackets', () => {
    expect(found('07700 900123', { phones: ['+44 7700 900123'] })).toEqual([['phone', '07700 900123']]);
    expect(found('(01632) 960001', { phones: ['01632 960001'] })).toEqual([['phone', '(01632) 960001']]);
  });

  it('does not flag a different number that shares most digits', () => {
    expect(found('07700 900124', { phones: ['07700 900123'] })).toEqual([['pattern-phone', '07700 900124']]);
  });
});

describe('email addresses', () => {
  it('flags a case email address in any case, without the full stop that ends the sentence', () => {
    const [finding] = scan('Write to MJ.Berg@Example.com.', { emails: ['mj.berg@example.com'] });
    expect(finding).toMatchObject({ kind: 'email', severity: 'identifying', match: 'MJ.Berg@Example.com', detail: 'Matches an email address held on the case (mj.berg@example.com)' });
  });

  it('does not flag it inside a longer address', () => {
    expect(found('xmj.berg@example.com.au', { emails: ['mj.berg@example.com'] })).toEqual([['pattern-email', 'xmj.berg@example.com.au']]);
  });
});
