import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../platform/db/tenant.ts';
import type { LightMyRequestResponse } from 'fastify';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, type TestClient } from '../../../test/support/client.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { todayInLondon, addDays } from '../../domain/calendar/date-only.ts';
import { formatDate } from '../../platform/http/views.ts';
import { createApiToken } from '../account/service.ts';
import { addAgency, addPartnership, type AgencyView } from '../partnerships/service.ts';
import { createUser, type NewGrant } from '../users/service.ts';
import { deadlineListSchema, incidentDetailSchema, incidentListSchema, problemSchema } from './schemas.ts';

type Json = Record<string, unknown>;

const CHILD_K = {
  pseudonym: 'Child K',
  name: 'Zebedee Fictitious',
  dateOfBirth: '2019-05-04',
  nhsNumber: '999 000 0085',
  address: '9 Invented Way, Nowhere NW9 9ZZ',
  familyNames: 'Quentin Fictitious (father)',
  gender: 'male',
  ageAtIncident: 5,
  ageBand: '5-9',
};
const SECRET = 'Known only to the test: a secret account.';

function incidentBody(overrides: Json = {}): Json {
  return {
    outcome: 'serious-harm',
    abuseOrNeglect: 'suspected',
    location: 'in-area',
    aware: '2025-03-03',
    whatIsKnown: SECRET,
    children: [CHILD_K],
    ...overrides,
  };
}

/** The row of the case page's clocks table for one clock, as text. */
function clockRow(body: string, key: string): string {
  const m = new RegExp(`<tr class="govuk-table__row" id="clock-${key}">([\\s\\S]*?)</tr>`).exec(body);
  return m ? m[1].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim() : '';
}

describe.each(ENGINES)('the JSON API on %s', (engine) => {
  let t: TestApp;
  let northmoor: { id: string; slug: string };
  let southdale: { id: string; slug: string };
  let police: AgencyView;
  let school: AgencyView;
  let southAgency: AgencyView;
  const tokens: Record<string, string> = {};
  let adminPage: TestClient;
  let southIncident: string;

  async function tokenFor(grants: NewGrant[], name: string): Promise<string> {
    const user = await createUser(t.app.deps.database.db, { email: `${name.toLowerCase().replace(/\W+/g, '.')}@example.org`, name, password: 'correct horse battery staple 42', grants });
    return (await createApiToken(t.app.deps.database.db, user.id, { name: 'test', scope: 'write' })).token;
  }

  function api(method: 'GET' | 'POST' | 'PATCH', url: string, who: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return t.app.inject({
      method,
      url,
      headers: { ...(who ? { authorization: `Bearer ${tokens[who] ?? who}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  }

  const db = () => t.app.deps.database.db;

  function expectProblem(res: LightMyRequestResponse, status: number): Json {
    expect(res.statusCode, res.body).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json() as Json;
    expect(problemSchema.safeParse(body).success).toBe(true);
    expect(body.status).toBe(status);
    return body;
  }

  async function create(who: string, body: Json = incidentBody()): Promise<string> {
    const res = await api('POST', '/api/v1/incidents', who, body);
    expect(res.statusCode, res.body).toBe(201);
    return (res.json() as { id: string }).id;
  }

  beforeAll(async () => {
    t = await startTestApp(engine);
    northmoor = await addPartnership(db(), { slug: 'northmoor', name: 'Northmoor Safeguarding Children Partnership' });
    southdale = await addPartnership(db(), { slug: 'southdale', name: 'Southdale Safeguarding Children Partnership' });
    police = await addAgency(db(), { partnershipId: northmoor.id, name: 'Northmoor Police', kind: 'police' });
    school = await addAgency(db(), { partnershipId: northmoor.id, name: 'Northmoor Academy', kind: 'relevant-agency' });
    southAgency = await addAgency(db(), { partnershipId: southdale.id, name: 'Southdale Police', kind: 'police' });
    tokens.admin = await tokenFor([{ role: 'partnership-admin', partnershipId: northmoor.id }], 'Alex Admin');
    tokens.lead = await tokenFor([{ role: 'partner-lead', partnershipId: northmoor.id, agencyId: police.id }], 'Pat Lead');
    tokens.contributor = await tokenFor([{ role: 'agency-contributor', partnershipId: northmoor.id, agencyId: school.id }], 'Sam School');
    tokens.reviewer = await tokenFor([{ role: 'reviewer', partnershipId: northmoor.id }], 'Rae Reviewer');
    tokens.south = await tokenFor([{ role: 'partnership-admin', partnershipId: southdale.id }], 'Sol South');
    adminPage = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: northmoor.id }])).client;
    southIncident = await create('south', incidentBody({
      whatIsKnown: 'Southdale secret',
      children: [{ pseudonym: 'Child S', name: 'Southdale Person', nhsNumber: '9990000018' }],
    }));
  });
  afterAll(async () => t?.close());

  it('refuses without a token (401), with a bad token (401) and without the permission (403), as problem bodies', async () => {
    for (const url of ['/api/v1/incidents', `/api/v1/incidents/${southIncident}`, '/api/v1/referrals', '/api/v1/me']) {
      const none = expectProblem(await api('GET', url, null), 401);
      expect(none.title).toBe('Unauthorized');
    }
    expectProblem(await api('POST', '/api/v1/incidents', null, incidentBody()), 401);
    expect(expectProblem(await api('GET', '/api/v1/incidents', 'cspr_not-a-real-token'), 401).detail).toContain('not valid');

    const forbidden = expectProblem(await api('GET', '/api/v1/incidents', 'contributor'), 403);
    expect(forbidden.title).toBe('Forbidden');
    expectProblem(await api('POST', '/api/v1/incidents', 'lead', incidentBody()), 403);
    expectProblem(await api('GET', '/api/v1/referrals', 'lead'), 403);
    expectProblem(await api('POST', '/api/v1/referrals', 'reviewer', {}), 403);
    const refused = await db().selectFrom('audit_events').selectAll().where('action', '=', 'access-refused').where('record_id', '=', 'POST /api/v1/incidents').execute();
    expect(refused.length).toBeGreaterThan(0);
  });

  it('tells who is asking (/api/v1/me)', async () => {
    const res = await api('GET', '/api/v1/me', 'lead');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: 'Pat Lead', roles: [{ role: 'partner-lead', partnershipId: northmoor.id, agencyId: police.id }] });
  });

  it('records an incident with its children, then shows it with identifying details decrypted, and audits the view', async () => {
    const res = await api('POST', '/api/v1/incidents', 'admin', incidentBody({ agencyIds: [police.id], children: [CHILD_K, { pseudonym: 'Child L', lookedAfter: true }] }));
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json() as { id: string; reference: string; location: string };
    expect(created.reference).toMatch(/^NM-\d{4}-\d{3}$/);
    expect(res.headers.location).toBe(`/api/v1/incidents/${created.id}`);

    const row = await db().selectFrom('incidents').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ partnership_id: northmoor.id, state: 'recorded', aware_on: '2025-03-03', looked_after: true, version: 1 });
    expect(row.what_is_known_enc).not.toContain('secret');
    const children = await db().selectFrom('incident_children').selectAll().where('incident_id', '=', created.id).orderBy('position').execute();
    expect(children.map((c) => c.pseudonym)).toEqual(['Child K', 'Child L']);
    expect(t.app.deps.cipher.decrypt(children[0].nhs_number_enc as string)).toBe('9990000085');

    const detail = await api('GET', created.location, 'lead');
    expect(detail.statusCode).toBe(200);
    expect(detail.headers.etag).toBe('"1"');
    const json = incidentDetailSchema.parse(detail.json());
    expect(json).toMatchObject({ id: created.id, reference: created.reference, state: 'recorded', version: 1, partnership: { id: northmoor.id, slug: 'northmoor' } });
    expect(json.facts).toMatchObject({ outcome: 'serious-harm', aware: '2025-03-03', whatIsKnown: SECRET, agencyIds: [police.id] });
    expect(json.agencies).toEqual([{ id: police.id, name: 'Northmoor Police' }]);
    expect(json.children[0]).toMatchObject({ pseudonym: 'Child K', ageBand: '5-9', identifying: { name: 'Zebedee Fictitious', dateOfBirth: '2019-05-04', nhsNumber: '9990000085', address: '9 Invented Way, Nowhere NW9 9ZZ' } });
    expect(json.children[1]).toMatchObject({ pseudonym: 'Child L', lookedAfter: true });
    // A partner lead reads but may not write: nothing is offered.
    expect(json.available).toEqual([]);
    const forAdmin = incidentDetailSchema.parse((await api('GET', created.location, 'admin')).json());
    expect(forAdmin.available.map((a) => a.transition)).toEqual(expect.arrayContaining(['notify', 'not-notifiable', 'partners-informed']));

    const audits = await db().selectFrom('audit_events').selectAll().where('record_id', '=', created.id).orderBy('seq').execute();
    expect(audits.map((a) => a.action)).toEqual(['incident-created', 'view', 'view']);
    expect(audits[1]).toMatchObject({ actor_role: 'partner-lead', partnership_id: northmoor.id, record_type: 'incident' });
    // The audit trail holds no identifying details.
    expect(JSON.stringify(audits.map((a) => a.changes))).not.toMatch(/Zebedee|9990000085|Invented Way|secret/);
  });

  it('checks a new incident as the form does: 422 with each field to correct', async () => {
    const shape = expectProblem(await api('POST', '/api/v1/incidents', 'admin', { outcome: 'maybe', aware: '3 March 2025', children: [], colour: 'red' }), 422);
    const fields = (shape.errors as { field: string; message: string }[]);
    expect(fields.map((e) => e.field)).toEqual(expect.arrayContaining(['outcome', 'abuseOrNeglect', 'location', 'aware', 'children']));
    expect(fields.find((e) => e.field === 'children')?.message).toBe('Add at least one child');
    expect(fields.some((e) => e.message === 'Unknown field: colour')).toBe(true);

    const future = addDays(todayInLondon(new Date()), 3);
    const answers = expectProblem(await api('POST', '/api/v1/incidents', 'admin', incidentBody({
      aware: future,
      children: [{ ...CHILD_K, nhsNumber: '999 000 0086' }, { pseudonym: ' ', ageAtIncident: 3 }],
    })), 422);
    // Every problem in one answer, the date of awareness with the others.
    expect(answers.errors).toEqual(expect.arrayContaining([
      { field: 'aware', message: expect.stringContaining('The date the local authority became aware cannot be in the future') },
      { field: 'children.0.nhsNumber', message: 'Child 1’s NHS number is not a real NHS number: check the digits' },
      { field: 'children.1.pseudonym', message: 'Enter a pseudonym for child 2, like Child K' },
    ]));
    const ancient = expectProblem(await api('POST', '/api/v1/incidents', 'admin', incidentBody({ aware: '1900-12-01' })), 422);
    expect(ancient.errors).toEqual([{ field: 'aware', message: 'The date the local authority became aware cannot be before 29 June 2018, when the duty to notify the Panel began: check the year.' }]);

    const service = expectProblem(await api('POST', '/api/v1/incidents', 'admin', incidentBody({ aware: future })), 422);
    expect((service.errors as { field: string }[]).map((e) => e.field)).toEqual(['aware']);
    const dob = expectProblem(await api('POST', '/api/v1/incidents', 'admin', incidentBody({ incidentOn: '2025-03-01', children: [{ ...CHILD_K, dateOfBirth: '2025-03-02' }] })), 422);
    expect(dob.errors).toEqual([{ field: 'children.0.dateOfBirth', message: 'Child K’s date of birth cannot be after the incident' }]);

    // Another partnership cannot be chosen: it is treated as unknown.
    const elsewhere = expectProblem(await api('POST', '/api/v1/incidents', 'admin', incidentBody({ partnership: 'southdale' })), 422);
    expect((elsewhere.errors as { field: string }[]).map((e) => e.field)).toEqual(['partnership']);
    const bad = expectProblem(await api('POST', '/api/v1/incidents', 'admin', incidentBody({ agencyIds: [southAgency.id] })), 422);
    expect(bad.errors).toEqual([{ field: 'agencyIds', message: 'Choose agencies from the list' }]);
    expect(await db().selectFrom('incidents').select('id').where('partnership_id', '=', northmoor.id).where('aware_on', '=', future).execute()).toEqual([]);
  });

  it('records, shows and changes what the national notification form asks, with the same checks as the pages', async () => {
    const refused = expectProblem(await api('POST', '/api/v1/incidents', 'admin', incidentBody({ children: [{ ...CHILD_K, lookedAfter: true, careLeaver: true }] })), 422);
    expect(refused.errors).toEqual([{ field: 'children.0.status', message: 'Select either looked after or care leaver for child 1, not both: a care leaver is no longer looked after' }]);
    const unknown = expectProblem(await api('POST', '/api/v1/incidents', 'admin', incidentBody({ policeInvestigation: 'maybe', children: [{ ...CHILD_K, ethnicity: 'martian' }] })), 422);
    expect((unknown.errors as { field: string }[]).map((e) => e.field)).toEqual(expect.arrayContaining(['policeInvestigation', 'children.0.ethnicity']));

    const res = await api('POST', '/api/v1/incidents', 'admin', incidentBody({
      perpetratorRelationship: 'parent', policeInvestigation: 'yes', mediaInterest: 'no',
      children: [{ ...CHILD_K, ethnicity: 'asian-pakistani', disability: 'no', childInNeed: true, childProtectionPlan: true }],
    }));
    expect(res.statusCode, res.body).toBe(201);
    const { id, location } = res.json() as { id: string; location: string };
    const row = await db().selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(t.app.deps.cipher.decrypt(row.perpetrator_relationship_enc as string)).toBe('parent');
    const child = await db().selectFrom('incident_children').selectAll().where('incident_id', '=', id).executeTakeFirstOrThrow();
    expect(child.ethnicity_enc).not.toContain('pakistani');
    expect(child).toMatchObject({ child_in_need: true, child_protection_plan: true });

    const json = incidentDetailSchema.parse((await api('GET', location, 'admin')).json());
    expect(json.facts).toMatchObject({ perpetratorRelationship: 'parent', policeInvestigation: 'yes', mediaInterest: 'no' });
    expect(json.children[0]).toMatchObject({ childInNeed: true, childProtectionPlan: true, lookedAfter: false, identifying: { ethnicity: 'asian-pakistani', disability: 'no' } });

    // PATCH changes only what is sent; null clears an answer.
    const patched = await api('PATCH', location, 'admin', { mediaInterest: 'yes', perpetratorRelationship: null }, { 'if-match': '"1"' });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(incidentDetailSchema.parse(patched.json()).facts).toMatchObject({ perpetratorRelationship: null, policeInvestigation: 'yes', mediaInterest: 'yes' });
    const audit = await db().selectFrom('audit_events').selectAll().where('action', '=', 'incident-updated').where('record_id', '=', id).executeTakeFirstOrThrow();
    expect(audit.changes).toEqual({ via: 'api', changed: ['The alleged perpetrator’s relationship to the child', 'Media interest'], before: { mediaInterest: 'no' }, after: { mediaInterest: 'yes' }, version: 2 });
    expectProblem(await api('PATCH', location, 'admin', { mediaInterest: 'lots' }, { 'if-match': '"2"' }), 422);
  });

  it('lists only the incidents of the partnerships one works for, with filters, and never shows another partnership’s data', async () => {
    const mine = await create('admin');
    const list = incidentListSchema.parse((await api('GET', '/api/v1/incidents', 'admin')).json());
    expect(list.incidents.map((i) => i.id)).toContain(mine);
    expect(list.incidents.every((i) => i.partnership.slug === 'northmoor')).toBe(true);
    const one = list.incidents.find((i) => i.id === mine);
    expect(one).toMatchObject({ state: 'recorded', pseudonyms: ['Child K'], dates: { aware: '2025-03-03' }, nextDeadline: { key: 'panel-notification', dueOn: '2025-03-10', state: 'overdue' } });

    const southRes = await api('GET', '/api/v1/incidents', 'south');
    const south = incidentListSchema.parse(southRes.json());
    expect(south.incidents.map((i) => i.id)).toEqual([southIncident]);
    expect(southRes.body).not.toMatch(/northmoor|NM-|"Child K"|Zebedee/i);

    const northRes = await api('GET', '/api/v1/incidents', 'admin');
    expect(northRes.body).not.toMatch(/southdale|"Child S"|Southdale/);

    expect(incidentListSchema.parse((await api('GET', '/api/v1/incidents?state=notified', 'admin')).json()).incidents).toEqual([]);
    expect(incidentListSchema.parse((await api('GET', '/api/v1/incidents?state=recorded&partnership=northmoor', 'admin')).json()).incidents.length).toBe(list.incidents.length);
    // Another partnership's slug gives nothing, as an unknown one does.
    expect(incidentListSchema.parse((await api('GET', '/api/v1/incidents?partnership=southdale', 'admin')).json()).incidents).toEqual([]);
    const badFilter = expectProblem(await api('GET', '/api/v1/incidents?state=sleeping', 'admin'), 400);
    expect((badFilter.errors as { field: string }[])[0].field).toBe('state');

    const audit = await db().selectFrom('audit_events').selectAll().where('record_type', '=', 'incident-list').where('actor_email', '=', 'sol.south@example.org').execute();
    expect(audit.length).toBeGreaterThan(0);
  });

  it('answers 404 for another partnership’s incident, whatever the endpoint, and records the refusal', async () => {
    const patchHeaders = { 'if-match': '"1"' };
    const tries = [
      await api('GET', `/api/v1/incidents/${southIncident}`, 'admin'),
      await api('GET', `/api/v1/incidents/${southIncident}/deadlines`, 'admin'),
      await api('PATCH', `/api/v1/incidents/${southIncident}`, 'admin', { otherAgencies: 'x' }, patchHeaders),
      await api('POST', `/api/v1/incidents/${southIncident}/transitions`, 'admin', { transition: 'notify', date: '2025-03-04' }),
    ];
    for (const res of tries) {
      const body = expectProblem(res, 404);
      expect(res.body).not.toMatch(/Southdale|Child S|SD-/);
      expect(body.title).toBe('Not found');
    }
    expectProblem(await api('GET', '/api/v1/incidents/00000000-0000-4000-8000-000000000000', 'admin'), 404);
    expectProblem(await api('GET', '/api/v1/incidents/not-an-id', 'admin'), 404);
    const refused = await db().selectFrom('audit_events').selectAll().where('action', '=', 'access-refused').where('record_id', '=', southIncident).execute();
    expect(refused.length).toBe(4);
    expect(refused.every((r) => r.partnership_id === southdale.id && r.outcome === 'refused')).toBe(true);
    const row = await db().selectFrom('incidents').selectAll().where('id', '=', southIncident).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: 'recorded', version: 1, other_agencies: '' });
  });

  it('changes facts only with the current version: 428 without If-Match, 412 when stale, 422 when unsound', async () => {
    const id = await create('admin');
    const url = `/api/v1/incidents/${id}`;
    expect(expectProblem(await api('PATCH', url, 'admin', { otherAgencies: 'GP surgery' }), 428).detail).toContain('If-Match');
    expectProblem(await api('PATCH', url, 'admin', { otherAgencies: 'GP surgery' }, { 'if-match': 'one' }), 400);
    expectProblem(await api('PATCH', url, 'lead', { otherAgencies: 'GP surgery' }, { 'if-match': '"1"' }), 403);

    const saved = await api('PATCH', url, 'admin', { otherAgencies: 'GP surgery', abuseOrNeglect: 'known' }, { 'if-match': '"1"' });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.headers.etag).toBe('"2"');
    const json = incidentDetailSchema.parse(saved.json());
    expect(json.version).toBe(2);
    expect(json.facts).toMatchObject({ otherAgencies: 'GP surgery', abuseOrNeglect: 'known', outcome: 'serious-harm', whatIsKnown: SECRET });

    // Someone else's client still holds version 1.
    const stale = expectProblem(await api('PATCH', url, 'admin', { otherAgencies: 'School nurse' }, { 'if-match': '"1"' }), 412);
    expect(stale.detail).toContain('version 2');
    expect(stale.current).toMatchObject({ id, version: 2, facts: { otherAgencies: 'GP surgery' } });
    const row = await db().selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ version: 2, other_agencies: 'GP surgery', abuse_or_neglect: 'known' });

    const invalid = expectProblem(await api('PATCH', url, 'admin', { outcome: 'perhaps', children: [] }, { 'if-match': '"2"' }), 422);
    expect((invalid.errors as { field: string }[]).map((e) => e.field)).toEqual(expect.arrayContaining(['outcome']));
    const late = expectProblem(await api('PATCH', url, 'admin', { incidentOn: '2025-03-05' }, { 'if-match': 'W/"2"' }), 422);
    expect(late.errors).toEqual([{ field: 'incidentOn', message: 'The date of the incident cannot be after the date the local authority became aware' }]);

    const audit = await db().selectFrom('audit_events').selectAll().where('action', '=', 'incident-updated').where('record_id', '=', id).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0].changes).toMatchObject({ via: 'api', before: { abuseOrNeglect: 'suspected', otherAgencies: '' }, after: { abuseOrNeglect: 'known', otherAgencies: 'GP surgery' }, version: 2 });
  });

  it('gives the same deadlines as the case page', async () => {
    const id = await create('admin', incidentBody({ outcome: 'died', aware: '2025-04-14', children: [{ pseudonym: 'Child M', lookedAfter: true }] }));
    await api('POST', `/api/v1/incidents/${id}/transitions`, 'admin', { transition: 'notify', date: '2025-04-23' });
    const res = await api('GET', `/api/v1/incidents/${id}/deadlines`, 'admin');
    expect(res.statusCode).toBe(200);
    const { deadlines, today } = deadlineListSchema.parse(res.json());
    expect(today).toBe(todayInLondon(new Date()));
    const byKey = Object.fromEntries(deadlines.map((d) => [d.key, d]));
    // 5 working days from Monday 14 April 2025 skip Good Friday and Easter Monday; notified on the day.
    expect(byKey['panel-notification']).toMatchObject({ dueOn: '2025-04-23', from: '2025-04-14', state: 'done-on-time', doneOn: '2025-04-23', statutory: false, mayPause: false, delays: [] });
    expect(byKey['panel-notification'].rule).toContain('5 working days after the local authority became aware');
    expect(byKey['rapid-review']).toMatchObject({ from: '2025-04-23', state: 'overdue' });

    const page = (await adminPage.get(`/cases/${id}`)).body;
    expect(deadlines.length).toBeGreaterThan(2);
    for (const d of deadlines) {
      const row = clockRow(page, d.key);
      expect(row, d.key).toContain(formatDate(d.dueOn));
      expect(row, d.key).toContain(d.stateLabel);
    }
    expect(page.match(/id="clock-/g)?.length).toBe(deadlines.length);
    expectProblem(await api('GET', `/api/v1/incidents/${id}/deadlines`, 'contributor'), 403);
  });

  it('refuses to pause a notification clock with 409 saying why, and checks a pause as the page does', async () => {
    const id = await create('admin', incidentBody({ aware: '2026-11-16' }));
    const refused = expectProblem(await api('POST', `/api/v1/incidents/${id}/clocks/panel-notification/pause`, 'admin', { date: '2026-11-17', reason: 'Waiting for the police' }), 409);
    expect(refused.detail).toContain('cannot be paused: its rule does not allow a pause');
    expect(refused.detail).toContain('The duty to notify the Panel');
    expect(refused).toMatchObject({ clock: 'panel-notification' });
    expectProblem(await api('POST', `/api/v1/incidents/${id}/clocks/no-such-clock/pause`, 'admin', { date: '2026-11-17', reason: 'x' }), 404);
    expectProblem(await api('POST', `/api/v1/incidents/${id}/clocks/panel-notification/resume`, 'admin', { date: '2026-11-17' }), 409);
    expectProblem(await api('POST', `/api/v1/incidents/${id}/clocks/panel-notification/pause`, 'admin', { reason: 'no date' }), 422);
    expect(await db().selectFrom('clock_pauses').selectAll().where('incident_id', '=', id).execute()).toEqual([]);
    const audit = await db().selectFrom('audit_events').select(['action', 'outcome']).where('record_id', '=', id).where('action', '=', 'clock-paused').execute();
    expect(audit).toEqual([{ action: 'clock-paused', outcome: 'refused' }]);
  });

  it('publishes only through the checked path: the publish transition is refused, and the review’s publish answers 409 with every blocker', async () => {
    const id = await create('admin', incidentBody({ aware: '2025-03-03' }));
    await withTenant(db(), [northmoor.id], async (trx) => {
      await trx.updateTable('incidents').set({ state: 'completed', review_decision: 'local-review', notified_on: '2025-03-04', rapid_review_sent_on: '2025-03-20', decision_on: '2025-03-18', completed_on: '2025-08-29' }).where('id', '=', id).execute();
      await trx.insertInto('reviews').values({ incident_id: id, partnership_id: northmoor.id, review_type: 'local-cspr', publication_decision: 'full-report' }).execute();
    });
    const direct = expectProblem(await api('POST', `/api/v1/incidents/${id}/transitions`, 'admin', { transition: 'publish', date: '2025-09-12' }), 409);
    expect(direct.detail).toContain('Publish from the review’s “Publish” page');
    const checked = expectProblem(await api('POST', `/api/v1/incidents/${id}/review/publish`, 'admin'), 409);
    expect(checked.blockers).toEqual(expect.arrayContaining([expect.stringMatching(/^Record the advance copy of the final report as sent first: .* at least 7 working days before publication$/)]));
    expect((await db().selectFrom('incidents').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state).toBe('completed');
  });

  it('records the rapid review through the API with the pages’ checks: the decision, a sign-off, and sending refused until all three sign', async () => {
    const id = await create('admin', incidentBody({ aware: '2025-03-03' }));
    const transitions = `/api/v1/incidents/${id}/transitions`;
    expect((await api('POST', transitions, 'admin', { transition: 'notify', date: '2025-03-05' })).statusCode).toBe(200);
    // The rapid review started on the day it did, recorded later.
    const started = await api('POST', transitions, 'admin', { transition: 'start-rapid-review', date: '2025-03-06' });
    expect(started.statusCode, started.body).toBe(200);
    const rr = `/api/v1/incidents/${id}/rapid-review`;
    const early = expectProblem(await api('POST', `${rr}/decision`, 'admin', { decision: 'local-review', reasons: 'Criteria met', decidedOn: '2025-03-04' }), 422);
    // Before the notification and the rapid review's start: the later of the two binds, and is named.
    expect(early.errors).toEqual([{ field: 'decidedOn', message: 'The date of the decision cannot be before the date the rapid review started (6 March 2025)' }]);
    const decided = await api('POST', `${rr}/decision`, 'admin', { decision: 'local-review', reasons: 'Criteria (a) and (c) are met.', criteria: ['improvements'], decidedOn: '2025-03-18' });
    expect(decided.statusCode, decided.body).toBe(200);
    expect(decided.json()).toMatchObject({ decision: { decision: 'local-review', decidedOn: '2025-03-18' }, allSignedOff: false });
    const signed = await api('POST', `${rr}/sign-off`, 'lead', {});
    expect(signed.statusCode, signed.body).toBe(200);
    expect((signed.json() as { signOffs: { partner: string; signed: boolean }[] }).signOffs.find((s) => s.partner === 'police')).toMatchObject({ signed: true });
    const send = expectProblem(await api('POST', `${rr}/send`, 'admin', { on: '2025-03-20' }), 409);
    expect(send.detail).toContain('The local authority lead has not signed off yet');
    expect(send.detail).toContain('The integrated care board lead has not signed off yet');
    expectProblem(await api('POST', `${rr}/panel-response`, 'admin', { response: 'agree', on: '2025-03-21' }), 409);
    const read = await api('GET', rr, 'admin');
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ state: 'rapid-review', startedOn: '2025-03-06', sentOn: null });
    expect((read.json() as { sendBlockers: string[] }).sendBlockers).toHaveLength(2);
  });

  it('moves an incident through the workflow: 409 out of order, 422 without the answers, 200 when sound', async () => {
    const id = await create('admin');
    const url = `/api/v1/incidents/${id}/transitions`;
    const early = expectProblem(await api('POST', url, 'admin', { transition: 'start-rapid-review' }), 409);
    expect(early.detail).toBe('A rapid review can only start once the notification to the Panel is recorded: this incident is recorded and not yet notified to the Panel.');
    expect(early).toMatchObject({ state: 'recorded', transition: 'start-rapid-review' });

    const unknown = expectProblem(await api('POST', url, 'admin', { transition: 'fly' }), 422);
    expect((unknown.errors as { field: string }[])[0].field).toBe('transition');
    const noDate = expectProblem(await api('POST', url, 'admin', { transition: 'notify' }), 422);
    expect(noDate.errors).toEqual([{ field: 'date', message: 'Enter the date the Panel was notified' }]);
    const beforeAware = expectProblem(await api('POST', url, 'admin', { transition: 'notify', date: '2025-03-01' }), 422);
    expect((beforeAware.errors as { field: string }[])[0].field).toBe('date');
    expectProblem(await api('POST', url, 'lead', { transition: 'notify', date: '2025-03-04' }), 403);

    const done = await api('POST', url, 'admin', { transition: 'notify', date: '2025-03-04', reference: 'CSPRP-123' });
    expect(done.statusCode, done.body).toBe(200);
    expect(incidentDetailSchema.parse(done.json())).toMatchObject({ state: 'notified', dates: { notified: '2025-03-04' }, panelReference: 'CSPRP-123', version: 2 });
    const again = expectProblem(await api('POST', url, 'admin', { transition: 'notify', date: '2025-03-04' }), 409);
    expect(again.detail).toContain('notified to the Panel');
    const step = await api('POST', url, 'admin', { transition: 'partners-informed', date: '2025-03-05' });
    expect(step.statusCode, step.body).toBe(200);
    expect(incidentDetailSchema.parse(step.json())).toMatchObject({ state: 'notified', dates: { partnersInformed: '2025-03-05' } });

    const row = await db().selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: 'notified', notified_on: '2025-03-04', partners_informed_on: '2025-03-05', panel_reference: 'CSPRP-123' });
    const audit = await db().selectFrom('audit_events').select(['action', 'outcome']).where('record_id', '=', id).where('action', 'in', ['incident-transition', 'incident-step']).orderBy('seq').execute();
    expect(audit).toEqual([
      { action: 'incident-transition', outcome: 'refused' },
      { action: 'incident-transition', outcome: 'allowed' },
      { action: 'incident-transition', outcome: 'refused' },
      { action: 'incident-step', outcome: 'allowed' },
    ]);
  });

  it('takes referrals for one’s own agency and lists them for the business unit only', async () => {
    const body = { agency: school.id, summary: 'A pupil was hurt', details: 'Details naming Zebedee Fictitious', receivedOn: '2025-03-03' };
    const res = await api('POST', '/api/v1/referrals', 'contributor', body);
    expect(res.statusCode, res.body).toBe(201);
    const { id } = res.json() as { id: string };
    const row = await db().selectFrom('referrals').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ partnership_id: northmoor.id, referring_agency_id: school.id, summary: 'A pupil was hurt', received_on: '2025-03-03' });
    expect(row.details_enc).not.toContain('Zebedee');

    expect(expectProblem(await api('POST', '/api/v1/referrals', 'contributor', { ...body, agency: police.id }), 403).detail).toBe('You can only refer for your own agency.');
    const invalid = expectProblem(await api('POST', '/api/v1/referrals', 'contributor', { ...body, summary: ' ', receivedOn: addDays(todayInLondon(new Date()), 2) }), 422);
    expect((invalid.errors as { field: string }[]).map((e) => e.field)).toEqual(['summary']);
    const future = expectProblem(await api('POST', '/api/v1/referrals', 'contributor', { ...body, receivedOn: addDays(todayInLondon(new Date()), 2) }), 422);
    expect(future.errors).toEqual([{ field: 'receivedOn', message: 'The date the referral was made cannot be in the future' }]);
    expectProblem(await api('POST', '/api/v1/referrals', 'contributor', { ...body, partnership: 'southdale' }), 422);

    const list = await api('GET', '/api/v1/referrals', 'admin');
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({ referrals: [{ id, agencyName: 'Northmoor Academy', summary: 'A pupil was hurt', outcome: null }] });
    expect(list.body).not.toContain('Zebedee');
    const south = await api('GET', '/api/v1/referrals', 'south');
    expect(south.json()).toEqual({ referrals: [] });
    expectProblem(await api('GET', '/api/v1/referrals', 'contributor'), 403);
  });

  it('refuses a forged JSON change from a browser session without the CSRF token', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/incidents',
      headers: { cookie: [...adminPage.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': 'application/json' },
      payload: JSON.stringify(incidentBody()),
    });
    expectProblem(res, 403);
    const list = await adminPage.get('/api/v1/incidents');
    expect(list.statusCode).toBe(200);
  });
});
