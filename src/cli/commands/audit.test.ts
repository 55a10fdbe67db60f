import { spawn } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ENGINES, freshDir, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { PROJECT_ROOT } from '../../../test/support/paths.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { openDatabase, type Database } from '../../platform/db/database.ts';
import { main } from '../main.ts';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

/** The environment that points the command at the test database. */
function envFor(t: TestDatabase): Record<string, string> {
  return t.url ? { DATABASE_URL: t.url, DATA_DIR: t.dataDir || '.test-data/unused' } : { DATA_DIR: t.dataDir };
}

async function reopen(t: TestDatabase): Promise<Database> {
  return openDatabase({ dataDir: t.dataDir, databaseUrl: t.url });
}

async function addEntries(database: Database, n: number): Promise<number[]> {
  for (let i = 0; i < n; i++) await recordAudit(database.db, { action: 'view', recordType: 'case', recordId: `c${i}` });
  const rows = await database.db.selectFrom('audit_events').select('seq').orderBy('seq').execute();
  return rows.map((r) => r.seq);
}

async function runVerify(t: TestDatabase) {
  const c = capture();
  for (const [k, v] of Object.entries(envFor(t))) vi.stubEnv(k, v);
  vi.stubEnv('LOG_LEVEL', 'silent');
  if (!t.url) vi.stubEnv('DATABASE_URL', undefined);
  const code = await main(['audit', 'verify'], c.io);
  vi.unstubAllEnvs();
  return { code, out: c.out.join('\n'), err: c.err.join('\n') };
}

describe('cspr audit: arguments', () => {
  it('is listed in the help, and refuses a missing or unknown subcommand with the usage line', async () => {
    const help = capture();
    expect(await main(['--help'], help.io)).toBe(0);
    expect(help.out.join('\n')).toMatch(/^ {2}audit +Check the audit trail/m);
    const none = capture();
    expect(await main(['audit'], none.io)).toBe(2);
    expect(none.err.join('\n')).toContain('Missing what to do (verify).');
    expect(none.err.join('\n')).toContain('Usage: cspr audit verify');
    const wrong = capture();
    expect(await main(['audit', 'erase'], wrong.io)).toBe(2);
    expect(wrong.err.join('\n')).toContain("Unknown audit command 'erase': use verify.");
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
    expect(intact).toEqual({ code: 0, out: 'The audit trail is intact: 4 entries checked.', err: '' });

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
          env: {
            PATH: process.env.PATH ?? '',
            LOG_LEVEL: 'silent',
            ...(engine === 'embedded' ? { DATA_DIR: (t as TestDatabase).dataDir } : { DATABASE_URL: (t as TestDatabase).url as string, DATA_DIR: freshDir('cli-audit') }),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.on('close', (code) => resolve({ code: code ?? -1, stdout }));
      });
    const ok = await run();
    expect(ok).toEqual({ code: 0, stdout: 'The audit trail is intact: 1 entry checked.\n' });

    const database = await reopen(t);
    await sql`alter table audit_events disable trigger audit_events_no_change`.execute(database.db);
    await sql`update audit_events set outcome = 'refused'`.execute(database.db);
    await sql`alter table audit_events enable trigger audit_events_no_change`.execute(database.db);
    await database.close();
    expect((await run()).code).toBe(1);
  }, 60_000);
});
