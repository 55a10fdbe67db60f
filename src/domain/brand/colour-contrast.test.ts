import { describe, expect, it } from 'vitest';
import { contrastRatio, judgeAccentColour, normaliseHexColour, parseHexColour, relativeLuminance } from './colour-contrast.ts';

const rgb = (hex: string) => parseHexColour(hex)!;

describe('WCAG 2.2 contrast (1.4.3, level AA: 4.5:1 for text)', () => {
  it('gives the extremes WCAG defines: black has luminance 0, white 1, and their ratio is 21:1', () => {
    expect(relativeLuminance(rgb('#000000'))).toBe(0);
    expect(relativeLuminance(rgb('#ffffff'))).toBe(1);
    expect(contrastRatio(rgb('#000'), rgb('#fff'))).toBe(21);
    expect(contrastRatio(rgb('#777'), rgb('#777'))).toBe(1);
  });

  it('does not care which colour is the text and which the background', () => {
    expect(contrastRatio(rgb('#1d70b8'), rgb('#ffffff'))).toBe(contrastRatio(rgb('#ffffff'), rgb('#1d70b8')));
  });

  it('puts #767676 on white just above 4.5:1 and #777777 just below it (the well-known AA limit for grey)', () => {
    expect(contrastRatio(rgb('#767676'), rgb('#ffffff'))).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio(rgb('#777777'), rgb('#ffffff'))).toBeLessThan(4.5);
  });

  it('reads 3- and 6-digit hex in either case, and nothing else', () => {
    expect(normaliseHexColour('#FFF')).toBe('#ffffff');
    expect(normaliseHexColour(' #1D70B8 ')).toBe('#1d70b8');
    for (const bad of ['1d70b8', '#1d70b', 'blue', '#gggggg', 'rgb(0,0,0)', '']) expect(parseHexColour(bad)).toBeNull();
  });
});

describe('a partnership accent colour', () => {
  it('is accepted when white text on it reaches 4.5:1, with white as its text colour', () => {
    expect(judgeAccentColour('#1D70B8')).toMatchObject({ ok: true, colour: '#1d70b8', text: '#ffffff' });
    expect(judgeAccentColour('#4c2c92')).toMatchObject({ ok: true, text: '#ffffff' });
  });

  it('is accepted when it is light enough for black text, with black as its text colour', () => {
    expect(judgeAccentColour('#ffdd00')).toMatchObject({ ok: true, colour: '#ffdd00', text: '#0b0c0c' });
  });

  it('is refused when neither white nor black text on it reaches 4.5:1, saying the ratio', () => {
    const verdict = judgeAccentColour('#777777');
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) {
      expect(verdict.ratio).toBeLessThan(4.5);
      expect(verdict.problem).toMatch(/contrast of \d\.\d\d:1, below the 4\.5:1/);
    }
    expect(judgeAccentColour('#787878').ok).toBe(false);
  });

  it('is refused when it is not a hex colour', () => {
    expect(judgeAccentColour('red')).toMatchObject({ ok: false, problem: expect.stringContaining('hex colour code') });
  });
});
