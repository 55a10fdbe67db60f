import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, type TestClient } from '../../../test/support/client.ts';
import { ENGINES, freshDir } from '../../../test/support/database.ts';
import { outbox } from '../../../test/support/mail.ts';
import { multipartBody } from '../../../test/support/multipart.ts';
import { dateFields, errorSummary, textOf } from '../../../test/support/pages.ts';
import { addDays, todayInLondon } from '../../domain/calendar/date-only.ts';
import { openDatabase, type Database } from '../../platform/db/database.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { createMailer } from '../../platform/mail/mailer.ts';
import { createApiToken } from '../account/service.ts';
import { recordIncident } from '../cases/service.ts';
import { addAgency, addPartnership } from '../partnerships/service.ts';
import { runActionEscalations } from './escalation-job.ts';
import { addAction, addRecommendation, findRecommendation } from './service.ts';
import { samplePdf } from '../../platform/documents/test-fixtures.ts';

const PDF = samplePdf('fictional evidence: an audit of 30 assessments', 2048);
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
/** Identifying words that must never reach an email. */
const SECRET_LEAD = 'Quentin Leadname';
const SECRET_CHANGE = 'Zebedee’s household is asked about';

/**
 * Assurance of learning into practice through HTTP: evidence files on actions (only the owning
 * agency adds them; another agency's contributor finds neither the action nor its files), overdue
 * actions escalated once however many instances run the job, and scheduled assurance checks
 * recorded with who checked what (Working Together 2023, chapter 5).
 */
describe.each(ENGINES)('learning assurance on %s', (engine) => {
  let t: TestApp;
  let admin: TestClient;
  let lead: TestClient;
  let school: TestClient;
  let police: TestClient;
  let outsider: TestClient;
  let p: { id: string };
  let schoolId: string;
  let caseId: string;
  let reference: string;
  let schoolAction: string;
  let lateAction: string;
  const tokens: Record<string, string> = {};
  const today = todayInLondon(new Date());

  beforeAll(async () => {
    t = await startTestApp(engine);
    const db = t.app.deps.database.db;
    p = await addPartnership(db, { slug: 'assurance-northmoor', name: 'Assurance SCP' });
    const elsewhere = await addPartnership(db, { slug: 'assurance-elsewhere', name: 'Elsewhere SCP' });
    schoolId = (await addAgency(db, { partnershipId: p.id, name: 'Assurance Academy', kind: 'relevant-agency' })).id;
    const policeId = (await addAgency(db, { partnershipId: p.id, name: 'Assurance Police', kind: 'police' })).id;
    const a = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: p.id, agencyId: null }], { name: 'Alex Admin', email: 'assurance-admin@example.org' });
    admin = a.client;
    const l = await signedInAs(t.app, [{ role: 'partner-lead', partnershipId: p.id, agencyId: null }], { name: 'Priya Lead', email: 'assurance-lead@example.org' });
    lead = l.client;
    const s = await signedInAs(t.app, [{ role: 'agency-contributor', partnershipId: p.id, agencyId: schoolId }], { name: 'Sam School', email: 'assurance-school@example.org' });
    school = s.client;
    const po = await signedInAs(t.app, [{ role: 'agency-contributor', partnershipId: p.id, agencyId: policeId }], { name: 'Pat Police', email: 'assurance-police@example.org' });
    police = po.client;
    outsider = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: elsewhere.id, agencyId: null }])).client;
    for (const [name, userId] of [['admin', a.userId], ['school', s.userId], ['police', po.userId], ['lead', l.userId]] as const) {
      tokens[name] = (await createApiToken(db, userId, { name: 'test', scope: 'write' })).token;
    }
    const aware = addDays(today, -300);
    const result = await recordIncident(
      db,
      t.app.deps.cipher,
      { userId: a.userId, name: 'Alex Admin' },
      {
        partnershipId: p.id,
        facts: { outcome: 'serious-harm', abuseOrNeglect: 'suspected', location: 'in-area', incidentOn: aware, aware, whatIsKnown: '', agencyIds: [], otherAgencies: '' },
        children: [{ pseudonym: 'Child M', name: 'Zebedee Fictitious', dateOfBirth: null, nhsNumber: '', address: '', familyNames: '', gender: null, ageAtIncident: 3, ageBand: '1-4', lookedAfter: false, careLeaver: false }],
        referralId: null,
      },
      today,
    );
    if (!result.ok) throw new Error(JSON.stringify(result));
    caseId = result.id;
    await withTenant(db, [p.id], (trx) => trx.updateTable('incidents').set({ state: 'local-review', review_decision: 'local-review', notified_on: addDays(aware, 2), rapid_review_sent_on: addDays(aware, 20), decision_on: addDays(aware, 40) }).where('id', '=', caseId).execute());
    reference = (await withTenant(db, [p.id], (trx) => trx.selectFrom('incidents').select('reference').where('id', '=', caseId).executeTakeFirstOrThrow())).reference;
    const actor = { userId: a.userId, name: 'Alex Admin' };
    const rec = await addRecommendation(db, t.app.deps.cipher, p.id, caseId, actor, { number: '4', text: 'Schools should be told of call-outs.', madeOn: addDays(today, -200), themes: [], agencyIds: [schoolId, policeId], response: 'accepted', responseReasons: '' });
    if (!rec.ok) throw new Error(JSON.stringify(rec));
    const view = await findRecommendation(db, p.id, caseId, rec.id, today);
    if (!view) throw new Error('no recommendation');
    const added = await addAction(db, view, actor, { agencyId: schoolId, leadName: SECRET_LEAD, dueOn: addDays(today, 30), intendedChange: `${SECRET_CHANGE} at every visit.`, measureOfSuccess: 'Audit.' });
    if (!added.ok) throw new Error(JSON.stringify(added));
    schoolAction = added.id;
    // Overdue by more than the 10 working days after which the partnership is told.
    const late = await addAction(db, view, actor, { agencyId: schoolId, leadName: SECRET_LEAD, dueOn: addDays(today, -30), intendedChange: `${SECRET_CHANGE} by school staff.`, measureOfSuccess: 'Audit.' });
    if (!late.ok) throw new Error(JSON.stringify(late));
    lateAction = late.id;
  }, 120_000);
  afterAll(async () => t.close());

  async function upload(client: TestClient, actionId: string, fields: Record<string, string>, file?: { name: string; type: string; bytes: Buffer }): Promise<LightMyRequestResponse> {
    const page = await client.get(`/actions/${actionId}/evidence/new`);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const { payload, contentType } = multipartBody({ _csrf: token, ...fields }, file);
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return t.app.inject({ method: 'POST', url: `/actions/${actionId}/evidence/new`, headers: { cookie, 'content-type': contentType }, payload });
  }
  const evidenceCount = async () => Number((await withTenant(t.app.deps.database.db, [p.id], (trx) => trx.selectFrom('action_evidence_files').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow())).n);
  const api = (who: string, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: { authorization: `Bearer ${tokens[who]}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, payload: payload ? JSON.stringify(payload) : undefined });

  it('lets the owning agency attach evidence files, refusing a wrong or missing file and storing nothing', async () => {
    const wrong = await upload(school, schoolAction, { stage: 'completion' }, { name: 'evidence.pdf', type: 'application/pdf', bytes: Buffer.from('MZ not a PDF at all') });
    expect(wrong.statusCode).toBe(422);
    expect(errorSummary(wrong.body)).toContain('must be a PDF, a Word document (.docx), an Excel spreadsheet (.xlsx), or a PNG or JPEG image');
    // Only the first bytes of a PDF: not evidence of anything, so neither kept nor counted for completion.
    const junk = await upload(school, schoolAction, { stage: 'completion' }, { name: 'evidence.pdf', type: 'application/pdf', bytes: Buffer.from('%PDF-1.4\n<script>alert(1)</script>') });
    expect(junk.statusCode).toBe(422);
    expect(errorSummary(junk.body)).toContain('damaged or not a PDF');
    const none = await upload(school, schoolAction, {});
    expect(none.statusCode).toBe(422);
    expect(errorSummary(none.body)).toContain('Select what the file is evidence of');
    expect(errorSummary(none.body)).toContain('Select a file');
    expect(await evidenceCount()).toBe(0);
    const ok = await upload(school, schoolAction, { stage: 'completion' }, { name: '../../audit results.pdf', type: 'application/pdf', bytes: PDF });
    expect(ok.statusCode, errorSummary(ok.body)).toBe(303);
    expect(ok.headers.location).toBe(`/actions/${schoolAction}?done=evidence#evidence`);
    const page = textOf((await school.get(`/actions/${schoolAction}`)).body);
    expect(page).toContain('audit results.pdf');
    expect(page).toContain('Evidence of completion');
    expect(page).toContain('Sam School');
    const audit = await t.app.deps.database.db.selectFrom('audit_events').select('action').where('record_id', '=', schoolAction).execute();
    expect(audit.map((e) => e.action)).toContain('evidence-file-added');
    // Kept encrypted: the stored bytes are not the file's.
    const stored = await t.app.deps.database.db.selectFrom('stored_file_chunks').select('data').execute();
    expect(stored.some((c) => Buffer.from(c.data).includes(Buffer.from('fictional evidence')))).toBe(false);
  });

  it('lets the partnership download the file (audited); another agency and another partnership find nothing', async () => {
    const row = await withTenant(t.app.deps.database.db, [p.id], (trx) => trx.selectFrom('action_evidence_files').select('id').executeTakeFirstOrThrow());
    const url = `/actions/${schoolAction}/files/${row.id}`;
    const download = await lead.get(url);
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toBe('application/pdf');
    expect(download.headers['content-disposition']).toContain('audit results.pdf');
    expect(download.rawPayload.equals(PDF)).toBe(true);
    const audit = await t.app.deps.database.db.selectFrom('audit_events').select(['action', 'outcome']).where('record_id', '=', schoolAction).execute();
    expect(audit.map((e) => e.action)).toContain('evidence-file-downloaded');
    // Another agency's contributor: neither the file nor the form, and the refusal audited.
    expect((await police.get(url)).statusCode).toBe(404);
    expect((await police.get(`/actions/${schoolAction}/evidence/new`)).statusCode).toBe(404);
    expect((await outsider.get(url)).statusCode).toBe(404);
    const refusals = await t.app.deps.database.db.selectFrom('audit_events').select('outcome').where('record_id', '=', schoolAction).where('outcome', '=', 'refused').execute();
    expect(refusals.length).toBeGreaterThanOrEqual(2);
    // A partner lead reads the file but does not add evidence for the agency.
    expect((await lead.get(`/actions/${schoolAction}/evidence/new`)).statusCode).toBe(403);
  });

  it('takes, lists and hands out evidence in the API with the same checks', async () => {
    const form = multipartBody({ stage: 'impact' }, { name: 'figures.png', type: 'image/png', bytes: PNG });
    const send = (who: string) => t.app.inject({ method: 'POST', url: `/api/v1/actions/${schoolAction}/evidence`, headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': form.contentType }, payload: form.payload });
    expect((await send('police')).statusCode).toBe(404);
    expect((await send('lead')).statusCode).toBe(403);
    const created = await send('school');
    expect(created.statusCode, created.body).toBe(201);
    const file = created.json() as { id: string; type: string; href: string; stage: string };
    expect(file).toMatchObject({ type: 'png', stage: 'impact' });
    const bad = multipartBody({ stage: 'impact' }, { name: 'x.exe', type: 'application/octet-stream', bytes: Buffer.from('MZ') });
    const refused = await t.app.inject({ method: 'POST', url: `/api/v1/actions/${schoolAction}/evidence`, headers: { authorization: `Bearer ${tokens.school}`, 'content-type': bad.contentType }, payload: bad.payload });
    expect(refused.statusCode).toBe(422);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    const json = await api('admin', 'POST', `/api/v1/actions/${schoolAction}/evidence`, { stage: 'impact' });
    expect(json.statusCode).toBe(415);
    const listed = await api('lead', 'GET', `/api/v1/actions/${schoolAction}/evidence`);
    expect(listed.statusCode).toBe(200);
    expect((listed.json() as { files: { name: string }[] }).files.map((f) => f.name).sort()).toEqual(['audit results.pdf', 'figures.png']);
    expect((await api('police', 'GET', `/api/v1/actions/${schoolAction}/evidence`)).statusCode).toBe(404);
    const got = await api('admin', 'GET', file.href);
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('image/png');
    expect((await api('police', 'GET', file.href)).statusCode).toBe(404);
    const doc = (await api('admin', 'GET', '/api/v1/openapi.json')).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/actions/{id}/evidence', '/api/v1/actions/{id}/evidence/{fileId}', '/api/v1/assurance-checks', '/api/v1/assurance-checks/{id}/record']));
  });

  it('escalates an overdue action once across two instances: the agency, then the partnership; recorded and shown', async () => {
    const dataDir = freshDir('escalation-mail');
    const mailer = createMailer({ dataDir, mailFrom: 'CSPR Hub <no-reply@cspr.example.org>', smtpUrl: undefined });
    // A second instance: its own connection pool on the same database (the embedded engine has one connection).
    let second: Database | null = null;
    if (t.db.url) second = await openDatabase({ databaseUrl: t.db.url, dataDir: freshDir('second') });
    try {
      const base = 'https://cspr.example.org';
      const [one, two] = await Promise.all([
        runActionEscalations({ db: t.app.deps.database.db, mailer, base }, today),
        runActionEscalations({ db: (second ?? t.app.deps.database).db, mailer, base }, today),
      ]);
      const mails = outbox(dataDir).filter((m) => m.text.includes(`/actions/${lateAction}`));
      // Level 1 to the school's contributor; level 2 to the partnership's administrator; once each.
      expect(mails.map((m) => `${m.to} ${m.subject.split(':')[0]}`).sort()).toEqual(['assurance-admin@example.org Escalated', 'assurance-school@example.org Overdue action']);
      expect(one.sent[1] + two.sent[1]).toBe(1);
      expect(one.sent[2] + two.sent[2]).toBe(1);
      // The action not yet due is not escalated; nothing identifying in any email.
      expect(outbox(dataDir).some((m) => m.text.includes(`/actions/${schoolAction}`))).toBe(false);
      for (const m of mails) {
        expect(m.text).toContain(reference);
        expect(m.text).toContain('Recommendation: 4');
        for (const secret of [SECRET_LEAD, SECRET_CHANGE, 'Zebedee', 'Child M', 'Assurance Academy']) expect(m.raw).not.toContain(secret);
      }
      // A later run sends nothing again.
      const again = await runActionEscalations({ db: t.app.deps.database.db, mailer, base }, today);
      expect(again.sent).toEqual({ 1: 0, 2: 0 });
      expect(outbox(dataDir).filter((m) => m.text.includes(`/actions/${lateAction}`))).toHaveLength(2);
    } finally {
      await second?.close();
    }
    const rows = await withTenant(t.app.deps.database.db, [p.id], (trx) => trx.selectFrom('action_escalations').select(['level', 'recipient_name']).where('action_id', '=', lateAction).orderBy('level').execute());
    expect(rows).toEqual([{ level: 1, recipient_name: 'Sam School' }, { level: 2, recipient_name: 'Alex Admin' }]);
    const audit = await t.app.deps.database.db.selectFrom('audit_events').select('action').where('record_id', '=', lateAction).execute();
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['action-overdue-told', 'action-escalated']));
    const page = textOf((await admin.get(`/actions/${lateAction}`)).body);
    expect(page).toContain('Escalation emails sent');
    expect(page).toContain('Sam School (Owning agency)');
    expect(page).toContain('Alex Admin (Partnership administrator)');
    const notYet = textOf((await admin.get(`/actions/${schoolAction}`)).body);
    expect(notYet).toContain('No escalation has been sent');
    expect(notYet).toContain(`the partnership’s administrators 10 working days after the due date`);
  }, 60_000);

  it('schedules and records assurance checks: who checked what, when, the result; an overdue check is flagged', async () => {
    expect((await school.get('/actions/checks')).statusCode).toBe(403);
    expect((await lead.get('/actions/checks/new')).statusCode).toBe(403);
    const past = await admin.post('/actions/checks/new', { ...dateFields('dueOn', addDays(today, -1)), focus: '' });
    expect(past.statusCode).toBe(422);
    expect(errorSummary(past.body)).toContain('The date of the check must be today or in the future');
    const ok = await admin.post('/actions/checks/new', { ...dateFields('dueOn', today), focus: 'Quarterly check of every open action.' });
    expect(ok.statusCode, errorSummary(ok.body)).toBe(303);
    const db = t.app.deps.database.db;
    const check = await withTenant(db, [p.id], (trx) => trx.selectFrom('assurance_checks').select('id').where('partnership_id', '=', p.id).executeTakeFirstOrThrow());
    // Left undone past its date: the assurance view says so.
    await withTenant(db, [p.id], (trx) => trx.updateTable('assurance_checks').set({ due_on: addDays(today, -3) }).where('id', '=', check.id).execute());
    const actions = textOf((await admin.get('/actions')).body);
    expect(actions).toContain('An assurance check of the action plans is overdue');
    expect(textOf((await school.get('/actions')).body)).not.toContain('assurance check');

    const url = `/actions/checks/${check.id}/record`;
    const blank = await admin.post(url, { ...dateFields('checkedOn', today), findings: '', ...dateFields('nextDueOn', today) });
    expect(blank.statusCode).toBe(422);
    const summary = errorSummary(blank.body);
    expect(summary).toContain('Select the result of the check');
    expect(summary).toContain('Enter what the check found');
    expect(summary).toContain('The next check must be after this one');
    expect((await outsider.get(url)).statusCode).toBe(404);
    const done = await admin.post(url, { ...dateFields('checkedOn', today), incidentIds: [caseId], agencyIds: [schoolId], result: 'partly-assured', findings: 'One action overdue; evidence of completion is an audit.', ...dateFields('nextDueOn', addDays(today, 91)) });
    expect(done.statusCode, errorSummary(done.body)).toBe(303);
    const rows = await withTenant(db, [p.id], (trx) => trx.selectFrom('assurance_checks').selectAll().where('partnership_id', '=', p.id).orderBy('due_on').execute());
    expect(rows).toHaveLength(2);
    const recorded = rows.find((r) => r.id === check.id)!;
    expect(recorded).toMatchObject({ status: 'recorded', result: 'partly-assured', checked_by_name: 'Alex Admin', incident_ids: [caseId], agency_ids: [schoolId] });
    expect([...recorded.action_ids].sort()).toEqual([schoolAction, lateAction].sort());
    expect(recorded.findings_enc).not.toContain('overdue');
    expect(rows.find((r) => r.id !== check.id)).toMatchObject({ status: 'scheduled', due_on: addDays(today, 91) });
    const audit = await db.selectFrom('audit_events').select('action').where('record_id', '=', check.id).execute();
    expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining(['assurance-check-scheduled', 'assurance-check-recorded']));
    const list = textOf((await lead.get('/actions/checks')).body);
    expect(list).toContain('Partly assured');
    expect(list).toContain(reference);
    expect(textOf((await lead.get(`/actions/checks/${check.id}`)).body)).toContain('One action overdue; evidence of completion is an audit.');
    expect(textOf((await admin.get('/actions')).body)).not.toContain('An assurance check of the action plans is overdue');
    // Recording it twice is refused.
    expect((await admin.get(url)).statusCode).toBe(303);
  });

  it('lists, schedules and records checks in the API', async () => {
    const listed = await api('lead', 'GET', '/api/v1/assurance-checks');
    expect(listed.statusCode).toBe(200);
    const body = listed.json() as { due: { id: string }[]; past: { result: string; actionIds: string[] }[] };
    expect(body.past[0].result).toBe('partly-assured');
    expect(body.due).toHaveLength(1);
    expect((await api('school', 'GET', '/api/v1/assurance-checks')).statusCode).toBe(403);
    expect((await api('lead', 'POST', '/api/v1/assurance-checks', { dueOn: today })).statusCode).toBe(403);
    const bad = await api('admin', 'POST', `/api/v1/assurance-checks/${body.due[0].id}/record`, { checkedOn: today, result: 'assured', findings: '', nextDueOn: today });
    expect(bad.statusCode).toBe(422);
    const recorded = await api('admin', 'POST', `/api/v1/assurance-checks/${body.due[0].id}/record`, { checkedOn: today, result: 'assured', findings: 'All on track.', nextDueOn: addDays(today, 90) });
    expect(recorded.statusCode, recorded.body).toBe(201);
    expect(recorded.json()).toMatchObject({ status: 'recorded', result: 'assured', checkedBy: 'Alex Admin' });
    expect((await api('admin', 'POST', `/api/v1/assurance-checks/${body.due[0].id}/record`, { checkedOn: today, result: 'assured', findings: 'Again.', nextDueOn: addDays(today, 90) })).statusCode).toBe(409);
    const scheduled = await api('admin', 'POST', '/api/v1/assurance-checks', { dueOn: addDays(today, 10), focus: 'Overdue actions only.' });
    expect(scheduled.statusCode).toBe(201);
  });
});
