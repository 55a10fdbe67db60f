import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { freshDir } from '../../../test/support/database.ts';
import { makeFolderFromArchive, packFolder, TemplateArchiveError, unpackInto } from './template-archive.ts';

/** A small folder like a data folder: nested folders, an empty folder, an empty file, binary contents. */
function sampleFolder(): string {
  const dir = path.join(freshDir('archive'), 'source');
  fs.mkdirSync(path.join(dir, 'base', '5'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'pg_notify'));
  fs.writeFileSync(path.join(dir, 'PG_VERSION'), '18\n');
  fs.writeFileSync(path.join(dir, 'empty'), '');
  fs.writeFileSync(path.join(dir, 'base', '5', '1249'), Buffer.from(Array.from({ length: 8192 + 7 }, (_, i) => (i * 31) % 256)));
  fs.writeFileSync(path.join(dir, 'base', '5', 'exactly-a-block'), Buffer.alloc(512, 0xab));
  return dir;
}

/** Every file and folder under dir, with each file's bytes in hex (folders marked with a slash). */
function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const full = path.join(dir, entry);
    out[entry] = fs.statSync(full).isDirectory() ? '/' : fs.readFileSync(full).toString('hex');
  }
  return out;
}

/** The first header's checksum written again, after a test changed a field. */
function summed(tar: Buffer): Buffer {
  tar.fill(' ', 148, 156);
  let sum = 0;
  for (const b of tar.subarray(0, 512)) sum += b;
  tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return tar;
}

/** A tar of one entry, as another tool might make it (the field layout of POSIX ustar). */
function oneEntryTar(name: string, type: string, data = Buffer.alloc(0)): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write('0000644\0', 100);
  h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  h.write(type, 156);
  h.write('ustar\u000000', 257);
  return Buffer.concat([summed(h), data, Buffer.alloc((512 - (data.length % 512)) % 512), Buffer.alloc(1024)]);
}

describe('the data template archive', () => {
  it('writes a file’s zero tail as a hole, its bytes unchanged (a write-ahead log segment is mostly that)', () => {
    const dir = path.join(freshDir('archive-holes'), 'source');
    fs.mkdirSync(path.join(dir, 'pg_wal'), { recursive: true });
    const segment = Buffer.alloc(1024 * 1024);
    segment.fill(0x5a, 0, 10_000);
    segment[20_000] = 1; // a byte past the first zero block: the hole starts after it, not at the first zeros
    fs.writeFileSync(path.join(dir, 'pg_wal', 'segment'), segment);
    fs.writeFileSync(path.join(dir, 'zeros'), Buffer.alloc(64 * 1024));
    fs.writeFileSync(path.join(dir, 'short-zeros'), Buffer.alloc(100));
    const target = path.join(path.dirname(dir), 'copy');
    unpackInto(packFolder(dir), target);
    expect(contents(target)).toEqual(contents(dir));
    const written = fs.statSync(path.join(target, 'pg_wal', 'segment'));
    expect(written.size).toBe(segment.length);
    // Blocks of 512 bytes given to the file: about the 20 kB before the hole, not the whole megabyte.
    expect(written.blocks * 512).toBeLessThan(64 * 1024);
    expect(fs.statSync(path.join(target, 'zeros')).blocks).toBe(0);
    expect(fs.statSync(path.join(target, 'zeros')).size).toBe(64 * 1024);
  });

  it('unpacks exactly the folder it packed, private to the service user', () => {
    const source = sampleFolder();
    const target = path.join(path.dirname(source), 'copy');
    unpackInto(packFolder(source), target);
    expect(contents(target)).toEqual(contents(source));
    expect(Object.keys(contents(target))).toHaveLength(7);
    expect(fs.statSync(target).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(target, 'base', '5')).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(target, 'base', '5', '1249')).mode & 0o777).toBe(0o600);
  });

  it('packs the same folder to the same bytes, in a format the tar tool reads', () => {
    const source = sampleFolder();
    const packed = packFolder(source);
    expect(Buffer.from(packFolder(source)).equals(Buffer.from(packed))).toBe(true);
    // A ustar header: the name, then the magic at byte 257; the archive ends with two empty blocks.
    expect(Buffer.from(packed.subarray(0, 10)).toString()).toBe('PG_VERSION');
    expect(Buffer.from(packed.subarray(257, 262)).toString()).toBe('ustar');
    expect(packed.length % 512).toBe(0);
    expect(packed.subarray(-1024).every((b) => b === 0)).toBe(true);
  });

  it('reads a file as another ustar writer lays it out', () => {
    const target = path.join(freshDir('archive'), 'from-elsewhere');
    unpackInto(oneEntryTar('hello.txt', '0', Buffer.from('hello')), target);
    expect(fs.readFileSync(path.join(target, 'hello.txt'), 'utf8')).toBe('hello');
  });

  it('refuses names that leave the folder, links, and damaged or cut-short archives', () => {
    const at = () => path.join(freshDir('archive'), 'target');
    expect(() => unpackInto(oneEntryTar('../outside', '0', Buffer.from('x')), at())).toThrow(/not a plain path/);
    expect(() => unpackInto(oneEntryTar('/etc/passwd', '0', Buffer.from('x')), at())).toThrow(/not a plain path/);
    expect(() => unpackInto(oneEntryTar('a/../../b', '5'), at())).toThrow(/not a plain path/);
    expect(() => unpackInto(oneEntryTar('link', '2'), at())).toThrow(/only files and folders/);
    const damaged = oneEntryTar('file', '0', Buffer.from('abc'));
    damaged[0] = 'F'.charCodeAt(0);
    expect(() => unpackInto(damaged, at())).toThrow(/checksum/);
    const whole = packFolder(sampleFolder());
    expect(() => unpackInto(whole.subarray(0, 2048), at())).toThrow(TemplateArchiveError);
    expect(() => unpackInto(oneEntryTar('x', '0').subarray(0, 100), at())).toThrow(/ends in the middle/);
    // Numbers in octal digits only; no name prefix; a folder has no contents.
    const sized = (size: string) => {
      const tar = oneEntryTar('file', '0', Buffer.from('abc'));
      tar.write(size.padEnd(12, '\0'), 124);
      return summed(tar);
    };
    expect(() => unpackInto(sized('-0000000001'), at())).toThrow(/not an octal number/);
    expect(() => unpackInto(sized('12zz'), at())).toThrow(/not an octal number/);
    expect(() => unpackInto(sized('00000000003'), at())).not.toThrow();
    const prefixed = oneEntryTar('file', '0');
    prefixed.write('elsewhere', 345);
    expect(() => unpackInto(summed(prefixed), at())).toThrow(/name prefix/);
    expect(() => unpackInto(oneEntryTar('folder', '5', Buffer.from('data')), at())).toThrow(/folder folder has a size/);
  });

  it('puts the folder in place only once it is whole, clearing what an interrupted start left beside it', () => {
    const parent = freshDir('archive');
    const folder = path.join(parent, 'pgdata');
    // What a start stopped while unpacking leaves: a part-written folder beside the data folder.
    fs.mkdirSync(`${folder}.unpacking`);
    fs.writeFileSync(`${folder}.unpacking/PG_VERSION`, '18\n');
    const source = sampleFolder();
    makeFolderFromArchive(zlib.brotliCompressSync(packFolder(source)), folder);
    expect(contents(folder)).toEqual(contents(source));
    expect(fs.existsSync(`${folder}.unpacking`)).toBe(false);
    // A folder holding anything is never overwritten, and the failed attempt leaves nothing beside it.
    expect(() => makeFolderFromArchive(zlib.brotliCompressSync(packFolder(source)), folder)).toThrow();
    expect(contents(folder)).toEqual(contents(source));
    expect(fs.existsSync(`${folder}.unpacking`)).toBe(false);
    // Nor does an archive that cannot be unpacked.
    const other = path.join(parent, 'other');
    expect(() => makeFolderFromArchive(zlib.brotliCompressSync(oneEntryTar('../x', '0')), other)).toThrow(/not a plain path/);
    expect(() => makeFolderFromArchive(Buffer.from('not brotli at all'), other)).toThrow();
    expect(fs.readdirSync(parent).sort()).toEqual(['pgdata']);
  });
});
