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
 * One bad item must not cost other people their pages: when a statement of several items fails,
 * each is tried again on its own, so only the bad one fails.
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
      if (!this.busy) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.busy = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_ITEMS);
        try {
          const versions = await this.send(batch.map((w) => w.item));
          batch.forEach((w, i) => w.settle(undefined, versions[i]));
        } catch (error) {
          if (batch.length === 1) batch[0].settle(error);
          else
            for (const w of batch) {
              try {
                w.settle(undefined, (await this.send([w.item]))[0]);
              } catch (own) {
                w.settle(own);
              }
            }
        }
      }
    } finally {
      this.busy = false;
    }
  }

  private async send(items: readonly ViewItem[]): Promise<Array<string | null>> {
    const { rows } = await sql<{ v: Array<string | null> }>`select cspr_record_views(${JSON.stringify(items)}::jsonb) as v`.execute(this.db);
    return rows[0].v;
  }
}

const recorders = new WeakMap<Kysely<DB>, ViewRecorder>();

/** Records one request's view entries with those of the requests waiting beside it; resolves to its counters (null without `expected`). */
export function recordViewsTogether(db: Kysely<DB>, item: ViewItem): Promise<string | null> {
  let recorder = recorders.get(db);
  if (!recorder) recorders.set(db, (recorder = new ViewRecorder(db)));
  return recorder.record(item);
}
