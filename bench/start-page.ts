/**
 * Issue 2's measures, run by hand (`npm run bench`):
 *  1. start-up to ready on an existing embedded data folder, and first start with demo seeding;
 *  2. start page throughput (autocannon, 10 connections, 10 s) beside a bare Fastify route in the same run.
 */
import { cipherFor } from '../src/platform/crypto/field-encryption.ts';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { loadConfig } from '../src/platform/config/config.ts';
import { openDatabase } from '../src/platform/db/database.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { buildApp } from '../src/platform/http/app.ts';
import { seedDemo } from '../src/features/demo/service.ts';

const root = path.resolve(import.meta.dirname, '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);

async function timeToReady(dataDir: string, port: number): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(root, 'bin/cspr.js'), 'serve', '--seed-if-empty'], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'silent' },
    stdio: 'ignore',
  });
  try {
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (res.ok) return performance.now() - started;
      } catch {
        // not listening yet
      }
      if (performance.now() - started > 60_000) throw new Error('the service did not become ready within 60 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

async function load(url: string): Promise<{ rps: number; p50: number; p99: number }> {
  const result = await autocannon({ url, connections: 10, duration: seconds });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cspr-bench-'));
try {
  const dataDir = path.join(dir, 'data');
  const first = await timeToReady(dataDir, 3901);
  const again = [];
  for (let i = 0; i < 3; i += 1) again.push(await timeToReady(dataDir, 3901));
  console.log(`first start with demo seeding: ${(first / 1000).toFixed(2)} s (target < 15 s)`);
  console.log(`start on an existing folder: ${again.map((t) => (t / 1000).toFixed(2)).join(' s, ')} s (target < 2 s)`);

  const database = await openDatabase({ dataDir });
  await migrate(database);
  await seedDemo(database, cipherFor({ dataDir }));
  const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dataDir }), database });
  await app.listen({ port: 3902, host: '127.0.0.1' });
  const bare = Fastify();
  bare.get('/', async () => 'ok');
  await bare.listen({ port: 3903, host: '127.0.0.1' });

  const bareResult = await load('http://127.0.0.1:3903/');
  const pageResult = await load('http://127.0.0.1:3902/');
  console.log(`bare Fastify route: ${bareResult.rps.toFixed(0)} req/s (p50 ${bareResult.p50} ms, p99 ${bareResult.p99} ms)`);
  console.log(`rendered start page: ${pageResult.rps.toFixed(0)} req/s (p50 ${pageResult.p50} ms, p99 ${pageResult.p99} ms)`);
  console.log(`ratio: ${(pageResult.rps / bareResult.rps).toFixed(2)} of the bare figure (target ≥ 0.5)`);
  await app.close();
  await bare.close();
  await database.close();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
