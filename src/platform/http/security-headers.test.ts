import { describe, expect, it } from 'vitest';
import { freshNonce } from './security-headers.ts';

describe('CSP nonces', () => {
  it('gives each response 16 random bytes of its own, also across refills of the pool they are drawn from', () => {
    // 256 nonces per 4 KiB pool: 1,000 cross three refills.
    const nonces = Array.from({ length: 1000 }, freshNonce);
    for (const n of nonces) expect(n).toMatch(/^[0-9a-f]{32}$/);
    // None repeats: a pool read again from its start, or a slice handed out twice, would.
    expect(new Set(nonces).size).toBe(nonces.length);
  });
});
