import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, TEST_PASSWORD, type TestClient } from '../../../test/support/client.ts';
import { ENGINES, freshDir } from '../../../test/support/database.ts';
import { linkIn, waitForMail } from '../../../test/support/mail.ts';
import { sha256 } from '../../platform/auth/secrets.ts';
import { addAgency, addPartnership } from '../partnerships/service.ts';
import { createUser, findUserByEmail } from '../users/service.ts';
import { checkEmailToken } from './email-tokens.ts';

const INVITE = '/admin/users/invite';

describe.each(ENGINES)('administration of users on %s', (engine) => {
  let t: TestApp;
  let dataDir: string;
  let sys: { client: TestClient; userId: string };
  let north: { client: TestClient; userId: string };
  let contributor: { client: TestClient; userId: string };
  let northmoor: { id: string };
  let southdale: { id: string };
  let northPolice: { id: string };
  let northCouncil: { id: string };
  let southPolice: { id: string };
  let southPerson: { id: string };
  let both: { id: string };

  const db = () => t.app.deps.database.db;
  const audits = (action: string) => db().selectFrom('audit_events').selectAll().where('action', '=', action).orderBy('seq').execute();
  const userRow = (id: string) => db().selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const roleRows = (id: string) => db().selectFrom('role_assignments').selectAll().where('user_id', '=', id).execute();

  beforeAll(async () => {
    dataDir = freshDir('admin-users');
    t = await startTestApp(engine, { DATA_DIR: dataDir });
    northmoor = await addPartnership(db(), { slug: 'northmoor', name: 'Northmoor Safeguarding Children Partnership' });
    southdale = await addPartnership(db(), { slug: 'southdale', name: 'Southdale Safeguarding Children Partnership' });
    northPolice = await addAgency(db(), { partnershipId: northmoor.id, name: 'Northmoor Police', kind: 'police' });
    northCouncil = await addAgency(db(), { partnershipId: northmoor.id, name: 'Northmoor Council', kind: 'local-authority' });
    southPolice = await addAgency(db(), { partnershipId: southdale.id, name: 'Southdale Police', kind: 'police' });
    sys = await signedInAs(t.app, [{ role: 'system-admin' }], { name: 'Sam System', email: 'sam@example.org' });
    north = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: northmoor.id }], { name: 'Nia North', email: 'nia@example.org' });
    contributor = await signedInAs(t.app, [{ role: 'agency-contributor', partnershipId: northmoor.id, agencyId: northPolice.id }], {
      name: 'Cai Contributor',
      email: 'cai@example.org',
    });
    southPerson = await createUser(db(), { email: 'sol@example.org', name: 'Sol South', grants: [{ role: 'reviewer', partnershipId: southdale.id }] });
    both = await createUser(db(), {
      email: 'bea@example.org',
      name: 'Bea Both',
      password: TEST_PASSWORD,
      grants: [
        { role: 'partner-lead', partnershipId: northmoor.id, agencyId: northCouncil.id },
        { role: 'reviewer', partnershipId: southdale.id },
      ],
    });
  });
  afterAll(async () => t.close());

  describe('the list of users', () => {
    it('shows a partnership administrator only the people of their partnership, with only those roles', async () => {
      const res = await north.client.get('/admin/users');
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain(`href="/admin/users/${contributor.userId}">Cai Contributor</a>`);
      expect(res.body).toContain('Agency contributor, Northmoor Safeguarding Children Partnership, Northmoor Police');
      expect(res.body).toContain('Bea Both');
      expect(res.body).not.toContain('Sol South');
      expect(res.body).not.toContain('Sam System');
      expect(res.body).not.toContain('Southdale');
      expect(res.body).toContain(`href="${INVITE}"`);
    });

    it('shows a system administrator everyone, with their status', async () => {
      const res = await sys.client.get('/admin/users');
      expect(res.statusCode).toBe(200);
      for (const name of ['Sol South', 'Sam System', 'Bea Both', 'Cai Contributor']) expect(res.body).toContain(name);
      expect(res.body).toContain('<li>Independent reviewer, Southdale Safeguarding Children Partnership</li>');
      const row = (name: string) => res.body.split('<tr').find((r) => r.includes(`>${name}</a>`)) ?? '';
      expect(row('Sol South')).toContain('Invited');
      expect(row('Cai Contributor')).toContain('Active');
    });

    it('refuses people who do not manage users', async () => {
      expect((await contributor.client.get('/admin/users')).statusCode).toBe(403);
      expect((await contributor.client.get(INVITE)).statusCode).toBe(403);
      expect((await contributor.client.get(`/admin/users/${both.id}`)).statusCode).toBe(403);
    });
  });

  describe('inviting a person', () => {
    it('offers a partnership administrator their partnership and the roles they may give', async () => {
      const res = await north.client.get(INVITE);
      expect(res.statusCode).toBe(200);
      for (const role of ['partnership-admin', 'partner-lead', 'agency-contributor', 'reviewer']) expect(res.body).toContain(`value="${role}"`);
      expect(res.body).not.toContain('value="system-admin"');
      expect(res.body).not.toContain('value="panel-viewer"');
      expect(res.body).toContain(`<option value="${northmoor.id}" selected>Northmoor Safeguarding Children Partnership</option>`);
      expect(res.body).not.toContain(southdale.id);
      expect(res.body).toContain(`<option value="${northPolice.id}">Northmoor Police</option>`);
      expect(res.body).not.toContain('Southdale Police');
    });

    it('offers a system administrator every role and partnership', async () => {
      const res = await sys.client.get(`${INVITE}?partnership=${southdale.id}`);
      expect(res.body).toContain('value="system-admin"');
      expect(res.body).toContain('value="panel-viewer"');
      expect(res.body).toContain('Not tied to a partnership (national roles)');
      expect(res.body).toContain(`<option value="${southdale.id}" selected>Southdale Safeguarding Children Partnership</option>`);
      expect(res.body).toContain('Southdale Safeguarding Children Partnership: Southdale Police');
    });

    it('refuses hostile names and over-long input with specific messages, storing nothing', async () => {
      const cases: [Record<string, string>, string][] = [
        [{ name: 'Eve\u202Egnp.exe' }, 'Full name must not contain characters that change the direction of text'],
        // Refused for every form before the form reads it, named by the field (see platform/http/plain-text-guard.ts).
        [{ name: 'Eve\u0007Bell' }, 'Name must not contain control characters'],
        [{ name: 'x'.repeat(10_000) }, 'Full name must be 200 characters or fewer'],
        [{ email: `${'a'.repeat(300)}@example.org` }, 'Enter an email address in the correct format'],
      ];
      for (const [override, message] of cases) {
        const res = await north.client.post(INVITE, {
          email: 'hostile@example.org',
          name: 'Hostile Person',
          role: 'partner-lead',
          partnership: northmoor.id,
          ...override,
        });
        expect(res.statusCode).toBe(422);
        expect(res.body).toContain(message);
      }
      const scripted = await north.client.post(INVITE, { email: 'x@example.org', name: "<script>alert('x')</script>", role: 'nonsense', partnership: northmoor.id });
      expect(scripted.statusCode).toBe(422);
      expect(scripted.body).not.toContain("<script>alert('x')</script>");
      expect(await findUserByEmail(db(), 'hostile@example.org')).toBeFalsy();
      expect(await findUserByEmail(db(), 'x@example.org')).toBeFalsy();
    });

    it('makes the account without a password, stores only a hash of a 7-day link, emails the link, and audits it', async () => {
      const before = Date.now();
      const res = await north.client.post(INVITE, {
        email: ' Dee.Police@Example.org ',
        name: 'Dee Police',
        role: 'agency-contributor',
        partnership: northmoor.id,
        agency: northPolice.id,
      });
      expect(res.statusCode).toBe(303);
      const user = await findUserByEmail(db(), 'dee.police@example.org');
      expect(user).toMatchObject({ name: 'Dee Police', hasPassword: false, disabled: false });
      expect(res.headers.location).toBe(`/admin/users/${user!.id}?invited=1`);
      expect(user!.grants).toEqual([expect.objectContaining({ role: 'agency-contributor', partnershipId: northmoor.id, agencyId: northPolice.id })]);

      const mail = await waitForMail(dataDir, 'dee.police@example.org');
      expect(mail.subject).toBe('You have been invited to CSPR Hub');
      expect(mail.from).toBe('CSPR Hub <no-reply@cspr-hub.invalid>');
      expect(mail.text).toContain('Hello Dee Police,');
      expect(mail.text).toContain('Nia North has invited you');
      expect(mail.text).toContain('"Agency contributor" for Northmoor Safeguarding Children Partnership');
      expect(mail.text).toContain('expires in 7 days');
      const link = linkIn(mail, '/invitation/');
      expect(link).toMatch(/^http:\/\/localhost(:80)?\/invitation\/[A-Za-z0-9_-]{43}$/);
      const token = link.split('/').pop() as string;

      const tokens = await db().selectFrom('email_tokens').selectAll().where('user_id', '=', user!.id).execute();
      expect(tokens).toHaveLength(1);
      expect(tokens[0]).toMatchObject({ purpose: 'invitation', used_at: null, token_hash: sha256(token) });
      expect(tokens[0].token_hash).not.toContain(token);
      const lifetime = new Date(tokens[0].expires_at).getTime() - before;
      expect(lifetime).toBeGreaterThan(7 * 86_400_000 - 60_000);
      expect(lifetime).toBeLessThan(7 * 86_400_000 + 60_000);

      const [audit] = (await audits('invitation-sent')).filter((a) => a.record_id === user!.id);
      expect(audit).toMatchObject({ actor_id: north.userId, actor_role: 'partnership-admin', partnership_id: northmoor.id, outcome: 'allowed' });

      const page = await north.client.get(res.headers.location as string);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Invitation sent.');
      expect(page.body).toContain('Invited: has not chosen a password yet');
      expect(page.body).toContain('Send a new invitation');
    });

    it('re-shows the form with a specific message for each mistake (422)', async () => {
      const empty = await north.client.post(INVITE, { email: '', name: '', partnership: northmoor.id, agency: '' });
      expect(empty.statusCode).toBe(422);
      expect(empty.body).toContain('<title>Error: Invite a user – CSPR Hub</title>');
      expect(empty.body).toContain('href="#email">Enter their email address</a>');
      expect(empty.body).toContain('href="#name">Enter their full name</a>');
      expect(empty.body).toContain('href="#role">Choose a role</a>');

      const badEmail = await north.client.post(INVITE, { email: 'not-an-email', name: 'Fay Format', role: 'reviewer', partnership: northmoor.id, agency: '' });
      expect(badEmail.statusCode).toBe(422);
      expect(badEmail.body).toContain('Enter an email address in the correct format, like name@example.org');
      expect(badEmail.body).toContain('value="not-an-email"');
      expect(badEmail.body).toContain('value="Fay Format"');
      expect(badEmail.body).toMatch(/value="reviewer" checked/);

      const noAgency = await north.client.post(INVITE, { email: 'gus@example.org', name: 'Gus', role: 'agency-contributor', partnership: northmoor.id, agency: '' });
      expect(noAgency.statusCode).toBe(422);
      expect(noAgency.body).toContain('href="#agency">Choose the agency they will contribute for</a>');

      const noPartnership = await north.client.post(INVITE, { email: 'gus@example.org', name: 'Gus', role: 'reviewer', partnership: '', agency: '' });
      expect(noPartnership.statusCode).toBe(422);
      expect(noPartnership.body).toContain('href="#partnership">Choose the partnership they will work in</a>');

      const agencyNotNeeded = await north.client.post(INVITE, { email: 'gus@example.org', name: 'Gus', role: 'reviewer', partnership: northmoor.id, agency: northPolice.id });
      expect(agencyNotNeeded.statusCode).toBe(422);
      expect(agencyNotNeeded.body).toContain('Only agency contributors and statutory partner leads have an agency');

      const wrongAgency = await sys.client.post(INVITE, { email: 'gus@example.org', name: 'Gus', role: 'partner-lead', partnership: northmoor.id, agency: southPolice.id });
      expect(wrongAgency.statusCode).toBe(422);
      expect(wrongAgency.body).toContain('href="#agency">Choose an agency of the partnership you chose</a>');
      expect(wrongAgency.body).toContain(`<option value="${southPolice.id}" selected>`);

      const nationalInPartnership = await sys.client.post(INVITE, { email: 'gus@example.org', name: 'Gus', role: 'panel-viewer', partnership: northmoor.id, agency: '' });
      expect(nationalInPartnership.statusCode).toBe(422);
      expect(nationalInPartnership.body).toContain('National Panel viewer is not tied to a partnership');

      const held = await north.client.post(INVITE, { email: 'cai@example.org', name: 'Cai Again', role: 'agency-contributor', partnership: northmoor.id, agency: northPolice.id });
      expect(held.statusCode).toBe(422);
      expect(held.body).toContain('href="#role">They already hold this role</a>');

      expect(await findUserByEmail(db(), 'gus@example.org')).toBeUndefined();
    });

    it('refuses roles, partnerships and agencies a partnership administrator may not give (403), and forged forms', async () => {
      const refusedBefore = (await audits('access-refused')).length;
      const cases = [
        { email: 'hal@example.org', name: 'Hal', role: 'system-admin', partnership: '', agency: '' },
        { email: 'hal@example.org', name: 'Hal', role: 'panel-viewer', partnership: '', agency: '' },
        { email: 'hal@example.org', name: 'Hal', role: 'reviewer', partnership: southdale.id, agency: '' },
        { email: 'hal@example.org', name: 'Hal', role: 'agency-contributor', partnership: northmoor.id, agency: southPolice.id },
      ];
      for (const fields of cases) {
        const res = await north.client.post(INVITE, fields);
        expect(res.statusCode, JSON.stringify(fields)).toBe(403);
      }
      expect((await audits('access-refused')).length - refusedBefore).toBe(cases.length);

      const forged = await sys.client.post(INVITE, { email: 'hal@example.org', name: 'Hal', role: 'reviewer', partnership: northmoor.id, agency: '' }, { csrf: null });
      expect(forged.statusCode).toBe(403);
      const contributorTries = await contributor.client.post(INVITE, { email: 'hal@example.org', name: 'Hal', role: 'reviewer', partnership: northmoor.id }, { from: '/password-reset' });
      expect(contributorTries.statusCode).toBe(403);
      expect(await findUserByEmail(db(), 'hal@example.org')).toBeUndefined();
    });

    it('lets a system administrator give a national role', async () => {
      const res = await sys.client.post(INVITE, { email: 'pat@example.org', name: 'Pat Panel', role: 'panel-viewer', partnership: '', agency: '' });
      expect(res.statusCode).toBe(303);
      const user = await findUserByEmail(db(), 'pat@example.org');
      expect(user!.grants).toEqual([expect.objectContaining({ role: 'panel-viewer', partnershipId: null })]);
      const mail = await waitForMail(dataDir, 'pat@example.org');
      expect(mail.text).toContain('Sam System has invited you to CSPR Hub, the service for child safeguarding practice reviews, with the role "National Panel viewer".');
    });

    it('re-inviting someone without a password sends a fresh link, and the older one stops working', async () => {
      const fields = { email: 'ivy@example.org', name: 'Ivy Invited', role: 'reviewer', partnership: northmoor.id, agency: '' };
      expect((await north.client.post(INVITE, fields)).statusCode).toBe(303);
      const first = linkIn(await waitForMail(dataDir, 'ivy@example.org'), '/invitation/').split('/').pop() as string;
      expect((await checkEmailToken(db(), first, 'invitation')).status).toBe('valid');

      const again = await north.client.post(INVITE, { ...fields, role: 'partnership-admin', name: 'Another Name' });
      expect(again.statusCode).toBe(303);
      const second = linkIn(await waitForMail(dataDir, 'ivy@example.org', { after: 1 }), '/invitation/').split('/').pop() as string;
      expect(second).not.toBe(first);
      expect((await checkEmailToken(db(), first, 'invitation')).status).toBe('unknown');
      expect((await checkEmailToken(db(), second, 'invitation')).status).toBe('valid');
      expect((await north.client.get(`/invitation/${first}`)).statusCode).toBe(404);
      const ivy = await findUserByEmail(db(), 'ivy@example.org');
      expect(ivy!.name).toBe('Ivy Invited');
      expect(ivy!.grants.map((g) => g.role).sort()).toEqual(['partnership-admin', 'reviewer']);

      // The button on their page does the same.
      const resend = await north.client.post(`/admin/users/${ivy!.id}/invitation`, {}, { from: `/admin/users/${ivy!.id}` });
      expect(resend.statusCode).toBe(303);
      expect(resend.headers.location).toBe(`/admin/users/${ivy!.id}?reinvited=1`);
      const third = linkIn(await waitForMail(dataDir, 'ivy@example.org', { after: 2 }), '/invitation/').split('/').pop() as string;
      expect((await checkEmailToken(db(), second, 'invitation')).status).toBe('unknown');
      expect((await checkEmailToken(db(), third, 'invitation')).status).toBe('valid');
      expect((await audits('invitation-sent')).filter((a) => a.record_id === ivy!.id)).toHaveLength(3);

      // Someone with a password is told to sign in instead.
      const active = await north.client.post(`/admin/users/${contributor.userId}/invitation`, {}, { from: `/admin/users/${ivy!.id}` });
      expect(active.statusCode).toBe(422);
      expect(active.body).toContain('They have already set a password');
    });
  });

  describe('one person', () => {
    it('shows a person of the partnership, with only the roles the administrator manages', async () => {
      const res = await north.client.get(`/admin/users/${both.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('<h1 class="govuk-heading-l">Bea Both</h1>');
      expect(res.body).toContain('Statutory partner lead');
      expect(res.body).toContain('Northmoor Council');
      expect(res.body).not.toContain('Southdale');
      expect(res.body).toContain('They also hold 1 role in other partnerships');
      expect(res.body).not.toContain('Disable account');
    });

    it('answers another partnership’s person, an unknown id and a malformed id with 404, and records the refusal', async () => {
      const other = await north.client.get(`/admin/users/${southPerson.id}`);
      expect(other.statusCode).toBe(404);
      expect(other.body).toContain('Page not found');
      const refusal = (await audits('access-refused')).find((a) => a.record_id === southPerson.id);
      expect(refusal).toMatchObject({ actor_id: north.userId, outcome: 'refused', record_type: 'user' });
      expect((await north.client.get('/admin/users/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
      expect((await north.client.get('/admin/users/not-a-uuid')).statusCode).toBe(404);
      for (const action of ['disable', 'enable', 'invitation']) {
        const res = await north.client.post(`/admin/users/${southPerson.id}/${action}`, {}, { from: INVITE });
        expect(res.statusCode, action).toBe(404);
      }
      expect((await userRow(southPerson.id)).disabled_at).toBeNull();
      expect((await sys.client.get(`/admin/users/${southPerson.id}`)).statusCode).toBe(200);
    });

    it('disables an account (ending its sessions) and enables it again, audited', async () => {
      const victim = await signedInAs(t.app, [{ role: 'reviewer', partnershipId: northmoor.id }], { name: 'Dan Disabled', email: 'dan@example.org' });
      expect((await victim.client.get('/admin')).statusCode).toBe(200);
      const page = `/admin/users/${victim.userId}`;
      const res = await north.client.post(`${page}/disable`, {}, { from: page });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe(`${page}?disabled=1`);
      expect((await userRow(victim.userId)).disabled_at).not.toBeNull();
      expect(await db().selectFrom('sessions').select('id_hash').where('user_id', '=', victim.userId).execute()).toEqual([]);
      const signedOut = await victim.client.get('/admin');
      expect(signedOut.statusCode).toBe(303);
      expect(signedOut.headers.location).toContain('/sign-in');
      const shown = await north.client.get(`${page}?disabled=1`);
      expect(shown.body).toContain('Account disabled.');
      expect(shown.body).toContain('Disabled: cannot sign in');
      expect(shown.body).toContain('Enable account');

      const enabled = await north.client.post(`${page}/enable`, {}, { from: page });
      expect(enabled.statusCode).toBe(303);
      expect((await userRow(victim.userId)).disabled_at).toBeNull();
      const [disabledAudit] = (await audits('user-disabled')).filter((a) => a.record_id === victim.userId);
      expect(disabledAudit).toMatchObject({ actor_id: north.userId, partnership_id: northmoor.id });
      expect(disabledAudit.changes).toEqual({ before: { disabled: false }, after: { disabled: true }, sessionsEnded: 1 });
      expect((await audits('user-enabled')).filter((a) => a.record_id === victim.userId)).toHaveLength(1);
    });

    it('refuses disabling oneself, or someone who also works in another partnership, but a system administrator may', async () => {
      const self = await north.client.post(`/admin/users/${north.userId}/disable`, {}, { from: INVITE });
      expect(self.statusCode).toBe(403);
      expect((await userRow(north.userId)).disabled_at).toBeNull();
      const elsewhere = await north.client.post(`/admin/users/${both.id}/disable`, {}, { from: INVITE });
      expect(elsewhere.statusCode).toBe(403);
      expect(elsewhere.body).toContain('also holds roles in other partnerships');
      expect((await userRow(both.id)).disabled_at).toBeNull();
      const bySys = await sys.client.post(`/admin/users/${both.id}/disable`, {}, { from: INVITE });
      expect(bySys.statusCode).toBe(303);
      expect((await userRow(both.id)).disabled_at).not.toBeNull();
      expect((await sys.client.post(`/admin/users/${both.id}/enable`, {}, { from: INVITE })).statusCode).toBe(303);
    });

    it('removes a role of the partnership; another partnership’s role is not found; one’s own is refused', async () => {
      const grants = await roleRows(both.id);
      const northGrant = grants.find((g) => g.partnership_id === northmoor.id)!;
      const southGrant = grants.find((g) => g.partnership_id === southdale.id)!;

      const other = await north.client.post(`/admin/users/${both.id}/roles/${southGrant.id}/remove`, {}, { from: INVITE });
      expect(other.statusCode).toBe(404);
      const ownGrant = (await roleRows(north.userId))[0];
      const own = await north.client.post(`/admin/users/${north.userId}/roles/${ownGrant.id}/remove`, {}, { from: INVITE });
      expect(own.statusCode).toBe(403);
      expect(await roleRows(north.userId)).toHaveLength(1);

      const res = await north.client.post(`/admin/users/${both.id}/roles/${northGrant.id}/remove`, {}, { from: `/admin/users/${both.id}` });
      expect(res.statusCode).toBe(303);
      // Bea no longer works in Northmoor, so she is out of this administrator's sight.
      expect(res.headers.location).toBe('/admin/users?removed=1');
      expect((await roleRows(both.id)).map((g) => g.id)).toEqual([southGrant.id]);
      expect((await north.client.get('/admin/users?removed=1')).body).toContain('Role removed.');
      expect((await north.client.get(`/admin/users/${both.id}`)).statusCode).toBe(404);
      const [audit] = (await audits('role-removed')).filter((a) => a.record_id === both.id);
      expect(audit).toMatchObject({ actor_id: north.userId, partnership_id: northmoor.id });
      expect(audit.changes).toEqual({ before: { role: 'partner-lead', partnershipId: northmoor.id, agencyId: northCouncil.id }, after: null });
    });

    it('refuses changes to a person without a CSRF token', async () => {
      const res = await north.client.post(`/admin/users/${contributor.userId}/disable`, {}, { csrf: null });
      expect(res.statusCode).toBe(403);
      expect((await userRow(contributor.userId)).disabled_at).toBeNull();
    });
  });
});

describe('inviting when the email cannot be sent', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('embedded', { DATA_DIR: freshDir('admin-users-smtp-down'), SMTP_URL: 'smtp://127.0.0.1:1' });
  });
  afterAll(async () => t.close());

  it('says so (503), keeps the account so inviting again works, and records the failure', async () => {
    const db = t.app.deps.database.db;
    const p = await addPartnership(db, { slug: 'westvale', name: 'Westvale SCP' });
    const a = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: p.id }]);
    const res = await a.client.post(INVITE, { email: 'kit@example.org', name: 'Kit', role: 'reviewer', partnership: p.id, agency: '' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('The invitation email could not be sent');
    expect(res.body).toContain('value="kit@example.org"');
    const user = await findUserByEmail(db, 'kit@example.org');
    expect(user?.hasPassword).toBe(false);
    const audit = await db.selectFrom('audit_events').selectAll().where('action', '=', 'invitation-sent').executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ outcome: 'failed', record_id: user!.id });
  });
});
