import { isDateOnly, type DateOnly } from '../../domain/calendar/date-only.ts';
import { REVIEW_TYPE_LABELS, REVIEW_TYPES, type ReviewType } from '../../domain/reviews/review-types.ts';

/**
 * The manifest of a bulk import: a CSV file (RFC 4180) with one published report a row.
 *
 *   file,title,partnership,published_on,review_type,themes,summary
 *
 * - file: the report's path relative to the manifest's folder; subfolders are fine, an absolute
 *   path or a `..` step is refused, so a manifest can only name files beside or below itself;
 * - partnership: the partnership's slug;
 * - published_on: YYYY-MM-DD;
 * - review_type and each theme: its key or its label, in any case;
 * - themes: separated by semicolons (may be empty).
 *
 * Pure: no file or database access. Every row is checked; each problem is reported with the
 * line it starts on, and the good rows can still be imported.
 */

export const MANIFEST_COLUMNS = ['file', 'title', 'partnership', 'published_on', 'review_type', 'themes', 'summary'] as const;
type Column = (typeof MANIFEST_COLUMNS)[number];

export class ManifestError extends Error {}

/** One record of the CSV with the line it starts on (1-based). */
export type CsvRecord = { line: number; fields: string[] };

/** RFC 4180 records: quoted fields may hold commas, quotes (doubled) and line breaks; CRLF or LF. */
export function parseCsv(text: string): CsvRecord[] {
  const input = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  let quoted = false;
  let atFieldStart = true;
  const endRecord = () => {
    fields.push(field);
    // A blank line is no record.
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    atFieldStart = true;
  };
  while (i < input.length) {
    const c = input[i];
    if (quoted) {
      if (c === '"') {
        if (input[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        if (i < input.length && input[i] !== ',' && input[i] !== '\n' && input[i] !== '\r') {
          throw new ManifestError(`Line ${line}: a closing quote must be followed by a comma or the end of the line.`);
        }
        continue;
      }
      if (c === '\n') line++;
      field += c;
      i++;
      continue;
    }
    if (c === '"' && atFieldStart) {
      quoted = true;
      atFieldStart = false;
      i++;
      continue;
    }
    if (c === ',') {
      fields.push(field);
      field = '';
      atFieldStart = true;
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      endRecord();
      i += c === '\r' && input[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    field += c;
    atFieldStart = false;
    i++;
  }
  if (quoted) throw new ManifestError(`Line ${recordLine}: a quoted field is not closed.`);
  if (field !== '' || fields.length > 0) endRecord();
  return records;
}

export type ManifestContext = {
  partnerships: ReadonlyArray<{ id: string; slug: string }>;
  themes: ReadonlyArray<{ key: string; label: string; retired: boolean }>;
};

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
  const v = value.trim().toLowerCase();
  return REVIEW_TYPES.find((t) => t === v || REVIEW_TYPE_LABELS[t].toLowerCase() === v) ?? null;
}

/** Reads and checks a manifest; throws ManifestError only when the file as a whole cannot be read (bad header, broken quoting). */
export function parseManifest(text: string, context: ManifestContext): Manifest {
  const records = parseCsv(text);
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
  const themesByName = new Map<string, { key: string; label: string; retired: boolean }>();
  for (const t of context.themes) {
    themesByName.set(t.key.toLowerCase(), t);
    themesByName.set(t.label.toLowerCase(), t);
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
    for (const name of get('themes').split(';').map((s) => s.trim()).filter(Boolean)) {
      const theme = themesByName.get(name.toLowerCase());
      if (!theme) messages.push(`there is no theme '${name}'`);
      else if (theme.retired) messages.push(`the theme '${theme.label}' is retired`);
      else if (!themes.includes(theme.key)) themes.push(theme.key);
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
    });
  }
  return { rows, problems };
}
