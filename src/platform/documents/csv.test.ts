import { describe, expect, it } from 'vitest';
import { CsvError, NOT_UTF8, parseCsv, readCsvFile } from './csv.ts';

describe('parseCsv (RFC 4180)', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, CRLF or LF, and a byte order mark', () => {
    const text = '\uFEFFa,b,c\r\n"1,5","say ""hi""","line one\nline two"\r\n\nx,,z\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1,5', 'say "hi"', 'line one\nline two'] },
      { line: 5, fields: ['x', '', 'z'] },
    ]);
  });

  it('reads a last line without a line break, and empty trailing fields', () => {
    expect(parseCsv('a,b\n1,')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', ''] },
    ]);
  });

  it('refuses an unclosed quote and text after a closing quote', () => {
    expect(() => parseCsv('a,b\n"open,x\n')).toThrow(new CsvError('Line 2: a quoted field is not closed.'));
    expect(() => parseCsv('"a"b,c')).toThrow('Line 1: a closing quote must be followed by a comma or the end of the line.');
  });
});

describe('readCsvFile', () => {
  it('reads UTF-8 bytes into records', () => {
    expect(readCsvFile(Buffer.from('\uFEFFa,b\n"café, bar",2\n'))).toEqual({ records: [{ line: 1, fields: ['a', 'b'] }, { line: 2, fields: ['café, bar', '2'] }] });
  });

  it('keeps to a number of rows below the first line, and says so beyond it', () => {
    expect(readCsvFile(Buffer.from('h\n1\n2\n'), 2)).toEqual({ records: [{ line: 1, fields: ['h'] }, { line: 2, fields: ['1'] }, { line: 3, fields: ['2'] }] });
    expect(readCsvFile(Buffer.from('h\n1\n2\n3\n'), 2)).toEqual({ problem: 'The file has more than 2 rows: split it.' });
    expect(readCsvFile(Buffer.from('h\n1\n\n2\n\n'), 2)).toMatchObject({ records: expect.any(Array) });
  });

  it('says why a file cannot be read: not UTF-8, or its quoting broken', () => {
    expect(readCsvFile(Buffer.from([0x61, 0x2c, 0xe9, 0x0a]))).toEqual({ problem: NOT_UTF8 });
    expect(readCsvFile(Buffer.from('a,b\n"open,x\n'))).toEqual({ problem: 'Line 2: a quoted field is not closed.' });
  });
});
