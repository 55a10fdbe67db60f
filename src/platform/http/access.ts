import type { Access } from './authentication.ts';

export type RateLimit = { max: number; timeWindow: string | number };

/**
 * Route options naming what a route needs; every route passes one of these.
 * `rateLimit` limits requests per client address (sign-in, password reset…).
 */
export function access(rule: Access, options: { rateLimit?: RateLimit } = {}): { config: { access: Access; rateLimit?: RateLimit } } {
  return { config: { access: rule, ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}) } };
}

export const PUBLIC = access('public');
