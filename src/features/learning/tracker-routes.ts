import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TRACKER_OPTIONAL, TRACKER_REQUIRED, type TrackerProblem } from '../../domain/learning/tracker.ts';
import { partnershipsWith } from '../../platform/auth/policy.ts';
import { access } from '../../platform/http/access.ts';
import { readMultipart } from '../../platform/http/multipart-form.ts';
import { actorOf } from '../cases/request-context.ts';
import { WRITE } from './permissions.ts';
import { checkTrackerFile, storeTracker, TRACKER_MAX_BYTES, TrackerRefused, rowsWithProblems, type TrackerCounts } from './tracker-import.ts';

/**
 * The upload page for a partnership's recommendation and action tracker (CSV or XLSX), beside
 * `cspr import --recommendations`: the business unit (case:write) uploads the spreadsheet it
 * already keeps; every row is checked first, a file with any bad row is refused whole with each
 * line and what is wrong with it, and a good one is stored with an audit entry for every
 * recommendation and action added. The rows may name only the reviews of the person's own
 * partnerships. Its own plugin: the multipart parser and its limits are scoped to it.
 */

/** What each column holds, shown on the page (the same words as the command's help). */
const COLUMN_HINTS: Record<string, string> = {
  review: 'The review: its public address (as in /reviews/…), its case reference, or its exact title',
  number: 'The recommendation’s number, as in the report',
  text: 'The recommendation, as in the report',
  agencies: 'The agencies it is for, by name, separated by semicolons',
  themes: 'Themes, separated by semicolons',
  response: 'Accepted, accepted in part, or not accepted',
  reasons: 'Why it is accepted only in part, or not accepted',
  made_on: 'The date of the recommendation, if not the date the review was published or decided',
  action: 'An action: the change it is meant to bring about (one row per action, the recommendation’s columns repeated)',
  owner_agency: 'The agency that owns the action',
  lead: 'The action’s named lead',
  due_on: 'The date the action is due: a date cell, 2026-03-31 or 31/03/2026',
  status: 'Not started, in progress, completed, impact evaluated or closed',
  measure: 'How success will be measured',
  evidence: 'The evidence, for an action completed or further on',
};
const COLUMNS = [...TRACKER_REQUIRED.map((c) => ({ name: c, required: true })), ...TRACKER_OPTIONAL.map((c) => ({ name: c, required: false }))].map((c) => ({ ...c, hint: COLUMN_HINTS[c.name] }));

export async function trackerRoutes(app: FastifyInstance): Promise<void> {
  const { database, cipher } = app.deps;
  const db = database.db;
  await app.register(multipart, { throwFileSizeLimit: false, limits: { fileSize: TRACKER_MAX_BYTES, files: 1, fields: 5, fieldSize: 1_000, parts: 6 } });

  function render(reply: FastifyReply, extra: { problems?: TrackerProblem[]; fileError?: string; counts?: TrackerCounts; fileName?: string } = {}) {
    // The summary names the first rows' problems too; the table below the form lists every one.
    const rows = (extra.problems ?? []).slice(0, 10).map((p) => ({ text: `Line ${p.line}: ${p.message}`, href: '#problems' }));
    const errors = extra.fileError ? [{ text: extra.fileError, href: '#file' }, ...rows] : [];
    return reply.render('learning/views/tracker-import.njk', {
      pageTitle: extra.counts ? 'Tracker imported' : 'Import a recommendation tracker',
      columns: COLUMNS,
      maxMb: TRACKER_MAX_BYTES / 1024 / 1024,
      errors,
      fieldErrors: extra.fileError ? { file: { text: extra.fileError } } : {},
      problems: extra.problems ?? [],
      counts: extra.counts ?? null,
      fileName: extra.fileName ?? null,
    });
  }

  app.get('/recommendations/import', access(WRITE), async (_req, reply) => render(reply));

  app.post('/recommendations/import', access(WRITE, { uploads: true }), async (req: FastifyRequest, reply) => {
    if (!req.isMultipart()) return render(reply.code(415), { fileError: 'Send the form from the page: it must be sent as a file upload form' });
    const { file } = await readMultipart(req, reply);
    if (!file) return render(reply.code(422), { fileError: 'Select the tracker file' });
    if (file.truncated) return render(reply.code(422), { fileError: `The selected file must be smaller than ${TRACKER_MAX_BYTES / 1024 / 1024} MB` });
    if (file.bytes.length === 0) return render(reply.code(422), { fileError: 'The selected file is empty' });
    const scope = partnershipsWith(req.principal!, WRITE);
    const checked = await checkTrackerFile(db, app.deps.documents, scope, file.name, file.bytes);
    const single = scope !== 'all' && scope.length === 1 ? scope[0] : null;
    const refuse = async (problems: TrackerProblem[]) => {
      const whole = problems.find((p) => p.line === 0);
      const rows = rowsWithProblems(problems);
      await req.audit({ action: 'recommendations-import-refused', permission: WRITE, partnershipId: single, recordType: 'recommendations', outcome: 'failed', changes: { problems: problems.length } });
      const fileError = whole
        ? `The selected file cannot be imported: ${whole.message}`
        : `Nothing was imported: ${rows === 1 ? '1 row has a problem' : `${rows} rows have problems`}. Correct the file and upload it again`;
      return render(reply.code(422), { fileError, problems: whole ? [] : problems });
    };
    if (!checked.ok) return refuse(checked.problems);
    let counts: TrackerCounts;
    try {
      counts = await req.change(
        (trx) =>
          storeTracker(trx, cipher, checked, actorOf(req), 'a tracker (upload)', (t, e) =>
            req.audit({ action: e.action, permission: WRITE, partnershipId: e.partnershipId ?? null, recordType: e.recordType ?? undefined, recordId: e.recordId ?? undefined, changes: (e.changes ?? null) as Record<string, unknown> | null }, t),
          ),
        (c) => ({ action: 'recommendations-imported', permission: WRITE, partnershipId: single, recordType: 'recommendations', changes: { ...c } }),
      );
    } catch (err) {
      // A new row for a case whose review is published names a detail of the case: nothing was stored.
      if (err instanceof TrackerRefused) return refuse(err.problems);
      throw err;
    }
    return render(reply, { counts, fileName: file.name });
  });
}
