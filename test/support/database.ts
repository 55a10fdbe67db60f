import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { openDatabase, type Database, type Engine } from '../../src/platform/db/database.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { TEMPLATE_DIR, TEST_ROOT } from './paths.ts';

/** Every integration suite runs on the embedded engine, and again on PostgreSQL when TEST_DATABASE_URL is set. */
export const ENGINES: Engine[] = process.env.TEST_DATABASE_URL ? ['embedded', 'postgres'] : ['embedded'];

export type TestDatabase = { database: Database; dataDir: string; url?: string; drop(): Promise<void> };

/** A fresh, empty folder under the test root (removed at the end of the run). */
export function freshDir(label = 'dir'): string {
  const dir = path.join(TEST_ROOT, `${label}-${randomUUID()}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** A fresh embedded data folder, copied from the migrated template. */
export function copyTemplate(): string {
  const dir = freshDir('db');
  fs.cpSync(TEMPLATE_DIR, dir, { recursive: true, filter: (src) => !src.endsWith('cspr.lock') });
  return dir;
}

export function serverUrlFor(database: string): string {
  const url = new URL(process.env.TEST_DATABASE_URL as string);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Creates an empty database on the test server and returns its URL. */
export async function createServerDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `cspr_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  return {
    url: serverUrlFor(name),
    async drop() {
      const c = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export async function openTestDatabase(engine: Engine): Promise<TestDatabase> {
  if (engine === 'embedded') {
    const dataDir = copyTemplate();
    const database = await openDatabase({ dataDir });
    await migrate(database);
    return { database, dataDir, drop: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
  }
  const server = await createServerDatabase();
  const database = await openDatabase({ dataDir: freshDir('unused'), databaseUrl: server.url });
  await migrate(database);
  return { database, dataDir: '', url: server.url, drop: server.drop };
}

/** A fresh database of the engine for the suite around the call: opened before its tests, dropped after. */
export function useTestDatabase(engine: Engine): () => TestDatabase {
  let t: TestDatabase | undefined;
  beforeAll(async () => {
    t = await openTestDatabase(engine);
  });
  afterAll(async () => {
    await t?.database.close();
    await t?.drop();
  });
  return () => {
    if (!t) throw new Error('The test database is opened before the tests run.');
    return t;
  };
}
