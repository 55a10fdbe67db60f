import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { create, type Font } from 'fontkit';

/**
 * The font the service's PDFs are written in: Arimo, which has Arial's metrics (the service's own
 * font) and covers Latin, Greek, Cyrillic and Hebrew. It is embedded (subset to the characters
 * used) so a name such as "Łukasz" or "Siân" prints as written: the standard PDF fonts cover
 * Windows-1252 only. Read from the package and parsed once, on the first PDF made: every document
 * then shares the parsed fonts (pdfkit takes a fontkit font as well as a file), which keeps a report
 * about as quick to make as with the standard fonts; parsing the font for each document made it ten
 * times slower.
 */
export const BODY_FONT = 'Arimo';
export const BOLD_FONT = 'Arimo-Bold';

type Fonts = { body: Font; bold: Font; covers: (codePoint: number) => boolean };
let loaded: Fonts | null = null;

export function pdfFonts(): Fonts {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const body = create(readFileSync(require.resolve('@expo-google-fonts/arimo/400Regular/Arimo_400Regular.ttf')));
  const bold = create(readFileSync(require.resolve('@expo-google-fonts/arimo/700Bold/Arimo_700Bold.ttf')));
  loaded = { body, bold, covers: (cp) => body.hasGlyphForCodePoint(cp) && bold.hasGlyphForCodePoint(cp) };
  return loaded;
}

/** Registers the two fonts in a pdfkit document under `BODY_FONT` and `BOLD_FONT`. */
export function registerPdfFonts(doc: PDFKit.PDFDocument): void {
  const fonts = pdfFonts();
  // pdfkit's types name only a file or its bytes; its font factory takes a parsed font too.
  doc.registerFont(BODY_FONT, fonts.body as unknown as Buffer);
  doc.registerFont(BOLD_FONT, fonts.bold as unknown as Buffer);
}

/**
 * Text as the embedded font can show it: composed (NFC) so accents sit on their letters, line
 * breaks and tabs kept, other control characters dropped, and a character the font has no glyph
 * for (an emoji, say) written as "?" rather than as an empty box a reader cannot tell apart.
 */
export function printable(text: string): string {
  const { covers } = pdfFonts();
  let out = '';
  for (const ch of text.normalize('NFC')) {
    const cp = ch.codePointAt(0) as number;
    if (ch === '\n' || ch === '\t' || ch === '\r') out += ch;
    else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) continue;
    else out += covers(cp) ? ch : '?';
  }
  return out;
}
