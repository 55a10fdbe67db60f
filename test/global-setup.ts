import fs from 'node:fs';
import pg from 'pg';
import { openDatabase } from '../src/platform/db/database.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { TEMPLATE_DIR, TEST_ROOT } from './support/paths.ts';

/**
 * With REQUIRE_POSTGRES=1 (as in CI) the PostgreSQL suites must run: a missing or unreachable
 * TEST_DATABASE_URL fails the whole run here, instead of the suites quietly running on the
 * embedded engine alone.
 */
export async function checkPostgresRequirement(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (env.REQUIRE_POSTGRES !== '1') return;
  const url = env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error('REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set: the PostgreSQL suites cannot run. Set TEST_DATABASE_URL to a PostgreSQL server the tests may create databases on.');
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ may_create: boolean }>('select rolsuper or rolcreatedb as may_create from pg_roles where rolname = current_user');
    if (!rows[0]?.may_create) throw new Error('its role may not create databases, which every PostgreSQL suite does');
  } catch (err) {
    const where = new URL(url);
    where.password = where.password ? '***' : '';
    throw new Error(`REQUIRE_POSTGRES=1 but the PostgreSQL server at TEST_DATABASE_URL (${where.toString()}) cannot be used: ${(err as Error).message}`, { cause: err });
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Creating an embedded database takes seconds; copying a migrated one takes milliseconds.
 * So the run builds one template folder and every suite starts from a copy of it.
 */
export default async function setup(): Promise<() => void> {
  await checkPostgresRequirement();
  // Workers start after this and inherit the variable: they all use this run's folder.
  process.env.CSPR_TEST_ROOT = TEST_ROOT;
  fs.mkdirSync(TEST_ROOT, { recursive: true });
  const database = await openDatabase({ dataDir: TEMPLATE_DIR });
  await migrate(database);
  await database.close();
  return () => {
    if (!process.env.KEEP_TEST_DATA) fs.rmSync(TEST_ROOT, { recursive: true, force: true });
  };
}
