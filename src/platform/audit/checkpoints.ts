import { createHash, createHmac, hkdfSync } from 'node:crypto';
import fs from 'node:fs';
import type { Kysely } from 'kysely';
import { safeEqual } from '../auth/secrets.ts';
import { loadDataKey } from '../crypto/field-encryption.ts';
import { withTenant } from '../db/tenant.ts';
import type { DB } from '../db/types.ts';

/**
 * Signed checkpoints anchor the audit trail outside its table. The hash chain shows an entry
 * changed or removed in the middle, but not the newest entries removed, nor a rewrite that
 * recomputes every hash after it: both leave a chain that is whole. A checkpoint is the newest
 * entry's number, hash and time, signed with a key the database does not hold. It is written to
 * the log and to the audit_checkpoints table by `cspr serve` (every AUDIT_CHECKPOINT_MINUTES and
 * on shutdown), printed by `cspr audit checkpoint`, and belongs with every backup; `cspr audit
 * verify` checks the trail against the newest stored checkpoint and any given to it.
 *
 * The signature is an HMAC-SHA-256 with a key derived (HKDF) from the data encryption key, not an
 * Ed25519 key pair: the one who verifies is the operator, who holds the service's secrets anyway;
 * the one to stop is someone who can write the database but not read those secrets. A key pair
 * would only add a second secret to make, keep apart from backups and hand over, for a third party
 * who does not exist here. The data key is kept apart from the database already (DATA_ENCRYPTION_KEY,
 * or the key file in DATA_DIR/secrets), and HKDF keeps the two uses of it independent.
 */
export type AuditCheckpoint = { seq: number; hash: string; at: string; key: string; signature: string };

export type CheckpointKey = { id: string; secret: Buffer };

const PURPOSE = 'cspr-hub audit checkpoint v1';

export function checkpointKeyFrom(dataKey: Buffer): CheckpointKey {
  const secret = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), PURPOSE, 32));
  // Names the key (so a checkpoint signed with another deployment's key says so), revealing nothing of it.
  return { id: createHash('sha256').update(secret).digest('hex').slice(0, 16), secret };
}

/** The deployment's checkpoint key, from its configuration (the data encryption key). */
export function checkpointKeyFor(config: { dataEncryptionKey?: string | undefined; dataDir: string }): CheckpointKey {
  return checkpointKeyFrom(loadDataKey({ envKey: config.dataEncryptionKey, dataDir: config.dataDir }));
}

function sign(key: CheckpointKey, anchor: { seq: number; hash: string; at: string }): string {
  return createHmac('sha256', key.secret).update(`${PURPOSE}\n${anchor.seq}\n${anchor.hash}\n${anchor.at}`).digest('base64url');
}

/** True when the checkpoint was signed with this key (and not changed since). */
export function signatureHolds(key: CheckpointKey, c: AuditCheckpoint): boolean {
  return c.key === key.id && safeEqual(sign(key, c), c.signature);
}

/**
 * The signed anchor of the trail as it is now: its newest entry's number, hash and time.
 * Null while the trail is empty. Writes nothing (backups include it; see recordCheckpoint).
 */
export async function auditCheckpoint(db: Kysely<DB>, key: CheckpointKey): Promise<AuditCheckpoint | null> {
  const newest = await withTenant(db, 'all', (trx) => trx.selectFrom('audit_events').select(['seq', 'hash', 'at']).orderBy('seq', 'desc').limit(1).executeTakeFirst());
  if (!newest) return null;
  return signCheckpoint(key, { seq: Number(newest.seq), hash: newest.hash, at: new Date(newest.at).toISOString() });
}

/** A checkpoint of the given newest entry, signed with the key. */
export function signCheckpoint(key: CheckpointKey, anchor: { seq: number; hash: string; at: string }): AuditCheckpoint {
  return { ...anchor, key: key.id, signature: sign(key, anchor) };
}

/**
 * Takes a checkpoint and keeps it in audit_checkpoints, unless the newest kept one already
 * anchors the same entry. Returns the checkpoint and whether it is new.
 */
export async function recordCheckpoint(db: Kysely<DB>, key: CheckpointKey): Promise<{ checkpoint: AuditCheckpoint; fresh: boolean } | null> {
  const checkpoint = await auditCheckpoint(db, key);
  if (!checkpoint) return null;
  const last = await db.selectFrom('audit_checkpoints').select('seq').orderBy('seq', 'desc').limit(1).executeTakeFirst();
  if (last && Number(last.seq) >= checkpoint.seq) return { checkpoint, fresh: false };
  await db
    .insertInto('audit_checkpoints')
    .values({ seq: checkpoint.seq, hash: checkpoint.hash, at: new Date(checkpoint.at), key_id: checkpoint.key, signature: checkpoint.signature })
    .execute();
  return { checkpoint, fresh: true };
}

/** Every checkpoint kept in the database, oldest first. */
export async function storedCheckpoints(db: Kysely<DB>): Promise<AuditCheckpoint[]> {
  const rows = await db.selectFrom('audit_checkpoints').select(['seq', 'hash', 'at', 'key_id', 'signature']).orderBy('seq').execute();
  return rows.map((r) => ({ seq: Number(r.seq), hash: r.hash, at: new Date(r.at).toISOString(), key: r.key_id, signature: r.signature }));
}

export class CheckpointFormatError extends Error {}

/**
 * A checkpoint as an operator has it: its JSON, a log line holding it (`auditCheckpoint`), or a
 * file with either.
 */
export function parseCheckpoint(given: string): AuditCheckpoint {
  let text = given.trim();
  if (!text.startsWith('{')) {
    try {
      text = fs.readFileSync(given, 'utf8').trim();
    } catch (err) {
      throw new CheckpointFormatError(`The checkpoint is neither JSON nor a file that can be read (${(err as NodeJS.ErrnoException).code ?? 'error'}).`);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CheckpointFormatError('The checkpoint is not valid JSON.');
  }
  const c = (value && typeof value === 'object' && 'auditCheckpoint' in value ? (value as { auditCheckpoint: unknown }).auditCheckpoint : value) as Record<string, unknown>;
  const ok =
    c !== null &&
    typeof c === 'object' &&
    Number.isSafeInteger(c.seq) &&
    typeof c.hash === 'string' &&
    /^[0-9a-f]{64}$/.test(c.hash) &&
    typeof c.at === 'string' &&
    !Number.isNaN(Date.parse(c.at)) &&
    typeof c.key === 'string' &&
    typeof c.signature === 'string';
  if (!ok) throw new CheckpointFormatError('The checkpoint must have seq, hash, at, key and signature, as `cspr audit checkpoint` prints them.');
  return { seq: c.seq as number, hash: c.hash as string, at: c.at as string, key: c.key as string, signature: c.signature as string };
}

export type CheckpointSchedule = { stop(): Promise<void> };

/**
 * Takes a checkpoint at start and every `everyMs` inside the web service, passing each new one to
 * `log`; on `stop` (at shutdown, once requests have finished) takes a last one and logs it
 * whatever it is, so the log ends with the trail's final anchor. The timer does not keep the
 * process alive.
 */
export function scheduleCheckpoints(
  db: Kysely<DB>,
  key: CheckpointKey,
  everyMs: number,
  log: (checkpoint: AuditCheckpoint) => void,
  onError: (err: unknown) => void,
): CheckpointSchedule {
  let running: Promise<void> | null = null;
  const take = (always: boolean) =>
    recordCheckpoint(db, key).then(
      (taken) => {
        if (taken && (taken.fresh || always)) log(taken.checkpoint);
      },
      onError,
    );
  const tick = () => {
    if (running) return;
    running = take(false).finally(() => {
      running = null;
    });
  };
  tick();
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await take(true);
    },
  };
}
