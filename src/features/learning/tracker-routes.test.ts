import ExcelJS from 'exceljs';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, type TestClient } from '../../../test/support/client.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { dateFields, errorSummary as summaryOf, textOf } from '../../../test/support/pages.ts';

const errorSummary = (body: string) => summaryOf(body).replaceAll('&#39;', "'");
import { buildZipBombDocx } from '../../platform/documents/test-fixtures.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { sealField } from '../../platform/crypto/field-encryption.ts';
import { createApiToken } from '../account/service.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import { checkTrackerFile, storeTracker, TrackerRefused } from './tracker-import.ts';
import { addAgency, addPartnership } from '../partnerships/service.ts';
import { createUser } from '../users/service.ts';

function multipart(fields: Record<string, string>, file?: { name: string; type: string; bytes: Buffer }): { payload: Buffer; contentType: string } {
  const boundary = `----cspr${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`), file.bytes, Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

const HEADER = 'review,number,text,agencies,themes,response,reasons,action,owner_agency,lead,due_on,status,evidence';
const CSV = 'text/csv';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * The upload page for a recommendation tracker: a bad row refuses the whole file, with its line in
 * the error summary and the table; a good file is stored and audited; the same file again adds
 * nothing; a person may name only their own partnership's reviews.
 */
describe.each(ENGINES)('importing a recommendation tracker through the page on %s', (engine) => {
  let t: TestApp;
  let admin: TestClient;
  let outsider: TestClient;
  let lead: TestClient;
  let pid: string;
  const db = () => t.app.deps.database.db;

  beforeAll(async () => {
    t = await startTestApp(engine);
    const p = await addPartnership(db(), { slug: 'upload-north', name: 'Upload North SCP' });
    pid = p.id;
    const other = await addPartnership(db(), { slug: 'upload-south', name: 'Upload South SCP' });
    await addAgency(db(), { partnershipId: p.id, name: 'Upload Police', kind: 'police' });
    await addAgency(db(), { partnershipId: p.id, name: 'Upload Academy', kind: 'relevant-agency' });
    admin = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: p.id, agencyId: null }], { name: 'Ula Admin' })).client;
    lead = (await signedInAs(t.app, [{ role: 'partner-lead', partnershipId: p.id, agencyId: null }])).client;
    outsider = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: other.id, agencyId: null }])).client;
    await withTenant(db(), 'all', async (trx) => {
      await trx
        .insertInto('incidents')
        .values({ partnership_id: p.id, reference: 'UN-2025-001', reference_year: 2025, reference_number: 1, state: 'national-review', outcome: 'died', abuse_or_neglect: 'suspected', location: 'in-area', aware_on: '2025-01-06', decision_on: '2025-02-01', clock_rules: '[]' })
        .execute();
      await trx
        .insertInto('publications')
        .values({ partnership_id: p.id, source: 'import', slug: '2015-upload-child-b', title: 'Child B: a serious case review', summary: 'A fictional review.', review_type: 'scr', themes: '[]', published_on: '2015-09-01', withdrawable_on: '2016-09-01' })
        .execute();
      // A case whose review is published: its page shows the case's recommendations as they are imported.
      const published = await trx
        .insertInto('incidents')
        .values({ partnership_id: p.id, reference: 'UN-2024-007', reference_year: 2024, reference_number: 7, state: 'published', outcome: 'died', abuse_or_neglect: 'known', location: 'in-area', aware_on: '2024-01-08', decision_on: '2024-02-01', clock_rules: '[]' })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx.insertInto('incident_children').values({ incident_id: published.id, partnership_id: p.id, position: 1, pseudonym: 'Child K', name_enc: sealField(t.app.deps.cipher, 'Kit Fabricated'), date_of_birth_enc: null, nhs_number_enc: null, address_enc: null, family_names_enc: null, gender: null, age_at_incident: 3, age_band: '1-4' }).execute();
      await trx
        .insertInto('publications')
        .values({ partnership_id: p.id, incident_id: published.id, source: 'review', slug: '2025-upload-child-k', title: 'Child K: a local review', summary: 'A fictional review.', review_type: 'local-cspr', themes: '[]', published_on: '2025-09-01', withdrawable_on: '2026-09-01' })
        .execute();
    });
  }, 60_000);
  afterAll(() => t.close());

  async function upload(client: TestClient, file?: { name: string; type: string; bytes: Buffer }): Promise<LightMyRequestResponse> {
    const page = await client.get('/recommendations/import');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const { payload, contentType } = multipart({ _csrf: token }, file);
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return client.app.inject({ method: 'POST', url: '/recommendations/import', headers: { cookie, 'content-type': contentType }, payload });
  }
  const csv = (name: string, lines: string[]) => ({ name, type: CSV, bytes: Buffer.from(lines.join('\r\n')) });
  const count = async () =>
    withTenant(db(), [pid], async (trx) => ({
      recommendations: Number((await trx.selectFrom('recommendations').select((eb) => eb.fn.countAll().as('n')).where('partnership_id', '=', pid).executeTakeFirstOrThrow()).n),
      actions: Number((await trx.selectFrom('recommendation_actions').select((eb) => eb.fn.countAll().as('n')).where('partnership_id', '=', pid).executeTakeFirstOrThrow()).n),
    }));

  it('shows the page with the columns to the business unit only', async () => {
    const page = await admin.get('/recommendations/import');
    expect(page.statusCode).toBe(200);
    expect(textOf(page.body)).toContain('owner_agency');
    expect((await lead.get('/recommendations/import')).statusCode).toBe(403);
  });

  it('refuses a file with a bad row, saying which line and what is wrong, and imports nothing', async () => {
    const res = await upload(admin, csv('tracker.csv', [
      HEADER,
      'UN-2025-001,1,Share information sooner.,Upload Police,,accepted,,Train call handlers,Upload Police,Pat Lead,2025-06-01,,',
      '2015-upload-child-b,2,Text.,Upload Police,,,,Act,Nobody Agency,Lead,2025-06-01,,',
      'UN-2025-001,3,Text.,Upload Police,,,,Act,Upload Police,Lead,31/02/2026,,',
    ]));
    expect(res.statusCode).toBe(422);
    const summary = errorSummary(res.body);
    expect(summary).toContain('Nothing was imported: 2 rows have problems');
    expect(summary).toContain("Line 3: there is no agency 'Nobody Agency' in the review's partnership");
    expect(summary).toContain("Line 4: the due date '31/02/2026' must be a real date");
    expect(res.body).toContain('id="problems"');
    expect(await count()).toEqual({ recommendations: 0, actions: 0 });
    // A row for a case whose review is published goes on its page at once: a child's name there is refused, by line.
    const named = await upload(admin, csv('tracker.csv', [
      HEADER,
      'UN-2024-007,1,Health visitors should ask who lives in the home.,Upload Police,,accepted,,,,,,,',
      'UN-2024-007,2,Kit Fabricated’s nursery should have been told.,Upload Police,,accepted,,,,,,,',
    ]));
    expect(named.statusCode).toBe(422);
    expect(errorSummary(named.body)).toContain('Line 3: The review is published and its page would show this at once: take out “Kit Fabricated”');
    expect(await count()).toEqual({ recommendations: 0, actions: 0 });
    // Another partnership's business unit cannot name this partnership's reviews.
    const theirs = await upload(outsider, csv('tracker.csv', [HEADER, 'UN-2025-001,1,Text.,Upload Police,,,,,,,,,']));
    expect(errorSummary(theirs.body)).toContain("Line 2: there is no review 'UN-2025-001'");
  });

  it('checks again, as it stores them, the rows of a case whose review was published after the file was checked', async () => {
    const cipher = t.app.deps.cipher;
    const incidentId = await withTenant(db(), 'all', async (trx) => {
      const row = await trx
        .insertInto('incidents')
        .values({ partnership_id: pid, reference: 'UN-2024-009', reference_year: 2024, reference_number: 9, state: 'completed', outcome: 'died', abuse_or_neglect: 'known', location: 'in-area', aware_on: '2024-03-04', decision_on: '2024-04-01', clock_rules: '[]' })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx.insertInto('incident_children').values({ incident_id: row.id, partnership_id: pid, position: 1, pseudonym: 'Child L', name_enc: sealField(cipher, 'Lia Invented'), date_of_birth_enc: null, nhs_number_enc: null, address_enc: null, family_names_enc: null, gender: null, age_at_incident: 2, age_band: '1-4' }).execute();
      return row.id;
    });
    const file = Buffer.from([HEADER, 'UN-2024-009,1,Share records sooner.,Upload Police,,accepted,,,,,,,', 'UN-2024-009,2,Lia Invented’s childminder should have been asked.,Upload Police,,accepted,,,,,,,'].join('\r\n'));
    // Checked while the case's review is not yet published: nothing to check its texts against.
    const checked = await checkTrackerFile(db(), null, [pid], 'tracker.csv', file);
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    // …then the review is published, before the import stores the rows.
    await withTenant(db(), 'all', (trx) =>
      trx.insertInto('publications').values({ partnership_id: pid, incident_id: incidentId, source: 'review', slug: '2026-upload-child-l', title: 'Child L: a local review', summary: 'A fictional review.', review_type: 'local-cspr', themes: '[]', published_on: '2026-09-01', withdrawable_on: '2027-09-01' }).execute(),
    );
    const before = await count();
    const stored = inTransaction(db(), (trx) => storeTracker(trx, cipher, checked, null, 'a tracker (test)', (x, entry) => recordAudit(x, entry)));
    await expect(stored).rejects.toThrow(TrackerRefused);
    const refused = (await stored.catch((err: unknown) => err)) as TrackerRefused;
    expect(refused.problems).toEqual([{ line: 3, message: expect.stringContaining('The review is published and its page would show this at once: take out “Lia Invented”') }]);
    // Nothing of the file was kept: not even its first row, which was fine.
    expect(await count()).toEqual(before);
  });

  it('refuses a missing, empty or wrong file with a specific message, never a 500', async () => {
    expect(errorSummary((await upload(admin)).body)).toContain('Select the tracker file');
    expect(errorSummary((await upload(admin, { name: 'x.csv', type: CSV, bytes: Buffer.alloc(0) })).body)).toContain('The selected file is empty');
    expect(errorSummary((await upload(admin, { name: 'x.pdf', type: 'application/pdf', bytes: Buffer.from('%PDF-1.4') })).body)).toContain('must be a CSV file (.csv) or an Excel workbook (.xlsx)');
    const broken = await upload(admin, { name: 'x.xlsx', type: XLSX, bytes: Buffer.from('PK\u0003\u0004not really a zip') });
    expect(broken.statusCode).toBe(422);
    expect(errorSummary(broken.body)).toContain('The workbook cannot be read');
    expect(errorSummary((await upload(admin, csv('x.csv', ['review,number']))).body)).toContain('The first line must name the columns');
    // A small file that would expand to gigabytes is refused before it is opened.
    const bomb = await upload(admin, { name: 'bomb.xlsx', type: XLSX, bytes: buildZipBombDocx(80) });
    expect(bomb.statusCode).toBe(422);
    expect(errorSummary(bomb.body)).toContain('would expand to more than 50 MB');
  });

  it('imports a workbook with real date cells, audited, and the same file again adds nothing', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Tracker');
    sheet.addRow(HEADER.split(','));
    sheet.addRow(['UN-2025-001', 1, 'Share information sooner.', 'Upload Police; Upload Academy', 'Information sharing', 'Accepted', '', 'Train call handlers', 'Upload Police', 'Pat Lead', new Date(Date.UTC(2026, 5, 30)), 'In progress', '']);
    sheet.addRow(['Child B: a serious case review', 4, 'See the child alone.', 'Upload Academy', '', 'Not accepted', 'Already done.', 'Check the register', 'Upload Academy', 'Jo Lead', new Date(Date.UTC(2016, 0, 31)), 'Completed', 'Register audit, 2016']);
    const file = { name: 'tracker.xlsx', type: XLSX, bytes: Buffer.from(await workbook.xlsx.writeBuffer()) };
    const res = await upload(admin, file);
    expect(res.statusCode, errorSummary(res.body)).toBe(200);
    const text = textOf(res.body);
    expect(text).toContain('Tracker imported');
    expect(text).toContain('2 recommendations and 2 actions added');
    expect(await count()).toEqual({ recommendations: 2, actions: 2 });
    const rows = await withTenant(db(), [pid], (trx) =>
      trx.selectFrom('recommendation_actions').select(['id', 'due_on', 'status', 'completion_imported']).where('partnership_id', '=', pid).orderBy('due_on').execute(),
    );
    expect(rows.map((r) => [String(r.due_on).slice(0, 10), r.status])).toEqual([['2016-01-31', 'completed'], ['2026-06-30', 'in-progress']]);
    // A row completed in the tracker keeps its status, marked as brought in: the tracker is its record, no file came with it.
    expect(rows.map((r) => r.completion_imported)).toEqual([true, false]);
    expect(textOf((await admin.get(`/actions/${rows[0].id}`)).body)).toContain('This action was brought in from the partnership’s tracker as completed');
    const audited = await db().selectFrom('audit_events').select('action').where('partnership_id', '=', pid).where('action', 'in', ['recommendation-added', 'action-added', 'recommendations-imported']).execute();
    expect(audited.map((a) => a.action).sort()).toEqual(['action-added', 'action-added', 'recommendation-added', 'recommendation-added', 'recommendations-imported']);
    // The action still to do is the owning agency's task; the completed one is not.
    const tasks = await withTenant(db(), [pid], (trx) => trx.selectFrom('tasks').select(['kind', 'due_on']).where('partnership_id', '=', pid).where('kind', '=', 'action-assigned').execute());
    expect(tasks.map((x) => String(x.due_on).slice(0, 10))).toEqual(['2026-06-30']);

    const again = await upload(admin, file);
    expect(again.statusCode).toBe(200);
    expect(textOf(again.body)).toContain('0 recommendations and 0 actions added');
    expect(await count()).toEqual({ recommendations: 2, actions: 2 });

    // Published with the serious case review's public page, with its status; on the national review's case page.
    const publicPage = textOf((await outsider.get('/reviews/2015-upload-child-b')).body);
    expect(publicPage).toContain('See the child alone.');
    expect(publicPage).toContain('Not accepted');
    const casePage = await lead.get(`/cases/${(await withTenant(db(), [pid], (trx) => trx.selectFrom('incidents').select('id').where('reference', '=', 'UN-2025-001').executeTakeFirstOrThrow())).id}/review/recommendations`);
    expect(casePage.statusCode).toBe(200);
    expect(textOf(casePage.body)).toContain('National review');
    expect(textOf(casePage.body)).toContain('Share information sooner.');
  });

  it('lets the business unit record recommendations and actions on a published review no case holds, published with its status', async () => {
    const pub = await db().selectFrom('publications').select('id').where('slug', '=', '2015-upload-child-b').executeTakeFirstOrThrow();
    const base = `/publications/${pub.id}/recommendations`;
    const police = await db().selectFrom('agencies').select('id').where('name', '=', 'Upload Police').executeTakeFirstOrThrow();
    expect((await outsider.get(base)).statusCode).toBe(404);
    expect((await lead.get(base)).statusCode).toBe(200);
    expect((await lead.get(`${base}/new`)).statusCode).toBe(403);
    expect((await admin.get('/publications')).body).toContain(`href="${base}"`);

    const form = { number: '7', text: 'Ask about men in the household.', ...dateFields('madeOn', '2015-09-01'), agencyIds: police.id, response: 'accepted', responseReasons: '' };
    const bad = await admin.post(`${base}/new`, { ...form, response: 'not-accepted' });
    expect(bad.statusCode).toBe(422);
    expect(errorSummary(bad.body)).toContain('Say why the recommendation is not accepted');
    const added = await admin.post(`${base}/new`, form);
    expect(added.statusCode, errorSummary(added.body)).toBe(303);
    const twice = await admin.post(`${base}/new`, form);
    expect(errorSummary(twice.body)).toContain('already has a recommendation with that number');
    const list = await admin.get(base);
    expect(textOf(list.body)).toContain('Ask about men in the household.');
    const recId = /\/recommendations\/([0-9a-f-]{36})\/edit/.exec(list.body.split('Ask about men')[1])?.[1] ?? '';
    const taken = await admin.post(`${base}/${recId}/edit`, { ...form, number: '4', version: '1' });
    expect(errorSummary(taken.body)).toContain('already has a recommendation with that number');
    const early = await admin.post(`${base}/${recId}/actions/new`, { agencyId: police.id, leadName: 'Kim Lead', ...dateFields('dueOn', '2015-01-01'), intendedChange: 'Ask at every visit.', measureOfSuccess: 'Case audit.' });
    expect(errorSummary(early.body)).toContain('The due date cannot be before the date of the recommendation');
    const action = await admin.post(`${base}/${recId}/actions/new`, { agencyId: police.id, leadName: 'Kim Lead', ...dateFields('dueOn', '2030-01-01'), intendedChange: 'Ask at every visit.', measureOfSuccess: 'Case audit.' });
    expect(action.statusCode, errorSummary(action.body)).toBe(303);
    const publicPage = textOf((await outsider.get('/reviews/2015-upload-child-b')).body);
    expect(publicPage).toContain('Ask about men in the household.');
    expect(publicPage).toContain('In progress: 0 of 1 action completed');
    expect(publicPage).not.toContain('Kim Lead');
  });

  it('offers a published review’s recommendations in the JSON API, checked as on the page', async () => {
    const pub = await db().selectFrom('publications').select('id').where('slug', '=', '2015-upload-child-b').executeTakeFirstOrThrow();
    const police = await db().selectFrom('agencies').select('id').where('name', '=', 'Upload Police').executeTakeFirstOrThrow();
    const tokenOf = async (email: string, grant: { role: 'partnership-admin' | 'partner-lead'; partnershipId: string }, scope: 'read' | 'write') => {
      const user = await createUser(db(), { email, name: email, password: 'correct horse battery staple 42', grants: [{ ...grant, agencyId: null }] });
      return (await createApiToken(db(), user.id, { name: 'test', scope })).token;
    };
    const write = await tokenOf('api-tracker-admin@example.org', { role: 'partnership-admin', partnershipId: pid }, 'write');
    const other = await db().selectFrom('partnerships').select('id').where('slug', '=', 'upload-south').executeTakeFirstOrThrow();
    const outsiderToken = await tokenOf('api-tracker-outsider@example.org', { role: 'partnership-admin', partnershipId: other.id }, 'write');
    const call = (token: string, method: 'GET' | 'POST', payload?: unknown) =>
      t.app.inject({ method, url: `/api/v1/publications/${pub.id}/recommendations`, headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) }, payload: payload ? JSON.stringify(payload) : undefined });
    const list = await call(write, 'GET');
    expect(list.statusCode).toBe(200);
    const recs = (list.json() as { recommendations: { number: string; publicationId: string; incidentId: string | null }[] }).recommendations;
    expect(recs.map((r) => r.number)).toEqual(['4', '7']);
    expect(recs.every((r) => r.publicationId === pub.id && r.incidentId === null)).toBe(true);
    expect((await call(outsiderToken, 'GET')).statusCode).toBe(404);
    const bad = await call(write, 'POST', { number: '8', text: 'Text.', madeOn: '2015-09-01', agencyIds: [police.id], response: 'accepted-in-part' });
    expect(bad.statusCode).toBe(422);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    const added = await call(write, 'POST', { number: '8', text: 'Visit unannounced.', madeOn: '2015-09-01', agencyIds: [police.id], response: 'accepted' });
    expect(added.statusCode, added.body).toBe(201);
    const recId = (added.json() as { id: string }).id;
    const action = await t.app.inject({
      method: 'POST',
      url: `/api/v1/recommendations/${recId}/actions`,
      headers: { authorization: `Bearer ${write}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ agencyId: police.id, leadName: 'Kim Lead', dueOn: '2030-01-01', intendedChange: 'Unannounced visits.', measureOfSuccess: 'Audit.' }),
    });
    expect(action.statusCode, action.body).toBe(201);
  });

  it('adds an action to a published case’s recommendation already there, leaving its text as the page shows it', async () => {
    // Published before its learning was checked: the recommendation names the child.
    await withTenant(db(), [pid], async (trx) => {
      const incident = await trx.selectFrom('incidents').select('id').where('reference', '=', 'UN-2024-007').executeTakeFirstOrThrow();
      await trx.insertInto('recommendations').values({ partnership_id: pid, incident_id: incident.id, number: '9', text: 'Kit Fabricated’s nursery should have been told.', made_on: '2024-06-01', themes: '[]', agency_ids: '[]', response: 'accepted' }).execute();
    });
    const before = await count();
    const res = await upload(admin, csv('tracker.csv', [HEADER, 'UN-2024-007,9,Kit Fabricated’s nursery should have been told.,Upload Police,,accepted,,Tell nurseries of police call-outs,Upload Police,Pat Lead,2027-03-31,,']));
    expect(res.statusCode, errorSummary(res.body)).toBe(200);
    expect(textOf(res.body)).toContain('0 recommendations and 1 action added');
    expect(await count()).toEqual({ recommendations: before.recommendations, actions: before.actions + 1 });
  });

  it('imports one file naming two partnerships’ reviews, checking the published case’s new row in its own partnership', async () => {
    const south = await db().selectFrom('partnerships').select('id').where('slug', '=', 'upload-south').executeTakeFirstOrThrow();
    await addAgency(db(), { partnershipId: south.id, name: 'South Police', kind: 'police' });
    await withTenant(db(), 'all', (trx) =>
      trx
        .insertInto('incidents')
        .values({ partnership_id: south.id, reference: 'US-2025-001', reference_year: 2025, reference_number: 1, state: 'national-review', outcome: 'died', abuse_or_neglect: 'suspected', location: 'in-area', aware_on: '2025-01-06', decision_on: '2025-02-01', clock_rules: '[]' })
        .execute(),
    );
    // A business unit serving both partnerships.
    const both = (
      await signedInAs(t.app, [
        { role: 'partnership-admin', partnershipId: pid, agencyId: null },
        { role: 'partnership-admin', partnershipId: south.id, agencyId: null },
      ])
    ).client;
    const before = await count();
    const named = await upload(both, csv('tracker.csv', [HEADER, 'US-2025-001,1,Share records sooner.,South Police,,accepted,,,,,,,', 'UN-2024-007,7,Kit Fabricated’s nursery should have been told.,Upload Police,,accepted,,,,,,,']));
    expect(named.statusCode).toBe(422);
    expect(errorSummary(named.body)).toContain('Line 3: The review is published and its page would show this at once: take out “Kit Fabricated”');
    const res = await upload(both, csv('tracker.csv', [HEADER, 'US-2025-001,1,Share records sooner.,South Police,,accepted,,,,,,,', 'UN-2024-007,7,Health visitors should see where the child sleeps.,Upload Police,,accepted,,,,,,,']));
    expect(res.statusCode, errorSummary(res.body)).toBe(200);
    expect(textOf(res.body)).toContain('2 recommendations and 0 actions added');
    expect(await count()).toEqual({ recommendations: before.recommendations + 1, actions: before.actions });
  });
});
