import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Database } from './database.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url));

export class MigrationError extends Error {}

export function listMigrations(dir = MIGRATIONS_DIR): { name: string; file: string }[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ name: f.replace(/\.sql$/, ''), file: path.join(dir, f) }));
}

/**
 * Applies every migration not yet recorded, each in its own transaction, in name order.
 * An advisory lock makes several instances starting at once take turns.
 * Returns the names applied now.
 */
export async function migrate(database: Database, dir = MIGRATIONS_DIR): Promise<string[]> {
  const client = await database.pool.connect();
  const applied: string[] = [];
  try {
    await client.query(`select pg_advisory_lock(hashtext('cspr-hub:migrations'))`);
    await client.query(
      `create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())`,
    );
    const done = new Set(
      (await client.query<{ name: string }>('select name from schema_migrations')).rows.map((r) => r.name),
    );
    for (const m of listMigrations(dir)) {
      if (done.has(m.name)) continue;
      const text = fs.readFileSync(m.file, 'utf8');
      try {
        // The migration, its record and its transaction go as one message (a simple query of several
        // statements, which the server runs in order and stops at the first error): one trip instead
        // of four, which counts on the embedded engine, where each is a message to its thread. The name
        // is a file name of digits, lower-case letters and underscores (listMigrations), quoted anyway.
        await client.query(`begin;\n${text}\n;\ninsert into schema_migrations (name) values (${pg.escapeLiteral(m.name)});\ncommit;`);
        applied.push(m.name);
      } catch (err) {
        await client.query('rollback').catch(() => {});
        throw new MigrationError(
          `Migration ${m.name} failed and was rolled back (${(err as Error).message}). ` +
            'The database is unchanged by it; fix the migration or the data, then start again.',
        );
      }
    }
    // The embedded engine has no autovacuum: rows a migration rewrote (0049 rewrites every page of the
    // public repository) would stay behind as dead space for good, and its statistics would be stale.
    // (VACUUM cannot run inside a transaction, so not in a migration.) A server's autovacuum does this.
    if (applied.length > 0 && database.engine === 'embedded') await client.query('vacuum analyze');
  } finally {
    await client.query(`select pg_advisory_unlock(hashtext('cspr-hub:migrations'))`).catch(() => {});
    client.release();
  }
  return applied;
}
