import type { DateOnly } from '../../domain/calendar/date-only.ts';
import { actorOf, mayIn, today } from '../cases/request-context.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can, partnershipsWith, ROLE_PERMISSIONS, type Permission } from '../../platform/auth/policy.ts';
import { access, PUBLIC } from '../../platform/http/access.ts';
import { INVALID_TOKEN, refuse, requireInScope, SESSION_COOKIE } from '../../platform/http/authentication.ts';
import { sendProblem } from '../../platform/http/errors.ts';
import { listAgencies, listPartnerships, type AgencyView, type PartnershipView } from '../partnerships/service.ts';
import { factsUpdatedEntry, incidentCreatedEntry, referralCreatedEntry, workflowStepEntry } from '../cases/audit-entries.ts';
import { createReferral, listReferrals } from '../cases/referrals.ts';
import { Problems, readChildren, readFacts, readReferral, readStep } from '../cases/schemas.ts';
import {
  caseOverview,
  changeClock,
  definitionFor,
  factsOf,
  incidentPartnership,
  listIncidents,
  loadIncident,
  recordIncident,
  recordWorkflowStep,
  updateFacts,
  type FieldProblem,
} from '../cases/service.ts';
import { childrenForm, dateParts, factsForm, patchedFacts, problemsToErrors, type ApiError } from './convert.ts';
import { buildOpenApiDocument, endpointsOf } from './openapi.ts';
import { presentDeadline, presentDetail, presentReferral, presentSummary } from './presenter.ts';
import { clockChangeSchema, incidentCreateSchema, incidentPatchSchema, listIncidentsQuery, referralCreateSchema, transitionSchema, zodErrors } from './schemas.ts';

const READ: Permission = 'case:read';
const WRITE: Permission = 'case:write';
const REFER: Permission = 'referral:create';


function unprocessable(reply: FastifyReply, errors: ApiError[]): FastifyReply {
  return sendProblem(reply, 422, 'Unprocessable content', 'Some answers need correcting: see errors.', { errors });
}

/** The service's problems (already named in the API's terms) after the readers' own. */
function merged(readers: ApiError[], service: readonly FieldProblem[]): ApiError[] {
  const seen = new Set(readers.map((e) => e.field));
  return [...readers, ...service.filter((p) => !seen.has(p.field)).map((p) => ({ field: p.field, message: p.message.replace(/\.$/, '') }))];
}

/** A partnership named by slug or id among those the person may use. */
function chosenPartnership(partnerships: readonly PartnershipView[], named: string | undefined): PartnershipView | undefined {
  if (named) return partnerships.find((p) => p.slug === named || p.id === named);
  return partnerships.length === 1 ? partnerships[0] : undefined;
}

/** `"3"` (or W/"3") as 3; null when malformed. */
function versionOf(ifMatch: string): number | null {
  const m = /^\s*(?:W\/)?"(\d{1,9})"\s*$/.exec(ifMatch);
  return m ? Number(m[1]) : null;
}

/** Changes made through the API say so in their audit entries. */
const API = { via: 'api' } as const;

/** The agencies a person may refer for (as the referral form offers them). */
function referringAgencies(req: FastifyRequest, partnershipId: string, agencies: AgencyView[]): AgencyView[] {
  const grants = req.principal!.grants.filter((g) => ROLE_PERMISSIONS[g.role].includes(REFER) && (g.partnershipId === null || g.partnershipId === partnershipId));
  if (grants.some((g) => g.agencyId === null)) return agencies;
  const own = new Set(grants.map((g) => g.agencyId));
  return agencies.filter((a) => own.has(a.id));
}

/**
 * The JSON API under /api/v1: the statutory workflow for other systems. Thin, like the pages:
 * read the body (zod, then the pages' own readers), check the tenant scope, call the cases
 * services, present the records, audit.
 */
export async function apiRoutes(app: FastifyInstance): Promise<void> {
  const { database, cipher } = app.deps;
  const db = database.db;
  // Made when first asked for, not at every start: building it is some 40 ms of a start's one thread.
  let docs: { document: ReturnType<typeof buildOpenApiDocument>; endpoints: ReturnType<typeof endpointsOf> } | undefined;
  const documentation = () => {
    if (!docs) {
      const document = buildOpenApiDocument();
      docs = { document, endpoints: endpointsOf(document) };
    }
    return docs;
  };

  // An API call without a session or a valid token is answered 401 before anything else (the
  // browser-form CSRF check would otherwise answer a change with 403 first).
  app.addHook('onRequest', async (req, reply) => {
    const rule = (req.routeOptions.config as { access?: string } | undefined)?.access;
    if (req.principal || rule === 'public' || req.is404 || !req.url.startsWith('/api/v1/')) return;
    if (req.headers.authorization) return sendProblem(reply, 401, 'Unauthorized', INVALID_TOKEN);
    if (!req.cookies[SESSION_COOKIE]) return sendProblem(reply, 401, 'Unauthorized', 'Sign in or send an API token.');
  });

  /** Another partnership's incident looks like one that does not exist; asking for it is recorded. */
  async function notFound(req: FastifyRequest, reply: FastifyReply, id: string, permission: Permission): Promise<FastifyReply> {
    const elsewhere = await incidentPartnership(db, id);
    if (elsewhere && req.principal) {
      await req.audit({ action: 'access-refused', permission, partnershipId: elsewhere, recordType: 'incident', recordId: id, outcome: 'refused' });
    }
    return sendProblem(reply, 404, 'Not found', 'There is no incident with this id.');
  }

  /** The incident as JSON for this person, or undefined when it is not in their scope. */
  async function detailOf(req: FastifyRequest, id: string) {
    const overview = await caseOverview(db, cipher, partnershipsWith(req.principal!, READ), id, mayIn(req), today());
    if (!overview) return undefined;
    const partnerships = await listPartnerships(db, [overview.incident.partnershipId]);
    const identifying = can(req.principal, READ, { partnershipId: overview.incident.partnershipId });
    return { overview, json: presentDetail(overview, partnerships, { identifying }) };
  }

  // ---- Documentation ---------------------------------------------------------------------------

  app.get('/api/v1/openapi.json', PUBLIC, async (_req, reply) => reply.type('application/json; charset=utf-8').send(documentation().document));

  app.get('/api/docs', PUBLIC, async (_req, reply) => {
    const { document, endpoints } = documentation();
    return reply.render('api/views/docs.njk', { pageTitle: 'API documentation', info: document.info, endpoints });
  });

  // ---- Incidents -------------------------------------------------------------------------------

  app.get('/api/v1/incidents', access(READ), async (req, reply) => {
    const query = listIncidentsQuery.safeParse(req.query ?? {});
    if (!query.success) return sendProblem(reply, 400, 'Bad request', 'A filter is not one the API knows.', { errors: zodErrors(query.error) });
    const scope = partnershipsWith(req.principal!, READ);
    const partnerships = await listPartnerships(db, scope);
    const { state, partnership } = query.data;
    // A partnership outside the person's scope gives nothing, as one that does not exist.
    const only = partnership ? partnerships.find((p) => p.slug === partnership) : undefined;
    const incidents = partnership && !only ? [] : await listIncidents(db, only ? [only.id] : scope, today());
    const shown = incidents.filter((i) => !state || i.state === state);
    await req.audit({
      action: 'view',
      permission: READ,
      partnershipId: only?.id ?? null,
      recordType: 'incident-list',
      changes: { via: 'api', filters: query.data, incidents: shown.map((i) => i.reference) },
    });
    return { incidents: shown.map((i) => presentSummary(i, partnerships)) };
  });

  app.post('/api/v1/incidents', access(WRITE), async (req, reply) => {
    const parsed = incidentCreateSchema.safeParse(req.body);
    if (!parsed.success) return unprocessable(reply, zodErrors(parsed.error));
    const input = parsed.data;
    // The same readers as the "Record an incident" form, then the same service.
    const problems = new Problems();
    const form = { ...factsForm(input), ...childrenForm(input.children) };
    const facts = readFacts(form, problems, today());
    const children = readChildren(form, input.children.length, problems);
    const errors = problemsToErrors(problems);
    const partnerships = await listPartnerships(db, partnershipsWith(req.principal!, WRITE));
    const partnership = chosenPartnership(partnerships, input.partnership);
    if (!partnership) errors.push({ field: 'partnership', message: 'Choose a partnership you record incidents for (its slug or id)' });
    if (errors.length || !facts || !children || !partnership) return unprocessable(reply, errors);
    if (!(await requireInScope(req, reply, WRITE, partnership.id))) return reply;

    const referralId = input.referral ?? null;
    const result = await req.change(
      (trx) => recordIncident(trx, cipher, actorOf(req), { partnershipId: partnership.id, facts, children, referralId }, today()),
      (r) => (r.ok ? incidentCreatedEntry({ id: r.id, reference: r.reference, partnershipId: partnership.id, facts, children, referralId }, API) : null),
    );
    if (!result.ok) return unprocessable(reply, merged([], result.problems));
    const location = `/api/v1/incidents/${result.id}`;
    return reply.code(201).header('location', location).send({ id: result.id, reference: result.reference, location });
  });

  app.get('/api/v1/incidents/:id', access(READ), async (req, reply) => {
    const { id } = req.params as { id: string };
    const found = await detailOf(req, id);
    if (!found) return notFound(req, reply, id, READ);
    await req.audit({ action: 'view', permission: READ, partnershipId: found.json.partnership.id, recordType: 'incident', recordId: id, changes: { via: 'api' } });
    return reply.header('etag', `"${found.json.version}"`).send(found.json);
  });

  app.patch('/api/v1/incidents/:id', access(WRITE), async (req, reply) => {
    const { id } = req.params as { id: string };
    const scope = partnershipsWith(req.principal!, WRITE);
    const incident = await loadIncident(db, cipher, scope, id);
    if (!incident) return notFound(req, reply, id, WRITE);
    const ifMatch = req.headers['if-match'];
    if (!ifMatch) return sendProblem(reply, 428, 'Precondition required', 'Send the version you read in an If-Match header, like If-Match: "3".');
    const version = versionOf(ifMatch);
    if (version === null) return sendProblem(reply, 400, 'Bad request', 'If-Match must be the version you read in quotes, like "3".');

    const stale = async () => {
      const current = await detailOf(req, id);
      if (current) reply.header('etag', `"${current.json.version}"`);
      return sendProblem(reply, 412, 'Precondition failed',
        `The incident has changed since version ${version}: it is now at version ${current?.json.version ?? '?'}. Nothing was saved; read it again and send your changes with the new version.`,
        { current: current?.json ?? null });
    };
    if (version !== incident.version) return stale();

    const parsed = incidentPatchSchema.safeParse(req.body);
    if (!parsed.success) return unprocessable(reply, zodErrors(parsed.error));
    const values = patchedFacts(factsOf(incident, incident.whatIsKnown), parsed.data);
    const problems = new Problems();
    const facts = readFacts(factsForm(values), problems, today());
    if (!facts) return unprocessable(reply, problemsToErrors(problems));

    const result = await req.change(
      (trx) => updateFacts(trx, cipher, scope, actorOf(req), id, { version, base: null, values: facts }, today()),
      (r) => (r.status === 'saved' && r.changed.length ? factsUpdatedEntry({ ...r, id, partnershipId: incident.partnershipId }, API) : null),
    );
    switch (result.status) {
      case 'not-found':
        return notFound(req, reply, id, WRITE);
      case 'invalid':
        return unprocessable(reply, merged([], result.problems));
      case 'conflict':
        return stale();
      case 'saved': {
        const now = await detailOf(req, id);
        if (!now) return notFound(req, reply, id, WRITE);
        return reply.header('etag', `"${now.json.version}"`).send(now.json);
      }
    }
  });

  app.get('/api/v1/incidents/:id/deadlines', access(READ), async (req, reply) => {
    const { id } = req.params as { id: string };
    const day = today();
    // The case page's own computation: caseOverview → the cases clocks module.
    const overview = await caseOverview(db, cipher, partnershipsWith(req.principal!, READ), id, mayIn(req), day);
    if (!overview) return notFound(req, reply, id, READ);
    await req.audit({ action: 'view', permission: READ, partnershipId: overview.incident.partnershipId, recordType: 'incident', recordId: id, changes: { via: 'api', page: 'deadlines' } });
    return { incidentId: id, reference: overview.incident.reference, today: day, deadlines: overview.clocks.map(presentDeadline) };
  });

  app.post('/api/v1/incidents/:id/transitions', access(WRITE), async (req, reply) => {
    const { id } = req.params as { id: string };
    const scope = partnershipsWith(req.principal!, WRITE);
    const incident = await loadIncident(db, cipher, scope, id);
    if (!incident) return notFound(req, reply, id, WRITE);
    const parsed = transitionSchema.safeParse(req.body);
    if (!parsed.success) return unprocessable(reply, zodErrors(parsed.error));
    const definition = definitionFor(parsed.data.transition);
    if (!definition) return unprocessable(reply, [{ field: 'transition', message: 'There is no such step in the workflow' }]);
    // The step form's reader, then the service, which checks the workflow before the answers.
    const problems = new Problems();
    const input = readStep({ ...dateParts('date', parsed.data.date), reference: parsed.data.reference ?? '', note: parsed.data.note ?? '' }, definition.date, problems);
    const result = await req.change(
      (trx) => recordWorkflowStep(trx, scope, actorOf(req), id, definition.key, input, mayIn(req), today()),
      (r) => (r.ok ? workflowStepEntry({ ...r, id, input }, API) : null),
    );
    if (!result.ok) {
      if (result.reason === 'not-found') return notFound(req, reply, id, WRITE);
      if (result.reason === 'workflow') {
        if (result.error.code === 'not-permitted') return refuse(req, reply, definition.permission);
        if (result.error.code === 'unknown') return unprocessable(reply, [{ field: 'transition', message: result.error.message }]);
        await req.audit({ action: 'incident-transition', permission: definition.permission, partnershipId: incident.partnershipId, recordType: 'incident', recordId: id, outcome: 'refused', changes: { via: 'api', step: definition.key, state: incident.state, reason: result.error.code } });
        return sendProblem(reply, 409, 'Conflict', result.error.message, { state: incident.state, transition: definition.key });
      }
      return unprocessable(reply, merged(problemsToErrors(problems), result.problems));
    }
    const now = await detailOf(req, id);
    if (!now) return notFound(req, reply, id, WRITE);
    return reply.header('etag', `"${now.json.version}"`).send(now.json);
  });

  // ---- Pausing and resuming a clock --------------------------------------------------------------

  for (const action of ['pause', 'resume'] as const) {
    app.post(`/api/v1/incidents/:id/clocks/:clock/${action}`, access(WRITE), async (req, reply) => {
      const { id, clock: key } = req.params as { id: string; clock: string };
      const scope = partnershipsWith(req.principal!, WRITE);
      const incident = await loadIncident(db, cipher, scope, id);
      if (!incident) return notFound(req, reply, id, WRITE);
      const parsed = clockChangeSchema.safeParse(req.body);
      if (!parsed.success) return unprocessable(reply, zodErrors(parsed.error));
      const { date, reason, panelToldOn, sosToldOn } = parsed.data;
      const told = { panelToldOn: (panelToldOn ?? null) as DateOnly | null, sosToldOn: (sosToldOn ?? null) as DateOnly | null };
      // The same service as the pause and resume pages, with the same checks (the clock's rule first).
      const result = await req.change(
        (trx) => changeClock(
          trx, cipher, scope, actorOf(req), id, key,
          action === 'pause' ? { action, on: date as DateOnly, reason: reason ?? '', ...told } : { action, on: date as DateOnly, ...told },
          mayIn(req), today(),
        ),
        (r) => (r.ok
          ? {
              action: action === 'pause' ? 'clock-paused' : 'clock-resumed',
              permission: WRITE,
              partnershipId: r.partnershipId,
              recordType: 'incident',
              recordId: id,
              changes: { via: 'api', clock: key, after: { [action === 'pause' ? 'pausedOn' : 'resumedOn']: date, ...told }, ...(action === 'pause' ? { reasonRecorded: true } : {}) },
            }
          : null),
      );
      if (!result.ok) {
        if (result.reason === 'not-found') return sendProblem(reply, 404, 'Not found', 'There is no such clock on this incident.');
        if (result.reason === 'workflow') {
          if (result.error.code === 'not-permitted') return refuse(req, reply, WRITE);
          await req.audit({ action: action === 'pause' ? 'clock-paused' : 'clock-resumed', permission: WRITE, partnershipId: incident.partnershipId, recordType: 'incident', recordId: id, outcome: 'refused', changes: { via: 'api', clock: key, reason: result.error.message } });
          return sendProblem(reply, 409, 'Conflict', result.error.message, { clock: key });
        }
        return unprocessable(reply, merged([], result.problems.map((p) => (p.field === 'date' ? { ...p, field: 'date' } : p))));
      }
      const overview = await caseOverview(db, cipher, partnershipsWith(req.principal!, READ), id, mayIn(req), today());
      const clock = overview?.clocks.find((c) => c.key === key);
      if (!clock) return notFound(req, reply, id, WRITE);
      return presentDeadline(clock);
    });
  }

  // ---- Referrals -------------------------------------------------------------------------------

  app.get('/api/v1/referrals', access(WRITE), async (req) => {
    const referrals = await listReferrals(db, partnershipsWith(req.principal!, WRITE));
    await req.audit({ action: 'view', permission: WRITE, recordType: 'referral-list', changes: { via: 'api', referrals: referrals.map((r) => r.id) } });
    return { referrals: referrals.map(presentReferral) };
  });

  app.post('/api/v1/referrals', access(REFER), async (req, reply) => {
    const parsed = referralCreateSchema.safeParse(req.body);
    if (!parsed.success) return unprocessable(reply, zodErrors(parsed.error));
    const body = parsed.data;
    const problems = new Problems();
    const input = readReferral({ agency: body.agency, summary: body.summary, details: body.details, ...dateParts('received', body.receivedOn) }, problems);
    const errors = problemsToErrors(problems);
    const partnership = chosenPartnership(await listPartnerships(db, partnershipsWith(req.principal!, REFER)), body.partnership);
    if (!partnership) errors.push({ field: 'partnership', message: 'Choose a partnership you refer to (its slug or id)' });
    if (errors.length || !input || !partnership) return unprocessable(reply, errors);
    const agencies = referringAgencies(req, partnership.id, await listAgencies(db, partnership.id));
    if (!agencies.some((a) => a.id === input.agency)) {
      if (agencies.length) return refuse(req, reply, REFER, 'You can only refer for your own agency.');
      return unprocessable(reply, [{ field: 'agency', message: 'Choose the agency making the referral' }]);
    }
    const result = await req.change(
      (trx) => createReferral(trx, cipher, actorOf(req), { partnershipId: partnership.id, agencyId: input.agency, summary: input.summary, details: input.details, receivedOn: input.receivedOn }, today()),
      (r) => (r.ok ? referralCreatedEntry({ id: r.id, partnershipId: partnership.id, agencyId: input.agency, receivedOn: input.receivedOn }, API) : null),
    );
    if (!result.ok) return unprocessable(reply, merged([], result.problems.map((p) => (p.field === 'received' ? { ...p, field: 'receivedOn' } : p))));
    return reply.code(201).send({ id: result.id });
  });
}
