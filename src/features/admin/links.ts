import type { FastifyRequest } from 'fastify';
import type { Config } from '../../platform/config/config.ts';

const HOST = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/**
 * The start of the links in emails: PUBLIC_URL when set (it should be, in production:
 * otherwise the address comes from the request's Host header), or this request's origin.
 */
export function linkBase(req: FastifyRequest, config: Pick<Config, 'publicUrl' | 'host' | 'port'>): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/+$/, '');
  const host = req.host;
  if (host && HOST.test(host)) return `${req.protocol}://${host}`;
  return `http://${config.host}:${config.port}`;
}
