import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { BODY_FONT, BOLD_FONT, printable, registerPdfFonts } from './pdf-fonts.ts';

/**
 * A report as an accessible PDF, written with pdfkit: tagged (a structure tree of headings,
 * paragraphs, tables with header cells and figures with alternative text, reading order as
 * written), the document's language and title set and shown, bookmarks (the outline) for each
 * part, and a contents page listing each part with its page number and a link to it. Page numbers
 * are marked as artefacts, so assistive technology skips them. Charts are the pages' own SVG,
 * drawn by svg-to-pdfkit: one renderer for the page and the PDF. No browser, no binary.
 *
 * The text is set in the embedded Arimo font (Arial's metrics, the service's font; see pdf-fonts.ts).
 */

export type Block =
  | { kind: 'part'; id: string; heading: string }
  | { kind: 'heading'; text: string }
  | { kind: 'paragraph'; text: string; note?: boolean }
  | { kind: 'table'; columns: { label: string; numeric: boolean }[]; rows: string[][] }
  | { kind: 'figure'; svg: string; alt: string };

export type TaggedDocument = {
  title: string;
  subtitle: string;
  /** Under the title: who wrote it, the date it was made. */
  lines: string[];
  /** In the bottom margin of every page, before its number. */
  footer: string;
  author: string;
  blocks: Block[];
};

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = { top: 56, bottom: 64, left: 56, right: 56 };
const WIDTH = A4.width - MARGIN.left - MARGIN.right;
const TEXT = '#0b0c0c';
const SECONDARY = '#505a5f';
const RULE = '#b1b4b6';

/** The height an SVG drawn `WIDTH` wide takes, from its viewBox. */
function svgHeight(svg: string, width: number): number {
  const m = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(svg);
  return m ? (Number(m[2]) / Number(m[1])) * width : width * 0.6;
}

/** A tagged A4 pdfkit document in en-GB with its title shown, the fonts registered, and its bytes when ended. */
export function openTaggedPdf(meta: { title: string; author: string; subject: string }, margins: typeof MARGIN = MARGIN): { doc: PDFKit.PDFDocument; done: Promise<Buffer> } {
  const doc = new PDFDocument({
    size: 'A4',
    margins,
    bufferPages: true,
    tagged: true,
    lang: 'en-GB',
    displayTitle: true,
    pdfVersion: '1.7',
    info: { Title: meta.title.normalize('NFC'), Author: meta.author.normalize('NFC'), Subject: meta.subject.normalize('NFC'), Creator: 'CSPR Hub' },
  });
  registerPdfFonts(doc);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  return { doc, done };
}

export function renderTaggedPdf(model: TaggedDocument): Promise<Buffer> {
  const { doc, done } = openTaggedPdf({ title: model.title, author: model.author, subject: model.subtitle });

  let page = 0;
  doc.on('pageAdded', () => (page += 1));
  const root = doc.struct('Document');
  doc.addStructure(root);
  let container: PDFKit.PDFStructureElement = root;
  const add = (type: string, draw: () => void, options: { alt?: string } = {}) => container.add(doc.struct(type, options, draw));
  const room = (needed: number) => {
    if (doc.y + needed > A4.height - MARGIN.bottom) doc.addPage();
  };
  const body = () => doc.font(BODY_FONT).fontSize(10.5).fillColor(TEXT);

  // The title page, with the contents list drawn last (when every part's page is known).
  add('H1', () => doc.font(BOLD_FONT).fontSize(24).fillColor(TEXT).text(printable(model.title), { width: WIDTH }));
  doc.moveDown(0.3);
  add('P', () => doc.font(BODY_FONT).fontSize(14).fillColor(TEXT).text(printable(model.subtitle), { width: WIDTH }));
  doc.moveDown(0.5);
  for (const line of model.lines) add('P', () => body().fillColor(SECONDARY).text(printable(line), { width: WIDTH }));
  doc.moveDown(1);
  add('H2', () => doc.font(BOLD_FONT).fontSize(16).fillColor(TEXT).text('Contents', { width: WIDTH }));
  doc.outline.addItem('Contents');
  doc.moveDown(0.4);
  const toc = doc.struct('TOC');
  root.add(toc);
  const tocY = doc.y;
  const entries: { id: string; heading: string; page: number }[] = [];

  let sect: PDFKit.PDFStructureElement | null = null;
  for (const block of model.blocks) {
    switch (block.kind) {
      case 'part': {
        sect?.end();
        doc.addPage();
        sect = doc.struct('Sect');
        root.add(sect);
        container = sect;
        entries.push({ id: block.id, heading: block.heading, page: page + 1 });
        doc.addNamedDestination(block.id);
        doc.outline.addItem(printable(block.heading));
        add('H2', () => doc.font(BOLD_FONT).fontSize(18).fillColor(TEXT).text(printable(block.heading), { width: WIDTH }));
        doc.moveDown(0.4);
        break;
      }
      case 'heading':
        room(80);
        doc.moveDown(0.4);
        add('H3', () => doc.font(BOLD_FONT).fontSize(12.5).fillColor(TEXT).text(printable(block.text), { width: WIDTH }));
        doc.moveDown(0.3);
        break;
      case 'paragraph':
        room(30);
        add('P', () => body().fillColor(block.note ? SECONDARY : TEXT).text(printable(block.text), { width: WIDTH, paragraphGap: 6, lineGap: 1.5 }));
        break;
      case 'figure': {
        const height = Math.min(svgHeight(block.svg, WIDTH), A4.height - MARGIN.top - MARGIN.bottom - 40);
        const width = height < svgHeight(block.svg, WIDTH) ? (height / svgHeight(block.svg, WIDTH)) * WIDTH : WIDTH;
        room(height + 10);
        const x = MARGIN.left;
        const y = doc.y;
        add('Figure', () => SVGtoPDF(doc, block.svg, x, y, { width, height, assumePt: true, fontCallback: (_family, bold) => (bold ? BOLD_FONT : BODY_FONT) }), { alt: printable(block.alt) });
        doc.x = MARGIN.left;
        doc.y = y + height + 6;
        break;
      }
      case 'table': {
        room(60);
        const header = block.columns.map((c) => ({ text: printable(c.label), type: 'TH', scope: 'column', font: { src: BOLD_FONT }, align: { x: c.numeric ? 'right' : 'left', y: 'bottom' }, backgroundColor: '#f3f2f1' }));
        const rows = block.rows.map((row) => row.map((cell, i) => (i === 0 ? { text: printable(cell), type: 'TH', scope: 'row', font: { src: BOLD_FONT } } : { text: printable(cell), align: { x: block.columns[i]?.numeric ? 'right' : 'left' } })));
        doc.font(BODY_FONT).fontSize(block.columns.length > 7 ? 7.5 : 9).fillColor(TEXT);
        doc.table({
          structParent: container,
          position: { x: MARGIN.left },
          maxWidth: WIDTH,
          columnStyles: (i: number) => (i === 0 ? { width: block.columns.length > 4 ? 110 : '*' } : '*'),
          defaultStyle: { border: 0.5, borderColor: RULE, padding: 3 },
          data: [header, ...rows],
        } as unknown as PDFKit.Mixins.TableOptionsWithData);
        doc.x = MARGIN.left;
        doc.moveDown(0.8);
        break;
      }
    }
  }
  sect?.end();

  // The contents, on the title page: each part, its page and a link to it.
  doc.switchToPage(0);
  doc.x = MARGIN.left;
  doc.y = tocY;
  for (const e of entries) {
    toc.add(
      doc.struct('TOCI', {}, () => {
        const y = doc.y;
        body().text(printable(e.heading), MARGIN.left, y, { width: WIDTH - 50, goTo: e.id, underline: false });
        const after = doc.y;
        body().text(String(e.page), MARGIN.left + WIDTH - 40, y, { width: 40, align: 'right', goTo: e.id });
        doc.y = Math.max(after, doc.y) + 4;
      }),
    );
  }
  toc.end();
  root.end();

  // Page numbers, as artefacts: not part of the text read out.
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i += 1) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.markContent('Artifact', { type: 'Pagination' });
    doc.font(BODY_FONT).fontSize(8.5).fillColor(SECONDARY).text(printable(`${model.footer}   Page ${i + 1} of ${range.count}`), MARGIN.left, A4.height - 40, { width: WIDTH, align: 'center', lineBreak: false });
    doc.endMarkedContent();
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}
