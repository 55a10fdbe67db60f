import type { FastifyInstance } from 'fastify';
import { PUBLIC } from '../../platform/http/access.ts';
import { sql } from 'kysely';

/**
 * Liveness and readiness for load balancers and orchestrators. Ready means this instance can do
 * its work: the database answers, and so does the file store (for S3, the bucket with these
 * credentials).
 */
export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/healthz', PUBLIC, async () => ({ status: 'ok' }));

  app.get('/readyz', PUBLIC, async (_req, reply) => {
    const { database, files } = app.deps;
    const checks = { database: database.engine, files: files.backend };
    try {
      await sql`select 1`.execute(database.db);
    } catch {
      return reply.code(503).send({ status: 'unavailable', ...checks, failed: 'database' });
    }
    try {
      await files.check();
    } catch {
      return reply.code(503).send({ status: 'unavailable', ...checks, failed: 'files' });
    }
    return { status: 'ok', ...checks };
  });
}
