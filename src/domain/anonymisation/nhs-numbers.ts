// NHS numbers: those held on the case (identifying) and any ten digits that pass the NHS
// check digit (review). The check digit keeps ordinary ten-digit references out.

import type { Matcher } from './matcher.ts';
import { dedupeBy, digitsKey, regexMatcher } from './matcher.ts';

/** Modulus 11: weights 10 down to 2 on the first nine digits; 11 − remainder is the tenth (11 → 0, 10 → never valid). */
export function isValidNhsNumber(text: string): boolean {
  const digits = text.replace(/[\s-]/g, '');
  if (!/^\d{10}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i += 1) sum += Number(digits[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 10) return false;
  return (check === 11 ? 0 : check) === Number(digits[9]);
}

function formatNhsNumber(digits: string): string {
  return digits.length === 10 ? `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}` : digits;
}

export function caseNhsNumberMatchers(nhsNumbers: string[]): Matcher[] {
  const usable = nhsNumbers.map((n) => n.replace(/\D/g, '')).filter((n) => n.length >= 6);
  return [...dedupeBy(usable, (n) => n).keys()].map((digits) =>
    regexMatcher({
      // Any spacing or dashes between digits: '943 476 5919', '943-476-5919', '9434765919'.
      pattern: `(?<!\\d)${[...digits].join('[\\s-]?')}(?!\\d)`,
      kind: 'nhs-number',
      severity: 'identifying',
      key: (m) => digitsKey(m[0]),
      describe: () => `Matches an NHS number held on the case (${formatNhsNumber(digits)})`,
    }),
  );
}

export function nhsNumberPatternMatcher(): Matcher {
  return regexMatcher({
    // 3-3-4 with one consistent separator, or ten digits run together.
    pattern: '(?<!\\d)\\d{3}([ -]?)\\d{3}\\1\\d{4}(?!\\d)',
    kind: 'pattern-nhs-number',
    severity: 'review',
    key: (m) => digitsKey(m[0]),
    describe: (m) => (isValidNhsNumber(m[0]) ? 'Looks like an NHS number (ten digits with a valid check digit)' : null),
  });
}
