import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { sha256 } from '../auth/secrets.ts';
import { listMigrations, MIGRATIONS_DIR } from './migrate.ts';

/**
 * A new embedded database starts from a copy of a data folder made ahead of time, instead of being
 * created on the spot: PGlite's initdb and the migrations take about 2.4 s of a first start on a
 * 2-core machine, loading the copy about 0.6 s. The copy holds exactly what creating the database and
 * applying the manifest's migrations make (a test compares the two, catalogue and rows); the
 * migrations made since then are applied on top at start, as on any database.
 *
 * It is used only when it is sure to be right: made by the PGlite version installed (a data folder is
 * the engine's own format), from migrations that are still, byte for byte, the first ones in the
 * migrations folder, and with the archive the manifest names. Otherwise a new database is created as
 * before, only more slowly.
 *
 *     npm run build:data-template      (after adding migrations, or when PGlite is upgraded)
 */
export const DATA_TEMPLATE_DIR = fileURLToPath(new URL('../../../migrations/embedded-template/', import.meta.url));
/** A data template's two files, in its folder. */
export function templateFiles(dir: string): { manifest: string; archive: string } {
  return { manifest: path.join(dir, 'manifest.json'), archive: path.join(dir, 'pgdata.tar.br') };
}
export const { manifest: DATA_TEMPLATE_MANIFEST, archive: DATA_TEMPLATE_ARCHIVE } = templateFiles(DATA_TEMPLATE_DIR);

/** A migration as the manifest records it: its name and the SHA-256 (hex) of its file. */
export type MigrationFile = { name: string; sha256: string };

export type TemplateManifest = {
  /** The PGlite version that made the folder. */
  pglite: string;
  /** SHA-256 (hex) of the archive: the brotli-compressed tar of the data folder. */
  archive: string;
  /** The migrations applied in the folder, in order, each with the SHA-256 of its file. */
  migrations: MigrationFile[];
};

/** The migrations folder, as the manifest records migrations. */
export function migrationFiles(dir = MIGRATIONS_DIR): MigrationFile[] {
  return listMigrations(dir).map((m) => ({ name: m.name, sha256: sha256(fs.readFileSync(m.file)) }));
}

/**
 * Why a template cannot make a new database for these migrations and this PGlite, or null when it can:
 * its migrations must be the migrations folder's first ones, in order, each unchanged since.
 */
export function templateRefusal(manifest: TemplateManifest, migrations: readonly MigrationFile[], pgliteVersion: string): string | null {
  if (manifest.pglite !== pgliteVersion) return `it was made by PGlite ${manifest.pglite}, not ${pgliteVersion}`;
  if (manifest.migrations.length > migrations.length) return `it holds ${manifest.migrations.length} migrations, more than the ${migrations.length} in the migrations folder`;
  for (const [i, m] of manifest.migrations.entries()) {
    const file = migrations[i];
    if (file.name !== m.name) return `its migration ${i + 1} is ${m.name}, but the folder’s is ${file.name}`;
    if (file.sha256 !== m.sha256) return `migration ${m.name} has changed since it was made`;
  }
  return null;
}

/** The installed PGlite's version (its package.json, which the package does not export). */
export function installedPgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const manifest = path.join(path.dirname(entry), '..', 'package.json');
  return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/**
 * Rows the template's migrations wrote carry the clock of the template's making: when each migration
 * was applied, when each shipped bank holiday, clock rule and theme was added. A database made from it
 * is given its own time instead, as if it had been migrated when it was made (a date on screen is what
 * happened to this database). The template holds a one-row table saying when it was made and which
 * columns that record when their row was written (default now()) hold values of that time; the first
 * start finds it, and in one transaction moves those values to now, starts the search's change counter
 * from the clock as migration 0046 does, and drops the table. The triggers that keep such rows unchanged are not fired
 * (session_replication_role), as they guard against later edits, not this.
 */
export const TEMPLATE_MADE_TABLE = 'cspr_template_made';

/** The columns that record when their row was written (timestamptz, default now()), as (t, c) quoted for SQL. */
export const WRITTEN_AT_COLUMNS = `select quote_ident(cl.relname) as t, quote_ident(a.attname) as c from pg_attribute a
  join pg_class cl on cl.oid = a.attrelid join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
  where cl.relnamespace = 'public'::regnamespace and cl.relkind in ('r', 'p') and not a.attisdropped
    and a.atttypid = 'timestamptz'::regtype and pg_get_expr(d.adbin, d.adrelid) = 'now()'
  order by 1, 2`;

export async function finishTemplateDatabase(pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query<{ found: string | null }>(`select to_regclass('public.${TEMPLATE_MADE_TABLE}')::text as found`);
  if (!rows[0]?.found) return false;
  const client = await pool.connect();
  try {
    await client.query('begin');
    await client.query('set local session_replication_role = replica');
    const made = await client.query<{ made_from: Date; made_until: Date; columns: [table: string, column: string][] }>(`select made_from, made_until, columns from ${TEMPLATE_MADE_TABLE}`);
    if (made.rows.length !== 1) throw new Error(`the data template's ${TEMPLATE_MADE_TABLE} table should hold one row, not ${made.rows.length}`);
    const { made_from: from, made_until: until, columns } = made.rows[0];
    for (const [t, c] of columns) await client.query(`update public.${t} set ${c} = now() where ${c} between $1 and $2`, [from, until]);
    // A template made before migration 0046 has no counter: that migration, applied next, starts it from the clock.
    const counter = await client.query<{ found: string | null }>(`select to_regclass('public.search_version')::text as found`);
    if (counter.rows[0]?.found) await client.query('update search_version set version = (extract(epoch from clock_timestamp()) * 1000000)::bigint');
    await client.query(`drop table ${TEMPLATE_MADE_TABLE}`);
    await client.query('commit');
    return true;
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

export function readTemplateManifest(file = DATA_TEMPLATE_MANIFEST): TemplateManifest | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as TemplateManifest;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The archive to make a new database from, or why there is none that can be used here. */
export type TemplateChoice = { archive: Uint8Array; refusal: null } | { archive: null; refusal: string };

/**
 * The archive to make a new embedded database from, or why it cannot be (see templateRefusal): a
 * database is then created afresh, a few seconds more slowly, and whoever started it is told why.
 * Its bytes are read once here, checked against the manifest, and handed to the engine's thread, so
 * what is checked is what is loaded.
 */
export function chooseTemplate(dir = DATA_TEMPLATE_DIR): TemplateChoice {
  const files = templateFiles(dir);
  const manifest = readTemplateManifest(files.manifest);
  if (!manifest) return { archive: null, refusal: 'there is none in migrations/embedded-template' };
  const refusal = templateRefusal(manifest, migrationFiles(), installedPgliteVersion());
  if (refusal !== null) return { archive: null, refusal };
  const archive = fs.readFileSync(files.archive);
  if (sha256(archive) !== manifest.archive) return { archive: null, refusal: 'its archive is not the one its manifest names (damaged or replaced)' };
  return { archive, refusal: null };
}

/** What a start says when a new database could not be made from the template. */
export function templateNotice(refusal: string): string {
  return `The new embedded database was created without the data template, because ${refusal}; this takes a few seconds more. \`npm run build:data-template\` makes the template again.`;
}
