import { type Insertable, type Kysely, type RawBuilder, type Selectable, sql, type Updateable } from 'kysely';
import type { TenantScope } from '../../platform/db/tenant.ts';
import type { CaseEventsTable, DB, IncidentChildrenTable, IncidentsTable, ReferralsTable } from '../../platform/db/types.ts';

/**
 * SQL of the cases feature. Every query names the partnerships it may touch (the scope), on top of
 * row-level security: callers run these inside withTenant with the same scope. A scope of no
 * partnerships never reaches here (the service answers it without asking the database).
 */

export type IncidentRow = Selectable<IncidentsTable>;
export type ChildRow = Selectable<IncidentChildrenTable>;
export type EventRow = Selectable<CaseEventsTable>;
export type ReferralRow = Selectable<ReferralsTable>;

type Db = Kysely<DB>;

function ids(scope: TenantScope): string[] | null {
  return scope === 'all' ? null : scope;
}

export async function selectIncident(db: Db, scope: TenantScope, id: string, options: { forUpdate?: boolean } = {}): Promise<IncidentRow | undefined> {
  const only = ids(scope);
  return db
    .selectFrom('incidents')
    .selectAll()
    .where('id', '=', id)
    .$if(only !== null, (q) => q.where('partnership_id', 'in', only as string[]))
    .$if(options.forUpdate === true, (q) => q.forUpdate())
    .executeTakeFirst();
}

export async function selectChildren(db: Db, scope: TenantScope, incidentIds: string[]): Promise<ChildRow[]> {
  if (incidentIds.length === 0) return [];
  const only = ids(scope);
  return db
    .selectFrom('incident_children')
    .selectAll()
    .where('incident_id', 'in', incidentIds)
    .$if(only !== null, (q) => q.where('partnership_id', 'in', only as string[]))
    .orderBy('incident_id')
    .orderBy('position')
    .execute();
}

/** States in which a case needs no more work (its clocks no longer run): left out of work queues. */
export const FINISHED_STATES = ['closed', 'not-notifiable'] as const;

export type ListOptions = { unfinishedOnly?: boolean };

/** What a case list shows of each incident in scope (its clocks are read from the stored ones), newest first. */
export async function selectIncidentSummaries(db: Db, scope: TenantScope, options: ListOptions = {}) {
  const only = ids(scope);
  return db
    .selectFrom('incidents')
    .select(['id', 'partnership_id', 'reference', 'state', 'aware_on', 'created_by'])
    .$if(only !== null, (q) => q.where('partnership_id', 'in', only as string[]))
    .$if(Boolean(options.unfinishedOnly), (q) => q.where('state', 'not in', FINISHED_STATES))
    .orderBy('aware_on', 'desc')
    .orderBy('reference', 'desc')
    .execute();
}

/** The children's pseudonyms of every incident in scope, for the case list (no identifying columns). */
export async function selectPseudonymsInScope(db: Db, scope: TenantScope, options: ListOptions = {}) {
  const only = ids(scope);
  return db
    .selectFrom('incident_children')
    .select(['incident_id', 'pseudonym'])
    .$if(only !== null, (q) => q.where('partnership_id', 'in', only as string[]))
    .$if(Boolean(options.unfinishedOnly), (q) => q.where('incident_id', 'in', (eb) => eb.selectFrom('incidents').select('id').where('state', 'not in', FINISHED_STATES)))
    .orderBy('incident_id')
    .orderBy('position')
    .execute();
}

/** Number of incidents in each state, in scope. */
export async function countByState(db: Db, scope: TenantScope): Promise<{ partnership_id: string; state: string; n: number }[]> {
  const only = ids(scope);
  return db
    .selectFrom('incidents')
    .select(['partnership_id', 'state', (eb) => eb.fn.countAll<number>().as('n')])
    .$if(only !== null, (q) => q.where('partnership_id', 'in', only as string[]))
    .groupBy(['partnership_id', 'state'])
    .execute();
}

export async function selectPauses(db: Db, scope: TenantScope, incidentIds: string[]) {
  if (incidentIds.length === 0) return [];
  const only = ids(scope);
  return db
    .selectFrom('clock_pauses')
    .selectAll()
    .where('incident_id', 'in', incidentIds)
    .$if(only !== null, (q) => q.where('partnership_id', 'in', only as string[]))
    .orderBy('paused_on')
    .execute();
}

export async function selectEvents(db: Db, scope: TenantScope, incidentId: string): Promise<EventRow[]> {
  const only = ids(scope);
  return db
    .selectFrom('case_events')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .$if(only !== null, (q) => q.where('partnership_id', 'in', only as string[]))
    .orderBy('seq', 'desc')
    .execute();
}

/** The next number for a partnership's references in a year. */
export async function nextReferenceNumber(db: Db, partnershipId: string, year: number): Promise<number> {
  const row = await db
    .selectFrom('incidents')
    .select((eb) => eb.fn.max('reference_number').as('n'))
    .where('partnership_id', '=', partnershipId)
    .where('reference_year', '=', year)
    .executeTakeFirst();
  return Number(row?.n ?? 0) + 1;
}

export async function insertIncident(db: Db, values: Insertable<IncidentsTable>): Promise<{ id: string }> {
  return db.insertInto('incidents').values(values).returning('id').executeTakeFirstOrThrow();
}

export async function insertChildren(db: Db, rows: Insertable<IncidentChildrenTable>[]): Promise<void> {
  if (rows.length) await db.insertInto('incident_children').values(rows).execute();
}

export async function insertEvent(db: Db, values: Insertable<CaseEventsTable>): Promise<void> {
  await db.insertInto('case_events').values(values).execute();
}

/** Updates an incident only if it is still at `version`, adding one to it. Returns whether it did. */
export async function updateIncident(db: Db, partnershipId: string, id: string, version: number, values: Updateable<IncidentsTable>): Promise<boolean> {
  const result = await db
    .updateTable('incidents')
    .set({ ...values, version: version + 1, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('partnership_id', '=', partnershipId)
    .where('version', '=', version)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertPause(
  db: Db,
  values: { incident_id: string; partnership_id: string; clock_key: string; paused_on: string; reason: string; panel_told_on: string | null; sos_told_on: string | null; paused_by: string },
): Promise<void> {
  await db.insertInto('clock_pauses').values(values).execute();
}

export async function resumePause(db: Db, partnershipId: string, pauseId: string, resumedOn: string, by: string, told: { panel_told_on: string | null; sos_told_on: string | null }): Promise<void> {
  await db
    .updateTable('clock_pauses')
    .set({ resumed_on: resumedOn, resumed_by: by, ...told })
    .where('id', '=', pauseId)
    .where('partnership_id', '=', partnershipId)
    .where('resumed_on', 'is', null)
    .execute();
}

/** The partnership an incident belongs to, whoever asks: only to tell a refusal from a missing record. */
export async function incidentPartnershipOf(db: Db, id: string): Promise<string | undefined> {
  return (await db.selectFrom('incidents').select('partnership_id').where('id', '=', id).executeTakeFirst())?.partnership_id;
}

// ---- Referrals -------------------------------------------------------------------------------

export type ReferralListRow = ReferralRow & { agency_name: string | null; incident_reference: string | null };

export async function selectReferrals(db: Db, scope: TenantScope): Promise<ReferralListRow[]> {
  const only = ids(scope);
  return db
    .selectFrom('referrals as r')
    .leftJoin('agencies as a', 'a.id', 'r.referring_agency_id')
    .leftJoin('incidents as i', 'i.id', 'r.incident_id')
    .selectAll('r')
    .select(['a.name as agency_name', 'i.reference as incident_reference'])
    .$if(only !== null, (q) => q.where('r.partnership_id', 'in', only as string[]))
    .orderBy('r.received_on', 'desc')
    .orderBy('r.created_at', 'desc')
    .execute();
}

export async function selectReferral(db: Db, scope: TenantScope, id: string, options: { forUpdate?: boolean } = {}): Promise<ReferralListRow | undefined> {
  const only = ids(scope);
  return db
    .selectFrom('referrals as r')
    .leftJoin('agencies as a', 'a.id', 'r.referring_agency_id')
    .leftJoin('incidents as i', 'i.id', 'r.incident_id')
    .selectAll('r')
    .select(['a.name as agency_name', 'i.reference as incident_reference'])
    .where('r.id', '=', id)
    .$if(only !== null, (q) => q.where('r.partnership_id', 'in', only as string[]))
    .$if(options.forUpdate === true, (q) => q.forUpdate('r'))
    .executeTakeFirst();
}

export async function insertReferral(db: Db, values: Insertable<ReferralsTable>): Promise<{ id: string }> {
  return db.insertInto('referrals').values(values).returning('id').executeTakeFirstOrThrow();
}

export async function updateReferral(db: Db, partnershipId: string, id: string, values: Updateable<ReferralsTable>): Promise<void> {
  await db.updateTable('referrals').set(values).where('id', '=', id).where('partnership_id', '=', partnershipId).execute();
}

export async function referralPartnershipOf(db: Db, id: string): Promise<string | undefined> {
  return (await db.selectFrom('referrals').select('partnership_id').where('id', '=', id).executeTakeFirst())?.partnership_id;
}

/**
 * The publication plan of each incident's review (the reviews feature's record), for the clocks: the
 * planned publication date starts the advance-copy clock; the chosen recipients name who it goes to.
 */
export async function selectPublicationPlans(db: Db, scope: TenantScope, incidentIds: string[] | null): Promise<Map<string, { planned: string | null; advanceCopyTo: string[] }>> {
  if (incidentIds !== null && incidentIds.length === 0) return new Map();
  const only = ids(scope);
  const rows = await db
    .selectFrom('reviews')
    .select(['incident_id', 'planned_publication_on', 'advance_copy_to'])
    .$if(incidentIds !== null, (q) => q.where('incident_id', 'in', incidentIds as string[]))
    .$if(only !== null, (q) => q.where('partnership_id', 'in', only as string[]))
    .execute();
  return new Map(rows.map((r) => [r.incident_id, { planned: r.planned_publication_on, advanceCopyTo: r.advance_copy_to ?? [] }]));
}

// ---- Stored clocks (migration 0040) -----------------------------------------------------------

/**
 * What an incident's clocks are computed from: its row (with the rules copy), its review's version
 * and publication plan. The incidents' rows are locked, so the stored set matches one version.
 */
export async function selectClockSources(db: Db, scope: TenantScope, incidentIds: readonly string[] | 'all') {
  const only = ids(scope);
  return db
    .selectFrom('incidents as i')
    .leftJoin('reviews as r', (j) => j.onRef('r.incident_id', '=', 'i.id').onRef('r.partnership_id', '=', 'i.partnership_id'))
    .selectAll('i')
    .select(['r.version as review_version', 'r.planned_publication_on', 'r.advance_copy_to'])
    .$if(incidentIds !== 'all', (q) => q.where('i.id', 'in', incidentIds as string[]))
    .$if(only !== null, (q) => q.where('i.partnership_id', 'in', only as string[]))
    .orderBy('i.id')
    .forUpdate('i')
    .execute();
}

export async function selectChildFactsOf(db: Db, scope: TenantScope, incidentIds: readonly string[]) {
  const only = ids(scope);
  return db
    .selectFrom('incident_children')
    .select(['incident_id', 'pseudonym', 'looked_after', 'care_leaver', 'age_at_incident', 'age_band'])
    .where('incident_id', 'in', incidentIds)
    .$if(only !== null, (q) => q.where('partnership_id', 'in', only as string[]))
    .orderBy('incident_id')
    .orderBy('position')
    .execute();
}

export async function selectPausesOf(db: Db, scope: TenantScope, incidentIds: readonly string[]) {
  const only = ids(scope);
  return db
    .selectFrom('clock_pauses')
    .select(['id', 'incident_id', 'clock_key', 'paused_on', 'resumed_on', 'reason', 'panel_told_on', 'sos_told_on'])
    .where('incident_id', 'in', incidentIds)
    .$if(only !== null, (q) => q.where('partnership_id', 'in', only as string[]))
    .orderBy('paused_on')
    .execute();
}

/**
 * The calendar's stamp now, and the incidents in scope whose stored clocks are missing or stale: computed
 * from another version of the case or of its review, or with other bank holidays.
 */
export async function selectStaleClockSets(db: Db, scope: TenantScope, calendarStamp: RawBuilder<string>, options: ListOptions = {}): Promise<{ stamp: string; stale: string[] }> {
  const only = ids(scope);
  // One row, one trip: the stamp beside the list of stale cases.
  const row = await db
    .selectNoFrom((eb) => [
      calendarStamp.as('stamp'),
      eb
        .selectFrom('incidents as i')
        .leftJoin('reviews as r', (j) => j.onRef('r.incident_id', '=', 'i.id').onRef('r.partnership_id', '=', 'i.partnership_id'))
        .leftJoin('case_clock_sets as s', 's.incident_id', 'i.id')
        .select(sql<string[]>`coalesce(array_agg(i.id::text), '{}')`.as('ids'))
        .$if(only !== null, (q) => q.where('i.partnership_id', 'in', only as string[]))
        .$if(Boolean(options.unfinishedOnly), (q) => q.where('i.state', 'not in', FINISHED_STATES))
        .where((w) => w.or([
          w('s.incident_id', 'is', null),
          w('s.incident_version', '<>', w.ref('i.version')),
          w('s.review_version', '<>', w.fn.coalesce('r.version', sql<number>`0`)),
          w('s.calendar_stamp', '<>', calendarStamp),
        ]))
        .as('stale'),
    ])
    .executeTakeFirstOrThrow();
  return { stamp: row.stamp, stale: (row.stale ?? []) as string[] };
}

/** The stored clocks of the incidents in scope (of `incidentIds` when given), in each case's order. */
export async function selectStoredClocks(db: Db, scope: TenantScope, incidentIds: readonly string[] | null, options: ListOptions = {}) {
  if (incidentIds !== null && incidentIds.length === 0) return [];
  const only = ids(scope);
  return db
    .selectFrom('case_clocks')
    .select(['incident_id', 'clock'])
    .$if(incidentIds !== null, (q) => q.where('incident_id', 'in', incidentIds as string[]))
    .$if(only !== null, (q) => q.where('partnership_id', 'in', only as string[]))
    .$if(Boolean(options.unfinishedOnly), (q) => q.where('incident_id', 'in', (eb) => eb.selectFrom('incidents').select('id').where('state', 'not in', FINISHED_STATES)))
    .orderBy('incident_id')
    .orderBy('position')
    .execute();
}

/**
 * The open clocks of unfinished cases in scope whose due date lies in [from, before) (either end
 * open when null), not paused when `unpausedOnly`: what they need to be ordered and counted.
 */
export async function selectOpenClocks(db: Db, scope: TenantScope, range: { from: string | null; before: string | null; unpausedOnly: boolean }) {
  const only = ids(scope);
  return db
    .selectFrom('case_clocks as c')
    .innerJoin('incidents as i', (j) => j.onRef('i.id', '=', 'c.incident_id').onRef('i.partnership_id', '=', 'c.partnership_id'))
    .select(['c.incident_id', 'c.partnership_id', 'c.clock_key', 'c.due_on', 'c.paused_since', 'i.reference'])
    .where('c.open', '=', true)
    .where('i.state', 'not in', FINISHED_STATES)
    .$if(range.from !== null, (q) => q.where('c.due_on', '>=', range.from as string))
    .$if(range.before !== null, (q) => q.where('c.due_on', '<', range.before as string))
    .$if(range.unpausedOnly, (q) => q.where('c.paused_since', 'is', null))
    .$if(only !== null, (q) => q.where('c.partnership_id', 'in', only as string[]))
    .execute();
}

/** Particular stored clocks, by case and key. */
export async function selectStoredClocksByKey(db: Db, scope: TenantScope, keys: readonly { incidentId: string; clockKey: string }[]) {
  if (keys.length === 0) return [];
  const only = ids(scope);
  return db
    .selectFrom('case_clocks')
    .select(['incident_id', 'clock_key', 'clock'])
    .where((eb) => eb.or(keys.map((k) => eb.and([eb('incident_id', '=', k.incidentId), eb('clock_key', '=', k.clockKey)]))))
    .$if(only !== null, (q) => q.where('partnership_id', 'in', only as string[]))
    .execute();
}

/** The unfinished cases in scope that this person recorded, newest first (as the case list orders them). */
export async function selectOwnUnfinished(db: Db, scope: TenantScope, userId: string) {
  const only = ids(scope);
  return db
    .selectFrom('incidents')
    .select(['id', 'partnership_id', 'reference', 'state', 'aware_on'])
    .where('created_by', '=', userId)
    .where('state', 'not in', FINISHED_STATES)
    .$if(only !== null, (q) => q.where('partnership_id', 'in', only as string[]))
    .orderBy('aware_on', 'desc')
    .orderBy('reference', 'desc')
    .execute();
}

/** The children's pseudonyms of particular incidents, in order. */
export async function selectPseudonymsOf(db: Db, scope: TenantScope, incidentIds: readonly string[]) {
  if (incidentIds.length === 0) return [];
  const only = ids(scope);
  return db
    .selectFrom('incident_children')
    .select(['incident_id', 'pseudonym'])
    .where('incident_id', 'in', incidentIds)
    .$if(only !== null, (q) => q.where('partnership_id', 'in', only as string[]))
    .orderBy('incident_id')
    .orderBy('position')
    .execute();
}
