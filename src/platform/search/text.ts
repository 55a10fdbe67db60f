/**
 * Pure helpers of the search module: what of a person's query reaches the database, and how the
 * database's highlighted snippets become safe HTML or plain text.
 */

/** The longest query searched: anything after this many characters is ignored. */
export const QUERY_MAX_CHARS = 500;

/** Marks ts_headline puts around matched words: characters that can never be in stored text. */
export const START_MARK = '\u0002';
export const STOP_MARK = '\u0003';

// Control characters (NUL cannot even reach PostgreSQL), lone surrogates and direction overrides.
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const UNWANTED = /[\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/gu;

/**
 * A query as it can be searched: control characters become spaces, spaces collapse, and at most
 * QUERY_MAX_CHARS characters are kept (never half a character). Empty when nothing is left.
 */
export function guardQuery(raw: unknown): string {
  if (typeof raw !== 'string') return '';
  const cleaned = raw.replace(UNWANTED, ' ').replace(/\s+/gu, ' ').trim();
  const chars = Array.from(cleaned);
  return chars.length > QUERY_MAX_CHARS ? chars.slice(0, QUERY_MAX_CHARS).join('').trim() : cleaned;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/**
 * A ts_headline result as HTML: everything escaped, then the matched words wrapped in <mark>.
 * Marks are balanced whatever the input.
 */
export function highlightToHtml(headline: string): string {
  let html = '';
  let open = false;
  // eslint-disable-next-line no-control-regex -- the marks are control characters on purpose
  for (const part of headline.split(/([\u0002\u0003])/u)) {
    if (part === START_MARK) {
      if (!open) html += '<mark>';
      open = true;
    } else if (part === STOP_MARK) {
      if (open) html += '</mark>';
      open = false;
    } else {
      html += escapeHtml(part);
    }
  }
  return open ? `${html}</mark>` : html;
}

/** A ts_headline result as plain text (for the JSON API and feeds). */
export function highlightToText(headline: string): string {
  // eslint-disable-next-line no-control-regex -- the marks are control characters on purpose
  return headline.replace(/[\u0002\u0003]/gu, '');
}
