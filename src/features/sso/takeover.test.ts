import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, TestClient } from '../../../test/support/client.ts';
import { ENGINES, freshDir } from '../../../test/support/database.ts';
import { waitForMail } from '../../../test/support/mail.ts';
import { startTestProvider, type TestProvider } from '../../../test/support/oidc-test-provider.ts';
import { addDays, todayInLondon } from '../../domain/calendar/date-only.ts';
import { createSession } from '../../platform/auth/sessions.ts';
import { SESSION_COOKIE } from '../../platform/http/authentication.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { recordIncident } from '../cases/service.ts';
import { addAgency, addPartnership, type AgencyView, type PartnershipView } from '../partnerships/service.ts';
import { createUser, findUserByEmail } from '../users/service.ts';

const PUBLIC_URL = 'http://127.0.0.1:8124';
const REDIRECT_URI = `${PUBLIC_URL}/sign-in/sso/callback`;
const CHILD_NAME = 'Tobias Invented-Child';
const NHS_NUMBER = '999 000 0093';

/**
 * The hostile partnership administrator: they run Northmoor and point Northmoor's single sign-on
 * at a provider they control (the local test provider), then try to sign in as people who also
 * work for Eastfield, and to take over accounts Eastfield made. Each way in must stay shut.
 */
describe.each(ENGINES)('single sign-on cannot be used to take over accounts, on %s', (engine) => {
  let t: TestApp;
  let idp: TestProvider;
  let dataDir: string;
  let northmoor: PartnershipView;
  let eastfield: PartnershipView;
  let northPolice: AgencyView;
  let eastPolice: AgencyView;
  let attacker: { client: TestClient; userId: string };
  let eastAdmin: { client: TestClient; userId: string };
  let system: { client: TestClient; userId: string };
  let eastCase: string;
  const settings = '/admin/partnerships/northmoor/single-sign-on';
  const db = () => t.app.deps.database.db;
  const today = todayInLondon(new Date());

  beforeAll(async () => {
    idp = await startTestProvider([REDIRECT_URI]);
    dataDir = freshDir('sso-takeover');
    t = await startTestApp(engine, { PUBLIC_URL, DATA_DIR: dataDir });
    northmoor = await addPartnership(db(), { slug: 'northmoor', name: 'Northmoor Safeguarding Children Partnership' });
    eastfield = await addPartnership(db(), { slug: 'eastfield', name: 'Eastfield Safeguarding Children Partnership' });
    northPolice = await addAgency(db(), { partnershipId: northmoor.id, name: 'Northmoor Police', kind: 'police' });
    eastPolice = await addAgency(db(), { partnershipId: eastfield.id, name: 'Eastfield Police', kind: 'police' });
    attacker = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: northmoor.id }], { name: 'Nia North', email: 'nia@northmoor.example' });
    eastAdmin = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: eastfield.id }], { name: 'Eve East', email: 'eve@eastfield.example' });
    system = await signedInAs(t.app, [{ role: 'system-admin' }], { name: 'Sam System', email: 'sam@cspr.example' });

    // Eastfield's case, with a child's identifying details, and its review.
    const recorded = await recordIncident(db(), t.app.deps.cipher, { userId: eastAdmin.userId, name: 'Eve East' }, {
      partnershipId: eastfield.id,
      facts: { outcome: 'serious-harm', abuseOrNeglect: 'suspected', location: 'in-area', incidentOn: addDays(today, -60), aware: addDays(today, -60), whatIsKnown: '', agencyIds: [], otherAgencies: '' },
      children: [{ pseudonym: 'Child T', name: CHILD_NAME, dateOfBirth: null, nhsNumber: NHS_NUMBER, address: '', familyNames: '', gender: null, ageAtIncident: null, ageBand: null, lookedAfter: false, careLeaver: false }],
      referralId: null,
    }, today);
    if (!recorded.ok) throw new Error('the case was not recorded');
    eastCase = recorded.id;
  });
  afterAll(async () => {
    await t.close();
    await idp.close();
  });

  /** The hostile administrator points Northmoor's single sign-on at their own provider, claiming a domain. */
  async function claim(emailDomain: string, issuer = idp.issuer) {
    return attacker.client.post(settings, { issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, emailDomain, enabled: 'yes' });
  }

  /** A system administrator approves the claim as the settings page shows it. */
  async function approve() {
    const page = await system.client.get(settings);
    const issuer = /name="issuer" value="([^"]+)"/.exec(page.body)?.[1] as string;
    const emailDomain = /name="emailDomain" value="([^"]+)"/.exec(page.body)?.[1] as string;
    return system.client.post(`${settings}/approve`, { issuer, emailDomain }, { from: settings });
  }

  /** The whole single sign-on journey at the hostile provider, as the given login. */
  async function signInThroughProvider(login: string, email: string) {
    const client = new TestClient(t.app);
    const started = await client.post('/sign-in/sso', { email });
    if (started.statusCode !== 303) return { client, started, answer: null };
    const back = await idp.signIn(String(started.headers.location), login);
    const answer = await client.get(back.pathname + back.search);
    return { client, started, answer };
  }

  it('lets a partnership administrator only propose an email domain: nobody signs in through it until a system administrator approves it', async () => {
    const proposed = await claim('reviewers.example');
    expect(proposed.statusCode).toBe(303);
    expect(proposed.headers.location).toBe(`${settings}?saved=awaiting`);
    expect((await attacker.client.get(`${settings}?saved=awaiting`)).body).toContain('A system administrator must approve the issuer and email domain');
    const stored = await db().selectFrom('sso_providers').select(['approved_at']).where('partnership_id', '=', northmoor.id).executeTakeFirstOrThrow();
    expect(stored.approved_at).toBeNull();

    await createUser(db(), { email: 'rowan@reviewers.example', name: 'Rowan Reviewer', grants: [{ role: 'reviewer', partnershipId: northmoor.id }] });
    idp.accounts.set('forged-rowan', { email: 'rowan@reviewers.example' });
    const refused = await signInThroughProvider('forged-rowan', 'rowan@reviewers.example');
    expect(refused.started.statusCode).toBe(422);
    expect(refused.started.body).toContain('Your organisation does not use single sign-on here.');
    expect(refused.client.cookies.has(SESSION_COOKIE)).toBe(false);

    // The approval is a system administrator's: the partnership administrator cannot give it.
    const selfApproved = await attacker.client.post(`${settings}/approve`, { issuer: idp.issuer, emailDomain: 'reviewers.example' }, { from: settings });
    expect(selfApproved.statusCode).toBe(403);
    expect((await attacker.client.get(settings)).body).not.toContain('Approve the issuer and email domain');
    expect((await system.client.get(settings)).body).toContain('Approve the issuer and email domain');
    const overview = await system.client.get('/admin');
    expect(overview.body).toContain('Single sign-on waiting for your approval');
    expect(overview.body).toContain(`href="${settings}">Northmoor Safeguarding Children Partnership: reviewers.example</a>`);
    expect((await attacker.client.get('/admin')).body).toContain(`href="${settings}"`);
    expect((await approve()).headers.location).toBe(`${settings}?approved=1`);
    const approval = await db().selectFrom('audit_events').selectAll().where('action', '=', 'sso-domain-approved').executeTakeFirstOrThrow();
    expect(approval).toMatchObject({ actor_id: system.userId, partnership_id: northmoor.id });

    // Changing the issuer afterwards withdraws the approval, even for a sign-in already under way.
    const underWay = new TestClient(t.app);
    const started = await underWay.post('/sign-in/sso', { email: 'rowan@reviewers.example' });
    expect(started.statusCode).toBe(303);
    const back = await idp.signIn(String(started.headers.location), 'forged-rowan');
    expect((await claim('reviewers.example', 'https://login.attacker.example/v2.0')).headers.location).toBe(`${settings}?saved=awaiting`);
    const late = await underWay.get(back.pathname + back.search);
    expect(late.statusCode).toBe(400);
    expect(late.body).toContain('waiting for a system administrator to approve it');
    expect(underWay.cookies.has(SESSION_COOKIE)).toBe(false);

    // An approval given to what the page showed earlier is not an approval of what it says now.
    const stale = await system.client.post(`${settings}/approve`, { issuer: idp.issuer, emailDomain: 'reviewers.example' }, { from: settings });
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toContain('changed after you opened the page');
  });

  it('gives a shared reviewer signed in through one partnership’s single sign-on that partnership’s roles only', async () => {
    const reviewer = await createUser(db(), {
      email: 'remy@shared-reviewers.example',
      name: 'Remy Shared',
      grants: [
        { role: 'reviewer', partnershipId: northmoor.id },
        { role: 'reviewer', partnershipId: eastfield.id },
      ],
    });
    await withTenant(db(), [eastfield.id], async (trx) => {
      await trx.updateTable('incidents').set({ state: 'alternative-review', review_decision: 'alternative-review', decision_on: addDays(today, -20) }).where('id', '=', eastCase).execute();
      await trx.insertInto('reviews').values({ incident_id: eastCase, partnership_id: eastfield.id, review_type: 'practice-learning', lead_reviewer_id: reviewer.id }).execute();
    });
    // With their own password and second factor, the reviewer reads Eastfield's review…
    const own = new TestClient(t.app);
    own.cookies.set(SESSION_COOKIE, await createSession(db(), reviewer.id, { twoFactor: true }));
    expect((await own.get(`/cases/${eastCase}/review`)).statusCode).toBe(200);

    // …but Northmoor's provider (even approved for the reviewers' domain) vouches for Northmoor only.
    expect((await claim('shared-reviewers.example', idp.issuer)).statusCode).toBe(303);
    expect((await approve()).statusCode).toBe(303);
    idp.accounts.set('forged-remy', { email: 'remy@shared-reviewers.example' });
    const { client, answer } = await signInThroughProvider('forged-remy', 'remy@shared-reviewers.example');
    expect(answer?.statusCode).toBe(303);
    const me = await client.get('/api/v1/me');
    expect(me.json().roles).toEqual([{ role: 'reviewer', partnershipId: northmoor.id, agencyId: null }]);
    const review = await client.get(`/cases/${eastCase}/review`);
    expect(review.statusCode).toBe(404);
    expect((await client.get('/cases/reviews')).body).not.toContain(eastCase);
    expect((await client.get('/account')).body).toContain('so you are working with your roles in Northmoor Safeguarding Children Partnership only');

    // Nothing made in that session reaches further: a token is limited the same way…
    const made = await client.post('/account/api-tokens', { name: 'From single sign-on', scope: 'read', expiresInDays: '30' });
    const token = /<code class="cspr-token">(cspr_[A-Za-z0-9_-]+)<\/code>/.exec(made.body)?.[1] as string;
    const viaToken = await t.app.inject({ url: `/api/v1/incidents/${eastCase}/review`, headers: { authorization: `Bearer ${token}` } });
    expect(viaToken.statusCode).toBe(404);
    // …and the second factor of the password sign-in (recovery codes, the authenticator app) cannot be set from it.
    expect((await client.post('/account/recovery-codes', {}, { from: '/account' })).statusCode).toBe(403);
    expect((await client.get('/account/two-factor/set-up')).statusCode).toBe(403);
    expect(await db().selectFrom('recovery_codes').select('code_hash').where('user_id', '=', reviewer.id).execute()).toEqual([]);
  });

  it('cannot take over a police lead another partnership invited: the role is offered, not given, and single sign-on finds no account', async () => {
    const email = 'pat.lead@police.example';
    const invited = await eastAdmin.client.post('/admin/users/invite', { email, name: 'Pat Lead', role: 'partner-lead', partnership: eastfield.id, agency: eastPolice.id });
    expect(invited.statusCode).toBe(303);
    const lead = (await findUserByEmail(db(), email))!;
    expect(lead.hasPassword).toBe(false);

    // Northmoor's administrator "invites" the same address: the account is Eastfield's, so the role is only offered.
    const grabbed = await attacker.client.post('/admin/users/invite', { email, name: 'Pat Lead', role: 'partner-lead', partnership: northmoor.id, agency: northPolice.id });
    expect(grabbed.statusCode).toBe(303);
    expect(grabbed.headers.location).toBe('/admin/users?offered=1');
    expect((await findUserByEmail(db(), email))!.grants.map((g) => g.partnershipId)).toEqual([eastfield.id]);
    expect((await attacker.client.get('/admin/users?offered=1')).body).toContain('the role was offered to them');
    const offerMail = await waitForMail(dataDir, email, { after: 1 });
    expect(offerMail.subject).toBe('You have been offered a role in CSPR Hub');
    // Nor can Northmoor's administrator reach the account to send it a new invitation.
    expect((await attacker.client.post(`/admin/users/${lead.id}/invitation`, {}, { from: '/admin/users' })).statusCode).toBe(404);

    // Northmoor's provider, approved for the police domain, cannot sign the lead in.
    expect((await claim('police.example', idp.issuer)).statusCode).toBe(303);
    expect((await approve()).statusCode).toBe(303);
    idp.accounts.set('forged-pat', { email });
    const { client, answer } = await signInThroughProvider('forged-pat', email);
    expect(answer?.statusCode).toBe(403);
    expect(answer?.body).toContain('There is no CSPR Hub account for this address in Northmoor Safeguarding Children Partnership');
    expect(client.cookies.has(SESSION_COOKIE)).toBe(false);
    const casePage = await client.get(`/cases/${eastCase}`);
    expect(casePage.statusCode).toBe(303);
    expect(casePage.body).not.toContain(NHS_NUMBER);

    // Once the lead has set up their account and accepted the offer themselves, Northmoor's
    // provider signs them in to Northmoor's roles only: Eastfield's case stays out of reach.
    const theirs = new TestClient(t.app);
    theirs.cookies.set(SESSION_COOKIE, await createSession(db(), lead.id, { twoFactor: true }));
    expect((await theirs.get(`/cases/${eastCase}`)).body).toContain(CHILD_NAME);
    const accountPage = await theirs.get('/account');
    const offerId = /action="\/account\/role-offers\/([0-9a-f-]{36})\/accept"/.exec(accountPage.body)?.[1] as string;
    expect((await theirs.post(`/account/role-offers/${offerId}/accept`, {}, { from: '/account' })).headers.location).toBe('/account?accepted=1');
    const again = await signInThroughProvider('forged-pat', email);
    expect(again.answer?.statusCode).toBe(303);
    const eastCaseViaSso = await again.client.get(`/cases/${eastCase}`);
    expect(eastCaseViaSso.statusCode).toBe(404);
    expect(eastCaseViaSso.body).not.toContain(CHILD_NAME);
    expect(eastCaseViaSso.body).not.toContain(NHS_NUMBER);
  });
});
