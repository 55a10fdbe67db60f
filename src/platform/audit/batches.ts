/**
 * A group commit (view-recorder.ts): the first item goes to the database at once (or after a
 * `gather`); the items that arrive while it is on its way wait, and go together in the next
 * statement, in arrival order. Each caller is answered only when the statement holding its item
 * has come back. Used on the service's
 * thread (PostgreSQL) and on the embedded engine's own thread (embedded-worker.ts), so it imports
 * nothing: the engine's thread loads no more than it needs.
 *
 * One bad item must not cost other people their pages: when the server refuses a statement of
 * several items for what it holds, each is tried again on its own, so only the bad one fails.
 */

/** Items in one statement at most: a burst is split so no statement grows without bound. */
export const MAX_ITEMS = 64;

type Waiting<T, R> = { item: T; settle: (error: unknown, result?: R) => void };

export class Batches<T, R> {
  private queue: Waiting<T, R>[] = [];
  private busy = false;
  private readonly send: (items: readonly T[]) => Promise<R[]>;
  private readonly start: (drain: () => void) => void;
  private readonly gather: (() => Promise<void>) | undefined;

  /**
   * `send` sends items in one statement and gives one result per item; `start` runs the drain (in a
   * chosen context); `gather`, when given, is awaited before each batch is taken (to let items
   * already on their way arrive first), and is always followed by exactly one `send`.
   */
  constructor(send: (items: readonly T[]) => Promise<R[]>, options: { start?: (drain: () => void) => void; gather?: () => Promise<void> } = {}) {
    this.send = send;
    this.start = options.start ?? ((drain) => drain());
    this.gather = options.gather;
  }

  add(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, settle: (error, result) => (error === undefined ? resolve(result as R) : reject(error as Error)) });
      if (!this.busy) this.start(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    this.busy = true;
    try {
      let batch: Waiting<T, R>[] = [];
      let sent: Promise<R[]> = Promise.resolve([]);
      const next = async () => {
        batch = await this.take();
        if (batch.length > 0) sent = this.send(batch.map((w) => w.item));
      };
      await next();
      while (batch.length > 0) {
        const done = batch;
        let results: R[];
        try {
          results = await sent;
        } catch (error) {
          // Sent again one by one only when the server refused the statement for what it held (and so
          // committed none of it): after a lost connection the statement may have committed, and a
          // second send would record views that happened once twice.
          if (done.length === 1 || !refusedForItsContent(error)) for (const w of done) w.settle(error);
          else for (const w of done) await this.sendAlone(w);
          await next();
          continue;
        }
        const settle = () => done.forEach((w, i) => w.settle(undefined, results[i]));
        if (this.gather) {
          // Gathering may wait behind other work: these callers, whose entries are committed, are answered first.
          settle();
          await next();
        } else {
          // The next statement leaves before these callers are answered: the database works on it
          // while they go on, rather than waiting for them.
          await next();
          settle();
        }
      }
    } finally {
      this.busy = false;
    }
  }

  /** The next batch; after `gather` only when something waits, since a gather is always followed by one send. */
  private async take(): Promise<Waiting<T, R>[]> {
    if (this.queue.length === 0) return [];
    if (this.gather) await this.gather();
    return this.queue.splice(0, MAX_ITEMS);
  }

  private async sendAlone(w: Waiting<T, R>): Promise<void> {
    let result: R;
    try {
      [result] = await this.send([w.item]);
    } catch (error) {
      w.settle(error);
      return;
    }
    w.settle(undefined, result);
  }
}

/**
 * The server's SQLSTATE classes for a statement refused for its data or by a check (22 data, 23
 * integrity, P0 a function's own error, 2F/39 a function's exception): the statement was rolled back.
 */
export function refusedForItsContent(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|23|P0|2F|39)/.test(code);
}
