import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { compareDates, formatDateForDisplay, todayInLondon, type DateOnly } from '../../domain/calendar/date-only.ts';
import { textProblem } from '../../domain/text/plain-text.ts';
import { isReviewType, REVIEW_TYPE_LABELS, REVIEW_TYPES } from '../../domain/reviews/review-types.ts';
import { partnershipsWith } from '../../platform/auth/policy.ts';
import { access } from '../../platform/http/access.ts';
import { requireInScope } from '../../platform/http/authentication.ts';
import { parseDateInput } from '../../platform/http/date-input.ts';
import { readMultipart } from '../../platform/http/multipart-form.ts';
import type { ErrorItem } from '../../platform/http/forms.ts';
import { noticeFor } from '../admin/notices.ts';
import { FILE_TYPE_LABELS, type FileType } from '../rapid-reviews/files.ts';
import { CatalogueError, getPublicationById, listThemes, publicationsOf, SUMMARY_MAX, TITLE_MAX, withdrawPublicationFile, type Publication } from '../repository/catalogue.ts';
import { listPartnerships } from '../partnerships/service.ts';
import { importReport, IMPORT_MAX_BYTES } from './import.ts';
import { addTheme, findTheme, rewordTheme, setThemeRetired, ThemeError, themeUse } from './themes.ts';

/**
 * The business unit's side of the public repository: the partnership's published reviews, importing
 * a report published before the service (or elsewhere), withdrawing a report file, and the theme
 * vocabulary.
 *
 * Themes are managed by system administrators (`partnerships:manage`), not by each partnership:
 * the vocabulary is shared by every partnership's publications and by the public search filters,
 * so rewording or retiring a theme changes what everyone sees, and one partnership must not do
 * that to the others.
 */

const PERMISSION = 'publication:manage';
const THEMES = 'partnerships:manage';
const KEY = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const NOTICES: Record<string, string> = {
  imported: 'The report was imported and is now in the public repository.',
  withdrawn: 'The report file was withdrawn. Its catalogue record and learning stay public.',
};

const THEME_NOTICES: Record<string, string> = {
  added: 'Theme added.',
  reworded: 'Theme renamed. Publications with this theme show the new name.',
  retired: 'Theme retired. It is no longer offered for new publications; publications that have it keep it.',
  restored: 'Theme restored. It is offered for new publications again.',
};

type Fields = Record<string, string | string[]>;
type Problems = { errors: ErrorItem[]; fieldErrors: Record<string, { text: string }>; dateParts: Record<string, string[]> };

function problems(): Problems & { add(field: string, text: string, href?: string): void } {
  const p: Problems = { errors: [], fieldErrors: {}, dateParts: {} };
  return {
    ...p,
    add(field, text, href) {
      if (p.fieldErrors[field]) return;
      p.fieldErrors[field] = { text };
      p.errors.push({ text, href: href ?? `#${field}` });
    },
  };
}

const one = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '');
const many = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function fileStatus(f: { type: FileType | null; pageCount: number | null; withdrawnOn: DateOnly | null }): string {
  if (!f.type) return 'No report file';
  if (f.withdrawnOn) return `Withdrawn on ${formatDateForDisplay(f.withdrawnOn)}`;
  const pages = f.pageCount ? `, ${f.pageCount} ${f.pageCount === 1 ? 'page' : 'pages'}` : '';
  return `${FILE_TYPE_LABELS[f.type]}${pages}`;
}

export async function publicationRoutes(app: FastifyInstance): Promise<void> {
  const { database, documents, files } = app.deps;
  const db = database.db;
  // Published reports can be longer than an agency's answer: their own limit, in this plugin's scope.
  await app.register(multipart, { throwFileSizeLimit: false, limits: { fileSize: IMPORT_MAX_BYTES, files: 1, fields: 100, fieldSize: 100_000, parts: 110 } });

  const today = (): DateOnly => todayInLondon(new Date());

  /** The partnerships the person manages publications for, by name. */
  async function partnershipsFor(req: FastifyRequest): Promise<{ id: string; name: string; slug: string }[]> {
    return listPartnerships(db, partnershipsWith(req.principal!, PERMISSION));
  }

  app.get('/publications', access(PERMISSION), async (req, reply) => {
    const partnerships = await partnershipsFor(req);
    const publications = (await publicationsOf(db, partnerships.map((p) => p.id))).map((r) => ({
      id: r.id,
      slug: r.slug,
      title: r.title,
      partnership: { name: r.partnershipName },
      publishedOn: r.publishedOn,
      withdrawableOn: r.withdrawableOn,
      fileStatus: fileStatus({ type: r.fileType, pageCount: r.pageCount, withdrawnOn: r.fileWithdrawnOn }),
      mayWithdraw: r.fileType !== null && !r.fileWithdrawnOn,
    }));
    return reply.render('publications/views/list.njk', {
      pageTitle: 'Published reviews',
      publications,
      showPartnership: partnerships.length > 1,
      notice: noticeFor(req, NOTICES),
      formatDate: formatDateForDisplay,
    });
  });

  // ----- import one report -----

  async function renderImport(req: FastifyRequest, reply: FastifyReply, values: Fields, found: Problems = { errors: [], fieldErrors: {}, dateParts: {} }) {
    const partnerships = await partnershipsFor(req);
    const themes = await listThemes(db);
    const chosen = new Set(many(values.themes));
    return reply.render('publications/views/import.njk', {
      pageTitle: 'Import a published report',
      values,
      ...found,
      partnerships,
      partnershipItems: [{ value: '', text: 'Choose a partnership' }, ...partnerships.map((p) => ({ value: p.id, text: p.name, selected: p.id === one(values.partnership) }))],
      reviewTypeItems: REVIEW_TYPES.map((t) => ({ value: t, text: REVIEW_TYPE_LABELS[t], checked: t === one(values.review_type) })),
      themeItems: themes.map((t) => ({ value: t.key, text: t.label, checked: chosen.has(t.key) })),
      maxMb: IMPORT_MAX_BYTES / 1024 / 1024,
    });
  }

  app.get('/publications/import', access(PERMISSION), async (req, reply) => renderImport(req, reply, {}));

  app.post('/publications/import', access(PERMISSION, { uploads: true }), async (req, reply) => {
    const found = problems();
    if (!req.isMultipart()) {
      found.add('file', 'Send the form from the page: it must be sent as a file upload form');
      return renderImport(req, reply.code(415), {}, found);
    }
    const { fields, file } = await readMultipart(req, reply);
    const values: Fields = { ...fields, themes: many(fields.themes) };
    const partnerships = await partnershipsFor(req);
    const partnership = partnerships.length === 1 ? partnerships[0] : partnerships.find((p) => p.id === one(fields.partnership));
    if (!partnership) found.add('partnership', 'Choose the partnership that published the report');

    if (!file || file.bytes.length === 0) found.add('file', file ? 'The selected file is empty' : 'Select the report file');
    else if (file.truncated) found.add('file', `The selected file must be smaller than ${IMPORT_MAX_BYTES / 1024 / 1024} MB`);

    const title = one(fields.title).trim();
    if (!title) found.add('title', 'Enter the title of the report');
    else {
      const problem = textProblem(title, { label: 'The title', max: TITLE_MAX });
      if (problem) found.add('title', problem);
    }
    const date = parseDateInput(fields, 'published_on', { label: 'the date the report was published' });
    let publishedOn: DateOnly | null = null;
    if ('error' in date) {
      found.add('published_on', date.error, `#published_on-${date.parts[0]}`);
      found.dateParts.published_on = date.parts;
    } else if (date.value && compareDates(date.value, today()) > 0) {
      found.add('published_on', 'The date the report was published must be today or in the past', '#published_on-day');
      found.dateParts.published_on = ['day', 'month', 'year'];
    } else publishedOn = date.value;
    const reviewType = one(fields.review_type);
    if (!isReviewType(reviewType)) found.add('review_type', 'Choose the type of review');
    const active = new Set((await listThemes(db)).map((t) => t.key));
    const themes = [...new Set(many(fields.themes))];
    if (themes.some((t) => !active.has(t))) found.add('themes', 'Choose themes from the list');
    const summary = one(fields.summary).trim();
    if (!summary) found.add('summary', 'Enter a summary of the review');
    else {
      const problem = textProblem(summary, { label: 'The summary', max: SUMMARY_MAX, multiline: true });
      if (problem) found.add('summary', problem);
    }
    if (found.errors.length > 0 || !partnership || !file || !publishedOn || !isReviewType(reviewType)) {
      return renderImport(req, reply.code(422), values, found);
    }

    const outcome = await importReport(
      db,
      files,
      { partnershipId: partnership.id, title, summary, reviewType, themes, publishedOn, publishedBy: req.principal!.userId, file: { name: file.name, bytes: file.bytes } },
      documents,
      (trx, imported) =>
        req.audit(
          {
            action: 'publication-imported',
            permission: PERMISSION,
            partnershipId: partnership.id,
            recordType: 'publication',
            recordId: imported.id,
            changes: { after: { slug: imported.slug, title, publishedOn, reviewType, themes, pages: imported.pages } },
          },
          trx,
        ),
    );
    if (outcome.status !== 'imported') {
      const message =
        outcome.status === 'already-imported'
          ? 'The selected file is already in the repository: each report is kept once'
          : `The selected file cannot be imported: ${outcome.reason}`;
      found.add('file', message);
      await req.audit({ action: 'publication-import-refused', permission: PERMISSION, partnershipId: partnership.id, recordType: 'publication', outcome: 'failed', changes: { reason: message } });
      return renderImport(req, reply.code(422), values, found);
    }
    return reply.redirect('/publications?imported=1', 303);
  });

  // ----- withdraw a report file -----

  /** The publication in the address, if it is the person's to manage (else a 404 has been sent). */
  async function publicationFor(req: FastifyRequest, reply: FastifyReply): Promise<Publication | null> {
    const { id } = req.params as { id: string };
    const publication = UUID.test(id) ? await getPublicationById(db, id) : undefined;
    if (!publication) {
      reply.code(404).render('error-pages/not-found.njk', { pageTitle: 'Page not found' });
      return null;
    }
    return (await requireInScope(req, reply, PERMISSION, publication.partnership.id)) ? publication : null;
  }

  function renderWithdraw(reply: FastifyReply, p: Publication, values: Fields = {}, found: Partial<Problems> = {}) {
    const early = compareDates(today(), p.withdrawableOn) < 0;
    return reply.render('publications/views/withdraw.njk', {
      pageTitle: 'Withdraw the report file',
      publication: p,
      early,
      publishedOn: formatDateForDisplay(p.publishedOn),
      withdrawableOn: formatDateForDisplay(p.withdrawableOn),
      withdrawnOn: p.fileWithdrawnOn ? formatDateForDisplay(p.fileWithdrawnOn) : null,
      values,
      ...found,
    });
  }

  app.get('/publications/:id/withdraw', access(PERMISSION), async (req, reply) => {
    const p = await publicationFor(req, reply);
    if (!p) return reply;
    return renderWithdraw(reply, p);
  });

  app.post('/publications/:id/withdraw', access(PERMISSION), async (req, reply) => {
    const p = await publicationFor(req, reply);
    if (!p) return reply;
    const values = (req.body ?? {}) as Fields;
    const reason = one(values.reason).trim();
    const on = today();
    try {
      await req.change(
        (trx) => withdrawPublicationFile(trx, { id: p.id, on, reason: reason || null }),
        () => ({
          action: 'publication-file-withdrawn',
          permission: PERMISSION,
          partnershipId: p.partnership.id,
          recordType: 'publication',
          recordId: p.id,
          changes: { after: { fileWithdrawnOn: on, reason: reason || null, beforeWithdrawableOn: compareDates(on, p.withdrawableOn) < 0 } },
        }),
      );
    } catch (err) {
      if (!(err instanceof CatalogueError)) throw err;
      const found = problems();
      found.add('reason', err.message.replace(/\.$/, ''));
      return renderWithdraw(reply.code(422), p, values, found);
    }
    return reply.redirect('/publications?withdrawn=1', 303);
  });

  // ----- themes -----

  async function renderThemes(req: FastifyRequest, reply: FastifyReply, values: Fields = {}, found: Partial<Problems> = {}) {
    const [themes, use] = await Promise.all([listThemes(db, { includeRetired: true }), themeUse(db)]);
    return reply.render('publications/views/themes.njk', {
      pageTitle: 'Themes',
      themes: themes.map((t) => ({ ...t, uses: use.get(t.key) ?? 0 })),
      notice: noticeFor(req, THEME_NOTICES),
      values,
      ...found,
    });
  }

  app.get('/admin/themes', access(THEMES), async (req, reply) => renderThemes(req, reply));

  app.post('/admin/themes', access(THEMES), async (req, reply) => {
    const values = (req.body ?? {}) as Fields;
    try {
      await req.change(
        (trx) => addTheme(trx, one(values.label)),
        (theme) => ({ action: 'theme-added', permission: THEMES, recordType: 'theme', recordId: theme.key, changes: { after: theme } }),
      );
    } catch (err) {
      if (!(err instanceof ThemeError)) throw err;
      const found = problems();
      found.add('label', err.message);
      return renderThemes(req, reply.code(422), values, found);
    }
    return reply.redirect('/admin/themes?added=1', 303);
  });

  async function themeFor(req: FastifyRequest, reply: FastifyReply) {
    const { key } = req.params as { key: string };
    const theme = KEY.test(key) ? await findTheme(db, key) : undefined;
    if (!theme) reply.code(404).render('error-pages/not-found.njk', { pageTitle: 'Page not found' });
    return theme ?? null;
  }

  async function renderTheme(reply: FastifyReply, theme: { key: string; label: string; retired: boolean }, values: Fields = {}, found: Partial<Problems> = {}) {
    const uses = (await themeUse(db)).get(theme.key) ?? 0;
    return reply.render('publications/views/theme.njk', { pageTitle: `Change the theme ‘${theme.label}’`, theme, uses, values: { label: theme.label, ...values }, ...found });
  }

  app.get('/admin/themes/:key', access(THEMES), async (req, reply) => {
    const theme = await themeFor(req, reply);
    if (!theme) return reply;
    return renderTheme(reply, theme);
  });

  app.post('/admin/themes/:key', access(THEMES), async (req, reply) => {
    const theme = await themeFor(req, reply);
    if (!theme) return reply;
    const values = (req.body ?? {}) as Fields;
    try {
      await req.change(
        (trx) => rewordTheme(trx, theme.key, one(values.label)),
        (change) => ({ action: 'theme-reworded', permission: THEMES, recordType: 'theme', recordId: theme.key, changes: { before: { label: change.before }, after: { label: change.after } } }),
      );
    } catch (err) {
      if (!(err instanceof ThemeError)) throw err;
      const found = problems();
      found.add('label', err.message);
      return renderTheme(reply.code(422), theme, values, found);
    }
    return reply.redirect('/admin/themes?reworded=1', 303);
  });

  for (const [path, retired] of [['retire', true], ['restore', false]] as const) {
    app.post(`/admin/themes/:key/${path}`, access(THEMES), async (req, reply) => {
      const theme = await themeFor(req, reply);
      if (!theme) return reply;
      await req.change(
        (trx) => setThemeRetired(trx, theme.key, retired),
        () => ({ action: retired ? 'theme-retired' : 'theme-restored', permission: THEMES, recordType: 'theme', recordId: theme.key, changes: { before: { retired: theme.retired }, after: { retired } } }),
      );
      return reply.redirect(`/admin/themes?${retired ? 'retired' : 'restored'}=1`, 303);
    });
  }
}
