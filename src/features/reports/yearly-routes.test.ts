import type { PDFString } from 'pdf-lib';
import { PDFDict, PDFDocument, PDFName } from 'pdf-lib';
import { extractText, getDocumentProxy } from 'unpdf';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, type TestClient } from '../../../test/support/client.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { errorSummary, textOf } from '../../../test/support/pages.ts';
import { outlineTitles, structureOf } from '../../../test/support/pdf-structure.ts';
import { todayInLondon } from '../../domain/calendar/date-only.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { createApiToken } from '../account/service.ts';
import { recordFigureCases } from '../../../test/support/figure-cases.ts';
import { addAgency, addPartnership } from '../partnerships/service.ts';
import { createUser } from '../users/service.ts';

/**
 * The yearly report through HTTP: the page, its narrative written and versioned by the business
 * unit, read by the partners' leads and the Panel, refused to agencies and other partnerships; a
 * bad period answered with its reason; the PDF tagged, with contents and bookmarks; the API.
 */
describe.each(ENGINES)('the yearly report on %s', (engine) => {
  let t: TestApp;
  let admin: TestClient;
  let lead: TestClient;
  let panel: TestClient;
  let agency: TestClient;
  let emptyAdmin: TestClient;
  let outsider: TestClient;
  let partnershipId: string;
  const tokens: Record<string, string> = {};
  const FY = 'from=2024-04';

  beforeAll(async () => {
    t = await startTestApp(engine);
    const db = t.app.deps.database.db;
    const cipher = t.app.deps.cipher;
    const p = await addPartnership(db, { slug: 'yearly-p', name: 'Yearly SCP' });
    const q = await addPartnership(db, { slug: 'yearly-q', name: 'Quince SCP' });
    const empty = await addPartnership(db, { slug: 'yearly-empty', name: 'Empty Yearly SCP' });
    partnershipId = p.id;
    const police = await addAgency(db, { partnershipId: p.id, name: 'Yearly Police', kind: 'police' });
    const school = await addAgency(db, { partnershipId: p.id, name: 'Yearly Academy', kind: 'relevant-agency' });
    const adminUser = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: p.id, agencyId: null }]);
    admin = adminUser.client;
    lead = (await signedInAs(t.app, [{ role: 'partner-lead', partnershipId: p.id, agencyId: police.id }])).client;
    panel = (await signedInAs(t.app, [{ role: 'panel-viewer', partnershipId: null, agencyId: null }])).client;
    agency = (await signedInAs(t.app, [{ role: 'agency-contributor', partnershipId: p.id, agencyId: school.id }])).client;
    emptyAdmin = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: empty.id, agencyId: null }])).client;
    outsider = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: q.id, agencyId: null }])).client;
    for (const [name, grant] of [
      ['admin', { role: 'partnership-admin' as const, partnershipId: p.id, agencyId: null }],
      ['panel', { role: 'panel-viewer' as const, partnershipId: null, agencyId: null }],
      ['outsider', { role: 'partnership-admin' as const, partnershipId: q.id, agencyId: null }],
    ] as const) {
      const user = await createUser(db, { email: `yearly-api-${name}@example.org`, name: `Yearly ${name}`, password: 'correct horse battery staple 42', grants: [grant] });
      tokens[name] = (await createApiToken(db, user.id, { name: 'test', scope: 'read' })).token;
    }
    await recordFigureCases(db, cipher, { userId: adminUser.userId, partnershipId: p.id, policeId: police.id, slug: '2024-yearly-child-c' });
  }, 180_000);
  afterAll(async () => t.close());

  const api = (who: string, query: string) => t.app.inject({ method: 'GET', url: `/api/v1/reports/yearly?${query}`, headers: { authorization: `Bearer ${tokens[who]}` } });
  const section = (key: string) => `/reports/yearly/sections/${key}?${FY}&partnership=${partnershipId}`;

  it('shows the business unit its report: every part in order, charts beside their tables, the narrative still to write', async () => {
    const res = await admin.get(`/reports/yearly?${FY}`);
    expect(res.statusCode, res.body).toBe(200);
    const text = textOf(res.body);
    expect(text).toContain('Review activity: yearly report April 2024 to March 2025');
    const headings = [...res.body.matchAll(/<h2 class="govuk-heading-l" id="([^"]+)">/g)].map((m) => m[1]);
    expect(headings).toEqual(['introduction', 'notifications', 'rapid-reviews', 'decisions', 'reviews', 'themes', 'learning', 'actions', 'next']);
    expect(res.body).toMatch(/<svg[^>]+role="img"[^>]+aria-labelledby="chart-notifications-title chart-notifications-desc"/);
    expect(text).toContain('Parallel criminal trial');
    expect(text).toContain('This section has not been written yet.');
    expect(res.body).toContain(`href="/reports/yearly/sections/introduction?from=2024-04&amp;partnership=${partnershipId}"`);
    expect(res.body).toContain(`/reports/yearly/pdf?from=2024-04&amp;partnership=${partnershipId}`);
    expect(res.body).not.toMatch(/ style=/);
    const db = t.app.deps.database.db;
    const entry = await withTenant(db, 'all', (trx) => trx.selectFrom('audit_events').select(['changes']).where('action', '=', 'yearly-report-viewed').where('partnership_id', '=', partnershipId).executeTakeFirst());
    expect(entry).toBeTruthy();
  });

  it('defaults to the last whole April to March year, and reads the month and year boxes', async () => {
    const today = todayInLondon(new Date());
    const fy = Number(today.slice(5, 7)) >= 4 ? Number(today.slice(0, 4)) : Number(today.slice(0, 4)) - 1;
    const res = await admin.get('/reports/yearly');
    expect(res.statusCode).toBe(200);
    expect(textOf(res.body)).toContain(`yearly report April ${fy - 1} to March ${fy}`);
    const boxes = await admin.get('/reports/yearly?from-month=1&from-year=2024');
    expect(boxes.statusCode).toBe(200);
    expect(textOf(boxes.body)).toContain('yearly report January 2024 to December 2024');
  });

  it('keeps every version of a section: the business unit writes, changes, and reads them all; nothing is overwritten', async () => {
    const first = await admin.post(section('introduction'), { version: '0', body: 'The partnership reviewed three serious incidents.\n\nIt published one local review.' }, {});
    expect(first.statusCode, first.body).toBe(303);
    expect(first.headers.location).toBe(`/reports/yearly?from=2024-04&partnership=${partnershipId}&saved=introduction#introduction`);
    const page = await admin.get(first.headers.location as string);
    expect(textOf(page.body)).toContain('Introduction: your new version was saved.');
    expect(page.body).toContain('<p class="govuk-body">It published one local review.</p>');
    expect(textOf(page.body)).toContain('Version 1, saved by');

    const form = await admin.get(section('introduction'));
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain('name="version" value="1"');
    const second = await admin.post(section('introduction'), { version: '1', body: 'The partnership reviewed three serious incidents in the year.' }, {});
    expect(second.statusCode).toBe(303);

    const versions = await lead.get(`/reports/yearly/sections/introduction/versions?${FY}&partnership=${partnershipId}`);
    expect(versions.statusCode).toBe(200);
    const v = textOf(versions.body);
    expect(v).toContain('Version 2 (current)');
    expect(v).toContain('Version 1');
    expect(v).toContain('It published one local review.');
    expect(v).toContain('in the year.');

    // A writer who started from version 1 after version 2 was saved: told, and nothing saved.
    const stale = await admin.post(section('introduction'), { version: '1', body: 'An older draft.' }, {});
    expect(stale.statusCode).toBe(409);
    expect(errorSummary(stale.body)).toContain('Someone saved a new version of this section after you opened it');
    const same = await admin.post(section('introduction'), { version: '2', body: 'The partnership reviewed three serious incidents in the year.' }, {});
    expect(same.statusCode).toBe(422);
    expect(errorSummary(same.body)).toContain('The text is the same as the current version');
    const empty = await admin.post(section('learning'), { version: '0', body: '   ' }, {});
    expect(empty.statusCode).toBe(422);
    expect(errorSummary(empty.body)).toContain('Enter the text of the section');
    const long = await admin.post(section('learning'), { version: '0', body: 'x'.repeat(20_001) }, {});
    expect(long.statusCode).toBe(422);
    expect(errorSummary(long.body)).toContain('20,000 characters or fewer');
    const noCsrf = await admin.post(section('learning'), { version: '0', body: 'Sneaky.' }, { csrf: null });
    expect(noCsrf.statusCode).toBe(403);
    expect((await admin.get(`/reports/yearly/sections/nonsense?${FY}&partnership=${partnershipId}`)).statusCode).toBe(404);

    const db = t.app.deps.database.db;
    const rows = await withTenant(db, [partnershipId], (trx) => trx.selectFrom('yearly_report_sections').select(['version', 'section', 'written_by_name']).where('partnership_id', '=', partnershipId).orderBy('version').execute());
    expect(rows.map((r) => [r.section, r.version])).toEqual([['introduction', 1], ['introduction', 2]]);
    await expect(withTenant(db, [partnershipId], (trx) => trx.updateTable('yearly_report_sections').set({ body: 'Rewritten' }).where('partnership_id', '=', partnershipId).execute())).rejects.toThrow(/never changed/);
    const saved = await withTenant(db, 'all', (trx) => trx.selectFrom('audit_events').select(['changes']).where('action', '=', 'yearly-report-section-saved').where('partnership_id', '=', partnershipId).execute());
    expect(saved).toHaveLength(2);
  });

  it('lets partners’ leads and the Panel read the report but not write it; refuses agencies and other partnerships', async () => {
    const leads = await lead.get(`/reports/yearly?${FY}`);
    expect(leads.statusCode).toBe(200);
    expect(leads.body).not.toContain('/reports/yearly/sections/introduction?');
    expect((await lead.get(section('learning'))).statusCode).toBe(403);
    expect((await lead.post(section('learning'), { version: '0', body: 'A lead writes.' }, { from: `/reports/yearly?${FY}` })).statusCode).toBe(403);

    const choose = await panel.get(`/reports/yearly?${FY}`);
    expect(choose.statusCode).toBe(200);
    expect(choose.body).toContain('name="partnership"');
    expect(choose.body).not.toContain('id="notifications"');
    const panels = await panel.get(`/reports/yearly?${FY}&partnership=${partnershipId}`);
    expect(panels.statusCode).toBe(200);
    expect(textOf(panels.body)).toContain('Yearly SCP');

    expect((await agency.get(`/reports/yearly?${FY}`)).statusCode).toBe(403);
    expect((await agency.get(`/reports/yearly/pdf?${FY}`)).statusCode).toBe(403);
    const elsewhere = await outsider.get(`/reports/yearly?${FY}&partnership=${partnershipId}`);
    expect(elsewhere.statusCode).toBe(422);
    expect(errorSummary(elsewhere.body)).toContain('Choose a partnership from the list');
    expect(elsewhere.body).not.toContain('Yearly SCP');
    expect((await outsider.get(section('introduction'))).statusCode).toBe(404);
    expect((await outsider.get(`/reports/yearly/sections/introduction/versions?${FY}&partnership=${partnershipId}`)).statusCode).toBe(404);
    expect((await outsider.post(section('learning'), { version: '0', body: 'Not mine.' }, { from: '/reports/yearly' })).statusCode).toBe(404);
  });

  it('refuses an empty, unreal, future or over-long period with an error summary, never a 500', async () => {
    const cases: [string, string][] = [
      ['from=', 'Enter the month the report starts'],
      ['from=2024-13', 'must be a real month'],
      ['from=<script>', 'must be a real month'],
      ['from=2999-04', 'must be this month or earlier'],
      ['from=2024-04&to=2025-09', 'the period is too long'],
      ['from=2024-04&to=2024-12', 'A yearly report covers 12 months'],
      ['from-month=&from-year=2024', 'must include a month'],
      [`from=2024-04&partnership=not-a-uuid`, 'Choose a partnership from the list'],
      ['from=2024-04&from=2023-04', 'Give the month the report starts once'],
      [`from=2024-04&partnership=${partnershipId}&partnership=${partnershipId}`, 'Choose one partnership'],
    ];
    for (const [query, message] of cases) {
      const res = await admin.get(`/reports/yearly?${query}`);
      expect(res.statusCode, query).toBe(422);
      expect(errorSummary(res.body), query).toContain(message);
      expect((await admin.get(`/reports/yearly/pdf?${query}`)).statusCode, query).toBe(422);
    }
    const bad = await api('admin', 'from=2024-13');
    expect(bad.statusCode).toBe(422);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.json().errors[0].field).toBe('from');
  });

  it('gives a partnership with no cases an honest empty report, and its PDF', async () => {
    const res = await emptyAdmin.get(`/reports/yearly?${FY}`);
    expect(res.statusCode).toBe(200);
    expect(textOf(res.body)).toContain('No cases, publications or actions have been recorded for this partnership yet, so every figure is zero.');
    const pdf = await emptyAdmin.get(`/reports/yearly/pdf?${FY}`);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
  });

  it('makes a tagged PDF with the figures, the narrative, a contents page and bookmarks', async () => {
    const res = await admin.get(`/reports/yearly/pdf?${FY}&partnership=${partnershipId}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toContain('yearly-report-2024-04.pdf');
    const bytes = res.rawPayload;
    const pdf = await PDFDocument.load(bytes, { updateMetadata: false });
    // Tagged: marked, a structure tree, its language and title shown.
    const markInfo = pdf.context.lookup(pdf.catalog.get(PDFName.of('MarkInfo')));
    expect(markInfo instanceof PDFDict && String(markInfo.get(PDFName.of('Marked')))).toBe('true');
    expect(pdf.catalog.get(PDFName.of('StructTreeRoot'))).toBeTruthy();
    expect((pdf.catalog.get(PDFName.of('Lang')) as PDFString).decodeText()).toBe('en-GB');
    expect(pdf.getTitle()).toBe('Review activity: yearly report April 2024 to March 2025');
    const prefs = pdf.context.lookup(pdf.catalog.get(PDFName.of('ViewerPreferences')));
    expect(prefs instanceof PDFDict && String(prefs.get(PDFName.of('DisplayDocTitle')))).toBe('true');
    const { types, alts } = structureOf(pdf);
    expect(types).toMatchObject({ Document: 1, H1: 1, TOC: 1, TOCI: 9, Sect: 9 });
    expect(types.H2).toBe(10);
    expect(types.Table).toBeGreaterThanOrEqual(6);
    expect(types.TH).toBeGreaterThan(20);
    expect(types.P).toBeGreaterThan(10);
    // The figures: every chart drawn on the page is a figure with its title and description as alternative text.
    expect(alts.length).toBeGreaterThanOrEqual(5);
    expect(alts).toContainEqual(expect.stringContaining('Notifications to the Panel, on time and late. Stacked bars'));
    expect(alts.every((a) => a.length > 20)).toBe(true);
    // Bookmarks for the contents and each part.
    expect(outlineTitles(pdf)).toEqual(['Contents', 'Introduction', 'Notifications to the Panel', 'Rapid reviews', 'Decisions', 'Reviews completed and published', 'Learning themes', 'What we learned', 'Action progress and evidence of impact', 'What we will do next']);
    // The contents list on the first page gives each part's page; the narrative and the figures are in the text.
    const doc = await getDocumentProxy(new Uint8Array(bytes));
    const { text } = await extractText(doc, { mergePages: false });
    expect(text[0]).toMatch(/Introduction\s+2/);
    expect(text[0]).toMatch(/What we will do next\s+\d+/);
    const all = text.join('\n');
    expect(all).toContain('The partnership reviewed three serious incidents in the year.');
    expect(all).toContain('Parallel criminal trial');
    expect(all).toContain('Yearly Police');
    expect(text[text.length - 1]).toContain(`Page ${text.length} of ${text.length}`);
  });

  it('answers other requests while a large document is being made (documents are made off the request thread)', async () => {
    let made = false;
    const rows = Array.from({ length: 30_000 }, (_, i) => [`NM-${i}`, '2024-04-01', i % 90] as const);
    const large = t.app.deps.documents.xlsx([{ name: 'Rows', columns: [{ label: 'Case', type: 'text' }, { label: 'Due by', type: 'date' }, { label: 'Days late', type: 'number' }], rows }]).then(() => {
      made = true;
    });
    // The PDF waits for a worker, or is made beside the workbook; either way, pages are answered meanwhile.
    const pdf = admin.get(`/reports/yearly/pdf?${FY}`);
    const page = await admin.get(`/reports/yearly?${FY}`);
    expect(page.statusCode).toBe(200);
    expect(made).toBe(false);
    await large;
    expect((await pdf).statusCode).toBe(200);
  });

  it('answers a PDF that could not be made with the service’s error page, not a hang', async () => {
    const failing = vi.spyOn(t.app.deps.documents, 'reportPdf').mockRejectedValueOnce(new Error('A document worker stopped before it answered'));
    try {
      const res = await admin.get(`/reports/yearly/pdf?${FY}`);
      expect(res.statusCode).toBe(500);
      expect(res.headers['content-type']).toContain('text/html');
      expect(textOf(res.body)).toContain('Sorry, there is a problem with the service');
      expect(res.body).not.toContain('document worker');
    } finally {
      failing.mockRestore();
    }
    expect((await admin.get(`/reports/yearly/pdf?${FY}`)).statusCode).toBe(200);
  });

  it('offers the figures and the current narrative in the API, to the same people as the figures', async () => {
    const res = await api('admin', FY);
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(r.partnership).toEqual({ id: partnershipId, name: 'Yearly SCP' });
    expect(r.period).toEqual({ from: '2024-04-01', to: '2025-03-31' });
    expect(r.figures.notifications.total).toMatchObject({ total: 3, onTime: 2, late: 1 });
    expect(r.figures.notifications.buckets).toHaveLength(4);
    expect(r.outline.map((p: { id: string }) => p.id)).toContain('actions');
    const intro = r.narrative.find((n: { key: string }) => n.key === 'introduction');
    expect(intro).toMatchObject({ version: 2, text: 'The partnership reviewed three serious incidents in the year.' });
    expect(r.narrative.find((n: { key: string }) => n.key === 'next')).toMatchObject({ text: null, version: null });
    const choose = await api('panel', FY);
    expect(choose.statusCode).toBe(422);
    expect((await api('panel', `${FY}&partnership=${partnershipId}`)).statusCode).toBe(200);
    expect((await api('outsider', `${FY}&partnership=${partnershipId}`)).statusCode).toBe(404);
    const doc = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json', headers: { authorization: `Bearer ${tokens.admin}` } });
    expect(doc.json().paths['/api/v1/reports/yearly'].get.operationId).toBe('getYearlyReport');
    expect(doc.json().components.schemas.YearlyReport).toBeTruthy();
  });
});
