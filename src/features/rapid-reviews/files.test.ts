import { describe, expect, it } from 'vitest';
import { cleanFileName, detectFileType, fileProblem, MAX_FILE_BYTES } from './files.ts';

const zipWith = (name: string) => Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(26), Buffer.from(name), Buffer.from('content')]);

describe('agency files', () => {
  it('recognises PDFs and Word documents by their bytes, not their names', () => {
    expect(detectFileType(Buffer.from('%PDF-1.4\n'))).toBe('pdf');
    expect(detectFileType(zipWith('word/document.xml'))).toBe('docx');
    expect(detectFileType(zipWith('xl/workbook.xml'))).toBeNull();
    expect(detectFileType(Buffer.from('%PDF'))).toBeNull();
    expect(detectFileType(Buffer.from(' %PDF-1.4'))).toBeNull();
    expect(detectFileType(Buffer.from('MZ\x90\x00'))).toBeNull();
  });

  it('names the problem: too big, empty, or another kind of file', () => {
    expect(fileProblem(Buffer.from('%PDF-1.4'), false)).toBeNull();
    expect(fileProblem(Buffer.from('%PDF-1.4'), true)).toBe('The selected file must be smaller than 10 MB');
    expect(fileProblem(Buffer.alloc(MAX_FILE_BYTES + 1), false)).toBe('The selected file must be smaller than 10 MB');
    expect(fileProblem(Buffer.alloc(0), false)).toBe('The selected file is empty');
    expect(fileProblem(Buffer.from('plain text'), false)).toBe('The selected file must be a PDF or a Word document (.docx)');
  });

  it('keeps only a safe base name', () => {
    expect(cleanFileName('../../etc/passwd.pdf', 'pdf')).toBe('passwd.pdf');
    expect(cleanFileName('C:\\Users\\me\\chron"ology.docx', 'docx')).toBe('chronology.docx');
    expect(cleanFileName('\u202Egnp.pdf', 'pdf')).toBe('gnp.pdf');
    expect(cleanFileName('', 'pdf')).toBe('file.pdf');
  });
});
