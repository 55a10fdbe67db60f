import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { TEST_PASSWORD, TestClient } from '../../../test/support/client.ts';
import { ENGINES, freshDir } from '../../../test/support/database.ts';
import { linkIn, outbox, waitForMail } from '../../../test/support/mail.ts';
import { verifyPassword } from '../../platform/auth/passwords.ts';
import { sha256 } from '../../platform/auth/secrets.ts';
import { createSession } from '../../platform/auth/sessions.ts';
import { addPartnership } from '../partnerships/service.ts';
import { createUser } from '../users/service.ts';
import { checkEmailToken, issueEmailToken } from './email-tokens.ts';

const NEW_PASSWORD = 'quartz meadow bicycle 81';

/** The page's main content: the same for everyone, whatever the address asked about. */
const main = (html: string) => /<main[\s\S]*<\/main>/.exec(html)?.[0] ?? '';

describe.each(ENGINES)('resetting a forgotten password on %s', (engine) => {
  let t: TestApp;
  let dataDir: string;
  let user: { id: string };
  let disabled: { id: string };
  const db = () => t.app.deps.database.db;
  const userRow = (id: string) => db().selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const audits = (action: string) => db().selectFrom('audit_events').selectAll().where('action', '=', action).orderBy('seq').execute();

  beforeAll(async () => {
    dataDir = freshDir('password-reset');
    // Rate limits on (tests turn them off by default): the requests below are counted to show the limit.
    t = await startTestApp(engine, { DATA_DIR: dataDir, RATE_LIMITS: 'on' });
    const p = await addPartnership(db(), { slug: 'northmoor', name: 'Northmoor Safeguarding Children Partnership' });
    user = await createUser(db(), { email: 'ren@example.org', name: 'Ren Reset', password: TEST_PASSWORD, grants: [{ role: 'reviewer', partnershipId: p.id }] });
    disabled = await createUser(db(), { email: 'dot@example.org', name: 'Dot Disabled', password: TEST_PASSWORD, grants: [{ role: 'reviewer', partnershipId: p.id }] });
    await db().updateTable('users').set({ disabled_at: new Date() }).where('id', '=', disabled.id).execute();
  });
  afterAll(async () => t.close());

  // POST /password-reset allows 5 requests a minute from one address: this sequence uses exactly 5, then shows the limit.
  describe('asking for a link', () => {
    const client = () => new TestClient(t.app);
    let unknownPage = '';

    it('shows a public form asking for the email address', async () => {
      const res = await client().get('/password-reset');
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('<h1 class="govuk-heading-l">Reset your password</h1>');
      expect(res.body).toContain('autocomplete="username"');
    });

    it('answers an address without an account with the neutral page, sends nothing and records nothing', async () => {
      const res = await client().post('/password-reset', { email: 'nobody@example.org' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('If there is an account for that address, we have sent a link');
      unknownPage = main(res.body);
      await new Promise((r) => setTimeout(r, 200));
      expect(outbox(dataDir).filter((m) => m.to === 'nobody@example.org')).toEqual([]);
      expect(await audits('password-reset-requested')).toEqual([]);
    });

    it('answers an address with an account with the same page, emails a 1-hour link, and audits the request with no actor', async () => {
      const before = Date.now();
      const res = await client().post('/password-reset', { email: ' REN@example.org ' });
      expect(res.statusCode).toBe(200);
      expect(main(res.body)).toBe(unknownPage);
      const mail = await waitForMail(dataDir, 'ren@example.org');
      expect(mail.subject).toBe('Reset your CSPR Hub password');
      expect(mail.text).toContain('Hello Ren Reset,');
      expect(mail.text).toContain('expires in 1 hour');
      const token = linkIn(mail, '/password-reset/').split('/').pop() as string;
      const row = await db().selectFrom('email_tokens').selectAll().where('token_hash', '=', sha256(token)).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ user_id: user.id, purpose: 'password-reset', used_at: null });
      const lifetime = new Date(row.expires_at).getTime() - before;
      expect(lifetime).toBeGreaterThan(3_600_000 - 60_000);
      expect(lifetime).toBeLessThan(3_600_000 + 60_000);
      await expect.poll(async () => (await audits('password-reset-requested')).length).toBe(1);
      const [audit] = await audits('password-reset-requested');
      expect(audit).toMatchObject({ actor_id: null, actor_email: null, record_type: 'user', record_id: user.id, outcome: 'allowed' });
    });

    it('sends nothing to a disabled account, but records the refused request', async () => {
      const res = await client().post('/password-reset', { email: 'dot@example.org' });
      expect(main(res.body)).toBe(unknownPage);
      await expect.poll(async () => (await audits('password-reset-requested')).filter((a) => a.record_id === disabled.id).length).toBe(1);
      const [audit] = (await audits('password-reset-requested')).filter((a) => a.record_id === disabled.id);
      expect(audit).toMatchObject({ actor_id: null, outcome: 'refused' });
      expect(outbox(dataDir).filter((m) => m.to === 'dot@example.org')).toEqual([]);
    });

    it('re-shows the form for an address that is not an email address (422)', async () => {
      const res = await client().post('/password-reset', { email: 'ren at example' });
      expect(res.statusCode).toBe(422);
      expect(res.body).toContain('href="#email">Enter an email address in the correct format');
      expect(res.body).toContain('value="ren at example"');
    });

    it('refuses a request without the CSRF token', async () => {
      // The limit is counted before the CSRF check: this is the fifth request.
      const res = await client().post('/password-reset', { email: 'ren@example.org' }, { csrf: null });
      expect(res.statusCode).toBe(403);
    });

    it('limits requests from one address to 5 a minute', async () => {
      const res = await client().post('/password-reset', { email: 'ren@example.org' });
      expect(res.statusCode).toBe(429);
      expect(res.body).toContain('There have been too many attempts from your address');
      expect(outbox(dataDir).filter((m) => m.to === 'ren@example.org')).toHaveLength(1);
    });
  });

  describe('choosing a new password through the link', () => {
    it('sets the password, clears a lockout, ends every session, spends the link and audits it', async () => {
      const token = await issueEmailToken(db(), user.id, 'password-reset');
      await db().updateTable('users').set({ failed_sign_ins: 3, locked_until: new Date(Date.now() + 600_000) }).where('id', '=', user.id).execute();
      await createSession(db(), user.id, { twoFactor: true });
      await createSession(db(), user.id, { twoFactor: false });
      const client = new TestClient(t.app);
      const page = await client.get(`/password-reset/${token}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<h1 class="govuk-heading-l">Choose a new password</h1>');
      expect(page.body).toContain('ren@example.org');
      expect(page.body).toContain('data-module="govuk-password-input"');

      const weak = await client.post(`/password-reset/${token}`, { password: 'tiny' });
      expect(weak.statusCode).toBe(422);
      expect(weak.body).toContain('href="#password">Password must be 12 characters or more</a>');

      const res = await client.post(`/password-reset/${token}`, { password: NEW_PASSWORD });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/sign-in?reset=1');
      const row = await userRow(user.id);
      expect(await verifyPassword(NEW_PASSWORD, row.password_hash)).toBe(true);
      expect(row).toMatchObject({ failed_sign_ins: 0, locked_until: null });
      expect(await db().selectFrom('sessions').select('id_hash').where('user_id', '=', user.id).execute()).toEqual([]);
      const [audit] = await audits('password-reset-completed');
      expect(audit).toMatchObject({ actor_id: user.id, record_id: user.id, outcome: 'allowed' });
      expect(audit.changes).toMatchObject({ sessionsEnded: 2 });

      const used = await client.get(`/password-reset/${token}`);
      expect(used.statusCode).toBe(410);
      expect(used.body).toContain('This link has expired or has already been used');
      expect(used.body).toContain('href="/password-reset"');
      const replay = await client.post(`/password-reset/${token}`, { password: 'some other password 12' }, { from: '/password-reset' });
      expect(replay.statusCode).toBe(410);
      expect(await verifyPassword(NEW_PASSWORD, (await userRow(user.id)).password_hash)).toBe(true);
    });

    it('a newer link replaces an older one; an expired link, an invitation link or a made-up one shows the clear page', async () => {
      const client = new TestClient(t.app);
      const older = await issueEmailToken(db(), user.id, 'password-reset');
      const newer = await issueEmailToken(db(), user.id, 'password-reset');
      expect((await checkEmailToken(db(), older, 'password-reset')).status).toBe('unknown');
      expect((await client.get(`/password-reset/${older}`)).statusCode).toBe(404);
      expect((await client.get(`/password-reset/${newer}`)).statusCode).toBe(200);

      const expired = await issueEmailToken(db(), user.id, 'password-reset', new Date(Date.now() - 2 * 3_600_000));
      const res = await client.get(`/password-reset/${expired}`);
      expect(res.statusCode).toBe(410);
      expect(res.body).toContain('Links to reset your password work once, for 1 hour');
      expect((await client.post(`/password-reset/${expired}`, { password: 'yet another password 3' }, { from: '/password-reset' })).statusCode).toBe(410);

      const invitation = await issueEmailToken(db(), user.id, 'invitation');
      expect((await client.get(`/password-reset/${invitation}`)).statusCode).toBe(404);
      expect((await client.get('/password-reset/not-a-token')).statusCode).toBe(404);
    });

    it('refuses a new password posted without the CSRF token', async () => {
      const token = await issueEmailToken(db(), user.id, 'password-reset');
      const res = await new TestClient(t.app).post(`/password-reset/${token}`, { password: 'forged password here 1' }, { csrf: null });
      expect(res.statusCode).toBe(403);
      expect((await checkEmailToken(db(), token, 'password-reset')).status).toBe('valid');
    });

    it('a disabled account cannot use a link issued before it was disabled', async () => {
      await db().updateTable('users').set({ disabled_at: null }).where('id', '=', disabled.id).execute();
      const token = await issueEmailToken(db(), disabled.id, 'password-reset');
      await db().updateTable('users').set({ disabled_at: new Date() }).where('id', '=', disabled.id).execute();
      const client = new TestClient(t.app);
      expect((await client.get(`/password-reset/${token}`)).statusCode).toBe(410);
      expect((await client.post(`/password-reset/${token}`, { password: NEW_PASSWORD }, { from: '/password-reset' })).statusCode).toBe(410);
      expect(await verifyPassword(TEST_PASSWORD, (await userRow(disabled.id)).password_hash)).toBe(true);
    });
  });
});
