/**
 * CSV as RFC 4180 writes it (CRLF line ends; a field holding a comma, quote or line
 * break is quoted, its quotes doubled), made safe to open in a spreadsheet: a cell
 * beginning with = + - @, a tab or a carriage return would be read as a formula, so
 * it is prefixed with a single quote (OWASP's advice on CSV injection).
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvRow(values: readonly (string | number | null | undefined)[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
