import { withTenant } from '../../platform/db/tenant.ts';
import type { Kysely } from 'kysely';
import { ROLE_LABELS } from '../../platform/auth/policy.ts';
import type { DB } from '../../platform/db/types.ts';
import { csvRow } from '../../platform/export/csv.ts';
import { formatDateTime } from './format.ts';
import { anyBeyond, countEvents, latestSeq, selectEvents, selectRecordViews, type AuditEventRow, type AuditScope } from './queries.ts';
import type { AuditFilters } from './schemas.ts';

export type { AuditScope } from './queries.ts';

export const PAGE_SIZE = 50;

export function roleLabel(role: string | null): string {
  if (!role) return '';
  return (ROLE_LABELS as Record<string, string>)[role] ?? role;
}

export type AuditEntryView = {
  seq: number;
  /** ISO 8601, for the <time> element and the CSV. */
  atIso: string;
  when: string;
  actorEmail: string | null;
  role: string;
  partnershipName: string | null;
  action: string;
  recordType: string | null;
  recordId: string | null;
  outcome: 'allowed' | 'refused' | 'failed';
  ip: string | null;
  requestId: string | null;
  /** The recorded changes as indented JSON (escaped when shown), or null. */
  changes: string | null;
};

function present(row: AuditEventRow): AuditEntryView {
  const at = new Date(row.at);
  return {
    seq: row.seq,
    atIso: at.toISOString(),
    when: formatDateTime(at),
    actorEmail: row.actor_email,
    role: roleLabel(row.actor_role),
    partnershipName: row.partnership_name,
    action: row.action,
    recordType: row.record_type,
    recordId: row.record_id,
    outcome: row.outcome,
    ip: row.ip,
    requestId: row.request_id,
    changes: row.changes === null || row.changes === undefined ? null : JSON.stringify(row.changes, null, 2),
  };
}

export type AuditPage = {
  entries: AuditEntryView[];
  total: number;
  /** Entry numbers for the links to the next newer and older pages, when there are any. */
  newer: { after: number } | null;
  older: { before: number } | null;
};

/** One page of the audit trail, newest first, within the person's scope. */
export async function searchAudit(
  db: Kysely<DB>,
  filters: AuditFilters,
  scope: AuditScope,
  page: { before?: number; after?: number } = {},
  pageSize = PAGE_SIZE,
): Promise<AuditPage> {
  // The scope filters in SQL, and row-level security repeats it on PostgreSQL.
  return withTenant(db, scope, async (trx) => {
    const rows = await selectEvents(trx, filters, scope, { ...page, limit: pageSize });
    const total = await countEvents(trx, filters, scope);
    if (rows.length === 0) return { entries: [], total, newer: null, older: null };
    const first = rows[0].seq;
    const last = rows[rows.length - 1].seq;
    const [hasNewer, hasOlder] = [await anyBeyond(trx, filters, scope, first, 'newer'), await anyBeyond(trx, filters, scope, last, 'older')];
    return {
      entries: rows.map(present),
      total,
      newer: hasNewer ? { after: first } : null,
      older: hasOlder ? { before: last } : null,
    };
  });
}

export const CSV_HEADER = [
  'Entry',
  'When (UTC)',
  'Actor email',
  'Actor ID',
  'Actor role',
  'Partnership',
  'Partnership ID',
  'Action',
  'Record type',
  'Record ID',
  'Outcome',
  'Address',
  'Request ID',
  'Changes',
];

function csvLine(row: AuditEventRow): string {
  return csvRow([
    row.seq,
    new Date(row.at).toISOString(),
    row.actor_email,
    row.actor_id,
    row.actor_role,
    row.partnership_name,
    row.partnership_id,
    row.action,
    row.record_type,
    row.record_id,
    row.outcome,
    row.ip,
    row.request_id,
    row.changes === null || row.changes === undefined ? null : JSON.stringify(row.changes),
  ]);
}

/** The entry number the export will stop at: what was there when it began. */
export async function exportUpTo(db: Kysely<DB>): Promise<number> {
  return withTenant(db, 'all', (trx) => latestSeq(trx));
}

/**
 * Every matching entry up to `upTo`, newest first, as CSV lines (header first), read in
 * batches so a large export never holds the whole trail in memory.
 */
export async function* auditCsv(db: Kysely<DB>, filters: AuditFilters, scope: AuditScope, upTo: number, batchSize = 1000): AsyncGenerator<string> {
  // A byte order mark first, so spreadsheet programs read the file as UTF-8.
  yield `\uFEFF${csvRow(CSV_HEADER)}`;
  let before = upTo + 1;
  for (;;) {
    const rows = await withTenant(db, scope, (trx) => selectEvents(trx, filters, scope, { before, limit: batchSize }));
    if (rows.length === 0) return;
    yield rows.map(csvLine).join('');
    if (rows.length < batchSize) return;
    before = rows[rows.length - 1].seq;
  }
}

export type RecordView = {
  actorId: string | null;
  /** The person's name now, or their email when they are no longer a user. */
  name: string;
  email: string | null;
  role: string;
  lastViewedAt: Date;
  /** e.g. '27 March 2026 at 2:05:07pm' (UK time) */
  lastViewed: string;
  views: number;
};

/**
 * Who has viewed a record (audit entries with action 'view'): one row per person and
 * role, with when they last looked and how often, most recent first.
 */
export async function recordViews(db: Kysely<DB>, recordType: string, recordId: string, limit = 50): Promise<RecordView[]> {
  // The page showing the record has already checked the person may see it.
  const rows = await withTenant(db, 'all', (trx) => selectRecordViews(trx, recordType, recordId, limit));
  return rows.map((r) => ({
    actorId: r.actor_id,
    name: r.name ?? r.actor_email ?? 'Unknown person',
    email: r.actor_email,
    role: roleLabel(r.actor_role),
    lastViewedAt: r.last_at,
    lastViewed: formatDateTime(r.last_at),
    views: r.views,
  }));
}
