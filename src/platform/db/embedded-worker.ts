import { parentPort, workerData } from 'node:worker_threads';
import v8 from 'node:v8';
import type { PGlite } from '@electric-sql/pglite';

/**
 * The embedded engine's own thread (see embedded-engine.ts). PostgreSQL compiled to WebAssembly
 * runs a query to its end without yielding; here that stalls only this thread, never the
 * requests the main thread is serving.
 *
 * The messages are the PostgreSQL wire protocol itself, as bytes both ways, so nothing but bytes
 * crosses between the threads and node-postgres on the main thread reads the replies as it would
 * a server's.
 */
export type EngineRequest = { id: number; bytes: Uint8Array } | { id: number; close: true };
export type EngineReply = { id: number; bytes: Uint8Array } | { id: number; error: string } | { id: number; closed: true };
export type EngineStart = { ready: true } | { failed: string };

/**
 * PostgreSQL's defaults size it for a server with many connections: 128 MB of shared buffers and
 * 100 connections' worth of shared tables, all inside the engine's WebAssembly memory, which never
 * shrinks. One connection and a small buffer pool (the operating system's file cache holds the data
 * folder anyway) take the idle service from about 450 MB to about 320 MB with the demonstration data.
 */
const MEMORY_SETTINGS = ['-c', 'shared_buffers=16MB', '-c', 'max_connections=3'];

if (process.env.CSPR_WASM_FLAGS) v8.setFlagsFromString(process.env.CSPR_WASM_FLAGS);

const port = parentPort!;
const { dataDir } = workerData as { dataDir: string };

let pglite: PGlite;
try {
  const { PGlite: Engine } = await import('@electric-sql/pglite');
  const defaults = (Engine as unknown as { defaultStartParams: readonly string[] }).defaultStartParams;
  pglite = await Engine.create(dataDir, { startParams: [...defaults, ...MEMORY_SETTINGS] });
  port.postMessage({ ready: true } satisfies EngineStart);
} catch (err) {
  port.postMessage({ failed: err instanceof Error ? err.message : String(err) } satisfies EngineStart);
  process.exit(1);
}

// One request at a time, in the order they came: the protocol is a conversation on one connection.
let queue: Promise<void> = Promise.resolve();
port.on('message', (request: EngineRequest) => {
  queue = queue.then(() => answer(request));
});

async function answer(request: EngineRequest): Promise<void> {
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
    port.postMessage({ id: request.id, bytes } satisfies EngineReply, [bytes.buffer as ArrayBuffer]);
  } catch (err) {
    port.postMessage({ id: request.id, error: err instanceof Error ? err.message : String(err) } satisfies EngineReply);
  }
}
