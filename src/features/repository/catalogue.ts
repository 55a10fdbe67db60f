import { sql, type Kysely, type Transaction } from 'kysely';
import { addCalendarMonths, compareDates, isDateOnly, type DateOnly } from '../../domain/calendar/date-only.ts';
import { textProblem } from '../../domain/text/plain-text.ts';
import { slugify } from '../../domain/text/slug.ts';
import {
  AGE_BANDS,
  HARM_TYPES,
  isReviewType,
  type AgeBand,
  type HarmType,
  type ReviewType,
} from '../../domain/reviews/review-types.ts';
import type { DB } from '../../platform/db/types.ts';
import { forgetSearches } from '../../platform/search/search.ts';
import { afterCommit, inTransaction } from '../../platform/db/transaction.ts';

/**
 * The catalogue of the public learning repository: what a published review is, how it enters the
 * repository (from a review's publication step or an imported archive), and its text cut into
 * chunks for full-text search. Everything written here is public.
 */

export type LearningOnAPage = { livedExperience: string; keyLearning: string; learningIntoPractice: string };

export type SevenMinuteBriefing = {
  background: string;
  whyItMatters: string;
  keyInformation: [string, string, string];
  thingsToRemember: string;
  whatToDo: string;
  reflectionQuestions: string;
};

export type NewPublication = {
  partnershipId: string;
  incidentId?: string | null;
  source: 'review' | 'import';
  title: string;
  summary: string;
  reviewType: ReviewType;
  themes: string[];
  ageBand?: AgeBand | null;
  harmType?: HarmType | null;
  reviewStartedOn?: DateOnly | null;
  reviewCompletedOn?: DateOnly | null;
  publishedOn: DateOnly;
  /** Default: one calendar year after publishedOn (29 February clamps to 28 February). */
  withdrawableOn?: DateOnly;
  improvementsOnly?: boolean;
  learning?: LearningOnAPage | null;
  briefing?: SevenMinuteBriefing | null;
  /** The report: `pages` holds the extracted text of each page, in order. */
  file?: { sha256: string; name: string; type: 'pdf' | 'docx'; size: number; pages: string[] } | null;
  publishedBy?: string | null;
};

export class CatalogueError extends Error {}

export const TITLE_MAX = 300;
export const SUMMARY_MAX = 20_000;
/** Each part of a Learning on a Page or a 7-minute briefing. */
export const PART_MAX = 10_000;
export const SLUG_MAX = 120;
/** A chunk longer than this is cut (a tsvector must stay well under 1 MB; positions stop at 16,383). */
export const CHUNK_MAX_CHARS = 20_000;

export type ChunkKind = 'summary' | 'learning' | 'briefing' | 'page';
export type ChunkWeight = 'A' | 'B' | 'C' | 'D';
export type NewChunk = { seq: number; kind: ChunkKind; page: number | null; weight: ChunkWeight; body: string };

export const LEARNING_PARTS: ReadonlyArray<{ key: keyof LearningOnAPage; label: string }> = [
  { key: 'livedExperience', label: 'The lived experience of the child' },
  { key: 'keyLearning', label: 'Key learning' },
  { key: 'learningIntoPractice', label: 'Putting the learning into practice' },
];

export const BRIEFING_PARTS: ReadonlyArray<{ key: Exclude<keyof SevenMinuteBriefing, 'keyInformation'>; label: string }> = [
  { key: 'background', label: 'Background' },
  { key: 'whyItMatters', label: 'Why it matters' },
  { key: 'thingsToRemember', label: 'Things to remember' },
  { key: 'whatToDo', label: 'What to do' },
  { key: 'reflectionQuestions', label: 'Questions for reflection' },
];

// NUL cannot be stored in a PostgreSQL text value; other control characters of extracted text
// (form feeds, vertical tabs) become spaces.
// eslint-disable-next-line no-control-regex -- removing control characters is the point
const STORABLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/gu;

/** Text as it can be stored and searched: no control characters, trimmed. */
export function storableText(text: string): string {
  return text.replace(STORABLE, ' ').trim();
}

/**
 * The public address of a publication: the year it was published and its title, in lowercase
 * letters, digits and single hyphens, at most 120 characters (room is left for a `-N` suffix).
 */
export function baseSlug(publishedOn: DateOnly, title: string): string {
  const year = publishedOn.slice(0, 4);
  // A title that already starts with the year ("2026 – Northmoor – Child P") does not repeat it.
  const words = slugify(title).replace(new RegExp(`^${year}(?:-|$)`), '');
  const room = SLUG_MAX - year.length - 1 - 4;
  let cut = words;
  if (cut.length > room) {
    cut = cut.slice(0, room);
    const lastHyphen = cut.lastIndexOf('-');
    // Cut at a word boundary unless that would throw away most of the title.
    if (lastHyphen > room / 2) cut = cut.slice(0, lastHyphen);
    cut = cut.replace(/-+$/, '');
  }
  return cut ? `${year}-${cut}` : `${year}-review`;
}

/** The first of `base`, `base-2`, `base-3`… not in `taken`. */
export function uniqueSlug(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!used.has(candidate)) return candidate;
  }
}

/** Long text in pieces of at most `max` characters, cut at a paragraph, line or word boundary. */
export function splitLongText(text: string, max = CHUNK_MAX_CHARS): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    let at = Math.max(window.lastIndexOf('\n\n'), window.lastIndexOf('\n'));
    if (at < max / 2) at = window.lastIndexOf(' ');
    if (at < max / 2) at = max;
    pieces.push(rest.slice(0, at).trim());
    rest = rest.slice(at).trim();
  }
  if (rest) pieces.push(rest);
  return pieces.filter((p) => p.length > 0);
}

/** The text of a Learning on a Page, as one searchable block. */
export function learningText(learning: LearningOnAPage): string {
  return LEARNING_PARTS.map((p) => `${p.label}\n${learning[p.key]}`).join('\n\n');
}

/** The text of a 7-minute briefing, as one searchable block. */
export function briefingText(briefing: SevenMinuteBriefing): string {
  const parts = BRIEFING_PARTS.map((p) => `${p.label}\n${briefing[p.key]}`);
  parts.splice(2, 0, `Key information\n${briefing.keyInformation.join('\n')}`);
  return parts.join('\n\n');
}

/**
 * The search chunks of a publication, in order: the title (weight A), the summary (B), the theme
 * labels (C), the Learning on a Page (B), the 7-minute briefing (B) and each non-empty page of
 * the report (D) with its page number.
 */
export function buildChunks(
  input: Pick<NewPublication, 'title' | 'summary' | 'learning' | 'briefing'> & { pages?: readonly string[] | null },
  themeLabels: readonly string[],
): NewChunk[] {
  const chunks: NewChunk[] = [];
  const add = (kind: ChunkKind, weight: ChunkWeight, text: string, page: number | null = null): void => {
    for (const body of splitLongText(storableText(text))) chunks.push({ seq: chunks.length, kind, page, weight, body });
  };
  add('summary', 'A', input.title);
  add('summary', 'B', input.summary);
  if (themeLabels.length > 0) add('summary', 'C', themeLabels.join('\n'));
  if (input.learning) add('learning', 'B', learningText(input.learning));
  if (input.briefing) add('briefing', 'B', briefingText(input.briefing));
  (input.pages ?? []).forEach((text, i) => add('page', 'D', text, i + 1));
  return chunks;
}

function requireText(value: unknown, label: string, max: number, multiline: boolean): string {
  if (typeof value !== 'string' || value.trim().length === 0) throw new CatalogueError(`Enter ${label.toLowerCase()}.`);
  const text = value.trim();
  const problem = textProblem(text, { label, max, multiline });
  if (problem) throw new CatalogueError(`${problem}.`);
  return text;
}

function optionalDate(value: DateOnly | null | undefined, label: string): DateOnly | null {
  if (value === null || value === undefined) return null;
  if (!isDateOnly(value)) throw new CatalogueError(`${label} must be a real date.`);
  return value;
}

/** The earliest day a publication's report may be withdrawn without a recorded reason. */
export function defaultWithdrawableOn(publishedOn: DateOnly): DateOnly {
  return addCalendarMonths(publishedOn, 12);
}

type Checked = {
  title: string;
  summary: string;
  themes: string[];
  learning: LearningOnAPage | null;
  briefing: SevenMinuteBriefing | null;
  publishedOn: DateOnly;
  withdrawableOn: DateOnly;
  reviewStartedOn: DateOnly | null;
  reviewCompletedOn: DateOnly | null;
};

/** Everything about a new publication that can be checked without the database. */
export function checkPublication(input: NewPublication): Checked {
  const title = requireText(input.title, 'The title', TITLE_MAX, false);
  const summary = requireText(input.summary, 'The summary', SUMMARY_MAX, true);
  if (input.source !== 'review' && input.source !== 'import') throw new CatalogueError('The source must be a review or an import.');
  if (!isReviewType(input.reviewType)) throw new CatalogueError('Choose the type of review.');
  if (input.ageBand != null && !(AGE_BANDS as readonly string[]).includes(input.ageBand)) throw new CatalogueError('Choose an age band from the list.');
  if (input.harmType != null && !(HARM_TYPES as readonly string[]).includes(input.harmType)) throw new CatalogueError('Choose what happened to the child from the list.');
  if (!Array.isArray(input.themes)) throw new CatalogueError('Choose the themes of the review.');
  const themes = [...new Set(input.themes)];
  if (!isDateOnly(input.publishedOn)) throw new CatalogueError('The publication date must be a real date.');
  const publishedOn = input.publishedOn;
  const earliest = defaultWithdrawableOn(publishedOn);
  const withdrawableOn = input.withdrawableOn ?? earliest;
  if (!isDateOnly(withdrawableOn)) throw new CatalogueError('The date the report may be withdrawn must be a real date.');
  if (compareDates(withdrawableOn, earliest) < 0) {
    throw new CatalogueError('A report stays published for at least a year: the date it may be withdrawn must be at least one year after publication.');
  }
  const reviewStartedOn = optionalDate(input.reviewStartedOn, 'The date the review started');
  const reviewCompletedOn = optionalDate(input.reviewCompletedOn, 'The date the review was completed');
  if (reviewStartedOn && reviewCompletedOn && compareDates(reviewCompletedOn, reviewStartedOn) < 0) {
    throw new CatalogueError('The review cannot be completed before it started.');
  }
  let learning: LearningOnAPage | null = null;
  if (input.learning) {
    learning = {
      livedExperience: requireText(input.learning.livedExperience, 'The lived experience of the child', PART_MAX, true),
      keyLearning: requireText(input.learning.keyLearning, 'The key learning', PART_MAX, true),
      learningIntoPractice: requireText(input.learning.learningIntoPractice, 'Putting the learning into practice', PART_MAX, true),
    };
  }
  let briefing: SevenMinuteBriefing | null = null;
  if (input.briefing) {
    const b = input.briefing;
    if (!Array.isArray(b.keyInformation) || b.keyInformation.length !== 3) throw new CatalogueError('A 7-minute briefing has three pieces of key information.');
    briefing = {
      background: requireText(b.background, 'The background', PART_MAX, true),
      whyItMatters: requireText(b.whyItMatters, 'Why it matters', PART_MAX, true),
      keyInformation: [
        requireText(b.keyInformation[0], 'The first piece of key information', PART_MAX, true),
        requireText(b.keyInformation[1], 'The second piece of key information', PART_MAX, true),
        requireText(b.keyInformation[2], 'The third piece of key information', PART_MAX, true),
      ],
      thingsToRemember: requireText(b.thingsToRemember, 'The things to remember', PART_MAX, true),
      whatToDo: requireText(b.whatToDo, 'What to do', PART_MAX, true),
      reflectionQuestions: requireText(b.reflectionQuestions, 'The questions for reflection', PART_MAX, true),
    };
  }
  const file = input.file;
  if (file) {
    if (!/^[0-9a-f]{64}$/.test(file.sha256)) throw new CatalogueError('The report file is not stored.');
    if (file.type !== 'pdf' && file.type !== 'docx') throw new CatalogueError('The report must be a PDF or a Word document (.docx).');
    if (!Number.isInteger(file.size) || file.size <= 0) throw new CatalogueError('The report file is empty.');
    if (typeof file.name !== 'string' || file.name.trim().length === 0 || file.name.length > 200) throw new CatalogueError('The report file name must be 1 to 200 characters.');
    if (!Array.isArray(file.pages)) throw new CatalogueError('The text of the report is missing.');
  }
  return { title, summary, themes, learning, briefing, publishedOn, withdrawableOn, reviewStartedOn, reviewCompletedOn };
}

type Db = Kysely<DB> | Transaction<DB>;

function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string };
  return e.code === '23505' && (constraint === undefined || e.constraint === constraint);
}

/**
 * Adds a publication and its search chunks. A report file already in the repository (same
 * sha256) is not added twice: the existing publication is returned with `created: false`.
 */
export async function addPublication(db: Db, input: NewPublication): Promise<{ id: string; slug: string; created: boolean }> {
  const checked = checkPublication(input);
  const file = input.file ?? null;
  const sameFile = async (q: Db) => (file ? q.selectFrom('publications').select(['id', 'slug']).where('file_sha256', '=', file.sha256).executeTakeFirst() : undefined);

  const known = await sameFile(db);
  if (known) return { ...known, created: false };

  const themeRows = checked.themes.length
    ? await db.selectFrom('themes').select(['key', 'label', 'retired']).where('key', 'in', checked.themes).execute()
    : [];
  const byKey = new Map(themeRows.map((t) => [t.key, t]));
  for (const key of checked.themes) {
    const theme = byKey.get(key);
    if (!theme) throw new CatalogueError(`There is no theme '${key}'.`);
    if (theme.retired) throw new CatalogueError(`The theme '${theme.label}' is retired: choose a current theme.`);
  }
  const partnership = await db.selectFrom('partnerships').select('id').where('id', '=', input.partnershipId).executeTakeFirst();
  if (!partnership) throw new CatalogueError('There is no such partnership.');

  const chunks = buildChunks({ ...checked, pages: file?.pages ?? null }, checked.themes.map((k) => byKey.get(k)!.label));
  const base = baseSlug(checked.publishedOn, checked.title);

  try {
    const result = await inTransaction(db, async (trx) => {
      // One publication is added at a time: the same file twice, or the same address, cannot race.
      await sql`select pg_advisory_xact_lock(hashtext('cspr-hub:publications'))`.execute(trx);
      const existing = await sameFile(trx);
      if (existing) return { ...existing, created: false };
      const taken = await trx
        .selectFrom('publications')
        .select('slug')
        .where((eb) => eb.or([eb('slug', '=', base), eb('slug', 'like', `${base}-%`)]))
        .execute();
      const slug = uniqueSlug(base, taken.map((r) => r.slug));
      const row = await trx
        .insertInto('publications')
        .values({
          partnership_id: input.partnershipId,
          incident_id: input.incidentId ?? null,
          source: input.source,
          slug,
          title: checked.title,
          summary: checked.summary,
          review_type: input.reviewType,
          themes: JSON.stringify(checked.themes),
          age_band: input.ageBand ?? null,
          harm_type: input.harmType ?? null,
          review_started_on: checked.reviewStartedOn,
          review_completed_on: checked.reviewCompletedOn,
          published_on: checked.publishedOn,
          withdrawable_on: checked.withdrawableOn,
          improvements_only: input.improvementsOnly ?? false,
          learning: checked.learning ? JSON.stringify(checked.learning) : null,
          briefing: checked.briefing ? JSON.stringify(checked.briefing) : null,
          file_sha256: file?.sha256 ?? null,
          file_name: file ? file.name.trim() : null,
          file_type: file?.type ?? null,
          file_size: file?.size ?? null,
          page_count: file && file.pages.length > 0 ? file.pages.length : null,
          published_by: input.publishedBy ?? null,
        })
        .returning(['id', 'slug'])
        .executeTakeFirstOrThrow();
      // Several hundred rows at a time keeps each statement well within parameter limits.
      for (let i = 0; i < chunks.length; i += 500) {
        await trx
          .insertInto('publication_chunks')
          .values(chunks.slice(i, i + 500).map((c) => ({ publication_id: row.id, seq: c.seq, kind: c.kind, page: c.page, weight: c.weight, body: c.body })))
          .execute();
      }
      // The publication's whole-text and ranking vectors, from the chunks just written.
      await sql`select cspr_index_publications(array[${row.id}]::uuid[])`.execute(trx);
      // Its words, for spelling suggestions.
      await sql`select cspr_index_words(array[${row.id}]::uuid[])`.execute(trx);
      return { id: row.id, slug: row.slug, created: true };
    });
    if (result.created) afterCommit(db, forgetSearches);
    return result;
  } catch (err) {
    if (isUniqueViolation(err, 'publications_incident_id_key')) throw new CatalogueError('This review has already been published.');
    throw err;
  }
}

// ----- reading -----

export type Theme = { key: string; label: string; retired: boolean };

export async function listThemes(db: Db, options: { includeRetired?: boolean } = {}): Promise<Theme[]> {
  let q = db.selectFrom('themes').select(['key', 'label', 'retired']).orderBy('label');
  if (!options.includeRetired) q = q.where('retired', '=', false);
  return q.execute();
}

export type Publication = {
  id: string;
  slug: string;
  partnership: { id: string; slug: string; name: string };
  incidentId: string | null;
  source: 'review' | 'import';
  title: string;
  summary: string;
  reviewType: ReviewType;
  themes: string[];
  ageBand: AgeBand | null;
  harmType: HarmType | null;
  reviewStartedOn: DateOnly | null;
  reviewCompletedOn: DateOnly | null;
  publishedOn: DateOnly;
  withdrawableOn: DateOnly;
  improvementsOnly: boolean;
  learning: LearningOnAPage | null;
  briefing: SevenMinuteBriefing | null;
  file: { sha256: string; name: string; type: 'pdf' | 'docx'; size: number; pageCount: number | null } | null;
  fileWithdrawnOn: DateOnly | null;
  fileWithdrawnReason: string | null;
};

function publicationQuery(db: Db) {
  return db
    .selectFrom('publications as p')
    .innerJoin('partnerships as pt', 'pt.id', 'p.partnership_id')
    .select([
      'p.id', 'p.slug', 'p.partnership_id', 'pt.slug as partnership_slug', 'pt.name as partnership_name', 'p.incident_id', 'p.source',
      'p.title', 'p.summary', 'p.review_type', 'p.themes', 'p.age_band', 'p.harm_type', 'p.review_started_on', 'p.review_completed_on',
      'p.published_on', 'p.withdrawable_on', 'p.improvements_only', 'p.learning', 'p.briefing', 'p.file_sha256', 'p.file_name',
      'p.file_type', 'p.file_size', 'p.page_count', 'p.file_withdrawn_on', 'p.file_withdrawn_reason',
    ]);
}

type PublicationRow = NonNullable<Awaited<ReturnType<ReturnType<typeof publicationQuery>['executeTakeFirst']>>>;

function toPublication(r: PublicationRow): Publication {
  return {
    id: r.id,
    slug: r.slug,
    partnership: { id: r.partnership_id, slug: r.partnership_slug, name: r.partnership_name },
    incidentId: r.incident_id,
    source: r.source,
    title: r.title,
    summary: r.summary,
    reviewType: r.review_type as ReviewType,
    themes: r.themes,
    ageBand: r.age_band as AgeBand | null,
    harmType: r.harm_type as HarmType | null,
    reviewStartedOn: r.review_started_on,
    reviewCompletedOn: r.review_completed_on,
    publishedOn: r.published_on,
    withdrawableOn: r.withdrawable_on,
    improvementsOnly: r.improvements_only,
    learning: r.learning as LearningOnAPage | null,
    briefing: r.briefing as SevenMinuteBriefing | null,
    file:
      r.file_sha256 && r.file_name && r.file_type && r.file_size
        ? { sha256: r.file_sha256, name: r.file_name, type: r.file_type, size: r.file_size, pageCount: r.page_count }
        : null,
    fileWithdrawnOn: r.file_withdrawn_on,
    fileWithdrawnReason: r.file_withdrawn_reason,
  };
}

export async function getPublication(db: Db, slug: string): Promise<Publication | undefined> {
  if (typeof slug !== 'string' || slug.length > SLUG_MAX) return undefined;
  const row = await publicationQuery(db).where('p.slug', '=', slug).executeTakeFirst();
  return row ? toPublication(row) : undefined;
}

export async function getPublicationById(db: Db, id: string): Promise<Publication | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
  const row = await publicationQuery(db).where('p.id', '=', id).executeTakeFirst();
  return row ? toPublication(row) : undefined;
}

/**
 * Takes the report file down (the catalogue record and learning stay public). Before the
 * publication's withdrawable date a reason is required.
 */
export async function withdrawPublicationFile(db: Db, input: { id: string; on: DateOnly; reason?: string | null }): Promise<void> {
  const p = await db.selectFrom('publications').select(['withdrawable_on', 'file_sha256', 'file_withdrawn_on']).where('id', '=', input.id).executeTakeFirst();
  if (!p) throw new CatalogueError('There is no such publication.');
  if (!p.file_sha256) throw new CatalogueError('This publication has no report file.');
  if (p.file_withdrawn_on) throw new CatalogueError('The report has already been withdrawn.');
  const reason = input.reason?.trim() || null;
  if (reason) {
    const problem = textProblem(reason, { label: 'The reason', max: 2000, multiline: true });
    if (problem) throw new CatalogueError(`${problem}.`);
  }
  if (compareDates(input.on, p.withdrawable_on) < 0 && !reason) {
    throw new CatalogueError('The report has been published for less than a year: give the reason for withdrawing it.');
  }
  await inTransaction(db, async (trx) => {
    await trx
      .updateTable('publications')
      .set({ file_withdrawn_on: input.on, file_withdrawn_reason: reason, updated_at: new Date() })
      .where('id', '=', input.id)
      .execute();
    // The report's words go down with it: its pages are no longer searched, nor quoted in results
    // (the record's title, summary, learning and themes stay searchable, as they stay public).
    await trx.deleteFrom('publication_chunks').where('publication_id', '=', input.id).where('kind', '=', 'page').execute();
    await sql`select cspr_index_publications(array[${input.id}]::uuid[])`.execute(trx);
  });
  afterCommit(db, forgetSearches);
}

export type PublicationSummary = {
  slug: string;
  title: string;
  summary: string;
  publishedOn: DateOnly;
  updatedAt: Date;
  reviewType: ReviewType;
  themes: string[];
  partnership: { slug: string; name: string };
};

/** The newest publications (of one partnership when given), newest first. */
export async function latestPublications(db: Db, options: { limit: number; partnershipId?: string }): Promise<PublicationSummary[]> {
  let q = db
    .selectFrom('publications as p')
    .innerJoin('partnerships as pt', 'pt.id', 'p.partnership_id')
    .select(['p.slug', 'p.title', 'p.summary', 'p.published_on', 'p.updated_at', 'p.review_type', 'p.themes', 'pt.slug as partnership_slug', 'pt.name as partnership_name'])
    .orderBy('p.published_on', 'desc')
    .orderBy('p.created_at', 'desc')
    .limit(options.limit);
  if (options.partnershipId) q = q.where('p.partnership_id', '=', options.partnershipId);
  const rows = await q.execute();
  return rows.map((r) => ({
    slug: r.slug,
    title: r.title,
    summary: r.summary,
    publishedOn: r.published_on,
    updatedAt: r.updated_at,
    reviewType: r.review_type as ReviewType,
    themes: r.themes,
    partnership: { slug: r.partnership_slug, name: r.partnership_name },
  }));
}

/** The public record a case's review was published as, if it was. */
export async function publicationOfIncident(db: Db, incidentId: string): Promise<{ slug: string; publishedOn: DateOnly } | null> {
  const row = await db.selectFrom('publications').select(['slug', 'published_on']).where('incident_id', '=', incidentId).executeTakeFirst();
  return row ? { slug: row.slug, publishedOn: row.published_on } : null;
}

export type ManagedPublication = {
  id: string;
  slug: string;
  title: string;
  partnershipName: string;
  publishedOn: DateOnly;
  withdrawableOn: DateOnly;
  fileType: 'pdf' | 'docx' | null;
  pageCount: number | null;
  fileWithdrawnOn: DateOnly | null;
};

/** The publications of these partnerships, newest first, for their administrators. */
export async function publicationsOf(db: Db, partnershipIds: readonly string[]): Promise<ManagedPublication[]> {
  if (partnershipIds.length === 0) return [];
  const rows = await db
    .selectFrom('publications as p')
    .innerJoin('partnerships as pt', 'pt.id', 'p.partnership_id')
    .select(['p.id', 'p.slug', 'p.title', 'pt.name as partnership_name', 'p.published_on', 'p.withdrawable_on', 'p.file_type', 'p.page_count', 'p.file_withdrawn_on'])
    .where('p.partnership_id', 'in', [...partnershipIds])
    .orderBy('p.published_on', 'desc')
    .orderBy('p.title')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    slug: r.slug,
    title: r.title,
    partnershipName: r.partnership_name,
    publishedOn: r.published_on,
    withdrawableOn: r.withdrawable_on,
    fileType: r.file_type,
    pageCount: r.page_count,
    fileWithdrawnOn: r.file_withdrawn_on,
  }));
}

/** Every publication's address and last change, for the sitemap. */
export async function publicationAddresses(db: Db, partnershipId?: string): Promise<{ slug: string; updatedAt: Date }[]> {
  let q = db.selectFrom('publications').select(['slug', 'updated_at']).orderBy('published_on', 'desc');
  if (partnershipId) q = q.where('partnership_id', '=', partnershipId);
  const rows = await q.execute();
  return rows.map((r) => ({ slug: r.slug, updatedAt: r.updated_at }));
}

/** Partnerships with at least one publication. */
export async function publishingPartnerships(db: Db): Promise<{ slug: string; name: string; count: number }[]> {
  const rows = await db
    .selectFrom('partnerships as pt')
    .innerJoin('publications as p', 'p.partnership_id', 'pt.id')
    .select((eb) => ['pt.slug', 'pt.name', eb.fn.countAll<number>().as('count')])
    .groupBy(['pt.slug', 'pt.name'])
    .orderBy('pt.name')
    .execute();
  return rows.map((r) => ({ slug: r.slug, name: r.name, count: Number(r.count) }));
}

/** For each theme, how many publications have a Learning on a Page or a 7-minute briefing. */
export async function learningCountsByTheme(db: Db, partnershipId?: string): Promise<Map<string, number>> {
  const { rows } = await sql<{ key: string; count: number }>`
    select t.key, count(*)::int as count
    from publications p cross join lateral jsonb_array_elements_text(p.themes) as t(key)
    where (p.learning is not null or p.briefing is not null)
      and (${partnershipId ?? null}::uuid is null or p.partnership_id = ${partnershipId ?? null}::uuid)
    group by t.key`.execute(db);
  return new Map(rows.map((r) => [r.key, Number(r.count)]));
}

export type LearningItem = {
  slug: string;
  title: string;
  publishedOn: DateOnly;
  partnership: { slug: string; name: string };
  learning: LearningOnAPage | null;
  briefing: SevenMinuteBriefing | null;
};

/** Publications of a theme that have learning products, newest first, a page at a time. */
export async function learningForTheme(
  db: Db,
  themeKey: string,
  page: number,
  perPage = 20,
  partnershipId?: string,
): Promise<{ total: number; items: LearningItem[] }> {
  let base = db
    .selectFrom('publications as p')
    .innerJoin('partnerships as pt', 'pt.id', 'p.partnership_id')
    .where(sql<boolean>`p.themes @> ${JSON.stringify([themeKey])}::jsonb`)
    .where((eb) => eb.or([eb('p.learning', 'is not', null), eb('p.briefing', 'is not', null)]));
  if (partnershipId) base = base.where('p.partnership_id', '=', partnershipId);
  const [{ total }, rows] = await Promise.all([
    base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
    base
      .select(['p.slug', 'p.title', 'p.published_on', 'p.learning', 'p.briefing', 'pt.slug as partnership_slug', 'pt.name as partnership_name'])
      .orderBy('p.published_on', 'desc')
      .orderBy('p.slug')
      .limit(perPage)
      .offset((page - 1) * perPage)
      .execute(),
  ]);
  return {
    total: Number(total),
    items: rows.map((r) => ({
      slug: r.slug,
      title: r.title,
      publishedOn: r.published_on,
      partnership: { slug: r.partnership_slug, name: r.partnership_name },
      learning: r.learning as LearningOnAPage | null,
      briefing: r.briefing as SevenMinuteBriefing | null,
    })),
  };
}
