import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/features/demo/service.ts';
import { createSession } from '../../src/platform/auth/sessions.ts';
import { createFieldCipher } from '../../src/platform/crypto/field-encryption.ts';
import { checkMasterKey } from '../../src/platform/crypto/master-key.ts';
import { openDatabase, type Database } from '../../src/platform/db/database.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { withTenant } from '../../src/platform/db/tenant.ts';
import { renderReportPdf } from '../../src/platform/documents/generate-pdf.ts';
import { SESSION_COOKIE } from '../../src/platform/http/authentication.ts';
import { createFileStore, sha256Of } from '../../src/platform/storage/file-store.ts';
import { runCspr, startServe, type ServeProcess } from '../support/cli.ts';
import { copyTemplate, createServerDatabase, ENGINES, freshDir } from '../support/database.ts';
import { startS3Server, type TestS3 } from '../support/s3.ts';

/**
 * Instances of `cspr serve` keep nothing of their own: files, sessions and queues live in the
 * database (or the bucket), so any number of instances on one PostgreSQL database serve the same
 * things, each with a data folder of its own. On the embedded engine one instance at a time runs:
 * there the test shows that what it keeps is in the store, not in its data folder.
 */

/** A browser of sorts: one session cookie, and the CSRF cookie each form's page sets. */
class Visitor {
  private readonly cookies = new Map<string, string>();
  constructor(session: string) {
    this.cookies.set(SESSION_COOKIE, session);
  }
  private header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  async get(url: string): Promise<Response> {
    const res = await fetch(url, { headers: { cookie: this.header() }, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const at = pair.indexOf('=');
      this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return res;
  }
  /** Sends the file upload form on `page` to `action`, as the browser would. */
  async upload(page: string, action: string, fields: Record<string, string | string[]>, file: { name: string; bytes: Buffer }): Promise<Response> {
    const html = await (await this.get(page)).text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    if (!token) throw new Error(`no CSRF token on ${page}`);
    const form = new FormData();
    form.append('_csrf', token);
    for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) form.append(k, one);
    form.append('file', new Blob([new Uint8Array(file.bytes)], { type: 'application/pdf' }), file.name);
    return fetch(action, { method: 'POST', body: form, headers: { cookie: this.header() }, redirect: 'manual' });
  }
}

const KEY = randomBytes(32).toString('base64');
let DRAFT: Buffer;
const backends = ['database', 's3'] as const;

describe.each(ENGINES.flatMap((engine) => backends.map((backend) => [engine, backend] as const)))('instances of cspr serve on %s, files in %s', (engine, backend) => {
  let database: Database;
  let dropServer: (() => Promise<void>) | null = null;
  let s3: TestS3 | null = null;
  let instances: ServeProcess[] = [];
  let dataDirs: string[] = [];
  let visitor: Visitor;
  let reviewId: string;

  beforeAll(async () => {
    DRAFT = await renderReportPdf({ title: 'Draft report (fictional)', pages: [`A draft naming no one real (${engine}, ${backend}).`] });
    s3 = backend === 's3' ? await startS3Server() : null;
    const shared: Record<string, string> = { DATA_ENCRYPTION_KEY: KEY, RATE_LIMITS: 'off', SESSION_CACHE_MS: '0', ...(s3?.env ?? {}) };
    const storeConfig = s3?.config ?? { backend: 'database' as const };
    if (engine === 'postgres') {
      const server = await createServerDatabase();
      dropServer = server.drop;
      database = await openDatabase({ dataDir: freshDir('unused'), databaseUrl: server.url });
      shared.DATABASE_URL = server.url;
      dataDirs = [freshDir('instance-a'), freshDir('instance-b')];
    } else {
      dataDirs = [copyTemplate()];
      database = await openDatabase({ dataDir: dataDirs[0] });
    }
    await migrate(database);
    const key = Buffer.from(KEY, 'base64');
    await checkMasterKey(database.db, key, dataDirs[0]);
    const cipher = createFieldCipher(key);
    await seedDemo(database, cipher, createFileStore({ db: database.db, cipher, config: storeConfig }));
    const admin = await database.db.selectFrom('users').select('id').where('email', '=', 'admin@northmoor.example').executeTakeFirstOrThrow();
    visitor = new Visitor(await createSession(database.db, admin.id, { twoFactor: true }));
    reviewId = (await withTenant(database.db, 'all', (trx) => trx.selectFrom('reviews').select('incident_id').executeTakeFirstOrThrow())).incident_id;
    if (engine === 'embedded') await database.close(); // The data folder admits one process: the instance's.
    instances = await Promise.all(dataDirs.map((dir) => startServe({ ...shared, DATA_DIR: dir })));
  }, 180_000);

  afterAll(async () => {
    for (const instance of instances) await instance.stop();
    await database.close();
    await dropServer?.();
    await s3?.close();
  });

  const first = () => instances[0];
  const last = () => instances[instances.length - 1];

  it('says each instance is ready: the database and the file store answer', async () => {
    for (const instance of instances) {
      const res = await fetch(`${instance.url}/readyz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok', database: engine, files: backend });
    }
  });

  it('serves a report imported through one instance from every instance, and keeps nothing in their data folders', async () => {
    const report = await renderReportPdf({ title: 'Child S (fictional)', pages: [`Shared by every instance, on ${engine} with files in ${backend}.`] });
    const imported = await visitor.upload(`${first().url}/publications/import`, `${first().url}/publications/import`, {
      title: 'Child S: a review kept once', 'published_on-day': '2', 'published_on-month': '5', 'published_on-year': '2024',
      review_type: 'local-cspr', themes: 'neglect', summary: 'A fictional review imported through one instance.',
    }, { name: 'child-s.pdf', bytes: report });
    expect(imported.status, await imported.text()).toBe(303);
    const found = (await (await fetch(`${last().url}/api/v1/public/search?q=${encodeURIComponent('"kept once"')}`)).json()) as { results: { slug: string }[] };
    expect(found.results).toHaveLength(1);
    for (const instance of instances) {
      const res = await fetch(`${instance.url}/reviews/${found.results[0].slug}/report`);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(report)).toBe(true);
    }
    for (const dir of dataDirs) expect(fs.existsSync(path.join(dir, 'files'))).toBe(false);
  });

  it('gives a draft report uploaded on one instance to the same session on another', async () => {
    const added = await visitor.upload(`${first().url}/cases/${reviewId}/review/reports/new`, `${first().url}/cases/${reviewId}/review/reports/new`, { kind: 'draft' }, { name: 'draft.pdf', bytes: DRAFT });
    expect(added.status, await added.text()).toBe(303);
    // The session started on the first instance works on the last; so does the file.
    const page = await visitor.get(`${last().url}/cases/${reviewId}/review`);
    expect(page.status).toBe(200);
    const links = [...(await page.text()).matchAll(new RegExp(`/cases/${reviewId}/review/reports/([0-9a-f-]{36})`, 'g'))].map((m) => m[0]);
    const downloads = await Promise.all(links.map(async (link) => Buffer.from(await (await visitor.get(`${last().url}${link}`)).arrayBuffer())));
    expect(downloads.some((d) => d.equals(DRAFT))).toBe(true);
  });

  it('keeps the draft encrypted and the published report plain, in the configured store', async () => {
    if (engine === 'embedded') {
      // The data folder admits one process: stop the instance to look inside.
      await first().stop();
      instances = [];
      database = await openDatabase({ dataDir: dataDirs[0] });
    }
    const rows = await database.db.selectFrom('stored_files').select(['sha256', 'data_key_enc', 'backend']).where('sha256', 'in', [sha256Of(DRAFT)]).execute();
    expect(rows).toEqual([{ sha256: sha256Of(DRAFT), data_key_enc: expect.stringMatching(/^v1\./), backend }]);
    const published = await database.db.selectFrom('publications').innerJoin('stored_files', 'stored_files.sha256', 'publications.file_sha256').select(['stored_files.data_key_enc']).where('title', '=', 'Child S: a review kept once').executeTakeFirstOrThrow();
    expect(published.data_key_enc).toBeNull();
  });
});

describe.each(ENGINES.filter((e) => e === 'postgres'))('a new instance on %s without the deployment’s key', () => {
  it('refuses to start, saying what to set, instead of answering 500 on every encrypted page', async () => {
    const server = await createServerDatabase();
    try {
      const database = await openDatabase({ dataDir: freshDir('unused'), databaseUrl: server.url });
      try {
        await migrate(database);
        await checkMasterKey(database.db, Buffer.from(KEY, 'base64'), freshDir('first'));
      } finally {
        await database.close();
      }
      // Its own data folder, no DATA_ENCRYPTION_KEY: it would make a key file of its own.
      const dir = freshDir('new-instance');
      const run = await runCspr(['serve'], { DATABASE_URL: server.url, DATA_DIR: dir, PORT: '3998' });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(
        new RegExp(`^cspr serve: The encrypted data in this database was written with another key \\(fingerprint [0-9a-f-]{19}, the configured key is [0-9a-f-]{19}\\): set DATA_ENCRYPTION_KEY \\(or the key file ${dir}/secrets/data-encryption\\.key\\) to the key it was written with\\.\\n$`),
      );
    } finally {
      await server.drop();
    }
  });
});
