import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { controlCharacterProblems, type ControlCharacterProblem } from '../../domain/text/control-characters.ts';
import { sendProblem, wantsJson } from './errors.ts';
import { safeNext } from './forms.ts';

/**
 * Two checks for every form and API body, before any feature reads it. Pages accept form data
 * only (415 otherwise). And no field holds a control character (NUL, escape, bell…): such a
 * value is refused with the field's own message — on a page in the GOV.UK error summary, on the
 * API as a problem body listing each field. Nothing is stored from a refused request.
 */
export function setUpPlainTextGuard(app: FastifyInstance): void {
  app.addHook('preHandler', async (req, reply) => {
    if (req.is404) return;
    // Pages take what a browser's form sends (text, or lists of text); only the API takes JSON,
    // so no page ever reads a number, an object or a list of objects where it expects text.
    if (req.body !== undefined && req.body !== null && !req.url.startsWith('/api/') && !FORM_TYPES.test(req.headers['content-type'] ?? '')) {
      const detail = 'Send this form from its page: only form data is accepted here.';
      if (wantsJson(req)) return sendProblem(reply, 415, 'Unsupported media type', detail);
      return reply.code(415).render('error-pages/client-error.njk', { pageTitle: 'There is a problem', detail, status: 415 });
    }
    // Query strings are not checked here: searches read them as words, and drop what is not.
    const problems = controlCharacterProblems(req.body);
    if (problems.length) return refuseControlCharacters(req, reply, problems);
    // A record's id in the address never holds them either: there is no such record.
    if (controlCharacterProblems(req.params).length) {
      if (wantsJson(req)) return sendProblem(reply, 404, 'Not found', 'There is nothing at this address.');
      return reply.code(404).render('error-pages/not-found.njk', { pageTitle: 'Page not found' });
    }
  });
}

const FORM_TYPES = /^\s*(application\/x-www-form-urlencoded|multipart\/form-data)\b/i;

/** Thrown by body readers that run inside a handler (multipart forms): the error pages answer it. */
export class ControlCharactersError extends Error {
  readonly statusCode = 422;
  readonly problems: ControlCharacterProblem[];
  constructor(problems: ControlCharacterProblem[]) {
    super(problems.map((p) => p.message).join('. '));
    this.problems = problems;
  }
}

export function refuseControlCharacters(req: FastifyRequest, reply: FastifyReply, problems: ControlCharacterProblem[]): FastifyReply {
  req.log.info({ fields: problems.map((p) => p.field) }, 'control characters refused');
  if (wantsJson(req)) {
    return sendProblem(reply, 422, 'Unprocessable content', 'Some answers need correcting: see errors.', {
      errors: problems.map((p) => ({ field: p.field, message: p.message })),
    });
  }
  // The form is usually at the address it posts to; the page that sent it is the better guess when known.
  const back = formAddress(req);
  return reply.code(422).render('error-pages/form-problem.njk', {
    pageTitle: 'Check what you entered',
    back,
    errors: problems.map((p) => ({ text: p.message, href: `${back}#${String(p.path[0] ?? 'main-content')}` })),
  });
}

function formAddress(req: FastifyRequest): string {
  const referer = req.headers.referer;
  if (referer) {
    try {
      const url = new URL(referer);
      if (url.host === req.headers.host) return safeNext(url.pathname + url.search);
    } catch {
      // not an address: fall back to the form's own
    }
  }
  return safeNext(req.method === 'GET' ? req.url.split('?')[0] : req.url);
}
