import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, TEST_PASSWORD, TestClient } from '../../../test/support/client.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { errorSummary } from '../../../test/support/pages.ts';
import { SESSION_COOKIE } from '../../platform/http/authentication.ts';
import { addPartnership } from '../partnerships/service.ts';
import { createUser } from '../users/service.ts';

/** Reads the set-up key from the page, as a person would type it into their app. */
function secretFrom(html: string): string {
  const grouped = /cspr-secret">([A-Z2-7 ]+)</.exec(html)?.[1];
  if (!grouped) throw new Error('no secret on the page');
  return grouped.replace(/ /g, '');
}

describe.each(ENGINES)('signing in on %s', (engine) => {
  let t: TestApp;
  let partnershipId: string;
  beforeAll(async () => {
    t = await startTestApp(engine);
    partnershipId = (await addPartnership(t.app.deps.database.db, { slug: 'east-vale', name: 'East Vale SCP' })).id;
  });
  afterAll(async () => t.close());

  async function newUser(email: string) {
    return createUser(t.app.deps.database.db, { email, name: 'Robin Example', password: TEST_PASSWORD, grants: [{ role: 'partnership-admin', partnershipId }] });
  }

  async function auditActions(userId: string) {
    return t.app.deps.database.db.selectFrom('audit_events').select(['action', 'outcome', 'changes']).where('record_id', '=', userId).orderBy('seq').execute();
  }

  it('sends a signed-out visitor to sign in, and back afterwards', async () => {
    const c = new TestClient(t.app);
    const res = await c.get('/account');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/sign-in?next=%2Faccount');
    const api = await c.get('/api/v1/me');
    expect(api.statusCode).toBe(401);
    expect(api.json()).toMatchObject({ status: 401 });
  });

  it('takes a new person through password, two-factor set-up and recovery codes', async () => {
    const user = await newUser('first@example.org');
    const c = new TestClient(t.app);
    const wrong = await c.post('/sign-in', { email: 'first@example.org', password: 'not the password at all', next: '/account' }, { from: '/sign-in' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('There is a problem');
    expect(wrong.body).toContain('Enter a correct email address and password');
    expect(wrong.body).toContain('value="first@example.org"');

    const ok = await c.post('/sign-in', { email: 'First@Example.org ', password: TEST_PASSWORD, next: '/account' }, { from: '/sign-in' });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/sign-in/two-factor?next=%2Faccount');
    // Password alone is not enough for any page with case data.
    expect((await c.get('/account')).headers.location).toBe('/sign-in/two-factor');

    const toSetUp = await c.get('/sign-in/two-factor?next=%2Faccount');
    expect(toSetUp.headers.location).toBe('/account/two-factor/set-up?next=%2Faccount');
    const setUp = await c.get('/account/two-factor/set-up?next=%2Faccount');
    expect(setUp.statusCode).toBe(200);
    expect(setUp.body).toContain('role="img" aria-label="QR code for your authenticator app"');
    const secret = secretFrom(setUp.body);
    // The same key is offered until set-up is finished.
    expect(secretFrom((await c.get('/account/two-factor/set-up')).body)).toBe(secret);

    const bad = await c.post('/account/two-factor/set-up', { code: '000000', next: '/account' });
    expect(bad.statusCode).toBe(401);
    expect(bad.body).toContain('The code is not right');

    const setUpEpoch = Math.floor(Date.now() / 1000);
    const done = await c.post('/account/two-factor/set-up', { code: generateSync({ secret, epoch: setUpEpoch }), next: '/account' });
    expect(done.statusCode).toBe(200);
    const codes = [...done.body.matchAll(/<code>([a-z0-9]{5}-[a-z0-9]{5})<\/code>/g)].map((m) => m[1]);
    expect(codes).toHaveLength(10);
    const account = await c.get('/account');
    expect(account.statusCode).toBe(200);
    expect(account.body).toContain('first@example.org');
    expect(account.body).toContain('10 unused recovery codes');

    const actions = await auditActions(user.id);
    // Issuing the secret to set up is a change of the account, audited like enabling it.
    expect(actions.map((a) => `${a.action}:${a.outcome}`)).toEqual(['sign-in:failed', 'sign-in:allowed', 'two-factor-set-up-started:allowed', 'two-factor-enabled:allowed']);

    // Later: sign out, and sign in again with a code and then with a recovery code.
    expect((await c.post('/sign-out', {}, { from: '/sign-out' })).body).toContain('You have signed out');
    expect((await c.get('/account')).statusCode).toBe(303);
    await c.post('/sign-in', { email: 'first@example.org', password: TEST_PASSWORD }, { from: '/sign-in' });
    const codePage = await c.get('/sign-in/two-factor');
    expect(codePage.body).toContain('Enter your security code');
    // The code used at set-up cannot be replayed; the next one works.
    const replay = await c.post('/sign-in/two-factor', { code: generateSync({ secret, epoch: setUpEpoch }) }, { from: '/sign-in/two-factor' });
    expect(replay.statusCode).toBe(401);
    const next = generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    const passed = await c.post('/sign-in/two-factor', { code: next, next: '/account' }, { from: '/sign-in/two-factor' });
    expect(passed.statusCode).toBe(303);
    expect(passed.headers.location).toBe('/account');
    expect((await c.get('/account')).statusCode).toBe(200);

    const other = new TestClient(t.app);
    await other.post('/sign-in', { email: 'first@example.org', password: TEST_PASSWORD }, { from: '/sign-in' });
    const recovered = await other.post('/sign-in/recovery-code', { code: codes[0].toUpperCase() }, { from: '/sign-in/recovery-code' });
    expect(recovered.statusCode).toBe(303);
    expect((await other.get('/account')).body).toContain('9 unused recovery codes');
    const third = new TestClient(t.app);
    await third.post('/sign-in', { email: 'first@example.org', password: TEST_PASSWORD }, { from: '/sign-in' });
    const reused = await third.post('/sign-in/recovery-code', { code: codes[0] }, { from: '/sign-in/recovery-code' });
    expect(reused.statusCode).toBe(401);
    expect(reused.body).toContain('already been used');
  });

  it('locks the account after five wrong passwords, even against the right one, saying no more than to an unknown address', async () => {
    await newUser('locked@example.org');
    const c = new TestClient(t.app);
    for (let i = 0; i < 5; i += 1) {
      await c.post('/sign-in', { email: 'locked@example.org', password: `wrong password ${i}` }, { from: '/sign-in' });
    }
    const res = await c.post('/sign-in', { email: 'locked@example.org', password: TEST_PASSWORD }, { from: '/sign-in' });
    expect(res.statusCode).toBe(401);
    expect(res.headers.location).toBeUndefined();
    expect(res.body).toContain('After 5 wrong attempts an account is locked for 15 minutes');
    const unknown = await c.post('/sign-in', { email: 'nobody.at.all@example.org', password: TEST_PASSWORD }, { from: '/sign-in' });
    expect(unknown.statusCode).toBe(401);
    expect(errorSummary(res.body)).toBe(errorSummary(unknown.body));
  });

  it('answers an unknown account exactly as a wrong password', async () => {
    const c = new TestClient(t.app);
    const res = await c.post('/sign-in', { email: 'nobody@example.org', password: TEST_PASSWORD }, { from: '/sign-in' });
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('Enter a correct email address and password');
  });

  it('shows each missing field in the error summary', async () => {
    const c = new TestClient(t.app);
    const res = await c.post('/sign-in', { email: '', password: '' }, { from: '/sign-in' });
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('href="#email">Enter your email address');
    expect(res.body).toContain('href="#password">Enter your password');
  });

  it('refuses a form sent without its CSRF token, and one with another session’s token', async () => {
    const c = new TestClient(t.app);
    const res = await c.post('/sign-in', { email: 'x@example.org', password: 'whatever it is' }, { csrf: null });
    expect(res.statusCode).toBe(403);
    expect(res.body).not.toContain('Internal');
    const stranger = new TestClient(t.app);
    const token = await stranger.csrfFrom('/sign-in');
    await c.get('/sign-in');
    const forged = await c.post('/sign-in', { email: 'x@example.org', password: 'whatever it is' }, { csrf: token });
    expect(forged.statusCode).toBe(403);
  });

  it('refuses and records a signed-in form sent without its token, changing nothing', async () => {
    const { client, userId } = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId }]);
    const res = await client.post('/account/sign-out-everywhere', {}, { csrf: null });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('This form could not be sent because the page had expired');
    expect((await client.get('/account')).statusCode).toBe(200);
    const actions = await t.app.deps.database.db.selectFrom('audit_events').select(['action', 'outcome']).where('actor_id', '=', userId).execute();
    expect(actions).toContainEqual({ action: 'csrf-refused', outcome: 'refused' });
  });

  it('never redirects off the site after sign-in', async () => {
    await newUser('next@example.org');
    const c = new TestClient(t.app);
    const res = await c.post('/sign-in', { email: 'next@example.org', password: TEST_PASSWORD, next: '//evil.example/steal' }, { from: '/sign-in' });
    expect(res.headers.location).toBe('/sign-in/two-factor?next=%2F');
  });

  it('ends a session idle for longer than the limit', async () => {
    const { client, userId } = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId }]);
    expect((await client.get('/account')).statusCode).toBe(200);
    await t.app.deps.database.db.updateTable('sessions').set({ last_seen_at: new Date(Date.now() - 31 * 60_000) }).where('user_id', '=', userId).execute();
    expect((await client.get('/account')).statusCode).toBe(303);
    const left = await t.app.deps.database.db.selectFrom('sessions').select('id_hash').where('user_id', '=', userId).execute();
    expect(left).toHaveLength(0);
  });

  it('signs out everywhere', async () => {
    const a = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId }]);
    const b = new TestClient(t.app);
    const { createSession } = await import('../../platform/auth/sessions.ts');
    b.cookies.set(SESSION_COOKIE, await createSession(t.app.deps.database.db, a.userId, { twoFactor: true }));
    expect((await b.get('/account')).statusCode).toBe(200);
    const res = await a.client.post('/account/sign-out-everywhere', {}, { from: '/account' });
    expect(res.headers.location).toBe('/sign-in?signed-out=1');
    expect((await b.get('/account')).statusCode).toBe(303);
    expect((await a.client.get('/account')).statusCode).toBe(303);
  });

  it('signs out only through a form with the CSRF token: the header offers a button, and the address asks first', async () => {
    const { client, userId } = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId }]);
    const page = await client.get('/account');
    const header = /<section aria-label="Service information"[\s\S]*?<\/section>/.exec(page.body)?.[0] ?? '';
    expect(header).toMatch(/<form method="post" action="\/sign-out" class="cspr-sign-out">\s*<input type="hidden" name="_csrf" value="[^"]+">\s*<button type="submit"[^>]*>Sign out<\/button>/);
    expect(header).not.toContain('href="/sign-out"');

    // Following a link (another site's, say) only asks.
    const asked = await client.get('/sign-out');
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toContain('<h1 class="govuk-heading-l">Sign out</h1>');
    expect((await client.get('/account')).statusCode).toBe(200);
    // A form without the token (a forged one) changes nothing.
    expect((await client.post('/sign-out', {}, { csrf: null })).statusCode).toBe(403);
    expect((await client.get('/account')).statusCode).toBe(200);

    const out = await client.post('/sign-out', {}, { from: '/sign-out' });
    expect(out.statusCode).toBe(200);
    expect(out.body).toContain('You have signed out');
    expect(out.body).not.toContain('action="/sign-out"');
    expect((await client.get('/account')).statusCode).toBe(303);
    expect(await t.app.deps.database.db.selectFrom('sessions').select('id_hash').where('user_id', '=', userId).execute()).toEqual([]);
  });

  it('creates an API token shown once, which acts as the person until revoked', async () => {
    const { client, email, userId } = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId }]);
    const empty = await client.post('/account/api-tokens', { name: '', scope: 'read', expiresInDays: '90' });
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toContain('Enter a name for the token');
    const page = await client.post('/account/api-tokens', { name: 'Reporting <script>alert(1)</script>', scope: 'read', expiresInDays: '90' });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('<script>alert(1)</script>');
    expect(page.body).toContain('Reporting &lt;script&gt;');
    const token = /<code class="cspr-token">(cspr_[A-Za-z0-9_-]+)<\/code>/.exec(page.body)?.[1];
    expect(token).toBeTruthy();
    expect((await client.get('/account/api-tokens')).body).not.toContain(token as string);
    const stored = await t.app.deps.database.db.selectFrom('api_tokens').select('token_hash').where('user_id', '=', userId).execute();
    expect(stored[0].token_hash).not.toContain(token as string);

    const me = await t.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ email, roles: [{ role: 'partnership-admin', partnershipId }] });

    const id = /action="\/account\/api-tokens\/([0-9a-f-]{36})\/revoke"/.exec((await client.get('/account/api-tokens')).body)?.[1] as string;
    const stranger = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId }]);
    expect((await stranger.client.post(`/account/api-tokens/${id}/revoke`, {}, { from: '/account/api-tokens' })).statusCode).toBe(404);
    expect((await client.post(`/account/api-tokens/${id}/revoke`, {}, { from: '/account/api-tokens' })).statusCode).toBe(303);
    const after = await t.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });
    expect(after.statusCode).toBe(401);
    expect(after.json().detail).toContain('not valid, has expired or has been revoked');
    const guessed = await t.app.inject({ url: '/api/v1/me', headers: { authorization: 'Bearer cspr_guess' } });
    expect(guessed.statusCode).toBe(401);
  });
});

describe('sign-in rate limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('embedded', { RATE_LIMITS: 'on' });
  });
  afterAll(async () => t.close());

  it('slows down guessing from one address with a clear page', async () => {
    const c = new TestClient(t.app);
    const token = await c.csrfFrom('/sign-in');
    const codes: number[] = [];
    for (let i = 0; i < 11; i += 1) {
      codes.push((await c.post('/sign-in', { email: 'guess@example.org', password: `guess number ${i}` }, { csrf: token })).statusCode);
    }
    expect(codes.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(codes[10]).toBe(429);
    const res = await c.post('/sign-in', { email: 'guess@example.org', password: 'another guess' }, { csrf: token });
    expect(res.body).toContain('There is a problem');
  });
});

describe('session lookups remembered for a moment', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('embedded', { SESSION_CACHE_MS: '60000' });
  });
  afterAll(async () => t.close());

  it('serve repeat requests from memory, yet a sign-out on this instance takes effect at once', async () => {
    const p = await addPartnership(t.app.deps.database.db, { slug: 'cache-p', name: 'Cache SCP' });
    const { client, userId } = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: p.id }]);
    expect((await client.get('/account')).statusCode).toBe(200);
    // Changed behind the service's back: the remembered lookup still answers.
    await t.app.deps.database.db.updateTable('sessions').set({ last_seen_at: new Date(Date.now() - 31 * 60_000) }).where('user_id', '=', userId).execute();
    expect((await client.get('/account')).statusCode).toBe(200);
    const other = new TestClient(t.app);
    const { createSession } = await import('../../platform/auth/sessions.ts');
    other.cookies.set(SESSION_COOKIE, await createSession(t.app.deps.database.db, userId, { twoFactor: true }));
    expect((await other.get('/account')).statusCode).toBe(200);
    await client.post('/account/sign-out-everywhere', {}, { from: '/account' });
    expect((await other.get('/account')).statusCode).toBe(303);
    expect((await client.get('/account')).statusCode).toBe(303);
  });
});
