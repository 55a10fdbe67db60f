// Fingerprints let an admin's decision on a finding ("override: this is the reviewer's name, not
// the mother's") survive a re-scan. They are plain, readable strings rather than hashes so that a
// stored override can be understood and audited by looking at it.
//
// Format: `<source>:<kind>:<normalised match>:<occurrence>`, with '%' and ':' in the source and
// the match percent-encoded so the colons stay unambiguous. The occurrence counts matches with the same kind and normalised
// text within the source in reading order: the second 'Kayden' on page 3 is `...:kayden:2` for as
// long as the text before it does not gain or lose a 'Kayden'.

import type { FindingKind } from './types.ts';

export function fingerprintOf(source: string, kind: FindingKind, key: string, occurrence: number): string {
  return `${escapeColons(source)}:${kind}:${escapeColons(key)}:${occurrence}`;
}

function escapeColons(text: string): string {
  return text.replace(/[%:]/g, (c) => (c === '%' ? '%25' : '%3A'));
}

/** Numbers occurrences per source as findings are fed in reading order. */
export class OccurrenceCounter {
  private readonly seen = new Map<string, number>();

  next(source: string, kind: FindingKind, key: string): number {
    const id = `${source}\u0000${kind}\u0000${key}`;
    const n = (this.seen.get(id) ?? 0) + 1;
    this.seen.set(id, n);
    return n;
  }
}
