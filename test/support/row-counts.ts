import { sql, type Kysely } from 'kysely';
import type { DB } from '../../src/platform/db/types.ts';

/**
 * The number of rows in every table of the service (sessions aside: reading a page may touch
 * them), to prove a refused request stored nothing, not even an audit entry.
 */
export async function rowCounts(db: Kysely<DB>): Promise<Record<string, number>> {
  const tables = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not in ('sessions', 'schema_migrations')
    order by table_name`.execute(db);
  const counts: Record<string, number> = {};
  for (const { name } of tables.rows) {
    const r = await sql<{ n: string | number }>`select count(*) as n from ${sql.table(name)}`.execute(db);
    counts[name] = Number(r.rows[0].n);
  }
  return counts;
}
