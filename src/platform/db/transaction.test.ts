import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, useTestDatabase } from '../../../test/support/database.ts';
import { recordAudit } from '../audit/audit.ts';
import { withTenant } from './tenant.ts';
import { afterCommit, auditedScope, inTransaction, TransactionMisuseError } from './transaction.ts';
import type { DB } from './types.ts';

const setting = async (db: Kysely<DB>) => (await sql<{ s: string | null }>`select current_setting('cspr.partnerships', true) as s`.execute(db)).rows[0].s ?? '';

describe.each(ENGINES)('changes and their audit entries on %s', (engine) => {
  const database = useTestDatabase(engine);
  let db: Kysely<DB>;
  beforeAll(() => {
    db = database().database.db;
  });

  const slug = () => `p-${randomUUID().slice(0, 8)}`;
  const exists = async (s: string) => (await db.selectFrom('partnerships').select('id').where('slug', '=', s).executeTakeFirst()) !== undefined;
  const add = (trx: Kysely<DB>, s: string) => trx.insertInto('partnerships').values({ slug: s, name: s }).execute();

  it('refuses to commit, for a person, a change without an audit entry in the same transaction', async () => {
    const s = slug();
    await expect(auditedScope(() => inTransaction(db, (trx) => add(trx, s)))).rejects.toThrow(/a change to partnerships has no audit entry in the same transaction/);
    expect(await exists(s)).toBe(false);
  });

  it('refuses it when the audit entry went into a transaction of its own', async () => {
    const s = slug();
    await expect(
      auditedScope(async () => {
        await inTransaction(db, (trx) => add(trx, s));
        await recordAudit(db, { action: 'partnership-created', recordType: 'partnership', recordId: s });
      }),
    ).rejects.toThrow(/no audit entry/);
    expect(await exists(s)).toBe(false);
  });

  it('commits a change with its audit entry, both or neither', async () => {
    const s = slug();
    await auditedScope(() =>
      inTransaction(db, async (trx) => {
        await add(trx, s);
        await recordAudit(trx, { action: 'partnership-created', recordType: 'partnership', recordId: s });
      }),
    );
    expect(await exists(s)).toBe(true);
    const entry = await withTenant(db, 'all', (trx) => trx.selectFrom('audit_events').select('action').where('record_id', '=', s).execute());
    expect(entry).toEqual([{ action: 'partnership-created' }]);

    const failed = slug();
    await expect(
      auditedScope(() =>
        inTransaction(db, async (trx) => {
          await add(trx, failed);
          await recordAudit(trx, { action: 'partnership-created', recordType: 'partnership', recordId: failed });
          throw new Error('something after the entry failed');
        }),
      ),
    ).rejects.toThrow('something after the entry failed');
    expect(await exists(failed)).toBe(false);
    expect(await withTenant(db, 'all', (trx) => trx.selectFrom('audit_events').select('seq').where('record_id', '=', failed).execute())).toEqual([]);
  });

  it('lets bookkeeping of sign-in through without an entry, and nothing else of the account', async () => {
    const user = await db.insertInto('users').values({ email: `${slug()}@example.org`, name: 'Bo Keeping' }).returning('id').executeTakeFirstOrThrow();
    await auditedScope(() => inTransaction(db, (trx) => trx.updateTable('users').set({ failed_sign_ins: 3, locked_until: new Date() }).where('id', '=', user.id).execute()));
    await expect(
      auditedScope(() => inTransaction(db, (trx) => trx.updateTable('users').set({ failed_sign_ins: 0, name: 'Someone Else' }).where('id', '=', user.id).execute())),
    ).rejects.toThrow(/a change to users has no audit entry/);
    expect(await db.selectFrom('users').select(['name', 'failed_sign_ins']).where('id', '=', user.id).executeTakeFirstOrThrow()).toEqual({ name: 'Bo Keeping', failed_sign_ins: 3 });
  });

  it('does not check work done for nobody in particular (migrations, restores, test fixtures)', async () => {
    const s = slug();
    await inTransaction(db, (trx) => add(trx, s));
    await add(db, `${s}-2`);
    expect(await exists(s)).toBe(true);
  });

  it('refuses, for a person, a change made outside any transaction (sign-in sessions aside)', async () => {
    const s = slug();
    await expect(auditedScope(() => add(db, s))).rejects.toThrow(TransactionMisuseError);
    expect(await exists(s)).toBe(false);
    const user = await db.insertInto('users').values({ email: `${slug()}@example.org`, name: 'Se Ssion' }).returning('id').executeTakeFirstOrThrow();
    await auditedScope(() => db.insertInto('sessions').values({ id_hash: randomUUID(), user_id: user.id }).execute());
  });

  it('throws at once, instead of waiting for ever, when work inside a transaction queries outside it', async () => {
    await expect(inTransaction(db, () => db.selectFrom('partnerships').select('id').execute())).rejects.toThrow(/outside the open transaction/);
    await expect(inTransaction(db, () => recordAudit(db, { action: 'view' }))).rejects.toThrow(TransactionMisuseError);
    // The connection is free again afterwards.
    expect(await db.selectFrom('partnerships').select('id').limit(1).execute()).toBeDefined();
  });

  it('joins the transaction it is given, and puts the tenant scope back after a wider one', async () => {
    const a = randomUUID();
    const seen = await withTenant(db, [a], async (trx) => {
      const before = await setting(trx);
      const during = await withTenant(trx, 'all', (inner) => setting(inner));
      await recordAudit(trx, { action: 'view', partnershipId: a });
      const after = await setting(trx);
      const joined = await inTransaction(trx, async (same) => same === trx);
      return { before, during, after, joined };
    });
    expect(seen).toEqual({ before: a, during: '*', after: a, joined: true });
  });

  it('runs what waits for the commit after it, and not at all after a rollback', async () => {
    const ran: string[] = [];
    await inTransaction(db, async (trx) => {
      afterCommit(trx, () => ran.push('committed'));
      expect(ran).toEqual([]);
    });
    expect(ran).toEqual(['committed']);
    await expect(
      inTransaction(db, async (trx) => {
        afterCommit(trx, () => ran.push('rolled back'));
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(ran).toEqual(['committed']);
  });
});
