// Folds text into a canonical form for matching, remembering where each folded character came
// from so that findings can point at (and quote) the original text.
//
// Why fold at all: a name can be hidden from a naive search by a zero-width space inside it, a soft
// hyphen, full-width letters, a ligature, a curly apostrophe or an accent typed differently on the
// case record. Folding removes all of those, so the matchers only ever see plain forms.

/** Folded text plus, for each of its UTF-16 units, the original span it came from. */
export type NormalisedText = {
  text: string;
  /** Original index where the character at each folded index starts. */
  starts: Int32Array;
  /** Original index just after the character at each folded index. */
  ends: Int32Array;
};

// Typographic apostrophes and primes: one form, so "Kayden’s" and "O‘Brien" match.
const APOSTROPHES = /[\u2018\u2019\u201A\u201B\u02BC\u02BB\u2032\u00B4\u0060\uFF07]/g;
// Hyphens and dashes of every width, including the non-breaking hyphen inside "Mary‑Jane".
const DASHES = /[\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uFE58\uFE63\uFF0D]/g;
const MARKS = /\p{M}/gu;
const FORMAT_CHARS = /\p{Cf}/gu;
const IS_MARK = /^\p{M}$/u;
const IS_LETTER = /^\p{L}$/u;
// A word broken across lines by typesetting: "Kay-" then "den" on the next line.
const LINE_BREAK_HYPHEN_TAIL = /[ \t]*(?:\r\n|\n|\r)[ \t]*(?=\p{Ll})/uy;

const clusterCache = new Map<string, string>();
const markCache = new Map<number, boolean>();

/**
 * Folds one base character with its combining marks: typographic forms first (NFKC would turn an
 * acute accent used as an apostrophe into a space plus a mark), then compatibility forms
 * (full-width, ligatures, no-break spaces), then drops accents and invisible format characters
 * (zero-width spaces and joiners, soft hyphens, direction marks).
 */
function foldCluster(cluster: string): string {
  const cached = clusterCache.get(cluster);
  if (cached !== undefined) return cached;
  const folded = cluster
    .replace(APOSTROPHES, "'")
    .replace(DASHES, '-')
    .normalize('NFKC')
    .replace(APOSTROPHES, "'")
    .replace(DASHES, '-')
    .normalize('NFD')
    .replace(MARKS, '')
    .replace(FORMAT_CHARS, '');
  if (clusterCache.size < 10_000) clusterCache.set(cluster, folded);
  return folded;
}

function isMark(codePoint: number): boolean {
  // Every combining mark is at U+0300 or above.
  if (codePoint < 0x300) return false;
  let mark = markCache.get(codePoint);
  if (mark === undefined) {
    mark = IS_MARK.test(String.fromCodePoint(codePoint));
    if (markCache.size < 10_000) markCache.set(codePoint, mark);
  }
  return mark;
}

function unitsOf(codePoint: number): number {
  return codePoint > 0xffff ? 2 : 1;
}

class OffsetBuffer {
  starts: Int32Array;
  ends: Int32Array;
  length = 0;

  constructor(capacity: number) {
    this.starts = new Int32Array(Math.max(16, capacity));
    this.ends = new Int32Array(Math.max(16, capacity));
  }

  push(start: number, end: number): void {
    if (this.length === this.starts.length) {
      const starts = new Int32Array(this.starts.length * 2);
      const ends = new Int32Array(this.ends.length * 2);
      starts.set(this.starts);
      ends.set(this.ends);
      this.starts = starts;
      this.ends = ends;
    }
    this.starts[this.length] = start;
    this.ends[this.length] = end;
    this.length += 1;
  }
}

/** Folds `source` for matching and keeps the way back to the original offsets. */
export function normaliseText(source: string): NormalisedText {
  const parts: string[] = [];
  const offsets = new OffsetBuffer(source.length + 16);
  let runStart = 0; // start of the pending run of ASCII copied as-is
  let i = 0;
  const flushRun = (end: number): void => {
    if (end > runStart) parts.push(source.slice(runStart, end));
  };

  while (i < source.length) {
    const unit = source.charCodeAt(i);
    const nextUnit = i + 1 < source.length ? source.charCodeAt(i + 1) : 0;

    // Fast path: plain ASCII not followed by a combining mark.
    if (unit < 0x80 && nextUnit < 0x300 && unit !== 0x2d /* '-' */ && unit !== 0x60 /* '`' */) {
      offsets.push(i, i + 1);
      i += 1;
      continue;
    }

    flushRun(i);
    let end = i + unitsOf(source.codePointAt(i) ?? unit);
    while (end < source.length) {
      const next = source.codePointAt(end) ?? 0;
      if (!isMark(next)) break;
      end += unitsOf(next);
    }
    const folded = foldCluster(source.slice(i, end));

    if (folded === '-' && IS_LETTER.test(parts.length > 0 ? parts[parts.length - 1].slice(-1) : '')) {
      LINE_BREAK_HYPHEN_TAIL.lastIndex = end;
      if (LINE_BREAK_HYPHEN_TAIL.test(source)) {
        // Re-join the word: drop the hyphen and the line break.
        i = LINE_BREAK_HYPHEN_TAIL.lastIndex;
        runStart = i;
        continue;
      }
    }

    if (folded.length > 0) {
      parts.push(folded);
      for (let k = 0; k < folded.length; k += 1) offsets.push(i, end);
    }
    i = end;
    runStart = i;
  }
  flushRun(source.length);

  return {
    text: parts.join(''),
    starts: offsets.starts.subarray(0, offsets.length),
    ends: offsets.ends.subarray(0, offsets.length),
  };
}

/** The folded form of a short identifier string, with surrounding whitespace trimmed. */
export function foldIdentifier(value: string): string {
  return normaliseText(value).text.trim();
}
