import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actionProblems } from '../../domain/learning/actions.ts';
import { partnershipsWith, type Permission } from '../../platform/auth/policy.ts';
import { access } from '../../platform/http/access.ts';
import { notFoundPage } from '../../platform/http/errors.ts';
import { bodyOf, dateValues, formVersion, Problems, type FormBody } from '../../platform/http/form-body.ts';
import { actorOf, today } from '../cases/request-context.ts';
import { getPublicationById, type Publication } from '../repository/catalogue.ts';
import { READ, WRITE } from './permissions.ts';
import { LABELS, NOTICES, readAction, readRecommendation } from './routes.ts';
import { actionAccess, addAction, addRecommendation, agenciesOf, checkRecommendation, recommendationsOfReview, themeOptions, updateRecommendation, type RecommendationView } from './service.ts';

/**
 * Recommendations of a published review in the repository that no case holds: a serious case
 * review imported from the archive, a national or thematic review the partnership published.
 * Partnerships publish "all reviews and their recommendations" (Working Together 2023, ch. 5),
 * historic ones included. The business unit records them here as it does on a case's review; they
 * are published on the review's public page with their current status. A review published from a
 * case keeps its recommendations on the case, so its address leads there.
 */
export async function publicationRecommendationRoutes(app: FastifyInstance): Promise<void> {
  const db = app.deps.database.db;

  /** The publication in the address if the person holds `permission` in its partnership; otherwise not found (a refusal audited). */
  async function publicationFor(req: FastifyRequest, reply: FastifyReply, permission: Permission): Promise<Publication | null> {
    const { id } = req.params as { id: string };
    const publication = await getPublicationById(db, id);
    const scope = partnershipsWith(req.principal!, permission);
    if (publication && (scope === 'all' || scope.includes(publication.partnership.id))) {
      if (publication.incidentId) {
        reply.redirect(`/cases/${publication.incidentId}/review/recommendations`, 303);
        return null;
      }
      return publication;
    }
    if (publication) await req.audit({ action: 'access-refused', permission, partnershipId: publication.partnership.id, recordType: 'recommendations', recordId: publication.id, outcome: 'refused' });
    notFoundPage(reply);
    return null;
  }

  const base = (p: Publication) => `/publications/${p.id}/recommendations`;
  const ref = (p: Publication) => ({ publicationId: p.id });
  const find = async (p: Publication, recId: string) => (await recommendationsOfReview(db, p.partnership.id, ref(p), today())).find((r) => r.id === recId);
  const caption = (p: Publication) => `Published review · ${p.title}`;

  app.get('/publications/:id/recommendations', access(READ), async (req, reply) => {
    const p = await publicationFor(req, reply, READ);
    if (!p) return reply;
    await req.audit({ action: 'view', permission: READ, partnershipId: p.partnership.id, recordType: 'publication', recordId: p.id, changes: { page: 'recommendations' } });
    const [recommendations, agencies, themes] = await Promise.all([recommendationsOfReview(db, p.partnership.id, ref(p), today()), agenciesOf(db, p.partnership.id), themeOptions(db)]);
    const q = req.query as Record<string, unknown>;
    return reply.render('learning/views/recommendations.njk', {
      pageTitle: `Recommendations – ${p.title}`,
      incident: { id: '', reference: '', partnershipName: p.partnership.name },
      caption: caption(p),
      base: base(p),
      back: { text: 'Published reviews', href: '/publications' },
      publicPage: `/reviews/${p.slug}`,
      recommendations,
      agencyNames: Object.fromEntries(agencies.map((a) => [a.id, a.name])),
      themeLabels: Object.fromEntries(themes.map((t) => [t.key, t.label])),
      mayManage: actionAccess(req.principal, { partnershipId: p.partnership.id, agencyId: '' }).manage,
      notice: typeof q.done === 'string' ? (NOTICES[q.done] ?? null) : null,
      labels: LABELS,
    });
  });

  async function renderForm(reply: FastifyReply, p: Publication, rec: RecommendationView | null, values: FormBody, extra: Record<string, unknown> = {}) {
    const [agencies, themes] = await Promise.all([agenciesOf(db, p.partnership.id), themeOptions(db)]);
    return reply.render('learning/views/recommendation-form.njk', {
      pageTitle: `${rec ? 'Change' : 'Add'} a recommendation – ${p.title}`,
      title: rec ? `Change recommendation ${rec.number}` : 'Add a recommendation',
      action: rec ? `${base(p)}/${rec.id}/edit` : `${base(p)}/new`,
      back: base(p),
      caption: caption(p),
      incident: { reference: '' },
      agencies,
      themes,
      values,
      fieldErrors: {},
      dateParts: {},
      labels: LABELS,
      ...extra,
    });
  }

  const values = (r: RecommendationView): FormBody => ({
    number: r.number,
    text: r.text,
    ...dateValues('madeOn', r.madeOn),
    themes: r.themes,
    agencyIds: r.agencyIds,
    response: r.response ?? '',
    responseReasons: r.responseReasons,
    version: String(r.version),
  });

  app.get('/publications/:id/recommendations/new', access(WRITE), async (req, reply) => {
    const p = await publicationFor(req, reply, WRITE);
    if (!p) return reply;
    return renderForm(reply, p, null, { ...dateValues('madeOn', p.publishedOn), themes: [], agencyIds: [] });
  });

  app.post('/publications/:id/recommendations/new', access(WRITE), async (req, reply) => {
    const p = await publicationFor(req, reply, WRITE);
    if (!p) return reply;
    const body = bodyOf(req);
    const problems = new Problems(['madeOn']);
    const input = readRecommendation(body, problems);
    const pid = p.partnership.id;
    if (problems.any) problems.addAll(await checkRecommendation(db, pid, { ...input, madeOn: today() }));
    else {
      const result = await req.change(
        (trx) => addRecommendation(trx, pid, ref(p), actorOf(req), input),
        (r) => (r.ok ? { action: 'recommendation-added', permission: WRITE, partnershipId: pid, recordType: 'recommendation', recordId: r.id, changes: { after: { publicationId: p.id, ...input } } } : null),
      );
      if (result.ok) return reply.redirect(`${base(p)}?done=recommendation`, 303);
      problems.addAll(result.problems);
    }
    return renderForm(reply.code(422), p, null, { ...body, themes: input.themes, agencyIds: input.agencyIds }, problems.view());
  });

  async function recommendationFor(req: FastifyRequest, reply: FastifyReply, p: Publication): Promise<RecommendationView | null> {
    const rec = await find(p, (req.params as { recId: string }).recId);
    if (!rec) notFoundPage(reply);
    return rec ?? null;
  }

  app.get('/publications/:id/recommendations/:recId/edit', access(WRITE), async (req, reply) => {
    const p = await publicationFor(req, reply, WRITE);
    if (!p) return reply;
    const rec = await recommendationFor(req, reply, p);
    if (!rec) return reply;
    return renderForm(reply, p, rec, values(rec));
  });

  app.post('/publications/:id/recommendations/:recId/edit', access(WRITE), async (req, reply) => {
    const p = await publicationFor(req, reply, WRITE);
    if (!p) return reply;
    const rec = await recommendationFor(req, reply, p);
    if (!rec) return reply;
    const body = bodyOf(req);
    const problems = new Problems(['madeOn']);
    const input = readRecommendation(body, problems);
    let conflict = false;
    if (problems.any) problems.addAll(await checkRecommendation(db, rec.partnershipId, { ...input, madeOn: today() }));
    else {
      const result = await req.change(
        (trx) => updateRecommendation(trx, rec, actorOf(req), input, formVersion(body)),
        (r) =>
          r.ok
            ? {
                action: 'recommendation-changed',
                permission: WRITE,
                partnershipId: rec.partnershipId,
                recordType: 'recommendation',
                recordId: rec.id,
                changes: { before: { number: rec.number, text: rec.text, madeOn: rec.madeOn, themes: rec.themes, agencyIds: rec.agencyIds, response: rec.response, responseReasons: rec.responseReasons }, after: input },
              }
            : null,
      );
      if (result.ok) return reply.redirect(`${base(p)}?done=recommendation`, 303);
      conflict = Boolean(result.conflict);
      problems.addAll(result.problems, (f) => (f === 'version' ? null : f));
    }
    const current = conflict ? ((await find(p, rec.id)) ?? rec) : rec;
    const shown = conflict ? values(current) : { ...body, themes: input.themes, agencyIds: input.agencyIds, version: String(rec.version) };
    return renderForm(reply.code(conflict ? 409 : 422), p, current, shown, problems.view());
  });

  async function renderActionForm(reply: FastifyReply, p: Publication, rec: RecommendationView, formValues: FormBody, extra: Record<string, unknown> = {}) {
    return reply.render('learning/views/action-form.njk', {
      pageTitle: `Add an action to recommendation ${rec.number} – ${p.title}`,
      title: `Add an action to recommendation ${rec.number}`,
      back: base(p),
      action: `${base(p)}/${rec.id}/actions/new`,
      caption: caption(p),
      incident: { reference: '' },
      recommendation: rec,
      agencies: await agenciesOf(db, rec.partnershipId),
      values: formValues,
      fieldErrors: {},
      dateParts: {},
      ...extra,
    });
  }

  app.get('/publications/:id/recommendations/:recId/actions/new', access(WRITE), async (req, reply) => {
    const p = await publicationFor(req, reply, WRITE);
    if (!p) return reply;
    const rec = await recommendationFor(req, reply, p);
    if (!rec) return reply;
    return renderActionForm(reply, p, rec, { agencyId: rec.agencyIds.length === 1 ? rec.agencyIds[0] : '' });
  });

  app.post('/publications/:id/recommendations/:recId/actions/new', access(WRITE), async (req, reply) => {
    const p = await publicationFor(req, reply, WRITE);
    if (!p) return reply;
    const rec = await recommendationFor(req, reply, p);
    if (!rec) return reply;
    const body = bodyOf(req);
    const problems = new Problems(['dueOn']);
    const input = readAction(body, problems);
    if (problems.any) {
      const agencies = await agenciesOf(db, rec.partnershipId);
      problems.addAll(actionProblems({ ...input, dueOn: rec.madeOn }, rec.madeOn, agencies.map((a) => a.id)));
    } else {
      const result = await req.change(
        (trx) => addAction(trx, rec, actorOf(req), input),
        (r) => (r.ok ? { action: 'action-added', permission: WRITE, partnershipId: rec.partnershipId, recordType: 'recommendation-action', recordId: r.id, changes: { after: { recommendationId: rec.id, ...input } } } : null),
      );
      if (result.ok) return reply.redirect(`${base(p)}?done=action`, 303);
      problems.addAll(result.problems);
    }
    return renderActionForm(reply.code(422), p, rec, body, problems.view());
  });
}
