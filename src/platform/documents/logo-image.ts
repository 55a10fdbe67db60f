import { DocumentError } from './document-error.ts';

/**
 * A partnership's logo, as uploaded: a PNG, or an SVG cleaned by DOMPurify (its SVG profile, on
 * a jsdom window) so that nothing in it can run or reach another site. Logos are small: at most
 * LOGO_MAX_BYTES, and served with a CSP that forbids everything but inline styles. Small is not
 * quick, though: 200 KB of elements take a third of a second to clean, so the service cleans them
 * in a document worker (DocumentWorkers.svgLogo), with its time and memory limits, never on the
 * thread that answers requests; and a file nested deeper than LOGO_MAX_NESTING, or with an element
 * of more than LOGO_MAX_ATTRIBUTES attributes, is refused before that (markupShape).
 */
export const LOGO_MAX_BYTES = 200 * 1024;

/**
 * How deep a logo's elements may nest. Drawing programs write a few groups within groups (tens at
 * most); the parser's time grows with the square of the depth (20,000 deep held a worker 52 s), so
 * a deeper file is refused before it is parsed, not after it has occupied a worker to its limit.
 */
export const LOGO_MAX_NESTING = 200;

/**
 * How many attributes one of a logo's elements may have. Drawing programs write tens at most; the
 * parser and the cleaner look attributes up by scanning them, so their time grows with the square
 * of the count (16,000 on one element, 127 KB, took the cleaner 4.6 s).
 */
export const LOGO_MAX_ATTRIBUTES = 200;

export type LogoImage = { bytes: Buffer; type: 'image/svg+xml' | 'image/png' };
export type LogoOutcome = { ok: true; logo: LogoImage } | { ok: false; problem: string };

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

type Purifier = {
  sanitize(source: string, config: Record<string, unknown>): string;
  addHook(hook: 'uponSanitizeAttribute', run: (node: unknown, data: { attrName: string; attrValue: string; keepAttr: boolean }) => void): void;
};
let purifier: Promise<Purifier> | undefined;

/** Whether a value has a `url(…)` that points anywhere but into the drawing itself (`url(#gradient)`). */
function pointsOutside(value: string): boolean {
  // The first character after the parenthesis, spaces and an opening quote: '#' for a fragment.
  for (const [, first] of value.matchAll(/url\(\s*['"]?\s*([\s\S])/gi)) if (first !== '#') return true;
  return false;
}

/**
 * DOMPurify on its own jsdom window, made once per thread (jsdom takes about a second to load). It
 * also drops any attribute whose `url(…)` points outside the drawing (a fill or filter from another
 * site): shown as an image, a logo loads nothing else anyway, but nothing in it need name a site.
 */
export async function svgCleaner(): Promise<Purifier> {
  purifier ??= (async () => {
    const [{ JSDOM }, { default: createDOMPurify }] = await Promise.all([import('jsdom'), import('dompurify')]);
    const cleaner = createDOMPurify(new JSDOM('').window as unknown as Window & typeof globalThis) as unknown as Purifier;
    cleaner.addHook('uponSanitizeAttribute', (_node, data) => {
      if (pointsOutside(data.attrValue)) data.keepAttr = false;
    });
    return cleaner;
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
  const shape = markupShape(text, { depth: LOGO_MAX_NESTING, attributes: LOGO_MAX_ATTRIBUTES });
  if (shape.depth > LOGO_MAX_NESTING) {
    return { ok: false, problem: `The SVG’s elements are nested more than ${LOGO_MAX_NESTING} deep: save it again as plain SVG, or use a PNG` };
  }
  if (shape.attributes > LOGO_MAX_ATTRIBUTES) {
    return { ok: false, problem: `An element of the SVG has more than ${LOGO_MAX_ATTRIBUTES} attributes: save it again as plain SVG, or use a PNG` };
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
 * What of an SVG's shape decides how long parsing it takes: how deep its elements nest, counted in
 * one pass over the text as an XML parser reads it. DOMPurify, given the SVG namespace, parses the
 * logo as XML (jsdom's XML parser), and that parser stops at the first thing XML does not allow, so
 * only what comes before it can nest. The count errs only towards deeper:
 * - `<` followed by anything but `!`, `?` or `/` opens an element (XML names may start with `_`
 *   or any letter of any script), unless its tag ends in `/>`;
 * - a closing tag closes the element opened last (one that names another element stops the parser);
 * - a comment runs to `-->`, a CDATA section to `]]>`, a processing instruction to `?>`, and any
 *   other `<!…` (a DOCTYPE) to the first `>`;
 * - a `>` inside a quoted attribute value does not end its tag.
 * In the same pass, the most attributes one tag has (each `=` outside a quoted value; XML gives
 * every attribute one). It stops reading once either is past its limit in `stopAbove`.
 */
export function markupShape(text: string, stopAbove: { depth: number; attributes: number } = { depth: Infinity, attributes: Infinity }): { depth: number; attributes: number } {
  let depth = 0;
  let deepest = 0;
  let most = 0;
  const after = endsAfter(text);
  let at = text.indexOf('<');
  while (at !== -1 && deepest <= stopAbove.depth && most <= stopAbove.attributes) {
    let end: number;
    if (text.startsWith('<!--', at)) end = after('-->', at + 4);
    else if (text.startsWith('<![CDATA[', at)) end = after(']]>', at + 9);
    else if (text.startsWith('<?', at)) end = after('?>', at + 2);
    else if (text.startsWith('<!', at)) end = after('>', at + 2);
    else if (text.startsWith('</', at)) {
      end = after('>', at + 2);
      depth = Math.max(0, depth - 1);
    } else {
      const tag = tagEnd(text, at + 1);
      end = tag.end;
      most = Math.max(most, tag.attributes);
      if (text[end - 2] !== '/') deepest = Math.max(deepest, ++depth);
    }
    // Nothing ends what was opened last: the rest of the text is inside it.
    if (end === -1) break;
    at = text.indexOf('<', end);
  }
  return { depth: deepest, attributes: most };
}

/**
 * Just past the next `close` at or after `from`, or -1 if there is none. Where each marker was last
 * found is kept, so a text of many comments and no `-->` is searched once, not once per comment.
 */
function endsAfter(text: string): (close: string, from: number) => number {
  const found = new Map<string, number>();
  return (close, from) => {
    let at = found.get(close);
    if (at === undefined || (at !== -1 && at < from)) found.set(close, (at = text.indexOf(close, from)));
    return at === -1 ? -1 : at + close.length;
  };
}

/**
 * Just past the `>` that ends a tag, and how many attributes it has: a value opened by a quote right
 * after `=` (spaces between allowed) runs to the same quote. (XML allows quotes nowhere else in a
 * tag, so anything else stops the parser and cannot nest.)
 */
function tagEnd(text: string, from: number): { end: number; attributes: number } {
  let state: 'tag' | 'before-value' | '"' | "'" = 'tag';
  let attributes = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (state === '"' || state === "'") {
      if (c === state) state = 'tag';
      continue;
    }
    if (c === '>') return { end: i + 1, attributes };
    if (state === 'tag') {
      if (c === '=') {
        state = 'before-value';
        attributes += 1;
      }
    } else if (c === '"' || c === "'") state = c;
    else if (c !== ' ' && c !== '\n' && c !== '\t' && c !== '\r') state = 'tag';
  }
  return { end: text.length, attributes };
}

/**
 * The SVG from its `<svg` on, when all before it is what a drawing program writes first: white
 * space, the XML declaration, comments, and a DOCTYPE that declares nothing of its own. The cleaner
 * parses the logo as a fragment of XML, where a declaration or a DOCTYPE is an error, so such files
 * were refused though those say nothing about the drawing. A DOCTYPE that declares entities is
 * kept (and the file refused), since the drawing may use them. One pass, no backtracking.
 */
export function withoutPreamble(source: string): string {
  const text = source.startsWith('\uFEFF') ? source.slice(1) : source;
  const after = endsAfter(text);
  let at = 0;
  for (;;) {
    while (at < text.length && /\s/.test(text[at])) at += 1;
    let end = -1;
    if (/^<\?xml\s/.test(text.slice(at, at + 6))) end = after('?>', at);
    else if (text.startsWith('<!--', at)) end = after('-->', at + 4);
    else if (/^<!DOCTYPE\s/i.test(text.slice(at, at + 10))) {
      end = after('>', at);
      if (end !== -1 && text.slice(at, end).includes('[')) end = -1;
    }
    if (end === -1) break;
    at = end;
  }
  return /^<svg[\s>]/i.test(text.slice(at, at + 5)) ? text.slice(at) : text;
}

/**
 * The SVG without scripts, event handlers, foreign content, links or external references; null if
 * nothing is left, or if it cannot be parsed at all (nesting deep enough to exhaust the parser's stack).
 */
export async function sanitiseSvg(source: string): Promise<string | null> {
  const dompurify = await svgCleaner();
  let clean: string;
  try {
    clean = dompurify.sanitize(withoutPreamble(source), {
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
