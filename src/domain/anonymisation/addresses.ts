// Addresses held on the case: the whole address, its first line ('12 Acacia Avenue'), and the
// street on its own ('Acacia Avenue'), since "the family moved to Acacia Avenue" locates them as
// surely as the house number does. The town alone is not flagged: it names the partnership too.

import type { Matcher } from './matcher.ts';
import { WORD_END, WORD_START, countLetters, dedupeBy, regexMatcher } from './matcher.ts';
import { phrasePattern, synonymTable, words } from './phrases.ts';

const STREET_WORDS = synonymTable([
  ['avenue', 'ave', 'av'], ['road', 'rd'], ['street', 'st'], ['lane', 'ln'], ['drive', 'dr'],
  ['close', 'cl'], ['court', 'ct'], ['crescent', 'cres', 'cresc'], ['place', 'pl'], ['gardens', 'gdns'],
  ['terrace', 'terr', 'tce'], ['square', 'sq'], ['grove', 'gr', 'gro'], ['park', 'pk'], ['mount', 'mt'],
]);
// Line separators inside an address are commas or line breaks; the report may use either.
const ADDRESS_SEPARATOR = '[\\s,]+';
const UNIT_LINE = /^(?:flat|apartment|apt|unit|room|floor)\b/i;
const HOUSE_NUMBER = /^\d+[a-z]?(?:\s*[-/]\s*\d+[a-z]?)?,?\s+/i;

type AddressForm = { pattern: string; detail: string };

function formsFor(address: string): AddressForm[] {
  const whole = address.trim().replace(/\s*(?:\r\n|\n|\r)\s*/g, ', ');
  const lines = whole.split(/\s*,\s*/).filter((line) => line.length > 0);
  if (lines.length === 0) return [];
  const forms: AddressForm[] = [];
  const add = (text: string, detail: string): void => {
    const wordList = words(text);
    if (wordList.length > 0) forms.push({ pattern: phrasePattern(wordList, STREET_WORDS, ADDRESS_SEPARATOR), detail });
  };

  if (lines.length > 1) add(whole, `Matches the case address '${whole}'`);
  // 'Flat 3' on its own says nothing; the line that follows it is the one that locates.
  if (!UNIT_LINE.test(lines[0]) || lines.length === 1) add(lines[0], `Matches the first line of the case address '${lines[0]}'`);
  const streetLine = lines.find((line) => HOUSE_NUMBER.test(line));
  if (streetLine) {
    if (streetLine !== lines[0]) add(streetLine, `Matches a line of the case address '${streetLine}'`);
    const street = streetLine.replace(HOUSE_NUMBER, '');
    if (countLetters(street) >= 4) add(street, `Matches the street of the case address ('${street}' in '${streetLine}')`);
  }
  return forms;
}

export function addressMatchers(addresses: string[]): Matcher[] {
  const groups = dedupeBy(addresses.flatMap(formsFor), (f) => f.pattern);
  return [...groups.values()].map((group) =>
    regexMatcher({
      pattern: `${WORD_START}${group[0].pattern}${WORD_END}`,
      kind: 'address',
      severity: 'identifying',
      describe: () => group[0].detail,
    }),
  );
}
