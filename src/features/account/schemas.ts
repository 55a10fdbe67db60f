import { z } from 'zod';

/** Form schemas: one per form, with the messages people see. */
export const signInForm = z.object({
  email: z.string().trim().min(1, 'Enter your email address').max(254, 'Email address must be 254 characters or fewer'),
  password: z.string().min(1, 'Enter your password').max(1024, 'Password must be 1024 characters or fewer'),
  next: z.string().optional(),
});

export const codeForm = z.object({
  code: z
    .string()
    .transform((v) => v.replace(/\s+/g, ''))
    .pipe(z.string().min(1, 'Enter the 6-digit code from your authenticator app').regex(/^\d{6}$/, 'The code must be 6 digits')),
  next: z.string().optional(),
});

export const recoveryForm = z.object({
  code: z.string().trim().min(1, 'Enter one of your recovery codes').max(40, 'Enter a recovery code like abcde-12345'),
  next: z.string().optional(),
});

export const tokenForm = z.object({
  name: z.string().trim().min(1, 'Enter a name for the token, such as the system that will use it').max(100, 'Name must be 100 characters or fewer'),
});
