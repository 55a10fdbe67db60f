import path from 'node:path';
import type { DocumentWorkers } from '../../platform/documents/document-workers.ts';
import { DocumentError } from '../../platform/documents/document-error.ts';

/**
 * Files agencies send with their answers: PDF or Word (.docx) only, up to 10 MB, recognised by
 * their first bytes (never by the name or the browser's word for it). They are kept, encrypted,
 * in the file store (src/platform/storage).
 */

export const MAX_FILE_BYTES = 10 * 1024 * 1024;

export type FileType = 'pdf' | 'docx';

export const FILE_TYPE_LABELS: Readonly<Record<FileType, string>> = Object.freeze({ pdf: 'PDF', docx: 'Word document (.docx)' });

const PDF_MAGIC = Buffer.from('%PDF-', 'latin1');
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** A .docx is a zip whose entries include word/document.xml (named in a local file header or the central directory). */
function isDocx(bytes: Buffer): boolean {
  if (bytes.length < 30 || !bytes.subarray(0, 4).equals(ZIP_MAGIC)) return false;
  return bytes.includes(Buffer.from('word/document.xml', 'latin1'));
}

/** The kind of file by its content, or null when it is neither a PDF nor a Word document. */
export function detectFileType(bytes: Buffer): FileType | null {
  if (bytes.length >= PDF_MAGIC.length && bytes.subarray(0, PDF_MAGIC.length).equals(PDF_MAGIC)) return 'pdf';
  if (isDocx(bytes)) return 'docx';
  return null;
}

/** The message to show for a file that cannot be kept, or null when it is acceptable. */
export function fileProblem(bytes: Buffer, truncated: boolean): string | null {
  if (truncated || bytes.length > MAX_FILE_BYTES) return 'The selected file must be smaller than 10 MB';
  if (bytes.length === 0) return 'The selected file is empty';
  if (!detectFileType(bytes)) return 'The selected file must be a PDF or a Word document (.docx)';
  return null;
}

/**
 * The message to show for an uploaded file that cannot be kept, or null when it can: its kind and
 * size first, then the file itself, read by the document workers (off the request thread, within
 * their limits): a damaged file, a Word document that expands beyond its limits, or one that
 * carries active content (scripts, embedded files, macros) is refused.
 */
export async function uploadProblem(documents: DocumentWorkers, file: { bytes: Buffer; truncated: boolean }): Promise<string | null> {
  const problem = fileProblem(file.bytes, file.truncated);
  if (problem) return problem;
  try {
    await documents.check(file.bytes, detectFileType(file.bytes)!);
    return null;
  } catch (err) {
    if (err instanceof DocumentError) return `The selected file cannot be used: ${err.message}`;
    throw err;
  }
}

/** A file name safe to show and to offer for download: no folders, no control characters, at most 200 characters. */
export function cleanFileName(name: string, type: FileType): string {
  const base = path.basename(name.replaceAll('\\', '/')).replace(/[\p{Cc}\p{Cf}"]/gu, '').trim().slice(0, 200);
  return base || `file.${type}`;
}
