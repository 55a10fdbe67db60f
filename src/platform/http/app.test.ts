import { describe, expect, it } from 'vitest';

import { loggablePath } from './app.ts';

describe('loggablePath', () => {
  it('drops query strings and single-use tokens', () => {
    expect(loggablePath('/sign-in/sso/callback?code=secret&state=x')).toBe('/sign-in/sso/callback');
    expect(loggablePath('/invitation/abcDEF123')).toBe('/invitation/[token]');
    expect(loggablePath('/password-reset/abcDEF123?x=1')).toBe('/password-reset/[token]');
    expect(loggablePath('/cases')).toBe('/cases');
  });
});
