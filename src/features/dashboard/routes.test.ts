import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, TestClient } from '../../../test/support/client.ts';
import { createSession } from '../../platform/auth/sessions.ts';
import { sha256 } from '../../platform/auth/secrets.ts';
import { SESSION_COOKIE } from '../../platform/http/authentication.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { layoutIndentation } from '../../../test/support/pages.ts';
import { addDays, todayInLondon, type DateOnly } from '../../domain/calendar/date-only.ts';
import { loggablePath } from '../../platform/http/app.ts';
import { addAgency, addPartnership } from '../partnerships/service.ts';
import { IDENTIFYING, recordTestIncident } from '../reminders/test-fixtures.ts';
import { currentCalendar } from '../rules/service.ts';

const TRICKY_TITLE = 'Notify <b>the Panel</b>, then; check \\ twice';

/** The iCalendar text with folded lines joined again. */
function unfold(text: string): string {
  return text.replace(/\r\n[ \t]/g, '');
}

function feedPath(page: string): string {
  const url = /<code class="cspr-token" id="calendar-url">([^<]+)<\/code>/.exec(page)?.[1];
  if (!url) throw new Error('no calendar link on the page');
  return new URL(url).pathname;
}

describe.each(ENGINES)('dashboard and calendar feed on %s', (engine) => {
  let t: TestApp;
  let admin: { client: TestClient; userId: string };
  let lead: { client: TestClient; userId: string };
  let contributor: { client: TestClient; userId: string };
  let southAdmin: { client: TestClient; userId: string };
  let north: { id: string };
  let south: { id: string };
  const cases: Record<string, { id: string; reference: string }> = {};
  let today: DateOnly;
  /** Working days from today to the due-soon case's notification (due 5 working days after it was known). */
  let soonLeft: number;

  beforeAll(async () => {
    t = await startTestApp(engine);
    const db = t.app.deps.database.db;
    const cipher = t.app.deps.cipher;
    north = await addPartnership(db, { slug: 'northmoor', name: 'Northmoor SCP' });
    south = await addPartnership(db, { slug: 'southdale', name: 'Southdale SCP' });
    admin = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: north.id }], { name: 'Alex Admin' });
    lead = await signedInAs(t.app, [{ role: 'partner-lead', partnershipId: north.id }], { name: 'Pat Lead' });
    const school = await addAgency(db, { partnershipId: north.id, name: 'Northmoor Academy', kind: 'relevant-agency' });
    contributor = await signedInAs(t.app, [{ role: 'agency-contributor', partnershipId: north.id, agencyId: school.id }], { name: 'Sam School' });
    southAdmin = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: south.id }], { name: 'Sol South' });
    today = todayInLondon(new Date());
    const calendar = await currentCalendar(db);
    const rec = (partnershipId: string, userId: string, aware: DateOnly) => recordTestIncident(db, cipher, { partnershipId, userId, aware, today });
    cases.late = await rec(north.id, admin.userId, calendar.addWorkingDays(today, -10));
    cases.soon = await rec(north.id, lead.userId, calendar.addWorkingDays(today, -3));
    // 2 on a working day; 3 at a weekend, when 3 working days back and 5 on end on Wednesday next.
    soonLeft = calendar.workingDaysBetween(today, calendar.addWorkingDays(calendar.addWorkingDays(today, -3), 5));
    cases.south = await rec(south.id, southAdmin.userId, calendar.addWorkingDays(today, -10));
    // A clock title with characters HTML and iCalendar must escape.
    await sql`update incidents set clock_rules = jsonb_set(clock_rules, '{0,title}', to_jsonb(${TRICKY_TITLE}::text)) where id = ${cases.soon.id}`.execute(db);
  }, 60_000);
  afterAll(async () => t.close());

  it('shows an administrator their partnership’s overdue and due-soon clocks, their own cases and counts, linked to the cases', async () => {
    const res = await admin.client.get('/dashboard');
    expect(res.statusCode).toBe(200);
    const overdue = /<table class="govuk-table" id="overdue-[^"]+">[\s\S]*?<\/table>/.exec(res.body)?.[0] ?? '';
    expect(overdue).toContain(`<a class="govuk-link" href="/cases/${cases.late.id}">${cases.late.reference}</a>`);
    expect(overdue).toContain('Notify the Child Safeguarding Practice Review Panel');
    expect(overdue).toContain('govuk-tag--red');
    expect(overdue).not.toContain(cases.soon.reference);
    const soon = /<table class="govuk-table" id="due-soon-[^"]+">[\s\S]*?<\/table>/.exec(res.body)?.[0] ?? '';
    expect(soon).toContain(`href="/cases/${cases.soon.id}"`);
    expect(soon).toContain(`${soonLeft} working days left`);
    // Escaped, never markup.
    expect(soon).toContain('Notify &lt;b&gt;the Panel&lt;/b&gt;, then; check &#92; twice');
    expect(res.body).not.toContain('<b>the Panel</b>');
    const mine = /<table class="govuk-table" id="mine-[^"]+">[\s\S]*?<\/table>/.exec(res.body)?.[0] ?? '';
    expect(mine).toContain(cases.late.reference);
    expect(mine).not.toContain(cases.soon.reference);
    expect(mine).toContain('Child K');
    const states = /<table class="govuk-table" id="states-[^"]+">[\s\S]*?<\/table>/.exec(res.body)?.[0] ?? '';
    expect(states).toContain('Cases by state (2 in all)');
    expect(states.replace(/\s+/g, ' ')).toMatch(/Recorded .*<td class="govuk-table__cell govuk-table__cell--numeric">2<\/td>/);
    // Another partnership's case, and identifying details, never.
    expect(res.body).not.toContain(cases.south.reference);
    for (const secret of IDENTIFYING) expect(res.body).not.toContain(secret);
    // The view is in the audit trail, for the partnership.
    const audit = await t.app.deps.database.db.selectFrom('audit_events').select(['action', 'partnership_id']).where('actor_id', '=', admin.userId).where('action', '=', 'dashboard-viewed').execute();
    expect(audit).toEqual([{ action: 'dashboard-viewed', partnership_id: north.id }]);
  });

  it('shows a partner lead the cases they recorded as theirs', async () => {
    const res = await lead.client.get('/dashboard');
    expect(res.statusCode).toBe(200);
    const mine = /<table class="govuk-table" id="mine-[^"]+">[\s\S]*?<\/table>/.exec(res.body)?.[0] ?? '';
    expect(mine).toContain(cases.soon.reference);
    expect(mine).not.toContain(cases.late.reference);
    // Made afresh, then the kept page: neither carries the template's indentation.
    const kept = await lead.client.get('/dashboard');
    expect(kept.body).toContain(cases.soon.reference);
    for (const page of [res, kept]) expect(layoutIndentation(page.body)).toBeNull();
  });

  it('tells people without case access what they can do, without case data', async () => {
    const res = await contributor.client.get('/dashboard');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('What you can do');
    expect(res.body).toContain('href="/referrals/new"');
    expect(res.body).not.toContain(cases.late.reference);
    expect(res.body).not.toContain('Subscribe to your deadlines');
    const made = await contributor.client.post('/dashboard/calendar', {}, { from: '/account/api-tokens' });
    expect(made.statusCode).toBe(403);
  });

  it('shows the next day’s clocks from midnight in London, not the page kept from the day before', async () => {
    const db = t.app.deps.database.db;
    const calendar = await currentCalendar(db);
    // The due-soon case's notification is due on this day: due soon until its midnight, overdue after.
    const due = calendar.addWorkingDays(calendar.addWorkingDays(today, -3), 5);
    // The instant London's date turns from the due day to the next (midnight there is 23:00 or 00:00 UTC).
    const midnight = [0, 1].map((h) => new Date(Date.parse(`${due}T00:00:00Z`) + 86_400_000 - h * 3_600_000)).find((d) => todayInLondon(d) !== due && todayInLondon(new Date(d.getTime() - 1)) === due);
    expect(midnight).toBeDefined();
    const tables = (body: string) => ({
      overdue: /<table class="govuk-table" id="overdue-[^"]+">[\s\S]*?<\/table>/.exec(body)?.[0] ?? '',
      soon: /<table class="govuk-table" id="due-soon-[^"]+">[\s\S]*?<\/table>/.exec(body)?.[0] ?? '',
    });
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date(midnight!.getTime() - 60_000));
      // A session begun at this (pretended) time.
      const token = await createSession(db, admin.userId, { twoFactor: true });
      await db.updateTable('sessions').set({ created_at: new Date(), last_seen_at: new Date(), two_factor_at: new Date() }).where('id_hash', '=', sha256(token)).execute();
      const client = new TestClient(t.app);
      client.cookies.set(SESSION_COOKIE, token);
      for (let i = 0; i < 2; i += 1) {
        const before = tables((await client.get('/dashboard')).body);
        expect(before.soon).toContain(cases.soon.reference);
        expect(before.overdue).not.toContain(cases.soon.reference);
      }
      // Two minutes later, the next day in London: nothing in the data changed, but the clock did.
      vi.setSystemTime(new Date(midnight!.getTime() + 60_000));
      expect(todayInLondon(new Date())).toBe(addDays(due, 1));
      const after = tables((await client.get('/dashboard')).body);
      expect(after.overdue).toContain(cases.soon.reference);
      expect(after.soon).not.toContain(cases.soon.reference);
    } finally {
      vi.useRealTimers();
    }
  });

  it('sends people who are not signed in to sign in', async () => {
    const res = await new TestClient(t.app).get('/dashboard');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/sign-in?next=%2Fdashboard');
  });

  it('offers the dashboard on the start page and in the header to signed-in people only', async () => {
    const signedIn = await admin.client.get('/');
    expect(signedIn.body).toContain('Go to your dashboard');
    expect(signedIn.body).toMatch(/href="\/dashboard"[^>]*>\s*Dashboard/);
    const anonymous = await new TestClient(t.app).get('/');
    expect(anonymous.body).not.toContain('Go to your dashboard');
    expect(anonymous.body).not.toContain('href="/dashboard"');
  });

  it('makes a secret calendar feed of the person’s deadlines: escaped, stable and free of identifying details', async () => {
    const made = await admin.client.post('/dashboard/calendar', {}, { from: '/dashboard' });
    expect(made.statusCode).toBe(200);
    const path = feedPath(made.body);
    expect(path).toMatch(/^\/calendar\/[A-Za-z0-9_-]{43}\.ics$/);
    const stored = await t.app.deps.database.db.selectFrom('calendar_feeds').selectAll().where('user_id', '=', admin.userId).execute();
    expect(stored).toHaveLength(1);
    expect(stored[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(path).not.toContain(stored[0].token_hash);

    const feed = await new TestClient(t.app).get(path);
    expect(feed.statusCode).toBe(200);
    expect(feed.headers['content-type']).toBe('text/calendar; charset=utf-8');
    expect(feed.body.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
    expect(feed.body.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of feed.body.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
    const text = unfold(feed.body);
    expect(text).toContain(`SUMMARY:${cases.late.reference}: Notify the Child Safeguarding Practice Review Panel`);
    expect(text).toContain(`UID:${cases.late.id}-panel-notification@cspr-hub`);
    expect(text).toContain(`SUMMARY:${cases.soon.reference}: Notify <b>the Panel</b>\\, then\\; check \\\\ twice`);
    expect(text).toMatch(/DTSTAMP:\d{8}T\d{6}Z/);
    expect(text).not.toContain(cases.south.reference);
    for (const secret of [...IDENTIFYING, 'Child K']) expect(text).not.toContain(secret);
    // The same event keeps its id from one fetch to the next.
    const again = unfold((await new TestClient(t.app).get(path)).body);
    const uids = (s: string) => s.split('\r\n').filter((l) => l.startsWith('UID:')).sort();
    expect(uids(again)).toEqual(uids(text));

    // Another person's feed has their own partnership's deadlines only.
    const theirs = unfold((await new TestClient(t.app).get(feedPath((await southAdmin.client.post('/dashboard/calendar', {}, { from: '/dashboard' })).body))).body);
    expect(theirs).toContain(cases.south.reference);
    expect(theirs).not.toContain(cases.late.reference);

    // The dashboard says a link is in use.
    expect((await admin.client.get('/dashboard')).body).toContain('You made a calendar link on');
  });

  it('answers 404 for a guessed, malformed, replaced or revoked token', async () => {
    const anonymous = new TestClient(t.app);
    for (const guess of ['/calendar/' + 'A'.repeat(43) + '.ics', '/calendar/short.ics', '/calendar/' + 'A'.repeat(43), '/calendar/..%2F..%2Fetc.ics']) {
      const res = await anonymous.get(guess);
      expect(res.statusCode, guess).toBe(404);
      expect(res.body).not.toContain('BEGIN:VCALENDAR');
    }
    const first = feedPath((await admin.client.post('/dashboard/calendar', {}, { from: '/dashboard' })).body);
    expect((await anonymous.get(first)).statusCode).toBe(200);
    const replacement = await admin.client.post('/dashboard/calendar', {}, { from: '/dashboard' });
    expect(replacement.body).toContain('Your previous calendar link has stopped working');
    const second = feedPath(replacement.body);
    expect((await anonymous.get(first)).statusCode).toBe(404);
    expect((await anonymous.get(second)).statusCode).toBe(200);

    const revoked = await admin.client.post('/dashboard/calendar/revoke', {}, { from: '/dashboard' });
    expect(revoked.statusCode).toBe(303);
    expect((await anonymous.get(second)).statusCode).toBe(404);
    expect((await admin.client.get('/dashboard')).body).toContain('You do not have a calendar link.');
    const actions = await t.app.deps.database.db.selectFrom('audit_events').select('action').where('actor_id', '=', admin.userId).where('record_type', '=', 'calendar-feed').orderBy('seq').execute();
    expect(actions.map((a) => a.action)).toEqual(expect.arrayContaining(['calendar-feed-created', 'calendar-feed-replaced', 'calendar-feed-revoked', 'calendar-feed-read']));
  });

  it('limits a feed made in a single sign-on session to that partnership, as the session is', async () => {
    const db = t.app.deps.database.db;
    const both = await signedInAs(t.app, [
      { role: 'partnership-admin', partnershipId: north.id },
      { role: 'partner-lead', partnershipId: south.id },
    ], { name: 'Dana Both' });
    // Signed in with password and second factor: the feed reaches both partnerships.
    const whole = unfold((await new TestClient(t.app).get(feedPath((await both.client.post('/dashboard/calendar', {}, { from: '/dashboard' })).body))).body);
    expect(whole).toContain(cases.late.reference);
    expect(whole).toContain(cases.south.reference);
    // Signed in through Northmoor's single sign-on: Northmoor's deadlines only, then and later.
    const viaSso = new TestClient(t.app);
    viaSso.cookies.set(SESSION_COOKIE, await createSession(db, both.userId, { twoFactor: true, limitedTo: north.id }));
    const made = await viaSso.post('/dashboard/calendar', {}, { from: '/dashboard' });
    expect(made.body).toContain('this link shows that partnership’s deadlines only');
    const path = feedPath(made.body);
    const limited = unfold((await new TestClient(t.app).get(path)).body);
    expect(limited).toContain(cases.late.reference);
    expect(limited).not.toContain(cases.south.reference);
    const stored = await db.selectFrom('calendar_feeds').select('limited_to_partnership').where('user_id', '=', both.userId).where('revoked_at', 'is', null).executeTakeFirstOrThrow();
    expect(stored.limited_to_partnership).toBe(north.id);
  });

  it('stops the feed of a person who is disabled', async () => {
    const path = feedPath((await lead.client.post('/dashboard/calendar', {}, { from: '/dashboard' })).body);
    expect((await new TestClient(t.app).get(path)).statusCode).toBe(200);
    await t.app.deps.database.db.updateTable('users').set({ disabled_at: new Date() }).where('id', '=', lead.userId).execute();
    expect((await new TestClient(t.app).get(path)).statusCode).toBe(404);
  });
});

describe('the calendar feed against guessing', () => {
  it('is rate limited per address, and its tokens never reach the logs', async () => {
    const t = await startTestApp('embedded', { RATE_LIMITS: 'on' });
    try {
      const guess = (n: number) => t.app.inject({ url: `/calendar/${String(n).padStart(43, 'A')}.ics` });
      const answers: number[] = [];
      for (let i = 0; i < 61; i++) answers.push((await guess(i)).statusCode);
      expect(answers.slice(0, 60).every((s) => s === 404)).toBe(true);
      expect(answers[60]).toBe(429);
    } finally {
      await t.close();
    }
    expect(loggablePath(`/calendar/${'A'.repeat(43)}.ics`)).toBe('/calendar/[token]');
  }, 60_000);
});
