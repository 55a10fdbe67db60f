import type ExcelJS from 'exceljs';
import { DocumentError } from './document-error.ts';
import { readZip, writeZip, type ZipLimits } from './zip-archive.ts';

/**
 * The rows of an uploaded workbook's first sheet, as plain values. Run it through DocumentWorkers
 * (document-workers.ts), never on the request thread: opening a workbook of thousands of rows is
 * seconds of computation, and a workbook is a zip that could be built to expand when opened.
 *
 * A workbook is a zip archive: its table of contents and sizes are checked before anything is
 * inflated, and the workbook library reads only a copy rebuilt from the checked entries, as Word
 * documents are read (zip-archive.ts).
 */
export type WorkbookCell = string | number | Date | null;
/** A row that is not empty, with its line in the sheet (1-based). */
export type WorkbookRow = { line: number; cells: WorkbookCell[] };
/** The sheet's rows, or only how many it has when that is more than the caller takes. */
export type WorkbookSheet = { rowCount: number; rows: WorkbookRow[] } | null;
export type WorkbookLimits = ZipLimits & { maxRows: number };

/** The workbook is damaged, or its parts would expand past the limits when opened. */
export const WORKBOOK_DAMAGED_OR_TOO_LARGE = 'the workbook is damaged, or would expand past the limits when opened';
/** The workbook library could not read it. */
export const WORKBOOK_UNREADABLE = 'the workbook cannot be read';

/** A workbook cell's value as a plain value: rich text joined, a formula's result, a link's text. */
function plainCell(value: ExcelJS.CellValue): WorkbookCell {
  if (value === null || value === undefined) return null;
  if (value instanceof Date || typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'object') {
    if ('richText' in value && Array.isArray(value.richText)) return value.richText.map((r) => r.text).join('');
    if ('result' in value) return plainCell(value.result as ExcelJS.CellValue);
    if ('text' in value && typeof value.text === 'string') return value.text;
    if ('error' in value) return null;
  }
  return null;
}

/** The first sheet's rows that hold something (null when the workbook has no sheet); throws DocumentError when it cannot be read. */
export async function readWorkbook(bytes: Buffer, limits: WorkbookLimits): Promise<WorkbookSheet> {
  let checked: Buffer;
  try {
    checked = writeZip(readZip(bytes, limits));
  } catch (err) {
    if (err instanceof DocumentError) throw new DocumentError(WORKBOOK_DAMAGED_OR_TOO_LARGE);
    throw err;
  }
  const { default: Excel } = await import('exceljs');
  const workbook = new Excel.Workbook();
  try {
    await workbook.xlsx.load(checked as unknown as ArrayBuffer);
  } catch {
    throw new DocumentError(WORKBOOK_UNREADABLE);
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) return null;
  if (sheet.rowCount - 1 > limits.maxRows) return { rowCount: sheet.rowCount, rows: [] };
  const rows: WorkbookRow[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, line) => {
    // row.values is 1-based: its first item is always empty.
    const values = (Array.isArray(row.values) ? row.values.slice(1) : []) as ExcelJS.CellValue[];
    const cells = Array.from({ length: values.length }, (_, i) => plainCell(values[i]));
    if (cells.every((c) => c === null || (typeof c === 'string' && c.trim() === ''))) return;
    rows.push({ line, cells });
  });
  return { rowCount: sheet.rowCount, rows };
}
