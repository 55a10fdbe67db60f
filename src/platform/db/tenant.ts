import type { Kysely, Transaction } from 'kysely';
import { withSetting } from './transaction.ts';
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

/**
 * Runs `work` with the tenant scope set: in a transaction of its own, or — when `db` is already
 * a transaction (a change and its audit entry together) — in that one, the caller's scope put
 * back afterwards.
 */
export function withTenant<T>(db: Kysely<DB>, scope: TenantScope, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return withSetting(db, tenantSetting(scope), work);
}
