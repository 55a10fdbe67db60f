import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import { ENTRY_DEFINITIONS, ENTRY_KINDS, isEntryKind, type EntryInput, type EntryKind } from '../../domain/reviews/review-log.ts';
import { REVIEW_TYPE_LABELS, REVIEW_TYPES, type ReviewType } from '../../domain/reviews/review-types.ts';
import { STATES } from '../../domain/workflow/incident-workflow.ts';
import { can, type Permission } from '../../platform/auth/policy.ts';
import { access } from '../../platform/http/access.ts';
import type { AuditFields } from '../../platform/http/authentication.ts';
import { sendDocument } from '../../platform/http/downloads.ts';
import { notFoundPage } from '../../platform/http/errors.ts';
import { bodyOf, formVersion, dateValues, list, Problems, readDate, text, type FormBody } from '../../platform/http/form-body.ts';
import { readMultipart } from '../../platform/http/multipart-form.ts';
import { publishRoutes } from './publish-routes.ts';
import { publicationOfIncident } from '../repository/catalogue.ts';
import { recordViews } from '../audit/service.ts';
import { actorOf, today } from '../cases/request-context.ts';
import { FILE_TYPE_LABELS, MAX_FILE_BYTES } from '../rapid-reviews/files.ts';
import {
  ADVANCE_COPY_LABELS,
  ADVANCE_COPY_RECIPIENTS,
  addEntry,
  addReport,
  reportProblems,
  assignReviewer,
  finishEntry,
  listReviews,
  findReview,
  loadReview,
  mayAddEntry,
  METHOD_LABELS,
  METHODS,
  PUBLICATION_DECISION_LABELS,
  PUBLICATION_DECISIONS,
  reviewAccess,
  reviewersOf,
  savePublicationDecision,
  saveTerms,
  type Method,
  type PublicationDecision,
  type ReviewAccess,
  type ReviewView,
} from './service.ts';

/**
 * The review pages: /reviews lists the reviews a person may see; /reviews/:id is one case's review
 * with its terms of reference, log, report versions and publication decision. The business unit
 * (case:read, case:write) runs every review of its partnership; a reviewer (review:work) reaches only
 * the reviews they lead. Routes let in either permission; `reviewFor` then checks the record.
 */

const SEE: readonly Permission[] = ['case:read', 'review:work'];
const WORK: readonly Permission[] = ['case:write', 'review:work'];
const MANAGE: Permission = 'case:write';

const LABELS = {
  states: STATES,
  reviewTypes: REVIEW_TYPE_LABELS,
  reviewTypeKeys: REVIEW_TYPES,
  methods: METHOD_LABELS,
  methodKeys: METHODS,
  entries: ENTRY_DEFINITIONS,
  entryKinds: ENTRY_KINDS,
  publication: PUBLICATION_DECISION_LABELS,
  publicationKeys: PUBLICATION_DECISIONS,
  advanceCopy: ADVANCE_COPY_LABELS,
  advanceCopyKeys: ADVANCE_COPY_RECIPIENTS,
  fileTypes: FILE_TYPE_LABELS,
};

const NOTICES: Record<string, string> = {
  reviewer: 'The lead reviewer was saved. They can now see this review, and only this one of the partnership’s cases.',
  terms: 'The terms of reference were saved.',
  entry: 'The entry was added to the review’s log.',
  'entry-done': 'The entry was updated.',
  report: 'The report version was added.',
  publication: 'The publication decision was saved.',
  published: 'The review was published.',
};

export type Need = 'read' | 'contribute' | 'manage';

function forbidden(reply: FastifyReply, detail: string): FastifyReply {
  return reply.code(403).render('error-pages/client-error.njk', { pageTitle: 'You cannot do this', detail, status: 403 });
}


export async function reviewRoutes(app: FastifyInstance): Promise<void> {
  const { database, cipher, documents, files } = app.deps;
  const db = database.db;
  await app.register(multipart, { throwFileSizeLimit: false, limits: { fileSize: MAX_FILE_BYTES, files: 1, fields: 10, fieldSize: 10_000, parts: 12 } });

  /**
   * The review of the case at :id if this person may see it and do `need`; otherwise the
   * not-found page (a reviewer asking for a review they do not lead learns nothing of it) or a
   * refusal, both audited.
   */
  async function reviewFor(req: FastifyRequest, reply: FastifyReply, need: Need): Promise<{ view: ReviewView; may: ReviewAccess } | null> {
    const { id } = req.params as { id: string };
    const found = await findReview(db, cipher, req.principal!, id, today());
    if (found.view) {
      if (found.may[need]) return found;
      await req.audit({ action: 'access-refused', permission: need === 'read' ? 'case:read' : 'case:write', partnershipId: found.view.incident.partnershipId, recordType: 'review', recordId: id, outcome: 'refused' });
      forbidden(reply, 'Only the partnership’s business unit can do this on a review.');
      return null;
    }
    if (found.elsewhere) await req.audit({ action: 'access-refused', permission: 'review:work', partnershipId: found.elsewhere, recordType: 'review', recordId: id, outcome: 'refused' });
    notFoundPage(reply);
    return null;
  }

  const base = (view: ReviewView) => `/cases/${view.incident.id}/review`;

  function render(reply: FastifyReply, template: string, title: string, view: ReviewView, may: ReviewAccess, extra: Record<string, unknown> = {}) {
    return reply.render(`reviews/views/${template}.njk`, {
      pageTitle: `${title} – ${view.incident.reference}`,
      title,
      view,
      may,
      incident: view.incident,
      labels: LABELS,
      values: {},
      fieldErrors: {},
      dateParts: {},
      ...extra,
    });
  }

  /** An audit entry about the review: recorded on its own for a view (`audit`), with its change for a change (`req.change`). */
  function entry(req: FastifyRequest, view: ReviewView, action: string, changes: Record<string, unknown>): AuditFields {
    const permission: Permission = reviewAccess(req.principal, { partnershipId: view.incident.partnershipId, leadReviewerId: view.leadReviewer?.id ?? null }).manage ? 'case:write' : 'review:work';
    return { action, permission, partnershipId: view.incident.partnershipId, recordType: 'review', recordId: view.incident.id, changes };
  }

  async function audit(req: FastifyRequest, view: ReviewView, action: string, changes: Record<string, unknown>) {
    await req.audit(entry(req, view, action, changes));
  }

  // ---- Lists and the overview ------------------------------------------------------------------

  app.get('/cases/reviews', access(SEE), async (req, reply) => {
    const reviews = await listReviews(db, req.principal!);
    return reply.render('reviews/views/list.njk', { pageTitle: 'Reviews', reviews, labels: LABELS });
  });

  app.get('/cases/:id/review', access(SEE), async (req, reply) => {
    const found = await reviewFor(req, reply, 'read');
    if (!found) return reply;
    const { view, may } = found;
    await audit(req, view, 'view', { page: 'review' });
    const q = req.query as Record<string, unknown>;
    const notice = Object.entries(NOTICES).find(([k]) => q.done === k)?.[1] ?? null;
    const publication = await publicationOfIncident(db, view.incident.id);
    const byKind = Object.fromEntries(ENTRY_KINDS.map((k) => [k, view.entries.filter((e) => e.kind === k)]));
    const addable = Object.fromEntries(ENTRY_KINDS.map((k) => [k, view.working && mayAddEntry(k, may)]));
    return render(reply, 'overview', 'Review', view, may, {
      notice,
      publication,
      mayPublish: can(req.principal, 'publication:manage', { partnershipId: view.incident.partnershipId }),
      byKind,
      addable,
      viewedBy: may.manage ? await recordViews(db, 'review', view.incident.id) : [],
      // The day a milestone was met or a delay ended: today unless changed (GOV.UK date input, filled in).
      values: Object.assign({}, ...view.entries.filter((e) => ENTRY_DEFINITIONS[e.kind].doneDate && !e.doneOn).map((e) => dateValues(`done-${e.id}`, today()))),
    });
  });

  // ---- Lead reviewer ---------------------------------------------------------------------------

  async function renderReviewer(reply: FastifyReply, view: ReviewView, may: ReviewAccess, values: FormBody, extra: Record<string, unknown> = {}) {
    return render(reply, 'reviewer', 'Choose the lead reviewer', view, may, { reviewers: await reviewersOf(db, view.incident.partnershipId), values, ...extra });
  }

  app.get('/cases/:id/review/reviewer', access(MANAGE), async (req, reply) => {
    const found = await reviewFor(req, reply, 'manage');
    if (!found) return reply;
    await audit(req, found.view, 'view', { page: 'review-reviewer' });
    return renderReviewer(reply, found.view, found.may, { reviewer: found.view.leadReviewer?.id ?? '', version: String(found.view.version) });
  });

  app.post('/cases/:id/review/reviewer', access(MANAGE), async (req, reply) => {
    const found = await reviewFor(req, reply, 'manage');
    if (!found) return reply;
    const body = bodyOf(req);
    const result = await req.change(
      (trx) => assignReviewer(trx, found.view, actorOf(req), text(body, 'reviewer', 100), formVersion(body)),
      (r) => (r.ok ? entry(req, found.view, 'review-reviewer-assigned', { before: { reviewer: found.view.leadReviewer?.id ?? null }, after: { reviewer: text(body, 'reviewer', 100) } }) : null),
    );
    if (result.ok) {
      return reply.redirect(`${base(found.view)}?done=reviewer`, 303);
    }
    const problems = new Problems();
    problems.addAll(result.problems, (f) => (f === 'reviewer' ? 'reviewer' : null));
    const current = result.problems.some((p) => p.field === 'version') ? await loadReview(db, cipher, [found.view.incident.partnershipId], found.view.incident.id, today()) : found.view;
    return renderReviewer(reply.code(result.problems.some((p) => p.field === 'version') ? 409 : 422), current ?? found.view, found.may, { ...body, version: String((current ?? found.view).version) }, problems.view());
  });

  // ---- Terms of reference ----------------------------------------------------------------------

  function termsValues(view: ReviewView): FormBody {
    const t = view.terms;
    return {
      reviewType: t.reviewType,
      linesOfEnquiry: t.linesOfEnquiry,
      method: t.method ?? '',
      methodNotes: t.methodNotes,
      version: String(view.version),
      ...dateValues('scopeFrom', t.scopeFrom),
      ...dateValues('scopeTo', t.scopeTo),
    };
  }

  app.get('/cases/:id/review/terms', access(WORK), async (req, reply) => {
    const found = await reviewFor(req, reply, 'contribute');
    if (!found) return reply;
    await audit(req, found.view, 'view', { page: 'review-terms' });
    return render(reply, 'terms', 'Terms of reference and method', found.view, found.may, { values: termsValues(found.view) });
  });

  app.post('/cases/:id/review/terms', access(WORK), async (req, reply) => {
    const found = await reviewFor(req, reply, 'contribute');
    if (!found) return reply;
    const { view, may } = found;
    const body = bodyOf(req);
    const problems = new Problems(['scopeFrom', 'scopeTo']);
    const scopeFrom = readDate(body, problems, 'scopeFrom', 'the start of the period the review covers', false);
    const scopeTo = readDate(body, problems, 'scopeTo', 'the end of the period the review covers', false);
    const method = text(body, 'method', 40);
    const input = {
      reviewType: text(body, 'reviewType', 40) as ReviewType,
      scopeFrom,
      scopeTo,
      linesOfEnquiry: text(body, 'linesOfEnquiry'),
      method: (METHODS as readonly string[]).includes(method) ? (method as Method) : null,
      methodNotes: text(body, 'methodNotes'),
      version: formVersion(body),
    };
    if (!problems.any) {
      const result = await req.change(
        (trx) => saveTerms(trx, cipher, view, actorOf(req), input, today()),
        (r) => (r.ok ? entry(req, view, 'review-terms', { fields: r.changed ?? [] }) : null),
      );
      if (result.ok) {
        return reply.redirect(`${base(view)}?done=terms`, 303);
      }
      problems.addAll(result.problems, (f) => (f === 'version' || f === 'state' ? null : f));
      if (result.problems.some((p) => p.field === 'version')) {
        // Nothing is overwritten: the page shows what is saved now, beside what this person sent.
        const current = (await loadReview(db, cipher, [view.incident.partnershipId], view.incident.id, today())) ?? view;
        return render(reply.code(409), 'terms', 'Terms of reference and method', current, may, { values: termsValues(current), mine: { ...body }, ...problems.view() });
      }
    }
    return render(reply.code(422), 'terms', 'Terms of reference and method', view, may, { values: body, ...problems.view() });
  });

  // ---- The review's log ------------------------------------------------------------------------

  function kindOf(req: FastifyRequest): EntryKind | null {
    const { kind } = req.params as { kind: string };
    return isEntryKind(kind) ? kind : null;
  }

  function readEntry(body: FormBody, kind: EntryKind, problems: Problems): EntryInput {
    const d = ENTRY_DEFINITIONS[kind];
    return {
      onDate: readDate(body, problems, 'onDate', 'the date', false),
      doneOn: d.doneDate ? readDate(body, problems, 'doneOn', 'the end date', false) : null,
      extraDate: d.extraDate ? readDate(body, problems, d.extraDate.name, 'the date the Panel was told', false) : null,
      sosToldOn: d.sosDate ? readDate(body, problems, d.sosDate.name, 'the date the Secretary of State was told', false) : null,
      shortText: d.shortText ? text(body, d.shortText.name, 5_000).trim() : '',
      choices: Object.fromEntries(d.choices.map((c) => [c.name, text(body, c.name, 100)])),
      flags: Object.fromEntries(d.flags.map((f) => [f.name, text(body, f.name, 10) === 'yes'])),
      notes: text(body, 'notes', 20_000).trim(),
    };
  }

  const dateIdsOf = (kind: EntryKind) => ['onDate', 'doneOn', ...(ENTRY_DEFINITIONS[kind].extraDate ? [ENTRY_DEFINITIONS[kind].extraDate.name] : []), ...(ENTRY_DEFINITIONS[kind].sosDate ? [ENTRY_DEFINITIONS[kind].sosDate.name] : [])];

  app.get('/cases/:id/review/log/:kind', access(WORK), async (req, reply) => {
    const found = await reviewFor(req, reply, 'contribute');
    if (!found) return reply;
    const kind = kindOf(req);
    if (!kind) return notFoundPage(reply);
    if (!mayAddEntry(kind, found.may)) return forbidden(reply, 'Only the partnership’s business unit records this.');
    await audit(req, found.view, 'view', { page: 'review-log', kind });
    // Something that has happened (a contact, a check, a delay): today unless changed. Planned things (milestones, events) are asked.
    const values = ENTRY_DEFINITIONS[kind].date.future === 'refused' ? dateValues('onDate', today()) : {};
    return render(reply, 'entry', ENTRY_DEFINITIONS[kind].add, found.view, found.may, { definition: ENTRY_DEFINITIONS[kind], values });
  });

  app.post('/cases/:id/review/log/:kind', access(WORK), async (req, reply) => {
    const found = await reviewFor(req, reply, 'contribute');
    if (!found) return reply;
    const kind = kindOf(req);
    if (!kind) return notFoundPage(reply);
    const { view, may } = found;
    if (!mayAddEntry(kind, may)) return forbidden(reply, 'Only the partnership’s business unit records this.');
    const body = bodyOf(req);
    const problems = new Problems(dateIdsOf(kind));
    const input = readEntry(body, kind, problems);
    if (!problems.any) {
      const result = await req.change(
        (trx) => addEntry(trx, cipher, view, actorOf(req), kind, input, today()),
        (r) => (r.ok ? entry(req, view, 'review-entry', { after: { entry: kind, date: input.onDate } }) : null),
      );
      if (result.ok) {
        return reply.redirect(`${base(view)}?done=entry#${kind}`, 303);
      }
      problems.addAll(result.problems, (f) => (f === 'state' ? null : f));
    }
    return render(reply.code(422), 'entry', ENTRY_DEFINITIONS[kind].add, view, may, { definition: ENTRY_DEFINITIONS[kind], values: body, ...problems.view() });
  });

  app.post('/cases/:id/review/log/entries/:entryId/done', access(WORK), async (req, reply) => {
    const found = await reviewFor(req, reply, 'contribute');
    if (!found) return reply;
    const { view, may } = found;
    const { entryId } = req.params as { entryId: string };
    const logEntry = view.entries.find((e) => e.id === entryId);
    if (!logEntry) return notFoundPage(reply);
    if (!mayAddEntry(logEntry.kind, may)) return forbidden(reply, 'Only the partnership’s business unit records this.');
    const body = bodyOf(req);
    const id = `done-${entryId}`;
    const problems = new Problems([id]);
    const doneOn = readDate(body, problems, id, logEntry.kind === 'milestone' ? 'the date the milestone was met' : 'the date the delay ended', true);
    if (!problems.any) {
      const result = await req.change(
        (trx) => finishEntry(trx, view, actorOf(req), entryId, doneOn as DateOnly, today()),
        (r) => (r.ok ? entry(req, view, 'review-entry-done', { after: { entry: logEntry.kind, doneOn } }) : null),
      );
      if (result.ok) {
        return reply.redirect(`${base(view)}?done=entry-done#${logEntry.kind}`, 303);
      }
      problems.addAll(result.problems, (f) => (f === 'doneOn' ? id : null));
    }
    const byKind = Object.fromEntries(ENTRY_KINDS.map((k) => [k, view.entries.filter((e) => e.kind === k)]));
    const addable = Object.fromEntries(ENTRY_KINDS.map((k) => [k, view.working && mayAddEntry(k, may)]));
    return render(reply.code(422), 'overview', 'Review', view, may, { byKind, addable, viewedBy: may.manage ? await recordViews(db, 'review', view.incident.id) : [], values: body, ...problems.view() });
  });

  // ---- Report versions -------------------------------------------------------------------------

  app.get('/cases/:id/review/reports/new', access(WORK), async (req, reply) => {
    const found = await reviewFor(req, reply, 'contribute');
    if (!found) return reply;
    await audit(req, found.view, 'view', { page: 'review-report-new' });
    return render(reply, 'report', 'Add a version of the report', found.view, found.may);
  });

  app.post('/cases/:id/review/reports/new', access(WORK, { uploads: true }), async (req, reply) => {
    const found = await reviewFor(req, reply, 'contribute');
    if (!found) return reply;
    const { view, may } = found;
    if (!req.isMultipart()) {
      return render(reply.code(422), 'report', 'Add a version of the report', view, may, { errors: [{ text: 'Select the report file', href: '#file' }], fieldErrors: { file: { text: 'Select the report file' } } });
    }
    const { fields, file } = await readMultipart(req, reply);
    const kindValue = text(fields, 'kind', 10);
    const kind = kindValue === 'draft' || kindValue === 'final' ? kindValue : null;
    // The file is read before the transaction opens: nothing waits on it.
    const refused = await reportProblems(view, kind, file, documents);
    if (refused.length === 0 && file && kind) {
      await req.change(
        (trx) => addReport(trx, files, view, actorOf(req), kind, file),
        (r) => entry(req, view, 'review-report', { after: { report: kind, version: r.version } }),
      );
      return reply.redirect(`${base(view)}?done=report#reports`, 303);
    }
    const problems = new Problems();
    problems.addAll(refused, (f) => (f === 'state' ? null : f));
    if (file && refused.some((p) => p.field === 'file')) {
      await audit(req, view, 'file-refused', { reason: refused.find((p) => p.field === 'file')?.message });
    }
    return render(reply.code(422), 'report', 'Add a version of the report', view, may, { values: fields, ...problems.view() });
  });

  app.get('/cases/:id/review/reports/:reportId', access(SEE), async (req, reply) => {
    const found = await reviewFor(req, reply, 'read');
    if (!found) return reply;
    const { reportId } = req.params as { reportId: string };
    const report = found.view.reports.find((r) => r.id === reportId);
    const stored = report ? await files.open(report.sha256) : null;
    if (!report || !stored) return notFoundPage(reply);
    await audit(req, found.view, 'download', { report: report.kind, version: report.version });
    return sendDocument(reply, { body: stored.stream(), name: report.fileName, type: report.fileType });
  });

  publishRoutes(app, { reviewFor, render, audit, entry });

  // ---- Publication decision --------------------------------------------------------------------

  function publicationValues(view: ReviewView): FormBody {
    return {
      decision: view.publicationDecision ?? '',
      reasons: view.publicationReasons,
      advanceCopyTo: view.advanceCopyTo.length ? view.advanceCopyTo : ['panel', 'secretary-of-state', 'ofsted'],
      version: String(view.version),
      ...dateValues('planned', view.plannedPublicationOn),
    };
  }

  app.get('/cases/:id/review/publication', access(MANAGE), async (req, reply) => {
    const found = await reviewFor(req, reply, 'manage');
    if (!found) return reply;
    await audit(req, found.view, 'view', { page: 'review-publication' });
    return render(reply, 'publication', 'Publication decision', found.view, found.may, { values: publicationValues(found.view) });
  });

  app.post('/cases/:id/review/publication', access(MANAGE), async (req, reply) => {
    const found = await reviewFor(req, reply, 'manage');
    if (!found) return reply;
    const { view, may } = found;
    const body = bodyOf(req);
    const problems = new Problems(['planned']);
    const planned = readDate(body, problems, 'planned', 'the planned publication date', false);
    const decision = text(body, 'decision', 40);
    const input = {
      decision: (PUBLICATION_DECISIONS as readonly string[]).includes(decision) ? (decision as PublicationDecision) : null,
      reasons: text(body, 'reasons'),
      plannedPublicationOn: planned,
      advanceCopyTo: list(body, 'advanceCopyTo'),
      version: formVersion(body),
    };
    if (!problems.any) {
      const result = await req.change(
        (trx) => savePublicationDecision(trx, cipher, view, actorOf(req), input, today()),
        (r) => (r.ok ? entry(req, view, 'review-publication-decision', { after: { decision: input.decision, plannedPublicationOn: planned, advanceCopyTo: input.advanceCopyTo } }) : null),
      );
      if (result.ok) {
        return reply.redirect(`${base(view)}?done=publication#publication`, 303);
      }
      problems.addAll(result.problems, (f) => (f === 'version' || f === 'state' ? null : f));
      if (result.problems.some((p) => p.field === 'version')) {
        const current = (await loadReview(db, cipher, [view.incident.partnershipId], view.incident.id, today())) ?? view;
        return render(reply.code(409), 'publication', 'Publication decision', current, may, { values: publicationValues(current), mine: { ...body }, ...problems.view() });
      }
    }
    return render(reply.code(422), 'publication', 'Publication decision', view, may, { values: { ...body, advanceCopyTo: input.advanceCopyTo }, ...problems.view() });
  });
}
