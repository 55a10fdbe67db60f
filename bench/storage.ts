/**
 * The file store and backups, run by hand (`npm run bench:storage`):
 *  1. upload and download throughput of a 10 MB file on each backend — the database (embedded, and
 *     PostgreSQL when BENCH_DATABASE_URL or TEST_DATABASE_URL is set) and an S3-compatible server on
 *     loopback (s3rver) — encrypted and plain, beside a plain disk copy of the same bytes;
 *  2. the public report download over HTTP (10 MB, plain) beside a bare Node server sending the same
 *     file from disk;
 *  3. backup and restore of the demonstration data plus BENCH_REPORTS imported reports (default
 *     2,000) of BENCH_REPORT_KB kilobytes each (default 100): time, size, and the peak memory of the
 *     process while it backs up (it streams: the peak stays far below the size of the backup).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import S3rver from '@20minutes/s3rver';
import { seedDemo } from '../src/features/demo/service.ts';
import { addPublication } from '../src/features/repository/catalogue.ts';
import { restore } from '../src/platform/backup/restore.ts';
import { backup } from '../src/platform/backup/write.ts';
import { loadConfig, type FileStoreConfig } from '../src/platform/config/config.ts';
import { createFieldCipher } from '../src/platform/crypto/field-encryption.ts';
import { checkMasterKey } from '../src/platform/crypto/master-key.ts';
import { openDatabase, type Database } from '../src/platform/db/database.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { buildApp } from '../src/platform/http/app.ts';
import { createFileStore, type FileStore } from '../src/platform/storage/file-store.ts';
import { sampleRss } from './memory.ts';
import { inTransaction } from '../src/platform/db/transaction.ts';
import { sealKeyFrom } from '../src/platform/backup/seal.ts';

/** The seal of the bench's backups: any key will do, as long as the restore checks with the same. */
const BENCH_SEAL = sealKeyFrom(randomBytes(32));

const MB = 1024 * 1024;
const FILE_BYTES = 10 * MB;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const REPORTS = Number(process.env.BENCH_REPORTS ?? 2000);
const REPORT_KB = Number(process.env.BENCH_REPORT_KB ?? 100);
const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
const KEY = randomBytes(32);
const cipher = createFieldCipher(KEY);

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cspr-bench-storage-'));
const mbs = (bytes: number, ms: number) => `${((bytes / MB) / (ms / 1000)).toFixed(0).padStart(5)} MB/s`;
const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

/** The median of ROUNDS timings of `work`, in ms. */
async function median(work: (round: number) => Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    await work(round);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

/** Each round a different 10 MB file (a store keeps a content once). */
const payloads = Array.from({ length: ROUNDS }, () => Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(FILE_BYTES - 9)]));

async function serverDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `cspr_bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl as string);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

async function openEngine(label: string, url?: string): Promise<Database> {
  const database = await openDatabase({ dataDir: path.join(root, label), databaseUrl: url });
  await migrate(database);
  await checkMasterKey(database.db, KEY, path.join(root, label));
  return database;
}

// ---- 1. Throughput of a 10 MB file -------------------------------------------------------------

async function throughput(label: string, files: FileStore, database: Database): Promise<void> {
  for (const access of ['private', 'public'] as const) {
    const shas: string[] = [];
    const put = await median(async (round) => {
      // Contents of their own for each store and access: a store keeps a content once.
      shas.push(await files.put(database.db, Buffer.concat([payloads[round], Buffer.from(`${label} ${access}`)]), access));
    });
    const get = await median(async (round) => {
      const file = await files.open(shas[round]);
      let n = 0;
      for await (const part of file!.stream()) n += (part as Buffer).length;
      if (n < FILE_BYTES) throw new Error('short read');
    });
    console.log(`  ${label.padEnd(26)} ${access === 'private' ? 'encrypted' : 'plain    '}  upload ${mbs(FILE_BYTES, put)} (${put.toFixed(0)} ms)   download ${mbs(FILE_BYTES, get)} (${get.toFixed(0)} ms)`);
  }
}

async function diskBaseline(): Promise<void> {
  const dir = path.join(root, 'disk');
  fs.mkdirSync(dir);
  const write = await median(async (round) => {
    const file = path.join(dir, String(round));
    const fd = fs.openSync(file, 'w');
    fs.writeSync(fd, payloads[round]);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  });
  const read = await median(async (round) => {
    let n = 0;
    for await (const part of fs.createReadStream(path.join(dir, String(round)))) n += (part as Buffer).length;
    if (n !== FILE_BYTES) throw new Error('short read');
  });
  console.log(`  ${'plain disk copy'.padEnd(26)} -          write  ${mbs(FILE_BYTES, write)} (${write.toFixed(0)} ms)   read     ${mbs(FILE_BYTES, read)} (${read.toFixed(0)} ms)`);
}

async function startS3(): Promise<{ config: FileStoreConfig; close(): Promise<void> }> {
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: path.join(root, 's3'), configureBuckets: [{ name: 'bench' }] });
  const { port } = await server.run();
  return {
    config: { backend: 's3', bucket: 'bench', endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', prefix: '', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } },
    async close() {
      server.httpServer.closeAllConnections();
      await server.close();
    },
  };
}

// ---- 2. The public report download over HTTP ---------------------------------------------------

async function fetchAll(url: string): Promise<number> {
  const res = await fetch(url);
  let n = 0;
  for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) n += part.length;
  return n;
}

async function publicDownload(database: Database, dataDir: string): Promise<void> {
  const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dataDir, DATA_ENCRYPTION_KEY: KEY.toString('base64') });
  const app = await buildApp({ config, database });
  const partnership = await database.db.insertInto('partnerships').values({ slug: 'bench-vale', name: 'Bench Vale SCP (fictional)', fictional: true }).returning('id').executeTakeFirstOrThrow();
  const bytes = Buffer.concat([payloads[0], Buffer.from('http')]);
  const { slug } = await inTransaction(database.db, async (trx) => {
    const sha256 = await app.deps.files.put(trx, bytes, 'public');
    return addPublication(trx, { source: 'import', partnershipId: partnership.id, title: 'A ten megabyte report (fictional)', summary: 'For the benchmark.', reviewType: 'local-cspr', themes: [], publishedOn: '2024-01-02', file: { sha256, name: 'big.pdf', type: 'pdf', size: bytes.length, pages: ['One page.'] } });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const service = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/reviews/${slug}/report`;
  const diskFile = path.join(root, 'http.pdf');
  fs.writeFileSync(diskFile, bytes);
  const bare = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/pdf' });
    void pipeline(fs.createReadStream(diskFile), res).catch(() => {});
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const baseline = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`;
  const viaService = await median(async () => void (await fetchAll(service)));
  const viaDisk = await median(async () => void (await fetchAll(baseline)));
  console.log(`  public report, 10 MB, from the database store: ${viaService.toFixed(0)} ms (${mbs(bytes.length, viaService).trim()})`);
  console.log(`  the same file from disk, bare Node server:     ${viaDisk.toFixed(0)} ms (${mbs(bytes.length, viaDisk).trim()}); ratio ${(viaService / viaDisk).toFixed(1)}×`);
  await app.close();
  await new Promise((resolve) => bare.close(resolve));
}

// ---- 3. Backup and restore ---------------------------------------------------------------------

async function fillRepository(database: Database, files: FileStore): Promise<void> {
  const partnership = await database.db.selectFrom('partnerships').select('id').where('slug', '=', 'northmoor').executeTakeFirstOrThrow();
  const base = randomBytes(REPORT_KB * 1024);
  const started = performance.now();
  for (let i = 0; i < REPORTS; i++) {
    // Each report its own content: a different tail on shared random bytes.
    const bytes = Buffer.concat([Buffer.from(`%PDF-1.7\n% report ${i}\n`), base.subarray(0, base.length - 32), randomBytes(32)]);
    await inTransaction(database.db, async (trx) => {
      const sha256 = await files.put(trx, bytes, 'public');
      await addPublication(trx, {
        source: 'import', partnershipId: partnership.id, title: `Child ${i}: an imported review (fictional)`, summary: `A fictional review, number ${i}, imported for the benchmark.`,
        reviewType: 'local-cspr', themes: ['neglect'], publishedOn: '2023-06-01',
        file: { sha256, name: `review-${i}.pdf`, type: 'pdf', size: bytes.length, pages: [`Page one of review ${i}: the health visitor recorded a concern.`, 'Page two: what agencies learned.'] },
      });
    });
  }
  console.log(`  added ${REPORTS} imported reports of ${REPORT_KB} KB in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

async function backupAndRestore(label: string, database: Database, files: FileStore, target: () => Promise<{ database: Database; drop(): Promise<void> }>): Promise<void> {
  const file = path.join(root, `${label}.cspr.gz`);
  const before = process.memoryUsage().rss;
  const sampler = sampleRss();
  let started = performance.now();
  const summary = await backup(database, files, file, { seal: BENCH_SEAL });
  const backupMs = performance.now() - started;
  const peak = sampler.stop();
  const size = fs.statSync(file).size;
  console.log(`  ${label}: backup of ${summary.rows} rows and ${summary.files} files (${mb(summary.storedBytes)} stored) in ${(backupMs / 1000).toFixed(1)} s → ${mb(size)} file`);
  console.log(`  ${label}: memory while backing up: ${mb(before)} before, peak ${mb(peak)} (+${mb(peak - before)}, against a ${mb(size)} backup)`);
  const into = await target();
  try {
    await into.database.pool.query('delete from partnerships');
    const restoreSampler = sampleRss();
    started = performance.now();
    const restored = await restore(into.database, createFileStore({ db: into.database.db, cipher, config: { backend: 'database' } }), file, { sealKey: BENCH_SEAL });
    const restoreMs = performance.now() - started;
    const restorePeak = restoreSampler.stop();
    console.log(`  ${label}: restore of ${restored.rows} rows and ${restored.files} files in ${(restoreMs / 1000).toFixed(1)} s (peak memory ${mb(restorePeak)})`);
  } finally {
    await into.database.close();
    await into.drop();
  }
}

try {
  console.log(`Throughput of a ${FILE_BYTES / MB} MB file, median of ${ROUNDS} (store: the file store's own calls; a transaction per upload):`);
  await diskBaseline();
  const embedded = await openEngine('embedded');
  await throughput('database (embedded)', createFileStore({ db: embedded.db, cipher, config: { backend: 'database' } }), embedded);
  let server: { url: string; drop(): Promise<void> } | null = null;
  let onServer: Database | null = null;
  if (serverUrl) {
    server = await serverDatabase();
    onServer = await openEngine('postgres', server.url);
    await throughput('database (PostgreSQL)', createFileStore({ db: onServer.db, cipher, config: { backend: 'database' } }), onServer);
  }
  const s3 = await startS3();
  await throughput('s3 (s3rver on loopback)', createFileStore({ db: embedded.db, cipher, config: s3.config }), embedded);
  await s3.close();

  console.log('\nThe public report download over HTTP, median of', ROUNDS);
  const httpDb = await openEngine('http');
  await publicDownload(httpDb, path.join(root, 'http'));
  await httpDb.close();

  console.log(`\nBackup and restore: the demonstration data plus ${REPORTS} imported reports`);
  const demo = await openEngine('demo');
  const demoFiles = createFileStore({ db: demo.db, cipher, config: { backend: 'database' } });
  await seedDemo(demo, cipher, demoFiles);
  await fillRepository(demo, demoFiles);
  await backupAndRestore('embedded → embedded', demo, demoFiles, async () => {
    const dir = path.join(root, `restore-${randomUUID()}`);
    return { database: await openEngine(path.basename(dir)), drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  });
  if (serverUrl) {
    await backupAndRestore('embedded → PostgreSQL', demo, demoFiles, async () => {
      const target = await serverDatabase();
      return { database: await openEngine(`pg-${randomUUID()}`, target.url), drop: target.drop };
    });
  }
  await demo.close();
  await embedded.close();
  await onServer?.close();
  await server?.drop();
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
