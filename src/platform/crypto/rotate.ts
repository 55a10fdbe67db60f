import { sql, type Kysely } from 'kysely';
import { recordAudit } from '../audit/audit.ts';
import type { Database } from '../db/database.ts';
import { takeServiceLockAlone } from '../db/service-lock.ts';
import type { DB } from '../db/types.ts';
import { createFieldCipher, KeyError, type FieldCipher } from './field-encryption.ts';
import { checkMasterKey, encryptedColumns, keyFingerprint, keyState, KeyMismatchError, showFingerprint, whereTheKeyGoes } from './master-key.ts';
import { inTransaction } from '../db/transaction.ts';

/**
 * Key rotation: every encrypted value (the columns ending _enc, which include the wrapped keys of
 * stored files, so files are re-keyed without touching their bytes) is re-encrypted from the old
 * master key to the new one, a batch of rows per transaction. The database records the rotation
 * ('next' beside 'current' in encryption_keys) before the first value changes, and each value says
 * by itself which key it is under (only one of them opens it), so an interrupted rotation is
 * finished by running it again with the same two keys. The service does not start while a rotation
 * is unfinished, and a rotation does not run while any instance of the service runs.
 */

const BATCH = 200;

export type RotationReport = {
  /** Values re-encrypted now. */
  reencrypted: number;
  /** Values already under the new key (an earlier, interrupted run got to them). */
  alreadyDone: number;
  /** Values neither key opens (they were unreadable before), left as they are, by table.column. */
  unreadable: Record<string, number>;
  /** The rotation had already finished: nothing was re-encrypted. */
  wasComplete: boolean;
};

type Ciphers = { old: FieldCipher; next: FieldCipher };

/** The same value under the new key, or null when it is already under it; throws KeyError when neither key opens it. */
function reencrypt(value: string, ciphers: Ciphers): string | null {
  try {
    ciphers.next.decrypt(value);
    return null;
  } catch {
    // Not yet under the new key.
  }
  return ciphers.next.encrypt(ciphers.old.decrypt(value));
}

async function primaryKey(db: Kysely<DB>, table: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select a.attname as name from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any (i.indkey)
     where i.indrelid = ${table}::regclass and i.indisprimary order by array_position(i.indkey, a.attnum)`.execute(db);
  return rows.map((r) => r.name);
}

/** Re-encrypts one table's encrypted columns, a batch of rows per transaction, in primary-key order. */
async function rotateTable(db: Kysely<DB>, table: string, columns: string[], ciphers: Ciphers, report: RotationReport): Promise<void> {
  const key = await primaryKey(db, table);
  if (key.length === 0) throw new Error(`The table ${table} has encrypted columns but no primary key.`);
  const rowKey = sql`row(${sql.join(key.map((k) => sql.ref(k)))})::text`;
  let after = '';
  for (;;) {
    const done = await inTransaction(db, async (trx) => {
      await sql`select set_config('cspr.partnerships', '*', true)`.execute(trx);
      const { rows } = await sql<Record<string, string | null> & { row_key: string; row_id: string }>`
        select ${rowKey} as row_key, ctid::text as row_id, ${sql.join(columns.map((c) => sql.ref(c)))}
          from ${sql.table(table)} where ${rowKey} > ${after} order by 1 limit ${BATCH}`.execute(trx);
      for (const row of rows) {
        const changes: Record<string, string> = {};
        for (const column of columns) {
          const value = row[column];
          if (value === null || value === undefined) continue;
          try {
            const rotated = reencrypt(value, ciphers);
            if (rotated === null) report.alreadyDone++;
            else changes[column] = rotated;
          } catch (err) {
            if (!(err instanceof KeyError)) throw err;
            report.unreadable[`${table}.${column}`] = (report.unreadable[`${table}.${column}`] ?? 0) + 1;
          }
        }
        const set = Object.entries(changes);
        if (set.length > 0) {
          await sql`update ${sql.table(table)} set ${sql.join(set.map(([c, v]) => sql`${sql.ref(c)} = ${v}`))} where ctid = ${row.row_id}::tid`.execute(trx);
          report.reencrypted += set.length;
        }
      }
      if (rows.length > 0) after = rows[rows.length - 1].row_key;
      return rows.length < BATCH;
    });
    if (done) return;
  }
}

/**
 * Rotates the master key from `oldKey` (the configured one) to `newKey`. Refuses while the service
 * runs, when `oldKey` is not this database's key, and when an unfinished rotation was to another key.
 */
export async function rotateMasterKey(database: Database, oldKey: Buffer, newKey: Buffer, dataDir: string): Promise<RotationReport> {
  const db = database.db;
  const oldPrint = keyFingerprint(oldKey);
  const newPrint = keyFingerprint(newKey);
  if (oldPrint === newPrint) throw new KeyError('NEW_DATA_ENCRYPTION_KEY is the key already in use: make a new one (openssl rand -base64 32).');
  const lock = await takeServiceLockAlone(database);
  try {
    const report: RotationReport = { reencrypted: 0, alreadyDone: 0, unreadable: {}, wasComplete: false };
    let state = await keyState(db);
    // Finished before (perhaps all but replacing the key file): nothing to re-encrypt.
    if (state.current === newPrint && !state.next) return { ...report, wasComplete: true };
    if (state.next && state.next !== newPrint) {
      throw new KeyMismatchError(`An unfinished key rotation was to another key (fingerprint ${showFingerprint(state.next)}): set NEW_DATA_ENCRYPTION_KEY to that key to finish it first.`);
    }
    if (!state.next) {
      // The configured key must be this database's (recorded now if it never was).
      await checkMasterKey(db, oldKey, dataDir);
      await db.insertInto('encryption_keys').values({ state: 'next', fingerprint: newPrint }).execute();
      state = await keyState(db);
    } else if (state.current !== oldPrint) {
      throw new KeyMismatchError(
        `The configured key (fingerprint ${showFingerprint(oldPrint)}) is not the one this rotation started from (${state.current ? showFingerprint(state.current) : 'unknown'}): ${whereTheKeyGoes(dataDir)} the old key, and NEW_DATA_ENCRYPTION_KEY to the new one.`,
      );
    }
    const ciphers: Ciphers = { old: createFieldCipher(oldKey), next: createFieldCipher(newKey) };
    for (const [table, columns] of await encryptedColumns(db)) await rotateTable(db, table, columns, ciphers, report);
    await inTransaction(db, async (trx) => {
      await trx.deleteFrom('encryption_keys').where('state', '=', 'current').execute();
      await trx.updateTable('encryption_keys').set({ state: 'current', recorded_at: new Date() }).where('state', '=', 'next').execute();
    });
    await recordAudit(db, {
      action: 'encryption-key-rotated',
      recordType: 'deployment',
      changes: { before: { fingerprint: oldPrint }, after: { fingerprint: newPrint, reencrypted: report.reencrypted, unreadable: report.unreadable } },
    });
    return report;
  } finally {
    await lock.release();
  }
}
