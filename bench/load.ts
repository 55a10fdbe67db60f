/**
 * The service under a realistic mix, run by hand (`npm run bench:load`): the demonstration data
 * plus BENCH_INCIDENTS cases (default 200), served by `cspr serve` in its own process on the
 * embedded engine, driven by BENCH_CONNECTIONS clients (default 10) for BENCH_SECONDS (default 30):
 *  - the public: start page, search (several queries, a second page), a published review, the search API (50%);
 *  - staff: dashboards of a partnership administrator and a partner lead, the case list, a case (35%);
 *  - form posts: an agency's referral, with its CSRF token, as a browser sends it (15%).
 * Reports requests per second, p50/p95/p99 latency (overall and per kind), errors (failed
 * connections, 5xx, and answers other than the one each request expects) and the server's peak
 * resident memory. The figures are saved in bench/results/load-<time>.json and printed beside
 * the previous run's (bench/results/load-latest.json).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { todayInLondon } from '../src/domain/calendar/date-only.ts';
import { recordIncident, type Actor } from '../src/features/cases/service.ts';
import { DEMO_PARTNERSHIP, seedDemo } from '../src/features/demo/service.ts';
import { createSession } from '../src/platform/auth/sessions.ts';
import { loadConfig } from '../src/platform/config/config.ts';
import { cipherFor } from '../src/platform/crypto/field-encryption.ts';
import { openDatabase } from '../src/platform/db/database.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { SESSION_COOKIE } from '../src/platform/http/authentication.ts';
import { createFileStore } from '../src/platform/storage/file-store.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 200);
const PORT = Number(process.env.BENCH_PORT ?? 3931);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = path.join(ROOT, 'bench', 'results');

type Kind = 'public' | 'staff' | 'form';
type Call = { kind: Kind; name: string; weight: number; run(): Promise<Response>; ok(res: Response): boolean };
type Figures = {
  at: string;
  seconds: number;
  connections: number;
  requests: number;
  perSecond: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  peakRssMb: number;
  byKind: Record<Kind, { requests: number; errors: number; p50Ms: number; p95Ms: number; p99Ms: number }>;
  machine: { cpus: number; node: string };
};

const percentile = (sorted: readonly number[], p: number): number => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : 0);
const round = (n: number): number => Math.round(n * 10) / 10;

/** The server's resident memory now and at its peak, from /proc where there is one, else from ps. */
function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  } catch {
    return { rssMb: 0, peakMb: 0 };
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cspr-bench-load-'));
let server: ReturnType<typeof spawn> | undefined;
try {
  // ---- The data: the demonstration partnership, its published reviews, and more cases -----------
  const env = { LOG_LEVEL: 'silent', DATA_DIR: dir, PORT: String(PORT), HOST: '127.0.0.1', RATE_LIMITS: 'off' };
  const config = loadConfig(env);
  const database = await openDatabase(config);
  await migrate(database);
  const cipher = cipherFor(config);
  await seedDemo(database, cipher, createFileStore({ db: database.db, cipher, config: config.fileStore }));
  const db = database.db;
  const partnership = await db.selectFrom('partnerships').select('id').where('slug', '=', DEMO_PARTNERSHIP.slug).executeTakeFirstOrThrow();
  const user = (email: string) => db.selectFrom('users').select(['id', 'name']).where('email', '=', email).executeTakeFirstOrThrow();
  const admin = await user('admin@northmoor.example');
  const lead = await user('la.lead@northmoor.example');
  const school = await user('school@northmoor.example');
  const actor: Actor = { userId: admin.id, name: admin.name };
  const today = todayInLondon(new Date());
  for (let i = 0; i < INCIDENTS; i++) {
    const r = await recordIncident(db, cipher, actor, {
      partnershipId: partnership.id,
      facts: { outcome: i % 4 === 0 ? 'died' : 'serious-harm', abuseOrNeglect: 'suspected', location: 'in-area', incidentOn: today, aware: today, whatIsKnown: `Load incident ${i + 1} (fictional).`, agencyIds: [], otherAgencies: '' },
      children: [{ pseudonym: `Child ${i + 1}`, name: '', dateOfBirth: null, nhsNumber: '', address: '', familyNames: '', gender: i % 2 ? 'male' : 'female', ageAtIncident: i % 16, ageBand: null, lookedAfter: false, careLeaver: false }],
    }, today);
    if (!r.ok) throw new Error(`incident ${i + 1} not recorded`);
  }
  const cases = (await db.selectFrom('incidents').select('id').where('partnership_id', '=', partnership.id).limit(50).execute()).map((r) => r.id);
  const schoolAgency = await db
    .selectFrom('role_assignments')
    .select('agency_id')
    .where('user_id', '=', school.id)
    .executeTakeFirstOrThrow();
  const cookie = async (userId: string) => `${SESSION_COOKIE}=${await createSession(db, userId, { twoFactor: true })}`;
  const adminCookie = await cookie(admin.id);
  const leadCookie = await cookie(lead.id);
  const schoolCookie = await cookie(school.id);
  await database.close();

  // ---- The server, in its own process -------------------------------------------------------------
  server = spawn(process.execPath, [path.join(ROOT, 'bin', 'cspr.js'), 'serve'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = server;
  const base = `http://127.0.0.1:${PORT}`;
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('is ready at')) resolve();
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    proc.on('exit', (code) => reject(new Error(`the server stopped (${code}): ${out}`)));
    setTimeout(() => reject(new Error(`the server did not start: ${out}`)), 60_000);
  });
  const pid = proc.pid as number;

  // The form's CSRF token and cookie, read from its page once, as a browser keeps them.
  const page = await fetch(`${base}/referrals/new`, { headers: { cookie: schoolCookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  const csrfCookie = page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  if (!csrf) throw new Error(`no CSRF token on the referral form (${page.status})`);
  const search = await (await fetch(`${base}/search`)).text();
  const reviews = [...new Set([...search.matchAll(/href="(\/reviews\/[a-z0-9-]+)"/g)].map((m) => m[1]))];
  if (reviews.length === 0) throw new Error('no published review to read');

  const words = ['neglect', 'domestic abuse', 'information sharing', 'bruising baby', '"voice of the child"', 'supervision -police'];
  const [y, m, d] = today.split('-');
  let n = 0;
  const pickOf = <T>(list: readonly T[]): T => list[n++ % list.length];
  const is = (...codes: number[]) => (res: Response) => codes.includes(res.status);
  const get = (url: string, headers: Record<string, string> = {}) => fetch(`${base}${url}`, { headers, redirect: 'manual' });
  const calls: Call[] = [
    { kind: 'public', name: 'start page', weight: 10, run: () => get('/'), ok: is(200) },
    { kind: 'public', name: 'search', weight: 20, run: () => get(`/search?q=${encodeURIComponent(pickOf(words))}`), ok: is(200) },
    { kind: 'public', name: 'search page 2', weight: 5, run: () => get('/search?page=2'), ok: is(200) },
    { kind: 'public', name: 'published review', weight: 10, run: () => get(pickOf(reviews)), ok: is(200) },
    { kind: 'public', name: 'search API', weight: 5, run: () => get(`/api/v1/public/search?q=${encodeURIComponent(pickOf(words))}`), ok: is(200) },
    { kind: 'staff', name: 'admin dashboard', weight: 12, run: () => get('/dashboard', { cookie: adminCookie }), ok: is(200) },
    { kind: 'staff', name: 'lead dashboard', weight: 8, run: () => get('/dashboard', { cookie: leadCookie }), ok: is(200) },
    { kind: 'staff', name: 'case list', weight: 5, run: () => get('/cases', { cookie: adminCookie }), ok: is(200) },
    { kind: 'staff', name: 'case page', weight: 10, run: () => get(`/cases/${pickOf(cases)}`, { cookie: adminCookie }), ok: is(200) },
    {
      kind: 'form',
      name: 'referral',
      weight: 15,
      run: () =>
        fetch(`${base}/referrals/new`, {
          method: 'POST',
          redirect: 'manual',
          headers: { cookie: `${schoolCookie}; ${csrfCookie}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            _csrf: csrf,
            agency: schoolAgency.agency_id ?? '',
            summary: `A referral under load ${n++}`,
            details: 'The school noticed bruising on the child’s arm and the child said they were scared to go home.',
            'received-day': String(Number(d)),
            'received-month': String(Number(m)),
            'received-year': y,
          }).toString(),
        }),
      ok: is(303),
    },
  ];
  const total = calls.reduce((s, c) => s + c.weight, 0);
  const choose = (): Call => {
    let r = Math.random() * total;
    for (const c of calls) if ((r -= c.weight) < 0) return c;
    return calls[calls.length - 1];
  };

  // ---- The run --------------------------------------------------------------------------------------
  const latencies: Record<Kind, number[]> = { public: [], staff: [], form: [] };
  const errors: Record<Kind, number> = { public: 0, staff: 0, form: 0 };
  const errorKinds = new Map<string, number>();
  let peakRss = memoryOf(pid).rssMb;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, memoryOf(pid).rssMb)), 100);
  const started = performance.now();
  const end = started + SECONDS * 1000;
  console.log(`Driving ${base} with ${CONNECTIONS} connections for ${SECONDS} s…`);
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) {
        const call = choose();
        const t0 = performance.now();
        try {
          const res = await call.run();
          await res.arrayBuffer();
          latencies[call.kind].push(performance.now() - t0);
          if (!call.ok(res)) {
            errors[call.kind]++;
            errorKinds.set(`${call.name}: ${res.status}`, (errorKinds.get(`${call.name}: ${res.status}`) ?? 0) + 1);
          }
        } catch (err) {
          errors[call.kind]++;
          errorKinds.set(`${call.name}: ${(err as Error).message}`, (errorKinds.get(`${call.name}: ${(err as Error).message}`) ?? 0) + 1);
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const memory = memoryOf(pid);
  peakRss = Math.max(peakRss, memory.peakMb);

  const all = Object.values(latencies).flat().sort((a, b) => a - b);
  const byKind = Object.fromEntries(
    (Object.keys(latencies) as Kind[]).map((k) => {
      const s = latencies[k].sort((a, b) => a - b);
      return [k, { requests: s.length, errors: errors[k], p50Ms: round(percentile(s, 50)), p95Ms: round(percentile(s, 95)), p99Ms: round(percentile(s, 99)) }];
    }),
  ) as Figures['byKind'];
  const figures: Figures = {
    at: new Date().toISOString(),
    seconds: round(elapsed),
    connections: CONNECTIONS,
    requests: all.length,
    perSecond: round(all.length / elapsed),
    errors: Object.values(errors).reduce((a, b) => a + b, 0),
    p50Ms: round(percentile(all, 50)),
    p95Ms: round(percentile(all, 95)),
    p99Ms: round(percentile(all, 99)),
    peakRssMb: round(peakRss),
    byKind,
    machine: { cpus: os.availableParallelism(), node: process.version },
  };

  // ---- Beside the previous run ---------------------------------------------------------------------
  fs.mkdirSync(RESULTS, { recursive: true });
  const latest = path.join(RESULTS, 'load-latest.json');
  const previous = fs.existsSync(latest) ? (JSON.parse(fs.readFileSync(latest, 'utf8')) as Figures) : null;
  fs.writeFileSync(path.join(RESULTS, `load-${figures.at.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(figures, null, 2)}\n`);
  fs.writeFileSync(latest, `${JSON.stringify(figures, null, 2)}\n`);

  const rows: [string, (f: Figures) => number | string][] = [
    ['requests per second', (f) => f.perSecond],
    ['requests', (f) => f.requests],
    ['errors', (f) => f.errors],
    ['p50 ms', (f) => f.p50Ms],
    ['p95 ms', (f) => f.p95Ms],
    ['p99 ms', (f) => f.p99Ms],
    ['server peak RSS MB', (f) => f.peakRssMb],
    ...(['public', 'staff', 'form'] as Kind[]).flatMap((k): [string, (f: Figures) => number | string][] => [
      [`${k}: requests`, (f) => f.byKind[k].requests],
      [`${k}: errors`, (f) => f.byKind[k].errors],
      [`${k}: p50 / p95 / p99 ms`, (f) => `${f.byKind[k].p50Ms} / ${f.byKind[k].p95Ms} / ${f.byKind[k].p99Ms}`],
    ]),
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log(`\n${'figure'.padEnd(width)}  ${'this run'.padStart(20)}  ${`previous${previous ? ` (${previous.at.slice(0, 16)})` : ''}`.padStart(28)}`);
  for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${String(value(figures)).padStart(20)}  ${String(previous ? value(previous) : '–').padStart(28)}`);
  if (errorKinds.size) console.log(`\nErrors: ${[...errorKinds].map(([k, v]) => `${k} × ${v}`).join('; ')}`);
  console.log(`\n${CONNECTIONS} connections, ${SECONDS} s, ${INCIDENTS} extra cases, ${figures.machine.cpus} CPUs, Node ${process.version}. Saved in bench/results/.`);
} finally {
  if (server && server.exitCode === null) {
    const stopped = new Promise((resolve) => server?.once('exit', resolve));
    server.kill('SIGTERM');
    await stopped;
  }
  fs.rmSync(dir, { recursive: true, force: true });
}
