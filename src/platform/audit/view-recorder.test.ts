import { Kysely, PostgresDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { DB } from '../db/types.ts';
import { recordViewsTogether, type ViewItem } from './view-recorder.ts';

/**
 * The recorder against a database that fails every statement in a chosen way, counting what it is
 * sent: which failures may be sent again one by one, and which must not (the statement may have
 * committed). The recorder on real databases is tested in audit.test.ts and page-cache.test.ts.
 */
function failingDatabase(error: () => Error): { db: Kysely<DB>; sent: string[][] } {
  const sent: string[][] = [];
  const client = {
    processID: 1,
    query: async (_sql: string, parameters: unknown[]) => {
      const items = JSON.parse(String(parameters[0])) as Array<{ canonical: string[] }>;
      sent.push(items.map((i) => (JSON.parse(i.canonical[0]) as { record_id: string }).record_id));
      // Answer later, as a database does, so that the views asked meanwhile wait for the next statement.
      await new Promise((resolve) => setTimeout(resolve, 5));
      throw error();
    },
    release: () => {},
  };
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: { connect: async () => client, end: async () => {} } as never }) });
  return { db, sent };
}

const item = (id: string): ViewItem => ({ canonical: [`{"record_id":"${id}"}`] });

describe('views recorded together, when the database fails', () => {
  it('sends each view again on its own when the server refused the statement for what it held', async () => {
    const { db, sent } = failingDatabase(() => Object.assign(new Error('new row violates check constraint'), { code: '23514' }));
    const outcomes = await Promise.allSettled(['a', 'b', 'c'].map((id) => recordViewsTogether(db, item(id))));
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(sent).toEqual([['a'], ['b', 'c'], ['b'], ['c']]);
  });

  it('sends nothing again after an error that may have come after the commit (a lost connection)', async () => {
    for (const error of [() => new Error('Connection terminated unexpectedly'), () => Object.assign(new Error('terminating connection'), { code: '57P01' })]) {
      const { db, sent } = failingDatabase(error);
      const outcomes = await Promise.allSettled(['a', 'b', 'c'].map((id) => recordViewsTogether(db, item(id))));
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expect(sent).toEqual([['a'], ['b', 'c']]);
    }
  });
});
