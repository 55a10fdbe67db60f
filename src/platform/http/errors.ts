import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

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

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
    } else {
      req.log.info({ code: err.code, status }, 'request refused');
    }
    // Client errors carry a message written for people; server errors never show internals.
    const detail = status < 500 ? err.message : undefined;
    if (wantsJson(req)) {
      return sendProblem(reply, status, status >= 500 ? 'Internal server error' : 'Bad request', detail);
    }
    if (status === 404) return reply.code(404).render('error-pages/not-found.njk', { pageTitle: 'Page not found' });
    if (status >= 500) {
      return reply.code(status).render('error-pages/server-error.njk', { pageTitle: 'Sorry, there is a problem with the service' });
    }
    return reply.code(status).render('error-pages/client-error.njk', { pageTitle: 'There is a problem', detail, status });
  });
}
