import { describe, expect, it } from 'vitest';
import { checkPages, describePages, DocumentError, DOCX_PAGE_CHARS, extractText, splitIntoPages } from './extract.ts';
import { renderImageOnlyPdf, renderReportPdf, wrapText } from './generate-pdf.ts';
import { buildDocx, buildPasswordProtectedPdf } from './test-fixtures.ts';

async function failure(work: Promise<unknown>): Promise<DocumentError> {
  const err = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DocumentError);
  return err as DocumentError;
}

describe('extractText from PDF', () => {
  it('gives the text of each page, in order, from a generated report', async () => {
    const pdf = await renderReportPdf({
      title: 'Review of Child L (fictional)',
      pages: ['Child L lived with Parent M.\n\nThe school raised a concern about attendance.', 'Findings: information was not shared when the family moved.', 'Recommendations for the partnership.'],
    });
    const { pages, pagesWithoutText } = await extractText(pdf, 'pdf');
    expect(pages).toHaveLength(3);
    expect(pages[0]).toMatch(/^Review of Child L \(fictional\)\nChild L lived with Parent M\.\nThe school raised a concern about attendance\.$/);
    expect(pages[1]).toBe('Findings: information was not shared when the family moved.');
    expect(pages[2]).toBe('Recommendations for the partnership.');
    expect(pagesWithoutText).toEqual([]);
  });

  it('wraps long paragraphs onto further pages without losing words', async () => {
    const words = Array.from({ length: 1500 }, (_, i) => `word${i}`);
    const pdf = await renderReportPdf({ title: 'Long', pages: [words.join(' ')] });
    const { pages } = await extractText(pdf, 'pdf');
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.join(' ').split(/\s+/).filter((w) => w.startsWith('word'))).toEqual(words);
  });

  it('refuses a password-protected PDF', async () => {
    const err = await failure(extractText(buildPasswordProtectedPdf(), 'pdf'));
    expect(err.message).toMatch(/^the PDF is password-protected: /);
  });

  it('refuses a damaged (truncated) PDF and bytes that only start like one', async () => {
    const pdf = await renderReportPdf({ title: 'Truncated', pages: ['Some text.', 'More text.'] });
    for (const bytes of [pdf.subarray(0, Math.floor(pdf.length / 2)), pdf.subarray(0, 400), Buffer.from('%PDF-1.7\nnot really a pdf')]) {
      const err = await failure(extractText(bytes, 'pdf'));
      expect(err.message).toMatch(/^the file is damaged or not a PDF/);
    }
    expect((await failure(extractText(Buffer.alloc(0), 'pdf'))).message).toBe('the file is empty');
  });

  it('refuses a scanned report, naming the pages without text', async () => {
    const all = await failure(extractText(await renderImageOnlyPdf(40), 'pdf'));
    expect(all.message).toBe(
      'no extractable text on pages 1–40: scanned images need OCR first (save the report from the original document, or run it through text recognition)',
    );
    const most = await failure(extractText(await renderImageOnlyPdf(10, [1, 2, 5, 6]), 'pdf'));
    expect(most.message).toMatch(/^no extractable text on pages 3–4 and 7–10 \(6 of 10 pages\): scanned images need OCR first/);
  });

  it('accepts a report where at most half the pages have no text, and says which', async () => {
    const { pages, pagesWithoutText } = await extractText(await renderImageOnlyPdf(6, [1, 2, 3]), 'pdf');
    expect(pages).toHaveLength(6);
    expect(pages[0]).toBe('Page 1: the typed covering note for this part of the report.');
    expect(pages[3]).toBe('');
    expect(pagesWithoutText).toEqual([4, 5, 6]);
  });
});

describe('extractText from Word', () => {
  it('cuts the text into pages of about 3,000 characters at paragraph boundaries', async () => {
    const paragraphs = Array.from({ length: 30 }, (_, i) => `Paragraph ${i + 1}. ${'Child L was seen at school. '.repeat(8).trim()}`);
    const { pages } = await extractText(buildDocx(paragraphs), 'docx');
    expect(pages.length).toBeGreaterThan(1);
    for (const page of pages) expect(page.length).toBeLessThanOrEqual(DOCX_PAGE_CHARS);
    expect(pages[0].startsWith('Paragraph 1. Child L')).toBe(true);
    // No paragraph is cut in two.
    expect(pages.flatMap((p) => p.split('\n\n'))).toEqual(paragraphs);
  });

  it('refuses a damaged or empty Word document', async () => {
    const docx = buildDocx(['Text']);
    expect((await failure(extractText(docx.subarray(0, 60), 'docx'))).message).toMatch(/^the file is damaged or not a Word document \(\.docx\)/);
    expect((await failure(extractText(buildDocx([]), 'docx'))).message).toMatch(/^the Word document has no text/);
  });
});

describe('page helpers', () => {
  it('describes page lists as ranges', () => {
    expect(describePages([1])).toBe('1');
    expect(describePages([3, 1, 2])).toBe('1–3');
    expect(describePages([1, 2, 3, 5, 8, 9])).toBe('1–3, 5 and 8–9');
  });

  it('fails when every page or more than half are without text, and accepts exactly half', () => {
    expect(() => checkPages(['', ' '])).toThrow('no extractable text on pages 1–2: scanned');
    expect(() => checkPages(['', '', 'text'])).toThrow('no extractable text on pages 1–2 (2 of 3 pages)');
    expect(() => checkPages(['.', 'text'])).not.toThrow();
    expect(checkPages(['-', 'text']).pagesWithoutText).toEqual([1]);
    expect(() => checkPages([])).toThrow('the document has no pages');
  });

  it('splits an overlong paragraph at a space', () => {
    const long = 'abcdefghi '.repeat(700).trim();
    const pages = splitIntoPages(long, 3000);
    expect(pages.length).toBe(3);
    expect(pages.join(' ')).toBe(long);
    expect(pages.every((p) => p.length <= 3000 && !p.startsWith(' '))).toBe(true);
  });

  it('wraps lines by width, cutting only words longer than a line', () => {
    expect(wrapText('aaa bbb cccccccccccc dd', 7, (s) => s.length)).toEqual(['aaa bbb', 'ccccccc', 'ccccc', 'dd']);
    expect(wrapText('  ', 7, (s) => s.length)).toEqual([]);
  });
});
