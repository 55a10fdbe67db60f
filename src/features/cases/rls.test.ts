import { randomUUID } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { todayInLondon } from '../../domain/calendar/date-only.ts';
import { createFieldCipher } from '../../platform/crypto/field-encryption.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import { addAgency, addPartnership } from '../partnerships/service.ts';
import { createUser } from '../users/service.ts';
import { createReferral } from './referrals.ts';
import { changeClock, listIncidents, recordIncident, recordWorkflowStep, type Facts } from './service.ts';

const TABLES = ['incidents', 'incident_children', 'case_events', 'clock_pauses', 'referrals', 'case_clock_sets', 'case_clocks'] as const;

/**
 * Tables with a partnership_id that hold no case data: the partnership's set-up (its public brand and host names too) and its people's roles (held or offered), the audit trail
 * (append-only, scoped by its own queries) and what is published to everyone. Every other table
 * with a partnership_id holds case data and must carry the tenant policy.
 */
// Published reviews and their search rows (publication_search) are public by design.
const NOT_CASE_DATA = ['agencies', 'role_assignments', 'role_offers', 'sso_providers', 'audit_events', 'publications', 'publication_search', 'partnership_brands', 'partnership_hosts'];

describe.each(ENGINES)('the cases tables on %s', (engine) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase(engine);
  });
  afterAll(async () => {
    await t.database.close();
    await t.drop();
  });

  it('each have forced row-level security with the tenant policy, as does every other table of case data', async () => {
    const tenantTables = await t.database.pool.query<{ table_name: string }>(
      `select table_name from information_schema.columns
        where column_name = 'partnership_id' and table_schema = current_schema() and not (table_name = any($1))`,
      [NOT_CASE_DATA],
    );
    const unprotected = await t.database.pool.query<{ relname: string }>(
      `select c.relname from pg_class c where c.relname = any($1) and c.relkind = 'r'
          and not (c.relrowsecurity and c.relforcerowsecurity
                   and exists (select 1 from pg_policies p where p.tablename = c.relname and p.policyname = 'tenant_rows'))`,
      [tenantTables.rows.map((r) => r.table_name)],
    );
    expect(tenantTables.rows.length).toBeGreaterThan(TABLES.length);
    expect(unprotected.rows.map((r) => r.relname)).toEqual([]);
    const { rows } = await t.database.pool.query<{ relname: string; on: boolean; forced: boolean; policy: string | null }>(
      `select c.relname, c.relrowsecurity as on, c.relforcerowsecurity as forced, p.qual as policy
         from pg_class c left join pg_policies p on p.tablename = c.relname and p.policyname = 'tenant_rows'
        where c.relname = any($1) order by c.relname`,
      [[...TABLES]],
    );
    expect(rows.map((r) => r.relname)).toEqual([...TABLES].sort());
    for (const r of rows) {
      expect(r, r.relname).toMatchObject({ on: true, forced: true });
      expect(r.policy, r.relname).toContain('cspr_tenant_allows(partnership_id)');
    }
  });
});

/**
 * On PostgreSQL the tenant policy holds for the cases tables against the application's own role:
 * a role that is neither superuser nor has BYPASSRLS sees and writes only its partnerships' rows,
 * even with a query that forgot its partnership filter.
 */
describe.each(ENGINES.filter((e) => e === 'postgres'))('row-level security of cases on %s', (engine) => {
  let t: TestDatabase;
  let appDb: Kysely<DB>;
  const role = `cspr_app_${randomUUID().slice(0, 8)}`;
  const cipher = createFieldCipher(Buffer.alloc(32, 7));
  const ids: Record<'A' | 'B', { partnership: string; incident: string }> = { A: { partnership: '', incident: '' }, B: { partnership: '', incident: '' } };

  beforeAll(async () => {
    t = await openTestDatabase(engine);
    const db = t.database.db;
    const today = todayInLondon(new Date());
    const facts: Facts = { outcome: 'serious-harm', abuseOrNeglect: 'suspected', location: 'in-area', incidentOn: null, aware: '2025-03-03', whatIsKnown: 'x', agencyIds: [], otherAgencies: '' };
    for (const key of ['A', 'B'] as const) {
      const p = await addPartnership(db, { slug: `rls-${key.toLowerCase()}`, name: `Partnership ${key}` });
      const agency = await addAgency(db, { partnershipId: p.id, name: `School ${key}`, kind: 'relevant-agency' });
      const user = await createUser(db, { email: `admin-${key.toLowerCase()}@example.org`, name: `Admin ${key}`, grants: [{ role: 'partnership-admin', partnershipId: p.id }] });
      const actor = { userId: user.id, name: `Admin ${key}` };
      const made = await recordIncident(db, cipher, actor, { partnershipId: p.id, facts, children: [{ pseudonym: `Child ${key}`, name: `Name ${key}`, dateOfBirth: null, nhsNumber: '', address: '', familyNames: '', gender: null, ageAtIncident: 3, ageBand: null, lookedAfter: false, careLeaver: false }] }, today);
      if (!made.ok) throw new Error('not recorded');
      const everyone = () => () => true;
      await recordWorkflowStep(db, [p.id], actor, made.id, 'notify', { date: '2025-03-05', reference: '', note: '' }, everyone, today);
      // Only the review's 6 months may pause (a notification or rapid review clock is refused): a stored pause row is enough here.
      const refused = await changeClock(db, cipher, [p.id], actor, made.id, 'rapid-review', { action: 'pause', on: '2025-03-06', reason: 'Inquest' }, everyone, today);
      expect(refused.ok).toBe(false);
      await withTenant(db, [p.id], (trx) => trx.insertInto('clock_pauses').values({ incident_id: made.id, partnership_id: p.id, clock_key: 'review-completion', paused_on: '2025-03-06', reason: 'Inquest', panel_told_on: null, sos_told_on: null, paused_by: user.id }).execute());
      await createReferral(db, cipher, actor, { partnershipId: p.id, agencyId: agency.id, summary: `Referral ${key}`, details: 'd', receivedOn: '2025-03-03' }, today);
      ids[key] = { partnership: p.id, incident: made.id };
    }
    // The stored clocks of both cases (the pause above, made by hand, dropped them).
    await listIncidents(db, 'all', today);
    const pool = t.database.pool;
    await pool.query(`create role ${role} login`);
    await pool.query(`grant usage on schema public to ${role}`);
    await pool.query(`grant select, insert, update on all tables in schema public to ${role}`);
    // Stored clocks are replaced whole when worked out again (the runtime role may delete: roles.ts).
    await pool.query(`grant delete on case_clock_sets, case_clocks to ${role}`);
    await pool.query(`grant usage on all sequences in schema public to ${role}`);
    const url = new URL(t.url as string);
    url.username = role;
    url.password = '';
    appDb = new Kysely<DB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url.toString(), max: 2 }) }) });
  });
  afterAll(async () => {
    await appDb?.destroy();
    await t.database.close();
    await t.drop();
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`drop role if exists ${role}`);
    await admin.end();
  });

  it.each(TABLES.map((x) => [x]))('%s: shows nothing without a scope, and only the scope’s partnership with one', async (table) => {
    expect(await appDb.selectFrom(table).select('partnership_id').execute()).toEqual([]);
    const onlyA = await withTenant(appDb, [ids.A.partnership], (trx) => trx.selectFrom(table).select('partnership_id').execute());
    expect(onlyA.length).toBeGreaterThan(0);
    expect(new Set(onlyA.map((r) => r.partnership_id))).toEqual(new Set([ids.A.partnership]));
    const all = await withTenant(appDb, 'all', (trx) => trx.selectFrom(table).select('partnership_id').execute());
    expect(new Set(all.map((r) => r.partnership_id))).toEqual(new Set([ids.A.partnership, ids.B.partnership]));
  });

  it('lists only the scope’s incidents through the service', async () => {
    const listed = await listIncidents(appDb, [ids.A.partnership], todayInLondon(new Date()));
    expect(listed.map((i) => i.id)).toEqual([ids.A.incident]);
  });

  it('refuses to write a row into another partnership', async () => {
    await expect(
      withTenant(appDb, [ids.A.partnership], (trx) =>
        trx.insertInto('case_events').values({ incident_id: ids.B.incident, partnership_id: ids.B.partnership, kind: 'recorded' }).execute(),
      ),
    ).rejects.toThrow(/row-level security/);
    // An update aimed at the other partnership's incident touches nothing.
    const result = await withTenant(appDb, [ids.A.partnership], (trx) => trx.updateTable('incidents').set({ state: 'closed' }).where('id', '=', ids.B.incident).executeTakeFirst());
    expect(Number(result.numUpdatedRows)).toBe(0);
    const b = await withTenant(appDb, 'all', (trx) => trx.selectFrom('incidents').select('state').where('id', '=', ids.B.incident).executeTakeFirstOrThrow());
    expect(b.state).toBe('notified');
  });
});
