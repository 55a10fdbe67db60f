import { createHash } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import { withTenant } from '../db/tenant.ts';
import { holdsTransaction } from '../db/transaction.ts';
import { recordViewsTogether } from './view-recorder.ts';
import { signatureHolds, storedCheckpoints, type AuditCheckpoint, type CheckpointKey } from './checkpoints.ts';
import type { AuditEventsTable, DB } from '../db/types.ts';

/**
 * The audit trail: who did or saw what, when, from where. Append-only (a trigger
 * refuses updates and deletes) and tamper-evident: each entry's hash covers the
 * previous entry's hash, so changing or removing any entry breaks every hash after it.
 */
export type AuditEntry = {
  actor?: { id: string; email: string; role: string | null } | null;
  partnershipId?: string | null;
  action: string;
  recordType?: string | null;
  recordId?: string | null;
  changes?: { before?: unknown; after?: unknown } | Record<string, unknown> | null;
  outcome?: 'allowed' | 'refused' | 'failed';
  ip?: string | null;
  requestId?: string | null;
};

export const GENESIS_HASH = '0'.repeat(64);

/** JSON with object keys sorted at every depth: the database may reorder jsonb keys. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export type StoredFields = {
  at: string;
  actor_id: string | null;
  actor_email: string | null;
  actor_role: string | null;
  partnership_id: string | null;
  action: string;
  record_type: string | null;
  record_id: string | null;
  changes: unknown;
  outcome: string;
  ip: string | null;
  request_id: string | null;
};

export function entryHash(prevHash: string, fields: StoredFields): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonicalJson(fields)).digest('hex');
}

function toFields(entry: AuditEntry, at: string): StoredFields {
  return {
    at,
    actor_id: entry.actor?.id ?? null,
    actor_email: entry.actor?.email ?? null,
    actor_role: entry.actor?.role ?? null,
    partnership_id: entry.partnershipId ?? null,
    action: entry.action,
    record_type: entry.recordType ?? null,
    record_id: entry.recordId ?? null,
    // Hash exactly what the jsonb column will hold: JSON's own rewriting (toJSON, undefined) applied first.
    changes: entry.changes == null ? null : (JSON.parse(JSON.stringify(entry.changes)) as unknown),
    outcome: entry.outcome ?? 'allowed',
    ip: entry.ip ?? null,
    request_id: entry.requestId ?? null,
  };
}

/**
 * Appends one entry: in its own transaction, or — given a transaction — in that one, so a change
 * and its entry commit together or not at all. Entries are chained in one order, so an append
 * takes a lock held until its transaction ends: record the entry as the last step of a change.
 */
export async function recordAudit(db: Kysely<DB>, entry: AuditEntry): Promise<void> {
  await appendAudit(db, [entry]);
}

/**
 * The chain extended by migration 0045's `cspr_append_audit`, in one statement: it takes the lock,
 * reads the last hash deployment-wide (putting the caller's tenant scope back after) and hashes each
 * entry's canonical form exactly as `entryHash` does, so `verifyAuditChain` holds it to the same rule.
 */
async function appendAudit(db: Kysely<DB>, entries: readonly AuditEntry[]): Promise<void> {
  const rows = auditRows(entries);
  await sql`select cspr_append_audit(${JSON.stringify(rows.entries)}::jsonb, ${rows.canonical}::text[])`.execute(db);
}

/**
 * Appends entries recorded on their own (views and refusals, not a change's entry): with those of the
 * requests waiting beside them, in one statement (view-recorder.ts; the same `cspr_append_audit`
 * extends the chain). Resolves once they have committed. Inside a transaction the entries go with it.
 */
export async function recordAudits(db: Kysely<DB>, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  if (db.isTransaction || holdsTransaction()) return appendAudit(db, entries);
  await recordViewsTogether(db, { canonical: auditRows(entries).canonical });
}

/** Entries as `cspr_append_audit` takes them: their fields and each one's canonical form, which its hash covers. */
export function auditRows(entries: readonly AuditEntry[]): { entries: StoredFields[]; canonical: string[] } {
  const at = new Date().toISOString();
  const fields = entries.map((entry) => toFields(entry, at));
  return { entries: fields, canonical: fields.map((f) => canonicalJson(f)) };
}

/** What an entry's hash covers, as read back from its row. */
export function storedFieldsOf(row: Selectable<AuditEventsTable>): StoredFields {
  return {
    at: new Date(row.at).toISOString(),
    actor_id: row.actor_id,
    actor_email: row.actor_email,
    actor_role: row.actor_role,
    partnership_id: row.partnership_id,
    action: row.action,
    record_type: row.record_type,
    record_id: row.record_id,
    changes: row.changes,
    outcome: row.outcome,
    ip: row.ip,
    request_id: row.request_id,
  };
}

export type ChainCheck =
  | { ok: true; checked: number; anchored: AuditCheckpoint | null }
  | { ok: false; checked: number; brokenAt: number; reason: string };

type Anchor = AuditCheckpoint & { source: string };

/**
 * Recomputes every hash in order and reports the first entry that does not match. With the
 * checkpoint key, it also holds the trail to every signed checkpoint (those kept in the database,
 * and `given` ones, from the log or a backup): the entry each names must be there with the same
 * hash. That catches what the chain alone cannot: the newest entries removed, or an entry
 * rewritten and every hash after it recomputed.
 */
export async function verifyAuditChain(db: Kysely<DB>, options: { key?: CheckpointKey; given?: AuditCheckpoint[] } = {}): Promise<ChainCheck> {
  const anchors: Anchor[] = [];
  if (options.key) {
    for (const c of await storedCheckpoints(db)) anchors.push({ ...c, source: 'kept in the database' });
    for (const c of options.given ?? []) anchors.push({ ...c, source: 'given' });
    for (const a of anchors) {
      if (!signatureHolds(options.key, a)) {
        return { ok: false, checked: 0, brokenAt: a.seq, reason: `the checkpoint ${a.source} for entry #${a.seq} is not signed with this deployment's key (it was forged or altered, or comes from another deployment)` };
      }
    }
  }
  const bySeq = new Map<number, Anchor[]>();
  for (const a of anchors) bySeq.set(a.seq, [...(bySeq.get(a.seq) ?? []), a]);
  let anchored: Anchor | null = null;

  let prevHash = GENESIS_HASH;
  let checked = 0;
  let after = 0;
  for (;;) {
    const rows = await withTenant(db, 'all', (trx) => trx.selectFrom('audit_events').selectAll().where('seq', '>', after).orderBy('seq').limit(1000).execute());
    if (rows.length === 0) break;
    for (const row of rows) {
      if (row.prev_hash !== prevHash) {
        return { ok: false, checked, brokenAt: row.seq, reason: 'its link to the previous entry does not match (an entry before it was removed or changed)' };
      }
      if (entryHash(prevHash, storedFieldsOf(row)) !== row.hash) {
        return { ok: false, checked, brokenAt: row.seq, reason: 'its content does not match its hash (it was changed)' };
      }
      for (const a of bySeq.get(Number(row.seq)) ?? []) {
        if (a.hash !== row.hash) {
          return { ok: false, checked, brokenAt: row.seq, reason: `it does not match the signed checkpoint ${a.source}: it or an entry before it was rewritten, and the hashes after it recomputed` };
        }
        anchored = a;
      }
      bySeq.delete(Number(row.seq));
      prevHash = row.hash;
      checked += 1;
      after = row.seq;
    }
  }
  const missing = [...bySeq.values()].flat().sort((a, b) => a.seq - b.seq)[0];
  if (missing) {
    const reason =
      missing.seq > after
        ? `the trail ends at entry #${after}, but the signed checkpoint ${missing.source} names entry #${missing.seq} (${missing.at}): the newest entries were removed`
        : `the entry named by the signed checkpoint ${missing.source} is missing: entries were removed`;
    return { ok: false, checked, brokenAt: missing.seq, reason };
  }
  const newest = anchored as Anchor | null;
  return { ok: true, checked, anchored: newest ? { seq: newest.seq, hash: newest.hash, at: newest.at, key: newest.key, signature: newest.signature } : null };
}
