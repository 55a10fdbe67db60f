import type { FastifyRequest } from 'fastify';
import type { Config } from '../../platform/config/config.ts';

const LOOPBACK_HOST = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d{1,5})?$/i;

/**
 * The start of the service's own absolute links (emails, single sign-on redirect):
 * PUBLIC_URL when set, as it must be in production. Without it, the request's Host
 * header is trusted only when it names this machine (a local trial); anything else
 * could be forged to put another site's address into a password-reset email.
 */
export function linkBase(req: FastifyRequest, config: Pick<Config, 'publicUrl' | 'host' | 'port'>): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/+$/, '');
  const host = req.host;
  if (host && LOOPBACK_HOST.test(host)) return `${req.protocol === 'https' ? 'https' : 'http'}://${host}`;
  return `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${config.port}`;
}
