import { openBenchDatabase } from './support/bench-database.ts';
import { cipherFor } from '../src/platform/crypto/field-encryption.ts';
import { seedDemo } from '../src/features/demo/service.ts';
import { buildApp } from '../src/platform/http/app.ts';
import { createSession } from '../src/platform/auth/sessions.ts';
import { SESSION_COOKIE } from '../src/platform/http/authentication.ts';
import { EmbeddedEngine } from '../src/platform/db/embedded-engine.ts';

const bench = await openBenchDatabase('count');
const cipher = cipherFor(bench.config);
await seedDemo(bench.database, cipher);
const db = bench.database.db;
const admin = await db.selectFrom('users').select(['id']).where('email', '=', 'admin@northmoor.example').executeTakeFirstOrThrow();
const app = await buildApp({ config: bench.config, database: bench.database });
const token = await createSession(db, admin.id, { twoFactor: true });
let log: string[] | null = null;
const orig = EmbeddedEngine.prototype.execProtocolStream;
EmbeddedEngine.prototype.execProtocolStream = async function (m: Uint8Array) {
  if (log) {
    const text = Buffer.from(m).toString('latin1').replace(/[^\x20-\x7e]+/g, '·').slice(0, 140);
    log.push(`${String.fromCharCode(m[0])} ${m.length}B ${text}`);
  }
  return orig.call(this, m);
};
for (let i = 0; i < 2; i += 1) {
  log = [];
  const res = await app.inject({ method: 'GET', url: '/dashboard', headers: { cookie: `${SESSION_COOKIE}=${token}` } });
  console.log('status', res.statusCode, 'asks', log.length);
  if (i === 1) for (const l of log) console.log(l);
}
await app.close();
await bench.close();
