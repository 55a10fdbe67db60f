import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import { DOCX_DAMAGED, DocumentError } from './document-error.ts';

/**
 * Reading and writing zip archives (a Word document is one), with limits checked before
 * anything is inflated and again while inflating.
 *
 * A "zip bomb" is a small file that expands to gigabytes: one 2.4 MB .docx took the server from
 * 0.8 to 3.7 GB. So the archive's central directory (its table of contents) is read first and
 * the archive refused when it declares too many entries or too many bytes in all; then each
 * entry is inflated with the size it declared as a hard ceiling (node:zlib's maxOutputLength), so
 * an entry that lies about its size is stopped at that size, not after it has filled memory. The
 * entries' checksums are checked too. Nothing else reads the uploaded archive: the text reader is
 * given a copy rebuilt from these checked entries (see writeZip), so it cannot see anything else.
 */

export type ZipEntry = { name: string; data: Buffer };

export type ZipLimits = { maxEntries: number; maxUncompressedBytes: number };

/** What a Word document may hold: about 30 times a large report's text and pictures, and far more parts than Word writes. */
export const DOCX_LIMITS: ZipLimits = Object.freeze({ maxEntries: 1_000, maxUncompressedBytes: 100 * 1024 * 1024 });

const EOCD = 0x06054b50;
const ZIP64_EOCD = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
export const STORED = 0;
export const DEFLATED = 8;
const MB = 1024 * 1024;

type CentralEntry = { name: string; method: number; flags: number; crc: number; compressedSize: number; size: number; localOffset: number };

function damaged(): DocumentError {
  return new DocumentError(DOCX_DAMAGED);
}

function megabytes(bytes: number): string {
  return `${Math.ceil(bytes / MB).toLocaleString('en-GB')} MB`;
}

function tooLarge(limits: ZipLimits, detail: string): DocumentError {
  return new DocumentError(
    `the Word document would expand to more than ${megabytes(limits.maxUncompressedBytes)} when opened (${detail}): it is refused as unsafe to open (a "zip bomb"); open it in Word and save it again, with smaller pictures if it has many, then try again`,
  );
}

/** A 64-bit little-endian number, refused when JavaScript cannot hold it exactly (no real file needs that). */
function uint64(bytes: Buffer, at: number): number {
  const value = bytes.readBigUInt64LE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw damaged();
  return Number(value);
}

function need(bytes: Buffer, at: number, length: number): void {
  if (at < 0 || length < 0 || at + length > bytes.length) throw damaged();
}

/** Where the central directory is and how many entries it says it has (ZIP64 records too). */
function findDirectory(bytes: Buffer): { count: number; offset: number; size: number; end: number } {
  // The end record is the last thing in the file but for a comment of at most 65,535 bytes.
  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (bytes.readUInt32LE(at) === EOCD && at + 22 + bytes.readUInt16LE(at + 20) <= bytes.length) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw damaged();
  const disk = bytes.readUInt16LE(eocd + 4);
  const directoryDisk = bytes.readUInt16LE(eocd + 6);
  let onDisk = bytes.readUInt16LE(eocd + 8);
  let count = bytes.readUInt16LE(eocd + 10);
  let size = bytes.readUInt32LE(eocd + 12);
  let offset = bytes.readUInt32LE(eocd + 16);
  let end = eocd;
  if (count === 0xffff || onDisk === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const locator = eocd - 20;
    need(bytes, locator, 20);
    if (bytes.readUInt32LE(locator) !== ZIP64_LOCATOR) throw damaged();
    const record = uint64(bytes, locator + 8);
    need(bytes, record, 56);
    if (bytes.readUInt32LE(record) !== ZIP64_EOCD || record > locator) throw damaged();
    onDisk = uint64(bytes, record + 24);
    count = uint64(bytes, record + 32);
    size = uint64(bytes, record + 40);
    offset = uint64(bytes, record + 48);
    end = record;
  }
  // A single file, not a set split over several disks.
  if (disk !== 0 || directoryDisk !== 0 || onDisk !== count) throw damaged();
  if (offset + size > end) throw damaged();
  return { count, offset, size, end };
}

/** The entries the central directory lists, as declared (nothing inflated yet). */
function readDirectory(bytes: Buffer, limits: ZipLimits): { entries: CentralEntry[]; directoryOffset: number } {
  const directory = findDirectory(bytes);
  if (directory.count > limits.maxEntries) {
    throw new DocumentError(
      `the Word document holds ${directory.count.toLocaleString('en-GB')} parts, more than the ${limits.maxEntries.toLocaleString('en-GB')} allowed: it is refused as unsafe to open; open it in Word and save it again, then try again`,
    );
  }
  const entries: CentralEntry[] = [];
  const names = new Set<string>();
  let declared = 0;
  let at = directory.offset;
  const limit = directory.offset + directory.size;
  for (let i = 0; i < directory.count; i++) {
    need(bytes, at, 46);
    if (at + 46 > limit || bytes.readUInt32LE(at) !== CENTRAL) throw damaged();
    const flags = bytes.readUInt16LE(at + 8);
    const method = bytes.readUInt16LE(at + 10);
    const crc = bytes.readUInt32LE(at + 16);
    let compressedSize = bytes.readUInt32LE(at + 20);
    let size = bytes.readUInt32LE(at + 24);
    const nameLength = bytes.readUInt16LE(at + 28);
    const extraLength = bytes.readUInt16LE(at + 30);
    const commentLength = bytes.readUInt16LE(at + 32);
    let localOffset = bytes.readUInt32LE(at + 42);
    need(bytes, at + 46, nameLength + extraLength + commentLength);
    const nameBytes = bytes.subarray(at + 46, at + 46 + nameLength);
    // Bit 11: the name is UTF-8; otherwise IBM code page 437, the same as ASCII for the names Word writes.
    const name = nameBytes.toString(flags & 0x0800 ? 'utf8' : 'latin1');
    // ZIP64: a field at its maximum is given in full in the ZIP64 extra field, in this order.
    if (size === 0xffffffff || compressedSize === 0xffffffff || localOffset === 0xffffffff) {
      let extra = at + 46 + nameLength;
      const extraEnd = extra + extraLength;
      let found = false;
      while (extra + 4 <= extraEnd) {
        const id = bytes.readUInt16LE(extra);
        const length = bytes.readUInt16LE(extra + 2);
        if (extra + 4 + length > extraEnd) throw damaged();
        if (id === 0x0001) {
          let field = extra + 4;
          const next = (): number => {
            if (field + 8 > extra + 4 + length) throw damaged();
            const value = uint64(bytes, field);
            field += 8;
            return value;
          };
          if (size === 0xffffffff) size = next();
          if (compressedSize === 0xffffffff) compressedSize = next();
          if (localOffset === 0xffffffff) localOffset = next();
          found = true;
          break;
        }
        extra += 4 + length;
      }
      if (!found) throw damaged();
    }
    // Encrypted entries, and compression other than none or deflate, are not in Word documents.
    if (flags & 0x0001 || (method !== STORED && method !== DEFLATED)) throw damaged();
    // Two entries of one name could be read differently by different readers.
    if (names.has(name)) throw damaged();
    names.add(name);
    declared += size;
    if (declared > limits.maxUncompressedBytes) throw tooLarge(limits, `its parts declare ${megabytes(declared)} or more`);
    entries.push({ name, method, flags, crc, compressedSize, size, localOffset });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return { entries, directoryOffset: directory.offset };
}

/** One entry's bytes, inflated no further than the size it declared. */
function inflateEntry(bytes: Buffer, entry: CentralEntry, directoryOffset: number, limits: ZipLimits): Buffer {
  need(bytes, entry.localOffset, 30);
  if (bytes.readUInt32LE(entry.localOffset) !== LOCAL) throw damaged();
  const start = entry.localOffset + 30 + bytes.readUInt16LE(entry.localOffset + 26) + bytes.readUInt16LE(entry.localOffset + 28);
  if (start + entry.compressedSize > directoryOffset) throw damaged();
  const packed = bytes.subarray(start, start + entry.compressedSize);
  let data: Buffer;
  if (entry.method === STORED) {
    data = Buffer.from(packed);
  } else {
    try {
      // One byte more than declared: an entry that holds more than it says is caught here, having
      // used no more than its declared size (itself within the archive's limit).
      data = inflateRawSync(packed, { maxOutputLength: entry.size + 1 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(limits, 'one of its parts holds more than it declares');
      throw damaged();
    }
  }
  if (data.length > entry.size) throw tooLarge(limits, 'one of its parts holds more than it declares');
  if (data.length !== entry.size || crc32(data) !== entry.crc) throw damaged();
  return data;
}

/**
 * Every entry of a zip archive, inflated within the limits; throws DocumentError when the archive
 * is damaged, or would take more than the limits allow. Folders (names ending in "/") are left out.
 */
export function readZip(bytes: Buffer, limits: ZipLimits = DOCX_LIMITS): ZipEntry[] {
  if (bytes.length < 22) throw damaged();
  const { entries, directoryOffset } = readDirectory(bytes, limits);
  return entries.filter((e) => !e.name.endsWith('/')).map((e) => ({ name: e.name, data: inflateEntry(bytes, e, directoryOffset, limits) }));
}

/** An entry as it is written: its bytes already packed, with the size and checksum the archive declares for it. */
export type PackedEntry = { name: string; method: typeof STORED | typeof DEFLATED; packed: Buffer; size: number; crc: number };

/**
 * A zip archive of the given files: deflated, or stored as they are (quick to write, and read by
 * any zip reader without inflating anything).
 */
export function writeZip(files: ZipEntry[], { deflate = true }: { deflate?: boolean } = {}): Buffer {
  return writePackedZip(
    files.map((f) => ({ name: f.name, method: deflate ? DEFLATED : STORED, packed: deflate ? deflateRawSync(f.data) : f.data, size: f.data.length, crc: crc32(f.data) })),
  );
}

/** A zip archive of entries packed by the caller, declaring what each entry says of itself. */
export function writePackedZip(entries: PackedEntry[]): Buffer {
  const parts: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(e.crc, 14);
    local.writeUInt32LE(e.packed.length, 18);
    local.writeUInt32LE(e.size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(e.method, 10);
    central.writeUInt32LE(e.crc, 16);
    central.writeUInt32LE(e.packed.length, 20);
    central.writeUInt32LE(e.size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    parts.push(local, name, e.packed);
    centrals.push(central, name);
    offset += local.length + name.length + e.packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(EOCD, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, directory, end]);
}
