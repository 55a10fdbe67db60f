import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actionProblems, ACTION_STATUS_LABELS, ACTION_STATUSES, isActionStatus, RAG_LABELS, RESPONSE_LABELS, RESPONSES, STEP_LABELS, stepsFrom, type ActionDefinition, type RecommendationDefinition } from '../../domain/learning/actions.ts';
import { agenciesWith, partnershipsWith, type Permission } from '../../platform/auth/policy.ts';
import { access } from '../../platform/http/access.ts';
import { notFoundPage } from '../../platform/http/errors.ts';
import { bodyOf, dateValues, formVersion, list, Problems, readDate, text, type FormBody } from '../../platform/http/form-body.ts';
import { unlessUndone, Undone } from '../../platform/db/undo.ts';
import { readMultipart } from '../../platform/http/multipart-form.ts';
import { actorOf, today } from '../cases/request-context.ts';
import { addEvidenceFile, cleanEvidenceName, detectEvidenceType, EVIDENCE_MAX_BYTES, evidenceProblem } from './evidence.ts';
import {
  actionAccess,
  agenciesOf,
  learningScope,
  listActions,
  loadAction,
  recordStep,
  reviewsWithActions,
  themeOptions,
  updateAction,
  type ActionDetail,
} from './service.ts';
import { OWN_AGENCY, READ, SIGN_OFF, WRITE } from './permissions.ts';
import { visibleAction } from './review-access.ts';
import { actionAssurance, actionsAssurance } from './assurance-view.ts';

/**
 * Learning into practice, on the pages. A review's findings, recommendations and their actions
 * have their pages in review-routes.ts (one module for a case's review and a published review).
 * Every action has its page (/actions/:id), where the owning agency (or
 * the business unit) records progress and evidence and a statutory partner's lead signs it off or
 * sends it back. /actions is the assurance view: every open action the person may see, filtered
 * and paged; an agency contributor sees only their own agency's.
 */


export const LABELS = { statuses: ACTION_STATUS_LABELS, statusKeys: ACTION_STATUSES, rag: RAG_LABELS, responses: RESPONSE_LABELS, responseKeys: RESPONSES, steps: STEP_LABELS };

export const NOTICES: Record<string, string> = {
  recommendation: 'The recommendation was saved.',
  finding: 'The finding was saved.',
  action: 'The action was added.',
  changed: 'The action was changed.',
  note: 'The progress update was added.',
  start: 'The action is now in progress.',
  complete: 'The action is marked as completed. A statutory partner’s lead will check the evidence.',
  evaluate: 'The impact of the action was recorded.',
  close: 'The action was signed off and closed.',
  evidence: 'The evidence file was added.',
  'send-back': 'The action was sent back to the agency, with your reasons.',
};

export function readRecommendation(body: FormBody, problems: Problems): RecommendationDefinition {
  return {
    number: text(body, 'number', 100),
    text: text(body, 'text', 20_000),
    madeOn: readDate(body, problems, 'madeOn', 'the date of the recommendation'),
    themes: list(body, 'themes'),
    agencyIds: list(body, 'agencyIds'),
    response: text(body, 'response', 40) || null,
    responseReasons: text(body, 'responseReasons', 20_000),
  };
}

export function readAction(body: FormBody, problems: Problems): ActionDefinition {
  return {
    agencyId: text(body, 'agencyId', 100),
    leadName: text(body, 'leadName', 400),
    dueOn: readDate(body, problems, 'dueOn', 'the due date'),
    intendedChange: text(body, 'intendedChange', 20_000),
    measureOfSuccess: text(body, 'measureOfSuccess', 20_000),
  };
}

export async function learningRoutes(app: FastifyInstance): Promise<void> {
  const { database, cipher, files, documents } = app.deps;
  const db = database.db;
  await app.register(multipart, { throwFileSizeLimit: false, limits: { fileSize: EVIDENCE_MAX_BYTES, files: 1, fields: 10, fieldSize: 30_000, parts: 12 } });

  // ---- Actions: the assurance view and each action's page --------------------------------------

  const SEE_ACTIONS: readonly Permission[] = [READ, OWN_AGENCY];

  app.get('/actions', access(SEE_ACTIONS), async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const str = (k: string) => (typeof q[k] === 'string' ? (q[k] as string) : '');
    const status = str('status');
    const page = Math.min(10_000, Math.max(1, Number.parseInt(str('page'), 10) || 1));
    const filters = {
      agencyId: str('agency') || undefined,
      status: isActionStatus(status) ? status : ('open' as const),
      overdue: str('overdue') === 'yes',
      theme: str('theme') || undefined,
      reviewId: str('review') || undefined,
      page,
    };
    const result = await listActions(db, req.principal!, filters, today());
    const scope = learningScope(req.principal!);
    const partnerships = scope === 'all' ? [] : scope;
    const byPartnership = await Promise.all(partnerships.map(async (p) => ({ p, list: await agenciesOf(db, p) })));
    const agencyPartnership = new Map(byPartnership.flatMap(({ p, list }) => list.map((a) => [a.id, p] as const)));
    const agencies = byPartnership.flatMap(({ list }) => list);
    const wide = partnershipsWith(req.principal!, READ);
    // An agency contributor filters among their own agencies only; the partnership sees all of its agencies.
    const own = new Set(agenciesWith(req.principal!, OWN_AGENCY));
    const visibleAgencies = wide === 'all' ? agencies : agencies.filter((a) => own.has(a.id) || (wide.length > 0 && wide.includes(agencyPartnership.get(a.id) ?? '')));
    const query = (p: number) => {
      const params = new URLSearchParams();
      if (filters.agencyId) params.set('agency', filters.agencyId);
      if (status && isActionStatus(status)) params.set('status', status);
      if (filters.overdue) params.set('overdue', 'yes');
      if (filters.theme) params.set('theme', filters.theme);
      if (filters.reviewId) params.set('review', filters.reviewId);
      if (p > 1) params.set('page', String(p));
      const s = params.toString();
      return `/actions${s ? `?${s}` : ''}`;
    };
    await req.audit({ action: 'view', permission: wide === 'all' || wide.length ? READ : OWN_AGENCY, partnershipId: partnerships.length === 1 ? partnerships[0] : null, recordType: 'recommendation-actions', changes: { page: 'actions', filters } });
    return reply.render('learning/views/actions.njk', {
      pageTitle: 'Actions from reviews',
      // Overdue assurance checks, for those who see the whole partnership's actions.
      ...(await actionsAssurance(db, wide === 'all' ? partnerships : wide, today())),
      result,
      filters: { agency: filters.agencyId ?? '', status: isActionStatus(status) ? status : '', overdue: filters.overdue, theme: filters.theme ?? '', review: filters.reviewId ?? '' },
      agencies: visibleAgencies,
      themes: await themeOptions(db),
      reviews: await reviewsWithActions(db, req.principal!),
      previous: page > 1 ? query(page - 1) : null,
      next: page < result.pages ? query(page + 1) : null,
      page,
      labels: LABELS,
      mayReadLearning: wide === 'all' || wide.length > 0,
    });
  });

  /** The action at :actionId if the person may see it; otherwise not found (a refusal audited). */
  async function actionFor(req: FastifyRequest, reply: FastifyReply): Promise<ActionDetail | null> {
    const action = await visibleAction(req, db, cipher, (req.params as { actionId: string }).actionId);
    if (!action) notFoundPage(reply);
    return action;
  }

  async function renderAction(reply: FastifyReply, req: FastifyRequest, action: ActionDetail, extra: Record<string, unknown> = {}) {
    const may = actionAccess(req.principal, action);
    return reply.render('learning/views/action.njk', {
      // Its evidence files and the escalations sent while it was overdue (assurance).
      ...(await actionAssurance(db, cipher, action)),
      pageTitle: `Action for recommendation ${action.recommendation.number}`,
      action,
      may,
      ownerSteps: may.owner ? stepsFrom(action.status, 'owner') : [],
      leadSteps: may.lead ? stepsFrom(action.status, 'lead') : [],
      values: {},
      fieldErrors: {},
      labels: LABELS,
      ...extra,
    });
  }

  app.get('/actions/:actionId', access(SEE_ACTIONS), async (req, reply) => {
    const action = await actionFor(req, reply);
    if (!action) return reply;
    const may = actionAccess(req.principal, action);
    await req.audit({ action: 'view', permission: may.manage || !may.owner ? READ : OWN_AGENCY, partnershipId: action.partnershipId, recordType: 'recommendation-action', recordId: action.id });
    const q = req.query as Record<string, unknown>;
    return renderAction(reply, req, action, { notice: typeof q.done === 'string' ? (NOTICES[q.done] ?? null) : null });
  });

  /** Records a step from the action page's forms: progress by the owner, sign-off by a lead. */
  async function step(req: FastifyRequest, reply: FastifyReply, role: 'owner' | 'lead') {
    const action = await actionFor(req, reply);
    if (!action) return reply;
    const may = actionAccess(req.principal, action);
    const permission: Permission = role === 'lead' ? SIGN_OFF : may.manage ? WRITE : OWN_AGENCY;
    if (role === 'lead' ? !may.lead : !may.owner) {
      await req.audit({ action: 'access-refused', permission, partnershipId: action.partnershipId, recordType: 'recommendation-action', recordId: action.id, outcome: 'refused' });
      return reply.code(403).render('error-pages/client-error.njk', {
        pageTitle: 'You cannot do this',
        detail: role === 'lead' ? 'Only a statutory partner’s lead can sign off or send back an action.' : 'Only the agency that owns this action, or the business unit, can record its progress.',
        status: 403,
      });
    }
    // The owner's form is a file upload form: a file of evidence can go with the step (completion needs one).
    const { fields: body, file: upload } = role === 'owner' && req.isMultipart() ? await readMultipart(req, reply) : { fields: bodyOf(req), file: null };
    const stepName = text(body, 'step', 40);
    const input = { text: text(body, 'text', 20_000), whatChanged: text(body, 'whatChanged', 20_000) };
    const form = role === 'lead' ? 'lead' : 'owner';
    const fileProblem = upload ? await evidenceProblem(documents, upload) : null;
    const type = upload && !fileProblem ? detectEvidenceType(upload.bytes) : null;
    if (upload && fileProblem) {
      // A file that cannot be kept stops the step too: nothing is saved, and the person is told why.
      await req.audit({ action: 'file-refused', permission, partnershipId: action.partnershipId, recordType: 'recommendation-action', recordId: action.id, outcome: 'failed', changes: { reason: fileProblem } });
      const problems = new Problems();
      problems.add(`${form}-file`, fileProblem);
      return renderAction(reply.code(422), req, action, { values: { ...body, form }, ...problems.view() });
    }
    // With completion the file is evidence of completion; later it is evidence of the impact.
    const stage = stepName === 'complete' || (action.status !== 'completed' && action.status !== 'impact-evaluated') ? 'completion' : 'impact';
    const result = await unlessUndone(() =>
      req.change(
        async (trx) => {
          if (upload && type) {
            const added = await addEvidenceFile(trx, cipher, files, action, actorOf(req), { stage, bytes: upload.bytes, name: cleanEvidenceName(upload.name, type), type });
            if (!added.ok) return added;
            await req.audit({ action: 'evidence-file-added', permission, partnershipId: action.partnershipId, recordType: 'recommendation-action', recordId: action.id, changes: { after: { fileId: added.id, stage, type, size: added.size, sha256: added.sha256 } } }, trx);
          }
          const r = await recordStep(trx, cipher, action, actorOf(req), role, stepName, input, formVersion(body));
          // The step was refused: the file uploaded with it is not kept either.
          if (!r.ok && upload) throw new Undone(r);
          return r;
        },
        (r) =>
          r.ok && 'step' in r
            ? {
                action: `action-${r.step}`,
                permission,
                partnershipId: action.partnershipId,
                recordType: 'recommendation-action',
                recordId: action.id,
                changes: { before: { status: r.from }, after: { status: r.to } },
              }
            : null,
      ),
    );
    if (result.ok && !('step' in result)) return reply.redirect(`/actions/${action.id}?done=evidence#evidence`, 303);
    if (result.ok) return reply.redirect(`/actions/${action.id}?done=${result.step}`, 303);
    const problems = new Problems();
    problems.addAll(result.problems, (f) => (f === 'version' ? null : `${form}-${f}`));
    const current = 'conflict' in result && result.conflict ? ((await loadAction(db, cipher, [action.partnershipId], action.id, today())) ?? action) : action;
    return renderAction(reply.code('conflict' in result && result.conflict ? 409 : 422), req, current, { values: { ...body, form }, ...problems.view() });
  }

  // ---- Changing an action (the business unit) ---------------------------------------------------

  async function renderActionEdit(reply: FastifyReply, action: ActionDetail, values: FormBody, extra: Record<string, unknown> = {}) {
    return reply.render('learning/views/action-form.njk', {
      pageTitle: `Change the action for recommendation ${action.recommendation.number}`,
      title: `Change the action for recommendation ${action.recommendation.number}`,
      back: `/actions/${action.id}`,
      action: `/actions/${action.id}/edit`,
      button: 'Save the action',
      incident: { reference: action.recommendation.incidentReference ?? '' },
      recommendation: action.recommendation,
      agencies: await agenciesOf(db, action.partnershipId),
      values,
      fieldErrors: {},
      dateParts: {},
      ...extra,
    });
  }

  async function actionToManage(req: FastifyRequest, reply: FastifyReply): Promise<ActionDetail | null> {
    const action = await actionFor(req, reply);
    if (!action) return null;
    if (actionAccess(req.principal, action).manage) return action;
    await req.audit({ action: 'access-refused', permission: WRITE, partnershipId: action.partnershipId, recordType: 'recommendation-action', recordId: action.id, outcome: 'refused' });
    reply.code(403).render('error-pages/client-error.njk', { pageTitle: 'You cannot do this', detail: 'Only the partnership’s business unit can change an action.', status: 403 });
    return null;
  }

  app.get('/actions/:actionId/edit', access(WRITE), async (req, reply) => {
    const action = await actionToManage(req, reply);
    if (!action) return reply;
    await req.audit({ action: 'view', permission: WRITE, partnershipId: action.partnershipId, recordType: 'recommendation-action', recordId: action.id, changes: { page: 'action-edit' } });
    return renderActionEdit(reply, action, { agencyId: action.agencyId, leadName: action.leadName, ...dateValues('dueOn', action.dueOn), intendedChange: action.intendedChange, measureOfSuccess: action.measureOfSuccess, version: String(action.version) });
  });

  app.post('/actions/:actionId/edit', access(WRITE), async (req, reply) => {
    const action = await actionToManage(req, reply);
    if (!action) return reply;
    const body = bodyOf(req);
    const problems = new Problems(['dueOn']);
    const input = readAction(body, problems);
    let conflict = false;
    if (problems.any) {
      const agencies = await agenciesOf(db, action.partnershipId);
      problems.addAll(actionProblems({ ...input, dueOn: action.recommendation.madeOn }, action.recommendation.madeOn, agencies.map((a) => a.id)));
    } else {
      const result = await req.change(
        (trx) => updateAction(trx, cipher, action, actorOf(req), input, formVersion(body)),
        (r) =>
          r.ok && r.changed.length
            ? {
                action: 'action-changed',
                permission: WRITE,
                partnershipId: action.partnershipId,
                recordType: 'recommendation-action',
                recordId: action.id,
                changes: { before: { agencyId: action.agencyId, leadName: action.leadName, dueOn: action.dueOn }, after: { agencyId: input.agencyId, leadName: input.leadName, dueOn: input.dueOn }, changed: r.changed },
              }
            : null,
      );
      if (result.ok) return reply.redirect(`/actions/${action.id}?done=changed`, 303);
      conflict = Boolean(result.conflict);
      problems.addAll(result.problems, (f) => (f === 'version' || f === 'state' ? null : f));
    }
    const current = conflict ? ((await loadAction(db, cipher, [action.partnershipId], action.id, today())) ?? action) : action;
    return renderActionEdit(reply.code(conflict ? 409 : 422), current, { ...body, version: String(current.version) }, problems.view());
  });

  app.post('/actions/:actionId/updates', access([WRITE, OWN_AGENCY], { uploads: true }), async (req, reply) => step(req, reply, 'owner'));
  app.post('/actions/:actionId/sign-off', access(SIGN_OFF), async (req, reply) => step(req, reply, 'lead'));
}
