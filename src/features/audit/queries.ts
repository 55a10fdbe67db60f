import { sql, type Kysely } from 'kysely';
import type { DB } from '../../platform/db/types.ts';
import type { AuditFilters } from './schemas.ts';

/** Which entries a person may see: 'all', or those of the listed partnerships. */
export type AuditScope = string[] | 'all';

export type AuditEventRow = {
  seq: number;
  at: Date;
  actor_id: string | null;
  actor_email: string | null;
  actor_role: string | null;
  partnership_id: string | null;
  partnership_name: string | null;
  action: string;
  record_type: string | null;
  record_id: string | null;
  changes: unknown;
  outcome: 'allowed' | 'refused' | 'failed';
  ip: string | null;
  request_id: string | null;
};

/** `%` and `_` typed by a person are matched as themselves. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The entries matching the filters, within the scope. The tenant filter is part of the
 * SQL: entries of other partnerships (and those of no partnership) never leave the database.
 * Dates are whole days in UK time.
 */
export function matching(db: Kysely<DB>, filters: AuditFilters, scope: AuditScope) {
  let q = db.selectFrom('audit_events as e');
  if (scope !== 'all') {
    // An empty scope matches nothing (`in ()` is not SQL).
    q = scope.length === 0 ? q.where(sql<boolean>`false`) : q.where('e.partnership_id', 'in', scope);
  }
  if (filters.from) q = q.where('e.at', '>=', sql<Date>`(cast(${filters.from} as date)::timestamp at time zone 'Europe/London')`);
  if (filters.to) q = q.where('e.at', '<', sql<Date>`((cast(${filters.to} as date) + 1)::timestamp at time zone 'Europe/London')`);
  if (filters.actor) q = q.where('e.actor_email', 'ilike', `%${escapeLike(filters.actor)}%`);
  if (filters.action) q = q.where('e.action', '=', filters.action);
  if (filters.recordType) q = q.where('e.record_type', '=', filters.recordType);
  if (filters.recordId) q = q.where('e.record_id', '=', filters.recordId);
  if (filters.outcome) q = q.where('e.outcome', '=', filters.outcome);
  return q;
}

const COLUMNS = [
  'e.seq',
  'e.at',
  'e.actor_id',
  'e.actor_email',
  'e.actor_role',
  'e.partnership_id',
  'e.action',
  'e.record_type',
  'e.record_id',
  'e.changes',
  'e.outcome',
  'e.ip',
  'e.request_id',
] as const;

/**
 * One page of entries by entry number: `before` (older than) newest first, or `after`
 * (newer than) taken oldest first and turned round. Either way returned newest first.
 */
export async function selectEvents(
  db: Kysely<DB>,
  filters: AuditFilters,
  scope: AuditScope,
  page: { before?: number; after?: number; limit: number },
): Promise<AuditEventRow[]> {
  let q = matching(db, filters, scope)
    .leftJoin('partnerships as p', 'p.id', 'e.partnership_id')
    .select([...COLUMNS, 'p.name as partnership_name']);
  if (page.after !== undefined) {
    const rows = await q.where('e.seq', '>', page.after).orderBy('e.seq', 'asc').limit(page.limit).execute();
    return (rows as AuditEventRow[]).reverse();
  }
  if (page.before !== undefined) q = q.where('e.seq', '<', page.before);
  return (await q.orderBy('e.seq', 'desc').limit(page.limit).execute()) as AuditEventRow[];
}

export async function countEvents(db: Kysely<DB>, filters: AuditFilters, scope: AuditScope): Promise<number> {
  const row = await matching(db, filters, scope).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Is there a matching entry newer (or older) than this one? */
export async function anyBeyond(db: Kysely<DB>, filters: AuditFilters, scope: AuditScope, seq: number, direction: 'newer' | 'older'): Promise<boolean> {
  const row = await matching(db, filters, scope)
    .select('e.seq')
    .where('e.seq', direction === 'newer' ? '>' : '<', seq)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function latestSeq(db: Kysely<DB>): Promise<number> {
  const row = await db.selectFrom('audit_events').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
  return Number(row?.seq ?? 0);
}

export type RecordViewRow = {
  actor_id: string | null;
  actor_email: string | null;
  actor_role: string | null;
  name: string | null;
  last_at: Date;
  views: number;
};

/** The people who viewed a record: one row per person and role, most recent first. */
export async function selectRecordViews(db: Kysely<DB>, recordType: string, recordId: string, limit: number): Promise<RecordViewRow[]> {
  const rows = await db
    .selectFrom('audit_events as e')
    .leftJoin('users as u', 'u.id', 'e.actor_id')
    .select((eb) => [
      'e.actor_id',
      'e.actor_email',
      'e.actor_role',
      'u.name',
      eb.fn.max('e.at').as('last_at'),
      eb.fn.countAll<number>().as('views'),
    ])
    .where('e.action', '=', 'view')
    .where('e.outcome', '=', 'allowed')
    .where('e.record_type', '=', recordType)
    .where('e.record_id', '=', recordId)
    .groupBy(['e.actor_id', 'e.actor_email', 'e.actor_role', 'u.name'])
    .orderBy('last_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, last_at: new Date(r.last_at), views: Number(r.views) }));
}
