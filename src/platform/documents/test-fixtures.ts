import { constants, crc32, deflateRawSync, deflateSync } from 'node:zlib';
import { PDFDocument, PDFName, PDFString, StandardFonts } from 'pdf-lib';
import { DEFLATED, readZip, writePackedZip, writeZip } from './zip-archive.ts';

/**
 * Small real documents for tests, made without extra libraries: a Word document (.docx, a zip
 * of three XML parts) and a PDF that needs a password to open; and hostile ones, built to be
 * slow to read or to expand when opened, small on disk however large they become.
 */

function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A Word document with one paragraph per string. */
export function buildDocx(paragraphs: string[]): Buffer {
  const body = paragraphs.map((p) => `<w:p><w:r><w:t xml:space="preserve">${xmlEscape(p)}</w:t></w:r></w:p>`).join('');
  const xml = (s: string) => Buffer.from(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${s}`, 'utf8');
  return writeZip([
    {
      name: '[Content_Types].xml',
      data: xml(
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
          '<Default Extension="xml" ContentType="application/xml"/>' +
          '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
          '</Types>',
      ),
    },
    {
      name: '_rels/.rels',
      data: xml(
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
          '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>' +
          '</Relationships>',
      ),
    },
    {
      name: 'word/document.xml',
      data: xml(`<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`),
    },
  ]);
}

/**
 * A PDF written object by object (numbered from 1, the first being the catalogue), for files no
 * library would write: each object's body as text or bytes, with a correct cross-reference table.
 */
export function rawPdf(objects: (string | Buffer)[], trailer = ''): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n', 'latin1')];
  let length = parts[0].length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(length);
    const part = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`, 'latin1'), typeof body === 'string' ? Buffer.from(body, 'latin1') : body, Buffer.from('\nendobj\n', 'latin1')]);
    parts.push(part);
    length += part.length;
  });
  let tail = `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) tail += `${String(o).padStart(10, '0')} 00000 n \n`;
  tail += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R ${trailer}>>\nstartxref\n${length}\n%%EOF\n`;
  return Buffer.concat([...parts, Buffer.from(tail, 'latin1')]);
}

/**
 * A small PDF that opens (one blank page), carrying `note` as a comment and `padding` spaces: an
 * upload fixture that passes the checks, where a few bytes after "%PDF-" are refused as damaged.
 */
export function samplePdf(note: string, padding = 0): Buffer {
  return rawPdf([
    `% ${note}\n${' '.repeat(padding)}\n<< /Type /Catalog /Pages 2 0 R >>`,
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>',
  ]);
}

/** A stream object holding the given (already encoded) bytes. */
export function pdfStream(dictionary: string, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`<< ${dictionary} /Length ${data.length} >>\nstream\n`, 'latin1'), data, Buffer.from('\nendstream', 'latin1')]);
}

/**
 * A one-page PDF protected by a user password (standard security handler, RC4 40-bit): the
 * trailer names an /Encrypt dictionary whose /U entry does not match the empty password, so a
 * reader must ask for one, as for any password-protected report.
 */
export function buildPasswordProtectedPdf(): Buffer {
  const hex32 = (seed: number) => Array.from({ length: 32 }, (_, i) => ((i * 37 + seed) % 256).toString(16).padStart(2, '0')).join('');
  return rawPdf(
    [
      '<< /Type /Catalog /Pages 2 0 R >>',
      '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
      '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>',
      '<< /Length 0 >>\nstream\n\nendstream',
      `<< /Filter /Standard /V 1 /R 2 /O <${hex32(11)}> /U <${hex32(99)}> /P -44 >>`,
    ],
    `/Encrypt 5 0 R /ID [<${hex32(1).slice(0, 32)}> <${hex32(1).slice(0, 32)}>] `,
  );
}

/**
 * Deflated data that inflates to `times` copies of `chunk` between a prefix and a suffix, made
 * without ever holding the inflated data: each copy is compressed once, after a full flush (which
 * resets the compressor), so the same compressed bytes can be repeated. A megabyte of one letter
 * packs to about a kilobyte.
 */
export function deflatedRepeats(prefix: string, chunk: Buffer, times: number, suffix: string): { packed: Buffer; size: number; crc(): number } {
  const segment = (data: Buffer) => deflateRawSync(data, { finishFlush: constants.Z_FULL_FLUSH });
  const packedChunk = segment(chunk);
  const packed = Buffer.concat([segment(Buffer.from(prefix)), ...Array.from({ length: times }, () => packedChunk), deflateRawSync(Buffer.from(suffix))]);
  return {
    packed,
    size: Buffer.byteLength(prefix) + chunk.length * times + Buffer.byteLength(suffix),
    // The checksum of the inflated data, worked out piece by piece (a zip needs it; a PDF does not).
    crc() {
      let crc = crc32(prefix);
      for (let i = 0; i < times; i++) crc = crc32(chunk, crc);
      return crc32(suffix, crc);
    },
  };
}

/**
 * A "zip bomb" Word document: its text is `megabytes` of one letter, packed to about a kilobyte
 * a megabyte. `declared` is the size its zip directory gives for that part: the truth by default,
 * or a smaller lie.
 */
export function buildZipBombDocx(megabytes: number, { declared }: { declared?: number } = {}): Buffer {
  const normal = readZip(buildDocx(['placeholder']));
  const bomb = deflatedRepeats(
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>',
    Buffer.alloc(1024 * 1024, 'a'),
    megabytes,
    '</w:t></w:r></w:p></w:body></w:document>',
  );
  return writePackedZip(
    normal.map((e) =>
      e.name === 'word/document.xml'
        ? { name: e.name, method: DEFLATED, packed: bomb.packed, size: declared ?? bomb.size, crc: bomb.crc() }
        : { name: e.name, method: DEFLATED, packed: deflateRawSync(e.data), size: e.data.length, crc: crc32(e.data) },
    ),
  );
}

/** A one-page PDF whose page's content inflates to `megabytes` of spaces (valid, and empty), packed to about a kilobyte a megabyte. */
export function buildFlateBombPdf(megabytes: number): Buffer {
  const { packed } = deflatedRepeats('', Buffer.alloc(1024 * 1024, ' '), megabytes, 'BT ET');
  // Raw deflate wrapped as zlib (what /FlateDecode holds): a 2-byte header; readers do not need the trailing checksum.
  return rawPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>',
    pdfStream('/Filter /FlateDecode', Buffer.concat([Buffer.from([0x78, 0x9c]), packed])),
  ]);
}

/** A one-page PDF that is slow to read: its page shows `operations` one-letter strings, one at a time. */
export function buildSlowPdf(operations: number): Buffer {
  const content = deflateSync(Buffer.from(`BT /F1 12 Tf 72 720 Td ${'(a) Tj '.repeat(operations)}ET`, 'latin1'));
  return rawPdf([
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>',
    pdfStream('/Filter /FlateDecode', content),
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ]);
}

/**
 * A one-page report that runs JavaScript when it is opened (/OpenAction), saved as pdf-lib saves
 * by default: its objects packed in compressed object streams, so no byte of the file spells it.
 */
export async function buildPdfWithOpenActionScript(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([595, 842]).drawText('Child L (fictional): the review found that agencies did not share information.', { x: 40, y: 780, size: 10, font });
  const action = doc.context.obj({ Type: 'Action', S: 'JavaScript', JS: PDFString.of('app.alert("hello")') });
  doc.catalog.set(PDFName.of('OpenAction'), doc.context.register(action));
  return Buffer.from(await doc.save({ useObjectStreams: true }));
}

/** A one-page report with a file attached to it (an /EmbeddedFiles name tree). */
export async function buildPdfWithAttachment(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([595, 842]).drawText('Child L (fictional): see the attached file.', { x: 40, y: 780, size: 10, font });
  await doc.attach(Buffer.from('echo hello'), 'run-me.bat', { mimeType: 'application/octet-stream', description: 'an attachment' });
  return Buffer.from(await doc.save({ useObjectStreams: true }));
}
