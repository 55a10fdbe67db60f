/**
 * Undoing a transaction that has already written something when a later step is refused: the work
 * throws `Undone` with the refusal, the transaction rolls back (nothing partly saved, a file
 * least of all), and `unlessUndone` hands the refusal back as the work's result.
 */
export class Undone<T> extends Error {
  readonly outcome: T;
  constructor(outcome: T) {
    super('The change was refused and undone');
    this.outcome = outcome;
  }
}

export async function unlessUndone<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof Undone) return err.outcome as T;
    throw err;
  }
}
