import type { Config } from './config.ts';

/**
 * The start of the links in emails the service sends on its own (reminders, tasks): the public
 * address when one is configured, else where this instance listens.
 */
export function jobLinkBase(config: Pick<Config, 'publicUrl' | 'host' | 'port'>): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/+$/, '');
  return `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${config.port}`;
}
