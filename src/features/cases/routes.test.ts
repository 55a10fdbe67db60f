import { withTenant } from '../../platform/db/tenant.ts';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, type TestClient } from '../../../test/support/client.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { todayInLondon, type DateOnly } from '../../domain/calendar/date-only.ts';
import { PERMISSIONS } from '../../platform/auth/policy.ts';
import { WORKFLOW_PERMISSIONS } from '../../domain/workflow/incident-workflow.ts';
import { addAgency, addPartnership, type AgencyView } from '../partnerships/service.ts';
import { currentCalendar } from '../rules/service.ts';
import { dateFields, errorSummary } from '../../../test/support/pages.ts';

/** Form fields for one child, numbered from 1. */
function childFields(n: number, values: Record<string, string | string[]>): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [`child-${n}-${k}`, v]));
}

const CHILD_K = { pseudonym: 'Child K', name: 'Zebedee Fictitious', 'dob-day': '4', 'dob-month': '5', 'dob-year': '2019', nhs: '999 000 0085', gender: 'male', age: '5', ageBand: '5-9', address: '9 Invented Way, Nowhere NW9 9ZZ', familyNames: 'Quentin Fictitious (father)' };
const CHILD_L = { pseudonym: 'Child L', name: 'Ottoline Fictitious', age: '2', ageBand: '1-4' };
const IDENTIFYING = ['Ignatius', 'Zebedee', 'Ottoline', 'Fictitious', '9990000085', '999 000 0085', 'Invented Way', 'NW9 9ZZ', 'Quentin', '2019-05-04', 'Known only to the test'];

function incidentForm(overrides: Record<string, string | string[]> = {}, aware = '2025-03-03'): Record<string, string | string[]> {
  return {
    action: 'save',
    childCount: '1',
    outcome: 'serious-harm',
    abuseOrNeglect: 'suspected',
    location: 'in-area',
    ...dateFields('aware', aware),
    whatIsKnown: 'Known only to the test: a secret account of what happened.',
    ...childFields(1, CHILD_K),
    ...overrides,
  };
}

/** The text of the GOV.UK error summary of a page. */

/** The row of the clocks table for one clock, as text. */
function clockRow(body: string, key: string): string {
  const m = new RegExp(`<tr class="govuk-table__row" id="clock-${key}">([\\s\\S]*?)</tr>`).exec(body);
  return m ? m[1].replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim() : '';
}

describe('the workflow names permissions the policy holds', () => {
  it('uses only real permissions', () => {
    for (const p of WORKFLOW_PERMISSIONS) expect(PERMISSIONS).toContain(p);
  });
});

describe.each(ENGINES)('cases on %s', (engine) => {
  let t: TestApp;
  let admin: TestClient;
  let secondAdmin: TestClient;
  let lead: TestClient;
  let contributor: TestClient;
  let reviewer: TestClient;
  let otherAdmin: TestClient;
  let northmoor: { id: string };
  let police: AgencyView;
  let school: AgencyView;
  let today: DateOnly;

  beforeAll(async () => {
    t = await startTestApp(engine);
    const db = t.app.deps.database.db;
    northmoor = await addPartnership(db, { slug: 'northmoor', name: 'Northmoor Safeguarding Children Partnership' });
    const southdale = await addPartnership(db, { slug: 'southdale', name: 'Southdale Safeguarding Children Partnership' });
    police = await addAgency(db, { partnershipId: northmoor.id, name: 'Northmoor Police', kind: 'police' });
    school = await addAgency(db, { partnershipId: northmoor.id, name: 'Northmoor Academy', kind: 'relevant-agency' });
    admin = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: northmoor.id }], { name: 'Alex Admin' })).client;
    secondAdmin = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: northmoor.id }], { name: 'Bea Business' })).client;
    lead = (await signedInAs(t.app, [{ role: 'partner-lead', partnershipId: northmoor.id, agencyId: police.id }], { name: 'Pat Lead' })).client;
    contributor = (await signedInAs(t.app, [{ role: 'agency-contributor', partnershipId: northmoor.id, agencyId: school.id }])).client;
    reviewer = (await signedInAs(t.app, [{ role: 'reviewer', partnershipId: northmoor.id }])).client;
    otherAdmin = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: southdale.id }])).client;
    today = todayInLondon(new Date());
  });
  afterAll(async () => t.close());

  const db = () => t.app.deps.database.db;

  async function record(client: TestClient, form: Record<string, string | string[]>): Promise<string> {
    const res = await client.post('/cases/new', form);
    expect(res.statusCode, errorSummary(res.body)).toBe(303);
    const id = /^\/cases\/([0-9a-f-]{36})\/notification-check$/.exec(String(res.headers.location))?.[1];
    expect(id).toBeTruthy();
    return id as string;
  }

  async function step(client: TestClient, id: string, key: string, fields: Record<string, string>) {
    return client.post(`/cases/${id}/steps/${key}`, fields);
  }

  const incidentRow = (id: string) => db().selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const events = (id: string) => db().selectFrom('case_events').selectAll().where('incident_id', '=', id).orderBy('seq').execute();

  it('records an incident with two children, adding the second without JavaScript, then shows the notification check', async () => {
    const form = await admin.get('/cases/new');
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('<h1 class="govuk-heading-l">Record an incident</h1>');
    expect(form.body).toContain('name="child-1-pseudonym"');
    expect(form.body).not.toContain('name="child-2-pseudonym"');
    expect(form.body).toContain('Northmoor Police');

    // "Add another child" shows the same form with a second child's questions, keeping every answer.
    const more = await admin.post('/cases/new', { ...incidentForm(), action: 'add-child', agencies: [police.id] }, { from: '/cases/new' });
    expect(more.statusCode).toBe(200);
    expect(more.body).toContain('name="child-2-pseudonym"');
    expect(more.body).toContain('value="Child K"');
    expect(more.body).toContain('value="Zebedee Fictitious"');
    expect(more.body).toContain('<input type="hidden" name="childCount" value="2">');
    expect(more.body).toMatch(new RegExp(`value="${police.id}" checked`));

    const res = await admin.post('/cases/new', { ...incidentForm({ childCount: '2', ...childFields(2, CHILD_L), agencies: [police.id, school.id] }) });
    expect(res.statusCode, errorSummary(res.body)).toBe(303);
    const id = /^\/cases\/([0-9a-f-]{36})\/notification-check$/.exec(String(res.headers.location))?.[1] as string;

    const row = await incidentRow(id);
    expect(row.reference).toBe(`NM-${today.slice(0, 4)}-001`);
    expect(row).toMatchObject({ state: 'recorded', outcome: 'serious-harm', aware_on: '2025-03-03', version: 1, looked_after: false });
    expect(row.agency_ids).toEqual([police.id, school.id]);
    expect((row.clock_rules as { key: string; version: number }[]).map((r) => `${r.key} v${r.version}`)).toContain('panel-notification v1');
    const children = await db().selectFrom('incident_children').selectAll().where('incident_id', '=', id).orderBy('position').execute();
    expect(children.map((c) => c.pseudonym)).toEqual(['Child K', 'Child L']);
    // Identifying details are stored encrypted.
    expect(children[0].name_enc).not.toContain('Zebedee');
    expect(t.app.deps.cipher.decrypt(children[0].name_enc as string)).toBe('Zebedee Fictitious');
    expect(t.app.deps.cipher.decrypt(children[0].nhs_number_enc as string)).toBe('9990000085');
    expect(row.what_is_known_enc).not.toContain('secret');

    const check = await admin.get(res.headers.location as string);
    expect(check.statusCode).toBe(200);
    expect(check.body).toContain('Which duties apply');
    expect(check.body).toMatch(/Notify the Child Safeguarding Practice Review Panel\s*<strong class="govuk-tag govuk-tag--red">\s*Applies/);
    expect(check.body).toContain('Abuse or neglect is suspected and the child was seriously harmed in the area, so the local authority must notify the Panel within 5 working days.');
    expect(check.body).toMatch(/Notify the Secretary of State and Ofsted\s*<strong class="govuk-tag govuk-tag--grey">\s*Does not apply/);
    expect(check.body).toContain(`href="/cases/${id}/steps/notify"`);
    expect(check.body).not.toContain('Zebedee');

    const page = await admin.get(`/cases/${id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`Case ${row.reference}`);
    expect(page.body).toContain('Zebedee Fictitious');
    expect(page.body).toContain('9 Invented Way');
    expect(page.body).toContain('Incident recorded');

    const [audit] = await db().selectFrom('audit_events').selectAll().where('action', '=', 'incident-created').where('record_id', '=', id).execute();
    expect(audit).toMatchObject({ partnership_id: northmoor.id, record_type: 'incident', actor_role: 'partnership-admin' });
    const after = (audit.changes as { after: { reference: string; children: { pseudonym: string; identifyingDetailsRecorded: string[] }[] } }).after;
    expect(after.reference).toBe(row.reference);
    expect(after.children[0]).toMatchObject({ pseudonym: 'Child K', identifyingDetailsRecorded: ['name', 'date of birth', 'NHS number', 'address', 'family names'] });
  });

  it('numbers references per partnership and year', async () => {
    const first = await record(admin, incidentForm());
    const second = await record(admin, incidentForm());
    const [a, b] = [await incidentRow(first), await incidentRow(second)];
    expect(Number(b.reference.slice(-3))).toBe(Number(a.reference.slice(-3)) + 1);
    expect(a.reference).toMatch(/^NM-\d{4}-\d{3}$/);
  });

  it('shows which duties apply and why, for each kind of incident', async () => {
    // A looked-after child's death goes to the Secretary of State and Ofsted whatever the cause.
    const lac = await record(admin, incidentForm({ outcome: 'died', abuseOrNeglect: 'not-suspected', 'child-1-status': 'looked-after' }, '2025-04-14'));
    const lacCheck = (await admin.get(`/cases/${lac}/notification-check`)).body;
    expect(lacCheck).toContain('Abuse or neglect is not known or suspected, so this is not a serious child safeguarding case');
    expect(lacCheck).toMatch(/Notify the Secretary of State and Ofsted\s*<strong class="govuk-tag govuk-tag--red">\s*Applies/);
    expect(lacCheck).toContain('A looked-after child has died');
    expect(lacCheck).toContain(`href="/cases/${lac}/steps/not-notifiable"`);

    // Elsewhere in England: the other authority notifies.
    const elsewhere = await record(admin, incidentForm({ location: 'elsewhere-in-england' }));
    expect((await admin.get(`/cases/${elsewhere}/notification-check`)).body).toContain('so the local authority where it happened notifies the Panel, not this one');

    // Two children whose reasons differ: each is named.
    const mixed = await record(admin, incidentForm({ outcome: 'died', childCount: '2', ...childFields(2, { pseudonym: 'Child M', status: 'looked-after', age: '12' }) }, '2025-04-14'));
    const mixedCheck = (await admin.get(`/cases/${mixed}/notification-check`)).body;
    expect(mixedCheck).toContain('<strong>Child K:</strong> The child was neither looked after nor a care leaver');
    expect(mixedCheck).toContain('<strong>Child M:</strong> A looked-after child has died');
  });

  it('shows every clock with exact due dates and states', async () => {
    // Aware Monday 14 April 2025, a looked-after child's death: 5 working days skip Good Friday and Easter Monday.
    const id = await record(admin, incidentForm({ outcome: 'died', 'child-1-status': 'looked-after' }, '2025-04-14'));
    let page = (await admin.get(`/cases/${id}`)).body;
    expect(clockRow(page, 'panel-notification')).toMatch(/^Notify the Child Safeguarding Practice Review Panel \(timescale set by guidance, not in law\) 23 April 2025 Overdue/);
    expect(clockRow(page, 'partners-informed')).toMatch(/23 April 2025 Overdue/);
    expect(clockRow(page, 'ofsted-sos-notification')).toMatch(/23 April 2025 Overdue/);
    expect(clockRow(page, 'ofsted-sos-notification')).toContain('5 working days after the local authority became aware');
    expect(page).not.toContain('id="clock-rapid-review"');

    // Notified on the due date: done on time; the rapid review clock starts (15 working days).
    expect((await step(admin, id, 'notify', { ...dateFields('date', '2025-04-23'), reference: 'CSPRP-123' })).statusCode).toBe(303);
    // Partners told a day late.
    expect((await step(admin, id, 'partners-informed', dateFields('date', '2025-04-24'))).statusCode).toBe(303);
    page = (await admin.get(`/cases/${id}`)).body;
    expect(clockRow(page, 'panel-notification')).toMatch(/23 April 2025 Done on time Done on 23 April 2025/);
    expect(clockRow(page, 'partners-informed')).toMatch(/23 April 2025 Done late Done on 24 April 2025/);
    // 23 April + 15 working days (5 May is a bank holiday) = 15 May 2025.
    expect(clockRow(page, 'rapid-review')).toMatch(/^Send the rapid review to the Panel \(timescale set by guidance, not in law\) 15 May 2025 Overdue/);
    expect(page).toContain('Panel notified');
    expect(page).toContain('23 April 2025 (Panel reference CSPRP-123)');

    // The rapid review clock's rule does not allow a pause: no link, and the pause is refused with why.
    expect(page).not.toContain(`href="/cases/${id}/clocks/rapid-review/pause"`);
    const pause = await admin.post(`/cases/${id}/clocks/rapid-review/pause`, { ...dateFields('date', '2025-05-01'), reason: 'Parallel criminal proceedings' });
    expect(pause.statusCode).toBe(422);
    expect(errorSummary(pause.body)).toContain('cannot be paused: its rule does not allow a pause');
    expect(await db().selectFrom('clock_pauses').selectAll().where('incident_id', '=', id).execute()).toEqual([]);
  });

  it('holds a practice learning review of a case that was not notifiable, without a notification clock', async () => {
    const id = await record(admin, incidentForm({ abuseOrNeglect: 'not-suspected' }, '2025-03-03'));
    expect((await step(admin, id, 'not-notifiable', { ...dateFields('date', '2025-03-04'), note: 'An accident: no abuse or neglect suspected.' })).statusCode).toBe(303);
    const early = await step(admin, id, 'below-threshold-review', { ...dateFields('date', '2025-03-03'), note: 'A multi-agency practice learning review.' });
    expect(early.statusCode).toBe(422);
    const res = await step(admin, id, 'below-threshold-review', { ...dateFields('date', '2025-03-10'), note: 'A multi-agency practice learning review: the hospital discharge was not shared.' });
    expect(res.statusCode, errorSummary(res.body)).toBe(303);
    expect(await incidentRow(id)).toMatchObject({ state: 'alternative-review', review_decision: 'alternative-review', decision_on: '2025-03-10', below_threshold_review_on: '2025-03-10', notified_on: null });
    const page = (await admin.get(`/cases/${id}`)).body;
    expect(clockRow(page, 'panel-notification')).toContain('Not required');
    expect(page).toContain(`href="/cases/${id}/review"`);
  });

  it('refuses a child both looked after and a care leaver, as the command line does', async () => {
    const res = await admin.post('/cases/new', { ...incidentForm({ outcome: 'died' }, '2025-04-14'), 'child-1-status': ['looked-after', 'care-leaver'] });
    expect(res.statusCode).toBe(422);
    expect(errorSummary(res.body)).toContain('Select either looked after or care leaver for child 1, not both');
  });

  it('refuses to pause a notification clock, so a late notification shows late (issue: paused 17 Nov, notified 2 Dec)', async () => {
    // Aware Monday 16 November 2026: the Panel is due Monday 23 November.
    const id = await record(admin, incidentForm({}, '2026-11-16'));
    let page = (await admin.get(`/cases/${id}`)).body;
    expect(page).not.toContain(`href="/cases/${id}/clocks/panel-notification/pause"`);
    const form = await admin.get(`/cases/${id}/clocks/panel-notification/pause`);
    expect(form.statusCode).toBe(422);
    expect(errorSummary(form.body)).toContain('The duty to notify the Panel');
    const pause = await admin.post(`/cases/${id}/clocks/panel-notification/pause`, { ...dateFields('date', '2026-11-17'), reason: 'Waiting for the police' });
    expect(pause.statusCode).toBe(422);
    expect((await step(admin, id, 'notify', { ...dateFields('date', '2026-12-02'), reference: 'CSPRP-9' })).statusCode).toBe(303);
    page = (await admin.get(`/cases/${id}`)).body;
    expect(clockRow(page, 'panel-notification')).toMatch(/23 November 2026 Done late Done on 2 December 2026/);
    expect(clockRow(page, 'panel-notification')).not.toContain('Done on time');
  });

  it('counts clocks from today: due soon and on time, in the case page and the list', async () => {
    const calendar = await currentCalendar(db());
    // Due in 2 working days: due soon (yellow).
    const soonAware = calendar.addWorkingDays(calendar.addWorkingDays(today, 2), -5);
    const soon = await record(admin, incidentForm({}, soonAware));
    const soonPage = (await admin.get(`/cases/${soon}`)).body;
    expect(clockRow(soonPage, 'panel-notification')).toContain(`Due soon 2 working days left`);
    // Notified today: the rapid review is due in 15 working days, on time (green).
    const onTime = await record(admin, incidentForm({}, calendar.addWorkingDays(today, -1)));
    expect((await step(admin, onTime, 'notify', dateFields('date', today))).statusCode).toBe(303);
    expect((await step(admin, onTime, 'partners-informed', dateFields('date', today))).statusCode).toBe(303);
    const onTimePage = (await admin.get(`/cases/${onTime}`)).body;
    expect(clockRow(onTimePage, 'rapid-review')).toMatch(/ On time 15 working days left/);

    const list = await admin.get('/cases');
    expect(list.statusCode).toBe(200);
    const rowOf = (id: string) => new RegExp(`<a class="govuk-link" href="/cases/${id}">[\\s\\S]*?</tr>`).exec(list.body)?.[0] ?? '';
    expect(rowOf(soon)).toContain('govuk-tag--yellow');
    expect(rowOf(soon)).toContain('Due soon');
    expect(rowOf(soon)).toContain('Notify the Child Safeguarding Practice Review Panel: due');
    expect(rowOf(onTime)).toContain('govuk-tag--green');
    expect(rowOf(onTime)).toContain('On time');
    expect(rowOf(onTime)).toContain('Send the rapid review to the Panel: due');
    // An old case long overdue is red.
    const old = await record(admin, incidentForm({}, '2025-03-03'));
    const list2 = await admin.get('/cases');
    const oldRow = new RegExp(`<a class="govuk-link" href="/cases/${old}">[\\s\\S]*?</tr>`).exec(list2.body)?.[0] ?? '';
    expect(oldRow).toContain('govuk-tag--red');
    expect(oldRow).toContain('Overdue');
    // The dashboard's links: only the cases with a clock in that state.
    const overdue = await admin.get('/cases?clock=overdue');
    expect(overdue.body).toContain(`href="/cases/${old}"`);
    expect(overdue.body).not.toContain(`href="/cases/${onTime}"`);
    expect(overdue.body).toContain('with an overdue clock');
    const dueSoon = await admin.get('/cases?clock=due-soon');
    expect(dueSoon.body).toContain(`href="/cases/${soon}"`);
    expect(dueSoon.body).not.toContain(`href="/cases/${old}"`);
    // An unknown filter shows every case.
    expect((await admin.get('/cases?clock=<script>')).body).toContain(`href="/cases/${onTime}"`);
  });

  it('moves a case through the whole workflow, each step on the timeline and in the audit trail', async () => {
    const id = await record(admin, incidentForm());
    const go = async (key: string, fields: Record<string, string> = {}) => {
      const res = await step(admin, id, key, fields);
      expect(res.statusCode, `${key}: ${errorSummary(res.body)}`).toBe(303);
      expect(res.headers.location).toBe(`/cases/${id}?done=${key}`);
    };
    await go('notify', dateFields('date', '2025-03-07'));
    await go('start-rapid-review', dateFields('date', '2025-03-10'));
    expect((await admin.get(`/cases/${id}`)).body).toContain(`href="/cases/${id}/rapid-review"`);
    // Without the three partners' sign-offs the rapid review cannot be sent.
    const early = await admin.post(`/cases/${id}/steps/send-rapid-review`, dateFields('date', '2025-03-20'), { csrf: await admin.csrfFrom('/account/api-tokens') });
    expect(early.statusCode).toBe(422);
    expect(errorSummary(early.body)).toContain('The local authority lead has not signed off yet');
    // One decision: the partners' decision in the rapid review, dated the day they decided (before it was sent).
    await withTenant(db(), [northmoor.id], async (trx) => {
      await trx.insertInto('rapid_reviews').values({ incident_id: id, partnership_id: northmoor.id, decision: 'local-review', decided_on: '2025-03-18', criteria: JSON.stringify(['improvements']) }).execute();
      for (const partner of ['local-authority', 'police', 'icb'] as const) {
        await trx.insertInto('rapid_review_sign_offs').values({ incident_id: id, partnership_id: northmoor.id, partner, signer_name: `${partner} lead` }).execute();
      }
    });
    // There is no separate "Decide" step any more.
    expect((await admin.get(`/cases/${id}/steps/decide-local-review`)).statusCode).toBe(404);
    await go('send-rapid-review', dateFields('date', '2025-03-20'));
    const page = await admin.get(`/cases/${id}`);
    expect(page.body).toContain('Local review');
    // Six calendar months from the day the partners decided, not from when it was sent.
    expect(clockRow(page.body, 'review-completion')).toMatch(/18 September 2025/);
    // Completing needs the final report on file, and publishing the publication decision (the reviews feature records both).
    await withTenant(db(), [northmoor.id], async (trx) => {
      await trx.insertInto('review_reports').values({ incident_id: id, partnership_id: northmoor.id, kind: 'final', version: 1, file_sha256: 'a'.repeat(64), file_name: 'final.pdf', file_type: 'pdf', file_size: 10 }).execute();
      await trx.insertInto('reviews').values({ incident_id: id, partnership_id: northmoor.id, review_type: 'local-cspr', publication_decision: 'full-report' }).execute();
    });
    await go('complete-review', dateFields('date', '2025-08-29'));
    await go('advance-copy-sent', dateFields('date', '2025-09-01'));
    // One way to publish: the case page offers the checked publishing page, and "Record the review as
    // published" without those checks (no public record, findings unchecked) is refused.
    const completed = (await admin.get(`/cases/${id}`)).body;
    expect(completed).not.toContain(`/steps/publish"`);
    expect(completed).toContain(`href="/cases/${id}/review/publish"`);
    const unchecked = await admin.post(`/cases/${id}/steps/publish`, dateFields('date', '2025-09-12'), { csrf: await admin.csrfFrom('/account/api-tokens') });
    expect(unchecked.statusCode).toBe(422);
    expect(errorSummary(unchecked.body)).toContain('Publish from the review’s “Publish” page');
    expect((await incidentRow(id)).state).toBe('completed');
    await go('close', { ...dateFields('date', '2025-09-15'), note: 'Learning handed to the action plan.' });
    const row = await incidentRow(id);
    expect(row).toMatchObject({ state: 'closed', notified_on: '2025-03-07', rapid_review_sent_on: '2025-03-20', decision_on: '2025-03-18', review_decision: 'local-review', published_on: null, closed_on: '2025-09-15', version: 7 });
    expect((await events(id)).map((e) => `${e.kind}:${e.from_state ?? ''}>${e.to_state ?? ''}`)).toEqual([
      'recorded:>recorded',
      'notify:recorded>notified',
      'start-rapid-review:notified>rapid-review',
      'send-rapid-review:rapid-review>local-review',
      'complete-review:local-review>completed',
      'advance-copy-sent:completed>completed',
      'close:completed>closed',
    ]);
    const audits = await db().selectFrom('audit_events').selectAll().where('record_id', '=', id).where('action', 'in', ['incident-transition', 'incident-step']).orderBy('seq').execute();
    expect(audits.filter((a) => a.outcome !== 'refused')).toHaveLength(6);
    expect(audits[0]).toMatchObject({ action: 'incident-transition', partnership_id: northmoor.id, actor_role: 'partnership-admin' });
    expect(audits[0].changes).toEqual({ step: 'notify', before: { state: 'recorded' }, after: { state: 'notified', notified: '2025-03-07', panelReference: null }, noteRecorded: false });
    // A closed case offers nothing more, and its open clocks have stopped.
    const closed = (await admin.get(`/cases/${id}`)).body;
    expect(closed).not.toContain('/steps/');
    expect(closed).toContain('There is nothing for you to record on this case now.');
  });

  it('refuses a transition out of order with a specific message, changing nothing', async () => {
    const id = await record(admin, incidentForm());
    const before = await incidentRow(id);
    const page = await admin.get(`/cases/${id}/steps/send-rapid-review`);
    expect(page.statusCode).toBe(422);
    expect(errorSummary(page.body)).toContain('A rapid review can only be sent to the Panel once it has started: this incident is recorded and not yet notified to the Panel.');
    const csrf = await admin.csrfFrom(`/cases/${id}/steps/notify`);
    const res = await admin.post(`/cases/${id}/steps/send-rapid-review`, dateFields('date', '2025-03-20'), { csrf });
    expect(res.statusCode).toBe(422);
    expect(errorSummary(res.body)).toContain('A rapid review can only be sent to the Panel once it has started');
    expect(await incidentRow(id)).toEqual(before);
    expect((await events(id)).map((e) => e.kind)).toEqual(['recorded']);
    // Notified twice: the second is out of order.
    expect((await step(admin, id, 'notify', dateFields('date', '2025-03-05'))).statusCode).toBe(303);
    const again = await admin.post(`/cases/${id}/steps/notify`, dateFields('date', '2025-03-06'), { csrf });
    expect(again.statusCode).toBe(422);
    expect(errorSummary(again.body)).toContain('this incident is notified to the Panel');
    expect((await incidentRow(id)).notified_on).toBe('2025-03-05');
    // An unknown step is not found.
    expect((await admin.get(`/cases/${id}/steps/teleport`)).statusCode).toBe(404);
  });

  it('rejects bad dates and missing answers with specific messages (422), re-showing what was typed', async () => {
    const empty = await admin.post('/cases/new', { action: 'save', childCount: '1' });
    expect(empty.statusCode).toBe(422);
    const summary = errorSummary(empty.body);
    for (const m of ['Select what happened to the child', 'Select whether abuse or neglect is known or suspected', 'Select where the incident happened', 'Enter the date the local authority became aware', 'Enter a pseudonym for child 1, like Child K']) {
      expect(summary).toContain(m);
    }
    expect(empty.body).toContain('href="#aware-day"');
    expect(empty.body).toContain('<title>Error: Record an incident – CSPR Hub</title>');

    const impossible = await admin.post('/cases/new', incidentForm({ 'aware-day': '31', 'aware-month': '02', 'aware-year': '2025' }));
    expect(impossible.statusCode).toBe(422);
    expect(errorSummary(impossible.body)).toContain('The date the local authority became aware must be a real date');
    expect(impossible.body).toContain('value="Zebedee Fictitious"');
    expect(impossible.body).toContain('value="31"');
    expect(impossible.body).toMatch(/class="govuk-input govuk-date-input__input govuk-input--width-2 govuk-input--error" id="aware-day"/);

    const future = await admin.post('/cases/new', incidentForm({}, '2099-01-05'));
    expect(future.statusCode).toBe(422);
    expect(errorSummary(future.body)).toContain('The date the local authority became aware cannot be in the future');

    // A mistyped year: no clock can run from before the duty to notify the Panel began.
    const ancient = await admin.post('/cases/new', incidentForm({}, '1900-12-01'));
    expect(ancient.statusCode).toBe(422);
    expect(errorSummary(ancient.body)).toContain('The date the local authority became aware cannot be before 29 June 2018, when the duty to notify the Panel began: check the year');
    // Every problem in one answer: an impossible incident date, text too long and awareness in the future together.
    const several = await admin.post('/cases/new', incidentForm({ ...dateFields('incident', '2026-02-28'), 'incident-day': '31', whatIsKnown: 'x'.repeat(10_001) }, '2099-01-05'));
    expect(several.statusCode).toBe(422);
    const all = errorSummary(several.body);
    expect(all).toContain('The date of the incident must be a real date');
    expect(all).toContain('The date the local authority became aware cannot be in the future');
    expect(all).toMatch(/10,?000 characters/);
    // Listed in the order of the form's fields, whatever order the rules ran in.
    const hrefs = [...several.body.matchAll(/<a href="#([^"]+)">/g)].map((m) => m[1]);
    const positions = hrefs.map((id) => several.body.indexOf(`id="${id}"`));
    expect(hrefs.length).toBeGreaterThanOrEqual(3);
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);

    const badChild = await admin.post('/cases/new', incidentForm({ 'child-1-nhs': '1234567890', 'child-1-dob-year': '2099', 'child-1-age': 'seven' }));
    expect(badChild.statusCode).toBe(422);
    const childErrors = errorSummary(badChild.body);
    expect(childErrors).toContain('Child 1’s NHS number is not a real NHS number: check the digits');
    expect(childErrors).toContain('Child 1’s age at the incident must be a whole number of years, like 7');

    const id = await record(admin, incidentForm());
    // Notification before awareness; notification in the future; no date at all.
    const early = await step(admin, id, 'notify', dateFields('date', '2025-03-02'));
    expect(early.statusCode).toBe(422);
    expect(errorSummary(early.body)).toContain('The Panel cannot have been notified before the local authority became aware');
    const later = await step(admin, id, 'notify', dateFields('date', '2099-03-02'));
    expect(errorSummary(later.body)).toContain('The date the Panel was notified cannot be in the future');
    const none = await step(admin, id, 'notify', {});
    expect(errorSummary(none.body)).toContain('Enter the date the Panel was notified');
    const impossibleStep = await step(admin, id, 'notify', { 'date-day': '30', 'date-month': '2', 'date-year': '2025', reference: 'KEEP-ME' });
    expect(errorSummary(impossibleStep.body)).toContain('The date the Panel was notified must be a real date');
    expect(impossibleStep.body).toContain('value="KEEP-ME"');
    expect((await incidentRow(id)).state).toBe('recorded');

    // A reason is required to close as not notifiable.
    const noReason = await step(admin, id, 'not-notifiable', dateFields('date', '2025-03-04'));
    expect(noReason.statusCode).toBe(422);
    expect(errorSummary(noReason.body)).toContain('Enter the reasons the incident does not need notifying to the panel');

    // Awareness after the notification, when editing the facts.
    expect((await step(admin, id, 'notify', dateFields('date', '2025-03-05'))).statusCode).toBe(303);
    const edit = await admin.get(`/cases/${id}/edit`);
    const version = /name="version" value="(\d+)"/.exec(edit.body)?.[1] as string;
    const base = /name="base" value="([^"]*)"/.exec(edit.body)?.[1].replaceAll('&quot;', '"') as string;
    const late = await admin.post(`/cases/${id}/edit`, { ...incidentForm({}, '2025-03-06'), version, base });
    expect(late.statusCode).toBe(422);
    expect(errorSummary(late.body)).toContain('The date the local authority became aware cannot be after the date the Panel was notified (5 March 2025)');
    expect((await incidentRow(id)).aware_on).toBe('2025-03-03');
  });

  it('edits facts with optimistic locking: a conflict shows theirs beside yours, and nothing is overwritten', async () => {
    const id = await record(admin, incidentForm());
    const openForm = async (client: TestClient) => {
      const page = await client.get(`/cases/${id}/edit`);
      expect(page.statusCode).toBe(200);
      return {
        version: /name="version" value="(\d+)"/.exec(page.body)?.[1] as string,
        base: (/name="base" value="([^"]*)"/.exec(page.body)?.[1] as string).replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&'),
      };
    };
    const mine = await openForm(admin);
    const theirs = await openForm(secondAdmin);
    expect(mine.version).toBe('1');

    // The other person saves first: the child died, and the incident date.
    const saved = await secondAdmin.post(`/cases/${id}/edit`, { ...incidentForm({ outcome: 'died', ...dateFields('incident', '2025-03-01') }), ...theirs });
    expect(saved.statusCode, errorSummary(saved.body)).toBe(303);
    expect(saved.headers.location).toBe(`/cases/${id}?updated=1`);

    // I send my change (where it happened) against the old version.
    const conflict = await admin.post(`/cases/${id}/edit`, { ...incidentForm({ location: 'outside-england-normally-resident' }), ...mine });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.body).toContain('Someone else saved changes to this case while you were editing it');
    const banner = conflict.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(banner).toContain('What happened to the child The child died The child was seriously harmed');
    expect(banner).toContain('Date of the incident 1 March 2025 Not given');
    expect(banner).not.toContain('Where it happened In the local');
    // My answers are re-shown; the form now carries their version.
    expect(conflict.body).toMatch(/value="outside-england-normally-resident" checked/);
    expect(conflict.body).toContain('<input type="hidden" name="version" value="2">');
    let row = await incidentRow(id);
    expect(row).toMatchObject({ outcome: 'died', location: 'in-area', incident_on: '2025-03-01', version: 2 });

    // Submitting again with the new version saves my answers: I chose them over theirs.
    const newBase = (/name="base" value="([^"]*)"/.exec(conflict.body)?.[1] as string).replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&');
    const resend = await admin.post(`/cases/${id}/edit`, { ...incidentForm({ outcome: 'died', location: 'outside-england-normally-resident', ...dateFields('incident', '2025-03-01') }), version: '2', base: newBase });
    expect(resend.statusCode, errorSummary(resend.body)).toBe(303);
    row = await incidentRow(id);
    expect(row).toMatchObject({ outcome: 'died', location: 'outside-england-normally-resident', incident_on: '2025-03-01', version: 3 });

    // A step recorded meanwhile changes no fact on the form: an edit against the older version still saves.
    const stale = await openForm(admin);
    expect((await step(secondAdmin, id, 'partners-informed', dateFields('date', '2025-03-05'))).statusCode).toBe(303);
    const ok = await admin.post(`/cases/${id}/edit`, { ...incidentForm({ outcome: 'died', location: 'outside-england-normally-resident', ...dateFields('incident', '2025-03-01'), otherAgencies: 'Fictional Youth Service' }), ...stale });
    expect(ok.statusCode, errorSummary(ok.body)).toBe(303);
    expect((await incidentRow(id)).other_agencies).toBe('Fictional Youth Service');

    const updates = await db().selectFrom('audit_events').selectAll().where('action', '=', 'incident-updated').where('record_id', '=', id).orderBy('seq').execute();
    expect(updates).toHaveLength(3);
    expect(updates[0].changes).toEqual({
      changed: ['What happened to the child', 'Date of the incident'],
      before: { outcome: 'serious-harm', incidentOn: null },
      after: { outcome: 'died', incidentOn: '2025-03-01' },
      version: 2,
    });
    const timeline = (await admin.get(`/cases/${id}`)).body;
    expect(timeline).toContain('Changed: What happened to the child, Date of the incident');
  });

  it('adds a child’s identifying details once known, with optimistic locking, naming (not copying) them in the audit trail', async () => {
    const id = await record(admin, incidentForm({ ...childFields(1, { pseudonym: 'Child N', name: '', 'dob-day': '', 'dob-month': '', 'dob-year': '', nhs: '', gender: '', age: '', ageBand: '', address: '', familyNames: '' }) }));
    const page = await admin.get(`/cases/${id}`);
    const childId = (await db().selectFrom('incident_children').select('id').where('incident_id', '=', id).executeTakeFirstOrThrow()).id;
    expect(page.body).toContain(`href="/cases/${id}/children/${childId}/edit"`);
    // Each "Change" link says what it changes, to a screen reader too (the card adds the pseudonym once).
    expect(page.body).toContain('Change<span class="govuk-visually-hidden"> details (Child N)</span>');
    for (const row of ['what happened', 'where', 'date of the incident', 'agencies involved']) expect(page.body).toContain(`Change<span class="govuk-visually-hidden"> ${row}</span>`);
    expect(page.body).not.toContain('the facts</span>');
    // The state sits in its sentence with no space before the full stop.
    expect((await admin.get(`/cases/${id}/rapid-review`)).body).toMatch(/This case is <strong class="govuk-tag[^"]*">[^<]+<\/strong>\./);
    const form = await admin.get(`/cases/${id}/children/${childId}/edit`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('Change Child N’s details');
    const hidden = (body: string) => ({
      version: /name="version" value="(\d+)"/.exec(body)?.[1] as string,
      base: (/name="base" value="([^"]*)"/.exec(body)?.[1] as string).replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&'),
    });
    const opened = hidden(form.body);

    const future = await admin.post(`/cases/${id}/children/${childId}/edit`, { ...childFields(1, { pseudonym: 'Child N', 'dob-day': '1', 'dob-month': '1', 'dob-year': '2099' }), ...opened });
    expect(future.statusCode).toBe(422);
    expect(errorSummary(future.body)).toContain('Child N’s date of birth cannot be in the future');

    // Someone else records that the child was looked after, meanwhile.
    const theirs = hidden((await secondAdmin.get(`/cases/${id}/children/${childId}/edit`)).body);
    expect((await secondAdmin.post(`/cases/${id}/children/${childId}/edit`, { ...childFields(1, { pseudonym: 'Child N', status: 'looked-after' }), ...theirs })).statusCode).toBe(303);
    const conflict = await admin.post(`/cases/${id}/children/${childId}/edit`, { ...childFields(1, { pseudonym: 'Child N', name: 'Ignatius Fictitious' }), ...opened });
    expect(conflict.statusCode).toBe(409);
    const banner = conflict.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(banner).toContain('Looked after Yes No');
    expect(conflict.body).toContain('value="Ignatius Fictitious"');
    const again = hidden(conflict.body);
    const saved = await admin.post(`/cases/${id}/children/${childId}/edit`, { ...childFields(1, { pseudonym: 'Child N', name: 'Ignatius Fictitious', status: 'looked-after', nhs: '9990000085' }), ...again });
    expect(saved.statusCode, errorSummary(saved.body)).toBe(303);
    expect(saved.headers.location).toBe(`/cases/${id}?child=1`);
    const child = await db().selectFrom('incident_children').selectAll().where('id', '=', childId).executeTakeFirstOrThrow();
    expect(t.app.deps.cipher.decrypt(child.name_enc as string)).toBe('Ignatius Fictitious');
    expect(child.looked_after).toBe(true);
    expect((await incidentRow(id)).looked_after).toBe(true);
    const after = (await admin.get(`/cases/${id}?child=1`)).body;
    expect(after).toContain('The child’s details were saved.');
    expect(after).toContain('Ignatius Fictitious');
    expect(after).toContain('Changed: Full name, NHS number');
    const audits = await db().selectFrom('audit_events').selectAll().where('action', '=', 'incident-child-updated').where('record_id', '=', id).orderBy('seq').execute();
    expect(audits).toHaveLength(2);
    expect(audits[1].changes).toEqual({ child: childId, changed: ['Full name', 'NHS number'], before: {}, after: {}, version: 3 });
    expect(audits[0].changes).toMatchObject({ changed: ['Looked after'], before: { lookedAfter: false }, after: { lookedAfter: true } });
    expect(JSON.stringify(audits)).not.toContain('Ignatius');
  });

  it('records what is known as changed without copying it into the audit trail', async () => {
    const id = await record(admin, incidentForm());
    const page = await admin.get(`/cases/${id}/edit`);
    const version = /name="version" value="(\d+)"/.exec(page.body)?.[1] as string;
    const base = (/name="base" value="([^"]*)"/.exec(page.body)?.[1] as string).replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&');
    const res = await admin.post(`/cases/${id}/edit`, { ...incidentForm({ whatIsKnown: 'Known only to the test: Zebedee was seen by a GP.' }), version, base });
    expect(res.statusCode, errorSummary(res.body)).toBe(303);
    const [audit] = await db().selectFrom('audit_events').selectAll().where('action', '=', 'incident-updated').where('record_id', '=', id).execute();
    expect(audit.changes).toEqual({ changed: ['What is known so far'], before: {}, after: {}, version: 2 });
    // Opening the form showed what is known: that view is recorded too.
    const [view] = await db().selectFrom('audit_events').selectAll().where('action', '=', 'view').where('record_id', '=', id).execute();
    expect(view.changes).toEqual({ page: 'edit' });
  });

  it('prepares a printable notification summary with what the national form asks', async () => {
    const id = await record(admin, incidentForm({ childCount: '2', ...childFields(2, CHILD_L), agencies: [police.id], otherAgencies: 'Fictional Youth Service' }));
    const res = await admin.get(`/cases/${id}/notification-summary`);
    expect(res.statusCode).toBe(200);
    for (const text of ['Notification summary', 'Northmoor Safeguarding Children Partnership', '3 March 2025', 'The child was seriously harmed', 'Suspected', 'Child 1: Child K', 'Zebedee Fictitious', '4 May 2019', '9990000085', '9 Invented Way', 'Quentin Fictitious (father)', 'Child 2: Child L', 'Northmoor Police', 'Fictional Youth Service', 'a secret account of what happened', 'times out after 20 minutes']) {
      expect(res.body, text).toContain(text);
    }
    expect(res.body).toContain('<link rel="stylesheet" href="/public/cases.css">');
    const css = await t.app.inject({ url: '/public/cases.css' });
    expect(css.statusCode).toBe(200);
    expect(css.body).toContain('@media print');
    const [audit] = await db().selectFrom('audit_events').selectAll().where('action', '=', 'view').where('record_id', '=', id).execute();
    expect(audit).toMatchObject({ record_type: 'incident', partnership_id: northmoor.id, actor_role: 'partnership-admin' });
    expect(audit.changes).toEqual({ page: 'notification-summary' });
  });

  it('holds what the national form asks beyond the criteria: ethnicity, disability, social care status, perpetrator, police, media', async () => {
    // Unknown answers are refused with a message for each, and looked after together with care leaver too.
    const bad = await admin.post('/cases/new', incidentForm({
      perpetratorRelationship: 'neighbour-of-the-moon', policeInvestigation: 'maybe', mediaInterest: 'lots',
      ...childFields(1, { ...CHILD_K, ethnicity: 'martian', disability: 'perhaps', status: ['looked-after', 'care-leaver'] }),
    }));
    expect(bad.statusCode).toBe(422);
    const summary = errorSummary(bad.body);
    for (const text of [
      'Select the alleged perpetrator’s relationship to the child from the list', 'Select whether there is a police investigation',
      'Select whether there is media interest', 'Select child 1’s ethnicity from the list', 'Select whether child 1 has a disability',
      'Select either looked after or care leaver for child 1, not both',
    ]) expect(summary, text).toContain(text);
    expect(bad.body).toContain('href="#child-1-ethnicity"');
    expect(bad.body).toContain('href="#policeInvestigation"');

    const id = await record(admin, incidentForm({
      perpetratorRelationship: 'parents-partner', policeInvestigation: 'yes', mediaInterest: 'not-known',
      ...childFields(1, { ...CHILD_K, ethnicity: 'white-roma', disability: 'yes', status: ['child-in-need', 'child-protection-plan', 'looked-after'] }),
    }));
    // Ethnicity, disability and the perpetrator's relationship are stored encrypted; the others as they are.
    const row = await incidentRow(id);
    expect(row).toMatchObject({ police_investigation: 'yes', media_interest: 'not-known' });
    expect(row.perpetrator_relationship_enc).not.toContain('partner');
    expect(t.app.deps.cipher.decrypt(row.perpetrator_relationship_enc as string)).toBe('parents-partner');
    const child = await db().selectFrom('incident_children').selectAll().where('incident_id', '=', id).executeTakeFirstOrThrow();
    expect(child).toMatchObject({ child_in_need: true, child_protection_plan: true, looked_after: true, care_leaver: false });
    expect(child.ethnicity_enc).not.toContain('roma');
    expect(t.app.deps.cipher.decrypt(child.ethnicity_enc as string)).toBe('white-roma');
    expect(t.app.deps.cipher.decrypt(child.disability_enc as string)).toBe('yes');
    // The audit trail names the sensitive answers as recorded, never their values.
    const [created] = await db().selectFrom('audit_events').selectAll().where('action', '=', 'incident-created').where('record_id', '=', id).execute();
    const createdJson = JSON.stringify(created.changes);
    expect(created.changes).toMatchObject({ after: { policeInvestigation: 'yes', mediaInterest: 'not-known', perpetratorRelationshipRecorded: true, children: [{ childInNeed: true, childProtectionPlan: true, identifyingDetailsRecorded: expect.arrayContaining(['ethnicity', 'disability']) }] } });
    for (const secret of ['parents-partner', 'white-roma']) expect(createdJson).not.toContain(secret);

    // The notification summary holds them, and no longer says the form asks for facts it does not hold.
    const summaryPage = (await admin.get(`/cases/${id}/notification-summary`)).body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    for (const text of [
      'Ethnicity White: Roma', 'Disability Yes',
      'Social care status at the time A child in need (Children Act 1989 s17); Subject to a child protection plan; Looked after by the local authority',
      'The alleged perpetrator’s relationship to the child Step-parent or a parent’s partner', 'Police investigation Yes', 'Media interest Not known yet',
    ]) expect(summaryPage, text).toContain(text);
    expect(summaryPage).not.toContain('have them to hand');
    expect((await admin.get(`/cases/${id}`)).body).toContain('Step-parent or a parent’s partner');

    // Changing them on the facts form: plain answers are audited with their values, the relationship by name only.
    const edit = await admin.get(`/cases/${id}/edit`);
    expect(edit.body).toMatch(/<option value="parents-partner" selected>/);
    expect(edit.body).toMatch(/name="policeInvestigation" type="radio" value="yes" checked/);
    const version = /name="version" value="(\d+)"/.exec(edit.body)?.[1] as string;
    const base = (/name="base" value="([^"]*)"/.exec(edit.body)?.[1] as string).replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&');
    const saved = await admin.post(`/cases/${id}/edit`, { ...incidentForm({ perpetratorRelationship: 'parent', policeInvestigation: 'no', mediaInterest: 'not-known' }), version, base });
    expect(saved.statusCode, errorSummary(saved.body)).toBe(303);
    const [updated] = await db().selectFrom('audit_events').selectAll().where('action', '=', 'incident-updated').where('record_id', '=', id).execute();
    expect(updated.changes).toEqual({
      changed: ['The alleged perpetrator’s relationship to the child', 'Police investigation'],
      before: { policeInvestigation: 'yes' }, after: { policeInvestigation: 'no' }, version: 2,
    });
    expect(t.app.deps.cipher.decrypt((await incidentRow(id)).perpetrator_relationship_enc as string)).toBe('parent');

    // The child's form: a care leaver is no longer looked after; ethnicity changes are named, not copied.
    const childId = child.id;
    const childForm = await admin.get(`/cases/${id}/children/${childId}/edit`);
    expect(childForm.body).toMatch(/<option value="white-roma" selected>White: Roma<\/option>/);
    const hidden = {
      version: /name="version" value="(\d+)"/.exec(childForm.body)?.[1] as string,
      base: (/name="base" value="([^"]*)"/.exec(childForm.body)?.[1] as string).replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&'),
    };
    const both = await admin.post(`/cases/${id}/children/${childId}/edit`, { ...childFields(1, { ...CHILD_K, status: ['looked-after', 'care-leaver'] }), ...hidden });
    expect(both.statusCode).toBe(422);
    expect(errorSummary(both.body)).toContain('Select either looked after or care leaver for child 1, not both');
    const changed = await admin.post(`/cases/${id}/children/${childId}/edit`, { ...childFields(1, { ...CHILD_K, ethnicity: 'white-irish', disability: 'yes', status: ['care-leaver'] }), ...hidden });
    expect(changed.statusCode, errorSummary(changed.body)).toBe(303);
    const childAudit = await db().selectFrom('audit_events').selectAll().where('action', '=', 'incident-child-updated').where('record_id', '=', id).executeTakeFirstOrThrow();
    expect(childAudit.changes).toEqual({
      child: childId, changed: ['Looked after', 'Care leaver', 'Ethnicity', 'Child in need', 'Child protection plan'],
      before: { lookedAfter: true, careLeaver: false, childInNeed: true, childProtectionPlan: true },
      after: { lookedAfter: false, careLeaver: true, childInNeed: false, childProtectionPlan: false }, version: 3,
    });
    expect(JSON.stringify(childAudit.changes)).not.toContain('irish');
  });

  it('escapes what people typed, keeping their line breaks', async () => {
    const id = await record(admin, incidentForm({ whatIsKnown: '<script>alert(1)</script>\r\nSecond line', 'child-1-address': '1 <b>Bold</b> Street\nTown' }));
    for (const url of [`/cases/${id}`, `/cases/${id}/notification-summary`]) {
      const body = (await admin.get(url)).body;
      expect(body, url).not.toContain('<script>alert(1)');
      expect(body, url).not.toContain('<b>Bold</b>');
      expect(body, url).toContain('1 &lt;b&gt;Bold&lt;/b&gt; Street<br />');
    }
    expect((await admin.get(`/cases/${id}`)).body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;<br />');
  });

  it('audits every view of a case page and lists who has viewed it', async () => {
    const id = await record(admin, incidentForm());
    await lead.get(`/cases/${id}`);
    const page = await admin.get(`/cases/${id}`);
    expect(page.body).toContain('Who has viewed this record');
    expect(page.body).toContain('Pat Lead');
    expect(page.body).toContain('Alex Admin');
    const views = await db().selectFrom('audit_events').selectAll().where('action', '=', 'view').where('record_type', '=', 'incident').where('record_id', '=', id).orderBy('seq').execute();
    expect(views.map((v) => v.actor_role)).toEqual(['partner-lead', 'partnership-admin']);
    expect(views.every((v) => v.partnership_id === northmoor.id && v.outcome === 'allowed')).toBe(true);
    // A partner lead reads the case, identifying details included, but has nothing to record.
    const leadPage = (await lead.get(`/cases/${id}`)).body;
    expect(leadPage).toContain('Zebedee Fictitious');
    expect(leadPage).toContain('There is nothing for you to record on this case now.');
    expect(leadPage).not.toContain(`/cases/${id}/edit`);
  });

  it('refuses people without the permission, and hides other partnerships’ cases', async () => {
    const id = await record(admin, incidentForm());
    expect((await contributor.get('/cases')).statusCode).toBe(403);
    expect((await contributor.get(`/cases/${id}`)).statusCode).toBe(403);
    expect((await reviewer.get(`/cases/${id}`)).statusCode).toBe(403);
    expect((await reviewer.get('/cases')).statusCode).toBe(403);
    expect((await lead.get('/cases')).statusCode).toBe(200);
    expect((await lead.get('/cases/new')).statusCode).toBe(403);
    expect((await lead.get(`/cases/${id}/edit`)).statusCode).toBe(403);

    for (const url of [`/cases/${id}`, `/cases/${id}/notification-check`, `/cases/${id}/notification-summary`, `/cases/${id}/edit`, `/cases/${id}/steps/notify`, `/cases/${id}/clocks/panel-notification/pause`]) {
      const res = await otherAdmin.get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.body).not.toContain('Zebedee');
    }
    const token = await otherAdmin.csrfFrom('/cases/new');
    expect((await otherAdmin.post(`/cases/${id}/steps/notify`, dateFields('date', '2025-03-05'), { csrf: token })).statusCode).toBe(404);
    expect((await incidentRow(id)).state).toBe('recorded');
    expect((await otherAdmin.get('/cases')).body).not.toContain(id);
    const refusals = await db().selectFrom('audit_events').selectAll().where('action', '=', 'access-refused').where('record_id', '=', id).execute();
    expect(refusals.length).toBeGreaterThanOrEqual(6);
    expect(refusals.every((r) => r.outcome === 'refused' && r.partnership_id === northmoor.id)).toBe(true);

    // Someone who may only read cases is refused the steps at the door.
    expect((await lead.get(`/cases/${id}/steps/notify`)).statusCode).toBe(403);
  });

  it('writes no identifying value into the audit trail', async () => {
    const rows = await db().selectFrom('audit_events').select(['changes', 'record_id', 'action']).execute();
    const text = JSON.stringify(rows);
    for (const value of IDENTIFYING) expect(text, value).not.toContain(value);
    expect(rows.some((r) => r.action === 'incident-created')).toBe(true);
    expect(rows.some((r) => r.action === 'incident-updated')).toBe(true);
  });
});

describe('no identifying values in the logs', () => {
  let t: TestApp;
  const written: string[] = [];
  const originals = { write: fs.write, writeSync: fs.writeSync };

  beforeAll(async () => {
    t = await startTestApp('embedded', { LOG_LEVEL: 'trace' });
    const capture = (data: unknown) => {
      if (typeof data === 'string') written.push(data);
      else if (Buffer.isBuffer(data)) written.push(data.toString('utf8'));
    };
    (fs as { writeSync: unknown }).writeSync = (fd: number, data: unknown, ...rest: unknown[]) => {
      capture(data);
      return (originals.writeSync as (...a: unknown[]) => number)(fd, data, ...rest);
    };
    (fs as { write: unknown }).write = (fd: number, data: unknown, ...rest: unknown[]) => {
      capture(data);
      return (originals.write as (...a: unknown[]) => void)(fd, data, ...rest);
    };
  });
  afterAll(async () => {
    (fs as { writeSync: unknown }).writeSync = originals.writeSync;
    (fs as { write: unknown }).write = originals.write;
    await t.close();
  });

  it('logs requests to record and view a case without the child’s details', async () => {
    const db = t.app.deps.database.db;
    const p = await addPartnership(db, { slug: 'logmoor', name: 'Logmoor SCP' });
    const { client } = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: p.id }]);
    const res = await client.post('/cases/new', incidentForm());
    expect(res.statusCode).toBe(303);
    const id = /\/cases\/([0-9a-f-]{36})\//.exec(String(res.headers.location))?.[1] as string;
    await client.get(`/cases/${id}`);
    await client.get(`/cases/${id}/notification-summary`);
    await client.post('/cases/new', incidentForm({ 'aware-day': '31', 'aware-month': '2' }));
    const logs = written.join('\n');
    expect(logs).toContain(`/cases/${id}`);
    for (const value of IDENTIFYING) expect(logs, value).not.toContain(value);
  });
});
