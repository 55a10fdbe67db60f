import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, type TestClient } from '../../../test/support/client.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { addCalendarMonths, todayInLondon } from '../../domain/calendar/date-only.ts';
import { renderReportPdf } from '../../platform/documents/generate-pdf.ts';
import { buildPdfWithOpenActionScript, buildSlowPdf, buildZipBombDocx } from '../../platform/documents/test-fixtures.ts';
import { addPartnership } from '../partnerships/service.ts';

type Fields = Record<string, string | string[]>;

function multipart(fields: Fields, file?: { name: string; type: string; bytes: Buffer }): { payload: Buffer; contentType: string } {
  const boundary = `----cspr${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    for (const one of [v].flat()) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${one}\r\n`));
  }
  if (file) chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`), file.bytes, Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

const textOf = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&#39;|&rsquo;/g, '’').replace(/\s+/g, ' ');

describe.each(ENGINES)('publication administration on %s', (engine) => {
  let t: TestApp;
  let admin: TestClient;
  let otherAdmin: TestClient;
  let lead: TestClient;
  let sysadmin: TestClient;
  let northmoorId: string;
  let report: Buffer;
  const today = todayInLondon(new Date());
  const y = Number(today.slice(0, 4));
  const db = () => t.app.deps.database.db;

  beforeAll(async () => {
    t = await startTestApp(engine);
    const northmoor = await addPartnership(db(), { slug: 'northmoor', name: 'Northmoor Safeguarding Children Partnership' });
    const southdale = await addPartnership(db(), { slug: 'southdale', name: 'Southdale Safeguarding Children Partnership' });
    northmoorId = northmoor.id;
    admin = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: northmoor.id }])).client;
    otherAdmin = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: southdale.id }])).client;
    lead = (await signedInAs(t.app, [{ role: 'partner-lead', partnershipId: northmoor.id }])).client;
    sysadmin = (await signedInAs(t.app, [{ role: 'system-admin', partnershipId: null }])).client;
    report = await renderReportPdf({ title: 'Child L (fictional)', pages: ['Child L was not seen alone.', 'Nobody asked about the lodger.'] });
  }, 60_000);
  afterAll(() => t.close());

  async function upload(client: TestClient, fields: Fields, file?: { name: string; type: string; bytes: Buffer }): Promise<LightMyRequestResponse> {
    const page = await client.get('/publications/import');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    // The token is one of the form's fields, as the browser sends it (never in the address).
    const { payload, contentType } = multipart({ _csrf: token, ...fields }, file);
    const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return client.app.inject({ method: 'POST', url: '/publications/import', headers: { cookie, 'content-type': contentType }, payload });
  }

  const good = (over: Fields = {}): Fields => ({
    title: 'Child L: a serious case review',
    'published_on-day': '14',
    'published_on-month': '3',
    'published_on-year': '2019',
    review_type: 'scr',
    themes: ['neglect', 'voice-of-the-child'],
    summary: 'What happened to Child L, and what agencies learned.',
    ...over,
  });
  const pdf = (bytes: Buffer, name = 'child-l.pdf') => ({ name, type: 'application/pdf', bytes });

  it('lets partnership administrators in, and no one else', async () => {
    expect((await admin.get('/publications')).statusCode).toBe(200);
    expect((await admin.get('/publications/import')).statusCode).toBe(200);
    expect((await lead.get('/publications')).statusCode).toBe(403);
    expect((await lead.get('/publications/import')).statusCode).toBe(403);
    expect((await sysadmin.get('/publications')).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/publications' })).statusCode).toBeGreaterThanOrEqual(300);
    expect((await sysadmin.get('/admin/themes')).statusCode).toBe(200);
    expect((await admin.get('/admin/themes')).statusCode).toBe(403);
  });

  it('shows what is wrong with an import form, keeping the values', async () => {
    const res = await upload(admin, good({ title: '', 'published_on-day': '31', 'published_on-month': '2', review_type: '', summary: '' }));
    expect(res.statusCode).toBe(422);
    const text = textOf(res.body);
    expect(text).toContain('There is a problem');
    for (const message of ['Select the report file', 'Enter the title of the report', 'The date the report was published must be a real date', 'Choose the type of review', 'Enter a summary of the review']) {
      expect(text).toContain(message);
    }
    expect(res.body).toContain('href="#published_on-day"');
    expect(res.body).toMatch(/<input[^>]*value="neglect"[^>]*checked/);
    expect(res.body).toContain('value="2019"');

    const future = await upload(admin, good({ 'published_on-year': String(y + 1) }), pdf(report));
    expect(textOf(future.body)).toContain('The date the report was published must be today or in the past');

    const damaged = await upload(admin, good(), pdf(report.subarray(0, 500), 'damaged.pdf'));
    expect(damaged.statusCode).toBe(422);
    expect(textOf(damaged.body)).toContain('The selected file cannot be imported: the file is damaged or not a PDF');
    const notPdf = await upload(admin, good(), { name: 'notes.txt', type: 'text/plain', bytes: Buffer.from('just text') });
    expect(textOf(notPdf.body)).toContain('The selected file cannot be imported: the file is not a PDF or a Word document (.docx)');
    expect(await db().selectFrom('publications').select('id').execute()).toEqual([]);

    // Not sent as a file upload form.
    expect((await admin.post('/publications/import', { title: 'x' }, { from: '/account/api-tokens' })).statusCode).toBe(415);
  });

  it('imports an uploaded report, lists it, and refuses the same file twice', async () => {
    const res = await upload(admin, good(), pdf(report));
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/publications?imported=1');
    const row = await db().selectFrom('publications').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ slug: '2019-child-l-a-serious-case-review', source: 'import', partnership_id: northmoorId, review_type: 'scr', themes: ['neglect', 'voice-of-the-child'], published_on: '2019-03-14', page_count: 2, file_name: 'child-l.pdf' });
    const audit = await db().selectFrom('audit_events').select(['action', 'record_id']).where('action', '=', 'publication-imported').executeTakeFirstOrThrow();
    expect(audit.record_id).toBe(row.id);

    const list = await admin.get('/publications?imported=1');
    expect(list.body).toContain('The report was imported and is now in the public repository.');
    expect(list.body).toContain('href="/reviews/2019-child-l-a-serious-case-review"');
    expect(textOf(list.body)).toContain('14 March 2019');
    expect(textOf(list.body)).toContain('PDF, 2 pages');
    expect((await otherAdmin.get('/publications')).body).not.toContain('2019-child-l-a-serious-case-review');

    const again = await upload(admin, good({ title: 'Another title' }), pdf(report, 'copy.pdf'));
    expect(again.statusCode).toBe(422);
    expect(textOf(again.body)).toContain('The selected file is already in the repository');
  });

  it('refuses a report that runs JavaScript and a zip bomb Word document, saying why, and imports nothing', async () => {
    const before = await db().selectFrom('publications').select('id').execute();
    const script = await upload(admin, good({ title: 'Scripted' }), pdf(await buildPdfWithOpenActionScript(), 'scripted.pdf'));
    expect(script.statusCode).toBe(422);
    expect(textOf(script.body)).toContain(
      'The selected file cannot be imported: the PDF carries active content (JavaScript) that a reader could run or open by itself: print it to a new PDF (or save it again without scripts, attachments, multimedia or forms), then try again',
    );
    const bomb = await upload(admin, good({ title: 'Bomb' }), { name: 'bomb.docx', type: 'application/octet-stream', bytes: buildZipBombDocx(1024) });
    expect(bomb.statusCode).toBe(422);
    expect(textOf(bomb.body)).toContain('The selected file cannot be imported: the Word document would expand to more than 100 MB when opened');
    expect(await db().selectFrom('publications').select('id').execute()).toEqual(before);
  });

  it('reads uploads off the request thread: other requests are answered while a slow file is read', async () => {
    const slow = buildSlowPdf(2_000_000);
    const finished: string[] = [];
    const importing = upload(admin, good({ title: 'Slow' }), pdf(slow, 'slow.pdf')).then((res) => {
      finished.push('upload');
      return res;
    });
    // Wait until a reader has the file, then ask for a page.
    for (let i = 0; i < 400 && t.app.deps.documents.working === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(t.app.deps.documents.working).toBe(1);
    const page = await t.app.inject({ method: 'GET', url: '/search?q=lodger' });
    finished.push('page');
    expect(page.statusCode).toBe(200);
    const res = await importing;
    expect(finished).toEqual(['page', 'upload']);
    // Slow, but an ordinary file within the limit: imported.
    expect(res.statusCode, textOf(res.body)).toBe(303);
  });

  it('refuses a file that takes longer than the time limit to read, with the reason, keeping nothing', async () => {
    // The same service with a short limit: far too short for the slow file, which takes seconds.
    const short = await startTestApp(engine, { DOCUMENT_READ_LIMIT_MS: '300' });
    try {
      const p = await addPartnership(short.app.deps.database.db, { slug: 'northmoor', name: 'Northmoor Safeguarding Children Partnership' });
      const hurried = (await signedInAs(short.app, [{ role: 'partnership-admin', partnershipId: p.id }])).client;
      const res = await upload(hurried, good({ title: 'Slow' }), pdf(buildSlowPdf(2_000_000), 'slow.pdf'));
      expect(res.statusCode).toBe(422);
      expect(textOf(res.body)).toContain('The selected file cannot be imported: the file took longer than 0.3 seconds to read, so reading it was stopped: it may be damaged or built to be slow to open');
      expect(short.app.deps.documents.working).toBe(0);
      expect(await short.app.deps.database.db.selectFrom('publications').select('id').execute()).toEqual([]);
      const audit = await short.app.deps.database.db.selectFrom('audit_events').select('action').where('action', '=', 'publication-import-refused').execute();
      expect(audit).toHaveLength(1);
    } finally {
      await short.close();
    }
  });

  it('withdraws a report file: a reason is needed within the first year, and only in the partnership', async () => {
    const recent = await renderReportPdf({ title: 'Child K (fictional)', pages: ['Child K was known to the school nurse.'] });
    const month = addCalendarMonths(today, -1);
    const res = await upload(admin, good({ title: 'Child K', 'published_on-day': month.slice(8), 'published_on-month': month.slice(5, 7), 'published_on-year': month.slice(0, 4) }), pdf(recent, 'child-k.pdf'));
    expect(res.statusCode).toBe(303);
    const k = await db().selectFrom('publications').select(['id', 'withdrawable_on']).where('title', '=', 'Child K').executeTakeFirstOrThrow();
    const url = `/publications/${k.id}/withdraw`;

    expect((await otherAdmin.get(url)).statusCode).toBe(404);
    expect((await otherAdmin.post(url, { reason: 'x' }, { from: '/account/api-tokens' })).statusCode).toBe(404);
    expect((await admin.get('/publications/00000000-0000-4000-8000-000000000000/withdraw')).statusCode).toBe(404);

    const page = await admin.get(url);
    expect(textOf(page.body)).toContain('Withdrawing it now breaks the expectation that a published report stays publicly available for at least a year');
    expect(textOf(page.body)).toContain('Tell the Child Safeguarding Practice Review Panel that the report is withdrawn before the year is up');
    const noReason = await admin.post(url, { reason: '' });
    expect(noReason.statusCode).toBe(422);
    expect(textOf(noReason.body)).toContain('give the reason for withdrawing it');
    const done = await admin.post(url, { reason: 'The family asked for it to be taken down.' });
    expect(done.statusCode).toBe(303);
    const row = await db().selectFrom('publications').select(['file_withdrawn_on', 'file_withdrawn_reason', 'file_sha256']).where('id', '=', k.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ file_withdrawn_on: today, file_withdrawn_reason: 'The family asked for it to be taken down.' });
    const audit = await db().selectFrom('audit_events').select(['changes']).where('action', '=', 'publication-file-withdrawn').where('record_id', '=', k.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(audit.changes)).toContain('The family asked for it to be taken down.');
    expect(textOf((await admin.get('/publications')).body)).toContain(`Withdrawn on`);
    expect(textOf((await admin.get(url)).body)).toContain('The report file was withdrawn on');

    // Published more than a year ago: no reason needed.
    const old = await db().selectFrom('publications').select('id').where('title', '=', 'Child L: a serious case review').executeTakeFirstOrThrow();
    const oldPage = await admin.get(`/publications/${old.id}/withdraw`);
    expect(textOf(oldPage.body)).not.toContain('breaks the expectation');
    expect(textOf(oldPage.body)).toContain('Reason for withdrawing it (optional)');
    expect((await admin.post(`/publications/${old.id}/withdraw`, { reason: '' })).statusCode).toBe(303);
  });

  it('lets system administrators add, rename, retire and restore themes', async () => {
    const added = await sysadmin.post('/admin/themes', { label: '  Parental   learning disability ' });
    expect(added.statusCode).toBe(303);
    expect(await db().selectFrom('themes').select(['key', 'label', 'retired']).where('key', '=', 'parental-learning-disability').executeTakeFirst()).toEqual({
      key: 'parental-learning-disability',
      label: 'Parental learning disability',
      retired: false,
    });
    const duplicate = await sysadmin.post('/admin/themes', { label: 'NEGLECT' }, { from: '/admin/themes' });
    expect(duplicate.statusCode).toBe(422);
    expect(textOf(duplicate.body)).toContain('There is already a theme with this name');
    expect((await sysadmin.post('/admin/themes', { label: '' }, { from: '/admin/themes' })).body).toContain('Enter the name of the theme');
    expect((await admin.post('/admin/themes', { label: 'Mine' }, { from: '/account/api-tokens' })).statusCode).toBe(403);

    const renamed = await sysadmin.post('/admin/themes/parental-learning-disability', { label: 'Parents with a learning disability' });
    expect(renamed.statusCode).toBe(303);
    expect((await sysadmin.get('/admin/themes/no-such-theme')).statusCode).toBe(404);
    const themes = await sysadmin.get('/admin/themes');
    expect(textOf(themes.body)).toContain('Parents with a learning disability parental-learning-disability 0');

    expect((await sysadmin.post('/admin/themes/parental-learning-disability/retire', {}, { from: '/admin/themes/parental-learning-disability' })).statusCode).toBe(303);
    expect((await admin.get('/publications/import')).body).not.toContain('value="parental-learning-disability"');
    const refused = await upload(admin, good({ themes: 'parental-learning-disability' }), pdf(report, 'q.pdf'));
    expect(textOf(refused.body)).toContain('Choose themes from the list');
    expect((await sysadmin.post('/admin/themes/parental-learning-disability/restore', {}, { from: '/admin/themes/parental-learning-disability' })).statusCode).toBe(303);
    expect((await admin.get('/publications/import')).body).toContain('value="parental-learning-disability"');
    const actions = (await db().selectFrom('audit_events').select('action').where('record_type', '=', 'theme').orderBy('seq').execute()).map((a) => a.action);
    expect(actions).toEqual(['theme-added', 'theme-reworded', 'theme-retired', 'theme-restored']);
  });

  it('shows a reworded theme on the public pages at once, though the list of themes is kept between pages', async () => {
    const used = await db().selectFrom('publications').select('themes').where(sql<boolean>`jsonb_array_length(themes) > 0`).executeTakeFirstOrThrow();
    const key = (used.themes as string[])[0];
    const before = await db().selectFrom('themes').select('label').where('key', '=', key).executeTakeFirstOrThrow();
    expect(textOf((await admin.get('/search')).body)).toContain(before.label);
    expect((await sysadmin.post(`/admin/themes/${key}`, { label: 'A theme reworded just now' })).statusCode).toBe(303);
    try {
      expect(textOf((await admin.get('/search')).body)).toContain('A theme reworded just now');
    } finally {
      expect((await sysadmin.post(`/admin/themes/${key}`, { label: before.label })).statusCode).toBe(303);
    }
  });
});
