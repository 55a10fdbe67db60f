import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { importReport, IMPORT_MAX_BYTES, type ImportOutcome } from '../../features/publications/import.ts';
import { ManifestError, parseManifest, type ManifestRow, type UnknownThemes } from '../../features/publications/manifest.ts';
import { addTheme, ThemeError } from '../../features/publications/themes.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { documentWorkersFor, type DocumentWorkers } from '../../platform/documents/document-workers.ts';
import { parseCommandArgs, UsageError, type Command, type Output } from '../command.ts';
import { withDatabase } from '../runtime.ts';
import { importRecommendations } from './import-recommendations.ts';
import type { FileStore } from '../../platform/storage/file-store.ts';

type Line = { file: string; line: number; outcome: ImportOutcome; notes?: string[] };

/** Far more than a manifest of every report a partnership has published. */
const MANIFEST_MAX_BYTES = 10 * 1024 * 1024;

const WORDS: Record<ImportOutcome['status'], string> = { imported: 'imported', 'already-imported': 'already imported', failed: 'failed' };

/** Progress on the terminal: a bar redrawn in place when stderr is a terminal, else one line per file. */
function progress(io: Output, total: number) {
  const tty = process.stderr.isTTY === true;
  let done = 0;
  return {
    step(file: string, outcome: ImportOutcome) {
      done++;
      if (tty) {
        const width = 30;
        const filled = Math.round((done / total) * width);
        const name = file.length > 40 ? `…${file.slice(-39)}` : file;
        process.stderr.write(`\r\x1b[2K[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${name}`);
        if (done === total) process.stderr.write('\n');
      } else {
        io.err(`${done}/${total} ${WORDS[outcome.status]}: ${file}`);
      }
    },
  };
}

function describe(l: Line): string {
  const o = l.outcome;
  const notes = l.notes?.length ? `; ${l.notes.join('; ')}` : '';
  if (o.status === 'imported') {
    const blank = o.pagesWithoutText.length ? `, ${o.pagesWithoutText.length} without text` : '';
    return `  imported          ${l.file} (${o.pages} ${o.pages === 1 ? 'page' : 'pages'}${blank}) → /reviews/${o.slug}${notes}`;
  }
  if (o.status === 'already-imported') return `  already imported  ${l.file} (as /reviews/${o.slug})`;
  return `  failed            ${l.file}${l.line ? ` (line ${l.line})` : ''}: ${o.reason}`;
}

export const importCommand: Command = {
  name: 'import',
  summary: 'Import published reports (PDF or .docx) from a CSV manifest, or a recommendation tracker (CSV or XLSX).',
  usage:
    'cspr import --manifest FILE.csv [--add-themes | --without-unknown-themes]   (columns: file,title,partnership,published_on,review_type,themes,summary)\n' +
    '  A theme the vocabulary does not hold fails its row (the closest theme is suggested), unless\n' +
    '  --add-themes adds it to the vocabulary, or --without-unknown-themes imports the row without it.\n' +
    'cspr import --recommendations FILE.csv|FILE.xlsx [--partnership SLUG]   (columns: review,number,text,agencies\n' +
    '  and optionally themes,response,reasons,made_on,action,owner_agency,lead,due_on,status,measure,evidence)\n' +
    '  Every row is checked first: one bad row is reported with its line and nothing is imported.\n' +
    '  Importing the same rows again adds nothing twice.',
  async run(argv, io) {
    const { values } = parseCommandArgs(
      argv,
      { manifest: { type: 'string' }, recommendations: { type: 'string' }, partnership: { type: 'string' }, 'add-themes': { type: 'boolean' }, 'without-unknown-themes': { type: 'boolean' } },
      { min: 0, max: 0, names: '' },
    );
    if (values.recommendations !== undefined) {
      if (values.manifest || values['add-themes'] || values['without-unknown-themes']) throw new UsageError('--recommendations imports a tracker on its own: leave out --manifest and its options.');
      return importRecommendations(values.recommendations, values.partnership, io);
    }
    if (values.partnership !== undefined) throw new UsageError('--partnership goes with --recommendations.');
    if (!values.manifest) throw new UsageError('Missing --manifest FILE.csv or --recommendations FILE.csv|FILE.xlsx.');
    if (values['add-themes'] && values['without-unknown-themes']) throw new UsageError('Choose one of --add-themes and --without-unknown-themes.');
    const unknownThemes: UnknownThemes = values['add-themes'] ? 'add' : values['without-unknown-themes'] ? 'drop' : 'refuse';
    const manifestPath = path.resolve(values.manifest);
    let text: string;
    try {
      // A regular file of a sensible size: a pipe or device could block or never end.
      const stat = fs.statSync(manifestPath);
      if (!stat.isFile() || stat.size > MANIFEST_MAX_BYTES) {
        io.err(`cspr import: the manifest ${values.manifest} must be a regular file of at most ${MANIFEST_MAX_BYTES / 1024 / 1024} MB.`);
        return 1;
      }
      text = fs.readFileSync(manifestPath, 'utf8');
    } catch (err) {
      io.err(`cspr import: cannot read the manifest ${values.manifest} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
      return 1;
    }
    const folder = path.dirname(manifestPath);

    return withDatabase(async (database, config, _cipher, files) => {
      const db = database.db;
      const partnerships = await db.selectFrom('partnerships').select(['id', 'slug']).execute();
      const themes = await db.selectFrom('themes').select(['key', 'label', 'retired']).execute();
      let manifest;
      try {
        manifest = parseManifest(text, { partnerships, themes }, { unknownThemes });
      } catch (err) {
        if (err instanceof ManifestError) {
          io.err(`cspr import: ${err.message}`);
          return 1;
        }
        throw err;
      }
      const lines: Line[] = manifest.problems.map((p) => ({ file: p.file || '(no file)', line: p.line, outcome: { status: 'failed', reason: p.message } }));
      // Themes the manifest names that the vocabulary lacks, added once each (--add-themes), audited.
      const added: string[] = [];
      for (const theme of [...new Map(manifest.rows.flatMap((r) => r.newThemes).map((t) => [t.key, t])).values()]) {
        try {
          await inTransaction(db, async (trx) => {
            const created = await addTheme(trx, theme.label);
            await recordAudit(trx, { actor: null, action: 'theme-added', recordType: 'theme', recordId: created.key, changes: { after: created, via: 'cspr import' } });
          });
          added.push(theme.label);
        } catch (err) {
          if (!(err instanceof ThemeError)) throw err;
          // Its rows fail below: the theme they need is not there.
          for (const row of manifest.rows.filter((r) => r.newThemes.some((t) => t.key === theme.key))) {
            lines.push({ file: row.file, line: row.line, outcome: { status: 'failed', reason: `the theme '${theme.label}' could not be added: ${err.message}` } });
          }
          manifest.rows = manifest.rows.filter((r) => !r.newThemes.some((t) => t.key === theme.key));
        }
      }
      const bar = progress(io, manifest.rows.length);
      const documents = documentWorkersFor(config);
      try {
        const realFolder = fs.realpathSync(folder);
        for (const row of manifest.rows) {
          const outcome = await importRow(db, files, documents, realFolder, row);
          lines.push({ file: row.file, line: row.line, outcome, notes: row.notes });
          bar.step(row.file, outcome);
        }
      } finally {
        await documents.close();
      }
      lines.sort((a, b) => a.line - b.line);

      const count = (s: ImportOutcome['status']) => lines.filter((l) => l.outcome.status === s).length;
      // The embedded engine has no autovacuum: fresh statistics keep search fast after a bulk load.
      if (database.engine === 'embedded' && count('imported') > 0) await sql`vacuum analyze publications, publication_chunks`.execute(db);

      io.out(`Imported ${count('imported')}, already imported ${count('already-imported')}, failed ${count('failed')} (of ${lines.length} in the manifest).`);
      if (added.length > 0) io.out(`Added ${added.length === 1 ? 'the theme' : `${added.length} themes`}: ${added.join(', ')}.`);
      const left = lines.filter((l) => l.outcome.status === 'imported' && l.notes?.some((n) => n.startsWith('without'))).length;
      if (left > 0) io.out(`${left} ${left === 1 ? 'report was' : 'reports were'} imported without themes the vocabulary does not hold (see below).`);
      for (const l of lines) io.out(describe(l));
      return count('failed') > 0 ? 1 : 0;
    });
  },
};

type Read = { bytes: Buffer } | { problem: string };

/**
 * The bytes of a file the manifest names, only if it is a regular file inside the manifest's
 * folder: a symbolic link (to a file, or through a linked folder) could publish any file the
 * importing account can read, and a pipe or device could block the import or never end. The file
 * is opened without following a final link and without waiting on a pipe; what was opened is
 * then checked (a regular file, its real path inside the folder, and the same file as that path),
 * so the file cannot be swapped between the check and the read. Its size is checked before it is
 * read.
 */
function readManifestFile(realFolder: string, relative: string): Read {
  const file = path.resolve(realFolder, relative);
  let fd: number;
  try {
    const stat = fs.lstatSync(file);
    if (stat.isSymbolicLink()) return { problem: 'the file is a symbolic link: only files inside the manifest\'s folder are imported, so copy the file there' };
    if (!stat.isFile()) return { problem: 'it is not a regular file (a folder, device or pipe)' };
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { problem: 'there is no such file' };
    if (code === 'ELOOP') return { problem: 'the file is a symbolic link: only files inside the manifest\'s folder are imported, so copy the file there' };
    return { problem: `the file cannot be read (${code ?? 'error'})` };
  }
  try {
    const opened = fs.fstatSync(fd);
    if (!opened.isFile()) return { problem: 'it is not a regular file (a folder, device or pipe)' };
    const real = fs.realpathSync(file);
    const named = fs.statSync(real);
    if (!real.startsWith(realFolder + path.sep) || named.ino !== opened.ino || named.dev !== opened.dev) {
      return { problem: 'the file is outside the manifest\'s folder (through a symbolic link): only files inside the folder are imported, so copy the file there' };
    }
    if (opened.size > IMPORT_MAX_BYTES) return { problem: `the file is larger than ${IMPORT_MAX_BYTES / 1024 / 1024} MB` };
    return { bytes: fs.readFileSync(fd) };
  } catch (err) {
    return { problem: `the file cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  } finally {
    fs.closeSync(fd);
  }
}

async function importRow(db: Parameters<typeof importReport>[0], files: FileStore, documents: DocumentWorkers, realFolder: string, row: ManifestRow): Promise<ImportOutcome> {
  const read = readManifestFile(realFolder, row.file);
  if ('problem' in read) return { status: 'failed', reason: read.problem };
  const request = { partnershipId: row.partnershipId, title: row.title, summary: row.summary, reviewType: row.reviewType, themes: row.themes, publishedOn: row.publishedOn };
  return importReport(db, files, { ...request, file: { name: path.basename(row.file), bytes: read.bytes } }, documents, (trx, imported) =>
    recordAudit(trx, {
      actor: null,
      action: 'publication-imported',
      partnershipId: row.partnershipId,
      recordType: 'publication',
      recordId: imported.id,
      changes: { after: { slug: imported.slug, title: row.title, publishedOn: row.publishedOn, reviewType: row.reviewType, themes: row.themes, pages: imported.pages }, via: 'cspr import' },
    }),
  );
}
