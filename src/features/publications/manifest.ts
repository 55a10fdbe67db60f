import { isDateOnly, type DateOnly } from '../../domain/calendar/date-only.ts';
import { reviewTypeFromName, REVIEW_TYPES, type ReviewType } from '../../domain/reviews/review-types.ts';
import { matchKey } from '../../domain/text/match-key.ts';
import { CsvError, parseCsv } from '../../platform/documents/csv.ts';
import { editDistance } from '../../platform/search/suggest.ts';
import { themeKeyFromLabel } from './themes.ts';

/**
 * The manifest of a bulk import: a CSV file (RFC 4180) with one published report a row.
 *
 *   file,title,partnership,published_on,review_type,themes,summary
 *
 * - file: the report's path relative to the manifest's folder; subfolders are fine, an absolute
 *   path or a `..` step is refused, so a manifest can only name files beside or below itself;
 * - partnership: the partnership's slug;
 * - published_on: YYYY-MM-DD;
 * - review_type and each theme: its key or its label, whatever the case and punctuation; a review
 *   type may also be given by a common name ("Serious case review", "LCSPR");
 * - themes: separated by semicolons (may be empty). A theme not in the vocabulary fails its row,
 *   with the closest theme suggested, unless the import is told to add it (`add`) or to import the
 *   row without it (`drop`), which the row's notes then say.
 *
 * Pure: no file or database access. Every row is checked; each problem is reported with the
 * line it starts on, and the good rows can still be imported.
 */

export const MANIFEST_COLUMNS = ['file', 'title', 'partnership', 'published_on', 'review_type', 'themes', 'summary'] as const;
type Column = (typeof MANIFEST_COLUMNS)[number];

export class ManifestError extends Error {}


export type ManifestContext = {
  partnerships: ReadonlyArray<{ id: string; slug: string }>;
  themes: ReadonlyArray<{ key: string; label: string; retired: boolean }>;
};

/** What to do with a theme the vocabulary does not hold. */
export type UnknownThemes = 'refuse' | 'add' | 'drop';

export type ManifestRow = {
  line: number;
  /** The path as written, with forward slashes. */
  file: string;
  title: string;
  partnershipId: string;
  partnershipSlug: string;
  publishedOn: DateOnly;
  reviewType: ReviewType;
  themes: string[];
  summary: string;
  /** Themes to add to the vocabulary before this row is imported (with `add`). */
  newThemes: Array<{ key: string; label: string }>;
  /** What was done leniently (themes left out), to report. */
  notes: string[];
};

export type ManifestProblem = { line: number; file: string; message: string };

export type Manifest = { rows: ManifestRow[]; problems: ManifestProblem[] };

/** The problem with a manifest's file path, or null when it is a plain relative path. */
export function filePathProblem(file: string): string | null {
  if (file === '') return 'the file is missing';
  const normal = file.replaceAll('\\', '/');
  if (normal.startsWith('/') || /^[a-z]:/i.test(normal)) return `the file '${file}' must be a path relative to the manifest's folder, not an absolute path`;
  if (normal.split('/').some((part) => part === '..')) return `the file '${file}' must be in the manifest's folder or below it ('..' is not allowed)`;
  // eslint-disable-next-line no-control-regex -- control characters have no place in a file name
  if (/[\u0000-\u001f]/.test(normal)) return `the file '${file}' has control characters in its name`;
  return null;
}

function lookupReviewType(value: string): ReviewType | null {
  return reviewTypeFromName(value);
}

type ThemeEntry = { key: string; label: string; retired: boolean };

/** The theme whose name is closest to one the vocabulary does not hold, if any is close enough. */
export function closestTheme(name: string, themes: readonly ThemeEntry[]): ThemeEntry | null {
  const wanted = matchKey(name);
  if (!wanted) return null;
  let best: { theme: ThemeEntry; score: number } | null = null;
  for (const theme of themes.filter((t) => !t.retired)) {
    for (const candidate of [matchKey(theme.label), matchKey(theme.key)]) {
      // One name inside the other ("domestic abuse" in "domestic abuse violence") is close;
      // otherwise the share of letters to change.
      const score = candidate.includes(wanted) || wanted.includes(candidate) ? 0.1 : editDistance(wanted, candidate) / Math.max(wanted.length, candidate.length);
      if (!best || score < best.score) best = { theme, score };
    }
  }
  return best && best.score <= 0.4 ? best.theme : null;
}

/** Reads and checks a manifest; throws ManifestError only when the file as a whole cannot be read (bad header, broken quoting). */
export function parseManifest(text: string, context: ManifestContext, options: { unknownThemes?: UnknownThemes } = {}): Manifest {
  const unknownThemes = options.unknownThemes ?? 'refuse';
  let records;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvError) throw new ManifestError(err.message);
    throw err;
  }
  if (records.length === 0) throw new ManifestError('The manifest is empty: its first line must be the header ' + MANIFEST_COLUMNS.join(','));
  const header = records[0].fields.map((h) => h.trim().toLowerCase());
  const missing = MANIFEST_COLUMNS.filter((c) => !header.includes(c));
  const unknown = header.filter((h) => !(MANIFEST_COLUMNS as readonly string[]).includes(h));
  if (missing.length > 0 || unknown.length > 0 || new Set(header).size !== header.length) {
    const parts = [
      missing.length ? `missing ${missing.join(', ')}` : '',
      unknown.length ? `unknown ${unknown.map((u) => `'${u}'`).join(', ')}` : '',
      new Set(header).size !== header.length ? 'a column is named twice' : '',
    ].filter(Boolean);
    throw new ManifestError(`The manifest's header must name the columns ${MANIFEST_COLUMNS.join(',')} (${parts.join('; ')}).`);
  }
  const index = Object.fromEntries(MANIFEST_COLUMNS.map((c) => [c, header.indexOf(c)])) as Record<Column, number>;
  const partnerships = new Map(context.partnerships.map((p) => [p.slug.toLowerCase(), p]));
  const themesByName = new Map<string, ThemeEntry>();
  for (const t of context.themes) {
    themesByName.set(matchKey(t.key), t);
    themesByName.set(matchKey(t.label), t);
  }

  const rows: ManifestRow[] = [];
  const problems: ManifestProblem[] = [];
  for (const record of records.slice(1)) {
    const get = (c: Column) => (record.fields[index[c]] ?? '').trim();
    const file = get('file').replaceAll('\\', '/');
    const messages: string[] = [];
    if (record.fields.length !== header.length) {
      problems.push({ line: record.line, file, message: `the row has ${record.fields.length} fields where the header has ${header.length}` });
      continue;
    }
    const pathProblem = filePathProblem(file);
    if (pathProblem) messages.push(pathProblem);
    const title = get('title');
    if (!title) messages.push('the title is missing');
    const slug = get('partnership').toLowerCase();
    const partnership = partnerships.get(slug);
    if (!slug) messages.push('the partnership is missing');
    else if (!partnership) messages.push(`there is no partnership '${get('partnership')}'`);
    const publishedOn = get('published_on');
    if (!publishedOn) messages.push('the publication date is missing');
    else if (!isDateOnly(publishedOn)) messages.push(`the publication date '${publishedOn}' must be a real date written YYYY-MM-DD`);
    const reviewType = lookupReviewType(get('review_type'));
    if (!get('review_type')) messages.push('the review type is missing');
    else if (!reviewType) messages.push(`there is no review type '${get('review_type')}' (use one of ${REVIEW_TYPES.join(', ')})`);
    const themes: string[] = [];
    const newThemes: ManifestRow['newThemes'] = [];
    const notes: string[] = [];
    for (const name of get('themes').split(';').map((s) => s.trim()).filter(Boolean)) {
      const theme = themesByName.get(matchKey(name));
      if (theme?.retired) messages.push(`the theme '${theme.label}' is retired`);
      else if (theme) {
        if (!themes.includes(theme.key)) themes.push(theme.key);
      } else {
        const closest = closestTheme(name, context.themes);
        const hint = closest ? ` (did you mean '${closest.label}'?)` : '';
        const key = themeKeyFromLabel(name);
        if (unknownThemes === 'add' && key) {
          const label = name.replace(/\s+/g, ' ');
          if (!newThemes.some((t) => t.key === key)) newThemes.push({ key, label });
          if (!themes.includes(key)) themes.push(key);
          notes.push(`adds the theme '${label}'${hint}`);
        } else if (unknownThemes === 'drop') notes.push(`without the theme '${name}', not in the vocabulary${hint}`);
        else messages.push(`there is no theme '${name}'${hint}`);
      }
    }
    const summary = get('summary');
    if (!summary) messages.push('the summary is missing');
    if (messages.length > 0) {
      problems.push({ line: record.line, file, message: messages.join('; ') });
      continue;
    }
    rows.push({
      line: record.line,
      file,
      title,
      partnershipId: partnership!.id,
      partnershipSlug: partnership!.slug,
      publishedOn: publishedOn as DateOnly,
      reviewType: reviewType!,
      themes,
      summary,
      newThemes,
      notes,
    });
  }
  return { rows, problems };
}
