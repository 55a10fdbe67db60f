import { sql, type Kysely } from 'kysely';
import type { DB } from '../../src/platform/db/types.ts';

/**
 * Runs `work` on an append-only table with its trigger lifted, as someone with the database (its
 * owner, a superuser) might: the attacks the audit trail must show.
 */
export async function behindTheTrigger(db: Kysely<DB>, table: 'audit_events' | 'audit_checkpoints', work: () => Promise<unknown>): Promise<void> {
  const trigger = sql.raw(`${table}_no_change`);
  await sql`alter table ${sql.table(table)} disable trigger ${trigger}`.execute(db);
  try {
    await work();
  } finally {
    await sql`alter table ${sql.table(table)} enable trigger ${trigger}`.execute(db);
  }
}

/** Removes the entries (or checkpoints) from `seq` on. */
export function removeFrom(db: Kysely<DB>, table: 'audit_events' | 'audit_checkpoints', seq: number): Promise<void> {
  return behindTheTrigger(db, table, () => sql`delete from ${sql.table(table)} where seq >= ${seq}`.execute(db));
}
