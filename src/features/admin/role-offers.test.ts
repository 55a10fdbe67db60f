import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, TEST_PASSWORD, TestClient } from '../../../test/support/client.ts';
import { ENGINES, freshDir } from '../../../test/support/database.ts';
import { waitForMail } from '../../../test/support/mail.ts';
import { createSession } from '../../platform/auth/sessions.ts';
import { SESSION_COOKIE } from '../../platform/http/authentication.ts';
import { addAgency, addPartnership } from '../partnerships/service.ts';
import { createUser, findUserByEmail } from '../users/service.ts';

const INVITE = '/admin/users/invite';

/**
 * An administrator may give roles directly only to an account they wholly manage (no password
 * yet, no roles elsewhere). Anyone else is offered the role and decides, signed in as themselves.
 */
describe.each(ENGINES)('roles offered to people who already have an account, on %s', (engine) => {
  let t: TestApp;
  let dataDir: string;
  let northmoor: { id: string };
  let southdale: { id: string };
  let northSchool: { id: string };
  let north: { client: TestClient; userId: string };
  let south: { client: TestClient; userId: string };
  const db = () => t.app.deps.database.db;
  const roles = async (userId: string) => (await db().selectFrom('role_assignments').select(['role', 'partnership_id']).where('user_id', '=', userId).orderBy('role').execute()).map((r) => `${r.role}@${r.partnership_id}`);

  beforeAll(async () => {
    dataDir = freshDir('role-offers');
    t = await startTestApp(engine, { DATA_DIR: dataDir });
    northmoor = await addPartnership(db(), { slug: 'northmoor', name: 'Northmoor Safeguarding Children Partnership' });
    southdale = await addPartnership(db(), { slug: 'southdale', name: 'Southdale Safeguarding Children Partnership' });
    northSchool = await addAgency(db(), { partnershipId: northmoor.id, name: 'Northmoor Academy', kind: 'relevant-agency' });
    north = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: northmoor.id }], { name: 'Nia North', email: 'nia@example.org' });
    south = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: southdale.id }], { name: 'Sol South', email: 'sol@example.org' });
  });
  afterAll(async () => t.close());

  function sessionOf(userId: string, limitedTo: string | null = null) {
    return createSession(db(), userId, { twoFactor: true, limitedTo }).then((token) => {
      const client = new TestClient(t.app);
      client.cookies.set(SESSION_COOKIE, token);
      return client;
    });
  }

  it('offers a role to someone with a password, emails them, and gives it only when they accept', async () => {
    const person = await createUser(db(), { email: 'kit@example.org', name: 'Kit Active', password: TEST_PASSWORD, grants: [{ role: 'reviewer', partnershipId: southdale.id }] });
    const res = await north.client.post(INVITE, { email: 'kit@example.org', name: 'Kit', role: 'agency-contributor', partnership: northmoor.id, agency: northSchool.id });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/users?offered=1');
    expect(await roles(person.id)).toEqual([`reviewer@${southdale.id}`]);
    const mail = await waitForMail(dataDir, 'kit@example.org');
    expect(mail.subject).toBe('You have been offered a role in CSPR Hub');
    expect(mail.text).toContain('Nia North has offered you the role "Agency contributor" for Northmoor Safeguarding Children Partnership');
    expect(mail.text).toMatch(/^http:\/\/localhost(:80)?\/account$/m);
    const list = await north.client.get('/admin/users');
    expect(list.body).toContain('Roles offered, waiting for an answer');
    expect(list.body).toContain('kit@example.org');
    // The other partnership's administrator does not see Northmoor's offer.
    expect((await south.client.get('/admin/users')).body).not.toContain('Roles offered, waiting for an answer');
    const [audit] = await db().selectFrom('audit_events').selectAll().where('action', '=', 'role-offered').where('record_id', '=', person.id).execute();
    expect(audit).toMatchObject({ actor_id: north.userId, partnership_id: northmoor.id });

    // Someone else cannot answer it.
    const offerId = (await db().selectFrom('role_offers').select('id').where('user_id', '=', person.id).executeTakeFirstOrThrow()).id;
    const stranger = await signedInAs(t.app, [{ role: 'reviewer', partnershipId: northmoor.id }]);
    expect((await stranger.client.post(`/account/role-offers/${offerId}/accept`, {}, { from: '/account' })).statusCode).toBe(404);

    // A session that Southdale's single sign-on started cannot accept a Northmoor role…
    const viaSouthSso = await sessionOf(person.id, southdale.id);
    const limitedPage = await viaSouthSso.get('/account');
    expect(limitedPage.body).toContain('To answer this offer, sign in with your email address, password and security code.');
    expect((await viaSouthSso.post(`/account/role-offers/${offerId}/accept`, {}, { from: '/account' })).statusCode).toBe(403);
    expect(await roles(person.id)).toEqual([`reviewer@${southdale.id}`]);

    // …the person, signed in with their own credentials, can.
    const own = await sessionOf(person.id);
    const page = await own.get('/account');
    expect(page.body).toContain('Roles offered to you');
    expect(page.body).toContain('Agency contributor, Northmoor Safeguarding Children Partnership');
    const accepted = await own.post(`/account/role-offers/${offerId}/accept`, {}, { from: '/account' });
    expect(accepted.headers.location).toBe('/account?accepted=1');
    expect(await roles(person.id)).toEqual([`agency-contributor@${northmoor.id}`, `reviewer@${southdale.id}`]);
    expect((await own.get('/account?accepted=1')).body).toContain('Role accepted.');
    expect((await own.post(`/account/role-offers/${offerId}/accept`, {}, { from: '/account' })).statusCode).toBe(404);
    const [answered] = await db().selectFrom('audit_events').selectAll().where('action', '=', 'role-offer-accepted').where('record_id', '=', person.id).execute();
    expect(answered).toMatchObject({ actor_id: person.id, partnership_id: northmoor.id, outcome: 'allowed' });
  });

  it('lets the person decline, and an offer that has run out cannot be accepted', async () => {
    const person = await createUser(db(), { email: 'lou@example.org', name: 'Lou', password: TEST_PASSWORD, grants: [{ role: 'reviewer', partnershipId: northmoor.id }] });
    await north.client.post(INVITE, { email: 'lou@example.org', name: 'Lou', role: 'partnership-admin', partnership: northmoor.id, agency: '' });
    await north.client.post(INVITE, { email: 'lou@example.org', name: 'Lou', role: 'agency-contributor', partnership: northmoor.id, agency: northSchool.id });
    const offers = await db().selectFrom('role_offers').select(['id', 'role']).where('user_id', '=', person.id).execute();
    expect(offers).toHaveLength(2);
    const admin = offers.find((o) => o.role === 'partnership-admin')!;
    const contributor = offers.find((o) => o.role === 'agency-contributor')!;
    const own = await sessionOf(person.id);
    expect((await own.post(`/account/role-offers/${admin.id}/decline`, {}, { from: '/account' })).headers.location).toBe('/account?declined=1');
    await db().updateTable('role_offers').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', contributor.id).execute();
    expect((await own.post(`/account/role-offers/${contributor.id}/accept`, {}, { from: '/account' })).statusCode).toBe(404);
    expect(await roles(person.id)).toEqual([`reviewer@${northmoor.id}`]);
    expect((await own.get('/account')).body).not.toContain('Roles offered to you');
  });

  it('still gives the role at once to an account the administrator wholly manages (invited, no password, no roles elsewhere)', async () => {
    await north.client.post(INVITE, { email: 'new@example.org', name: 'New Person', role: 'reviewer', partnership: northmoor.id, agency: '' });
    const again = await north.client.post(INVITE, { email: 'new@example.org', name: 'New Person', role: 'partnership-admin', partnership: northmoor.id, agency: '' });
    const user = (await findUserByEmail(db(), 'new@example.org'))!;
    expect(again.headers.location).toBe(`/admin/users/${user.id}?invited=1`);
    expect(user.grants.map((g) => g.role).sort()).toEqual(['partnership-admin', 'reviewer']);
  });

  it('lets no partnership administrator send a new invitation to someone who also holds roles elsewhere', async () => {
    const shared = await createUser(db(), {
      email: 'shared@example.org',
      name: 'Shared Person',
      grants: [
        { role: 'reviewer', partnershipId: northmoor.id },
        { role: 'reviewer', partnershipId: southdale.id },
      ],
    });
    const page = await north.client.get(`/admin/users/${shared.id}`);
    expect(page.body).not.toContain('Send a new invitation');
    const refused = await north.client.post(`/admin/users/${shared.id}/invitation`, {}, { from: `/admin/users/${shared.id}` });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('only a system administrator can send them a new invitation');
    const system = await signedInAs(t.app, [{ role: 'system-admin' }]);
    expect((await system.client.post(`/admin/users/${shared.id}/invitation`, {}, { from: `/admin/users/${shared.id}` })).statusCode).toBe(303);
  });
});
