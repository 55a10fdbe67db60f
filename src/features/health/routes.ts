import type { FastifyInstance } from 'fastify';
import { PUBLIC } from '../../platform/http/access.ts';
import { sql } from 'kysely';

/** Liveness and readiness for load balancers and orchestrators. */
export async function healthRoutes(app: FastifyInstance): Promise<void> {
  app.get('/healthz', PUBLIC, async () => ({ status: 'ok' }));

  app.get('/readyz', PUBLIC, async (_req, reply) => {
    try {
      await sql`select 1`.execute(app.deps.database.db);
      return { status: 'ok', database: app.deps.database.engine };
    } catch {
      return reply.code(503).send({ status: 'unavailable', database: app.deps.database.engine });
    }
  });
}
