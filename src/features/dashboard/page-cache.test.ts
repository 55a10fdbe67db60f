import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, type TestClient } from '../../../test/support/client.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { todayInLondon, type DateOnly } from '../../domain/calendar/date-only.ts';
import type { Principal } from '../../platform/auth/policy.ts';
import { inTransaction, TransactionMisuseError } from '../../platform/db/transaction.ts';
import type { DB } from '../../platform/db/types.ts';
import { recordViewsIfUnchanged, viewVersion } from '../../platform/db/view-versions.ts';
import { verifyAuditChain } from '../../platform/audit/audit.ts';
import { addPartnership } from '../partnerships/service.ts';
import { recordTestIncident } from '../reminders/test-fixtures.ts';
import { currentCalendar } from '../rules/service.ts';
import { DashboardCache, dashboardKey, dashboardScope } from './page-cache.ts';

/**
 * The kept dashboard (page-cache.ts): what decides the page is in its key, every change to the data
 * it shows is seen on the next request, no page ever reaches another person, and what must differ per
 * response (CSP nonce, CSRF token, the audit entry) does.
 */

const P1 = '00000000-0000-4000-8000-000000000001';
const P2 = '00000000-0000-4000-8000-000000000002';
const person = (over: Partial<Principal> = {}): Principal => ({
  userId: '00000000-0000-4000-8000-0000000000a1',
  email: 'a@example.org',
  name: 'A',
  via: 'session',
  grants: [{ role: 'partnership-admin', partnershipId: P1, agencyId: null }],
  ...over,
});

describe('the kept dashboard’s key', () => {
  const parts = { today: '2026-12-04' as DateOnly, layout: '{"user":"A"}' };
  const base = dashboardKey(person(), parts);

  it('changes with the person, their roles, how they signed in, the day and the layout (the counters are checked apart)', () => {
    const others = [
      dashboardKey(person({ userId: '00000000-0000-4000-8000-0000000000a2' }), parts),
      dashboardKey(person({ grants: [] }), parts),
      dashboardKey(person({ grants: [{ role: 'partner-lead', partnershipId: P1, agencyId: null }] }), parts),
      dashboardKey(person({ grants: [{ role: 'partnership-admin', partnershipId: P2, agencyId: null }] }), parts),
      dashboardKey(person({ grants: [...person().grants, { role: 'panel-viewer', partnershipId: null, agencyId: null }] }), parts),
      dashboardKey(person({ limitedTo: P1 }), parts),
      dashboardKey(person({ via: 'token', tokenScope: 'read' }), parts),
      dashboardKey(person(), { ...parts, today: '2026-12-05' as DateOnly }),
      dashboardKey(person(), { ...parts, layout: '{"user":"B"}' }),
    ];
    for (const other of others) expect(other).not.toBe(base);
    expect(new Set(others).size).toBe(others.length);
  });

  it('does not change with the order roles are listed in', () => {
    const two = [{ role: 'partnership-admin' as const, partnershipId: P1, agencyId: null }, { role: 'partner-lead' as const, partnershipId: P2, agencyId: null }];
    expect(dashboardKey(person({ grants: two }), parts)).toBe(dashboardKey(person({ grants: [...two].reverse() }), parts));
  });

  it('counts every partnership a person holds a role in, and all of them for a deployment-wide role', () => {
    expect(dashboardScope(person({ grants: [{ role: 'partner-lead', partnershipId: P2, agencyId: null }, { role: 'partnership-admin', partnershipId: P1, agencyId: null }] }))).toEqual([P1, P2]);
    expect(dashboardScope(person({ grants: [...person().grants, { role: 'panel-viewer', partnershipId: null, agencyId: null }] }))).toBe('all');
    expect(dashboardScope(person({ grants: [] }))).toEqual([]);
  });

  it('gives a kept page only to the person it was made for, under the same key', () => {
    const cache = new DashboardCache(2);
    const kept = { key: 'k', version: '*:1', page: { parts: [Buffer.from('page of A')], holes: [] }, audits: [] };
    cache.set('a', kept);
    expect(cache.get('a', 'k')).toBe(kept);
    expect(cache.get('b', 'k')).toBeUndefined();
    expect(cache.get('a', 'k2')).toBeUndefined();
    cache.set('b', { ...kept, key: 'kb' });
    cache.set('c', { ...kept, key: 'kc' });
    // Two people at most: the least recently used goes.
    expect(cache.size).toBe(2);
    expect(cache.get('a', 'k')).toBeUndefined();
  });

  it('holds at most its budget of bytes, whatever the pages weigh: the least recently used go first, and a page over the budget is not kept', () => {
    const cache = new DashboardCache(200, 1000);
    const kept = (bytes: number) => ({ key: 'k', version: '*:1', page: { parts: [Buffer.alloc(bytes / 2), Buffer.alloc(bytes / 2)], holes: ['csrf' as const] }, audits: [] });
    cache.set('a', kept(400));
    cache.set('b', kept(400));
    expect(cache.get('a', 'k')).toBeDefined();
    cache.set('c', kept(400));
    expect(cache.get('b', 'k')).toBeUndefined();
    expect(cache.get('a', 'k')).toBeDefined();
    expect(cache.get('c', 'k')).toBeDefined();
    expect(cache.bytes).toBe(800);
    // One person's page heavier than the whole budget (roles in many partnerships) is served, not kept.
    cache.set('d', kept(2000));
    expect(cache.get('d', 'k')).toBeUndefined();
    expect(cache.bytes).toBe(800);
    // A person's page replaced counts only at its new weight.
    cache.set('a', kept(100));
    expect(cache.bytes).toBe(500);
    expect(cache.size).toBe(2);
  });
});

const NONCE = /<script nonce="([^"]+)"/;
const CSRF = /name="_csrf" value="([^"]+)"/g;
/** The page without what must differ per response. */
const steady = (body: string) => body.replace(/nonce="[^"]+"/g, 'nonce=""').replace(CSRF, 'name="_csrf" value=""');
const table = (body: string, id: string) => new RegExp(`<table class="govuk-table" id="${id}-[^"]+">[\\s\\S]*?</table>`).exec(body)?.[0] ?? '';

describe.each(ENGINES)('the kept dashboard on %s', (engine) => {
  let t: TestApp;
  let db: Kysely<DB>;
  let north: { id: string };
  let south: { id: string };
  let adminA: { client: TestClient; userId: string };
  let adminB: { client: TestClient; userId: string };
  let southAdmin: { client: TestClient; userId: string };
  const cases: Record<string, { id: string; reference: string }> = {};
  let today: DateOnly;

  beforeAll(async () => {
    t = await startTestApp(engine);
    db = t.app.deps.database.db;
    const cipher = t.app.deps.cipher;
    north = await addPartnership(db, { slug: 'northmoor', name: 'Northmoor SCP' });
    south = await addPartnership(db, { slug: 'southdale', name: 'Southdale SCP' });
    adminA = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: north.id }], { name: 'Ana Admin' });
    adminB = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: north.id }], { name: 'Ben Admin' });
    southAdmin = await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: south.id }], { name: 'Sol South' });
    today = todayInLondon(new Date());
    const calendar = await currentCalendar(db);
    const rec = (partnershipId: string, userId: string, aware: DateOnly, pseudonym: string) => recordTestIncident(db, cipher, { partnershipId, userId, aware, today, pseudonym });
    cases.a = await rec(north.id, adminA.userId, calendar.addWorkingDays(today, -10), 'Child Ant');
    cases.b = await rec(north.id, adminB.userId, calendar.addWorkingDays(today, -3), 'Child Bee');
    cases.south = await rec(south.id, southAdmin.userId, calendar.addWorkingDays(today, -10), 'Child Sea');
  }, 60_000);
  afterAll(async () => t.close());

  /** Changes made by hand in SQL, as a correction or a job might: the counters move whoever changes the data. */
  const bySql = (statement: ReturnType<typeof sql>) => statement.execute(db);

  it('serves a person their kept page while nothing changed: a fresh nonce and CSRF token each time, and each view recorded', async () => {
    const views = async () => (await db.selectFrom('audit_events').select('seq').where('actor_id', '=', adminA.userId).where('action', '=', 'dashboard-viewed').execute()).length;
    const before = await views();
    const first = await adminA.client.get('/dashboard');
    const second = await adminA.client.get('/dashboard');
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    expect(steady(second.body)).toBe(steady(first.body));
    // The nonce is this response's: the one its CSP names, never the last response's.
    const nonces = [first, second].map((r) => NONCE.exec(r.body)?.[1]);
    expect(nonces[0]).not.toBe(nonces[1]);
    for (const [i, r] of [first, second].entries()) {
      expect(String(r.headers['content-security-policy'])).toContain(`'nonce-${nonces[i]}'`);
      expect(r.body).not.toMatch(/__cspr_(nonce|csrf)_/);
    }
    const tokens = [first, second].map((r) => [...r.body.matchAll(CSRF)].map((m) => m[1]));
    expect(tokens[1].length).toBeGreaterThan(0);
    expect(tokens[1][0]).not.toBe(tokens[0][0]);
    // The token on a kept page is good for this person's form.
    expect((await adminA.client.post('/dashboard/calendar/revoke', {}, { csrf: tokens[1][0] })).statusCode).toBe(303);
    expect(await views()).toBe(before + 2);
  });

  it('is really kept: with the counter’s trigger lifted, a change is not seen (so the tests below test the counters)', async () => {
    const page = async () => (await adminA.client.get('/dashboard')).body;
    const kept = await page();
    expect(kept).toContain('you have no tasks');
    await bySql(sql`alter table tasks disable trigger view_changed`);
    try {
      await bySql(sql`insert into tasks (partnership_id, kind, subject_id, incident_id, for_user_id) values (${north.id}, 'reviewer-chosen', ${cases.a.id}, ${cases.a.id}, ${adminA.userId})`);
      expect(steady(await page())).toBe(steady(kept));
    } finally {
      await bySql(sql`alter table tasks enable trigger view_changed`);
    }
    await bySql(sql`delete from tasks where incident_id = ${cases.a.id}`);
    expect(await page()).toContain('you have no tasks');
  });

  it('never gives one person another’s page, in the same partnership or another', async () => {
    for (let round = 0; round < 3; round++) {
      const a = await adminA.client.get('/dashboard');
      const b = await adminB.client.get('/dashboard');
      const s = await southAdmin.client.get('/dashboard');
      expect(table(a.body, 'mine')).toContain(cases.a.reference);
      expect(table(a.body, 'mine')).not.toContain(cases.b.reference);
      expect(table(b.body, 'mine')).toContain(cases.b.reference);
      expect(table(b.body, 'mine')).not.toContain(cases.a.reference);
      for (const r of [a, b]) expect(r.body).not.toContain(cases.south.reference);
      expect(s.body).toContain(cases.south.reference);
      expect(s.body).not.toContain(cases.a.reference);
      expect(s.body).not.toContain('Northmoor SCP');
    }
  });

  it('shows a change to a case, a child, a pause, a task, a partnership, the bank holidays or a calendar link on the next request', async () => {
    const page = async () => (await adminA.client.get('/dashboard')).body;
    await page();
    // The case: its reference.
    await bySql(sql`update incidents set reference = 'NMR-9999-902' where id = ${cases.a.id}`);
    expect(table(await page(), 'overdue')).toContain('NMR-9999-902');
    await bySql(sql`update incidents set reference = ${cases.a.reference} where id = ${cases.a.id}`);
    expect(table(await page(), 'overdue')).toContain(cases.a.reference);
    // A child's pseudonym.
    await bySql(sql`update incident_children set pseudonym = 'Child Renamed' where incident_id = ${cases.a.id}`);
    expect(table(await page(), 'mine')).toContain('Child Renamed');
    // A pause: a paused clock is not due soon.
    const beforePause = table(await page(), 'due-soon');
    expect(beforePause).toContain(cases.b.reference);
    await bySql(sql`insert into clock_pauses (incident_id, partnership_id, clock_key, paused_on, reason) values (${cases.b.id}, ${north.id}, 'panel-notification', ${today}, 'Waiting for the coroner.')`);
    expect(table(await page(), 'due-soon')).not.toBe(beforePause);
    await bySql(sql`delete from clock_pauses where incident_id = ${cases.b.id}`);
    expect(table(await page(), 'due-soon')).toBe(beforePause);
    // A task handed to the person.
    expect(await page()).toContain('you have no tasks');
    await bySql(sql`insert into tasks (partnership_id, kind, subject_id, incident_id, for_user_id) values (${north.id}, 'reviewer-chosen', ${cases.a.id}, ${cases.a.id}, ${adminA.userId})`);
    expect(table(await page(), 'tasks')).toContain(cases.a.reference);
    await bySql(sql`delete from tasks where incident_id = ${cases.a.id}`);
    expect(await page()).toContain('you have no tasks');
    // The partnership's name.
    await bySql(sql`update partnerships set name = 'Northmoor Renamed SCP' where id = ${north.id}`);
    expect(await page()).toContain('Northmoor Renamed SCP');
    await bySql(sql`update partnerships set name = 'Northmoor SCP' where id = ${north.id}`);
    // A bank holiday on a past working day after case B's aware date: its clocks fall due a working day later.
    const calendar = await currentCalendar(db);
    const holiday = calendar.addWorkingDays(today, -1);
    const soonBefore = table(await page(), 'due-soon');
    expect(soonBefore).toContain(cases.b.reference);
    await bySql(sql`insert into bank_holidays (date, title, source) values (${holiday}, 'A test holiday', 'admin')`);
    const soonAfter = table(await page(), 'due-soon');
    expect(soonAfter).not.toBe(soonBefore);
    await bySql(sql`delete from bank_holidays where date = ${holiday}`);
    expect(table(await page(), 'due-soon')).toBe(soonBefore);
    // A calendar link made elsewhere (another instance, say).
    expect(await page()).toContain('You do not have a calendar link.');
    await bySql(sql`insert into calendar_feeds (user_id, token_hash) values (${adminA.userId}, ${'a'.repeat(64)})`);
    expect(await page()).toContain('You made a calendar link on');
  });

  it('stops showing a partnership’s cases at once when the person’s role there is removed, and shows them when one is given', async () => {
    expect((await adminB.client.get('/dashboard')).body).toContain(cases.b.reference);
    await bySql(sql`update role_assignments set partnership_id = ${south.id} where user_id = ${adminB.userId}`);
    const moved = (await adminB.client.get('/dashboard')).body;
    expect(moved).not.toContain(cases.b.reference);
    expect(moved).toContain(cases.south.reference);
    await bySql(sql`delete from role_assignments where user_id = ${adminB.userId}`);
    const none = (await adminB.client.get('/dashboard')).body;
    expect(none).not.toContain(cases.south.reference);
    expect(none).toContain('Your role does not give you access to case records');
  });

  it('records a kept page’s view only while the counters are those it was kept under, and says what they are', async () => {
    const views = async () => (await db.selectFrom('audit_events').select('seq').where('record_id', '=', 'kept-page-check').execute()).length;
    const entry = { actor: null, partnershipId: north.id, action: 'dashboard-viewed', recordType: 'dashboard', recordId: 'kept-page-check' };
    const kept = await viewVersion(db, [north.id]);
    expect(await recordViewsIfUnchanged(db, [north.id], kept, [entry])).toBe(kept);
    expect(await views()).toBe(1);
    await bySql(sql`update incidents set aware_on = aware_on where id = ${cases.a.id}`);
    const now = await recordViewsIfUnchanged(db, [north.id], kept, [entry]);
    expect(now).not.toBe(kept);
    expect(now).toBe(await viewVersion(db, [north.id]));
    expect(await views()).toBe(1);
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('refuses to record a kept page’s views inside a transaction (the page goes out once they are recorded, so they must be committed)', async () => {
    const entry = { actor: null, partnershipId: north.id, action: 'dashboard-viewed', recordType: 'dashboard', recordId: 'in-a-transaction' };
    const kept = await viewVersion(db, [north.id]);
    await expect(inTransaction(db, (trx) => recordViewsIfUnchanged(trx, [north.id], kept, [entry]))).rejects.toThrow(TransactionMisuseError);
    await expect(inTransaction(db, () => recordViewsIfUnchanged(db, [north.id], kept, [entry]))).rejects.toThrow(TransactionMisuseError);
    expect(await db.selectFrom('audit_events').select('seq').where('record_id', '=', 'in-a-transaction').execute()).toEqual([]);
  });

  it('judges each kept page recorded beside others by its own counters', async () => {
    const recorded = async (id: string) => (await db.selectFrom('audit_events').select('seq').where('record_id', '=', id).execute()).length;
    const entry = (id: string, partnershipId: string) => ({ actor: null, partnershipId, action: 'dashboard-viewed', recordType: 'dashboard', recordId: id });
    const northNow = await viewVersion(db, [north.id]);
    const southNow = await viewVersion(db, [south.id]);
    const [a, stale, b, c] = await Promise.all([
      recordViewsIfUnchanged(db, [north.id], northNow, [entry('together-a', north.id)]),
      recordViewsIfUnchanged(db, [north.id], `${northNow}0`, [entry('together-stale', north.id)]),
      recordViewsIfUnchanged(db, [south.id], southNow, [entry('together-b', south.id)]),
      recordViewsIfUnchanged(db, [north.id], northNow, [entry('together-c', north.id)]),
    ]);
    expect([a, stale, b, c]).toEqual([northNow, northNow, southNow, northNow]);
    expect([await recorded('together-a'), await recorded('together-stale'), await recorded('together-b'), await recorded('together-c')]).toEqual([1, 0, 1, 1]);
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  it('moves the changed partnership’s counter (not another’s), and the deployment’s for what every page depends on', async () => {
    const versions = async () => ({ north: await viewVersion(db, [north.id]), south: await viewVersion(db, [south.id]), all: await viewVersion(db, 'all') });
    // The stored clocks made current (a reader does it), so there are some to change by hand.
    await adminA.client.get('/dashboard');
    const northChanges: [string, ReturnType<typeof sql>][] = [
      ['case_clocks (stored clocks changed by hand)', sql`update case_clocks set due_on = due_on where incident_id = ${cases.b.id}`],
      ['case_clock_sets', sql`delete from case_clock_sets where incident_id = ${cases.b.id}`],
      ['incidents', sql`update incidents set aware_on = aware_on where id = ${cases.b.id}`],
      ['incident_children', sql`update incident_children set pseudonym = pseudonym where incident_id = ${cases.b.id}`],
      ['clock_pauses', sql`insert into clock_pauses (incident_id, partnership_id, clock_key, paused_on, reason) values (${cases.b.id}, ${north.id}, 'panel-notification', ${today}, 'A pause.')`],
      ['clock_pauses, removed', sql`delete from clock_pauses where incident_id = ${cases.b.id}`],
      ['reviews', sql`insert into reviews (incident_id, partnership_id, review_type) values (${cases.b.id}, ${north.id}, 'local-cspr')`],
      ['reviews, changed', sql`update reviews set planned_publication_on = ${today} where incident_id = ${cases.b.id}`],
      ['tasks', sql`insert into tasks (partnership_id, kind, subject_id, incident_id, for_role) values (${north.id}, 'sign-off-awaited', ${cases.b.id}, ${cases.b.id}, 'partner-lead')`],
      ['agencies', sql`insert into agencies (partnership_id, name, kind) values (${north.id}, 'A new agency', 'relevant-agency')`],
      ['role_assignments', sql`insert into role_assignments (user_id, role, partnership_id) values (${adminA.userId}, 'partner-lead', ${north.id})`],
      ['partnerships', sql`update partnerships set name = name where id = ${north.id}`],
    ];
    for (const [what, change] of northChanges) {
      const before = await versions();
      await bySql(change);
      const after = await versions();
      expect(after.north, what).not.toBe(before.north);
      expect(after.all, what).not.toBe(before.all);
      expect(after.south, what).toBe(before.south);
    }
    const everyone: [string, ReturnType<typeof sql>][] = [
      ['bank_holidays', sql`insert into bank_holidays (date, title, source) values ('2099-01-02', 'Far off', 'admin')`],
      // Rules are never changed once written: a new version is added.
      ['clock_rules', sql`insert into clock_rules select * from jsonb_populate_record(null::clock_rules, (select to_jsonb(c) || jsonb_build_object('version', c.version + 1000) from clock_rules c order by key, version limit 1))`],
      ['calendar_feeds', sql`update calendar_feeds set revoked_at = now() where user_id = ${adminA.userId}`],
      ['role_assignments, deployment-wide', sql`insert into role_assignments (user_id, role) values (${adminB.userId}, 'panel-viewer')`],
    ];
    for (const [what, change] of everyone) {
      const before = await versions();
      await bySql(change);
      const after = await versions();
      expect(after.north, what).not.toBe(before.north);
      expect(after.south, what).not.toBe(before.south);
    }
    // A change that is rolled back moves nothing.
    const before = await versions();
    await expect(inTransaction(db, async (trx) => {
      await sql`update incidents set aware_on = aware_on where id = ${cases.b.id}`.execute(trx);
      throw new Error('rolled back');
    })).rejects.toThrow('rolled back');
    expect(await versions()).toEqual(before);
  });
});
