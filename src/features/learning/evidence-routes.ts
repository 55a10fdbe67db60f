import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Permission } from '../../platform/auth/policy.ts';
import { access } from '../../platform/http/access.ts';
import { sendDownload } from '../../platform/http/downloads.ts';
import { notFoundPage } from '../../platform/http/errors.ts';
import { Problems, text, type FormBody } from '../../platform/http/form-body.ts';
import { readMultipart } from '../../platform/http/multipart-form.ts';
import { actorOf } from '../cases/request-context.ts';
import {
  addEvidenceFile,
  cleanEvidenceName,
  detectEvidenceType,
  EVIDENCE_CONTENT_TYPES,
  EVIDENCE_MAX_BYTES,
  EVIDENCE_STAGE_LABELS,
  EVIDENCE_STAGES,
  evidenceBlocked,
  evidenceFile,
  evidenceProblem,
  isEvidenceStage,
  type EvidenceStage,
} from './evidence.ts';
import { OWN_AGENCY, READ, WRITE } from './permissions.ts';
import { actionAccess, type ActionDetail } from './service.ts';
import { visibleAction } from './review-access.ts';

/**
 * Evidence files on the pages: the owning agency (or the business unit) attaches files to an action
 * (/actions/:id/evidence/new) as evidence of its completion or of its impact; everyone who may see
 * the action lists them on its page and downloads them (/actions/:id/files/:fileId), each
 * download audited. Another agency's contributor finds neither the action nor its files.
 */

const SEE_ACTIONS: readonly Permission[] = [READ, OWN_AGENCY];
const OWNERS: readonly Permission[] = [WRITE, OWN_AGENCY];

export async function evidenceRoutes(app: FastifyInstance): Promise<void> {
  const { database, cipher, files, documents } = app.deps;
  const db = database.db;
  await app.register(multipart, { throwFileSizeLimit: false, limits: { fileSize: EVIDENCE_MAX_BYTES, files: 1, fields: 10, fieldSize: 10_000, parts: 12 } });

  /** The action at :actionId if the person may see it; otherwise not found (a refusal audited). */
  async function actionFor(req: FastifyRequest, reply: FastifyReply): Promise<ActionDetail | null> {
    const action = await visibleAction(req, db, cipher, (req.params as { actionId: string }).actionId);
    if (!action) notFoundPage(reply);
    return action;
  }

  /** The action if the person may add evidence to it (its owning agency or the business unit); otherwise a refusal. */
  async function ownedAction(req: FastifyRequest, reply: FastifyReply): Promise<ActionDetail | null> {
    const action = await actionFor(req, reply);
    if (!action) return null;
    if (actionAccess(req.principal, action).owner) return action;
    await req.audit({ action: 'access-refused', permission: OWN_AGENCY, partnershipId: action.partnershipId, recordType: 'recommendation-action', recordId: action.id, outcome: 'refused' });
    reply.code(403).render('error-pages/client-error.njk', { pageTitle: 'You cannot do this', detail: 'Only the agency that owns this action, or the business unit, can add evidence to it.', status: 403 });
    return null;
  }

  function renderForm(reply: FastifyReply, action: ActionDetail, values: FormBody, extra: Record<string, unknown> = {}) {
    return reply.render('learning/views/evidence-form.njk', {
      pageTitle: `Add an evidence file – recommendation ${action.recommendation.number}`,
      action,
      stages: EVIDENCE_STAGES.map((s) => ({ value: s, text: EVIDENCE_STAGE_LABELS[s] })),
      blocked: evidenceBlocked(action),
      maxMb: EVIDENCE_MAX_BYTES / (1024 * 1024),
      values,
      errors: [],
      fieldErrors: {},
      ...extra,
    });
  }

  const defaultStage = (a: ActionDetail): EvidenceStage => (a.status === 'completed' || a.status === 'impact-evaluated' ? 'impact' : 'completion');

  app.get('/actions/:actionId/evidence/new', access(OWNERS), async (req, reply) => {
    const action = await ownedAction(req, reply);
    if (!action) return reply;
    await req.audit({ action: 'view', permission: actionAccess(req.principal, action).manage ? WRITE : OWN_AGENCY, partnershipId: action.partnershipId, recordType: 'recommendation-action', recordId: action.id, changes: { page: 'evidence-new' } });
    return renderForm(reply, action, { stage: defaultStage(action) });
  });

  app.post('/actions/:actionId/evidence/new', access(OWNERS, { uploads: true }), async (req, reply) => {
    const action = await ownedAction(req, reply);
    if (!action) return reply;
    const problems = new Problems();
    if (!req.isMultipart()) {
      problems.add('file', 'Send the form from the page: it must be sent as a file upload form');
      return renderForm(reply.code(415), action, {}, problems.view());
    }
    const { fields, file } = await readMultipart(req, reply);
    const stage = text(fields, 'stage', 40);
    if (!isEvidenceStage(stage)) problems.add('stage', 'Select what the file is evidence of');
    const blocked = evidenceBlocked(action);
    if (blocked) problems.add('file', blocked);
    const problem = file ? await evidenceProblem(documents, file) : 'Select a file';
    if (problem && !blocked) problems.add('file', problem);
    const type = file && !problem ? detectEvidenceType(file.bytes) : null;
    const may = actionAccess(req.principal, action);
    const permission: Permission = may.manage ? WRITE : OWN_AGENCY;
    if (problems.any || !file || !type || !isEvidenceStage(stage)) {
      // Nothing is stored when anything is wrong, the file least of all.
      if (file && problem) await req.audit({ action: 'file-refused', permission, partnershipId: action.partnershipId, recordType: 'recommendation-action', recordId: action.id, outcome: 'failed', changes: { reason: problem } });
      return renderForm(reply.code(422), action, { stage }, problems.view());
    }
    const name = cleanEvidenceName(file.name, type);
    const result = await req.change(
      (trx) => addEvidenceFile(trx, cipher, files, action, actorOf(req), { stage, bytes: file.bytes, name, type }),
      (r) => (r.ok ? { action: 'evidence-file-added', permission, partnershipId: action.partnershipId, recordType: 'recommendation-action', recordId: action.id, changes: { after: { fileId: r.id, stage, type, size: r.size, sha256: r.sha256 } } } : null),
    );
    if (!result.ok) {
      problems.addAll(result.problems);
      return renderForm(reply.code(422), action, { stage }, problems.view());
    }
    return reply.redirect(`/actions/${action.id}?done=evidence#evidence`, 303);
  });

  app.get('/actions/:actionId/files/:fileId', access(SEE_ACTIONS), async (req, reply) => {
    const action = await actionFor(req, reply);
    if (!action) return reply;
    const { fileId } = req.params as { fileId: string };
    const found = await evidenceFile(db, cipher, action, fileId);
    if (!found) return notFoundPage(reply);
    const stored = await files.open(found.sha256);
    if (!stored) return notFoundPage(reply);
    const may = actionAccess(req.principal, action);
    await req.audit({ action: 'evidence-file-downloaded', permission: may.manage || !may.owner ? READ : OWN_AGENCY, partnershipId: action.partnershipId, recordType: 'recommendation-action', recordId: action.id, changes: { fileId: found.id, sha256: found.sha256 } });
    return sendDownload(reply, { body: stored.stream(), name: found.name, contentType: EVIDENCE_CONTENT_TYPES[found.type] });
  });
}
