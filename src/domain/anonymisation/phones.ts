// UK phone numbers: those held on the case (identifying) and any UK-shaped number (review).
// Written forms vary (+44 7700 900123, 07700-900-123, (020) 7946 0958, +44 (0)20 ...), so both
// sides are compared as national digits.

import type { Matcher } from './matcher.ts';
import { dedupeBy, regexMatcher } from './matcher.ts';

// Where the national '0' can be: '0', '(0', '+44', '+44 (0)', '0044'.
const PREFIX = '(?:(?:\\+|00)\\s?44\\s?(?:\\(0\\)\\s?)?|\\(?0)';
// Between digits: nothing, a space, a dash, a dot, or a closing bracket after an area code.
const SEP = '(?:[\\s.-]|\\)\\s?)?';

/** The number as dialled from within the UK, digits only: '+44 (0)7700 900123' → '07700900123'. */
export function nationalDigits(text: string): string {
  const digits = text.replace(/\D/g, '');
  if (digits.startsWith('0044')) return `0${digits.slice(4).replace(/^0/, '')}`;
  if (text.trim().startsWith('+') && digits.startsWith('44')) return `0${digits.slice(2).replace(/^0/, '')}`;
  return digits;
}

export function casePhoneMatchers(phones: string[]): Matcher[] {
  const usable = phones.map(nationalDigits).filter((d) => d.length >= 6);
  return [...dedupeBy(usable, (d) => d).keys()].map((digits) => {
    const uk = digits.startsWith('0');
    const rest = uk ? digits.slice(1) : digits;
    const pattern = uk
      ? `(?<![\\d+])${PREFIX}${SEP}${[...rest].join(SEP)}(?!\\d)`
      : `(?<![\\d+])\\+?${[...rest].join(SEP)}(?!\\d)`;
    return regexMatcher({
      pattern,
      kind: 'phone',
      severity: 'identifying',
      key: (m) => nationalDigits(m[0]),
      describe: () => `Matches a phone number held on the case (${digits})`,
    });
  });
}

export function phonePatternMatcher(): Matcher {
  return regexMatcher({
    // 11 national digits starting 01, 02, 03 (landlines and non-geographic) or 07 (mobiles).
    pattern: `(?<![\\d+])${PREFIX}([1237])(?:(?:[ -]|\\)\\s?)?\\d){9}(?!\\d)`,
    kind: 'pattern-phone',
    severity: 'review',
    key: (m) => nationalDigits(m[0]),
    describe: (m) => (m[1] === '7' ? 'Looks like a UK mobile phone number' : 'Looks like a UK landline phone number'),
  });
}
