import { Worker } from 'node:worker_threads';
import { Parser } from 'pg-protocol/dist/parser.js';
import { DatabaseError, type BackendMessage } from 'pg-protocol/dist/messages.js';
import type { EngineData, EngineReply, EngineRequest, EngineStart, ViewReplies } from './embedded-worker.ts';

const WORKER = new URL('./embedded-worker.ts', import.meta.url);

/** Parse, Bind, Describe, Execute and Close: the frontend messages a server answers only when it flushes at a Sync (or Flush). */
const HELD = new Set(['P', 'B', 'D', 'E', 'C'].map((c) => c.charCodeAt(0)));

/**
 * The embedded PostgreSQL (PGlite) in a worker thread that owns the data folder, seen from the
 * main thread as the one thing PGlite's node-postgres adapter needs: something that takes a
 * protocol message and answers with the server's messages. A slow query then holds up only the
 * queries behind it on the same connection, not the event loop that serves every other request.
 */
export class EmbeddedEngine {
  readonly waitReady: Promise<void>;
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (reply: EngineReply) => void; reject: (err: Error) => void }>();
  #nextId = 1;
  #stopped: Error | undefined;
  /** Extended-protocol messages waiting for the sync that ends their query. */
  readonly #held: Uint8Array[] = [];

  /** With a template (data-template.ts), the database in dataDir, where nothing is yet, is made from it. */
  constructor(dataDir: string, template: Uint8Array | null = null) {
    const workerData: EngineData = { dataDir, template };
    this.#worker = new Worker(WORKER, { workerData, resourceLimits: { maxYoungGenerationSizeMb: 2 } });
    this.waitReady = new Promise((resolve, reject) => {
      this.#worker.once('message', (start: EngineStart) => ('ready' in start ? resolve() : reject(new Error(start.failed))));
      this.#worker.once('error', reject);
    });
    const settle = (reply: EngineReply) => {
      const waiting = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      waiting?.resolve(reply);
    };
    this.#worker.on('message', (message: EngineReply | ViewReplies | EngineStart) => {
      if ('replies' in message) message.replies.forEach(settle);
      else if ('id' in message) settle(message);
      else return;
      this.#idle();
    });
    const stop = (err: Error) => {
      this.#stopped ??= err;
      for (const waiting of this.#pending.values()) waiting.reject(this.#stopped);
      this.#pending.clear();
    };
    this.#worker.on('error', (err: Error) => stop(new Error(`The embedded database stopped: ${err.message}`)));
    this.#worker.on('exit', (code) => stop(new Error(`The embedded database stopped (exit code ${code}).`)));
    // The thread keeps the process alive only while it is starting or answering, as the engine
    // in the main thread did: a process that is done with its queries may end.
    void this.waitReady.catch(() => {}).finally(() => this.#idle());
  }

  #idle(): void {
    if (this.#pending.size === 0) this.#worker.unref();
  }

  /**
   * What PGlite's adapter calls: one or more frontend messages in, the parsed backend messages out.
   * The adapter hands over an extended-protocol query a message at a time (parse, bind, describe,
   * execute, then sync), each waiting for the one before. Those that only queue work are held here and
   * go to the engine with the sync, as a client's socket would carry them to a server that answers at
   * the sync: one trip to the engine's thread per query instead of five. The replies come in the same
   * order, only together (a server may buffer them until the sync too).
   */
  async execProtocolStream(message: Uint8Array): Promise<BackendMessage[]> {
    if (HELD.has(message[0])) {
      this.#held.push(new Uint8Array(message)); // node-postgres may reuse its buffer
      return [];
    }
    const batch = this.#held.length ? Buffer.concat([...this.#held.splice(0), message]) : message;
    const reply = await this.#ask({ id: this.#nextId++, bytes: batch }, batch);
    if ('error' in reply) throw new Error(reply.error);
    if (!('bytes' in reply)) throw new Error('The embedded database answered out of turn.');
    const messages: BackendMessage[] = [];
    new Parser().parse(Buffer.from(reply.bytes.buffer, reply.bytes.byteOffset, reply.bytes.byteLength), (m) => messages.push(m));
    return messages;
  }

  /**
   * One request's view entries, as a ViewItem in JSON, recorded on the engine's thread with those
   * arriving beside it (embedded-worker.ts); resolves to the item's counters once committed.
   */
  async recordViews(item: string): Promise<string | null> {
    const reply = await this.#ask({ id: this.#nextId++, views: item });
    if ('error' in reply) throw Object.assign(new DatabaseError(reply.error, 0, 'error'), reply.fields);
    if (!('version' in reply)) throw new Error('The embedded database answered out of turn.');
    return reply.version;
  }

  async close(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.#ask({ id: this.#nextId++, close: true });
    } finally {
      await this.#worker.terminate();
    }
  }

  #ask(request: EngineRequest, message?: Uint8Array): Promise<EngineReply> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    return new Promise((resolve, reject) => {
      this.#pending.set(request.id, { resolve, reject });
      this.#worker.ref();
      // The caller's buffer may be reused by node-postgres: send a copy, not a transfer.
      this.#worker.postMessage(message ? { id: request.id, bytes: new Uint8Array(message) } : request);
    });
  }
}
