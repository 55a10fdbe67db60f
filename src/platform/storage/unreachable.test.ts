import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { runCspr } from '../../../test/support/cli.ts';
import { signedInAs, type TestClient } from '../../../test/support/client.ts';
import { copyTemplate, ENGINES, freshDir } from '../../../test/support/database.ts';
import { multipartBody } from '../../../test/support/multipart.ts';
import { addPartnership } from '../../features/partnerships/service.ts';
import { openDatabase } from '../db/database.ts';
import { renderReportPdf } from '../documents/generate-pdf.ts';

/** A bucket on a port where nothing listens. */
const DOWN = { FILE_STORE: 's3', S3_BUCKET: 'cspr-down', S3_ENDPOINT: 'http://127.0.0.1:9', S3_FORCE_PATH_STYLE: 'true', S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER' };

describe.each(ENGINES)('an unreachable file store on %s', (engine) => {
  let t: TestApp;
  let admin: TestClient;
  beforeAll(async () => {
    t = await startTestApp(engine, DOWN);
    const p = await addPartnership(t.app.deps.database.db, { slug: 'down-vale', name: 'Down Vale SCP' });
    admin = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: p.id }])).client;
  });
  afterAll(async () => t.close());

  it('makes the instance not ready, naming the store', async () => {
    const res = await t.app.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'unavailable', database: engine, files: 's3', failed: 'files' });
  });

  it('answers an upload with a 503 page and keeps nothing of it', async () => {
    const page = await admin.get('/publications/import');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const report = await renderReportPdf({ title: 'Child U (fictional)', pages: ['Nothing of this is kept.'] });
    const { payload, contentType } = multipartBody(
      { _csrf: token, title: 'Child U: a review that could not be stored', 'published_on-day': '1', 'published_on-month': '2', 'published_on-year': '2024', review_type: 'local-cspr', themes: 'neglect', summary: 'A fictional review.' },
      { name: 'child-u.pdf', type: 'application/pdf', bytes: report },
    );
    const cookie = [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await t.app.inject({ method: 'POST', url: '/publications/import', headers: { cookie, 'content-type': contentType }, payload });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('Sorry, there is a problem with the service');
    const api = await t.app.inject({ method: 'GET', url: '/api/v1/public/search?q=Child+U' });
    expect(api.json()).toMatchObject({ total: 0 });
    const rows = await t.app.deps.database.db.selectFrom('publications').select('id').execute();
    expect(rows).toEqual([]);
  });
});

describe('cspr import with an unreachable file store', () => {
  it('stops with one clear sentence and a non-zero exit, keeping nothing of the file', async () => {
    const dir = copyTemplate();
    const database = await openDatabase({ dataDir: dir });
    await addPartnership(database.db, { slug: 'down-vale', name: 'Down Vale SCP' });
    await database.close();
    const folder = freshDir('down-manifest');
    fs.writeFileSync(path.join(folder, 'child-u.pdf'), await renderReportPdf({ title: 'Child U (fictional)', pages: ['Nothing of this is kept.'] }));
    fs.writeFileSync(path.join(folder, 'manifest.csv'), 'file,title,partnership,published_on,review_type,themes,summary\nchild-u.pdf,Child U,down-vale,2024-02-01,local-cspr,neglect,A fictional review.\n');
    const run = await runCspr(['import', '--manifest', path.join(folder, 'manifest.csv')], { DATA_DIR: dir, ...DOWN });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^cspr import: The file store \(the S3 bucket cspr-down at 127\.0\.0\.1:9\) cannot be reached \(.+\)\. Check FILE_STORE and the S3_ variables, and that the service is up\.$/m);
    const after = await openDatabase({ dataDir: dir });
    try {
      expect(await after.db.selectFrom('publications').select('id').execute()).toEqual([]);
    } finally {
      await after.close();
    }
  });
});
