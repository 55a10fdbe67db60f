import type { z } from 'zod';

export type ErrorItem = { text: string; href: string };

/** zod issues → the GOV.UK error summary list (each linking to its field) and each field's own message. */
export function formErrors(error: z.ZodError): { errors: ErrorItem[]; fieldErrors: Record<string, { text: string }> } {
  const errors: ErrorItem[] = [];
  const fieldErrors: Record<string, { text: string }> = {};
  for (const issue of error.issues) {
    const field = String(issue.path[0] ?? '');
    if (fieldErrors[field]) continue;
    fieldErrors[field] = { text: issue.message };
    errors.push({ text: issue.message, href: `#${field}` });
  }
  return { errors, fieldErrors };
}

/** One error for one field, in the same shape. */
export function fieldError(field: string, text: string): { errors: ErrorItem[]; fieldErrors: Record<string, { text: string }> } {
  return { errors: [{ text, href: `#${field}` }], fieldErrors: { [field]: { text } } };
}

/** Only same-site paths: never an open redirect. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 500) return '/';
  // One leading slash, then visible ASCII only: browsers drop tabs and newlines and
  // read a backslash as a slash, which would turn '/\t/evil.example' into another site.
  if (!/^\/(?![/\\])[\x21-\x7e]*$/.test(next) || next.includes('\\')) return '/';
  return next;
}
