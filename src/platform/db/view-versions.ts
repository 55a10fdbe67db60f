import { sql, type Kysely } from 'kysely';
import type { TenantScope } from './tenant.ts';
import type { DB } from './types.ts';

/**
 * The change counters (migration 0044) of the partnerships in `scope` and of what every partnership's
 * pages depend on ('*'), as one string. Every committed change to a partnership's cases, reviews, clocks,
 * pauses, tasks, agencies or members, and every change of bank holidays, clock rules or calendar links,
 * moves one of them in its own transaction (triggers, whoever makes the change). So a page made from data
 * read after this string was read stays true for as long as the string is the same. One statement,
 * outside any transaction: counters only, no case data.
 */
export async function viewVersion(db: Kysely<DB>, scope: TenantScope): Promise<string> {
  if (Array.isArray(scope)) for (const id of scope) if (!/^[0-9a-f-]{36}$/.test(id)) throw new Error('A partnership id is malformed.');
  const wanted = scope === 'all' ? null : ['*', ...scope];
  const { rows } = await sql<{ v: string }>`
    select coalesce(string_agg(scope || ':' || version, ',' order by scope), '') as v
      from view_versions
     where ${wanted === null ? sql`true` : sql`scope = any(${wanted}::text[])`}`.execute(db);
  return rows[0]?.v ?? '';
}
