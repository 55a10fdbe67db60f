import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/types.ts';
import type { ChunkBackend } from './backends.ts';
import { StoredFileDamagedError } from './envelope.ts';

/** Chunks read per query: two megabytes at most in memory per download, and the first bytes go out soon. */
const READ_BATCH = 2;

/**
 * Files kept in the database itself, a chunk a row: on both engines, written in the same
 * transaction as the record that names the file, seen at once by every instance, and carried by
 * every backup.
 */
export const databaseBackend: ChunkBackend = {
  name: 'database',
  async write(db, file, chunks) {
    let n = 0;
    for await (const data of chunks) {
      await db.insertInto('stored_file_chunks').values({ sha256: file.sha256, n, data }).execute();
      n++;
    }
    if (n !== file.chunks) throw new StoredFileDamagedError(`A file was cut short while being stored (${n} of ${file.chunks} parts).`);
  },
  async *read(db, file) {
    for (let from = 0; from < file.chunks; from += READ_BATCH) {
      const rows = await db
        .selectFrom('stored_file_chunks')
        .select(['n', 'data'])
        .where('sha256', '=', file.sha256)
        .where('n', '>=', from)
        .where('n', '<', from + READ_BATCH)
        .orderBy('n')
        .execute();
      for (const [i, row] of rows.entries()) {
        if (row.n !== from + i) throw new StoredFileDamagedError('A stored file is damaged: one of its parts is missing.');
        yield row.data;
      }
      if (rows.length !== Math.min(READ_BATCH, file.chunks - from)) throw new StoredFileDamagedError('A stored file is damaged: one of its parts is missing.');
    }
  },
  async check(db: Kysely<DB>) {
    await sql`select 1 from stored_file_chunks limit 1`.execute(db);
  },
};
