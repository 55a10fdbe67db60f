import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, type TestClient } from '../../../test/support/client.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { errorSummary } from '../../../test/support/pages.ts';
import { formatDate } from '../../platform/http/views.ts';
import { issueEmailToken } from '../admin/email-tokens.ts';
import { addPartnership } from '../partnerships/service.ts';
import { createApiToken } from './service.ts';

/**
 * API tokens: for the JSON API only, read or write, for a chosen time, and never outliving the
 * password they were made under or an account that is disabled.
 */
describe.each(ENGINES)('API tokens on %s', (engine) => {
  let t: TestApp;
  let partnershipId: string;
  let admin: { client: TestClient; userId: string; email: string };
  const db = () => t.app.deps.database.db;

  beforeAll(async () => {
    t = await startTestApp(engine);
    partnershipId = (await addPartnership(db(), { slug: 'tokens', name: 'Tokens SCP' })).id;
    admin = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId }]);
  });
  afterAll(async () => t.close());

  function call(token: string, method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown): Promise<LightMyRequestResponse> {
    return t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  }

  function expectProblem(res: LightMyRequestResponse, status: number, detail: string) {
    expect(res.statusCode, res.body).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status, detail: expect.stringContaining(detail) });
  }

  async function tokenRows(userId: string) {
    return db().selectFrom('api_tokens').selectAll().where('user_id', '=', userId).execute();
  }

  it('reaches the JSON API only: never a page, the account, administration, token making or recovery codes', async () => {
    const { token } = await createApiToken(db(), admin.userId, { name: 'everything it can', scope: 'write' });
    expect((await call(token, 'GET', '/api/v1/me')).statusCode).toBe(200);
    for (const [method, url] of [
      ['GET', '/account'],
      ['GET', '/account/api-tokens'],
      ['POST', '/account/api-tokens'],
      ['POST', '/account/recovery-codes'],
      ['POST', '/account/sign-out-everywhere'],
      ['GET', '/admin/users'],
      ['POST', '/admin/users/invite'],
      ['GET', '/admin/audit'],
      ['GET', '/cases'],
      ['GET', '/api/docs'],
      ['GET', '/'],
    ] as const) {
      expectProblem(await call(token, method, url, method === 'POST' ? { name: 'made by a token', scope: 'write', expiresInDays: '365' } : undefined), 403, 'only for the JSON API');
    }
    expect(await tokenRows(admin.userId)).toHaveLength(1);
    expect(await db().selectFrom('recovery_codes').select('code_hash').where('user_id', '=', admin.userId).execute()).toEqual([]);
    expect((await admin.client.get('/account')).statusCode).toBe(200);
  });

  it('with the read scope reads, and is refused any change with a problem body that says it is read-only', async () => {
    const { token } = await createApiToken(db(), admin.userId, { name: 'reporting', scope: 'read' });
    expect((await call(token, 'GET', '/api/v1/incidents')).statusCode).toBe(200);
    const body = { outcome: 'serious-harm', abuseOrNeglect: 'suspected', location: 'in-area', aware: '2025-03-03', children: [{ pseudonym: 'Child R' }] };
    expectProblem(await call(token, 'POST', '/api/v1/incidents', body), 403, 'This API token is read-only');
    expectProblem(await call(token, 'PATCH', '/api/v1/incidents/00000000-0000-4000-8000-000000000000', { whatIsKnown: 'x' }), 403, 'read-only');
    expect(await db().selectFrom('incidents').select('id').execute()).toEqual([]);
    const refusals = await db().selectFrom('audit_events').select(['action', 'outcome', 'actor_id']).where('action', '=', 'access-refused').where('actor_id', '=', admin.userId).execute();
    expect(refusals.length).toBeGreaterThanOrEqual(2);

    const { token: writer } = await createApiToken(db(), admin.userId, { name: 'case system', scope: 'write' });
    expect((await call(writer, 'POST', '/api/v1/incidents', body)).statusCode).toBe(201);
  });

  it('lasts the days chosen when it is made (90 unless chosen, a year at most), shown on the tokens page, and not a moment longer', async () => {
    const page = await admin.client.get('/account/api-tokens');
    expect(page.body).toMatch(/name="expiresInDays"[^>]* value="90"/);

    const missing = await admin.client.post('/account/api-tokens', { name: 'no choice', expiresInDays: '90' });
    expect(missing.statusCode).toBe(422);
    expect(errorSummary(missing.body)).toContain('Select what the token may do');
    const tooLong = await admin.client.post('/account/api-tokens', { name: 'forever', scope: 'read', expiresInDays: '366' });
    expect(tooLong.statusCode).toBe(422);
    expect(errorSummary(tooLong.body)).toContain('A token can last 365 days at most');
    expect(tooLong.body).toContain('value="forever"');
    const notNumber = await admin.client.post('/account/api-tokens', { name: 'soon', scope: 'read', expiresInDays: 'next week' });
    expect(errorSummary(notNumber.body)).toContain('must be a whole number');

    const before = Date.now();
    const made = await admin.client.post('/account/api-tokens', { name: 'Thirty days', scope: 'read', expiresInDays: '30' });
    expect(made.statusCode).toBe(200);
    const token = /<code class="cspr-token">(cspr_[A-Za-z0-9_-]+)<\/code>/.exec(made.body)?.[1] as string;
    const row = (await tokenRows(admin.userId)).find((r) => r.name === 'Thirty days')!;
    expect(row.scope).toBe('read');
    const lifetime = new Date(row.expires_at).getTime() - before;
    expect(Math.abs(lifetime - 30 * 86_400_000)).toBeLessThan(60_000);
    expect(made.body).toContain(`only reads data until ${formatDate(row.expires_at)}`);
    const listed = await admin.client.get('/account/api-tokens');
    expect(listed.body).toContain(formatDate(row.expires_at));
    expect(listed.body).toContain('Read only');

    expect((await call(token, 'GET', '/api/v1/me')).statusCode).toBe(200);
    await db().updateTable('api_tokens').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', row.id).execute();
    expectProblem(await call(token, 'GET', '/api/v1/me'), 401, 'has expired');
    expect((await admin.client.get('/account/api-tokens')).body).toContain('Expired');
  });

  it('ends every token of the person when their password is reset, and when their account is disabled', async () => {
    const person = await signedInAs(t.app, [{ role: 'partner-lead', partnershipId }]);
    const first = await createApiToken(db(), person.userId, { name: 'one', scope: 'read' });
    const second = await createApiToken(db(), person.userId, { name: 'two', scope: 'write', expiresInDays: 365 });
    expect((await call(first.token, 'GET', '/api/v1/me')).statusCode).toBe(200);

    const link = await issueEmailToken(db(), person.userId, 'password-reset');
    const reset = await t.app.inject({ url: `/password-reset/${link}` });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(reset.body)![1];
    const cookie = reset.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const done = await t.app.inject({ method: 'POST', url: `/password-reset/${link}`, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ password: 'a brand new password 2026', _csrf: csrf }).toString() });
    expect(done.statusCode).toBe(303);
    expectProblem(await call(first.token, 'GET', '/api/v1/me'), 401, 'not valid');
    expectProblem(await call(second.token, 'GET', '/api/v1/me'), 401, 'not valid');
    expect((await tokenRows(person.userId)).every((r) => r.revoked_at !== null)).toBe(true);

    // A token made after the new password works, until the account is disabled; enabling it does not bring the token back.
    const third = await createApiToken(db(), person.userId, { name: 'three', scope: 'read' });
    expect((await call(third.token, 'GET', '/api/v1/me')).statusCode).toBe(200);
    const system = await signedInAs(t.app, [{ role: 'system-admin' }]);
    expect((await system.client.post(`/admin/users/${person.userId}/disable`, {}, { from: '/admin/users' })).statusCode).toBe(303);
    expectProblem(await call(third.token, 'GET', '/api/v1/me'), 401, 'not valid');
    expect((await system.client.post(`/admin/users/${person.userId}/enable`, {}, { from: '/admin/users' })).statusCode).toBe(303);
    expectProblem(await call(third.token, 'GET', '/api/v1/me'), 401, 'not valid');
  });
});
