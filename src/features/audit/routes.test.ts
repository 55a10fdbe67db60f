import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, type TestClient } from '../../../test/support/client.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { recordAudit, verifyAuditChain, type AuditEntry } from '../../platform/audit/audit.ts';
import { addAgency, addPartnership } from '../partnerships/service.ts';

/** The entry numbers shown in the results table, in order. */
function shownEntries(html: string): number[] {
  return [...html.matchAll(/<tr class="govuk-table__row" id="entry-(\d+)">/g)].map((m) => Number(m[1]));
}

/** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF rows) into rows of cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell !== '' || row.length) throw new Error('CSV does not end with CRLF');
  return rows;
}

describe.each(ENGINES)('the audit trail pages on %s', (engine) => {
  let t: TestApp;
  let north: string;
  let south: string;
  let system: TestClient;
  let northAdmin: TestClient;
  let northAdminEmail: string;

  beforeAll(async () => {
    t = await startTestApp(engine);
    const db = t.app.deps.database.db;
    north = (await addPartnership(db, { slug: 'northshire', name: 'Northshire Safeguarding Children Partnership' })).id;
    south = (await addPartnership(db, { slug: 'southshire', name: 'Southshire Safeguarding Children Partnership' })).id;
    system = (await signedInAs(t.app, [{ role: 'system-admin' }], { email: 'sys.admin@example.org' })).client;
    const na = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: north }], { email: 'north.admin@northshire.example' });
    northAdmin = na.client;
    northAdminEmail = na.email;
  });
  afterAll(async () => t.close());

  beforeEach(async () => {
    const db = t.app.deps.database.db;
    await sql`alter table audit_events disable trigger audit_events_no_change`.execute(db);
    await sql`delete from audit_events`.execute(db);
    await sql`alter table audit_events enable trigger audit_events_no_change`.execute(db);
  });

  async function record(entry: AuditEntry): Promise<number> {
    const db = t.app.deps.database.db;
    await recordAudit(db, entry);
    return (await db.selectFrom('audit_events').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow()).seq;
  }

  async function entriesWithAction(action: string) {
    return t.app.deps.database.db.selectFrom('audit_events').selectAll().where('action', '=', action).orderBy('seq').execute();
  }

  describe('who may see it', () => {
    it.each([
      ['an independent reviewer', 'reviewer' as const],
      ['a statutory partner lead', 'partner-lead' as const],
      ['an agency contributor', 'agency-contributor' as const],
      ['a National Panel viewer', 'panel-viewer' as const],
    ])('refuses %s (403), page and download, and records the refusal', async (_label, role) => {
      const db = t.app.deps.database.db;
      const agency = role === 'agency-contributor' ? (await addAgency(db, { partnershipId: north, name: `Agency ${Math.random()}`, kind: 'police' })).id : null;
      const partnershipId = role === 'panel-viewer' ? null : north;
      const { client } = await signedInAs(t.app, [{ role, partnershipId, agencyId: agency }]);
      await record({ action: 'view', partnershipId: north, recordType: 'case', recordId: 'secret-case' });
      const page = await client.get('/admin/audit');
      expect(page.statusCode).toBe(403);
      expect(page.body).not.toContain('secret-case');
      const csv = await client.get('/admin/audit.csv');
      expect(csv.statusCode).toBe(403);
      expect(csv.headers['content-type']).toContain('text/html');
      expect(csv.body).not.toContain('secret-case');
      const refusals = await entriesWithAction('access-refused');
      expect(refusals.map((r) => r.record_id)).toEqual(['GET /admin/audit', 'GET /admin/audit.csv']);
      expect(refusals.every((r) => r.outcome === 'refused')).toBe(true);
      expect(await entriesWithAction('audit-search')).toEqual([]);
    });

    it('sends someone not signed in to sign in', async () => {
      const res = await t.app.inject({ url: '/admin/audit?action=view' });
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe(`/sign-in?next=${encodeURIComponent('/admin/audit?action=view')}`);
      expect((await t.app.inject({ url: '/admin/audit.csv' })).statusCode).toBe(303);
    });
  });

  describe('the search page', () => {
    it('shows a system administrator every entry, newest first, with each column, and records the search', async () => {
      const a = await record({
        actor: { id: '00000000-0000-4000-8000-0000000000a1', email: 'ann@northshire.example', role: 'partnership-admin' },
        partnershipId: north,
        action: 'update',
        recordType: 'case',
        recordId: 'north-case-1',
        changes: { before: { status: 'open' }, after: { status: '<script>alert("x")</script>' } },
        ip: '203.0.113.7',
        requestId: 'req-north-1',
      });
      const b = await record({ partnershipId: south, action: 'view', recordType: 'case', recordId: 'south-case-1', outcome: 'allowed' });
      const c = await record({ action: 'sign-in', outcome: 'failed', recordType: 'user', recordId: 'someone' });

      const res = await system.get('/admin/audit');
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('<h1 class="govuk-heading-l">Audit trail</h1>');
      expect(res.body).toContain('3 entries');
      expect(shownEntries(res.body)).toEqual([c, b, a]);
      expect(res.body).toContain('You can see the entries of every partnership');
      // The columns of the north entry.
      const row = res.body.slice(res.body.indexOf(`id="entry-${a}"`), res.body.indexOf('</tr>', res.body.indexOf(`id="entry-${a}"`)));
      expect(row).toContain('ann@northshire.example');
      expect(row).toContain('Partnership administrator (business unit)');
      expect(row).toContain('Northshire Safeguarding Children Partnership');
      expect(row).toContain('update');
      expect(row).toContain('case: north-case-1');
      expect(row).toContain('Allowed');
      expect(row).toContain('203.0.113.7');
      expect(row).toContain('req-north-1');
      expect(row).toMatch(/<time datetime="\d{4}-\d\d-\d\dT[\d:.]+Z">\d{1,2} \w+ \d{4} at \d{1,2}:\d\d:\d\d[ap]m<\/time>/);
      // Changes are shown in a details component, escaped.
      expect(row).toContain('govuk-details');
      expect(row).toContain('&lt;script&gt;alert(&#92;&quot;x&#92;&quot;)&lt;/script&gt;');
      expect(res.body).not.toContain('<script>alert');
      expect(res.body).toContain('govuk-tag--orange');
      expect(res.body).toContain('Failed');

      const searches = await entriesWithAction('audit-search');
      expect(searches).toHaveLength(1);
      expect(searches[0]).toMatchObject({ actor_email: 'sys.admin@example.org', actor_role: 'system-admin', partnership_id: null, record_type: 'audit-trail', outcome: 'allowed' });
      expect(searches[0].changes).toMatchObject({ filters: {}, shown: 3, scope: 'all' });
      expect(await verifyAuditChain(t.app.deps.database.db)).toMatchObject({ ok: true });
    });

    it("never shows a partnership administrator another partnership's entries, or the service's own", async () => {
      const mine = await record({ partnershipId: north, action: 'view', recordType: 'case', recordId: 'north-case' });
      await record({ partnershipId: south, action: 'view', recordType: 'case', recordId: 'south-case' });
      await record({ action: 'sign-in', recordType: 'user', recordId: 'system-wide' });
      const res = await northAdmin.get('/admin/audit');
      expect(res.statusCode).toBe(200);
      expect(shownEntries(res.body)).toEqual([mine]);
      expect(res.body).toContain('1 entry');
      expect(res.body).not.toContain('south-case');
      expect(res.body).not.toContain('system-wide');
      expect(res.body).toContain('You can see the entries of the partnerships you administer');
      // Naming another partnership's record does not reach it either.
      const aimed = await northAdmin.get('/admin/audit?recordType=case&recordId=south-case');
      expect(shownEntries(aimed.body)).toEqual([]);
      expect(aimed.body).toContain('No entries match these filters');

      // Their own search is recorded against their partnership, so it shows to them next time.
      const searches = await entriesWithAction('audit-search');
      expect(searches.map((s) => [s.actor_email, s.actor_role, s.partnership_id])).toEqual([
        [northAdminEmail, 'partnership-admin', north],
        [northAdminEmail, 'partnership-admin', north],
      ]);
      const again = await northAdmin.get('/admin/audit?action=audit-search');
      expect(shownEntries(again.body)).toEqual(searches.map((s) => s.seq).reverse());
    });

    it('filters by dates, person, action, record and outcome, and shows the filters again', async () => {
      const db = t.app.deps.database.db;
      const refused = await record({ actor: { id: '00000000-0000-4000-8000-0000000000b1', email: 'bob@southshire.example', role: 'reviewer' }, partnershipId: south, action: 'access-refused', recordType: 'route', recordId: 'GET /admin', outcome: 'refused' });
      const viewed = await record({ actor: { id: '00000000-0000-4000-8000-0000000000a1', email: 'ann@northshire.example', role: 'partnership-admin' }, partnershipId: north, action: 'view', recordType: 'case', recordId: 'n-7' });
      const old = await record({ actor: { id: '00000000-0000-4000-8000-0000000000a1', email: 'ann@northshire.example', role: 'partnership-admin' }, partnershipId: north, action: 'view', recordType: 'case', recordId: 'n-8' });
      // Move one entry back to 2025 (the chain is not what this test is about).
      await sql`alter table audit_events disable trigger audit_events_no_change`.execute(db);
      await sql`update audit_events set at = '2025-06-15T12:00:00Z' where seq = ${old}`.execute(db);
      await sql`alter table audit_events enable trigger audit_events_no_change`.execute(db);

      const seqs = async (query: string) => {
        const res = await system.get(`/admin/audit?${query}`);
        expect(res.statusCode).toBe(200);
        return shownEntries(res.body);
      };
      expect(await seqs('outcome=refused')).toEqual([refused]);
      // In the order they were recorded (entry number), whatever their times say.
      expect(await seqs('actor=NORTHSHIRE')).toEqual([old, viewed]);
      expect(await seqs('action=view&recordType=case&recordId=n-7')).toEqual([viewed]);
      expect(await seqs('from=2025-06-15&to=2025-06-15')).toEqual([old]);
      expect(await seqs('from=1%2F1%2F2026&action=view')).toEqual([viewed]);
      expect(await seqs('to=2025-12-31')).toEqual([old]);

      const res = await system.get('/admin/audit?actor=ann%40north&outcome=allowed&from=2025-01-01');
      expect(res.body).toMatch(/<input\s+class="govuk-input" id="actor" name="actor" type="text"[^>]* value="ann@north"/);
      expect(res.body).toMatch(/<option value="allowed" selected>Allowed<\/option>/);
      expect(res.body).toContain('value="2025-01-01"');
      expect(res.body).toContain('2 entries match these filters');
      expect(res.body).toContain('href="/admin/audit.csv?from=2025-01-01&amp;actor=ann%40north&amp;outcome=allowed"');
      expect(res.body).toContain('Clear filters');
    });

    it('explains impossible dates and a to date before the from date in a GOV.UK error summary', async () => {
      await record({ partnershipId: north, action: 'view', recordId: 'should-not-show' });
      const res = await system.get('/admin/audit?from=2026-02-30&to=31%2F4%2F2026');
      expect(res.statusCode).toBe(422);
      expect(res.body).toContain('<title>Error: Audit trail – CSPR Hub</title>');
      expect(res.body).toContain('govuk-error-summary');
      expect(res.body).toContain('<a href="#from">The from date must be a real date, like 2026-03-27</a>');
      expect(res.body).toContain('<a href="#to">The to date must be a real date, like 2026-03-27</a>');
      expect(res.body).toMatch(/<p id="from-error" class="govuk-error-message">\s*<span class="govuk-visually-hidden">Error:<\/span> The from date must be a real date/);
      expect(res.body).toContain('value="2026-02-30"');
      expect(res.body).not.toContain('should-not-show');

      const order = await system.get('/admin/audit?from=2026-03-10&to=2026-03-01');
      expect(order.statusCode).toBe(422);
      expect(order.body).toContain('<a href="#to">The to date must be the same as or after the from date</a>');

      const word = await system.get('/admin/audit?from=last+week');
      expect(word.body).toContain('<a href="#from">Enter the from date as year-month-day, like 2026-03-27</a>');
      expect(await entriesWithAction('audit-search')).toEqual([]);
    });

    it('pages 50 entries at a time, keeping the filters in the links', async () => {
      const db = t.app.deps.database.db;
      for (let i = 0; i < 55; i++) await recordAudit(db, { partnershipId: north, action: 'view', recordType: 'case', recordId: `c${i}` });
      await recordAudit(db, { partnershipId: north, action: 'update', recordType: 'case', recordId: 'not-a-view' });
      const first = await northAdmin.get('/admin/audit?action=view');
      const shown = shownEntries(first.body);
      expect(shown).toHaveLength(50);
      expect(first.body).toContain('55 entries match these filters');
      expect(first.body).toContain('govuk-pagination');
      expect(first.body).not.toContain('rel="prev"');
      const older = /<a class="govuk-link govuk-pagination__link" href="([^"]+)" rel="next"/.exec(first.body)?.[1].replaceAll('&amp;', '&');
      expect(older).toBe(`/admin/audit?action=view&before=${shown[49]}`);

      const second = await northAdmin.get(older as string);
      const rest = shownEntries(second.body);
      expect(rest).toHaveLength(5);
      expect(Math.max(...rest)).toBeLessThan(Math.min(...shown));
      expect(second.body).not.toContain('rel="next"');
      const newer = /<a class="govuk-link govuk-pagination__link" href="([^"]+)" rel="prev"/.exec(second.body)?.[1].replaceAll('&amp;', '&');
      expect(newer).toBe(`/admin/audit?action=view&after=${rest[0]}`);
      expect(shownEntries((await northAdmin.get(newer as string)).body)).toEqual(shown);

      // A page past either end (a hand-edited address) offers the way back.
      const beyond = await northAdmin.get('/admin/audit?action=view&after=999999');
      expect(shownEntries(beyond.body)).toEqual([]);
      expect(beyond.body).toContain('<a class="govuk-link" href="/admin/audit?action=view">Go to the newest entries</a>');
    }, 60_000);
  });

  describe('the download', () => {
    it('sends every matching entry in scope as CSV, formulas neutralised, and records the export', async () => {
      await record({
        actor: { id: '00000000-0000-4000-8000-0000000000c1', email: 'carol@northshire.example', role: 'partnership-admin' },
        partnershipId: north,
        action: 'update',
        recordType: 'case',
        recordId: '=HYPERLINK("http://evil.example","click")',
        changes: { after: { note: '+SUM(1,2), "quoted"\nnext line' } },
        ip: '198.51.100.4',
        requestId: 'req-1',
      });
      await record({ partnershipId: north, action: 'view', recordType: 'case', recordId: '@risky' });
      await record({ partnershipId: south, action: 'view', recordType: 'case', recordId: 'south-only' });
      await record({ action: 'sign-in', recordType: 'user', recordId: 'system-only' });

      const res = await northAdmin.get('/admin/audit.csv');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename="audit-trail-(\d{4}-\d\d-\d\d)\.csv"; filename\*=UTF-8''audit-trail-\1\.csv$/);
      expect(res.headers['content-security-policy']).toBe("sandbox; default-src 'none'");
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body.startsWith('\uFEFF')).toBe(true);
      const rows = parseCsv(res.body.slice(1));
      expect(rows[0]).toEqual([
        'Entry', 'When (UTC)', 'Actor email', 'Actor ID', 'Actor role', 'Partnership', 'Partnership ID',
        'Action', 'Record type', 'Record ID', 'Outcome', 'Address', 'Request ID', 'Changes',
      ]);
      expect(rows.slice(1).map((r) => r[9])).toEqual(["'@risky", `'=HYPERLINK("http://evil.example","click")`]);
      const carol = rows[2];
      expect(carol[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(carol.slice(2)).toEqual([
        'carol@northshire.example', '00000000-0000-4000-8000-0000000000c1', 'partnership-admin',
        'Northshire Safeguarding Children Partnership', north, 'update', 'case',
        `'=HYPERLINK("http://evil.example","click")`, 'allowed', '198.51.100.4', 'req-1',
        JSON.stringify({ after: { note: '+SUM(1,2), "quoted"\nnext line' } }),
      ]);
      // On the wire: the formula is quoted and prefixed, its quotes doubled.
      expect(res.body).toContain(`,"'=HYPERLINK(""http://evil.example"",""click"")",`);
      expect(res.body).not.toContain('south-only');
      expect(res.body).not.toContain('system-only');

      const exports = await entriesWithAction('audit-export');
      expect(exports).toHaveLength(1);
      expect(exports[0]).toMatchObject({ actor_role: 'partnership-admin', partnership_id: north, record_type: 'audit-trail' });
    });

    it('uses the same filters, and a system administrator gets every partnership', async () => {
      await record({ partnershipId: north, action: 'view', recordType: 'case', recordId: 'n1' });
      await record({ partnershipId: south, action: 'view', recordType: 'case', recordId: 's1' });
      await record({ partnershipId: south, action: 'update', recordType: 'case', recordId: 's2', outcome: 'failed' });
      const ids = async (query: string) => parseCsv((await system.get(`/admin/audit.csv${query}`)).body.slice(1)).slice(1).map((r) => r[9]);
      expect(await ids('')).toEqual(['s2', 's1', 'n1']);
      expect(await ids('?action=view')).toEqual(['s1', 'n1']);
      expect(await ids('?outcome=failed')).toEqual(['s2']);
      // Each export is recorded; an export holds the entries there when it began, so not its own.
      expect(await ids('?recordType=audit-trail')).toEqual(['', '', '']);
      expect(await ids('?action=audit-export')).toHaveLength(4);
    });

    it('shows the form with its errors instead of a file when the dates are wrong', async () => {
      const res = await system.get('/admin/audit.csv?from=2026-04-31');
      expect(res.statusCode).toBe(422);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.headers['content-disposition']).toBeUndefined();
      expect(res.body).toContain('<a href="#from">The from date must be a real date, like 2026-03-27</a>');
      expect(await entriesWithAction('audit-export')).toEqual([]);
    });
  });
});
