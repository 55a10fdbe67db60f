import { sql, type Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ENGINES, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { recordAudit, verifyAuditChain, type AuditEntry } from '../../platform/audit/audit.ts';
import type { DB } from '../../platform/db/types.ts';
import { addPartnership } from '../partnerships/service.ts';
import { createUser } from '../users/service.ts';
import { auditCsv, recordViews, searchAudit } from './service.ts';

async function collect(gen: AsyncGenerator<string>): Promise<string> {
  let text = '';
  for await (const chunk of gen) text += chunk;
  return text;
}

describe.each(ENGINES)('audit trail service on %s', (engine) => {
  let t: TestDatabase;
  let db: Kysely<DB>;
  let p1: string;
  let p2: string;
  let ann: { id: string; email: string };
  let bob: { id: string; email: string };

  beforeAll(async () => {
    t = await openTestDatabase(engine);
    db = t.database.db;
    p1 = (await addPartnership(db, { slug: 'northshire', name: 'Northshire Safeguarding Children Partnership' })).id;
    p2 = (await addPartnership(db, { slug: 'southshire', name: 'Southshire Safeguarding Children Partnership' })).id;
    ann = await createUser(db, { email: 'ann.admin@northshire.example', name: 'Ann Admin', grants: [{ role: 'partnership-admin', partnershipId: p1 }] });
    bob = await createUser(db, { email: 'bob%lead@southshire.example', name: 'Bob Lead', grants: [{ role: 'partner-lead', partnershipId: p2 }] });
  });
  afterAll(async () => {
    await t.database.close();
    await t.drop();
  });
  beforeEach(async () => {
    await sql`alter table audit_events disable trigger audit_events_no_change`.execute(db);
    await sql`delete from audit_events`.execute(db);
    await sql`alter table audit_events enable trigger audit_events_no_change`.execute(db);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Records an entry as if at the given moment. */
  async function recordAt(at: string, entry: AuditEntry): Promise<number> {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(at));
    try {
      await recordAudit(db, entry);
    } finally {
      vi.useRealTimers();
    }
    const row = await db.selectFrom('audit_events').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirstOrThrow();
    return row.seq;
  }

  describe('searchAudit', () => {
    it('keeps each partnership to its own entries; system-wide scope sees all, an empty scope nothing', async () => {
      const a = await recordAt('2026-03-01T10:00:00Z', { action: 'view', partnershipId: p1, recordType: 'case', recordId: 'n1' });
      const b = await recordAt('2026-03-01T11:00:00Z', { action: 'view', partnershipId: p2, recordType: 'case', recordId: 's1' });
      const c = await recordAt('2026-03-01T12:00:00Z', { action: 'sign-in' });
      const seqs = async (scope: string[] | 'all') => (await searchAudit(db, {}, scope)).entries.map((e) => e.seq);
      expect(await seqs([p1])).toEqual([a]);
      expect(await seqs([p2])).toEqual([b]);
      expect(await seqs([p1, p2])).toEqual([b, a]);
      expect(await seqs('all')).toEqual([c, b, a]);
      expect(await seqs([])).toEqual([]);
      expect((await searchAudit(db, {}, [p1])).total).toBe(1);
      // Filters never widen the scope.
      expect((await searchAudit(db, { recordId: 's1' }, [p1])).entries).toEqual([]);
    });

    it('presents each entry: UK time, role label, partnership name, changes as JSON', async () => {
      await recordAt('2026-07-01T13:05:07Z', {
        actor: { id: ann.id, email: ann.email, role: 'partnership-admin' },
        partnershipId: p1,
        action: 'update',
        recordType: 'case',
        recordId: 'n1',
        changes: { before: { status: 'open' }, after: { status: '<closed>' } },
        ip: '203.0.113.9',
        requestId: 'req-123',
      });
      const [entry] = (await searchAudit(db, {}, 'all')).entries;
      expect(entry).toMatchObject({
        atIso: '2026-07-01T13:05:07.000Z',
        when: '1 July 2026 at 2:05:07pm',
        actorEmail: ann.email,
        role: 'Partnership administrator (business unit)',
        partnershipName: 'Northshire Safeguarding Children Partnership',
        action: 'update',
        recordType: 'case',
        recordId: 'n1',
        outcome: 'allowed',
        ip: '203.0.113.9',
        requestId: 'req-123',
      });
      expect(JSON.parse(entry.changes as string)).toEqual({ before: { status: 'open' }, after: { status: '<closed>' } });
    });

    it('filters by person (part of the email, case-insensitive, % taken literally), action, record, outcome', async () => {
      const a = await recordAt('2026-03-01T10:00:00Z', { actor: { id: ann.id, email: ann.email, role: 'partnership-admin' }, action: 'view', recordType: 'case', recordId: 'n1' });
      const b = await recordAt('2026-03-01T10:01:00Z', { actor: { id: bob.id, email: bob.email, role: 'partner-lead' }, action: 'view', recordType: 'case', recordId: 'n2' });
      const c = await recordAt('2026-03-01T10:02:00Z', { actor: { id: bob.id, email: bob.email, role: 'partner-lead' }, action: 'access-refused', recordType: 'route', recordId: 'GET /admin', outcome: 'refused' });
      const d = await recordAt('2026-03-01T10:03:00Z', { action: 'sign-in', outcome: 'failed', recordType: 'user', recordId: 'x' });
      const seqs = async (filters: Parameters<typeof searchAudit>[1]) => (await searchAudit(db, filters, 'all')).entries.map((e) => e.seq);
      expect(await seqs({ actor: 'ANN.ADMIN' })).toEqual([a]);
      expect(await seqs({ actor: 'southshire' })).toEqual([c, b]);
      expect(await seqs({ actor: 'bob%' })).toEqual([c, b]);
      expect(await seqs({ actor: 'bo%ad' })).toEqual([]);
      expect(await seqs({ actor: 'ann_admin' })).toEqual([]);
      expect(await seqs({ action: 'view' })).toEqual([b, a]);
      expect(await seqs({ recordType: 'case' })).toEqual([b, a]);
      expect(await seqs({ recordType: 'case', recordId: 'n2' })).toEqual([b]);
      expect(await seqs({ outcome: 'refused' })).toEqual([c]);
      expect(await seqs({ outcome: 'failed' })).toEqual([d]);
      expect(await seqs({ outcome: 'allowed', actor: 'bob' })).toEqual([b]);
      expect((await searchAudit(db, { action: 'view' }, 'all')).total).toBe(2);
    });

    it('takes dates as whole days in UK time, both ends included', async () => {
      // 23:30 UTC on 1 July is 00:30 on 2 July in British Summer Time; in January UK time is UTC.
      const winter = await recordAt('2026-01-31T23:30:00Z', { action: 'view' });
      const lateJune = await recordAt('2026-06-30T22:59:59Z', { action: 'view' });
      const july2 = await recordAt('2026-07-01T23:30:00Z', { action: 'view' });
      const seqs = async (filters: { from?: string; to?: string }) => (await searchAudit(db, filters, 'all')).entries.map((e) => e.seq);
      expect(await seqs({ from: '2026-07-02' })).toEqual([july2]);
      expect(await seqs({ to: '2026-07-01' })).toEqual([lateJune, winter]);
      expect(await seqs({ from: '2026-07-01', to: '2026-07-01' })).toEqual([]);
      expect(await seqs({ from: '2026-06-30', to: '2026-06-30' })).toEqual([lateJune]);
      expect(await seqs({ from: '2026-01-31', to: '2026-01-31' })).toEqual([winter]);
      expect(await seqs({ from: '2026-02-01', to: '2026-07-02' })).toEqual([july2, lateJune]);
    });

    it('pages newest first, 50 a page, with links both ways that hold still as entries are added', async () => {
      for (let i = 0; i < 120; i++) await recordAudit(db, { action: 'view', partnershipId: p1, recordId: String(i) });
      const all = (await db.selectFrom('audit_events').select('seq').orderBy('seq', 'desc').execute()).map((r) => r.seq);
      const first = await searchAudit(db, {}, [p1]);
      expect(first.total).toBe(120);
      expect(first.entries.map((e) => e.seq)).toEqual(all.slice(0, 50));
      expect(first.newer).toBeNull();
      expect(first.older).toEqual({ before: all[49] });

      // Someone's new entry does not shift the next page.
      await recordAudit(db, { action: 'audit-search', partnershipId: p1 });
      const second = await searchAudit(db, {}, [p1], first.older ?? {});
      expect(second.entries.map((e) => e.seq)).toEqual(all.slice(50, 100));
      expect(second.newer).toEqual({ after: all[50] });
      const third = await searchAudit(db, {}, [p1], second.older ?? {});
      expect(third.entries.map((e) => e.seq)).toEqual(all.slice(100));
      expect(third.older).toBeNull();

      const back = await searchAudit(db, {}, [p1], third.newer ?? {});
      expect(back.entries.map((e) => e.seq)).toEqual(all.slice(50, 100));
      expect(back.older).toEqual({ before: all[99] });
      expect(back.newer).toEqual({ after: all[50] });
    }, 60_000);

    it('pages within the filters', async () => {
      for (let i = 0; i < 6; i++) await recordAudit(db, { action: i % 2 ? 'view' : 'update' });
      const page = await searchAudit(db, { action: 'view' }, 'all', {}, 2);
      expect(page.entries.map((e) => e.action)).toEqual(['view', 'view']);
      const next = await searchAudit(db, { action: 'view' }, 'all', page.older ?? {}, 2);
      expect(next.entries.map((e) => e.action)).toEqual(['view']);
      expect(next.older).toBeNull();
    });
  });

  describe('auditCsv', () => {
    it('writes a header and every matching entry in scope, newest first, across batches', async () => {
      for (let i = 0; i < 17; i++) await recordAudit(db, { action: 'view', partnershipId: i % 3 === 0 ? p2 : p1, recordId: `r${i}` });
      const upTo = (await db.selectFrom('audit_events').select((eb) => eb.fn.max('seq').as('m')).executeTakeFirstOrThrow()).m as number;
      // Entries after the export began are not in it.
      await recordAudit(db, { action: 'view', partnershipId: p1, recordId: 'later' });
      const text = await collect(auditCsv(db, {}, [p1], Number(upTo), 4));
      expect(text.startsWith('\uFEFFEntry,When (UTC),Actor email,')).toBe(true);
      const lines = text.slice(1).split('\r\n');
      expect(lines.at(-1)).toBe('');
      const body = lines.slice(1, -1);
      const expected = Array.from({ length: 17 }, (_, i) => i).filter((i) => i % 3 !== 0).reverse().map((i) => `r${i}`);
      expect(body.map((l) => l.split(',')[9])).toEqual(expected);
      expect(text).not.toContain('later');
    });

    it('quotes and neutralises what a spreadsheet would run', async () => {
      await recordAudit(db, {
        actor: { id: bob.id, email: '=HYPERLINK("http://evil.example","x")', role: null },
        action: '+cmd',
        recordType: '@SUM(A1)',
        recordId: '-2+3',
        changes: { after: { note: 'a, "b"\nc' } },
      });
      const text = await collect(auditCsv(db, {}, 'all', Number.MAX_SAFE_INTEGER - 1));
      const row = text.split('\r\n')[1];
      expect(row).toContain(`,"'=HYPERLINK(""http://evil.example"",""x"")",`);
      expect(row).toContain(",'+cmd,'@SUM(A1),'-2+3,");
      expect(row).toContain('"{""after"":{""note"":""a, \\""b\\""\\nc""}}"');
    });
  });

  describe('recordViews', () => {
    it('lists who viewed a record, one row per person and role, latest first, with how often', async () => {
      await recordAt('2026-03-01T09:00:00Z', { actor: { id: ann.id, email: ann.email, role: 'partnership-admin' }, action: 'view', recordType: 'case', recordId: 'n1' });
      await recordAt('2026-03-02T09:00:00Z', { actor: { id: bob.id, email: bob.email, role: 'partner-lead' }, action: 'view', recordType: 'case', recordId: 'n1' });
      await recordAt('2026-03-03T15:30:00Z', { actor: { id: ann.id, email: ann.email, role: 'partnership-admin' }, action: 'view', recordType: 'case', recordId: 'n1' });
      // Not views of this record: another record, another type, a change, a refusal.
      await recordAt('2026-03-04T09:00:00Z', { actor: { id: bob.id, email: bob.email, role: 'partner-lead' }, action: 'view', recordType: 'case', recordId: 'n2' });
      await recordAt('2026-03-04T09:00:00Z', { actor: { id: bob.id, email: bob.email, role: 'partner-lead' }, action: 'view', recordType: 'user', recordId: 'n1' });
      await recordAt('2026-03-04T09:00:00Z', { actor: { id: bob.id, email: bob.email, role: 'partner-lead' }, action: 'update', recordType: 'case', recordId: 'n1' });
      await recordAt('2026-03-05T09:00:00Z', { actor: { id: bob.id, email: bob.email, role: 'partner-lead' }, action: 'view', recordType: 'case', recordId: 'n1', outcome: 'refused' });

      const views = await recordViews(db, 'case', 'n1', 10);
      expect(views).toEqual([
        {
          actorId: ann.id,
          name: 'Ann Admin',
          email: ann.email,
          role: 'Partnership administrator (business unit)',
          lastViewedAt: new Date('2026-03-03T15:30:00Z'),
          lastViewed: '3 March 2026 at 3:30:00pm',
          views: 2,
        },
        {
          actorId: bob.id,
          name: 'Bob Lead',
          email: bob.email,
          role: 'Statutory partner lead',
          lastViewedAt: new Date('2026-03-02T09:00:00Z'),
          lastViewed: '2 March 2026 at 9:00:00am',
          views: 1,
        },
      ]);
      expect(await recordViews(db, 'case', 'n1', 1)).toHaveLength(1);
      expect(await recordViews(db, 'case', 'nobody-looked')).toEqual([]);
      // Reading who viewed a record leaves the chain as it was.
      expect(await verifyAuditChain(db)).toMatchObject({ ok: true });
    });

    it('names a person who is no longer a user by their recorded email', async () => {
      await recordAudit(db, { actor: { id: '00000000-0000-4000-8000-00000000dead', email: 'gone@example.org', role: 'reviewer' }, action: 'view', recordType: 'case', recordId: 'n9' });
      const [view] = await recordViews(db, 'case', 'n9');
      expect(view).toMatchObject({ name: 'gone@example.org', email: 'gone@example.org', role: 'Independent reviewer', views: 1 });
    });
  });
});
