import { BODY_FONT, BOLD_FONT, printable } from './pdf-fonts.ts';
import { openTaggedPdf } from './tagged-pdf.ts';

export type OnePagePdf = {
  title: string;
  /** A line under the title: the kind of document and who published it. */
  subtitle: string;
  sections: { heading: string; text: string }[];
  /** The last line: where to read it online, and when it was published. */
  footer: string;
};

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = { top: 56, bottom: 56, left: 56, right: 56 };
const WIDTH = A4.width - MARGIN.left - MARGIN.right;
/** Kept free at the foot of the page for the footer lines. */
const FOOTER_ROOM = 36;
const TEXT = '#0b0c0c';
const SECONDARY = '#505a5f';
const TITLE_SIZE = 18;
const LARGEST = 11;
const SMALLEST = 7;
const DOES_NOT_FIT = 'This does not all fit on one page: read the rest online.';

type Run = { tag: 'H1' | 'H2' | 'P'; text: string; bold: boolean; size: number; gapAfter: number; colour: string };

/** The document as runs of text at a body size (headings 2 pt larger, the title fixed). */
function runsAt(input: OnePagePdf, size: number): Run[] {
  const runs: Run[] = [
    { tag: 'H1', text: input.title, bold: true, size: TITLE_SIZE, gapAfter: 4, colour: TEXT },
    { tag: 'P', text: input.subtitle, bold: false, size, gapAfter: size, colour: SECONDARY },
  ];
  for (const s of input.sections) {
    runs.push({ tag: 'H2', text: s.heading, bold: true, size: size + 2, gapAfter: 2, colour: TEXT });
    const paragraphs = s.text.split(/\n+/).map((p) => p.trim()).filter(Boolean);
    paragraphs.forEach((p, i) => runs.push({ tag: 'P', text: p, bold: false, size, gapAfter: i === paragraphs.length - 1 ? size : size * 0.4, colour: TEXT }));
  }
  return runs.map((r) => ({ ...r, text: printable(r.text) }));
}

/**
 * A one-page document for team meetings and noticeboards (a 7-minute briefing, a Learning on a
 * Page), as a tagged PDF: the title (H1), the subtitle, each section's heading (H2) and paragraphs,
 * then where to read it online. The body's type shrinks (11 pt down to 7 pt) until it all fits on
 * one A4 page; what still does not fit is cut at a line, with a note to read the rest online.
 */
export function renderOnePagePdf(input: OnePagePdf): Promise<Buffer> {
  const { doc, done } = openTaggedPdf({ title: input.title, author: input.subtitle, subject: input.subtitle }, MARGIN);
  const bottom = A4.height - MARGIN.bottom - FOOTER_ROOM;
  const heightOf = (r: Run) => doc.font(r.bold ? BOLD_FONT : BODY_FONT).fontSize(r.size).heightOfString(r.text, { width: WIDTH }) + r.gapAfter;
  const total = (runs: Run[]) => runs.reduce((h, r) => h + heightOf(r), 0);

  let size = LARGEST;
  let runs = runsAt(input, size);
  while (total(runs) > bottom - MARGIN.top && size > SMALLEST) runs = runsAt(input, (size -= 0.5));

  const root = doc.struct('Document');
  doc.addStructure(root);
  let cut = false;
  for (const r of runs) {
    const room = bottom - doc.y - 14;
    if (room < r.size * 1.3) {
      cut = true;
      break;
    }
    const fits = heightOf(r) - r.gapAfter <= room;
    root.add(
      doc.struct(r.tag, {}, () => {
        // A run that does not fit is cut at the last whole line that does (pdfkit stops at `height`).
        doc.font(r.bold ? BOLD_FONT : BODY_FONT).fontSize(r.size).fillColor(r.colour).text(r.text, MARGIN.left, doc.y, { width: WIDTH, ...(fits ? {} : { height: room }) });
      }),
    );
    if (!fits) {
      cut = true;
      break;
    }
    doc.y += r.gapAfter;
  }
  if (cut) root.add(doc.struct('P', {}, () => doc.font(BOLD_FONT).fontSize(8).fillColor(TEXT).text(DOES_NOT_FIT, MARGIN.left, bottom - 10, { width: WIDTH })));
  const footer = printable(input.footer);
  if (footer.trim()) root.add(doc.struct('P', {}, () => doc.font(BODY_FONT).fontSize(8).fillColor(SECONDARY).text(footer, MARGIN.left, bottom + 8, { width: WIDTH, height: FOOTER_ROOM - 4 })));
  root.end();
  doc.end();
  return done;
}
