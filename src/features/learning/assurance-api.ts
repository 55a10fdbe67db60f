import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isDateOnly, type DateOnly } from '../../domain/calendar/date-only.ts';
import { CHECK_RESULTS } from '../../domain/learning/assurance.ts';
import { partnershipsWith, type Permission } from '../../platform/auth/policy.ts';
import { access } from '../../platform/http/access.ts';
import { sendDownload } from '../../platform/http/downloads.ts';
import { sendProblem } from '../../platform/http/errors.ts';
import type { Problem } from '../../platform/http/form-body.ts';
import { actorOf, today } from '../cases/request-context.ts';
import { checkPartnership, listChecks, loadCheck, partnershipsOf, recordCheck, scheduleCheck, type CheckView } from './assurance-checks.ts';
import { escalationsOf } from './escalation-job.ts';
import {
  addEvidenceFile,
  cleanEvidenceName,
  detectEvidenceType,
  EVIDENCE_CONTENT_TYPES,
  EVIDENCE_MAX_BYTES,
  EVIDENCE_STAGES,
  EVIDENCE_TYPES,
  evidenceFile,
  evidenceFiles,
  evidenceProblem,
  isEvidenceStage,
  type EvidenceFile,
} from './evidence.ts';
import { OWN_AGENCY, READ, WRITE } from './permissions.ts';
import { actionAccess, type ActionDetail } from './service.ts';
import { visibleAction } from './review-access.ts';
import { jsonSchema, type JsonSchema } from '../../platform/http/json-schema.ts';

/**
 * Assurance in the JSON API, with the same checks as the pages: an action's evidence files (list,
 * upload as multipart/form-data, download) and escalations, and the partnership's assurance checks
 * (list, schedule, record). An agency's token reaches only its own agency's actions.
 */

const SEE_ACTIONS: readonly Permission[] = [READ, OWN_AGENCY];
const OWNERS: readonly Permission[] = [WRITE, OWN_AGENCY];
const dateString = z.string().refine(isDateOnly, 'Use a date written YYYY-MM-DD');

export const checkScheduleSchema = z
  .object({
    partnershipId: z.string().max(40).optional().describe('Needed only by someone who manages several partnerships.'),
    dueOn: dateString.describe('Today or later.'),
    focus: z.string().max(2000).optional().describe('What the check looks at.'),
  })
  .strict();

export const checkRecordSchema = z
  .object({
    checkedOn: dateString.describe('Today or earlier.'),
    incidentIds: z.array(z.string().max(40)).max(200).optional().describe('The reviews (incident ids) checked; none: every review.'),
    agencyIds: z.array(z.string().max(40)).max(200).optional().describe('The agencies checked; none: every agency.'),
    result: z.enum(CHECK_RESULTS),
    findings: z.string().max(10_000).describe('What the check found. Stored encrypted.'),
    nextDueOn: dateString.describe('After checkedOn; the next check is scheduled for it.'),
  })
  .strict();

const evidenceSchema = z.object({ id: z.uuid(), stage: z.enum(EVIDENCE_STAGES), name: z.string(), type: z.enum(EVIDENCE_TYPES), size: z.number().int(), uploadedBy: z.string().nullable(), uploadedAt: z.string(), href: z.string() });
const evidenceListSchema = z.object({
  files: z.array(evidenceSchema),
  escalations: z.array(z.object({ level: z.number().int(), dueOn: z.string(), to: z.string(), role: z.string(), at: z.string() })),
});
const checkSchema = z.object({
  id: z.uuid(),
  status: z.enum(['scheduled', 'recorded']),
  dueOn: z.string(),
  overdue: z.boolean(),
  focus: z.string(),
  checkedOn: z.string().nullable(),
  checkedBy: z.string().nullable(),
  incidentIds: z.array(z.string()),
  agencyIds: z.array(z.string()),
  actionIds: z.array(z.string()),
  result: z.enum(CHECK_RESULTS).nullable(),
  findings: z.string(),
  nextDueOn: z.string().nullable(),
});
const checkListSchema = z.object({ due: z.array(checkSchema), past: z.array(checkSchema) });

function presentFile(actionId: string, f: EvidenceFile): z.infer<typeof evidenceSchema> {
  return { id: f.id, stage: f.stage, name: f.name, type: f.type, size: f.size, uploadedBy: f.by, uploadedAt: f.atIso, href: `/api/v1/actions/${actionId}/evidence/${f.id}` };
}

function presentCheck(c: CheckView): z.infer<typeof checkSchema> {
  return { id: c.id, status: c.status, dueOn: c.dueOn, overdue: c.overdue, focus: c.focus, checkedOn: c.checkedOn, checkedBy: c.checkedBy, incidentIds: c.reviews.map((r) => r.id), agencyIds: c.agencies.map((a) => a.id), actionIds: c.actionIds, result: c.result, findings: c.findings, nextDueOn: c.nextDueOn };
}

const invalid = (reply: FastifyReply, problems: Problem[]) => sendProblem(reply, 422, 'Unprocessable content', 'Some answers need correcting: see errors.', { errors: problems });

function parse<T>(schema: z.ZodType<T>, req: FastifyRequest, reply: FastifyReply): T | null {
  const parsed = schema.safeParse(req.body ?? {});
  if (parsed.success) return parsed.data;
  invalid(
    reply,
    parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.') || 'body', message: i.message })),
  );
  return null;
}

export async function assuranceApiRoutes(app: FastifyInstance): Promise<void> {
  const { database, cipher, files, documents } = app.deps;
  const db = database.db;
  await app.register(multipart, { throwFileSizeLimit: false, limits: { fileSize: EVIDENCE_MAX_BYTES, files: 1, fields: 10, fieldSize: 10_000, parts: 12 } });

  async function actionFor(req: FastifyRequest, reply: FastifyReply): Promise<ActionDetail | null> {
    const action = await visibleAction(req, db, cipher, (req.params as { id: string }).id);
    if (!action) sendProblem(reply, 404, 'Not found', 'There is no action with this id that you may see.');
    return action;
  }

  app.get('/api/v1/actions/:id/evidence', access(SEE_ACTIONS), async (req, reply) => {
    const action = await actionFor(req, reply);
    if (!action) return reply;
    const may = actionAccess(req.principal, action);
    await req.audit({ action: 'view', permission: may.manage || !may.owner ? READ : OWN_AGENCY, partnershipId: action.partnershipId, recordType: 'recommendation-action', recordId: action.id, changes: { page: 'evidence', via: 'api' } });
    const [list, escalations] = await Promise.all([evidenceFiles(db, cipher, action), escalationsOf(db, action)]);
    return { files: list.map((f) => presentFile(action.id, f)), escalations: escalations.sent.map((e) => ({ level: e.level, dueOn: e.dueOn, to: e.to, role: e.role, at: e.atIso })) };
  });

  // Multipart, read here: a browser's session is held to the CSRF check before this handler (the
  // route does not take upload forms' in-body tokens); a bearer token cannot be forged by a site.
  app.post('/api/v1/actions/:id/evidence', access(OWNERS), async (req, reply) => {
    const action = await actionFor(req, reply);
    if (!action) return reply;
    const may = actionAccess(req.principal, action);
    const permission: Permission = may.manage ? WRITE : OWN_AGENCY;
    if (!may.owner) {
      await req.audit({ action: 'access-refused', permission, partnershipId: action.partnershipId, recordType: 'recommendation-action', recordId: action.id, outcome: 'refused' });
      return sendProblem(reply, 403, 'Forbidden', 'Only the agency that owns this action, or the business unit, can add evidence to it.');
    }
    if (!req.isMultipart()) return sendProblem(reply, 415, 'Unsupported media type', 'Send the file as multipart/form-data, with a "stage" field and a "file" part.');
    let stage = '';
    let file: { bytes: Buffer; name: string; truncated: boolean } | null = null;
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        if (part.fieldname === 'file' && part.filename && !file) file = { bytes, name: part.filename, truncated: part.file.truncated };
      } else if (part.fieldname === 'stage' && typeof part.value === 'string') stage = part.value;
    }
    const problems: Problem[] = [];
    if (!isEvidenceStage(stage)) problems.push({ field: 'stage', message: 'Give the stage the file evidences: completion or impact' });
    const problem = file ? await evidenceProblem(documents, file) : 'Send a file in the "file" part';
    if (problem) problems.push({ field: 'file', message: problem });
    const type = file && !problem ? detectEvidenceType(file.bytes) : null;
    if (problems.length || !file || !type || !isEvidenceStage(stage)) {
      if (file && problem) await req.audit({ action: 'file-refused', permission, partnershipId: action.partnershipId, recordType: 'recommendation-action', recordId: action.id, outcome: 'failed', changes: { reason: problem, via: 'api' } });
      return invalid(reply, problems);
    }
    const name = cleanEvidenceName(file.name, type);
    const result = await req.change(
      (trx) => addEvidenceFile(trx, cipher, files, action, actorOf(req), { stage, bytes: file.bytes, name, type }),
      (r) => (r.ok ? { action: 'evidence-file-added', permission, partnershipId: action.partnershipId, recordType: 'recommendation-action', recordId: action.id, changes: { after: { fileId: r.id, stage, type, size: r.size, sha256: r.sha256 }, via: 'api' } } : null),
    );
    if (!result.ok) return invalid(reply, result.problems);
    const added = await evidenceFile(db, cipher, action, result.id);
    return reply.code(201).header('location', `/api/v1/actions/${action.id}/evidence/${result.id}`).send(added ? presentFile(action.id, added) : {});
  });

  app.get('/api/v1/actions/:id/evidence/:fileId', access(SEE_ACTIONS), async (req, reply) => {
    const action = await actionFor(req, reply);
    if (!action) return reply;
    const { fileId } = req.params as { fileId: string };
    const found = await evidenceFile(db, cipher, action, fileId);
    const stored = found ? await files.open(found.sha256) : null;
    if (!found || !stored) return sendProblem(reply, 404, 'Not found', 'This action has no evidence file with this id.');
    const may = actionAccess(req.principal, action);
    await req.audit({ action: 'evidence-file-downloaded', permission: may.manage || !may.owner ? READ : OWN_AGENCY, partnershipId: action.partnershipId, recordType: 'recommendation-action', recordId: action.id, changes: { fileId: found.id, sha256: found.sha256, via: 'api' } });
    return sendDownload(reply, { body: stored.stream(), name: found.name, contentType: EVIDENCE_CONTENT_TYPES[found.type] });
  });

  // ---- Assurance checks ------------------------------------------------------------------------

  const scopeOf = async (req: FastifyRequest, permission: Permission): Promise<string[]> => {
    const s = partnershipsWith(req.principal!, permission);
    return s === 'all' ? (await partnershipsOf(db, 'all')).map((p) => p.id) : s;
  };

  app.get('/api/v1/assurance-checks', access(READ), async (req) => {
    const scope = await scopeOf(req, READ);
    await req.audit({ action: 'view', permission: READ, partnershipId: scope.length === 1 ? scope[0] : null, recordType: 'assurance-checks', changes: { page: 'assurance-checks', via: 'api' } });
    const checks = await listChecks(db, cipher, scope, today());
    return { due: checks.due.map(presentCheck), past: checks.past.map(presentCheck) };
  });

  app.post('/api/v1/assurance-checks', access(WRITE), async (req, reply) => {
    const body = parse(checkScheduleSchema, req, reply);
    if (!body) return reply;
    const writable = await scopeOf(req, WRITE);
    const partnershipId = body.partnershipId ?? (writable.length === 1 ? writable[0] : '');
    if (!writable.includes(partnershipId)) return invalid(reply, [{ field: 'partnershipId', message: 'Give the id of a partnership whose checks you manage' }]);
    const input = { dueOn: body.dueOn as DateOnly, focus: body.focus ?? '' };
    const result = await req.change(
      (trx) => scheduleCheck(trx, partnershipId, actorOf(req), input, today()),
      (r) => (r.ok ? { action: 'assurance-check-scheduled', permission: WRITE, partnershipId, recordType: 'assurance-check', recordId: r.id, changes: { after: input, via: 'api' } } : null),
    );
    if (!result.ok) return invalid(reply, result.problems);
    const created = await loadCheck(db, cipher, [partnershipId], result.id, today());
    return reply.code(201).header('location', '/api/v1/assurance-checks').send(created ? presentCheck(created) : {});
  });

  app.post('/api/v1/assurance-checks/:id/record', access(WRITE), async (req, reply) => {
    const { id } = req.params as { id: string };
    const check = await loadCheck(db, cipher, await scopeOf(req, WRITE), id, today());
    if (!check) {
      const elsewhere = await checkPartnership(db, id);
      if (elsewhere) await req.audit({ action: 'access-refused', permission: WRITE, partnershipId: elsewhere, recordType: 'assurance-check', recordId: id, outcome: 'refused' });
      return sendProblem(reply, 404, 'Not found', 'There is no assurance check with this id that you may record.');
    }
    const body = parse(checkRecordSchema, req, reply);
    if (!body) return reply;
    const input = { checkedOn: body.checkedOn as DateOnly, nextDueOn: body.nextDueOn as DateOnly, result: body.result, findings: body.findings, incidentIds: body.incidentIds ?? [], agencyIds: body.agencyIds ?? [] };
    const result = await req.change(
      (trx) => recordCheck(trx, cipher, check, actorOf(req), input, today()),
      (r) =>
        r.ok
          ? { action: 'assurance-check-recorded', permission: WRITE, partnershipId: check.partnershipId, recordType: 'assurance-check', recordId: check.id, changes: { after: { checkedOn: input.checkedOn, result: input.result, incidentIds: input.incidentIds, agencyIds: input.agencyIds, actionIds: r.actionIds, nextDueOn: input.nextDueOn, nextCheckId: r.nextId }, via: 'api' } }
          : null,
    );
    if (!result.ok) {
      if (result.conflict) return sendProblem(reply, 409, 'Conflict', 'This check has already been recorded.');
      return invalid(reply, result.problems);
    }
    const after = await loadCheck(db, cipher, [check.partnershipId], check.id, today());
    return reply.code(201).header('location', '/api/v1/assurance-checks').send(after ? presentCheck(after) : {});
  });
}



export const ASSURANCE_API_TAG = { name: 'Learning assurance', description: 'Evidence files of actions, escalations of overdue actions, and the partnership’s scheduled assurance checks of its action plans.' };

/** The assurance part of the OpenAPI document, merged into it by api/openapi.ts. */
export function assuranceApiPaths() {
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
  const path = (name: string, description: string) => ({ name, in: 'path' as const, required: true, description, schema: { type: 'string', format: 'uuid' } });
  const common = { '401': problem('No valid token or session.'), '403': problem('Your roles do not allow this.') };
  const tags = [ASSURANCE_API_TAG.name];
  return {
    '/api/v1/actions/{id}/evidence': {
      get: {
        operationId: 'listActionEvidence',
        summary: 'List an action’s evidence files and escalations',
        description: 'The files evidencing the action’s completion and impact (newest first), and the escalation emails sent while it was overdue (who was told, when).',
        tags,
        'x-access': [...SEE_ACTIONS],
        parameters: [path('id', 'The action’s id.')],
        responses: { '200': { description: 'The files and escalations.', content: { 'application/json': { schema: ref('ActionEvidenceList') } } }, ...common, '404': problem('No action you may see.') },
      },
      post: {
        operationId: 'addActionEvidence',
        summary: 'Add an evidence file to an action',
        description: 'The owning agency or the business unit. A PDF, Word (.docx), Excel (.xlsx), PNG or JPEG file under 10 MB, recognised by its content; Word documents with active content and spreadsheets with macros are refused. Not once the action is closed.',
        tags,
        'x-access': [...OWNERS],
        parameters: [path('id', 'The action’s id.')],
        requestBody: {
          required: true,
          content: { 'multipart/form-data': { schema: { type: 'object', required: ['stage', 'file'], properties: { stage: { type: 'string', enum: [...EVIDENCE_STAGES] }, file: { type: 'string', format: 'binary' } } } } },
        },
        responses: {
          '201': { description: 'Kept.', content: { 'application/json': { schema: ref('ActionEvidence') } } },
          ...common,
          '404': problem('No action you may see (another agency’s is not found).'),
          '415': problem('Not multipart/form-data.'),
          '422': problem('No file, a file too large or of the wrong kind, or no stage: `errors` says which.'),
        },
      },
    },
    '/api/v1/actions/{id}/evidence/{fileId}': {
      get: {
        operationId: 'getActionEvidence',
        summary: 'Download an evidence file',
        description: 'The file as it was sent, as an attachment. Each download is recorded in the audit trail.',
        tags,
        'x-access': [...SEE_ACTIONS],
        parameters: [path('id', 'The action’s id.'), path('fileId', 'The file’s id.')],
        responses: { '200': { description: 'The file.', content: Object.fromEntries(Object.values(EVIDENCE_CONTENT_TYPES).map((t) => [t, { schema: { type: 'string', format: 'binary' } }])) }, ...common, '404': problem('No action you may see, or no such file.') },
      },
    },
    '/api/v1/assurance-checks': {
      get: {
        operationId: 'listAssuranceChecks',
        summary: 'List assurance checks',
        description: 'Due checks (soonest first, with `overdue`) and past checks (latest first) of your partnership’s action plans.',
        tags,
        'x-access': READ,
        responses: { '200': { description: 'The checks.', content: { 'application/json': { schema: ref('AssuranceCheckList') } } }, ...common },
      },
      post: {
        operationId: 'scheduleAssuranceCheck',
        summary: 'Schedule an assurance check',
        description: 'A check of the partnership’s action plans, due today or later (usually quarterly).',
        tags,
        'x-access': WRITE,
        requestBody: { required: true, content: { 'application/json': { schema: ref('AssuranceCheckSchedule') } } },
        responses: { '201': { description: 'Scheduled.', content: { 'application/json': { schema: ref('AssuranceCheck') } } }, ...common, '422': problem('Some answers need correcting: `errors` lists each one.') },
      },
    },
    '/api/v1/assurance-checks/{id}/record': {
      post: {
        operationId: 'recordAssuranceCheck',
        summary: 'Record a scheduled assurance check',
        description: 'Who checked (you), when, which reviews and agencies (the actions open in them are recorded with it), the result and findings; the next check is scheduled for nextDueOn.',
        tags,
        'x-access': WRITE,
        parameters: [path('id', 'The check’s id.')],
        requestBody: { required: true, content: { 'application/json': { schema: ref('AssuranceCheckRecord') } } },
        responses: {
          '201': { description: 'Recorded.', content: { 'application/json': { schema: ref('AssuranceCheck') } } },
          ...common,
          '404': problem('No check you may record.'),
          '409': problem('Already recorded.'),
          '422': problem('Some answers need correcting: `errors` lists each one.'),
        },
      },
    },
  };
}

export function assuranceApiSchemas(): Record<string, JsonSchema> {
  return {
    ActionEvidence: jsonSchema(evidenceSchema, 'output'),
    ActionEvidenceList: jsonSchema(evidenceListSchema, 'output'),
    AssuranceCheck: jsonSchema(checkSchema, 'output'),
    AssuranceCheckList: jsonSchema(checkListSchema, 'output'),
    AssuranceCheckSchedule: jsonSchema(checkScheduleSchema, 'input'),
    AssuranceCheckRecord: jsonSchema(checkRecordSchema, 'input'),
  };
}
