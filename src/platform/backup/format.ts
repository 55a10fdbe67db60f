import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { jsonLines } from '../db/json-lines.ts';
import { listMigrations } from '../db/migrate.ts';

/**
 * The backup file: gzip'd JSON lines, read and written as a stream.
 *
 *   {"format":"cspr-hub-backup","version":2,…,"keyFingerprint":…}      the header
 *   {"table":"T","columns":[…],"rows":N}  then N lines, one row each    every table, referenced first
 *   {"file":"<sha256>","chunks":N,"storedBytes":B}  then N lines        every stored file, as stored
 *       (a JSON string of base64 each: sealed files stay sealed)
 *   {"manifest":{"tables":{T:{rows,sha256}},"files":{…},"auditCheckpoint":…,"seal":…}}   the last line
 *
 * Every section says how many lines follow, so a value can never be mistaken for a section, and
 * the manifest's counts and hashes (of the lines as written, and of each file's stored bytes)
 * prove the file whole: a backup cut short or damaged is refused before anything is kept. Version 3
 * on, the seal (seal.ts, keyed by the data key) proves it unchanged since it was written.
 * Versions 1 (rows only, no counts, no files, no manifest) and 2 (no seal) are still read.
 */
export const BACKUP_FORMAT = 'cspr-hub-backup';
export const BACKUP_VERSION = 3;

export class BackupError extends Error {}

export type BackupHeader = {
  format: string;
  version: number;
  createdAt: string;
  engine: string;
  migrations: string[];
  /** Fingerprint of the master key the backup's encrypted data needs (see crypto/master-key.ts). Version 2 on. */
  keyFingerprint?: string | null;
};

export type TableMarker = { table: string; columns: string[]; rows: number };
export type FileMarker = { file: string; chunks: number; storedBytes: number };

export type BackupManifest = {
  tables: Record<string, { rows: number; sha256: string }>;
  files: { count: number; storedBytes: number; sha256: Record<string, string> };
  /**
   * AUDIT CHECKPOINT: a signed anchor of the audit trail (its last entry, signed) taken in the
   * backup's snapshot, so a restored trail can be shown to be the one backed up (written by
   * backupAuditCheckpoint() in write.ts; null when the backup was made without the key).
   */
  auditCheckpoint: unknown;
  /** HMAC of every line before the manifest (seal.ts). Version 3 on; absent when written without a key. */
  seal?: string | null;
};

/** The manifest as read, with the SHA-256 of every line before it (what its seal covers). */
export type ReadManifest = { manifest: BackupManifest; linesDigest: string };

/** The table whose rows are not written as rows: the bytes of stored files travel in file sections. */
export const FILE_BYTES_TABLE = 'stored_file_chunks';

/** Hash of lines as the backup holds them (each with its newline). */
export function lineHasher(): { add(line: string): void; hex(): string } {
  const hash: Hash = createHash('sha256');
  return {
    add: (line) => hash.update(line).update('\n'),
    hex: () => hash.digest('hex'),
  };
}

/** The lines of a backup, one at a time; a file cut short or not gzip'd is a BackupError. */
export class BackupLines {
  private readonly iterator: AsyncIterator<string>;
  private readonly input: fs.ReadStream;
  private started = false;
  /** Every line read but the last (seal.ts): the manifest, when it is the last, is not in it. */
  private readonly digest = createHash('sha256');
  private last: string | null = null;
  readonly file: string;

  /** `file` names the backup in what is said of it; its bytes are read from `from` (a private copy of it, say). */
  constructor(file: string, from = file) {
    if (!fs.existsSync(from)) throw new BackupError(`There is no backup file at ${file}.`);
    this.file = file;
    this.input = fs.createReadStream(from);
    const gunzip = zlib.createGunzip();
    // pipe() does not pass on a read error: without this, an unreadable file would never end.
    this.input.on('error', (err) => gunzip.destroy(err));
    this.iterator = jsonLines(this.input.pipe(gunzip))[Symbol.asyncIterator]();
  }

  /** The SHA-256 (hex) of every line read before the last one read. */
  digestBeforeLast(): string {
    return this.digest.copy().digest('hex');
  }

  /** The next line, or null at the end of the file. */
  async maybeNext(): Promise<string | null> {
    const line = await this.read();
    if (line !== null) {
      if (this.last !== null) this.digest.update(this.last).update('\n');
      this.last = line;
    }
    return line;
  }

  private async read(): Promise<string | null> {
    let result: IteratorResult<string>;
    try {
      result = await this.iterator.next();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (!code.startsWith('Z_') && code !== 'ERR_INVALID_ARG_TYPE' && code !== '') throw new BackupError(`The backup ${this.file} cannot be read (${code}).`);
      if (!this.started) throw new BackupError(`${this.file} is not a CSPR Hub backup (it is not a gzip file).`);
      throw new BackupError(`The backup ${this.file} is damaged or incomplete (${(err as Error).message}); use another copy.`);
    }
    this.started = true;
    return result.done ? null : result.value;
  }

  async next(): Promise<string> {
    const line = await this.maybeNext();
    if (line === null) throw new BackupError(`The backup ${this.file} is incomplete: it ends before its manifest. Use another copy.`);
    return line;
  }

  close(): void {
    this.input.destroy();
  }
}

function parseJson(line: string, file: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    throw new BackupError(`The backup ${file} is damaged: a line is not JSON. Use another copy.`);
  }
}

/** Reads and checks the header: a CSPR Hub backup this version can read, with no migration it does not know. */
export async function readHeader(lines: BackupLines): Promise<BackupHeader> {
  const first = await lines.maybeNext();
  let header: BackupHeader;
  try {
    header = JSON.parse(first ?? '') as BackupHeader;
  } catch {
    throw new BackupError(`${lines.file} is not a CSPR Hub backup (its first line is not a backup header).`);
  }
  if (header === null || typeof header !== 'object' || header.format !== BACKUP_FORMAT || typeof header.version !== 'number' || !Array.isArray(header.migrations)) {
    throw new BackupError(`${lines.file} is not a CSPR Hub backup.`);
  }
  if (header.version > BACKUP_VERSION) {
    throw new BackupError(`The backup was made by a newer version of CSPR Hub (backup format ${header.version}; this version reads up to ${BACKUP_VERSION}). Upgrade first.`);
  }
  const known = new Set(listMigrations().map((m) => m.name));
  const unknown = header.migrations.filter((m) => !known.has(m));
  if (unknown.length > 0) {
    throw new BackupError(`The backup was made by a newer version of CSPR Hub (it has migration ${unknown[0]}). Upgrade first.`);
  }
  return header;
}

export type Section =
  | { kind: 'table'; table: string; columns: string[]; rows: AsyncIterable<string> }
  | { kind: 'file'; sha256: string; chunks: number; storedBytes: number; data: AsyncIterable<Buffer> };

/** Exactly `count` items read by `read`; what the consumer leaves is read by `drain` (so the next section starts right). */
function counted<T>(count: number, read: () => Promise<T>): { items: AsyncIterable<T>; drain(): Promise<void> } {
  let done = 0;
  const next = async (): Promise<IteratorResult<T>> => {
    if (done >= count) return { done: true, value: undefined };
    done++;
    return { done: false, value: await read() };
  };
  return {
    // return() does nothing: a consumer that stops early leaves the rest to drain().
    items: { [Symbol.asyncIterator]: () => ({ next, return: async () => ({ done: true, value: undefined }) }) },
    async drain() {
      while (done < count) await next();
    },
  };
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * The sections of a version 2 backup after its header, in order, each checked against the manifest
 * at the end: the generator returns the manifest once every count and hash has matched, and throws
 * a BackupError otherwise. Consume each section's items before asking for the next section.
 */
export async function* readSections(lines: BackupLines): AsyncGenerator<Section, ReadManifest> {
  const seenTables: BackupManifest['tables'] = {};
  const seenFiles: BackupManifest['files'] = { count: 0, storedBytes: 0, sha256: {} };
  const damaged = (what: string) => new BackupError(`The backup ${lines.file} is damaged: ${what}. Use another copy.`);
  for (;;) {
    const marker = parseJson(await lines.next(), lines.file) as Partial<TableMarker & FileMarker & { manifest: BackupManifest }>;
    if (typeof marker?.table === 'string' && Array.isArray(marker.columns) && Number.isInteger(marker.rows)) {
      const hash = lineHasher();
      const rows = counted(marker.rows as number, async () => {
        const line = await lines.next();
        hash.add(line);
        return line;
      });
      yield { kind: 'table', table: marker.table, columns: marker.columns, rows: rows.items };
      await rows.drain();
      seenTables[marker.table] = { rows: marker.rows as number, sha256: hash.hex() };
    } else if (typeof marker?.file === 'string' && SHA256.test(marker.file) && Number.isInteger(marker.chunks) && Number.isInteger(marker.storedBytes)) {
      const hash = createHash('sha256');
      let bytes = 0;
      const data = counted(marker.chunks as number, async () => {
        const value = parseJson(await lines.next(), lines.file);
        if (typeof value !== 'string') throw damaged(`a part of the file ${marker.file} is not where it should be`);
        const chunk = Buffer.from(value, 'base64');
        hash.update(chunk);
        bytes += chunk.length;
        return chunk;
      });
      yield { kind: 'file', sha256: marker.file, chunks: marker.chunks as number, storedBytes: marker.storedBytes as number, data: data.items };
      await data.drain();
      if (bytes !== marker.storedBytes) throw damaged(`the file ${marker.file} is not the length it was written with`);
      seenFiles.count++;
      seenFiles.storedBytes += bytes;
      seenFiles.sha256[marker.file] = hash.digest('hex');
    } else if (marker?.manifest && typeof marker.manifest === 'object') {
      const manifest = marker.manifest;
      const tableNames = new Set([...Object.keys(manifest.tables ?? {}), ...Object.keys(seenTables)]);
      for (const table of tableNames) {
        const want = manifest.tables?.[table];
        const got = seenTables[table];
        if (!want || !got || want.rows !== got.rows || want.sha256 !== got.sha256) throw damaged(`the rows of ${table} do not match its manifest`);
      }
      if (manifest.files?.count !== seenFiles.count || manifest.files.storedBytes !== seenFiles.storedBytes) throw damaged('its files do not match its manifest');
      for (const [sha256, hash] of Object.entries(seenFiles.sha256)) {
        if (manifest.files.sha256?.[sha256] !== hash) throw damaged(`the file ${sha256} does not match its manifest`);
      }
      const linesDigest = lines.digestBeforeLast();
      if ((await lines.maybeNext()) !== null) throw damaged('something follows its manifest');
      return { manifest, linesDigest };
    } else {
      throw damaged('a section does not start where it should');
    }
  }
}
