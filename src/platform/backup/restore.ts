import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { createFieldCipher } from '../crypto/field-encryption.ts';
import { ENCRYPTED_VALUE, keyFingerprint, showFingerprint, whereTheKeyGoes } from '../crypto/master-key.ts';
import type { Database } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import type { FileStore, StoredFileRow } from '../storage/file-store.ts';
import { BackupError, BackupLines, FILE_BYTES_TABLE, readHeader, readSections, type BackupHeader } from './format.ts';
import { ident, kyselyOn, userTables } from './tables.ts';
import { checkSeal, unsealedRefusal } from './seal.ts';

/** Rows inserted per statement. */
const BATCH = 500;

/**
 * Tables that hold the deployment's own state rather than data: a database that has them filled
 * still counts as empty, and the backup's rows replace them. (The recorded key fingerprint: the
 * key was checked against the backup's before anything was written.)
 */
const DEPLOYMENT_STATE = new Set(['encryption_keys']);

/**
 * Columns a migration dropped, by migration and table. A backup made before that migration still
 * holds them; restored into today's schema they are left out. Only derived data may be listed here
 * (what it held is made again after the load), never a column whose content moved elsewhere.
 */
const DROPPED_COLUMNS: Record<string, Record<string, readonly string[]>> = {
  // The whole-text vector moved to publication_search (made again below for such a backup).
  '0043_search_word_pairs': { publications: ['doc_tsv'] },
};

/** The first value of an encrypted column in a version 1 backup (those carry no key fingerprint). */
async function firstEncryptedValue(file: string): Promise<string | null> {
  const lines = new BackupLines(file);
  try {
    await readHeader(lines);
    let encrypted: string[] = [];
    for (let line = await lines.maybeNext(); line !== null; line = await lines.maybeNext()) {
      if (line.startsWith('{"table":')) {
        encrypted = (JSON.parse(line) as { columns: string[] }).columns.filter((c) => c.endsWith('_enc'));
        continue;
      }
      if (encrypted.length === 0 || line === '') continue;
      const row = JSON.parse(line) as Record<string, unknown>;
      for (const c of encrypted) if (typeof row[c] === 'string' && ENCRYPTED_VALUE.test(row[c])) return row[c];
    }
    return null;
  } finally {
    lines.close();
  }
}

/**
 * Checks, before anything is written anywhere, that the backup can be restored with the configured
 * master key (null: none configured, and none will be made). Returns the backup's header.
 */
export async function checkRestoreKey(file: string, key: Buffer | null, dataDir: string): Promise<BackupHeader> {
  const lines = new BackupLines(file);
  let header: BackupHeader;
  try {
    header = await readHeader(lines);
  } finally {
    lines.close();
  }
  const configured = key ? keyFingerprint(key) : null;
  if (header.version >= 2) {
    const needed = header.keyFingerprint;
    if (!needed || needed === configured) return header;
    throw new BackupError(
      configured
        ? `The backup was made with another data encryption key (fingerprint ${showFingerprint(needed)}; the configured key is ${showFingerprint(configured)}): ${whereTheKeyGoes(dataDir)} the key of the deployment the backup came from, then restore again.`
        : `The backup’s data needs the encryption key of the deployment it came from (fingerprint ${showFingerprint(needed)}), and none is configured: ${whereTheKeyGoes(dataDir)} that key, then restore again.`,
    );
  }
  const sample = await firstEncryptedValue(file);
  if (!sample) return header;
  if (key) {
    try {
      createFieldCipher(key).decrypt(sample);
      return header;
    } catch {
      // Falls through to the refusal.
    }
  }
  throw new BackupError(`The backup’s encrypted data does not open with the ${key ? 'configured key' : 'key, as none is configured'}: ${whereTheKeyGoes(dataDir)} the key of the deployment the backup came from, then restore again.`);
}

export type RestoreSummary = { tables: number; rows: number; files: number };

export type RestoreOptions = {
  /** The deployment's seal key (seal.ts, from its data key); null: none configured. */
  sealKey: Buffer | null;
  /** Restore a backup whose seal cannot be checked (older, or made without a key): asked for by name. */
  unsealed?: boolean;
};

/**
 * Loads a backup into an empty data folder or database, in one transaction: either all of it
 * arrives or nothing does. The backup is read whole first, and one found damaged against its
 * manifest, or whose seal does not match, is refused before anything is written. A backup whose
 * seal does not hold with this key is restored only with `unsealed`. File bytes go to the
 * configured file store. Call checkRestoreKey first.
 */
export async function restore(database: Database, files: FileStore, file: string, options: RestoreOptions): Promise<RestoreSummary> {
  if (!fs.existsSync(file)) throw new BackupError(`There is no backup file at ${file}.`);
  // Both readings (checkWhole's and the restore's) are of one private copy: whoever can write where
  // backups are kept could otherwise change the file between them, after it was checked.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cspr-restore-'));
  const copy = path.join(dir, 'backup.gz');
  try {
    await fs.promises.copyFile(file, copy);
    return await restoreFrom(database, files, file, copy, options);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function restoreFrom(database: Database, files: FileStore, file: string, copy: string, options: RestoreOptions): Promise<RestoreSummary> {
  const lines = new BackupLines(file, copy);
  const summary: RestoreSummary = { tables: 0, rows: 0, files: 0 };
  let client: pg.PoolClient | null = null;
  try {
    const header = await readHeader(lines);
    // Known from the header: before version 3, no backup carries a seal.
    if (header.version < 3 && !options.unsealed) throw unsealedRefusal(file, header, 'none');
    await migrate(database);
    client = await database.pool.connect();
    const tx = client;
    await tx.query('begin');
    await tx.query(`select set_config('cspr.partnerships', '*', true)`);
    await tx.query('set constraints all deferred');
    // Tables a migration seeds (their comment says 'Seeded by migration…') hold rows in any fresh
    // database: they count as empty, and the backup's rows replace the seeded ones.
    const replaced = new Set([
      ...DEPLOYMENT_STATE,
      ...(
        await tx.query<{ name: string }>(
          `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = current_schema() and c.relkind = 'r' and obj_description(c.oid, 'pg_class') like 'Seeded by migration%'`,
        )
      ).rows.map((r) => r.name),
    ]);
    for (const table of await userTables(tx)) {
      if (replaced.has(table)) continue;
      const { rows: found } = await tx.query(`select 1 from ${ident(table)} limit 1`);
      if (found.length > 0) {
        throw new BackupError(
          'A backup restores only into an empty data folder or database, and this one already holds data. ' +
            'Point DATA_DIR (or DATABASE_URL) at an empty one.',
        );
      }
    }

    // Before anything is written: the whole backup against its manifest and seal.
    if (header.version >= 2) await checkWhole(file, copy, options);

    const dropped = new Set(
      Object.entries(DROPPED_COLUMNS)
        .filter(([migration]) => !header.migrations.includes(migration))
        .flatMap(([, tables]) => Object.entries(tables).flatMap(([table, columns]) => columns.map((c) => `${table}.${c}`))),
    );
    const insertRows = async (table: string, columns: string[], rows: AsyncIterable<string>) => {
      if (replaced.has(table)) await tx.query(`delete from ${ident(table)}`);
      // A dropped column's values are simply not read: json_populate_recordset ignores their keys.
      const list = columns.filter((c) => !dropped.has(`${table}.${c}`)).map(ident).join(', ');
      let batch: string[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        await tx.query(
          `insert into ${ident(table)} (${list}) overriding system value
           select ${list} from json_populate_recordset(null::${ident(table)}, $1::json)`,
          [`[${batch.join(',')}]`],
        );
        summary.rows += batch.length;
        batch = [];
      };
      for await (const line of rows) {
        if (line === '') continue;
        batch.push(line);
        if (batch.length >= BATCH) await flush();
      }
      await flush();
      summary.tables++;
    };

    if (header.version >= 2) {
      const inTransaction = kyselyOn(tx);
      const sections = readSections(lines);
      let next = await sections.next();
      for (; !next.done; next = await sections.next()) {
        const section = next.value;
        if (section.kind === 'table') {
          if (section.table === FILE_BYTES_TABLE) throw new BackupError(`The backup ${file} is damaged: it holds file bytes as rows. Use another copy.`);
          await insertRows(section.table, section.columns, section.rows);
        } else {
          const { rows } = await tx.query<StoredFileRow>('select sha256, size, chunk_size, chunks, data_key_enc, backend from stored_files where sha256 = $1', [section.sha256]);
          if (!rows[0]) throw new BackupError(`The backup ${file} is damaged: it holds a file no record names. Use another copy.`);
          await files.writeStoredChunks(inTransaction, rows[0], section.data);
          summary.files++;
        }
      }
      const seal = checkSeal(file, header, next.value.manifest.seal, next.value.linesDigest, options.sealKey);
      if (seal !== 'holds' && !options.unsealed) throw unsealedRefusal(file, header, seal);
      // The bytes are where this deployment keeps files now.
      await tx.query('update stored_files set backend = $1 where backend <> $1', [files.backend]);
    } else {
      await restoreVersion1(lines, insertRows);
    }

    // Sequences carry on after the highest restored value.
    const seqs = await tx.query<{ t: string; c: string; s: string }>(
      `select table_name as t, column_name as c, pg_get_serial_sequence(quote_ident(table_name), column_name) as s
         from information_schema.columns where table_schema = current_schema()
          and pg_get_serial_sequence(quote_ident(table_name), column_name) is not null`,
    );
    for (const { t, c, s } of seqs.rows) {
      await tx.query(`select setval($1, coalesce((select max(${ident(c)}) from ${ident(t)}), 0) + 1, false)`, [s]);
    }

    // A publication's search row (migration 0043) is derived: a backup made before that table
    // existed has none, and a publication without one would be in no search and no list. After the
    // sequences: a new search row takes its number (ord, migration 0046) after the restored ones.
    await tx.query(
      `select cspr_index_publications(array(select p.id from publications p
         where not exists (select 1 from publication_search s where s.publication_id = p.id)))`,
    );
    await tx.query('commit');
    return summary;
  } catch (err) {
    await client?.query('rollback').catch(() => {});
    if (err instanceof BackupError) throw err;
    throw new BackupError(`The restore failed and nothing was kept (${(err as Error).message}).`);
  } finally {
    client?.release();
    lines.close();
  }
}

/**
 * The whole backup read once before anything is written: its counts and hashes against its manifest,
 * and its seal. A file's bytes may go to object storage, which the database's rollback does not
 * reach, so a changed backup must be refused before the first of them is written, not at its end.
 * The restore then reads the same private copy (and checks both again as it goes).
 */
async function checkWhole(file: string, copy: string, options: RestoreOptions): Promise<void> {
  const lines = new BackupLines(file, copy);
  try {
    const header = await readHeader(lines);
    // Each section's rows and bytes are read (and hashed) by readSections itself when left unread here.
    const sections = readSections(lines);
    let next = await sections.next();
    while (!next.done) next = await sections.next();
    const seal = checkSeal(file, header, next.value.manifest.seal, next.value.linesDigest, options.sealKey);
    if (seal !== 'holds' && !options.unsealed) throw unsealedRefusal(file, header, seal);
  } finally {
    lines.close();
  }
}

/** Version 1: a table's line, then its rows, until the next table's line or the end. */
async function restoreVersion1(lines: BackupLines, insertRows: (table: string, columns: string[], rows: AsyncIterable<string>) => Promise<void>): Promise<void> {
  const state: { next: string | null } = { next: await lines.maybeNext() };
  while (state.next !== null) {
    if (!state.next.startsWith('{"table":')) throw new BackupError(`The backup ${lines.file} is damaged: a section does not start where it should. Use another copy.`);
    const { table, columns } = JSON.parse(state.next) as { table: string; columns: string[] };
    state.next = null;
    async function* rows(): AsyncGenerator<string> {
      for (let line = await lines.maybeNext(); line !== null; line = await lines.maybeNext()) {
        if (line.startsWith('{"table":')) {
          state.next = line;
          return;
        }
        yield line;
      }
    }
    await insertRows(table, columns, rows());
  }
}
