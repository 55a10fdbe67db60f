import type { Kysely } from 'kysely';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import { checkRecordProblems, CHECK_RESULT_LABELS, isCheckOverdue, scheduleProblems, type CheckRecordInput, type CheckResult, type ScheduleInput } from '../../domain/learning/assurance.ts';
import { openField, sealField, type FieldCipher } from '../../platform/crypto/field-encryption.ts';
import { withTenant } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import type { Problem } from '../../platform/http/form-body.ts';
import { formatDateTime } from '../audit/format.ts';
import { isUuid, type Actor } from '../cases/service.ts';
import { agenciesOf } from './service.ts';

/**
 * Scheduled assurance checks of a partnership's action plans (rules: domain/learning/assurance.ts).
 * The business unit schedules a check; when it is done, it records who checked, when, what (the
 * reviews and agencies looked at, and the actions open in them at that moment, kept as they were),
 * the result and the findings (stored encrypted: they may name people), and the date of the next
 * check, which is scheduled at once. Free of HTTP: callers check access and audit each change in
 * the same transaction (`req.change`).
 */

export type CheckView = {
  id: string;
  partnershipId: string;
  dueOn: DateOnly;
  focus: string;
  status: 'scheduled' | 'recorded';
  overdue: boolean;
  checkedOn: DateOnly | null;
  checkedBy: string | null;
  result: CheckResult | null;
  resultLabel: string | null;
  findings: string;
  nextDueOn: DateOnly | null;
  reviews: { id: string; reference: string }[];
  agencies: { id: string; name: string }[];
  actionIds: string[];
  recordedAt: string | null;
};

export type CheckOptions = { reviews: { id: string; reference: string }[]; agencies: { id: string; name: string }[] };

type Outcome<T = object> = ({ ok: true } & T) | { ok: false; problems: Problem[]; conflict?: boolean };

/** The reviews with recommendations and the agencies of a partnership: what a check may look at. */
export async function checkOptions(db: Kysely<DB>, partnershipId: string): Promise<CheckOptions> {
  const reviews = await withTenant(db, [partnershipId], (trx) =>
    trx
      .selectFrom('recommendations')
      .innerJoin('incidents', 'incidents.id', 'recommendations.incident_id')
      .select(['incidents.id', 'incidents.reference'])
      .where('recommendations.partnership_id', '=', partnershipId)
      .distinct()
      .orderBy('incidents.reference')
      .execute(),
  );
  return { reviews, agencies: await agenciesOf(db, partnershipId) };
}

/** The partnerships among `scope` (all of them for 'all'), by name. */
export async function partnershipsOf(db: Kysely<DB>, scope: string[] | 'all'): Promise<{ id: string; name: string }[]> {
  let q = db.selectFrom('partnerships').select(['id', 'name']).orderBy('name');
  if (scope !== 'all') {
    if (scope.length === 0) return [];
    q = q.where('id', 'in', scope);
  }
  return q.execute();
}

/** The checks of the partnerships in `scope`: due ones (soonest first) and past ones (latest first). */
export async function listChecks(db: Kysely<DB>, cipher: FieldCipher, scope: string[], today: DateOnly): Promise<{ due: CheckView[]; past: CheckView[] }> {
  if (scope.length === 0) return { due: [], past: [] };
  const rows = await withTenant(db, scope, (trx) => trx.selectFrom('assurance_checks').selectAll().where('partnership_id', 'in', scope).orderBy('due_on').orderBy('created_at').execute());
  const names = await namesFor(db, scope, rows);
  const views = rows.map((r) => present(r, cipher, today, names));
  return { due: views.filter((c) => c.status === 'scheduled'), past: views.filter((c) => c.status === 'recorded').sort((a, b) => (b.checkedOn ?? '').localeCompare(a.checkedOn ?? '') || (b.recordedAt ?? '').localeCompare(a.recordedAt ?? '')) };
}

/** Scheduled checks whose date has passed, for the assurance view's warning. */
export async function overdueChecks(db: Kysely<DB>, scope: string[], today: DateOnly): Promise<{ id: string; dueOn: DateOnly }[]> {
  if (scope.length === 0) return [];
  const rows = await withTenant(db, scope, (trx) =>
    trx.selectFrom('assurance_checks').select(['id', 'due_on']).where('partnership_id', 'in', scope).where('status', '=', 'scheduled').where('due_on', '<', today).orderBy('due_on').execute(),
  );
  return rows.map((r) => ({ id: r.id, dueOn: r.due_on }));
}

export async function loadCheck(db: Kysely<DB>, cipher: FieldCipher, scope: string[], id: string, today: DateOnly): Promise<CheckView | undefined> {
  if (!isUuid(id) || scope.length === 0) return undefined;
  const row = await withTenant(db, scope, (trx) => trx.selectFrom('assurance_checks').selectAll().where('id', '=', id).where('partnership_id', 'in', scope).executeTakeFirst());
  if (!row) return undefined;
  return present(row, cipher, today, await namesFor(db, [row.partnership_id], [row]));
}

/** The partnership a check belongs to, whoever asks (for the audit trail of a refusal). */
export async function checkPartnership(db: Kysely<DB>, id: string): Promise<string | null> {
  if (!isUuid(id)) return null;
  const row = await withTenant(db, 'all', (trx) => trx.selectFrom('assurance_checks').select('partnership_id').where('id', '=', id).executeTakeFirst());
  return row?.partnership_id ?? null;
}

type CheckRow = {
  id: string;
  partnership_id: string;
  due_on: string;
  focus: string;
  status: 'scheduled' | 'recorded';
  checked_on: string | null;
  checked_by_name: string | null;
  incident_ids: string[];
  agency_ids: string[];
  action_ids: string[];
  result: CheckResult | null;
  findings_enc: string | null;
  next_due_on: string | null;
  recorded_at: Date | null;
};

async function namesFor(db: Kysely<DB>, scope: string[], rows: CheckRow[]): Promise<{ reviews: Map<string, string>; agencies: Map<string, string> }> {
  const incidentIds = [...new Set(rows.flatMap((r) => r.incident_ids ?? []))].filter(isUuid);
  const agencyIds = [...new Set(rows.flatMap((r) => r.agency_ids ?? []))].filter(isUuid);
  const reviews = incidentIds.length ? await withTenant(db, scope, (trx) => trx.selectFrom('incidents').select(['id', 'reference']).where('id', 'in', incidentIds).execute()) : [];
  const agencies = agencyIds.length ? await db.selectFrom('agencies').select(['id', 'name']).where('id', 'in', agencyIds).execute() : [];
  return { reviews: new Map(reviews.map((r) => [r.id, r.reference])), agencies: new Map(agencies.map((a) => [a.id, a.name])) };
}

function present(r: CheckRow, cipher: FieldCipher, today: DateOnly, names: { reviews: Map<string, string>; agencies: Map<string, string> }): CheckView {
  return {
    id: r.id,
    partnershipId: r.partnership_id,
    dueOn: r.due_on,
    focus: r.focus,
    status: r.status,
    overdue: isCheckOverdue({ status: r.status, dueOn: r.due_on }, today),
    checkedOn: r.checked_on,
    checkedBy: r.checked_by_name,
    result: r.result,
    resultLabel: r.result ? CHECK_RESULT_LABELS[r.result] : null,
    findings: openField(cipher, r.findings_enc),
    nextDueOn: r.next_due_on,
    reviews: (r.incident_ids ?? []).map((id) => ({ id, reference: names.reviews.get(id) ?? 'a review no longer recorded' })),
    agencies: (r.agency_ids ?? []).map((id) => ({ id, name: names.agencies.get(id) ?? 'an agency no longer recorded' })),
    actionIds: r.action_ids ?? [],
    recordedAt: r.recorded_at ? formatDateTime(new Date(r.recorded_at)) : null,
  };
}

/** Schedules a check of a partnership's action plans. */
export async function scheduleCheck(trx: Kysely<DB>, partnershipId: string, actor: Actor, input: ScheduleInput, today: DateOnly): Promise<Outcome<{ id: string }>> {
  const problems = scheduleProblems(input, today);
  if (problems.length) return { ok: false, problems };
  return withTenant(trx, [partnershipId], async (t) => {
    const row = await t
      .insertInto('assurance_checks')
      .values({ partnership_id: partnershipId, due_on: input.dueOn as DateOnly, focus: input.focus.trim(), created_by: actor.userId })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { ok: true, id: row.id };
  });
}

/**
 * Records a scheduled check as done: who, when, what (the reviews and agencies chosen — none means
 * the whole partnership — and the actions open in them now), the result, the findings, and the
 * next check, scheduled in the same transaction. Refused if someone recorded it meanwhile.
 */
export async function recordCheck(trx: Kysely<DB>, cipher: FieldCipher, check: CheckView, actor: Actor, input: CheckRecordInput, today: DateOnly): Promise<Outcome<{ nextId: string; actionIds: string[] }>> {
  if (check.status !== 'scheduled') return { ok: false, problems: [{ field: 'state', message: 'This check has already been recorded' }], conflict: true };
  const options = await checkOptions(trx, check.partnershipId);
  const problems = checkRecordProblems(input, today, { incidentIds: options.reviews.map((r) => r.id), agencyIds: options.agencies.map((a) => a.id) });
  if (problems.length) return { ok: false, problems };
  return withTenant(trx, [check.partnershipId], async (t) => {
    let q = t
      .selectFrom('recommendation_actions')
      .innerJoin('recommendations', 'recommendations.id', 'recommendation_actions.recommendation_id')
      .select('recommendation_actions.id')
      .where('recommendation_actions.partnership_id', '=', check.partnershipId)
      .where('recommendation_actions.status', '!=', 'closed');
    if (input.incidentIds.length) q = q.where('recommendations.incident_id', 'in', input.incidentIds);
    if (input.agencyIds.length) q = q.where('recommendation_actions.agency_id', 'in', input.agencyIds);
    const actionIds = (await q.orderBy('recommendation_actions.id').execute()).map((r) => r.id);
    const updated = await t
      .updateTable('assurance_checks')
      .set({
        status: 'recorded',
        checked_on: input.checkedOn as DateOnly,
        checked_by: actor.userId,
        checked_by_name: actor.name,
        incident_ids: JSON.stringify(input.incidentIds),
        agency_ids: JSON.stringify(input.agencyIds),
        action_ids: JSON.stringify(actionIds),
        result: input.result as CheckResult,
        findings_enc: sealField(cipher, input.findings.trim()),
        next_due_on: input.nextDueOn as DateOnly,
        recorded_at: new Date(),
      })
      .where('id', '=', check.id)
      .where('partnership_id', '=', check.partnershipId)
      .where('status', '=', 'scheduled')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return { ok: false, problems: [{ field: 'state', message: 'This check has already been recorded' }], conflict: true };
    const next = await t
      .insertInto('assurance_checks')
      .values({ partnership_id: check.partnershipId, due_on: input.nextDueOn as DateOnly, focus: check.focus, created_by: actor.userId })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { ok: true, nextId: next.id, actionIds };
  });
}
