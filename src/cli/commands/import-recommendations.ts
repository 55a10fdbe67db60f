import fs from 'node:fs';
import path from 'node:path';
import { recordAudit } from '../../platform/audit/audit.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import type { TrackerProblem } from '../../domain/learning/tracker.ts';
import { checkTrackerFile, storeTracker, TRACKER_MAX_BYTES, TrackerRefused, rowsWithProblems, type TrackerCounts } from '../../features/learning/tracker-import.ts';
import type { Output } from '../command.ts';
import { withDatabase } from '../runtime.ts';
import { documentWorkersFor } from '../../platform/documents/document-workers.ts';

/** The counts of an import, in one sentence (the upload page says the same). */
export function trackerSummary(c: TrackerCounts): string {
  return (
    `Read ${c.rows} ${c.rows === 1 ? 'row' : 'rows'}: added ${c.recommendationsAdded} ${c.recommendationsAdded === 1 ? 'recommendation' : 'recommendations'} ` +
    `(${c.recommendationsAlready} already there) and ${c.actionsAdded} ${c.actionsAdded === 1 ? 'action' : 'actions'} (${c.actionsAlready} already there).`
  );
}

/**
 * `cspr import --recommendations FILE.csv|FILE.xlsx [--partnership SLUG]`: a partnership's
 * recommendation and action tracker. Every row is checked first; if any row has a problem, each
 * is printed with its line and nothing is imported (exit 1). `--partnership` limits the reviews
 * the rows may name to one partnership's.
 */
export async function importRecommendations(file: string, partnershipSlug: string | undefined, io: Output): Promise<number> {
  const full = path.resolve(file);
  let bytes: Buffer;
  try {
    // A regular file of a sensible size: a pipe or device could block or never end.
    const stat = fs.statSync(full);
    if (!stat.isFile() || stat.size > TRACKER_MAX_BYTES) {
      io.err(`cspr import: the tracker ${file} must be a regular file of at most ${TRACKER_MAX_BYTES / 1024 / 1024} MB.`);
      return 1;
    }
    bytes = fs.readFileSync(full);
  } catch (err) {
    io.err(`cspr import: cannot read the tracker ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
    return 1;
  }
  return withDatabase(async (database, config, cipher) => {
    const db = database.db;
    let scope: 'all' | string[] = 'all';
    if (partnershipSlug !== undefined) {
      const p = await db.selectFrom('partnerships').select('id').where('slug', '=', partnershipSlug.toLowerCase()).executeTakeFirst();
      if (!p) {
        io.err(`cspr import: there is no partnership '${partnershipSlug}'.`);
        return 1;
      }
      scope = [p.id];
    }
    // A workbook is read by a worker thread, with the limits the service reads uploads with.
    const documents = documentWorkersFor(config);
    const checked = await checkTrackerFile(db, documents, scope, path.basename(full), bytes).finally(() => documents.close());
    const refuse = (problems: TrackerProblem[]) => {
      const rows = rowsWithProblems(problems);
      io.err(`cspr import: nothing was imported: ${rows === 1 ? 'a row has a problem' : `${rows} rows have problems`}. Correct ${rows === 1 ? 'it' : 'them'} and import the file again.`);
      for (const p of problems) io.err(p.line > 0 ? `  line ${p.line}: ${p.message}` : `  ${p.message}`);
      return 1;
    };
    if (!checked.ok) return refuse(checked.problems);
    let counts: TrackerCounts;
    try {
      counts = await inTransaction(db, (trx) => storeTracker(trx, cipher, checked, null, 'a tracker (cspr import)', (t, entry) => recordAudit(t, { ...entry, actor: null })));
    } catch (err) {
      // A new row for a case whose review is published names a detail of the case: nothing was stored.
      if (err instanceof TrackerRefused) return refuse(err.problems);
      throw err;
    }
    io.out(trackerSummary(counts));
    return 0;
  });
}
