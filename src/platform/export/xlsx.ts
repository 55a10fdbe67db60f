import { PassThrough, type Readable } from 'node:stream';
// The spreadsheet library (a large one) is loaded with the first export, not with the service.
import type ExcelJS from 'exceljs';

/**
 * A spreadsheet (XLSX) of one or more tables, written as a stream so that a large table never sits
 * in memory whole. Cells keep their kind: a date is a real date (formatted day/month/year), a
 * number a number and a percentage a fraction shown as a percentage, never text that looks like
 * one, so that people can sort, sum and chart them. Text is always stored as text: a cell
 * beginning with "=" stays a string and never becomes a formula.
 */
export type SheetColumn = { label: string; type: 'text' | 'number' | 'percent' | 'date' };
export type SheetCell = string | number | null;
export type Sheet = { name: string; title?: string; columns: readonly SheetColumn[]; rows: Iterable<readonly SheetCell[]> };

const NUMBER_FORMATS: Partial<Record<SheetColumn['type'], string>> = { date: 'dd/mm/yyyy', percent: '0.0%', number: '0' };

/** A worksheet name Excel accepts: at most 31 characters, none of []:*?/\ , unique in the workbook. */
export function sheetName(name: string, taken: Set<string>): string {
  const base = name.replace(/[[\]:*?/\\]/g, ' ').trim().slice(0, 31) || 'Sheet';
  let candidate = base;
  for (let n = 2; taken.has(candidate.toLowerCase()); n += 1) candidate = `${base.slice(0, 31 - String(n).length - 1).trimEnd()} ${n}`;
  taken.add(candidate.toLowerCase());
  return candidate;
}

function cellValue(value: SheetCell, type: SheetColumn['type']): string | number | Date | null {
  if (value === null || value === '') return null;
  if (type === 'date' && typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const [y, m, d] = value.split('-').map(Number);
    return new Date(Date.UTC(y, m - 1, d));
  }
  if (type === 'percent' && typeof value === 'number') return value / 100;
  if ((type === 'number' || type === 'percent') && typeof value === 'number') return value;
  return String(value);
}

/** Writes the sheets to a stream of XLSX bytes. */
export function xlsxStream(sheets: readonly Sheet[]): Readable {
  const out = new PassThrough();
  const taken = new Set<string>();
  (async () => {
    const { default: Excel } = await import('exceljs');
    const workbook: ExcelJS.stream.xlsx.WorkbookWriter = new Excel.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
    workbook.creator = 'CSPR Hub';
    for (const sheet of sheets) {
      const ws = workbook.addWorksheet(sheetName(sheet.name, taken));
      ws.columns = sheet.columns.map((c) => ({ header: c.label, width: c.type === 'text' ? 40 : 14, ...(NUMBER_FORMATS[c.type] ? { style: { numFmt: NUMBER_FORMATS[c.type] } } : {}) }));
      ws.getRow(1).font = { bold: true };
      ws.getRow(1).commit();
      for (const row of sheet.rows) ws.addRow(sheet.columns.map((c, i) => cellValue(row[i] ?? null, c.type))).commit();
      ws.commit();
    }
    await workbook.commit();
  })().catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))));
  return out;
}

/** The whole spreadsheet in memory (for tests and small exports). */
export async function xlsxBuffer(sheets: readonly Sheet[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of xlsxStream(sheets)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
