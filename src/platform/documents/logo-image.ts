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
 * HTML elements that end SVG content where they start (the HTML standard's rules for parsing
 * foreign content): what follows them is parsed as HTML, where `/>` closes nothing.
 */
const ENDS_SVG_CONTENT = new Set([
  'b', 'big', 'blockquote', 'body', 'br', 'center', 'code', 'dd', 'div', 'dl', 'dt', 'em', 'embed', 'font', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'head', 'hr', 'i', 'img', 'li', 'listing', 'menu', 'meta', 'nobr', 'ol', 'p', 'pre', 'ruby', 's', 'small', 'span', 'strong', 'strike',
  'sub', 'sup', 'table', 'tt', 'u', 'ul', 'var',
]);
/** SVG elements whose content is parsed as HTML (the standard's HTML integration points). */
const HOLDS_HTML = new Set(['foreignobject', 'desc', 'title']);

/**
 * How deep the elements of an SVG nest, counted in one pass over the text as an HTML parser would
 * read it (DOMPurify parses logos as HTML), erring only towards counting deeper:
 * - an opening tag opens an element, unless it ends in `/>` inside SVG content; once anything is
 *   parsed as HTML (after an element that ends SVG content, or inside a title, desc or foreignObject)
 *   `/>` is not trusted, since HTML ignores it on elements it does not know;
 * - a closing tag closes the latest open element of its name, and those opened after it; one that
 *   matches no open element closes nothing, as the parser ignores it;
 * - a comment ends at the first `-->` or `--!>` (so `<!-->` is a whole comment); any other `<!…` or
 *   `<?…` ends at the first `>`; a `<` that no name follows is text;
 * - a `>` inside a quoted attribute value does not end its tag; a quote anywhere else is text.
 * It stops counting once past `stopAbove`.
 */
export function markupDepth(text: string, stopAbove = Infinity): number {
  const open: string[] = [];
  let htmlInside = 0;
  let html = false;
  let deepest = 0;
  const commentEnd = commentEnds(text);
  let at = text.indexOf('<');
  while (at !== -1 && deepest <= stopAbove) {
    const next = text[at + 1] ?? '';
    let end: number;
    if (text.startsWith('<!--', at)) end = commentEnd(at + 2);
    else if (next === '!' || next === '?') end = closeOf(text, '>', at + 2);
    else if (next === '/') {
      end = closeOf(text, '>', at + 2);
      const name = tagName(text, at + 2);
      // `</br>` and `</p>` also end SVG content.
      if (name === 'br' || name === 'p') html = true;
      const found = name ? open.lastIndexOf(name) : -1;
      if (found !== -1) for (const closed of open.splice(found)) if (HOLDS_HTML.has(closed)) htmlInside -= 1;
    } else if (isLetter(text.charCodeAt(at + 1))) {
      end = tagEnd(text, at + 1);
      const name = tagName(text, at + 1);
      if (ENDS_SVG_CONTENT.has(name)) html = true;
      const closesItself = text[end - 2] === '/' && !html && htmlInside === 0;
      if (!closesItself) {
        open.push(name);
        if (HOLDS_HTML.has(name)) htmlInside += 1;
        deepest = Math.max(deepest, open.length);
      }
    } else end = at + 1;
    at = text.indexOf('<', end);
  }
  return deepest;
}

/** Just past the next `close` from `from`, or the end of the text if there is none. */
function closeOf(text: string, close: string, from: number): number {
  const found = text.indexOf(close, from);
  return found === -1 ? text.length : found + close.length;
}

/**
 * Just past the end of a comment whose text starts at `from`: its first `-->` or `--!>`. Where each
 * was last found is kept, so a text of many comments and only one kind of end is read once, not
 * once per comment.
 */
function commentEnds(text: string): (from: number) => number {
  const found = { '-->': -2, '--!>': -2 };
  const next = (end: '-->' | '--!>', from: number) => {
    if (found[end] !== -1 && found[end] < from) found[end] = text.indexOf(end, from);
    return found[end];
  };
  return (from) => {
    const plain = next('-->', from);
    const bang = next('--!>', from);
    if (plain === -1 && bang === -1) return text.length;
    return plain !== -1 && (bang === -1 || plain < bang) ? plain + 3 : bang + 4;
  };
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** The HTML tokenizer's white space: tab, line feed, form feed, carriage return, space. */
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0c || c === 0x0d;
}

/** The lower-case name of the tag whose name starts at `from` ('' if no letter starts it). */
function tagName(text: string, from: number): string {
  if (!isLetter(text.charCodeAt(from))) return '';
  let to = from;
  for (let c = text.charCodeAt(to); to < text.length && !isSpace(c) && c !== 0x2f && c !== 0x3e; c = text.charCodeAt(++to));
  return text.slice(from, to).toLowerCase();
}

/**
 * Just past the `>` that ends a tag, read as the HTML tokenizer reads attributes: a value opened by
 * a quote right after `=` (spaces between allowed) runs to the same quote; an unquoted value runs
 * to a space or `>`; a quote anywhere else is an ordinary character.
 */
function tagEnd(text: string, from: number): number {
  let state: 'tag' | 'before-value' | 'unquoted' | '"' | "'" = 'tag';
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (state === '"' || state === "'") {
      if (c === state) state = 'tag';
      continue;
    }
    if (c === '>') return i + 1;
    const space = isSpace(c.charCodeAt(0));
    if (state === 'tag') {
      if (c === '=') state = 'before-value';
    } else if (state === 'before-value') {
      if (c === '"' || c === "'") state = c;
      else if (!space) state = 'unquoted';
    } else if (space) state = 'tag';
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
