import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ENGINES, freshDir, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { PROJECT_ROOT } from '../../../test/support/paths.ts';
import { removeFrom } from '../../../test/support/tamper.ts';
import { startServer } from '../../../test/support/cli.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { openDatabase, type Database } from '../../platform/db/database.ts';
import { main } from '../main.ts';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

/** The key the checkpoints are signed with, the same for every command of a test. */
const DATA_ENCRYPTION_KEY = randomBytes(32).toString('base64');

/** The environment that points the command at the test database. */
function envFor(t: TestDatabase): Record<string, string> {
  return { DATA_ENCRYPTION_KEY, ...(t.url ? { DATABASE_URL: t.url, DATA_DIR: t.dataDir || freshDir('cli-audit') } : { DATA_DIR: t.dataDir }) };
}

async function reopen(t: TestDatabase): Promise<Database> {
  return openDatabase({ dataDir: t.dataDir, databaseUrl: t.url });
}

async function addEntries(database: Database, n: number): Promise<number[]> {
  for (let i = 0; i < n; i++) await recordAudit(database.db, { action: 'view', recordType: 'case', recordId: `c${i}` });
  const rows = await database.db.selectFrom('audit_events').select('seq').orderBy('seq').execute();
  return rows.map((r) => r.seq);
}

async function runAudit(t: TestDatabase, args: string[]) {
  const c = capture();
  for (const [k, v] of Object.entries(envFor(t))) vi.stubEnv(k, v);
  vi.stubEnv('LOG_LEVEL', 'silent');
  if (!t.url) vi.stubEnv('DATABASE_URL', undefined);
  const code = await main(['audit', ...args], c.io);
  vi.unstubAllEnvs();
  return { code, out: c.out.join('\n'), err: c.err.join('\n') };
}

const runVerify = (t: TestDatabase, ...checkpoints: string[]) => runAudit(t, ['verify', ...checkpoints.flatMap((c) => ['--checkpoint', c])]);
const UNANCHORED = ': no signed checkpoint to hold it to yet (entries removed from the end would not show).';

describe('cspr audit: arguments', () => {
  it('is listed in the help, and refuses a missing or unknown subcommand with the usage line', async () => {
    const help = capture();
    expect(await main(['--help'], help.io)).toBe(0);
    expect(help.out.join('\n')).toMatch(/^ {2}audit +Check the audit trail/m);
    const none = capture();
    expect(await main(['audit'], none.io)).toBe(2);
    expect(none.err.join('\n')).toContain('Missing what to do (verify, checkpoint).');
    expect(none.err.join('\n')).toContain('Usage: cspr audit verify');
    const wrong = capture();
    expect(await main(['audit', 'erase'], wrong.io)).toBe(2);
    expect(wrong.err.join('\n')).toContain("Unknown audit command 'erase': use verify, checkpoint.");
    const junk = capture();
    expect(await main(['audit', 'verify', '--checkpoint', '{"seq": 1}'], junk.io)).toBe(2);
    expect(junk.err.join('\n')).toContain('The checkpoint must have seq, hash, at, key and signature');
  });
});

describe.each(ENGINES)('cspr audit verify on %s', (engine) => {
  let t: TestDatabase | undefined;
  afterEach(async () => {
    vi.unstubAllEnvs();
    await t?.drop();
    t = undefined;
  });

  it('says the trail is intact with the number of entries, then names the first broken entry and exits 1', async () => {
    t = await openTestDatabase(engine);
    const seqs = await addEntries(t.database, 4);
    // The embedded folder can be held by one process at a time: the command opens it itself.
    await t.database.close();

    const intact = await runVerify(t);
    expect(intact).toEqual({ code: 0, out: `The audit trail is intact: 4 entries checked${UNANCHORED}`, err: '' });

    const database = await reopen(t);
    await sql`alter table audit_events disable trigger audit_events_no_change`.execute(database.db);
    await sql`update audit_events set record_id = 'someone-else' where seq = ${seqs[2]}`.execute(database.db);
    await sql`alter table audit_events enable trigger audit_events_no_change`.execute(database.db);
    await database.close();

    const broken = await runVerify(t);
    expect(broken.code).toBe(1);
    expect(broken.out).toBe('');
    expect(broken.err).toBe(
      `The audit trail is broken at entry #${seqs[2]}: its content does not match its hash (it was changed). Entries before it were checked and are intact.`,
    );
  });

  it('reports a removed entry at the entry after it', async () => {
    t = await openTestDatabase(engine);
    const seqs = await addEntries(t.database, 3);
    await sql`alter table audit_events disable trigger audit_events_no_change`.execute(t.database.db);
    await sql`delete from audit_events where seq = ${seqs[1]}`.execute(t.database.db);
    await sql`alter table audit_events enable trigger audit_events_no_change`.execute(t.database.db);
    await t.database.close();
    const broken = await runVerify(t);
    expect(broken.code).toBe(1);
    expect(broken.err).toBe(
      `The audit trail is broken at entry #${seqs[2]}: its link to the previous entry does not match (an entry before it was removed or changed). Entries before it were checked and are intact.`,
    );
  });

  it('exits with status 0 or 1 as the real command', async () => {
    t = await openTestDatabase(engine);
    await addEntries(t.database, 1);
    await t.database.close();
    const run = (): Promise<{ code: number; stdout: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin/cspr.js'), 'audit', 'verify'], {
          env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...envFor(t as TestDatabase) },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.on('close', (code) => resolve({ code: code ?? -1, stdout }));
      });
    const ok = await run();
    expect(ok).toEqual({ code: 0, stdout: `The audit trail is intact: 1 entry checked${UNANCHORED}\n` });

    const database = await reopen(t);
    await sql`alter table audit_events disable trigger audit_events_no_change`.execute(database.db);
    await sql`update audit_events set outcome = 'refused'`.execute(database.db);
    await sql`alter table audit_events enable trigger audit_events_no_change`.execute(database.db);
    await database.close();
    expect((await run()).code).toBe(1);
  }, 60_000);
});

describe.each(ENGINES)('cspr audit checkpoint on %s', (engine) => {
  let t: TestDatabase | undefined;
  afterEach(async () => {
    vi.unstubAllEnvs();
    await t?.drop();
    t = undefined;
  });

  it('prints a signed checkpoint that verify holds the trail to, from JSON, a file or a log line', async () => {
    t = await openTestDatabase(engine);
    const seqs = await addEntries(t.database, 3);
    await t.database.close();

    const taken = await runAudit(t, ['checkpoint']);
    expect(taken.code).toBe(0);
    const checkpoint = JSON.parse(taken.out) as { seq: number; hash: string; at: string; key: string; signature: string };
    expect(Object.keys(checkpoint).sort()).toEqual(['at', 'hash', 'key', 'seq', 'signature']);
    expect(checkpoint.seq).toBe(seqs[2]);
    expect(await runVerify(t, taken.out)).toMatchObject({ code: 0, out: `The audit trail is intact: 3 entries checked, up to the signed checkpoint at entry #${seqs[2]} (${checkpoint.at}).` });

    // Someone with the database removes the newest entry and the checkpoints kept beside it.
    const database = await reopen(t);
    await removeFrom(database.db, 'audit_events', seqs[2]);
    await removeFrom(database.db, 'audit_checkpoints', seqs[2]);
    await database.close();
    expect((await runVerify(t)).code).toBe(0);
    const file = path.join(freshDir('checkpoint'), 'from-the-log.json');
    fs.writeFileSync(file, JSON.stringify({ level: 30, msg: 'audit checkpoint', auditCheckpoint: checkpoint }));
    for (const given of [taken.out, file]) {
      const broken = await runVerify(t, given);
      expect(broken.code).toBe(1);
      expect(broken.err).toBe(
        `The audit trail is broken at entry #${seqs[2]}: the trail ends at entry #${seqs[1]}, but the signed checkpoint given names entry #${seqs[2]} (${checkpoint.at}): the newest entries were removed. Entries before it were checked and are intact.`,
      );
    }
  });

  it('says so when there is nothing to anchor yet', async () => {
    t = await openTestDatabase(engine);
    await t.database.close();
    expect(await runAudit(t, ['checkpoint'])).toEqual({ code: 1, out: '', err: 'cspr audit: the audit trail is empty: there is nothing to anchor yet.' });
  });

  it('is written to the log by cspr serve at start and on shutdown, with numbers and hashes only', async () => {
    t = await openTestDatabase(engine);
    await recordAudit(t.database.db, { action: 'view', actor: { id: '00000000-0000-4000-8000-000000000001', email: 'someone@example.org', role: null }, recordType: 'case', recordId: 'c1' });
    await t.database.close();
    const server = await startServer({ LOG_LEVEL: 'info', PORT: String(3900 + Math.floor(Math.random() * 90)), ...envFor(t) }, '"audit checkpoint"');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const lines = server.stdout().split('\n').filter((l) => l.includes('"audit checkpoint"'));
    // One when it started (a trail not anchored yet), one as it stopped.
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      const logged = JSON.parse(line) as { level: number; auditCheckpoint: Record<string, unknown> };
      expect(logged.level).toBe(30);
      expect(Object.keys(logged.auditCheckpoint).sort()).toEqual(['at', 'hash', 'key', 'seq', 'signature']);
      expect(line).not.toContain('someone@example.org');
    }
    expect(await runVerify(t, lines[1])).toMatchObject({ code: 0, out: expect.stringContaining('up to the signed checkpoint at entry') });
  }, 60_000);
});
