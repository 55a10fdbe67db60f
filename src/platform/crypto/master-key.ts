import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/types.ts';
import { createFieldCipher, KeyError, keyFilePath, parseKey } from './field-encryption.ts';
import { inTransaction } from '../db/transaction.ts';

/**
 * The master key (DATA_ENCRYPTION_KEY or the data folder's key file) encrypts identifying
 * fields and wraps the keys of stored files. The database records which key its data was
 * written with, by fingerprint, so that a service or a restore given another key refuses at
 * once, with a sentence saying what to set, instead of failing on every encrypted value later.
 */

/** An HMAC of a fixed label under the key: names the key without revealing anything of it. */
export function keyFingerprint(key: Buffer): string {
  return createHmac('sha256', key).update('cspr-hub master key fingerprint v1').digest('hex').slice(0, 32);
}

/** A fingerprint as people compare it: the first 16 characters in groups of four. */
export function showFingerprint(fingerprint: string): string {
  return fingerprint.slice(0, 16).replace(/(.{4})(?=.)/g, '$1-');
}

/** The configured key, without making a key file when there is none (restore and verify must not). */
export function existingKey(config: { dataEncryptionKey?: string | undefined; dataDir: string }): Buffer | null {
  if (config.dataEncryptionKey) return parseKey(config.dataEncryptionKey);
  const file = keyFilePath(config.dataDir);
  return fs.existsSync(file) ? parseKey(fs.readFileSync(file, 'utf8').trim()) : null;
}

/** Replaces the key file's key (after a rotation): written aside, then renamed over, never half-written. */
export function writeKeyFile(dataDir: string, key: Buffer): void {
  const file = keyFilePath(dataDir);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.new`;
  fs.writeFileSync(temp, key.toString('base64'), { mode: 0o600 });
  fs.renameSync(temp, file);
}

export class KeyMismatchError extends KeyError {}

/** What to set, in the words of the configuration. */
export function whereTheKeyGoes(dataDir: string): string {
  return `set DATA_ENCRYPTION_KEY (or the key file ${keyFilePath(dataDir)}) to`;
}

/** A value as the field cipher stores it: v1.<iv 12 bytes>.<tag 16 bytes>.<body>, base64url. */
export const ENCRYPTED_VALUE = /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]*$/;

/** Every encrypted column (the naming rule: columns ending _enc hold values of the field cipher), by table. */
export async function encryptedColumns(db: Kysely<DB>): Promise<Map<string, string[]>> {
  const { rows } = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns
     where table_schema = current_schema() and column_name like '%\\_enc' and data_type = 'text'
     order by table_name, ordinal_position`.execute(db);
  const byTable = new Map<string, string[]>();
  for (const r of rows) byTable.set(r.table_name, [...(byTable.get(r.table_name) ?? []), r.column_name]);
  return byTable;
}

/** The encrypted values of every encrypted column, of every partnership; `perColumn`: at most that many from each. */
export async function encryptedValues(db: Kysely<DB>, perColumn?: number): Promise<string[]> {
  const values: string[] = [];
  await inTransaction(db, async (trx) => {
    await sql`select set_config('cspr.partnerships', '*', true)`.execute(trx);
    for (const [table, columns] of await encryptedColumns(trx)) {
      for (const column of columns) {
        const limit = perColumn === undefined ? sql`` : sql`limit ${perColumn}`;
        const { rows } = await sql<{ v: string }>`select ${sql.ref(column)} as v from ${sql.table(table)} where ${sql.ref(column)} is not null ${limit}`.execute(trx);
        values.push(...rows.map((r) => r.v));
      }
    }
  });
  return values;
}

export type KeyState = { current: string | null; next: string | null };

export async function keyState(db: Kysely<DB>): Promise<KeyState> {
  const rows = await db.selectFrom('encryption_keys').select(['state', 'fingerprint']).execute();
  return { current: rows.find((r) => r.state === 'current')?.fingerprint ?? null, next: rows.find((r) => r.state === 'next')?.fingerprint ?? null };
}

/**
 * Checks that `key` is the key this database's encrypted data was written with, and records it
 * when the database has not recorded one yet (a new database, or one from before fingerprints:
 * then the encrypted values already there must open with it). Refuses during an unfinished
 * key rotation.
 */
export async function checkMasterKey(db: Kysely<DB>, key: Buffer, dataDir: string): Promise<void> {
  const fingerprint = keyFingerprint(key);
  const state = await keyState(db);
  if (state.next) {
    throw new KeyMismatchError(
      `A key rotation (to the key with fingerprint ${showFingerprint(state.next)}) is unfinished: run \`cspr keys rotate\` again with NEW_DATA_ENCRYPTION_KEY set to that key to finish it before anything else.`,
    );
  }
  if (state.current) {
    if (state.current === fingerprint) return;
    throw new KeyMismatchError(
      `The encrypted data in this database was written with another key (fingerprint ${showFingerprint(state.current)}, the configured key is ${showFingerprint(fingerprint)}): ${whereTheKeyGoes(dataDir)} the key it was written with.`,
    );
  }
  const cipher = createFieldCipher(key);
  // One value from each encrypted column that holds any is enough to tell.
  for (const value of await encryptedValues(db, 1)) {
    try {
      cipher.decrypt(value);
    } catch {
      throw new KeyMismatchError(`The encrypted data in this database was written with another key than the configured one (fingerprint ${showFingerprint(fingerprint)}): ${whereTheKeyGoes(dataDir)} the key it was written with.`);
    }
  }
  await db.insertInto('encryption_keys').values({ state: 'current', fingerprint }).onConflict((oc) => oc.column('state').doNothing()).execute();
  // Another process may have recorded a key at the same moment: check what stands.
  const recorded = await keyState(db);
  if (recorded.current !== fingerprint) return checkMasterKey(db, key, dataDir);
}
