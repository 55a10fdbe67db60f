import { parentPort } from 'node:worker_threads';
import { DocumentError } from './document-error.ts';
import type { DocumentJobMessage, DocumentReply, DocumentResult, DocumentStarted } from './document-workers.ts';

/**
 * A document worker's thread (see document-workers.ts): does one job at a time, as asked (reads or
 * checks a file, reads a workbook's rows, reads a CSV file, cleans an SVG logo, makes a PDF or a spreadsheet), and answers with the
 * result or the reason the file cannot be used. Each kind of work loads its libraries on its first
 * job, so a worker that only reads files never loads the PDF writer, and the reverse.
 */
const port = parentPort!;

// Said once the thread has started, so that starting is not counted against the first job's time.
port.postMessage('ready');

/** The PDFs' fonts, parsed once per thread on the first PDF. */
async function pdfFontsLoaded(): Promise<void> {
  (await import('./pdf-fonts.ts')).pdfFonts();
}

/** What does a kind of job, its libraries loaded (on the first job of that kind: each import is loaded once). */
async function workFor(job: DocumentJobMessage): Promise<() => Promise<DocumentResult>> {
  switch (job.task) {
    case 'text':
    case 'check': {
      const { checkDocument, extractText } = await import('./extract.ts');
      const bytes = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
      return async () => (job.task === 'text' ? await extractText(bytes, job.type) : (await checkDocument(bytes, job.type), null));
    }
    case 'workbook': {
      const [{ readWorkbook }] = await Promise.all([import('./workbook.ts'), import('exceljs')]);
      const bytes = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
      return () => readWorkbook(bytes, job.limits);
    }
    case 'report-pdf': {
      const [{ renderTaggedPdf }] = await Promise.all([import('./tagged-pdf.ts'), pdfFontsLoaded()]);
      return () => renderTaggedPdf(job.model);
    }
    case 'one-page-pdf': {
      const [{ renderOnePagePdf }] = await Promise.all([import('./one-page-pdf.ts'), pdfFontsLoaded()]);
      return () => renderOnePagePdf(job.model);
    }
    case 'csv': {
      const { readCsvFile } = await import('./csv.ts');
      return async () => readCsvFile(job.bytes, job.maxRows);
    }
    case 'svg-logo': {
      // DOMPurify on a jsdom window, made on the first logo: loaded here, so it is not timed.
      const { sanitiseSvg, svgCleaner } = await import('./logo-image.ts');
      await svgCleaner();
      return () => sanitiseSvg(job.text);
    }
    case 'xlsx': {
      // The writer loads the spreadsheet library on its first use: loaded here, so it is not timed.
      const [{ xlsxBuffer }] = await Promise.all([import('../export/xlsx.ts'), import('exceljs')]);
      return () => xlsxBuffer(job.sheets);
    }
  }
}

/** The bytes to send back: moved, not copied, when they own their whole memory (a pooled small buffer must be copied). */
function transferable(result: DocumentReply & { ok: true }): ArrayBuffer[] {
  const r = result.result;
  return r instanceof Uint8Array && r.byteOffset === 0 && r.byteLength === r.buffer.byteLength && r.buffer instanceof ArrayBuffer ? [r.buffer] : [];
}

port.on('message', async (job: DocumentJobMessage) => {
  try {
    const work = await workFor(job);
    // The time limit runs from here: loading a library once is not counted against a job.
    port.postMessage({ id: job.id, started: true } satisfies DocumentStarted);
    const reply: DocumentReply = { id: job.id, ok: true, result: await work() };
    port.postMessage(reply, transferable(reply));
  } catch (err) {
    const reply: DocumentReply = { id: job.id, ok: false, refused: err instanceof DocumentError, message: err instanceof Error ? err.message : String(err) };
    port.postMessage(reply);
  }
});
