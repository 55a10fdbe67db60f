import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createFieldCipher } from '../../platform/crypto/field-encryption.ts';
import { loopbackIssuersAllowed, openPending, sealPending, type PendingSignIn } from './service.ts';

const cipher = createFieldCipher(randomBytes(32));
const pending: PendingSignIn = {
  state: 'state-1',
  nonce: 'nonce-1',
  verifier: 'verifier-1',
  partnershipId: '6f1c0a52-0d3c-4a8e-9d36-2a7b1f1e0c11',
  next: '/account',
  redirectUri: 'https://cspr.example.org/sign-in/sso/callback',
  expires: Date.now() + 60_000,
};

describe('the sign-in cookie', () => {
  it('opens what it sealed, until it expires', () => {
    const sealed = sealPending(cipher, pending);
    expect(sealed).not.toContain('state-1');
    expect(openPending(cipher, sealed)).toMatchObject({ state: 'state-1', next: '/account' });
    expect(openPending(cipher, sealed, pending.expires + 1)).toBeNull();
  });

  it('refuses an altered, foreign or missing value', () => {
    const sealed = sealPending(cipher, pending);
    const parts = sealed.split('.');
    parts[3] = `${parts[3].slice(0, -2)}AA`;
    expect(openPending(cipher, parts.join('.'))).toBeNull();
    expect(openPending(createFieldCipher(randomBytes(32)), sealed)).toBeNull();
    // Another encrypted value of the service cannot stand in for it.
    expect(openPending(cipher, cipher.encrypt(JSON.stringify({ ...pending })))).toBeNull();
    expect(openPending(cipher, cipher.encrypt('not json'))).toBeNull();
    expect(openPending(cipher, undefined)).toBeNull();
    expect(openPending(cipher, 'x'.repeat(5000))).toBeNull();
  });
});

describe('loopback issuers', () => {
  it('are allowed only while the service is not published at a real address', () => {
    expect(loopbackIssuersAllowed(undefined)).toBe(true);
    expect(loopbackIssuersAllowed('http://127.0.0.1:3000')).toBe(true);
    expect(loopbackIssuersAllowed('https://cspr.example.org')).toBe(false);
  });
});
