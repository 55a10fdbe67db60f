import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { readKeptFile } from './kept-files.ts';

/**
 * The demonstration's files of evidence (an action's completion, its impact), made beforehand like its
 * reviews' PDFs (publications.ts) and kept in DEMO_EVIDENCE_DIR. Making them while seeding loaded the
 * PDF library and rendered them on the thread that drives the seeding, which a first start waits for
 * (about 0.1 s to load it and 0.05 s for the first file). A file is named by a digest of its text, so
 * a text changed in the seeding finds no file and is rendered then, as before; a test keeps the files
 * the same as `renderDemoDocument` makes and says when one the demo uses is missing.
 */

export const DEMO_EVIDENCE_DIR = fileURLToPath(new URL('./evidence/', import.meta.url));

/** A one-page document of the demo: its title and its text. */
export type DemoDocument = { title: string; text: string };

/** The date every demo document says it was made: the same text always gives the same bytes. */
const MADE_ON = new Date('2026-01-05T12:00:00Z');

export function demoDocumentFileName(doc: DemoDocument): string {
  return `${createHash('sha256').update(`${doc.title}\n${doc.text}`).digest('hex').slice(0, 16)}.pdf`;
}

export async function renderDemoDocument(doc: DemoDocument): Promise<Buffer> {
  // Loaded only when a demo document is made here: a running service need not hold the PDF library.
  const { renderReportPdf } = await import('../../platform/documents/generate-pdf.ts');
  return renderReportPdf({ title: doc.title, pages: [doc.text], madeOn: MADE_ON });
}

/** The document's PDF as made beforehand, or made now when there is none. */
export async function demoDocumentPdf(doc: DemoDocument, dir = DEMO_EVIDENCE_DIR): Promise<Buffer> {
  return (await readKeptFile(dir, demoDocumentFileName(doc))) ?? renderDemoDocument(doc);
}
