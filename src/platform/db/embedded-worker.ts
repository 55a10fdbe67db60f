import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import v8 from 'node:v8';
import type { PGlite } from '@electric-sql/pglite';
import { Parser } from 'pg-protocol/dist/parser.js';
import { serialize } from 'pg-protocol/dist/serializer.js';
import type { BackendMessage, DatabaseError, DataRowMessage } from 'pg-protocol/dist/messages.js';
import { Batches } from '../audit/batches.ts';
import { leavesIdle } from './ready-status.ts';
import { makeFolderFromArchive, stagingFolder } from './template-archive.ts';

/**
 * The embedded engine's own thread (see embedded-engine.ts). PostgreSQL compiled to WebAssembly
 * runs a query to its end without yielding; here that stalls only this thread, never the
 * requests the main thread is serving.
 *
 * The messages are the PostgreSQL wire protocol itself, as bytes both ways, so nothing but bytes
 * crosses between the threads and node-postgres on the main thread reads the replies as it would
 * a server's.
 */
export type EngineRequest = { id: number; bytes: Uint8Array } | { id: number; views: string } | { id: number; close: true };
export type EngineReply =
  | { id: number; bytes: Uint8Array }
  | { id: number; version: string | null }
  | { id: number; error: string; fields?: Record<string, string> }
  | { id: number; closed: true };
export type EngineStart = { ready: true } | { failed: string };
/** The answers to the views recorded by one statement, sent together (see `answerView`). */
export type ViewReplies = { replies: EngineReply[] };

/**
 * PostgreSQL's defaults size it for a server with many connections: 128 MB of shared buffers and
 * 100 connections' worth of shared tables, all inside the engine's WebAssembly memory, which never
 * shrinks. One connection and a small buffer pool (the operating system's file cache holds the data
 * folder anyway) take the idle service from about 450 MB to about 320 MB with the demonstration data.
 */
const MEMORY_SETTINGS = ['-c', 'shared_buffers=16MB', '-c', 'max_connections=3'];

if (process.env.CSPR_WASM_FLAGS) v8.setFlagsFromString(process.env.CSPR_WASM_FLAGS);

const port = parentPort!;
/** The data folder, and the data template's archive to make it from (data-template.ts) when there is nothing there yet. */
export type EngineData = { dataDir: string; template: Uint8Array | null };
const { dataDir, template } = workerData as EngineData;

let pglite: PGlite;
try {
  const { PGlite: Engine } = await import('@electric-sql/pglite');
  const defaults = (Engine as unknown as { defaultStartParams: readonly string[] }).defaultStartParams;
  // A new database from the template, when given one (database.ts decides): its folder unpacked instead of created.
  if (template) makeFolderFromArchive(template, dataDir);
  // What an unpacking interrupted by a crash left, when the data folder was then made another way.
  else fs.rmSync(stagingFolder(dataDir), { recursive: true, force: true });
  pglite = await Engine.create(dataDir, { startParams: [...defaults, ...MEMORY_SETTINGS] });
  port.postMessage({ ready: true } satisfies EngineStart);
} catch (err) {
  port.postMessage({ failed: err instanceof Error ? err.message : String(err) } satisfies EngineStart);
  process.exit(1);
}

// One request at a time, in the order they came: the protocol is a conversation on one connection.
let queue: Promise<void> = Promise.resolve();
port.on('message', (request: EngineRequest) => {
  if ('views' in request) {
    views.add(request.views).then(
      (version) => answerView({ id: request.id, version }),
      (err: unknown) => answerView({ id: request.id, error: err instanceof Error ? err.message : String(err), fields: fieldsOf(err) }),
    );
    return;
  }
  queue = queue.then(() => answer(request));
});

/**
 * The items of one batch are settled together, each by a reaction queued in the same turn: their
 * answers go back in one message, sent once those reactions have run. A message between threads
 * costs far more than the few bytes of an answer, and under many readers it was a sizeable part of
 * this thread's time.
 */
let viewAnswers: EngineReply[] = [];
function answerView(reply: EngineReply): void {
  if (viewAnswers.length === 0) {
    queueMicrotask(() => {
      const replies = viewAnswers;
      viewAnswers = [];
      port.postMessage({ replies } satisfies ViewReplies);
    });
  }
  viewAnswers.push(reply);
}

// ---- Views recorded here (src/platform/audit/view-recorder.ts) -------------------------------------
// Each request's view entries come as one item; those that arrive while the engine is busy go together
// in the next statement (batches.ts), which runs as soon as the one before is done, without a trip to
// the service's thread and back in between. They take their turn between the conversation's
// exchanges, and only when the connection is outside any transaction: never inside someone else's.

/** Whether the last exchange left the connection outside any transaction (its ReadyForQuery said 'I'). */
let idle = true;
/** A batch waiting for the connection to leave a transaction (one at most: a batch goes only when the one before came back). */
let parked: (() => Promise<void>) | null = null;
/** The conversation's turn taken by the views' gathering, given back once their statement is done. */
let held: (() => void) | null = null;

const views = new Batches<string, string | null>((items) => recordInTurn(items), {
  // A turn in the conversation, taken now so that a query posted after these views waits behind them;
  // once the messages already posted have arrived (views join the batch), the batch goes in that turn.
  gather: () =>
    new Promise<void>((ready) => {
      queue = queue.then(
        () =>
          new Promise<void>((release) => {
            held = release;
            setImmediate(ready);
          }),
      );
    }),
});

async function recordInTurn(items: readonly string[]): Promise<Array<string | null>> {
  const release = held;
  held = null;
  // A batch sent again item by item after a refusal was not gathered: it queues for a turn of its own.
  if (!release) return inTurn(() => recordViews(items));
  if (!idle) {
    // Inside someone else's transaction: the turn is given back, and the batch waits for the connection to leave it.
    release();
    return inTurn(() => recordViews(items));
  }
  try {
    return await recordViews(items);
  } finally {
    // Given back on the next turn of the event loop, once this batch's callers have been answered:
    // the next exchange may be a long query, and their entries are already committed.
    setImmediate(release);
  }
}

function inTurn<R>(work: () => Promise<R>): Promise<R> {
  return new Promise((resolve, reject) => {
    const task = async (): Promise<void> => {
      if (!idle) {
        parked = task;
        return;
      }
      await work().then(resolve, reject);
    };
    queue = queue.then(task);
  });
}

/**
 * The views' statement, prepared once in the engine's session under a name node-postgres never uses
 * (the service's own prepared statements are named cspr_prepared_…: prepared-statements.ts): parsed
 * and planned once, not for every batch.
 */
const RECORD_VIEWS = 'cspr_record_views';
let prepared = false;

async function recordViews(items: readonly string[]): Promise<Array<string | null>> {
  const parsing = !prepared;
  const message = Buffer.concat([
    ...(!parsing ? [] : [serialize.parse({ name: RECORD_VIEWS, text: 'select array_to_json(cspr_record_views($1::jsonb))::text as v' })]),
    serialize.bind({ statement: RECORD_VIEWS, values: [`[${items.join(',')}]`] }),
    serialize.execute(),
    serialize.sync(),
  ]);
  const messages: BackendMessage[] = [];
  const parser = new Parser();
  await pglite.execProtocolRawStream(message, { onRawData: (chunk) => parser.parse(Buffer.from(chunk), (m) => messages.push(m)) });
  if (messages.some((m) => m.name === 'parseComplete')) prepared = true;
  const failed = messages.find((m): m is DatabaseError => m.name === 'error');
  if (failed) {
    // Gone from the session (someone deallocated it): prepared again, once.
    if (failed.code === '26000' && !parsing) {
      prepared = false;
      return recordViews(items);
    }
    throw failed;
  }
  const row = messages.find((m): m is DataRowMessage => m.name === 'dataRow');
  if (!row) throw new Error('The views were not recorded: the engine gave no answer.');
  return JSON.parse(row.fields[0] as string) as Array<string | null>;
}

/** What the server said of a refused statement (its SQLSTATE, constraint, table…), as node-postgres gives it. */
function fieldsOf(err: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const key of ['code', 'severity', 'detail', 'hint', 'schema', 'table', 'column', 'dataType', 'constraint', 'where', 'routine'] as const) {
    const value = (err as Record<string, unknown> | null)?.[key];
    if (typeof value === 'string') fields[key] = value;
  }
  return fields;
}

async function answer(request: Exclude<EngineRequest, { views: string }>): Promise<void> {
  if ('close' in request) {
    await pglite.close();
    port.postMessage({ id: request.id, closed: true } satisfies EngineReply);
    port.close();
    return;
  }
  try {
    // The reply's raw bytes only: execProtocolRaw would also parse every message of it here (rows
    // included), work thrown away, since the main thread reads the reply itself.
    const chunks: Uint8Array[] = [];
    let size = 0;
    await pglite.execProtocolRawStream(request.bytes, {
      onRawData: (chunk) => {
        // A copy of our own to hand over: the chunk is a view of the engine's memory.
        const copy = chunk.slice();
        chunks.push(copy);
        size += copy.length;
      },
    });
    let bytes = chunks.length === 1 ? chunks[0] : new Uint8Array(size);
    if (chunks.length !== 1) {
      let at = 0;
      for (const c of chunks) {
        bytes.set(c, at);
        at += c.length;
      }
    }
    if (bytes.byteOffset !== 0 || bytes.byteLength !== bytes.buffer.byteLength) bytes = bytes.slice();
    idle = leavesIdle(bytes);
    if (idle && parked) {
      const task = parked;
      parked = null;
      queue = queue.then(task);
    }
    port.postMessage({ id: request.id, bytes } satisfies EngineReply, [bytes.buffer as ArrayBuffer]);
  } catch (err) {
    // Whatever the exchange did before it failed, the connection may now be inside a transaction.
    idle = false;
    port.postMessage({ id: request.id, error: err instanceof Error ? err.message : String(err) } satisfies EngineReply);
  }
}
