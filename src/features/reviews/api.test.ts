import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { addDays, todayInLondon } from '../../domain/calendar/date-only.ts';
import { createUser } from '../users/service.ts';
import { createApiToken } from '../account/service.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { recordIncident } from '../cases/service.ts';
import { addPartnership } from '../partnerships/service.ts';

describe.each(ENGINES)('the reviews API on %s', (engine) => {
  let t: TestApp;
  let adminToken: string;
  let reviewerToken: string;
  let strangerToken: string;
  let caseId: string;
  const today = todayInLondon(new Date());

  const call = (token: string, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, payload: payload ? JSON.stringify(payload) : undefined });

  beforeAll(async () => {
    t = await startTestApp(engine);
    const db = t.app.deps.database.db;
    const p = await addPartnership(db, { slug: 'api-reviews', name: 'API SCP' });
    const admin = await createUser(db, { email: 'api-admin@example.org', name: 'API Admin', password: 'correct horse battery staple 42', grants: [{ role: 'partnership-admin', partnershipId: p.id, agencyId: null }] });
    const reviewer = await createUser(db, { email: 'api-reviewer@example.org', name: 'API Reviewer', password: 'correct horse battery staple 42', grants: [{ role: 'reviewer', partnershipId: p.id, agencyId: null }] });
    const stranger = await createUser(db, { email: 'api-stranger@example.org', name: 'Stranger', password: 'correct horse battery staple 42', grants: [{ role: 'reviewer', partnershipId: p.id, agencyId: null }] });
    adminToken = (await createApiToken(db, admin.id, { name: 'test', scope: 'write' })).token;
    reviewerToken = (await createApiToken(db, reviewer.id, { name: 'test', scope: 'write' })).token;
    strangerToken = (await createApiToken(db, stranger.id, { name: 'test', scope: 'write' })).token;
    const aware = addDays(today, -60);
    const r = await recordIncident(db, t.app.deps.cipher, { userId: admin.id, name: 'API Admin' }, {
      partnershipId: p.id,
      facts: { outcome: 'serious-harm', abuseOrNeglect: 'suspected', location: 'in-area', incidentOn: aware, aware, whatIsKnown: '', agencyIds: [], otherAgencies: '' },
      children: [{ pseudonym: 'Child Q', name: '', dateOfBirth: null, nhsNumber: '', address: '', familyNames: '', gender: null, ageAtIncident: null, ageBand: null, lookedAfter: false, careLeaver: false }],
      referralId: null,
    }, today);
    if (!r.ok) throw new Error('not recorded');
    caseId = r.id;
    await withTenant(db, [p.id], async (trx) => {
      await trx.updateTable('incidents').set({ state: 'alternative-review', review_decision: 'alternative-review', notified_on: addDays(aware, 1), rapid_review_sent_on: addDays(aware, 10), decision_on: addDays(today, -20) }).where('id', '=', caseId).execute();
      await trx.insertInto('reviews').values({ incident_id: caseId, partnership_id: p.id, review_type: 'practice-learning', lead_reviewer_id: reviewer.id }).execute();
    });
  });
  afterAll(async () => t.close());

  it('reads the review for the business unit and its lead reviewer only', async () => {
    const res = await call(reviewerToken, 'GET', `/api/v1/incidents/${caseId}/review`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ incidentId: caseId, reviewType: 'practice-learning', leadReviewer: { name: 'API Reviewer' }, entries: [] });
    expect((await call(adminToken, 'GET', `/api/v1/incidents/${caseId}/review`)).statusCode).toBe(200);
    const stranger = await call(strangerToken, 'GET', `/api/v1/incidents/${caseId}/review`);
    expect(stranger.statusCode).toBe(404);
    expect(stranger.headers['content-type']).toContain('application/problem+json');
  });

  it('adds to the log with the page’s checks, and refuses what the reviewer may not record', async () => {
    const bad = await call(reviewerToken, 'POST', `/api/v1/incidents/${caseId}/review/entries`, { kind: 'milestone', onDate: '2026-02-30' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().errors).toEqual([{ field: 'onDate', message: 'Use a date written YYYY-MM-DD' }]);
    const missing = await call(reviewerToken, 'POST', `/api/v1/incidents/${caseId}/review/entries`, { kind: 'practitioner-event', onDate: today, choices: { format: 'party' } });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().errors).toEqual([
      { field: 'text', message: 'Enter who takes part' },
      { field: 'choices.format', message: 'Select one of the options for format' },
    ]);
    expect((await call(reviewerToken, 'POST', `/api/v1/incidents/${caseId}/review/entries`, { kind: 'monitoring', onDate: today, choices: { time: 'on-track', quality: 'good' }, notes: 'x' })).statusCode).toBe(403);
    const ok = await call(reviewerToken, 'POST', `/api/v1/incidents/${caseId}/review/entries`, { kind: 'milestone', onDate: addDays(today, 10), text: 'Draft to partners' });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().entries).toEqual([expect.objectContaining({ kind: 'milestone', onDate: addDays(today, 10), details: { title: 'Draft to partners' }, overdue: false, recordedBy: 'API Reviewer' })]);
    const monitoring = await call(adminToken, 'POST', `/api/v1/incidents/${caseId}/review/entries`, { kind: 'monitoring', onDate: today, choices: { time: 'on-track', quality: 'good' }, flags: { regulation14: true }, notes: 'Checked.' });
    expect(monitoring.statusCode, monitoring.body).toBe(201);
    expect(monitoring.json().entries.find((e: { kind: string }) => e.kind === 'monitoring').details).toEqual({ time: 'on-track', quality: 'good', regulation14: true });
  });
});
