import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freshDir } from '../../../test/support/database.ts';
import { schemaFingerprint, writtenAt } from '../../../test/support/schema-fingerprint.ts';
import { openDatabase, type Database } from './database.ts';
import { chooseTemplate, DATA_TEMPLATE_ARCHIVE, DATA_TEMPLATE_DIR, finishTemplateDatabase, installedPgliteVersion, migrationFiles, readTemplateManifest, TEMPLATE_MADE_TABLE, templateRefusal, type TemplateManifest } from './data-template.ts';
import { listMigrations, migrate } from './migrate.ts';
import { sha256 } from '../auth/secrets.ts';

const files = [
  { name: '0001_a', sha256: 'aa' },
  { name: '0002_b', sha256: 'bb' },
  { name: '0003_c', sha256: 'cc' },
];
const manifest = (migrations: TemplateManifest['migrations'], pglite = '1.0.0'): TemplateManifest => ({ pglite, archive: 'x', migrations });

describe('when a data template may make a new database', () => {
  it('may when its migrations are the folder’s first ones, unchanged, made by the PGlite installed', () => {
    expect(templateRefusal(manifest(files), files, '1.0.0')).toBeNull();
    expect(templateRefusal(manifest(files.slice(0, 2)), files, '1.0.0')).toBeNull();
    expect(templateRefusal(manifest([]), files, '1.0.0')).toBeNull();
  });

  it('may not when another PGlite made it (a data folder is the engine’s own format)', () => {
    expect(templateRefusal(manifest(files, '0.9.0'), files, '1.0.0')).toBe('it was made by PGlite 0.9.0, not 1.0.0');
  });

  it('may not when one of its migrations has changed, gone, or is in another place', () => {
    expect(templateRefusal(manifest([files[0], { name: '0002_b', sha256: 'old' }]), files, '1.0.0')).toBe('migration 0002_b has changed since it was made');
    expect(templateRefusal(manifest([files[0], files[2]]), files, '1.0.0')).toBe('its migration 2 is 0003_c, but the folder’s is 0002_b');
    expect(templateRefusal(manifest(files), files.slice(0, 2), '1.0.0')).toBe('it holds 3 migrations, more than the 2 in the migrations folder');
  });
});

describe('the data template shipped in migrations/embedded-template', () => {
  const opened: Database[] = [];
  afterAll(async () => {
    for (const d of opened) await d.close();
  });

  it('can make a new database here (after changing a migration it holds, run npm run build:data-template)', () => {
    const shipped = readTemplateManifest();
    expect(shipped).not.toBeNull();
    expect(templateRefusal(shipped!, migrationFiles(), installedPgliteVersion())).toBeNull();
    expect(sha256(fs.readFileSync(DATA_TEMPLATE_ARCHIVE))).toBe(shipped!.archive);
    expect(shipped!.migrations.length).toBeGreaterThan(0);
  });

  it('makes a database the same as one created afresh and migrated, in its catalogue and its rows', async () => {
    const shipped = readTemplateManifest()!;
    const began = new Date();
    const afresh = await openDatabase({ dataDir: freshDir('afresh'), fromTemplate: false });
    opened.push(afresh);
    const fromTemplate = await openDatabase({ dataDir: freshDir('templated') });
    opened.push(fromTemplate);
    // The migrations run on each show which way each was made.
    expect(await migrate(afresh)).toEqual(listMigrations().map((m) => m.name));
    expect(await migrate(fromTemplate)).toEqual(listMigrations().slice(shipped.migrations.length).map((m) => m.name));
    // The search's change counter is a clock reading, and differs by nature (when each row was written is left out too, and checked below).
    const volatile = { search_version: ['version'] };
    const expected = await schemaFingerprint(afresh.pool, volatile);
    expect(expected.functions.length).toBeGreaterThan(15);
    expect(expected.policies.length).toBeGreaterThan(10);
    expect(expected.rows.find((r) => r.startsWith('clock_rules '))).not.toMatch(/^clock_rules 0 /);
    // The one difference, on purpose: the template holds only the service's database (build-data-template.ts).
    const templated = await schemaFingerprint(fromTemplate.pool, volatile);
    expect(templated.databases).toEqual(expected.databases.filter((d) => d.startsWith('postgres ')));
    expect(expected.databases.map((d) => d.split(' ')[0])).toEqual(['postgres', 'template0', 'template1']);
    expect({ ...templated, databases: expected.databases }).toEqual(expected);
    // Its rows were written, as far as anyone can see, when it was made: none bears the template's own time.
    const written = await writtenAt(fromTemplate.pool);
    expect(written.rows).toBeGreaterThan(100);
    expect(written.earliest!.getTime()).toBeGreaterThanOrEqual(began.getTime() - 1);
    expect((await writtenAt(afresh.pool)).rows).toBe(written.rows);
    const counter = await fromTemplate.pool.query<{ version: number }>('select version from search_version');
    expect(counter.rows[0].version).toBeGreaterThanOrEqual(began.getTime() * 1000);
    expect((await fromTemplate.pool.query(`select to_regclass('public.${TEMPLATE_MADE_TABLE}') as t`)).rows[0].t).toBeNull();
    // The comparison sees a difference a template could hide: one function more.
    await fromTemplate.pool.query(`create function cspr_extra() returns int language sql as 'select 1'`);
    expect((await schemaFingerprint(fromTemplate.pool, volatile)).functions).not.toEqual(expected.functions);
    await fromTemplate.pool.query(`drop function cspr_extra()`);
    await fromTemplate.pool.query(`update themes set label = label || '.' where key = (select min(key) from themes)`);
    expect((await schemaFingerprint(fromTemplate.pool, volatile)).rows).not.toEqual(expected.rows);
  }, 120_000);

  it('finishes a database made from an older template, and says so when its record of making is damaged', async () => {
    const database = await openDatabase({ dataDir: freshDir('older') });
    opened.push(database);
    await migrate(database);
    const pool = database.pool;
    // As a template made before migration 0046 would be: no search counter yet, its record of making still there.
    await pool.query('alter table search_version rename to search_version_aside');
    await pool.query(`create table ${TEMPLATE_MADE_TABLE} (made_from timestamptz not null, made_until timestamptz not null, columns jsonb not null)`);
    await pool.query(`insert into ${TEMPLATE_MADE_TABLE} values (now() - interval '1 hour', now(), '[["themes", "created_at"]]')`);
    await pool.query(`update themes set created_at = now() - interval '30 minutes'`);
    expect(await finishTemplateDatabase(pool)).toBe(true);
    expect((await pool.query(`select to_regclass('public.${TEMPLATE_MADE_TABLE}') as t`)).rows[0].t).toBeNull();
    const stale = await pool.query(`select count(*)::int as n from themes where created_at < now() - interval '1 minute'`);
    expect(stale.rows[0].n).toBe(0);
    await pool.query('alter table search_version_aside rename to search_version');
    // A record without its row: a clear error, and the database as it was.
    await pool.query(`create table ${TEMPLATE_MADE_TABLE} (made_from timestamptz not null, made_until timestamptz not null, columns jsonb not null)`);
    await expect(finishTemplateDatabase(pool)).rejects.toThrow(/should hold one row, not 0/);
    expect((await pool.query(`select to_regclass('public.${TEMPLATE_MADE_TABLE}')::text as t`)).rows[0].t).toBe(TEMPLATE_MADE_TABLE);
    expect(await finishTemplateDatabase(pool).catch(() => 'refused')).toBe('refused');
    await pool.query(`drop table ${TEMPLATE_MADE_TABLE}`);
    expect(await finishTemplateDatabase(pool)).toBe(false);
  });

  it('leaves an existing folder for the database (perhaps a mount point) to PGlite, and clears what an interrupted unpacking left', async () => {
    const dataDir = freshDir('mounted');
    fs.mkdirSync(path.join(dataDir, 'pgdata'));
    fs.mkdirSync(path.join(dataDir, 'pgdata.unpacking'));
    fs.writeFileSync(path.join(dataDir, 'pgdata.unpacking', 'PG_VERSION'), '18\n');
    const database = await openDatabase({ dataDir });
    opened.push(database);
    // Created afresh, so every migration is still to apply.
    expect(await migrate(database)).toEqual(listMigrations().map((m) => m.name));
    expect(fs.readdirSync(dataDir)).not.toContain('pgdata.unpacking');
  }, 60_000);

  it('says why, when a new database cannot be made from the template, and creates it afresh', async () => {
    expect(chooseTemplate().refusal).toBeNull();
    const copy = (name: string, change: (dir: string) => void) => {
      const dir = freshDir(name);
      for (const f of fs.readdirSync(DATA_TEMPLATE_DIR)) fs.copyFileSync(path.join(DATA_TEMPLATE_DIR, f), path.join(dir, f));
      change(dir);
      return dir;
    };
    const shipped = readTemplateManifest()!;
    const otherEngine = copy('template-other-engine', (dir) => fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...shipped, pglite: '0.0.1' })));
    const damaged = copy('template-damaged', (dir) => fs.appendFileSync(path.join(dir, 'pgdata.tar.br'), 'x'));
    const none = freshDir('template-none');
    expect(chooseTemplate(otherEngine)).toEqual({ archive: null, refusal: `it was made by PGlite 0.0.1, not ${installedPgliteVersion()}` });
    expect(chooseTemplate(damaged)).toEqual({ archive: null, refusal: 'its archive is not the one its manifest names (damaged or replaced)' });
    expect(chooseTemplate(none)).toEqual({ archive: null, refusal: 'there is none in migrations/embedded-template' });

    const database = await openDatabase({ dataDir: freshDir('refused'), templateDir: otherEngine });
    opened.push(database);
    expect(database.notice).toBe(
      `The new embedded database was created without the data template, because it was made by PGlite 0.0.1, not ${installedPgliteVersion()}; this takes a few seconds more. \`npm run build:data-template\` makes the template again.`,
    );
    expect(await migrate(database)).toEqual(listMigrations().map((m) => m.name));
    // Nothing to say when the template was used, or when the database was already there.
    const templated = await openDatabase({ dataDir: freshDir('not-refused') });
    opened.push(templated);
    expect(templated.notice).toBeUndefined();
    const again = freshDir('reopened');
    await (await openDatabase({ dataDir: again, templateDir: damaged })).close();
    const reopened = await openDatabase({ dataDir: again, templateDir: damaged });
    opened.push(reopened);
    expect(reopened.notice).toBeUndefined();
  }, 120_000);

  it('leaves the new data folder private to the service user', async () => {
    const dataDir = path.join(freshDir('private'), 'data');
    const database = await openDatabase({ dataDir });
    opened.push(database);
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dataDir, 'pgdata')).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dataDir, 'pgdata', 'PG_VERSION')).mode & 0o777).toBe(0o600);
  });
});
