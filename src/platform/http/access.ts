import type { Access } from './authentication.ts';

/** Route options naming what a route needs; every route passes one of these. */
export function access(rule: Access): { config: { access: Access } } {
  return { config: { access: rule } };
}

export const PUBLIC = access('public');
