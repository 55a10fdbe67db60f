import { AsyncLocalStorage } from 'node:async_hooks';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/types.ts';
import { Batches } from './batches.ts';

/**
 * Views recorded together (a group commit, migration 0045's `cspr_record_views`). Every view of case
 * data is recorded before its page is sent, and the audit chain takes its entries one at a time
 * behind one lock, so under many readers each view waited for its own statement and commit. Here
 * the views that arrive while an earlier statement is on its way go together in the next one
 * (batches.ts), each request's entries as one item in arrival order. A request is answered only when
 * the statement holding its entries has committed: what is recorded, and when the page is sent, is
 * the same as one by one. Each entry keeps the time its request recorded it.
 *
 * On the embedded engine the items go straight to the engine's thread, which gathers them itself
 * (embedded-worker.ts): a statement then follows the one before without waiting for this thread to
 * hand it over between pages.
 */
export type ViewItem = {
  /** The counters' scopes (null: every one) and the counters a kept page was made under; both absent: append always. */
  scopes?: string[] | null;
  expected?: string;
  /** Each entry's canonical form (`auditRows`): the text its hash covers, and the fields its row is made from. */
  canonical: string[];
};

/** Sends one item, as JSON, to be recorded with those beside it; resolves to its counters (null without `expected`). */
export type ViewSender = (item: string) => Promise<string | null>;

/** Runs `work` in the context this module was loaded in: no request's, transaction's or tenant's. */
const outsideAnyContext = AsyncLocalStorage.snapshot();

const senders = new WeakMap<Kysely<DB>, ViewSender>();

/** Where `db`'s views go when not through its own connections (the embedded engine's thread). */
export function sendViewsThrough(db: Kysely<DB>, sender: ViewSender): void {
  senders.set(db, sender);
}

function recorderFor(db: Kysely<DB>): ViewSender {
  const batches = new Batches<string, string | null>(
    async (items) => {
      const { rows } = await sql<{ v: Array<string | null> }>`select cspr_record_views(${`[${items.join(',')}]`}::jsonb) as v`.execute(db);
      return rows[0].v;
    },
    // Drained outside the caller's context: the statements are the recorder's, not the caller's
    // (a caller's transaction or tenant scope must not reach other people's entries).
    { start: (drain) => outsideAnyContext(drain) },
  );
  return (item) => batches.add(item);
}

/** Records one request's view entries with those of the requests waiting beside it; resolves to its counters (null without `expected`). */
export function recordViewsTogether(db: Kysely<DB>, item: ViewItem): Promise<string | null> {
  let sender = senders.get(db);
  if (!sender) senders.set(db, (sender = recorderFor(db)));
  return sender(JSON.stringify(item));
}
