import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ControlCharactersError, refuseControlCharacters } from './plain-text-guard.ts';

/** API clients get RFC 9457 problem bodies; people get GOV.UK error pages. */
export function wantsJson(req: FastifyRequest): boolean {
  if (req.url.startsWith('/api/')) return true;
  const accept = req.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

export function sendProblem(
  reply: FastifyReply,
  status: number,
  title: string,
  detail?: string,
  extra: Record<string, unknown> = {},
): FastifyReply {
  return reply
    .code(status)
    .type('application/problem+json; charset=utf-8')
    .send({ type: 'about:blank', title, status, ...(detail ? { detail } : {}), ...extra });
}

export function setUpErrorPages(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) => {
    if (wantsJson(req)) return sendProblem(reply, 404, 'Not found', 'There is nothing at this address.');
    return reply.code(404).render('error-pages/not-found.njk', { pageTitle: 'Page not found' });
  });

  app.setErrorHandler(async (err: FastifyError, req, reply) => {
    if (err instanceof ControlCharactersError) return refuseControlCharacters(req, reply, err.problems);
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
    } else {
      req.log.info({ code: err.code, status }, 'request refused');
    }
    const csrfRefused = err.code === 'FST_CSRF_INVALID_TOKEN' || err.code === 'FST_CSRF_MISSING_SECRET';
    if (csrfRefused && req.principal) {
      await req.audit({ action: 'csrf-refused', outcome: 'refused', recordType: 'route', recordId: `${req.method} ${req.routeOptions.url ?? ''}` }).catch(() => {});
    }
    // Client errors carry a message written for people; server errors never show internals.
    const detail =
      csrfRefused
        ? 'This form could not be sent because the page had expired or came from somewhere else. Go back, reload the page and try again.'
        : status < 500
          ? err.message
          : undefined;
    if (wantsJson(req)) {
      const title = status === 503 ? 'Service unavailable' : status >= 500 ? 'Internal server error' : status === 403 ? 'Forbidden' : status === 429 ? 'Too many requests' : 'Bad request';
      return sendProblem(reply, status, title, detail);
    }
    if (status === 404) return reply.code(404).render('error-pages/not-found.njk', { pageTitle: 'Page not found' });
    if (status >= 500) {
      return reply.code(status).render('error-pages/server-error.njk', { pageTitle: 'Sorry, there is a problem with the service' });
    }
    return reply.code(status).render('error-pages/client-error.njk', { pageTitle: 'There is a problem', detail, status });
  });
}

/** The GOV.UK "Page not found" page: for a record that does not exist or that the person may not know of. */
export function notFoundPage(reply: FastifyReply): FastifyReply {
  return reply.code(404).render('error-pages/not-found.njk', { pageTitle: 'Page not found' });
}
