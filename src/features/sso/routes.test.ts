import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, TestClient } from '../../../test/support/client.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { startTestProvider, type TestProvider } from '../../../test/support/oidc-test-provider.ts';
import { SESSION_COOKIE } from '../../platform/http/authentication.ts';
import { addAgency, addPartnership, type PartnershipView } from '../partnerships/service.ts';
import { createUser } from '../users/service.ts';
import { findProvider, saveProvider, STATE_COOKIE } from './service.ts';

const PUBLIC_URL = 'http://127.0.0.1:8123';
const REDIRECT_URI = `${PUBLIC_URL}/sign-in/sso/callback`;
const NORTHMOOR = 'Northmoor Safeguarding Children Partnership';
const NO_ACCOUNT = `There is no CSPR Hub account for this address in ${NORTHMOOR}. Ask your partnership administrator to invite you.`;

describe.each(ENGINES)('single sign-on on %s', (engine) => {
  let t: TestApp;
  let idp: TestProvider;
  let northmoor: PartnershipView;
  let eastfield: PartnershipView;
  let agencyId: string;
  const settingsUrl = '/admin/partnerships/northmoor/single-sign-on';

  beforeAll(async () => {
    idp = await startTestProvider([REDIRECT_URI]);
    t = await startTestApp(engine, { PUBLIC_URL });
    const db = t.app.deps.database.db;
    northmoor = await addPartnership(db, { slug: 'northmoor', name: NORTHMOOR });
    eastfield = await addPartnership(db, { slug: 'eastfield', name: 'Eastfield Safeguarding Children Partnership' });
    agencyId = (await addAgency(db, { partnershipId: northmoor.id, name: 'Northmoor Academy', kind: 'relevant-agency' })).id;
  });
  afterAll(async () => {
    await t.close();
    await idp.close();
  });

  beforeEach(async () => {
    await configure({ enabled: true });
  });

  const db = () => t.app.deps.database.db;

  async function configure(settings: { enabled: boolean; clientSecret?: string }) {
    await saveProvider(db(), t.app.deps.cipher, northmoor.id, {
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: settings.clientSecret ?? idp.clientSecret,
      emailDomain: 'northmoor.gov.uk',
      enabled: settings.enabled,
    }, { approvedBy: null });
  }

  /** Starts single sign-on as a browser would: the form, then the redirect to the provider. */
  async function start(email: string, next?: string) {
    const client = new TestClient(t.app);
    const res = await client.post('/sign-in/sso', { email, ...(next ? { next } : {}) });
    return { client, res, location: String(res.headers.location) };
  }

  /** The whole journey for a login name at the provider; returns the app's answer to the callback. */
  async function signInAs(login: string, email: string, next?: string) {
    const { client, res, location } = await start(email, next);
    expect(res.statusCode).toBe(303);
    const back = await idp.signIn(location, login);
    const answer = await client.get(back.pathname + back.search);
    return { client, answer };
  }

  async function auditRows(action: string) {
    const rows = await db().selectFrom('audit_events').selectAll().where('action', '=', action).orderBy('seq', 'desc').execute();
    return rows.map((r) => ({ ...r, changes: (typeof r.changes === 'string' ? JSON.parse(r.changes) : r.changes) as Record<string, unknown> }));
  }

  it('shows the sign-in form, which may lead to another site', async () => {
    const res = await t.app.inject({ url: '/sign-in/sso?next=/account' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<h1 class="govuk-heading-l">Sign in with your organisation\'s account</h1>');
    expect(res.body).toContain('name="next" value="/account"');
    expect(res.body).toContain('autocomplete="email"');
    expect(res.body).toContain('href="/sign-in?next=%2Faccount"');
    // The form's redirect to the provider is a form navigation: the policy must allow it.
    expect(String(res.headers['content-security-policy'])).toContain("form-action 'self' https: http://127.0.0.1:*");
  });

  it('sends the person to their organisation with PKCE, state, nonce and a sealed short-lived cookie', async () => {
    const { res, location } = await start('Jo.Bloggs@Northmoor.gov.uk', '/account');
    expect(res.statusCode).toBe(303);
    const url = new URL(location);
    expect(url.origin).toBe(idp.issuer);
    expect(url.searchParams.get('client_id')).toBe(idp.clientId);
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT_URI);
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('scope')).toBe('openid email profile');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(url.searchParams.get('nonce')).toMatch(/^[\w-]{20,}$/);
    expect(url.searchParams.get('login_hint')).toBe('jo.bloggs@northmoor.gov.uk');
    const cookie = res.cookies.find((c) => c.name === STATE_COOKIE);
    expect(cookie).toMatchObject({ path: '/sign-in/sso', httpOnly: true, sameSite: 'Lax', maxAge: 600 });
    // Sealed: nothing of the state, verifier or next address is readable.
    expect(cookie?.value).not.toContain(url.searchParams.get('state') as string);
    expect(cookie?.value).not.toContain('account');
  });

  it('signs a known person in fully, links their identity and audits it; the session opens signed-in pages', async () => {
    await createUser(db(), { email: 'jo.bloggs@northmoor.gov.uk', name: 'Jo Bloggs', grants: [{ role: 'partner-lead', partnershipId: northmoor.id }] });
    idp.accounts.set('entra-oid-0001', { email: 'Jo.Bloggs@northmoor.gov.uk' });
    const { client, answer } = await signInAs('entra-oid-0001', 'jo.bloggs@northmoor.gov.uk', '/account');
    expect(answer.statusCode).toBe(303);
    expect(answer.headers.location).toBe('/account');
    const session = answer.cookies.find((c) => c.name === SESSION_COOKIE);
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(client.cookies.has(STATE_COOKIE)).toBe(false);

    const account = await client.get('/account');
    expect(account.statusCode).toBe(200);
    expect(account.body).toContain('jo.bloggs@northmoor.gov.uk');
    const user = await db().selectFrom('users').select('id').where('email', '=', 'jo.bloggs@northmoor.gov.uk').executeTakeFirstOrThrow();
    const sessions = await db().selectFrom('sessions').selectAll().where('user_id', '=', user.id).execute();
    expect(sessions).toHaveLength(1);
    expect(sessions[0].two_factor_at).not.toBeNull();
    expect(await db().selectFrom('sso_identities').selectAll().where('user_id', '=', user.id).execute()).toMatchObject([
      { issuer: idp.issuer, subject: 'entra-oid-0001' },
    ]);
    const [signIn] = await auditRows('sign-in');
    expect(signIn).toMatchObject({ actor_id: user.id, partnership_id: northmoor.id, outcome: 'allowed', record_id: user.id });
    expect(signIn.changes).toEqual({ method: 'sso', issuer: idp.issuer });
    expect((await auditRows('sso-identity-linked'))[0]).toMatchObject({ actor_id: user.id, record_id: user.id });

    // Next time the link is what counts, even if the provider now gives another address.
    idp.accounts.set('entra-oid-0001', { email: 'jo.smith@northmoor.gov.uk' });
    const again = await signInAs('entra-oid-0001', 'jo.smith@northmoor.gov.uk');
    expect(again.answer.statusCode).toBe(303);
    expect(again.answer.headers.location).toBe('/');
    expect((await again.client.get('/account')).body).toContain('jo.bloggs@northmoor.gov.uk');
  });

  it('refuses a person with no account, with a clear page and an audit entry, and creates nothing', async () => {
    idp.accounts.set('entra-oid-0002', { email: 'sam.new@northmoor.gov.uk' });
    const { client, answer } = await signInAs('entra-oid-0002', 'sam.new@northmoor.gov.uk');
    expect(answer.statusCode).toBe(403);
    expect(answer.body).toContain(NO_ACCOUNT);
    expect(answer.body).toContain('href="/sign-in"');
    expect(client.cookies.has(SESSION_COOKIE)).toBe(false);
    expect(await db().selectFrom('users').select('id').where('email', '=', 'sam.new@northmoor.gov.uk').executeTakeFirst()).toBeUndefined();
    expect(await db().selectFrom('sso_identities').selectAll().where('subject', '=', 'entra-oid-0002').execute()).toEqual([]);
    const [refusal] = await auditRows('sign-in');
    expect(refusal).toMatchObject({ outcome: 'refused', partnership_id: northmoor.id, actor_id: null });
    expect(refusal.changes).toMatchObject({ method: 'sso', reason: 'no-account', email: 'sam.new@northmoor.gov.uk' });
  });

  it('refuses a person whose account is in another partnership only, and a disabled account', async () => {
    await createUser(db(), { email: 'kim.east@northmoor.gov.uk', name: 'Kim East', grants: [{ role: 'partnership-admin', partnershipId: eastfield.id }] });
    idp.accounts.set('entra-oid-0003', { email: 'kim.east@northmoor.gov.uk' });
    const other = await signInAs('entra-oid-0003', 'kim.east@northmoor.gov.uk');
    expect(other.answer.statusCode).toBe(403);
    expect(other.answer.body).toContain(NO_ACCOUNT);
    expect(other.client.cookies.has(SESSION_COOKIE)).toBe(false);
    expect(await db().selectFrom('sso_identities').selectAll().where('subject', '=', 'entra-oid-0003').execute()).toEqual([]);

    const off = await createUser(db(), { email: 'lee.off@northmoor.gov.uk', name: 'Lee Off', grants: [{ role: 'partner-lead', partnershipId: northmoor.id }] });
    await db().updateTable('users').set({ disabled_at: new Date() }).where('id', '=', off.id).execute();
    idp.accounts.set('entra-oid-0004', { email: 'lee.off@northmoor.gov.uk' });
    const disabled = await signInAs('entra-oid-0004', 'lee.off@northmoor.gov.uk');
    expect(disabled.answer.statusCode).toBe(403);
    expect(disabled.client.cookies.has(SESSION_COOKIE)).toBe(false);
    expect((await auditRows('sign-in'))[0].changes).toMatchObject({ reason: 'disabled' });
  });

  it('refuses addresses the provider does not vouch for, and people with a national role', async () => {
    idp.accounts.set('entra-oid-0005', { email: 'pat@northmoor.gov.uk', emailVerified: false });
    const unverified = await signInAs('entra-oid-0005', 'pat@northmoor.gov.uk');
    expect(unverified.answer.statusCode).toBe(403);
    expect(unverified.answer.body).toContain('not verified');

    await createUser(db(), { email: 'alex@eastfield.gov.uk', name: 'Alex', grants: [{ role: 'partner-lead', partnershipId: northmoor.id }] });
    idp.accounts.set('entra-oid-0006', { email: 'alex@eastfield.gov.uk' });
    const outside = await signInAs('entra-oid-0006', 'someone@northmoor.gov.uk');
    expect(outside.answer.statusCode).toBe(403);
    expect(outside.answer.body).toContain('You signed in with an account outside northmoor.gov.uk');
    expect(outside.client.cookies.has(SESSION_COOKIE)).toBe(false);

    idp.accounts.set('entra-oid-0007', {});
    const noEmail = await signInAs('entra-oid-0007', 'someone@northmoor.gov.uk');
    expect(noEmail.answer.statusCode).toBe(403);
    expect(noEmail.answer.body).toContain('did not tell CSPR Hub your email address');

    await createUser(db(), {
      email: 'root@northmoor.gov.uk',
      name: 'Root',
      grants: [{ role: 'system-admin' }, { role: 'partnership-admin', partnershipId: northmoor.id }],
    });
    idp.accounts.set('entra-oid-0008', { email: 'root@northmoor.gov.uk' });
    const national = await signInAs('entra-oid-0008', 'root@northmoor.gov.uk');
    expect(national.answer.statusCode).toBe(403);
    expect(national.client.cookies.has(SESSION_COOKIE)).toBe(false);
    expect((await auditRows('sign-in'))[0].changes).toMatchObject({ reason: 'national-role' });
  });

  it('refuses a tampered state, a tampered or missing cookie, and never signs anyone in', async () => {
    await createUser(db(), { email: 'ria@northmoor.gov.uk', name: 'Ria', grants: [{ role: 'partner-lead', partnershipId: northmoor.id }] });
    idp.accounts.set('entra-oid-0009', { email: 'ria@northmoor.gov.uk' });

    const a = await start('ria@northmoor.gov.uk');
    const backA = await idp.signIn(a.location, 'entra-oid-0009');
    backA.searchParams.set('state', 'forged-state-value-1234567890');
    const forged = await a.client.get(backA.pathname + backA.search);
    expect(forged.statusCode).toBe(400);
    expect(forged.body).toContain('does not match the sign-in started here');
    expect(forged.body).toContain('href="/sign-in"');
    expect(a.client.cookies.has(SESSION_COOKIE)).toBe(false);
    const [entry] = await auditRows('sign-in');
    expect(entry).toMatchObject({ outcome: 'failed', partnership_id: northmoor.id });
    expect(entry.changes).toMatchObject({ method: 'sso', reason: 'state-mismatch' });

    const b = await start('ria@northmoor.gov.uk');
    const backB = await idp.signIn(b.location, 'entra-oid-0009');
    const sealed = b.client.cookies.get(STATE_COOKIE) as string;
    b.client.cookies.set(STATE_COOKIE, `${sealed.slice(0, -4)}AAAA`);
    const tampered = await b.client.get(backB.pathname + backB.search);
    expect(tampered.statusCode).toBe(400);
    expect(tampered.body).toContain('Start again');

    // The code arriving in a browser that did not start the sign-in is worthless.
    const c = await start('ria@northmoor.gov.uk');
    const backC = await idp.signIn(c.location, 'entra-oid-0009');
    const stranger = await new TestClient(t.app).get(backC.pathname + backC.search);
    expect(stranger.statusCode).toBe(400);
    expect(stranger.cookies.find((x) => x.name === SESSION_COOKIE)).toBeUndefined();
    expect((await auditRows('sign-in'))[0].changes).toMatchObject({ reason: 'expired' });
    // …and the one that did can still use it once.
    const owner = await c.client.get(backC.pathname + backC.search);
    expect(owner.statusCode).toBe(303);
    const replay = await c.client.get(backC.pathname + backC.search);
    expect(replay.statusCode).toBe(400);
  });

  it('shows a clear page when the provider reports an error or the code cannot be exchanged', async () => {
    const cancelled = await start('ria.cancel@northmoor.gov.uk');
    const back = await idp.cancel(cancelled.location);
    expect(back.searchParams.get('error')).toBe('access_denied');
    const res = await cancelled.client.get(back.pathname + back.search);
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('You could not sign in');
    expect(res.body).toContain('cancelled or is not allowed');
    expect(res.body).toContain('href="/sign-in"');
    expect((await auditRows('sign-in'))[0]).toMatchObject({ outcome: 'failed', partnership_id: northmoor.id });
    expect((await auditRows('sign-in'))[0].changes).toMatchObject({ reason: 'access-denied', providerError: 'access_denied' });

    // The secret changed at the provider's side: the token request fails.
    idp.accounts.set('entra-oid-0010', { email: 'ria@northmoor.gov.uk' });
    const s = await start('ria@northmoor.gov.uk');
    const backS = await idp.signIn(s.location, 'entra-oid-0010');
    await configure({ enabled: true, clientSecret: 'not-the-secret-the-provider-knows' });
    const failed = await s.client.get(backS.pathname + backS.search);
    expect(failed.statusCode).toBe(401);
    expect(failed.body).toContain('did not confirm who you are');
    expect(s.client.cookies.has(SESSION_COOKIE)).toBe(false);
    expect((await auditRows('sign-in'))[0].changes).toMatchObject({ reason: 'token-failed', providerError: 'provider-refused' });
  });

  it('does not use a disabled provider, and says so for domains without single sign-on', async () => {
    const away = await start('someone@elsewhere.org.uk');
    expect(away.res.statusCode).toBe(422);
    expect(away.res.body).toContain('Your organisation does not use single sign-on here. Sign in with your email address and password.');
    expect(away.res.body).toContain('href="/sign-in"');
    expect(away.res.body).toContain('value="someone@elsewhere.org.uk"');

    // Turned off while someone was at the provider.
    idp.accounts.set('entra-oid-0011', { email: 'ria@northmoor.gov.uk' });
    const s = await start('ria@northmoor.gov.uk');
    const back = await idp.signIn(s.location, 'entra-oid-0011');
    await configure({ enabled: false });
    const late = await s.client.get(back.pathname + back.search);
    expect(late.statusCode).toBe(400);
    expect(late.body).toContain('Single sign-on is turned off for your partnership');

    const off = await start('ria@northmoor.gov.uk');
    expect(off.res.statusCode).toBe(422);
    expect(off.res.body).toContain('Your organisation does not use single sign-on here.');
    expect(off.res.headers.location).toBeUndefined();

    const invalid = await start('not an address');
    expect(invalid.res.statusCode).toBe(422);
    expect(invalid.res.body).toContain('href="#email"');
  });

  it('only returns to addresses on this site', async () => {
    idp.accounts.set('entra-oid-0012', { email: 'ria@northmoor.gov.uk' });
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', '/\t/evil.example']) {
      const { answer } = await signInAs('entra-oid-0012', 'ria@northmoor.gov.uk', next);
      expect(answer.statusCode).toBe(303);
      expect(answer.headers.location).toBe('/');
    }
  });

  describe('settings page', () => {
    it('lets the partnership administrator and a system administrator in; others are refused or find nothing', async () => {
      const admin = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: northmoor.id }]);
      const page = await admin.client.get(settingsUrl);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<code id="redirect-uri">http://127.0.0.1:8123/sign-in/sso/callback</code>');
      expect(page.body).toContain(`value="${idp.issuer}"`);
      expect(page.body).toContain('value="northmoor.gov.uk"');
      expect(page.body).toContain('multi-factor authentication policy');

      const system = await signedInAs(t.app, [{ role: 'system-admin' }]);
      expect((await system.client.get(settingsUrl)).statusCode).toBe(200);

      const otherAdmin = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: eastfield.id }]);
      const hidden = await otherAdmin.client.get(settingsUrl);
      expect(hidden.statusCode).toBe(404);
      expect(hidden.body).not.toContain(idp.issuer);
      const post = await otherAdmin.client.post(
        settingsUrl,
        { issuer: 'https://evil.example', clientId: 'x', clientSecret: 'y', emailDomain: 'northmoor.gov.uk', enabled: 'yes' },
        { from: '/admin/partnerships/eastfield/single-sign-on' },
      );
      expect(post.statusCode).toBe(404);
      expect((await findProvider(db(), northmoor.id))?.issuer).toBe(idp.issuer);

      const contributor = await signedInAs(t.app, [{ role: 'agency-contributor', partnershipId: northmoor.id, agencyId }]);
      expect((await contributor.client.get(settingsUrl)).statusCode).toBe(403);
      const refused = await db().selectFrom('audit_events').selectAll().where('actor_id', '=', contributor.userId).execute();
      expect(refused).toMatchObject([{ action: 'access-refused', outcome: 'refused' }]);

      const anonymous = await new TestClient(t.app).get(settingsUrl);
      expect(anonymous.statusCode).toBe(303);
      expect(anonymous.headers.location).toBe(`/sign-in?next=${encodeURIComponent(settingsUrl)}`);
    });

    it('stores the secret encrypted, never shows it again, keeps it when left blank, and audits the change without it', async () => {
      const admin = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: eastfield.id }]);
      const url = '/admin/partnerships/eastfield/single-sign-on';
      const fresh = await admin.client.get(url);
      expect(fresh.body).toContain('Not set up');

      const missing = await admin.client.post(url, { issuer: idp.issuer, clientId: 'eastfield-app', clientSecret: '', emailDomain: 'eastfield.gov.uk', enabled: 'yes' });
      expect(missing.statusCode).toBe(422);
      expect(missing.body).toContain('href="#clientSecret"');

      const secret = 'Eastfield~Secret~Value~0123456789';
      const saved = await admin.client.post(url, { issuer: idp.issuer, clientId: 'eastfield-app', clientSecret: secret, emailDomain: '@Eastfield.gov.uk', enabled: 'yes' });
      expect(saved.statusCode).toBe(303);
      expect(saved.headers.location).toBe(`${url}?saved=awaiting`);
      const stored = await db().selectFrom('sso_providers').selectAll().where('partnership_id', '=', eastfield.id).executeTakeFirstOrThrow();
      expect(stored).toMatchObject({ issuer: idp.issuer, client_id: 'eastfield-app', email_domain: 'eastfield.gov.uk', enabled: true });
      expect(stored.client_secret_enc).not.toContain(secret);
      expect(t.app.deps.cipher.decrypt(stored.client_secret_enc)).toBe(secret);

      const shown = await admin.client.get(`${url}?saved=awaiting`);
      expect(shown.body).toContain('Single sign-on settings saved');
      expect(shown.body).toContain('A secret is saved');
      expect(shown.body).not.toContain(secret);
      expect(shown.body).not.toContain(stored.client_secret_enc);

      // A rejected form does not echo the secret either.
      const rejected = await admin.client.post(url, { issuer: '', clientId: 'eastfield-app', clientSecret: 'Another~Secret~999', emailDomain: 'eastfield.gov.uk', enabled: 'no' });
      expect(rejected.statusCode).toBe(422);
      expect(rejected.body).not.toContain('Another~Secret~999');

      const kept = await admin.client.post(url, { issuer: idp.issuer, clientId: 'eastfield-app-2', clientSecret: '', emailDomain: 'eastfield.gov.uk', enabled: 'no' });
      expect(kept.statusCode).toBe(303);
      const after = await db().selectFrom('sso_providers').selectAll().where('partnership_id', '=', eastfield.id).executeTakeFirstOrThrow();
      expect(t.app.deps.cipher.decrypt(after.client_secret_enc)).toBe(secret);
      expect(after).toMatchObject({ client_id: 'eastfield-app-2', enabled: false });

      const audit = await db().selectFrom('audit_events').selectAll().where('partnership_id', '=', eastfield.id).where('action', 'like', 'sso-provider-%').orderBy('seq').execute();
      expect(audit.map((a) => a.action)).toEqual(['sso-provider-added', 'sso-provider-changed']);
      const [added, changed] = audit.map((a) => (typeof a.changes === 'string' ? JSON.parse(a.changes) : a.changes) as Record<string, unknown>);
      expect(added).toMatchObject({ before: null, secretChanged: true, after: { clientId: 'eastfield-app', emailDomain: 'eastfield.gov.uk', enabled: true } });
      expect(changed).toMatchObject({ secretChanged: false, before: { clientId: 'eastfield-app' }, after: { clientId: 'eastfield-app-2', enabled: false } });
      expect(JSON.stringify(audit)).not.toContain(secret);
      expect(JSON.stringify(audit)).not.toContain(stored.client_secret_enc);
      expect(audit[0]).toMatchObject({ actor_id: admin.userId, actor_role: 'partnership-admin', record_type: 'sso-provider', record_id: eastfield.id });
    });

    it('refuses http issuers other than loopback ones, and an email domain another partnership uses', async () => {
      const admin = await signedInAs(t.app, [{ role: 'system-admin' }]);
      const base = { clientId: 'app', clientSecret: 's', emailDomain: 'northmoor.gov.uk', enabled: 'yes' };
      const insecure = await admin.client.post(settingsUrl, { ...base, issuer: 'http://login.example.org/tenant/v2.0' });
      expect(insecure.statusCode).toBe(422);
      expect(insecure.body).toContain('The issuer address must start with https://');
      expect(insecure.body).toContain('href="#issuer"');
      expect(insecure.body).toContain('value="http://login.example.org/tenant/v2.0"');
      const notUrl = await admin.client.post(settingsUrl, { ...base, issuer: 'login.example.org' });
      expect(notUrl.body).toContain('Enter the issuer address as a full web address starting with https://');
      expect((await findProvider(db(), northmoor.id))?.issuer).toBe(idp.issuer);

      const taken = await admin.client.post('/admin/partnerships/eastfield/single-sign-on', { ...base, issuer: idp.issuer });
      expect(taken.statusCode).toBe(422);
      expect(taken.body).toContain('Another partnership already uses single sign-on for this email domain');

      const noChoice = await admin.client.post(settingsUrl, { ...base, issuer: idp.issuer, enabled: '' });
      expect(noChoice.statusCode).toBe(422);
      expect(noChoice.body).toContain('href="#enabled"');
    });

    it('tests the connection without saving, and reports why it fails', async () => {
      const admin = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: northmoor.id }]);
      const base = { clientId: 'probe', clientSecret: '', emailDomain: 'northmoor.gov.uk', enabled: 'yes', action: 'test' };
      const ok = await admin.client.post(settingsUrl, { ...base, issuer: idp.issuer });
      expect(ok.statusCode).toBe(200);
      expect(ok.body).toContain('The connection works');
      expect(ok.body).toContain('Nothing has been saved yet');
      expect((await findProvider(db(), northmoor.id))?.clientId).toBe(idp.clientId);

      const wrongIssuer = await admin.client.post(settingsUrl, { ...base, issuer: `${idp.issuer}/tenant/v2.0` });
      expect(wrongIssuer.statusCode).toBe(422);
      expect(wrongIssuer.body).toContain('The connection test failed: the address did not answer with an OpenID Connect configuration');

      const closed = await admin.client.post(settingsUrl, { ...base, issuer: 'http://127.0.0.1:9' });
      expect(closed.statusCode).toBe(422);
      expect(closed.body).toContain('The connection test failed: the provider could not be reached');
      // A private address, which this service (on a loopback address) may not reach either.
      const inside = await admin.client.post(settingsUrl, { ...base, issuer: 'https://10.0.0.5:8443' });
      expect(inside.statusCode).toBe(422);
      expect(inside.body).toContain('its address is inside a private network, which the service does not connect to');

      // Each test is in the audit trail, by whom, with the issuer and how it went; none saved anything.
      const tests = await db()
        .selectFrom('audit_events')
        .select(['actor_id', 'partnership_id', 'changes'])
        .where('action', '=', 'sso-connection-tested')
        .where('actor_id', '=', admin.userId)
        .orderBy('seq')
        .execute();
      expect(tests.map((e) => [e.partnership_id, (e.changes as { issuer: string; ok: boolean }).issuer, (e.changes as { ok: boolean }).ok])).toEqual([
        [northmoor.id, idp.issuer, true],
        [northmoor.id, `${idp.issuer}/tenant/v2.0`, false],
        [northmoor.id, 'http://127.0.0.1:9', false],
        [northmoor.id, 'https://10.0.0.5:8443', false],
      ]);
    });
  });
});
