import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { TestClient } from '../../../test/support/client.ts';
import { ENGINES, freshDir } from '../../../test/support/database.ts';
import { verifyPassword } from '../../platform/auth/passwords.ts';
import { randomToken, sha256 } from '../../platform/auth/secrets.ts';
import { addAgency, addPartnership } from '../partnerships/service.ts';
import { createUser } from '../users/service.ts';
import { issueEmailToken } from './email-tokens.ts';

const GOOD_PASSWORD = 'granite lantern orchard 27';

describe.each(ENGINES)('accepting an invitation on %s', (engine) => {
  let t: TestApp;
  let partnership: { id: string };
  let agency: { id: string };
  const db = () => t.app.deps.database.db;

  beforeAll(async () => {
    t = await startTestApp(engine, { DATA_DIR: freshDir('invitations') });
    partnership = await addPartnership(db(), { slug: 'northmoor', name: 'Northmoor Safeguarding Children Partnership' });
    agency = await addAgency(db(), { partnershipId: partnership.id, name: 'Northmoor Police', kind: 'police' });
  });
  afterAll(async () => t.close());

  async function invited(email: string, name = 'Rae Invited') {
    const user = await createUser(db(), { email, name, grants: [{ role: 'agency-contributor', partnershipId: partnership.id, agencyId: agency.id }] });
    return { user, token: await issueEmailToken(db(), user.id, 'invitation') };
  }

  const userRow = (id: string) => db().selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('shows who the person was invited as, and a GOV.UK password field to choose a password', async () => {
    const { token } = await invited('rae@example.org');
    const res = await new TestClient(t.app).get(`/invitation/${token}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.body).toContain('<h1 class="govuk-heading-l">Set up your account</h1>');
    expect(res.body).toContain('Rae Invited');
    expect(res.body).toContain('rae@example.org');
    expect(res.body).toContain('Agency contributor, Northmoor Safeguarding Children Partnership, Northmoor Police');
    expect(res.body).toContain('data-module="govuk-password-input"');
    expect(res.body).toContain('autocomplete="new-password"');
    expect(res.body).toMatch(/name="_csrf" value="[^"]+"/);
  });

  it('refuses passwords that break the rules, with the reason (422), and leaves the link good', async () => {
    const { user, token } = await invited('sidney@example.org', 'Sid Strong');
    const client = new TestClient(t.app);
    const url = `/invitation/${token}`;
    for (const [password, message] of [
      ['', 'Enter a password'],
      ['short one', 'Password must be 12 characters or more'],
      ['password1234', 'This password is too common'],
      ['i am sidney at work', 'Password must not contain your email address'],
      ['sid strong is my name', 'Password must not contain your name'],
    ]) {
      const res = await client.post(url, { password });
      expect(res.statusCode, password).toBe(422);
      expect(res.body).toContain('govuk-error-summary');
      expect(res.body).toContain(`href="#password">${message}`);
      expect(res.body).not.toContain(`value="${password}"`);
    }
    expect((await userRow(user.id)).password_hash).toBeNull();
    expect((await client.get(url)).statusCode).toBe(200);
  });

  it('refuses a password posted without the CSRF token', async () => {
    const { user, token } = await invited('tam@example.org');
    const res = await new TestClient(t.app).post(`/invitation/${token}`, { password: GOOD_PASSWORD }, { csrf: null });
    expect(res.statusCode).toBe(403);
    expect((await userRow(user.id)).password_hash).toBeNull();
  });

  it('sets the password, spends the link, audits it and sends the person to sign in', async () => {
    const { user, token } = await invited('uma@example.org', 'Uma Accepted');
    const client = new TestClient(t.app);
    const res = await client.post(`/invitation/${token}`, { password: GOOD_PASSWORD });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/sign-in?invited=1');
    const row = await userRow(user.id);
    expect(await verifyPassword(GOOD_PASSWORD, row.password_hash)).toBe(true);
    expect(row.password_changed_at).not.toBeNull();
    const tokenRow = await db().selectFrom('email_tokens').selectAll().where('token_hash', '=', sha256(token)).executeTakeFirstOrThrow();
    expect(tokenRow.used_at).not.toBeNull();
    const audit = await db().selectFrom('audit_events').selectAll().where('action', '=', 'invitation-accepted').where('record_id', '=', user.id).executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ actor_id: user.id, actor_email: 'uma@example.org', outcome: 'allowed', record_type: 'user' });

    const again = await client.get(`/invitation/${token}`);
    expect(again.statusCode).toBe(410);
    expect(again.body).toContain('This link has expired or has already been used');
    expect(again.body).toContain('Ask your partnership administrator to send you a new invitation.');
    const replay = await client.post(`/invitation/${token}`, { password: 'another fine password 99' }, { from: '/password-reset' });
    expect(replay.statusCode).toBe(410);
    expect(await verifyPassword(GOOD_PASSWORD, (await userRow(user.id)).password_hash)).toBe(true);
  });

  it('shows a clear page, never an error, for expired, unknown, malformed and other-purpose links', async () => {
    const client = new TestClient(t.app);
    const expired = await createUser(db(), { email: 'vic@example.org', name: 'Vic', grants: [{ role: 'reviewer', partnershipId: partnership.id }] });
    const old = await issueEmailToken(db(), expired.id, 'invitation', new Date(Date.now() - 8 * 86_400_000));
    const res = await client.get(`/invitation/${old}`);
    expect(res.statusCode).toBe(410);
    expect(res.body).toContain('This link has expired or has already been used');
    expect((await client.post(`/invitation/${old}`, { password: GOOD_PASSWORD }, { from: '/password-reset' })).statusCode).toBe(410);
    expect((await userRow(expired.id)).password_hash).toBeNull();

    for (const token of [randomToken(), 'abc', 'x'.repeat(90), '%27%3B--']) {
      const unknown = await client.get(`/invitation/${token}`);
      expect(unknown.statusCode, token).toBe(404);
      expect(unknown.body).toContain('Ask your partnership administrator to send you a new invitation.');
    }
    const reset = await issueEmailToken(db(), expired.id, 'password-reset');
    expect((await client.get(`/invitation/${reset}`)).statusCode).toBe(404);
  });

  it('treats the invitation of a disabled account, or of someone who has set a password since, as no longer good', async () => {
    const client = new TestClient(t.app);
    const { user: disabled, token: disabledToken } = await invited('wyn@example.org');
    await db().updateTable('users').set({ disabled_at: new Date() }).where('id', '=', disabled.id).execute();
    expect((await client.get(`/invitation/${disabledToken}`)).statusCode).toBe(410);
    expect((await client.post(`/invitation/${disabledToken}`, { password: GOOD_PASSWORD }, { from: '/password-reset' })).statusCode).toBe(410);
    expect((await userRow(disabled.id)).password_hash).toBeNull();

    const { user: active, token } = await invited('xan@example.org');
    await db().updateTable('users').set({ password_hash: 'scrypt$1$1$1$AA==$AA==' }).where('id', '=', active.id).execute();
    expect((await client.get(`/invitation/${token}`)).statusCode).toBe(410);
  });
});
