// General patterns, flagged for review whatever the case holds, and the ordinary prose that must
// stay quiet.
import { describe, it, expect } from 'vitest';
import { scanForIdentifiers } from './scan.ts';
import { isValidNhsNumber } from './nhs-numbers.ts';
import type { Identifiers } from './types.ts';

const NONE: Identifiers = { people: [], datesOfBirth: [], addresses: [], postcodes: [], settings: [], nhsNumbers: [], phones: [], emails: [] };

function scan(text: string, ids: Partial<Identifiers> = {}) {
  return scanForIdentifiers([{ source: 'summary', pages: [text] }], { ...NONE, ...ids });
}
function found(text: string, ids: Partial<Identifiers> = {}): [string, string][] {
  return scan(text, ids).map((f) => [f.kind, f.match]);
}

describe('isValidNhsNumber', () => {
  it.each(['9434765919', '943 476 5919', '943-476-5919', '4010232137', '4505577104', '9876543210'])('accepts %s', (n) => {
    expect(isValidNhsNumber(n)).toBe(true);
  });
  it.each(['9434765918', '1234567890', '943476591', '94347659190', 'abcdefghij'])('rejects %s', (n) => {
    expect(isValidNhsNumber(n)).toBe(false);
  });
  it('rejects a number whose check digit would have to be 10', () => {
    // 1×10 + 0×9 + … + 1×2 = 12 → remainder 1 → check 10: no valid NHS number starts 100000001.
    expect([...'0123456789'].some((d) => isValidNhsNumber(`100000001${d}`))).toBe(false);
  });
  it('takes a check value of 11 as the digit 0', () => {
    // 1×9 + 1×2 = 11 → remainder 0 → check 11 → 0.
    expect(isValidNhsNumber('0100000010')).toBe(true);
    expect(isValidNhsNumber('0100000011')).toBe(false);
  });
});

describe('pattern: postcodes', () => {
  it.each(['SW1A 1AA', 'M1 1AE', 'B33 8TH', 'CR2 6XH', 'DN55 1PT', 'EC1A 1BB', 'W1A 0AX', 'sw1a1aa', 'GIR 0AA'])('flags %s for review', (postcode) => {
    const [finding] = scan(`Sent to ${postcode} today.`);
    expect(finding).toMatchObject({ kind: 'pattern-postcode', severity: 'review', match: postcode, column: 9 });
  });

  it('gives the postcode in standard form in the detail', () => {
    expect(scan('sw1a1aa')[0].detail).toBe("Looks like a UK postcode ('SW1A 1AA'): check it does not locate the family or a setting");
  });

  it.each([['inward code with a letter Royal Mail never uses', 'M1 1AM'], ['outward code starting Q', 'QA1 1AA'], ['part of a longer code', 'XSW1A 1AA'], ['a motorway and a time', 'M25 at 5PM']])(
    'does not flag %s',
    (_label, text) => {
      expect(found(text)).toEqual([]);
    },
  );
});

describe('pattern: NHS numbers', () => {
  it('flags ten digits with a valid check digit, spaced 3-3-4 or run together', () => {
    expect(found('943 476 5919, 4010232137 and 450-557-7104')).toEqual([
      ['pattern-nhs-number', '943 476 5919'],
      ['pattern-nhs-number', '4010232137'],
      ['pattern-nhs-number', '450-557-7104'],
    ]);
    expect(scan('9434765919')[0]).toMatchObject({ severity: 'review', detail: 'Looks like an NHS number (ten digits with a valid check digit)' });
  });

  it('does not flag ten digits with a wrong check digit, inconsistent spacing or more digits', () => {
    expect(found('943 476 5918, 1234567890, 943 4765919, 19434765919')).toEqual([]);
  });
});

describe('pattern: phone numbers', () => {
  it.each([
    ['07700 900123', 'mobile'],
    ['07700900123', 'mobile'],
    ['07700 900 123', 'mobile'],
    ['+44 7700 900123', 'mobile'],
    ['+44 (0)7700 900123', 'mobile'],
    ['020 7946 0958', 'landline'],
    ['(020) 7946 0958', 'landline'],
    ['0161 496 0000', 'landline'],
    ['01632 960001', 'landline'],
    ['0300 123 4567', 'landline'],
    ['+44 20 7946 0958', 'landline'],
  ])('flags %s as a UK %s number', (phone, type) => {
    const [finding] = scan(`Call ${phone} now`);
    expect(finding).toMatchObject({ kind: 'pattern-phone', severity: 'review', match: phone, detail: `Looks like a UK ${type} phone number`, column: 6 });
  });

  it('does not flag short numbers, other prefixes or numbers run into longer ones', () => {
    expect(found('0800 123 456, 0845 46 47, 999, 101, 08001234567, 0770090012345, 123 4567 8901')).toEqual([]);
  });
});

describe('pattern: email addresses', () => {
  it('flags an email address, leaving out the full stop that ends the sentence', () => {
    const [finding] = scan('Contact safeguarding@northmoor.gov.uk.');
    expect(finding).toMatchObject({ kind: 'pattern-email', severity: 'review', match: 'safeguarding@northmoor.gov.uk', detail: 'Looks like an email address' });
  });

  it('does not flag an @ in a handle or a sum', () => {
    expect(found('@northmoorlscp, 5 @ £2, name@localhost')).toEqual([]);
  });
});

describe('ordinary prose', () => {
  it('produces no findings from a typical passage of a published review', () => {
    const prose = [
      '1.1 This review considers the experiences of Child A, a boy aged 7, between January 2019 and',
      'March 2021. Section 4.12 sets out the key practice episodes. In 2019 the family moved into',
      'the area and were supported by Northmoor Council, Northmoor Police, the Integrated Care Board',
      'and the school nursing service. £3,000 was spent on respite care; 45% of contacts were by phone.',
      'Page 12 of 48. See paragraphs 3.2.1 to 3.2.4 and recommendation 5. The Child Safeguarding',
      'Practice Review Panel was notified within 5 working days, and the rapid review took 15 days.',
      'Mother (Adult B) and her partner (Adult C) attended 3 of 10 appointments; the GP practice and',
      'health visitor shared information on 14 occasions. Version 2.0, published 2022.',
    ].join('\n');
    expect(scan(prose)).toEqual([]);
  });

  it('stays quiet on ordinary prose even with a full set of case identifiers', () => {
    const ids: Partial<Identifiers> = {
      people: [{ fullName: 'Kayden Lee Smith', role: 'child' }, { fullName: 'April May Brown', role: 'mother' }, { fullName: 'Jo Li', role: 'grandmother' }],
      datesOfBirth: ['2015-03-07'],
      addresses: ['12 Acacia Avenue, Northmoor, NM1 2AB'],
      postcodes: ['NM1 2AB'],
      settings: ['Oakfield Primary School', 'Northmoor Nursery'],
      nhsNumbers: ['943 476 5919'],
      phones: ['07700 900123'],
      emails: ['mum@example.com'],
    };
    const prose =
      'Child A was known to Northmoor Council from 2019. In the spring the police shared concerns; ' +
      'practitioners will reflect on whether may or might applies, et al. The blacksmith and the ' +
      'locksmith were not involved. The brown envelope was sent in the post in March 2015.';
    expect(scan(prose, ids)).toEqual([]);
  });
});
