import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { seedDemo } from '../../features/demo/service.ts';
import { holdServiceLock, ServiceLockError, takeServiceLockAlone } from '../db/service-lock.ts';
import { createFileStore } from '../storage/file-store.ts';
import { createFieldCipher, KeyError } from './field-encryption.ts';
import { checkMasterKey, ENCRYPTED_VALUE, encryptedValues, keyFingerprint, keyState, KeyMismatchError } from './master-key.ts';
import { rotateMasterKey } from './rotate.ts';
import { inTransaction } from '../db/transaction.ts';

const opensWith = (key: Buffer, value: string) => {
  try {
    createFieldCipher(key).decrypt(value);
    return true;
  } catch {
    return false;
  }
};

describe.each(ENGINES)('rotating the master key on %s', (engine) => {
  let t: TestDatabase;
  const first = randomBytes(32);
  const second = randomBytes(32);
  const third = randomBytes(32);
  let files: string[];
  beforeAll(async () => {
    t = await openTestDatabase(engine);
    await checkMasterKey(t.database.db, first, t.dataDir);
    const store = createFileStore({ db: t.database.db, cipher: createFieldCipher(first), config: { backend: 'database' } });
    await seedDemo(t.database, createFieldCipher(first), store);
    // A private file too, so file keys are rotated with the fields.
    files = [await store.put(t.database.db, Buffer.from('%PDF-1.7 an agency chronology'), 'private')];
  });
  afterAll(async () => {
    await t.database.close();
    await t.drop();
  });

  it('keeps every encrypted value in a column ending _enc (the columns rotation finds)', async () => {
    // Any value shaped like the field cipher's in another column would be missed by a rotation.
    const { rows } = await sql<{ table_name: string; column_name: string }>`
      select table_name, column_name from information_schema.columns
       where table_schema = current_schema() and data_type in ('text', 'jsonb') and column_name not like '%\\_enc'`.execute(t.database.db);
    for (const { table_name: table, column_name: column } of rows) {
      const found = await inTransaction(t.database.db, async (trx) => {
        await sql`select set_config('cspr.partnerships', '*', true)`.execute(trx);
        return sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where ${sql.ref(column)}::text ~ ${ENCRYPTED_VALUE.source.replace(/^\^|\$$/g, '')}`.execute(trx);
      });
      expect(found.rows[0].n, `${table}.${column}`).toBe(0);
    }
  });

  it('re-encrypts every value and file key under the new key, and records it', async () => {
    const before = await encryptedValues(t.database.db);
    expect(before.length).toBeGreaterThan(20);
    expect(before.every((v) => opensWith(first, v))).toBe(true);
    const report = await rotateMasterKey(t.database, first, second, t.dataDir);
    expect(report).toEqual({ reencrypted: before.length, alreadyDone: 0, unreadable: {}, wasComplete: false });
    const after = await encryptedValues(t.database.db);
    expect(after).toHaveLength(before.length);
    expect(after.every((v) => opensWith(second, v) && !opensWith(first, v))).toBe(true);
    expect(await keyState(t.database.db)).toEqual({ current: keyFingerprint(second), next: null });
    const store = createFileStore({ db: t.database.db, cipher: createFieldCipher(second), config: { backend: 'database' } });
    expect((await store.read(files[0]))?.toString()).toBe('%PDF-1.7 an agency chronology');
    // The old key no longer opens this database: the service would refuse it.
    await expect(checkMasterKey(t.database.db, first, t.dataDir)).rejects.toThrow(/written with another key/);
    const audit = await t.database.db.selectFrom('audit_events').select('changes').where('action', '=', 'encryption-key-rotated').execute();
    expect(audit).toHaveLength(1);
    // Run again with the same keys: already done, nothing changes.
    expect(await rotateMasterKey(t.database, first, second, t.dataDir)).toMatchObject({ wasComplete: true, reencrypted: 0 });
  });

  it('finishes an interrupted rotation when run again, and nothing else starts meanwhile', async () => {
    // What an interruption leaves: the rotation recorded, some values already under the new key.
    await t.database.db.insertInto('encryption_keys').values({ state: 'next', fingerprint: keyFingerprint(third) }).execute();
    const users = await t.database.db.selectFrom('users').select(['id', 'totp_secret_enc']).where('totp_secret_enc', 'is not', null).execute();
    for (const u of users) {
      const plain = createFieldCipher(second).decrypt(u.totp_secret_enc as string);
      await t.database.db.updateTable('users').set({ totp_secret_enc: createFieldCipher(third).encrypt(plain) }).where('id', '=', u.id).execute();
    }
    await expect(checkMasterKey(t.database.db, second, t.dataDir)).rejects.toThrow(/key rotation .* is unfinished: run `cspr keys rotate` again/);
    await expect(rotateMasterKey(t.database, second, randomBytes(32), t.dataDir)).rejects.toThrow(/unfinished key rotation was to another key/);
    await expect(rotateMasterKey(t.database, first, third, t.dataDir)).rejects.toThrow(KeyMismatchError);

    const total = (await encryptedValues(t.database.db)).length;
    const report = await rotateMasterKey(t.database, second, third, t.dataDir);
    expect(report.alreadyDone).toBe(users.length);
    expect(report.reencrypted).toBe(total - users.length);
    expect((await encryptedValues(t.database.db)).every((v) => opensWith(third, v))).toBe(true);
    await expect(checkMasterKey(t.database.db, third, t.dataDir)).resolves.toBeUndefined();
  });

  it('refuses the key already in use, and a rotation while the service runs', async () => {
    await expect(rotateMasterKey(t.database, third, third, t.dataDir)).rejects.toThrow(KeyError);
    if (engine === 'embedded') return; // The data folder admits one process: a running service keeps any other out.
    const service = await holdServiceLock(t.database);
    try {
      await expect(rotateMasterKey(t.database, third, randomBytes(32), t.dataDir)).rejects.toThrow(/The service \(cspr serve\) is running on this database/);
    } finally {
      await service.release();
    }
    const rotation = await takeServiceLockAlone(t.database);
    try {
      await expect(holdServiceLock(t.database)).rejects.toThrow(ServiceLockError);
    } finally {
      await rotation.release();
    }
  });
});
