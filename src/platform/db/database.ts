import { CompiledQuery, Kysely, PostgresDialect, PostgresDriver, type DatabaseConnection, type Driver, type PostgresDialectConfig, type PostgresPool, type TransactionSettings } from 'kysely';
import pg from 'pg';
import { finishTemplateDatabase } from './data-template.ts';
import { DatabaseOpenError, startEmbeddedEngine, stopStartedEngine, type StartedEngine } from './embedded-start.ts';
import { preparePooledStatements } from './prepared-statements.ts';
import { sendViewsThrough } from '../audit/view-recorder.ts';
import { beginWithSettings, ChangesInTransactions, holdsTransaction, TransactionMisuseError } from './transaction.ts';
import type { DB } from './types.ts';

// Date-only columns stay 'YYYY-MM-DD' strings: turning them into JS Dates shifts them
// across time zones. Counts (bigint) fit comfortably in a JS number here.
pg.types.setTypeParser(pg.types.builtins.DATE, (v) => v);
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export type Engine = 'embedded' | 'postgres';

export type Database = {
  readonly engine: Engine;
  readonly db: Kysely<DB>;
  /** The node-postgres pool: for migrations, backups and anything needing one connection. */
  readonly pool: pg.Pool;
  /** Where the data lives, safe to print (no password). */
  readonly location: string;
  /** Something whoever started the service should know about how the database was opened (printed at start). */
  readonly notice?: string;
  close(): Promise<void>;
};

export { DatabaseOpenError, isNewEmbeddedDatabase } from './embedded-start.ts';

export type OpenOptions = {
  dataDir: string;
  databaseUrl?: string | undefined;
  /** A new embedded database is made from the data template when it can be (data-template.ts); false creates it afresh. */
  fromTemplate?: boolean;
  /** Where the data template is (its manifest and archive); the one in migrations/embedded-template unless given. */
  templateDir?: string;
};

/** On the embedded engine, the engine's thread starts before this returns its promise. */
export async function openDatabase(options: OpenOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl);
  return openStartedEngine(startEmbeddedEngine(options.dataDir, options));
}

/** Runs work at once, or once the database is ready (embeddedDatabase). */
type AfterReady = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * The query layer over a pool (whose queries wait for `afterReady`). Work inside a transaction that asks the pool for another
 * connection is a mistake (a query on `db` where `trx` was meant): it would escape the
 * transaction, and on the embedded engine's single connection wait for ever. It throws instead.
 */
export function queryLayer(pool: pg.Pool, afterReady: AfterReady = (work) => work()): Kysely<DB> {
  const guarded: PostgresPool = {
    connect: () => {
      if (holdsTransaction()) {
        return Promise.reject(new TransactionMisuseError('A query outside the open transaction: inside inTransaction, use the transaction (trx), not db.'));
      }
      return afterReady(() => pool.connect());
    },
    end: () => pool.end(),
    options: pool.options,
    Client: (pool as unknown as { Client?: PostgresPool['Client'] }).Client,
  };
  return new Kysely<DB>({ dialect: new SettingsWithBegin({ pool: guarded }), plugins: [new ChangesInTransactions()] });
}

/**
 * PostgreSQL's dialect, but a transaction's settings (its tenant scope and whether it must be
 * audited: transaction.ts) go in the same message as its BEGIN, as a simple query of two
 * statements, instead of a statement of their own after it: every transaction is one round trip
 * to the database shorter (a fifth of a millisecond on the embedded engine, a network round trip on
 * a server).
 */
class SettingsWithBegin extends PostgresDialect {
  readonly #config: PostgresDialectConfig;
  constructor(config: PostgresDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new (class extends PostgresDriver {
      override async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
        const opening = settings.isolationLevel || settings.accessMode ? null : beginWithSettings();
        if (opening === null) return super.beginTransaction(connection, settings);
        try {
          await connection.executeQuery(CompiledQuery.raw(`begin; ${opening}`));
        } catch (err) {
          // Kysely rolls back only a transaction whose BEGIN succeeded: here the BEGIN may have, and the
          // connection must not go back to the pool inside it (a rollback that fails marks it to be discarded).
          await this.rollbackTransaction(connection as Parameters<PostgresDriver['rollbackTransaction']>[0]).catch(() => {});
          throw err;
        }
      }
    })(this.#config);
  }
}

export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the configured server';
  }
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000 });
  preparePooledStatements(pool);
  // An idle client that loses its server must not crash the process.
  pool.on('error', () => {});
  const location = describeUrl(url);
  try {
    await pool.query('select 1');
  } catch (err) {
    await pool.end().catch(() => {});
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new DatabaseOpenError(
      `Could not connect to the PostgreSQL server at ${location} (${reason}). ` +
        'Check DATABASE_URL and that the server is running and accepts connections.',
    );
  }
  const db = queryLayer(pool);
  return {
    engine: 'postgres',
    db,
    pool,
    location,
    async close() {
      await endPool(db, pool);
    },
  };
}

/** Kysely ends the pool only if it used it itself; a pool used only directly must be ended too. */
async function endPool(db: Kysely<DB>, pool: pg.Pool): Promise<void> {
  await db.destroy();
  if (!pool.ended) await pool.end();
}

/** The query layer over an embedded engine whose thread has started (embedded-start.ts), once it is ready. */
export async function openStartedEngine(started: StartedEngine): Promise<Database> {
  const { database, ready } = await embeddedDatabase(started);
  try {
    await ready;
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
  return database;
}

/**
 * The query layer over an embedded engine whose thread has started, at once, and `ready`, which
 * settles once the engine has made or opened the database and it may be queried (a DatabaseOpenError
 * when it cannot be: then close the database). Handed out before it is ready so that `cspr serve`
 * can assemble the service meanwhile; a query through `db` sent before then waits for it (`pool`,
 * used directly by migrations and backups, is for after it).
 */
export async function embeddedDatabase(started: StartedEngine): Promise<{ database: Database; ready: Promise<void> }> {
  const { dataDir, engine, notice } = started;
  let createPgConfig;
  try {
    // Loaded once the engine's thread has started, not before: that thread's start is what a first
    // start waits for longest (it creates the database).
    ({ createPgConfig } = await import('@electric-sql/pglite/node-postgres'));
  } catch (err) {
    await stopStartedEngine(started);
    throw unopened(dataDir, err);
  }
  // The adapter speaks the node-postgres protocol over the single PGlite connection (in its
  // own thread), so both engines share one code path from here on.
  const pool = new pg.Pool({ ...createPgConfig(engine as unknown as Parameters<typeof createPgConfig>[0]), max: 1 } as pg.PoolConfig);
  preparePooledStatements(pool);
  // The service's queries wait for this: the engine answers none before it has started, and no query
  // may reach a database made from the template before finishTemplateDatabase has finished it.
  const ready = (async () => {
    try {
      await engine.waitReady;
    } catch (err) {
      throw unopened(dataDir, err);
    }
    try {
      await finishTemplateDatabase(pool);
    } catch (err) {
      throw new DatabaseOpenError(`The embedded database in ${dataDir} could not be made ready (${(err as Error).message}).`);
    }
  })();
  let isReady = false;
  ready.then(
    () => (isReady = true),
    () => {},
  );
  const afterReady: AfterReady = (work) => (isReady ? work() : ready.then(work));
  const db = queryLayer(pool, afterReady);
  sendViewsThrough(db, (item) => afterReady(() => engine.recordViews(item)));
  let closed = false;
  const database: Database = {
    engine: 'embedded',
    db,
    pool,
    location: dataDir,
    ...(notice ? { notice } : {}),
    async close() {
      if (closed) return;
      closed = true;
      await endPool(db, pool).catch(() => {});
      await stopStartedEngine(started);
    },
  };
  return { database, ready };
}

function unopened(dataDir: string, err: unknown): DatabaseOpenError {
  return new DatabaseOpenError(
    `The embedded database in ${dataDir} could not be opened (${(err as Error).message}). ` +
      'Restore it from a backup with `cspr restore`, or move the folder aside to start afresh.',
  );
}
