import fs from 'node:fs';
import readline from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type pg from 'pg';
import type { Database } from './database.ts';
import { listMigrations, migrate } from './migrate.ts';

/**
 * A portable backup: gzip'd JSON lines, one row a line, written from one consistent
 * snapshot. Rows go through Postgres' own JSON conversion both ways, so every column
 * type survives, and a backup from the embedded engine restores onto a PostgreSQL
 * server and back.
 */
export const BACKUP_FORMAT = 'cspr-hub-backup';
const BATCH = 500;

export class BackupError extends Error {}

type Header = { format: string; version: 1; createdAt: string; engine: string; migrations: string[] };
type TableStart = { table: string; columns: string[] };

async function userTables(client: pg.PoolClient): Promise<string[]> {
  // Tables in foreign-key order: referenced tables come before the tables that refer to them.
  const tables = (
    await client.query<{ name: string }>(
      `select table_name as name from information_schema.tables
        where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name <> 'schema_migrations'
        order by table_name`,
    )
  ).rows.map((r) => r.name);
  const deps = (
    await client.query<{ child: string; parent: string }>(
      `select c.conrelid::regclass::text as child, c.confrelid::regclass::text as parent
         from pg_constraint c join pg_namespace n on n.oid = c.connamespace
        where c.contype = 'f' and n.nspname = current_schema()`,
    )
  ).rows;
  const ordered: string[] = [];
  const seen = new Set<string>();
  const visit = (t: string, path: Set<string>) => {
    if (seen.has(t) || path.has(t)) return;
    path.add(t);
    for (const d of deps) if (d.child === t && d.parent !== t) visit(d.parent, path);
    seen.add(t);
    ordered.push(t);
  };
  for (const t of tables) visit(t, new Set());
  return ordered;
}

async function writableColumns(client: pg.PoolClient, table: string): Promise<string[]> {
  return (
    await client.query<{ name: string }>(
      `select column_name as name from information_schema.columns
        where table_schema = current_schema() and table_name = $1 and is_generated = 'NEVER'
        order by ordinal_position`,
      [table],
    )
  ).rows.map((r) => r.name);
}

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

export async function backup(database: Database, file: string): Promise<{ tables: number; rows: number }> {
  const client = await database.pool.connect();
  let rows = 0;
  try {
    await client.query('begin isolation level repeatable read read only');
    // A backup holds every partnership's rows (row-level security otherwise shows none).
    await client.query(`select set_config('cspr.partnerships', '*', true)`);
    const migrations = (await client.query<{ name: string }>('select name from schema_migrations order by name')).rows.map(
      (r) => r.name,
    );
    const tables = await userTables(client);
    async function* lines(): AsyncGenerator<string> {
      const header: Header = {
        format: BACKUP_FORMAT,
        version: 1,
        createdAt: new Date().toISOString(),
        engine: database.engine,
        migrations,
      };
      yield `${JSON.stringify(header)}\n`;
      for (const table of tables) {
        const columns = await writableColumns(client, table);
        yield `${JSON.stringify({ table, columns } satisfies TableStart)}\n`;
        const list = columns.map(ident).join(', ');
        let offset = 0;
        for (;;) {
          const res = await client.query<{ j: string }>(
            `select row_to_json(r)::text as j from (select ${list} from ${ident(table)} order by 1 offset $1 limit $2) r`,
            [offset, BATCH],
          );
          for (const r of res.rows) yield `${r.j}\n`;
          rows += res.rows.length;
          if (res.rows.length < BATCH) break;
          offset += BATCH;
        }
      }
    }
    const tmp = `${file}.partial`;
    await pipeline(Readable.from(lines()), zlib.createGzip(), fs.createWriteStream(tmp, { mode: 0o600 }));
    fs.renameSync(tmp, file);
    await client.query('commit');
    return { tables: tables.length, rows };
  } catch (err) {
    await client.query('rollback').catch(() => {});
    fs.rmSync(`${file}.partial`, { force: true });
    throw err;
  } finally {
    client.release();
  }
}

export async function restore(database: Database, file: string): Promise<{ tables: number; rows: number }> {
  if (!fs.existsSync(file)) throw new BackupError(`There is no backup file at ${file}.`);
  const input = readline.createInterface({ input: fs.createReadStream(file).pipe(zlib.createGunzip()), crlfDelay: Infinity });
  const iterator = input[Symbol.asyncIterator]();
  let first: IteratorResult<string>;
  try {
    first = await iterator.next();
  } catch {
    throw new BackupError(`${file} is not a CSPR Hub backup (it is not a gzip file).`);
  }
  let header: Header;
  try {
    header = JSON.parse(first.value ?? '') as Header;
  } catch {
    throw new BackupError(`${file} is not a CSPR Hub backup (its first line is not a backup header).`);
  }
  if (header.format !== BACKUP_FORMAT || header.version !== 1) {
    throw new BackupError(`${file} is not a CSPR Hub backup this version can read.`);
  }
  const known = new Set(listMigrations().map((m) => m.name));
  const unknown = header.migrations.filter((m) => !known.has(m));
  if (unknown.length > 0) {
    throw new BackupError(`The backup was made by a newer version of CSPR Hub (it has migration ${unknown[0]}). Upgrade first.`);
  }

  await migrate(database);
  const client = await database.pool.connect();
  let rows = 0;
  let tables = 0;
  try {
    await client.query('begin');
    await client.query(`select set_config('cspr.partnerships', '*', true)`);
    await client.query('set constraints all deferred');
    // Tables a migration seeds (their comment says 'Seeded by migration…') hold rows in any fresh
    // database: they count as empty, and the backup's rows replace the seeded ones.
    const seeded = new Set(
      (
        await client.query<{ name: string }>(
          `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = current_schema() and c.relkind = 'r' and obj_description(c.oid, 'pg_class') like 'Seeded by migration%'`,
        )
      ).rows.map((r) => r.name),
    );
    for (const table of await userTables(client)) {
      if (seeded.has(table)) continue;
      const { rows: found } = await client.query(`select 1 from ${ident(table)} limit 1`);
      if (found.length > 0) {
        throw new BackupError(
          'A backup restores only into an empty data folder or database, and this one already holds data. ' +
            'Point DATA_DIR (or DATABASE_URL) at an empty one.',
        );
      }
    }
    let current: TableStart | null = null;
    let batch: string[] = [];
    const flush = async () => {
      if (!current || batch.length === 0) return;
      const list = current.columns.map(ident).join(', ');
      await client.query(
        `insert into ${ident(current.table)} (${list}) overriding system value
         select ${list} from json_populate_recordset(null::${ident(current.table)}, $1::json)`,
        [`[${batch.join(',')}]`],
      );
      rows += batch.length;
      batch = [];
    };
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      const line = next.value;
      if (line === '') continue;
      if (line.startsWith('{"table":')) {
        await flush();
        current = JSON.parse(line) as TableStart;
        if (seeded.has(current.table)) await client.query(`delete from ${ident(current.table)}`);
        tables += 1;
        continue;
      }
      batch.push(line);
      if (batch.length >= BATCH) await flush();
    }
    await flush();
    // Sequences carry on after the highest restored value.
    const seqs = await client.query<{ t: string; c: string; s: string }>(
      `select table_name as t, column_name as c, pg_get_serial_sequence(quote_ident(table_name), column_name) as s
         from information_schema.columns where table_schema = current_schema()
          and pg_get_serial_sequence(quote_ident(table_name), column_name) is not null`,
    );
    for (const { t, c, s } of seqs.rows) {
      await client.query(`select setval($1, coalesce((select max(${ident(c)}) from ${ident(t)}), 0) + 1, false)`, [s]);
    }
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => {});
    if (err instanceof BackupError) throw err;
    throw new BackupError(`The restore failed and nothing was kept (${(err as Error).message}).`);
  } finally {
    client.release();
    input.close();
  }
  return { tables, rows };
}
