import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { ENGINES, freshDir, useTestDatabase } from '../../../test/support/database.ts';
import { behindTheTrigger, removeFrom } from '../../../test/support/tamper.ts';
import { withTenant } from '../db/tenant.ts';
import type { DB } from '../db/types.ts';
import { entryHash, GENESIS_HASH, recordAudit, storedFieldsOf, verifyAuditChain } from './audit.ts';
import { auditCheckpoint, CheckpointFormatError, checkpointKeyFrom, parseCheckpoint, recordCheckpoint, signatureHolds, type AuditCheckpoint } from './checkpoints.ts';

const key = checkpointKeyFrom(randomBytes(32));

describe('checkpoint signatures', () => {
  const anchor = { seq: 41, hash: 'a'.repeat(64), at: '2026-05-01T10:00:00.000Z' };
  // The rule: HMAC-SHA-256 over the purpose, number, hash and time of the newest entry.
  const signed = (k = key): AuditCheckpoint => ({
    ...anchor,
    key: k.id,
    signature: createHmac('sha256', k.secret).update(`cspr-hub audit checkpoint v1\n${anchor.seq}\n${anchor.hash}\n${anchor.at}`).digest('base64url'),
  });

  it('holds for the key that signed it, and for nothing changed', () => {
    const c = signed();
    expect(signatureHolds(key, c)).toBe(true);
    expect(signatureHolds(key, { ...c, seq: 42 })).toBe(false);
    expect(signatureHolds(key, { ...c, hash: 'b'.repeat(64) })).toBe(false);
    expect(signatureHolds(key, { ...c, at: '2026-05-01T10:00:01.000Z' })).toBe(false);
    expect(signatureHolds(key, { ...c, signature: c.signature.replace(/^./, (x) => (x === 'A' ? 'B' : 'A')) })).toBe(false);
  });

  it('derives one key from one data key, another from another, naming it without revealing it', () => {
    const dataKey = randomBytes(32);
    expect(checkpointKeyFrom(dataKey)).toEqual(checkpointKeyFrom(Buffer.from(dataKey)));
    const other = checkpointKeyFrom(randomBytes(32));
    expect(other.id).not.toBe(key.id);
    expect(signatureHolds(other, signed())).toBe(false);
    expect(key.id).toMatch(/^[0-9a-f]{16}$/);
    expect(key.secret.equals(dataKey)).toBe(false);
  });

  it('reads a checkpoint from its JSON, from a log line holding it, or from a file', () => {
    const c = signed();
    expect(parseCheckpoint(JSON.stringify(c))).toEqual(c);
    const logLine = JSON.stringify({ level: 30, time: 1, msg: 'audit checkpoint', auditCheckpoint: c });
    expect(parseCheckpoint(logLine)).toEqual(c);
    const file = path.join(freshDir('checkpoint'), 'c.json');
    fs.writeFileSync(file, `${logLine}\n`);
    expect(parseCheckpoint(file)).toEqual(c);
    expect(() => parseCheckpoint('{"seq": "1"}')).toThrow(CheckpointFormatError);
    expect(() => parseCheckpoint('{not json')).toThrow(/not valid JSON/);
    expect(() => parseCheckpoint(path.join(freshDir('checkpoint'), 'missing.json'))).toThrow(/neither JSON nor a file/);
  });
});

/** Changes one entry and recomputes the hash of it and of every entry after it: the chain stays whole. */
function rewrite(db: Kysely<DB>, seq: number, recordId: string): Promise<void> {
  return behindTheTrigger(db, 'audit_events', async () => {
    const rows = await withTenant(db, 'all', (trx) => trx.selectFrom('audit_events').selectAll().orderBy('seq').execute());
    let prev = GENESIS_HASH;
    for (const row of rows) {
      if (row.seq >= seq) {
        const changed = row.seq === seq ? { ...row, record_id: recordId } : row;
        const hash = entryHash(prev, storedFieldsOf(changed));
        await withTenant(db, 'all', (trx) => trx.updateTable('audit_events').set({ record_id: changed.record_id, prev_hash: prev, hash }).where('seq', '=', row.seq).execute());
        prev = hash;
      } else prev = row.hash;
    }
  });
}

describe.each(ENGINES)('the audit trail held to its checkpoints on %s', (engine) => {
  const database = useTestDatabase(engine);
  let db: Kysely<DB>;
  beforeEach(async () => {
    db = database().database.db;
    await removeFrom(db, 'audit_events', 0);
    await removeFrom(db, 'audit_checkpoints', 0);
  });

  async function entries(n: number): Promise<number[]> {
    for (let i = 0; i < n; i++) await recordAudit(db, { action: 'view', recordType: 'case', recordId: `c${i}` });
    return (await withTenant(db, 'all', (trx) => trx.selectFrom('audit_events').select('seq').orderBy('seq').execute())).map((r) => Number(r.seq));
  }

  it('signs the newest entry, keeps a checkpoint once per new entry, and verifies up to it', async () => {
    expect(await auditCheckpoint(db, key)).toBeNull();
    const seqs = await entries(3);
    const first = await recordCheckpoint(db, key);
    expect(first).toMatchObject({ fresh: true, checkpoint: { seq: seqs[2], key: key.id } });
    expect(await recordCheckpoint(db, key)).toMatchObject({ fresh: false });
    expect(await db.selectFrom('audit_checkpoints').select('seq').execute()).toHaveLength(1);
    expect(await verifyAuditChain(db, { key })).toEqual({ ok: true, checked: 3, anchored: first!.checkpoint });
  });

  it('sees the newest entries removed, by the checkpoint kept in the database', async () => {
    const seqs = await entries(4);
    await recordCheckpoint(db, key);
    await removeFrom(db, 'audit_events', seqs[2]);
    // The chain alone is whole: only the checkpoint shows what went.
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, checked: 2 });
    const check = await verifyAuditChain(db, { key });
    expect(check).toEqual({
      ok: false,
      checked: 2,
      brokenAt: seqs[3],
      reason: expect.stringContaining(`the trail ends at entry #${seqs[1]}, but the signed checkpoint kept in the database names entry #${seqs[3]}`),
    });
    expect((check as { reason: string }).reason).toMatch(/the newest entries were removed$/);
  });

  it('sees them removed with the checkpoints kept beside them, by a checkpoint from the log or a backup', async () => {
    const seqs = await entries(4);
    const { checkpoint } = (await recordCheckpoint(db, key))!;
    await removeFrom(db, 'audit_events', seqs[3]);
    await removeFrom(db, 'audit_checkpoints', 0);
    expect(await verifyAuditChain(db, { key })).toMatchObject({ ok: true, checked: 3, anchored: null });
    expect(await verifyAuditChain(db, { key, given: [checkpoint] })).toMatchObject({ ok: false, brokenAt: seqs[3], reason: expect.stringContaining('the signed checkpoint given names entry') });
  });

  it('sees an entry rewritten and every hash after it recomputed', async () => {
    const seqs = await entries(5);
    await recordCheckpoint(db, key);
    await rewrite(db, seqs[1], 'someone-else');
    expect(await verifyAuditChain(db)).toMatchObject({ ok: true, checked: 5 });
    expect(await verifyAuditChain(db, { key })).toEqual({
      ok: false,
      checked: 4,
      brokenAt: seqs[4],
      reason: 'it does not match the signed checkpoint kept in the database: it or an entry before it was rewritten, and the hashes after it recomputed',
    });
  });

  it('refuses a checkpoint the rewriter signed, or one altered to fit', async () => {
    const seqs = await entries(3);
    const forger = checkpointKeyFrom(randomBytes(32));
    await rewrite(db, seqs[0], 'someone-else');
    const forged = (await auditCheckpoint(db, forger))!;
    await db.insertInto('audit_checkpoints').values({ seq: forged.seq, hash: forged.hash, at: new Date(forged.at), key_id: key.id, signature: forged.signature }).execute();
    expect(await verifyAuditChain(db, { key })).toMatchObject({ ok: false, brokenAt: seqs[2], reason: expect.stringContaining('is not signed with this deployment') });
    await removeFrom(db, 'audit_checkpoints', 0);
    expect(await verifyAuditChain(db, { key, given: [forged] })).toMatchObject({ ok: false, reason: expect.stringContaining('the checkpoint given for entry') });
  });

  it('keeps its checkpoints append-only', async () => {
    await entries(1);
    await recordCheckpoint(db, key);
    await expect(sql`delete from audit_checkpoints`.execute(db)).rejects.toThrow(/append-only/);
    await expect(sql`update audit_checkpoints set seq = 0`.execute(db)).rejects.toThrow(/append-only/);
  });
});
