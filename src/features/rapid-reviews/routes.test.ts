import { createHash } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, type TestClient } from '../../../test/support/client.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { addDays, formatDateForDisplay, todayInLondon, type DateOnly } from '../../domain/calendar/date-only.ts';
import { addAgency, addPartnership, type AgencyView } from '../partnerships/service.ts';
import { currentCalendar } from '../rules/service.ts';
import { MAX_FILE_BYTES } from './files.ts';
import { buildDocx, buildPdfWithOpenActionScript, buildZipBombDocx, samplePdf } from '../../platform/documents/test-fixtures.ts';
import { dateFields, errorSummary, textOf } from '../../../test/support/pages.ts';

const PDF = samplePdf('a fictional chronology', 2048);
const DOCX = buildDocx(['A fictional chronology.']);
const SECRET = 'Known only to the test: Zebedee Fictitious';

function multipart(fields: Record<string, string>, file?: { name: string; type: string; bytes: Buffer }): { payload: Buffer; contentType: string } {
  const boundary = `----cspr${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`), file.bytes, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe.each(ENGINES)('rapid reviews on %s', (engine) => {
  let t: TestApp;
  let admin: TestClient;
  let laLead: TestClient;
  let policeLead: TestClient;
  let icbLead: TestClient;
  let schoolUser: TestClient;
  let collegeUser: TestClient;
  let otherAdmin: TestClient;
  let northmoor: { id: string };
  let school: AgencyView;
  let college: AgencyView;
  let police: AgencyView;
  let today: DateOnly;

  beforeAll(async () => {
    t = await startTestApp(engine);
    const db = t.app.deps.database.db;
    northmoor = await addPartnership(db, { slug: 'northmoor', name: 'Northmoor Safeguarding Children Partnership' });
    const southdale = await addPartnership(db, { slug: 'southdale', name: 'Southdale Safeguarding Children Partnership' });
    const la = await addAgency(db, { partnershipId: northmoor.id, name: 'Northmoor Council', kind: 'local-authority' });
    police = await addAgency(db, { partnershipId: northmoor.id, name: 'Northmoor Police', kind: 'police' });
    const icb = await addAgency(db, { partnershipId: northmoor.id, name: 'Northmoor ICB', kind: 'icb' });
    school = await addAgency(db, { partnershipId: northmoor.id, name: 'Northmoor Academy', kind: 'relevant-agency' });
    college = await addAgency(db, { partnershipId: northmoor.id, name: 'Northmoor College', kind: 'relevant-agency' });
    admin = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: northmoor.id }], { name: 'Alex Admin' })).client;
    laLead = (await signedInAs(t.app, [{ role: 'partner-lead', partnershipId: northmoor.id, agencyId: la.id }], { name: 'Lee Council' })).client;
    policeLead = (await signedInAs(t.app, [{ role: 'partner-lead', partnershipId: northmoor.id, agencyId: police.id }], { name: 'Pat Police' })).client;
    icbLead = (await signedInAs(t.app, [{ role: 'partner-lead', partnershipId: northmoor.id, agencyId: icb.id }], { name: 'Indy Health' })).client;
    schoolUser = (await signedInAs(t.app, [{ role: 'agency-contributor', partnershipId: northmoor.id, agencyId: school.id }], { name: 'Sam School' })).client;
    collegeUser = (await signedInAs(t.app, [{ role: 'agency-contributor', partnershipId: northmoor.id, agencyId: college.id }], { name: 'Cal College' })).client;
    otherAdmin = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: southdale.id }])).client;
    today = todayInLondon(new Date());
  });
  afterAll(async () => t.close());

  const db = () => t.app.deps.database.db;
  const storedFiles = async () => (await db().selectFrom('stored_files').select('sha256').orderBy('sha256').execute()).map((r) => r.sha256);

  /** An incident in rapid review, started yesterday (or `daysAgo` days ago, for a case recorded after the fact). */
  async function incidentInRapidReview(daysAgo = 1): Promise<string> {
    const res = await admin.post('/cases/new', {
      action: 'save', childCount: '1', outcome: 'serious-harm', abuseOrNeglect: 'suspected', location: 'in-area',
      ...dateFields('aware', addDays(today, -daysAgo - 2)), whatIsKnown: SECRET, 'child-1-pseudonym': 'Child K', agencies: [school.id, police.id],
    });
    expect(res.statusCode, errorSummary(res.body)).toBe(303);
    const id = /\/cases\/([0-9a-f-]{36})\//.exec(String(res.headers.location))?.[1] as string;
    expect((await admin.post(`/cases/${id}/steps/notify`, dateFields('date', addDays(today, -daysAgo)))).statusCode).toBe(303);
    // Started yesterday, recorded today: the date it happened, not the moment someone clicked.
    const started = await admin.post(`/cases/${id}/steps/start-rapid-review`, dateFields('date', addDays(today, -daysAgo)));
    expect(started.statusCode, errorSummary(started.body)).toBe(303);
    return id;
  }

  const requestRow = (incidentId: string, agencyId: string) =>
    db().selectFrom('agency_requests').selectAll().where('incident_id', '=', incidentId).where('agency_id', '=', agencyId).executeTakeFirstOrThrow();
  const eventKinds = async (id: string) => (await db().selectFrom('case_events').select('kind').where('incident_id', '=', id).orderBy('seq').execute()).map((e) => e.kind);

  async function postAnswer(client: TestClient, requestId: string, fields: Record<string, string>, file?: { name: string; type: string; bytes: Buffer }, options: { csrf?: boolean } = {}): Promise<LightMyRequestResponse> {
    const page = await client.get(`/agency-requests/${requestId}`);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    // The token is one of the form's fields, as the browser sends it (never in the address).
    const withDate = { ...dateFields('answered', today), ...fields };
    const { payload, contentType } = multipart(options.csrf === false ? withDate : { _csrf: token, ...withDate }, file);
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return t.app.inject({ method: 'POST', url: `/agency-requests/${requestId}`, headers: { cookie, 'content-type': contentType }, payload });
  }

  it('shows the rapid review page to the partnership only, and refuses the others', async () => {
    const id = await incidentInRapidReview();
    const page = await admin.get(`/cases/${id}/rapid-review`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<h1 class="govuk-heading-l">Rapid review</h1>');
    expect(page.body).toContain('No requests have been sent to agencies yet.');
    expect(textOf(page.body)).toContain('Record the decision before sending the rapid review to the Panel');
    expect(page.body).toContain(`href="/cases/${id}/rapid-review/requests"`);
    // A partner lead reads it, without the business unit's forms.
    const lead = await policeLead.get(`/cases/${id}/rapid-review`);
    expect(lead.statusCode).toBe(200);
    expect(lead.body).not.toContain(`href="/cases/${id}/rapid-review/requests"`);
    // Another partnership: not found, and the refusal is audited. An agency contributor: forbidden.
    expect((await otherAdmin.get(`/cases/${id}/rapid-review`)).statusCode).toBe(404);
    const refusal = await db().selectFrom('audit_events').selectAll().where('action', '=', 'access-refused').where('record_id', '=', id).executeTakeFirst();
    expect(refusal).toMatchObject({ outcome: 'refused', partnership_id: northmoor.id });
    expect((await schoolUser.get(`/cases/${id}/rapid-review`)).statusCode).toBe(403);
    expect((await otherAdmin.post(`/cases/${id}/rapid-review/requests`, { agencies: school.id }, { from: '/account/api-tokens' })).statusCode).toBe(404);
  });

  it('sends requests to agencies with their own due dates (7 working days by default), each agency seeing only its own', async () => {
    const id = await incidentInRapidReview();
    const form = await admin.get(`/cases/${id}/rapid-review/requests`);
    expect(form.statusCode).toBe(200);
    // The agencies recorded as involved are chosen already.
    expect(form.body).toMatch(new RegExp(`value="${school.id}" checked`));
    expect(form.body).not.toMatch(new RegExp(`value="${college.id}" checked`));

    const none = await admin.post(`/cases/${id}/rapid-review/requests`, {});
    expect(none.statusCode).toBe(422);
    expect(errorSummary(none.body)).toContain('Select at least one agency to send a request to');
    const badDate = await admin.post(`/cases/${id}/rapid-review/requests`, { agencies: [school.id], [`due-${school.id}-day`]: '31', [`due-${school.id}-month`]: '2', [`due-${school.id}-year`]: '2030' });
    expect(badDate.statusCode).toBe(422);
    expect(errorSummary(badDate.body)).toContain('The due date must be a real date');

    const due = addDays(today, 20);
    const res = await admin.post(`/cases/${id}/rapid-review/requests`, { agencies: [school.id, college.id], ...dateFields('sent', today), ...dateFields(`due-${school.id}`, due) });
    expect(res.statusCode, errorSummary(res.body)).toBe(303);
    expect(res.headers.location).toBe(`/cases/${id}/rapid-review?done=requests`);
    const calendar = await currentCalendar(db());
    expect(await requestRow(id, school.id)).toMatchObject({ due_on: due, requested_on: today, responded_at: null });
    expect(await requestRow(id, college.id)).toMatchObject({ due_on: calendar.addWorkingDays(today, 7) });
    expect(await eventKinds(id)).toContain('agency-requests-sent');
    const again = await admin.post(`/cases/${id}/rapid-review/requests`, { agencies: [school.id], ...dateFields('sent', today) });
    expect(again.statusCode).toBe(422);

    const overview = await admin.get(`/cases/${id}/rapid-review?done=requests`);
    expect(overview.body).toContain('The requests were sent to the agencies.');
    expect(textOf(overview.body)).toMatch(/Northmoor Academy .* Waiting/);

    // Each agency sees only the requests addressed to it.
    const mine = await schoolUser.get('/agency-requests');
    expect(mine.statusCode).toBe(200);
    expect(mine.body).toContain('Northmoor Academy');
    expect(mine.body).not.toContain('Northmoor College');
    const theirs = await collegeUser.get('/agency-requests');
    expect(theirs.body).toContain('Northmoor College');
    expect(theirs.body).not.toContain('Northmoor Academy');
    const schoolRequest = await requestRow(id, school.id);
    const collegeRequest = await requestRow(id, college.id);
    expect((await schoolUser.get(`/agency-requests/${schoolRequest.id}`)).statusCode).toBe(200);
    const wrong = await schoolUser.get(`/agency-requests/${collegeRequest.id}`);
    expect(wrong.statusCode).toBe(404);
    // Answering another agency's request: not found, nothing stored, the refusal audited.
    const page = await schoolUser.get(`/agency-requests/${schoolRequest.id}`);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const { payload, contentType } = multipart({ _csrf: token, involvement: 'Not ours to answer' });
    const cookie = [...schoolUser.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const forged = await t.app.inject({ method: 'POST', url: `/agency-requests/${collegeRequest.id}`, headers: { cookie, 'content-type': contentType }, payload });
    expect(forged.statusCode).toBe(404);
    expect((await requestRow(id, college.id)).responded_at).toBeNull();
    const refused = await db().selectFrom('audit_events').selectAll().where('action', '=', 'access-refused').where('record_id', '=', collegeRequest.id).execute();
    expect(refused.length).toBeGreaterThan(0);
    // A partner lead or administrator has no agency requests page.
    expect((await admin.get('/agency-requests')).statusCode).toBe(403);
  });

  it('takes an agency answer with a PDF or Word file, refusing other files and oversized ones with nothing stored', async () => {
    const id = await incidentInRapidReview();
    expect((await admin.post(`/cases/${id}/rapid-review/requests`, { agencies: [school.id], ...dateFields('sent', today) })).statusCode).toBe(303);
    const request = await requestRow(id, school.id);
    const before = await storedFiles();

    // No CSRF token: refused.
    expect((await postAnswer(schoolUser, request.id, { involvement: 'x' }, undefined, { csrf: false })).statusCode).toBe(403);

    const fake = await postAnswer(schoolUser, request.id, { involvement: SECRET }, { name: 'chronology.pdf', type: 'application/pdf', bytes: Buffer.from('MZ this is not a PDF at all') });
    expect(fake.statusCode).toBe(422);
    expect(errorSummary(fake.body)).toContain('The selected file must be a PDF or a Word document (.docx)');
    // What was typed is kept for the next try.
    expect(fake.body).toContain('Known only to the test: Zebedee Fictitious');
    const zipNotDocx = await postAnswer(schoolUser, request.id, { involvement: 'x' }, { name: 'a.docx', type: 'application/zip', bytes: Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(40)]) });
    expect(errorSummary(zipNotDocx.body)).toContain('The selected file must be a PDF or a Word document (.docx)');
    const big = await postAnswer(schoolUser, request.id, { involvement: 'x' }, { name: 'big.pdf', type: 'application/pdf', bytes: Buffer.concat([PDF, Buffer.alloc(MAX_FILE_BYTES, 0x20)]) });
    expect(big.statusCode).toBe(422);
    expect(errorSummary(big.body)).toContain('The selected file must be smaller than 10 MB');
    const empty = await postAnswer(schoolUser, request.id, { involvement: '' });
    expect(errorSummary(empty.body)).toContain('Enter a summary of your agency’s involvement');
    expect(await storedFiles()).toEqual(before);
    expect((await requestRow(id, school.id)).responded_at).toBeNull();

    const ok = await postAnswer(schoolUser, request.id, { involvement: SECRET, episodes: 'Two missed appointments.', answer: 'Chronology attached.' }, { name: '../../chronology.pdf', type: 'application/pdf', bytes: PDF });
    expect(ok.statusCode, errorSummary(ok.body)).toBe(303);
    expect(ok.headers.location).toBe('/agency-requests?done=answered');
    const sha = createHash('sha256').update(PDF).digest('hex');
    const row = await requestRow(id, school.id);
    expect(row).toMatchObject({ file_sha256: sha, file_type: 'pdf', file_name: 'chronology.pdf', file_size: PDF.length });
    expect(row.responded_at).not.toBeNull();
    expect(row.involvement_enc).not.toContain('Zebedee');
    // Kept in the file store, encrypted: the stored bytes are not the file's.
    expect((await t.app.deps.files.read(sha))?.equals(PDF)).toBe(true);
    const chunks = await db().selectFrom('stored_file_chunks').select('data').where('sha256', '=', sha).execute();
    expect(Buffer.concat(chunks.map((c) => c.data)).includes(Buffer.from('a fictional chronology'))).toBe(false);
    expect(await eventKinds(id)).toContain('agency-request-answered');

    // The business unit reads the answer and downloads the file.
    const overview = await admin.get(`/cases/${id}/rapid-review`);
    expect(textOf(overview.body)).toMatch(/Northmoor Academy .* Answered/);
    const answer = await admin.get(`/cases/${id}/rapid-review/requests/${request.id}`);
    expect(answer.statusCode).toBe(200);
    expect(answer.body).toContain('Known only to the test: Zebedee Fictitious');
    const download = await admin.get(`/cases/${id}/rapid-review/requests/${request.id}/file`);
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('application/pdf');
    // Saved, never shown in the service's origin; if shown, without scripts or anything loaded.
    expect(download.headers).toMatchObject({
      'content-disposition': 'attachment; filename="chronology.pdf"; filename*=UTF-8\'\'chronology.pdf',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "sandbox; default-src 'none'",
    });
    expect(download.rawPayload.equals(PDF)).toBe(true);
    expect((await otherAdmin.get(`/cases/${id}/rapid-review/requests/${request.id}/file`)).statusCode).toBe(404);

    // A Word document is taken too.
    const docx = await postAnswer(schoolUser, request.id, { involvement: 'Updated.' }, { name: 'chronology.docx', type: 'application/octet-stream', bytes: DOCX });
    expect(docx.statusCode, errorSummary(docx.body)).toBe(303);
    expect(await requestRow(id, school.id)).toMatchObject({ file_type: 'docx' });

    // The audit trail names the file by hash, never the answer's words.
    const audits = await db().selectFrom('audit_events').select('changes').where('partnership_id', '=', northmoor.id).execute();
    expect(JSON.stringify(audits)).not.toContain('Zebedee');
  });

  it('refuses a zip bomb Word document and a PDF that runs JavaScript, saying why, with nothing stored', async () => {
    const id = await incidentInRapidReview();
    expect((await admin.post(`/cases/${id}/rapid-review/requests`, { agencies: [school.id], ...dateFields('sent', today) })).statusCode).toBe(303);
    const request = await requestRow(id, school.id);
    const before = storedFiles();

    const bomb = await postAnswer(schoolUser, request.id, { involvement: 'x' }, { name: 'chronology.docx', type: 'application/octet-stream', bytes: buildZipBombDocx(1024) });
    expect(bomb.statusCode).toBe(422);
    expect(errorSummary(bomb.body)).toMatch(/The selected file cannot be used: the Word document would expand to more than 100 MB when opened .* \(a (&quot;|")zip bomb(&quot;|")\)/);
    const script = await postAnswer(schoolUser, request.id, { involvement: 'x' }, { name: 'chronology.pdf', type: 'application/pdf', bytes: await buildPdfWithOpenActionScript() });
    expect(script.statusCode).toBe(422);
    expect(errorSummary(script.body)).toContain('The selected file cannot be used: the PDF carries active content (JavaScript) that a reader could run or open by itself: print it to a new PDF');
    expect(storedFiles()).toEqual(before);
    expect((await requestRow(id, school.id)).responded_at).toBeNull();
    const refusals = await db().selectFrom('audit_events').select('changes').where('action', '=', 'file-refused').where('record_id', '=', request.id).execute();
    expect(refusals).toHaveLength(2);
  });

  it('records meetings, findings and the decision, refusing bad answers with specific messages', async () => {
    const id = await incidentInRapidReview();
    const bad = await admin.post(`/cases/${id}/rapid-review/meetings/new`, { ...dateFields('held', addDays(today, 1)) });
    expect(bad.statusCode).toBe(422);
    expect(errorSummary(bad.body)).toContain('The date of the meeting cannot be in the future');
    expect(errorSummary(bad.body)).toContain('Enter the roles of the people who attended');
    const meeting = await admin.post(`/cases/${id}/rapid-review/meetings/new`, { ...dateFields('held', today), attendees: 'Head of service; detective inspector; designated nurse', notes: SECRET });
    expect(meeting.statusCode, errorSummary(meeting.body)).toBe(303);
    const stored = await db().selectFrom('rapid_review_meetings').selectAll().where('incident_id', '=', id).executeTakeFirstOrThrow();
    expect(stored.notes_enc).not.toContain('Zebedee');

    const record = await admin.post(`/cases/${id}/rapid-review/record`, { safetyActions: 'Siblings seen the same day.', learning: 'Escalation was slow.', racism: 'Considered.', inequalities: SECRET, disability: 'None known.' });
    expect(record.statusCode).toBe(303);

    const empty = await admin.post(`/cases/${id}/rapid-review/decision`, {});
    expect(empty.statusCode).toBe(422);
    for (const m of ['Select the decision', 'Enter the reasons for the decision', 'Enter the date of the decision']) expect(errorSummary(empty.body)).toContain(m);
    const noKind = await admin.post(`/cases/${id}/rapid-review/decision`, { decision: 'alternative-review', reasons: 'Below threshold', ...dateFields('decided', today) });
    expect(errorSummary(noKind.body)).toContain('Select the kind of alternative local review');
    const early = await admin.post(`/cases/${id}/rapid-review/decision`, { decision: 'local-review', reasons: 'Criteria met', ...dateFields('decided', addDays(today, -2)) });
    expect(early.statusCode).toBe(422);
    // Of the dates it precedes (notified, rapid review started: the same day), the nearer step is named.
    expect(errorSummary(early.body)).toMatch(/The date of the decision cannot be before the date the rapid review started \(\d+ \w+ \d{4}\)/);
    const future = await admin.post(`/cases/${id}/rapid-review/decision`, { decision: 'local-review', reasons: 'Criteria met', ...dateFields('decided', addDays(today, 1)) });
    expect(errorSummary(future.body)).toContain('The date of the decision cannot be in the future');

    const ok = await admin.post(`/cases/${id}/rapid-review/decision`, { decision: 'no-local-review', reasons: 'Learning is already in hand.', criteria: ['improvements', 'multi-agency'], ...dateFields('decided', today) });
    expect(ok.statusCode, errorSummary(ok.body)).toBe(303);
    const row = await db().selectFrom('rapid_reviews').selectAll().where('incident_id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ decision: 'no-local-review', decided_on: today, criteria: ['improvements', 'multi-agency'] });
    const page = textOf((await admin.get(`/cases/${id}/rapid-review`)).body);
    expect(page).toContain('No local review');
    // The criteria in their own words, not only their letters.
    expect(page).toContain('(a) The case highlights or may highlight improvements needed');
    expect(page).toContain('(c) The case highlights or may highlight concerns regarding two or more organisations');
    expect(page).not.toContain('(b) The case');
    expect(page).toContain('Siblings seen the same day.');
    expect(await eventKinds(id)).toEqual(expect.arrayContaining(['rapid-review-meeting', 'rapid-review-record', 'rapid-review-decision']));
    const audits = await db().selectFrom('audit_events').select(['action', 'changes']).where('record_id', '=', id).where('action', 'like', 'rapid-review%').execute();
    expect(audits.map((a) => a.action)).toEqual(expect.arrayContaining(['rapid-review-meeting-added', 'rapid-review-record-changed', 'rapid-review-decision']));
    expect(JSON.stringify(audits)).not.toContain('Zebedee');
    expect(JSON.stringify(audits)).not.toContain('Learning is already in hand');
  });

  it('needs all three partner leads to sign off before sending; a changed decision clears the sign-offs', async () => {
    const id = await incidentInRapidReview();
    // Nothing to sign off before there is a decision.
    const early = await policeLead.post(`/cases/${id}/rapid-review/sign-off`, dateFields('signed', today));
    expect(early.statusCode).toBe(422);
    expect(errorSummary(early.body)).toContain('The decision has not been recorded yet');
    const decide = (reasons: string) => admin.post(`/cases/${id}/rapid-review/decision`, { decision: 'local-review', reasons, criteria: ['improvements'], ...dateFields('decided', today) });
    expect((await decide('Criteria (a) met.')).statusCode).toBe(303);

    // The business unit cannot sign off; a lead signs for their own partner only, once.
    expect((await admin.post(`/cases/${id}/rapid-review/sign-off`, dateFields('signed', today), { from: `/cases/${id}/rapid-review/decision` })).statusCode).toBe(403);
    const la = await laLead.post(`/cases/${id}/rapid-review/sign-off`, dateFields('signed', today));
    expect(la.statusCode, errorSummary(la.body)).toBe(303);
    const twice = await laLead.post(`/cases/${id}/rapid-review/sign-off`, dateFields('signed', today));
    expect(errorSummary(twice.body)).toContain('The local authority lead has already signed off this decision');

    // Two missing: sending is refused with both named.
    const send = await admin.get(`/cases/${id}/rapid-review/send`);
    expect(send.statusCode).toBe(422);
    expect(errorSummary(send.body)).toContain('The police lead has not signed off yet');
    expect(errorSummary(send.body)).toContain('The integrated care board lead has not signed off yet');
    const csrf = await admin.csrfFrom(`/cases/${id}/rapid-review/decision`);
    const refused = await admin.post(`/cases/${id}/rapid-review/send`, dateFields('sent', today), { csrf });
    expect(refused.statusCode).toBe(422);
    expect(errorSummary(refused.body)).toContain('The police lead has not signed off yet');
    expect((await db().selectFrom('incidents').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state).toBe('rapid-review');

    expect((await policeLead.post(`/cases/${id}/rapid-review/sign-off`, dateFields('signed', today))).statusCode).toBe(303);
    // Changing the decision now clears both sign-offs, and says so.
    const changed = await decide('Criteria (a) met; also (b).');
    expect(changed.headers.location).toBe(`/cases/${id}/rapid-review?done=decision-cleared`);
    expect(await db().selectFrom('rapid_review_sign_offs').selectAll().where('incident_id', '=', id).execute()).toEqual([]);
    const notice = await admin.get(changed.headers.location as string);
    expect(notice.body).toContain('the sign-offs given before were cleared');
    expect(await eventKinds(id)).toContain('rapid-review-sign-offs-cleared');
    // Saving the same decision again clears nothing.
    for (const lead of [laLead, policeLead, icbLead]) expect((await lead.post(`/cases/${id}/rapid-review/sign-off`, dateFields('signed', today))).statusCode).toBe(303);
    expect((await decide('Criteria (a) met; also (b).')).headers.location).toBe(`/cases/${id}/rapid-review?done=decision`);
    expect(await db().selectFrom('rapid_review_sign_offs').selectAll().where('incident_id', '=', id).execute()).toHaveLength(3);
    const signed = textOf((await admin.get(`/cases/${id}/rapid-review`)).body);
    expect(signed).toMatch(/Police lead Signed off Pat Police/);

    // Signed off by all three: it is the case's decision, dated the day the partners decided.
    expect(await db().selectFrom('incidents').select(['state', 'review_decision', 'decision_on']).where('id', '=', id).executeTakeFirstOrThrow())
      .toEqual({ state: 'rapid-review', review_decision: 'local-review', decision_on: today });

    // Sent: dates checked, then the incident takes the state of the signed-off decision.
    const future = await admin.post(`/cases/${id}/rapid-review/send`, dateFields('sent', addDays(today, 1)));
    expect(errorSummary(future.body)).toContain('The date the rapid review was sent to the Panel cannot be in the future');
    const sent = await admin.post(`/cases/${id}/rapid-review/send`, dateFields('sent', today));
    expect(sent.statusCode, errorSummary(sent.body)).toBe(303);
    const incident = await db().selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(incident).toMatchObject({ state: 'local-review', rapid_review_sent_on: today, review_decision: 'local-review', decision_on: today });
    const last = await db().selectFrom('case_events').selectAll().where('incident_id', '=', id).where('kind', '=', 'send-rapid-review').executeTakeFirstOrThrow();
    expect(last).toMatchObject({ from_state: 'rapid-review', to_state: 'local-review', actor_name: 'Alex Admin' });
    const audit = await db().selectFrom('audit_events').selectAll().where('record_id', '=', id).where('action', '=', 'incident-transition').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(audit.changes).toMatchObject({ step: 'send-rapid-review', before: { state: 'rapid-review' }, after: { state: 'local-review', rapidReviewSent: today } });

    // Changing the decision after sign-off: the sign-offs are cleared, the case holds no decision and awaits them again.
    const changedLate = await admin.post(`/cases/${id}/rapid-review/decision`, { decision: 'no-local-review', reasons: 'Learning already in hand.', ...dateFields('decided', today) });
    expect(changedLate.statusCode, errorSummary(changedLate.body)).toBe(303);
    expect(await db().selectFrom('incidents').select(['state', 'review_decision', 'decision_on']).where('id', '=', id).executeTakeFirstOrThrow())
      .toEqual({ state: 'decision', review_decision: null, decision_on: null });
    expect(await db().selectFrom('rapid_review_sign_offs').selectAll().where('incident_id', '=', id).execute()).toEqual([]);
    for (const lead of [laLead, policeLead, icbLead]) expect((await lead.post(`/cases/${id}/rapid-review/sign-off`, dateFields('signed', today))).statusCode).toBe(303);
    expect(await db().selectFrom('incidents').select(['state', 'review_decision']).where('id', '=', id).executeTakeFirstOrThrow()).toEqual({ state: 'no-review', review_decision: 'no-review' });
    expect(await eventKinds(id)).toEqual(expect.arrayContaining(['rapid-review-decision-reopened', 'rapid-review-decision-signed']));
    const decisionAudits = await db().selectFrom('audit_events').select('action').where('record_id', '=', id).where('action', '=', 'rapid-review-decision').execute();
    expect(decisionAudits.length).toBeGreaterThanOrEqual(3);

    // The Panel's response.
    const noResponse = await admin.post(`/cases/${id}/rapid-review/panel-response`, dateFields('responded', addDays(today, -1)));
    expect(errorSummary(noResponse.body)).toContain('Select the Panel’s response');
    expect(errorSummary(noResponse.body)).toMatch(/The date of the Panel’s response cannot be before the date the rapid review was sent to the Panel/);
    const response = await admin.post(`/cases/${id}/rapid-review/panel-response`, { response: 'agree', ...dateFields('responded', today) });
    expect(response.statusCode, errorSummary(response.body)).toBe(303);
    expect(textOf((await admin.get(`/cases/${id}/rapid-review`)).body)).toContain('The Panel agrees with the decision');
  });

  it('follows the Panel’s decision to hold a national review: the case moves to it, with no local 6-month clock', async () => {
    const id = await incidentInRapidReview();
    expect((await admin.post(`/cases/${id}/rapid-review/decision`, { decision: 'national-review', reasons: 'National significance: a pattern across areas.', ...dateFields('decided', today) })).statusCode).toBe(303);
    for (const lead of [laLead, policeLead, icbLead]) expect((await lead.post(`/cases/${id}/rapid-review/sign-off`, dateFields('signed', today))).statusCode).toBe(303);
    expect((await admin.post(`/cases/${id}/rapid-review/send`, dateFields('sent', today))).statusCode).toBe(303);
    expect((await db().selectFrom('incidents').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state).toBe('decision');
    const response = await admin.post(`/cases/${id}/rapid-review/panel-response`, { response: 'national-review', ...dateFields('responded', today) });
    expect(response.statusCode, errorSummary(response.body)).toBe(303);
    expect(await db().selectFrom('incidents').select(['state', 'review_decision']).where('id', '=', id).executeTakeFirstOrThrow()).toEqual({ state: 'national-review', review_decision: null });
    const page = await admin.get(`/cases/${id}`);
    expect(page.body).toContain('National review');
    expect(page.body).not.toContain('id="clock-review-completion"');
  });

  it('records every step of a rapid review held weeks ago on the day it happened, refusing dates out of order', async () => {
    // Started 30 days ago; the partnership records it all today.
    const id = await incidentInRapidReview(30);
    const startedOn = addDays(today, -30);
    const calendar = await currentCalendar(db());

    // The requests: the day they were sent, today unless changed; not before the rapid review started.
    const form = await admin.get(`/cases/${id}/rapid-review/requests`);
    expect(form.body).toContain('When were the requests sent?');
    expect(form.body).toMatch(new RegExp(`name="sent-year" type="text" value="${today.slice(0, 4)}"`));
    // Every dated step's form starts at today (GOV.UK date input), to be changed when it happened earlier.
    for (const [page, id2] of [['meetings/new', 'held'], ['decision', 'decided']]) {
      expect((await admin.get(`/cases/${id}/rapid-review/${page}`)).body).toMatch(new RegExp(`name="${id2}-month" type="text" value="${Number(today.slice(5, 7))}"`));
    }
    const early = await admin.post(`/cases/${id}/rapid-review/requests`, { agencies: [school.id], ...dateFields('sent', addDays(startedOn, -1)) });
    expect(early.statusCode).toBe(422);
    expect(errorSummary(early.body)).toContain(`The date the requests were sent cannot be before the date the rapid review started (${formatDateForDisplay(startedOn)})`);
    expect(early.body).toContain('href="#sent-day"');
    const sentOn = addDays(startedOn, 1);
    const dueBefore = await admin.post(`/cases/${id}/rapid-review/requests`, { agencies: [school.id, college.id], ...dateFields('sent', sentOn), ...dateFields(`due-${college.id}`, addDays(sentOn, -1)) });
    expect(errorSummary(dueBefore.body)).toContain(`The due date for Northmoor College cannot be before the date the requests were sent (${formatDateForDisplay(sentOn)})`);
    const sent = await admin.post(`/cases/${id}/rapid-review/requests`, { agencies: [school.id, college.id], ...dateFields('sent', sentOn), ...dateFields(`due-${college.id}`, addDays(sentOn, 20)) });
    expect(sent.statusCode, errorSummary(sent.body)).toBe(303);
    // The default due date counts from the day they were sent, not from today: already passed.
    const schoolDue = calendar.addWorkingDays(sentOn, 7);
    expect(await requestRow(id, school.id)).toMatchObject({ requested_on: sentOn, due_on: schoolDue });
    expect(textOf((await admin.get(`/cases/${id}/rapid-review`)).body)).toMatch(/Northmoor Academy .* Overdue/);

    // The answer: the day it was received; not before the request, not in the future.
    const request = await requestRow(id, school.id);
    const tooEarly = await postAnswer(schoolUser, request.id, { involvement: 'Seen twice.', ...dateFields('answered', addDays(sentOn, -1)) });
    expect(tooEarly.statusCode).toBe(422);
    expect(errorSummary(tooEarly.body)).toContain(`The date the answer was sent cannot be before the date the request was sent (${formatDateForDisplay(sentOn)})`);
    const future = await postAnswer(schoolUser, request.id, { involvement: 'Seen twice.', ...dateFields('answered', addDays(today, 1)) });
    expect(errorSummary(future.body)).toContain('The date the answer was sent cannot be in the future');
    const answeredOn = addDays(schoolDue, 2);
    const answered = await postAnswer(schoolUser, request.id, { involvement: 'Seen twice.', ...dateFields('answered', answeredOn) });
    expect(answered.statusCode, errorSummary(answered.body)).toBe(303);
    const row = await requestRow(id, school.id);
    expect(row.answered_on).toBe(answeredOn);
    // Who recorded it and when stays the real moment.
    expect(todayInLondon(new Date(row.responded_at as Date))).toBe(today);
    expect(textOf((await admin.get(`/cases/${id}/rapid-review`)).body)).toMatch(/Northmoor Academy .* Answered late/);

    // The decision, then the sign-offs: each on the day the partner signed, not before the decision.
    const decidedOn = addDays(startedOn, 10);
    expect((await admin.post(`/cases/${id}/rapid-review/decision`, { decision: 'local-review', reasons: 'Criteria (a) met.', criteria: ['improvements'], ...dateFields('decided', decidedOn) })).statusCode).toBe(303);
    const signForm = await laLead.get(`/cases/${id}/rapid-review/sign-off`);
    expect(signForm.body).toContain('When did you sign off the decision?');
    expect(signForm.body).toMatch(new RegExp(`name="signed-day" type="text" value="${Number(today.slice(8))}"`));
    const beforeDecision = await laLead.post(`/cases/${id}/rapid-review/sign-off`, dateFields('signed', addDays(decidedOn, -1)));
    expect(beforeDecision.statusCode).toBe(422);
    expect(errorSummary(beforeDecision.body)).toContain(`The date you signed off the decision cannot be before the date of the decision (${formatDateForDisplay(decidedOn)})`);
    expect(beforeDecision.body).toContain('href="#signed-day"');
    const inFuture = await laLead.post(`/cases/${id}/rapid-review/sign-off`, dateFields('signed', addDays(today, 1)));
    expect(errorSummary(inFuture.body)).toContain('The date you signed off the decision cannot be in the future');
    expect(await db().selectFrom('rapid_review_sign_offs').selectAll().where('incident_id', '=', id).execute()).toEqual([]);
    const signedOn = [addDays(decidedOn, 1), addDays(decidedOn, 2), addDays(decidedOn, 3)];
    for (const [i, lead] of [laLead, policeLead, icbLead].entries()) {
      const res = await lead.post(`/cases/${id}/rapid-review/sign-off`, dateFields('signed', signedOn[i]));
      expect(res.statusCode, errorSummary(res.body)).toBe(303);
    }
    const signOffs = await db().selectFrom('rapid_review_sign_offs').select(['partner', 'signed_on', 'signed_at']).where('incident_id', '=', id).orderBy('signed_on').execute();
    expect(signOffs.map((r) => r.signed_on)).toEqual(signedOn);
    expect(signOffs.every((r) => todayInLondon(new Date(r.signed_at)) === today)).toBe(true);
    expect(textOf((await admin.get(`/cases/${id}/rapid-review`)).body)).toContain(`Pat Police, ${formatDateForDisplay(signedOn[1])}`);
    const audit = await db().selectFrom('audit_events').select(['changes', 'at']).where('record_id', '=', id).where('action', '=', 'rapid-review-signed-off').orderBy('seq').execute();
    expect(audit.map((a) => (a.changes as { after: { signedOn: string } }).after.signedOn)).toEqual(signedOn);

    // Sending: not before the last partner signed off; then the rapid review clock counts from the dates entered.
    expect((await admin.get(`/cases/${id}/rapid-review/send`)).body).toMatch(new RegExp(`name="sent-day" type="text" value="${Number(today.slice(8))}"`));
    const beforeLast = await admin.post(`/cases/${id}/rapid-review/send`, dateFields('sent', signedOn[1]));
    expect(beforeLast.statusCode).toBe(422);
    expect(errorSummary(beforeLast.body)).toContain(`The date the rapid review was sent to the Panel cannot be before the date the last partner signed off the decision (${formatDateForDisplay(signedOn[2])})`);
    const sentToPanel = await admin.post(`/cases/${id}/rapid-review/send`, dateFields('sent', signedOn[2]));
    expect(sentToPanel.statusCode, errorSummary(sentToPanel.body)).toBe(303);
    expect(await db().selectFrom('incidents').select(['state', 'rapid_review_sent_on', 'decision_on']).where('id', '=', id).executeTakeFirstOrThrow())
      .toEqual({ state: 'local-review', rapid_review_sent_on: signedOn[2], decision_on: decidedOn });
  });

  it('refuses the Panel response before sending, and a sign-off from a lead of no statutory partner', async () => {
    const id = await incidentInRapidReview();
    const page = await admin.get(`/cases/${id}/rapid-review/panel-response`);
    expect(page.statusCode).toBe(422);
    expect(errorSummary(page.body)).toContain('The Panel’s response can only be recorded once the rapid review has been sent to the Panel');
    const csrf = await admin.csrfFrom(`/cases/${id}/rapid-review/record`);
    const post = await admin.post(`/cases/${id}/rapid-review/panel-response`, { response: 'agree', ...dateFields('responded', today) }, { csrf });
    expect(post.statusCode).toBe(422);
    expect((await admin.post(`/cases/${id}/rapid-review/decision`, { decision: 'national-review', reasons: 'National significance', ...dateFields('decided', today) })).statusCode).toBe(303);
    const { client: schoolLead } = await signedInAs(t.app, [{ role: 'partner-lead', partnershipId: northmoor.id, agencyId: school.id }]);
    const res = await schoolLead.post(`/cases/${id}/rapid-review/sign-off`, dateFields('signed', today), { from: '/account/api-tokens' });
    expect(res.statusCode).toBe(422);
    expect(errorSummary(res.body)).toContain('Only the lead of a statutory partner');
    expect(await db().selectFrom('rapid_review_sign_offs').selectAll().where('incident_id', '=', id).execute()).toEqual([]);
  });
  it('leads the case page to the rapid review (never "Close the case" first), and shows the rapid review its own overdue clock', async () => {
    // Notified 30 days ago: more than 15 working days (Working Together 2023 ch.5), so the rapid review is overdue.
    const res = await admin.post('/cases/new', {
      action: 'save', childCount: '1', outcome: 'serious-harm', abuseOrNeglect: 'suspected', location: 'in-area',
      ...dateFields('aware', addDays(today, -32)), whatIsKnown: 'Fictional', 'child-1-pseudonym': 'Child O', agencies: [school.id],
    });
    const id = /\/cases\/([0-9a-f-]{36})\//.exec(String(res.headers.location))?.[1] as string;
    expect((await admin.post(`/cases/${id}/steps/notify`, dateFields('date', addDays(today, -30)))).statusCode).toBe(303);
    expect((await admin.post(`/cases/${id}/steps/start-rapid-review`, dateFields('date', addDays(today, -29)))).statusCode).toBe(303);

    const casePage = (await admin.get(`/cases/${id}`)).body;
    const buttons = [...casePage.matchAll(/<a href="([^"]+)"[^>]*class="govuk-button([^"]*)"[^>]*>\s*([^<]+?)\s*</g)].map((m) => ({ href: m[1], secondary: m[2].includes('secondary'), text: m[3] }));
    expect(buttons[0]).toEqual({ href: `/cases/${id}/rapid-review`, secondary: false, text: 'Continue the rapid review' });
    expect(buttons.find((b) => b.text === 'Close the case')).toMatchObject({ secondary: true });

    const page = await admin.get(`/cases/${id}/rapid-review`);
    const clock = textOf(/<div class="govuk-inset-text" id="rapid-review-clock">([\s\S]*?)<\/div>/.exec(page.body)?.[1] ?? '');
    expect(clock).toContain('Overdue');
    expect(clock).toMatch(/\d+ working days overdue/);
    // A partner lead sees the same clock (read access), with no button to record the work.
    expect(textOf((await laLead.get(`/cases/${id}/rapid-review`)).body)).toContain('working days overdue');
  });
});
