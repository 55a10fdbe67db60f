import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { FileStoreConfig } from '../config/config.ts';
import type { FieldCipher } from '../crypto/field-encryption.ts';
import type { DB, FileBackend } from '../db/types.ts';
import { FileStoreUnavailableError, type ChunkBackend, type FileLayout } from './backends.ts';
import { databaseBackend } from './database-backend.ts';
import { chunkLayout, CHUNK_BYTES, newDataKey, openChunk, StoredFileDamagedError, storedChunks } from './envelope.ts';
import { inTransaction } from '../db/transaction.ts';

/**
 * The one place files are kept, for every feature: agency answers, report versions, published
 * reports. A file is kept once per content (named by its sha256) and recorded in the database;
 * its bytes go to the configured backend (the database itself by default, or an S3-compatible
 * bucket). Files that are not public are encrypted with a key of their own, wrapped by the master
 * key (see envelope.ts), so a copy of the store alone reveals nothing.
 */

/** 'private': encrypted at rest. 'public': a published report, which may be kept plain. */
export type FileAccess = 'private' | 'public';

export type StoredFile = {
  sha256: string;
  size: number;
  encrypted: boolean;
  /** The bytes, read and decrypted chunk by chunk; the stream fails if they are not what was stored. */
  stream(): Readable;
  bytes(): Promise<Buffer>;
};

export type StoredFileRow = { sha256: string; size: number; chunk_size: number; chunks: number; data_key_enc: string | null; backend: FileBackend };

export type FileStore = {
  readonly backend: FileBackend;
  /**
   * Keeps `bytes` and returns their sha256. Given a transaction, the file commits (or not) with it,
   * together with the record that names the file. The same content is kept once: if it is already
   * there, nothing is written.
   */
  put(db: Kysely<DB>, bytes: Buffer, access: FileAccess): Promise<string>;
  /** The file, or null when there is none. `from`: the transaction to read in, if the caller holds one. */
  open(sha256: string, from?: Kysely<DB>): Promise<StoredFile | null>;
  /** The whole file in memory, or null when there is none: for files a feature reads itself (text extraction). */
  read(sha256: string, from?: Kysely<DB>): Promise<Buffer | null>;
  /** Resolves when the database and the backend answer. */
  check(): Promise<void>;
  /** The stored form of a file, chunk by chunk (for backups: sealed files stay sealed). */
  storedChunks(db: Kysely<DB>, row: StoredFileRow): AsyncIterable<Buffer>;
  /** Writes a file's stored form (from a backup) to this store's backend, within `db`'s transaction. */
  writeStoredChunks(db: Kysely<DB>, row: StoredFileRow, chunks: AsyncIterable<Buffer>): Promise<void>;
};

export function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const SHA256 = /^[0-9a-f]{64}$/;

export function layoutOf(row: StoredFileRow): FileLayout {
  const layout = chunkLayout(row.size, row.chunk_size, row.data_key_enc !== null);
  if (layout.chunks !== row.chunks) throw new StoredFileDamagedError('A stored file’s record does not match its size.');
  return { sha256: row.sha256, ...layout };
}

export type FileStoreOptions = { db: Kysely<DB>; cipher: FieldCipher; config: FileStoreConfig; chunkBytes?: number };

export function createFileStore(options: FileStoreOptions): FileStore {
  const { db, cipher } = options;
  const chunkBytes = options.chunkBytes ?? CHUNK_BYTES;
  let s3: Promise<ChunkBackend> | null = null;
  /** The S3 client is loaded only by deployments that use it. */
  const s3Backend = (): Promise<ChunkBackend> => {
    const config = options.config;
    if (config.backend !== 's3') return Promise.reject(new FileStoreUnavailableError('A file is kept in object storage, but FILE_STORE is not s3: set FILE_STORE=s3 and the S3_ variables of its bucket.'));
    s3 ??= import('./s3-backend.ts').then((m) => m.createS3Backend(config));
    return s3;
  };
  const backendFor = (name: FileBackend): Promise<ChunkBackend> => (name === 'database' ? Promise.resolve(databaseBackend) : s3Backend());
  const configured = options.config.backend;

  async function* plainChunks(from: Kysely<DB>, row: StoredFileRow): AsyncGenerator<Buffer> {
    const layout = layoutOf(row);
    const dataKey = row.data_key_enc ? Buffer.from(cipher.decrypt(row.data_key_enc), 'base64') : null;
    const hash = createHash('sha256');
    let index = 0;
    let size = 0;
    for await (const stored of (await backendFor(row.backend)).read(from, layout)) {
      const plain = dataKey ? openChunk(dataKey, index, index === layout.chunks - 1, stored) : stored;
      hash.update(plain);
      size += plain.length;
      index++;
      yield plain;
    }
    if (index !== layout.chunks || size !== row.size || hash.digest('hex') !== row.sha256) {
      throw new StoredFileDamagedError('A stored file is damaged: its content is not what was stored.');
    }
  }

  const store: FileStore = {
    backend: configured,
    async put(target, bytes, access) {
      const sha256 = sha256Of(bytes);
      const dataKey = access === 'private' ? newDataKey() : null;
      const layout = chunkLayout(bytes.length, chunkBytes, dataKey !== null);
      await inTransaction(target, async (trx) => {
        // The record first: a second writer of the same content waits on it, then finds it there.
        const inserted = await trx
          .insertInto('stored_files')
          .values({ sha256, size: bytes.length, chunk_size: chunkBytes, chunks: layout.chunks, data_key_enc: dataKey ? cipher.encrypt(dataKey.toString('base64')) : null, backend: configured })
          .onConflict((oc) => oc.column('sha256').doNothing())
          .returning('sha256')
          .executeTakeFirst();
        if (inserted) await (await backendFor(configured)).write(trx, { sha256, ...layout }, storedChunks(bytes, chunkBytes, dataKey));
      });
      return sha256;
    },
    async open(sha256, from = db) {
      if (!SHA256.test(sha256)) return null;
      const row = await from.selectFrom('stored_files').select(['sha256', 'size', 'chunk_size', 'chunks', 'data_key_enc', 'backend']).where('sha256', '=', sha256).executeTakeFirst();
      if (!row) return null;
      return {
        sha256,
        size: Number(row.size),
        encrypted: row.data_key_enc !== null,
        stream: () => Readable.from(plainChunks(from, row), { objectMode: false }),
        async bytes() {
          const parts: Buffer[] = [];
          for await (const part of plainChunks(from, row)) parts.push(part);
          return Buffer.concat(parts);
        },
      };
    },
    async read(sha256, from = db) {
      const file = await store.open(sha256, from);
      return file ? file.bytes() : null;
    },
    async check() {
      await (await backendFor(configured)).check(db);
    },
    async *storedChunks(from, row) {
      yield* (await backendFor(row.backend)).read(from, layoutOf(row));
    },
    async writeStoredChunks(target, row, chunks) {
      await (await backendFor(configured)).write(target, layoutOf(row), chunks);
    },
  };
  return store;
}
