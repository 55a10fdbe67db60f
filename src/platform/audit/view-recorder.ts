import { AsyncLocalStorage } from 'node:async_hooks';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/types.ts';

/**
 * Views recorded together (a group commit, migration 0045's `cspr_record_views`). Every view of case
 * data is recorded before its page is sent, and the audit chain takes its entries one at a time
 * behind one lock, so under many readers each view waited for its own statement and commit. Here
 * the first view goes to the database at once; the views that arrive while it is on its way wait,
 * and go together in the next statement, each request's entries as one item in arrival order. A
 * request is answered only when the statement holding its entries has committed: what is recorded,
 * and when the page is sent, is the same as one by one. Each entry keeps the time its request
 * recorded it.
 *
 * One bad item must not cost other people their pages: when the server refuses a statement of
 * several items for what it holds, each is tried again on its own, so only the bad one fails.
 */
export type ViewItem = {
  /** The counters' scopes (null: every one) and the counters a kept page was made under; both absent: append always. */
  scopes?: string[] | null;
  expected?: string;
  /** The entries' fields as `auditRows` gives them, and each one's canonical form. */
  entries: unknown[];
  canonical: string[];
};

type Waiting = { item: ViewItem; settle: (error: unknown, version?: string | null) => void };

/** Items in one statement at most: a burst is split so no statement grows without bound. */
const MAX_ITEMS = 64;

class ViewRecorder {
  private queue: Waiting[] = [];
  private busy = false;

  private readonly db: Kysely<DB>;

  constructor(db: Kysely<DB>) {
    this.db = db;
  }

  record(item: ViewItem): Promise<string | null> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, settle: (error, version) => (error === undefined ? resolve(version ?? null) : reject(error as Error)) });
      // Drained outside the caller's context: the statements are the recorder's, not the caller's
      // (a caller's transaction or tenant scope must not reach other people's entries).
      if (!this.busy) outsideAnyContext(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    this.busy = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_ITEMS);
        let versions: Array<string | null>;
        try {
          versions = await this.send(batch.map((w) => w.item));
        } catch (error) {
          // Sent again one by one only when the server refused the statement for what it held (and so
          // committed none of it): after a lost connection the statement may have committed, and a
          // second send would record views that happened once twice.
          if (batch.length === 1 || !refusedForItsContent(error)) for (const w of batch) w.settle(error);
          else for (const w of batch) await this.sendAlone(w);
          continue;
        }
        batch.forEach((w, i) => w.settle(undefined, versions[i]));
      }
    } finally {
      this.busy = false;
    }
  }

  private async sendAlone(w: Waiting): Promise<void> {
    let version: string | null;
    try {
      [version] = await this.send([w.item]);
    } catch (error) {
      w.settle(error);
      return;
    }
    w.settle(undefined, version);
  }

  private async send(items: readonly ViewItem[]): Promise<Array<string | null>> {
    const { rows } = await sql<{ v: Array<string | null> }>`select cspr_record_views(${JSON.stringify(items)}::jsonb) as v`.execute(this.db);
    return rows[0].v;
  }
}

/**
 * The server's SQLSTATE classes for a statement refused for its data or by a check (22 data, 23
 * integrity, P0 a function's own error, 2F/39 a function's exception): the statement was rolled back.
 */
function refusedForItsContent(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23|P0|2F|39)/.test(code);
}

/** Runs `work` in the context this module was loaded in: no request's, transaction's or tenant's. */
const outsideAnyContext = AsyncLocalStorage.snapshot();

const recorders = new WeakMap<Kysely<DB>, ViewRecorder>();

/** Records one request's view entries with those of the requests waiting beside it; resolves to its counters (null without `expected`). */
export function recordViewsTogether(db: Kysely<DB>, item: ViewItem): Promise<string | null> {
  let recorder = recorders.get(db);
  if (!recorder) recorders.set(db, (recorder = new ViewRecorder(db)));
  return recorder.record(item);
}
