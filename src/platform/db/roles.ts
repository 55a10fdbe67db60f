import pg from 'pg';
import { describeUrl, openDatabase, DatabaseOpenError, type Database } from './database.ts';
import { migrate } from './migrate.ts';

/**
 * Two PostgreSQL roles. The owner role owns the tables and runs the migrations
 * (MIGRATION_DATABASE_URL); the runtime role, which the service serves with (DATABASE_URL), owns
 * nothing, is not a superuser and has no BYPASSRLS, and is granted only what the service does:
 * reading and writing the tables, but only reading and appending the audit trail and its
 * checkpoints. So the service's own role cannot switch the trail's protection off — altering a
 * table (its triggers, its row-level security) and dropping a policy are for its owner.
 */

export class RoleSetUpError extends Error {}

/** The role a connection string names; the runtime role must be named so it can be granted its rights. */
export function roleOf(url: string): string {
  const user = decodeURIComponent(new URL(url).username);
  if (!user) throw new RoleSetUpError(`DATABASE_URL (${describeUrl(url)}) must name its role (postgres://ROLE:…@…) when MIGRATION_DATABASE_URL is set.`);
  return user;
}

const AUDIT_TABLES = ['audit_events', 'audit_checkpoints'];

/**
 * Grants the runtime role its rights on every table the migrations made, again after each
 * migration (new tables included). Refuses a runtime role that could lift the protection itself.
 */
export async function grantRuntimeRights(owner: pg.Pool, role: string): Promise<void> {
  const client = await owner.connect();
  try {
    const found = await client.query<{ rolsuper: boolean; rolbypassrls: boolean }>('select rolsuper, rolbypassrls from pg_roles where rolname = $1', [role]);
    if (found.rows.length === 0) throw new RoleSetUpError(`The runtime role ${role} does not exist: create it (create role ${role} login password '…').`);
    if (found.rows[0].rolsuper || found.rows[0].rolbypassrls) {
      throw new RoleSetUpError(`The runtime role ${role} is a superuser or has BYPASSRLS: the service must run as a role that is neither.`);
    }
    const owned = await client.query<{ name: string }>(
      `select tablename as name from pg_tables where schemaname = current_schema() and pg_has_role($1, tableowner, 'MEMBER')`,
      [role],
    );
    if (owned.rows.length > 0) {
      throw new RoleSetUpError(`The runtime role ${role} owns tables (${owned.rows.map((r) => r.name).join(', ')}): give them to the owner role (alter table … owner to …), or use another runtime role.`);
    }
    const who = pg.escapeIdentifier(role);
    const schema = pg.escapeIdentifier((await client.query<{ s: string }>('select current_schema() as s')).rows[0].s);
    const auditTables = AUDIT_TABLES.map((t) => pg.escapeIdentifier(t)).join(', ');
    await client.query('begin');
    await client.query(`grant usage on schema ${schema} to ${who}`);
    await client.query(`grant select, insert, update, delete on all tables in schema ${schema} to ${who}`);
    // The trail and its checkpoints: read and appended to, never changed or removed.
    await client.query(`revoke update, delete, truncate on ${auditTables} from ${who}`);
    await client.query(`revoke insert, update, delete, truncate on schema_migrations from ${who}`);
    await client.query(`grant usage, select on all sequences in schema ${schema} to ${who}`);
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Applies the migrations for a deployment: through its own connection, or — with
 * MIGRATION_DATABASE_URL — as the owner role, then granting the runtime role (DATABASE_URL's) its
 * rights. Returns the migrations applied now.
 */
export async function migrateDeployment(database: Database, config: { databaseUrl?: string | undefined; migrationDatabaseUrl?: string | undefined; dataDir: string }): Promise<string[]> {
  if (!config.migrationDatabaseUrl || !config.databaseUrl) return migrate(database);
  const role = roleOf(config.databaseUrl);
  let owner: Database;
  try {
    owner = await openDatabase({ dataDir: config.dataDir, databaseUrl: config.migrationDatabaseUrl });
  } catch (err) {
    if (err instanceof DatabaseOpenError) throw new DatabaseOpenError(err.message.replace('Check DATABASE_URL', 'Check MIGRATION_DATABASE_URL'));
    throw err;
  }
  try {
    const applied = await migrate(owner);
    await grantRuntimeRights(owner.pool, role);
    return applied;
  } finally {
    await owner.close();
  }
}
