import { crc32, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DocumentError } from './document-error.ts';
import { buildDocx, buildZipBombDocx } from './test-fixtures.ts';
import { DEFLATED, readZip, STORED, writePackedZip, writeZip, type ZipLimits } from './zip-archive.ts';

const LIMITS: ZipLimits = { maxEntries: 10, maxUncompressedBytes: 1024 * 1024 };

function refusal(work: () => unknown): string {
  try {
    work();
  } catch (err) {
    expect(err).toBeInstanceOf(DocumentError);
    return (err as Error).message;
  }
  throw new Error('expected the archive to be refused');
}

const entry = (name: string, data: Buffer) => ({ name, method: DEFLATED as typeof DEFLATED, packed: deflateRawSync(data), size: data.length, crc: crc32(data) });

describe('readZip', () => {
  it('reads back what was written, deflated or stored', () => {
    const files = [
      { name: 'word/document.xml', data: Buffer.from('<w:document/>') },
      { name: 'docProps/é.xml', data: Buffer.alloc(5000, 'x') },
      { name: 'empty', data: Buffer.alloc(0) },
    ];
    for (const deflate of [true, false]) expect(readZip(writeZip(files, { deflate }), LIMITS)).toEqual(files);
  });

  it('refuses an archive that declares more entries than allowed, before reading them', () => {
    const files = Array.from({ length: 11 }, (_, i) => ({ name: `part${i}.xml`, data: Buffer.from('x') }));
    expect(refusal(() => readZip(writeZip(files), LIMITS))).toMatch(/^the Word document holds 11 parts, more than the 10 allowed: it is refused as unsafe to open/);
    expect(readZip(writeZip(files.slice(0, 10)), LIMITS)).toHaveLength(10);
  });

  it('refuses an archive whose entries declare more than the limit in all, before inflating any', () => {
    // Sizes declared by the directory only: the packed bytes are not even valid deflate data.
    const lies = [1, 2].map((i) => ({ name: `part${i}`, method: DEFLATED as typeof DEFLATED, packed: Buffer.from('not deflate'), size: 600 * 1024, crc: 0 }));
    expect(refusal(() => readZip(writePackedZip(lies), LIMITS))).toMatch(/^the Word document would expand to more than 1 MB when opened \(its parts declare 2 MB or more\): it is refused as unsafe to open \(a "zip bomb"\)/);
  });

  it('stops inflating an entry at the size it declared, when it holds more', () => {
    const big = Buffer.alloc(512 * 1024, 'a');
    const liar = { ...entry('word/document.xml', big), size: 1000 };
    expect(refusal(() => readZip(writePackedZip([liar]), LIMITS))).toMatch(/one of its parts holds more than it declares\): it is refused as unsafe to open \(a "zip bomb"\)/);
  });

  it('refuses a real zip bomb (a gigabyte in a megabyte) by its directory, and one that lies about its size while inflating, without the memory', () => {
    const honest = buildZipBombDocx(1024);
    const lying = buildZipBombDocx(1024, { declared: 2000 });
    expect(honest.length).toBeLessThan(2 * 1024 * 1024);
    const before = process.memoryUsage().rss;
    expect(refusal(() => readZip(honest))).toMatch(/^the Word document would expand to more than 100 MB when opened \(its parts declare 1,025 MB or more\)/);
    expect(refusal(() => readZip(lying))).toMatch(/^the Word document would expand to more than 100 MB when opened \(one of its parts holds more than it declares\)/);
    // Inflating either would take a gigabyte; refusing them takes next to nothing.
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
  });

  it('refuses damage: truncation, a wrong checksum, an entry that holds less than declared, two entries of one name, encryption, an unknown method', () => {
    const docx = buildDocx(['Text']);
    const damaged = /^the file is damaged or not a Word document \(\.docx\)/;
    expect(refusal(() => readZip(docx.subarray(0, 60)))).toMatch(damaged);
    expect(refusal(() => readZip(docx.subarray(0, docx.length - 1)))).toMatch(damaged);
    expect(refusal(() => readZip(Buffer.from('PK\u0003\u0004 not really a zip at all')))).toMatch(damaged);
    const good = entry('a.xml', Buffer.from('hello'));
    expect(refusal(() => readZip(writePackedZip([{ ...good, crc: good.crc ^ 1 }])))).toMatch(damaged);
    expect(refusal(() => readZip(writePackedZip([{ ...good, size: 6 }])))).toMatch(damaged);
    expect(refusal(() => readZip(writePackedZip([good, good])))).toMatch(damaged);
    const encrypted = writePackedZip([good]);
    encrypted.writeUInt16LE(0x0801, encrypted.length - 22 - 46 - 5 + 8);
    expect(refusal(() => readZip(encrypted))).toMatch(damaged);
    expect(refusal(() => readZip(writePackedZip([{ ...good, method: 12 as typeof STORED }])))).toMatch(damaged);
  });

  it('reads sizes and offsets given in ZIP64 extra fields', () => {
    const data = Buffer.from('<w:document/>');
    const name = Buffer.from('word/document.xml');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(STORED, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const extra = Buffer.alloc(4 + 24);
    extra.writeUInt16LE(0x0001, 0);
    extra.writeUInt16LE(24, 2);
    extra.writeBigUInt64LE(BigInt(data.length), 4);
    extra.writeBigUInt64LE(BigInt(data.length), 12);
    extra.writeBigUInt64LE(0n, 20);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(STORED, 10);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(0xffffffff, 20);
    central.writeUInt32LE(0xffffffff, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(extra.length, 30);
    central.writeUInt32LE(0xffffffff, 42);
    const directoryOffset = local.length + name.length + data.length;
    const directory = Buffer.concat([central, name, extra]);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(1, 8);
    end.writeUInt16LE(1, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(directoryOffset, 16);
    const archive = Buffer.concat([local, name, data, directory, end]);
    expect(readZip(archive, LIMITS)).toEqual([{ name: 'word/document.xml', data }]);
    // Without the extra field the maximum values cannot be resolved: damaged.
    central.writeUInt16LE(0, 30);
    const without = Buffer.concat([local, name, data, central, name, end]);
    without.writeUInt32LE(central.length + name.length, without.length - 22 + 12);
    expect(refusal(() => readZip(without, LIMITS))).toMatch(/^the file is damaged/);
  });
});
