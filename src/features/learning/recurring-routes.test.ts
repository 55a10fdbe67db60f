import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, TestClient } from '../../../test/support/client.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { errorSummary, textOf } from '../../../test/support/pages.ts';
import { addDays, todayInLondon, type DateOnly } from '../../domain/calendar/date-only.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { recordIncident } from '../cases/service.ts';
import { addAgency, addPartnership } from '../partnerships/service.ts';

/**
 * Recurring learning through HTTP: a partnership's staff see their own partnership's recurring
 * lessons (published or not), a national Panel viewer sees every partnership's published ones;
 * agencies and the public are refused; an administrator's split and merge are kept, audited, and
 * still hold when new recommendations arrive.
 */
describe.each(ENGINES)('recurring learning on %s', (engine) => {
  let t: TestApp;
  let admin: TestClient;
  let lead: TestClient;
  let agency: TestClient;
  let otherAdmin: TestClient;
  let panel: TestClient;
  let sysadmin: TestClient;
  let anonymous: TestClient;
  let a: { id: string };
  let b: { id: string };
  let agencyA: string;
  let adminId: string;
  let caseId: string;
  const today = todayInLondon(new Date());
  const ids: Record<string, string> = {};
  const db = () => t.app.deps.database.db;

  async function publication(partnershipId: string, slug: string, title: string, publishedOn: string): Promise<string> {
    const row = await db()
      .insertInto('publications')
      .values({ partnership_id: partnershipId, source: 'import', slug, title, summary: 'A fictional review.', review_type: 'local-cspr', themes: '[]', published_on: publishedOn, withdrawable_on: addDays(publishedOn as DateOnly, 366) })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async function recommendation(key: string, partnershipId: string, on: { publicationId?: string; incidentId?: string }, number: string, text: string, madeOn: string, themes: string[] = []): Promise<void> {
    const row = await withTenant(db(), [partnershipId], (trx) =>
      trx
        .insertInto('recommendations')
        .values({ partnership_id: partnershipId, publication_id: on.publicationId ?? null, incident_id: on.incidentId ?? null, number, text, made_on: madeOn as DateOnly, themes: JSON.stringify(themes), agency_ids: '[]', response: 'accepted' })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
    ids[key] = row.id;
  }

  const decisions = async (partnershipId: string) =>
    Number((await withTenant(db(), [partnershipId], (trx) => trx.withTables<{ recurring_learning_decisions: { partnership_id: string } }>().selectFrom('recurring_learning_decisions').select((eb) => eb.fn.countAll().as('n')).where('partnership_id', '=', partnershipId).executeTakeFirstOrThrow())).n);

  type Api = { groups: { label: string; recommendations: { id: string; text: string; review: { title: string; slug: string | null }; status: string }[] }[] };
  const groupsOf = async (client: TestClient, query = ''): Promise<Api['groups']> => {
    const res = await client.get(`/api/v1/learning/recurring${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as Api).groups;
  };
  const groupHolding = (groups: Api['groups'], key: string) => groups.find((g) => g.recommendations.some((r) => r.id === ids[key]));

  beforeAll(async () => {
    t = await startTestApp(engine);
    a = await addPartnership(db(), { slug: 'recurring-a', name: 'Recurring A SCP' });
    b = await addPartnership(db(), { slug: 'recurring-b', name: 'Recurring B SCP' });
    agencyA = (await addAgency(db(), { partnershipId: a.id, name: 'Recurring Academy', kind: 'relevant-agency' })).id;
    const signedAdmin = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: a.id, agencyId: null }], { name: 'Alex Admin' });
    admin = signedAdmin.client;
    adminId = signedAdmin.userId;
    lead = (await signedInAs(t.app, [{ role: 'partner-lead', partnershipId: a.id, agencyId: null }])).client;
    agency = (await signedInAs(t.app, [{ role: 'agency-contributor', partnershipId: a.id, agencyId: agencyA }])).client;
    otherAdmin = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: b.id, agencyId: null }])).client;
    panel = (await signedInAs(t.app, [{ role: 'panel-viewer', partnershipId: null, agencyId: null }])).client;
    sysadmin = (await signedInAs(t.app, [{ role: 'system-admin', partnershipId: null, agencyId: null }])).client;
    anonymous = new TestClient(t.app);

    // Partnership A: a case's review (not published) and three published reviews across years.
    const aware = addDays(today, -300);
    const recorded = await recordIncident(
      db(),
      t.app.deps.cipher,
      { userId: adminId, name: 'Alex Admin' },
      {
        partnershipId: a.id,
        facts: { outcome: 'serious-harm', abuseOrNeglect: 'suspected', location: 'in-area', incidentOn: aware, aware, whatIsKnown: '', agencyIds: [], otherAgencies: '' },
        children: [{ pseudonym: 'Child R', name: '', dateOfBirth: null, nhsNumber: '', address: '', familyNames: '', gender: null, ageAtIncident: null, ageBand: null, lookedAfter: false, careLeaver: false }],
        referralId: null,
      },
      today,
    );
    if (!recorded.ok) throw new Error('case not recorded');
    caseId = recorded.id;
    await withTenant(db(), [a.id], (trx) => trx.updateTable('incidents').set({ state: 'local-review', review_decision: 'local-review', decision_on: addDays(aware, 30) }).where('id', '=', caseId).execute());
    const p2019 = await publication(a.id, '2019-recurring-child-x', 'Serious case review: Child X (fictional)', '2019-05-14');
    const p2022 = await publication(a.id, '2022-recurring-child-y', 'Local review: Child Y (fictional)', '2022-06-14');
    const p2024 = await publication(a.id, '2024-recurring-child-z', 'Local review: Child Z (fictional)', '2024-03-14');
    await recommendation('caseSharing', a.id, { incidentId: caseId }, '1', 'Agencies should share information about risks to children promptly with children’s social care, and not wait to be asked.', addDays(today, -30), ['information-sharing']);
    await recommendation('caseEscalation', a.id, { incidentId: caseId }, '2', 'Practitioners should use the escalation policy when they disagree with a decision of another agency about a child.', addDays(today, -30), ['escalation-and-challenge']);
    await recommendation('x2019Sharing', a.id, { publicationId: p2019 }, '1', 'All agencies must share information about risks to a child promptly with children’s social care.', '2019-03-01', ['information-sharing']);
    await recommendation('y2022Sharing', a.id, { publicationId: p2022 }, '1', 'Health and police should share information about risks with children’s social care on the same day.', '2022-04-01', ['information-sharing']);
    await recommendation('y2022Escalation', a.id, { publicationId: p2022 }, '2', 'Staff should challenge decisions they disagree with, using the escalation policy, when a child is left at risk.', '2022-04-01', ['escalation-and-challenge']);
    await recommendation('z2024Sleep', a.id, { publicationId: p2024 }, '1', 'Health visitors should give safer sleep advice about co-sleeping at every home visit with a baby.', '2024-01-10', ['sudi-safer-sleep']);
    await recommendation('z2024Other', a.id, { publicationId: p2024 }, '2', 'The housing department should review how it places families in temporary accommodation outside the area.', '2024-01-10', []);
    // Partnership B: two published reviews about safer sleep.
    const q2020 = await publication(b.id, '2020-recurring-baby-q', 'Local review: Baby Q (fictional)', '2020-09-14');
    const q2023 = await publication(b.id, '2023-recurring-baby-s', 'Local review: Baby S (fictional)', '2023-09-14');
    await recommendation('q2020Sleep', b.id, { publicationId: q2020 }, '1', 'Midwives and health visitors should give safer sleep advice at every contact and talk about the risks of co-sleeping with a baby.', '2020-07-01', ['sudi-safer-sleep']);
    await recommendation('s2023Sleep', b.id, { publicationId: q2023 }, '1', 'Safer sleep advice about co-sleeping should be repeated at each home visit with a baby.', '2023-07-01', ['sudi-safer-sleep']);
    // An action on one, so its status shows.
    await withTenant(db(), [a.id], (trx) =>
      trx
        .insertInto('recommendation_actions')
        .values({ partnership_id: a.id, recommendation_id: ids.x2019Sharing, agency_id: agencyA, lead_name: 'A lead', due_on: '2020-03-01' as DateOnly, intended_change: 'Same-day sharing.', measure_of_success: 'Audit.', status: 'closed' })
        .execute(),
    );
  }, 120_000);
  afterAll(async () => t.close());

  it('shows a partnership’s staff their own recurring lessons, published or not, with reviews, dates and action status', async () => {
    const page = await admin.get('/learning/recurring');
    expect(page.statusCode, page.body).toBe(200);
    const text = textOf(page.body);
    expect(text).toContain('Recurring learning');
    expect(text).toContain('How similarity is judged');
    expect(text).toContain('Serious case review: Child X (fictional)');
    expect(text).toContain(`Review of case`);
    expect(text).toContain('Completed and signed off');
    expect(text).not.toContain('Baby Q');
    expect(page.body).toContain('href="/reviews/2019-recurring-child-x"');
    expect(page.body).toContain(`href="/cases/${caseId}/review/recommendations"`);
    // Administrators get the forms; partner leads read.
    expect(page.body).toContain('action="/learning/recurring/split"');
    const leadPage = await lead.get('/learning/recurring');
    expect(leadPage.statusCode).toBe(200);
    expect(leadPage.body).not.toContain('action="/learning/recurring/split"');

    const groups = await groupsOf(lead);
    const sharing = groupHolding(groups, 'caseSharing');
    expect(sharing?.recommendations.map((r) => r.id).sort()).toEqual([ids.caseSharing, ids.x2019Sharing, ids.y2022Sharing].sort());
    expect(sharing?.recommendations.find((r) => r.id === ids.caseSharing)?.review.slug).toBeNull();
    expect(sharing?.recommendations.find((r) => r.id === ids.x2019Sharing)).toMatchObject({ review: { title: 'Serious case review: Child X (fictional)', slug: '2019-recurring-child-x' }, status: 'Completed and signed off' });
    expect(groupHolding(groups, 'caseEscalation')?.recommendations.map((r) => r.id).sort()).toEqual([ids.caseEscalation, ids.y2022Escalation].sort());
    // One review's safer sleep recommendation alone is not recurring; a one-off stays out.
    expect(groupHolding(groups, 'z2024Sleep')).toBeUndefined();
    expect(groupHolding(groups, 'z2024Other')).toBeUndefined();
    // Every group spans two reviews or more.
    for (const g of groups) expect(new Set(g.recommendations.map((r) => r.review.title)).size).toBeGreaterThanOrEqual(2);

    const b = await groupsOf(otherAdmin);
    expect(b).toHaveLength(1);
    expect(b[0].recommendations.map((r) => r.id).sort()).toEqual([ids.q2020Sleep, ids.s2023Sleep].sort());
  });

  it('names the published review of an action whose recommendation came from one, in the actions list', async () => {
    const list = textOf((await admin.get('/actions?status=closed')).body);
    expect(list).toContain('Same-day sharing.');
    expect(list).toContain('Serious case review: Child X (fictional), recommendation 1');
    expect(list).toContain('Progress');
    // The review filter offers published reviews too, by title, and keeps to the one chosen.
    const page = (await admin.get('/actions?status=closed')).body;
    const option = /<option value="([0-9a-f-]{36})"[^>]*>Serious case review: Child X \(fictional\)<\/option>/.exec(page);
    expect(option).not.toBeNull();
    expect(textOf((await admin.get(`/actions?status=closed&review=${option![1]}`)).body)).toContain('Same-day sharing.');
    const other = /<option value="([0-9a-f-]{36})"[^>]*>Local review: Child Y \(fictional\)<\/option>/.exec(page);
    expect(other).not.toBeNull();
    expect(textOf((await admin.get(`/actions?status=closed&review=${other![1]}`)).body)).not.toContain('Same-day sharing.');
    // The API's filter takes the published review's id too, and keeps to it.
    const changes = async (review: string) => {
      const api = await admin.get(`/api/v1/actions?status=closed&review=${review}`);
      expect(api.statusCode).toBe(200);
      return (JSON.parse(api.body) as { actions: { intendedChange: string }[] }).actions.map((a) => a.intendedChange);
    };
    expect(await changes(option![1])).toContain('Same-day sharing.');
    expect(await changes(other![1])).not.toContain('Same-day sharing.');
  });

  it('shows a national Panel viewer every partnership’s published recommendations only', async () => {
    const page = await panel.get('/learning/recurring');
    expect(page.statusCode, page.body).toBe(200);
    expect(page.body).not.toContain('action="/learning/recurring/split"');
    expect(textOf(page.body)).not.toContain('Review of case');
    const groups = await groupsOf(panel);
    const all = groups.flatMap((g) => g.recommendations.map((r) => r.id));
    expect(all).not.toContain(ids.caseSharing);
    expect(all).not.toContain(ids.caseEscalation);
    expect(groupHolding(groups, 'z2024Sleep')?.recommendations.map((r) => r.id).sort()).toEqual([ids.z2024Sleep, ids.q2020Sleep, ids.s2023Sleep].sort());
    expect(groupHolding(groups, 'x2019Sharing')?.recommendations.map((r) => r.id).sort()).toEqual([ids.x2019Sharing, ids.y2022Sharing].sort());
    for (const g of groups) for (const r of g.recommendations) expect(r.review.slug).toMatch(/^\d{4}-/);
  });

  it('refuses agencies, the public and deployment administrators', async () => {
    expect((await agency.get('/learning/recurring')).statusCode).toBe(403);
    expect((await agency.get('/api/v1/learning/recurring')).statusCode).toBe(403);
    expect((await sysadmin.get('/learning/recurring')).statusCode).toBe(403);
    const page = await anonymous.get('/learning/recurring');
    expect(page.statusCode).not.toBe(200);
    expect(page.body).not.toContain('Child X');
    const api = await anonymous.get('/api/v1/learning/recurring');
    expect(api.statusCode).toBe(401);
    expect(String(api.headers['content-type'])).toContain('application/problem+json');
  });

  it('refuses a split or merge with a clear message, storing nothing', async () => {
    const before = await decisions(a.id);
    const noReason = await admin.post('/learning/recurring/split', { recommendationId: ids.caseSharing, reason: '  ' }, { from: '/learning/recurring' });
    expect(noReason.statusCode).toBe(422);
    expect(errorSummary(noReason.body)).toContain('Say why this recommendation or finding does not belong in the group');
    expect(noReason.body).toMatch(/href="#split-\d+-reason"/);
    const nothingChosen = await admin.post('/learning/recurring/split', { reason: 'Not the same.' }, { from: '/learning/recurring' });
    expect(nothingChosen.statusCode).toBe(422);
    expect(errorSummary(nothingChosen.body)).toContain('Select the recommendation or finding to take out of the group');
    const notGrouped = await admin.post('/learning/recurring/split', { recommendationId: ids.z2024Other, reason: 'Not the same.' }, { from: '/learning/recurring' });
    expect(notGrouped.statusCode).toBe(422);
    const self = await admin.post('/learning/recurring/merge', { groupOf: ids.caseSharing, withGroupOf: ids.x2019Sharing, reason: 'Same.' }, { from: '/learning/recurring' });
    expect(self.statusCode).toBe(422);
    expect(errorSummary(self.body)).toContain('a group cannot be merged with itself');
    // Another partnership's administrator cannot reach A's recommendations; a lead cannot change groups.
    const outsider = await otherAdmin.post('/learning/recurring/split', { recommendationId: ids.caseSharing, reason: 'Not the same.' }, { from: '/learning/recurring' });
    expect(outsider.statusCode).toBe(422);
    const byLead = await lead.post('/learning/recurring/split', { recommendationId: ids.caseSharing, reason: 'Not the same.' }, { from: '/learning/recurring' });
    expect(byLead.statusCode).toBe(403);
    const noToken = await admin.post('/learning/recurring/split', { recommendationId: ids.caseSharing, reason: 'Not the same.' }, { csrf: null });
    expect(noToken.statusCode).toBe(403);
    expect(await decisions(a.id)).toBe(before);
  });

  it('keeps an administrator’s split and merge, audited, when new recommendations arrive', async () => {
    const split = await admin.post('/learning/recurring/split', { recommendationId: ids.caseSharing, reason: 'This one is about the household, not sharing between agencies.' }, { from: '/learning/recurring' });
    expect(split.statusCode, split.body).toBe(303);
    expect(split.headers.location).toBe('/learning/recurring?done=split');
    let groups = await groupsOf(admin);
    expect(groupHolding(groups, 'caseSharing')).toBeUndefined();
    expect(groupHolding(groups, 'x2019Sharing')?.recommendations.map((r) => r.id).sort()).toEqual([ids.x2019Sharing, ids.y2022Sharing].sort());

    const merge = await admin.post('/learning/recurring/merge', { groupOf: ids.x2019Sharing, withGroupOf: ids.caseEscalation, reason: 'Escalation failed because information was not shared: one lesson here.' }, { from: '/learning/recurring' });
    expect(merge.statusCode, merge.body).toBe(303);
    groups = await groupsOf(admin);
    expect(groupHolding(groups, 'x2019Sharing')?.recommendations.map((r) => r.id).sort()).toEqual([ids.x2019Sharing, ids.y2022Sharing, ids.caseEscalation, ids.y2022Escalation].sort());

    const audit = await withTenant(db(), [a.id], (trx) => trx.selectFrom('audit_events').select(['action', 'outcome']).where('partnership_id', '=', a.id).where('action', 'like', 'recurring-learning-%').orderBy('seq').execute());
    expect(audit.map((e) => e.action)).toEqual(['recurring-learning-split', 'recurring-learning-merge']);

    // A new review arrives with the same lessons: it joins the merged group, the split one stays out.
    const p2025 = await publication(a.id, '2025-recurring-child-w', 'Local review: Child W (fictional)', '2025-02-14');
    await recommendation('w2025Sharing', a.id, { publicationId: p2025 }, '1', 'Agencies should share information about risks promptly with children’s social care on the same day.', '2025-01-10', ['information-sharing']);
    await recommendation('w2025Household', a.id, { publicationId: p2025 }, '2', 'Agencies should share information about risks to children promptly with children’s social care, and not wait to be asked.', '2025-01-10', ['information-sharing']);
    groups = await groupsOf(admin);
    const merged = groupHolding(groups, 'x2019Sharing');
    expect(merged?.recommendations.map((r) => r.id)).toEqual(expect.arrayContaining([ids.w2025Sharing, ids.caseEscalation, ids.y2022Escalation]));
    expect(groupHolding(groups, 'caseSharing')).toBeUndefined();
    // The page says so, and the decisions stay with partnership A.
    const page = await admin.get('/learning/recurring');
    expect(textOf(page.body)).toContain('Merged by an administrator');
    expect(await decisions(a.id)).toBe(2);
    expect(await decisions(b.id)).toBe(0);
  });
});
