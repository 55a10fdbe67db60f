import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import type { DB } from '../db/types.ts';

/** What backup and restore know of the schema, read from the database itself. */

export const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * Every table of the service that holds data, in foreign-key order: referenced tables come before the
 * tables that refer to them. Not the change counters of kept pages (view_versions, migration 0044) and
 * of search's facet rows (search_version, 0046): they hold no data, and a restore's own rows move them
 * anyway (its inserts are changes).
 */
export async function userTables(client: pg.PoolClient): Promise<string[]> {
  const tables = (
    await client.query<{ name: string }>(
      `select table_name as name from information_schema.tables
        where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name not in ('schema_migrations', 'view_versions', 'search_version')
        order by table_name`,
    )
  ).rows.map((r) => r.name);
  const deps = (
    await client.query<{ child: string; parent: string }>(
      `select c.conrelid::regclass::text as child, c.confrelid::regclass::text as parent
         from pg_constraint c join pg_namespace n on n.oid = c.connamespace
        where c.contype = 'f' and n.nspname = current_schema()`,
    )
  ).rows;
  const ordered: string[] = [];
  const seen = new Set<string>();
  const visit = (t: string, path: Set<string>) => {
    if (seen.has(t) || path.has(t)) return;
    path.add(t);
    for (const d of deps) if (d.child === t && d.parent !== t) visit(d.parent, path);
    seen.add(t);
    ordered.push(t);
  };
  for (const t of tables) visit(t, new Set());
  return ordered;
}

/** The columns a row is written and restored with (generated columns are computed again). */
export async function writableColumns(client: pg.PoolClient, table: string): Promise<string[]> {
  return (
    await client.query<{ name: string }>(
      `select column_name as name from information_schema.columns
        where table_schema = current_schema() and table_name = $1 and is_generated = 'NEVER'
        order by ordinal_position`,
      [table],
    )
  ).rows.map((r) => r.name);
}

/**
 * Kysely on one connection that is already in a transaction (a backup's snapshot, a restore's
 * transaction), so the file store reads and writes inside it. It must not open transactions itself.
 */
export function kyselyOn(client: pg.PoolClient): Kysely<DB> {
  const borrowed = { query: client.query.bind(client), release: () => {} } as unknown as pg.PoolClient;
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool: { connect: async () => borrowed, end: async () => {} } as unknown as pg.Pool }) });
}
