/**
 * Spelling suggestions: the indexed word nearest to a word a person typed, by edit distance
 * (insertions, deletions, substitutions and swaps of two neighbouring letters, each counting one).
 */

/** Optimal string alignment distance (Damerau–Levenshtein without repeated edits of a substring). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const m = a.length;
  const n = b.length;
  let prev2: number[] = [];
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const cur = [i];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      cur.push(d);
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[n];
}

/**
 * How far a suggestion may be from the word typed: one edit for words of up to four letters, two for
 * longer ones (as search engines' "auto" fuzziness does). Three let a long word become an unrelated
 * one ("wellbeing" → "telling"), and a suggestion that changes the subject is worse than none.
 */
export function maxDistanceFor(word: string): number {
  return word.length <= 4 ? 1 : 2;
}

export type IndexedWord = { word: string; publications: number };

/**
 * The indexed words near enough to the one typed, nearest first: fewest edits, then the word in most
 * publications, then alphabetical. None when the word is itself indexed.
 */
export function nearWords(typed: string, candidates: readonly IndexedWord[]): string[] {
  const word = typed.toLowerCase();
  const limit = maxDistanceFor(word);
  const near: { word: string; distance: number; publications: number }[] = [];
  for (const c of candidates) {
    if (c.word === word) return [];
    if (Math.abs(c.word.length - word.length) > limit) continue;
    const distance = editDistance(word, c.word);
    if (distance <= limit) near.push({ word: c.word, distance, publications: c.publications });
  }
  near.sort((a, b) => a.distance - b.distance || b.publications - a.publications || (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
  return near.map((n) => n.word);
}

/** The nearest indexed word (`nearWords`); null when the word is itself indexed or nothing is near enough. */
export function nearestWord(typed: string, candidates: readonly IndexedWord[]): string | null {
  return nearWords(typed, candidates)[0] ?? null;
}
