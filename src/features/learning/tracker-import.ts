import { sql, type Kysely } from 'kysely';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import { actionIdentity, checkTracker, type TrackerCell, type TrackerCheck, type TrackerContext, type TrackerProblem, type TrackerRecord, type TrackerRecommendation, type TrackerReview } from '../../domain/learning/tracker.ts';
import type { AuditEntry } from '../../platform/audit/audit.ts';
import { DocumentError } from '../../platform/documents/document-error.ts';
import type { DocumentWorkers } from '../../platform/documents/document-workers.ts';
import { WORKBOOK_DAMAGED_OR_TOO_LARGE, type WorkbookLimits, type WorkbookSheet } from '../../platform/documents/workbook.ts';
import { sealField, type FieldCipher } from '../../platform/crypto/field-encryption.ts';
import { withTenant, type TenantScope } from '../../platform/db/tenant.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import type { DB } from '../../platform/db/types.ts';
import type { Actor } from '../cases/service.ts';
import { actionAssigned } from '../tasks/service.ts';
import { closestTheme } from '../publications/manifest.ts';
import { readCsvFile, type CsvFile } from '../../platform/documents/csv.ts';
import { CASE_REVIEW_STATES } from './case-reviews.ts';
import { lockCaseLearning, publishedLearningProblems, recommendationTexts } from './published-learning-guard.ts';

/**
 * Bringing a partnership's recommendation and action tracker in, from the command line
 * (`cspr import --recommendations`) or the upload page: the file is read (CSV or XLSX), every row
 * is checked against the reviews, agencies and themes it may name (src/domain/learning/tracker.ts),
 * and only when no row has a problem is anything stored, in one transaction with an audit entry
 * for each recommendation and action added. What is already there (the same review and number;
 * the same recommendation, action text and owner) is left as it is and counted.
 */

/** Far more than any partnership's tracker; a workbook is a zip, so its size is bounded before it is opened. */
export const TRACKER_MAX_BYTES = 5 * 1024 * 1024;
/** Rows of one tracker: a partnership with 200 reviews and 3,000 actions fits many times over. */
export const TRACKER_MAX_ROWS = 20_000;

/** What a tracker workbook may hold: far more than any tracker, far less than a "zip bomb" expands to. */
const WORKBOOK_LIMITS: WorkbookLimits = Object.freeze({ maxEntries: 1_000, maxUncompressedBytes: 50 * 1024 * 1024, maxRows: TRACKER_MAX_ROWS });

export class TrackerFileError extends Error {}

/** How many rows have problems: a row may have more than one (its text and its reasons, say). */
export function rowsWithProblems(problems: readonly TrackerProblem[]): number {
  return new Set(problems.map((p) => p.line)).size;
}

/**
 * A tracker refused as it was being stored: a row the import would add to a case whose review is
 * published names a detail of the case (storeTracker). Nothing was stored.
 */
export class TrackerRefused extends Error {
  readonly problems: TrackerProblem[];
  constructor(problems: TrackerProblem[]) {
    super(`The tracker was refused: ${rowsWithProblems(problems) === 1 ? 'a row has a problem' : `${rowsWithProblems(problems)} rows have problems`}.`);
    this.problems = problems;
  }
}

export type TrackerFile = { header: TrackerCell[]; records: TrackerRecord[] };

/** The kind of a tracker file, by its name's ending and its first bytes (a workbook is a zip). */
export function trackerKind(name: string, bytes: Buffer): 'csv' | 'xlsx' | null {
  const lower = name.toLowerCase();
  const zip = bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
  if (lower.endsWith('.xlsx')) return zip ? 'xlsx' : null;
  if (lower.endsWith('.csv') || lower.endsWith('.txt')) return zip ? null : 'csv';
  return null;
}

/** Reads a tracker's header and rows (a workbook by `documents`, off this thread); a TrackerFileError when the file as a whole cannot be read. */
export async function readTrackerFile(name: string, bytes: Buffer, documents: DocumentWorkers | null): Promise<TrackerFile> {
  if (bytes.length > TRACKER_MAX_BYTES) throw new TrackerFileError(`The file must be smaller than ${TRACKER_MAX_BYTES / 1024 / 1024} MB.`);
  const kind = trackerKind(name, bytes);
  if (!kind) throw new TrackerFileError('The file must be a CSV file (.csv) or an Excel workbook (.xlsx).');
  if (kind === 'csv') {
    // Read by a document worker too: 5 MB of CSV is a third of a second of parsing. Without the
    // workers (the demonstration's few lines only), here.
    let csv: CsvFile;
    try {
      csv = documents ? await documents.csv(bytes, TRACKER_MAX_ROWS) : readCsvFile(bytes, TRACKER_MAX_ROWS);
    } catch (err) {
      if (err instanceof DocumentError) throw new TrackerFileError(`The CSV file cannot be read: ${err.message}.`);
      throw err;
    }
    if ('problem' in csv) throw new TrackerFileError(csv.problem);
    const records = csv.records;
    if (records.length === 0) throw new TrackerFileError('The file is empty: its first line must name the columns.');
    return { header: records[0].fields, records: records.slice(1).map((r) => ({ line: r.line, cells: r.fields })) };
  }
  // Read by a document worker: opening a workbook is seconds of computation for a large one, and a
  // workbook is a zip archive, checked before anything is inflated (platform/documents/workbook.ts).
  if (!documents) throw new Error('A workbook needs the document workers to be read');
  let sheet: WorkbookSheet;
  try {
    sheet = await documents.workbook(bytes, WORKBOOK_LIMITS);
  } catch (err) {
    if (err instanceof DocumentError && err.message === WORKBOOK_DAMAGED_OR_TOO_LARGE) {
      throw new TrackerFileError(`The workbook cannot be read: it is damaged, or would expand to more than ${WORKBOOK_LIMITS.maxUncompressedBytes / 1024 / 1024} MB when opened. Save it again from Excel as an .xlsx workbook.`);
    }
    if (err instanceof DocumentError) throw new TrackerFileError('The workbook cannot be read: save it again from Excel as an .xlsx workbook.');
    throw err;
  }
  if (!sheet || sheet.rowCount === 0) throw new TrackerFileError('The workbook’s first sheet is empty: its first row must name the columns.');
  if (sheet.rowCount - 1 > TRACKER_MAX_ROWS) throw new TrackerFileError(`The sheet has more than ${TRACKER_MAX_ROWS.toLocaleString('en-GB')} rows: split it.`);
  const [first, ...rest] = sheet.rows;
  if (!first) throw new TrackerFileError('The workbook’s first sheet is empty: its first row must name the columns.');
  return { header: first.cells, records: rest };
}

type ReviewRow = { incident_id: string | null; publication_id: string | null; partnership_id: string; slug: string | null; reference: string | null; title: string | null; made_on: string };

/**
 * The reviews, agencies and themes a tracker may name, in `scope`: every case of the partnership
 * that holds a review (rapid, local, practice learning or other, national) and every review it
 * has in the public repository. A published review that came from a case is its case, so its
 * recommendations show on the case and on the public page alike.
 */
export async function trackerContext(db: Kysely<DB>, scope: TenantScope): Promise<TrackerContext> {
  if (scope !== 'all' && scope.length === 0) return { reviews: [], agencies: [], themes: [] };
  return withTenant(db, scope, async (trx) => {
    const within = (column: string) => (scope === 'all' ? sql`true` : sql`${sql.ref(column)} in (${sql.join(scope)})`);
    const cases = await sql<ReviewRow>`
      select i.id as incident_id, p.id as publication_id, i.partnership_id, p.slug, i.reference, p.title,
             coalesce(i.completed_on, i.decision_on, i.rapid_review_sent_on, i.rapid_review_started_on, i.below_threshold_review_on, i.aware_on)::text as made_on
        from incidents i left join publications p on p.incident_id = i.id
       where ${within('i.partnership_id')} and (i.state in (${sql.join([...CASE_REVIEW_STATES])}) or i.below_threshold_review_on is not null)`.execute(trx);
    const published = await sql<ReviewRow>`
      select null as incident_id, id as publication_id, partnership_id, slug, null as reference, title, published_on::text as made_on
        from publications where ${within('partnership_id')} and incident_id is null`.execute(trx);
    const agencies = await trx
      .selectFrom('agencies')
      .select(['id', 'partnership_id', 'name'])
      .$if(scope !== 'all', (q) => q.where('partnership_id', 'in', scope as string[]))
      .execute();
    const themes = await trx.selectFrom('themes').select(['key', 'label', 'retired']).execute();
    const reviews: TrackerReview[] = [...cases.rows, ...published.rows].map((r) => ({
      incidentId: r.incident_id,
      publicationId: r.incident_id ? null : r.publication_id,
      partnershipId: r.partnership_id,
      slug: r.slug,
      reference: r.reference,
      title: r.title,
      madeOn: r.made_on.slice(0, 10) as DateOnly,
    }));
    return {
      reviews,
      agencies: agencies.map((a) => ({ id: a.id, partnershipId: a.partnership_id, name: a.name })),
      themes,
      suggestTheme: (name: string) => closestTheme(name, themes)?.label ?? null,
    };
  });
}

export type TrackerCounts = { rows: number; recommendationsAdded: number; recommendationsAlready: number; actionsAdded: number; actionsAlready: number };

/**
 * Reads and checks a tracker file in `scope`: the recommendations to store, or every problem with its
 * line. `documents` reads workbooks; null only where the file is known to be CSV (the demonstration's).
 */
export async function checkTrackerFile(db: Kysely<DB>, documents: DocumentWorkers | null, scope: TenantScope, name: string, bytes: Buffer): Promise<TrackerCheck> {
  let file: TrackerFile;
  try {
    file = await readTrackerFile(name, bytes, documents);
  } catch (err) {
    if (err instanceof TrackerFileError) return { ok: false, problems: [{ line: 0, message: err.message }] };
    throw err;
  }
  // A row for a case whose review is published goes on its page at once: it is checked as the form
  // checks it, once, as it is stored (storeTracker), where the case's publication takes turns with it.
  return checkTracker(file.header, file.records, await trackerContext(db, scope));
}

/**
 * Stores a checked tracker in the caller's transaction: the recommendations and actions not
 * already there, each with its audit entry (`audit`), and the first line of each new action's
 * history. Imports of one partnership's trackers take turns, so two at once cannot both add a row.
 * A case whose review is published shows its recommendations at once, so each new row of such a
 * case is checked as the form checks it, and a row naming a detail of the case refuses the whole
 * import (TrackerRefused). Each case's learning is taken in turn with publishing its review
 * (lockCaseLearning): a review published while the import runs either sees its rows or is seen.
 */
export function storeTracker(db: Kysely<DB>, cipher: FieldCipher, checked: Extract<TrackerCheck, { ok: true }>, actor: Actor | null, source: string, audit: (trx: Kysely<DB>, entry: AuditEntry) => Promise<void>): Promise<TrackerCounts> {
  // One transaction (the caller's, or its own): a refusal found after the rows went in takes them back out.
  return inTransaction(db, (trx) => storeInTransaction(trx, cipher, checked, actor, source, audit));
}

async function storeInTransaction(trx: Kysely<DB>, cipher: FieldCipher, checked: Extract<TrackerCheck, { ok: true }>, actor: Actor | null, source: string, audit: (trx: Kysely<DB>, entry: AuditEntry) => Promise<void>): Promise<TrackerCounts> {
  const counts: TrackerCounts = { rows: checked.rows, recommendationsAdded: 0, recommendationsAlready: 0, actionsAdded: 0, actionsAlready: 0 };
  const partnerships = [...new Set(checked.recommendations.map((r) => r.review.partnershipId))].sort();
  // The audit entries are written after the rows, in the same transaction (an entry is written in its own tenant scope).
  const entries: AuditEntry[] = [];
  // New rows of cases whose review is published, checked once the rows are in (below).
  const toCheck: TrackerRecommendation[] = [];
  await withTenant(trx, partnerships, async (t) => {
    for (const p of partnerships) await sql`select pg_advisory_xact_lock(hashtext(${`recommendation-tracker:${p}`}))`.execute(t);
    // In one order, so two imports naming the same cases cannot wait on each other.
    const incidents = [...new Set(checked.recommendations.map((r) => r.review.incidentId).filter((id): id is string => id !== null))].sort();
    for (const id of incidents) await lockCaseLearning(t, id);
    const publishedNow = new Set(
      incidents.length === 0 ? [] : (await t.selectFrom('publications').select('incident_id').where('incident_id', 'in', incidents).execute()).map((p) => p.incident_id),
    );
    for (const rec of checked.recommendations) {
      const pid = rec.review.partnershipId;
      const existing = await t
        .selectFrom('recommendations')
        .select(['id'])
        .where('partnership_id', '=', pid)
        .where('number', '=', rec.number)
        .$if(rec.review.incidentId !== null, (q) => q.where('incident_id', '=', rec.review.incidentId!))
        .$if(rec.review.incidentId === null, (q) => q.where('incident_id', 'is', null).where('publication_id', '=', rec.review.publicationId!))
        .executeTakeFirst();
      let recommendationId: string;
      if (existing) {
        recommendationId = existing.id;
        counts.recommendationsAlready++;
      } else {
        if (rec.review.incidentId && publishedNow.has(rec.review.incidentId)) toCheck.push(rec);
        const row = await t
          .insertInto('recommendations')
          .values({
            partnership_id: pid,
            incident_id: rec.review.incidentId,
            publication_id: rec.review.publicationId,
            number: rec.number,
            text: rec.text,
            made_on: rec.madeOn,
            themes: JSON.stringify(rec.themes),
            agency_ids: JSON.stringify(rec.agencyIds),
            response: rec.response,
            response_reasons: rec.responseReasons,
            created_by: actor?.userId ?? null,
            updated_by: actor?.userId ?? null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        recommendationId = row.id;
        counts.recommendationsAdded++;
        entries.push({
          action: 'recommendation-added',
          partnershipId: pid,
          recordType: 'recommendation',
          recordId: row.id,
          changes: { after: { incidentId: rec.review.incidentId, publicationId: rec.review.publicationId, number: rec.number, madeOn: rec.madeOn, themes: rec.themes, agencyIds: rec.agencyIds, response: rec.response }, via: source, line: rec.line },
        });
      }
      if (rec.actions.length === 0) continue;
      const had = await t.selectFrom('recommendation_actions').select(['agency_id', 'intended_change']).where('recommendation_id', '=', recommendationId).where('partnership_id', '=', pid).execute();
      const known = new Set(had.map((a) => actionIdentity(a.agency_id, a.intended_change)));
      for (const action of rec.actions) {
        if (known.has(actionIdentity(action.agencyId, action.intendedChange))) {
          counts.actionsAlready++;
          continue;
        }
        const done = action.status !== 'not-started' && action.status !== 'in-progress';
        const row = await t
          .insertInto('recommendation_actions')
          .values({
            partnership_id: pid,
            recommendation_id: recommendationId,
            agency_id: action.agencyId,
            lead_name: action.leadName,
            due_on: action.dueOn,
            intended_change: action.intendedChange,
            measure_of_success: action.measureOfSuccess,
            status: action.status,
            // The evidence the tracker gives is the action's evidence of completion; encrypted like every other.
            completion_evidence_enc: done ? sealField(cipher, action.evidence) : null,
            // A tracker's completed (or later) row keeps its status, marked as brought in: the tracker
            // is its record of completion (no files come with a CSV row), where completion on the
            // pages needs a file of evidence.
            completion_imported: done,
            created_by: actor?.userId ?? null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await t
          .insertInto('action_updates')
          .values({
            partnership_id: pid,
            action_id: row.id,
            step: 'created',
            from_status: null,
            to_status: action.status,
            text_enc: sealField(cipher, done ? `Imported from ${source} as ${action.status}. Evidence: ${action.evidence}` : `Imported from ${source}.`),
            created_by: actor?.userId ?? null,
            created_by_name: actor?.name ?? 'Import',
          })
          .execute();
        // Work still to do is the owning agency's task, as when the action is added on its page.
        if (!done) await actionAssigned(t, actor ?? { userId: null as unknown as string, name: 'Import' }, { id: row.id, partnershipId: pid, agencyId: action.agencyId, incidentId: rec.review.incidentId, dueOn: action.dueOn });
        known.add(actionIdentity(action.agencyId, action.intendedChange));
        counts.actionsAdded++;
        entries.push({
          action: 'action-added',
          partnershipId: pid,
          recordType: 'recommendation-action',
          recordId: row.id,
          changes: { after: { recommendationId, agencyId: action.agencyId, dueOn: action.dueOn, status: action.status, evidenceGiven: done }, via: source, line: action.line },
        });
      }
    }
  });
  // Outside the tenant scope above: each check reads its own partnership's case (publishedLearningProblems);
  // the cases' locks are held until the transaction ends.
  const refused: TrackerProblem[] = [];
  for (const rec of toCheck) {
    const found = await publishedLearningProblems(trx, cipher, rec.review.partnershipId, rec.review.incidentId, recommendationTexts(rec));
    refused.push(...found.map((p) => ({ line: rec.line, message: p.message })));
  }
  if (refused.length > 0) throw new TrackerRefused(refused);
  for (const entry of entries) await audit(trx, entry);
  return counts;
}
