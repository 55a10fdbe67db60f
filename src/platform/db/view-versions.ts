import { sql, type Kysely } from 'kysely';
import { type AuditEntry, auditRows } from '../audit/audit.ts';
import { recordViewsTogether } from '../audit/view-recorder.ts';
import type { TenantScope } from './tenant.ts';
import { holdsTransaction, TransactionMisuseError } from './transaction.ts';
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
  const { rows } = await sql<{ v: string }>`select cspr_view_version(${scopesOf(scope)}::text[]) as v`.execute(db);
  return rows[0].v;
}

/**
 * For a kept page served again: appends its view entries if the counters are still `expected` (those
 * it was kept under) and returns the counters either way, in one statement shared with the views
 * arriving beside it (view-recorder.ts). The page may be sent only when they equal `expected`;
 * otherwise nothing was recorded, and the caller reads the data afresh.
 */
export async function recordViewsIfUnchanged(db: Kysely<DB>, scope: TenantScope, expected: string, entries: readonly AuditEntry[]): Promise<string> {
  // The page goes out once this resolves: its entries must be committed by then, not held by a transaction.
  if (db.isTransaction || holdsTransaction()) throw new TransactionMisuseError('A kept page’s views are recorded outside any transaction.');
  return (await recordViewsTogether(db, { scopes: scopesOf(scope), expected, canonical: auditRows(entries).canonical })) ?? '';
}

/** The counters to read: the partnerships' and the deployment's ('*'); null for every one. */
function scopesOf(scope: TenantScope): string[] | null {
  if (scope === 'all') return null;
  for (const id of scope) if (!/^[0-9a-f-]{36}$/.test(id)) throw new Error('A partnership id is malformed.');
  return ['*', ...scope];
}
