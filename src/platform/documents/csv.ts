/**
 * CSV files as people upload them (a tracker of recommendations, a manifest of reports): RFC 4180
 * records, read from UTF-8 bytes. A large file is read by a document worker (`DocumentWorkers.csv`):
 * 5 MB took a third of a second, which no other request should wait behind.
 */

/** What makes a CSV file unreadable as a whole, said for the person who uploaded it. */
export class CsvError extends Error {}

class TooManyRecords extends Error {}

export const NOT_UTF8 = 'The CSV file must be saved as UTF-8 text (in Excel: Save as, "CSV UTF-8").';

/** One record of the CSV with the line it starts on (1-based). */
export type CsvRecord = { line: number; fields: string[] };

/** RFC 4180 records: quoted fields may hold commas, quotes (doubled) and line breaks; CRLF or LF. */
export function parseCsv(text: string, maxRecords = Infinity): CsvRecord[] {
  const input = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  let quoted = false;
  let atFieldStart = true;
  const endRecord = () => {
    fields.push(field);
    // A blank line is no record.
    if (!(fields.length === 1 && fields[0] === '')) {
      // Refused as soon as it is known, not once a file of millions of lines is all read.
      if (records.length === maxRecords) throw new TooManyRecords();
      records.push({ line: recordLine, fields });
    }
    fields = [];
    field = '';
    atFieldStart = true;
  };
  while (i < input.length) {
    const c = input[i];
    if (quoted) {
      if (c === '"') {
        if (input[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        if (i < input.length && input[i] !== ',' && input[i] !== '\n' && input[i] !== '\r') {
          throw new CsvError(`Line ${line}: a closing quote must be followed by a comma or the end of the line.`);
        }
        continue;
      }
      if (c === '\n') line++;
      field += c;
      i++;
      continue;
    }
    if (c === '"' && atFieldStart) {
      quoted = true;
      atFieldStart = false;
      i++;
      continue;
    }
    if (c === ',') {
      fields.push(field);
      field = '';
      atFieldStart = true;
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      endRecord();
      i += c === '\r' && input[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    field += c;
    atFieldStart = false;
    i++;
  }
  if (quoted) throw new CsvError(`Line ${recordLine}: a quoted field is not closed.`);
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}

/** A CSV file's records, or why it cannot be read (not UTF-8, a quote left open…). */
export type CsvFile = { records: CsvRecord[] } | { problem: string };

/** The file's records: its first line and at most `maxRows` more (a problem beyond them). */
export function readCsvFile(bytes: Uint8Array, maxRows = Infinity): CsvFile {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { problem: NOT_UTF8 };
  }
  try {
    return { records: parseCsv(text, maxRows + 1) };
  } catch (err) {
    if (err instanceof CsvError) return { problem: err.message };
    if (err instanceof TooManyRecords) return { problem: `The file has more than ${maxRows.toLocaleString('en-GB')} rows: split it.` };
    throw err;
  }
}
