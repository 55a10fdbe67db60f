/**
 * Colour contrast as WCAG 2.2 defines it (success criterion 1.4.3 Contrast (Minimum), level AA:
 * text needs a contrast ratio of at least 4.5:1 with what is behind it). The relative luminance
 * and the contrast ratio are WCAG's own formulas (WCAG 2.2, "Definitions": relative luminance,
 * contrast ratio).
 */

export type Rgb = { r: number; g: number; b: number };

/** '#1d70b8' or '#1D70B8' or '#fff' → its channels (0–255); null when not a hex colour. */
export function parseHexColour(value: string): Rgb | null {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value.trim());
  if (!m) return null;
  const hex = m[1].length === 3 ? [...m[1]].map((c) => c + c).join('') : m[1];
  return { r: parseInt(hex.slice(0, 2), 16), g: parseInt(hex.slice(2, 4), 16), b: parseInt(hex.slice(4, 6), 16) };
}

/** '#FFF' → '#ffffff': one spelling per colour, as stored. */
export function normaliseHexColour(value: string): string | null {
  const c = parseHexColour(value);
  if (!c) return null;
  return `#${[c.r, c.g, c.b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/** WCAG relative luminance: 0 for the darkest black, 1 for the lightest white. */
export function relativeLuminance({ r, g, b }: Rgb): number {
  const linear = (channel: number) => {
    const c = channel / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

/** WCAG contrast ratio (L1 + 0.05) / (L2 + 0.05), from 1 (none) to 21 (black on white). */
export function contrastRatio(a: Rgb, b: Rgb): number {
  const [light, dark] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (light + 0.05) / (dark + 0.05);
}

/** The minimum contrast for text (not large text) at level AA. */
export const AA_TEXT_CONTRAST = 4.5;

/** The text colours the service writes on an accent colour: white, or GOV.UK Frontend's text black. */
export const TEXT_ON_ACCENT = { light: '#ffffff', dark: '#0b0c0c' } as const;

export type AccentVerdict =
  | { ok: true; colour: string; text: string; ratio: number }
  | { ok: false; problem: string; ratio?: number };

/**
 * Whether a partnership's accent colour may be used. The accent is the background of the band
 * that carries the partnership's name on its public pages, with white or near-black text on it
 * (whichever contrasts more). It is refused when even that text is below 4.5:1.
 */
export function judgeAccentColour(value: string): AccentVerdict {
  const colour = normaliseHexColour(value);
  if (!colour) return { ok: false, problem: 'Enter the accent colour as a hex colour code, like #1d70b8' };
  const rgb = parseHexColour(colour)!;
  const light = contrastRatio(rgb, parseHexColour(TEXT_ON_ACCENT.light)!);
  const dark = contrastRatio(rgb, parseHexColour(TEXT_ON_ACCENT.dark)!);
  const [text, ratio] = light >= dark ? [TEXT_ON_ACCENT.light, light] : [TEXT_ON_ACCENT.dark, dark];
  if (ratio < AA_TEXT_CONTRAST) {
    return {
      ok: false,
      ratio,
      problem: `Text on ${colour} would have a contrast of ${floor2(ratio)}:1, below the 4.5:1 that WCAG 2.2 asks for: choose a darker or a lighter colour`,
    };
  }
  return { ok: true, colour, text, ratio };
}

/** Rounded down, so that a ratio just below 4.5 is never shown as 4.5. */
function floor2(n: number): string {
  return (Math.floor(n * 100) / 100).toFixed(2);
}
