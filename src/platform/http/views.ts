import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import nunjucks from 'nunjucks';
import { formatDateForDisplay, isDateOnly } from '../../domain/calendar/date-only.ts';
import { paragraphsOf } from '../../domain/text/paragraphs.ts';
import { escapeHtml } from '../search/text.ts';
import { errorsInPageOrder } from './error-order.ts';
import { withoutLayoutWhitespace } from './layout-whitespace.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The deployment's name when none is configured (SERVICE_NAME). */
export const SERVICE_NAME = 'CSPR Hub';

/**
 * Templates are found by path from `src/views` (layouts, shared partials), `src/features`
 * (each feature's own views, named e.g. `home/views/start.njk`) and govuk-frontend.
 */
export function createViewEnvironment(): nunjucks.Environment {
  const loader = new nunjucks.FileSystemLoader(
    [path.join(root, 'src/views'), path.join(root, 'src/features'), path.join(root, 'node_modules/govuk-frontend/dist')],
    { noCache: process.env.NODE_ENV === 'development' },
  );
  const env = new nunjucks.Environment(loader, { autoescape: true, throwOnUndefined: false });
  env.addFilter('date', (value: unknown) => formatDate(value));
  env.addFilter('prose', (value: unknown) => new nunjucks.runtime.SafeString(proseHtml(value)));
  return env;
}

/** '2024-12-31' or a Date → '31 December 2024' (GOV.UK style), without time-zone drift. */
export function formatDate(value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  const iso =
    value instanceof Date
      ? value.toLocaleDateString('en-CA', { timeZone: 'Europe/London' })
      : String(value).slice(0, 10);
  // Most dates shown are plain dates: named by table, not by the locale machinery (a page may show hundreds).
  if (isDateOnly(iso)) return formatDateForDisplay(iso);
  const [y, m, d] = (iso as string).split('-').map(Number);
  if (!y || !m || !d) return String(value);
  return new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('en-GB', {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

export type NavItem = { href: string; text: string };

declare module 'fastify' {
  interface FastifyReply {
    render(template: string, context?: Record<string, unknown>): FastifyReply;
    /**
     * What the layout around a page shows this request (the person signed in, the navigation, the
     * address, the brand...), as a string: a page kept for reuse must be kept under it.
     */
    layoutKey(): string;
    /**
     * A page rendered for reuse: with a placeholder where this response's CSP nonce and CSRF token
     * go, so that it can be sent again (by `sendRendered`) without sharing either.
     */
    renderForReuse(template: string, context?: Record<string, unknown>): ReusablePage;
    /** Sends a page rendered for reuse, with this response's own nonce and CSRF token put in. */
    sendRendered(page: ReusablePage): FastifyReply;
  }
  interface FastifyRequest {
    /** Extra values every page template sees (set by features, e.g. the signed-in user). */
    viewContext: Record<string, unknown>;
  }
}

export function setUpViews(app: FastifyInstance, options: { navigation: (req: FastifyRequest) => NavItem[]; serviceName?: string }): void {
  const env = createViewEnvironment();
  app.decorateRequest('viewContext', null as unknown as Record<string, unknown>);
  app.addHook('onRequest', async (req) => {
    req.viewContext = {};
  });
  const cache = new PageCache(500);
  const baseContext = (reply: FastifyReply): Record<string, unknown> => {
    const req = reply.request;
    const navigation = options.navigation(req).map((item) => ({
      ...item,
      active: item.href === '/' ? req.url === '/' : req.url.startsWith(item.href),
    }));
    return { serviceName: options.serviceName ?? SERVICE_NAME, serviceUrl: '/', currentPath: req.url.split('?')[0], navigation, ...req.viewContext };
  };
  /** A page's HTML: every page, sent at once or kept, is made here, so each goes out without its template's indentation. */
  const pageHtml = (template: string, context: Record<string, unknown>): string => withoutLayoutWhitespace(env.render(template, context));
  app.decorateReply('render', function render(this: FastifyReply, template: string, context: Record<string, unknown> = {}) {
    const req = this.request;
    const nonce = this.cspNonce?.script ?? '';
    const base = { ...baseContext(this), ...context };
    // Pages for people not signed in are the same for everyone but for the CSP nonce:
    // they are rendered once with a placeholder and served from memory after that.
    const cacheable = req.principal === null && this.statusCode < 300;
    // Kept by a digest of what the page is made from: the key itself would be as long as the page's data.
    const key = cacheable ? createHash('sha256').update(`${this.statusCode} ${template} ${stableKey(base)}`).digest('base64url') : '';
    const hit = cacheable ? cache.get(key) : undefined;
    if (hit !== undefined) return this.sendRendered(hit);
    let csrf: string | undefined;
    const rendered = pageHtml(template, {
      ...base,
      cspNonce: cacheable ? NONCE_PLACEHOLDER : nonce,
      // Called by forms only, so pages without forms set no CSRF cookie; once per page, as
      // each call without a secret cookie would start a new secret.
      csrfToken: () => (csrf ??= (this as FastifyReply & { generateCsrf(): string }).generateCsrf()),
    });
    // A form shown again with its problems: the summary lists them in the order of the form's fields.
    const html = this.statusCode >= 400 ? errorsInPageOrder(rendered) : rendered;
    if (!cacheable) return this.type('text/html; charset=utf-8').send(html);
    // Rendered with the nonce's placeholder, which sendRendered fills; a page with a form carries this
    // visitor's CSRF token, so it is sent but never kept.
    const page = reusableOf(html);
    if (csrf === undefined) cache.set(key, page);
    return this.sendRendered(page);
  });
  app.decorateReply('layoutKey', function layoutKey(this: FastifyReply) {
    return stableKey(baseContext(this));
  });
  app.decorateReply('renderForReuse', function renderForReuse(this: FastifyReply, template: string, context: Record<string, unknown> = {}): ReusablePage {
    return reusableOf(pageHtml(template, { ...baseContext(this), ...context, cspNonce: NONCE_PLACEHOLDER, csrfToken: () => CSRF_PLACEHOLDER }));
  });
  app.decorateReply('sendRendered', function sendRendered(this: FastifyReply, page: ReusablePage) {
    const nonce = Buffer.from(this.cspNonce?.script ?? '');
    // One token for the page's forms, made for this response from the person's own secret.
    const csrf = page.holes.includes('csrf') ? Buffer.from((this as FastifyReply & { generateCsrf(): string }).generateCsrf()) : null;
    const chunks: Buffer[] = [page.parts[0]];
    page.holes.forEach((hole, i) => chunks.push(hole === 'nonce' ? nonce : (csrf as Buffer), page.parts[i + 1]));
    return this.type('text/html; charset=utf-8').send(Buffer.concat(chunks));
  });
}

/** A page rendered with placeholders for its response's nonce and CSRF token (see `renderForReuse`). */
export type ReusablePage = { readonly parts: readonly Buffer[]; readonly holes: readonly ('nonce' | 'csrf')[] };

/**
 * A page kept as the bytes between its placeholders: sending it again copies them around this
 * response's nonce and token, without making (and collecting) a new string of the whole page, and
 * its UTF-8 form, each time.
 */
function reusableOf(html: string): ReusablePage {
  const parts: Buffer[] = [];
  const holes: ('nonce' | 'csrf')[] = [];
  let from = 0;
  for (const m of html.matchAll(PLACEHOLDERS)) {
    parts.push(Buffer.from(html.slice(from, m.index)));
    holes.push(m[0] === NONCE_PLACEHOLDER ? 'nonce' : 'csrf');
    from = m.index + m[0].length;
  }
  parts.push(Buffer.from(html.slice(from)));
  return { parts, holes };
}

// Placeholders no one can type into a page: text people write is shown escaped, but a fixed marker
// could still be written in a field and then be replaced by a nonce or a token on the way out.
const CSRF_PLACEHOLDER = `__cspr_csrf_${randomBytes(12).toString('hex')}__`;
const NONCE_PLACEHOLDER = `__cspr_nonce_${randomBytes(12).toString('hex')}__`;
const PLACEHOLDERS = new RegExp(`${NONCE_PLACEHOLDER}|${CSRF_PLACEHOLDER}`, 'g');

/** The context as a cache key; null when it holds anything but plain data. */
function stableKey(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'function' ? undefined : v));
}

/** A small least-recently-used map of rendered pages. */
class PageCache {
  private readonly entries = new Map<string, ReusablePage>();
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  get(key: string): ReusablePage | undefined {
    const v = this.entries.get(key);
    if (v !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, v);
    }
    return v;
  }
  set(key: string, value: ReusablePage): void {
    this.entries.set(key, value);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
  }
}

/**
 * Free text people typed, as escaped HTML paragraphs with their line breaks (the `prose` filter):
 * no stray indents or blank lines from `white-space: pre-wrap`, and no mid-word breaks.
 */
export function proseHtml(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return paragraphsOf(text)
    .map((lines) => `<p class="govuk-body">${lines.map((l) => escapeHtml(l)).join('<br>')}</p>`)
    .join('');
}
