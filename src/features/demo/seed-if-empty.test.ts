import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ENGINES, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { createFieldCipher } from '../../platform/crypto/field-encryption.ts';
import { createUser } from '../users/service.ts';
import { DEMO_PARTNERSHIP, seedDemoIfEmpty } from './service.ts';

/** `npm start` seeds the demonstration only into a database nobody has set up, on either engine. */
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
});
