import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { TEST_PASSWORD, TestClient } from '../../../test/support/client.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { errorSummary, textOf } from '../../../test/support/pages.ts';
import { SESSION_COOKIE } from '../../platform/http/authentication.ts';
import { issueEmailToken } from '../admin/email-tokens.ts';
import { addPartnership } from '../partnerships/service.ts';
import { createUser } from '../users/service.ts';
import { issueRecoveryCodes } from './service.ts';
import { newTotpSecret } from './two-factor.ts';

/**
 * Wrong passwords and wrong codes, as someone guessing would send them: the rule is five wrong
 * answers of either factor lock the account for 15 minutes, each factor counted on its own,
 * however the attempts are spread over sign-ins or sent at once.
 */
const LOCKED_CODE = 'Your account is locked for 15 minutes';
const WRONG_CODE = 'The code is not right or has expired';

/** A six-digit code that is none of the codes accepted now (the current step and one either side). */
function wrongCode(secret: string): string {
  const now = Math.floor(Date.now() / 1000);
  const valid = new Set([-60, -30, 0, 30, 60].map((d) => generateSync({ secret, epoch: now + d })));
  for (let n = 123456; ; n += 1) {
    const code = String(n % 1_000_000).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
}

describe.each(ENGINES)('wrong passwords and codes on %s', (engine) => {
  let t: TestApp;
  let partnershipId: string;
  const db = () => t.app.deps.database.db;

  beforeAll(async () => {
    t = await startTestApp(engine);
    partnershipId = (await addPartnership(db(), { slug: 'attempts', name: 'Attempts SCP' })).id;
  });
  afterAll(async () => t.close());

  /** A person with a password and an authenticator app already set up. */
  async function person(email: string) {
    const user = await createUser(db(), { email, name: 'Morgan Example', password: TEST_PASSWORD, grants: [{ role: 'partner-lead', partnershipId }] });
    const secret = newTotpSecret();
    await db().updateTable('users').set({ totp_secret_enc: t.app.deps.cipher.encrypt(secret), totp_enabled: true }).where('id', '=', user.id).execute();
    return { ...user, secret };
  }

  async function passwordStep(email: string, password = TEST_PASSWORD) {
    const client = new TestClient(t.app);
    const res = await client.post('/sign-in', { email, password }, { from: '/sign-in' });
    return { client, res };
  }

  /** The sign-in entries of a person: which step, and whether the answer was checked ('invalid') or refused unchecked ('locked'). */
  async function attempts(userId: string, step: string) {
    const rows = await db().selectFrom('audit_events').select(['outcome', 'changes']).where('action', '=', 'sign-in').where('record_id', '=', userId).orderBy('seq').execute();
    return rows
      .map((r) => ({ outcome: r.outcome, ...((typeof r.changes === 'string' ? JSON.parse(r.changes) : r.changes) as { step: string; reason?: string }) }))
      .filter((r) => r.step === step);
  }

  const account = (id: string) => db().selectFrom('users').select(['failed_sign_ins', 'locked_until', 'failed_codes', 'codes_locked_until']).where('id', '=', id).executeTakeFirstOrThrow();

  it('counts wrong security codes on their own: a correct password in between does not clear them', async () => {
    const p = await person('rounds@example.org');
    // Round one: the right password, then four wrong codes.
    const one = await passwordStep(p.email);
    expect(one.res.headers.location).toBe('/sign-in/two-factor?next=%2F');
    for (let i = 0; i < 4; i += 1) {
      const res = await one.client.post('/sign-in/two-factor', { code: wrongCode(p.secret) }, { from: '/sign-in/two-factor' });
      expect(res.statusCode).toBe(401);
      expect(res.body).toContain(WRONG_CODE);
    }
    // Round two: the right password again is accepted (the password's own count is clear)…
    const two = await passwordStep(p.email);
    expect(two.res.statusCode).toBe(303);
    // …but the fifth wrong code of the account locks it.
    const fifth = await two.client.post('/sign-in/two-factor', { code: wrongCode(p.secret) }, { from: '/sign-in/two-factor' });
    expect(fifth.statusCode).toBe(401);
    expect(fifth.body).toContain(LOCKED_CODE);
    const right = await two.client.post('/sign-in/two-factor', { code: generateSync({ secret: p.secret }) }, { from: '/sign-in/two-factor' });
    expect(right.statusCode).toBe(401);
    expect(right.body).toContain(LOCKED_CODE);
    expect((await two.client.get('/account')).headers.location).toBe('/sign-in/two-factor');
    // Round three: while locked, even the right password is refused, and not checked.
    const three = await passwordStep(p.email);
    expect(three.res.statusCode).toBe(401);
    expect(three.client.cookies.has(SESSION_COOKIE)).toBe(false);
    expect((await attempts(p.id, 'password')).map((a) => a.reason ?? 'ok')).toEqual(['ok', 'ok', 'locked']);
    expect((await attempts(p.id, 'two-factor')).map((a) => a.reason)).toEqual(['invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'locked']);
    const row = await account(p.id);
    expect(row.failed_sign_ins).toBe(0);
    expect(new Date(row.codes_locked_until as Date).getTime()).toBeGreaterThan(Date.now() + 14 * 60_000);
  });

  it('counts recovery codes with security codes, towards the same lock', async () => {
    const p = await person('recovery@example.org');
    const [good] = await issueRecoveryCodes(db(), p.id);
    const { client } = await passwordStep(p.email);
    for (let i = 0; i < 3; i += 1) await client.post('/sign-in/two-factor', { code: wrongCode(p.secret) }, { from: '/sign-in/two-factor' });
    const fourth = await client.post('/sign-in/recovery-code', { code: 'aaaaa-bbbbb' }, { from: '/sign-in/recovery-code' });
    expect(fourth.body).toContain('That recovery code is not right');
    const fifth = await client.post('/sign-in/recovery-code', { code: 'ccccc-ddddd' }, { from: '/sign-in/recovery-code' });
    expect(fifth.body).toContain(LOCKED_CODE);
    const refused = await client.post('/sign-in/recovery-code', { code: good }, { from: '/sign-in/recovery-code' });
    expect(refused.statusCode).toBe(401);
    expect(refused.body).toContain(LOCKED_CODE);
    // Refused unchecked, so the good code is not spent.
    const unused = await db().selectFrom('recovery_codes').select('code_hash').where('user_id', '=', p.id).where('used_at', 'is', null).execute();
    expect(unused).toHaveLength(10);
  });

  it('clears the password’s lock with a password reset, but not the lock that wrong codes set', async () => {
    const p = await person('reset-after-codes@example.org');
    const { client } = await passwordStep(p.email);
    for (let i = 0; i < 5; i += 1) await client.post('/sign-in/two-factor', { code: wrongCode(p.secret) }, { from: '/sign-in/two-factor' });
    const lockedUntil = (await account(p.id)).codes_locked_until;
    expect(lockedUntil).not.toBeNull();

    const token = await issueEmailToken(db(), p.id, 'password-reset');
    const reset = await new TestClient(t.app).post(`/password-reset/${token}`, { password: 'a new password for morgan 7' });
    expect(reset.statusCode, reset.body).toBe(303);
    const after = await passwordStep(p.email, 'a new password for morgan 7');
    expect(after.res.statusCode).toBe(401);
    expect((await account(p.id)).codes_locked_until).toEqual(lockedUntil);
  });

  it('checks at most five of thirty wrong passwords sent at once, then refuses the right one', async () => {
    const p = await person('burst@example.org');
    const client = new TestClient(t.app);
    const csrf = await client.csrfFrom('/sign-in');
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => client.post('/sign-in', { email: p.email, password: `wrong guess number ${i}` }, { csrf })),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(Array(30).fill(401));
    const checked = (await attempts(p.id, 'password')).filter((a) => a.reason === 'invalid');
    expect(checked).toHaveLength(5);
    const right = await client.post('/sign-in', { email: p.email, password: TEST_PASSWORD }, { csrf });
    expect(right.statusCode).toBe(401);
    expect(new Date((await account(p.id)).locked_until as Date).getTime()).toBeGreaterThan(Date.now());
  }, 60_000);

  it('in five bursts of ten wrong passwords, checks only five in all', async () => {
    const p = await person('bursts@example.org');
    const client = new TestClient(t.app);
    const csrf = await client.csrfFrom('/sign-in');
    for (let burst = 0; burst < 5; burst += 1) {
      await Promise.all(Array.from({ length: 10 }, (_, i) => client.post('/sign-in', { email: p.email, password: `burst ${burst} guess ${i}` }, { csrf })));
    }
    const all = await attempts(p.id, 'password');
    expect(all).toHaveLength(50);
    expect(all.filter((a) => a.reason === 'invalid')).toHaveLength(5);
    expect((await client.post('/sign-in', { email: p.email, password: TEST_PASSWORD }, { csrf })).statusCode).toBe(401);
  }, 60_000);

  it('checks at most five of thirty wrong security codes sent at once', async () => {
    const p = await person('code-burst@example.org');
    const { client } = await passwordStep(p.email);
    const csrf = await client.csrfFrom('/sign-in/two-factor');
    const code = wrongCode(p.secret);
    const answers = await Promise.all(Array.from({ length: 30 }, () => client.post('/sign-in/two-factor', { code }, { csrf })));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(30).fill(401));
    expect((await attempts(p.id, 'two-factor')).filter((a) => a.reason === 'invalid')).toHaveLength(5);
    const right = await client.post('/sign-in/two-factor', { code: generateSync({ secret: p.secret }) }, { csrf });
    expect(right.statusCode).toBe(401);
  }, 60_000);

  it('answers an unknown address, a wrong password and a locked account alike', async () => {
    const known = await person('alike@example.org');
    const locked = await person('alike-locked@example.org');
    for (let i = 0; i < 5; i += 1) await passwordStep(locked.email, `wrong password ${i}`);

    const client = new TestClient(t.app);
    const answer = async (email: string, password: string) => {
      const res = await client.post('/sign-in', { email, password }, { from: '/sign-in' });
      // The address typed is shown again in its box; apart from it (and the form's token), the pages must match.
      const main = /<main[\s\S]*<\/main>/.exec(res.body)?.[0] ?? '';
      return { status: res.statusCode, cookies: res.cookies.map((c) => c.name).filter((n) => n !== 'cspr_csrf'), summary: errorSummary(res.body), page: textOf(main.replace(/name="_csrf" value="[^"]*"/, '').replaceAll(email, 'EMAIL')) };
    };
    const unknown = await answer('no.such.person@example.org', 'wrong password 99');
    const wrong = await answer(known.email, 'wrong password 99');
    const lockedOut = await answer(locked.email, TEST_PASSWORD);
    expect(unknown.status).toBe(401);
    expect(unknown.summary).toContain('Enter a correct email address and password');
    expect(wrong).toEqual(unknown);
    expect(lockedOut).toEqual(unknown);
  });
});
