import { z } from 'zod';
import { textProblem } from '../../domain/text/plain-text.ts';
import { ROLES } from '../../platform/auth/policy.ts';
import type { AgencyKind } from '../../platform/db/types.ts';
import { SLUG_PATTERN } from '../partnerships/service.ts';
import { emailProblem } from '../users/service.ts';

/** Form schemas of the administration pages, with the messages people see. */

function text(missing: string, max: number, tooLong: string, label: string) {
  return z
    .string({ error: missing })
    .trim()
    .min(1, missing)
    .max(max, tooLong)
    .superRefine((v, ctx) => {
      const problem = textProblem(v, { label, max });
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });
}

function emailField(missing: string) {
  return z
    .string({ error: missing })
    .trim()
    .toLowerCase()
    .min(1, missing)
    .refine((v) => emailProblem(v) === null, 'Enter an email address in the correct format, like name@example.org');
}

export const AGENCY_KINDS: readonly AgencyKind[] = ['local-authority', 'police', 'icb', 'relevant-agency'];

export const partnershipForm = z.object({
  name: text('Enter the name of the partnership', 200, 'Name must be 200 characters or fewer', 'Name'),
  slug: z
    .string({ error: 'Enter a short name' })
    .trim()
    .toLowerCase()
    .min(1, 'Enter a short name')
    .regex(SLUG_PATTERN, 'Short name must be 2 to 63 lowercase letters, digits or hyphens, starting with a letter or digit'),
});

export const agencyForm = z.object({
  name: text('Enter the name of the agency', 200, 'Agency name must be 200 characters or fewer', 'Agency name'),
  kind: z.enum(AGENCY_KINDS, { error: 'Choose what kind of agency it is' }),
});

export const inviteForm = z.object({
  email: emailField('Enter their email address'),
  name: text('Enter their full name', 200, 'Full name must be 200 characters or fewer', 'Full name'),
  role: z.enum(ROLES, { error: 'Choose a role' }),
  partnership: z.string().optional().default(''),
  agency: z.string().optional().default(''),
});

/** The password rules themselves are passwordProblem's; this only bounds the field. */
export const newPasswordForm = z.object({
  password: z.string({ error: 'Enter a password' }).max(1024, 'Password must be 256 characters or fewer'),
});

export const resetRequestForm = z.object({
  email: emailField('Enter your email address'),
});
