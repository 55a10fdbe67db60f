import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ENGINES, freshDir, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { runCspr } from '../../../test/support/cli.ts';

const cspr = (env: Record<string, string>, ...argv: string[]) => runCspr(argv, env);
import { addPartnership } from '../../features/partnerships/service.ts';
import { openDatabase } from '../../platform/db/database.ts';
import { renderImageOnlyPdf, renderReportPdf } from '../../platform/documents/generate-pdf.ts';
import { buildDocx, buildPdfWithOpenActionScript, buildZipBombDocx } from '../../platform/documents/test-fixtures.ts';
import { main } from '../main.ts';

const HEADER = 'file,title,partnership,published_on,review_type,themes,summary';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each(ENGINES)('cspr import on %s', (engine) => {
  let t: TestDatabase;
  let env: Record<string, string>;
  let dataDir: string;
  let folder: string;
  let good: Buffer;
  let word: Buffer;

  beforeAll(async () => {
    t = await openTestDatabase(engine);
    await addPartnership(t.database.db, { slug: 'northmoor', name: 'Northmoor Safeguarding Children Partnership' });
    // The command opens the data folder itself: the embedded engine allows one process at a time.
    await t.database.close();
    dataDir = engine === 'embedded' ? t.dataDir : freshDir('cli-import');
    env = engine === 'embedded' ? { DATA_DIR: dataDir } : { DATABASE_URL: t.url as string, DATA_DIR: dataDir };

    folder = freshDir('manifest');
    fs.mkdirSync(path.join(folder, '2019'));
    good = await renderReportPdf({ title: 'Child L (fictional)', pages: ['Child L was not seen alone.', 'Agencies did not share what they knew about the lodger.'] });
    word = buildDocx(['Child K (fictional) was known to the school nurse.', 'The review found good practice in the school.']);
    fs.writeFileSync(path.join(folder, '2019', 'child-l.pdf'), good);
    fs.writeFileSync(path.join(folder, 'copy-of-child-l.pdf'), good);
    fs.writeFileSync(path.join(folder, 'child-k.docx'), word);
    fs.writeFileSync(path.join(folder, 'damaged.pdf'), good.subarray(0, Math.floor(good.length / 2)));
    fs.writeFileSync(path.join(folder, 'scanned.pdf'), await renderImageOnlyPdf(3));
    fs.writeFileSync(
      path.join(folder, 'manifest.csv'),
      [
        HEADER,
        '2019/child-l.pdf,"Child L, a serious case review",northmoor,2019-03-14,scr,"Neglect;information-sharing","What happened to Child L, and what agencies learned."',
        'copy-of-child-l.pdf,The same report again,northmoor,2019-03-14,scr,neglect,A copy.',
        'damaged.pdf,Damaged,northmoor,2020-01-10,local-cspr,neglect,A damaged file.',
        'scanned.pdf,Scanned,northmoor,2020-02-10,local-cspr,,A scanned report.',
        'child-k.docx,Child K,NORTHMOOR,2021-06-01,Thematic review,Voice of the child,"Child K\'s review, in Word."',
        '../outside.pdf,Outside,northmoor,2021-06-01,thematic,,Refused.',
      ].join('\n'),
    );
  }, 60_000);
  afterAll(async () => {
    await t.drop();
  });

  it('imports the good files, reports each file, fails the run and leaves nothing of the failed files', async () => {
    const run = await cspr(env, 'import', '--manifest', path.join(folder, 'manifest.csv'));
    expect(run.code).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe('Imported 2, already imported 1, failed 3 (of 6 in the manifest).');
    expect(lines[1]).toMatch(/^ {2}imported {10}2019\/child-l\.pdf \(2 pages\) → \/reviews\/2019-child-l-a-serious-case-review$/);
    expect(lines[2]).toBe('  already imported  copy-of-child-l.pdf (as /reviews/2019-child-l-a-serious-case-review)');
    expect(lines[3]).toMatch(/^ {2}failed {12}damaged\.pdf \(line 4\): the file is damaged or not a PDF/);
    expect(lines[4]).toMatch(/^ {2}failed {12}scanned\.pdf \(line 5\): no extractable text on pages 1–3: scanned images need OCR first/);
    expect(lines[5]).toMatch(/^ {2}imported {10}child-k\.docx \(1 page\) → \/reviews\/2021-child-k$/);
    expect(lines[6]).toMatch(/^ {2}failed {12}\.\.\/outside\.pdf \(line 7\): the file '\.\.\/outside\.pdf' must be in the manifest's folder or below it/);
    // Not a terminal: one progress line per file on stderr.
    expect(run.stderr).toContain('1/5 imported: 2019/child-l.pdf');
    expect(run.stderr).toContain('3/5 failed: damaged.pdf');

    const database = await openDatabase({ dataDir, databaseUrl: t.url });
    try {
      const rows = await database.db.selectFrom('publications').select(['slug', 'source', 'themes', 'review_type', 'page_count', 'file_sha256', 'file_name']).orderBy('published_on').execute();
      expect(rows).toEqual([
        { slug: '2019-child-l-a-serious-case-review', source: 'import', themes: ['neglect', 'information-sharing'], review_type: 'scr', page_count: 2, file_sha256: sha(good), file_name: 'child-l.pdf' },
        { slug: '2021-child-k', source: 'import', themes: ['voice-of-the-child'], review_type: 'thematic', page_count: 1, file_sha256: sha(word), file_name: 'child-k.docx' },
      ]);
      const pages = await database.db
        .selectFrom('publication_chunks as c')
        .innerJoin('publications as p', 'p.id', 'c.publication_id')
        .select(['p.slug', 'c.page', 'c.body'])
        .where('c.kind', '=', 'page')
        .orderBy('p.published_on')
        .orderBy('c.page')
        .execute();
      expect(pages).toEqual([
        { slug: '2019-child-l-a-serious-case-review', page: 1, body: 'Child L (fictional)\nChild L was not seen alone.' },
        { slug: '2019-child-l-a-serious-case-review', page: 2, body: 'Agencies did not share what they knew about the lodger.' },
        { slug: '2021-child-k', page: 1, body: 'Child K (fictional) was known to the school nurse.\n\nThe review found good practice in the school.' },
      ]);
      // Only the two imported files are stored, in the file store, plain (they are published).
      const stored = await database.db.selectFrom('stored_files').select(['sha256', 'data_key_enc']).orderBy('sha256').execute();
      expect(stored).toEqual([sha(good), sha(word)].sort().map((sha256) => ({ sha256, data_key_enc: null })));
    } finally {
      await database.close();
    }

    // Again: everything good is already there, nothing is added.
    const again = await cspr(env, 'import', '--manifest', path.join(folder, 'manifest.csv'));
    expect(again.code).toBe(1);
    expect(again.stdout.split('\n')[0]).toBe('Imported 0, already imported 3, failed 3 (of 6 in the manifest).');
  }, 120_000);

  it('refuses symbolic links out of the folder, anything but a regular file, and files that are hostile, leaving nothing behind', async () => {
    const outside = freshDir('outside');
    const secret = await renderReportPdf({ title: 'Not for publication (fictional)', pages: ['A file outside the manifest folder.'] });
    fs.writeFileSync(path.join(outside, 'secret.pdf'), secret);
    const hostile = freshDir('hostile');
    fs.symlinkSync(path.join(outside, 'secret.pdf'), path.join(hostile, 'linked.pdf'));
    fs.symlinkSync(outside, path.join(hostile, 'linked-folder'));
    // A link that stays inside the folder is refused too: the file itself must be named.
    fs.writeFileSync(path.join(hostile, 'inside.pdf'), secret);
    fs.symlinkSync(path.join(hostile, 'inside.pdf'), path.join(hostile, 'inside-link.pdf'));
    fs.mkdirSync(path.join(hostile, 'folder.pdf'));
    execFileSync('mkfifo', [path.join(hostile, 'pipe.pdf')]);
    fs.writeFileSync(path.join(hostile, 'script.pdf'), await buildPdfWithOpenActionScript());
    fs.writeFileSync(path.join(hostile, 'bomb.docx'), buildZipBombDocx(1024));
    const row = (file: string) => `${file},Hostile ${file},northmoor,2022-01-10,local-cspr,,Refused.`;
    const files = ['linked.pdf', 'linked-folder/secret.pdf', 'inside-link.pdf', 'folder.pdf', 'pipe.pdf', 'script.pdf', 'bomb.docx'];
    fs.writeFileSync(path.join(hostile, 'manifest.csv'), [HEADER, ...files.map(row)].join('\n'));

    const run = await cspr(env, 'import', '--manifest', path.join(hostile, 'manifest.csv'));
    expect(run.code).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe('Imported 0, already imported 0, failed 7 (of 7 in the manifest).');
    expect(lines.slice(1)).toEqual([
      "  failed            linked.pdf (line 2): the file is a symbolic link: only files inside the manifest's folder are imported, so copy the file there",
      "  failed            linked-folder/secret.pdf (line 3): the file is outside the manifest's folder (through a symbolic link): only files inside the folder are imported, so copy the file there",
      "  failed            inside-link.pdf (line 4): the file is a symbolic link: only files inside the manifest's folder are imported, so copy the file there",
      '  failed            folder.pdf (line 5): it is not a regular file (a folder, device or pipe)',
      '  failed            pipe.pdf (line 6): it is not a regular file (a folder, device or pipe)',
      expect.stringMatching(/^ {2}failed {12}script\.pdf \(line 7\): the PDF carries active content \(JavaScript\) that a reader could run or open by itself: print it to a new PDF/),
      expect.stringMatching(/^ {2}failed {12}bomb\.docx \(line 8\): the Word document would expand to more than 100 MB when opened .*\(a "zip bomb"\)/),
    ]);
    const database = await openDatabase({ dataDir, databaseUrl: t.url });
    try {
      const titles = await database.db.selectFrom('publications').select('title').where('title', 'like', 'Hostile%').execute();
      expect(titles).toEqual([]);
      // The file outside the folder was not kept either.
      const kept = await database.db.selectFrom('stored_files').select('sha256').where('sha256', '=', sha(secret)).execute();
      expect(kept).toEqual([]);
    } finally {
      await database.close();
    }
  }, 120_000);

  it('is lenient with names: common review type names, labels in any case; unknown themes refused with a suggestion, added or left out on request', async () => {
    const lenient = freshDir('lenient');
    for (const [name, title] of [['m.pdf', 'Child M (fictional)'], ['n.pdf', 'Child N (fictional)']]) {
      fs.writeFileSync(path.join(lenient, name), await renderReportPdf({ title, pages: [`${title} was known to the health visitor.`] }));
    }
    const manifest = (rows: string[]) => {
      fs.writeFileSync(path.join(lenient, 'manifest.csv'), [HEADER, ...rows].join('\n'));
      return path.join(lenient, 'manifest.csv');
    };
    const m = 'm.pdf,Child M,northmoor,2018-05-01,Serious case review,"NEGLECT;Neglekted babies",What happened to Child M.';
    const refused = await cspr(env, 'import', '--manifest', manifest([m]));
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain("there is no theme 'Neglekted babies'");
    await expect(cspr(env, 'import', '--manifest', manifest([m]), '--add-themes', '--without-unknown-themes')).resolves.toMatchObject({ code: 2 });

    const without = await cspr(env, 'import', '--manifest', manifest([m]), '--without-unknown-themes');
    expect(without.code).toBe(0);
    expect(without.stdout).toContain('1 report was imported without themes the vocabulary does not hold (see below).');
    expect(without.stdout).toMatch(/imported {10}m\.pdf \(1 page\) → \/reviews\/2018-child-m; without the theme 'Neglekted babies', not in the vocabulary/);

    const n = 'n.pdf,Child N,northmoor,2022-05-01,LCSPR,"Neglect;Cost of living pressures",What happened to Child N.';
    const added = await cspr(env, 'import', '--manifest', manifest([n]), '--add-themes');
    expect(added.code).toBe(0);
    expect(added.stdout).toContain('Added the theme: Cost of living pressures.');
    const database = await openDatabase({ dataDir, databaseUrl: t.url });
    try {
      const rows = await database.db.selectFrom('publications').select(['slug', 'review_type', 'themes']).where('slug', 'in', ['2018-child-m', '2022-child-n']).orderBy('slug').execute();
      expect(rows).toEqual([
        { slug: '2018-child-m', review_type: 'scr', themes: ['neglect'] },
        { slug: '2022-child-n', review_type: 'local-cspr', themes: ['neglect', 'cost-of-living-pressures'] },
      ]);
      expect(await database.db.selectFrom('themes').select(['key', 'label']).where('key', '=', 'cost-of-living-pressures').execute()).toEqual([{ key: 'cost-of-living-pressures', label: 'Cost of living pressures' }]);
      const audit = await database.db.selectFrom('audit_events').select(['action', 'record_id']).where('action', '=', 'theme-added').execute();
      expect(audit).toEqual([{ action: 'theme-added', record_id: 'cost-of-living-pressures' }]);
    } finally {
      await database.close();
    }
  }, 120_000);

  it('refuses a missing option, an unreadable manifest and a wrong header', async () => {
    // In this process: only the output matters here.
    const run = async (...argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      for (const [k, v] of Object.entries({ LOG_LEVEL: 'silent', DATABASE_URL: undefined, ...env })) vi.stubEnv(k, v);
      try {
        const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
        return { code, stdout: out.join('\n'), stderr: err.join('\n') };
      } finally {
        vi.unstubAllEnvs();
      }
    };
    const none = await run('import');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('cspr import: Missing --manifest FILE.csv or --recommendations FILE.csv|FILE.xlsx.');
    const missing = await run('import', '--manifest', path.join(folder, 'nothing.csv'));
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot read the manifest') });
    const notAFile = await run('import', '--manifest', path.join(folder, '2019'));
    expect(notAFile).toMatchObject({ code: 1, stderr: expect.stringContaining('must be a regular file of at most 10 MB') });
    fs.writeFileSync(path.join(folder, 'bad.csv'), 'file,name\nx.pdf,y\n');
    const bad = await run('import', '--manifest', path.join(folder, 'bad.csv'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("cspr import: The manifest's header must name the columns");
  }, 60_000);
});
