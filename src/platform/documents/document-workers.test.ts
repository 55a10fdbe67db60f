import { afterAll, describe, expect, it } from 'vitest';
import { NOT_UTF8 } from './csv.ts';
import { DocumentError } from './document-error.ts';
import { DocumentWorkers } from './document-workers.ts';
import { xlsxBuffer, type Sheet } from '../export/xlsx.ts';
import { renderReportPdf } from './generate-pdf.ts';
import { renderOnePagePdf, type OnePagePdf } from './one-page-pdf.ts';
import { renderTaggedPdf, type TaggedDocument } from './tagged-pdf.ts';
import { WORKBOOK_DAMAGED_OR_TOO_LARGE } from './workbook.ts';
import { DOCX_LIMITS, readZip } from './zip-archive.ts';
import { buildDocx, buildFlateBombPdf, buildPdfWithOpenActionScript, buildSlowPdf, buildZipBombDocx } from './test-fixtures.ts';

async function refusal(work: Promise<unknown>): Promise<string> {
  const err = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DocumentError);
  return (err as Error).message;
}

/** The process's peak resident memory while `work` runs (reader threads are in this process). */
async function peakMemory<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  try {
    const result = await work();
    return { result, growth: Math.max(peak, process.memoryUsage().rss) - before };
  } finally {
    clearInterval(timer);
  }
}

const MB = 1024 * 1024;

describe('DocumentWorkers', () => {
  const readers = new DocumentWorkers({ timeLimitMs: 30_000, memoryLimitMb: 128, workers: 1 });
  afterAll(() => readers.close());

  it('reads ordinary PDFs and Word documents, in a worker thread', async () => {
    const pdf = await renderReportPdf({ title: 'Child L (fictional)', pages: ['Child L was not seen alone.', 'Agencies did not share what they knew.'] });
    expect(await readers.text(pdf, 'pdf')).toEqual({ pages: ['Child L (fictional)\nChild L was not seen alone.', 'Agencies did not share what they knew.'], pagesWithoutText: [] });
    expect(await readers.text(buildDocx(['Child K (fictional) was known to the school nurse.']), 'docx')).toEqual({
      pages: ['Child K (fictional) was known to the school nurse.'],
      pagesWithoutText: [],
    });
    await expect(readers.check(pdf, 'pdf')).resolves.toBeUndefined();
  });

  it('refuses files that carry active content, and damaged ones, with the reason', async () => {
    expect(await refusal(readers.check(await buildPdfWithOpenActionScript(), 'pdf'))).toMatch(/^the PDF carries active content \(JavaScript\) .*: print it to a new PDF/);
    expect(await refusal(readers.text(await buildPdfWithOpenActionScript(), 'pdf'))).toMatch(/^the PDF carries active content \(JavaScript\)/);
    expect(await refusal(readers.text(buildDocx(['x']).subarray(0, 80), 'docx'))).toMatch(/^the file is damaged or not a Word document/);
  });

  it('refuses a zip bomb Word document (a gigabyte packed in a megabyte) with the reason, without taking the memory', async () => {
    const bomb = buildZipBombDocx(1024);
    const liar = buildZipBombDocx(1024, { declared: 4096 });
    const { result, growth } = await peakMemory(async () => [await refusal(readers.text(bomb, 'docx')), await refusal(readers.check(liar, 'docx'))]);
    expect(result[0]).toMatch(/^the Word document would expand to more than 100 MB when opened \(its parts declare 1,025 MB or more\): it is refused as unsafe to open \(a "zip bomb"\)/);
    expect(result[1]).toMatch(/^the Word document would expand to more than 100 MB when opened \(one of its parts holds more than it declares\)/);
    expect(growth).toBeLessThan(200 * MB);
  });

  it('stops a reader that takes more memory than its limit (a PDF stream inflating to 4 GB), and the next file is read', async () => {
    const { result, growth } = await peakMemory(() => refusal(readers.text(buildFlateBombPdf(4096), 'pdf')));
    expect(result).toMatch(/^the file needed more than 128 MB of memory to read, so reading it was stopped: it may be damaged or built to expand when opened/);
    // The limit, the worker's own start and the sampling interval's overshoot; not gigabytes.
    expect(growth).toBeLessThan(600 * MB);
    expect((await readers.text(buildDocx(['Still reading.']), 'docx')).pages).toEqual(['Still reading.']);
  });

  it('stops a reader that takes longer than its time limit, and the next file is read', async () => {
    const quick = new DocumentWorkers({ timeLimitMs: 300, memoryLimitMb: 128, workers: 1 });
    try {
      // Warm: the reader has started and loaded its libraries.
      await quick.check(buildDocx(['Warm.']), 'docx');
      expect(await refusal(quick.text(buildSlowPdf(2_000_000), 'pdf'))).toMatch(
        /^the file took longer than 0.3 seconds to read, so reading it was stopped: it may be damaged or built to be slow to open/,
      );
      expect(quick.working).toBe(0);
      await expect(quick.check(buildDocx(['Next.']), 'docx')).resolves.toBeUndefined();
    } finally {
      await quick.close();
    }
  });

  it('reads an uploaded CSV file’s records in a worker, and says why one cannot be read', async () => {
    expect(await readers.csv(Buffer.from('review,number\n"SCR-1, part 2",3\n'), 10)).toEqual({ records: [{ line: 1, fields: ['review', 'number'] }, { line: 2, fields: ['SCR-1, part 2', '3'] }] });
    expect(await readers.csv(Buffer.from([0x61, 0xff, 0x0a]), 10)).toEqual({ problem: NOT_UTF8 });
    // Five megabytes of one-letter lines: refused by its row count at the limit, not after reading millions.
    expect(await readers.csv(Buffer.from('a\n'.repeat(2_500_000)), 20_000)).toEqual({ problem: 'The file has more than 20,000 rows: split it.' });
  });

  it('cleans an SVG logo in a worker, and stops one built to be slow (deep nesting) at the time limit while this thread goes on', async () => {
    const quick = new DocumentWorkers({ timeLimitMs: 1_000, memoryLimitMb: 128, workers: 1 });
    try {
      const clean = await quick.svgLogo('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><circle r="4" onclick="alert(2)"/></svg>');
      expect(clean).toContain('<circle');
      expect(clean).not.toMatch(/script|alert|onclick/);
      expect(await quick.svgLogo('<p>not a drawing</p>')).toBeNull();
      // Cleaning this on the calling thread held it for most of a minute.
      const nested = `<svg xmlns="http://www.w3.org/2000/svg">${'<g>'.repeat(20_000)}${'</g>'.repeat(20_000)}</svg>`;
      let ticks = 0;
      const ticking = setInterval(() => (ticks += 1), 50);
      const refused = await refusal(quick.svgLogo(nested)).finally(() => clearInterval(ticking));
      expect(refused).toMatch(/^the file took longer than 1 second to read, so reading it was stopped/);
      expect(ticks).toBeGreaterThanOrEqual(10);
      expect(await quick.svgLogo('<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>')).toContain('<rect');
    } finally {
      await quick.close();
    }
  }, 60_000);

  it('reads an uploaded workbook’s rows (dates as dates, empty rows left out), and refuses a damaged one', async () => {
    const workbook = await xlsxBuffer([{ name: 'Tracker', columns: [{ label: 'Review', type: 'text' }, { label: 'Due', type: 'date' }, { label: 'Count', type: 'number' }], rows: [['SCR-1', '2025-02-28', 3], [null, null, null], ['SCR-2', null, 0]] }]);
    const limits = { ...DOCX_LIMITS, maxRows: 100 };
    expect(await readers.workbook(workbook, limits)).toEqual({
      rowCount: 4,
      rows: [
        { line: 1, cells: ['Review', 'Due', 'Count'] },
        { line: 2, cells: ['SCR-1', new Date(Date.UTC(2025, 1, 28)), 3] },
        { line: 4, cells: ['SCR-2', null, 0] },
      ],
    });
    expect(await refusal(readers.workbook(Buffer.from('PK\u0003\u0004not really a zip'), limits))).toBe(WORKBOOK_DAMAGED_OR_TOO_LARGE);
  });

  it('reads files in turn on one reader, and refuses what is waiting when closed', async () => {
    const one = new DocumentWorkers({ timeLimitMs: 30_000, memoryLimitMb: 128, workers: 1 });
    const first = one.text(buildDocx(['First.']), 'docx');
    const second = one.text(buildDocx(['Second.']), 'docx');
    expect((await first).pages).toEqual(['First.']);
    expect((await second).pages).toEqual(['Second.']);
    const slow = one.text(buildSlowPdf(2_000_000), 'pdf');
    const waiting = one.text(buildDocx(['Waiting.']), 'docx');
    await one.close();
    await expect(slow).rejects.toThrow('The document workers were closed');
    await expect(waiting).rejects.toThrow('The document workers were closed');
  });
});

/** A PDF's bytes without the moment it was made (the only thing that differs between two makings). */
function timeless(pdf: Buffer): string {
  return pdf
    .toString('latin1')
    .replace(/\(D:\d{14}Z\)/g, '(D:)')
    .replace(/<xmp:CreateDate>[^<]*<\/xmp:CreateDate>/g, '')
    // The file's identifier is a digest of its information, the time included.
    .replace(/\/ID \[<[0-9a-f]+> <[0-9a-f]+>\]/g, '/ID');
}

/** A workbook's parts and their contents, without its properties part (which holds the time it was made). */
function parts(xlsx: Buffer): Record<string, string> {
  return Object.fromEntries(
    readZip(xlsx)
      .filter((e) => e.name !== 'docProps/core.xml')
      .map((e) => [e.name, e.data.toString('utf8')]),
  );
}

const REPORT: TaggedDocument = {
  title: 'Review activity: yearly report (fictional)',
  subtitle: 'Northmoor SCP – Łukasz, Siân, Ayşe',
  lines: ['Written by the business unit', 'Made on 4 December 2026'],
  footer: 'Yearly report 2024 to 2025',
  author: 'Northmoor SCP',
  blocks: [
    { kind: 'part', id: 'notifications', heading: 'Notifications' },
    { kind: 'paragraph', text: 'Twelve serious incidents were notified.\nThree became local reviews.' },
    { kind: 'heading', text: 'By quarter' },
    { kind: 'table', columns: [{ label: 'Quarter', numeric: false }, { label: 'Notified', numeric: true }], rows: Array.from({ length: 40 }, (_, i) => [`Q${(i % 4) + 1} ${2000 + i}`, String(i)]) },
    { kind: 'figure', svg: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100"><rect x="10" y="10" width="40" height="80" fill="#1d70b8"/><text x="60" y="50">Q1</text></svg>', alt: 'Notifications by quarter: Q1 12' },
    { kind: 'paragraph', text: 'Figures for the period.', note: true },
  ],
};
const BRIEFING: OnePagePdf = {
  title: 'Seven-minute briefing: Child L (fictional)',
  subtitle: '7-minute briefing – Northmoor SCP',
  sections: Array.from({ length: 8 }, (_, i) => ({ heading: `Section ${i + 1}`, text: 'Agencies did not share what they knew. '.repeat(30 + i * 10) })),
  footer: 'Published 2026-01-05. Read online: https://example.org/learning/products/child-l',
};
const SHEETS: Sheet[] = [
  { name: 'Late: reviews?', columns: [{ label: 'Case', type: 'text' }, { label: 'Due by', type: 'date' }, { label: 'Days late', type: 'number' }, { label: 'On time (%)', type: 'percent' }], rows: [['=HYPERLINK("x")', '2025-02-28', 14, 66.7], ['B', null, 0, null]] },
  { name: 'Late: reviews?', columns: [{ label: 'Agency', type: 'text' }], rows: [['Police'], ['Ysgol Gŵyr']] },
];

describe('DocumentWorkers making documents', () => {
  const workers = new DocumentWorkers({ timeLimitMs: 30_000, memoryLimitMb: 256, workers: 1 });
  afterAll(() => workers.close());

  it('makes the same PDFs and workbooks as the writers make on the calling thread', async () => {
    expect(timeless(await workers.reportPdf(REPORT))).toBe(timeless(await renderTaggedPdf(REPORT)));
    expect(timeless(await workers.onePagePdf(BRIEFING))).toBe(timeless(await renderOnePagePdf(BRIEFING)));
    // A generator of rows (as the writer takes) is sent as plain rows.
    const rows = function* () {
      yield* SHEETS[0].rows;
    };
    const made = await workers.xlsx([{ ...SHEETS[0], rows: rows() }, SHEETS[1]]);
    expect(parts(made)).toEqual(parts(await xlsxBuffer(SHEETS)));
    expect(Object.keys(parts(made))).toContain('xl/worksheets/sheet2.xml');
  });

  it('answers a document that cannot be made with an error, not a refusal of a file and not a wait, and makes the next one', async () => {
    const broken = { ...REPORT, blocks: [{ kind: 'table', columns: [{ label: 'A', numeric: false }], rows: null }] } as unknown as TaggedDocument;
    const err = await workers.reportPdf(broken).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(DocumentError);
    expect((await workers.onePagePdf(BRIEFING)).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('stops making a document past the time limit with an error (the service’s error page), and goes on', async () => {
    // A limit far above a small workbook's time and far below a large one's (about 10 seconds); the writer's loading, on its first job, is not counted.
    const quick = new DocumentWorkers({ timeLimitMs: 2_000, memoryLimitMb: 512, workers: 1 });
    try {
      const huge: Sheet = { name: 'Rows', columns: [{ label: 'Case', type: 'text' }, { label: 'Days', type: 'number' }], rows: Array.from({ length: 400_000 }, (_, i) => [`NM-${i}`, i]) };
      const err = await quick.xlsx([huge]).then(
        () => null,
        (e: unknown) => e as Error,
      );
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(DocumentError);
      expect(err!.message).toMatch(/^Making the document \(xlsx\) took longer than 2 seconds, so it was stopped/);
      expect(quick.working).toBe(0);
      expect(parts(await quick.xlsx(SHEETS))).toEqual(parts(await xlsxBuffer(SHEETS)));
    } finally {
      await quick.close();
    }
  });

  it('leaves the calling thread free while a large workbook is made', async () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => [`NM-2024-${i}`, '2024-04-01', i % 90, (i % 1000) / 10, 'Parallel criminal proceedings'] as const);
    let made = false;
    const exporting = workers.xlsx([{ name: 'Rows', columns: [{ label: 'Case', type: 'text' }, { label: 'Due by', type: 'date' }, { label: 'Days late', type: 'number' }, { label: 'On time (%)', type: 'percent' }, { label: 'Reasons', type: 'text' }], rows }]).then((bytes) => {
      made = true;
      return bytes;
    });
    // Turns of this thread's event loop while the workbook is being made: on this thread, there would be none until it was done.
    let turns = 0;
    while (!made && turns < 1_000_000) {
      await new Promise((resolve) => setImmediate(resolve));
      turns += 1;
      if (turns === 20) expect(made).toBe(false);
    }
    expect(turns).toBeGreaterThan(20);
    expect(parts(await exporting)['xl/worksheets/sheet1.xml']).toContain('NM-2024-29999');
  });

  it('stops a worker left idle, and starts one again for the next document', async () => {
    const idle = new DocumentWorkers({ timeLimitMs: 30_000, memoryLimitMb: 256, workers: 1, idleMs: 50 });
    try {
      await idle.onePagePdf(BRIEFING);
      expect(idle.threads).toBe(1);
      for (let i = 0; i < 200 && idle.threads > 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(idle.threads).toBe(0);
      expect((await idle.onePagePdf(BRIEFING)).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    } finally {
      await idle.close();
    }
  });

  it('refuses what is waiting when closed (the service shutting down), and stops its threads', async () => {
    const closing = new DocumentWorkers({ timeLimitMs: 30_000, memoryLimitMb: 256, workers: 1 });
    const first = closing.reportPdf(REPORT);
    const second = closing.onePagePdf(BRIEFING);
    await closing.close();
    await expect(first).rejects.toThrow('The document workers were closed');
    await expect(second).rejects.toThrow('The document workers were closed');
    expect(closing.threads).toBe(0);
    await expect(closing.xlsx(SHEETS)).rejects.toThrow('The document workers were closed');
  });
});
