import { sql, type RawBuilder } from 'kysely';
import type pg from 'pg';

/**
 * Statements planned once per connection rather than on every run.
 *
 * PostgreSQL plans a statement each time it is sent unnamed. For a long statement asked often, such
 * as the search's (search.ts: about fifty lines of common table expressions), planning is a large part
 * of each run: 4 to 6 ms of a search on the embedded engine, where a rare word's whole search takes
 * about 20 ms. A statement marked with `prepared(…)` is sent as a named prepared statement instead
 * (node-postgres parses it once per connection and then only binds and executes it), and the
 * server keeps its plan. With `plan_cache_mode` set to `force_generic_plan` in the transaction
 * running it, the plan is made on the first run, for any values of its parameters, and reused.
 *
 * Only statements whose plans do not depend on their parameters' values should be marked: a generic
 * plan does not see them (the search's query words, for one, reach its plan through a common table
 * expression, which hides them from the planner whether prepared or not).
 *
 * A statement's text (with its parameters as $1, $2…) names it, so each shape of statement is
 * planned once and the values change freely. The names a connection holds are bounded
 * (PREPARED_PER_CONNECTION): beyond that the least recently used is deallocated, so that many
 * shapes (a hostile visitor's odd queries, say) cannot grow the server's memory without end. What a
 * kept statement holds grows with its text: a search's, 0.4 MB for a word or two and 6.7 MB for 245
 * words on the embedded engine, whose memory, once grown, is never given back (0.8 and 8.8 MB on
 * PostgreSQL). So only statements of a bounded size should be marked: the search marks those of a few
 * terms (search.ts, PREPARED_TERMS).
 */
export const PREPARED_PER_CONNECTION = 16;

/** The mark that asks for a statement to be prepared: a comment, so the statement is the same without it. */
const MARK = '/* prepared */ ';

/** `statement`, to be sent as a named prepared statement on the connection that runs it. */
export function prepared<T>(statement: RawBuilder<T>): RawBuilder<T> {
  return sql<T>`${sql.raw(MARK)}${statement}`;
}

/** Names are numbered across every connection of the process, so no two statements ever share one. */
let made = 0;

type Query = (config: unknown, values?: unknown, callback?: unknown) => unknown;
/** node-postgres's record of the statements the server holds for a connection (its own bookkeeping, read and kept in step here). */
type Statements = { parsedStatements?: Record<string, string>; submittedNamedStatements?: Record<string, string> };
type ClientWithConnection = pg.PoolClient & { connection?: Statements };

/**
 * The statements each connection holds, by text, least recently used first. Kept with the connection,
 * not the client: on the embedded engine every client the pool makes (one after another, as idle ones
 * are closed) shares one connection and one session, whose statements outlive each client.
 */
const held = new WeakMap<object, Map<string, string>>();

/** Sends each marked statement on the pool's connections as a named prepared statement (see above). */
export function preparePooledStatements(pool: pg.Pool, limit = PREPARED_PER_CONNECTION): void {
  pool.on('connect', (client) => prepareStatementsOf(client as ClientWithConnection, limit));
}

/** Sends each marked statement of `client` as a named prepared statement, at most `limit` kept at once (exported for tests). */
export function prepareStatementsOf(client: ClientWithConnection, limit: number): void {
  // The client's class's query, looked up at each call (not kept from now), so the statement goes wherever that sends it.
  const send: Query = (...args) => (Object.getPrototypeOf(client) as { query: Query }).query.apply(client, args);
  const connection: Statements = client.connection ?? {};
  let names = held.get(connection);
  if (!names) held.set(connection, (names = new Map()));
  const statements = names;

  /** Whether the server holds the statement, or will once what was sent before it is done. */
  const onServer = (name: string) => connection.parsedStatements?.[name] !== undefined || connection.submittedNamedStatements?.[name] !== undefined;
  /** Forgets a statement the server does not hold, so that the next run of its text prepares it afresh. */
  const forget = (text: string, name: string) => {
    if (statements.get(text) === name) statements.delete(text);
    if (connection.parsedStatements) delete connection.parsedStatements[name];
  };

  /** Makes room for one more: deallocates the least recently used. False when it cannot now. */
  async function makeRoom(): Promise<boolean> {
    const [oldText, oldName] = statements.entries().next().value as [string, string];
    // Only a statement the server holds is deallocated: deallocating one it does not would fail, and
    // inside a transaction abort it.
    if (onServer(oldName)) {
      try {
        await send(`deallocate ${oldName}`);
      } catch {
        // An aborted transaction, say: the statement runs unnamed, and the room is made another time.
        return false;
      }
    }
    forget(oldText, oldName);
    return true;
  }

  async function run(text: string, values: unknown): Promise<unknown> {
    let name = statements.get(text);
    if (name !== undefined) {
      statements.delete(text);
    } else {
      while (statements.size >= limit) if (!(await makeRoom())) return send(text, values);
      name = `cspr_prepared_${++made}`;
    }
    statements.set(text, name);
    try {
      return await send({ name, text, values });
    } catch (err) {
      // The server does not hold the statement when its parsing failed, when it says so (26000), or when
      // a value could not be sent (node-postgres then closes the statement, but still counts it parsed;
      // such an error is not the server's, so has no code). An error in running it leaves it held.
      const code = (err as { code?: unknown }).code;
      if (!onServer(name) || code === '26000' || code === undefined) forget(text, name);
      throw err;
    }
  }

  client.query = ((config: unknown, values?: unknown, callback?: unknown) =>
    typeof config === 'string' && config.startsWith(MARK) && callback === undefined && typeof values !== 'function'
      ? run(config, values)
      : send(config, values, callback)) as typeof client.query;
}
