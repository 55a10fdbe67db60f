import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { Database } from './database.ts';
import { DATA_TEMPLATE_ARCHIVE, DATA_TEMPLATE_DIR, DATA_TEMPLATE_MANIFEST, installedPgliteVersion, migrationFiles, TEMPLATE_MADE_TABLE, WRITTEN_AT_COLUMNS, type TemplateManifest } from './data-template.ts';
import { sha256 } from '../auth/secrets.ts';
import { migrate } from './migrate.ts';
import { compressArchive, packFolder } from './template-archive.ts';

/**
 * Makes the embedded engine's data template (data-template.ts): a new database created by the
 * installed PGlite, every migration applied through the same `migrate` a start uses, then its data
 * folder packed (template-archive.ts) with a manifest of what it holds.
 *
 *     npm run build:data-template
 */
/**
 * What a new database's folder need not hold, so that each first start writes less (about 12 MB in
 * 660 files instead of 46 MB in 1,350; writing them is most of unpacking, and on a busy disk each new
 * file costs up to a millisecond):
 * - the databases template0 and template1, which exist only to copy for CREATE DATABASE: the service
 *   uses the one database (postgres), never creates another on its embedded engine, and its backups
 *   are of its tables (src/platform/backup), not of the cluster;
 * - the write-ahead log of building it: after a switch to a new segment and a checkpoint nothing needs
 *   the old one, and the new one (not zero-filled) is a hole but for its first records. Unpacking
 *   writes a file's zero tail as a hole too (template-archive.ts);
 * - the tables' free space maps and visibility maps (the files ending _fsm and _vm, 87 of them): both
 *   are hints PostgreSQL makes again when it needs them. A table without its free space map is
 *   written at its last page or extended, and one without its visibility map has no page marked
 *   all-visible, until a VACUUM or a page filling up makes the map anew (storage/freespace and
 *   access/heap/visibilitymap.c in PostgreSQL read a missing map as empty).
 */
async function leaveOnlyTheServiceData(pool: pg.Pool): Promise<void> {
  for (const name of ['template0', 'template1']) {
    await pool.query(`alter database ${name} is_template false`);
    await pool.query(`drop database ${name}`);
  }
  await pool.query('select pg_switch_wal()');
  await pool.query('checkpoint');
}

function removeSpaceAndVisibilityMaps(folder: string): void {
  for (const entry of fs.readdirSync(folder, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && /^\d+_(fsm|vm)$/.test(entry.name)) fs.rmSync(path.join(entry.parentPath, entry.name));
  }
}

export async function buildDataTemplate(out = { archive: DATA_TEMPLATE_ARCHIVE, manifest: DATA_TEMPLATE_MANIFEST }): Promise<TemplateManifest> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { createPgConfig } = await import('@electric-sql/pglite/node-postgres');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cspr-data-template-'));
  try {
    const defaults = (PGlite as unknown as { defaultStartParams: readonly string[] }).defaultStartParams;
    // Write-ahead log segments made while building are removed once unneeded, not kept for reuse, and a
    // new one is not filled with zeros: the template's last segment is then nearly all hole (see below).
    const engine = await PGlite.create(path.join(work, 'pgdata'), { startParams: [...defaults, '-c', 'wal_recycle=off', '-c', 'wal_init_zero=off'] });
    const pool = new pg.Pool({ ...createPgConfig(engine as unknown as Parameters<typeof createPgConfig>[0]), max: 1 } as pg.PoolConfig);
    const madeFrom = (await pool.query<{ now: Date }>('select now()')).rows[0].now;
    const applied = await migrate({ pool } as Database);
    // When it was made, and where that time was written, for the first start of each database made from it (finishTemplateDatabase).
    await pool.query(`create table ${TEMPLATE_MADE_TABLE} (made_from timestamptz not null, made_until timestamptz not null, columns jsonb not null)`);
    const madeUntil = (await pool.query<{ now: Date }>('select clock_timestamp() as now')).rows[0].now;
    const written: [string, string][] = [];
    for (const { t, c } of (await pool.query<{ t: string; c: string }>(WRITTEN_AT_COLUMNS)).rows) {
      const { rows } = await pool.query<{ found: boolean }>(`select exists (select from public.${t} where ${c} between $1 and $2) as found`, [madeFrom, madeUntil]);
      if (rows[0].found) written.push([t, c]);
    }
    await pool.query(`insert into ${TEMPLATE_MADE_TABLE} values ($1, $2, $3)`, [madeFrom, madeUntil, JSON.stringify(written)]);
    await leaveOnlyTheServiceData(pool);
    await pool.end();
    // Shut down cleanly (a checkpoint, the lock file removed): a start from the copy recovers nothing.
    await engine.close();
    removeSpaceAndVisibilityMaps(path.join(work, 'pgdata'));
    const archive = compressArchive(packFolder(path.join(work, 'pgdata')));
    const files = migrationFiles();
    const manifest: TemplateManifest = { pglite: installedPgliteVersion(), archive: sha256(archive), migrations: files.filter((m) => applied.includes(m.name)) };
    fs.mkdirSync(path.dirname(out.archive), { recursive: true });
    fs.writeFileSync(out.archive, archive);
    fs.writeFileSync(out.manifest, `${JSON.stringify(manifest, null, 2)}\n`);
    return manifest;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const manifest = await buildDataTemplate();
  console.log(`Data template made in ${path.relative(process.cwd(), DATA_TEMPLATE_DIR) || '.'}: PGlite ${manifest.pglite}, ${manifest.migrations.length} migrations, ${fs.statSync(DATA_TEMPLATE_ARCHIVE).size} bytes.`);
}
