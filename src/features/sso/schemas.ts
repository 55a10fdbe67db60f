import { z } from 'zod';

/** Forms of single sign-on, with the messages people see, and the checks on addresses they rely on. */

export type ErrorItem = { text: string; href: string };
export type FormErrors = { errors: ErrorItem[]; fieldErrors: Record<string, { text: string }> };

/** zod issues → the GOV.UK error summary (each linking to its field) and each field's own message. */
export function formErrors(error: z.ZodError): FormErrors {
  const result: FormErrors = { errors: [], fieldErrors: {} };
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? '');
    if (result.fieldErrors[field]) continue;
    result.fieldErrors[field] = { text: issue.message };
    result.errors.push({ text: issue.message, href: `#${field}` });
  }
  return result;
}

export function fieldError(field: string, text: string): FormErrors {
  return { errors: [{ text, href: `#${field}` }], fieldErrors: { [field]: { text } } };
}

/**
 * Where to go after signing in: a path on this site only. Browsers ignore tabs and new lines
 * in addresses and read a backslash as a slash, so only plain address characters are accepted
 * (`/\t/evil.example` would otherwise become `//evil.example`).
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 500) return '/';
  return /^\/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@%/?#]*$/.test(next) ? next : '/';
}

/** Loopback addresses: the only ones where an issuer may use plain http (tests and local demonstrations). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** What is wrong with an issuer address, or null. `allowLoopbackHttp`: whether http://127.0.0.1… may be used. */
export function issuerProblem(value: string, allowLoopbackHttp: boolean): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'Enter the issuer address as a full web address starting with https://';
  }
  const loopbackHttp = url.protocol === 'http:' && allowLoopbackHttp && isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !loopbackHttp) return 'The issuer address must start with https://';
  if (url.username || url.password) return 'The issuer address must not contain a user name or password';
  if (url.search || url.hash || value.includes('?') || value.includes('#')) return 'The issuer address must not contain ? or #';
  return null;
}

const DOMAIN = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** The domain part of an email address, lower case, or null. */
export function emailDomainOf(email: string): string | null {
  const at = email.lastIndexOf('@');
  if (at < 1) return null;
  const domain = email.slice(at + 1).trim().toLowerCase();
  return DOMAIN.test(domain) ? domain : null;
}

export const signInForm = z.object({
  email: z
    .string({ error: 'Enter your work email address' })
    .trim()
    .toLowerCase()
    .min(1, 'Enter your work email address')
    .max(254, 'Email address must be 254 characters or fewer')
    .refine((v) => /^[^\s@]+@[^\s@]+$/.test(v) && emailDomainOf(v) !== null, 'Enter an email address in the correct format, like name@northmoor.gov.uk'),
  next: z.string().optional(),
});

/** The configuration form. The secret is required only when none is stored yet. */
export function providerForm(options: { secretRequired: boolean; allowLoopbackHttp: boolean }) {
  return z.object({
    issuer: z
      .string({ error: 'Enter the issuer address' })
      .trim()
      .min(1, 'Enter the issuer address')
      .max(500, 'The issuer address must be 500 characters or fewer')
      .superRefine((v, ctx) => {
        const problem = issuerProblem(v, options.allowLoopbackHttp);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    clientId: z
      .string({ error: 'Enter the client ID' })
      .trim()
      .min(1, 'Enter the client ID')
      .max(255, 'The client ID must be 255 characters or fewer')
      .regex(/^\S+$/, 'The client ID must not contain spaces'),
    clientSecret: z
      .string()
      .optional()
      .transform((v) => (v ?? '').trim())
      .pipe(
        z
          .string()
          .max(1000, 'The client secret must be 1000 characters or fewer')
          .refine((v) => !options.secretRequired || v.length > 0, 'Enter the client secret'),
      ),
    emailDomain: z
      .string({ error: 'Enter the email domain' })
      .trim()
      .toLowerCase()
      .transform((v) => v.replace(/^@/, ''))
      .pipe(z.string().min(1, 'Enter the email domain').regex(DOMAIN, 'Enter the email domain like northmoor.gov.uk, without the part before the @')),
    enabled: z.enum(['yes', 'no'], { error: 'Select yes if people can sign in with single sign-on now' }),
    action: z.enum(['save', 'test']).default('save'),
  });
}

export type ProviderFormData = z.infer<ReturnType<typeof providerForm>>;
