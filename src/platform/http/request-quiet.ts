import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * Lets work that nobody is waiting for give way to requests. The embedded engine answers one statement
 * at a time, so a step of background work (a publication and its search index, say) holds up every
 * request that arrives meanwhile: it waits instead until no request has been in flight for a moment.
 *
 * Requests are counted on the HTTP server itself ('request' to the response's 'close'), so every
 * request counts, whatever route or hook answers it, and an idle kept-alive connection does not. Only
 * while the work lasts: `stop` takes the counting off every later request.
 */
export type RequestQuiet = {
  /** Resolves once no request has been in flight for `quietMs`, or after `atMostMs` at the latest (steady traffic cannot hold the work back for ever). */
  wait(): Promise<void>;
  /** Requests answered or in flight since watching began. */
  readonly seen: number;
  /** Stops counting (the work is done). */
  stop(): void;
};

export function watchRequests(server: Server, { quietMs = 150, atMostMs = 3_000 } = {}): RequestQuiet {
  let inFlight = 0;
  let seen = 0;
  let lastEnded = 0;
  const count = (_req: IncomingMessage, res: ServerResponse) => {
    inFlight += 1;
    seen += 1;
    res.once('close', () => {
      inFlight -= 1;
      lastEnded = performance.now();
    });
  };
  server.on('request', count);
  const quietFor = () => (inFlight > 0 ? 0 : performance.now() - lastEnded);
  return {
    get seen() {
      return seen;
    },
    stop() {
      server.off('request', count);
    },
    async wait() {
      const began = performance.now();
      for (;;) {
        const quiet = quietFor();
        if (quiet >= quietMs || performance.now() - began >= atMostMs) return;
        // Another look once the quiet needed could have passed (a request in flight: after a whole one).
        await new Promise((resolve) => setTimeout(resolve, Math.max(5, quietMs - quiet)));
      }
    },
  };
}
