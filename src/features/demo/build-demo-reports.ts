import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_IMPACT_EVIDENCE } from '../learning/demo-assurance.ts';
import { DEMO_COMPLETION_EVIDENCE } from '../learning/demo.ts';
import { DEMO_EVIDENCE_DIR, demoDocumentFileName, renderDemoDocument, type DemoDocument } from './evidence-files.ts';
import { replaceKeptFiles } from './kept-files.ts';
import { DEMO_REPORTS_DIR, demoReportFileName, renderDemoReports } from './publications.ts';

/** Every file of evidence the demo's actions carry (evidence-files.ts). */
export const DEMO_EVIDENCE: readonly DemoDocument[] = [...DEMO_COMPLETION_EVIDENCE, DEMO_IMPACT_EVIDENCE];

/**
 * Makes the demo reviews' PDFs kept in src/features/demo/reports (publications.ts), and its files of
 * evidence kept in src/features/demo/evidence (evidence-files.ts), after a change to their text or to
 * the PDF generator (tests say when):
 *
 *     npm run build:demo-reports
 */
export async function buildDemoReports(dir = DEMO_REPORTS_DIR): Promise<string[]> {
  return replaceKeptFiles(dir, (await renderDemoReports()).map(({ d, bytes }) => ({ name: demoReportFileName(d), bytes })));
}

export async function buildDemoEvidence(dir = DEMO_EVIDENCE_DIR): Promise<string[]> {
  return replaceKeptFiles(dir, await Promise.all(DEMO_EVIDENCE.map(async (doc) => ({ name: demoDocumentFileName(doc), bytes: await renderDemoDocument(doc) }))));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const names = await buildDemoReports();
  console.log(`${names.length} demo reports made in ${path.relative(process.cwd(), DEMO_REPORTS_DIR) || '.'}.`);
  const evidence = await buildDemoEvidence();
  console.log(`${evidence.length} demo files of evidence made in ${path.relative(process.cwd(), DEMO_EVIDENCE_DIR) || '.'}.`);
}
