/**
 * Issue 3's measures, run by hand (`npm run bench:auth`):
 *  1. the cost of a password hash (scrypt, as stored) and of checking it;
 *  2. pages per second for a signed-in user on a staff page, beside an anonymous page in the same run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { createSession } from '../src/platform/auth/sessions.ts';
import { hashPassword, verifyPassword } from '../src/platform/auth/passwords.ts';
import { loadConfig } from '../src/platform/config/config.ts';
import { cipherFor } from '../src/platform/crypto/field-encryption.ts';
import { openDatabase } from '../src/platform/db/database.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { buildApp } from '../src/platform/http/app.ts';
import { seedDemo } from '../src/features/demo/service.ts';
import { SESSION_COOKIE } from '../src/platform/http/authentication.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const url = process.env.BENCH_SIGNED_IN_PATH ?? '/account';

const times: number[] = [];
for (let i = 0; i < 5; i += 1) {
  const t = performance.now();
  const h = await hashPassword('a long pass phrase for timing');
  times.push(performance.now() - t);
  if (i === 0) {
    const v = performance.now();
    await verifyPassword('a long pass phrase for timing', h);
    console.log(`password check: ${(performance.now() - v).toFixed(0)} ms`);
  }
}
times.sort((a, b) => a - b);
console.log(`password hash (scrypt N=2^15, r=8, p=1): median ${times[2].toFixed(0)} ms`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cspr-bench-auth-'));
try {
  const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dir });
  const database = await openDatabase(config);
  await migrate(database);
  await seedDemo(database, cipherFor(config));
  const app = await buildApp({ config, database });
  await app.listen({ port: 3911, host: '127.0.0.1' });
  const admin = await database.db.selectFrom('users').select('id').where('email', '=', 'admin@northmoor.example').executeTakeFirstOrThrow();
  const token = await createSession(database.db, admin.id, { twoFactor: true });

  const run = (path: string, headers: Record<string, string> = {}) =>
    autocannon({ url: `http://127.0.0.1:3911${path}`, connections: 10, duration: seconds, headers });
  const anon = await run('/');
  const signed = await run(url, { cookie: `${SESSION_COOKIE}=${token}` });
  if (signed.non2xx > 0) throw new Error(`the signed-in page answered ${signed.non2xx} non-2xx responses`);
  console.log(`anonymous start page: ${anon.requests.average.toFixed(0)} req/s (p50 ${anon.latency.p50} ms, p99 ${anon.latency.p99} ms)`);
  console.log(`signed-in ${url}: ${signed.requests.average.toFixed(0)} req/s (p50 ${signed.latency.p50} ms, p99 ${signed.latency.p99} ms)`);
  console.log(`the security layers cost ${((1 - signed.requests.average / anon.requests.average) * 100).toFixed(0)}% of the throughput (target < 33%)`);
  await app.close();
  await database.close();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
