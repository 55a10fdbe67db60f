import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { recordAudit, verifyAuditChain } from '../audit/audit.ts';
import { queryLayer } from './database.ts';
import { tenantSetting, withTenant } from './tenant.ts';
import { auditedScope } from './transaction.ts';
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
    const sent: string[] = [];
    const query = pg.Client.prototype.query;
    const spy = function (this: pg.Client, ...args: unknown[]) {
      const first = args[0];
      sent.push(typeof first === 'string' ? first : ((first as { text?: string }).text ?? ''));
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    };
    pg.Client.prototype.query = spy as typeof query;
    let inside: { s: string; a: string };
    try {
      inside = await auditedScope(() =>
        withTenant(t.database.db, [A, B], async (trx) => (await sql<{ s: string; a: string }>`select current_setting('cspr.partnerships', true) as s, current_setting('cspr.audit_required', true) as a`.execute(trx)).rows[0]),
      );
    } finally {
      pg.Client.prototype.query = query;
    }
    expect(inside).toEqual({ s: `${A},${B}`, a: 'on' });
    expect(sent).toEqual([
      `begin; select set_config('cspr.partnerships', '${A},${B}', true), set_config('cspr.audit_required', 'on', true)`,
      expect.stringMatching(/^select current_setting/),
      'commit',
    ]);
  });
});

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
