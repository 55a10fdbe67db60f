import type { Kysely } from 'kysely';
import type { DB, FileBackend } from '../db/types.ts';

/**
 * Where the bytes of stored files go. The record of each file (its hash, size, wrapped key)
 * is always in the database; a backend keeps only the stored form (sealed or plain chunks).
 */
export type FileLayout = { sha256: string; chunks: number; storedBytes: number; storedChunkBytes: (index: number) => number };

export type ChunkBackend = {
  readonly name: FileBackend;
  /** Writes a file's stored chunks, in order. For the database, within the caller's transaction. */
  write(db: Kysely<DB>, file: FileLayout, chunks: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<void>;
  /** The file's stored chunks in order, read a few at a time. */
  read(db: Kysely<DB>, file: FileLayout): AsyncIterable<Buffer>;
  /** Resolves when the backend answers; throws FileStoreUnavailableError when not. */
  check(db: Kysely<DB>): Promise<void>;
};

/** The store cannot be reached: pages say so with 503, commands with one sentence and exit code 1. */
export class FileStoreUnavailableError extends Error {
  readonly statusCode = 503;
}
