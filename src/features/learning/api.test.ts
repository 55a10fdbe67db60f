import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { addDays, todayInLondon } from '../../domain/calendar/date-only.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { createApiToken } from '../account/service.ts';
import { recordIncident } from '../cases/service.ts';
import { addAgency, addPartnership } from '../partnerships/service.ts';
import { multipartBody } from '../../../test/support/multipart.ts';
import { createUser } from '../users/service.ts';
import { samplePdf } from '../../platform/documents/test-fixtures.ts';

const PDF = samplePdf('fictional evidence: notifications checked against call-outs', 2048);

/** The learning API: the same rules as the pages, answered as problem JSON. */
describe.each(ENGINES)('the learning API on %s', (engine) => {
  let t: TestApp;
  const tokens: Record<string, string> = {};
  let caseId: string;
  let schoolId: string;
  let policeId: string;
  let recId: string;
  let actionId: string;
  const today = todayInLondon(new Date());

  const call = (who: string, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: { authorization: `Bearer ${tokens[who]}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, payload: payload ? JSON.stringify(payload) : undefined });

  beforeAll(async () => {
    t = await startTestApp(engine);
    const db = t.app.deps.database.db;
    const p = await addPartnership(db, { slug: 'api-learning', name: 'API Learning SCP' });
    const other = await addPartnership(db, { slug: 'api-learning-other', name: 'Other SCP' });
    schoolId = (await addAgency(db, { partnershipId: p.id, name: 'API Academy', kind: 'relevant-agency' })).id;
    policeId = (await addAgency(db, { partnershipId: p.id, name: 'API Police', kind: 'police' })).id;
    const people: [string, { role: 'partnership-admin' | 'partner-lead' | 'agency-contributor'; partnershipId: string; agencyId: string | null }, 'read' | 'write'][] = [
      ['admin', { role: 'partnership-admin', partnershipId: p.id, agencyId: null }, 'write'],
      ['adminRead', { role: 'partnership-admin', partnershipId: p.id, agencyId: null }, 'read'],
      ['lead', { role: 'partner-lead', partnershipId: p.id, agencyId: null }, 'write'],
      ['school', { role: 'agency-contributor', partnershipId: p.id, agencyId: schoolId }, 'write'],
      ['police', { role: 'agency-contributor', partnershipId: p.id, agencyId: policeId }, 'write'],
      ['outsider', { role: 'partnership-admin', partnershipId: other.id, agencyId: null }, 'write'],
    ];
    let adminId = '';
    for (const [name, grant, scope] of people) {
      const user = await createUser(db, { email: `api-learning-${name}@example.org`, name: `API ${name}`, password: 'correct horse battery staple 42', grants: [grant] });
      if (name === 'admin') adminId = user.id;
      tokens[name] = (await createApiToken(db, user.id, { name: 'test', scope })).token;
    }
    const aware = addDays(today, -90);
    const r = await recordIncident(
      db,
      t.app.deps.cipher,
      { userId: adminId, name: 'API admin' },
      {
        partnershipId: p.id,
        facts: { outcome: 'serious-harm', abuseOrNeglect: 'suspected', location: 'in-area', incidentOn: aware, aware, whatIsKnown: '', agencyIds: [], otherAgencies: '' },
        children: [{ pseudonym: 'Child A', name: '', dateOfBirth: null, nhsNumber: '', address: '', familyNames: '', gender: null, ageAtIncident: null, ageBand: null, lookedAfter: false, careLeaver: false }],
        referralId: null,
      },
      today,
    );
    if (!r.ok) throw new Error('not recorded');
    caseId = r.id;
    await withTenant(db, [p.id], (trx) =>
      trx.updateTable('incidents').set({ state: 'local-review', review_decision: 'local-review', notified_on: addDays(aware, 1), rapid_review_sent_on: addDays(aware, 10), decision_on: addDays(today, -20) }).where('id', '=', caseId).execute(),
    );
  }, 120_000);
  afterAll(async () => t.close());

  it('adds a recommendation for the business unit, with the page’s checks', async () => {
    const url = `/api/v1/incidents/${caseId}/review/recommendations`;
    const bad = await call('admin', 'POST', url, { number: '1', text: 'Share information', madeOn: addDays(today, -10), agencyIds: [schoolId], response: 'not-accepted' });
    expect(bad.statusCode).toBe(422);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.json().errors).toEqual([{ field: 'responseReasons', message: 'Say why the recommendation is not accepted' }]);
    expect((await call('admin', 'POST', url, { number: '1', madeOn: 'soon' })).statusCode).toBe(422);
    expect((await call('adminRead', 'POST', url, { number: '1' })).statusCode).toBe(403);
    expect((await call('lead', 'POST', url, { number: '1' })).statusCode).toBe(403);
    expect((await call('outsider', 'POST', url, { number: '1' })).statusCode).toBe(404);
    const ok = await call('admin', 'POST', url, { number: '1', text: 'Share information about new adults', madeOn: addDays(today, -10), agencyIds: [schoolId, policeId], themes: ['information-sharing'], response: 'accepted' });
    expect(ok.statusCode, ok.body).toBe(201);
    recId = ok.json().id;
    const list = await call('lead', 'GET', url);
    expect(list.statusCode).toBe(200);
    expect(list.json().recommendations).toMatchObject([{ id: recId, number: '1', response: 'accepted', actions: [] }]);
    expect((await call('school', 'GET', url)).statusCode).toBe(403);
  });

  it('adds actions, refusing a due date before the recommendation', async () => {
    const url = `/api/v1/recommendations/${recId}/actions`;
    const action = { agencyId: schoolId, leadName: 'Jo Patel', dueOn: addDays(today, -11), intendedChange: 'Schools told next morning', measureOfSuccess: 'Termly check' };
    const early = await call('admin', 'POST', url, action);
    expect(early.statusCode).toBe(422);
    expect(early.json().errors).toEqual([{ field: 'dueOn', message: 'The due date cannot be before the date of the recommendation' }]);
    expect((await call('outsider', 'POST', url, action)).statusCode).toBe(404);
    const ok = await call('admin', 'POST', url, { ...action, dueOn: addDays(today, 30) });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toMatchObject({ status: 'not-started', rag: 'green', agency: { id: schoolId, name: 'API Academy' }, version: 1 });
    actionId = ok.json().id;
  });

  it('lets only the owning agency record progress, needs evidence, and keeps sign-off for leads', async () => {
    const url = `/api/v1/actions/${actionId}/updates`;
    expect((await call('police', 'GET', `/api/v1/actions/${actionId}`)).statusCode).toBe(404);
    expect((await call('police', 'POST', url, { step: 'start', version: 1 })).statusCode).toBe(404);
    expect((await call('police', 'GET', '/api/v1/actions')).json().actions).toEqual([]);
    expect((await call('school', 'GET', '/api/v1/actions')).json()).toMatchObject({ total: 1, actions: [{ id: actionId }] });
    expect((await call('lead', 'POST', url, { step: 'start', version: 1 })).statusCode).toBe(403);
    expect((await call('school', 'POST', url, { step: 'start', version: 1 })).statusCode).toBe(201);
    const noEvidence = await call('school', 'POST', url, { step: 'complete', text: '', version: 2 });
    expect(noEvidence.statusCode).toBe(422);
    expect(noEvidence.json().errors[0].message).toBe('Enter the evidence that the action is completed');
    // Words alone do not complete it: a file of evidence must be attached first; the refusal changes nothing.
    const noFile = await call('school', 'POST', url, { step: 'complete', text: 'Audit of 20 notifications', version: 2 });
    expect(noFile.statusCode).toBe(422);
    expect(noFile.json().errors).toEqual([{ field: 'file', message: expect.stringMatching(/^Attach at least one file as evidence that the action is completed/) }]);
    expect((await call('school', 'GET', `/api/v1/actions/${actionId}`)).json()).toMatchObject({ status: 'in-progress', version: 2, completionEvidence: '' });
    const form = multipartBody({ stage: 'completion' }, { name: 'check.pdf', type: 'application/pdf', bytes: PDF });
    const attached = await t.app.inject({ method: 'POST', url: `/api/v1/actions/${actionId}/evidence`, headers: { authorization: `Bearer ${tokens.school}`, 'content-type': form.contentType }, payload: form.payload });
    expect(attached.statusCode, attached.body).toBe(201);
    expect((await call('school', 'POST', url, { step: 'complete', text: 'Evidence', version: 1 })).statusCode).toBe(409);
    expect((await call('school', 'POST', url, { step: 'complete', text: 'Audit of 20 notifications', version: 2 })).statusCode).toBe(201);
    expect((await call('school', 'POST', url, { step: 'close', version: 3 })).statusCode).toBe(403);
    expect((await call('lead', 'POST', url, { step: 'send-back', version: 3 })).statusCode).toBe(422);
    const back = await call('lead', 'POST', url, { step: 'send-back', text: 'Covers one term only', version: 3 });
    expect(back.statusCode).toBe(201);
    expect(back.json()).toMatchObject({ status: 'in-progress', sentBack: true, completionEvidence: 'Audit of 20 notifications' });
    expect(back.json().updates.map((u: { step: string }) => u.step)).toEqual(['send-back', 'complete', 'start', 'created']);
    expect((await call('school', 'POST', url, { step: 'fly', version: 4 })).statusCode).toBe(422);
    // The evidence was challenged: the file already sent does not complete it again; a new one does.
    const sameFile = await call('school', 'POST', url, { step: 'complete', text: 'Audit of two terms', version: 4 });
    expect(sameFile.statusCode).toBe(422);
    expect(sameFile.json().errors[0].field).toBe('file');
    const again = multipartBody({ stage: 'completion' }, { name: 'two-terms.pdf', type: 'application/pdf', bytes: PDF });
    expect((await t.app.inject({ method: 'POST', url: `/api/v1/actions/${actionId}/evidence`, headers: { authorization: `Bearer ${tokens.school}`, 'content-type': again.contentType }, payload: again.payload })).statusCode).toBe(201);
    expect((await call('school', 'POST', url, { step: 'complete', text: 'Audit of two terms', version: 4 })).statusCode).toBe(201);
  });
});
