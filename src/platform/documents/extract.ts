import { refuseDocxActiveContent, refusePdfActiveContent } from './active-content.ts';
import { DOCX_DAMAGED, DocumentError, PDF_PASSWORD_PROTECTED } from './document-error.ts';
import { DOCX_LIMITS, readZip, writeZip, type ZipEntry } from './zip-archive.ts';

export { DocumentError } from './document-error.ts';

/**
 * The text of a report, page by page (page 1 first), for search and for showing where a match
 * is. PDF through pdf.js (bundled by unpdf: pure JavaScript, nothing downloaded); Word (.docx)
 * through mammoth's raw text.
 *
 * Run it through DocumentWorkers (document-workers.ts), never on the request thread: a file can be
 * built to be slow to read or to expand when opened.
 *
 * What is refused, each with a message a person can act on:
 * - a PDF that is password-protected or encrypted;
 * - a file that carries active content (scripts, embedded files, macros: see active-content.ts);
 * - a Word document that would expand beyond its limits when opened (see zip-archive.ts);
 * - a damaged file, or one that is not what its first bytes claim;
 * - a report whose pages are pictures (a scan): every page without text, or more than half of
 *   them. A few pages without text are normal (a blank page between parts, a diagram, a
 *   scanned appendix) and are kept as empty pages; past half, search would miss most of the
 *   report, so it must be put through OCR first. The message names the pages without text.
 */

export type DocumentType = 'pdf' | 'docx';

export type ExtractedText = {
  /** The text of each page; index 0 is page 1. A page without text is ''. */
  pages: string[];
  /** Pages (1-based) that had no text, when few enough to accept the document. */
  pagesWithoutText: number[];
};

/** About this many characters make one page of a Word document (see splitIntoPages). */
export const DOCX_PAGE_CHARS = 3_000;

/** A page "has text" when it holds at least one letter or digit (a scan may carry a stray mark). */
function hasText(page: string): boolean {
  return /[\p{L}\p{N}]/u.test(page);
}

/** "1–40", "3", "1–12, 15 and 20–30": the pages as a person reads them. */
export function describePages(pages: number[]): string {
  const ranges: string[] = [];
  const sorted = [...pages].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; i++) {
    const start = sorted[i];
    while (i + 1 < sorted.length && sorted[i + 1] === sorted[i] + 1) i++;
    ranges.push(start === sorted[i] ? String(start) : `${start}–${sorted[i]}`);
  }
  if (ranges.length <= 1) return ranges.join('');
  return `${ranges.slice(0, -1).join(', ')} and ${ranges.at(-1)}`;
}

/** Refuses a document that is mostly pictures; otherwise names the pages without text. */
export function checkPages(pages: string[]): ExtractedText {
  const without = pages.flatMap((p, i) => (hasText(p) ? [] : [i + 1]));
  if (pages.length === 0) throw new DocumentError('the document has no pages');
  if (without.length === pages.length || without.length * 2 > pages.length) {
    const which = without.length === 1 ? `page ${describePages(without)}` : `pages ${describePages(without)}`;
    const share = without.length === pages.length ? '' : ` (${without.length} of ${pages.length} pages)`;
    throw new DocumentError(`no extractable text on ${which}${share}: scanned images need OCR first (save the report from the original document, or run it through text recognition)`);
  }
  return { pages, pagesWithoutText: without };
}

/** Tidies the text of one page: single spaces, no trailing spaces, at most one blank line in a row. */
function tidy(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

type TextItem = { str?: string; hasEOL?: boolean };

const PDF_READERS = 4;

async function extractPdf(bytes: Buffer): Promise<string[]> {
  // pdf.js and mammoth are large: loaded with the first document read, not with the service.
  const { getDocumentProxy } = await import('unpdf');
  let pdf;
  try {
    // A copy: pdf.js takes ownership of the buffer it is given.
    pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0, disableFontFace: true, useSystemFonts: false, stopAtErrors: false });
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'PasswordException') {
      throw new DocumentError(PDF_PASSWORD_PROTECTED);
    }
    throw new DocumentError('the file is damaged or not a PDF: open it and save or export it again as a PDF, then try again');
  }
  try {
    const pages: string[] = new Array<string>(pdf.numPages);
    let next = 1;
    // A few pages in flight at once: pdf.js answers through messages, so this overlaps the waits.
    const reader = async () => {
      for (let n = next++; n <= pdf.numPages; n = next++) {
        const page = await pdf.getPage(n);
        // Unicode normalisation once per page (ligatures such as "ﬁ" become "fi"), not per text item.
        const content = await page.getTextContent({ disableNormalization: true });
        let text = '';
        for (const item of content.items as TextItem[]) text += (item.str ?? '') + (item.hasEOL ? '\n' : '');
        pages[n - 1] = tidy(text.normalize('NFKC'));
        page.cleanup();
      }
    };
    await Promise.all(Array.from({ length: PDF_READERS }, reader));
    return pages;
  } catch (err) {
    if (err instanceof DocumentError) throw err;
    throw new DocumentError('the file is damaged or not a PDF: some pages cannot be read; open it and save or export it again as a PDF, then try again');
  } finally {
    await pdf.loadingTask.destroy();
  }
}

/**
 * A .docx has no pages: Word lays them out only when it shows or prints the document. So the
 * text is cut into pages of about DOCX_PAGE_CHARS characters at paragraph boundaries (an
 * overlong paragraph at a space), numbered from 1: close to printed pages, and enough for search
 * to say where a match is.
 */
export function splitIntoPages(text: string, size = DOCX_PAGE_CHARS): string[] {
  const pages: string[] = [];
  let current = '';
  const push = () => {
    if (current.trim()) pages.push(current.trim());
    current = '';
  };
  for (let para of text.replace(/\r\n?/g, '\n').split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean)) {
    if (current && current.length + 2 + para.length > size) push();
    while (para.length > size) {
      const cut = para.lastIndexOf(' ', size) > size / 2 ? para.lastIndexOf(' ', size) : size;
      current = para.slice(0, cut).trim();
      push();
      para = para.slice(cut).trim();
    }
    current = current ? `${current}\n\n${para}` : para;
  }
  push();
  return pages;
}

/** A Word document's parts, inflated within the limits, refused when it carries active content. */
function openDocx(bytes: Buffer): ZipEntry[] {
  const entries = readZip(bytes, DOCX_LIMITS);
  refuseDocxActiveContent(entries);
  return entries;
}

async function extractDocx(entries: ZipEntry[]): Promise<string[]> {
  let text: string;
  try {
    // Mammoth reads a copy made of the checked parts, stored uncompressed: it sees only what was checked.
    const { default: mammoth } = await import('mammoth');
    text = (await mammoth.extractRawText({ buffer: writeZip(entries, { deflate: false }) })).value;
  } catch {
    throw new DocumentError(DOCX_DAMAGED);
  }
  const pages = splitIntoPages(tidy(text.replace(/\n/g, '\n\n')));
  if (pages.length === 0) throw new DocumentError('the Word document has no text: if it holds pictures of pages, they need OCR first');
  return pages;
}

/** Checks a PDF or Word document without reading its text: damage, limits and active content; throws DocumentError with the reason. */
export async function checkDocument(bytes: Buffer, type: DocumentType): Promise<void> {
  if (bytes.length === 0) throw new DocumentError('the file is empty');
  if (type === 'pdf') await refusePdfActiveContent(bytes);
  else openDocx(bytes);
}

/** The text of each page of a PDF or Word document, after the checks; throws DocumentError with the reason when it cannot be used. */
export async function extractText(bytes: Buffer, type: DocumentType): Promise<ExtractedText> {
  if (bytes.length === 0) throw new DocumentError('the file is empty');
  let pages: string[];
  if (type === 'pdf') {
    await refusePdfActiveContent(bytes);
    pages = await extractPdf(bytes);
  } else {
    pages = await extractDocx(openDocx(bytes));
  }
  return checkPages(pages);
}
