import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, TestClient } from '../../../test/support/client.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { dateFields, errorSummary, textOf } from '../../../test/support/pages.ts';
import { addDays, todayInLondon, type DateOnly } from '../../domain/calendar/date-only.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { createApiToken } from '../account/service.ts';
import { recordIncident } from '../cases/service.ts';
import { addAgency, addPartnership } from '../partnerships/service.ts';

/**
 * A review's findings through HTTP, on both kinds of review that hold them (a case's review and a
 * published review no case holds): the pages with their checks (nothing saved when anything is
 * wrong), the JSON API with the same permissions as recommendations, the review's public page, and
 * recurring learning grouping findings with recommendations.
 */
describe.each(ENGINES)('review findings on %s', (engine) => {
  let t: TestApp;
  let admin: TestClient;
  let lead: TestClient;
  let school: TestClient;
  let outsider: TestClient;
  let anonymous: TestClient;
  let p: { id: string };
  let caseId: string;
  let publicationId: string;
  let caseRec: string;
  let otherRec: string;
  let agencyId: string;
  const tokens: Record<string, string> = {};
  const today = todayInLondon(new Date());
  const db = () => t.app.deps.database.db;
  const count = async () => Number((await withTenant(db(), [p.id], (trx) => trx.selectFrom('review_findings').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow())).n);
  const api = (who: string, method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: { authorization: `Bearer ${tokens[who]}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, payload: payload ? JSON.stringify(payload) : undefined });

  async function recommendation(on: { incidentId?: string; publicationId?: string }, number: string, text: string, madeOn: string, themes: string[]): Promise<string> {
    const row = await withTenant(db(), [p.id], (trx) =>
      trx
        .insertInto('recommendations')
        .values({ partnership_id: p.id, incident_id: on.incidentId ?? null, publication_id: on.publicationId ?? null, number, text, made_on: madeOn as DateOnly, themes: JSON.stringify(themes), agency_ids: '[]', response: 'accepted' })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
    return row.id;
  }

  beforeAll(async () => {
    t = await startTestApp(engine);
    p = await addPartnership(db(), { slug: 'findings-north', name: 'Findings SCP' });
    const elsewhere = await addPartnership(db(), { slug: 'findings-elsewhere', name: 'Elsewhere SCP' });
    const schoolId = (agencyId = (await addAgency(db(), { partnershipId: p.id, name: 'Findings Academy', kind: 'relevant-agency' })).id);
    const a = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: p.id, agencyId: null }], { name: 'Alex Admin' });
    admin = a.client;
    lead = (await signedInAs(t.app, [{ role: 'partner-lead', partnershipId: p.id, agencyId: null }])).client;
    school = (await signedInAs(t.app, [{ role: 'agency-contributor', partnershipId: p.id, agencyId: schoolId }])).client;
    outsider = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: elsewhere.id, agencyId: null }])).client;
    anonymous = new TestClient(t.app);
    for (const [name, grant, scope] of [
      ['admin', { role: 'partnership-admin', partnershipId: p.id, agencyId: null }, 'write'],
      ['adminRead', { role: 'partnership-admin', partnershipId: p.id, agencyId: null }, 'read'],
      ['lead', { role: 'partner-lead', partnershipId: p.id, agencyId: null }, 'write'],
      ['school', { role: 'agency-contributor', partnershipId: p.id, agencyId: schoolId }, 'write'],
      ['outsider', { role: 'partnership-admin', partnershipId: elsewhere.id, agencyId: null }, 'write'],
    ] as const) {
      const user = (await signedInAs(t.app, [grant])).userId;
      tokens[name] = (await createApiToken(db(), user, { name: 'test', scope })).token;
    }
    const aware = addDays(today, -200);
    const recorded = await recordIncident(
      db(),
      t.app.deps.cipher,
      { userId: a.userId, name: 'Alex Admin' },
      {
        partnershipId: p.id,
        facts: { outcome: 'serious-harm', abuseOrNeglect: 'suspected', location: 'in-area', incidentOn: aware, aware, whatIsKnown: '', agencyIds: [], otherAgencies: '' },
        children: [{ pseudonym: 'Child F', name: '', dateOfBirth: null, nhsNumber: '', address: '', familyNames: '', gender: null, ageAtIncident: null, ageBand: null, lookedAfter: false, careLeaver: false }],
        referralId: null,
      },
      today,
    );
    if (!recorded.ok) throw new Error('case not recorded');
    caseId = recorded.id;
    await withTenant(db(), [p.id], (trx) => trx.updateTable('incidents').set({ state: 'local-review', review_decision: 'local-review', decision_on: addDays(aware, 30) }).where('id', '=', caseId).execute());
    publicationId = (
      await db()
        .insertInto('publications')
        .values({ partnership_id: p.id, source: 'import', slug: '2019-findings-child-g', title: 'Serious case review: Child G (fictional)', summary: 'A fictional review.', review_type: 'scr', themes: '[]', published_on: '2019-05-14', withdrawable_on: '2020-05-14' })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    caseRec = await recommendation({ incidentId: caseId }, '1', 'Agencies should identify every man in the household, including fathers, and include them in assessments.', addDays(today, -20), ['invisible-or-hidden-men']);
    otherRec = await recommendation({ publicationId }, '1', 'Practitioners should identify fathers and male carers in the household and include them in assessments.', '2019-03-01', ['invisible-or-hidden-men']);
  }, 120_000);
  afterAll(async () => t.close());

  const caseBase = () => `/cases/${caseId}/review`;

  it('lets the business unit add a finding to a case’s review, refusing bad answers with specific messages and saving nothing', async () => {
    const list = await admin.get(`${caseBase()}/recommendations`);
    expect(list.statusCode).toBe(200);
    expect(textOf(list.body)).toContain('No findings have been recorded for this review yet');
    const form = await admin.get(`${caseBase()}/findings/new`);
    expect(form.statusCode).toBe(200);
    expect(textOf(form.body)).toContain('Recommendation 1: Agencies should identify every man in the household');
    const blank = await admin.post(`${caseBase()}/findings/new`, { number: '', text: ' ', 'foundOn-day': '31', 'foundOn-month': '2', 'foundOn-year': '2026' });
    expect(blank.statusCode).toBe(422);
    const summary = errorSummary(blank.body);
    expect(summary).toContain('Enter the finding’s number, as in the report');
    expect(summary).toContain('Enter what the review found');
    expect(blank.body).toContain('href="#foundOn-day"');
    // Another review's recommendation cannot be named.
    const finding = { number: '1', text: 'Nobody asked who the man visiting the household was; no agency recorded him.', ...dateFields('foundOn', addDays(today, -20)), themes: ['invisible-or-hidden-men'], recommendationIds: [caseRec] };
    const foreign = await admin.post(`${caseBase()}/findings/new`, { ...finding, recommendationIds: [otherRec] });
    expect(foreign.statusCode).toBe(422);
    expect(errorSummary(foreign.body)).toContain('Select recommendations of this review');
    expect(await count()).toBe(0);
    const ok = await admin.post(`${caseBase()}/findings/new`, finding);
    expect(ok.statusCode, errorSummary(ok.body)).toBe(303);
    expect(ok.headers.location).toBe(`${caseBase()}/recommendations?done=finding#findings`);
    const dup = await admin.post(`${caseBase()}/findings/new`, finding);
    expect(errorSummary(dup.body)).toContain('This review already has a finding with that number');
    const page = textOf((await lead.get(`${caseBase()}/recommendations`)).body);
    expect(page).toContain('Finding 1');
    expect(page).toContain('Nobody asked who the man visiting the household was');
    expect(page).toContain('Led to Recommendation 1');
    const id = (await withTenant(db(), [p.id], (trx) => trx.selectFrom('review_findings').select('id').where('incident_id', '=', caseId).executeTakeFirstOrThrow())).id;
    const audit = await db().selectFrom('audit_events').select('action').where('record_id', '=', id).execute();
    expect(audit.map((e) => e.action)).toContain('finding-added');
  });

  it('changes a finding, refusing a change made over someone else’s', async () => {
    const id = (await withTenant(db(), [p.id], (trx) => trx.selectFrom('review_findings').select('id').where('incident_id', '=', caseId).executeTakeFirstOrThrow())).id;
    const url = `${caseBase()}/findings/${id}/edit`;
    const form = await admin.get(url);
    expect(form.statusCode).toBe(200);
    // Opening the form shows the finding: a view of case data, in the audit trail.
    const viewed = await db().selectFrom('audit_events').select(['action', 'changes']).where('record_id', '=', id).where('action', '=', 'view').execute();
    expect(viewed.map((e) => JSON.stringify(e.changes))).toContain(JSON.stringify({ page: 'finding-edit' }));
    const values = { number: '1', text: 'No agency knew who the man in the household was.', ...dateFields('foundOn', addDays(today, -20)), themes: ['invisible-or-hidden-men'], recommendationIds: [] as string[] };
    const stale = await admin.post(url, { ...values, version: '7' });
    expect(stale.statusCode).toBe(409);
    const ok = await admin.post(url, { ...values, version: '1' });
    expect(ok.statusCode, errorSummary(ok.body)).toBe(303);
    const page = textOf((await admin.get(`${caseBase()}/recommendations`)).body);
    expect(page).toContain('No agency knew who the man in the household was.');
    expect(page).toContain('No recommendation recorded');
  });

  it('keeps findings from those outside the business unit and the partners', async () => {
    expect((await lead.get(`${caseBase()}/findings/new`)).statusCode).toBe(403);
    expect((await school.get(`${caseBase()}/recommendations`)).statusCode).toBe(403);
    expect((await outsider.get(`${caseBase()}/findings/new`)).statusCode).toBe(404);
    expect((await admin.get(`${caseBase()}/findings/00000000-0000-4000-8000-000000000000/edit`)).statusCode).toBe(404);
    expect((await anonymous.get(`${caseBase()}/findings/new`)).statusCode).toBe(303);
  });

  it('records findings on a published review no case holds, and publishes them on its public page', async () => {
    const base = `/publications/${publicationId}`;
    const ok = await admin.post(`${base}/findings/new`, { number: '1', text: 'Fathers and men in the household were never identified; assessments did not include them.', ...dateFields('foundOn', '2019-03-01'), themes: ['invisible-or-hidden-men'], recommendationIds: [otherRec] }, { from: `${base}/findings/new` });
    expect(ok.statusCode, errorSummary(ok.body)).toBe(303);
    const page = textOf((await anonymous.get('/reviews/2019-findings-child-g')).body);
    expect(page).toContain('What the review found');
    expect(page).toContain('Fathers and men in the household were never identified');
    expect(page).toContain('Led to Recommendation 1');
  });

  it('offers findings in the JSON API with the same checks as recommendations', async () => {
    const url = `/api/v1/incidents/${caseId}/review/findings`;
    const listed = await api('lead', 'GET', url);
    expect(listed.statusCode).toBe(200);
    expect(listed.json().findings).toMatchObject([{ number: '1', text: 'No agency knew who the man in the household was.', recommendationIds: [], version: 2 }]);
    expect((await api('school', 'GET', url)).statusCode).toBe(403);
    expect((await api('outsider', 'GET', url)).statusCode).toBe(404);
    const body = { number: '2', text: 'Information about the man was held by police but not shared.', foundOn: addDays(today, -20), themes: ['information-sharing'], recommendationIds: [caseRec] };
    expect((await api('lead', 'POST', url, body)).statusCode).toBe(403);
    expect((await api('adminRead', 'POST', url, body)).statusCode).toBe(403);
    const bad = await api('admin', 'POST', url, { ...body, text: '', recommendationIds: [otherRec] });
    expect(bad.statusCode).toBe(422);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.json().errors).toEqual([
      { field: 'text', message: 'Enter what the review found' },
      { field: 'recommendationIds', message: 'Select recommendations of this review' },
    ]);
    expect((await api('admin', 'POST', url, { ...body, foundOn: 'soon' })).statusCode).toBe(422);
    const created = await api('admin', 'POST', url, body);
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ number: '2', incidentId: caseId, publicationId: null, recommendationIds: [caseRec], recommendationNumbers: ['1'], version: 1 });
    const id = created.json().id as string;
    const put = `/api/v1/findings/${id}`;
    expect((await api('outsider', 'PUT', put, { ...body, version: 1 })).statusCode).toBe(404);
    expect((await api('admin', 'PUT', put, { ...body, version: 9 })).statusCode).toBe(409);
    const changed = await api('admin', 'PUT', put, { ...body, text: 'Police held information about the man but did not share it.', version: 1 });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ text: 'Police held information about the man but did not share it.', version: 2 });
    const pub = await api('admin', 'GET', `/api/v1/publications/${publicationId}/findings`);
    expect(pub.json().findings).toMatchObject([{ number: '1', publicationId, recommendationNumbers: ['1'] }]);
    const spec = (await anonymous.get('/api/v1/openapi.json')).json();
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/v1/incidents/{id}/review/findings', '/api/v1/publications/{id}/findings', '/api/v1/findings/{id}']));
  });

  it('takes one of several findings or recommendations sent at once with the same number, refusing the others (never a server error)', async () => {
    const before = await count();
    const findings = await Promise.all(
      Array.from({ length: 6 }, () => api('admin', 'POST', `/api/v1/incidents/${caseId}/review/findings`, { number: 'R7', text: 'The same finding, sent twice at the same moment.', foundOn: addDays(today, -5) })),
    );
    expect(findings.map((a) => a.statusCode).sort()).toEqual([201, 422, 422, 422, 422, 422]);
    expect(findings.find((a) => a.statusCode === 422)?.json().errors).toEqual([{ field: 'number', message: 'This review already has a finding with that number' }]);
    expect(await count()).toBe(before + 1);
    const recommendation = { number: 'R7', text: 'The same recommendation, sent twice at the same moment.', madeOn: addDays(today, -5), agencyIds: [agencyId], response: 'accepted' };
    const recommendations = await Promise.all(Array.from({ length: 6 }, () => api('admin', 'POST', `/api/v1/publications/${publicationId}/recommendations`, recommendation)));
    expect(recommendations.map((a) => a.statusCode).sort()).toEqual([201, 422, 422, 422, 422, 422]);
  });

  it('groups findings with recommendations in recurring learning, each saying which it is', async () => {
    const res = await api('admin', 'GET', '/api/v1/learning/recurring');
    expect(res.statusCode).toBe(200);
    type Group = { label: string; recommendations: { id: string }[]; findings: { id: string; text: string; review: { slug: string | null } }[] };
    const groups = res.json().groups as Group[];
    const men = groups.find((g) => g.recommendations.some((r) => r.id === caseRec));
    expect(men, JSON.stringify(groups)).toBeTruthy();
    expect(men?.recommendations.map((r) => r.id).sort()).toEqual([caseRec, otherRec].sort());
    expect(men?.findings.map((f) => f.text)).toEqual(expect.arrayContaining(['Fathers and men in the household were never identified; assessments did not include them.']));
    expect(men?.findings.find((f) => f.text.startsWith('Fathers and men'))?.review.slug).toBe('2019-findings-child-g');
    const page = textOf((await admin.get('/learning/recurring')).body);
    expect(page).toContain('Finding 1');
    expect(page).toMatch(/\d+ recommendations and \d+ findings from 2 reviews/);
  });
});
