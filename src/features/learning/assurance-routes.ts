import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { addDays } from '../../domain/calendar/date-only.ts';
import { CHECK_RESULT_LABELS, CHECK_RESULTS, checkRecordProblems, nextCheckDate, scheduleProblems } from '../../domain/learning/assurance.ts';
import { partnershipsWith, type Permission } from '../../platform/auth/policy.ts';
import { access } from '../../platform/http/access.ts';
import { notFoundPage } from '../../platform/http/errors.ts';
import { bodyOf, dateValues, list, Problems, readDate, text, type FormBody } from '../../platform/http/form-body.ts';
import { actorOf, today } from '../cases/request-context.ts';
import { checkOptions, checkPartnership, listChecks, loadCheck, partnershipsOf, recordCheck, scheduleCheck, type CheckView } from './assurance-checks.ts';
import { READ, WRITE } from './permissions.ts';

/**
 * Assurance checks on the pages (/actions/checks): the partnership's business unit and statutory
 * partners' leads see past and due checks; the business unit schedules a check and records it
 * (who checked what, when, the result, the findings and the next date). Working Together 2023,
 * chapter 5: partnerships "regularly audit progress on the implementation of recommended
 * improvements".
 */

const NOTICES: Record<string, string> = { scheduled: 'The check was scheduled.', recorded: 'The check was recorded and the next one scheduled.' };

export async function assuranceRoutes(app: FastifyInstance): Promise<void> {
  const { database, cipher } = app.deps;
  const db = database.db;

  const scopeOf = async (req: FastifyRequest, permission: Permission): Promise<string[]> => {
    const s = partnershipsWith(req.principal!, permission);
    return s === 'all' ? (await partnershipsOf(db, 'all')).map((p) => p.id) : s;
  };

  app.get('/actions/checks', access(READ), async (req, reply) => {
    const scope = await scopeOf(req, READ);
    const checks = await listChecks(db, cipher, scope, today());
    await req.audit({ action: 'view', permission: READ, partnershipId: scope.length === 1 ? scope[0] : null, recordType: 'assurance-checks', changes: { page: 'assurance-checks' } });
    const q = req.query as Record<string, unknown>;
    const writable = await scopeOf(req, WRITE);
    return reply.render('learning/views/checks.njk', {
      pageTitle: 'Assurance checks of action plans',
      checks,
      mayManage: writable.length > 0,
      notice: typeof q.done === 'string' ? (NOTICES[q.done] ?? null) : null,
    });
  });

  // ---- Scheduling a check ----------------------------------------------------------------------

  async function renderSchedule(reply: FastifyReply, req: FastifyRequest, values: FormBody, extra: Record<string, unknown> = {}) {
    return reply.render('learning/views/check-schedule.njk', {
      pageTitle: 'Schedule an assurance check',
      partnerships: await partnershipsOf(db, await scopeOf(req, WRITE)),
      values,
      errors: [],
      fieldErrors: {},
      dateParts: {},
      ...extra,
    });
  }

  app.get('/actions/checks/new', access(WRITE), async (req, reply) => renderSchedule(reply, req, { ...dateValues('dueOn', nextCheckDate(today())), focus: 'Quarterly check of the progress of every open action.' }));

  app.post('/actions/checks/new', access(WRITE), async (req, reply) => {
    const body = bodyOf(req);
    const problems = new Problems(['dueOn']);
    const dueOn = readDate(body, problems, 'dueOn', 'the date of the check');
    const focus = text(body, 'focus', 4000);
    const writable = await scopeOf(req, WRITE);
    const partnershipId = writable.length === 1 ? writable[0] : text(body, 'partnershipId', 100);
    if (!writable.includes(partnershipId)) problems.add('partnershipId', 'Select the partnership');
    problems.addAll(scheduleProblems({ dueOn, focus }, today()));
    if (!problems.any && dueOn) {
      const result = await req.change(
        (trx) => scheduleCheck(trx, partnershipId, actorOf(req), { dueOn, focus }, today()),
        (r) => (r.ok ? { action: 'assurance-check-scheduled', permission: WRITE, partnershipId, recordType: 'assurance-check', recordId: r.id, changes: { after: { dueOn, focus } } } : null),
      );
      if (result.ok) return reply.redirect('/actions/checks?done=scheduled', 303);
      problems.addAll(result.problems);
    }
    return renderSchedule(reply.code(422), req, body, problems.view());
  });

  // ---- Recording a check -----------------------------------------------------------------------

  async function checkFor(req: FastifyRequest, reply: FastifyReply, permission: Permission): Promise<CheckView | null> {
    const { checkId } = req.params as { checkId: string };
    const check = await loadCheck(db, cipher, await scopeOf(req, permission), checkId, today());
    if (check) return check;
    const elsewhere = await checkPartnership(db, checkId);
    if (elsewhere) await req.audit({ action: 'access-refused', permission, partnershipId: elsewhere, recordType: 'assurance-check', recordId: checkId, outcome: 'refused' });
    notFoundPage(reply);
    return null;
  }

  async function renderRecord(reply: FastifyReply, check: CheckView, values: FormBody, extra: Record<string, unknown> = {}) {
    return reply.render('learning/views/check-record.njk', {
      pageTitle: 'Record an assurance check',
      check,
      options: await checkOptions(db, check.partnershipId),
      results: CHECK_RESULTS.map((r) => ({ value: r, text: CHECK_RESULT_LABELS[r] })),
      values,
      errors: [],
      fieldErrors: {},
      dateParts: {},
      ...extra,
    });
  }

  app.get('/actions/checks/:checkId', access(READ), async (req, reply) => {
    const check = await checkFor(req, reply, READ);
    if (!check) return reply;
    await req.audit({ action: 'view', permission: READ, partnershipId: check.partnershipId, recordType: 'assurance-check', recordId: check.id });
    return reply.render('learning/views/check.njk', { pageTitle: `Assurance check, ${check.status === 'recorded' ? 'recorded' : 'due'}`, check, mayManage: (await scopeOf(req, WRITE)).includes(check.partnershipId) });
  });

  app.get('/actions/checks/:checkId/record', access(WRITE), async (req, reply) => {
    const check = await checkFor(req, reply, WRITE);
    if (!check) return reply;
    if (check.status !== 'scheduled') return reply.redirect(`/actions/checks/${check.id}`, 303);
    await req.audit({ action: 'view', permission: WRITE, partnershipId: check.partnershipId, recordType: 'assurance-check', recordId: check.id, changes: { page: 'assurance-check-record' } });
    const t = today();
    return renderRecord(reply, check, { ...dateValues('checkedOn', t), ...dateValues('nextDueOn', nextCheckDate(t)), incidentIds: [], agencyIds: [] });
  });

  app.post('/actions/checks/:checkId/record', access(WRITE), async (req, reply) => {
    const check = await checkFor(req, reply, WRITE);
    if (!check) return reply;
    const body = bodyOf(req);
    const problems = new Problems(['checkedOn', 'nextDueOn']);
    const checkedOn = readDate(body, problems, 'checkedOn', 'the date of the check');
    const nextDueOn = readDate(body, problems, 'nextDueOn', 'the date of the next check');
    const input = { checkedOn, nextDueOn, result: text(body, 'result', 40), findings: text(body, 'findings', 20_000), incidentIds: list(body, 'incidentIds'), agencyIds: list(body, 'agencyIds') };
    let conflict = false;
    if (problems.any) {
      // A date that cannot be read is reported with everything else that is missing; nothing is saved.
      const options = await checkOptions(db, check.partnershipId);
      const t = today();
      problems.addAll(checkRecordProblems({ ...input, checkedOn: checkedOn ?? t, nextDueOn: nextDueOn ?? addDays(t, 1) }, t, { incidentIds: options.reviews.map((r) => r.id), agencyIds: options.agencies.map((a) => a.id) }));
    } else {
      const result = await req.change(
        (trx) => recordCheck(trx, cipher, check, actorOf(req), input, today()),
        (r) =>
          r.ok
            ? {
                action: 'assurance-check-recorded',
                permission: WRITE,
                partnershipId: check.partnershipId,
                recordType: 'assurance-check',
                recordId: check.id,
                changes: { after: { checkedOn, result: input.result, incidentIds: input.incidentIds, agencyIds: input.agencyIds, actionIds: r.actionIds, nextDueOn, nextCheckId: r.nextId } },
              }
            : null,
      );
      if (result.ok) return reply.redirect('/actions/checks?done=recorded', 303);
      conflict = Boolean(result.conflict);
      problems.addAll(result.problems, (f) => (f === 'state' ? null : f));
    }
    return renderRecord(reply.code(conflict ? 409 : 422), check, { ...body, incidentIds: input.incidentIds, agencyIds: input.agencyIds }, problems.view());
  });
}
