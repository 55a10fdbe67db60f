import { PDFDocument, rgb, StandardFonts, type PDFFont, type PDFPage } from 'pdf-lib';

/**
 * Real PDF reports made in pure JavaScript (pdf-lib, no binary), for the demonstration data,
 * the benchmarks and the tests: each given page of text starts a new A4 page; its paragraphs
 * (separated by blank lines) are wrapped to the page width and flow onto further pages when
 * they do not fit. The standard PDF fonts only cover Windows-1252, so any other character is
 * written as '?'.
 */

/** `madeOn` is the date the document says it was made (its creation and change dates); otherwise now. */
export type ReportPdf = { title: string; pages: string[]; madeOn?: Date };

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 56;
const BODY_SIZE = 11;
const LINE = 15;
const TITLE_SIZE = 18;

type Fonts = { regular: PDFFont; bold: PDFFont; encodable: Set<number> };

function encodableText(fonts: Fonts, text: string): string {
  let out = '';
  for (const ch of text.replace(/\t/g, ' ')) out += fonts.encodable.has(ch.codePointAt(0) as number) ? ch : '?';
  return out;
}

/** Splits a paragraph into lines that fit the width, breaking at spaces (an overlong word is cut). */
export function wrapText(text: string, width: number, measure: (s: string) => number): string[] {
  const lines: string[] = [];
  const space = measure(' ');
  let current = '';
  let currentWidth = 0;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const wordWidth = measure(word);
    if (current && currentWidth + space + wordWidth <= width) {
      current += ` ${word}`;
      currentWidth += space + wordWidth;
      continue;
    }
    if (!current && wordWidth <= width) {
      current = word;
      currentWidth = wordWidth;
      continue;
    }
    if (current) lines.push(current);
    let rest = word;
    while (measure(rest) > width && rest.length > 1) {
      let cut = rest.length - 1;
      while (cut > 1 && measure(rest.slice(0, cut)) > width) cut--;
      lines.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    current = rest;
    currentWidth = measure(rest);
  }
  if (current) lines.push(current);
  return lines;
}

class Writer {
  readonly doc: PDFDocument;
  readonly fonts: Fonts;
  page!: PDFPage;
  y = 0;
  constructor(doc: PDFDocument, fonts: Fonts) {
    this.doc = doc;
    this.fonts = fonts;
  }

  newPage(): void {
    this.page = this.doc.addPage(A4);
    this.y = A4[1] - MARGIN;
  }

  line(text: string, font: PDFFont, size: number, height: number): void {
    if (this.y - height < MARGIN) this.newPage();
    this.y -= height;
    this.page.drawText(text, { x: MARGIN, y: this.y, size, font, color: rgb(0.1, 0.1, 0.1) });
  }

  paragraph(text: string, font: PDFFont, size: number, height: number): void {
    // Widths summed from a per-character cache (measuring whole strings was most of the time);
    // kerning is left out, so lines keep a small margin to spare.
    const widths = new Map<string, number>();
    const measure = (s: string) => {
      let w = 0;
      for (const ch of s) {
        let c = widths.get(ch);
        if (c === undefined) widths.set(ch, (c = font.widthOfTextAtSize(ch, size)));
        w += c;
      }
      return w;
    };
    const width = A4[0] - 2 * MARGIN - 6;
    for (const l of wrapText(encodableText(this.fonts, text), width, measure)) this.line(l, font, size, height);
    this.y -= height / 2;
  }
}

async function newDocument(title: string): Promise<{ doc: PDFDocument; fonts: Fonts }> {
  const doc = await PDFDocument.create();
  doc.setTitle(title);
  doc.setProducer('CSPR Hub');
  doc.setCreator('CSPR Hub');
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  return { doc, fonts: { regular, bold, encodable: new Set(regular.getCharacterSet()) } };
}

/** A report: the title on top of the first page, then each given page's paragraphs. */
export async function renderReportPdf(report: ReportPdf): Promise<Buffer> {
  const { doc, fonts } = await newDocument(report.title);
  if (report.madeOn) {
    doc.setCreationDate(report.madeOn);
    doc.setModificationDate(report.madeOn);
  }
  const w = new Writer(doc, fonts);
  const pages = report.pages.length > 0 ? report.pages : [''];
  pages.forEach((text, i) => {
    w.newPage();
    if (i === 0) w.paragraph(report.title, fonts.bold, TITLE_SIZE, TITLE_SIZE * 1.3);
    for (const para of text.split(/\n\s*\n/)) if (para.trim()) w.paragraph(para.trim(), fonts.regular, BODY_SIZE, LINE);
  });
  return Buffer.from(await doc.save({ useObjectStreams: true }));
}

/**
 * A PDF whose pages carry only drawn shapes, as a scanned report looks to text extraction:
 * `textPages` lists the (1-based) pages that have a line of real text as well.
 */
export async function renderImageOnlyPdf(pageCount: number, textPages: number[] = []): Promise<Buffer> {
  const { doc, fonts } = await newDocument('Scanned report');
  for (let n = 1; n <= pageCount; n++) {
    const page = doc.addPage(A4);
    // Grey bars where a scanner's picture of text lines would be.
    for (let y = A4[1] - MARGIN; y > MARGIN + 40; y -= 18) {
      page.drawRectangle({ x: MARGIN, y, width: A4[0] - 2 * MARGIN - ((y * 7) % 120), height: 8, color: rgb(0.75, 0.75, 0.75) });
    }
    if (textPages.includes(n)) page.drawText(`Page ${n}: the typed covering note for this part of the report.`, { x: MARGIN, y: MARGIN, size: BODY_SIZE, font: fonts.regular });
  }
  return Buffer.from(await doc.save());
}
