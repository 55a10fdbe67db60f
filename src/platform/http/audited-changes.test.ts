import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPartnership } from '../../features/partnerships/service.ts';
import { ENGINES, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { signedInAs, type TestClient } from '../../../test/support/client.ts';
import { loadConfig } from '../config/config.ts';
import { withTenant } from '../db/tenant.ts';
import { access } from './access.ts';
import { buildApp } from './app.ts';

/**
 * A route that changes data and forgets its audit entry (or records it in a transaction of its
 * own) fails, and saves nothing: the database refuses the commit. `req.change` is the way that works.
 */
describe.each(ENGINES)('a change made through a request on %s', (engine) => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let client: TestClient;
  let token: string;
  beforeAll(async () => {
    t = await openTestDatabase(engine);
    const config = loadConfig({ LOG_LEVEL: 'silent', RATE_LIMITS: 'off', SESSION_CACHE_MS: '0', DATA_DIR: t.dataDir || '.test-data/unused' });
    app = await buildApp({ config, database: t.database });
    const db = t.database.db;
    const add = (trx: typeof db, slug: string) => trx.insertInto('partnerships').values({ slug, name: slug }).returning('id').executeTakeFirstOrThrow();
    const slug = (req: { body: unknown }) => String((req.body as Record<string, string>).slug);
    // Three ways a route might be written; only the last is right.
    app.post('/test/forgets-the-entry', access('signed-in'), async (req) => {
      await withTenant(db, 'all', (trx) => add(trx, slug(req)));
      return { saved: true };
    });
    app.post('/test/entry-on-its-own', access('signed-in'), async (req) => {
      const row = await withTenant(db, 'all', (trx) => add(trx, slug(req)));
      await req.audit({ action: 'partnership-created', recordType: 'partnership', recordId: row.id });
      return { saved: true };
    });
    app.post('/test/change-with-entry', access('signed-in'), async (req) => {
      await req.change(
        (trx) => add(trx, slug(req)),
        (row) => ({ action: 'partnership-created', recordType: 'partnership', recordId: row.id }),
      );
      return { saved: true };
    });
    await app.ready();
    const p = await addPartnership(db, { slug: 'guarded', name: 'Guarded SCP' });
    ({ client } = await signedInAs(app, [{ role: 'partnership-admin', partnershipId: p.id }]));
    token = await client.csrfFrom('/account/api-tokens');
  });
  afterAll(async () => {
    await app.close();
    await t.database.close();
    await t.drop();
  });

  const saved = async (slug: string) => (await t.database.db.selectFrom('partnerships').select('id').where('slug', '=', slug).executeTakeFirst()) !== undefined;
  const entries = (action: string) => withTenant(t.database.db, 'all', (trx) => trx.selectFrom('audit_events').select('seq').where('action', '=', action).execute());

  it('fails a change without its audit entry, and saves nothing', async () => {
    const res = await client.post('/test/forgets-the-entry', { slug: 'forgotten' }, { csrf: token });
    expect(res.statusCode).toBe(500);
    expect(await saved('forgotten')).toBe(false);
  });

  it('fails a change whose audit entry is recorded in a transaction of its own', async () => {
    const res = await client.post('/test/entry-on-its-own', { slug: 'apart' }, { csrf: token });
    expect(res.statusCode).toBe(500);
    expect(await saved('apart')).toBe(false);
    expect(await entries('partnership-created')).toEqual([]);
  });

  it('saves a change made with req.change, with its audit entry', async () => {
    const res = await client.post('/test/change-with-entry', { slug: 'together' }, { csrf: token });
    expect(res.statusCode).toBe(200);
    expect(await saved('together')).toBe(true);
    expect(await entries('partnership-created')).toHaveLength(1);
  });
});
