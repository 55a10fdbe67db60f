import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import nunjucks from 'nunjucks';

const root = fileURLToPath(new URL('../../../', import.meta.url));

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
  return env;
}

/** '2024-12-31' or a Date → '31 December 2024' (GOV.UK style), without time-zone drift. */
export function formatDate(value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  const iso =
    value instanceof Date
      ? value.toLocaleDateString('en-CA', { timeZone: 'Europe/London' })
      : String(value).slice(0, 10);
  const [y, m, d] = iso.split('-').map(Number);
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
  }
  interface FastifyRequest {
    /** Extra values every page template sees (set by features, e.g. the signed-in user). */
    viewContext: Record<string, unknown>;
  }
}

export function setUpViews(app: FastifyInstance, options: { navigation: (req: FastifyRequest) => NavItem[] }): void {
  const env = createViewEnvironment();
  app.decorateRequest('viewContext', null as unknown as Record<string, unknown>);
  app.addHook('onRequest', async (req) => {
    req.viewContext = {};
  });
  app.decorateReply('render', function render(this: FastifyReply, template: string, context: Record<string, unknown> = {}) {
    const req = this.request;
    const nonce = (this as FastifyReply & { cspNonce?: { script: string } }).cspNonce?.script;
    let csrf: string | undefined;
    const html = env.render(template, {
      serviceName: SERVICE_NAME,
      serviceUrl: '/',
      cspNonce: nonce,
      // Called by forms only, so pages without forms set no CSRF cookie; once per page, as
      // each call without a secret cookie would start a new secret.
      csrfToken: () => (csrf ??= (this as FastifyReply & { generateCsrf(): string }).generateCsrf()),
      currentPath: req.url.split('?')[0],
      navigation: options.navigation(req).map((item) => ({
        ...item,
        active: item.href === '/' ? req.url === '/' : req.url.startsWith(item.href),
      })),
      ...req.viewContext,
      ...context,
    });
    return this.type('text/html; charset=utf-8').send(html);
  });
}
