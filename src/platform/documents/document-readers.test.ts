import { afterAll, describe, expect, it } from 'vitest';
import { DocumentError } from './document-error.ts';
import { DocumentReaders } from './document-readers.ts';
import { renderReportPdf } from './generate-pdf.ts';
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

describe('DocumentReaders', () => {
  const readers = new DocumentReaders({ timeLimitMs: 30_000, memoryLimitMb: 128, readers: 1 });
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
    const quick = new DocumentReaders({ timeLimitMs: 300, memoryLimitMb: 128, readers: 1 });
    try {
      // Warm: the reader has started and loaded its libraries.
      await quick.check(buildDocx(['Warm.']), 'docx');
      expect(await refusal(quick.text(buildSlowPdf(2_000_000), 'pdf'))).toMatch(
        /^the file took longer than 0.3 seconds to read, so reading it was stopped: it may be damaged or built to be slow to open/,
      );
      expect(quick.reading).toBe(0);
      await expect(quick.check(buildDocx(['Next.']), 'docx')).resolves.toBeUndefined();
    } finally {
      await quick.close();
    }
  });

  it('reads files in turn on one reader, and refuses what is waiting when closed', async () => {
    const one = new DocumentReaders({ timeLimitMs: 30_000, memoryLimitMb: 128, readers: 1 });
    const first = one.text(buildDocx(['First.']), 'docx');
    const second = one.text(buildDocx(['Second.']), 'docx');
    expect((await first).pages).toEqual(['First.']);
    expect((await second).pages).toEqual(['Second.']);
    const slow = one.text(buildSlowPdf(2_000_000), 'pdf');
    const waiting = one.text(buildDocx(['Waiting.']), 'docx');
    await one.close();
    await expect(slow).rejects.toThrow('The document readers were closed');
    await expect(waiting).rejects.toThrow('The document readers were closed');
  });
});
