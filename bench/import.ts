/**
 * Importing a long report (`npm run bench:import`): one 200-page PDF of plausible text, imported
 * into a fresh embedded database (type check, active-content check and text extraction page by
 * page in a document reader thread, search chunks, the stored file) — target under 3 s — with the
 * peak resident memory of the process (its reader threads included) sampled during the import.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fictionalReportPages } from '../src/features/demo/publications.ts';
import { addPartnership } from '../src/features/partnerships/service.ts';
import { importReport } from '../src/features/publications/import.ts';
import { recordAudit } from '../src/platform/audit/audit.ts';
import { openDatabase } from '../src/platform/db/database.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { DocumentWorkers } from '../src/platform/documents/document-workers.ts';
import { renderReportPdf } from '../src/platform/documents/generate-pdf.ts';
import { createFileStore } from '../src/platform/storage/file-store.ts';
import { cipherFor } from '../src/platform/crypto/field-encryption.ts';
import { sampleRss } from './memory.ts';

const PAGES = Number(process.env.BENCH_PAGES ?? 200);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cspr-bench-import-'));
try {
  const dataDir = path.join(dir, 'data');
  const database = await openDatabase({ dataDir });
  await migrate(database);
  const partnership = await addPartnership(database.db, { slug: 'benchmoor', name: 'Benchmoor Safeguarding Children Partnership (fictional)' });

  let started = performance.now();
  const pdf = await renderReportPdf({ title: 'Child L: a local child safeguarding practice review (fictional)', pages: fictionalReportPages('bench', PAGES) });
  console.log(`generated a ${PAGES}-page PDF of ${(pdf.length / 1024).toFixed(0)} KB in ${((performance.now() - started) / 1000).toFixed(2)} s`);

  const documents = new DocumentWorkers({ timeLimitMs: 60_000, memoryLimitMb: 512 });
  const before = process.memoryUsage().rss;
  const sampler = sampleRss();
  started = performance.now();
  const files = createFileStore({ db: database.db, cipher: cipherFor({ dataDir }), config: { backend: 'database' } });
  const outcome = await importReport(database.db, files, {
    partnershipId: partnership.id,
    title: 'Child L: a local child safeguarding practice review (fictional)',
    summary: 'A fictional review used to measure importing a long report.',
    reviewType: 'local-cspr',
    themes: ['neglect', 'information-sharing'],
    publishedOn: '2026-03-02',
    file: { name: 'child-l.pdf', bytes: pdf },
  }, documents, (trx, imported) => recordAudit(trx, { action: 'publication-imported', recordType: 'publication', recordId: imported.id, changes: { via: 'bench' } }));
  const importSeconds = (performance.now() - started) / 1000;
  const peak = sampler.stop();
  if (outcome.status !== 'imported') throw new Error(`the import did not succeed: ${JSON.stringify(outcome)}`);
  const chunks = await database.db.selectFrom('publication_chunks').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  console.log(`import (start a reader, check and extract ${outcome.pages} pages + store + ${chunks.n} search chunks): ${importSeconds.toFixed(2)} s (target < 3 s) ${importSeconds < 3 ? 'OK' : 'TOO SLOW'}`);
  console.log(`resident memory: ${mb(before)} before, peak ${mb(peak)} during the import (+${mb(peak - before)})`);

  started = performance.now();
  await documents.text(pdf, 'pdf');
  console.log(`check and text extraction alone, second run (reader already started): ${((performance.now() - started) / 1000).toFixed(2)} s`);
  await documents.close();
  await database.close();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
