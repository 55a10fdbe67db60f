// UK postcodes: those held on the case (identifying) and anything shaped like one (review).

import type { Matcher } from './matcher.ts';
import { WORD_END, WORD_START, dedupeBy, escapeRegExp, regexMatcher } from './matcher.ts';

// The outward and inward code rules as Royal Mail publishes them (letters that never appear in a
// given position are excluded), so words and references rarely pass for a postcode.
const OUTWARD = '(?:[A-PR-UWYZ](?:[A-HK-Y][0-9][ABEHMNPRVWXY]|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9]{1,2}|[0-9]{1,2}))';
const INWARD = '[0-9][ABD-HJLNP-UW-Z]{2}';
export const POSTCODE_PATTERN = `${WORD_START}(?:${OUTWARD} ?${INWARD}|GIR ?0AA)${WORD_END}`;

/** 'nm12ab' → 'NM1 2AB': the form used in keys and details. */
export function formatPostcode(text: string): string {
  const compact = text.replace(/\s+/g, '').toUpperCase();
  return compact.length > 3 ? `${compact.slice(0, -3)} ${compact.slice(-3)}` : compact;
}

function postcodeKey(m: RegExpExecArray): string {
  return m[0].replace(/\s+/g, '').toUpperCase();
}

/** Postcodes written inside case addresses count as case postcodes too. */
export function postcodesIn(text: string): string[] {
  return [...text.matchAll(new RegExp(POSTCODE_PATTERN, 'giu'))].map((m) => m[0]);
}

export function casePostcodeMatchers(postcodes: string[]): Matcher[] {
  const usable = postcodes.map((p) => p.replace(/\s+/g, '').toUpperCase()).filter((p) => p.length >= 5);
  return [...dedupeBy(usable, (p) => p).keys()].map((compact) => {
    const shown = formatPostcode(compact);
    return regexMatcher({
      // With or without the space, any case: 'NM1 2AB', 'nm12ab'.
      pattern: `${WORD_START}${escapeRegExp(compact.slice(0, -3))}\\s?${escapeRegExp(compact.slice(-3))}${WORD_END}`,
      kind: 'postcode',
      severity: 'identifying',
      key: postcodeKey,
      describe: () => `Matches a postcode held on the case ('${shown}')`,
    });
  });
}

export function postcodePatternMatcher(): Matcher {
  return regexMatcher({
    pattern: POSTCODE_PATTERN,
    kind: 'pattern-postcode',
    severity: 'review',
    key: postcodeKey,
    describe: (m) => `Looks like a UK postcode ('${formatPostcode(m[0])}'): check it does not locate the family or a setting`,
  });
}
