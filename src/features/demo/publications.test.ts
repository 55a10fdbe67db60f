import { describe, expect, it } from 'vitest';
import { REVIEW_TYPES } from '../../domain/reviews/review-types.ts';
import { extractText } from '../../platform/documents/extract.ts';
import fs from 'node:fs';
import path from 'node:path';
import { freshDir } from '../../../test/support/database.ts';
import { DEMO_PUBLICATIONS, DEMO_REPORTS_DIR, demoReportFileName, demoReports, fictionalReportPages, renderDemoReport, renderDemoReports } from './publications.ts';

/** Text as search sees it: words only (extraction turns paragraph breaks into line breaks). */
const words = (text: string) => text.split(/\s+/).filter(Boolean).join(' ');

describe('demo publications', () => {
  it('are a dozen varied, fictional reviews with learning for all and briefings for most', () => {
    expect(DEMO_PUBLICATIONS).toHaveLength(12);
    const scrs = DEMO_PUBLICATIONS.filter((d) => d.reviewType === 'scr');
    expect(scrs.length).toBeGreaterThanOrEqual(4);
    for (const d of scrs) expect(Number(d.publishedOn.slice(0, 4))).toBeLessThanOrEqual(2019);
    for (const d of DEMO_PUBLICATIONS.filter((x) => x.reviewType !== 'scr')) expect(Number(d.publishedOn.slice(0, 4))).toBeGreaterThanOrEqual(2020);
    expect(new Set(DEMO_PUBLICATIONS.map((d) => d.reviewType)).size).toBeGreaterThanOrEqual(4);
    expect(DEMO_PUBLICATIONS.every((d) => REVIEW_TYPES.includes(d.reviewType) && d.learning && d.title.endsWith('(fictional)'))).toBe(true);
    expect(DEMO_PUBLICATIONS.filter((d) => d.briefing).length).toBeGreaterThan(6);
    expect(DEMO_PUBLICATIONS.every((d) => d.pages >= 6 && d.pages <= 20)).toBe(true);
  });

  it('give the same text as a reader extracts from their PDFs, page for page', async () => {
    for (const d of [DEMO_PUBLICATIONS[0], DEMO_PUBLICATIONS[10]]) {
      const { bytes, pages } = await renderDemoReport(d);
      const extracted = await extractText(bytes, 'pdf');
      expect(extracted.pages).toHaveLength(d.pages);
      expect(extracted.pages.map(words)).toEqual(pages.map(words));
    }
  });

  it('are kept as PDFs made beforehand, the same as the generator makes (after a change, run npm run build:demo-reports)', async () => {
    const rendered = await renderDemoReports();
    const kept = fs.readdirSync(DEMO_REPORTS_DIR).filter((f) => f.endsWith('.pdf')).sort();
    expect(kept).toEqual(DEMO_PUBLICATIONS.map(demoReportFileName).sort());
    for (const { d, bytes } of rendered) expect(fs.readFileSync(path.join(DEMO_REPORTS_DIR, demoReportFileName(d))).equals(bytes), demoReportFileName(d)).toBe(true);
    // What seeding uses: the kept bytes, with the text the PDF was made from.
    const read = await demoReports();
    expect(read.map((r) => r.bytes.length)).toEqual(rendered.map((r) => r.bytes.length));
    expect(read.map((r) => r.pages)).toEqual(rendered.map((r) => r.pages));
  });

  it('are rendered when a kept PDF is missing', async () => {
    const dir = freshDir('demo-reports');
    fs.mkdirSync(dir, { recursive: true });
    fs.copyFileSync(path.join(DEMO_REPORTS_DIR, demoReportFileName(DEMO_PUBLICATIONS[0])), path.join(dir, demoReportFileName(DEMO_PUBLICATIONS[0])));
    const read = await demoReports(dir);
    const expected = await renderDemoReport(DEMO_PUBLICATIONS[1]);
    expect(read[1].bytes.equals(expected.bytes)).toBe(true);
    expect(read[1].pages).toEqual(expected.pages);
  });

  it('write deterministic, anonymised report text', () => {
    const pages = fictionalReportPages('seed', 8);
    expect(fictionalReportPages('seed', 8)).toEqual(pages);
    expect(pages.join('\n')).toContain('Child L');
    expect(pages.join('\n')).not.toMatch(/\{(child|parent|them|their|they)\}/);
    expect(pages[7]).toMatch(/Page 8 of 8\. Fictional demonstration report/);
  });
});
