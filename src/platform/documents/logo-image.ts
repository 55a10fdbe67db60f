import { DocumentError } from './document-error.ts';

/**
 * A partnership's logo, as uploaded: a PNG, or an SVG cleaned by DOMPurify (its SVG profile, on
 * a jsdom window) so that nothing in it can run or reach another site. Logos are small: at most
 * LOGO_MAX_BYTES, and served with a CSP that forbids everything but inline styles. Small is not
 * quick, though: 200 KB of elements take a third of a second to clean, so the service cleans them
 * in a document worker (DocumentWorkers.svgLogo), with its time and memory limits, never on the
 * thread that answers requests; and nesting deeper than LOGO_MAX_NESTING is refused before that.
 */
export const LOGO_MAX_BYTES = 200 * 1024;

/**
 * How deep a logo's elements may nest. Drawing programs write a few groups within groups (tens at
 * most); the parser's time grows with the square of the depth (20,000 deep held a worker 52 s), so
 * a deeper file is refused before it is parsed, not after it has occupied a worker to its limit.
 */
export const LOGO_MAX_NESTING = 200;

export type LogoImage = { bytes: Buffer; type: 'image/svg+xml' | 'image/png' };
export type LogoOutcome = { ok: true; logo: LogoImage } | { ok: false; problem: string };

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

type Purifier = { sanitize(source: string, config: Record<string, unknown>): string };
let purifier: Promise<Purifier> | undefined;

/** DOMPurify on its own jsdom window, made once per thread (jsdom takes about a second to load). */
export async function svgCleaner(): Promise<Purifier> {
  purifier ??= (async () => {
    const [{ JSDOM }, { default: createDOMPurify }] = await Promise.all([import('jsdom'), import('dompurify')]);
    return createDOMPurify(new JSDOM('').window as unknown as Window & typeof globalThis) as unknown as Purifier;
  })();
  return purifier;
}

/** Cleans an SVG's text (`sanitiseSvg`, where it runs): null when nothing of a drawing is left. */
export type SvgCleaning = (svg: string) => Promise<string | null>;

export async function readLogo(bytes: Buffer, clean: SvgCleaning): Promise<LogoOutcome> {
  if (bytes.length === 0) return { ok: false, problem: 'The selected file is empty' };
  if (bytes.length > LOGO_MAX_BYTES) return { ok: false, problem: `The logo must be ${LOGO_MAX_BYTES / 1024} KB or smaller` };
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return { ok: true, logo: { bytes, type: 'image/png' } };
  const text = bytes.toString('utf8');
  if (!/<svg[\s>]/i.test(text.slice(0, 4096))) return { ok: false, problem: 'The logo must be an SVG or a PNG image' };
  if (markupDepth(text, LOGO_MAX_NESTING) > LOGO_MAX_NESTING) {
    return { ok: false, problem: `The SVG’s elements are nested more than ${LOGO_MAX_NESTING} deep: save it again as plain SVG, or use a PNG` };
  }
  let cleaned: string | null;
  try {
    cleaned = await clean(text);
  } catch (err) {
    if (err instanceof DocumentError) return { ok: false, problem: `The logo cannot be used: ${err.message}.` };
    throw err;
  }
  if (!cleaned) return { ok: false, problem: 'The SVG file could not be read as an image: save it again as plain SVG' };
  return { ok: true, logo: { bytes: Buffer.from(cleaned, 'utf8'), type: 'image/svg+xml' } };
}

/**
 * How deep the elements of XML-like markup nest, counted in one pass without parsing: an opening tag
 * goes one deeper unless it closes itself (`/>`), a closing tag one back; comments, CDATA sections,
 * processing instructions and declarations do not count, nor a `>` inside a quoted attribute, nor a
 * `<` that no name follows (text). It
 * stops counting once past `stopAbove`. Unclosed tags count as open, as a parser would read them.
 */
export function markupDepth(text: string, stopAbove = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let at = text.indexOf('<');
  while (at !== -1 && deepest <= stopAbove) {
    let end: number;
    if (text.startsWith('<!--', at)) end = closeOf(text, '-->', at + 4);
    else if (text.startsWith('<![CDATA[', at)) end = closeOf(text, ']]>', at + 9);
    else if (text.startsWith('<?', at)) end = closeOf(text, '?>', at + 2);
    else if (text.startsWith('<!', at)) end = closeOf(text, '>', at + 2);
    else if (text.startsWith('</', at)) {
      end = closeOf(text, '>', at + 2);
      depth = Math.max(0, depth - 1);
    } else if (/[A-Za-z]/.test(text[at + 1] ?? '')) {
      end = tagEnd(text, at + 1);
      if (text[end - 2] !== '/') deepest = Math.max(deepest, ++depth);
    } else end = at + 1; // a '<' not followed by a name is text, as a parser reads it
    at = text.indexOf('<', end);
  }
  return deepest;
}

/** Just past the next `close` from `from`, or the end of the text if there is none. */
function closeOf(text: string, close: string, from: number): number {
  const found = text.indexOf(close, from);
  return found === -1 ? text.length : found + close.length;
}

/** Just past the `>` that ends an opening tag, skipping any in quoted attribute values. */
function tagEnd(text: string, from: number): number {
  let quote: string | null = null;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i + 1;
  }
  return text.length;
}

/**
 * The SVG without scripts, event handlers, foreign content, links or external references; null if
 * nothing is left, or if it cannot be parsed at all (nesting deep enough to exhaust the parser's stack).
 */
export async function sanitiseSvg(source: string): Promise<string | null> {
  const dompurify = await svgCleaner();
  let clean: string;
  try {
    clean = dompurify.sanitize(source, {
      USE_PROFILES: { svg: true, svgFilters: true },
      // Links, reused and embedded images could reach other sites or other documents.
      FORBID_TAGS: ['a', 'use', 'image', 'foreignObject', 'script', 'style', 'feImage'],
      FORBID_ATTR: ['href', 'xlink:href', 'style'],
      NAMESPACE: 'http://www.w3.org/2000/svg',
    });
  } catch {
    return null;
  }
  const trimmed = clean.trim();
  if (!/^<svg[\s>]/i.test(trimmed)) return null;
  // An SVG served on its own needs its namespace.
  return trimmed.includes('xmlns="http://www.w3.org/2000/svg"') ? trimmed : trimmed.replace(/^<svg/i, '<svg xmlns="http://www.w3.org/2000/svg"');
}
