// Page line and column for an offset in the original page text, as the admin will see them.

export type Position = { line: number; column: number };

/** Offsets at which each line of `text` starts. CRLF, LF and lone CR all end a line. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) starts.push(i + 1);
    else if (c === 0x0d) {
      if (text.charCodeAt(i + 1) === 0x0a) i += 1;
      starts.push(i + 1);
    }
  }
  return starts;
}

/** 1-based line and column; the column counts characters (code points), not UTF-16 units. */
export function positionOf(text: string, starts: readonly number[], offset: number): Position {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (starts[mid] <= offset) low = mid;
    else high = mid - 1;
  }
  let column = 1;
  for (let i = starts[low]; i < offset; i += 1) {
    // The low half of a surrogate pair belongs to the character already counted.
    const isLowSurrogate = isInRange(text.charCodeAt(i), 0xdc00, 0xdfff);
    const followsHighSurrogate = i > 0 && isInRange(text.charCodeAt(i - 1), 0xd800, 0xdbff);
    if (!(isLowSurrogate && followsHighSurrogate)) column += 1;
  }
  return { line: low + 1, column };
}

function isInRange(value: number, low: number, high: number): boolean {
  return value >= low && value <= high;
}
