import type { FastifyRequest } from 'fastify';

/**
 * The success message after a change (POST, redirect, GET): the address carries only a
 * flag such as ?added=1, never the text, so nothing from the address is shown on the page.
 */
export function noticeFor(req: FastifyRequest, notices: Record<string, string>): string | null {
  const query = req.query as Record<string, unknown>;
  const flag = Object.keys(notices).find((k) => query[k] === '1');
  return flag ? notices[flag] : null;
}
