import { DocumentError } from './document-error.ts';

/**
 * A partnership's logo, as uploaded: a PNG, or an SVG cleaned by DOMPurify (its SVG profile, on
 * a jsdom window) so that nothing in it can run or reach another site. Logos are small: at most
 * LOGO_MAX_BYTES, and served with a CSP that forbids everything but inline styles. Small is not
 * quick, though: 200 KB of elements take a third of a second to clean, and deep nesting most of a
 * minute, so the service cleans them in a document worker (DocumentWorkers.svgLogo), with its time
 * and memory limits, never on the thread that answers requests.
 */
export const LOGO_MAX_BYTES = 200 * 1024;

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
