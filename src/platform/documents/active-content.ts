// The PDF library is loaded when a PDF is first checked: a service that never receives one does not hold it.
import type * as PdfLibModule from 'pdf-lib';
import type { PDFDocument, PDFName, PDFObject } from 'pdf-lib';

type PdfLib = typeof PdfLibModule;
import { DocumentError, PDF_PASSWORD_PROTECTED } from './document-error.ts';
import type { ZipEntry } from './zip-archive.ts';

/**
 * Active content: what a reader could run, open or fetch by itself when someone opens a file.
 * Published reports are downloaded by the public and agencies' files by staff, so a file that
 * carries any is refused, with what was found and how to make a clean copy (printing to a new
 * PDF keeps the pages and drops the rest).
 *
 * PDF: the document is parsed (pdf-lib) and every object in it is walked, including those packed
 * in compressed object streams, which a plain search of the bytes cannot see. Names are compared
 * decoded (a name may be written /J#61vaScript). As a second look, the bytes outside streams are
 * searched for the same names, for objects a lenient parser would drop but a reader might repair.
 * An encrypted PDF cannot be checked (its object streams are encrypted), so it is refused too.
 *
 * Word: macros, ActiveX controls, embedded OLE objects and links that Word follows by itself
 * (a template or picture fetched from elsewhere when the file opens) are refused; ordinary
 * hyperlinks, which need a click, are fine.
 */

type Kind = 'JavaScript' | 'automatic actions' | 'actions that open other files, programs or addresses' | 'embedded files' | 'multimedia' | 'an XFA form';

const PDF_KEYS: Record<string, Kind> = {
  JavaScript: 'JavaScript',
  JS: 'JavaScript',
  AA: 'automatic actions',
  EmbeddedFile: 'embedded files',
  EmbeddedFiles: 'embedded files',
  EF: 'embedded files',
  RichMedia: 'multimedia',
  RichMediaContent: 'multimedia',
  RichMediaSettings: 'multimedia',
  XFA: 'an XFA form',
};

/** Action types (/S) that run code or reach outside the document. Links to web pages (/URI) and within it (/GoTo) are fine. */
const PDF_ACTIONS: Record<string, Kind> = {
  JavaScript: 'JavaScript',
  Launch: 'actions that open other files, programs or addresses',
  GoToR: 'actions that open other files, programs or addresses',
  GoToE: 'actions that open other files, programs or addresses',
  ImportData: 'actions that open other files, programs or addresses',
  SubmitForm: 'actions that open other files, programs or addresses',
  Rendition: 'multimedia',
  RichMediaExecute: 'multimedia',
};

const PDF_SUBTYPES: Record<string, Kind> = { FileAttachment: 'embedded files', RichMedia: 'multimedia' };

/** A PDF name as readers see it: #xx escapes decoded, in either case (pdf-lib decodes only upper case). */
function decodeName(name: string): string {
  return name.replace(/#([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function nameOf(name: PDFName): string {
  return decodeName(name.decodeText());
}

/** Every kind of active content in the parsed objects. */
function walkObjects({ PDFArray, PDFDict, PDFName, PDFStream }: PdfLib, doc: PDFDocument): Set<Kind> {
  const found = new Set<Kind>();
  // An explicit stack: a hostile file can nest arrays deeper than the call stack goes.
  const stack: PDFObject[] = doc.context.enumerateIndirectObjects().map(([, object]) => object);
  while (stack.length > 0) {
    const object = stack.pop()!;
    const dict = object instanceof PDFStream ? object.dict : object instanceof PDFDict ? object : null;
    if (dict) {
      for (const [key, value] of dict.entries()) {
        const name = nameOf(key);
        const kind = PDF_KEYS[name];
        if (kind) found.add(kind);
        if (value instanceof PDFName) {
          const v = nameOf(value);
          if (name === 'S' && PDF_ACTIONS[v]) found.add(PDF_ACTIONS[v]);
          if (name === 'Subtype' && PDF_SUBTYPES[v]) found.add(PDF_SUBTYPES[v]);
          if (name === 'Type' && v === 'EmbeddedFile') found.add('embedded files');
        } else {
          stack.push(value);
        }
      }
    } else if (object instanceof PDFArray) {
      stack.push(...object.asArray());
    }
  }
  return found;
}

/** The same names, searched for in the bytes outside streams (stream data is left out: binary data holds any bytes). */
function scanBytes(bytes: Uint8Array): Set<Kind> {
  const found = new Set<Kind>();
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const outside: string[] = [];
  let from = 0;
  const streamStart = /(?<![A-Za-z])stream(?:\r\n|\r|\n)/g;
  for (let match = streamStart.exec(text); match; match = streamStart.exec(text)) {
    outside.push(text.slice(from, match.index));
    const end = text.indexOf('endstream', streamStart.lastIndex);
    if (end < 0) {
      from = text.length;
      break;
    }
    from = end + 'endstream'.length;
    streamStart.lastIndex = from;
  }
  outside.push(text.slice(from));
  const namePattern = /\/([^\s/<>[\](){}%]+)/g;
  for (const part of outside) {
    for (const match of part.matchAll(namePattern)) {
      const name = decodeName(match[1]);
      const kind = PDF_KEYS[name] ?? (name === 'Launch' || name === 'GoToE' ? PDF_ACTIONS[name] : undefined);
      if (kind) found.add(kind);
    }
  }
  return found;
}

function listed(kinds: Iterable<string>): string {
  const all = [...kinds];
  return all.length <= 1 ? all.join('') : `${all.slice(0, -1).join(', ')} and ${all.at(-1)}`;
}

function hasPages(doc: PDFDocument): boolean {
  try {
    return doc.getPageCount() > 0;
  } catch {
    return false;
  }
}

/** The kinds of active content a PDF carries (none: an empty list); throws DocumentError when it cannot be checked. */
export async function pdfActiveContent(bytes: Uint8Array): Promise<string[]> {
  const pdfLib = await import('pdf-lib');
  let doc: PDFDocument;
  try {
    doc = await pdfLib.PDFDocument.load(bytes, { ignoreEncryption: true, updateMetadata: false, throwOnInvalidObject: false, parseSpeed: pdfLib.ParseSpeeds.Fastest });
  } catch {
    throw new DocumentError('the file is damaged or not a PDF: open it and save or export it again as a PDF, then try again');
  }
  if (doc.isEncrypted) throw new DocumentError(PDF_PASSWORD_PROTECTED);
  // The lenient parser accepts a few bytes after "%PDF-" as a document: one without a page tree a
  // reader can open is damaged, and must not pass as a file of evidence (or a report) because of
  // its first five bytes.
  if (!hasPages(doc)) throw new DocumentError('the file is damaged or not a PDF: it has no pages that can be read; open it and save or export it again as a PDF, then try again');
  return [...new Set([...walkObjects(pdfLib, doc), ...scanBytes(bytes)])].sort();
}

/** Refuses a PDF that carries active content, naming what it carries. */
export async function refusePdfActiveContent(bytes: Uint8Array): Promise<void> {
  const kinds = await pdfActiveContent(bytes);
  if (kinds.length > 0) {
    throw new DocumentError(
      `the PDF carries active content (${listed(kinds)}) that a reader could run or open by itself: print it to a new PDF (or save it again without scripts, attachments, multimedia or forms), then try again`,
    );
  }
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function xmlText(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) =>
    e.startsWith('#') ? String.fromCodePoint(Number.parseInt(e.slice(e[1] === 'x' || e[1] === 'X' ? 2 : 1), e[1] === 'x' || e[1] === 'X' ? 16 : 10)) : XML_ENTITIES[e.toLowerCase()],
  );
}

function attribute(tag: string, name: string): string {
  const match = new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)')`).exec(tag);
  return match ? xmlText(match[2] ?? match[3] ?? '').trim() : '';
}

/** The kinds of active content in a Word document's parts (none: an empty list). */
export function docxActiveContent(entries: ZipEntry[]): string[] {
  const found = new Set<string>();
  for (const { name, data } of entries) {
    const lower = name.toLowerCase();
    if (/(^|\/)vba(project\.bin|data\.xml)$/.test(lower) || /\.(docm|dotm|xlsm|xltm|pptm|potm|ppsm)$/.test(lower)) found.add('macros');
    if (/(^|\/)activex\//.test(lower)) found.add('ActiveX controls');
    if (/(^|\/)embeddings\/.*\.bin$/.test(lower)) found.add('embedded objects (OLE)');
    if (lower === '[content_types].xml' && /macroEnabled/i.test(data.toString('utf8'))) found.add('macros');
    if (lower.endsWith('.rels')) {
      for (const [tag] of data.toString('utf8').matchAll(/<(?:[\w.-]+:)?Relationship\b[^>]*>/g)) {
        const external = attribute(tag, 'TargetMode').toLowerCase() === 'external';
        if (external && !attribute(tag, 'Type').endsWith('/hyperlink')) found.add('links to content elsewhere that Word fetches when the file opens');
      }
    }
  }
  return [...found].sort();
}

/** Refuses a Word document that carries active content, naming what it carries. */
export function refuseDocxActiveContent(entries: ZipEntry[]): void {
  const kinds = docxActiveContent(entries);
  if (kinds.length > 0) {
    throw new DocumentError(
      `the Word document carries active content (${listed(kinds)}): open it in Word and save a copy without them as a .docx (or print it to PDF), then try again`,
    );
  }
}
