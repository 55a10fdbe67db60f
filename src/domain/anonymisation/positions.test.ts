import { describe, it, expect } from 'vitest';
import { lineStarts, positionOf } from './positions.ts';

describe('positionOf', () => {
  it('gives 1-based line and column across LF, CRLF and CR endings', () => {
    const text = 'first\nsecond\r\nthird\rfourth';
    const starts = lineStarts(text);
    expect(starts).toEqual([0, 6, 14, 20]);
    expect(positionOf(text, starts, 0)).toEqual({ line: 1, column: 1 });
    expect(positionOf(text, starts, 4)).toEqual({ line: 1, column: 5 });
    expect(positionOf(text, starts, 6)).toEqual({ line: 2, column: 1 });
    expect(positionOf(text, starts, 16)).toEqual({ line: 3, column: 3 });
    expect(positionOf(text, starts, 22)).toEqual({ line: 4, column: 3 });
  });

  it('counts an astral character as one column', () => {
    const text = '😀😀 Kayden';
    expect(positionOf(text, lineStarts(text), text.indexOf('Kayden'))).toEqual({ line: 1, column: 4 });
  });
});
