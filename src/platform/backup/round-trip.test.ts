import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, freshDir, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { seedDemo } from '../../features/demo/service.ts';
import { recordAudit, verifyAuditChain } from '../audit/audit.ts';
import { createFieldCipher } from '../crypto/field-encryption.ts';
import { checkMasterKey } from '../crypto/master-key.ts';
import type { Database, Engine } from '../db/database.ts';
import type { DB } from '../db/types.ts';
import { createFileStore } from '../storage/file-store.ts';
import { restore } from './restore.ts';
import { backup } from './write.ts';
import { inTransaction } from '../db/transaction.ts';
import { sealKeyFrom } from './seal.ts';

/**
 * A backup and its restore change nothing: every column of every table comes back byte for byte,
 * on each engine and across them (embedded → PostgreSQL → embedded), with values chosen to break
 * a careless copy: line and paragraph separators (U+2028, U+2029), control characters, emoji and
 * combining marks, backslashes and quotes, very long text, JSON with odd keys, timestamps with
 * microseconds, and files of random bytes.
 */
const HOSTILE =
  'line\u2028para\u2029 ctrl\u0001\u0008\u000b\u000c\u001b\u001f\u007f tab\t nl\n cr\r crlf\r\n 😀👩‍👩‍👧 e\u0301 a\u0308 \u200b\u200d\u202e\ufeff ' +
  `back\\slash \\u2028 \\n "double" 'single' \`tick\` </script><!-- {"json":[1]} \u00a0 ŉ 𝔘 \uFFFD`;
const LONG = `${HOSTILE} `.repeat(300);
const ODD_JSON = { '': 'empty key', '\u2028': HOSTILE, 'a"b\\c': ['\u2029', 1.5e300, -0.5, 12345678901234, true, null], '😀': { nested: '\u0001' } };
const MICROSECONDS = '2026-02-03 04:05:06.123456+00';

const KEY = randomBytes(32);
const SEAL = sealKeyFrom(KEY);
const cipher = createFieldCipher(KEY);
const storeOn = (database: Database) => createFileStore({ db: database.db, cipher, config: { backend: 'database' } });

/** Tries one change in a savepoint: a value a column's checks refuse is skipped, not fatal. */
async function tryUpdate(db: Kysely<DB>, statement: ReturnType<typeof sql>): Promise<boolean> {
  await sql`savepoint hostile`.execute(db);
  try {
    const result = await statement.execute(db);
    await sql`release savepoint hostile`.execute(db);
    return Number(result.numAffectedRows ?? 0) > 0;
  } catch {
    await sql`rollback to savepoint hostile`.execute(db);
    return false;
  }
}

/** Puts hostile values into every column that takes them; returns the changed columns as table.column. */
async function fillWithHostileValues(db: Kysely<DB>): Promise<string[]> {
  const changed: string[] = [];
  await inTransaction(db, async (trx) => {
    await sql`select set_config('cspr.partnerships', '*', true)`.execute(trx);
    const { rows: columns } = await sql<{ table_name: string; column_name: string; data_type: string }>`
      select c.table_name, c.column_name, c.data_type from information_schema.columns c
        join information_schema.tables t on t.table_name = c.table_name and t.table_schema = c.table_schema
       where c.table_schema = current_schema() and t.table_type = 'BASE TABLE' and c.is_generated = 'NEVER'
         and c.table_name not in ('schema_migrations', 'audit_events', 'stored_files', 'stored_file_chunks', 'encryption_keys')
       order by c.table_name, c.ordinal_position`.execute(trx);
    for (const { table_name: table, column_name: column, data_type: type } of columns) {
      const t = sql.table(table);
      const c = sql.ref(column);
      const attempts =
        column.endsWith('_enc')
          ? [sql`update ${t} set ${c} = ${cipher.encrypt(HOSTILE)} where ${c} is not null`]
          : type === 'text'
            ? [sql`update ${t} set ${c} = ${c} || ${HOSTILE}`, sql`update ${t} set ${c} = ${c} || ${'\u2028\u2029'}`]
            : type === 'ARRAY'
              ? [sql`update ${t} set ${c} = ${c} || array[${HOSTILE}]::text[]`]
              : type === 'jsonb'
                ? [
                    sql`update ${t} set ${c} = ${c} || ${JSON.stringify(ODD_JSON)}::jsonb where jsonb_typeof(${c}) = 'object'`,
                    sql`update ${t} set ${c} = ${c} || jsonb_build_array(${HOSTILE}::text) where jsonb_typeof(${c}) = 'array'`,
                  ]
                : type === 'timestamp with time zone'
                  ? [sql`update ${t} set ${c} = ${MICROSECONDS}::timestamptz where ${c} is not null`]
                  : type === 'tsvector'
                    ? [sql`update ${t} set ${c} = to_tsvector('simple', ${HOSTILE}) where ${c} is not null`]
                    : [];
      for (const attempt of attempts) {
        if (await tryUpdate(trx, attempt)) {
          changed.push(`${table}.${column}`);
          break;
        }
      }
      // Very long text, in one row of each text column that takes it.
      if (type === 'text' && !column.endsWith('_enc')) {
        await tryUpdate(trx, sql`update ${t} set ${c} = ${c} || ${LONG} where ctid = (select min(ctid) from ${t} where ${c} is not null)`);
      }
    }
  });
  // Clock rule versions are never changed: a new version carries them (the only text[] column).
  await sql`insert into clock_rules (key, version, title, runs_from, length, unit, direction, recipients, guidance, applies_from, applies_until, condition, statutory, created_at)
            select key, version + 1000, left(${HOSTILE}, 200), runs_from, length, unit, direction, recipients || array[${HOSTILE}, ${'\u2028'}]::text[], ${HOSTILE}, applies_from, applies_until, condition, statutory, ${MICROSECONDS}
              from clock_rules order by key, version limit 1`.execute(db);
  changed.push('clock_rules.recipients', 'clock_rules.guidance');
  // The audit trail is append-only: hostile values go in through it, and its chain must still hold.
  await recordAudit(db, { action: `hostile ${HOSTILE}`, recordType: LONG.slice(0, 500), changes: { after: ODD_JSON, note: LONG }, ip: '::1' });
  return changed;
}

/** A digest of every table, row by row as the database prints it (UTC, so both engines print alike); not the change counters, which a restore's own rows move. */
async function digests(database: Database): Promise<Record<string, string>> {
  const client = await database.pool.connect();
  try {
    await client.query('begin');
    await client.query(`set local timezone to 'UTC'`);
    await client.query(`select set_config('cspr.partnerships', '*', true)`);
    const { rows: tables } = await client.query<{ name: string }>(
      `select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name not in ('schema_migrations', 'view_versions', 'search_version') order by 1`,
    );
    const out: Record<string, string> = {};
    for (const { name } of tables) {
      const { rows } = await client.query<{ n: number; d: string }>(
        `select count(*)::int as n, md5(coalesce(string_agg(x, E'\\n' order by x), '')) as d from (select r::text as x from "${name}" r) s`,
      );
      out[name] = `${rows[0].n} rows ${rows[0].d}`;
    }
    await client.query('commit');
    return out;
  } finally {
    client.release();
  }
}

async function emptyTarget(engine: Engine): Promise<TestDatabase> {
  const target = await openTestDatabase(engine);
  await target.database.pool.query('delete from partnerships');
  return target;
}

describe.each(ENGINES)('a backup of the %s engine restores byte for byte', (engine) => {
  let source: TestDatabase;
  let before: Record<string, string>;
  let changed: string[];
  const dir = freshDir('round-trip');
  beforeAll(async () => {
    source = await openTestDatabase(engine);
    await checkMasterKey(source.database.db, KEY, source.dataDir);
    await seedDemo(source.database, cipher, storeOn(source.database));
    changed = await fillWithHostileValues(source.database.db);
    before = await digests(source.database);
  });
  afterAll(async () => {
    await source.database.close();
    await source.drop();
  });

  it('holds hostile values in the columns of many tables', () => {
    const tables = new Set(changed.map((c) => c.split('.')[0]));
    // The demonstration data fills most tables; every text, array, jsonb, timestamp and tsvector column of them took a hostile value.
    expect(tables.size).toBeGreaterThanOrEqual(15);
    expect(changed.length).toBeGreaterThanOrEqual(60);
    for (const column of ['incident_children.name_enc', 'publications.summary', 'publication_chunks.body', 'clock_rules.recipients', 'users.created_at', 'publications.meta_tsv']) {
      expect(changed).toContain(column);
    }
    expect(Number(before.stored_file_chunks.split(' ')[0])).toBeGreaterThan(0);
  });

  // Each target engine, then back again to the first: embedded → PostgreSQL → embedded when both run.
  const routes: Engine[][] = ENGINES.map((target) => (target === engine ? [target] : [target, engine]));
  it.each(routes.map((r) => [r.join(' → '), r] as const))('through %s', async (_name, route) => {
    let from = source.database;
    let file = path.join(dir, `${engine}-0.gz`);
    await backup(from, storeOn(from), file, { seal: SEAL });
    const opened: TestDatabase[] = [];
    try {
      for (const [i, target] of route.entries()) {
        const next = await emptyTarget(target);
        opened.push(next);
        await restore(next.database, storeOn(next.database), file, { sealKey: SEAL });
        expect(await digests(next.database)).toEqual(before);
        expect(await verifyAuditChain(next.database.db)).toMatchObject({ ok: true });
        from = next.database;
        file = path.join(dir, `${engine}-${route.join('-')}-${i + 1}.gz`);
        await backup(from, storeOn(from), file, { seal: SEAL });
      }
    } finally {
      for (const t of opened) {
        await t.database.close();
        await t.drop();
      }
    }
  });
});
