import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { TEST_PASSWORD, TestClient } from '../../../test/support/client.ts';
import { createUser } from '../../features/users/service.ts';

/**
 * Behind a load balancer (TRUST_PROXY=true: one proxy in front), the client's address is the one the
 * load balancer saw, the right-most entry of X-Forwarded-For. Entries to its left are the client's own
 * writing: believing them would let anyone escape the limits per address by naming a new one each time.
 */
describe('the client address behind a load balancer', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp('embedded', { TRUST_PROXY: 'true', RATE_LIMITS: 'on' });
    await createUser(t.app.deps.database.db, { email: 'pat@example.org', name: 'Pat Example', password: TEST_PASSWORD, grants: [] });
  });
  afterAll(async () => t.close());

  it('limits requests from one address however the client fills X-Forwarded-For', async () => {
    const client = new TestClient(t.app);
    const csrf = await client.csrfFrom('/password-reset');
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      // The load balancer (at 127.0.0.1, the test's own address) appends the address it saw, 203.0.113.7.
      const res = await t.app.inject({
        method: 'POST',
        url: '/password-reset',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': `198.51.100.${i}, 203.0.113.7` },
        payload: new URLSearchParams({ email: 'pat@example.org', _csrf: csrf }).toString(),
      });
      statuses.push(res.statusCode);
    }
    // 5 a minute from one address (the password reset's limit): the sixth and seventh are refused.
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    // And the audit trail records the address the load balancer saw, never the one the client wrote.
    await expect.poll(async () => (await t.app.deps.database.db.selectFrom('audit_events').select('ip').where('action', '=', 'password-reset-requested').execute()).length).toBe(5);
    const ips = await t.app.deps.database.db.selectFrom('audit_events').select('ip').where('action', '=', 'password-reset-requested').execute();
    expect(new Set(ips.map((r) => r.ip))).toEqual(new Set(['203.0.113.7']));
  });

  it('marks what a shared cache may keep as made for the forwarded host too, as the partnership is chosen by it', async () => {
    for (const url of ['/reviews.atom', '/sitemap.xml']) {
      const res = await t.app.inject({ method: 'GET', url, headers: { 'x-forwarded-host': 'reviews.example.org' } });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['cache-control'], url).toContain('public');
      expect(String(res.headers.vary).split(/,\s*/), url).toEqual(expect.arrayContaining(['X-Forwarded-Host', 'X-Forwarded-Proto']));
    }
    // A page no shared cache keeps says nothing of it.
    const page = await t.app.inject({ method: 'GET', url: '/sign-in' });
    expect(String(page.headers.vary ?? '')).not.toContain('X-Forwarded-Host');
  });
});

describe('a service not behind a proxy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('embedded', { TRUST_PROXY: 'false' });
  });
  afterAll(async () => t.close());

  it('reads the host from Host alone, which every cache keys on: nothing to add', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/reviews.atom', headers: { 'x-forwarded-host': 'reviews.example.org' } });
    expect(res.statusCode).toBe(200);
    expect(String(res.headers.vary ?? '')).not.toContain('X-Forwarded-Host');
  });
});
