import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, type TestClient } from '../../../test/support/client.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { addDays, formatDateForDisplay, todayInLondon } from '../../domain/calendar/date-only.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { addPartnership } from '../partnerships/service.ts';
import { recordIncident } from '../cases/service.ts';
import { dateFields, errorSummary, textOf } from '../../../test/support/pages.ts';
import { buildPdfWithOpenActionScript, buildZipBombDocx, samplePdf } from '../../platform/documents/test-fixtures.ts';

const PDF = samplePdf('a fictional final report', 1024);

function multipart(fields: Record<string, string>, file?: { name: string; bytes: Buffer }): { payload: Buffer; contentType: string } {
  const boundary = `----cspr${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`), file.bytes, Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe.each(ENGINES)('reviews on %s', (engine) => {
  let t: TestApp;
  let admin: TestClient;
  let lead: TestClient;
  let reviewer: TestClient;
  let otherReviewer: TestClient;
  let outsider: TestClient;
  let reviewerId: string;
  let otherReviewerId: string;
  let northmoor: { id: string };
  let caseId: string;
  let otherCaseId: string;
  const today = todayInLondon(new Date());
  const decided = addDays(today, -30);

  async function caseInReview(actorId: string, pseudonym: string): Promise<string> {
    const db = t.app.deps.database.db;
    const aware = addDays(today, -60);
    const result = await recordIncident(
      db,
      t.app.deps.cipher,
      { userId: actorId, name: 'Admin' },
      {
        partnershipId: northmoor.id,
        facts: { outcome: 'serious-harm', abuseOrNeglect: 'suspected', location: 'in-area', incidentOn: aware, aware, whatIsKnown: '', agencyIds: [], otherAgencies: '' },
        children: [{ pseudonym, name: 'Zebedee Fictitious', dateOfBirth: null, nhsNumber: '', address: '', familyNames: '', gender: null, ageAtIncident: 3, ageBand: '1-4', lookedAfter: false, careLeaver: false }],
        referralId: null,
      },
      today,
    );
    if (!result.ok) throw new Error(JSON.stringify(result));
    await withTenant(db, [northmoor.id], (trx) =>
      trx
        .updateTable('incidents')
        .set({ state: 'local-review', review_decision: 'local-review', notified_on: addDays(aware, 2), rapid_review_sent_on: addDays(aware, 20), decision_on: decided })
        .where('id', '=', result.id)
        .execute(),
    );
    return result.id;
  }

  beforeAll(async () => {
    t = await startTestApp(engine);
    const db = t.app.deps.database.db;
    northmoor = await addPartnership(db, { slug: 'reviews-northmoor', name: 'Northmoor SCP' });
    const elsewhere = await addPartnership(db, { slug: 'reviews-elsewhere', name: 'Elsewhere SCP' });
    const a = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: northmoor.id, agencyId: null }], { name: 'Alex Admin' });
    admin = a.client;
    lead = (await signedInAs(t.app, [{ role: 'partner-lead', partnershipId: northmoor.id, agencyId: null }])).client;
    const r = await signedInAs(t.app, [{ role: 'reviewer', partnershipId: northmoor.id, agencyId: null }], { name: 'Jordan Reviewer' });
    reviewer = r.client;
    reviewerId = r.userId;
    const o = await signedInAs(t.app, [{ role: 'reviewer', partnershipId: northmoor.id, agencyId: null }], { name: 'Other Reviewer' });
    otherReviewer = o.client;
    otherReviewerId = o.userId;
    outsider = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: elsewhere.id, agencyId: null }])).client;
    caseId = await caseInReview(a.userId, 'Child R');
    otherCaseId = await caseInReview(a.userId, 'Child S');
  });
  afterAll(async () => t.close());

  it('shows the review to the business unit with sensible defaults, and hides it from reviewers until they lead it', async () => {
    const page = await admin.get(`/cases/${caseId}/review`);
    expect(page.statusCode).toBe(200);
    const text = textOf(page.body);
    expect(text).toContain('Local child safeguarding practice review');
    expect(text).toContain('No lead reviewer has been chosen yet');
    expect(text).toContain('Child R');
    // The child's name is identifying: never on the review page.
    expect(page.body).not.toContain('Zebedee');
    expect((await admin.get(`/cases/${caseId}`)).body).toContain(`href="/cases/${caseId}/review"`);
    // A reviewer who does not lead it learns nothing of it.
    expect((await reviewer.get(`/cases/${caseId}/review`)).statusCode).toBe(404);
    expect((await outsider.get(`/cases/${caseId}/review`)).statusCode).toBe(404);
    // A partner lead reads, but cannot change it.
    expect((await lead.get(`/cases/${caseId}/review`)).statusCode).toBe(200);
    expect((await lead.get(`/cases/${caseId}/review/terms`)).statusCode).toBe(403);
    // Those views are in the audit trail, and the business unit sees who has viewed the review.
    const seen = textOf((await admin.get(`/cases/${caseId}/review`)).body);
    expect(seen).toContain('Who has viewed this record');
    expect(seen).not.toContain('No one has viewed this record yet');
    // The business unit's forms, each with its fields.
    for (const [path, field] of [['terms', 'name="linesOfEnquiry"'], ['reviewer', 'Jordan Reviewer'], ['reports/new', 'name="file"'], ['publication', 'name="decision"'], ['log/delay', 'name="sosToldOn-day"']]) {
      const form = await admin.get(`/cases/${caseId}/review/${path}`);
      expect(form.statusCode, path).toBe(200);
      expect(form.body, path).toContain(field);
    }
    expect((await admin.get(`/cases/${caseId}/review/log/minutes`)).statusCode).toBe(404);
    // No such case: no review.
    expect((await admin.get('/cases/00000000-0000-4000-8000-000000000000/review')).statusCode).toBe(404);
  });

  it('lets the business unit choose a lead reviewer, who then sees that review and no other', async () => {
    const bad = await admin.post(`/cases/${caseId}/review/reviewer`, { reviewer: otherCaseId, version: '0' });
    expect(bad.statusCode).toBe(422);
    expect(errorSummary(bad.body)).toContain('Select the lead reviewer');
    const ok = await admin.post(`/cases/${caseId}/review/reviewer`, { reviewer: reviewerId, version: '0' });
    expect(ok.statusCode, errorSummary(ok.body)).toBe(303);
    expect(ok.headers.location).toBe(`/cases/${caseId}/review?done=reviewer`);
    const mine = await reviewer.get(`/cases/${caseId}/review`);
    expect(mine.statusCode).toBe(200);
    expect(textOf(mine.body)).toContain('Jordan Reviewer');
    // Only their own review: not the other one, not the case record, not the list of cases.
    expect((await reviewer.get(`/cases/${otherCaseId}/review`)).statusCode).toBe(404);
    expect((await reviewer.get(`/cases/${caseId}`)).statusCode).toBe(403);
    const list = await reviewer.get('/cases/reviews');
    expect(list.body).toContain(`/cases/${caseId}/review`);
    expect(list.body).not.toContain(`/cases/${otherCaseId}/review`);
    expect((await otherReviewer.get(`/cases/${caseId}/review`)).statusCode).toBe(404);
    // Reviewers cannot choose reviewers.
    expect((await reviewer.post(`/cases/${caseId}/review/reviewer`, { reviewer: otherReviewerId, version: '1' }, { csrf: await reviewer.csrfFrom(`/cases/${caseId}/review/terms`) })).statusCode).toBe(403);
    const refusals = await t.app.deps.database.db.selectFrom('audit_events').select(['action', 'outcome']).where('record_id', '=', otherCaseId).where('action', '=', 'access-refused').execute();
    expect(refusals.length).toBeGreaterThan(0);
  });

  it('saves the terms of reference with optimistic versioning: a stale form shows what changed and overwrites nothing', async () => {
    const form = {
      reviewType: 'local-cspr',
      ...dateFields('scopeFrom', addDays(today, -400)),
      ...dateFields('scopeTo', addDays(today, -60)),
      linesOfEnquiry: 'How did agencies hear the voice of Child R?',
      method: 'systems',
      methodNotes: '',
    };
    const first = await reviewer.post(`/cases/${caseId}/review/terms`, { ...form, version: '1' });
    expect(first.statusCode, errorSummary(first.body)).toBe(303);
    // Someone else, still holding version 1, sends other terms: refused with the saved ones shown.
    const stale = await admin.post(`/cases/${caseId}/review/terms`, { ...form, linesOfEnquiry: 'Something else entirely', version: '1' });
    expect(stale.statusCode).toBe(409);
    expect(errorSummary(stale.body)).toContain('Someone else changed this review');
    expect(stale.body).toContain('How did agencies hear the voice of Child R?');
    expect(stale.body).toContain('Something else entirely');
    const page = textOf((await admin.get(`/cases/${caseId}/review`)).body);
    expect(page).toContain('How did agencies hear the voice of Child R?');
    expect(page).toContain('Systems approach');
    // Bad input: an end before the start, another method without a description.
    const bad = await admin.post(`/cases/${caseId}/review/terms`, { ...form, ...dateFields('scopeTo', addDays(today, -500)), method: 'other', version: '2' });
    expect(bad.statusCode).toBe(422);
    expect(errorSummary(bad.body)).toContain('The end of the period the review covers cannot be before its start');
    expect(errorSummary(bad.body)).toContain('Describe the method the review uses');
    // Stored encrypted.
    const row = await withTenant(t.app.deps.database.db, [northmoor.id], (trx) => trx.selectFrom('reviews').selectAll().where('incident_id', '=', caseId).executeTakeFirstOrThrow());
    expect(row.lines_of_enquiry_enc).not.toContain('voice');
    expect(row.version).toBe(2);
  });

  it('keeps the review log: milestones, practitioner events, family contact, monitoring and delays, each checked', async () => {
    const ms = await reviewer.post(`/cases/${caseId}/review/log/milestone`, { title: 'Draft report to partners', ...dateFields('onDate', addDays(today, -1)), notes: '' });
    expect(ms.statusCode, errorSummary(ms.body)).toBe(303);
    const event = await reviewer.post(`/cases/${caseId}/review/log/practitioner-event`, { attendees: 'health visitor, social worker', format: 'learning-event', ...dateFields('onDate', addDays(today, -2)), notes: 'Pressure of caseloads.' });
    expect(event.statusCode, errorSummary(event.body)).toBe(303);
    // Monitoring is the partners' record: not the reviewer's.
    expect((await reviewer.get(`/cases/${caseId}/review/log/monitoring`)).statusCode).toBe(403);
    const missing = await admin.post(`/cases/${caseId}/review/log/monitoring`, { ...dateFields('onDate', addDays(today, 3)), time: 'sometimes', notes: '' });
    expect(missing.statusCode).toBe(422);
    const problems = errorSummary(missing.body);
    expect(problems).toContain('The date cannot be in the future');
    expect(problems).toContain('Select one of the options for time');
    expect(problems).toContain('Select quality of the work so far');
    expect(problems).toContain('Enter findings and actions agreed');
    const monitoring = await admin.post(`/cases/${caseId}/review/log/monitoring`, { ...dateFields('onDate', today), time: 'at-risk', quality: 'good', regulation14: 'yes', notes: 'Asked for the draft in writing.' });
    expect(monitoring.statusCode, errorSummary(monitoring.body)).toBe(303);
    const early = await admin.post(`/cases/${caseId}/review/log/delay`, { ...dateFields('onDate', addDays(decided, -5)), reason: 'inquest', notes: 'Inquest listed.' });
    expect(errorSummary(early.body)).toContain('cannot be before the decision to hold the review');
    const delay = await admin.post(`/cases/${caseId}/review/log/delay`, { ...dateFields('onDate', addDays(today, -3)), reason: 'criminal-proceedings', ...dateFields('panelToldOn', addDays(today, -2)), ...dateFields('sosToldOn', addDays(today, -2)), notes: 'Trial listed.' });
    expect(delay.statusCode, errorSummary(delay.body)).toBe(303);
    const page = await admin.get(`/cases/${caseId}/review`);
    const text = textOf(page.body);
    expect(text).toContain('Draft report to partners');
    expect(text).toContain('Overdue');
    expect(text).toContain('Learning event (group)');
    expect(text).toContain('At risk');
    expect(text).toContain('The partners asked the reviewer in writing for information or a draft (regulation 14) Yes');
    expect(text).toContain('Parallel criminal proceedings');
    // The milestone is met.
    const entry = await withTenant(t.app.deps.database.db, [northmoor.id], (trx) => trx.selectFrom('review_entries').select(['id', 'notes_enc']).where('incident_id', '=', caseId).where('kind', '=', 'milestone').executeTakeFirstOrThrow());
    const done = await reviewer.post(`/cases/${caseId}/review/log/entries/${entry.id}/done`, dateFields(`done-${entry.id}`, today), { from: `/cases/${caseId}/review` });
    expect(done.statusCode, errorSummary(done.body)).toBe(303);
    expect(textOf((await admin.get(`/cases/${caseId}/review`)).body)).not.toContain('Overdue');
    const timeline = textOf((await admin.get(`/cases/${caseId}`)).body);
    expect(timeline).toContain('Review log entry added');
  });

  it('records the day a delay ended or a milestone was met as it happened, today unless changed, refusing days out of order', async () => {
    const rows = await withTenant(t.app.deps.database.db, [northmoor.id], (trx) => trx.selectFrom('review_entries').select(['id', 'kind', 'on_date']).where('incident_id', '=', caseId).where('done_on', 'is', null).execute());
    const delay = rows.find((r) => r.kind === 'delay');
    expect(delay).toBeDefined();
    const page = await admin.get(`/cases/${caseId}/review`);
    // The end date is filled in with today: the GOV.UK date input, changed when it ended earlier.
    expect(page.body).toMatch(new RegExp(`name="done-${delay!.id}-year" type="text" value="${today.slice(0, 4)}"`));
    expect((await admin.get(`/cases/${caseId}/review/log/delay`)).body).toMatch(new RegExp(`name="onDate-day" type="text" value="${Number(today.slice(8))}"`));
    const early = await admin.post(`/cases/${caseId}/review/log/entries/${delay!.id}/done`, dateFields(`done-${delay!.id}`, addDays(delay!.on_date, -1)), { from: `/cases/${caseId}/review` });
    expect(early.statusCode).toBe(422);
    expect(errorSummary(early.body)).toContain(`The date the delay ended cannot be before the date the delay started (${formatDateForDisplay(delay!.on_date)})`);
    expect(early.body).toContain(`href="#done-${delay!.id}-day"`);
    const future = await admin.post(`/cases/${caseId}/review/log/entries/${delay!.id}/done`, dateFields(`done-${delay!.id}`, addDays(today, 1)), { from: `/cases/${caseId}/review` });
    expect(errorSummary(future.body)).toContain('The date the delay ended cannot be in the future');
    // A milestone met before the review was decided cannot be.
    const ms = await reviewer.post(`/cases/${caseId}/review/log/milestone`, { title: 'Terms agreed', ...dateFields('onDate', addDays(today, 10)), notes: '' });
    expect(ms.statusCode, errorSummary(ms.body)).toBe(303);
    const milestone = await withTenant(t.app.deps.database.db, [northmoor.id], (trx) => trx.selectFrom('review_entries').select('id').where('incident_id', '=', caseId).where('kind', '=', 'milestone').where('done_on', 'is', null).executeTakeFirstOrThrow());
    const beforeDecision = await reviewer.post(`/cases/${caseId}/review/log/entries/${milestone.id}/done`, dateFields(`done-${milestone.id}`, addDays(decided, -1)), { from: `/cases/${caseId}/review` });
    expect(beforeDecision.statusCode).toBe(422);
    expect(errorSummary(beforeDecision.body)).toContain(`The date the milestone was met cannot be before the date of the decision to hold the review (${formatDateForDisplay(decided)})`);
    // Met early, on the day it was: kept as entered.
    const met = await reviewer.post(`/cases/${caseId}/review/log/entries/${milestone.id}/done`, dateFields(`done-${milestone.id}`, addDays(today, -2)), { from: `/cases/${caseId}/review` });
    expect(met.statusCode, errorSummary(met.body)).toBe(303);
    const ended = await admin.post(`/cases/${caseId}/review/log/entries/${delay!.id}/done`, dateFields(`done-${delay!.id}`, delay!.on_date), { from: `/cases/${caseId}/review` });
    expect(ended.statusCode, errorSummary(ended.body)).toBe(303);
    const done = await withTenant(t.app.deps.database.db, [northmoor.id], (trx) => trx.selectFrom('review_entries').select(['id', 'done_on']).where('id', 'in', [milestone.id, delay!.id]).execute());
    expect(Object.fromEntries(done.map((d) => [d.id, d.done_on]))).toEqual({ [milestone.id]: addDays(today, -2), [delay!.id]: delay!.on_date });
  });

  it('takes draft and final report versions (PDF or Word only) and completes the review only with a final report', async () => {
    const csrf = await reviewer.csrfFrom(`/cases/${caseId}/review/terms`);
    const send = (client: TestClient, fields: Record<string, string>, file?: { name: string; bytes: Buffer }) => {
      const body = multipart({ _csrf: csrf, ...fields }, file);
      return client.app.inject({ method: 'POST', url: `/cases/${caseId}/review/reports/new`, payload: body.payload, headers: { 'content-type': body.contentType, cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    };
    const notPdf = await send(reviewer, { kind: 'draft' }, { name: 'report.exe', bytes: Buffer.from('MZ not a report') });
    expect(notPdf.statusCode).toBe(422);
    expect(errorSummary(notPdf.body)).toContain('The selected file must be a PDF or a Word document (.docx)');
    const script = await send(reviewer, { kind: 'final' }, { name: 'final.pdf', bytes: await buildPdfWithOpenActionScript() });
    expect(script.statusCode).toBe(422);
    expect(errorSummary(script.body)).toContain('The selected file cannot be used: the PDF carries active content (JavaScript)');
    const bomb = await send(reviewer, { kind: 'draft' }, { name: 'draft.docx', bytes: buildZipBombDocx(1024) });
    expect(bomb.statusCode).toBe(422);
    expect(errorSummary(bomb.body)).toContain('The selected file cannot be used: the Word document would expand to more than 100 MB when opened');
    // Completing needs a final report.
    const adminCsrf = await admin.csrfFrom(`/cases/${caseId}/review/terms`);
    const early = await admin.post(`/cases/${caseId}/steps/complete-review`, dateFields('date', today), { csrf: adminCsrf });
    expect(early.statusCode).toBe(422);
    expect(errorSummary(early.body)).toContain('Add the final report to the review before recording the review as completed');
    expect((await send(reviewer, { kind: 'draft' }, { name: 'draft.pdf', bytes: PDF })).statusCode).toBe(303);
    expect((await send(reviewer, { kind: 'final' }, { name: 'final report.pdf', bytes: PDF })).statusCode).toBe(303);
    const page = await reviewer.get(`/cases/${caseId}/review`);
    expect(textOf(page.body)).toContain('Final report version 1');
    const link = new RegExp(`/cases/${caseId}/review/reports/[0-9a-f-]{36}`).exec(page.body)?.[0] as string;
    const download = await reviewer.get(link);
    expect(download.statusCode).toBe(200);
    expect(download.headers).toMatchObject({
      'content-type': 'application/pdf',
      'content-disposition': 'attachment; filename="draft.pdf"; filename*=UTF-8\'\'draft.pdf',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "sandbox; default-src 'none'",
    });
    expect(download.rawPayload.equals(PDF)).toBe(true);
    // Publication decision: improvements only needs reasons; the advance copy goes to the Panel and the SoS.
    const noReasons = await admin.post(`/cases/${caseId}/review/publication`, { decision: 'improvements-only', reasons: '', advanceCopyTo: ['ofsted'], version: '2' });
    expect(noReasons.statusCode).toBe(422);
    expect(errorSummary(noReasons.body)).toContain('Enter why publishing the full report would be inappropriate');
    expect(errorSummary(noReasons.body)).toContain('The advance copy must go to the Panel and the Secretary of State');
    const decision = await admin.post(`/cases/${caseId}/review/publication`, { decision: 'full-report', reasons: '', ...dateFields('planned', addDays(today, 30)), advanceCopyTo: ['panel', 'secretary-of-state', 'ofsted'], version: '2' });
    expect(decision.statusCode, errorSummary(decision.body)).toBe(303);
    expect((await reviewer.get(`/cases/${caseId}/review/publication`)).statusCode).toBe(403);
    const complete = await admin.post(`/cases/${caseId}/steps/complete-review`, dateFields('date', today), { csrf: adminCsrf });
    expect(complete.statusCode, errorSummary(complete.body)).toBe(303);
    // Once completed, the review's work is closed to changes.
    const late = await reviewer.post(`/cases/${caseId}/review/log/milestone`, { title: 'Late', ...dateFields('onDate', today), notes: '' }, { from: `/cases/${caseId}/review/terms` });
    expect(late.statusCode).toBe(422);
    expect(errorSummary(late.body)).toContain('only while the review is under way');
  });
});
