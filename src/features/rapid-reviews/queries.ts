import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { TenantScope } from '../../platform/db/tenant.ts';
import type { AgencyRequestsTable, DB, RapidReviewMeetingsTable, RapidReviewSignOffsTable, RapidReviewsTable } from '../../platform/db/types.ts';

/**
 * SQL of the rapid review feature. Callers run these inside withTenant with the same scope; each
 * query also filters by the partnerships of the scope itself.
 */

type Db = Kysely<DB>;
export type RapidReviewRow = Selectable<RapidReviewsTable>;
export type MeetingRow = Selectable<RapidReviewMeetingsTable>;
export type SignOffRow = Selectable<RapidReviewSignOffsTable>;
export type RequestRow = Selectable<AgencyRequestsTable>;
export type RequestListRow = RequestRow & { agency_name: string; incident_reference: string; incident_state: string };

function only(scope: TenantScope): string[] | null {
  return scope === 'all' ? null : scope;
}

export async function selectRapidReview(db: Db, scope: TenantScope, incidentId: string): Promise<RapidReviewRow | undefined> {
  const ids = only(scope);
  return db
    .selectFrom('rapid_reviews')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .$if(ids !== null, (q) => q.where('partnership_id', 'in', ids as string[]))
    .executeTakeFirst();
}

/** Creates the rapid review row if it is missing, then applies the changes. */
export async function upsertRapidReview(db: Db, partnershipId: string, incidentId: string, values: Updateable<RapidReviewsTable>): Promise<void> {
  await db
    .insertInto('rapid_reviews')
    .values({ incident_id: incidentId, partnership_id: partnershipId } as Insertable<RapidReviewsTable>)
    .onConflict((oc) => oc.column('incident_id').doNothing())
    .execute();
  await db.updateTable('rapid_reviews').set(values).where('incident_id', '=', incidentId).where('partnership_id', '=', partnershipId).execute();
}

export async function selectMeetings(db: Db, scope: TenantScope, incidentId: string): Promise<MeetingRow[]> {
  const ids = only(scope);
  return db
    .selectFrom('rapid_review_meetings')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .$if(ids !== null, (q) => q.where('partnership_id', 'in', ids as string[]))
    .orderBy('held_on')
    .orderBy('created_at')
    .execute();
}

export async function insertMeeting(db: Db, values: Insertable<RapidReviewMeetingsTable>): Promise<void> {
  await db.insertInto('rapid_review_meetings').values(values).execute();
}

export async function selectSignOffs(db: Db, scope: TenantScope, incidentId: string): Promise<SignOffRow[]> {
  const ids = only(scope);
  return db
    .selectFrom('rapid_review_sign_offs')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .$if(ids !== null, (q) => q.where('partnership_id', 'in', ids as string[]))
    .orderBy('signed_at')
    .execute();
}

export async function insertSignOff(db: Db, values: Insertable<RapidReviewSignOffsTable>): Promise<void> {
  await db.insertInto('rapid_review_sign_offs').values(values).execute();
}

export async function deleteSignOffs(db: Db, partnershipId: string, incidentId: string): Promise<number> {
  const r = await db.deleteFrom('rapid_review_sign_offs').where('incident_id', '=', incidentId).where('partnership_id', '=', partnershipId).executeTakeFirst();
  return Number(r.numDeletedRows);
}

function requestList(db: Db) {
  return db
    .selectFrom('agency_requests as r')
    .innerJoin('agencies as a', 'a.id', 'r.agency_id')
    .innerJoin('incidents as i', 'i.id', 'r.incident_id')
    .selectAll('r')
    .select(['a.name as agency_name', 'i.reference as incident_reference', 'i.state as incident_state']);
}

export async function selectRequestsOfIncident(db: Db, scope: TenantScope, incidentId: string): Promise<RequestListRow[]> {
  const ids = only(scope);
  return requestList(db)
    .where('r.incident_id', '=', incidentId)
    .$if(ids !== null, (q) => q.where('r.partnership_id', 'in', ids as string[]))
    .orderBy('a.name')
    .execute();
}

export async function selectRequestsOfAgencies(db: Db, scope: TenantScope, agencyIds: string[]): Promise<RequestListRow[]> {
  if (agencyIds.length === 0) return [];
  const ids = only(scope);
  return requestList(db)
    .where('r.agency_id', 'in', agencyIds)
    .$if(ids !== null, (q) => q.where('r.partnership_id', 'in', ids as string[]))
    .orderBy('r.due_on')
    .orderBy('i.reference')
    .execute();
}

export async function selectRequest(db: Db, scope: TenantScope, id: string, options: { forUpdate?: boolean } = {}): Promise<RequestListRow | undefined> {
  const ids = only(scope);
  return requestList(db)
    .where('r.id', '=', id)
    .$if(ids !== null, (q) => q.where('r.partnership_id', 'in', ids as string[]))
    .$if(options.forUpdate === true, (q) => q.forUpdate('r'))
    .executeTakeFirst();
}

export async function insertRequests(db: Db, rows: Insertable<AgencyRequestsTable>[]): Promise<{ id: string; agencyId: string; dueOn: string }[]> {
  if (!rows.length) return [];
  const inserted = await db.insertInto('agency_requests').values(rows).returning(['id', 'agency_id', 'due_on']).execute();
  return inserted.map((r) => ({ id: r.id, agencyId: r.agency_id, dueOn: r.due_on }));
}

export async function updateRequest(db: Db, partnershipId: string, id: string, values: Updateable<AgencyRequestsTable>): Promise<void> {
  await db.updateTable('agency_requests').set(values).where('id', '=', id).where('partnership_id', '=', partnershipId).execute();
}

/** The partnership and agency of a request, whoever asks: only to tell a refusal from a missing record. */
export async function requestOwnerOf(db: Db, id: string): Promise<{ partnership_id: string; agency_id: string } | undefined> {
  return db.selectFrom('agency_requests').select(['partnership_id', 'agency_id']).where('id', '=', id).executeTakeFirst();
}
