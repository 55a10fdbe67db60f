import type { Database } from '../../platform/db/database.ts';

export const DEMO_PARTNERSHIP = {
  slug: 'northmoor',
  name: 'Northmoor Safeguarding Children Partnership (fictional)',
};

const demoFlag = new WeakMap<Database, { value: boolean; at: number }>();

/** True when the deployment holds the fictional demonstration partnership (cached briefly: it is on every page). */
export async function isDemoDeployment(database: Database): Promise<boolean> {
  const cached = demoFlag.get(database);
  if (cached && Date.now() - cached.at < 30_000) return cached.value;
  const row = await database.db
    .selectFrom('partnerships')
    .select('id')
    .where('fictional', '=', true)
    .limit(1)
    .executeTakeFirst();
  demoFlag.set(database, { value: row !== undefined, at: Date.now() });
  return row !== undefined;
}

export async function isEmpty(database: Database): Promise<boolean> {
  const row = await database.db.selectFrom('partnerships').select('id').limit(1).executeTakeFirst();
  return row === undefined;
}

export type DemoSummary = { partnership: string; created: boolean };

/**
 * Seeds a fictional partnership so a newcomer sees a living system. Idempotent:
 * running it again leaves existing demo records as they are.
 */
export async function seedDemo(database: Database): Promise<DemoSummary> {
  demoFlag.delete(database);
  const inserted = await database.db
    .insertInto('partnerships')
    .values({ slug: DEMO_PARTNERSHIP.slug, name: DEMO_PARTNERSHIP.name, fictional: true })
    .onConflict((oc) => oc.column('slug').doNothing())
    .returning('id')
    .executeTakeFirst();
  return { partnership: DEMO_PARTNERSHIP.name, created: inserted !== undefined };
}
