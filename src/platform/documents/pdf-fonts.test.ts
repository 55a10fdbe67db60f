import { PDFDocument, PDFName } from 'pdf-lib';
import { extractText, getDocumentProxy } from 'unpdf';
import { describe, expect, it } from 'vitest';
import { structureOf } from '../../../test/support/pdf-structure.ts';
import { renderOnePagePdf } from './one-page-pdf.ts';
import { printable } from './pdf-fonts.ts';
import { renderTaggedPdf } from './tagged-pdf.ts';

async function pagesOf(bytes: Buffer): Promise<string[]> {
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(bytes)), { mergePages: false });
  // Lines as wrapped on the page read as one run of words.
  return text.map((t) => t.replace(/\s+/gu, ' '));
}

/** The names of the fonts a PDF's pages use, and whether each carries its own glyphs. */
async function fontsOf(bytes: Buffer): Promise<{ name: string; embedded: boolean }[]> {
  const pdf = await PDFDocument.load(bytes, { updateMetadata: false });
  const fonts: { name: string; embedded: boolean }[] = [];
  for (const [, object] of pdf.context.enumerateIndirectObjects()) {
    const dict = object as { get?: (n: PDFName) => unknown; lookup?: (n: PDFName) => unknown };
    if (typeof dict.get !== 'function' || String(dict.get(PDFName.of('Type'))) !== '/FontDescriptor') continue;
    fonts.push({ name: String(dict.get(PDFName.of('FontName'))), embedded: Boolean(dict.get(PDFName.of('FontFile2'))) });
  }
  return fonts;
}

// Names as people write them: Polish, Welsh, Turkish, Romanian, Greek and Cyrillic letters, typographic marks.
const NAMES = 'Łukasz Żółć, Siân Gwŷn, Ayşe Doğan, Ștefan Țurcanu, Αλέξης, Олена – “quoted” £5 €6';

describe('the PDFs’ embedded font', () => {
  it('keeps every letter the font has, composes accents, and marks only what it cannot show', () => {
    expect(printable(NAMES)).toBe(NAMES);
    // "e" + combining acute is composed into "é" (one glyph), not shown as two.
    expect(printable('Rene\u0301e')).toBe('Renée');
    // An emoji and a private-use character have no glyph in the font: shown as "?", not an empty box.
    expect(printable('Good 😀 news\uE000')).toBe('Good ? news?');
    // Line breaks and tabs are kept; other control characters are dropped.
    expect(printable('a\tb\nc\u0007d\u0085e')).toBe('a\tb\ncde');
  });

  it('prints a report’s names as written, in an embedded font', async () => {
    const bytes = await renderTaggedPdf({
      title: 'Report for Łódź',
      subtitle: 'A test',
      lines: [],
      footer: 'Footer',
      author: 'Partnership',
      blocks: [{ kind: 'part', id: 'one', heading: 'Part one' }, { kind: 'paragraph', text: NAMES }],
    });
    const text = (await pagesOf(bytes)).join('\n');
    expect(text).toContain('Report for Łódź');
    expect(text).toContain(NAMES);
    const fonts = await fontsOf(bytes);
    expect(fonts.length).toBeGreaterThan(0);
    expect(fonts.every((f) => f.embedded && f.name.includes('Arimo'))).toBe(true);
    expect((await PDFDocument.load(bytes)).getTitle()).toBe('Report for Łódź');
  });

  it('prints a one-page briefing as a tagged page in the embedded font, names intact', async () => {
    const bytes = await renderOnePagePdf({
      title: 'Seven-minute briefing: Siân',
      subtitle: 'Briefing – Northmoor',
      sections: [
        { heading: 'Background', text: `First paragraph about ${NAMES}.\nSecond paragraph.` },
        { heading: 'What to do', text: 'Refer every bruise in a non-mobile baby.' },
      ],
      footer: 'Read online: https://hub.example/learning/products/siân',
    });
    const pdf = await PDFDocument.load(bytes);
    expect(pdf.getPageCount()).toBe(1);
    expect(pdf.getTitle()).toBe('Seven-minute briefing: Siân');
    expect(String(pdf.catalog.get(PDFName.of('Lang')))).toContain('en-GB');
    const { types } = structureOf(pdf);
    expect(types).toMatchObject({ Document: 1, H1: 1, H2: 2 });
    // Subtitle, three paragraphs and the footer.
    expect(types.P).toBe(5);
    const [text] = await pagesOf(bytes);
    expect(text).toContain(`First paragraph about ${NAMES}.`);
    expect(text).toContain('Refer every bruise in a non-mobile baby.');
    expect(text).toContain('Read online: https://hub.example/learning/products/siân');
    expect(text).not.toContain('does not all fit');
    expect((await fontsOf(bytes)).every((f) => f.embedded)).toBe(true);
  });

  it('shrinks a long briefing to one page, and cuts what still does not fit with a note to read the rest online', async () => {
    const sentence = 'Practitioners should record each contact and the reason for it. ';
    const sections = Array.from({ length: 12 }, (_, i) => ({ heading: `Section ${i + 1}`, text: sentence.repeat(20) }));
    const bytes = await renderOnePagePdf({ title: 'A long briefing', subtitle: 'Briefing', sections, footer: 'Published 2026-01-05.' });
    expect((await PDFDocument.load(bytes)).getPageCount()).toBe(1);
    const [text] = await pagesOf(bytes);
    expect(text).toContain('Section 1');
    expect(text).not.toContain('Section 12');
    expect(text).toContain('This does not all fit on one page: read the rest online.');
    expect(text).toContain('Published 2026-01-05.');
  });
});
