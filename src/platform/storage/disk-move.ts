import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/types.ts';
import { sha256Of, type FileAccess, type FileStore } from './file-store.ts';
import { inTransaction } from '../db/transaction.ts';

/**
 * Before the file store, files were kept in each instance's DATA_DIR/files/<sha256>. On upgrade
 * they are moved into the store, once: each file is read and its hash checked against its name,
 * stored (with a record of the move, in one transaction), read back from the store and checked
 * again, and only then deleted from the disk. Interrupted at any point, the next run picks up
 * where it stopped and loses nothing; run again when done, it finds nothing to do.
 */

export function legacyFilesDir(dataDir: string): string {
  return path.join(dataDir, 'files');
}

export type MoveReport = {
  /** Stored now and deleted from the disk. */
  moved: number;
  /** Already in the store (a run was interrupted after storing): checked there, then deleted from the disk. */
  alreadyStored: number;
  /** Left on the disk: content that does not match its name (damaged), with the reason. */
  leftInPlace: { name: string; reason: string }[];
};

const STORED_NAME = /^[0-9a-f]{64}$/;

/** Published reports may be kept plain; anything a case or review names is encrypted. */
async function accessOf(db: Kysely<DB>, sha256: string): Promise<FileAccess> {
  const { rows } = await sql<{ private: boolean; public: boolean }>`
    select exists (select 1 from agency_requests where file_sha256 = ${sha256})
        or exists (select 1 from review_reports where file_sha256 = ${sha256}) as private,
           exists (select 1 from publications where file_sha256 = ${sha256}) as public`.execute(db);
  return rows[0]?.public && !rows[0].private ? 'public' : 'private';
}

export async function moveDiskFiles(db: Kysely<DB>, files: FileStore, dataDir: string): Promise<MoveReport> {
  const report: MoveReport = { moved: 0, alreadyStored: 0, leftInPlace: [] };
  const dir = legacyFilesDir(dataDir);
  if (!fs.existsSync(dir)) return report;
  const source = `${os.hostname()}:${path.resolve(dataDir)}`.slice(0, 500);
  for (const name of fs.readdirSync(dir).sort()) {
    const file = path.join(dir, name);
    if (!STORED_NAME.test(name)) {
      // Half-written copies of the old store (".<sha>.<id>.tmp") were never named by any record.
      if (/^\.[0-9a-f]{64}\.[0-9a-f-]{36}\.tmp$/.test(name)) fs.rmSync(file, { force: true });
      continue;
    }
    const bytes = fs.readFileSync(file);
    if (sha256Of(bytes) !== name) {
      report.leftInPlace.push({ name, reason: 'its content does not match its name (damaged on disk)' });
      continue;
    }
    // The transaction (which takes the tenant setting for the lookups) reads with every partnership in view.
    const stored = await inTransaction(db, async (trx) => {
      await sql`select set_config('cspr.partnerships', '*', true)`.execute(trx);
      const already = await trx.selectFrom('stored_files').select('sha256').where('sha256', '=', name).executeTakeFirst();
      if (!already) await files.put(trx, bytes, await accessOf(trx, name));
      await trx.insertInto('stored_file_moves').values({ sha256: name, source }).onConflict((oc) => oc.columns(['sha256', 'source']).doNothing()).execute();
      return !already;
    });
    const copy = await files.read(name);
    if (!copy || !copy.equals(bytes)) {
      report.leftInPlace.push({ name, reason: 'the copy in the store does not match it' });
      continue;
    }
    fs.rmSync(file);
    if (stored) report.moved++;
    else report.alreadyStored++;
  }
  if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
  return report;
}

/** The report in a sentence or two, or null when there was nothing to move. */
export function describeMove(report: MoveReport, dataDir: string): string | null {
  const done = report.moved + report.alreadyStored;
  if (done === 0 && report.leftInPlace.length === 0) return null;
  const lines: string[] = [];
  if (done > 0) lines.push(`Moved ${done} ${done === 1 ? 'file' : 'files'} from ${legacyFilesDir(dataDir)} into the file store.`);
  for (const { name, reason } of report.leftInPlace) lines.push(`Left ${path.join(legacyFilesDir(dataDir), name)} where it is: ${reason}.`);
  return lines.join('\n');
}
