// Matchers for the names of people on the case: full name (with or without middle names, or
// surname first), initial and surname, first name alone, surname alone, and the parts of
// hyphenated and particle names.

import type { Identifiers } from './types.ts';
import { isCommonWord } from './common-words.ts';
import { foldIdentifier } from './normalise-text.ts';
import type { Matcher } from './matcher.ts';
import { joinAnd, possessive } from './wording.ts';
import { WORD_END, WORD_START, countLetters, dedupeBy, escapeRegExp, regexMatcher } from './matcher.ts';

const TITLES = new Set(['mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'master']);
// Lower-case particles belong to the surname ('van der Berg') but never identify on their own.
const PARTICLES = new Set([
  'van', 'von', 'der', 'den', 'de', 'del', 'della', 'di', 'da', 'du', 'la', 'le', 'dos', 'das',
  'ter', 'ten', 'zu', 'bin', 'binti', 'ibn', 'al', 'el', 'ap',
]);
// Below this many letters a surname alone is too likely to be an ordinary word or fragment.
const MIN_SURNAME_LETTERS = 3;

type Token = { display: string; folded: string };

type ParsedName = { first: Token; middles: Token[]; surname: Token[] };

type NameForm = {
  what: 'full name' | 'initial and surname' | 'first name' | 'surname';
  value: string;
  /** Set when the form is one part of a longer name: 'Berg' of 'van der Berg'. */
  partOf?: string;
  pattern: string;
  /** Only flag when the match starts with a capital (short names, names that are words). */
  capitalOnly: boolean;
  owner: string;
};

function parseName(fullName: string): ParsedName | null {
  const tokens: Token[] = fullName
    .normalize('NFC')
    .split(/[\s,]+/)
    .filter((t) => t.length > 0)
    .map((display) => ({ display, folded: foldIdentifier(display) }))
    .filter((t) => countLetters(t.folded) > 0);
  const isTitle = (t: Token): boolean => TITLES.has(t.folded.replace(/\.$/, '').toLowerCase());
  while (tokens.length > 0 && isTitle(tokens[0])) tokens.shift();
  if (tokens.length === 0) return null;
  if (tokens.length === 1) return { first: tokens[0], middles: [], surname: [] };
  let surnameStart = tokens.length - 1;
  while (surnameStart > 1 && PARTICLES.has(tokens[surnameStart - 1].folded.toLowerCase())) surnameStart -= 1;
  return { first: tokens[0], middles: tokens.slice(1, surnameStart), surname: tokens.slice(surnameStart) };
}

/** One name token: 'Mary-Jane' also as 'Mary Jane' or 'MaryJane'; "O'Brien" also as 'OBrien'. */
function tokenPattern(folded: string): string {
  return folded
    .split(/([-'])/)
    .map((part) => (part === '-' ? '[-\\s]?' : part === "'" ? "['\\s]?" : escapeRegExp(part)))
    .join('');
}

function surnamePattern(surname: Token[]): string {
  // 'van der Berg' also as 'Van Der Berg' or 'vanderBerg'.
  return surname.map((t) => tokenPattern(t.folded)).join('\\s*');
}

/** Plurals and possessives without an apostrophe: 'the Smiths', 'Kaydens mum'. */
function withPlural(pattern: string, folded: string): string {
  return countLetters(folded) >= 3 && !/s$/i.test(folded) ? `${pattern}s?` : pattern;
}

function initialOf(token: Token): string | null {
  const letter = /\p{L}/u.exec(token.folded);
  return letter ? escapeRegExp(letter[0]) : null;
}

function hyphenParts(token: Token): Token[] {
  if (!token.folded.includes('-')) return [];
  const displays = token.display.split(/[-\u2010\u2011\u2013]/);
  const foldeds = token.folded.split('-');
  return foldeds
    .map((folded, i) => ({ display: displays.length === foldeds.length ? displays[i] : folded, folded }))
    .filter((t) => countLetters(t.folded) >= MIN_SURNAME_LETTERS);
}

function formsFor(person: { fullName: string; role?: string }): NameForm[] {
  const parsed = parseName(person.fullName);
  if (!parsed) return [];
  const owner = person.role?.trim() ? `the ${person.role.trim()}` : person.fullName.trim();
  const { first, middles, surname } = parsed;
  const forms: NameForm[] = [];
  const add = (what: NameForm['what'], value: string, pattern: string, capitalOnly: boolean, partOf?: string): void => {
    forms.push({ what, value, pattern, capitalOnly, owner, partOf });
  };
  const firstPattern = tokenPattern(first.folded);
  const firstLetters = countLetters(first.folded);

  if (surname.length > 0) {
    const surnameText = surname.map((t) => t.display).join(' ');
    const fullText = [first, ...middles, ...surname].map((t) => t.display).join(' ');
    const sPattern = surnamePattern(surname);
    const middleAlternatives = middles.flatMap((m) => {
      const initial = initialOf(m);
      return initial ? [tokenPattern(m.folded), `${initial}\\.?`] : [tokenPattern(m.folded)];
    });
    const middlePart = middleAlternatives.length > 0 ? `(?:\\s+(?:${middleAlternatives.join('|')}))*` : '';
    add('full name', fullText, `${firstPattern}${middlePart}\\s+${sPattern}`, false);
    // Records and chronologies often write 'SMITH, Kayden'.
    add('full name', fullText, `${sPattern}\\s*,?\\s+${firstPattern}`, false);
    const initial = initialOf(first);
    if (initial) {
      // 'K. Smith', 'K Smith', 'K.L. Smith'. Bare initials ('KS') are too noisy to flag.
      const initials = `${initial}(?:\\.\\s*|\\s+)(?:\\p{L}(?:\\.\\s*|\\s+)){0,2}`;
      add('initial and surname', `${first.display[0]}. ${surnameText}`, `${initials}${sPattern}`, true);
    }

    const surnameFolded = surname.map((t) => t.folded).join(' ');
    if (countLetters(surnameFolded) >= MIN_SURNAME_LETTERS) {
      const commonWord = surname.length === 1 && isCommonWord(surname[0].folded);
      add('surname', surnameText, withPlural(sPattern, surnameFolded), commonWord);
    }
    const core = surname[surname.length - 1];
    const coreParts = surname.length > 1 && countLetters(core.folded) >= MIN_SURNAME_LETTERS ? [core] : [];
    for (const part of [...coreParts, ...hyphenParts(core)]) {
      add('surname', part.display, withPlural(tokenPattern(part.folded), part.folded), isCommonWord(part.folded), surnameText);
    }
  }

  if (firstLetters >= 2) {
    // Two-letter names ('Jo', 'Al') only capitalised, so 'et al' stays quiet.
    const capitalOnly = firstLetters < 3 || isCommonWord(first.folded);
    add('first name', first.display, withPlural(firstPattern, first.folded), capitalOnly);
  }
  for (const part of hyphenParts(first)) {
    add('first name', part.display, withPlural(tokenPattern(part.folded), part.folded), isCommonWord(part.folded), first.display);
  }
  return forms;
}

/**
 * "the child's first name 'Kayden'"; "part of the mother's surname 'van der Berg' ('Berg')";
 * shared by several people: "the surname 'Smith' of the child and the father".
 */
function describeForms(forms: NameForm[]): string {
  const byName = dedupeBy(forms, (f) => `${f.what}\u0000${f.value}\u0000${f.partOf ?? ''}`);
  const phrases = [...byName.values()].map((group) => {
    const { what, value, partOf } = group[0];
    const owners = [...new Set(group.map((f) => f.owner))];
    if (owners.length > 1) {
      return partOf === undefined
        ? `the ${what} '${value}' of ${joinAnd(owners)}`
        : `part of the ${what} '${partOf}' ('${value}') of ${joinAnd(owners)}`;
    }
    return partOf === undefined
      ? `${possessive(owners[0])} ${what} '${value}'`
      : `part of ${possessive(owners[0])} ${what} '${partOf}' ('${value}')`;
  });
  return `Matches ${joinAnd(phrases)}`;
}

export function nameMatchers(people: Identifiers['people']): Matcher[] {
  const forms = people.flatMap(formsFor);
  const groups = dedupeBy(forms, (f) => `${f.capitalOnly}\u0000${f.pattern}`);
  return [...groups.values()].map((group) => {
    const detail = describeForms(group);
    const capitalOnly = group[0].capitalOnly;
    return regexMatcher({
      pattern: `${WORD_START}(?:${group[0].pattern})${WORD_END}`,
      kind: 'name',
      severity: 'identifying',
      describe: (m) => (capitalOnly && !/^\p{Lu}/u.test(m[0]) ? null : detail),
    });
  });
}
