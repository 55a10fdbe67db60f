import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyTemplate } from '../../../test/support/database.ts';
import { createUser } from '../../features/users/service.ts';
import { openDatabase, type Database } from '../../platform/db/database.ts';
import { sha256 } from '../../platform/auth/secrets.ts';
import { main } from '../main.ts';

async function cspr(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('cspr tokens create', () => {
  let dataDir: string;
  const saved = { DATA_DIR: process.env.DATA_DIR, LOG_LEVEL: process.env.LOG_LEVEL, DATABASE_URL: process.env.DATABASE_URL };

  async function inspect<T>(work: (database: Database) => Promise<T>): Promise<T> {
    const database = await openDatabase({ dataDir });
    try {
      return await work(database);
    } finally {
      await database.close();
    }
  }

  beforeAll(async () => {
    dataDir = copyTemplate();
    process.env.DATA_DIR = dataDir;
    process.env.LOG_LEVEL = 'silent';
    delete process.env.DATABASE_URL;
    await inspect((d) => createUser(d.db, { email: 'robot@example.org', name: 'Reporting Robot', grants: [{ role: 'panel-viewer' }] }));
  });
  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  const tokenRow = (token: string) => inspect((d) => d.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', sha256(token)).executeTakeFirstOrThrow());

  it('makes a read-only token for 90 days unless told otherwise, and says so', async () => {
    const before = Date.now();
    const res = await cspr('tokens', 'create', '--email', 'Robot@Example.org');
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/^cspr_[A-Za-z0-9_-]{43}$/);
    expect(res.err).toContain('only reads data through the JSON API (/api/v1)');
    const row = await tokenRow(res.out);
    expect(row.scope).toBe('read');
    expect(Math.abs(new Date(row.expires_at).getTime() - before - 90 * 86_400_000)).toBeLessThan(120_000);
  });

  it('takes --scope write and --expires-days', async () => {
    const before = Date.now();
    const res = await cspr('tokens', 'create', '--email', 'robot@example.org', '--name', 'Nightly export', '--scope', 'write', '--expires-days', '365');
    expect(res.code).toBe(0);
    expect(res.err).toContain('reads and changes data');
    const row = await tokenRow(res.out);
    expect(row).toMatchObject({ name: 'Nightly export', scope: 'write' });
    expect(Math.abs(new Date(row.expires_at).getTime() - before - 365 * 86_400_000)).toBeLessThan(120_000);
  });

  it('refuses an unknown scope and a lifetime outside 1 to 365 days, with the usage (exit 2)', async () => {
    for (const args of [['--scope', 'admin'], ['--expires-days', '366'], ['--expires-days', '0'], ['--expires-days', 'soon']]) {
      const res = await cspr('tokens', 'create', '--email', 'robot@example.org', ...args);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.err).toMatch(/--scope must be|--expires-days must be/);
    }
    const help = await cspr('tokens', '--help');
    expect(help.out).toContain('[--scope read|write] [--expires-days N (1-365, default 90)]');
  });
});
