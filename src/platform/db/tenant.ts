import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from './types.ts';

/**
 * Row-level security, the second lock on tenant data. Tables holding a partnership's
 * case data carry a policy that shows only rows of the partnerships named in the
 * transaction setting `cspr.partnerships` ('*' for deployment-wide work such as
 * reminders and backups). Queries still filter by partnership themselves; the policy
 * catches the query that forgot. With no setting, the policy shows nothing: forgetting
 * `withTenant` fails closed.
 *
 * The policy binds on PostgreSQL when the service connects as a role that is not a
 * superuser and has no BYPASSRLS (tables use FORCE ROW LEVEL SECURITY, so the owner is
 * bound too). The embedded engine always runs as a superuser: there the queries' own
 * filters are the protection.
 */
export type TenantScope = string[] | 'all';

export function tenantSetting(scope: TenantScope): string {
  if (scope === 'all') return '*';
  for (const id of scope) if (!/^[0-9a-f-]{36}$/.test(id)) throw new Error('A partnership id is malformed.');
  return scope.join(',');
}

export async function withTenant<T>(db: Kysely<DB>, scope: TenantScope, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('cspr.partnerships', ${tenantSetting(scope)}, true)`.execute(trx);
    return work(trx);
  });
}
