import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Envelope encryption of stored files. Each file has a random key of its own (the data key),
 * which is kept wrapped by the deployment's master key; the file is cut into chunks, each sealed
 * with AES-256-GCM under the data key. Chunks are sealed one by one so a file is encrypted and
 * decrypted as it streams, never held whole in memory.
 *
 * A chunk's nonce is its index (a data key seals one file only, so no nonce repeats under a key),
 * and its additional data says whether it is the last chunk: chunks cannot be reordered, dropped
 * or cut short without the tag check failing.
 */
export const CHUNK_BYTES = 1024 * 1024;
export const TAG_BYTES = 16;
export const DATA_KEY_BYTES = 32;

export class StoredFileDamagedError extends Error {}

export function newDataKey(): Buffer {
  return randomBytes(DATA_KEY_BYTES);
}

function nonceFor(index: number): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUInt32BE(index, 8);
  return nonce;
}

const LAST = Buffer.from([1]);
const NOT_LAST = Buffer.from([0]);

export function sealChunk(dataKey: Buffer, index: number, last: boolean, plain: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', dataKey, nonceFor(index));
  cipher.setAAD(last ? LAST : NOT_LAST);
  return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

export function openChunk(dataKey: Buffer, index: number, last: boolean, sealed: Buffer): Buffer {
  if (sealed.length < TAG_BYTES) throw new StoredFileDamagedError('A stored file is damaged: one of its parts is too short.');
  const decipher = createDecipheriv('aes-256-gcm', dataKey, nonceFor(index));
  decipher.setAAD(last ? LAST : NOT_LAST);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new StoredFileDamagedError('A stored file is damaged: one of its parts does not match its seal.');
  }
}

/** How a file of `size` bytes is laid out in chunks, plain or sealed. */
export function chunkLayout(size: number, chunkSize: number, encrypted: boolean): { chunks: number; storedBytes: number; storedChunkBytes: (index: number) => number } {
  const chunks = Math.max(1, Math.ceil(size / chunkSize));
  const overhead = encrypted ? TAG_BYTES : 0;
  const plainBytes = (i: number) => (i < chunks - 1 ? chunkSize : size - chunkSize * (chunks - 1));
  return { chunks, storedBytes: size + overhead * chunks, storedChunkBytes: (i) => plainBytes(i) + overhead };
}

/** The stored form of `bytes`, chunk by chunk: sealed under `dataKey`, or plain when it is null. */
export function* storedChunks(bytes: Buffer, chunkSize: number, dataKey: Buffer | null): Generator<Buffer> {
  const { chunks } = chunkLayout(bytes.length, chunkSize, dataKey !== null);
  for (let i = 0; i < chunks; i++) {
    const plain = bytes.subarray(i * chunkSize, (i + 1) * chunkSize);
    yield dataKey ? sealChunk(dataKey, i, i === chunks - 1, plain) : plain;
  }
}
