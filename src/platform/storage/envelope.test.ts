import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chunkLayout, newDataKey, openChunk, sealChunk, StoredFileDamagedError, storedChunks, TAG_BYTES } from './envelope.ts';

describe('envelope encryption of stored files', () => {
  const key = newDataKey();
  const plain = randomBytes(10_000);

  it('seals a file chunk by chunk, each opening only in its place', () => {
    const chunks = [...storedChunks(plain, 4096, key)];
    expect(chunks.map((c) => c.length)).toEqual([4096 + TAG_BYTES, 4096 + TAG_BYTES, 10_000 - 8192 + TAG_BYTES]);
    expect(Buffer.concat(chunks.map((c, i) => openChunk(key, i, i === 2, c))).equals(plain)).toBe(true);
    // Another index, another key, a changed byte, or a last chunk presented as not last: refused.
    expect(() => openChunk(key, 1, false, chunks[0])).toThrow(StoredFileDamagedError);
    expect(() => openChunk(newDataKey(), 0, false, chunks[0])).toThrow(StoredFileDamagedError);
    const changed = Buffer.from(chunks[0]);
    changed[7] ^= 1;
    expect(() => openChunk(key, 0, false, changed)).toThrow(StoredFileDamagedError);
    expect(() => openChunk(key, 2, false, chunks[2])).toThrow(StoredFileDamagedError);
    // A file cut after a full chunk cannot pass for whole: that chunk was not sealed as the last.
    expect(() => openChunk(key, 1, true, chunks[1])).toThrow(StoredFileDamagedError);
  });

  it('keeps public files plain, in the same chunks', () => {
    const chunks = [...storedChunks(plain, 4096, null)];
    expect(Buffer.concat(chunks).equals(plain)).toBe(true);
    expect(chunks).toHaveLength(3);
  });

  it('lays out files of every size, the empty one in one chunk', () => {
    expect(chunkLayout(0, 4096, true)).toMatchObject({ chunks: 1, storedBytes: TAG_BYTES });
    expect(chunkLayout(4096, 4096, false)).toMatchObject({ chunks: 1, storedBytes: 4096 });
    expect(chunkLayout(4097, 4096, true)).toMatchObject({ chunks: 2, storedBytes: 4097 + 2 * TAG_BYTES });
    expect(sealChunk(key, 0, true, Buffer.alloc(0))).toHaveLength(TAG_BYTES);
  });
});
