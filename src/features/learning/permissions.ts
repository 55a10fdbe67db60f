import type { Permission } from '../../platform/auth/policy.ts';

/**
 * Who does what with recommendations and actions, on the pages and in the API alike: the business
 * unit reads and writes, an agency works on its own agency's actions, a statutory partner's lead
 * signs completion off or sends it back.
 */
export const READ: Permission = 'case:read';
export const WRITE: Permission = 'case:write';
export const OWN_AGENCY: Permission = 'agency-request:respond';
export const SIGN_OFF: Permission = 'case:sign-off';
