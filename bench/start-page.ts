/**
 * Start-up, memory and the start page (`npm run bench:start`), on the embedded engine or, with
 * DATABASE_URL, on a PostgreSQL database of its own:
 *  1. first start with demo seeding on an empty database, then starts on the seeded one (as `npm start`
 *     runs it: `node --liftoff-only --max-semi-space-size=2 bin/cspr.js serve --seed-if-empty`), with the server's resident
 *     memory when idle and its peak. A first start is timed until the service is usable, not only
 *     listening: the sign-in page, a demo person's sign-in (password and security code) and their
 *     dashboard with the demo cases all answered (starts on the seeded database, until /readyz answers),
 *     and then until the service says its public repository, added after the case work, is in.
 *     BENCH_FIRST_STARTS=n times n first starts (3 unless set, each on an empty database; the median is
 *     the figure, as the first of a run reads files from a cold disk cache), BENCH_FIRST_ONLY=1 stops
 *     after them, BENCH_PORT moves the service's port (two benches side by side, under the same load), and
 *     BENCH_NODE_FLAGS replaces the service's Node flags (to measure another setting of V8's);
 *  2. start page throughput (autocannon, 10 connections) beside a bare Fastify route in the same run.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { benchTarget } from './support/bench-database.ts';
import { generateSync } from 'otplib';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET, DEMO_USERS } from '../src/features/demo/service.ts';
import { DEMO_PUBLICATIONS } from '../src/features/demo/publications.ts';
import { figure, percentile } from './support/figures.ts';

const root = path.resolve(import.meta.dirname, '..');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const PORT = Number(process.env.BENCH_PORT ?? 3901);

/** Resident memory now and at its highest, from the kernel's own account of the process. */
function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/**
 * Processor time the server has used so far, in seconds: in all, on its main thread and on the
 * embedded engine's thread (the first worker thread). On a shared machine the wall-clock times move
 * with everyone else's load; these move much less, though they say nothing of what ran at once.
 */
function cpuOf(pid: number): { total: number; main: number; engine: number } {
  const ticks = (file: string) => {
    const fields = fs.readFileSync(file, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime and stime, in clock ticks of 1/100 s
  };
  let engine = 0;
  for (const tid of fs.readdirSync(`/proc/${pid}/task`).sort((a, b) => Number(a) - Number(b))) {
    if (fs.readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() === 'WorkerThread') {
      engine = ticks(`/proc/${pid}/task/${tid}/stat`);
      break;
    }
  }
  return { total: ticks(`/proc/${pid}/stat`), main: ticks(`/proc/${pid}/task/${pid}/stat`), engine };
}

type Started = { ms: number; listeningMs: number; repositoryMs?: number; cpu: { total: number; main: number; engine: number }; stop(): Promise<void>; memory(): { rssMb: number; peakMb: number } };

/** A browser's part of signing in: cookies kept, each form's CSRF token read from the page that shows it. */
async function signInAndOpenDashboard(base: string): Promise<void> {
  const cookies = new Map<string, string>();
  const go = async (url: string, form?: Record<string, string>): Promise<{ status: number; body: string; location: string | null }> => {
    const res = await fetch(new URL(url, base), {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const at = pair.indexOf('=');
      cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return { status: res.status, body: await res.text(), location: res.headers.get('location') };
  };
  const csrf = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';
  const signInPage = await go('/sign-in');
  if (signInPage.status !== 200) throw new Error(`the sign-in page answered ${signInPage.status}`);
  const admin = DEMO_USERS[0];
  const password = await go('/sign-in', { email: admin.email, password: DEMO_PASSWORD, next: '/dashboard', _csrf: csrf(signInPage.body) });
  if (password.status !== 303) throw new Error(`signing in answered ${password.status}`);
  const codePage = await go(password.location!);
  const code = await go('/sign-in/two-factor', { code: generateSync({ secret: DEMO_TOTP_SECRET }), next: '/dashboard', _csrf: csrf(codePage.body) });
  if (code.status !== 303) throw new Error(`the security code answered ${code.status}`);
  const dashboard = await go('/dashboard');
  // The demo cases on it: the data is there, not only the page.
  if (dashboard.status !== 200 || !/\/cases\/[0-9a-f-]{36}/.test(dashboard.body)) throw new Error(`the dashboard answered ${dashboard.status} without the demo cases`);
}

/** Until the service says the demonstration's public repository is in. */
async function waitForRepository(output: () => string, started: number, stop: () => Promise<void>): Promise<void> {
  while (!output().includes(`public repository is in: ${DEMO_PUBLICATIONS.length} fictional published reviews`)) {
    if (performance.now() - started > 120_000) {
      await stop();
      throw new Error('the demonstration public repository was not in within 120 s');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Starts `cspr serve` and waits until it is ready; with `usable`, also until a demo person has signed
 * in and seen their dashboard (on a fresh database only: a security code is accepted once).
 */
async function startServer(env: Record<string, string>, { usable = false } = {}): Promise<Started> {
  const started = performance.now();
  const child = spawn(process.execPath, [...(process.env.BENCH_NODE_FLAGS ?? '--liftoff-only --max-semi-space-size=2').split(' '), path.join(root, 'bin/cspr.js'), 'serve', '--seed-if-empty'], {
    env: { ...process.env, ...env, PORT: String(PORT) },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
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
  const listeningMs = performance.now() - started;
  if (usable) {
    try {
      await signInAndOpenDashboard(`http://127.0.0.1:${PORT}/`);
    } catch (err) {
      await stop();
      throw err;
    }
    const ms = performance.now() - started;
    const cpu = cpuOf(child.pid!);
    // The demonstration's public repository follows the case work (serve.ts): timed until the service says
    // it is in (asking for a page meanwhile would put each of its steps off: they wait for a quiet moment).
    await waitForRepository(() => output, started, stop);
    return { ms, listeningMs, repositoryMs: performance.now() - started, cpu, stop, memory: () => memoryOf(child.pid!) };
  }
  return { ms: performance.now() - started, listeningMs, cpu: cpuOf(child.pid!), stop, memory: () => memoryOf(child.pid!) };
}

async function load(url: string): Promise<{ rps: number; p50: number; p99: number }> {
  const result = await autocannon({ url, connections: 10, duration: seconds });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

const target = await benchTarget('start');
try {
  console.log(`on the ${target.engine} engine`);
  const firsts: Started[] = [];
  for (let i = 0; i < Number(process.env.BENCH_FIRST_STARTS ?? 3); i += 1) {
    if (i > 0) await target.reset();
    const first = await startServer(target.env, { usable: true });
    await first.stop();
    const { total, main, engine } = first.cpu;
    console.log(
      `first start ${i + 1}: ready (readyz) in ${(first.listeningMs / 1000).toFixed(2)} s, usable (signed in, dashboard) in ${(first.ms / 1000).toFixed(2)} s, ` +
        `public repository in ${((first.repositoryMs ?? NaN) / 1000).toFixed(2)} s; ` +
        `processor time until usable ${total.toFixed(2)} s (main thread ${main.toFixed(2)} s, engine thread ${engine.toFixed(2)} s)`,
    );
    firsts.push(first);
  }
  const usable = firsts.map((f) => f.ms).sort((a, b) => a - b);
  figure({ label: 'first start with demo data, until usable (median)', value: percentile(usable, 50) / 1000, unit: 's', target: { value: 3, better: 'lower' } });
  const repository = firsts.map((f) => f.repositoryMs ?? NaN).sort((a, b) => a - b);
  figure({ label: 'first start with demo data, until its public repository is in (median)', value: percentile(repository, 50) / 1000, unit: 's' });
  if (!process.env.BENCH_FIRST_ONLY) await startsAndLoad();
} finally {
  await target.drop();
}

async function startsAndLoad(): Promise<void> {
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
}
