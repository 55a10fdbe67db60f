import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { createApiToken } from '../account/service.ts';
import { deadlineListSchema, problemSchema } from '../api/schemas.ts';
import { addAgency, addPartnership, type AgencyView } from '../partnerships/service.ts';
import { createUser, type NewGrant } from '../users/service.ts';
import { samplePdf } from '../../platform/documents/test-fixtures.ts';

// Requests to agencies and their answers in the JSON API, with the pages' checks: the business unit
// sends requests (which agencies, due dates, the day sent); an agency contributor answers only its own
// agency's requests (the file as base64); every step takes the day it happened and the clocks count
// from those days (Working Together to Safeguard Children 2023 ch.5: the rapid review).

type Json = Record<string, unknown>;
const PDF = samplePdf('a fictional chronology', 2048);
const SECRET = 'Known only to the test: seen twice at school (fictional).';

describe.each(ENGINES)('requests to agencies in the API on %s', (engine) => {
  let t: TestApp;
  let school: AgencyView;
  let college: AgencyView;
  const tokens: Record<string, string> = {};
  const db = () => t.app.deps.database.db;

  async function tokenFor(grants: NewGrant[], name: string): Promise<string> {
    const user = await createUser(db(), { email: `${name.toLowerCase().replace(/\W+/g, '.')}@example.org`, name, password: 'correct horse battery staple 42', grants });
    return (await createApiToken(db(), user.id, { name: 'test', scope: 'write' })).token;
  }

  function api(method: 'GET' | 'POST', url: string, who: string, body?: unknown): Promise<LightMyRequestResponse> {
    return t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${tokens[who]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  }

  function expectProblem(res: LightMyRequestResponse, status: number): Json {
    expect(res.statusCode, res.body).toBe(status);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const body = res.json() as Json;
    expect(problemSchema.safeParse(body).success).toBe(true);
    return body;
  }

  beforeAll(async () => {
    t = await startTestApp(engine);
    const northmoor = await addPartnership(db(), { slug: 'northmoor', name: 'Northmoor Safeguarding Children Partnership' });
    const southdale = await addPartnership(db(), { slug: 'southdale', name: 'Southdale Safeguarding Children Partnership' });
    const la = await addAgency(db(), { partnershipId: northmoor.id, name: 'Northmoor Council', kind: 'local-authority' });
    const police = await addAgency(db(), { partnershipId: northmoor.id, name: 'Northmoor Police', kind: 'police' });
    const icb = await addAgency(db(), { partnershipId: northmoor.id, name: 'Northmoor ICB', kind: 'icb' });
    school = await addAgency(db(), { partnershipId: northmoor.id, name: 'Northmoor Academy', kind: 'relevant-agency' });
    college = await addAgency(db(), { partnershipId: northmoor.id, name: 'Northmoor College', kind: 'relevant-agency' });
    tokens.admin = await tokenFor([{ role: 'partnership-admin', partnershipId: northmoor.id }], 'Alex Admin');
    tokens.la = await tokenFor([{ role: 'partner-lead', partnershipId: northmoor.id, agencyId: la.id }], 'Lee Council');
    tokens.police = await tokenFor([{ role: 'partner-lead', partnershipId: northmoor.id, agencyId: police.id }], 'Pat Police');
    tokens.icb = await tokenFor([{ role: 'partner-lead', partnershipId: northmoor.id, agencyId: icb.id }], 'Indy Health');
    tokens.school = await tokenFor([{ role: 'agency-contributor', partnershipId: northmoor.id, agencyId: school.id }], 'Sam School');
    tokens.college = await tokenFor([{ role: 'agency-contributor', partnershipId: northmoor.id, agencyId: college.id }], 'Cal College');
    tokens.south = await tokenFor([{ role: 'partnership-admin', partnershipId: southdale.id }], 'Sol South');
  });
  afterAll(async () => t?.close());

  /** A case whose rapid review started on 6 March 2025 (notified 5 March), recorded long after. */
  async function caseInRapidReview(): Promise<string> {
    const created = await api('POST', '/api/v1/incidents', 'admin', {
      outcome: 'serious-harm', abuseOrNeglect: 'suspected', location: 'in-area', aware: '2025-03-03', whatIsKnown: 'Fictional.', children: [{ pseudonym: 'Child K' }],
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = (created.json() as { id: string }).id;
    expect((await api('POST', `/api/v1/incidents/${id}/transitions`, 'admin', { transition: 'notify', date: '2025-03-05' })).statusCode).toBe(200);
    expect((await api('POST', `/api/v1/incidents/${id}/transitions`, 'admin', { transition: 'start-rapid-review', date: '2025-03-06' })).statusCode).toBe(200);
    return id;
  }

  it('sends requests on the day they were sent, with due dates not before it, as the business unit only', async () => {
    const id = await caseInRapidReview();
    const url = `/api/v1/incidents/${id}/rapid-review/requests`;
    const body = { sentOn: '2025-03-07', agencies: [{ agencyId: school.id }, { agencyId: college.id, dueOn: '2025-03-21' }] };
    // The same permission as the page: an agency contributor or another partnership cannot send them.
    expectProblem(await api('POST', url, 'school', body), 403);
    expectProblem(await api('POST', url, 'south', body), 404);
    const malformed = expectProblem(await api('POST', url, 'admin', { sentOn: '7 March', agencies: [] }), 422);
    expect((malformed.errors as { field: string }[]).map((e) => e.field)).toEqual(expect.arrayContaining(['sentOn', 'agencies']));
    const early = expectProblem(await api('POST', url, 'admin', { ...body, sentOn: '2025-03-05' }), 422);
    expect(early.errors).toContainEqual({ field: 'sentOn', message: 'The date the requests were sent cannot be before the date the rapid review started (6 March 2025)' });
    const dueEarly = expectProblem(await api('POST', url, 'admin', { sentOn: '2025-03-07', agencies: [{ agencyId: school.id }, { agencyId: college.id, dueOn: '2025-03-06' }] }), 422);
    expect(dueEarly.errors).toEqual([{ field: 'agencies.1.dueOn', message: 'The due date for Northmoor College cannot be before the date the requests were sent (7 March 2025)' }]);
    const stranger = expectProblem(await api('POST', url, 'admin', { sentOn: '2025-03-07', agencies: [{ agencyId: '00000000-0000-4000-8000-000000000000' }] }), 422);
    expect(stranger.errors).toEqual([{ field: 'agencies', message: 'Select agencies of this partnership' }]);
    expect(await db().selectFrom('agency_requests').selectAll().where('incident_id', '=', id).execute()).toEqual([]);

    const sent = await api('POST', url, 'admin', body);
    expect(sent.statusCode, sent.body).toBe(201);
    const requests = (sent.json() as { requests: Json[] }).requests;
    // 7 working days from the day sent (Friday 7 March 2025), not from today.
    expect(requests).toEqual(expect.arrayContaining([
      expect.objectContaining({ agencyName: 'Northmoor Academy', requestedOn: '2025-03-07', dueOn: '2025-03-18', answered: false, overdue: true }),
      expect.objectContaining({ agencyName: 'Northmoor College', requestedOn: '2025-03-07', dueOn: '2025-03-21' }),
    ]));
    const again = expectProblem(await api('POST', url, 'admin', { sentOn: '2025-03-07', agencies: [{ agencyId: school.id }] }), 422);
    expect(again.errors).toEqual([{ field: 'agencies.0.dueOn', message: 'Northmoor Academy has already been sent a request' }]);
    const audit = await db().selectFrom('audit_events').select('changes').where('record_id', '=', id).where('action', '=', 'agency-requests-sent').executeTakeFirstOrThrow();
    expect(audit.changes).toMatchObject({ via: 'api', after: { sentOn: '2025-03-07' } });
  });

  it('lets an agency read and answer only its own requests, with the day received and a file in base64', async () => {
    const id = await caseInRapidReview();
    expect((await api('POST', `/api/v1/incidents/${id}/rapid-review/requests`, 'admin', { sentOn: '2025-03-07', agencies: [{ agencyId: school.id }, { agencyId: college.id }] })).statusCode).toBe(201);
    const ids = Object.fromEntries((await db().selectFrom('agency_requests').select(['id', 'agency_id']).where('incident_id', '=', id).execute()).map((r) => [r.agency_id, r.id]));
    const mine = ids[school.id];
    const theirs = ids[college.id];

    // Each agency sees its own; the business unit has no such list (it reads them on the case).
    const list = await api('GET', '/api/v1/agency-requests', 'school');
    expect(list.statusCode).toBe(200);
    const listed = (list.json() as { requests: { id: string; agencyName: string }[] }).requests;
    expect(listed.map((r) => r.id)).toContain(mine);
    expect(listed.map((r) => r.id)).not.toContain(theirs);
    expect(listed.every((r) => r.agencyName === 'Northmoor Academy')).toBe(true);
    expectProblem(await api('GET', '/api/v1/agency-requests', 'admin'), 403);
    expect((await api('GET', `/api/v1/agency-requests/${mine}`, 'school')).json()).toMatchObject({ id: mine, status: 'overdue', answered: false, answeredOn: null });
    // Another agency's request: not found, and the refusal is audited.
    expectProblem(await api('GET', `/api/v1/agency-requests/${theirs}`, 'school'), 404);
    const answer = { involvement: SECRET, episodes: 'Two missed appointments.', answeredOn: '2025-03-20', file: { name: '../chronology.pdf', contentBase64: PDF.toString('base64') } };
    expectProblem(await api('POST', `/api/v1/agency-requests/${theirs}/answer`, 'school', answer), 404);
    const refused = await db().selectFrom('audit_events').select('outcome').where('action', '=', 'access-refused').where('record_id', '=', theirs).execute();
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect((await db().selectFrom('agency_requests').select('responded_at').where('id', '=', theirs).executeTakeFirstOrThrow()).responded_at).toBeNull();

    // The day it was received: not before the request, not in the future; the file checked like the page's.
    const early = expectProblem(await api('POST', `/api/v1/agency-requests/${mine}/answer`, 'school', { ...answer, answeredOn: '2025-03-06' }), 422);
    expect(early.errors).toEqual([{ field: 'answeredOn', message: 'The date the answer was sent cannot be before the date the request was sent (7 March 2025)' }]);
    const future = expectProblem(await api('POST', `/api/v1/agency-requests/${mine}/answer`, 'school', { ...answer, answeredOn: '2099-01-01' }), 422);
    expect(future.errors).toEqual([{ field: 'answeredOn', message: 'The date the answer was sent cannot be in the future' }]);
    const notPdf = expectProblem(await api('POST', `/api/v1/agency-requests/${mine}/answer`, 'school', { ...answer, file: { name: 'a.pdf', contentBase64: Buffer.from('MZ not a PDF').toString('base64') } }), 422);
    expect(notPdf.errors).toEqual([{ field: 'file.contentBase64', message: 'The selected file must be a PDF or a Word document (.docx)' }]);
    const notBase64 = expectProblem(await api('POST', `/api/v1/agency-requests/${mine}/answer`, 'school', { ...answer, file: { name: 'a.pdf', contentBase64: 'not base64!' } }), 422);
    expect((notBase64.errors as { field: string }[])[0].field).toBe('file.contentBase64');
    expect((await db().selectFrom('agency_requests').select('responded_at').where('id', '=', mine).executeTakeFirstOrThrow()).responded_at).toBeNull();

    const answered = await api('POST', `/api/v1/agency-requests/${mine}/answer`, 'school', answer);
    expect(answered.statusCode, answered.body).toBe(200);
    // Due 18 March, received 20 March: late, whenever it was recorded.
    expect(answered.json()).toMatchObject({ status: 'answered-late', answered: true, answeredOn: '2025-03-20', involvement: SECRET, file: { name: 'chronology.pdf', type: 'pdf', size: PDF.length } });
    const row = await db().selectFrom('agency_requests').selectAll().where('id', '=', mine).executeTakeFirstOrThrow();
    expect(row.answered_on).toBe('2025-03-20');
    expect(row.responded_at).not.toBeNull();
    expect((await t.app.deps.files.read(row.file_sha256 as string))?.equals(PDF)).toBe(true);
    const audit = await db().selectFrom('audit_events').select('changes').where('record_id', '=', mine).where('action', '=', 'agency-request-answered').executeTakeFirstOrThrow();
    expect(audit.changes).toMatchObject({ via: 'api', after: { answered: true, answeredOn: '2025-03-20', file: { type: 'pdf' } } });
    expect(JSON.stringify(audit.changes)).not.toContain('seen twice');

    // A file larger than other bodies (the base64 of 3 MB) is taken here; one over 10 MB is refused.
    const big = Buffer.concat([PDF, Buffer.alloc(3 * 1024 * 1024, 0x20)]);
    const larger = await api('POST', `/api/v1/agency-requests/${mine}/answer`, 'school', { ...answer, file: { name: 'full.pdf', contentBase64: big.toString('base64') } });
    expect(larger.statusCode, larger.body.slice(0, 300)).toBe(200);
    expect(larger.json()).toMatchObject({ file: { name: 'full.pdf', size: big.length } });
    const tooBig = await api('POST', `/api/v1/agency-requests/${mine}/answer`, 'school', { ...answer, file: { name: 'huge.pdf', contentBase64: Buffer.concat([PDF, Buffer.alloc(10 * 1024 * 1024, 0x20)]).toString('base64') } });
    expect([413, 422]).toContain(tooBig.statusCode);
    expect(tooBig.headers['content-type']).toMatch(/^application\/problem\+json/);

    // The business unit reads the answer on the case; another partnership cannot.
    const read = await api('GET', `/api/v1/incidents/${id}/rapid-review/requests/${mine}`, 'admin');
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ agencyName: 'Northmoor Academy', involvement: SECRET, answeredOn: '2025-03-20' });
    expectProblem(await api('GET', `/api/v1/incidents/${id}/rapid-review/requests/${mine}`, 'south'), 404);
    expectProblem(await api('GET', `/api/v1/incidents/${id}/rapid-review/requests/${mine}`, 'school'), 403);
    const review = (await api('GET', `/api/v1/incidents/${id}/rapid-review`, 'admin')).json() as { requests: Json[] };
    expect(review.requests).toContainEqual(expect.objectContaining({ id: mine, answeredOn: '2025-03-20', late: true }));
  });

  it('dates each sign-off and the sending as they happened, and counts the rapid review clock from them; a sent case takes no answers', async () => {
    const id = await caseInRapidReview();
    const rr = `/api/v1/incidents/${id}/rapid-review`;
    expect((await api('POST', `${rr}/requests`, 'admin', { sentOn: '2025-03-07', agencies: [{ agencyId: college.id }] })).statusCode).toBe(201);
    expect((await api('POST', `${rr}/decision`, 'admin', { decision: 'local-review', reasons: 'Criteria (a) met.', criteria: ['improvements'], decidedOn: '2025-03-18' })).statusCode).toBe(200);
    const early = expectProblem(await api('POST', `${rr}/sign-off`, 'la', { on: '2025-03-17' }), 422);
    expect(early.errors).toEqual([{ field: 'on', message: 'The date you signed off the decision cannot be before the date of the decision (18 March 2025)' }]);
    expect((await api('POST', `${rr}/sign-off`, 'la', { on: '2025-03-19' })).statusCode).toBe(200);
    expect((await api('POST', `${rr}/sign-off`, 'police', { on: '2025-03-20' })).statusCode).toBe(200);
    const last = await api('POST', `${rr}/sign-off`, 'icb', { on: '2025-03-21' });
    expect(last.statusCode, last.body).toBe(200);
    expect((last.json() as { signOffs: Json[] }).signOffs).toEqual(expect.arrayContaining([
      expect.objectContaining({ partner: 'local-authority', signedOn: '2025-03-19' }),
      expect.objectContaining({ partner: 'icb', signedOn: '2025-03-21', signerName: 'Indy Health' }),
    ]));

    const beforeLast = expectProblem(await api('POST', `${rr}/send`, 'admin', { on: '2025-03-20' }), 422);
    expect(beforeLast.errors).toEqual([{ field: 'on', message: 'The date the rapid review was sent to the Panel cannot be before the date the last partner signed off the decision (21 March 2025)' }]);
    // The case's own transition checks the same.
    const direct = expectProblem(await api('POST', `/api/v1/incidents/${id}/transitions`, 'admin', { transition: 'send-rapid-review', date: '2025-03-20' }), 422);
    expect(JSON.stringify(direct.errors)).toContain('the date the last partner signed off the decision (21 March 2025)');
    expect((await api('POST', `${rr}/send`, 'admin', { on: '2025-03-21' })).statusCode).toBe(200);

    // Notified 5 March; 15 working days: due 26 March; sent 21 March, as entered: on time.
    const deadlines = deadlineListSchema.parse((await api('GET', `/api/v1/incidents/${id}/deadlines`, 'admin')).json()).deadlines;
    expect(deadlines.find((d) => d.key === 'rapid-review')).toMatchObject({ dueOn: '2025-03-26', doneOn: '2025-03-21', state: 'done-on-time' });
    expect(deadlines.find((d) => d.key === 'review-completion')).toMatchObject({ from: '2025-03-18' });

    // The rapid review has moved on: the request can no longer be answered.
    const request = await db().selectFrom('agency_requests').select('id').where('incident_id', '=', id).executeTakeFirstOrThrow();
    const closed = expectProblem(await api('POST', `/api/v1/agency-requests/${request.id}/answer`, 'college', { involvement: 'Late.', answeredOn: '2025-03-24' }), 409);
    expect(closed.detail).toContain('can no longer be answered');
  });
});
