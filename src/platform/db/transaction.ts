import { AsyncLocalStorage } from 'node:async_hooks';
import {
  AliasNode,
  DeleteQueryNode,
  InsertQueryNode,
  sql,
  TableNode,
  UpdateQueryNode,
  type Kysely,
  type KyselyPlugin,
  type OperationNode,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type RootOperationNode,
  type Transaction,
  type UnknownRow,
} from 'kysely';
import type { DB } from './types.ts';

/**
 * Transactions, the one way to change data: `inTransaction(db, work)` opens one, or joins the
 * transaction `db` already is, so a route can put a service's change and its audit entry in one
 * transaction:
 *
 *   await inTransaction(db, async (trx) => {
 *     const result = await saveSomething(trx, …);
 *     if (result.ok) await req.audit({ … }, trx);
 *     return result;
 *   });
 *
 * Three guards keep that honest:
 * - Inside a transaction every query must use it: asking the pool for another connection throws
 *   (on the embedded engine, with its single connection, it would wait for ever).
 * - Work done for a person (every web request, every `cspr` command that changes data) runs in
 *   an audited scope: transactions opened there carry `cspr.audit_required`, and the database
 *   refuses to commit a change of case or account data unless the same transaction appended to
 *   the audit trail (migration 0014, `cspr_require_audit`).
 * - In an audited scope, a change made outside any transaction throws (it could not be checked).
 */

type TransactionState = {
  open: boolean;
  tenant: string | null;
  switching: boolean;
  afterCommit: (() => void)[];
  /** The settings a new transaction starts with (tenant, audit, planner), in order, null for none; `settled` once they are in force. */
  opening: ReadonlyArray<readonly [name: string, value: string]> | null;
  settled: boolean;
};

const transactions = new AsyncLocalStorage<TransactionState>();
const audited = new AsyncLocalStorage<boolean>();

/**
 * Tables whose changes need no audit entry: sign-in sessions (their start and end are audited),
 * the log of reminders sent and the audit trail's own checkpoints.
 */
const UNAUDITED_TABLES = new Set(['sessions', 'reminder_sends', 'audit_checkpoints']);

export class TransactionMisuseError extends Error {}

/** Runs `work` in an audited scope: changes it commits must come with an audit entry. */
export function auditedScope<T>(work: () => T): T {
  return audited.run(true, work);
}

/** True inside `inTransaction`: the pool refuses a second connection to the same work. */
export function holdsTransaction(): boolean {
  return transactions.getStore()?.open === true;
}

/**
 * What the transaction being opened here (by `inTransaction` or `withTenant`) must start with, as
 * SQL to send in the same message as its BEGIN (database.ts): one round trip to the database fewer
 * for every transaction. Marks the settings as sent; null when there are none, or none are awaited.
 */
export function beginWithSettings(): string | null {
  const state = transactions.getStore();
  if (!state || state.open || state.settled || !state.opening) return null;
  // Literals, as a message with more than one statement takes no parameters: the tenant setting is
  // partnership ids and commas, or '*' (tenantSetting), and the planner's are words the service
  // writes (PlannerSettings). Anything else is sent the ordinary way, as parameters.
  if (!state.opening.every(([name, value]) => /^[a-z_.]+$/.test(name) && /^[0-9a-z_,*-]*$/.test(value))) return null;
  state.settled = true;
  return `select ${state.opening.map(([name, value]) => `set_config('${name}', '${value}', true)`).join(', ')}`;
}

/**
 * Planner settings for one transaction of its own (`set_config(name, value, true)`), sent with its
 * BEGIN: a statement's settings cost no round trip of their own. Names and values are written in the
 * service's code, never taken from input.
 */
export type PlannerSettings = Readonly<Record<string, string>>;

/**
 * Opens a transaction (or joins `db`'s) and runs `work` in it. With `settings`, it must be a
 * transaction of its own: they would otherwise hold for the rest of the caller's transaction.
 */
export function inTransaction<T>(db: Kysely<DB>, work: (trx: Transaction<DB>) => Promise<T>, settings?: PlannerSettings): Promise<T> {
  if (db.isTransaction) {
    if (settings) throw new TransactionMisuseError('Planner settings are for a transaction of its own: run this outside the caller’s transaction.');
    return work(db as Transaction<DB>);
  }
  return open(db, null, work, settings);
}

/**
 * The tenant setting `cspr.partnerships` for `work`. In a transaction of its own, it is set for
 * the whole of it; in a transaction `db` already is, it is set for `work` and put back after, so
 * a helper reading deployment-wide (the audit trail's last entry, say) does not widen what the
 * rest of the caller's transaction sees.
 */
export async function withSetting<T>(db: Kysely<DB>, tenant: string, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  if (!db.isTransaction) return open(db, tenant, work);
  const trx = db as Transaction<DB>;
  const state = transactions.getStore();
  if (!state) throw new TransactionMisuseError('A transaction was opened without inTransaction: open transactions through src/platform/db/transaction.ts.');
  if (state.tenant === tenant) return work(trx);
  if (state.switching) {
    throw new TransactionMisuseError('Two tenant scopes at once in one transaction: run the queries of one transaction one after another.');
  }
  const previous = state.tenant;
  state.switching = true;
  await sql`select set_config('cspr.partnerships', ${tenant}, true)`.execute(trx);
  state.tenant = tenant;
  const restore = () => sql`select set_config('cspr.partnerships', ${previous ?? ''}, true)`.execute(trx);
  try {
    const result = await work(trx);
    await restore();
    return result;
  } catch (err) {
    // After a failed statement the transaction is aborted and rolls back: the restore may fail too.
    await restore().catch(() => {});
    throw err;
  } finally {
    state.switching = false;
    state.tenant = previous;
  }
}

function open<T>(db: Kysely<DB>, tenant: string | null, work: (trx: Transaction<DB>) => Promise<T>, settings: PlannerSettings = {}): Promise<T> {
  if (holdsTransaction()) {
    throw new TransactionMisuseError('A second transaction inside a transaction: pass the transaction (trx) down instead of db.');
  }
  const auditRequired = audited.getStore() === true;
  const pairs: Array<readonly [string, string]> = [];
  if (tenant !== null || auditRequired) pairs.push(['cspr.partnerships', tenant ?? ''], ['cspr.audit_required', auditRequired ? 'on' : '']);
  for (const [name, value] of Object.entries(settings)) {
    if (name.startsWith('cspr.')) throw new TransactionMisuseError(`${name} is the service's own setting, set by the transaction itself.`);
    pairs.push([name, value]);
  }
  const opening = pairs.length ? pairs : null;
  const state: TransactionState = { open: false, tenant, switching: false, afterCommit: [], opening, settled: opening === null };
  return transactions.run(state, async () => {
    const result = await db.transaction().execute(async (trx) => {
      state.open = true;
      try {
        // Usually sent with the transaction's BEGIN already (beginWithSettings); here otherwise.
        if (opening && !state.settled) {
          await sql`select ${sql.join(opening.map(([name, value]) => sql`set_config(${name}, ${value}, true)`))}`.execute(trx);
          state.settled = true;
        }
        return await work(trx);
      } finally {
        state.open = false;
      }
    });
    for (const done of state.afterCommit) done();
    return result;
  });
}

/**
 * Runs `done` once `db`'s changes are committed: at once outside a transaction, after the commit
 * inside one (forgetting a cache before then would let another reader cache the old rows again).
 */
export function afterCommit(db: Kysely<DB>, done: () => void): void {
  const state = transactions.getStore();
  if (db.isTransaction && state?.open) state.afterCommit.push(done);
  else done();
}

function tableOf(node: RootOperationNode): string | null {
  const target: OperationNode | undefined = InsertQueryNode.is(node)
    ? node.into
    : UpdateQueryNode.is(node)
      ? node.table
      : DeleteQueryNode.is(node)
        ? node.from.froms[0]
        : undefined;
  if (!target) return null;
  const table = AliasNode.is(target) ? target.node : target;
  return TableNode.is(table) ? table.table.identifier.name : '?';
}

/**
 * Refuses, in an audited scope, a change made outside any transaction: the database could not
 * tie it to an audit entry.
 */
export class ChangesInTransactions implements KyselyPlugin {
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const { node } = args;
    if (audited.getStore() === true && !holdsTransaction()) {
      const table = tableOf(node);
      if (table !== null && !UNAUDITED_TABLES.has(table)) {
        throw new TransactionMisuseError(`A change to ${table} outside a transaction: make it with its audit entry in inTransaction(db, …).`);
      }
    }
    return node;
  }

  transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return Promise.resolve(args.result);
  }
}
