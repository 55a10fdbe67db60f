import { describe, expect, it } from 'vitest';
import { emailDomainOf, isLoopbackHost, issuerProblem, providerForm, safeNext, signInForm } from './schemas.ts';

describe('safeNext', () => {
  it.each(['/', '/account', '/cases/123?tab=clock#deadlines', '/search?q=a%20b'])('keeps %s', (next) => {
    expect(safeNext(next)).toBe(next);
  });

  it.each([
    '//evil.example',
    '/\\evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    '/ /x',
    'https://evil.example/',
    'javascript:alert(1)',
    'account',
    '',
    `/${'a'.repeat(600)}`,
  ])('refuses %j', (next) => {
    expect(safeNext(next)).toBe('/');
  });

  it('refuses what is not a string', () => {
    expect(safeNext(undefined)).toBe('/');
    expect(safeNext(['/a', '/b'])).toBe('/');
  });
});

describe('issuer addresses', () => {
  it('accepts https issuers, such as Microsoft Entra ID tenants', () => {
    expect(issuerProblem('https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0', false)).toBeNull();
  });

  it('accepts plain http only on loopback, and only when allowed', () => {
    expect(issuerProblem('http://127.0.0.1:4000', true)).toBeNull();
    expect(issuerProblem('http://localhost:4000/realms/test', true)).toBeNull();
    expect(issuerProblem('http://[::1]:4000', true)).toBeNull();
    expect(issuerProblem('http://127.0.0.1:4000', false)).toBe('The issuer address must start with https://');
    expect(issuerProblem('http://login.example.org', true)).toBe('The issuer address must start with https://');
    expect(issuerProblem('http://127.0.0.1.example.org', true)).toBe('The issuer address must start with https://');
    expect(issuerProblem('ftp://login.example.org', true)).toBe('The issuer address must start with https://');
  });

  it('refuses addresses that are not issuer identifiers', () => {
    expect(issuerProblem('login.example.org', false)).toMatch(/full web address/);
    expect(issuerProblem('https://user:pw@login.example.org', false)).toMatch(/user name or password/);
    expect(issuerProblem('https://login.example.org/?tenant=1', false)).toMatch(/\? or #/);
    expect(issuerProblem('https://login.example.org/#x', false)).toMatch(/\? or #/);
  });

  it('knows loopback hosts', () => {
    expect(['localhost', '127.0.0.1', '127.1.2.3', '[::1]'].map(isLoopbackHost)).toEqual([true, true, true, true]);
    expect(['example.org', '10.0.0.1', '0.0.0.0', '127.0.0.1.nip.io'].map(isLoopbackHost)).toEqual([false, false, false, false]);
  });
});

describe('forms', () => {
  it('reads the domain of an email address', () => {
    expect(emailDomainOf('Jo@Northmoor.GOV.uk')).toBe('northmoor.gov.uk');
    expect(emailDomainOf('jo@localhost')).toBeNull();
    expect(emailDomainOf('no-at-sign')).toBeNull();
  });

  it('normalises the sign-in email address', () => {
    expect(signInForm.parse({ email: '  Jo@Northmoor.gov.uk ' }).email).toBe('jo@northmoor.gov.uk');
    expect(signInForm.safeParse({ email: 'jo@' }).success).toBe(false);
    expect(signInForm.safeParse({}).error?.issues[0].message).toBe('Enter your work email address');
  });

  it('needs a secret only for a new provider, and reads the domain without its @', () => {
    const form = { issuer: 'https://login.example.org', clientId: 'app', emailDomain: '@Northmoor.gov.uk', enabled: 'yes' };
    expect(providerForm({ secretRequired: true, allowLoopbackHttp: false }).safeParse(form).error?.issues.map((i) => i.path[0])).toEqual(['clientSecret']);
    const parsed = providerForm({ secretRequired: false, allowLoopbackHttp: false }).parse(form);
    expect(parsed).toEqual({ ...form, clientSecret: '', emailDomain: 'northmoor.gov.uk', action: 'save' });
    const bad = providerForm({ secretRequired: false, allowLoopbackHttp: false }).safeParse({ ...form, emailDomain: 'northmoor', clientId: 'a b', enabled: 'maybe' });
    expect(bad.error?.issues.map((i) => i.path[0])).toEqual(['clientId', 'emailDomain', 'enabled']);
  });
});
