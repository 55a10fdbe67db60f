import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type pg from 'pg';
import { signCheckpoint, type AuditCheckpoint, type CheckpointKey } from '../audit/checkpoints.ts';
import type { Database } from '../db/database.ts';
import { layoutOf, type FileStore, type StoredFileRow } from '../storage/file-store.ts';
import { BACKUP_FORMAT, BACKUP_VERSION, FILE_BYTES_TABLE, lineHasher, type BackupHeader, type BackupManifest, type FileMarker, type TableMarker } from './format.ts';
import { ident, kyselyOn, userTables, writableColumns } from './tables.ts';
import { sealOf } from './seal.ts';

/** Rows fetched at a time from a table's cursor. */
const BATCH = 500;

export type BackupSummary = { tables: number; rows: number; files: number; storedBytes: number; keyFingerprint: string | null };

/**
 * A signed anchor of the audit trail as the backup's snapshot holds it (its newest entry), kept in
 * the manifest: `cspr audit verify --checkpoint` on a restored database then shows that its trail
 * is the one backed up. Null without a key (or with an empty trail).
 */
async function backupAuditCheckpoint(client: pg.PoolClient, key: CheckpointKey | undefined): Promise<AuditCheckpoint | null> {
  if (!key) return null;
  const newest = (await client.query<{ seq: string; hash: string; at: Date }>('select seq, hash, at from audit_events order by seq desc limit 1')).rows[0];
  return newest ? signCheckpoint(key, { seq: Number(newest.seq), hash: newest.hash, at: new Date(newest.at).toISOString() }) : null;
}

/**
 * Writes everything — every row of every table and every stored file — from one repeatable-read
 * snapshot, so the copy is consistent while the service keeps working. Streamed: rows a batch at
 * a time and files a chunk at a time, never the whole backup in memory. Written aside and renamed
 * into place when complete, so FILE is either the whole backup or absent.
 */
export async function backup(database: Database, files: FileStore, file: string, keys: { checkpoint?: CheckpointKey; seal: Buffer }): Promise<BackupSummary> {
  const client = await database.pool.connect();
  const tmp = `${file}.partial`;
  const summary: BackupSummary = { tables: 0, rows: 0, files: 0, storedBytes: 0, keyFingerprint: null };
  try {
    await client.query('begin isolation level repeatable read read only');
    // A backup holds every partnership's rows (row-level security otherwise shows none).
    await client.query(`select set_config('cspr.partnerships', '*', true)`);
    const migrations = (await client.query<{ name: string }>('select name from schema_migrations order by name')).rows.map((r) => r.name);
    summary.keyFingerprint = (await client.query<{ fingerprint: string }>(`select fingerprint from encryption_keys where state = 'current'`)).rows[0]?.fingerprint ?? null;
    const tables = (await userTables(client)).filter((t) => t !== FILE_BYTES_TABLE);
    const manifest: BackupManifest = { tables: {}, files: { count: 0, storedBytes: 0, sha256: {} }, auditCheckpoint: await backupAuditCheckpoint(client, keys.checkpoint) };
    const snapshot = kyselyOn(client);

    // Every line before the manifest, as its seal covers them (seal.ts).
    const digest = createHash('sha256');
    async function* sections(): AsyncGenerator<string> {
      const header: BackupHeader = { format: BACKUP_FORMAT, version: BACKUP_VERSION, createdAt: new Date().toISOString(), engine: database.engine, migrations, keyFingerprint: summary.keyFingerprint };
      yield `${JSON.stringify(header)}\n`;
      for (const table of tables) {
        const columns = await writableColumns(client, table);
        const count = Number((await client.query<{ n: string }>(`select count(*) as n from ${ident(table)}`)).rows[0].n);
        yield `${JSON.stringify({ table, columns, rows: count } satisfies TableMarker)}\n`;
        const hash = lineHasher();
        const list = columns.map(ident).join(', ');
        // Rows go through Postgres' own JSON conversion both ways, so every column type survives.
        await client.query(`declare backup_rows no scroll cursor for select row_to_json(r)::text as j from (select ${list} from ${ident(table)} order by 1) r`);
        let written = 0;
        for (;;) {
          const { rows } = await client.query<{ j: string }>(`fetch ${BATCH} from backup_rows`);
          for (const r of rows) {
            hash.add(r.j);
            yield `${r.j}\n`;
          }
          written += rows.length;
          if (rows.length < BATCH) break;
        }
        await client.query('close backup_rows');
        if (written !== count) throw new Error(`${table} changed while it was being written`);
        manifest.tables[table] = { rows: count, sha256: hash.hex() };
        summary.tables++;
        summary.rows += count;
      }
      const stored = (await client.query<StoredFileRow>('select sha256, size, chunk_size, chunks, data_key_enc, backend from stored_files order by sha256')).rows;
      for (const row of stored) {
        const { storedBytes } = layoutOf(row);
        yield `${JSON.stringify({ file: row.sha256, chunks: row.chunks, storedBytes } satisfies FileMarker)}\n`;
        const hash = createHash('sha256');
        let bytes = 0;
        for await (const chunk of files.storedChunks(snapshot, row)) {
          hash.update(chunk);
          bytes += chunk.length;
          yield `${JSON.stringify(chunk.toString('base64'))}\n`;
        }
        if (bytes !== storedBytes) throw new Error(`the stored file ${row.sha256} is not the length it was stored with`);
        manifest.files.count++;
        manifest.files.storedBytes += bytes;
        manifest.files.sha256[row.sha256] = hash.digest('hex');
      }
      summary.files = manifest.files.count;
      summary.storedBytes = manifest.files.storedBytes;
    }
    async function* lines(): AsyncGenerator<string> {
      for await (const line of sections()) {
        digest.update(line);
        yield line;
      }
      manifest.seal = sealOf(keys.seal, digest.digest('hex'));
      yield `${JSON.stringify({ manifest })}\n`;
    }
    await pipeline(Readable.from(lines()), zlib.createGzip(), fs.createWriteStream(tmp, { mode: 0o600 }));
    fs.renameSync(tmp, file);
    await client.query('commit');
    return summary;
  } catch (err) {
    await client.query('rollback').catch(() => {});
    fs.rmSync(tmp, { force: true });
    throw err;
  } finally {
    client.release();
  }
}
