import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDir, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { createFieldCipher } from '../../platform/crypto/field-encryption.ts';
import { sha256Of } from '../../platform/storage/file-store.ts';
import { DEMO_EVIDENCE } from './build-demo-reports.ts';
import { DEMO_EVIDENCE_DIR, demoDocumentFileName, demoDocumentPdf, renderDemoDocument } from './evidence-files.ts';
import { seedDemoCaseWork } from './service.ts';

describe('the demo’s files of evidence', () => {
  it('are kept as PDFs made beforehand, the same as the generator makes (after a change, run npm run build:demo-reports)', async () => {
    const kept = fs.readdirSync(DEMO_EVIDENCE_DIR).filter((f) => f.endsWith('.pdf')).sort();
    expect(kept).toEqual(DEMO_EVIDENCE.map(demoDocumentFileName).sort());
    for (const doc of DEMO_EVIDENCE) {
      const name = demoDocumentFileName(doc);
      expect(fs.readFileSync(path.join(DEMO_EVIDENCE_DIR, name)).equals(await renderDemoDocument(doc)), name).toBe(true);
    }
  });

  it('are made when there is no kept file for the text, and named by the text', async () => {
    const doc = { title: 'Evidence (fictional)', text: 'A text no kept file was made from.' };
    expect(demoDocumentFileName(doc)).not.toBe(demoDocumentFileName({ ...doc, text: `${doc.text} ` }));
    const dir = freshDir('demo-evidence');
    fs.mkdirSync(dir, { recursive: true });
    expect((await demoDocumentPdf(doc, dir)).equals(await renderDemoDocument(doc))).toBe(true);
  });
});

/** The seeding asks for exactly the kept files: none is made while a first start waits for it. */
describe('seeding the demo’s case work', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await openTestDatabase('embedded');
  });
  afterAll(async () => {
    await t.database.close();
    await t.drop();
  });

  it('stores the kept files as its actions’ evidence, every one of them', async () => {
    await seedDemoCaseWork(t.database, createFieldCipher(randomBytes(32)));
    const { rows } = await sql<{ sha256: string }>`select distinct sha256 from action_evidence_files`.execute(t.database.db);
    const kept = DEMO_EVIDENCE.map((doc) => sha256Of(fs.readFileSync(path.join(DEMO_EVIDENCE_DIR, demoDocumentFileName(doc)))));
    expect(rows.map((r) => r.sha256).sort()).toEqual([...new Set(kept)].sort());
  });
});
