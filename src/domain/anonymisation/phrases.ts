// Turns a multi-word identifier (an address line, a school's name) into a pattern that still
// matches when it is spaced, punctuated or abbreviated differently in the report.

import { foldIdentifier } from './normalise-text.ts';
import { escapeRegExp } from './matcher.ts';

export type Synonyms = ReadonlyMap<string, readonly string[]>;

/** Builds a lookup where every member of a group stands for all of them. */
export function synonymTable(groups: readonly (readonly string[])[]): Synonyms {
  const table = new Map<string, readonly string[]>();
  for (const group of groups) for (const word of group) table.set(word, group);
  return table;
}

/** Folded words of an identifier, split on spaces (and commas, which are never significant). */
export function words(text: string): string[] {
  return foldIdentifier(text).split(/[\s,]+/).filter((w) => w.length > 0);
}

function wordPattern(word: string, synonyms: Synonyms): string {
  const bare = word.replace(/\.$/, '');
  const group = synonyms.get(bare.toLowerCase());
  // The first word of a group is the full form; the others are abbreviations, which may carry a
  // full stop ('Ave.'). The full form may not, so a sentence's full stop stays out of the match.
  if (group) return `(?:${group.map((w, i) => (i > 0 && /^\p{L}+$/u.test(w) ? `${escapeRegExp(w)}\\.?` : escapeRegExp(w))).join('|')})`;
  // "St Mary's" also as "St Marys"; "Pre-School" also as "Pre School" or "Preschool".
  const literal = bare
    .split(/([-'])/)
    .map((part) => (part === '-' ? '[-\\s]?' : part === "'" ? "'?" : escapeRegExp(part)))
    .join('');
  // Initials ('C of E') and words abbreviated on the record ('Rd.') may be written either way.
  return word.endsWith('.') || /^\p{L}$/u.test(bare) ? `${literal}\\.?` : literal;
}

/** Words joined by `separator` (a pattern), each allowing its synonyms. */
export function phrasePattern(wordList: readonly string[], synonyms: Synonyms, separator = '\\s+'): string {
  return wordList.map((w) => wordPattern(w, synonyms)).join(separator);
}
