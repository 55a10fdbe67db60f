import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { importReport, type ImportOutcome } from '../../features/publications/import.ts';
import { ManifestError, parseManifest, type ManifestRow } from '../../features/publications/manifest.ts';
import { parseCommandArgs, UsageError, type Command, type Output } from '../command.ts';
import { withDatabase } from '../runtime.ts';
import type { FileStore } from '../../platform/storage/file-store.ts';

type Line = { file: string; line: number; outcome: ImportOutcome };

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
  if (o.status === 'imported') {
    const blank = o.pagesWithoutText.length ? `, ${o.pagesWithoutText.length} without text` : '';
    return `  imported          ${l.file} (${o.pages} ${o.pages === 1 ? 'page' : 'pages'}${blank}) → /reviews/${o.slug}`;
  }
  if (o.status === 'already-imported') return `  already imported  ${l.file} (as /reviews/${o.slug})`;
  return `  failed            ${l.file}${l.line ? ` (line ${l.line})` : ''}: ${o.reason}`;
}

export const importCommand: Command = {
  name: 'import',
  summary: 'Import published reports (PDF or .docx) into the public repository, from a CSV manifest.',
  usage: 'cspr import --manifest FILE.csv   (columns: file,title,partnership,published_on,review_type,themes,summary)',
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { manifest: { type: 'string' } }, { min: 0, max: 0, names: '' });
    if (!values.manifest) throw new UsageError('Missing --manifest FILE.csv.');
    const manifestPath = path.resolve(values.manifest);
    let text: string;
    try {
      text = fs.readFileSync(manifestPath, 'utf8');
    } catch (err) {
      io.err(`cspr import: cannot read the manifest ${values.manifest} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
      return 1;
    }
    const folder = path.dirname(manifestPath);

    return withDatabase(async (database, _config, _cipher, files) => {
      const db = database.db;
      const partnerships = await db.selectFrom('partnerships').select(['id', 'slug']).execute();
      const themes = await db.selectFrom('themes').select(['key', 'label', 'retired']).execute();
      let manifest;
      try {
        manifest = parseManifest(text, { partnerships, themes });
      } catch (err) {
        if (err instanceof ManifestError) {
          io.err(`cspr import: ${err.message}`);
          return 1;
        }
        throw err;
      }
      const lines: Line[] = manifest.problems.map((p) => ({ file: p.file || '(no file)', line: p.line, outcome: { status: 'failed', reason: p.message } }));
      const bar = progress(io, manifest.rows.length);
      for (const row of manifest.rows) {
        const outcome = await importRow(db, files, folder, row);
        lines.push({ file: row.file, line: row.line, outcome });
        bar.step(row.file, outcome);
      }
      lines.sort((a, b) => a.line - b.line);

      const count = (s: ImportOutcome['status']) => lines.filter((l) => l.outcome.status === s).length;
      // The embedded engine has no autovacuum: fresh statistics keep search fast after a bulk load.
      if (database.engine === 'embedded' && count('imported') > 0) await sql`vacuum analyze publications, publication_chunks`.execute(db);

      io.out(`Imported ${count('imported')}, already imported ${count('already-imported')}, failed ${count('failed')} (of ${lines.length} in the manifest).`);
      for (const l of lines) io.out(describe(l));
      return count('failed') > 0 ? 1 : 0;
    });
  },
};

async function importRow(db: Parameters<typeof importReport>[0], files: FileStore, folder: string, row: ManifestRow): Promise<ImportOutcome> {
  const file = path.resolve(folder, row.file);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { status: 'failed', reason: code === 'ENOENT' ? 'there is no such file' : `the file cannot be read (${code ?? 'error'})` };
  }
  return importReport(db, files, {
    partnershipId: row.partnershipId,
    title: row.title,
    summary: row.summary,
    reviewType: row.reviewType,
    themes: row.themes,
    publishedOn: row.publishedOn,
    file: { name: path.basename(row.file), bytes },
  });
}
