import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formErrors, safeNext } from './forms.ts';

describe('safeNext', () => {
  it.each(['/account', '/cases/1?tab=clocks', '/search?q=a%20b'])('keeps the same-site path %s', (p) => expect(safeNext(p)).toBe(p));
  it.each(['//evil.example', '/\\evil.example', '/\t/evil.example', '/\n/evil.example', 'https://evil.example', 'evil', '', '/a b', 42, null])(
    'refuses %j',
    (p) => expect(safeNext(p)).toBe('/'),
  );
});

describe('formErrors', () => {
  it('gives one summary item per field, linking to it', () => {
    const r = z.object({ a: z.string().min(1, 'Enter a'), b: z.string().min(2, 'Enter b') }).safeParse({ a: '', b: '' });
    expect(r.success).toBe(false);
    const { errors, fieldErrors } = formErrors((r as { error: z.ZodError }).error);
    expect(errors).toEqual([
      { text: 'Enter a', href: '#a' },
      { text: 'Enter b', href: '#b' },
    ]);
    expect(fieldErrors.b).toEqual({ text: 'Enter b' });
  });
});
