import type { Access } from './authentication.ts';

export type RateLimit = { max: number; timeWindow: string | number };

/**
 * Route options naming what a route needs; every route passes one of these.
 * `rateLimit` limits requests per client address (sign-in, password reset…). `uploads`: the route
 * takes a file upload form (multipart), whose CSRF token is checked as the form is read
 * (`readMultipart`), from the form's own fields, so it is never in an address.
 */
export function access(
  rule: Access,
  options: { rateLimit?: RateLimit; uploads?: true } = {},
): { config: { access: Access; rateLimit?: RateLimit; uploads?: true } } {
  return { config: { access: rule, ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}), ...(options.uploads ? { uploads: true } : {}) } };
}

export const PUBLIC = access('public');
