import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SOURCE_LABELS } from '../../domain/reviews/publication.ts';
import { AGE_BAND_LABELS, AGE_BANDS, HARM_TYPE_LABELS, HARM_TYPES, type AgeBand, type HarmType } from '../../domain/reviews/review-types.ts';
import { can } from '../../platform/auth/policy.ts';
import { access } from '../../platform/http/access.ts';
import type { AuditFields } from '../../platform/http/authentication.ts';
import { bodyOf, formVersion, list, Problems, text, type FormBody } from '../../platform/http/form-body.ts';
import { actorOf, mayIn, today } from '../cases/request-context.ts';
import { checkPublishing, loadPublishing, overrideFinding, publishBlockers, publishReview, saveDraft, type DraftContent, type Publishing } from './publish.ts';
import type { Need } from './routes.ts';
import type { ReviewAccess, ReviewView } from './service.ts';

/**
 * Publishing a completed review (publication:manage): the texts to publish, the anonymisation
 * check with its findings and overrides, and the publication. Part of the reviews pages; the
 * helpers are theirs.
 */

type Helpers = {
  reviewFor(req: FastifyRequest, reply: FastifyReply, need: Need): Promise<{ view: ReviewView; may: ReviewAccess } | null>;
  render(reply: FastifyReply, template: string, title: string, view: ReviewView, may: ReviewAccess, extra?: Record<string, unknown>): FastifyReply | Promise<FastifyReply>;
  audit(req: FastifyRequest, view: ReviewView, action: string, changes: Record<string, unknown>): Promise<void>;
  entry(req: FastifyRequest, view: ReviewView, action: string, changes: Record<string, unknown>): AuditFields;
};

const PUBLISH = 'publication:manage';
const BRIEFING_FIELDS = ['background', 'whyItMatters', 'keyInformation1', 'keyInformation2', 'keyInformation3', 'thingsToRemember', 'whatToDo', 'reflectionQuestions'] as const;
const LABELS = { ageBands: AGE_BAND_LABELS, ageBandKeys: AGE_BANDS, harms: HARM_TYPE_LABELS, harmKeys: HARM_TYPES, sources: SOURCE_LABELS };

function readDraft(body: FormBody): DraftContent {
  const t = (k: string) => text(body, k, 25_000).trim();
  const anyBriefing = BRIEFING_FIELDS.some((k) => t(k));
  const ageBand = t('ageBand');
  const harmType = t('harmType');
  return {
    title: t('title'),
    summary: t('summary'),
    learning: { livedExperience: t('livedExperience'), keyLearning: t('keyLearning'), learningIntoPractice: t('learningIntoPractice') },
    briefing: anyBriefing
      ? { background: t('background'), whyItMatters: t('whyItMatters'), keyInformation: [t('keyInformation1'), t('keyInformation2'), t('keyInformation3')], thingsToRemember: t('thingsToRemember'), whatToDo: t('whatToDo'), reflectionQuestions: t('reflectionQuestions') }
      : null,
    themes: list(body, 'themes'),
    ageBand: ageBand ? (ageBand as AgeBand) : null,
    harmType: harmType ? (harmType as HarmType) : null,
    otherNames: t('otherNames'),
  };
}

function draftValues(draft: DraftContent, version: number): FormBody {
  const b = draft.briefing;
  return {
    title: draft.title,
    summary: draft.summary,
    ...draft.learning,
    background: b?.background ?? '',
    whyItMatters: b?.whyItMatters ?? '',
    keyInformation1: b?.keyInformation[0] ?? '',
    keyInformation2: b?.keyInformation[1] ?? '',
    keyInformation3: b?.keyInformation[2] ?? '',
    thingsToRemember: b?.thingsToRemember ?? '',
    whatToDo: b?.whatToDo ?? '',
    reflectionQuestions: b?.reflectionQuestions ?? '',
    themes: draft.themes,
    ageBand: draft.ageBand ?? '',
    harmType: draft.harmType ?? '',
    otherNames: draft.otherNames,
    version: String(version),
  };
}

export function publishRoutes(app: FastifyInstance, { reviewFor, render, audit, entry }: Helpers): void {
  const { database, cipher, documents, files } = app.deps;
  const db = database.db;

  /** The review, if this person may publish in its partnership. */
  async function publishable(req: FastifyRequest, reply: FastifyReply): Promise<{ view: ReviewView; may: ReviewAccess } | null> {
    const found = await reviewFor(req, reply, 'read');
    if (!found) return null;
    if (can(req.principal, PUBLISH, { partnershipId: found.view.incident.partnershipId })) return found;
    await req.audit({ action: 'access-refused', permission: PUBLISH, partnershipId: found.view.incident.partnershipId, recordType: 'review', recordId: found.view.incident.id, outcome: 'refused' });
    reply.code(403).render('error-pages/client-error.njk', { pageTitle: 'You cannot do this', detail: 'Only the partnership’s administrators publish reviews.', status: 403 });
    return null;
  }

  function renderForm(reply: FastifyReply, view: ReviewView, may: ReviewAccess, publishing: Publishing, values: FormBody, extra: Record<string, unknown> = {}) {
    return render(reply, 'publish', 'Publish the review', view, may, { publishing, values, publishLabels: LABELS, ...extra });
  }

  app.get('/cases/:id/review/publish', access(PUBLISH), async (req, reply) => {
    const found = await publishable(req, reply);
    if (!found) return reply;
    const publishing = await loadPublishing(db, cipher, found.view);
    await audit(req, found.view, 'view', { page: 'publication-draft' });
    const blocked = found.view.incident.state !== 'completed';
    return renderForm(reply.code(blocked ? 422 : 200), found.view, found.may, publishing, draftValues(publishing.draft, publishing.version), blocked ? { errors: [{ text: 'A review can be published once it is recorded as completed (and not yet published)', href: '#main-content' }], blocked } : {});
  });

  app.post('/cases/:id/review/publish', access(PUBLISH), async (req, reply) => {
    const found = await publishable(req, reply);
    if (!found) return reply;
    const { view, may } = found;
    const body = bodyOf(req);
    const draft = readDraft(body);
    const result = await req.change(
      (trx) => saveDraft(trx, cipher, view, actorOf(req), draft, formVersion(body)),
      (r) => (r.ok ? entry(req, view, 'publication-draft', { fields: Object.keys(draft).filter((k) => k !== 'otherNames') }) : null),
    );
    if (result.ok) {
      return reply.redirect(`/cases/${view.incident.id}/review/publish/check`, 303);
    }
    const problems = new Problems();
    problems.addAll(result.problems, (f) => (f === 'state' || f === 'version' ? null : f === 'themes' ? 'themes' : f));
    if (result.problems.some((p) => p.field === 'version')) {
      const current = await loadPublishing(db, cipher, view);
      return renderForm(reply.code(409), view, may, current, draftValues(current.draft, current.version), problems.view());
    }
    return renderForm(reply.code(422), view, may, await loadPublishing(db, cipher, view), { ...body, themes: draft.themes }, problems.view());
  });

  async function renderCheck(req: FastifyRequest, reply: FastifyReply, found: { view: ReviewView; may: ReviewAccess }, extra: Record<string, unknown> = {}) {
    const publishing = await loadPublishing(db, cipher, found.view);
    const check = await checkPublishing(db, files, found.view, publishing, today(), documents);
    await audit(req, found.view, 'view', { page: 'publication-check', findings: check.findings.length, unresolved: check.unresolved.length });
    return render(reply, 'publish-check', 'Check before publishing', found.view, found.may, {
      publishing,
      check,
      blockers: publishBlockers(found.view, publishing, check),
      publishLabels: LABELS,
      values: {},
      ...extra,
    });
  }

  app.get('/cases/:id/review/publish/check', access(PUBLISH), async (req, reply) => {
    const found = await publishable(req, reply);
    if (!found) return reply;
    return renderCheck(req, reply, found);
  });

  app.post('/cases/:id/review/publish/overrides', access(PUBLISH), async (req, reply) => {
    const found = await publishable(req, reply);
    if (!found) return reply;
    const body = bodyOf(req);
    const fingerprint = text(body, 'fingerprint', 200);
    const reason = text(body, `reason-${fingerprint}`, 2_000);
    const publishing = await loadPublishing(db, cipher, found.view);
    const check = await checkPublishing(db, files, found.view, publishing, today(), documents);
    const result = await req.change(
      (trx) => overrideFinding(trx, found.view, publishing, check, actorOf(req), fingerprint, reason),
      (r) =>
        r.ok
          ? // The reason and where the finding was; never the matched text (it may be a name).
            { action: 'anonymisation-override', permission: PUBLISH, partnershipId: found.view.incident.partnershipId, recordType: 'review', recordId: found.view.incident.id, changes: { kind: r.finding.kind, source: r.finding.source, page: r.finding.page, line: r.finding.line, reason: reason.trim() } }
          : null,
    );
    if (result.ok) {
      return reply.redirect(`/cases/${found.view.incident.id}/review/publish/check#findings`, 303);
    }
    const problems = new Problems();
    problems.addAll(result.problems, (f) => (f.startsWith('reason-') ? f : null));
    return renderCheck(req, reply.code(422), found, { ...problems.view(), values: body });
  });

  app.post('/cases/:id/review/publish/confirm', access(PUBLISH), async (req, reply) => {
    const found = await publishable(req, reply);
    if (!found) return reply;
    const publishing = await loadPublishing(db, cipher, found.view);
    // Everything is checked again (the report read from its file) before the transaction opens.
    const check = await checkPublishing(db, files, found.view, publishing, today(), documents);
    const result = await req.change(
      (trx) => publishReview(trx, found.view, publishing, check, actorOf(req), mayIn(req), today()),
      (r) => (r.ok ? { action: 'publication-published', permission: PUBLISH, partnershipId: found.view.incident.partnershipId, recordType: 'review', recordId: found.view.incident.id, changes: { after: { slug: r.slug, publishedOn: today() } } } : null),
    );
    if (result.ok) {
      return reply.redirect(`/cases/${found.view.incident.id}/review?done=published&slug=${encodeURIComponent(result.slug)}`, 303);
    }
    return renderCheck(req, reply.code(422), found, { errors: result.problems.map((p) => ({ text: p, href: '#blockers' })) });
  });
}
