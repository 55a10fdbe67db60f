import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isDateOnly, type DateOnly } from '../../domain/calendar/date-only.ts';
import { ENTRY_DEFINITIONS, ENTRY_KINDS, type EntryKind } from '../../domain/reviews/review-log.ts';
import { REVIEW_TYPES } from '../../domain/reviews/review-types.ts';
import type { Permission } from '../../platform/auth/policy.ts';
import { access } from '../../platform/http/access.ts';
import { sendProblem } from '../../platform/http/errors.ts';
import { can } from '../../platform/auth/policy.ts';
import { actorOf, mayIn, today } from '../cases/request-context.ts';
import { checkPublishing, loadPublishing, publishBlockers, publishReview } from './publish.ts';
import { addEntry, findReview, loadReview, mayAddEntry, reviewAccess, type ReviewView } from './service.ts';
import { jsonSchema, type JsonSchema } from '../../platform/http/json-schema.ts';

/**
 * The review of a case in the JSON API: read it, and add to its log. The same services and checks
 * as the pages; a reviewer's token reaches only the reviews they lead.
 */

const SEE: readonly Permission[] = ['case:read', 'review:work'];
const WORK: readonly Permission[] = ['case:write', 'review:work'];

const dateString = z.string().refine(isDateOnly, 'Use a date written YYYY-MM-DD');

export const entryCreateSchema = z
  .object({
    kind: z.enum(ENTRY_KINDS),
    onDate: dateString.describe('The entry’s date: a milestone’s due date, an event’s or a contact’s date, a delay’s start.'),
    doneOn: dateString.optional().describe('A milestone met, a delay ended.'),
    panelToldOn: dateString.optional().describe('For a delay: when the Panel was told.'),
    sosToldOn: dateString.optional().describe('For a delay: when the Secretary of State was told.'),
    text: z.string().max(5_000).optional().describe('The short answer of the kind: a milestone’s title, who took part in an event, who the family contact was with.'),
    choices: z.record(z.string(), z.string().max(100)).optional().describe('Answers to the kind’s choice questions, e.g. { "time": "on-track", "quality": "good" } for monitoring.'),
    flags: z.record(z.string(), z.boolean()).optional().describe('Answers to yes/no questions, e.g. { "regulation14": true }.'),
    notes: z.string().max(10_000).optional().describe('Notes; stored encrypted. Use the child’s pseudonym, never names.'),
  })
  .strict();

const entrySchema = z.object({
  id: z.uuid(),
  kind: z.enum(ENTRY_KINDS),
  onDate: z.string(),
  doneOn: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  notes: z.string(),
  recordedBy: z.string().nullable(),
  overdue: z.boolean(),
});

export const reviewSchema = z.object({
  incidentId: z.uuid(),
  reference: z.string(),
  state: z.string(),
  reviewType: z.enum(REVIEW_TYPES),
  leadReviewer: z.object({ name: z.string(), email: z.string() }).nullable(),
  terms: z.object({ scopeFrom: z.string().nullable(), scopeTo: z.string().nullable(), linesOfEnquiry: z.string(), method: z.string().nullable(), methodNotes: z.string() }),
  plannedPublicationOn: z.string().nullable(),
  advanceCopyTo: z.array(z.string()),
  publicationDecision: z.string().nullable(),
  publicationReasons: z.string(),
  version: z.number().int(),
  entries: z.array(entrySchema),
  reports: z.array(z.object({ kind: z.enum(['draft', 'final']), version: z.number().int(), fileName: z.string(), fileType: z.enum(['pdf', 'docx']), fileSize: z.number().int(), uploadedAt: z.string() })),
});

function present(view: ReviewView): z.infer<typeof reviewSchema> {
  return {
    incidentId: view.incident.id,
    reference: view.incident.reference,
    state: view.incident.state,
    reviewType: view.terms.reviewType,
    leadReviewer: view.leadReviewer ? { name: view.leadReviewer.name, email: view.leadReviewer.email } : null,
    terms: { scopeFrom: view.terms.scopeFrom, scopeTo: view.terms.scopeTo, linesOfEnquiry: view.terms.linesOfEnquiry, method: view.terms.method, methodNotes: view.terms.methodNotes },
    plannedPublicationOn: view.plannedPublicationOn,
    advanceCopyTo: view.advanceCopyTo,
    publicationDecision: view.publicationDecision,
    publicationReasons: view.publicationReasons,
    version: view.version,
    entries: view.entries.map((e) => ({ id: e.id, kind: e.kind, onDate: e.onDate, doneOn: e.doneOn, details: e.details, notes: e.notes, recordedBy: e.createdByName, overdue: e.overdue })),
    reports: view.reports.map((r) => ({ kind: r.kind, version: r.version, fileName: r.fileName, fileType: r.fileType, fileSize: r.fileSize, uploadedAt: r.uploadedAt })),
  };
}

export async function reviewApiRoutes(app: FastifyInstance): Promise<void> {
  const { database, cipher, files, documents } = app.deps;
  const db = database.db;

  /** The review if this person may see it (and `contribute` when asked); otherwise a 404 or 403 problem, audited. */
  async function reviewFor(req: FastifyRequest, reply: FastifyReply, need: 'read' | 'contribute'): Promise<ReviewView | null> {
    const { id } = req.params as { id: string };
    const found = await findReview(db, cipher, req.principal!, id, today());
    if (found.view) {
      if (found.may[need]) return found.view;
      await req.audit({ action: 'access-refused', permission: 'case:write', partnershipId: found.view.incident.partnershipId, recordType: 'review', recordId: id, outcome: 'refused' });
      sendProblem(reply, 403, 'Forbidden', 'Only the partnership’s business unit or the review’s lead reviewer can do this.');
      return null;
    }
    if (found.elsewhere) await req.audit({ action: 'access-refused', permission: 'review:work', partnershipId: found.elsewhere, recordType: 'review', recordId: id, outcome: 'refused' });
    sendProblem(reply, 404, 'Not found', 'There is no review of an incident with this id that you may see.');
    return null;
  }

  app.get('/api/v1/incidents/:id/review', access(SEE), async (req, reply) => {
    const view = await reviewFor(req, reply, 'read');
    if (!view) return reply;
    await req.audit({ action: 'view', permission: 'review:work', partnershipId: view.incident.partnershipId, recordType: 'review', recordId: view.incident.id, changes: { via: 'api' } });
    return present(view);
  });

  // The one way to publish, as on the review's "Publish" page: the publication decision, the advance
  // copy by the case's clock rule, every anonymisation finding resolved or overridden, then the public record.
  app.post('/api/v1/incidents/:id/review/publish', access('publication:manage'), async (req, reply) => {
    const view = await reviewFor(req, reply, 'read');
    if (!view) return reply;
    if (!can(req.principal, 'publication:manage', { partnershipId: view.incident.partnershipId })) {
      await req.audit({ action: 'access-refused', permission: 'publication:manage', partnershipId: view.incident.partnershipId, recordType: 'review', recordId: view.incident.id, outcome: 'refused' });
      return sendProblem(reply, 403, 'Forbidden', 'Only the partnership’s administrators publish reviews.');
    }
    const publishing = await loadPublishing(db, cipher, view);
    const check = await checkPublishing(db, files, view, publishing, today(), documents);
    const blockers = publishBlockers(view, publishing, check);
    if (blockers.length) {
      await req.audit({ action: 'publication-published', permission: 'publication:manage', partnershipId: view.incident.partnershipId, recordType: 'review', recordId: view.incident.id, outcome: 'refused', changes: { via: 'api', blockers } });
      return sendProblem(reply, 409, 'Conflict', `The review cannot be published now: ${blockers.join('; ')}.`, { blockers });
    }
    const result = await req.change(
      (trx) => publishReview(trx, view, publishing, check, actorOf(req), mayIn(req), today()),
      (r) => (r.ok ? { action: 'publication-published', permission: 'publication:manage', partnershipId: view.incident.partnershipId, recordType: 'review', recordId: view.incident.id, changes: { via: 'api', after: { slug: r.slug, publishedOn: today() } } } : null),
    );
    if (!result.ok) return sendProblem(reply, 409, 'Conflict', `The review cannot be published now: ${result.problems.join('; ')}.`, { blockers: result.problems });
    return reply.code(201).send({ slug: result.slug, publishedOn: today() });
  });

  app.post('/api/v1/incidents/:id/review/entries', access(WORK), async (req, reply) => {
    const view = await reviewFor(req, reply, 'contribute');
    if (!view) return reply;
    const parsed = entryCreateSchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      return sendProblem(reply, 422, 'Unprocessable content', 'Some answers need correcting: see errors.', {
        errors: parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.') || 'body', message: i.message })),
      });
    }
    const body = parsed.data;
    const kind: EntryKind = body.kind;
    const may = reviewAccess(req.principal, { partnershipId: view.incident.partnershipId, leadReviewerId: view.leadReviewer?.id ?? null });
    if (!mayAddEntry(kind, may)) return sendProblem(reply, 403, 'Forbidden', `Only the partnership’s business unit records ${ENTRY_DEFINITIONS[kind].heading.toLowerCase()}.`);
    const result = await req.change(
      (trx) =>
        addEntry(
          trx,
          cipher,
          view,
          actorOf(req),
          kind,
          {
            onDate: body.onDate as DateOnly,
            doneOn: (body.doneOn as DateOnly | undefined) ?? null,
            extraDate: (body.panelToldOn as DateOnly | undefined) ?? null,
            sosToldOn: (body.sosToldOn as DateOnly | undefined) ?? null,
            shortText: body.text?.trim() ?? '',
            choices: body.choices ?? {},
            flags: body.flags ?? {},
            notes: body.notes?.trim() ?? '',
          },
          today(),
        ),
      (r) =>
        r.ok
          ? { action: 'review-entry', permission: may.manage ? 'case:write' : 'review:work', partnershipId: view.incident.partnershipId, recordType: 'review', recordId: view.incident.id, changes: { after: { entry: kind, date: body.onDate }, via: 'api' } }
          : null,
    );
    if (!result.ok) {
      const state = result.problems.find((p) => p.field === 'state');
      if (state) return sendProblem(reply, 409, 'Conflict', state.message);
      const names: Record<string, string> = { [ENTRY_DEFINITIONS[kind].shortText?.name ?? 'text']: 'text', panelToldOn: 'panelToldOn', sosToldOn: 'sosToldOn' };
      return sendProblem(reply, 422, 'Unprocessable content', 'Some answers need correcting: see errors.', {
        errors: result.problems.map((p) => ({ field: names[p.field] ?? (ENTRY_DEFINITIONS[kind].choices.some((c) => c.name === p.field) ? `choices.${p.field}` : p.field), message: p.message })),
      });
    }
    const after = await loadReview(db, cipher, [view.incident.partnershipId], view.incident.id, today());
    return reply.code(201).header('location', `/api/v1/incidents/${view.incident.id}/review`).send(after ? present(after) : {});
  });
}



export const REVIEW_API_TAG = { name: 'Reviews', description: 'A case’s review once the partners decided to hold one: read it, add to its log. Reviewers reach only the reviews they lead.' };

/** The reviews part of the OpenAPI document, merged into it by api/openapi.ts. */
export function reviewApiPaths() {
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') } } });
  const id = { name: 'id', in: 'path' as const, required: true, description: 'The incident’s id.', schema: { type: 'string', format: 'uuid' } };
  return {
    '/api/v1/incidents/{id}/review': {
      get: {
        operationId: 'getReview',
        summary: 'Get the review of an incident',
        description: 'The review of an incident in a local or alternative review (or completed, published or closed after one): type, lead reviewer, terms of reference, log, report versions and publication decision.',
        tags: [REVIEW_API_TAG.name],
        'x-access': [...SEE],
        parameters: [id],
        responses: {
          '200': { description: 'The review.', content: { 'application/json': { schema: ref('Review') } } },
          '401': problem('No valid token or session.'),
          '403': problem('Your roles do not allow this.'),
          '404': problem('No review you may see for this incident.'),
        },
      },
    },
    '/api/v1/incidents/{id}/review/publish': {
      post: {
        operationId: 'publishReview',
        summary: 'Publish the completed review (the checked path)',
        description:
          'Publishes as the review’s “Publish” page does, with the same checks: the review is completed with a publication decision, the texts are saved, ' +
          'the advance copy was sent at least the working days the case’s clock rule asks before today (7 in the shipped rules, CSPR Regulations 2018), ' +
          'and every finding of the anonymisation check is resolved or overridden with a reason. Then the public record is added. ' +
          'Recording the "publish" transition directly is refused: this is the only way to publish.',
        tags: [REVIEW_API_TAG.name],
        'x-access': 'publication:manage',
        parameters: [id],
        responses: {
          '201': { description: 'Published: the public record’s slug and the publication date.', content: { 'application/json': { schema: { type: 'object', properties: { slug: { type: 'string' }, publishedOn: { type: 'string' } }, required: ['slug', 'publishedOn'] } } } },
          '401': problem('No valid token or session.'),
          '403': problem('Your roles do not allow this.'),
          '404': problem('No review you may see for this incident.'),
          '409': problem('The review cannot be published now: `blockers` lists every reason.'),
        },
      },
    },
    '/api/v1/incidents/{id}/review/entries': {
      post: {
        operationId: 'addReviewEntry',
        summary: 'Add to the review’s log',
        description:
          'Adds a milestone, practitioner event, contact with the family, monitoring check or delay, checked as the page checks it. ' +
          'Monitoring and delays are the business unit’s; the lead reviewer may add the others. Kinds and their questions: ' +
          ENTRY_KINDS.map((k) => `${k} (${[ENTRY_DEFINITIONS[k].shortText ? 'text' : '', ...ENTRY_DEFINITIONS[k].choices.map((c) => `choices.${c.name}: ${Object.keys(c.options).join('|')}`), ...ENTRY_DEFINITIONS[k].flags.map((f) => `flags.${f.name}`)].filter(Boolean).join(', ')})`).join('; ') +
          '.',
        tags: [REVIEW_API_TAG.name],
        'x-access': [...WORK],
        parameters: [id],
        requestBody: { required: true, content: { 'application/json': { schema: ref('ReviewEntryCreate') } } },
        responses: {
          '201': { description: 'Added; the review as it is now.', content: { 'application/json': { schema: ref('Review') } } },
          '401': problem('No valid token or session.'),
          '403': problem('Your roles do not allow this.'),
          '404': problem('No review you may see for this incident.'),
          '409': problem('The review is no longer under way.'),
          '422': problem('Some answers need correcting: `errors` lists each one.'),
        },
      },
    },
  };
}

export function reviewApiSchemas(): Record<string, JsonSchema> {
  return { Review: jsonSchema(reviewSchema, 'output'), ReviewEntryCreate: jsonSchema(entryCreateSchema, 'input') };
}
