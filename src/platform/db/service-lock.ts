import type pg from 'pg';
import type { Database } from './database.ts';

/**
 * Work that must not run while the service writes (re-encrypting everything under a new key)
 * needs to know that no `cspr serve` is running. On PostgreSQL, every running service holds a
 * shared advisory lock on a connection of its own for as long as it runs, and such work takes the
 * same lock exclusively: it is refused while any service runs, and a service does not start while
 * it holds it. The embedded engine needs none of this: its data folder admits one process at a time.
 */
const LOCK = `hashtext('cspr-hub:service')`;

export class ServiceLockError extends Error {}

export type ServiceLock = { release(): Promise<void> };

async function take(database: Database, shared: boolean): Promise<ServiceLock> {
  if (database.engine === 'embedded') return { release: async () => {} };
  const client: pg.PoolClient = await database.pool.connect();
  try {
    const { rows } = await client.query<{ ok: boolean }>(`select ${shared ? 'pg_try_advisory_lock_shared' : 'pg_try_advisory_lock'}(${LOCK}) as ok`);
    if (!rows[0]?.ok) {
      throw new ServiceLockError(
        shared
          ? 'A key rotation (cspr keys rotate) is running on this database: the service starts once it has finished.'
          : 'The service (cspr serve) is running on this database: stop every instance first, then run this again.',
      );
    }
  } catch (err) {
    client.release();
    throw err;
  }
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await client.query(`select ${shared ? 'pg_advisory_unlock_shared' : 'pg_advisory_unlock'}(${LOCK})`).catch(() => {});
      client.release();
    },
  };
}

/** Held by a running service. */
export function holdServiceLock(database: Database): Promise<ServiceLock> {
  return take(database, true);
}

/** Held by work that must run with no service writing; refused while any service runs. */
export function takeServiceLockAlone(database: Database): Promise<ServiceLock> {
  return take(database, false);
}
