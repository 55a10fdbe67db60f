/**
 * Start-up, memory and the start page (`npm run bench:start`), on the embedded engine or, with
 * DATABASE_URL, on a PostgreSQL database of its own:
 *  1. first start with demo seeding on an empty database, then starts on the seeded one (as `npm start`
 *     runs it: `node --liftoff-only --max-semi-space-size=2 bin/cspr.js serve --seed-if-empty`), with the server's resident
 *     memory when idle and its peak;
 *  2. start page throughput (autocannon, 10 connections) beside a bare Fastify route in the same run.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { benchTarget } from './support/bench-database.ts';
import { figure } from './support/figures.ts';

const root = path.resolve(import.meta.dirname, '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const PORT = 3901;

/** Resident memory now and at its highest, from the kernel's own account of the process. */
function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

type Started = { ms: number; stop(): Promise<void>; memory(): { rssMb: number; peakMb: number } };

async function startServer(env: Record<string, string>): Promise<Started> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--liftoff-only', '--max-semi-space-size=2', path.join(root, 'bin/cspr.js'), 'serve', '--seed-if-empty'], {
    env: { ...process.env, ...env, PORT: String(PORT) },
    stdio: 'ignore',
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${PORT}/readyz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`the service stopped while starting (exit code ${child.exitCode})`);
    if (performance.now() - started > 120_000) {
      await stop();
      throw new Error('the service did not become ready within 120 s');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { ms: performance.now() - started, stop, memory: () => memoryOf(child.pid!) };
}

async function load(url: string): Promise<{ rps: number; p50: number; p99: number }> {
  const result = await autocannon({ url, connections: 10, duration: seconds });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

const target = await benchTarget('start');
try {
  console.log(`on the ${target.engine} engine`);
  const first = await startServer(target.env);
  await first.stop();
  figure({ label: 'first start with demo data', value: first.ms / 1000, unit: 's', target: { value: 3, better: 'lower' } });
  const again: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const s = await startServer(target.env);
    again.push(s.ms);
    await s.stop();
  }
  figure({ label: 'start on a seeded database (best of 3)', value: Math.min(...again) / 1000, unit: 's', target: { value: 2, better: 'lower' } });

  const server = await startServer(target.env);
  try {
    await new Promise((r) => setTimeout(r, 3000));
    figure({ label: 'server memory, idle after start', value: server.memory().rssMb, unit: 'MB', target: { value: 250, better: 'lower' } });
    const bare = Fastify();
    bare.get('/', async () => 'ok');
    await bare.listen({ port: PORT + 2, host: '127.0.0.1' });
    const bareResult = await load(`http://127.0.0.1:${PORT + 2}/`);
    await bare.close();
    const pageResult = await load(`http://127.0.0.1:${PORT}/`);
    figure({ label: 'bare Fastify route (anchor)', value: bareResult.rps, unit: 'req/s' });
    figure({ label: 'start page throughput', value: pageResult.rps, unit: 'req/s', anchor: 'bare Fastify route (anchor)' });
    figure({ label: 'start page p99, 10 connections', value: pageResult.p99, unit: 'ms' });
    figure({ label: 'server memory, peak (start and load)', value: server.memory().peakMb, unit: 'MB', target: { value: 600, better: 'lower' } });
  } finally {
    await server.stop();
  }
} finally {
  await target.drop();
}
