import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, freshDir, serverUrlFor } from '../../../test/support/database.ts';
import { runCspr } from '../../../test/support/cli.ts';
import { signedInAs } from '../../../test/support/client.ts';
import { recordAudit } from '../audit/audit.ts';
import { checkpointKeyFrom, recordCheckpoint } from '../audit/checkpoints.ts';
import { loadConfig } from '../config/config.ts';
import { buildApp } from '../http/app.ts';
import { openDatabase, type Database } from './database.ts';
import { grantRuntimeRights, migrateDeployment, RoleSetUpError, roleOf } from './roles.ts';
import { withTenant } from './tenant.ts';

describe('the runtime role named by DATABASE_URL', () => {
  it('is the connection string’s user, which must be given', () => {
    expect(roleOf('postgres://cspr_app:secret@db.example:5432/cspr')).toBe('cspr_app');
    expect(roleOf('postgres://cspr%2Dapp@db.example/cspr')).toBe('cspr-app');
    expect(() => roleOf('postgres://db.example/cspr')).toThrow(RoleSetUpError);
  });

  it('needs DATABASE_URL beside MIGRATION_DATABASE_URL', () => {
    expect(() => loadConfig({ MIGRATION_DATABASE_URL: 'postgres://owner@db.example/cspr' })).toThrow(/set DATABASE_URL too/);
  });
});

/**
 * On PostgreSQL the service runs as a role that owns nothing: it cannot lift the audit trail's
 * protection (triggers, policies) nor change or remove entries, whatever query it is made to run.
 */
describe.each(ENGINES.filter((e) => e === 'postgres'))('two roles on %s', () => {
  const suffix = randomUUID().replaceAll('-', '').slice(0, 10);
  const owner = `cspr_owner_${suffix}`;
  const runtime = `cspr_run_${suffix}`;
  const name = `cspr_roles_${suffix}`;
  const urlFor = (role: string) => {
    const url = new URL(serverUrlFor(name));
    url.username = role;
    url.password = '';
    return url.toString();
  };
  const dataDir = freshDir('roles');
  const env = { DATABASE_URL: urlFor(runtime), MIGRATION_DATABASE_URL: urlFor(owner), DATA_DIR: dataDir, DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
  let admin: pg.Client;
  let database: Database;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`create role ${owner} login`);
    await admin.query(`create role ${runtime} login`);
    await admin.query(`create database ${name} owner ${owner}`);
    database = await openDatabase({ dataDir, databaseUrl: env.DATABASE_URL });
    await migrateDeployment(database, loadConfig(env));
    await recordAudit(database.db, { action: 'view', recordType: 'case', recordId: 'c1' });
  });
  afterAll(async () => {
    await database?.close();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`drop role if exists ${runtime}`);
    await admin.query(`drop role if exists ${owner}`);
    await admin.end();
  });

  const asRuntime = (text: string) => database.pool.query(text);

  it('migrates as the owner: the runtime role owns no table', async () => {
    const { rows } = await asRuntime(`select tablename, tableowner from pg_tables where schemaname = 'public'`);
    expect(rows.length).toBeGreaterThan(20);
    expect(rows.filter((r) => r.tableowner !== owner)).toEqual([]);
    expect((await asRuntime('select current_user as u')).rows[0].u).toBe(runtime);
  });

  it('lets the runtime role append to the trail and its checkpoints, and read them', async () => {
    await recordAudit(database.db, { action: 'view', recordType: 'case', recordId: 'c2' });
    expect(await recordCheckpoint(database.db, checkpointKeyFrom(Buffer.from(env.DATA_ENCRYPTION_KEY, 'base64')))).toMatchObject({ fresh: true });
  });

  it.each([
    ['change an entry', 'update audit_events set record_id = $$x$$', /permission denied/],
    ['remove entries', 'delete from audit_events', /permission denied/],
    ['empty the trail', 'truncate audit_events', /permission denied/],
    ['change a checkpoint', 'update audit_checkpoints set seq = 0', /permission denied/],
    ['remove checkpoints', 'delete from audit_checkpoints', /permission denied/],
    ['switch the append-only trigger off', 'alter table audit_events disable trigger audit_events_no_change', /must be owner/],
    ['drop the trigger', 'drop trigger audit_events_no_change on audit_events', /must be owner/],
    ['drop the reading policy', 'drop policy audit_read on audit_events', /must be owner/],
    ['switch row-level security off', 'alter table audit_events no force row level security', /must be owner/],
    ['drop the check on audited changes', 'drop trigger audited_change on incidents', /must be owner/],
    ['record a migration', `insert into schema_migrations (name) values ('9999_mine')`, /permission denied/],
  ])('refuses the runtime role to %s', async (_what, statement, refusal) => {
    await expect(asRuntime(statement)).rejects.toThrow(refusal);
  });

  it('serves as the runtime role: a change commits with its audit entry', async () => {
    const app = await buildApp({ config: loadConfig({ ...env, LOG_LEVEL: 'silent', RATE_LIMITS: 'off', SESSION_CACHE_MS: '0' }), database });
    await app.ready();
    try {
      const { client } = await signedInAs(app, []);
      const res = await client.post('/account/api-tokens', { name: 'as the runtime role', scope: 'read', expiresInDays: '90' });
      expect(res.statusCode).toBe(200);
      const token = await database.db.selectFrom('api_tokens').select('id').where('name', '=', 'as the runtime role').executeTakeFirstOrThrow();
      const entries = await withTenant(database.db, 'all', (trx) => trx.selectFrom('audit_events').select('action').where('record_id', '=', token.id).execute());
      expect(entries).toEqual([{ action: 'api-token-created' }]);
    } finally {
      await app.close();
    }
  });

  it('verifies the trail with the real command, migrating as the owner', async () => {
    const run = await runCspr(['audit', 'verify'], env);
    expect(run).toMatchObject({ code: 0, stdout: expect.stringContaining('The audit trail is intact') });
  });

  it('refuses to serve as a role that owns the tables or is a superuser', async () => {
    const ownerPool = new pg.Pool({ connectionString: env.MIGRATION_DATABASE_URL });
    // As the service's own pools do: pool.end() does not wait for its clients' sockets to close, and the
    // database dropped after this test would otherwise end one mid-close with an unhandled error.
    ownerPool.on('error', () => {});
    try {
      await expect(grantRuntimeRights(ownerPool, owner)).rejects.toThrow(/owns tables/);
      await expect(grantRuntimeRights(ownerPool, 'postgres')).rejects.toThrow(/superuser or has BYPASSRLS/);
      await expect(grantRuntimeRights(ownerPool, `nobody_${suffix}`)).rejects.toThrow(/does not exist/);
    } finally {
      await ownerPool.end();
    }
  });
});
