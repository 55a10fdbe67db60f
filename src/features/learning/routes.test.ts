import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, uploadForm, type TestClient } from '../../../test/support/client.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { dateFields, errorSummary, textOf } from '../../../test/support/pages.ts';
import { addDays, todayInLondon } from '../../domain/calendar/date-only.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { recordIncident } from '../cases/service.ts';
import { addAgency, addPartnership } from '../partnerships/service.ts';
import { addAction, findRecommendation } from './service.ts';
import { samplePdf } from '../../platform/documents/test-fixtures.ts';

const PDF = samplePdf('fictional evidence: notifications checked against call-outs', 2048);

/**
 * Learning into practice through HTTP: the business unit records recommendations and actions; an
 * agency updates only its own agency's actions; partner leads sign off or send back; bad input is
 * refused with a specific message and nothing is saved (Working Together 2023, chapter 5).
 */
describe.each(ENGINES)('learning into practice on %s', (engine) => {
  let t: TestApp;
  let admin: TestClient;
  let lead: TestClient;
  let school: TestClient;
  let police: TestClient;
  let outsider: TestClient;
  let reviewer: TestClient;
  let p: { id: string };
  let schoolId: string;
  let policeId: string;
  let caseId: string;
  let adminId: string;
  const today = todayInLondon(new Date());
  const madeOn = addDays(today, -30);

  beforeAll(async () => {
    t = await startTestApp(engine);
    const db = t.app.deps.database.db;
    p = await addPartnership(db, { slug: 'learning-northmoor', name: 'Learning SCP' });
    const elsewhere = await addPartnership(db, { slug: 'learning-elsewhere', name: 'Elsewhere SCP' });
    schoolId = (await addAgency(db, { partnershipId: p.id, name: 'Learning Academy', kind: 'relevant-agency' })).id;
    policeId = (await addAgency(db, { partnershipId: p.id, name: 'Learning Police', kind: 'police' })).id;
    const a = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: p.id, agencyId: null }], { name: 'Alex Admin' });
    admin = a.client;
    adminId = a.userId;
    lead = (await signedInAs(t.app, [{ role: 'partner-lead', partnershipId: p.id, agencyId: null }], { name: 'Priya Lead' })).client;
    school = (await signedInAs(t.app, [{ role: 'agency-contributor', partnershipId: p.id, agencyId: schoolId }], { name: 'Sam School' })).client;
    police = (await signedInAs(t.app, [{ role: 'agency-contributor', partnershipId: p.id, agencyId: policeId }], { name: 'Pat Police' })).client;
    reviewer = (await signedInAs(t.app, [{ role: 'reviewer', partnershipId: p.id, agencyId: null }])).client;
    outsider = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: elsewhere.id, agencyId: null }])).client;
    const aware = addDays(today, -200);
    const result = await recordIncident(
      db,
      t.app.deps.cipher,
      { userId: a.userId, name: 'Alex Admin' },
      {
        partnershipId: p.id,
        facts: { outcome: 'serious-harm', abuseOrNeglect: 'suspected', location: 'in-area', incidentOn: aware, aware, whatIsKnown: '', agencyIds: [], otherAgencies: '' },
        children: [{ pseudonym: 'Child L', name: 'Zebedee Fictitious', dateOfBirth: null, nhsNumber: '', address: '', familyNames: '', gender: null, ageAtIncident: 3, ageBand: '1-4', lookedAfter: false, careLeaver: false }],
        referralId: null,
      },
      today,
    );
    if (!result.ok) throw new Error(JSON.stringify(result));
    caseId = result.id;
    await withTenant(db, [p.id], (trx) =>
      trx
        .updateTable('incidents')
        .set({ state: 'local-review', review_decision: 'local-review', notified_on: addDays(aware, 2), rapid_review_sent_on: addDays(aware, 20), decision_on: addDays(aware, 40) })
        .where('id', '=', caseId)
        .execute(),
    );
  }, 120_000);
  afterAll(async () => t.close());

  const base = () => `/cases/${caseId}/review/recommendations`;
  const count = async (table: 'recommendations' | 'recommendation_actions' | 'action_updates') =>
    Number((await withTenant(t.app.deps.database.db, [p.id], (trx) => trx.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where('partnership_id', '=', p.id).executeTakeFirstOrThrow())).n);
  const evidenceCount = async () => Number((await withTenant(t.app.deps.database.db, [p.id], (trx) => trx.selectFrom('action_evidence_files').select((eb) => eb.fn.countAll().as('n')).where('action_id', '=', schoolAction).executeTakeFirstOrThrow())).n);
  const actionStatus = async () => (await withTenant(t.app.deps.database.db, [p.id], (trx) => trx.selectFrom('recommendation_actions').select('status').where('id', '=', schoolAction).executeTakeFirstOrThrow())).status;
  let recId: string;
  let schoolAction: string;
  let policeAction: string;

  it('lets the business unit add a recommendation, refusing a response without reasons and saving nothing', async () => {
    const empty = await admin.get(base());
    expect(empty.statusCode).toBe(200);
    expect(textOf(empty.body)).toContain('No recommendations have been recorded');
    const form = { number: '1', text: 'Schools should be told of domestic abuse call-outs at a pupil’s home.', ...dateFields('madeOn', madeOn), agencyIds: [schoolId, policeId], themes: ['domestic-abuse'], response: 'not-accepted', responseReasons: '' };
    const bad = await admin.post(`${base()}/new`, form);
    expect(bad.statusCode).toBe(422);
    expect(errorSummary(bad.body)).toContain('Say why the recommendation is not accepted');
    const blank = await admin.post(`${base()}/new`, { number: '', text: '', 'madeOn-day': '31', 'madeOn-month': '2', 'madeOn-year': '2026' });
    expect(blank.statusCode).toBe(422);
    expect(errorSummary(blank.body)).toContain('Enter the text of the recommendation');
    expect(errorSummary(blank.body)).toContain('Select the agencies the recommendation is for');
    expect(await count('recommendations')).toBe(0);
    const ok = await admin.post(`${base()}/new`, { ...form, response: 'accepted-in-part', responseReasons: 'Only for schools in the area' });
    expect(ok.statusCode, errorSummary(ok.body)).toBe(303);
    expect(ok.headers.location).toBe(`${base()}?done=recommendation`);
    const dup = await admin.post(`${base()}/new`, { ...form, response: 'accepted' });
    expect(errorSummary(dup.body)).toContain('already has a recommendation with that number');
    const page = textOf((await lead.get(base())).body);
    expect(page).toContain('Recommendation 1');
    expect(page).toContain('Accepted in part: Only for schools in the area');
    recId = (await withTenant(t.app.deps.database.db, [p.id], (trx) => trx.selectFrom('recommendations').select('id').where('partnership_id', '=', p.id).executeTakeFirstOrThrow())).id;
    const audit = await t.app.deps.database.db.selectFrom('audit_events').select(['action', 'outcome']).where('record_id', '=', recId).execute();
    expect(audit.map((e) => e.action)).toContain('recommendation-added');
  });

  it('keeps recommendations from those outside the business unit and the partners', async () => {
    expect((await lead.get(`${base()}/new`)).statusCode).toBe(403);
    expect((await school.get(base())).statusCode).toBe(403);
    expect((await reviewer.get(base())).statusCode).toBe(403);
    expect((await outsider.get(base())).statusCode).toBe(404);
    expect((await outsider.get(`${base()}/${recId}/edit`)).statusCode).toBe(404);
    expect((await admin.get(`${base()}/00000000-0000-4000-8000-000000000000/edit`)).statusCode).toBe(404);
  });

  it('refuses an action due before the recommendation, or without owner, lead, change or measure; then adds it', async () => {
    const url = `${base()}/${recId}/actions/new`;
    const action = { agencyId: schoolId, leadName: 'Jo Patel', ...dateFields('dueOn', addDays(madeOn, -1)), intendedChange: 'Schools told the next morning', measureOfSuccess: 'Termly check' };
    const early = await admin.post(url, action);
    expect(early.statusCode).toBe(422);
    expect(errorSummary(early.body)).toContain('The due date cannot be before the date of the recommendation');
    const blank = await admin.post(url, { agencyId: '', leadName: '', 'dueOn-day': 'x', 'dueOn-month': '', 'dueOn-year': '', intendedChange: '', measureOfSuccess: '' });
    expect(blank.statusCode).toBe(422);
    const summary = errorSummary(blank.body);
    for (const m of ['Select the agency that owns the action', 'Enter the name of the action’s lead', 'Enter the change', 'Enter how success will be measured']) expect(summary).toContain(m);
    expect(await count('recommendation_actions')).toBe(0);
    const ok = await admin.post(url, { ...action, ...dateFields('dueOn', addDays(today, 30)) });
    expect(ok.statusCode, errorSummary(ok.body)).toBe(303);
    const ok2 = await admin.post(url, { ...action, agencyId: policeId, leadName: 'DI Carter', ...dateFields('dueOn', addDays(today, -2)) });
    expect(ok2.statusCode, errorSummary(ok2.body)).toBe(303);
    const rows = await withTenant(t.app.deps.database.db, [p.id], (trx) => trx.selectFrom('recommendation_actions').select(['id', 'agency_id']).where('partnership_id', '=', p.id).execute());
    schoolAction = rows.find((r) => r.agency_id === schoolId)!.id;
    policeAction = rows.find((r) => r.agency_id === policeId)!.id;
    expect(await count('action_updates')).toBe(2);
    const page = textOf((await admin.get(base())).body);
    expect(page).toContain('Overdue');
    expect(page).toContain('Learning Academy (Jo Patel)');
  });

  it('lets an agency see and update only its own agency’s actions; another’s is not found, and the refusal audited', async () => {
    const list = await school.get('/actions');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain(`/actions/${schoolAction}`);
    expect(list.body).not.toContain(`/actions/${policeAction}`);
    // The agency filter offers only the school's own agency.
    expect(list.body).toContain(`value="${schoolId}"`);
    expect(list.body).not.toContain(`value="${policeId}"`);
    expect((await school.get(`/actions/${policeAction}`)).statusCode).toBe(404);
    expect((await police.get(`/actions/${schoolAction}`)).statusCode).toBe(404);
    expect((await police.get(`/actions/${policeAction}`)).statusCode).toBe(200);
    const csrf = await school.csrfFrom(`/actions/${schoolAction}`);
    const before = await count('action_updates');
    const other = await school.post(`/actions/${policeAction}/updates`, { step: 'start', text: '', version: '1' }, { csrf });
    expect(other.statusCode).toBe(404);
    expect(await count('action_updates')).toBe(before);
    const refused = await t.app.deps.database.db.selectFrom('audit_events').select(['action', 'outcome']).where('record_id', '=', policeAction).where('action', '=', 'access-refused').execute();
    expect(refused.length).toBeGreaterThanOrEqual(2);
    // Reviewers and other partnerships see no actions at all.
    expect((await reviewer.get('/actions')).statusCode).toBe(403);
    expect((await outsider.get(`/actions/${schoolAction}`)).statusCode).toBe(404);
    expect((await outsider.get('/actions')).body).not.toContain(`/actions/${schoolAction}`);
  });

  it('needs evidence to complete an action, and keeps the history', async () => {
    const url = `/actions/${schoolAction}/updates`;
    const skip = await school.post(url, { step: 'complete', text: 'All done', version: '1' }, { from: `/actions/${schoolAction}` });
    expect(skip.statusCode).toBe(422);
    expect(errorSummary(skip.body)).toContain('This cannot be done to an action that is not started');
    const start = await school.post(url, { step: 'start', text: 'Briefings booked', version: '1' }, { from: `/actions/${schoolAction}` });
    expect(start.statusCode, errorSummary(start.body)).toBe(303);
    const noEvidence = await school.post(url, { step: 'complete', text: '  ', version: '2' }, { from: `/actions/${schoolAction}` });
    expect(noEvidence.statusCode).toBe(422);
    expect(errorSummary(noEvidence.body)).toContain('Enter the evidence that the action is completed');
    expect(errorSummary(noEvidence.body)).toContain('Attach at least one file as evidence that the action is completed');
    // Words without a file: refused, with the message linked to the file field; nothing changes.
    const from = { from: `/actions/${schoolAction}` };
    const wordsOnly = await uploadForm(school, url, { step: 'complete', text: 'Notifications checked', version: '2' }, undefined, from);
    expect(wordsOnly.statusCode).toBe(422);
    expect(wordsOnly.body).toContain('href="#owner-file"');
    expect(errorSummary(wordsOnly.body)).toContain('Attach at least one file as evidence that the action is completed');
    // A file of the wrong kind stops the step too.
    const wrongFile = await uploadForm(school, url, { step: 'complete', text: 'Notifications checked', version: '2' }, { name: 'notes.exe', type: 'application/octet-stream', bytes: Buffer.from('MZ not evidence') }, from);
    expect(wrongFile.statusCode).toBe(422);
    expect(errorSummary(wrongFile.body)).toContain('must be a PDF, a Word document (.docx)');
    // A file sent with a completion that is refused (here: someone else changed the action) is not kept.
    const stale = await uploadForm(school, url, { step: 'complete', text: 'Evidence', version: '1' }, { name: 'check.pdf', type: 'application/pdf', bytes: PDF }, from);
    expect(stale.statusCode).toBe(409);
    expect(await evidenceCount()).toBe(0);
    expect(await actionStatus()).toBe('in-progress');
    const done = await uploadForm(school, url, { step: 'complete', text: 'Notifications checked against call-outs: 40 of 40 arrived', version: '2' }, { name: 'termly check.pdf', type: 'application/pdf', bytes: PDF }, from);
    expect(done.statusCode, errorSummary(done.body)).toBe(303);
    expect(await evidenceCount()).toBe(1);
    expect(await actionStatus()).toBe('completed');
    expect(textOf((await lead.get(`/actions/${schoolAction}`)).body)).toContain('termly check.pdf');
    const page = textOf((await lead.get(`/actions/${schoolAction}`)).body);
    expect(page).toContain('Completed');
    expect(page).toContain('40 of 40 arrived');
    expect(page).toContain('Sam School');
    // An agency cannot sign off its own work.
    expect((await school.post(`/actions/${schoolAction}/sign-off`, { step: 'close', version: '3' }, { from: `/actions/${schoolAction}` })).statusCode).toBe(403);
    const audit = await t.app.deps.database.db.selectFrom('audit_events').select(['action', 'outcome']).where('record_id', '=', schoolAction).where('outcome', '=', 'allowed').execute();
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['action-start', 'action-complete', 'evidence-file-added', 'view']));
  });

  it('lets a partner lead send an action back only with reasons; the lead cannot record the agency’s progress', async () => {
    const url = `/actions/${schoolAction}/sign-off`;
    const noReasons = await lead.post(url, { step: 'send-back', text: '', version: '3' }, { from: `/actions/${schoolAction}` });
    expect(noReasons.statusCode).toBe(422);
    expect(errorSummary(noReasons.body)).toContain('Enter the reasons for sending the action back');
    const closeEarly = await lead.post(url, { step: 'close', text: '', version: '3' }, { from: `/actions/${schoolAction}` });
    expect(closeEarly.statusCode).toBe(422);
    const back = await lead.post(url, { step: 'send-back', text: 'The check covers one term only', version: '3' }, { from: `/actions/${schoolAction}` });
    expect(back.statusCode, errorSummary(back.body)).toBe(303);
    const page = textOf((await school.get(`/actions/${schoolAction}`)).body);
    expect(page).toContain('Sent back');
    expect(page).toContain('The check covers one term only');
    expect((await lead.post(`/actions/${schoolAction}/updates`, { step: 'note', text: 'x', version: '4' }, { from: `/actions/${schoolAction}` })).statusCode).toBe(403);
  });

  it('lets the business unit change an action, keeping the date rule and the history; no one else', async () => {
    const url = `/actions/${schoolAction}/edit`;
    expect((await school.get(url)).statusCode).toBe(403);
    expect((await lead.get(url)).statusCode).toBe(403);
    expect((await outsider.get(url)).statusCode).toBe(404);
    const form = await admin.get(url);
    expect(form.statusCode).toBe(200);
    const version = /name="version" value="(\d+)"/.exec(form.body)?.[1] ?? '';
    const values = { agencyId: schoolId, leadName: 'Jo Patel', intendedChange: 'Schools told the next morning', measureOfSuccess: 'Termly check', version };
    const early = await admin.post(url, { ...values, ...dateFields('dueOn', addDays(madeOn, -5)) });
    expect(early.statusCode).toBe(422);
    expect(errorSummary(early.body)).toContain('The due date cannot be before the date of the recommendation');
    const ok = await admin.post(url, { ...values, leadName: 'Kim Osei', ...dateFields('dueOn', addDays(today, 45)) });
    expect(ok.statusCode, errorSummary(ok.body)).toBe(303);
    const page = textOf((await school.get(`/actions/${schoolAction}`)).body);
    expect(page).toContain('Named lead: Jo Patel → Kim Osei');
    // Status and evidence stay as they were.
    expect(page).toContain('Sent back');
    expect(page).toContain('40 of 40 arrived');
  });

  it('publishes the recommendations with the review, each with its response and current status', async () => {
    await t.app.deps.database.db
      .insertInto('publications')
      .values({ partnership_id: p.id, incident_id: caseId, source: 'review', slug: '2026-learning-child-l', title: '2026 – Learning – Child L', summary: 'A fictional review.', review_type: 'local-cspr', themes: '[]', published_on: today, withdrawable_on: addDays(today, 400) })
      .execute();
    const page = await outsider.get('/reviews/2026-learning-child-l');
    expect(page.statusCode).toBe(200);
    const text = textOf(page.body);
    expect(text).toContain('Recommendations and what is being done');
    expect(text).toContain('Schools should be told of domestic abuse call-outs');
    expect(text).toContain('Accepted in part: Only for schools in the area');
    expect(text).toContain('In progress: 0 of 2 actions completed');
    // Who leads an action, and the evidence, are not published.
    expect(text).not.toContain('Kim Osei');
    expect(text).not.toContain('40 of 40 arrived');
  });

  it('lists open actions across reviews with filters and pages', async () => {
    const db = t.app.deps.database.db;
    const rec = await findRecommendation(db, p.id, caseId, recId, today);
    for (let i = 0; i < 26; i++) {
      const r = await addAction(db, rec!, { userId: adminId, name: 'Fixture' }, { agencyId: policeId, leadName: `Lead ${i}`, dueOn: addDays(today, 40 + i), intendedChange: `Change number ${i}`, measureOfSuccess: 'Audit' });
      expect(r.ok).toBe(true);
    }
    const all = await admin.get('/actions');
    expect(textOf(all.body)).toContain('28 actions, page 1 of 2');
    expect(all.body).toContain('href="/actions?page=2"');
    const second = await admin.get('/actions?page=2');
    expect(second.body).toContain('Change number 25');
    const overdue = await lead.get('/actions?overdue=yes');
    expect(textOf(overdue.body)).toContain('1 action.');
    expect(overdue.body).toContain(`/actions/${policeAction}`);
    const bySchool = await admin.get(`/actions?agency=${schoolId}`);
    expect(textOf(bySchool.body)).toContain('1 action.');
    const inProgress = await admin.get('/actions?status=in-progress');
    expect(inProgress.body).toContain(`/actions/${schoolAction}`);
    expect(inProgress.body).not.toContain(`/actions/${policeAction}`);
    const byTheme = await admin.get('/actions?theme=domestic-abuse');
    expect(textOf(byTheme.body)).toContain('28 actions');
    expect(textOf((await admin.get('/actions?theme=suicide')).body)).toContain('0 actions');
    expect(textOf((await admin.get(`/actions?review=${caseId}&agency=${schoolId}`)).body)).toContain('1 action.');
    // Nonsense filters are ignored, never a 500.
    expect((await admin.get('/actions?agency=nonsense&status=sideways&page=-4&theme=%27%3B--&review=x')).statusCode).toBe(200);
  });
});
