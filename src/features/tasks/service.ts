import type { Kysely } from 'kysely';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import { actionableIn, isTaskFor, KIND_ROLES, TASK_DEFINITIONS, taskLink, type Audience, type AudienceRole, type TaskKind } from '../../domain/tasks/hand-offs.ts';
import type { Principal } from '../../platform/auth/policy.ts';
import { withTenant, type TenantScope } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import { listAgencies } from '../partnerships/service.ts';

/**
 * Tasks: what passes to people at each hand-off, free of HTTP. A hand-off opens a task (and an
 * email for each person it is for, sent later by the background job) in the transaction of the
 * change that hands the work over; the step that does the work closes it in its own transaction,
 * whoever takes it. The callers' transactions carry the audit entry of the change.
 */

export type Actor = { userId: string };

type OpenTask = {
  partnershipId: string;
  kind: TaskKind;
  subjectId: string;
  incidentId: string | null;
  audience: Audience;
  dueOn?: DateOnly | null;
};

/** The active people a task is for, now: its email goes to each of them once. */
async function recipients(trx: Kysely<DB>, partnershipId: string, audience: Audience): Promise<string[]> {
  if ('userId' in audience) {
    const one = await trx.selectFrom('users').select('id').where('id', '=', audience.userId).where('disabled_at', 'is', null).execute();
    return one.map((r) => r.id);
  }
  let q = trx
    .selectFrom('users')
    .innerJoin('role_assignments as r', 'r.user_id', 'users.id')
    .select('users.id')
    .where('users.disabled_at', 'is', null)
    .where('r.role', '=', audience.role)
    .where('r.partnership_id', '=', partnershipId);
  if (audience.agencyId) q = q.where('r.agency_id', '=', audience.agencyId);
  return [...new Set((await q.execute()).map((r) => r.id))];
}

/** Opens a task (none when the same one is open already) and queues its emails. */
export async function openTask(trx: Kysely<DB>, actor: Actor, task: OpenTask): Promise<void> {
  await withTenant(trx, [task.partnershipId], async (t) => {
    const row = await t
      .insertInto('tasks')
      .values({
        partnership_id: task.partnershipId,
        kind: task.kind,
        subject_id: task.subjectId,
        incident_id: task.incidentId,
        for_user_id: 'userId' in task.audience ? task.audience.userId : null,
        for_role: 'role' in task.audience ? task.audience.role : null,
        for_agency_id: 'role' in task.audience ? task.audience.agencyId : null,
        due_on: task.dueOn ?? null,
        created_by: actor.userId,
      })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) return;
    // The person who hands the work over is not told of it.
    const people = (await recipients(t, task.partnershipId, task.audience)).filter((id) => id !== actor.userId);
    if (people.length) {
      await t.insertInto('task_emails').values(people.map((user_id) => ({ partnership_id: task.partnershipId, task_id: row.id, user_id }))).execute();
    }
  });
}

/** Closes the open tasks of a kind on a subject (those for the given agencies or person, when named): the work is done. */
export async function closeTasks(
  trx: Kysely<DB>,
  actor: Actor,
  where: { partnershipId: string; kind: TaskKind; subjectId: string; forAgencyIds?: string[]; forUserId?: string; exceptAgencyId?: string; exceptUserId?: string },
): Promise<number> {
  if (where.forAgencyIds && where.forAgencyIds.length === 0) return 0;
  return withTenant(trx, [where.partnershipId], async (t) => {
    let q = t
      .updateTable('tasks')
      .set({ done_at: new Date(), done_by: actor.userId })
      .where('partnership_id', '=', where.partnershipId)
      .where('kind', '=', where.kind)
      .where('subject_id', '=', where.subjectId)
      .where('done_at', 'is', null);
    if (where.forAgencyIds) q = q.where('for_agency_id', 'in', where.forAgencyIds);
    if (where.forUserId) q = q.where('for_user_id', '=', where.forUserId);
    if (where.exceptAgencyId) q = q.where((eb) => eb.or([eb('for_agency_id', 'is', null), eb('for_agency_id', '!=', where.exceptAgencyId as string)]));
    if (where.exceptUserId) q = q.where((eb) => eb.or([eb('for_user_id', 'is', null), eb('for_user_id', '!=', where.exceptUserId as string)]));
    const closed = await q.returning('id').execute();
    if (closed.length === 0) return 0;
    // Nothing is left to tell anyone about work already done.
    await t
      .updateTable('task_emails')
      .set({ dropped_at: new Date() })
      .where('partnership_id', '=', where.partnershipId)
      .where('task_id', 'in', closed.map((c) => c.id))
      .where('sent_at', 'is', null)
      .where('dropped_at', 'is', null)
      .execute();
    return closed.length;
  });
}

// ---- The hand-offs: one call from the feature that makes each ---------------------------------

/** Requests were sent to agencies: each agency's contributors must answer theirs. */
export async function requestsSent(trx: Kysely<DB>, actor: Actor, incident: { id: string; partnershipId: string }, requests: { id: string; agencyId: string; dueOn: DateOnly }[]): Promise<void> {
  for (const r of requests) {
    await openTask(trx, actor, { partnershipId: incident.partnershipId, kind: 'agency-request-sent', subjectId: r.id, incidentId: incident.id, audience: { role: 'agency-contributor', agencyId: r.agencyId }, dueOn: r.dueOn });
  }
}

/** An agency answered: its task is done, and the business unit has an answer to read. */
export async function requestAnswered(trx: Kysely<DB>, actor: Actor, request: { id: string; incidentId: string; partnershipId: string }): Promise<void> {
  await closeTasks(trx, actor, { partnershipId: request.partnershipId, kind: 'agency-request-sent', subjectId: request.id });
  await openTask(trx, actor, { partnershipId: request.partnershipId, kind: 'agency-request-answered', subjectId: request.id, incidentId: request.incidentId, audience: { role: 'partnership-admin', agencyId: null } });
}

/** Whether the business unit still has an agency's answer to read (its task is open). */
export async function answerToRead(db: Kysely<DB>, request: { id: string; partnershipId: string }): Promise<boolean> {
  const open = await withTenant(db, [request.partnershipId], (t) =>
    t
      .selectFrom('tasks')
      .select('id')
      .where('partnership_id', '=', request.partnershipId)
      .where('kind', '=', 'agency-request-answered')
      .where('subject_id', '=', request.id)
      .where('done_at', 'is', null)
      .executeTakeFirst(),
  );
  return open !== undefined;
}

/**
 * Someone of the business unit says they have read an agency's answer: reading it was the work. Said
 * with a button on the answer's page, not by opening it: a link followed by a scanner, a prefetch or
 * another site must not end the task before anyone has read the answer.
 */
export async function answerRead(trx: Kysely<DB>, actor: Actor, request: { id: string; partnershipId: string }): Promise<number> {
  return closeTasks(trx, actor, { partnershipId: request.partnershipId, kind: 'agency-request-answered', subjectId: request.id });
}

/** The agencies of a partnership that are the given statutory partners (local authority, police, ICB). */
async function partnerAgencies(trx: Kysely<DB>, partnershipId: string, partners: readonly string[]): Promise<string[]> {
  return (await listAgencies(trx, partnershipId)).filter((a) => partners.includes(a.kind)).map((a) => a.id);
}

/** A decision awaits the sign-off of these statutory partners: each one's lead must sign it off. */
export async function signOffAwaited(trx: Kysely<DB>, actor: Actor, incident: { id: string; partnershipId: string }, partners: readonly string[]): Promise<void> {
  for (const agencyId of await partnerAgencies(trx, incident.partnershipId, partners)) {
    await openTask(trx, actor, { partnershipId: incident.partnershipId, kind: 'sign-off-awaited', subjectId: incident.id, incidentId: incident.id, audience: { role: 'partner-lead', agencyId } });
  }
}

/** A statutory partner signed the decision off: its lead's task is done, whichever lead of it signed. */
export async function signedOff(trx: Kysely<DB>, actor: Actor, incident: { id: string; partnershipId: string }, partner: string): Promise<void> {
  await closeTasks(trx, actor, { partnershipId: incident.partnershipId, kind: 'sign-off-awaited', subjectId: incident.id, forAgencyIds: await partnerAgencies(trx, incident.partnershipId, [partner]) });
}

/** A lead reviewer was chosen: theirs to start; a reviewer chosen before has nothing left to do. */
export async function reviewerChosen(trx: Kysely<DB>, actor: Actor, incident: { id: string; partnershipId: string }, reviewerId: string): Promise<void> {
  await closeTasks(trx, actor, { partnershipId: incident.partnershipId, kind: 'reviewer-chosen', subjectId: incident.id, exceptUserId: reviewerId });
  await openTask(trx, actor, { partnershipId: incident.partnershipId, kind: 'reviewer-chosen', subjectId: incident.id, incidentId: incident.id, audience: { userId: reviewerId } });
}

/** The review is under way: its log or its report was added to. */
export async function reviewStarted(trx: Kysely<DB>, actor: Actor, incident: { id: string; partnershipId: string }): Promise<void> {
  await closeTasks(trx, actor, { partnershipId: incident.partnershipId, kind: 'reviewer-chosen', subjectId: incident.id });
}

/** An action is owned by an agency (new, or passed on): its contributors must take it up; another agency's task on it ends. */
export async function actionAssigned(trx: Kysely<DB>, actor: Actor, action: { id: string; partnershipId: string; agencyId: string; incidentId: string | null; dueOn: DateOnly }): Promise<void> {
  await closeTasks(trx, actor, { partnershipId: action.partnershipId, kind: 'action-assigned', subjectId: action.id, exceptAgencyId: action.agencyId });
  await openTask(trx, actor, { partnershipId: action.partnershipId, kind: 'action-assigned', subjectId: action.id, incidentId: action.incidentId, audience: { role: 'agency-contributor', agencyId: action.agencyId }, dueOn: action.dueOn });
}

/** A step was recorded on an action: it has been taken up. */
export async function actionTakenUp(trx: Kysely<DB>, actor: Actor, action: { id: string; partnershipId: string }): Promise<void> {
  await closeTasks(trx, actor, { partnershipId: action.partnershipId, kind: 'action-assigned', subjectId: action.id });
}

// ---- Reading: a person's own tasks ------------------------------------------------------------

export type TaskView = {
  id: string;
  kind: TaskKind;
  partnershipId: string;
  what: string;
  act: string;
  link: string;
  incidentId: string | null;
  reference: string | null;
  pseudonyms: string[];
  dueOn: DateOnly | null;
  createdAt: Date;
};

/** The partnerships in which a person holds any role: where their tasks can be. */
function partnershipsOf(principal: Principal): string[] {
  return [...new Set(principal.grants.map((g) => g.partnershipId).filter((p): p is string => p !== null))];
}

/**
 * The open tasks for a person (by name, or by a role they hold in the task's partnership and
 * agency), the earliest due first; only those on one case when `incidentId` is given.
 */
export async function tasksFor(db: Kysely<DB>, principal: Principal, options: { incidentId?: string } = {}): Promise<TaskView[]> {
  const scope: TenantScope = partnershipsOf(principal);
  if (scope.length === 0) return [];
  const roles = [...new Set(principal.grants.map((g) => g.role))].filter((r): r is AudienceRole => (Object.values(KIND_ROLES) as string[]).includes(r));
  return withTenant(db, scope, async (trx) => {
    let q = trx
      .selectFrom('tasks')
      .leftJoin('incidents', (j) => j.onRef('incidents.id', '=', 'tasks.incident_id').onRef('incidents.partnership_id', '=', 'tasks.partnership_id'))
      .select(['tasks.id', 'tasks.kind', 'tasks.partnership_id', 'tasks.subject_id', 'tasks.incident_id', 'tasks.for_user_id', 'tasks.for_role', 'tasks.for_agency_id', 'tasks.due_on', 'tasks.created_at', 'incidents.reference', 'incidents.state'])
      .where('tasks.partnership_id', 'in', scope)
      .where('tasks.done_at', 'is', null)
      .where((eb) => eb.or([eb('tasks.for_user_id', '=', principal.userId), ...(roles.length ? [eb('tasks.for_role', 'in', roles)] : [])]));
    if (options.incidentId) q = q.where('tasks.incident_id', '=', options.incidentId);
    const rows = (await q.orderBy('tasks.due_on', (ob) => ob.asc().nullsLast()).orderBy('tasks.created_at').limit(500).execute()).filter((r) =>
      actionableIn(r.kind as TaskKind, r.state ?? null) &&
      isTaskFor({ partnershipId: r.partnership_id, forUserId: r.for_user_id, forRole: r.for_role, forAgencyId: r.for_agency_id }, { userId: principal.userId, grants: principal.grants }),
    );
    const incidentIds = [...new Set(rows.map((r) => r.incident_id).filter((i): i is string => i !== null))];
    const children = incidentIds.length
      ? await trx.selectFrom('incident_children').select(['incident_id', 'pseudonym']).where('incident_id', 'in', incidentIds).orderBy('position').execute()
      : [];
    return rows.map((r) => {
      const kind = r.kind as TaskKind;
      return {
        id: r.id,
        kind,
        partnershipId: r.partnership_id,
        what: TASK_DEFINITIONS[kind].what,
        act: TASK_DEFINITIONS[kind].act,
        link: taskLink({ kind, subjectId: r.subject_id, incidentId: r.incident_id }),
        incidentId: r.incident_id,
        reference: r.reference ?? null,
        pseudonyms: children.filter((c) => c.incident_id === r.incident_id).map((c) => c.pseudonym),
        dueOn: r.due_on,
        createdAt: new Date(r.created_at),
      };
    });
  });
}
