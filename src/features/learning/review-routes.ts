import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import { actionProblems, type RecommendationDefinition } from '../../domain/learning/actions.ts';
import type { FindingDefinition } from '../../domain/learning/findings.ts';
import type { DB } from '../../platform/db/types.ts';
import { partnershipsWith, type Permission } from '../../platform/auth/policy.ts';
import { access } from '../../platform/http/access.ts';
import type { AuditFields } from '../../platform/http/authentication.ts';
import { notFoundPage } from '../../platform/http/errors.ts';
import { bodyOf, dateValues, formVersion, list, Problems, readDate, text, type FormBody, type Problem } from '../../platform/http/form-body.ts';
import { actorOf, today } from '../cases/request-context.ts';
import { getPublicationById } from '../repository/catalogue.ts';
import { addFinding, checkFinding, findingsOfReview, updateFinding, type FindingView } from './findings.ts';
import { READ, WRITE } from './permissions.ts';
import { reviewForRecommendations } from './review-access.ts';
import { LABELS, NOTICES, readAction, readRecommendation } from './routes.ts';
import { actionAccess, addAction, addRecommendation, agenciesOf, checkRecommendation, recommendationsOfReview, themeOptions, updateRecommendation, type Outcome, type RecommendationView, type ReviewRef } from './service.ts';

/**
 * A review's findings, recommendations and their actions on the pages, written once for every
 * kind of review that holds them. Where the review is found differs: a case's review (rapid,
 * local, practice learning, national: /cases/:id/review/…) or a published review in the
 * repository that no case holds (an imported serious case review, a national or thematic review:
 * /publications/:id/…). Each is a `ReviewFinder`; the handlers below serve both alike. The
 * business unit adds and changes; the partners' leads read.
 */

/** A review as these pages need it, wherever it is found. */
export type ReviewPlace = {
  partnershipId: string;
  partnershipName: string;
  ref: ReviewRef;
  /** The address the review's pages hang from, e.g. /cases/{id}/review. */
  root: string;
  /** Its name in page titles: the case's reference or the published title. */
  name: string;
  caption: string;
  back: { text: string; href: string };
  publicPage: string | null;
  /** The date a new finding or recommendation is given on its form. */
  defaultDate: DateOnly;
  /** What a view of the pages is recorded against in the audit trail. */
  record: { recordType: string; recordId: string };
};

export type ReviewFinder = {
  /** The route path the pages hang from, e.g. /cases/:id/review. */
  path: string;
  /** The review in the address if the person holds `permission` in its partnership; otherwise null, the reply sent (not found, or a redirect). */
  find(req: FastifyRequest, reply: FastifyReply, permission: Permission): Promise<ReviewPlace | null>;
};

/** A case's review, of any kind. */
export function caseReviewFinder(app: FastifyInstance): ReviewFinder {
  const { database, cipher } = app.deps;
  return {
    path: '/cases/:id/review',
    async find(req, reply, permission) {
      const view = await reviewForRecommendations(req, database.db, cipher, permission);
      if (!view) {
        notFoundPage(reply);
        return null;
      }
      const { incident } = view;
      return {
        partnershipId: incident.partnershipId,
        partnershipName: incident.partnershipName,
        ref: { incidentId: incident.id },
        root: `/cases/${incident.id}/review`,
        name: incident.reference,
        caption: `Case ${incident.reference} · ${view.kind}`,
        back: { text: 'Case', href: `/cases/${incident.id}` },
        publicPage: null,
        defaultDate: today(),
        record: { recordType: 'review', recordId: incident.id },
      };
    },
  };
}

/**
 * A published review in the repository that no case holds. Partnerships publish "all reviews and
 * their recommendations" (Working Together 2023, ch. 5), historic ones included. A review
 * published from a case keeps its findings and recommendations on the case, so its address leads there.
 */
export function publishedReviewFinder(app: FastifyInstance): ReviewFinder {
  const db = app.deps.database.db;
  return {
    path: '/publications/:id',
    async find(req, reply, permission) {
      const { id } = req.params as { id: string };
      const publication = await getPublicationById(db, id);
      const scope = partnershipsWith(req.principal!, permission);
      if (publication && (scope === 'all' || scope.includes(publication.partnership.id))) {
        if (publication.incidentId) {
          reply.redirect(`/cases/${publication.incidentId}/review/recommendations`, 303);
          return null;
        }
        return {
          partnershipId: publication.partnership.id,
          partnershipName: publication.partnership.name,
          ref: { publicationId: publication.id },
          root: `/publications/${publication.id}`,
          name: publication.title,
          caption: `Published review · ${publication.title}`,
          back: { text: 'Published reviews', href: '/publications' },
          publicPage: `/reviews/${publication.slug}`,
          defaultDate: publication.publishedOn,
          record: { recordType: 'publication', recordId: publication.id },
        };
      }
      if (publication) await req.audit({ action: 'access-refused', permission, partnershipId: publication.partnership.id, recordType: 'recommendations', recordId: publication.id, outcome: 'refused' });
      notFoundPage(reply);
      return null;
    },
  };
}

export function readFinding(body: FormBody, problems: Problems): FindingDefinition {
  return {
    number: text(body, 'number', 100),
    text: text(body, 'text', 20_000),
    foundOn: readDate(body, problems, 'foundOn', 'the date of the finding'),
    themes: list(body, 'themes'),
    recommendationIds: list(body, 'recommendationIds'),
  };
}

const refFields = (ref: ReviewRef) => ('incidentId' in ref ? { incidentId: ref.incidentId } : { publicationId: ref.publicationId });

/**
 * How a form that adds or changes one record of a review is saved: read it (a date that cannot be
 * read is reported with everything else, nothing saved), make the change with its audit entry,
 * and on a refusal show the form again with the answers given, or, when someone else changed the
 * record meanwhile, with theirs (409).
 */
type SaveSpec<T, R> = {
  dateId: string;
  read: (body: FormBody, problems: Problems) => T;
  /** The checks of the rest of the form, for when its date could not be read. */
  checkWithoutDate: (input: T) => Promise<Problem[]>;
  save: (trx: Kysely<DB>, input: T) => Promise<Outcome | Outcome<{ id: string }>>;
  audit: (id: string, input: T) => AuditFields;
  done: string;
  /** The record changed, or null when one is added. */
  record: R | null;
  reload: () => Promise<R | null>;
  values: (r: R) => FormBody;
  /** The answers given, shown again (lists read from the body). */
  again: (body: FormBody, input: T) => FormBody;
  render: (reply: FastifyReply, record: R | null, values: FormBody, extra: Record<string, unknown>) => unknown;
};

async function saveForm<T, R extends { id: string; version: number }>(req: FastifyRequest, reply: FastifyReply, spec: SaveSpec<T, R>) {
  const body = bodyOf(req);
  const problems = new Problems([spec.dateId]);
  const input = spec.read(body, problems);
  let conflict = false;
  if (problems.any) problems.addAll(await spec.checkWithoutDate(input));
  else {
    const result = await req.change(
      (trx) => spec.save(trx, input),
      (x) => (x.ok ? spec.audit(spec.record?.id ?? (x as { id?: string }).id ?? '', input) : null),
    );
    if (result.ok) return reply.redirect(spec.done, 303);
    conflict = Boolean(result.conflict);
    problems.addAll(result.problems, (f) => (f === 'version' ? null : f));
  }
  const current = conflict ? ((await spec.reload()) ?? spec.record) : spec.record;
  const values = conflict && current ? spec.values(current) : { ...spec.again(body, input), ...(spec.record ? { version: String(spec.record.version) } : {}) };
  return spec.render(reply.code(conflict ? 409 : 422), current, values, problems.view());
}

/** The pages of a review's findings, recommendations and actions, for reviews found by `finder`. */
export async function reviewLearningPages(app: FastifyInstance, finder: ReviewFinder): Promise<void> {
  const db = app.deps.database.db;
  const cipher = app.deps.cipher;
  const P = finder.path;
  const recommendationsOf = (r: ReviewPlace) => recommendationsOfReview(db, r.partnershipId, r.ref, today());
  const entry = (r: ReviewPlace, recordType: string, recordId: string, action: string, changes: Record<string, unknown>): AuditFields => ({ action, permission: WRITE, partnershipId: r.partnershipId, recordType, recordId, changes });
  const listing = (r: ReviewPlace) => `${r.root}/recommendations`;

  app.get(`${P}/recommendations`, access(READ), async (req, reply) => {
    const r = await finder.find(req, reply, READ);
    if (!r) return reply;
    await req.audit({ action: 'view', permission: READ, partnershipId: r.partnershipId, ...r.record, changes: { page: 'recommendations' } });
    const [recommendations, findings, agencies, themes] = await Promise.all([recommendationsOf(r), findingsOfReview(db, r.partnershipId, r.ref), agenciesOf(db, r.partnershipId), themeOptions(db)]);
    const q = req.query as Record<string, unknown>;
    return reply.render('learning/views/recommendations.njk', {
      pageTitle: `Findings and recommendations – ${r.name}`,
      review: r,
      base: listing(r),
      recommendations,
      findings,
      agencyNames: Object.fromEntries(agencies.map((a) => [a.id, a.name])),
      themeLabels: Object.fromEntries(themes.map((t) => [t.key, t.label])),
      mayManage: actionAccess(req.principal, { partnershipId: r.partnershipId, agencyId: '' }).manage,
      notice: typeof q.done === 'string' ? (NOTICES[q.done] ?? null) : null,
      labels: LABELS,
    });
  });

  // ---- Recommendations ---------------------------------------------------------------------------

  async function renderRecommendationForm(reply: FastifyReply, r: ReviewPlace, rec: RecommendationView | null, values: FormBody, extra: Record<string, unknown> = {}) {
    const [agencies, themes] = await Promise.all([agenciesOf(db, r.partnershipId), themeOptions(db)]);
    return reply.render('learning/views/recommendation-form.njk', {
      pageTitle: `${rec ? 'Change' : 'Add'} a recommendation – ${r.name}`,
      title: rec ? `Change recommendation ${rec.number}` : 'Add a recommendation',
      action: rec ? `${listing(r)}/${rec.id}/edit` : `${listing(r)}/new`,
      back: listing(r),
      caption: r.caption,
      agencies,
      themes,
      values,
      fieldErrors: {},
      dateParts: {},
      labels: LABELS,
      ...extra,
    });
  }

  const recommendationValues = (rec: RecommendationView): FormBody => ({
    number: rec.number,
    text: rec.text,
    ...dateValues('madeOn', rec.madeOn),
    themes: rec.themes,
    agencyIds: rec.agencyIds,
    response: rec.response ?? '',
    responseReasons: rec.responseReasons,
    version: String(rec.version),
  });

  async function recommendationFor(req: FastifyRequest, reply: FastifyReply, r: ReviewPlace): Promise<RecommendationView | null> {
    const rec = (await recommendationsOf(r)).find((x) => x.id === (req.params as { recId: string }).recId);
    if (!rec) notFoundPage(reply);
    return rec ?? null;
  }

  app.get(`${P}/recommendations/new`, access(WRITE), async (req, reply) => {
    const r = await finder.find(req, reply, WRITE);
    if (!r) return reply;
    await req.audit({ action: 'view', permission: WRITE, partnershipId: r.partnershipId, ...r.record, changes: { page: 'recommendation-new' } });
    return renderRecommendationForm(reply, r, null, { ...dateValues('madeOn', r.defaultDate), themes: [], agencyIds: [] });
  });

  /** Saving the recommendation form: adding one (`rec` null) or changing `rec`. */
  const saveRecommendation = (req: FastifyRequest, reply: FastifyReply, r: ReviewPlace, rec: RecommendationView | null) =>
    saveForm<RecommendationDefinition, RecommendationView>(req, reply, {
      dateId: 'madeOn',
      read: readRecommendation,
      checkWithoutDate: (input) => checkRecommendation(db, r.partnershipId, { ...input, madeOn: today() }),
      save: (trx, input) => (rec ? updateRecommendation(trx, cipher, rec, actorOf(req), input, formVersion(bodyOf(req))) : addRecommendation(trx, cipher, r.partnershipId, r.ref, actorOf(req), input)),
      audit: (id, input) =>
        rec
          ? entry(r, 'recommendation', id, 'recommendation-changed', {
              before: { number: rec.number, text: rec.text, madeOn: rec.madeOn, themes: rec.themes, agencyIds: rec.agencyIds, response: rec.response, responseReasons: rec.responseReasons },
              after: input,
            })
          : entry(r, 'recommendation', id, 'recommendation-added', { after: { ...refFields(r.ref), ...input } }),
      done: `${listing(r)}?done=recommendation`,
      record: rec,
      reload: async () => (rec ? ((await recommendationsOf(r)).find((x) => x.id === rec.id) ?? null) : null),
      values: recommendationValues,
      again: (body, input) => ({ ...body, themes: input.themes, agencyIds: input.agencyIds }),
      render: (res, current, values, extra) => renderRecommendationForm(res, r, current, values, extra),
    });

  app.post(`${P}/recommendations/new`, access(WRITE), async (req, reply) => {
    const r = await finder.find(req, reply, WRITE);
    if (!r) return reply;
    return saveRecommendation(req, reply, r, null);
  });

  app.get(`${P}/recommendations/:recId/edit`, access(WRITE), async (req, reply) => {
    const r = await finder.find(req, reply, WRITE);
    if (!r) return reply;
    const rec = await recommendationFor(req, reply, r);
    if (!rec) return reply;
    await req.audit({ action: 'view', permission: WRITE, partnershipId: r.partnershipId, recordType: 'recommendation', recordId: rec.id, changes: { page: 'recommendation-edit' } });
    return renderRecommendationForm(reply, r, rec, recommendationValues(rec));
  });

  app.post(`${P}/recommendations/:recId/edit`, access(WRITE), async (req, reply) => {
    const r = await finder.find(req, reply, WRITE);
    if (!r) return reply;
    const rec = await recommendationFor(req, reply, r);
    if (!rec) return reply;
    return saveRecommendation(req, reply, r, rec);
  });

  // ---- Actions of a recommendation -----------------------------------------------------------------

  async function renderActionForm(reply: FastifyReply, r: ReviewPlace, rec: RecommendationView, values: FormBody, extra: Record<string, unknown> = {}) {
    return reply.render('learning/views/action-form.njk', {
      pageTitle: `Add an action to recommendation ${rec.number} – ${r.name}`,
      title: `Add an action to recommendation ${rec.number}`,
      back: listing(r),
      action: `${listing(r)}/${rec.id}/actions/new`,
      caption: r.caption,
      recommendation: rec,
      agencies: await agenciesOf(db, rec.partnershipId),
      values,
      fieldErrors: {},
      dateParts: {},
      ...extra,
    });
  }

  app.get(`${P}/recommendations/:recId/actions/new`, access(WRITE), async (req, reply) => {
    const r = await finder.find(req, reply, WRITE);
    if (!r) return reply;
    const rec = await recommendationFor(req, reply, r);
    if (!rec) return reply;
    await req.audit({ action: 'view', permission: WRITE, partnershipId: r.partnershipId, recordType: 'recommendation', recordId: rec.id, changes: { page: 'action-new' } });
    return renderActionForm(reply, r, rec, { agencyId: rec.agencyIds.length === 1 ? rec.agencyIds[0] : '' });
  });

  app.post(`${P}/recommendations/:recId/actions/new`, access(WRITE), async (req, reply) => {
    const r = await finder.find(req, reply, WRITE);
    if (!r) return reply;
    const rec = await recommendationFor(req, reply, r);
    if (!rec) return reply;
    const body = bodyOf(req);
    const problems = new Problems(['dueOn']);
    const input = readAction(body, problems);
    if (problems.any) {
      // The date could not be read: say so, with whatever else is missing, before anything is saved.
      const agencies = await agenciesOf(db, rec.partnershipId);
      problems.addAll(actionProblems({ ...input, dueOn: rec.madeOn }, rec.madeOn, agencies.map((a) => a.id)));
    } else {
      const result = await req.change(
        (trx) => addAction(trx, rec, actorOf(req), input),
        (x) => (x.ok ? entry(r, 'recommendation-action', x.id, 'action-added', { after: { recommendationId: rec.id, ...input } }) : null),
      );
      if (result.ok) return reply.redirect(`${listing(r)}?done=action`, 303);
      problems.addAll(result.problems);
    }
    return renderActionForm(reply.code(422), r, rec, body, problems.view());
  });

  // ---- Findings ------------------------------------------------------------------------------------

  async function renderFindingForm(reply: FastifyReply, r: ReviewPlace, finding: FindingView | null, values: FormBody, extra: Record<string, unknown> = {}) {
    const [themes, recommendations] = await Promise.all([themeOptions(db), recommendationsOf(r)]);
    return reply.render('learning/views/finding-form.njk', {
      pageTitle: `${finding ? 'Change' : 'Add'} a finding – ${r.name}`,
      title: finding ? `Change finding ${finding.number}` : 'Add a finding',
      action: finding ? `${r.root}/findings/${finding.id}/edit` : `${r.root}/findings/new`,
      back: `${listing(r)}#findings`,
      caption: r.caption,
      themes,
      recommendations,
      values,
      fieldErrors: {},
      dateParts: {},
      ...extra,
    });
  }

  const findingValues = (f: FindingView): FormBody => ({ number: f.number, text: f.text, ...dateValues('foundOn', f.foundOn), themes: f.themes, recommendationIds: f.recommendationIds, version: String(f.version) });

  async function findingFor(req: FastifyRequest, reply: FastifyReply, r: ReviewPlace): Promise<FindingView | null> {
    const found = (await findingsOfReview(db, r.partnershipId, r.ref)).find((f) => f.id === (req.params as { findingId: string }).findingId);
    if (!found) notFoundPage(reply);
    return found ?? null;
  }

  app.get(`${P}/findings/new`, access(WRITE), async (req, reply) => {
    const r = await finder.find(req, reply, WRITE);
    if (!r) return reply;
    await req.audit({ action: 'view', permission: WRITE, partnershipId: r.partnershipId, ...r.record, changes: { page: 'finding-new' } });
    return renderFindingForm(reply, r, null, { ...dateValues('foundOn', r.defaultDate), themes: [], recommendationIds: [] });
  });

  /** Saving the finding form: adding one (`finding` null) or changing `finding`. */
  const saveFinding = (req: FastifyRequest, reply: FastifyReply, r: ReviewPlace, finding: FindingView | null) =>
    saveForm<FindingDefinition, FindingView>(req, reply, {
      dateId: 'foundOn',
      read: readFinding,
      checkWithoutDate: (input) => checkFinding(db, r.partnershipId, r.ref, { ...input, foundOn: today() }),
      save: (trx, input) => (finding ? updateFinding(trx, cipher, finding, actorOf(req), input, formVersion(bodyOf(req))) : addFinding(trx, cipher, r.partnershipId, r.ref, actorOf(req), input)),
      audit: (id, input) =>
        finding
          ? entry(r, 'finding', id, 'finding-changed', { before: { number: finding.number, text: finding.text, foundOn: finding.foundOn, themes: finding.themes, recommendationIds: finding.recommendationIds }, after: input })
          : entry(r, 'finding', id, 'finding-added', { after: { ...refFields(r.ref), ...input } }),
      done: `${listing(r)}?done=finding#findings`,
      record: finding,
      reload: async () => (finding ? ((await findingsOfReview(db, r.partnershipId, r.ref)).find((f) => f.id === finding.id) ?? null) : null),
      values: findingValues,
      again: (body, input) => ({ ...body, themes: input.themes, recommendationIds: input.recommendationIds }),
      render: (res, current, values, extra) => renderFindingForm(res, r, current, values, extra),
    });

  app.post(`${P}/findings/new`, access(WRITE), async (req, reply) => {
    const r = await finder.find(req, reply, WRITE);
    if (!r) return reply;
    return saveFinding(req, reply, r, null);
  });

  app.get(`${P}/findings/:findingId/edit`, access(WRITE), async (req, reply) => {
    const r = await finder.find(req, reply, WRITE);
    if (!r) return reply;
    const finding = await findingFor(req, reply, r);
    if (!finding) return reply;
    await req.audit({ action: 'view', permission: WRITE, partnershipId: r.partnershipId, recordType: 'finding', recordId: finding.id, changes: { page: 'finding-edit' } });
    return renderFindingForm(reply, r, finding, findingValues(finding));
  });

  app.post(`${P}/findings/:findingId/edit`, access(WRITE), async (req, reply) => {
    const r = await finder.find(req, reply, WRITE);
    if (!r) return reply;
    const finding = await findingFor(req, reply, r);
    if (!finding) return reply;
    return saveFinding(req, reply, r, finding);
  });
}

/** Every review's findings and recommendations pages: a case's review and a published review no case holds. */
export async function reviewLearningRoutes(app: FastifyInstance): Promise<void> {
  await reviewLearningPages(app, caseReviewFinder(app));
  await reviewLearningPages(app, publishedReviewFinder(app));
}
