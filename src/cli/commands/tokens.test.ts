import { beforeAll, describe, expect, it } from 'vitest';
import { runCspr } from '../../../test/support/cli.ts';
import { copyTemplate } from '../../../test/support/database.ts';
import { createUser } from '../../features/users/service.ts';
import { sha256 } from '../../platform/auth/secrets.ts';
import { openDatabase } from '../../platform/db/database.ts';

describe('cspr tokens create', () => {
  let dataDir: string;
  const cspr = (...args: string[]) => runCspr(['tokens', ...args], { DATA_DIR: dataDir });

  /** The embedded database takes one process at a time: opened between commands, and closed again. */
  async function tokenRow(token: string) {
    const database = await openDatabase({ dataDir });
    try {
      return await database.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', sha256(token)).executeTakeFirstOrThrow();
    } finally {
      await database.close();
    }
  }

  beforeAll(async () => {
    dataDir = copyTemplate();
    const database = await openDatabase({ dataDir });
    await createUser(database.db, { email: 'robot@example.org', name: 'Reporting Robot', grants: [{ role: 'panel-viewer' }] });
    await database.close();
  });

  it('makes a read-only token for 90 days unless told otherwise, and says so', async () => {
    const before = Date.now();
    const res = await cspr('create', '--email', 'Robot@Example.org');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.trim()).toMatch(/^cspr_[A-Za-z0-9_-]{43}$/);
    expect(res.stderr).toContain('only reads data through the JSON API (/api/v1)');
    const row = await tokenRow(res.stdout.trim());
    expect(row.scope).toBe('read');
    expect(Math.abs(new Date(row.expires_at).getTime() - before - 90 * 86_400_000)).toBeLessThan(120_000);
  });

  it('takes --scope write and --expires-days', async () => {
    const before = Date.now();
    const res = await cspr('create', '--email', 'robot@example.org', '--name', 'Nightly export', '--scope', 'write', '--expires-days', '365');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain('reads and changes data');
    const row = await tokenRow(res.stdout.trim());
    expect(row).toMatchObject({ name: 'Nightly export', scope: 'write' });
    expect(Math.abs(new Date(row.expires_at).getTime() - before - 365 * 86_400_000)).toBeLessThan(120_000);
  });

  it('refuses an unknown scope and a lifetime outside 1 to 365 days, with the usage (exit 2)', async () => {
    for (const args of [['--scope', 'admin'], ['--expires-days', '366'], ['--expires-days', '0'], ['--expires-days', 'soon']]) {
      const res = await cspr('create', '--email', 'robot@example.org', ...args);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr).toMatch(/--scope must be|--expires-days must be/);
    }
    const help = await cspr('--help');
    expect(help.stdout).toContain('[--scope read|write] [--expires-days N (1-365, default 90)]');
  });
});
