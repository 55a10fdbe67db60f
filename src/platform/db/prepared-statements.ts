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
 * shapes (a hostile visitor's odd queries, say) cannot grow the server's memory without end. A
 * search's kept statement and plan take about 0.5 MB of the engine's memory (measured on the
 * embedded engine, whose memory, once grown, is never given back).
 */
export const PREPARED_PER_CONNECTION = 16;

/** The mark that asks for a statement to be prepared: a comment, so the statement is the same without it. */
const MARK = '/* prepared */ ';

/** `statement`, to be sent as a named prepared statement on the connection that runs it. */
export function prepared<T>(statement: RawBuilder<T>): RawBuilder<T> {
  return sql<T>`${sql.raw(MARK)}${statement}`;
}

/** Names are numbered across every connection of the process, so that no two wrappers of one connection share a name. */
let made = 0;

type Query = (config: unknown, values?: unknown, callback?: unknown) => unknown;
type ClientWithConnection = pg.PoolClient & { connection?: { parsedStatements?: Record<string, string> } };

/** Sends each marked statement on the pool's connections as a named prepared statement (see above). */
export function preparePooledStatements(pool: pg.Pool, limit = PREPARED_PER_CONNECTION): void {
  pool.on('connect', (client) => prepareStatementsOf(client as ClientWithConnection, limit));
}

/** Sends each marked statement of `client` as a named prepared statement, at most `limit` kept at once (exported for tests). */
export function prepareStatementsOf(client: ClientWithConnection, limit: number): void {
  // The client's class's query, looked up at each call (not kept from now), so the statement goes wherever that sends it.
  const send: Query = (...args) => (Object.getPrototypeOf(client) as { query: Query }).query.apply(client, args);
  // The statements this connection holds, by text, least recently used first.
  const names = new Map<string, string>();

  async function run(text: string, values: unknown): Promise<unknown> {
    let name = names.get(text);
    if (name !== undefined) {
      names.delete(text);
      names.set(text, name);
      return send({ name, text, values });
    }
    if (names.size >= limit) {
      const [oldText, oldName] = names.entries().next().value as [string, string];
      try {
        await send(`deallocate ${oldName}`);
      } catch {
        // The connection cannot make room now (an aborted transaction): the statement runs unnamed.
        return send(text, values);
      }
      names.delete(oldText);
      // node-postgres remembers what it has parsed on the connection, and would not parse this name again.
      if (client.connection?.parsedStatements) delete client.connection.parsedStatements[oldName];
    }
    name = `cspr_prepared_${++made}`;
    names.set(text, name);
    return send({ name, text, values });
  }

  client.query = ((config: unknown, values?: unknown, callback?: unknown) =>
    typeof config === 'string' && config.startsWith(MARK) && callback === undefined && typeof values !== 'function'
      ? run(config, values)
      : send(config, values, callback)) as typeof client.query;
}
