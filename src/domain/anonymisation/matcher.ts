// What every matcher produces, and the one way of running a regular expression over a page.

import type { FindingKind, Severity } from './types.ts';

/** A possible finding, with offsets into the folded page text (end exclusive). */
export type Candidate = {
  start: number;
  end: number;
  kind: FindingKind;
  severity: Severity;
  detail: string;
  /** The normalised form of the match used in the fingerprint ('kayden', '07700900123'). */
  key: string;
};

export type Matcher = {
  /** `text` is folded page text (see normalise-text.ts). */
  find(text: string, out: Candidate[]): void;
};

// Identifier text never sits inside a longer word: 'Li' must not match in 'police'.
export const WORD_START = '(?<![\\p{L}\\p{N}])';
export const WORD_END = '(?![\\p{L}\\p{N}])';

/** Escapes text for a `u`-flag pattern (where escaping other punctuation is a syntax error). */
export function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

export function countLetters(text: string): number {
  return text.match(/\p{L}/gu)?.length ?? 0;
}

/** The key used in fingerprints: same text however it is spaced or cased. */
export function textKey(match: string): string {
  return match.toLowerCase().replace(/\s+/g, ' ').trim();
}

export function digitsKey(match: string): string {
  return match.replace(/\D/g, '');
}

export type RegexMatcherSpec = {
  pattern: string;
  kind: FindingKind;
  severity: Severity;
  /** The plain-English detail, or null to reject this match (e.g. a failed check digit). */
  describe: (match: RegExpExecArray) => string | null;
  key?: (match: RegExpExecArray) => string;
};

/** Compiles once; runs over each page. Case-insensitive and Unicode-aware throughout. */
export function regexMatcher(spec: RegexMatcherSpec): Matcher {
  const regex = new RegExp(spec.pattern, 'giu');
  const key = spec.key ?? ((m: RegExpExecArray) => textKey(m[0]));
  return {
    find(text, out) {
      regex.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = regex.exec(text)) !== null) {
        if (m[0].length === 0) {
          regex.lastIndex += 1;
          continue;
        }
        const detail = spec.describe(m);
        if (detail === null) {
          // A rejected match must not hide a valid one starting inside it.
          regex.lastIndex = m.index + 1;
          continue;
        }
        out.push({
          start: m.index,
          end: m.index + m[0].length,
          kind: spec.kind,
          severity: spec.severity,
          detail,
          key: key(m),
        });
      }
    },
  };
}

/**
 * Groups items by key in first-seen order. Used to merge identifiers that compile to the same
 * pattern (two people sharing a surname) so the text is searched once and the detail names
 * everyone the match could refer to.
 */
export function dedupeBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
