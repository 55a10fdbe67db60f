import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, TestClient } from '../../../test/support/client.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { computeDeadlines } from '../../domain/clocks/deadlines.ts';
import { addPartnership } from '../partnerships/service.ts';
import { currentCalendar, currentRules, listHolidays } from './service.ts';
import { UPLOAD_LIMIT_BYTES } from './routes.ts';

/** The fields of the "Add a new version" form for rapid-review, as pre-filled, with changes. */
function rapidReviewForm(changes: Record<string, string> = {}): Record<string, string> {
  return {
    title: 'Send the rapid review to the Panel',
    length: '15',
    unit: 'working-days',
    direction: 'after',
    runsFrom: 'notified',
    recipients: 'Child Safeguarding Practice Review Panel',
    guidance: 'Working Together to Safeguard Children 2023 ch.5',
    appliesFrom: '2027-01-04',
    appliesUntil: '',
    condition: 'always',
    statutory: 'no',
    mayPause: 'no',
    ...changes,
  };
}

function govUkFile(events: { title: string; date: string }[]): string {
  return JSON.stringify({ 'england-and-wales': { division: 'england-and-wales', events: events.map((e) => ({ ...e, notes: '', bunting: true })) } });
}

/** Decodes the few entities the templates produce, to compare text. */
const text = (html: string) => html.replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&');

describe.each(ENGINES)('clock rules and bank holidays administration on %s', (engine) => {
  let t: TestApp;
  let sysadmin: TestClient;
  let partnershipAdmin: TestClient;

  beforeAll(async () => {
    t = await startTestApp(engine);
    const northmoor = await addPartnership(t.app.deps.database.db, { slug: 'northmoor', name: 'Northmoor Safeguarding Children Partnership' });
    sysadmin = (await signedInAs(t.app, [{ role: 'system-admin' }], { name: 'Sam System' })).client;
    partnershipAdmin = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: northmoor.id }])).client;
  });
  afterAll(async () => t.close());

  const db = () => t.app.deps.database.db;
  const audits = (action: string) => db().selectFrom('audit_events').selectAll().where('action', '=', action).orderBy('seq').execute();

  /** Posts a multipart form (a file upload) as a browser does, the CSRF token in the address. */
  async function upload(client: TestClient, content: string | Buffer, options: { filename?: string; csrf?: string | null } = {}): Promise<LightMyRequestResponse> {
    const token = options.csrf === null ? null : (options.csrf ?? (await client.csrfFrom('/admin/bank-holidays')));
    const boundary = `----cspr${randomUUID().replaceAll('-', '')}`;
    const payload = Buffer.concat([
      // The token is one of the form's fields, as the browser sends it (never in the address).
      Buffer.from(token ? `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n` : ''),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${options.filename ?? 'bank-holidays.json'}"\r\nContent-Type: application/json\r\n\r\n`),
      Buffer.isBuffer(content) ? content : Buffer.from(content),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/bank-holidays/import',
      headers: { cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    return res;
  }

  it('the administration index links to both pages for system administrators only', async () => {
    const sys = await sysadmin.get('/admin');
    expect(sys.body).toContain('<a class="govuk-link" href="/admin/clock-rules">Statutory clock rules</a>');
    expect(sys.body).toContain('<a class="govuk-link" href="/admin/bank-holidays">Bank holidays</a>');
    const pa = await partnershipAdmin.get('/admin');
    expect(pa.statusCode).toBe(200);
    expect(pa.body).not.toContain('href="/admin/clock-rules"');
    expect(pa.body).not.toContain('href="/admin/bank-holidays"');
  });

  it('refuses partnership administrators (403, audited) and sends anonymous people to sign in', async () => {
    for (const url of ['/admin/clock-rules', '/admin/clock-rules/rapid-review', '/admin/clock-rules/rapid-review/new-version', '/admin/bank-holidays', '/admin/bank-holidays/2026-12-25/remove']) {
      const res = await partnershipAdmin.get(url);
      expect(res.statusCode, url).toBe(403);
      expect(res.body).toContain('You do not have permission to see this page or do this.');
    }
    const csrf = await partnershipAdmin.csrfFrom('/account/api-tokens');
    const posts: [string, Record<string, string>][] = [
      ['/admin/clock-rules/rapid-review/new-version', rapidReviewForm({ length: '30' })],
      ['/admin/bank-holidays', { 'date-day': '5', 'date-month': '1', 'date-year': '2032', title: 'Sneaky' }],
      ['/admin/bank-holidays/import', { json: govUkFile([{ title: 'Sneaky', date: '2032-01-05' }]) }],
      ['/admin/bank-holidays/2026-12-25/remove', { reason: 'no' }],
    ];
    for (const [url, fields] of posts) {
      const res = await partnershipAdmin.post(url, fields, { csrf });
      expect(res.statusCode, url).toBe(403);
    }
    expect((await upload(partnershipAdmin, govUkFile([{ title: 'Sneaky', date: '2032-01-05' }]), { csrf })).statusCode).toBe(403);
    expect(await listHolidays(db(), 2032)).toEqual([]);
    expect((await db().selectFrom('clock_rules').select('version').where('key', '=', 'rapid-review').execute()).length).toBe(1);
    expect((await listHolidays(db(), 2026)).some((h) => h.date === '2026-12-25')).toBe(true);
    const refused = await audits('access-refused');
    for (const route of ['GET /admin/clock-rules', 'POST /admin/clock-rules/:key/new-version', 'POST /admin/bank-holidays/import']) {
      expect(refused.some((r) => r.record_id === route && r.outcome === 'refused'), route).toBe(true);
    }
    const anonymous = await new TestClient(t.app).get('/admin/bank-holidays');
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe('/sign-in?next=%2Fadmin%2Fbank-holidays');
  });

  it('lists the clocks in force, each linking to its versions', async () => {
    const res = await sysadmin.get('/admin/clock-rules');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<h1 class="govuk-heading-l">Statutory clock rules</h1>');
    expect(res.body).toContain('<a class="govuk-link" href="/admin/clock-rules/panel-notification">Notify the Child Safeguarding Practice Review Panel</a>');
    expect(res.body).toContain('5 working days after the local authority became aware');
    expect(res.body).toContain('6 calendar months after the decision to hold a local review');
    expect(res.body).toContain('7 working days before publication');
    expect(res.body).toContain('Version 2 (2 versions)');
    expect(res.body).toContain('Not statutory');

    const ofsted = await sysadmin.get('/admin/clock-rules/ofsted-sos-notification');
    expect(ofsted.statusCode).toBe(200);
    expect(ofsted.body).toContain('Version 2 (latest)');
    expect(ofsted.body).toContain('Version 1</h2>');
    expect(ofsted.body).toContain('14 December 2023');
    expect(ofsted.body).toContain('Only the death of a looked-after child or a care leaver (up to and including age 24)');
    expect(ofsted.body).toContain('href="/admin/clock-rules/ofsted-sos-notification/new-version"');

    expect((await sysadmin.get('/admin/clock-rules/no-such-clock')).statusCode).toBe(404);
    expect((await sysadmin.get('/admin/clock-rules/no-such-clock/new-version')).statusCode).toBe(404);
    expect((await sysadmin.get('/admin/clock-rules/Not%20A%20Key')).statusCode).toBe(404);
  });

  it('pre-fills the new version form from the current version', async () => {
    const res = await sysadmin.get('/admin/clock-rules/rapid-review/new-version');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<h1 class="govuk-heading-l">Add version 2</h1>');
    expect(res.body).toMatch(/id="title" name="title" type="text"[^>]* value="Send the rapid review to the Panel"/);
    expect(res.body).toMatch(/id="length" name="length" type="text"[^>]* value="15"/);
    expect(res.body).toMatch(/value="notified" checked/);
    expect(res.body).toMatch(/value="working-days" checked/);
    expect(res.body).toMatch(/value="no" checked/);
    expect(res.body).toContain('>Child Safeguarding Practice Review Panel</textarea>');
    expect(res.body).toMatch(/id="appliesFrom" name="appliesFrom" type="text"[^>]* value=""/);
  });

  it('re-shows the form with the domain validators’ messages, each linked to its field (422), and stores nothing', async () => {
    const res = await sysadmin.post('/admin/clock-rules/rapid-review/new-version', rapidReviewForm({ length: 'twenty', direction: 'before', appliesFrom: '2027-02-30', title: 'Kept <b>as typed</b>' }));
    expect(res.statusCode).toBe(422);
    expect(res.body).toContain('<title>Error: Add a new version: Send the rapid review to the Panel – CSPR Hub</title>');
    const body = text(res.body);
    expect(body).toContain('<a href="#length">Length must be a whole number, 1 or more.</a>');
    expect(body).toContain('<a href="#direction">Only clocks that run from the publication date can count before it; the other start dates are recorded after the event.</a>');
    expect(body).toContain('<a href="#appliesFrom">Applies from must be a real date as YYYY-MM-DD, or empty.</a>');
    expect(res.body).toContain('value="twenty"');
    expect(res.body).toContain('value="Kept &lt;b&gt;as typed&lt;/b&gt;"');
    expect(res.body).not.toContain('<b>as typed</b>');

    const noDate = await sysadmin.post('/admin/clock-rules/rapid-review/new-version', rapidReviewForm({ appliesFrom: '' }));
    expect(noDate.statusCode).toBe(422);
    expect(noDate.body).toContain('<a href="#appliesFrom">Enter the date this version applies from: it replaces version 1 for cases the local authority became aware of on or after that date.</a>');
    expect((await db().selectFrom('clock_rules').select('version').where('key', '=', 'rapid-review').execute()).length).toBe(1);
  });

  it('adds a new version, audited, shown on the rule page, and currentRules changes at once', async () => {
    const before = await currentRules(db()); // primes the cache
    expect(before.filter((r) => r.key === 'rapid-review')).toHaveLength(1);
    const res = await sysadmin.post('/admin/clock-rules/rapid-review/new-version', rapidReviewForm({ length: '20', recipients: 'Child Safeguarding Practice Review Panel\r\n\r\nOfsted\r\n' }));
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/clock-rules/rapid-review?added=1');

    const after = await currentRules(db());
    const rr = after.filter((r) => r.key === 'rapid-review');
    expect(rr.map((r) => [r.version, r.length, r.appliesFrom, r.appliesUntil])).toEqual([[1, 15, null, '2027-01-03'], [2, 20, '2027-01-04', null]]);
    expect(rr[1].recipients).toEqual(['Child Safeguarding Practice Review Panel', 'Ofsted']);
    const due = computeDeadlines({ aware: '2027-01-04', notified: '2027-01-04' }, after, await currentCalendar(db())).find((d) => d.key === 'rapid-review');
    expect(due).toMatchObject({ version: 2, dueOn: '2027-02-01' });

    const page = await sysadmin.get(res.headers.location as string);
    expect(page.body).toContain('New version added.');
    expect(page.body).toContain('Version 2 (latest)');
    expect(page.body).toContain('20 working days after the Panel was notified');
    expect(page.body).toContain('Replaced by version 2 for cases the local authority became aware of after 3 January 2027.');
    expect(page.body).toContain('by Sam System');

    const [audit] = await audits('clock-rule-version-added');
    expect(audit).toMatchObject({ record_type: 'clock-rule', record_id: 'rapid-review v2', actor_role: 'system-admin', partnership_id: null, outcome: 'allowed' });
    expect(audit.changes).toMatchObject({ before: { key: 'rapid-review', version: 1, length: 15 }, after: { key: 'rapid-review', version: 2, length: 20, appliesFrom: '2027-01-04' } });
  });

  it('lists bank holidays by year with a year switcher', async () => {
    const res = await sysadmin.get('/admin/bank-holidays?year=2024');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<h2 class="govuk-heading-m">2024</h2>');
    expect(res.body).toContain('Wednesday 25 December 2024');
    expect(res.body).toContain('Shipped with CSPR Hub');
    expect(res.body).toContain('href="/admin/bank-holidays?year=2024" aria-current="page"');
    for (const y of [2018, 2027]) expect(res.body).toContain(`href="/admin/bank-holidays?year=${y}"`);
    expect(res.body).toContain('action="/admin/bank-holidays/import" enctype="multipart/form-data"');
    expect(res.body).not.toContain('_csrf=');
    expect(res.body).toContain('enctype="multipart/form-data"');

    const thisYear = await sysadmin.get('/admin/bank-holidays');
    expect(thisYear.body).toContain('<h2 class="govuk-heading-m">2026</h2>');
    const provisional = await sysadmin.get('/admin/bank-holidays?year=2027');
    expect(provisional.body).toContain('The 2027 dates are provisional');
    const empty = await sysadmin.get('/admin/bank-holidays?year=2035');
    expect(empty.body).toContain('No bank holidays are held for 2035.');
    const junk = await sysadmin.get('/admin/bank-holidays?year=%3Cscript%3E');
    expect(junk.statusCode).toBe(200);
    expect(junk.body).toContain('<h2 class="govuk-heading-m">2026</h2>');
  });

  it('adds one bank holiday, with errors re-shown for bad input', async () => {
    const bad = await sysadmin.post('/admin/bank-holidays', { 'date-day': '31', 'date-month': '2', 'date-year': '2031', title: '' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('<a href="#date-day">Enter the date of the bank holiday as a real date</a>');
    expect(bad.body).toContain('<a href="#title">Enter the name of the bank holiday, like Christmas Day</a>');
    expect(bad.body).toMatch(/name="date-day" type="text"[^>]* value="31"/);
    const weekend = await sysadmin.post('/admin/bank-holidays', { 'date-day': '3', 'date-month': '5', 'date-year': '2031', title: 'Oops' });
    expect(weekend.statusCode).toBe(422);
    expect(weekend.body).toContain('3 May 2031 is a weekend day');

    const res = await sysadmin.post('/admin/bank-holidays', { 'date-day': '5', 'date-month': '5', 'date-year': '2031', title: 'Early May bank holiday' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/bank-holidays?year=2031&added=1');
    const page = await sysadmin.get(res.headers.location as string);
    expect(page.body).toContain('Bank holiday added.');
    expect(page.body).toContain('Monday 5 May 2031');
    expect(page.body).toContain('Added by an administrator (Sam System)');
    expect((await currentCalendar(db())).isHoliday('2031-05-05')).toBe(true);
    const [audit] = await audits('bank-holiday-added');
    expect(audit).toMatchObject({ record_type: 'bank-holiday', record_id: '2031-05-05', actor_role: 'system-admin' });
    expect(audit.changes).toEqual({ after: { date: '2031-05-05', title: 'Early May bank holiday', source: 'admin' } });

    const duplicate = await sysadmin.post('/admin/bank-holidays', { 'date-day': '05', 'date-month': '05', 'date-year': '2031', title: 'Again' });
    expect(duplicate.statusCode).toBe(422);
    expect(duplicate.body).toContain('5 May 2031 is already a bank holiday (Early May bank holiday)');
  });

  it('removes a future holiday with a confirmation, and a past one only with a reason (audited)', async () => {
    const confirm = await sysadmin.get('/admin/bank-holidays/2031-05-05/remove');
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('Remove Early May bank holiday, 5 May 2031?');
    expect(confirm.body).toContain('Reason (optional)');
    const future = await sysadmin.post('/admin/bank-holidays/2031-05-05/remove', {});
    expect(future.statusCode).toBe(303);
    expect(future.headers.location).toBe('/admin/bank-holidays?year=2031&removed=1');
    expect(await listHolidays(db(), 2031)).toEqual([]);

    const pastPage = await sysadmin.get('/admin/bank-holidays/2024-05-27/remove');
    expect(pastPage.body).toContain('This date is today or has passed.');
    const noReason = await sysadmin.post('/admin/bank-holidays/2024-05-27/remove', { reason: '  ' });
    expect(noReason.statusCode).toBe(422);
    expect(noReason.body).toContain('<a href="#reason">Give the reason for removing a bank holiday that is today or has passed');
    expect((await listHolidays(db(), 2024)).some((h) => h.date === '2024-05-27')).toBe(true);
    const withReason = await sysadmin.post('/admin/bank-holidays/2024-05-27/remove', { reason: 'Testing the audit trail' });
    expect(withReason.statusCode).toBe(303);
    expect((await listHolidays(db(), 2024)).some((h) => h.date === '2024-05-27')).toBe(false);
    const removed = await audits('bank-holiday-removed');
    expect(removed.map((a) => a.changes)).toEqual([
      { before: { date: '2031-05-05', title: 'Early May bank holiday', source: 'admin' }, after: null },
      { before: { date: '2024-05-27', title: 'Spring bank holiday', source: 'shipped' }, after: null, reason: 'Testing the audit trail' },
    ]);
    expect((await sysadmin.get('/admin/bank-holidays/2024-05-27/remove')).statusCode).toBe(404);
    expect((await sysadmin.get('/admin/bank-holidays/not-a-date/remove')).statusCode).toBe(404);
  });

  it('imports pasted JSON: adds what is missing and says how many were already there', async () => {
    const file = govUkFile([
      { title: 'Christmas Day', date: '2027-12-27' },
      { title: 'Boxing Day', date: '2027-12-28' },
      { title: 'New Year’s Day', date: '2028-01-03' },
      { title: 'Good Friday', date: '2028-04-14' },
    ]);
    const res = await sysadmin.post('/admin/bank-holidays/import', { json: file }, { from: '/admin/bank-holidays' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Bank holidays loaded');
    expect(res.body).toContain('2 dates added');
    expect(res.body).toContain('2 were already held');
    expect(res.body).toContain('<li>3 January 2028</li>');
    expect(res.body).toContain('href="/admin/bank-holidays?year=2028"');
    expect((await listHolidays(db(), 2028)).map((h) => [h.date, h.source])).toEqual([['2028-01-03', 'gov-uk-file'], ['2028-04-14', 'gov-uk-file']]);
    expect((await currentCalendar(db())).isHoliday('2028-04-14')).toBe(true);
    const [audit] = await audits('bank-holidays-imported');
    expect(audit).toMatchObject({ record_type: 'bank-holidays', record_id: '2027-12-27..2028-04-14', actor_role: 'system-admin' });
    expect(audit.changes).toEqual({ after: { added: ['2028-01-03', '2028-04-14'], alreadyThere: 2, from: 'pasted text' } });
  });

  it('refuses a bad pasted file with its specific message, adding nothing, and keeps what was pasted', async () => {
    const bad = govUkFile([
      { title: 'New Year’s Day', date: '2029-01-01' },
      { title: 'Good Friday', date: '30/03/2029' },
    ]);
    const res = await sysadmin.post('/admin/bank-holidays/import', { json: bad }, { from: '/admin/bank-holidays' });
    expect(res.statusCode).toBe(422);
    expect(text(res.body)).toContain('<a href="#json">England and Wales event 2 ("Good Friday") has an invalid date "30/03/2029"; expected a real date as YYYY-MM-DD.</a>');
    expect(res.body).toMatch(/<textarea [^>]*id="json"[^>]*>[^<]*&quot;30\/03\/2029&quot;[^<]*<\/textarea>/);
    expect(await listHolidays(db(), 2029)).toEqual([]);
    const empty = await sysadmin.post('/admin/bank-holidays/import', { json: '  ' }, { from: '/admin/bank-holidays' });
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toContain('Paste the contents of the GOV.UK bank-holidays.json file');
    const notJson = await sysadmin.post('/admin/bank-holidays/import', { json: '<html>' }, { from: '/admin/bank-holidays' });
    expect(notJson.body).toContain('Bank holidays file is not valid JSON.');
    expect(await audits('bank-holidays-imported')).toHaveLength(1);
  });

  it('imports an uploaded file, the CSRF token carried in the address', async () => {
    const file = govUkFile([{ title: 'Early May bank holiday', date: '2029-05-07' }, { title: 'Spring bank holiday', date: '2029-05-28' }]);
    const res = await upload(sysadmin, file);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('2 dates added');
    expect((await listHolidays(db(), 2029)).map((h) => h.date)).toEqual(['2029-05-07', '2029-05-28']);
    const audit = (await audits('bank-holidays-imported')).at(-1);
    expect(audit?.changes).toEqual({ after: { added: ['2029-05-07', '2029-05-28'], alreadyThere: 0, from: 'uploaded file' } });

    const again = await upload(sysadmin, file);
    expect(again.body).toContain('0 dates added');
    expect(again.body).toContain('2 were already held');
  });

  it('refuses an upload without a CSRF token, an empty or oversized file, and a bad file, adding nothing', async () => {
    const file = govUkFile([{ title: 'Summer bank holiday', date: '2029-08-27' }]);
    const forged = await upload(sysadmin, file, { csrf: null });
    expect(forged.statusCode).toBe(403);
    const wrong = await upload(sysadmin, file, { csrf: 'not-the-token' });
    expect(wrong.statusCode).toBe(403);
    // A good token in the address instead of the form is not taken: it would sit in history and logs.
    const token = await sysadmin.csrfFrom('/admin/bank-holidays');
    const boundary = '----csprtokeninaddress';
    const inAddress = await t.app.inject({
      method: 'POST',
      url: `/admin/bank-holidays/import?_csrf=${encodeURIComponent(token)}`,
      headers: { cookie: [...sysadmin.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bank-holidays.json"\r\nContent-Type: application/json\r\n\r\n${file}\r\n--${boundary}--\r\n`),
    });
    expect(inAddress.statusCode).toBe(403);

    const none = await upload(sysadmin, '', { filename: '' });
    expect(none.statusCode).toBe(422);
    expect(none.body).toContain('<a href="#file">Choose the bank-holidays.json file to upload</a>');

    const huge = await upload(sysadmin, Buffer.alloc(UPLOAD_LIMIT_BYTES + 1, 0x20));
    expect(huge.statusCode).toBe(413);
    expect(huge.body).toContain('The file must be 512 KB or smaller');

    const bad = await upload(sysadmin, govUkFile([{ title: 'Summer bank holiday', date: '2029-08-27' }, { title: '', date: '2029-12-25' }]));
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('<a href="#file">England and Wales event 2 has no title.</a>');
    expect((await listHolidays(db(), 2029)).map((h) => h.date)).not.toContain('2029-08-27');

    // Only this page takes uploads: elsewhere a multipart body is refused before anything runs.
    const elsewhere = await t.app.inject({
      method: 'POST',
      url: '/admin/partnerships/new',
      headers: { cookie: [...sysadmin.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': 'multipart/form-data; boundary=x' },
      payload: '--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nSneaky\r\n--x--\r\n',
    });
    expect(elsewhere.statusCode).toBe(415);
  });
});
