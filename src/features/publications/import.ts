import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import type { AgeBand, HarmType, ReviewType } from '../../domain/reviews/review-types.ts';
import type { DocumentWorkers } from '../../platform/documents/document-workers.ts';
import { DocumentError } from '../../platform/documents/document-error.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import type { DB } from '../../platform/db/types.ts';
import { cleanFileName, detectFileType } from '../rapid-reviews/files.ts';
import type { FileStore } from '../../platform/storage/file-store.ts';
import { addPublication, CatalogueError, checkPublication, type LearningOnAPage, type NewPublication, type SevenMinuteBriefing } from '../repository/catalogue.ts';

/**
 * Importing a published report into the repository: from a partnership's archive (the
 * `cspr import` command) or one at a time (the upload page). The file is recognised by its
 * content, its text extracted page by page, and the catalogue record, its search text and the
 * stored file are written together: a report that fails leaves nothing in the database.
 */

/** Published reports can be long; beyond this a file is refused (its text would not be read well either). */
export const IMPORT_MAX_BYTES = 30 * 1024 * 1024;

export type ImportRequest = {
  partnershipId: string;
  title: string;
  summary: string;
  reviewType: ReviewType;
  themes: string[];
  publishedOn: DateOnly;
  ageBand?: AgeBand | null;
  harmType?: HarmType | null;
  learning?: LearningOnAPage | null;
  briefing?: SevenMinuteBriefing | null;
  publishedBy?: string | null;
  file: { name: string; bytes: Buffer };
};

export type ImportOutcome =
  | { status: 'imported'; id: string; slug: string; pages: number; pagesWithoutText: number[] }
  | { status: 'already-imported'; id: string; slug: string }
  | { status: 'failed'; reason: string };

function failed(reason: string): ImportOutcome {
  return { status: 'failed', reason };
}

/**
 * Imports one report. Checks run cheapest first: the kind of file, a copy already in the
 * repository (same content hash: "already imported", whatever its title), the catalogue fields,
 * then the file itself and its text, read by the document workers (off this thread, within their
 * limits; a file with active content is refused there). The rows and the file (a published
 * report, kept plain) are written in one transaction with the audit entry (by `record`): a file
 * that cannot be stored rolls the rows back, and the other way round.
 */
export async function importReport(
  db: Kysely<DB>,
  files: FileStore,
  request: ImportRequest,
  documents: DocumentWorkers,
  record: (trx: Kysely<DB>, imported: { id: string; slug: string; pages: number }) => Promise<void>,
): Promise<ImportOutcome> {
  const { bytes } = request.file;
  if (bytes.length === 0) return failed('the file is empty');
  if (bytes.length > IMPORT_MAX_BYTES) return failed(`the file is larger than ${IMPORT_MAX_BYTES / 1024 / 1024} MB`);
  const type = detectFileType(bytes);
  if (!type) return failed('the file is not a PDF or a Word document (.docx)');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const existing = await db.selectFrom('publications').select(['id', 'slug']).where('file_sha256', '=', sha256).executeTakeFirst();
  if (existing) return { status: 'already-imported', ...existing };

  const name = cleanFileName(request.file.name, type);
  const publication: NewPublication = {
    partnershipId: request.partnershipId,
    source: 'import',
    title: request.title,
    summary: request.summary,
    reviewType: request.reviewType,
    themes: request.themes,
    ageBand: request.ageBand ?? null,
    harmType: request.harmType ?? null,
    publishedOn: request.publishedOn,
    learning: request.learning ?? null,
    briefing: request.briefing ?? null,
    publishedBy: request.publishedBy ?? null,
    file: { sha256, name, type, size: bytes.length, pages: [] },
  };
  try {
    checkPublication(publication);
  } catch (err) {
    if (err instanceof CatalogueError) return failed(lowerFirst(err.message));
    throw err;
  }

  let pages: string[];
  let pagesWithoutText: number[];
  try {
    ({ pages, pagesWithoutText } = await documents.text(bytes, type));
  } catch (err) {
    if (err instanceof DocumentError) return failed(err.message);
    throw err;
  }

  try {
    // The text was read above: the transaction holds only the writes (and the audit entry, by `record`).
    const added = await inTransaction(db, async (trx) => {
      const result = await addPublication(trx, { ...publication, file: { sha256, name, type, size: bytes.length, pages } });
      if (result.created) {
        await files.put(trx, bytes, 'public');
        await record(trx, { id: result.id, slug: result.slug, pages: pages.length });
      }
      return result;
    });
    if (!added.created) return { status: 'already-imported', id: added.id, slug: added.slug };
    return { status: 'imported', id: added.id, slug: added.slug, pages: pages.length, pagesWithoutText };
  } catch (err) {
    if (err instanceof CatalogueError) return failed(lowerFirst(err.message));
    throw err;
  }
}

function lowerFirst(text: string): string {
  const t = text.replace(/\.$/, '');
  return t.charAt(0).toLowerCase() + t.slice(1);
}
