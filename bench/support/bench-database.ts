import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/platform/config/config.ts';
import { openDatabase, type Database } from '../../src/platform/db/database.ts';
import { migrate } from '../../src/platform/db/migrate.ts';

/**
 * Where a bench runs: the embedded engine in a fresh folder, or, when DATABASE_URL names a
 * PostgreSQL server, a database of its own created there for the run and dropped after it (the
 * server's other databases are never touched). Every bench finds its database here, so each runs
 * on either engine the same way.
 */
export type BenchTarget = {
  engine: 'embedded' | 'postgresql';
  /** The environment the service (in process or as a child `cspr serve`) needs to use it. */
  env: Record<string, string>;
  /** Empty it again, as it was made (for another first start). */
  reset(): Promise<void>;
  /** Empty and remove it. */
  drop(): Promise<void>;
};

/** An empty database (nothing created in it yet) on the engine DATABASE_URL chooses. */
export async function benchTarget(name: string, serverUrl = process.env.DATABASE_URL): Promise<BenchTarget> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cspr-bench-${name}-`));
  const env: Record<string, string> = { LOG_LEVEL: 'silent', DATA_DIR: path.join(dir, 'data') };
  let databaseName: string | null = null;
  if (serverUrl) {
    databaseName = `cspr_bench_${name.replace(/[^a-z0-9]/g, '_')}_${randomUUID().replaceAll('-', '').slice(0, 8)}`;
    await onServer(serverUrl, `create database ${databaseName}`);
    const url = new URL(serverUrl);
    url.pathname = `/${databaseName}`;
    env.DATABASE_URL = url.toString();
  }
  return {
    engine: serverUrl ? 'postgresql' : 'embedded',
    env,
    async reset() {
      if (serverUrl && databaseName) {
        await onServer(serverUrl, `drop database if exists ${databaseName} with (force)`);
        await onServer(serverUrl, `create database ${databaseName}`);
      }
      fs.rmSync(env.DATA_DIR, { recursive: true, force: true });
    },
    async drop() {
      if (serverUrl && databaseName) await onServer(serverUrl, `drop database if exists ${databaseName} with (force)`);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type BenchDatabase = BenchTarget & { database: Database; config: Config; close(): Promise<void> };

/** A migrated database for a bench, open in this process. */
export async function openBenchDatabase(name: string, serverUrl = process.env.DATABASE_URL): Promise<BenchDatabase> {
  const target = await benchTarget(name, serverUrl);
  const config = loadConfig(target.env);
  const database = await openDatabase(config);
  await migrate(database);
  return {
    ...target,
    database,
    config,
    async close() {
      await database.close().catch(() => {});
      await target.drop();
    },
  };
}

async function onServer(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
