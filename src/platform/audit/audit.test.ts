import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENGINES, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import type { DB } from '../db/types.ts';
import { inTransaction } from '../db/transaction.ts';
import { auditRows, canonicalJson, entryHash, GENESIS_HASH, recordAudit, recordAudits, verifyAuditChain, type StoredFields } from './audit.ts';

describe('canonicalJson', () => {
  it('sorts object keys at every depth, keeping array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('gives the same text whatever order the keys were written in', () => {
    expect(canonicalJson({ x: 1, y: [1, 2], z: null })).toBe(canonicalJson({ z: null, y: [1, 2], x: 1 }));
  });

  it('drops undefined properties as JSON does, writes null for missing values and dates as ISO strings', () => {
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson([undefined, 1])).toBe('[null,1]');
    expect(canonicalJson({ at: new Date('2026-03-27T10:00:00.123Z') })).toBe('{"at":"2026-03-27T10:00:00.123Z"}');
  });

  it('escapes strings and keys as JSON', () => {
    expect(canonicalJson({ 'a"b': 'line\nbreak "quoted"' })).toBe('{"a\\"b":"line\\nbreak \\"quoted\\""}');
  });
});

describe('entryHash', () => {
  const fields: StoredFields = {
    at: '2026-03-27T10:00:00.000Z',
    actor_id: null,
    actor_email: 'a@example.org',
    actor_role: 'system-admin',
    partnership_id: null,
    action: 'view',
    record_type: 'case',
    record_id: '42',
    changes: { b: 2, a: 1 },
    outcome: 'allowed',
    ip: '127.0.0.1',
    request_id: 'r1',
  };

  it('is the sha-256 of the previous hash, a newline and the canonical fields', () => {
    const expected = createHash('sha256').update(`${GENESIS_HASH}\n${canonicalJson(fields)}`).digest('hex');
    expect(entryHash(GENESIS_HASH, fields)).toBe(expected);
    expect(entryHash(GENESIS_HASH, fields)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes when the previous hash or any field changes, but not with key order', () => {
    const base = entryHash(GENESIS_HASH, fields);
    expect(entryHash('1'.repeat(64), fields)).not.toBe(base);
    expect(entryHash(GENESIS_HASH, { ...fields, record_id: '43' })).not.toBe(base);
    expect(entryHash(GENESIS_HASH, { ...fields, changes: { a: 1, b: 3 } })).not.toBe(base);
    expect(entryHash(GENESIS_HASH, { ...fields, changes: { a: 1, b: 2 } })).toBe(base);
  });
});

describe.each(ENGINES)('the audit trail on %s', (engine) => {
  let t: TestDatabase;
  let db: Kysely<DB>;
  beforeAll(async () => {
    t = await openTestDatabase(engine);
    db = t.database.db;
  });
  afterAll(async () => {
    await t.database.close();
    await t.drop();
  });

  // Each test starts from an empty trail (the trigger is lifted only to clear it).
  beforeEach(async () => {
    await sql`alter table audit_events disable trigger audit_events_no_change`.execute(db);
    await sql`delete from audit_events`.execute(db);
    await sql`alter table audit_events enable trigger audit_events_no_change`.execute(db);
  });

  async function rows() {
    return db.selectFrom('audit_events').selectAll().orderBy('seq').execute();
  }

  async function recordSome(n: number): Promise<number[]> {
    for (let i = 0; i < n; i++) {
      await recordAudit(db, {
        actor: { id: '00000000-0000-4000-8000-000000000001', email: 'admin@example.org', role: 'system-admin' },
        action: 'view',
        recordType: 'case',
        recordId: `case-${i}`,
        changes: { after: { n: i, name: 'Ann', nested: { z: true, a: [1, 'two', null] } } },
        ip: '192.0.2.1',
        requestId: `req-${i}`,
      });
    }
    return (await rows()).map((r) => r.seq);
  }

  /** Changes one stored entry behind the trigger's back, as someone with database access might. */
  async function tamper(statement: ReturnType<typeof sql>): Promise<void> {
    await sql`alter table audit_events disable trigger audit_events_no_change`.execute(db);
    try {
      await statement.execute(db);
    } finally {
      await sql`alter table audit_events enable trigger audit_events_no_change`.execute(db);
    }
  }

  it('chains each entry to the one before, starting from the genesis hash', async () => {
    await recordSome(3);
    const [first, second, third] = await rows();
    expect(first.prev_hash).toBe(GENESIS_HASH);
    expect(second.prev_hash).toBe(first.hash);
    expect(third.prev_hash).toBe(second.hash);
    expect(new Set([first.hash, second.hash, third.hash]).size).toBe(3);
    expect(first).toMatchObject({ action: 'view', record_type: 'case', record_id: 'case-0', outcome: 'allowed', actor_email: 'admin@example.org', ip: '192.0.2.1', request_id: 'req-0' });
    expect(first.changes).toEqual({ after: { n: 0, name: 'Ann', nested: { z: true, a: [1, 'two', null] } } });
    // The stored hash is the one anyone can recompute from the stored row.
    const fields: StoredFields = {
      at: new Date(second.at).toISOString(),
      actor_id: second.actor_id,
      actor_email: second.actor_email,
      actor_role: second.actor_role,
      partnership_id: second.partnership_id,
      action: second.action,
      record_type: second.record_type,
      record_id: second.record_id,
      changes: second.changes,
      outcome: second.outcome,
      ip: second.ip,
      request_id: second.request_id,
    };
    expect(entryHash(first.hash, fields)).toBe(second.hash);
  });

  it('records a refusal with no actor and no changes', async () => {
    await recordAudit(db, { action: 'access-refused', outcome: 'refused' });
    const [row] = await rows();
    expect(row).toMatchObject({ action: 'access-refused', outcome: 'refused', actor_id: null, actor_email: null, changes: null, prev_hash: GENESIS_HASH });
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 1, anchored: null });
  });

  it('refuses to update or delete an entry (the database trigger)', async () => {
    const [seq] = await recordSome(2);
    await expect(sql`update audit_events set action = 'nothing-to-see' where seq = ${seq}`.execute(db)).rejects.toThrow(/append-only/);
    await expect(db.updateTable('audit_events').set({ record_id: 'other' }).execute()).rejects.toThrow(/append-only/);
    await expect(db.deleteFrom('audit_events').where('seq', '=', seq).execute()).rejects.toThrow(/append-only/);
    await expect(sql`delete from audit_events`.execute(db)).rejects.toThrow(/append-only/);
    const after = await rows();
    expect(after).toHaveLength(2);
    expect(after[0].action).toBe('view');
    expect(after[0].record_id).toBe('case-0');
  });

  it('verifies an empty trail and a good chain', async () => {
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 0, anchored: null });
    await recordSome(5);
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 5, anchored: null });
  });

  it('verifies a chain longer than one batch', async () => {
    await recordSome(1005);
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 1005, anchored: null });
  }, 120_000);

  it('verifies entries whose changes hold values that JSON rewrites (dates, undefined, nested key order)', async () => {
    await recordAudit(db, {
      action: 'update',
      changes: {
        before: { when: new Date('2026-01-02T03:04:05.678Z'), gone: undefined, list: [undefined, 1.5, -0, 1e21] },
        after: { z: 'é – “quotes” \\ backslash', a: { y: 1, b: 2 } },
      },
    });
    // An object with its own toJSON is stored as JSON makes it; the hash must cover the same.
    await recordAudit(db, { action: 'update', changes: { after: { amount: { toJSON: () => 'twelve' } } } });
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 2, anchored: null });
  });

  it('reports the first changed entry by its number, and says the ones before it are intact', async () => {
    const seqs = await recordSome(5);
    await tamper(sql`update audit_events set record_id = 'case-99' where seq = ${seqs[2]}`);
    expect(await verifyAuditChain(db)).toEqual({ ok: false, checked: 2, brokenAt: seqs[2], reason: 'its content does not match its hash (it was changed)' });
  });

  it('reports a change to the recorded changes, the time or the outcome', async () => {
    const seqs = await recordSome(4);
    await tamper(sql`update audit_events set changes = '{"after":{"n":1,"name":"Bob"}}' where seq = ${seqs[1]}`);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, brokenAt: seqs[1], checked: 1 });

    await sql`alter table audit_events disable trigger audit_events_no_change`.execute(db);
    await sql`delete from audit_events`.execute(db);
    await sql`alter table audit_events enable trigger audit_events_no_change`.execute(db);
    const again = await recordSome(3);
    await tamper(sql`update audit_events set at = at - interval '1 day' where seq = ${again[0]}`);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, brokenAt: again[0], checked: 0 });
  });

  it('reports a forged entry whose hash was recomputed: the next entry no longer links to it', async () => {
    const seqs = await recordSome(4);
    const target = (await rows())[1];
    const forged: StoredFields = {
      at: new Date(target.at).toISOString(),
      actor_id: target.actor_id,
      actor_email: target.actor_email,
      actor_role: target.actor_role,
      partnership_id: target.partnership_id,
      action: 'nothing-to-see',
      record_type: target.record_type,
      record_id: target.record_id,
      changes: target.changes,
      outcome: target.outcome,
      ip: target.ip,
      request_id: target.request_id,
    };
    const hash = entryHash(target.prev_hash, forged);
    await tamper(sql`update audit_events set action = 'nothing-to-see', hash = ${hash} where seq = ${seqs[1]}`);
    expect(await verifyAuditChain(db)).toEqual({
      ok: false,
      checked: 2,
      brokenAt: seqs[2],
      reason: 'its link to the previous entry does not match (an entry before it was removed or changed)',
    });
  });

  it('reports a removed entry at the entry after the gap', async () => {
    const seqs = await recordSome(5);
    await tamper(sql`delete from audit_events where seq = ${seqs[3]}`);
    expect(await verifyAuditChain(db)).toEqual({
      ok: false,
      checked: 3,
      brokenAt: seqs[4],
      reason: 'its link to the previous entry does not match (an entry before it was removed or changed)',
    });
  });

  it('reports a removed first entry at the new first entry', async () => {
    const seqs = await recordSome(3);
    await tamper(sql`delete from audit_events where seq = ${seqs[0]}`);
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, checked: 0, brokenAt: seqs[1] });
  });

  it('keeps one chain when many entries are recorded at once', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => recordAudit(db, { action: 'view', recordType: 'case', recordId: String(i) })));
    const all = await rows();
    expect(all).toHaveLength(20);
    for (let i = 1; i < all.length; i++) expect(all[i].prev_hash).toBe(all[i - 1].hash);
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 20, anchored: null });
  });

  it('appends entries recorded together in one statement to the same chain, hashed as one by one', async () => {
    await recordSome(1);
    const actor = { id: '00000000-0000-4000-8000-000000000001', email: 'admin@example.org', role: 'partnership-admin' };
    await recordAudits(db, [
      // Characters that JSON escapes and UTF-8 writes in several bytes: hashed over the same bytes here and there.
      { actor, partnershipId: '00000000-0000-4000-8000-0000000000aa', action: 'tasks-viewed', recordType: 'tasks', recordId: 'u', changes: { tasks: ['t2', 't1'], note: 'Zoë “quoted” \\ \u2028 𝄞 \u0007' }, ip: '192.0.2.7', requestId: 'req-x' },
      { actor, action: 'dashboard-viewed', recordType: 'dashboard', recordId: 'u', changes: null, ip: '192.0.2.7', requestId: 'req-x' },
    ]);
    await Promise.all([
      recordAudit(db, { action: 'view', recordType: 'case', recordId: 'a' }),
      recordAudits(db, [{ action: 'view', recordType: 'case', recordId: 'b' }, { action: 'view', recordType: 'case', recordId: 'c' }]),
      recordAudits(db, [{ action: 'view', recordType: 'case', recordId: 'd' }]),
    ]);
    const all = await rows();
    expect(all).toHaveLength(7);
    for (let i = 1; i < all.length; i++) expect(all[i].prev_hash).toBe(all[i - 1].hash);
    const [, tasks, dashboard] = all;
    expect(tasks).toMatchObject({ action: 'tasks-viewed', actor_role: 'partnership-admin', partnership_id: '00000000-0000-4000-8000-0000000000aa', ip: '192.0.2.7', request_id: 'req-x' });
    expect(tasks.changes).toEqual({ tasks: ['t2', 't1'], note: 'Zoë “quoted” \\ \u2028 𝄞 \u0007' });
    // No changes: no JSON null, as an entry recorded alone.
    expect(dashboard.changes).toBeNull();
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 7, anchored: null });
  });

  it('records views that arrive together in fewer statements, in the order they came, each before its caller is answered', async () => {
    const views = Array.from({ length: 12 }, (_, i) => ({ action: 'view', recordType: 'case', recordId: `case-${i}`, requestId: `req-${i}` }));
    await Promise.all(views.map((v) => recordAudits(db, [v])));
    // Rows written by one statement share its transaction id (xmin).
    const all = await sql<{ record_id: string; tx: string }>`select record_id, xmin::text as tx from audit_events order by seq`.execute(db);
    expect(all.rows.map((r) => r.record_id)).toEqual(views.map((v) => v.recordId));
    const statements = new Set(all.rows.map((r) => r.tx)).size;
    // On PostgreSQL the first goes at once, alone; the embedded engine's thread gathers those already posted first.
    if (engine === 'postgres') expect(statements).toBeGreaterThan(1);
    expect(statements).toBeLessThan(views.length);
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 12, anchored: null });
  });

  it('fails only the view whose entry the database refuses, not those recorded beside it', async () => {
    await recordSome(1);
    const outcomes = await Promise.allSettled([
      recordAudits(db, [{ action: 'view', recordType: 'case', recordId: 'a' }]),
      recordAudits(db, [{ action: 'view', recordType: 'case', recordId: 'b' }]),
      // Not an outcome the table allows (its check constraint refuses it).
      recordAudits(db, [{ action: 'view', recordType: 'case', recordId: 'bad', outcome: 'maybe' as 'allowed' }]),
      recordAudits(db, [{ action: 'view', recordType: 'case', recordId: 'c' }]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    // The server's own account of the refusal, as node-postgres gives it on either engine.
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({ code: '23514', constraint: 'audit_events_outcome_check', table: 'audit_events' });
    expect((await rows()).map((r) => r.record_id)).toEqual(['case-0', 'a', 'b', 'c']);
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 4, anchored: null });
  });

  it('finds the last entry by its index however the trail has grown since the session began', async () => {
    // A function's queries are planned at their first run after the table's statistics change:
    // here while the trail is small.
    await recordSome(3);
    await sql`analyze audit_events`.execute(db);
    await recordAudits(db, [{ action: 'view', recordType: 'case', recordId: 'first' }]);
    await sql`insert into audit_events (action, record_type, record_id, prev_hash, hash)
              select 'view', 'case', 'bulk-' || n, 'x', md5(n::text) || md5((n + 1)::text) from generate_series(1, 20000) as n`.execute(db);
    const pages = Number((await sql<{ n: number }>`select pg_relation_size('audit_events') / current_setting('block_size')::int as n`.execute(db)).rows[0].n);
    expect(pages).toBeGreaterThan(200);
    const item = { canonical: auditRows([{ action: 'view', recordType: 'case', recordId: 'after' }]).canonical };
    const plan = await sql<{ 'QUERY PLAN': Array<{ Plan: { 'Shared Hit Blocks': number; 'Shared Read Blocks': number } }> }>`explain (analyze, buffers, format json) select cspr_record_views(${JSON.stringify([item])}::jsonb)`.execute(db);
    const { Plan } = plan.rows[0]['QUERY PLAN'][0];
    // One entry: its index pages and a page of the table, not the table.
    expect(Plan['Shared Hit Blocks'] + Plan['Shared Read Blocks']).toBeLessThan(pages / 4);
  });

  it('records views that arrive while a transaction is open after it ends, outside it: its rollback keeps them', async () => {
    let opened!: () => void;
    const open = new Promise<void>((resolve) => (opened = resolve));
    let finish!: () => void;
    const finishing = new Promise<void>((resolve) => (finish = resolve));
    const rolledBack = inTransaction(db, async (trx) => {
      await recordAudits(trx, [{ action: 'change', recordType: 'case', recordId: 'rolled-back' }]);
      opened();
      await finishing;
      throw new Error('rolled back on purpose');
    });
    await Promise.race([open, rolledBack]);
    // Asked from outside the transaction while it holds the connection (on the embedded engine, the only one).
    let recorded = false;
    const view = recordAudits(db, [{ action: 'view', recordType: 'case', recordId: 'seen' }]).then(() => (recorded = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (engine === 'embedded') expect(recorded).toBe(false);
    finish();
    await expect(rolledBack).rejects.toThrow('rolled back on purpose');
    await view;
    expect((await rows()).map((r) => r.record_id)).toEqual(['seen']);
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 1, anchored: null });
  });

  it('answers a view before a slower query asked after it, whether asked at once or a moment later', async () => {
    for (const delay of [0, 5, 30]) {
      const view = recordAudits(db, [{ action: 'view', recordType: 'case', recordId: `before-${delay}` }]).then(() => performance.now());
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      const slow = sql`select pg_sleep(0.6)`.execute(db).then(() => performance.now());
      const [viewed, slept] = await Promise.all([view, slow]);
      // Answered while the query sleeps, not after it.
      expect(slept - viewed, `asked ${delay} ms later`).toBeGreaterThan(300);
    }
  });

  it('records views again after the statement the engine keeps for them was dropped from its session', async () => {
    await recordAudits(db, [{ action: 'view', recordType: 'case', recordId: 'one' }]);
    // On the embedded engine views are recorded by a statement prepared once in the session (embedded-worker.ts).
    if (engine === 'embedded') await sql`deallocate cspr_record_views`.execute(db);
    await recordAudits(db, [{ action: 'view', recordType: 'case', recordId: 'two' }]);
    expect((await rows()).map((r) => r.record_id)).toEqual(['one', 'two']);
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 2, anchored: null });
  });

  it('starts a chain from the genesis hash when entries recorded together are the first', async () => {
    await recordAudits(db, [{ action: 'view', recordType: 'case', recordId: 'a' }]);
    expect((await rows())[0].prev_hash).toBe(GENESIS_HASH);
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 1, anchored: null });
  });
});
