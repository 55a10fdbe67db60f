import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, type TestClient } from '../../../test/support/client.ts';
import { ENGINES, freshDir } from '../../../test/support/database.ts';
import { outbox } from '../../../test/support/mail.ts';
import { dateFields, errorSummary, textOf } from '../../../test/support/pages.ts';
import { addDays, formatDateForDisplay, todayInLondon, type DateOnly } from '../../domain/calendar/date-only.ts';
import { openDatabase, type Database } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { createMailer, type Mailer } from '../../platform/mail/mailer.ts';
import { recordIncident } from '../cases/service.ts';
import { addAgency, addPartnership, type AgencyView } from '../partnerships/service.ts';
import { runTaskMail } from './mail.ts';

/**
 * Work that finds its people, through HTTP: each hand-off opens a task for those who must act,
 * shown on their dashboard (and the case page); the task ends when the work is done, by whoever
 * does it; each person gets one email per task, at once or in their daily digest, however many
 * instances send them.
 */
const config = { publicUrl: 'https://cspr.example.org', host: '127.0.0.1', port: 3000 };
const NAME = 'Zebedee Fictitious';

function multipart(fields: Record<string, string>): { payload: Buffer; contentType: string } {
  const boundary = `----cspr${Math.random().toString(16).slice(2)}`;
  const chunks = Object.entries(fields).map(([k, v]) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe.each(ENGINES)('tasks at each hand-off on %s', (engine) => {
  let t: TestApp;
  let mailDir: string;
  let mailer: Mailer;
  const who: Record<string, { client: TestClient; userId: string; email: string }> = {};
  let p: { id: string };
  let school: AgencyView;
  let la: AgencyView;
  const today = todayInLondon(new Date());

  beforeAll(async () => {
    t = await startTestApp(engine);
    mailDir = freshDir('task-mail');
    mailer = createMailer({ dataDir: mailDir, mailFrom: 'CSPR Hub <no-reply@cspr.example.org>', smtpUrl: undefined });
    const db = t.app.deps.database.db;
    p = await addPartnership(db, { slug: 'tasks-northmoor', name: 'Northmoor Safeguarding Children Partnership' });
    const elsewhere = await addPartnership(db, { slug: 'tasks-elsewhere', name: 'Elsewhere SCP' });
    la = await addAgency(db, { partnershipId: p.id, name: 'Northmoor Council', kind: 'local-authority' });
    const police = await addAgency(db, { partnershipId: p.id, name: 'Northmoor Police', kind: 'police' });
    const icb = await addAgency(db, { partnershipId: p.id, name: 'Northmoor ICB', kind: 'icb' });
    school = await addAgency(db, { partnershipId: p.id, name: 'Northmoor Academy', kind: 'relevant-agency' });
    const college = await addAgency(db, { partnershipId: p.id, name: 'Northmoor College', kind: 'relevant-agency' });
    const as = async (key: string, grants: Parameters<typeof signedInAs>[1], name: string) => {
      who[key] = await signedInAs(t.app, grants, { name, email: `${key}@example.org` });
    };
    await as('admin', [{ role: 'partnership-admin', partnershipId: p.id }], 'Alex Admin');
    await as('admin2', [{ role: 'partnership-admin', partnershipId: p.id }], 'Bea Business');
    await as('laLead', [{ role: 'partner-lead', partnershipId: p.id, agencyId: la.id }], 'Lee Council');
    await as('policeLead', [{ role: 'partner-lead', partnershipId: p.id, agencyId: police.id }], 'Pat Police');
    await as('icbLead', [{ role: 'partner-lead', partnershipId: p.id, agencyId: icb.id }], 'Indy Health');
    await as('school1', [{ role: 'agency-contributor', partnershipId: p.id, agencyId: school.id }], 'Sam School');
    await as('school2', [{ role: 'agency-contributor', partnershipId: p.id, agencyId: school.id }], 'Sol School');
    await as('college', [{ role: 'agency-contributor', partnershipId: p.id, agencyId: college.id }], 'Cal College');
    await as('reviewer', [{ role: 'reviewer', partnershipId: p.id }], 'Jordan Reviewer');
    await as('outsider', [{ role: 'agency-contributor', partnershipId: elsewhere.id, agencyId: (await addAgency(db, { partnershipId: elsewhere.id, name: 'Elsewhere Academy', kind: 'relevant-agency' })).id }], 'Out Sider');
  }, 120_000);
  afterAll(async () => t.close());

  const db = () => t.app.deps.database.db;
  const dashboard = async (key: string) => textOf((await who[key].client.get('/dashboard')).body);
  const openTasks = () => withTenant(db(), 'all', (trx) => trx.selectFrom('tasks').selectAll().where('done_at', 'is', null).where('partnership_id', '=', p.id).execute());

  async function caseInRapidReview(pseudonym: string): Promise<{ id: string; reference: string }> {
    const res = await who.admin.client.post('/cases/new', {
      action: 'save', childCount: '1', outcome: 'serious-harm', abuseOrNeglect: 'suspected', location: 'in-area',
      ...dateFields('aware', addDays(today, -3)), ...dateFields('incident', addDays(today, -4)), whatIsKnown: `Known only to the test: ${NAME}`,
      'child-1-pseudonym': pseudonym, 'child-1-name': NAME, agencies: [school.id],
    });
    expect(res.statusCode, errorSummary(res.body)).toBe(303);
    const id = /\/cases\/([0-9a-f-]{36})\//.exec(String(res.headers.location))?.[1] as string;
    expect((await who.admin.client.post(`/cases/${id}/steps/notify`, dateFields('date', addDays(today, -1)))).statusCode).toBe(303);
    const started = await who.admin.client.post(`/cases/${id}/steps/start-rapid-review`, dateFields('date', addDays(today, -1)));
    expect(started.statusCode, errorSummary(started.body)).toBe(303);
    const row = await withTenant(db(), [p.id], (trx) => trx.selectFrom('incidents').select('reference').where('id', '=', id).executeTakeFirstOrThrow());
    return { id, reference: row.reference };
  }

  async function answer(key: string, requestId: string): Promise<LightMyRequestResponse> {
    const client = who[key].client;
    const page = await client.get(`/agency-requests/${requestId}`);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const { payload, contentType } = multipart({ _csrf: token, involvement: 'Attended school every day; one concern logged.', episodes: '', answer: '', ...dateFields('answered', today) });
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return t.app.inject({ method: 'POST', url: `/agency-requests/${requestId}`, headers: { cookie, 'content-type': contentType }, payload });
  }

  let rr: { id: string; reference: string };
  let requestId: string;
  const due: DateOnly = addDays(today, 9);

  it('tells an agency of a request sent to it, and the request page says what it is about and whom to ask', async () => {
    rr = await caseInRapidReview('Child T');
    const sent = await who.admin.client.post(`/cases/${rr.id}/rapid-review/requests`, { agencies: [school.id], ...dateFields('sent', today), ...dateFields(`due-${school.id}`, due) });
    expect(sent.statusCode, errorSummary(sent.body)).toBe(303);
    requestId = (await withTenant(db(), [p.id], (trx) => trx.selectFrom('agency_requests').select('id').where('incident_id', '=', rr.id).executeTakeFirstOrThrow())).id;

    // Both of the school's contributors see it; the college's, the business unit and other partnerships do not.
    for (const key of ['school1', 'school2']) {
      const page = (await who[key].client.get('/dashboard')).body;
      const text = textOf(page);
      expect(text).toContain('Your tasks');
      expect(text).toContain('Send your agency’s summary of its involvement');
      expect(text).toContain(rr.reference);
      expect(text).toContain('Child T');
      expect(text).toContain(formatDateForDisplay(due));
      expect(page).toContain(`href="/agency-requests/${requestId}"`);
      expect(page).not.toContain(NAME);
    }
    for (const key of ['college', 'outsider', 'admin', 'laLead']) expect(await dashboard(key), key).not.toContain('Send your agency’s summary');
    // Seeing pseudonyms on the dashboard is recorded.
    const seen = await db().selectFrom('audit_events').select(['action', 'partnership_id']).where('action', '=', 'tasks-viewed').where('actor_id', '=', who.school1.userId).execute();
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s.partnership_id === p.id)).toBe(true);

    const page = await who.school1.client.get(`/agency-requests/${requestId}`);
    expect(page.statusCode).toBe(200);
    const text = textOf(page.body);
    expect(text).toContain(rr.reference);
    expect(text).toContain('Child T');
    expect(text).toContain(`Date of the incident ${formatDateForDisplay(addDays(today, -4))}`);
    expect(text).toContain(`Asked by Alex Admin, on ${formatDateForDisplay(today)}`);
    expect(text).toContain(`Answer by ${formatDateForDisplay(due)}`);
    expect(page.body).toContain('href="mailto:admin@example.org"');
    expect(page.body).not.toContain(NAME);
  });

  it('ends the agency’s task when any of its people answers, and hands the answer to the business unit until one of them reads it', async () => {
    const res = await answer('school2', requestId);
    expect(res.statusCode, errorSummary(res.body)).toBe(303);
    // Sam did not answer, but the work is done: the task is gone for both.
    expect(await dashboard('school1')).not.toContain('Send your agency’s summary');
    expect(await dashboard('school2')).not.toContain('Send your agency’s summary');
    const done = await withTenant(db(), [p.id], (trx) => trx.selectFrom('tasks').selectAll().where('subject_id', '=', requestId).where('kind', '=', 'agency-request-sent').executeTakeFirstOrThrow());
    expect(done.done_by).toBe(who.school2.userId);
    // The business unit is told; a partner lead is not.
    for (const key of ['admin', 'admin2']) {
      const page = (await who[key].client.get('/dashboard')).body;
      expect(textOf(page)).toContain('Read the agency’s answer');
      expect(page).toContain(`href="/cases/${rr.id}/rapid-review/requests/${requestId}"`);
    }
    expect(await dashboard('laLead')).not.toContain('Read the agency’s answer');
    // A partner lead can read the answer, but it is not their work: no button for them, and their post is refused.
    const answerPage = `/cases/${rr.id}/rapid-review/requests/${requestId}`;
    const leadPage = await who.laLead.client.get(answerPage);
    expect(leadPage.statusCode).toBe(200);
    expect(textOf(leadPage.body)).not.toContain('Mark as read');
    expect((await who.laLead.client.post(`${answerPage}/read`, {}, { from: answerPage })).statusCode).toBe(403);
    expect(await dashboard('admin')).toContain('Read the agency’s answer');
    // Opening the answer changes nothing (a link followed by a scanner or another site must not end the task).
    const opened = await who.admin2.client.get(answerPage);
    expect(opened.statusCode).toBe(200);
    // Nor does an address that claims it was read: the page says so only once it is.
    expect(textOf((await who.admin2.client.get(`${answerPage}?done=read`)).body)).not.toContain('The answer is marked as read');
    expect(await dashboard('admin')).toContain('Read the agency’s answer');
    // Saying so with the page's button (and its CSRF token) does, for the whole business unit.
    expect(textOf(opened.body)).toContain('Mark as read');
    expect(opened.body).toContain(`action="${answerPage}/read"`);
    const forged = await who.admin2.client.post(`${answerPage}/read`, {}, { csrf: null });
    expect(forged.statusCode).toBe(403);
    expect(await dashboard('admin')).toContain('Read the agency’s answer');
    const read = await who.admin2.client.post(`${answerPage}/read`, {}, { from: answerPage });
    expect(read.statusCode).toBe(303);
    expect(read.headers.location).toBe(`${answerPage}?done=read`);
    expect(await dashboard('admin')).not.toContain('Read the agency’s answer');
    expect(await dashboard('admin2')).not.toContain('Read the agency’s answer');
    const after = await who.admin.client.get(`${answerPage}?done=read`);
    expect(textOf(after.body)).toContain('The answer is marked as read');
    expect(textOf(after.body)).not.toContain('Mark as read');
    const entries = await db().selectFrom('audit_events').select(['actor_id', 'changes']).where('action', '=', 'agency-answer-read').where('record_id', '=', rr.id).execute();
    expect(entries).toHaveLength(1);
    expect(entries[0].actor_id).toBe(who.admin2.userId);
    // Said twice (two people at once): the task ended once, and nothing more is recorded.
    expect((await who.admin.client.post(`${answerPage}/read`, {}, { from: answerPage })).statusCode).toBe(303);
    expect(await db().selectFrom('audit_events').select('actor_id').where('action', '=', 'agency-answer-read').where('record_id', '=', rr.id).execute()).toHaveLength(1);
  });

  it('asks each statutory partner’s lead to sign the decision off, shows it on the case page, and ends it when their partner signs', async () => {
    const caseBefore = textOf((await who.laLead.client.get(`/cases/${rr.id}`)).body);
    expect(caseBefore).not.toContain('Sign off the rapid review decision');
    const decided = await who.admin.client.post(`/cases/${rr.id}/rapid-review/decision`, { decision: 'local-review', reasons: 'Criteria met', criteria: ['improvements'], ...dateFields('decided', today) });
    expect(decided.statusCode, errorSummary(decided.body)).toBe(303);
    for (const key of ['laLead', 'policeLead', 'icbLead']) {
      expect(await dashboard(key), key).toContain('Sign off the rapid review decision');
      // On the case page, the sign-off awaited is the lead's main action.
      const casePage = await who[key].client.get(`/cases/${rr.id}`);
      expect(textOf(casePage.body)).not.toContain('There is nothing for you to record on this case now.');
      const actions = /<div class="govuk-button-group">([\s\S]*?)<\/div>/.exec(casePage.body)?.[1] ?? '';
      const first = /<a [^>]*>/.exec(actions)?.[0] ?? '';
      expect(first).toContain(`href="/cases/${rr.id}/rapid-review/sign-off"`);
      expect(first).not.toContain('govuk-button--secondary');
    }
    expect(await dashboard('admin')).not.toContain('Sign off the rapid review decision');
    const signed = await who.laLead.client.post(`/cases/${rr.id}/rapid-review/sign-off`, dateFields('signed', today));
    expect(signed.statusCode, errorSummary(signed.body)).toBe(303);
    expect(await dashboard('laLead')).not.toContain('Sign off the rapid review decision');
    expect((await who.laLead.client.get(`/cases/${rr.id}`)).body).not.toContain(`href="/cases/${rr.id}/rapid-review/sign-off"`);
    expect(await dashboard('policeLead')).toContain('Sign off the rapid review decision');
    // Changing the decision clears the sign-offs: the local authority's lead is asked again, once.
    const changed = await who.admin.client.post(`/cases/${rr.id}/rapid-review/decision`, { decision: 'local-review', reasons: 'Criteria met, and more', criteria: ['improvements'], ...dateFields('decided', today) });
    expect(changed.statusCode, errorSummary(changed.body)).toBe(303);
    expect(await dashboard('laLead')).toContain('Sign off the rapid review decision');
    const signOffs = (await openTasks()).filter((x) => x.kind === 'sign-off-awaited' && x.subject_id === rr.id);
    expect(signOffs.length).toBe(3);
  });

  let reviewCase: string;
  it('hands a review to the reviewer chosen, until the review is under way', async () => {
    const aware = addDays(today, -200);
    const rec = await recordIncident(
      db(),
      t.app.deps.cipher,
      { userId: who.admin.userId, name: 'Alex Admin' },
      {
        partnershipId: p.id,
        facts: { outcome: 'serious-harm', abuseOrNeglect: 'suspected', location: 'in-area', incidentOn: aware, aware, whatIsKnown: '', agencyIds: [], otherAgencies: '' },
        children: [{ pseudonym: 'Child V', name: NAME, dateOfBirth: null, nhsNumber: '', address: '', familyNames: '', gender: null, ageAtIncident: 3, ageBand: '1-4', lookedAfter: false, careLeaver: false }],
        referralId: null,
      },
      today,
    );
    if (!rec.ok) throw new Error(JSON.stringify(rec));
    reviewCase = rec.id;
    await withTenant(db(), [p.id], (trx) =>
      trx.updateTable('incidents').set({ state: 'local-review', review_decision: 'local-review', notified_on: addDays(aware, 2), rapid_review_sent_on: addDays(aware, 20), decision_on: addDays(aware, 40) }).where('id', '=', reviewCase).execute(),
    );
    expect(await dashboard('reviewer')).not.toContain('Start the review you lead');
    const chosen = await who.admin.client.post(`/cases/${reviewCase}/review/reviewer`, { reviewer: who.reviewer.userId, version: '0' });
    expect(chosen.statusCode, errorSummary(chosen.body)).toBe(303);
    const page = (await who.reviewer.client.get('/dashboard')).body;
    expect(textOf(page)).toContain('Start the review you lead');
    expect(textOf(page)).toContain('Child V');
    expect(page).toContain(`href="/cases/${reviewCase}/review"`);
    const ms = await who.reviewer.client.post(`/cases/${reviewCase}/review/log/milestone`, { title: 'Terms of reference agreed', ...dateFields('onDate', today), notes: '' });
    expect(ms.statusCode, errorSummary(ms.body)).toBe(303);
    expect(await dashboard('reviewer')).not.toContain('Start the review you lead');
  });

  let actionId: string;
  it('hands an action to the agency that owns it, until one of its people records a step', async () => {
    const base = `/cases/${reviewCase}/review/recommendations`;
    const rec = await who.admin.client.post(`${base}/new`, { number: '1', text: 'Schools should hear of call-outs.', ...dateFields('madeOn', addDays(today, -5)), agencyIds: [school.id], themes: ['domestic-abuse'], response: 'accepted', responseReasons: '' });
    expect(rec.statusCode, errorSummary(rec.body)).toBe(303);
    const recId = (await withTenant(db(), [p.id], (trx) => trx.selectFrom('recommendations').select('id').where('incident_id', '=', reviewCase).executeTakeFirstOrThrow())).id;
    const added = await who.admin.client.post(`${base}/${recId}/actions/new`, { agencyId: school.id, leadName: 'Head of safeguarding', ...dateFields('dueOn', addDays(today, 30)), intendedChange: 'Every call-out reaches the school.', measureOfSuccess: 'Audit of a term.' });
    expect(added.statusCode, errorSummary(added.body)).toBe(303);
    actionId = (await withTenant(db(), [p.id], (trx) => trx.selectFrom('recommendation_actions').select('id').where('recommendation_id', '=', recId).executeTakeFirstOrThrow())).id;
    for (const key of ['school1', 'school2']) {
      const page = (await who[key].client.get('/dashboard')).body;
      expect(textOf(page)).toContain('Record progress on your agency’s action');
      expect(page).toContain(`href="/actions/${actionId}"`);
    }
    expect(await dashboard('college')).not.toContain('Record progress on your agency’s action');
    const start = await who.school1.client.post(`/actions/${actionId}/updates`, { step: 'start', text: 'Briefings booked', version: '1' }, { from: `/actions/${actionId}` });
    expect(start.statusCode, errorSummary(start.body)).toBe(303);
    expect(await dashboard('school2')).not.toContain('Record progress on your agency’s action');
  });

  it('sends each email once, with a link and the reference only, and nothing for work already done', async () => {
    const before = outbox(mailDir).length;
    const [a, b] = await Promise.all([runTaskMail({ db: db(), mailer, config }), runTaskMail({ db: db(), mailer, config })]);
    const mails = outbox(mailDir).slice(before);
    expect(a.immediate + b.immediate).toBe(mails.length);
    const to = (email: string) => mails.filter((m) => m.to.toLowerCase() === email.toLowerCase());
    // Open now: the sign-off tasks (three leads) ... and nothing of the tasks already done.
    expect(to('policeLead@example.org').map((m) => m.subject)).toEqual([`Sign off the rapid review decision: ${rr.reference}`]);
    expect(to('laLead@example.org').length).toBe(1);
    expect(to('icbLead@example.org').length).toBe(1);
    expect(to('school1@example.org')).toEqual([]);
    expect(to('reviewer@example.org')).toEqual([]);
    expect(to('policeLead@example.org')[0].text).toContain(`https://cspr.example.org/cases/${rr.id}/rapid-review/sign-off`);
    for (const m of mails) {
      expect(m.raw).not.toContain(NAME);
      expect(m.raw).not.toContain('Child T');
    }
    const again = await runTaskMail({ db: db(), mailer, config });
    expect(again.immediate).toBe(0);
    expect(outbox(mailDir).length).toBe(before + mails.length);
  });

  it('lets each person choose a daily digest per kind, which gathers their items once a day', async () => {
    const settings = await who.school1.client.get('/account/task-emails');
    expect(settings.statusCode).toBe(200);
    expect(textOf(settings.body)).toContain('A request for information sent to your agency');
    expect(textOf(settings.body)).not.toContain('awaiting your sign-off');
    const bad = await who.school1.client.post('/account/task-emails', { 'agency-request-sent': 'weekly' });
    expect(bad.statusCode).toBe(422);
    expect(errorSummary(bad.body)).toContain('Select how you want to hear of a request for information sent to your agency');
    const ok = await who.school1.client.post('/account/task-emails', { 'agency-request-sent': 'digest', 'action-assigned': 'immediate' });
    expect(ok.statusCode, errorSummary(ok.body)).toBe(303);
    expect(textOf((await who.school1.client.get('/account/task-emails?saved=1')).body)).toContain('Your choices were saved.');
    const audit = await db().selectFrom('audit_events').select('action').where('actor_id', '=', who.school1.userId).where('action', '=', 'task-emails-chosen').execute();
    expect(audit.length).toBe(1);

    // Two new requests to the school: Sam waits for the digest, Sol (no choice made) hears at once.
    const second = await caseInRapidReview('Child W');
    const third = await caseInRapidReview('Child X');
    for (const c of [second, third]) expect((await who.admin.client.post(`/cases/${c.id}/rapid-review/requests`, { agencies: [school.id], ...dateFields('sent', today) })).statusCode).toBe(303);
    const before = outbox(mailDir).length;
    const early = new Date(`${today}T05:00:00Z`); // before 07:00 in London, winter or summer
    await runTaskMail({ db: db(), mailer, config }, early);
    let mails = outbox(mailDir).slice(before);
    expect(mails.filter((m) => m.to === 'school2@example.org').length).toBe(2);
    expect(mails.filter((m) => m.to === 'school1@example.org').length).toBe(0);
    const morning = new Date(`${today}T09:00:00Z`);
    const [x, y] = await Promise.all([runTaskMail({ db: db(), mailer, config }, morning), runTaskMail({ db: db(), mailer, config }, morning)]);
    expect(x.digests + y.digests).toBe(1);
    mails = outbox(mailDir).slice(before);
    const digest = mails.filter((m) => m.to === 'school1@example.org');
    expect(digest.length).toBe(1);
    expect(digest[0].subject).toBe('Your tasks: 2 new');
    expect(digest[0].text).toContain(second.reference);
    expect(digest[0].text).toContain(third.reference);
    expect(digest[0].raw).not.toContain('Child W');
    // Once a day: a request later that day waits for tomorrow's digest.
    const fourth = await caseInRapidReview('Child Y');
    expect((await who.admin.client.post(`/cases/${fourth.id}/rapid-review/requests`, { agencies: [school.id], ...dateFields('sent', today) })).statusCode).toBe(303);
    await runTaskMail({ db: db(), mailer, config }, new Date(`${today}T15:00:00Z`));
    expect(outbox(mailDir).slice(before).filter((m) => m.to === 'school1@example.org').length).toBe(1);
    await runTaskMail({ db: db(), mailer, config }, new Date(`${addDays(today, 1)}T09:00:00Z`));
    const next = outbox(mailDir).slice(before).filter((m) => m.to === 'school1@example.org');
    expect(next.length).toBe(2);
    expect(next[1].subject).toBe('Your tasks: 1 new');
    expect(next[1].text).toContain(fourth.reference);
  });

  it('shows and sends nothing more of a request once the case has moved past the rapid review', async () => {
    const c = await caseInRapidReview('Child Q');
    expect((await who.admin.client.post(`/cases/${c.id}/rapid-review/requests`, { agencies: [school.id], ...dateFields('sent', today) })).statusCode).toBe(303);
    expect(await dashboard('school2')).toContain(c.reference);
    const closed = await who.admin.client.post(`/cases/${c.id}/steps/close`, { ...dateFields('date', today), note: 'Does not meet the criteria after all.' });
    expect(closed.statusCode, errorSummary(closed.body)).toBe(303);
    expect(await dashboard('school2')).not.toContain(c.reference);
    const before = outbox(mailDir).length;
    await runTaskMail({ db: db(), mailer, config }, new Date(`${today}T05:00:00Z`));
    expect(outbox(mailDir).slice(before).filter((m) => m.subject.includes(c.reference))).toEqual([]);
  });

  it('sends one email when two instances share the database', async () => {
    if (engine !== 'postgres' || !t.db.url) return;
    const second: Database = await openDatabase({ dataDir: freshDir('second-instance'), databaseUrl: t.db.url });
    try {
      const c = await caseInRapidReview('Child Z');
      expect((await who.admin.client.post(`/cases/${c.id}/rapid-review/requests`, { agencies: [school.id], ...dateFields('sent', today) })).statusCode).toBe(303);
      const before = outbox(mailDir).length;
      const runs = await Promise.all([runTaskMail({ db: db(), mailer, config }), runTaskMail({ db: second.db, mailer, config }), runTaskMail({ db: second.db, mailer, config })]);
      const mails = outbox(mailDir).slice(before).filter((m) => m.subject.includes(c.reference));
      expect(mails.map((m) => m.to)).toEqual(['school2@example.org']);
      expect(runs.reduce((n, r) => n + r.immediate, 0)).toBe(1);
    } finally {
      await second.close();
    }
  });
});
