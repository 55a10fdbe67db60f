import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type pg from 'pg';
import { ENGINES, useTestDatabase } from '../../../test/support/database.ts';
import { prepared, prepareStatementsOf } from './prepared-statements.ts';

describe.each(ENGINES)('prepared statements on %s', (engine) => {
  const t = useTestDatabase(engine);

  /** The statements the connection holds (PostgreSQL's own view of them), by text. */
  async function held(client: pg.PoolClient): Promise<string[]> {
    const { rows } = await client.query<{ statement: string }>('select statement from pg_prepared_statements order by prepare_time');
    return rows.map((r) => r.statement);
  }

  /** The marks of the statements held whose marks begin with `prefix`, sorted. */
  async function heldMarks(client: pg.PoolClient, prefix: string): Promise<string[]> {
    return (await held(client)).flatMap((s) => new RegExp(`${prefix}[a-z0-9]*`).exec(s)?.[0] ?? []).sort();
  }

  /** A marked statement of its own text (by `mark`), answering `n`. */
  async function runMarked(client: pg.PoolClient, mark: string, n: number): Promise<number> {
    return (await client.query<{ n: number }>(`/* prepared */ select $1::int as n, '${mark}' as mark`, [n])).rows[0].n;
  }

  /**
   * `work` with a client of the pool whose marked statements are kept `limit` at most (the embedded
   * engine's one connection, taken once nothing else uses it); the client goes back as it came.
   */
  async function withClient<T>(limit: number, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await t().database.pool.connect();
    const query = client.query;
    try {
      prepareStatementsOf(client, limit);
      return await work(client);
    } finally {
      await client.query('rollback').catch(() => {});
      client.query = query;
      client.release();
    }
  }

  it('plans a marked statement once for the connection and runs it with any values', async () => {
    const db = t().database.db;
    const marked = (n: number) => prepared(sql<{ twice: number }>`select ${n}::int * 2 as twice, 'prepared-test-1' as mark`);
    const answers = [];
    for (const n of [1, 2, 3]) answers.push((await marked(n).execute(db)).rows[0].twice);
    expect(answers).toEqual([2, 4, 6]);
    await sql`select 'prepared-test-unmarked' as mark`.execute(db);
    const client = await t().database.pool.connect();
    try {
      expect(await heldMarks(client, 'prepared-test-1')).toEqual(['prepared-test-1']);
      // An unmarked statement is not kept.
      expect(await heldMarks(client, 'prepared-test-unmarked')).toEqual([]);
    } finally {
      client.release();
    }
  });

  it('keeps no more statements than its limit, the least recently used going first, and runs one let go again', async () => {
    await withClient(2, async (client) => {
      expect(await runMarked(client, 'limit-test-a', 1)).toBe(1);
      expect(await runMarked(client, 'limit-test-b', 2)).toBe(2);
      expect(await runMarked(client, 'limit-test-a', 3)).toBe(3);
      expect(await runMarked(client, 'limit-test-c', 4)).toBe(4);
      expect(await heldMarks(client, 'limit-test-')).toEqual(['limit-test-a', 'limit-test-c']);
      // b was let go; asked again, it is prepared afresh (and the least recently used, a, goes).
      expect(await runMarked(client, 'limit-test-b', 5)).toBe(5);
      expect(await heldMarks(client, 'limit-test-')).toEqual(['limit-test-b', 'limit-test-c']);
    });
  });

  it('runs a marked statement again after it failed, whether in its parsing or its run', async () => {
    await withClient(4, async (client) => {
      await expect(client.query('/* prepared */ select 1 / $1::int as q', [0])).rejects.toThrow(/division by zero/);
      expect((await client.query('/* prepared */ select 1 / $1::int as q', [1])).rows[0].q).toBe(1);
      await expect(client.query('/* prepared */ select frm nowhere $1', [1])).rejects.toThrow();
      await expect(client.query('/* prepared */ select frm nowhere $1', [1])).rejects.toThrow(/syntax/);
      expect((await client.query('/* prepared */ select $1::int + 1 as q', [1])).rows[0].q).toBe(2);
      // A value that cannot be sent: node-postgres closes the statement on the server, and it is prepared
      // afresh. (On the embedded engine's adapter the next statement after such a value, named or not,
      // fails with "invalid message format", the ones after it run: so this is tried on PostgreSQL.)
      if (engine === 'postgres') {
        const unsendable = {
          toPostgres() {
            throw new Error('not sendable');
          },
        };
        await expect(client.query('/* prepared */ select $1::int + 1 as q', [unsendable])).rejects.toThrow(/not sendable/);
        expect((await client.query('/* prepared */ select $1::int + 1 as q', [2])).rows[0].q).toBe(3);
      }
    });
  });

  it('lets go of a statement whose parsing failed without asking the server, so later ones still run inside a transaction', async () => {
    await withClient(2, async (client) => {
      await expect(client.query('/* prepared */ select * from no_such_table where 1 = $1', [1])).rejects.toThrow(/no_such_table/);
      // Two more fill the room; the next one needs room made, first by letting go of the failed one
      // (which the server never held: deallocating it would fail and abort the transaction).
      expect(await runMarked(client, 'fail-test-a', 1)).toBe(1);
      expect(await runMarked(client, 'fail-test-b', 2)).toBe(2);
      await client.query('begin');
      expect(await runMarked(client, 'fail-test-c', 3)).toBe(3);
      expect(await runMarked(client, 'fail-test-d', 4)).toBe(4);
      await client.query('commit');
      expect(await heldMarks(client, 'fail-test-')).toEqual(['fail-test-c', 'fail-test-d']);
    });
  });

  it('keeps its limit for the connection, whichever client over it sends the statements', async () => {
    await withClient(3, async (client) => {
      for (const mark of ['wrap-test-a1', 'wrap-test-a2', 'wrap-test-a3']) await runMarked(client, mark, 1);
      // A second wrapper over the same connection, as when the pool makes a new client: on the embedded
      // engine every client shares the one session, and the statements the first one kept are still there.
      prepareStatementsOf(client, 3);
      for (const mark of ['wrap-test-b1', 'wrap-test-b2', 'wrap-test-b3']) await runMarked(client, mark, 1);
      expect(await heldMarks(client, 'wrap-test-')).toEqual(['wrap-test-b1', 'wrap-test-b2', 'wrap-test-b3']);
    });
  });
});
