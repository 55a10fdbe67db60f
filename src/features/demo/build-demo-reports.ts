import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_REPORTS_DIR, demoReportFileName, renderDemoReports } from './publications.ts';

/**
 * Makes the demo reviews' PDFs kept in src/features/demo/reports (publications.ts), after a change to
 * their text or to the PDF generator (a test says when):
 *
 *     npm run build:demo-reports
 */
export async function buildDemoReports(dir = DEMO_REPORTS_DIR): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const rendered = await renderDemoReports();
  const names = rendered.map(({ d }) => demoReportFileName(d));
  // Only this script writes there: a review no longer in the demo leaves no file behind.
  for (const old of fs.readdirSync(dir)) if (old.endsWith('.pdf') && !names.includes(old)) fs.rmSync(path.join(dir, old));
  for (const { d, bytes } of rendered) fs.writeFileSync(path.join(dir, demoReportFileName(d)), bytes);
  return names;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const names = await buildDemoReports();
  console.log(`${names.length} demo reports made in ${path.relative(process.cwd(), DEMO_REPORTS_DIR) || '.'}.`);
}
