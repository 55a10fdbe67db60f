import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { sheetName, xlsxBuffer } from './xlsx.ts';

describe('spreadsheets of tables', () => {
  it('writes real dates, numbers and percentages, and keeps text that looks like a formula as text', async () => {
    const buffer = await xlsxBuffer([
      {
        name: 'Late: reviews?',
        columns: [{ label: 'Case', type: 'text' }, { label: 'Due by', type: 'date' }, { label: 'Days late', type: 'number' }, { label: 'On time (%)', type: 'percent' }],
        rows: [['=HYPERLINK("x")', '2025-02-28', 14, 66.7], ['B', null, 0, null]],
      },
    ]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0];
    expect(sheet.name).toBe('Late  reviews');
    expect(sheet.getRow(1).values).toEqual([undefined, 'Case', 'Due by', 'Days late', 'On time (%)']);
    expect(sheet.getCell('A2').type).toBe(ExcelJS.ValueType.String);
    expect(sheet.getCell('A2').value).toBe('=HYPERLINK("x")');
    expect(sheet.getCell('B2').type).toBe(ExcelJS.ValueType.Date);
    expect((sheet.getCell('B2').value as Date).toISOString()).toBe('2025-02-28T00:00:00.000Z');
    expect(sheet.getCell('B2').numFmt).toBe('dd/mm/yyyy');
    expect(sheet.getCell('C2').type).toBe(ExcelJS.ValueType.Number);
    expect(sheet.getCell('D2').value).toBeCloseTo(0.667);
    expect(sheet.getCell('D2').numFmt).toBe('0.0%');
    expect(sheet.getCell('B3').type).toBe(ExcelJS.ValueType.Null);
  });

  it('names sheets as Excel allows: 31 characters, no reserved signs, unique', () => {
    const taken = new Set<string>();
    expect(sheetName('Actions by agency and status and more words', taken)).toBe('Actions by agency and status an');
    expect(sheetName('Actions by agency and status and more words', taken)).toBe('Actions by agency and status 2');
    expect(sheetName('a/b', taken)).toBe('a b');
  });
});
