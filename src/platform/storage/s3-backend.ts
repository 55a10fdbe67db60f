import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { FileStoreConfig } from '../config/config.ts';
import { FileStoreUnavailableError, type ChunkBackend } from './backends.ts';
import { StoredFileDamagedError } from './envelope.ts';

type S3Config = Extract<FileStoreConfig, { backend: 's3' }>;

/** An object the service never writes: reading it says whether the bucket answers, and to whom. */
const PROBE = '.cspr-store-check';

/**
 * Files kept in an S3-compatible bucket, one object per file (its stored chunks one after the
 * other), named by the file's sha256 under S3_PREFIX. Only object operations are used (no bucket
 * listing or creation), so a key limited to the one prefix is enough. The record of each file
 * stays in the database and is written in the caller's transaction after the object; an object
 * whose transaction rolled back is unreachable, and the next upload of the same content replaces it.
 */
export function createS3Backend(config: S3Config): ChunkBackend {
  const client = new S3Client({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle,
    ...(config.credentials ? { credentials: config.credentials } : {}),
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 120_000 },
    // Sealed chunks carry their own integrity; streaming uploads of a known length then work with
    // every S3-compatible service, including those without the newer trailing checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // Failures are reported by what they cause (FileStoreUnavailableError), not written to the console.
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} },
  });
  const where = `the S3 bucket ${config.bucket}${config.endpoint ? ` at ${new URL(config.endpoint).host}` : ''}`;
  const keyOf = (sha256: string) => `${config.prefix}${sha256}`;
  const unavailable = (err: unknown) => {
    if (err instanceof FileStoreUnavailableError || err instanceof StoredFileDamagedError) return err;
    const e = err as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const reason = e instanceof S3ServiceException ? `${e.name}${e.$metadata?.httpStatusCode ? ` ${e.$metadata.httpStatusCode}` : ''}` : (e.code ?? e.name ?? 'error');
    return new FileStoreUnavailableError(`The file store (${where}) cannot be reached (${reason}). Check FILE_STORE and the S3_ variables, and that the service is up.`);
  };

  return {
    name: 's3',
    async write(_db, file, chunks) {
      try {
        await client.send(
          new PutObjectCommand({ Bucket: config.bucket, Key: keyOf(file.sha256), Body: Readable.from(chunks), ContentLength: file.storedBytes, ContentType: 'application/octet-stream' }),
        );
      } catch (err) {
        throw unavailable(err);
      }
    },
    async *read(_db, file) {
      let body: Readable;
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: config.bucket, Key: keyOf(file.sha256) }));
        body = object.Body as Readable;
      } catch (err) {
        if (err instanceof S3ServiceException && err.name === 'NoSuchKey') throw new StoredFileDamagedError(`A stored file is missing from ${where}.`);
        throw unavailable(err);
      }
      // The object is the chunks one after the other: cut it back into them.
      let index = 0;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      try {
        for await (const part of body as AsyncIterable<Buffer>) {
          pending.push(part);
          pendingBytes += part.length;
          while (index < file.chunks && pendingBytes >= file.storedChunkBytes(index)) {
            const all = pending.length === 1 ? pending[0] : Buffer.concat(pending);
            const size = file.storedChunkBytes(index);
            yield all.subarray(0, size);
            pending = size < all.length ? [all.subarray(size)] : [];
            pendingBytes = all.length - size;
            index++;
          }
        }
      } catch (err) {
        throw unavailable(err);
      }
      if (index !== file.chunks || pendingBytes !== 0) throw new StoredFileDamagedError(`A stored file in ${where} is not the length it was stored with.`);
    },
    async check() {
      try {
        const probe = await client.send(new GetObjectCommand({ Bucket: config.bucket, Key: keyOf(PROBE) }));
        (probe.Body as Readable | undefined)?.destroy();
      } catch (err) {
        if (err instanceof S3ServiceException && err.name === 'NoSuchKey') return;
        if (err instanceof S3ServiceException && err.name === 'NoSuchBucket') {
          throw new FileStoreUnavailableError(`The bucket ${config.bucket} does not exist${config.endpoint ? ` at ${new URL(config.endpoint).host}` : ''}: create it, or set S3_BUCKET to one that does.`);
        }
        throw unavailable(err);
      }
    },
  };
}
