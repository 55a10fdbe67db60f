import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { createFieldCipher } from '../../platform/crypto/field-encryption.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import { createFileStore } from '../../platform/storage/file-store.ts';
import { addProduct } from '../learning-products/service.ts';
import { addPartnership } from '../partnerships/service.ts';
import { createUser } from '../users/service.ts';
import { DEMO_PUBLICATIONS } from './publications.ts';
import { addDemoRepository, DEMO_PARTNERSHIP, DEMO_USERS, demoRepositoryPending, seedDemoIfEmpty } from './service.ts';

/**
 * `npm start` seeds the demonstration only into a database nobody has set up, on either engine: its
 * case work before it listens and its public repository after (serve.ts). The second part is marked
 * to follow, added once, and finished by a later start when a start stops (or is killed) part way.
 */
describe.each(ENGINES)('demonstration data on an empty %s database', (engine) => {
  let t: TestDatabase | undefined;
  afterEach(async () => {
    await t?.database.close();
    await t?.drop();
    t = undefined;
  });
  const cipher = createFieldCipher(randomBytes(32));

  // Several instances share a server database; the embedded folder admits one process.
  it('seeds an empty database once, even when several instances start together', async () => {
    t = await openTestDatabase(engine);
    const starts = engine === 'postgres' ? 2 : 1;
    const outcomes = await Promise.all(Array.from({ length: starts }, () => seedDemoIfEmpty((t as TestDatabase).database, cipher)));
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    const partnerships = await t.database.db.selectFrom('partnerships').select('slug').execute();
    expect(partnerships.map((p) => p.slug)).toEqual([DEMO_PARTNERSHIP.slug]);
    expect(await seedDemoIfEmpty(t.database, cipher)).toBe(false);
  }, 120_000);

  it('leaves alone a database where someone has made an account', async () => {
    t = await openTestDatabase(engine);
    await createUser(t.database.db, { email: 'first.admin@example.org', name: 'First Admin', grants: [] });
    expect(await seedDemoIfEmpty(t.database, cipher)).toBe(false);
    expect(await t.database.db.selectFrom('partnerships').select('id').execute()).toEqual([]);
  });

  /**
   * What the public repository's part made, as counts, and whether any recommendation of a published
   * review was made twice. Its learning products are two: a 7-minute briefing and a Learning on a Page.
   */
  async function repository(d: TestDatabase) {
    const db = d.database.db;
    const partnership = await db.selectFrom('partnerships').select('id').where('slug', '=', DEMO_PARTNERSHIP.slug).executeTakeFirstOrThrow();
    return withTenant(db, [partnership.id], async (trx) => {
      const publications = await trx.selectFrom('publications').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
      const recs = await trx
        .selectFrom('recommendations')
        .select([sql<string>`count(*)`.as('all'), sql<string>`count(distinct (publication_id, number))`.as('distinct')])
        .where('publication_id', 'is not', null)
        .executeTakeFirstOrThrow();
      const products = await trx.selectFrom('learning_products').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
      const marks = await trx.selectFrom('audit_events').select('action').where('action', '=', 'demo-repository-added').execute();
      return { publications: Number(publications.n), recommendations: Number(recs.all), distinctRecommendations: Number(recs.distinct), products: Number(products.n), marks: marks.length };
    });
  }

  it('is to follow once the case work is in, and a start that stops part way leaves the rest to the next, each step once', async () => {
    t = await openTestDatabase(engine);
    const { database } = t;
    const files = createFileStore({ db: database.db, cipher, config: { backend: 'database' } });
    expect(await seedDemoIfEmpty(database, cipher, files, undefined, { repository: 'later' })).toBe(true);
    expect(await demoRepositoryPending(database.db)).not.toBeNull();
    expect(await repository(t)).toMatchObject({ publications: 0, recommendations: 0, products: 0, marks: 0 });

    // Stopped after three reviews: each is whole, and the part is still to follow.
    let steps = 0;
    const stoppedEarly = await addDemoRepository(database, cipher, files, { beforeStep: async () => void steps++, stopping: () => steps > 3 });
    expect(stoppedEarly).toEqual({ state: 'stopped' });
    expect(await repository(t)).toMatchObject({ publications: 3, recommendations: 0, products: 0, marks: 0 });
    expect(await demoRepositoryPending(database.db)).not.toBeNull();

    // Stopped again just after the recurring learning (the step after the twelve reviews).
    steps = 0;
    // (Nine reviews to go, then the recurring learning: the tenth step.)
    expect(await addDemoRepository(database, cipher, files, { beforeStep: async () => void steps++, stopping: () => steps > DEMO_PUBLICATIONS.length - 3 + 1 })).toEqual({ state: 'stopped' });
    const afterRecurring = await repository(t);
    expect(afterRecurring.publications).toBe(DEMO_PUBLICATIONS.length);
    expect(afterRecurring.recommendations).toBeGreaterThan(0);

    // The next start finishes it: the reviews and the recurring learning are not made again.
    expect(await addDemoRepository(database, cipher, files)).toEqual({ state: 'added', publications: DEMO_PUBLICATIONS.length });
    const done = await repository(t);
    expect(done).toMatchObject({ publications: DEMO_PUBLICATIONS.length, products: 2, marks: 1 });
    expect(done.recommendations).toBe(done.distinctRecommendations);
    expect(done.recommendations).toBeGreaterThan(afterRecurring.recommendations); // the tracker's, added after
    expect(await demoRepositoryPending(database.db)).toBeNull();

    // Nothing more to do, however often it is asked.
    expect(await addDemoRepository(database, cipher, files)).toEqual({ state: 'none' });
    expect(await repository(t)).toEqual(done);
  }, 180_000);

  it('is added whole in one go, once, even when several instances ask at once', async () => {
    t = await openTestDatabase(engine);
    const { database } = t;
    const files = createFileStore({ db: database.db, cipher, config: { backend: 'database' } });
    expect(await seedDemoIfEmpty(database, cipher, files, undefined, { repository: 'later' })).toBe(true);
    // On PostgreSQL one instance adds it while the other goes on; the embedded folder admits one process.
    const asks = engine === 'postgres' ? 2 : 1;
    // Someone makes a learning product of their own meanwhile: the demo's are still made.
    const partnershipId = (await demoRepositoryPending(database.db))!;
    const admin = await database.db.selectFrom('users').select(['id', 'name']).where('email', '=', DEMO_USERS[0].email).executeTakeFirstOrThrow();
    const incident = await withTenant(database.db, [partnershipId], (trx) => trx.selectFrom('reviews').select('incident_id').executeTakeFirstOrThrow());
    const own = await addProduct(database.db, partnershipId, { userId: admin.id, name: admin.name }, {
      kind: 'learning-on-a-page',
      title: 'Our own page',
      slug: 'our-own-page',
      theme: 'neglect',
      public: false,
      sources: [`incident:${incident.incident_id}`],
      sections: { 'key-learning': 'Written while the demonstration was still being added (fictional).' },
    });
    expect(own.ok).toBe(true);
    const outcomes = await Promise.all(Array.from({ length: asks }, () => addDemoRepository(database, cipher, files)));
    expect(outcomes.filter((o) => o.state === 'added')).toEqual([{ state: 'added', publications: DEMO_PUBLICATIONS.length }]);
    expect(outcomes.filter((o) => o.state !== 'added')).toEqual(engine === 'postgres' ? [{ state: 'elsewhere' }] : []);
    const done = await repository(t);
    expect(done).toMatchObject({ publications: DEMO_PUBLICATIONS.length, products: 3, marks: 1 });
    expect(done.recommendations).toBe(done.distinctRecommendations);
  }, 180_000);

  it('leaves alone a demonstration made before the two parts, whose entry says nothing is to follow', async () => {
    t = await openTestDatabase(engine);
    const { database } = t;
    const partnership = await addPartnership(database.db, { ...DEMO_PARTNERSHIP, fictional: true });
    await recordAudit(database.db, { actor: null, action: 'demo-data-added', partnershipId: partnership.id, recordType: 'partnership', recordId: partnership.id, changes: { fictional: true } });
    expect(await demoRepositoryPending(database.db)).toBeNull();
    expect(await addDemoRepository(database, cipher, createFileStore({ db: database.db, cipher, config: { backend: 'database' } }))).toEqual({ state: 'none' });
  });
});
