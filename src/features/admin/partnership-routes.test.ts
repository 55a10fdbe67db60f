import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, TestClient } from '../../../test/support/client.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { addAgency, addPartnership, findPartnershipBySlug, listAgencies } from '../partnerships/service.ts';

describe.each(ENGINES)('administration of partnerships and agencies on %s', (engine) => {
  let t: TestApp;
  let admin: TestClient;
  let partnershipAdmin: TestClient;
  let contributor: TestClient;
  let northmoor: { id: string; slug: string };

  beforeAll(async () => {
    t = await startTestApp(engine);
    const db = t.app.deps.database.db;
    northmoor = await addPartnership(db, { slug: 'northmoor', name: 'Northmoor Safeguarding Children Partnership' });
    const police = await addAgency(db, { partnershipId: northmoor.id, name: 'Northmoor Police', kind: 'police' });
    admin = (await signedInAs(t.app, [{ role: 'system-admin' }], { name: 'Sam System' })).client;
    partnershipAdmin = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: northmoor.id }])).client;
    contributor = (await signedInAs(t.app, [{ role: 'agency-contributor', partnershipId: northmoor.id, agencyId: police.id }])).client;
  });
  afterAll(async () => t.close());

  const audits = (action: string) =>
    t.app.deps.database.db.selectFrom('audit_events').selectAll().where('action', '=', action).orderBy('seq').execute();

  it('the administration index links to what each person may use, and says when there is nothing', async () => {
    const sys = await admin.get('/admin');
    expect(sys.statusCode).toBe(200);
    expect(sys.body).toContain('<h1 class="govuk-heading-l">Administration</h1>');
    for (const href of ['/admin/partnerships', '/admin/users', '/admin/audit']) expect(sys.body).toContain(`href="${href}"`);

    const pa = await partnershipAdmin.get('/admin');
    expect(pa.statusCode).toBe(200);
    expect(pa.body).toContain('href="/admin/users"');
    expect(pa.body).toContain('href="/admin/audit"');
    expect(pa.body).not.toContain('href="/admin/partnerships"');

    const none = await contributor.get('/admin');
    expect(none.statusCode).toBe(200);
    expect(none.body).toContain('Your roles do not include any administration.');
    expect(none.body).not.toContain('href="/admin/users"');

    const anonymous = await new TestClient(t.app).get('/admin/partnerships');
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe('/sign-in?next=%2Fadmin%2Fpartnerships');
  });

  it('lists partnerships for system administrators only', async () => {
    const list = await admin.get('/admin/partnerships');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('<a class="govuk-link" href="/admin/partnerships/northmoor">Northmoor Safeguarding Children Partnership</a>');
    expect(list.body).toContain('href="/admin/partnerships/new"');

    for (const url of ['/admin/partnerships', '/admin/partnerships/new', '/admin/partnerships/northmoor']) {
      const res = await partnershipAdmin.get(url);
      expect(res.statusCode, url).toBe(403);
    }
    const refusals = await audits('access-refused');
    expect(refusals.some((r) => r.record_id === 'GET /admin/partnerships' && r.outcome === 'refused')).toBe(true);
  });

  it('adds a partnership, audited, and shows it with a success banner', async () => {
    const res = await admin.post('/admin/partnerships/new', { name: '  Southdale Safeguarding Children Partnership ', slug: 'Southdale' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/partnerships/southdale?added=1');
    const stored = await findPartnershipBySlug(t.app.deps.database.db, 'southdale');
    expect(stored).toMatchObject({ name: 'Southdale Safeguarding Children Partnership', fictional: false });
    const page = await admin.get(res.headers.location as string);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Partnership added.');
    expect(page.body).toContain('<h1 class="govuk-heading-l">Southdale Safeguarding Children Partnership</h1>');
    expect(page.body).toContain('This partnership has no agencies yet.');
    const [audit] = await audits('partnership-created');
    expect(audit).toMatchObject({ record_type: 'partnership', record_id: stored!.id, partnership_id: stored!.id, actor_role: 'system-admin' });
    expect(audit.changes).toEqual({ after: { slug: 'southdale', name: 'Southdale Safeguarding Children Partnership' } });
  });

  it('re-shows the form with specific errors for bad or duplicate input (422)', async () => {
    const empty = await admin.post('/admin/partnerships/new', { name: '', slug: '' });
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toContain('govuk-error-summary');
    expect(empty.body).toContain('<title>Error: Add a partnership – CSPR Hub</title>');
    expect(empty.body).toContain('href="#name">Enter the name of the partnership</a>');
    expect(empty.body).toContain('href="#slug">Enter a short name</a>');

    const bad = await admin.post('/admin/partnerships/new', { name: 'Eastfold SCP', slug: 'east fold!' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Short name must be 2 to 63 lowercase letters, digits or hyphens');
    expect(bad.body).toContain('value="Eastfold SCP"');
    expect(bad.body).toContain('value="east fold!"');

    const duplicate = await admin.post('/admin/partnerships/new', { name: 'Another Northmoor', slug: 'northmoor' });
    expect(duplicate.statusCode).toBe(422);
    expect(duplicate.body).toContain('href="#slug">There is already a partnership with the short name &#39;northmoor&#39;</a>');
  });

  it('refuses a form posted without its CSRF token', async () => {
    const res = await admin.post('/admin/partnerships/new', { name: 'Forged SCP', slug: 'forged' }, { csrf: null });
    expect(res.statusCode).toBe(403);
    expect(await findPartnershipBySlug(t.app.deps.database.db, 'forged')).toBeUndefined();
    const agency = await admin.post('/admin/partnerships/northmoor/agencies', { name: 'Forged agency', kind: 'police' }, { csrf: null });
    expect(agency.statusCode).toBe(403);
  });

  it('shows a partnership with its agencies and adds an agency of each kind', async () => {
    const page = await admin.get('/admin/partnerships/northmoor');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Northmoor Police');
    expect(page.body).toContain('Police (statutory partner)');
    for (const kind of ['local-authority', 'police', 'icb', 'relevant-agency']) expect(page.body).toContain(`value="${kind}"`);

    const res = await admin.post('/admin/partnerships/northmoor/agencies', { name: 'Northmoor Council', kind: 'local-authority' }, { from: '/admin/partnerships/northmoor' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/partnerships/northmoor?agency=1');
    const after = await admin.get(res.headers.location as string);
    expect(after.body).toContain('Agency added.');
    expect(after.body).toContain('Northmoor Council');
    const agencies = await listAgencies(t.app.deps.database.db, northmoor.id);
    expect(agencies.map((a) => [a.name, a.kind])).toContainEqual(['Northmoor Council', 'local-authority']);
    const [audit] = await audits('agency-created');
    expect(audit).toMatchObject({ partnership_id: northmoor.id, record_type: 'agency' });
    expect(audit.changes).toEqual({ after: { name: 'Northmoor Council', kind: 'local-authority' } });
  });

  it('re-shows the agency form with errors (422) and refuses other people', async () => {
    const from = { from: '/admin/partnerships/northmoor' };
    const bad = await admin.post('/admin/partnerships/northmoor/agencies', { name: '', kind: 'school' }, from);
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('href="#name">Enter the name of the agency</a>');
    expect(bad.body).toContain('href="#kind">Choose what kind of agency it is</a>');

    const duplicate = await admin.post('/admin/partnerships/northmoor/agencies', { name: 'Northmoor Police', kind: 'police' }, from);
    expect(duplicate.statusCode).toBe(422);
    expect(duplicate.body).toContain('The partnership already has an agency called &#39;Northmoor Police&#39;');
    expect(duplicate.body).toContain('value="Northmoor Police"');

    // A valid token of their own (from a form they may use): the refusal is the permission's.
    const refused = await partnershipAdmin.post('/admin/partnerships/northmoor/agencies', { name: 'Sneaky', kind: 'police' }, { from: '/admin/users/invite' });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('You do not have permission');
    expect((await listAgencies(t.app.deps.database.db, northmoor.id)).map((a) => a.name)).not.toContain('Sneaky');
  });

  it('answers an unknown partnership with 404', async () => {
    expect((await admin.get('/admin/partnerships/no-such-place')).statusCode).toBe(404);
    expect((await admin.get('/admin/partnerships/NOT%20A%20SLUG')).statusCode).toBe(404);
    const res = await admin.post('/admin/partnerships/no-such-place/agencies', { name: 'X', kind: 'police' }, { from: '/admin/partnerships/northmoor' });
    expect(res.statusCode).toBe(404);
  });
});
