import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/**
 * The data template's archive (data-template.ts): a data folder as a tar (POSIX ustar), compressed
 * with brotli. Written and read here rather than by PGlite's own dump and load, which write every file
 * through the engine's emulated file system: unpacking the folder's 1,300 files directly takes about a
 * quarter of the time, and the files are made private to the service's user (PGlite makes them
 * readable by everyone).
 *
 * Only what `packFolder` writes is read back (regular files and folders, names of up to 100 bytes), and
 * the archive is checked against its manifest's hash before it gets here; anything else is refused
 * rather than guessed at.
 */

const BLOCK = 512;
/** Folders private to the service's user; files readable and writable by it alone. */
const FOLDER_MODE = 0o700;
const FILE_MODE = 0o600;

export class TemplateArchiveError extends Error {}

/** The folder's files and subfolders, in name order, as a tar: the same folder always gives the same bytes. */
export function packFolder(folder: string): Uint8Array {
  const blocks: Uint8Array[] = [];
  const walk = (relative: string): void => {
    for (const name of fs.readdirSync(path.join(folder, relative)).sort()) {
      const entry = relative ? `${relative}/${name}` : name;
      const stat = fs.lstatSync(path.join(folder, entry));
      if (stat.isDirectory()) {
        blocks.push(header(entry, '5', 0));
        walk(entry);
      } else if (stat.isFile()) {
        const data = fs.readFileSync(path.join(folder, entry));
        blocks.push(header(entry, '0', data.length), data, new Uint8Array((BLOCK - (data.length % BLOCK)) % BLOCK));
      } else {
        throw new TemplateArchiveError(`${entry} is neither a file nor a folder: a data folder holds only those.`);
      }
    }
  };
  walk('');
  // The end of an archive: two empty blocks.
  blocks.push(new Uint8Array(2 * BLOCK));
  return Buffer.concat(blocks);
}

function header(name: string, type: '0' | '5', size: number): Uint8Array {
  const bytes = Buffer.from(name, 'utf8');
  if (bytes.length > 100) throw new TemplateArchiveError(`${name} is longer than a tar header's 100 bytes.`);
  const h = Buffer.alloc(BLOCK);
  bytes.copy(h, 0);
  const octal = (value: number, at: number, width: number) => h.write(`${value.toString(8).padStart(width - 1, '0')}\0`, at, 'ascii');
  octal(type === '5' ? FOLDER_MODE : FILE_MODE, 100, 8);
  octal(0, 108, 8); // owner
  octal(0, 116, 8); // group
  octal(size, 124, 12);
  octal(0, 136, 12); // modified: not kept, so the archive depends only on the contents
  h.write(type, 156, 'ascii');
  h.write('ustar\u000000', 257, 'ascii');
  h.fill(0x20, 148, 156);
  h.write(`${checksum(h).toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** The sum of a header's bytes, its checksum field counted as spaces. */
function checksum(h: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i += 1) sum += i >= 148 && i < 156 ? 0x20 : h[i];
  return sum;
}

function field(h: Buffer, at: number, width: number): string {
  const raw = h.subarray(at, at + width);
  const end = raw.indexOf(0);
  return raw.subarray(0, end < 0 ? width : end).toString('utf8');
}

/** A header's number: octal digits only (a size or mode written any other way is refused). */
function octalField(h: Buffer, at: number, width: number, what: string): number {
  const text = field(h, at, width).trim();
  if (!/^[0-7]{1,12}$/.test(text)) throw new TemplateArchiveError(`The archive's header at byte ${at} has ${what} ${JSON.stringify(text)}, not an octal number.`);
  return Number.parseInt(text, 8);
}

/** Writes the archive's folders and files under `into` (which must not exist yet). */
export function unpackInto(tar: Uint8Array, into: string): void {
  const buffer = Buffer.from(tar.buffer, tar.byteOffset, tar.byteLength);
  fs.mkdirSync(into, { mode: FOLDER_MODE });
  let at = 0;
  for (;;) {
    if (at + BLOCK > buffer.length) throw new TemplateArchiveError('The archive ends in the middle of an entry.');
    const h = buffer.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) return;
    if (field(h, 257, 6) !== 'ustar') throw new TemplateArchiveError(`The archive's entry at byte ${at} is not a ustar header.`);
    if (octalField(h, 148, 8, 'a checksum') !== checksum(h)) throw new TemplateArchiveError(`The archive's header at byte ${at} is damaged (its checksum does not match).`);
    const name = field(h, 0, 100);
    const type = field(h, 156, 1);
    const size = octalField(h, 124, 12, 'a size');
    if (field(h, 345, 155) !== '') throw new TemplateArchiveError(`The archive's entry at byte ${at} has a name prefix, which this archive never uses.`);
    if (name.startsWith('/') || name.split('/').some((part) => part === '' || part === '.' || part === '..')) {
      throw new TemplateArchiveError(`The archive names ${JSON.stringify(name)}, which is not a plain path inside the folder.`);
    }
    const target = path.join(into, name);
    at += BLOCK;
    if (type === '5') {
      if (size !== 0) throw new TemplateArchiveError(`The archive's folder ${name} has a size.`);
      fs.mkdirSync(target, { mode: FOLDER_MODE });
    } else if (type === '0') {
      if (at + size > buffer.length) throw new TemplateArchiveError(`The archive's file ${name} runs past its end.`);
      writeFile(target, buffer.subarray(at, at + size));
      at += Math.ceil(size / BLOCK) * BLOCK;
    } else {
      throw new TemplateArchiveError(`The archive's entry ${name} is of type ${JSON.stringify(type)}: only files and folders are expected.`);
    }
  }
}

/**
 * A file's zero tail is left as a hole, read back as zeros: the template's write-ahead log segment is
 * 16 MB of which a few kB are records (build-data-template.ts), and writing the rest would be most of
 * the bytes a first start writes.
 */
const HOLE_BLOCK = 8192;
const ZEROS = Buffer.alloc(HOLE_BLOCK);

function writeFile(target: string, data: Buffer): void {
  let end = data.length;
  while (end >= HOLE_BLOCK && data.subarray(end - HOLE_BLOCK, end).equals(ZEROS)) end -= HOLE_BLOCK;
  if (end === data.length) {
    fs.writeFileSync(target, data, { mode: FILE_MODE, flag: 'wx' });
    return;
  }
  const fd = fs.openSync(target, 'wx', FILE_MODE);
  try {
    fs.writeSync(fd, data, 0, end);
    fs.ftruncateSync(fd, data.length);
  } finally {
    fs.closeSync(fd);
  }
}

export function compressArchive(tar: Uint8Array): Buffer {
  return zlib.brotliCompressSync(tar, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_LGWIN]: 24, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: tar.length },
  });
}

/** Where an archive is unpacked before it is renamed into place as `folder`. */
export function stagingFolder(folder: string): string {
  return `${folder}.unpacking`;
}

/** More than any data template holds: a damaged archive cannot make the process unpack without end. */
const MAX_UNPACKED_BYTES = 1024 * 1024 * 1024;

/**
 * Makes the data folder `folder`, which must not exist, from a compressed archive. It is unpacked
 * beside it first and then renamed into place, so a start interrupted while unpacking leaves no
 * half-made data folder that a later start would take for a database; what an interrupted or failed
 * unpacking leaves beside it is removed (here, and by the next start).
 */
export function makeFolderFromArchive(compressed: Uint8Array, folder: string): void {
  const staging = stagingFolder(folder);
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    // Unpacked at once: the caller has nothing else to do meanwhile, and unpacking in the thread
    // pool's small chunks takes longer.
    unpackInto(zlib.brotliDecompressSync(compressed, { maxOutputLength: MAX_UNPACKED_BYTES }), staging);
    fs.renameSync(staging, folder);
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}
