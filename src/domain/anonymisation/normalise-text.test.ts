import { describe, it, expect } from 'vitest';
import { foldIdentifier, normaliseText } from './normalise-text.ts';

/** The original text behind folded [start, end). */
function originalOf(source: string, start: number, end: number): string {
  const n = normaliseText(source);
  return source.slice(n.starts[start], n.ends[end - 1]);
}

describe('normaliseText', () => {
  it('leaves plain ASCII alone, one to one', () => {
    const n = normaliseText('Child A, 2019.\nLine two');
    expect(n.text).toBe('Child A, 2019.\nLine two');
    expect([...n.starts]).toEqual([...Array(23).keys()]);
    expect([...n.ends]).toEqual([...Array(23).keys()].map((i) => i + 1));
  });

  it('drops zero-width characters, soft hyphens and direction marks, mapping around them', () => {
    const source = 'Kay\u200Bden Ka\u00ADyden K\u200D\u2060ay\uFEFFden \u202ASmith\u202C';
    const n = normaliseText(source);
    expect(n.text).toBe('Kayden Kayden Kayden Smith');
    expect(originalOf(source, 0, 6)).toBe('Kay\u200Bden');
    expect(originalOf(source, 7, 13)).toBe('Ka\u00ADyden');
  });

  it('folds typographic apostrophes and dashes to plain ones', () => {
    expect(normaliseText('Kayden’s O‘Brien Kaydenʼs').text).toBe("Kayden's O'Brien Kayden's");
    expect(normaliseText('Mary\u2011Jane – Mary\u2010Jane').text).toBe('Mary-Jane - Mary-Jane');
  });

  it('folds compatibility forms: full-width letters, ligatures, no-break spaces', () => {
    expect(normaliseText('ＫＡＹＤＥＮ').text).toBe('KAYDEN');
    expect(normaliseText('Kayden\u00A0Smith').text).toBe('Kayden Smith');
    const source = 'Gi\uFB03n';
    const n = normaliseText(source);
    expect(n.text).toBe('Giffin');
    // All three letters of the ligature point back at the one original character.
    expect([...n.starts]).toEqual([0, 1, 2, 2, 2, 3]);
    expect([...n.ends]).toEqual([1, 2, 3, 3, 3, 4]);
  });

  it('drops accents whether precomposed or combining, keeping the mark in the original span', () => {
    expect(normaliseText('Zoë Zoe\u0308 ZOË').text).toBe('Zoe Zoe ZOE');
    const source = 'Zoe\u0308!';
    expect(originalOf(source, 0, 3)).toBe('Zoe\u0308');
  });

  it('re-joins a word hyphenated across a line break, but not a real compound', () => {
    expect(normaliseText('Kay-\nden').text).toBe('Kayden');
    expect(normaliseText('Kay-  \r\n  den').text).toBe('Kayden');
    expect(normaliseText('Smith-\nJones').text).toBe('Smith-\nJones');
    expect(normaliseText('2019-\n2020').text).toBe('2019-\n2020');
    expect(normaliseText('well - known').text).toBe('well - known');
  });

  it('keeps astral characters with their original span', () => {
    const source = 'a😀b';
    const n = normaliseText(source);
    expect(n.text).toBe('a😀b');
    expect(originalOf(source, 3, 4)).toBe('b');
  });
});

describe('foldIdentifier', () => {
  it('folds and trims an identifier the same way as page text', () => {
    expect(foldIdentifier('  Zoë\u200B O’Brien ')).toBe("Zoe O'Brien");
  });
});
