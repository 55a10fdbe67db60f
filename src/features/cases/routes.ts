import { tasksFor } from '../tasks/service.ts';
import { actorOf, mayIn, today } from './request-context.ts';
import { caseActions } from '../../domain/workflow/next-step.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkStep, checkTransition, CLOCK_CHANGES, STATES, type TransitionDefinition, type StepDefinition, type WorkflowError } from '../../domain/workflow/incident-workflow.ts';
import { describeSocialCareStatus, ETHNICITY_GROUPS, ETHNICITY_LABELS, PERPETRATOR_RELATIONSHIP_LABELS, YES_NO_NOT_KNOWN_LABELS } from '../../domain/notification/form-facts.ts';
import { can, partnershipsWith, type Permission } from '../../platform/auth/policy.ts';
import { access } from '../../platform/http/access.ts';
import { refuse } from '../../platform/http/authentication.ts';
import { recordViews } from '../audit/service.ts';
import { listAgencies, listPartnerships } from '../partnerships/service.ts';
import { CLOCK_STATE_LABELS } from './clocks.ts';
import { AGE_BAND_LABELS, AGE_BANDS } from './duties.ts';
import { factsUpdatedEntry, incidentCreatedEntry, workflowStepEntry } from './audit-entries.ts';
import { loadReferral } from './referrals.ts';
import {
  bodyOf,
  factsToValues,
  keptChildValues,
  list,
  MAX_CHILDREN,
  Problems,
  childToValues,
  readBase,
  readChild,
  readChildBase,
  readChildren,
  readClockChange,
  readFacts,
  readStep,
  readVersion,
  type FormBody,
} from './schemas.ts';
import {
  ABUSE_LABELS,
  caseOverview,
  changeClock,
  CHILD_LABELS,
  childInputOf,
  definitionFor,
  dutiesOf,
  FACT_LABELS,
  factsOf,
  findClock,
  whyNotPausable,
  GENDER_LABELS,
  incidentPartnership,
  listIncidents,
  loadIncident,
  LOCATION_LABELS,
  OUTCOME_LABELS,
  recordIncident,
  recordWorkflowStep,
  updateChild,
  updateFacts,
  workflowFacts,
  fullWorkflowFacts,
  type ChildInput,
  type Facts,
  type IncidentDetail,
} from './service.ts';

const READ: Permission = 'case:read';
const WRITE: Permission = 'case:write';


/** Labels the templates use to show answers. */
export const CASE_LABELS = {
  outcome: OUTCOME_LABELS,
  abuse: ABUSE_LABELS,
  location: LOCATION_LABELS,
  gender: GENDER_LABELS,
  ageBand: AGE_BAND_LABELS,
  ageBands: AGE_BANDS,
  clockState: CLOCK_STATE_LABELS,
  states: STATES,
  facts: FACT_LABELS,
  ethnicityGroups: ETHNICITY_GROUPS,
  ethnicity: ETHNICITY_LABELS,
  perpetrator: PERPETRATOR_RELATIONSHIP_LABELS,
  yesNo: YES_NO_NOT_KNOWN_LABELS,
  /** A child's social care status at the time, in words. */
  socialCare: describeSocialCareStatus,
};
const LABELS = CASE_LABELS;

/**
 * A case that does not exist and a case of another partnership look the same (404); asking for
 * another partnership's case is recorded as a refusal.
 */
async function notFound(req: FastifyRequest, reply: FastifyReply, id: string, permission: Permission): Promise<FastifyReply> {
  const elsewhere = await incidentPartnership(req.server.deps.database.db, id);
  if (elsewhere && req.principal) {
    await req.audit({ action: 'access-refused', permission, partnershipId: elsewhere, recordType: 'incident', recordId: id, outcome: 'refused' });
  }
  return reply.code(404).render('error-pages/not-found.njk', { pageTitle: 'Page not found' });
}

export async function caseRoutes(app: FastifyInstance): Promise<void> {
  const { database, cipher } = app.deps;
  const db = database.db;

  // ---- The list --------------------------------------------------------------------------------

  // ?clock=overdue or ?clock=due-soon: only the cases with a clock in that state (the dashboard links here).
  const CLOCK_FILTERS: Record<string, string> = { overdue: 'with an overdue clock', 'due-soon': 'with a clock due in the next 5 working days' };

  app.get('/cases', access(READ), async (req, reply) => {
    const all = await listIncidents(db, partnershipsWith(req.principal!, READ), today());
    const clock = String((req.query as Record<string, unknown>).clock ?? '');
    const filter = Object.hasOwn(CLOCK_FILTERS, clock) ? clock : null;
    const incidents = filter ? all.filter((i) => i.clocks.some((c) => c.state === filter)) : all;
    // The list shows each case's child pseudonyms and clocks: a view of case data, recorded as the API's list is.
    await req.audit({ action: 'view', permission: READ, recordType: 'incident-list', changes: { page: 'cases', filters: { clock: filter }, incidents: incidents.map((i) => i.reference) } });
    return reply.render('cases/views/list.njk', { pageTitle: 'Cases', incidents, filter: filter ? CLOCK_FILTERS[filter] : null, total: all.length, mayRecord: can(req.principal, WRITE) });
  });

  // ---- Recording an incident -------------------------------------------------------------------

  async function renderNew(req: FastifyRequest, reply: FastifyReply, values: FormBody, count: number, extra: Record<string, unknown> = {}) {
    const scope = partnershipsWith(req.principal!, WRITE);
    const partnerships = await listPartnerships(db, scope);
    const chosen = typeof values.partnership === 'string' ? values.partnership : partnerships.length === 1 ? partnerships[0].id : '';
    const agencies = chosen ? await listAgencies(db, chosen) : partnerships.length === 1 ? await listAgencies(db, partnerships[0].id) : [];
    return reply.render('cases/views/new.njk', {
      pageTitle: 'Record an incident',
      values,
      childCount: count,
      maxChildren: MAX_CHILDREN,
      partnerships,
      chosenPartnership: chosen,
      agencies,
      chosenAgencies: list(values, 'agencies'),
      labels: LABELS,
      fieldErrors: {},
      dateParts: {},
      ...extra,
    });
  }

  app.get('/cases/new', access(WRITE), async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    if (typeof q.referral === 'string') {
      // Pre-filled from a referral whose outcome was to notify.
      const referral = await loadReferral(db, cipher, partnershipsWith(req.principal!, WRITE), q.referral);
      if (!referral || referral.outcome !== 'notify' || referral.incidentId) return reply.code(404).render('error-pages/not-found.njk', { pageTitle: 'Page not found' });
      await req.audit({ action: 'view', permission: WRITE, partnershipId: referral.partnershipId, recordType: 'referral', recordId: referral.id });
      const [y, m, d] = referral.receivedOn.split('-');
      return renderNew(req, reply, {
        referral: referral.id,
        partnership: referral.partnershipId,
        whatIsKnown: referral.details,
        'aware-day': String(Number(d)),
        'aware-month': String(Number(m)),
        'aware-year': y,
      }, 1, { fromReferral: referral });
    }
    return renderNew(req, reply, {}, 1);
  });

  app.post('/cases/new', access(WRITE), async (req, reply) => {
    const body = bodyOf(req);
    const kept = keptChildValues(body);
    const values: FormBody = { ...body, ...kept.values };
    for (const k of Object.keys(values)) if (/^child-\d+-remove$/.test(k)) delete values[k];

    if (body.action === 'add-child') {
      // Adding a child without JavaScript: the same form again, with one more child's questions.
      return renderNew(req, reply, values, Math.min(kept.count + 1, MAX_CHILDREN), { focusChild: Math.min(kept.count + 1, MAX_CHILDREN) });
    }
    if (body.action !== 'save' && body.action !== undefined) return renderNew(req, reply, values, kept.count);

    const problems = new Problems();
    const facts = readFacts(body, problems, today());
    const children = readChildren(kept.values, kept.count, problems);
    const scope = partnershipsWith(req.principal!, WRITE);
    const partnerships = await listPartnerships(db, scope);
    const partnershipId = partnerships.length === 1 ? partnerships[0].id : typeof body.partnership === 'string' ? body.partnership : '';
    if (!partnerships.some((p) => p.id === partnershipId)) problems.add('partnership', 'Choose the partnership the incident belongs to');
    if (problems.any || !facts || !children) return renderNew(req, reply.code(422), values, kept.count, problems.view());

    const referralId = typeof body.referral === 'string' && body.referral ? body.referral : null;
    const result = await req.change(
      (trx) => recordIncident(trx, cipher, actorOf(req), { partnershipId, facts, children, referralId }, today()),
      (r) => (r.ok ? incidentCreatedEntry({ id: r.id, reference: r.reference, partnershipId, facts, children, referralId }) : null),
    );
    if (!result.ok) {
      problems.addAll(result.problems);
      return renderNew(req, reply.code(422), values, kept.count, problems.view());
    }
    return reply.redirect(`/cases/${result.id}/notification-check`, 303);
  });

  // ---- The guided notification check -----------------------------------------------------------

  app.get('/cases/:id/notification-check', access(READ), async (req, reply) => {
    const { id } = req.params as { id: string };
    const overview = await caseOverview(db, cipher, partnershipsWith(req.principal!, READ), id, mayIn(req), today());
    if (!overview) return notFound(req, reply, id, READ);
    const { incident } = overview;
    await req.audit({ action: 'view', permission: READ, partnershipId: incident.partnershipId, recordType: 'incident', recordId: id });
    const may = mayIn(req)(incident.partnershipId);
    const facts = workflowFacts(incident);
    return reply.render('cases/views/notification-check.njk', {
      pageTitle: `Notification check for ${incident.reference}`,
      incident,
      duties: overview.duties,
      mayNotify: checkTransition(incident.state, 'notify', may, facts).ok,
      mayCloseNotNotifiable: checkTransition(incident.state, 'not-notifiable', may, facts).ok,
      labels: LABELS,
    });
  });

  // ---- The case page ---------------------------------------------------------------------------

  const NOTICES: Record<string, string> = { updated: 'The facts of the case were saved.', child: 'The child’s details were saved.', paused: 'The clock was paused.', resumed: 'The clock was resumed.' };

  app.get('/cases/:id', access(READ), async (req, reply) => {
    const { id } = req.params as { id: string };
    // Transitions are offered per the person's permissions in the case's own partnership.
    const overview = await caseOverview(db, cipher, partnershipsWith(req.principal!, READ), id, mayIn(req), today());
    if (!overview) return notFound(req, reply, id, READ);
    const { incident } = overview;
    await req.audit({ action: 'view', permission: READ, partnershipId: incident.partnershipId, recordType: 'incident', recordId: id });
    const q = req.query as Record<string, unknown>;
    const done = typeof q.done === 'string' ? definitionFor(q.done)?.done : undefined;
    const notice = done ?? Object.entries(NOTICES).find(([k]) => q[k] === '1')?.[1] ?? null;
    const p = { partnershipId: incident.partnershipId };
    return reply.render('cases/views/case.njk', {
      pageTitle: `Case ${incident.reference}`,
      ...overview,
      actions: caseActions(incident.state, overview.transitions, can(req.principal, WRITE, p) || can(req.principal, 'case:sign-off', p)),
      notice,
      mayEdit: can(req.principal, WRITE, { partnershipId: incident.partnershipId }),
      viewedBy: await recordViews(db, 'incident', id),
      yourTasks: await tasksFor(db, req.principal!, { incidentId: id }),
      labels: LABELS,
    });
  });

  // ---- Editing the facts (optimistic locking) --------------------------------------------------

  async function renderEdit(reply: FastifyReply, incident: IncidentDetail, values: FormBody, version: number, base: Facts, extra: Record<string, unknown> = {}) {
    return reply.render('cases/views/edit.njk', {
      pageTitle: `Change the facts of ${incident.reference}`,
      incident,
      values,
      version,
      base: JSON.stringify(base),
      agencies: await listAgencies(db, incident.partnershipId),
      chosenAgencies: list(values, 'agencies'),
      labels: LABELS,
      fieldErrors: {},
      dateParts: {},
      ...extra,
    });
  }

  app.get('/cases/:id/edit', access(WRITE), async (req, reply) => {
    const { id } = req.params as { id: string };
    const incident = await loadIncident(db, cipher, partnershipsWith(req.principal!, WRITE), id);
    if (!incident) return notFound(req, reply, id, WRITE);
    // The form shows what is known so far (free text that may identify): a view like any other.
    await req.audit({ action: 'view', permission: WRITE, partnershipId: incident.partnershipId, recordType: 'incident', recordId: id, changes: { page: 'edit' } });
    const facts = factsOf(incident, incident.whatIsKnown);
    return renderEdit(reply, incident, factsToValues(facts), incident.version, facts);
  });

  app.post('/cases/:id/edit', access(WRITE), async (req, reply) => {
    const { id } = req.params as { id: string };
    const scope = partnershipsWith(req.principal!, WRITE);
    const incident = await loadIncident(db, cipher, scope, id);
    if (!incident) return notFound(req, reply, id, WRITE);
    const body = bodyOf(req);
    const problems = new Problems();
    const values = readFacts(body, problems, today());
    const version = readVersion(body);
    const base = readBase(body) ?? factsOf(incident, incident.whatIsKnown);
    if (!values || version === null) {
      return renderEdit(reply.code(422), incident, body, version ?? incident.version, base, problems.view());
    }
    const result = await req.change(
      (trx) => updateFacts(trx, cipher, scope, actorOf(req), id, { version, base: readBase(body), values }, today()),
      (r) => (r.status === 'saved' && r.changed.length ? factsUpdatedEntry({ ...r, id, partnershipId: incident.partnershipId }) : null),
    );
    switch (result.status) {
      case 'not-found':
        return notFound(req, reply, id, WRITE);
      case 'invalid':
        problems.addAll(result.problems);
        return renderEdit(reply.code(422), incident, body, version, base, problems.view());
      case 'conflict':
        // Someone saved in between: show what they changed beside what this person sent; nothing is saved.
        return renderEdit(reply.code(409), incident, body, result.version, result.current, { conflict: result.changes });
      case 'saved':
        return reply.redirect(`/cases/${id}?updated=1`, 303);
    }
  });

  // ---- Editing a child (identifying details added once known), with optimistic locking ----------

  async function childContext(req: FastifyRequest, reply: FastifyReply): Promise<{ incident: IncidentDetail; n: number; child: ChildInput } | null> {
    const { id, childId } = req.params as { id: string; childId: string };
    const incident = await loadIncident(db, cipher, partnershipsWith(req.principal!, WRITE), id);
    if (!incident) {
      await notFound(req, reply, id, WRITE);
      return null;
    }
    const index = incident.children.findIndex((c) => c.id === childId);
    if (index < 0) {
      reply.code(404).render('error-pages/not-found.njk', { pageTitle: 'Page not found' });
      return null;
    }
    return { incident, n: index + 1, child: childInputOf(incident.children[index]) };
  }

  function renderChild(reply: FastifyReply, incident: IncidentDetail, childId: string, n: number, values: FormBody, version: number, base: ChildInput, extra: Record<string, unknown> = {}) {
    return reply.render('cases/views/child-edit.njk', {
      pageTitle: `Change ${base.pseudonym}’s details – ${incident.reference}`,
      incident,
      childId,
      n,
      p: `child-${n}-`,
      values,
      version,
      base: JSON.stringify(base),
      pseudonym: base.pseudonym,
      labels: LABELS,
      fieldErrors: {},
      dateParts: {},
      ...extra,
    });
  }

  app.get('/cases/:id/children/:childId/edit', access(WRITE), async (req, reply) => {
    const found = await childContext(req, reply);
    if (!found) return reply;
    const { childId } = req.params as { childId: string };
    await req.audit({ action: 'view', permission: WRITE, partnershipId: found.incident.partnershipId, recordType: 'incident', recordId: found.incident.id, changes: { page: 'child-edit' } });
    return renderChild(reply, found.incident, childId, found.n, childToValues(found.child, found.n), found.incident.version, found.child);
  });

  app.post('/cases/:id/children/:childId/edit', access(WRITE), async (req, reply) => {
    const found = await childContext(req, reply);
    if (!found) return reply;
    const { incident, n } = found;
    const { childId } = req.params as { childId: string };
    const body = bodyOf(req);
    const problems = new Problems();
    const values = readChild(body, n, problems);
    const version = readVersion(body);
    const base = readChildBase(body);
    if (!values || version === null) return renderChild(reply.code(422), incident, childId, n, body, version ?? incident.version, base ?? found.child, problems.view());
    const result = await req.change(
      (trx) => updateChild(trx, cipher, partnershipsWith(req.principal!, WRITE), actorOf(req), incident.id, childId, { version, base, values }, today()),
      (r) =>
        r.status === 'saved' && r.changed.length
          ? {
              action: 'incident-child-updated',
              permission: WRITE,
              partnershipId: r.partnershipId,
              recordType: 'incident',
              recordId: incident.id,
              // Identifying details are named as changed ("Full name"), never copied.
              changes: { child: childId, changed: r.changed.map((f) => CHILD_LABELS[f]), before: r.before, after: r.after, version: r.version },
            }
          : null,
    );
    switch (result.status) {
      case 'not-found':
        return notFound(req, reply, incident.id, WRITE);
      case 'invalid':
        problems.addAll(result.problems);
        return renderChild(reply.code(422), incident, childId, n, body, version, base ?? found.child, problems.view());
      case 'conflict':
        return renderChild(reply.code(409), incident, childId, n, body, result.version, result.current, { conflict: result.changes });
      case 'saved':
        return reply.redirect(`/cases/${incident.id}?child=1`, 303);
    }
  });

  // ---- Transitions and steps -------------------------------------------------------------------

  async function renderStep(
    reply: FastifyReply,
    incident: IncidentDetail,
    definition: TransitionDefinition | StepDefinition,
    values: FormBody,
    extra: { blocked?: WorkflowError; errors?: unknown; fieldErrors?: unknown; dateParts?: unknown } = {},
  ) {
    const blocked = extra.blocked;
    return reply.render('cases/views/step.njk', {
      pageTitle: `${definition.title} – ${incident.reference}`,
      incident,
      definition,
      values,
      fieldErrors: {},
      dateParts: {},
      ...extra,
      ...(blocked ? { errors: [{ text: blocked.message }] } : {}),
      labels: LABELS,
    });
  }

  async function stepContext(req: FastifyRequest, reply: FastifyReply): Promise<{ incident: IncidentDetail; definition: TransitionDefinition | StepDefinition } | null> {
    const { id, key } = req.params as { id: string; key: string };
    const incident = await loadIncident(db, cipher, partnershipsWith(req.principal!, WRITE), id);
    if (!incident) {
      await notFound(req, reply, id, WRITE);
      return null;
    }
    const definition = definitionFor(key);
    if (!definition) {
      reply.code(404).render('error-pages/not-found.njk', { pageTitle: 'Page not found' });
      return null;
    }
    return { incident, definition };
  }

  app.get('/cases/:id/steps/:key', access(WRITE), async (req, reply) => {
    const found = await stepContext(req, reply);
    if (!found) return reply;
    const { incident, definition } = found;
    const may = mayIn(req)(incident.partnershipId);
    const facts = await fullWorkflowFacts(db, partnershipsWith(req.principal!, READ), incident);
    const check = definition.kind === 'transition'
      ? checkTransition(incident.state, definition.key, may, facts)
      : checkStep(incident.state, definition.key, may, facts);
    if (!check.ok && check.error.code === 'not-permitted') return refuse(req, reply, definition.permission);
    await req.audit({ action: 'view', permission: WRITE, partnershipId: incident.partnershipId, recordType: 'incident', recordId: incident.id, changes: { page: 'step', step: definition.key } });
    if (!check.ok) return renderStep(reply.code(422), incident, definition, {}, { blocked: check.error });
    const values: FormBody = definition.reference && incident.panelReference ? { reference: incident.panelReference } : {};
    return renderStep(reply, incident, definition, values);
  });

  app.post('/cases/:id/steps/:key', access(WRITE), async (req, reply) => {
    const found = await stepContext(req, reply);
    if (!found) return reply;
    const { incident, definition } = found;
    const body = bodyOf(req);
    const problems = new Problems();
    const input = readStep(body, definition.date, problems);
    const result = await req.change(
      (trx) => recordWorkflowStep(trx, partnershipsWith(req.principal!, WRITE), actorOf(req), incident.id, definition.key, input, mayIn(req), today()),
      (r) => (r.ok ? workflowStepEntry({ ...r, id: incident.id, input }) : null),
    );
    if (!result.ok) {
      if (result.reason === 'not-found') return notFound(req, reply, incident.id, WRITE);
      if (result.reason === 'workflow') {
        if (result.error.code === 'not-permitted') return refuse(req, reply, definition.permission);
        return renderStep(reply.code(422), incident, definition, body, { blocked: result.error });
      }
      // The date boxes' own message (e.g. "must be a real date") comes first; the service's checks fill the rest.
      problems.addAll(result.problems);
      return renderStep(reply.code(422), incident, definition, body, problems.view());
    }
    return reply.redirect(`/cases/${incident.id}?done=${definition.key}`, 303);
  });

  // ---- Pausing and resuming clocks -------------------------------------------------------------

  for (const action of ['pause', 'resume'] as const) {
    const template = 'cases/views/clock-change.njk';
    const title = action === 'pause' ? 'Pause a clock' : 'Resume a clock';

    app.get(`/cases/:id/clocks/:clock/${action}`, access(WRITE), async (req, reply) => {
      const { id, clock: key } = req.params as { id: string; clock: string };
      const found = await findClock(db, cipher, partnershipsWith(req.principal!, WRITE), id, key, today());
      if (!found) return notFound(req, reply, id, WRITE);
      const check = checkStep(found.incident.state, CLOCK_CHANGES.key, mayIn(req)(found.incident.partnershipId), workflowFacts(found.incident));
      if (!check.ok && check.error.code === 'not-permitted') return refuse(req, reply, CLOCK_CHANGES.permission);
      await req.audit({ action: 'view', permission: WRITE, partnershipId: found.incident.partnershipId, recordType: 'incident', recordId: found.incident.id, changes: { page: `clock-${action}`, clock: key } });
      const blocked = !check.ok ? check.error.message
        : action === 'pause' ? whyNotPausable(found.clock)
          : !found.clock.pausedSince ? 'This clock cannot be resumed: it is not paused.' : null;
      return reply.code(blocked ? 422 : 200).render(template, {
        pageTitle: `${title} – ${found.incident.reference}`,
        action,
        incident: found.incident,
        clock: found.clock,
        values: {},
        fieldErrors: {},
        dateParts: {},
        ...(blocked ? { errors: [{ text: blocked }], blocked: true } : {}),
        labels: LABELS,
      });
    });

    app.post(`/cases/:id/clocks/:clock/${action}`, access(WRITE), async (req, reply) => {
      const { id, clock: key } = req.params as { id: string; clock: string };
      const scope = partnershipsWith(req.principal!, WRITE);
      const body = bodyOf(req);
      const problems = new Problems();
      const input = readClockChange(body, problems, action);
      // A form with mistakes changes nothing: it is shown again with them.
      const result = problems.any ? null : await req.change(
        (trx) =>
          changeClock(
            trx, cipher, scope, actorOf(req), id, key,
            action === 'pause'
              ? { action, on: input.on, reason: input.reason, panelToldOn: input.panelToldOn, sosToldOn: input.sosToldOn }
              : { action, on: input.on, panelToldOn: input.panelToldOn, sosToldOn: input.sosToldOn },
            mayIn(req), today(),
          ),
        (r) =>
          r.ok
            ? {
                action: action === 'pause' ? 'clock-paused' : 'clock-resumed',
                permission: WRITE,
                partnershipId: r.partnershipId,
                recordType: 'incident',
                recordId: id,
                changes: {
                  clock: key,
                  after: { [action === 'pause' ? 'pausedOn' : 'resumedOn']: input.on, panelToldOn: input.panelToldOn, sosToldOn: input.sosToldOn },
                  ...(action === 'pause' ? { reasonRecorded: true } : {}),
                },
              }
            : null,
      );
      if (result && !result.ok && result.reason === 'not-found') return notFound(req, reply, id, WRITE);
      if (result && !result.ok && result.reason === 'workflow' && result.error.code === 'not-permitted') return refuse(req, reply, CLOCK_CHANGES.permission);
      if (!result || !result.ok || problems.any) {
        const found = await findClock(db, cipher, scope, id, key, today());
        if (!found) return notFound(req, reply, id, WRITE);
        if (result && !result.ok && result.reason === 'invalid') problems.addAll(result.problems);
        const blocked = result && !result.ok && result.reason === 'workflow' ? result.error.message : null;
        return reply.code(422).render(template, {
          pageTitle: `${title} – ${found.incident.reference}`,
          action,
          incident: found.incident,
          clock: found.clock,
          values: body,
          ...problems.view(),
          ...(blocked ? { errors: [{ text: blocked }], blocked: true } : {}),
          labels: LABELS,
        });
      }
      return reply.redirect(`/cases/${id}?${action === 'pause' ? 'paused' : 'resumed'}=1`, 303);
    });
  }

  // ---- The notification summary, to copy into the national form --------------------------------

  app.get('/cases/:id/notification-summary', access(READ), async (req, reply) => {
    const { id } = req.params as { id: string };
    const incident = await loadIncident(db, cipher, partnershipsWith(req.principal!, READ), id);
    if (!incident) return notFound(req, reply, id, READ);
    await req.audit({ action: 'view', permission: READ, partnershipId: incident.partnershipId, recordType: 'incident', recordId: id, changes: { page: 'notification-summary' } });
    return reply.render('cases/views/notification-summary.njk', {
      pageTitle: `Notification summary for ${incident.reference}`,
      incident,
      duties: dutiesOf(incident, incident.children),
      labels: LABELS,
    });
  });
}
