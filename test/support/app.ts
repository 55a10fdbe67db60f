import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../src/platform/db/database.ts';
import { loadConfig } from '../../src/platform/config/config.ts';
import { buildApp } from '../../src/platform/http/app.ts';
import { openTestDatabase, type TestDatabase } from './database.ts';

export type TestApp = { app: FastifyInstance; db: TestDatabase; close(): Promise<void> };

/** The whole service on a fresh database of the given engine, for requests through HTTP (inject). */
export async function startTestApp(engine: Engine, env: Record<string, string> = {}): Promise<TestApp> {
  const db = await openTestDatabase(engine);
  // Every request in a test comes from one address: rate limits are tested on their own.
  const config = loadConfig({ LOG_LEVEL: 'silent', RATE_LIMITS: 'off', SESSION_CACHE_MS: '0', DATA_DIR: db.dataDir || '.test-data/unused', ...env });
  const app = await buildApp({ config, database: db.database });
  await app.ready();
  return {
    app,
    db,
    async close() {
      await app.close();
      await db.database.close();
      await db.drop();
    },
  };
}
