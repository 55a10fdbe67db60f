import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, ROLE_PERMISSIONS } from '../../src/platform/auth/policy.ts';
import type { RoleName } from '../../src/platform/db/types.ts';
import { addAgency, addPartnership } from '../../src/features/partnerships/service.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { signedInAs, TestClient } from '../support/client.ts';

/**
 * Every route of the service × every role: each route declares an access rule, and each
 * role gets in exactly where the policy says it may (403 or a sign-in redirect elsewhere).
 */
describe('route access matrix', () => {
  let t: TestApp;
  const clients = new Map<RoleName | 'anonymous', TestClient>();
  const tokens = new Map<RoleName | 'anonymous', string>();
  beforeAll(async () => {
    t = await startTestApp('embedded');
    const db = t.app.deps.database.db;
    const p = await addPartnership(db, { slug: 'matrix', name: 'Matrix SCP' });
    const agency = await addAgency(db, { partnershipId: p.id, name: 'Matrix School', kind: 'relevant-agency' });
    for (const role of ROLES) {
      const national = role === 'panel-viewer' || role === 'system-admin';
      const { client } = await signedInAs(t.app, [{ role, partnershipId: national ? null : p.id, agencyId: role === 'agency-contributor' ? agency.id : null }]);
      clients.set(role, client);
      tokens.set(role, await client.csrfFrom('/account/api-tokens'));
    }
    const anonymous = new TestClient(t.app);
    clients.set('anonymous', anonymous);
    tokens.set('anonymous', await anonymous.csrfFrom('/sign-in'));
  });
  afterAll(async () => t.close());

  it('has an access rule on every route', () => {
    const missing = t.app.routeTable.filter((r) => !r.access).map((r) => `${r.method} ${r.url}`);
    expect(missing).toEqual([]);
    expect(t.app.routeTable.length).toBeGreaterThan(10);
  });

  it('lets each role through exactly the routes its permissions allow', async () => {
    const problems: string[] = [];
    // Signing out ends the session the other checks use: those routes go last.
    const routes = [...t.app.routeTable].sort((a, b) => Number(a.url.includes('sign-out')) - Number(b.url.includes('sign-out')));
    for (const route of routes) {
      if (route.access === 'public' || route.url.includes('*')) continue;
      const url = route.url.replace(/:[A-Za-z]+/g, () => randomUUID());
      for (const who of [...ROLES, 'anonymous'] as const) {
        const client = clients.get(who) as TestClient;
        const res =
          route.method === 'GET'
            ? await client.get(url)
            : route.method === 'POST'
              ? await client.post(url, {}, { csrf: tokens.get(who) as string })
              : // PATCH and the like (the JSON API): the CSRF token as a header, as a script on the page would send it.
                await client.app.inject({
                  method: route.method as 'PATCH' | 'PUT' | 'DELETE',
                  url,
                  headers: { cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'x-csrf-token': tokens.get(who) as string },
                });
        const refused = res.statusCode === 403 || res.statusCode === 401 || (res.statusCode === 303 && /^\/sign-in($|\?next=|\/two-factor)/.test(String(res.headers.location)));
        const expectAllowed =
          who !== 'anonymous' &&
          (route.access === 'signed-in' || route.access === 'password-only' || [route.access].flat().some((p) => ROLE_PERMISSIONS[who].includes(p as never)));
        if (refused === expectAllowed) problems.push(`${route.method} ${route.url} as ${who}: ${res.statusCode} (expected ${expectAllowed ? 'allowed' : 'refused'})`);
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);
});
