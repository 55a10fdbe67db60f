import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, freshDir, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { S3_CREDENTIALS, startS3Server, type TestS3 } from '../../../test/support/s3.ts';
import { restore } from '../backup/restore.ts';
import { backup } from '../backup/write.ts';
import type { FileStoreConfig } from '../config/config.ts';
import { createFieldCipher, KeyError } from '../crypto/field-encryption.ts';
import type { Database } from '../db/database.ts';
import { FileStoreUnavailableError } from './backends.ts';
import { StoredFileDamagedError } from './envelope.ts';
import { createFileStore, sha256Of, type FileStore } from './file-store.ts';
import { inTransaction } from '../db/transaction.ts';
import { sealKeyFrom } from '../backup/seal.ts';

const KEY = randomBytes(32);
const SEAL = sealKeyFrom(KEY);
const SECRET = Buffer.from('a chronology naming Zebedee Fictitious, born 1 April 2015');
/** Several chunks of 64 KiB, the secret in the middle of the second. */
const PRIVATE = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(100_000), SECRET, randomBytes(60_000)]);
const PUBLIC = Buffer.concat([Buffer.from('%PDF-1.7\n% a published report: '), SECRET, randomBytes(70_000)]);
const CHUNK = 64 * 1024;

async function collect(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

const cases = ENGINES.flatMap((engine) => (['database', 's3'] as const).map((backend) => [engine, backend] as const));

describe.each(cases)('the file store on the %s engine, files in %s', (engine, backend) => {
  let t: TestDatabase;
  let s3: TestS3 | null = null;
  let config: FileStoreConfig;
  let files: FileStore;
  let raw: S3Client;
  const storeWith = (database: Database, c = config, key = KEY) => createFileStore({ db: database.db, cipher: createFieldCipher(key), config: c, chunkBytes: CHUNK });

  /** The bytes as kept by the backend, for looking at what a copy of the store holds. */
  async function storedBytes(sha256: string): Promise<Buffer> {
    if (backend === 'database') {
      const rows = await t.database.db.selectFrom('stored_file_chunks').select('data').where('sha256', '=', sha256).orderBy('n').execute();
      return Buffer.concat(rows.map((r) => r.data));
    }
    const object = await raw.send(new GetObjectCommand({ Bucket: s3!.bucket, Key: `files/${sha256}` }));
    return collect(object.Body as Readable);
  }

  beforeAll(async () => {
    t = await openTestDatabase(engine);
    if (backend === 's3') {
      s3 = await startS3Server();
      config = s3.config;
      raw = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_CREDENTIALS });
    } else {
      config = { backend: 'database' };
    }
    files = storeWith(t.database);
  });
  afterAll(async () => {
    raw?.destroy();
    await s3?.close();
    await t.database.close();
    await t.drop();
  });

  it('keeps a file once per content, encrypted unless public, and gives back its bytes', async () => {
    const sha = await files.put(t.database.db, PRIVATE, 'private');
    expect(sha).toBe(sha256Of(PRIVATE));
    expect(await files.put(t.database.db, PRIVATE, 'private')).toBe(sha);
    const rows = await t.database.db.selectFrom('stored_files').selectAll().where('sha256', '=', sha).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ size: PRIVATE.length, chunks: 3, backend });
    expect(rows[0].data_key_enc).toMatch(/^v1\./);

    const opened = await files.open(sha);
    expect(opened).toMatchObject({ sha256: sha, size: PRIVATE.length, encrypted: true });
    expect((await opened!.bytes()).equals(PRIVATE)).toBe(true);
    expect((await collect(opened!.stream())).equals(PRIVATE)).toBe(true);
    // A copy of the store reveals nothing: the secret is not in the stored bytes.
    const sealed = await storedBytes(sha);
    expect(sealed.length).toBe(PRIVATE.length + 3 * 16);
    expect(sealed.includes(SECRET)).toBe(false);

    const published = await files.put(t.database.db, PUBLIC, 'public');
    expect((await files.open(published))?.encrypted).toBe(false);
    expect((await storedBytes(published)).equals(PUBLIC)).toBe(true);
    expect(await files.read(published)).toEqual(PUBLIC);

    expect(await files.open(sha256Of(Buffer.from('never stored')))).toBeNull();
    expect(await files.open('../secrets')).toBeNull();
  });

  it('keeps nothing when the transaction that stored the file rolls back', async () => {
    const bytes = randomBytes(1000);
    await expect(
      inTransaction(t.database.db, async (trx) => {
        await files.put(trx, bytes, 'private');
        throw new Error('the record could not be written');
      }),
    ).rejects.toThrow('the record could not be written');
    expect(await files.open(sha256Of(bytes))).toBeNull();
    // Stored again later, it is whole.
    await files.put(t.database.db, bytes, 'private');
    expect((await files.read(sha256Of(bytes)))?.equals(bytes)).toBe(true);
  });

  it('refuses to give back a file whose stored bytes were changed, or with another master key', async () => {
    const bytes = randomBytes(CHUNK + 10);
    const sha = await files.put(t.database.db, bytes, 'private');
    await expect(storeWith(t.database, config, randomBytes(32)).read(sha)).rejects.toThrow(KeyError);
    const tampered = await storedBytes(sha);
    tampered[CHUNK + 20] ^= 1;
    if (backend === 'database') {
      await t.database.db.updateTable('stored_file_chunks').set({ data: tampered.subarray(CHUNK + 16) }).where('sha256', '=', sha).where('n', '=', 1).execute();
    } else {
      await raw.send(new PutObjectCommand({ Bucket: s3!.bucket, Key: `files/${sha}`, Body: tampered }));
    }
    await expect(files.read(sha)).rejects.toThrow(StoredFileDamagedError);
    await expect(collect((await files.open(sha))!.stream())).rejects.toThrow(StoredFileDamagedError);

    // A plain file changed in the store fails its hash.
    const plain = randomBytes(500);
    const plainSha = await files.put(t.database.db, plain, 'public');
    const changed = Buffer.from(plain);
    changed[3] ^= 1;
    if (backend === 'database') await t.database.db.updateTable('stored_file_chunks').set({ data: changed }).where('sha256', '=', plainSha).execute();
    else await raw.send(new PutObjectCommand({ Bucket: s3!.bucket, Key: `files/${plainSha}`, Body: changed }));
    await expect(files.read(plainSha)).rejects.toThrow(/not what was stored/);
  });

  it('says whether the store answers', async () => {
    await expect(files.check()).resolves.toBeUndefined();
    if (backend !== 's3') return;
    await expect(storeWith(t.database, { ...s3!.config, bucket: 'no-such-bucket' }).check()).rejects.toThrow(/The bucket no-such-bucket does not exist/);
    await expect(storeWith(t.database, { ...s3!.config, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'wrong' } }).check()).rejects.toThrow(FileStoreUnavailableError);
    // Nothing listens there: unreachable, and a file put meanwhile leaves no record.
    const down = storeWith(t.database, { ...s3!.config, endpoint: 'http://127.0.0.1:9' });
    await expect(down.check()).rejects.toThrow(/cannot be reached/);
    const bytes = randomBytes(100);
    await expect(inTransaction(t.database.db, (trx) => down.put(trx, bytes, 'private'))).rejects.toThrow(FileStoreUnavailableError);
    expect(await files.open(sha256Of(bytes))).toBeNull();
  });

  it('backs up its files and restores them into either kind of store', async () => {
    const file = path.join(freshDir('store-backup'), 'with-files.gz');
    await backup(t.database, files, file, { seal: SEAL });
    const other = await startS3Server('cspr-restored');
    try {
      for (const target of [{ backend: 'database' } as const, other.config]) {
        const empty = await openTestDatabase(engine);
        try {
          await empty.database.pool.query('delete from partnerships');
          const restoredFiles = storeWith(empty.database, target);
          const summary = await restore(empty.database, restoredFiles, file, { sealKey: SEAL });
          expect(summary.files).toBeGreaterThanOrEqual(2);
          expect((await restoredFiles.read(sha256Of(PRIVATE)))?.equals(PRIVATE)).toBe(true);
          expect((await restoredFiles.read(sha256Of(PUBLIC)))?.equals(PUBLIC)).toBe(true);
          const backends = await empty.database.db.selectFrom('stored_files').select('backend').distinct().execute();
          expect(backends.map((b) => b.backend)).toEqual([target.backend]);
        } finally {
          await empty.database.close();
          await empty.drop();
        }
      }
    } finally {
      await other.close();
    }
  });
});
