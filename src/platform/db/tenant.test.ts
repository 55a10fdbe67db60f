import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { recordAudit, verifyAuditChain } from '../audit/audit.ts';
import { queryLayer } from './database.ts';
import { tenantSetting, withTenant } from './tenant.ts';
import { auditedScope, inTransaction, TransactionMisuseError } from './transaction.ts';
import type { DB } from './types.ts';

const A = randomUUID();
const B = randomUUID();

describe('tenant setting', () => {
  it('names the partnerships, or * for all, and refuses anything else', () => {
    expect(tenantSetting('all')).toBe('*');
    expect(tenantSetting([A, B])).toBe(`${A},${B}`);
    expect(() => tenantSetting(["x'); drop table users; --"])).toThrow(/malformed/);
  });
});

describe.each(ENGINES)('withTenant on %s', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(engine);
  });
  afterAll(async () => {
    await t.database.close();
    await t.drop();
  });

  it('sets the scope for its own transaction only', async () => {
    const inside = await withTenant(t.database.db, [A], async (trx) => (await sql<{ s: string }>`select current_setting('cspr.partnerships', true) as s`.execute(trx)).rows[0].s);
    expect(inside).toBe(A);
    const after = (await sql<{ s: string | null }>`select current_setting('cspr.partnerships', true) as s`.execute(t.database.db)).rows[0].s;
    expect(after ?? '').toBe('');
  });

  it('sends the scope, and whether the work is audited, with the BEGIN: one statement, not two', async () => {
    const { sent, result: inside } = await sending(() =>
      auditedScope(() =>
        withTenant(t.database.db, [A, B], async (trx) => (await sql<{ s: string; a: string }>`select current_setting('cspr.partnerships', true) as s, current_setting('cspr.audit_required', true) as a`.execute(trx)).rows[0]),
      ),
    );
    expect(inside).toEqual({ s: `${A},${B}`, a: 'on' });
    expect(sent).toEqual([
      `begin; select set_config('cspr.partnerships', '${A},${B}', true), set_config('cspr.audit_required', 'on', true)`,
      expect.stringMatching(/^select current_setting/),
      'commit',
    ]);
  });

  it("sends a transaction's planner settings with its BEGIN too, for it alone", async () => {
    const ask = (db: Kysely<DB>) => sql<{ seq: string; plans: string; a: string }>`select current_setting('enable_seqscan') as seq, current_setting('plan_cache_mode') as plans, coalesce(current_setting('cspr.audit_required', true), '') as a`.execute(db);
    const { sent, result } = await sending(() =>
      auditedScope(() => inTransaction(t.database.db, async (trx) => (await ask(trx)).rows[0], { enable_seqscan: 'off', plan_cache_mode: 'force_generic_plan' })),
    );
    expect(result).toEqual({ seq: 'off', plans: 'force_generic_plan', a: 'on' });
    expect(sent).toEqual([
      "begin; select set_config('cspr.partnerships', '', true), set_config('cspr.audit_required', 'on', true), set_config('enable_seqscan', 'off', true), set_config('plan_cache_mode', 'force_generic_plan', true)",
      expect.stringMatching(/^select current_setting/),
      'commit',
    ]);
    // Outside an audited scope: the planner's settings only.
    expect((await sending(() => inTransaction(t.database.db, async () => null, { jit: 'off' }))).sent[0]).toBe("begin; select set_config('jit', 'off', true)");
    // Gone with the transaction.
    expect((await ask(t.database.db)).rows[0]).toEqual({ seq: 'on', plans: 'auto', a: '' });
  });

  it('sends a setting that is not a plain word as a parameter, after the BEGIN', async () => {
    const { sent, result } = await sending(() =>
      inTransaction(t.database.db, async (trx) => (await sql<{ w: string }>`select current_setting('work_mem') as w`.execute(trx)).rows[0].w, { work_mem: '5MB' }),
    );
    expect(result).toBe('5MB');
    expect(sent.slice(0, 2)).toEqual(['begin', 'select set_config($1, $2, true)']);
  });

  it("refuses planner settings inside a caller's transaction, and the service's own settings", async () => {
    await expect(inTransaction(t.database.db, (trx) => inTransaction(trx, async () => null, { jit: 'off' }))).rejects.toThrow(TransactionMisuseError);
    expect(() => inTransaction(t.database.db, async () => null, { 'cspr.partnerships': '*' })).toThrow(TransactionMisuseError);
  });
});

/** What `work` sends to the database, statement by statement, and what it gives back. */
async function sending<T>(work: () => Promise<T>): Promise<{ sent: string[]; result: T }> {
  const sent: string[] = [];
  const query = pg.Client.prototype.query;
  const spy = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0];
    sent.push(typeof first === 'string' ? first : ((first as { text?: string }).text ?? ''));
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  };
  pg.Client.prototype.query = spy as typeof query;
  try {
    return { sent, result: await work() };
  } finally {
    pg.Client.prototype.query = query;
  }
}

/**
 * On PostgreSQL the policy must hold against the application's own role: a role that
 * is neither superuser nor owner-with-bypass sees only its partnerships' rows.
 */
describe.each(ENGINES.filter((e) => e === 'postgres'))('row-level security on %s', (engine) => {
  let t: TestDatabase;
  let appDb: Kysely<DB>;
  const role = `cspr_app_${randomUUID().slice(0, 8)}`;
  beforeAll(async () => {
    t = await openTestDatabase(engine);
    const pool = t.database.pool;
    await pool.query(`create role ${role} login`);
    await pool.query(`grant usage on schema public to ${role}`);
    await pool.query(`grant select, insert on all tables in schema public to ${role}`);
    await pool.query(`grant usage on all sequences in schema public to ${role}`);
    for (const p of [A, B]) {
      await recordAudit(t.database.db, { action: 'view', partnershipId: p, recordType: 'case', recordId: p });
    }
    await recordAudit(t.database.db, { action: 'deployment-event' });
    const url = new URL(t.url as string);
    url.username = role;
    url.password = '';
    // The service's own query layer (its transactions send their scope with BEGIN), as the application's role.
    const appPool = new pg.Pool({ connectionString: url.toString(), max: 2 });
    // Dropping the test database ends its connections: not an error of the test's.
    appPool.on('error', () => {});
    appDb = queryLayer(appPool);
  });
  afterAll(async () => {
    await appDb.destroy();
    await t.database.close();
    await t.drop();
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`drop role if exists ${role}`);
    await admin.end();
  });

  it('shows nothing when the query forgot its scope', async () => {
    const rows = await appDb.selectFrom('audit_events').select('partnership_id').execute();
    expect(rows).toEqual([]);
  });

  it("shows only the scope's partnerships, even to an unfiltered query", async () => {
    const rows = await withTenant(appDb, [A], (trx) => trx.selectFrom('audit_events').select('partnership_id').execute());
    expect(rows.map((r) => r.partnership_id)).toEqual([A]);
    const all = await withTenant(appDb, 'all', (trx) => trx.selectFrom('audit_events').select('partnership_id').execute());
    expect(all).toHaveLength(3);
  });

  it('still appends to and verifies the whole chain as the application role', async () => {
    await recordAudit(appDb, { action: 'view', partnershipId: B, recordType: 'case', recordId: 'x' });
    expect(await verifyAuditChain(appDb)).toEqual({ ok: true, checked: 4, anchored: null });
  });
});
