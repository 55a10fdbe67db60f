import { z } from 'zod';
import { TOKEN_DAYS_MAX } from './service.ts';

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
  scope: z.enum(['read', 'write'], { error: 'Select what the token may do' }),
  expiresInDays: z
    .string({ error: 'Enter how many days the token lasts' })
    .trim()
    .min(1, 'Enter how many days the token lasts')
    .regex(/^\d+$/, 'How many days the token lasts must be a whole number, like 90')
    .transform(Number)
    .pipe(z.number().min(1, 'A token must last at least 1 day').max(TOKEN_DAYS_MAX, `A token can last ${TOKEN_DAYS_MAX} days at most`)),
});
