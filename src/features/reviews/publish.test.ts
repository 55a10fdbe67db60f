import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, type TestClient } from '../../../test/support/client.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { addCalendarMonths, addDays, todayInLondon } from '../../domain/calendar/date-only.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { renderReportPdf } from '../../platform/documents/generate-pdf.ts';
import { recordIncident } from '../cases/service.ts';
import { checkPublishing, loadPublishing, publishReview } from './publish.ts';
import { loadReview } from './service.ts';
import { addPartnership } from '../partnerships/service.ts';
import { buildPdfWithOpenActionScript } from '../../platform/documents/test-fixtures.ts';
import { currentCalendar } from '../rules/service.ts';
import { dateFields, errorSummary, textOf } from '../../../test/support/pages.ts';

const CHILD_NAME = 'Zebedee Fictitious';

const draft = (summary: string) => ({
  title: '2026 – Publishing SCP – Child P',
  summary,
  livedExperience: 'Child P loved drawing and was often hungry at school.',
  keyLearning: 'Professional curiosity about who lived in the home.',
  learningIntoPractice: 'Ask about every adult in the household.',
  themes: ['neglect', 'professional-curiosity'],
  ageBand: '5-9',
  harmType: 'serious-harm',
  otherNames: 'Brookfield Primary',
});

describe.each(ENGINES)('publishing a review on %s', (engine) => {
  let t: TestApp;
  let admin: TestClient;
  let lead: TestClient;
  let caseId: string;
  let partnershipId: string;
  let findingId: string;
  let publisherId: string;
  const today = todayInLondon(new Date());
  const calendarDay = (days: number) => addDays(today, days);

  const setAdvanceCopy = (on: string) =>
    withTenant(t.app.deps.database.db, [partnershipId], (trx) => trx.updateTable('incidents').set({ advance_copy_sent_on: on }).where('id', '=', caseId).execute());

  beforeAll(async () => {
    t = await startTestApp(engine);
    const db = t.app.deps.database.db;
    const p = await addPartnership(db, { slug: 'publishing', name: 'Publishing SCP' });
    partnershipId = p.id;
    const a = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: p.id, agencyId: null }], { name: 'Pat Publisher' });
    admin = a.client;
    publisherId = a.userId;
    lead = (await signedInAs(t.app, [{ role: 'partner-lead', partnershipId: p.id, agencyId: null }])).client;
    const calendar = await currentCalendar(db);
    const aware = calendar.addWorkingDays(today, -150);
    const r = await recordIncident(db, t.app.deps.cipher, { userId: a.userId, name: 'Pat Publisher' }, {
      partnershipId: p.id,
      facts: { outcome: 'serious-harm', abuseOrNeglect: 'known', location: 'in-area', incidentOn: aware, aware, whatIsKnown: '', agencyIds: [], otherAgencies: '' },
      children: [{ pseudonym: 'Child P', name: CHILD_NAME, dateOfBirth: '2018-04-03', nhsNumber: '', address: '', familyNames: 'Robin Fictitious (mother)', gender: null, ageAtIncident: 7, ageBand: '5-9', lookedAfter: false, careLeaver: false }],
      referralId: null,
    }, today);
    if (!r.ok) throw new Error('not recorded');
    caseId = r.id;
    const pdf = await renderReportPdf({ title: 'Child P', pages: ['Child P lived with her mother and younger brother.', `On one visit the worker wrote down ${CHILD_NAME}'s full name in the notes.`] });
    await withTenant(db, [p.id], async (trx) => {
      await trx
        .updateTable('incidents')
        .set({ state: 'completed', review_decision: 'local-review', notified_on: calendar.addWorkingDays(aware, 2), rapid_review_sent_on: calendar.addWorkingDays(aware, 15), decision_on: calendar.addWorkingDays(aware, 20), completed_on: calendar.addWorkingDays(today, -12) })
        .where('id', '=', caseId)
        .execute();
      await trx.insertInto('reviews').values({ incident_id: caseId, partnership_id: p.id, review_type: 'local-cspr', publication_decision: 'full-report' }).execute();
      await trx.insertInto('review_reports').values({ incident_id: caseId, partnership_id: p.id, kind: 'final', version: 1, file_sha256: await t.app.deps.files.put(trx, pdf, 'private'), file_name: 'child-p-final.pdf', file_type: 'pdf', file_size: pdf.length }).execute();
      // The review's page shows the case's recommendations, responses and findings: a family name in a response, the child's in a finding.
      const madeOn = calendar.addWorkingDays(today, -30);
      await trx.insertInto('recommendations').values({ partnership_id: p.id, incident_id: caseId, number: '1', text: 'Schools should ask who lives in the home.', made_on: madeOn, themes: '[]', agency_ids: '[]', response: 'accepted-in-part', response_reasons: 'Robin Fictitious has since moved out of the area.' }).execute();
      findingId = (await trx.insertInto('review_findings').values({ partnership_id: p.id, incident_id: caseId, number: '1', text: `${CHILD_NAME} was never seen alone.`, found_on: madeOn, themes: '[]', recommendation_ids: '[]' }).returning('id').executeTakeFirstOrThrow()).id;
    });
    await setAdvanceCopy(calendar.addWorkingDays(today, -10));
  });
  afterAll(async () => t.close());

  it('takes the texts to publish, checking each part', async () => {
    const form = await admin.get(`/cases/${caseId}/review/publish`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('child-p-final.pdf');
    expect((await lead.get(`/cases/${caseId}/review/publish`)).statusCode).toBe(403);
    const bad = await admin.post(`/cases/${caseId}/review/publish`, { ...draft(''), themes: ['not-a-theme'], background: 'Only one part of the briefing', version: '0' });
    expect(bad.statusCode).toBe(422);
    const problems = errorSummary(bad.body);
    expect(problems).toContain('Enter the executive summary');
    expect(problems).toContain('Enter why it matters');
    expect(problems).toContain('Select themes from the list');
    // The answers are kept.
    expect(bad.body).toContain('Only one part of the briefing');
    const ok = await admin.post(`/cases/${caseId}/review/publish`, { ...draft(`${CHILD_NAME} was seen at Brookfield Primary on 3 April 2018.`), version: '0' });
    expect(ok.statusCode, errorSummary(ok.body)).toBe(303);
    expect(ok.headers.location).toBe(`/cases/${caseId}/review/publish/check`);
    const row = await withTenant(t.app.deps.database.db, [partnershipId], (trx) => trx.selectFrom('publication_drafts').selectAll().where('incident_id', '=', caseId).executeTakeFirstOrThrow());
    expect(row.content_enc).not.toContain('Zebedee');
  });

  it('blocks publication on every finding of the anonymisation check, with its place, until resolved or overridden', async () => {
    const check = await admin.get(`/cases/${caseId}/review/publish/check`);
    expect(check.statusCode).toBe(200);
    const text = textOf(check.body);
    expect(text).toContain('Summary: page 1, line 1');
    expect(text).toContain('child-p-final.pdf: page 2, line 1');
    expect(text).toMatch(/Brookfield Primary/);
    expect(text).toContain('Response to recommendation 1: page 1, line 1');
    expect(text).toContain('Finding 1: page 1, line 1');
    expect(text).not.toContain('Recommendation 1: page');
    expect(check.body).not.toContain('>Publish the review<');
    const early = await admin.post(`/cases/${caseId}/review/publish/confirm`, {}, { from: `/cases/${caseId}/review/publish/check` });
    expect(early.statusCode).toBe(422);
    expect(errorSummary(early.body)).toMatch(/findings of the anonymisation check are not resolved/);

    // The report's finding: overridden with a reason (too short first).
    const fingerprint = (page: string, place: string) => {
      const cards = page.split('govuk-summary-card__title-wrapper');
      const card = cards.find((c) => c.includes(place)) as string;
      return /name="fingerprint" value="([^"]+)"/.exec(card)?.[1] as string;
    };
    const fp = fingerprint(check.body, 'child-p-final.pdf: page 2');
    const short = await admin.post(`/cases/${caseId}/review/publish/overrides`, { fingerprint: fp, [`reason-${fp}`]: 'ok' }, { from: `/cases/${caseId}/review/publish/check` });
    expect(short.statusCode).toBe(422);
    expect(errorSummary(short.body)).toContain('at least 10 characters');
    const overridden = await admin.post(`/cases/${caseId}/review/publish/overrides`, { fingerprint: fp, [`reason-${fp}`]: 'The report is redacted in print; the name is the author’s pseudonym.' }, { from: `/cases/${caseId}/review/publish/check` });
    expect(overridden.statusCode, errorSummary(overridden.body)).toBe(303);
    const audit = await t.app.deps.database.db.selectFrom('audit_events').select(['changes']).where('record_id', '=', caseId).where('action', '=', 'anonymisation-override').executeTakeFirstOrThrow();
    expect(JSON.stringify(audit.changes)).toContain('author’s pseudonym');
    expect(JSON.stringify(audit.changes)).not.toContain('Zebedee');

    // The response's finding is overridden too.
    const responseFp = fingerprint(check.body, 'Response to recommendation 1: page 1');
    const responseOverride = await admin.post(`/cases/${caseId}/review/publish/overrides`, { fingerprint: responseFp, [`reason-${responseFp}`]: 'Robin Fictitious is also the name of the fictional service manager.' }, { from: `/cases/${caseId}/review/publish/check` });
    expect(responseOverride.statusCode, errorSummary(responseOverride.body)).toBe(303);

    // The summary's findings and the review's finding are resolved by changing the text.
    const edited = await admin.post(`/cases/${caseId}/review/publish`, { ...draft('Child P was seen at school; the review found that nobody asked who lived at home.'), version: '1' });
    expect(edited.statusCode, errorSummary(edited.body)).toBe(303);
    const finding = await admin.post(`/cases/${caseId}/review/findings/${findingId}/edit`, { number: '1', text: 'Child P was never seen alone.', ...dateFields('foundOn', today), version: '1' });
    expect(finding.statusCode, errorSummary(finding.body)).toBe(303);
    const again = textOf((await admin.get(`/cases/${caseId}/review/publish/check`)).body);
    expect(again).not.toContain('Summary: page 1');
    expect(again).not.toContain('Finding 1: page 1');
    expect(again).toContain('Overridden');
  });

  it('refuses to publish a stored final report that carries active content (stored before uploads were checked for it)', async () => {
    const scripted = await buildPdfWithOpenActionScript();
    const version2 = () =>
      withTenant(t.app.deps.database.db, [partnershipId], async (trx) =>
        trx.insertInto('review_reports').values({ incident_id: caseId, partnership_id: partnershipId, kind: 'final', version: 2, file_sha256: await t.app.deps.files.put(trx, scripted, 'private'), file_name: 'child-p-final-2.pdf', file_type: 'pdf', file_size: scripted.length }).execute(),
      );
    await version2();
    try {
      const check = textOf((await admin.get(`/cases/${caseId}/review/publish/check`)).body);
      expect(check).toContain('The final report cannot be read: the PDF carries active content (JavaScript) that a reader could run or open by itself: print it to a new PDF');
      expect(check).not.toContain('Publish the review');
    } finally {
      await withTenant(t.app.deps.database.db, [partnershipId], (trx) => trx.deleteFrom('review_reports').where('incident_id', '=', caseId).where('version', '=', 2).execute());
    }
  });

  it('counts the advance copy days by the clock rule the case is judged under, not a fixed 7', async () => {
    const db = t.app.deps.database.db;
    const calendar = await currentCalendar(db);
    const setAdvanceLength = (length: number) => withTenant(db, [partnershipId], async (trx) => {
      const row = await trx.selectFrom('incidents').select('clock_rules').where('id', '=', caseId).executeTakeFirstOrThrow();
      const rules = (row.clock_rules as { key: string; length: number }[]).map((r) => (r.key === 'advance-copy' ? { ...r, length } : r));
      await trx.updateTable('incidents').set({ clock_rules: JSON.stringify(rules) }).where('id', '=', caseId).execute();
    });
    await setAdvanceLength(10);
    try {
      await setAdvanceCopy(calendar.addWorkingDays(today, -8));
      const blocked = textOf((await admin.get(`/cases/${caseId}/review/publish/check`)).body);
      expect(blocked).toMatch(/the report can be published from .*, 10 working days later/);
      const refused = await admin.post(`/cases/${caseId}/review/publish/confirm`, {}, { from: `/cases/${caseId}/review/publish/check` });
      expect(refused.statusCode).toBe(422);
      // The case page's own step cannot publish around the checks either.
      const step = await admin.post(`/cases/${caseId}/steps/publish`, dateFields('date', today), { from: `/cases/${caseId}/review/publish/check` });
      expect(step.statusCode).toBe(422);
      expect(errorSummary(step.body)).toContain('Publish from the review’s “Publish” page');
    } finally {
      await setAdvanceLength(7);
    }
  });

  it('waits 7 working days after the advance copy, then publishes: the case moves on and the review is public', async () => {
    await setAdvanceCopy(today);
    const blocked = await admin.get(`/cases/${caseId}/review/publish/check`);
    expect(textOf(blocked.body)).toMatch(/The advance copy was sent on .*: the report can be published from/);
    const calendar = await currentCalendar(t.app.deps.database.db);
    // Sent 7 working days before today (before the last working day, at a weekend or on a holiday:
    // 7 working days back from a Saturday and 7 on again end on Monday).
    const lastWorkingDay = calendar.isWorkingDay(today) ? today : calendar.addWorkingDays(today, -1);
    await setAdvanceCopy(calendar.addWorkingDays(lastWorkingDay, -7));
    const ready = await admin.get(`/cases/${caseId}/review/publish/check`);
    expect(ready.body).toContain('Publish the review');

    // A finding changed between the check and the publication's commit (by someone else, at that moment)
    // is read again as the publication commits: one naming the child stops it, and nothing is published.
    const db = t.app.deps.database.db;
    const view = (await loadReview(db, t.app.deps.cipher, [partnershipId], caseId, today))!;
    const publishing = await loadPublishing(db, t.app.deps.cipher, view);
    const check = await checkPublishing(db, t.app.deps.files, view, publishing, today, t.app.deps.documents);
    expect(check.unresolved).toEqual([]);
    const before = await withTenant(db, [partnershipId], (trx) => trx.selectFrom('review_findings').select('text').where('id', '=', findingId).executeTakeFirstOrThrow());
    await withTenant(db, [partnershipId], (trx) => trx.updateTable('review_findings').set({ text: `${CHILD_NAME} was never seen alone.` }).where('id', '=', findingId).execute());
    const raced = await publishReview(db, view, publishing, check, { userId: publisherId, name: 'Pat Publisher' }, () => () => true, today);
    expect(raced).toEqual({ ok: false, problems: ['The review’s recommendations or findings changed while it was being published, and now hold a detail of the case: check the publication again'] });
    expect(await db.selectFrom('publications').select('id').where('incident_id', '=', caseId).executeTakeFirst()).toBeUndefined();
    await withTenant(db, [partnershipId], (trx) => trx.updateTable('review_findings').set({ text: before.text }).where('id', '=', findingId).execute());

    const published = await admin.post(`/cases/${caseId}/review/publish/confirm`, {}, { from: `/cases/${caseId}/review/publish/check` });
    expect(published.statusCode, errorSummary(published.body)).toBe(303);
    const incident = await withTenant(t.app.deps.database.db, [partnershipId], (trx) => trx.selectFrom('incidents').select(['state', 'published_on']).where('id', '=', caseId).executeTakeFirstOrThrow());
    expect(incident).toEqual({ state: 'published', published_on: today });
    const publication = await t.app.deps.database.db.selectFrom('publications').selectAll().where('incident_id', '=', caseId).executeTakeFirstOrThrow();
    expect(publication).toMatchObject({ source: 'review', review_type: 'local-cspr', published_on: today, withdrawable_on: addCalendarMonths(today, 12), age_band: '5-9', file_name: 'child-p-final.pdf' });
    const page = await admin.get(`/cases/${caseId}/review`);
    expect(page.body).toContain(`href="/reviews/${publication.slug}"`);
    // Its finding is on its public page.
    expect(textOf((await admin.get(`/reviews/${publication.slug}`)).body)).toContain('Child P was never seen alone.');
    // Once published, it cannot be published again.
    expect((await admin.post(`/cases/${caseId}/review/publish/confirm`, {}, { csrf: await admin.csrfFrom("/account/api-tokens") })).statusCode).toBe(422);
  });

  it('checks a change to the published review’s findings and recommendations as its publication was, since its page shows them at once', async () => {
    const publication = await t.app.deps.database.db.selectFrom('publications').select('slug').where('incident_id', '=', caseId).executeTakeFirstOrThrow();
    const edit = `/cases/${caseId}/review/findings/${findingId}/edit`;
    const stored = () => withTenant(t.app.deps.database.db, [partnershipId], (trx) => trx.selectFrom('review_findings').select(['text', 'version']).where('id', '=', findingId).executeTakeFirstOrThrow());
    const before = await stored();
    const named = await admin.post(edit, { number: '1', text: 'Child P was never seen alone, and Robin Fictitious was not asked why.', ...dateFields('foundOn', today), version: String(before.version) });
    expect(named.statusCode).toBe(422);
    expect(errorSummary(named.body)).toContain('The review is published and its page would show this at once: take out “Robin Fictitious”');
    expect(await stored()).toEqual(before);
    expect(textOf((await admin.get(`/reviews/${publication.slug}`)).body)).not.toContain('Robin Fictitious was not asked');
    // A date (a general pattern) is the writer's to judge: saved, and shown.
    const dated = await admin.post(edit, { number: '1', text: 'Child P was never seen alone between 01/09/2025 and 31/03/2026.', ...dateFields('foundOn', today), version: String(before.version) });
    expect(dated.statusCode, errorSummary(dated.body)).toBe(303);
    expect(textOf((await admin.get(`/reviews/${publication.slug}`)).body)).toContain('Child P was never seen alone between 01/09/2025 and 31/03/2026.');

    // A text on the page from before this check (a review published earlier) does not lock the rest of the
    // finding: changed in another way, it is saved; only a text written anew is checked.
    const earlier = `${CHILD_NAME} was never seen alone.`;
    await withTenant(t.app.deps.database.db, [partnershipId], (trx) => trx.updateTable('review_findings').set({ text: earlier }).where('id', '=', findingId).execute());
    const kept = await stored();
    const redated = await admin.post(edit, { number: '2', text: earlier, ...dateFields('foundOn', calendarDay(-1)), version: String(kept.version) });
    expect(redated.statusCode, errorSummary(redated.body)).toBe(303);
    const rewritten = await admin.post(edit, { number: '2', text: `${earlier} Robin Fictitious was not asked why.`, ...dateFields('foundOn', today), version: String(kept.version + 1) });
    expect(rewritten.statusCode).toBe(422);
    expect(errorSummary(rewritten.body)).toContain('take out “Zebedee Fictitious”');
  });
});
