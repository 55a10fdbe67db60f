import type { FastifyReply } from 'fastify';
import type { DocumentType } from '../documents/extract.ts';

/**
 * Every file the service hands out (published reports, agencies' answers, review report versions,
 * the Panel's advance copies, exports) goes through here, with the same headers:
 *
 * - Content-Disposition: attachment, so a browser saves the file rather than opening it in the
 *   service's own origin, with the file's name safe for every browser (RFC 6266 and RFC 8187);
 * - the file's true content type, and X-Content-Type-Options: nosniff, so it is never taken for
 *   anything else (an HTML page, a script);
 * - Content-Security-Policy: sandbox; default-src 'none', so that if a browser shows it anyway,
 *   it shows it as an opaque, script-less document that can load nothing.
 */

export const DOCUMENT_CONTENT_TYPES: Readonly<Record<DocumentType, string>> = Object.freeze({
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
});

export const DOWNLOAD_CSP = "sandbox; default-src 'none'";

/** Characters of the RFC 8187 value that encodeURIComponent leaves as they are but attr-char does not allow. */
const NOT_ATTR_CHAR = /['()*]/g;

/**
 * A Content-Disposition header that saves the file under its name: a plain ASCII `filename` for
 * old clients (no quotes, backslashes or percent signs, which some browsers decode) and the full
 * name as UTF-8 in `filename*`. Folders, control and format characters (a right-to-left override
 * could disguise an extension) and lone surrogates (which cannot be encoded) are removed first.
 */
export function contentDisposition(name: string): string {
  const clean =
    name
      .replace(/[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu, '')
      .replace(/[/\\]/g, '_')
      .trim() || 'download';
  const ascii = clean.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
  const encoded = encodeURIComponent(clean).replace(NOT_ATTR_CHAR, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** Sends a file as a download, with the headers above. */
export function sendDownload(reply: FastifyReply, file: { body: Buffer | NodeJS.ReadableStream; name: string; contentType: string }): FastifyReply {
  return reply
    .type(file.contentType)
    .header('content-disposition', contentDisposition(file.name))
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', DOWNLOAD_CSP)
    .send(file.body);
}

/** Sends a stored PDF or Word document (its bytes, or a stream of them from the file store) as a download. */
export function sendDocument(reply: FastifyReply, file: { body: Buffer | NodeJS.ReadableStream; name: string; type: DocumentType }): FastifyReply {
  return sendDownload(reply, { body: file.body, name: file.name, contentType: DOCUMENT_CONTENT_TYPES[file.type] });
}
