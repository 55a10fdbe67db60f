import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, type TestClient } from '../../../test/support/client.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { addAgency, addPartnership, type AgencyView } from '../partnerships/service.ts';
import { dateFields, errorSummary, layoutIndentation } from '../../../test/support/pages.ts';

const DETAILS = 'Wilhelmina Madeup (fictional), aged 6, arrived with bruising to her face.';

describe.each(ENGINES)('referrals on %s', (engine) => {
  let t: TestApp;
  let admin: TestClient;
  let contributor: TestClient;
  let otherAdmin: TestClient;
  let northmoor: { id: string };
  let school: AgencyView;
  let police: AgencyView;

  beforeAll(async () => {
    t = await startTestApp(engine);
    const db = t.app.deps.database.db;
    northmoor = await addPartnership(db, { slug: 'northmoor', name: 'Northmoor Safeguarding Children Partnership' });
    const southdale = await addPartnership(db, { slug: 'southdale', name: 'Southdale SCP' });
    school = await addAgency(db, { partnershipId: northmoor.id, name: 'Northmoor Academy', kind: 'relevant-agency' });
    police = await addAgency(db, { partnershipId: northmoor.id, name: 'Northmoor Police', kind: 'police' });
    admin = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: northmoor.id }], { name: 'Alex Admin' })).client;
    contributor = (await signedInAs(t.app, [{ role: 'agency-contributor', partnershipId: northmoor.id, agencyId: school.id }], { name: 'Sam School' })).client;
    otherAdmin = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: southdale.id }])).client;
  });
  afterAll(async () => t.close());

  const db = () => t.app.deps.database.db;
  const referralFields = (extra: Record<string, string> = {}) => ({
    agency: school.id,
    ...dateFields('received', '2025-03-03'),
    summary: 'Pupil with facial bruising, no explanation',
    details: DETAILS,
    ...extra,
  });

  async function refer(client: TestClient, extra: Record<string, string> = {}): Promise<string> {
    const res = await client.post('/referrals/new', referralFields(extra));
    expect(res.statusCode, errorSummary(res.body)).toBe(303);
    expect(res.headers.location).toBe('/referrals/sent');
    const row = await db().selectFrom('referrals').select('id').orderBy('created_at', 'desc').limit(1).executeTakeFirstOrThrow();
    return row.id;
  }

  it('lets an agency contributor refer for their own agency, stored encrypted, audited without the details', async () => {
    const form = await contributor.get('/referrals/new');
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain(`<input type="hidden" name="agency" value="${school.id}">`);
    expect(form.body).toContain('Northmoor Academy');
    const id = await refer(contributor);
    const sent = await contributor.get('/referrals/sent');
    expect(sent.body).toContain('Referral sent');
    const row = await db().selectFrom('referrals').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ partnership_id: northmoor.id, referring_agency_id: school.id, received_on: '2025-03-03', outcome: null, incident_id: null });
    expect(row.details_enc).not.toContain('Wilhelmina');
    expect(t.app.deps.cipher.decrypt(row.details_enc)).toBe(DETAILS);
    const [audit] = await db().selectFrom('audit_events').selectAll().where('action', '=', 'referral-created').where('record_id', '=', id).execute();
    expect(audit).toMatchObject({ partnership_id: northmoor.id, actor_role: 'agency-contributor' });
    expect(JSON.stringify(audit.changes)).not.toContain('Wilhelmina');
    // They cannot see the referrals themselves, nor the cases.
    expect((await contributor.get('/referrals')).statusCode).toBe(403);
    expect((await contributor.get(`/referrals/${id}`)).statusCode).toBe(403);
    expect((await contributor.get('/cases')).statusCode).toBe(403);
  });

  it('refuses a referral for another agency, and rejects bad answers', async () => {
    const forged = await contributor.post('/referrals/new', referralFields({ agency: police.id }));
    expect(forged.statusCode).toBe(403);
    const empty = await contributor.post('/referrals/new', {});
    expect(empty.statusCode).toBe(422);
    const summary = errorSummary(empty.body);
    for (const m of ['Enter a short summary of the incident', 'Enter the details of the incident', 'Enter the date the referral was made']) expect(summary).toContain(m);
    // Details typed with blank lines and indents: the form shown again holds them exactly as typed.
    const typed = 'First visit.\n\n    Indented note.\n\n\nLast line.';
    const impossible = await contributor.post('/referrals/new', referralFields({ 'received-day': '31', 'received-month': '4', details: typed }));
    expect(impossible.statusCode).toBe(422);
    expect(errorSummary(impossible.body)).toContain('The date the referral was made must be a real date');
    expect(impossible.body).toContain('Pupil with facial bruising, no explanation');
    expect(impossible.body).toContain(`>${typed}</textarea>`);
    expect(layoutIndentation(impossible.body)).toBeNull();
    const future = await contributor.post('/referrals/new', referralFields(dateFields('received', '2099-01-01')));
    expect(future.statusCode).toBe(422);
    expect(errorSummary(future.body)).toContain('The date the referral was made cannot be in the future');
  });

  it('records an outcome with reasons, once', async () => {
    const id = await refer(contributor);
    const list = await admin.get('/referrals');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain(`href="/referrals/${id}"`);
    expect(list.body).toContain('To consider');
    const page = await admin.get(`/referrals/${id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(DETAILS);
    expect(page.body).toContain('Who has viewed this record');
    const [view] = await db().selectFrom('audit_events').selectAll().where('action', '=', 'view').where('record_id', '=', id).execute();
    expect(view).toMatchObject({ record_type: 'referral', partnership_id: northmoor.id });

    const noReasons = await admin.post(`/referrals/${id}`, { outcome: 'does-not-meet-criteria' });
    expect(noReasons.statusCode).toBe(422);
    expect(errorSummary(noReasons.body)).toContain('Enter the reasons for the outcome');
    const noOutcome = await admin.post(`/referrals/${id}`, { reasons: 'Because' });
    expect(errorSummary(noOutcome.body)).toContain('Select the outcome of the referral');

    const res = await admin.post(`/referrals/${id}`, { outcome: 'does-not-meet-criteria', reasons: 'An accident at play: no abuse or neglect suspected.' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/referrals/${id}?recorded=1`);
    const after = await admin.get(res.headers.location as string);
    expect(after.body).toContain('The outcome was recorded.');
    expect(after.body).toContain('An accident at play: no abuse or neglect suspected.');
    expect(after.body).not.toContain('name="outcome"');
    const row = await db().selectFrom('referrals').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ outcome: 'does-not-meet-criteria', outcome_reasons: 'An accident at play: no abuse or neglect suspected.' });

    const csrf = await admin.csrfFrom('/referrals/new');
    const again = await admin.post(`/referrals/${id}`, { outcome: 'notify', reasons: 'Changed my mind' }, { csrf });
    expect(again.statusCode).toBe(422);
    expect(errorSummary(again.body)).toContain('The outcome of this referral has already been recorded');
    expect((await db().selectFrom('referrals').select('outcome').where('id', '=', id).executeTakeFirstOrThrow()).outcome).toBe('does-not-meet-criteria');
    const [audit] = await db().selectFrom('audit_events').selectAll().where('action', '=', 'referral-outcome').where('record_id', '=', id).execute();
    expect(audit.changes).toEqual({ after: { outcome: 'does-not-meet-criteria' }, reasonsRecorded: true });
  });

  it('to notify, leads on to recording the incident, pre-filled and linked', async () => {
    const id = await refer(contributor);
    const res = await admin.post(`/referrals/${id}`, { outcome: 'notify', reasons: 'Serious harm, abuse suspected, in the area.' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/cases/new?referral=${id}`);
    const form = await admin.get(res.headers.location as string);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('Pre-filled from the referral by Northmoor Academy received on 3 March 2025');
    expect(form.body).toContain(`<input type="hidden" name="referral" value="${id}">`);
    expect(form.body).toContain(DETAILS);
    expect(form.body).toMatch(/id="aware-day" name="aware-day" type="text" value="3"/);

    const saved = await admin.post('/cases/new', {
      action: 'save',
      childCount: '1',
      referral: id,
      outcome: 'serious-harm',
      abuseOrNeglect: 'suspected',
      location: 'in-area',
      ...dateFields('aware', '2025-03-03'),
      whatIsKnown: DETAILS,
      'child-1-pseudonym': 'Child W',
    }, { from: `/cases/new?referral=${id}` });
    expect(saved.statusCode, errorSummary(saved.body)).toBe(303);
    const incidentId = /\/cases\/([0-9a-f-]{36})\//.exec(String(saved.headers.location))?.[1] as string;
    const row = await db().selectFrom('referrals').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.incident_id).toBe(incidentId);
    const page = await admin.get(`/referrals/${id}`);
    expect(page.body).toContain(`href="/cases/${incidentId}"`);
    // The referral is dealt with: it cannot start a second incident.
    expect((await admin.get(`/cases/new?referral=${id}`)).statusCode).toBe(404);
    const twice = await admin.post('/cases/new', { action: 'save', childCount: '1', referral: id, outcome: 'serious-harm', abuseOrNeglect: 'suspected', location: 'in-area', ...dateFields('aware', '2025-03-03'), 'child-1-pseudonym': 'Child W' });
    expect(twice.statusCode).toBe(422);
    expect(errorSummary(twice.body)).toContain('The referral this came from has already been dealt with');
  });

  it('hides another partnership’s referrals', async () => {
    const id = await refer(contributor);
    expect((await otherAdmin.get(`/referrals/${id}`)).statusCode).toBe(404);
    expect((await otherAdmin.get('/referrals')).body).not.toContain(id);
    const csrf = await otherAdmin.csrfFrom('/referrals/new');
    expect((await otherAdmin.post(`/referrals/${id}`, { outcome: 'other', reasons: 'x' }, { csrf })).statusCode).toBe(404);
    const refusals = await db().selectFrom('audit_events').selectAll().where('action', '=', 'access-refused').where('record_id', '=', id).execute();
    expect(refusals.length).toBe(2);
  });
});
