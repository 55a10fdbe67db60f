import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config/config.ts';
import { DocumentError } from './document-error.ts';
import type { DocumentType, ExtractedText } from './extract.ts';

/**
 * Uploaded and imported files are read off the request thread, by a few worker threads with a
 * time limit and a memory limit each, so that a hostile file (one built to be slow, or to expand
 * when opened) cannot stall other requests or take the server's memory.
 *
 * - Time: a reader still busy after the time limit is terminated, and the file refused.
 * - Memory: the worker's JavaScript heap is capped (resourceLimits), and because buffers live
 *   outside that heap (a PDF stream inflating to gigabytes would not be caught by it), the
 *   heap and buffer memory of each busy reader is also measured a few times a second and the
 *   reader terminated past the limit. Word documents are also checked before they are inflated
 *   (zip-archive.ts), so this is the second line, not the first.
 * - A terminated reader is replaced when the next file comes; readers that finish are reused.
 *
 * Every caller that reads or checks a stored or uploaded document goes through one of these.
 */

export type DocumentReaderLimits = {
  /** How long one file may take to read. */
  timeLimitMs: number;
  /** How much memory (JavaScript heap and buffers) one reader may use. */
  memoryLimitMb: number;
  /** How many files are read at once (default: one fewer than the cores, at least 1, at most 2). */
  readers?: number;
};

export type ReadJob = { id: number; task: 'text' | 'check'; type: DocumentType; bytes: Uint8Array };
export type ReadReply = { id: number; ok: true; result: ExtractedText | null } | { id: number; ok: false; refused: boolean; message: string };

/** A reader's thread, and whether it has loaded its libraries (it says 'ready'). */
type Reader = { worker: Worker; ready: Promise<void> };

type Pending = { task: ReadJob['task']; type: DocumentType; bytes: Buffer; resolve(result: ExtractedText | null): void; reject(err: Error): void };

/** How often a busy reader's memory is measured. */
const WATCH_MS = 25;
/** Files waiting for a reader beyond this are refused at once: the service is busy. */
const MAX_WAITING = 50;
const MB = 1024 * 1024;
const WORKER = new URL('./document-worker.ts', import.meta.url);

export class DocumentReaders {
  readonly #limits: Required<DocumentReaderLimits>;
  readonly #idle: Reader[] = [];
  readonly #busy = new Map<Reader, () => void>();
  readonly #waiting: Pending[] = [];
  #nextId = 1;
  #closed = false;

  constructor(limits: DocumentReaderLimits) {
    this.#limits = { readers: Math.max(1, Math.min(2, os.availableParallelism() - 1)), ...limits };
  }

  /** The text of a PDF or Word document, page by page, after the checks; throws DocumentError when it cannot be used. */
  async text(bytes: Buffer, type: DocumentType): Promise<ExtractedText> {
    return (await this.#run('text', bytes, type)) as ExtractedText;
  }

  /** Checks a file without keeping its text (limits, damage, active content); throws DocumentError when it cannot be used. */
  async check(bytes: Buffer, type: DocumentType): Promise<void> {
    await this.#run('check', bytes, type);
  }

  /** How many files are being read at this moment. */
  get reading(): number {
    return this.#busy.size;
  }

  /** Stops every reader; files still waiting or being read are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const waiting of this.#waiting.splice(0)) waiting.reject(new Error('The document readers were closed'));
    for (const stop of [...this.#busy.values()]) stop();
    await Promise.all(this.#idle.splice(0).map((r) => r.worker.terminate()));
  }

  #run(task: ReadJob['task'], bytes: Buffer, type: DocumentType): Promise<ExtractedText | null> {
    if (this.#closed) return Promise.reject(new Error('The document readers were closed'));
    if (this.#waiting.length >= MAX_WAITING) return Promise.reject(new DocumentError('the service is busy reading other files: try again in a few minutes'));
    return new Promise((resolve, reject) => {
      this.#waiting.push({ task, type, bytes, resolve, reject });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    while (!this.#closed && this.#waiting.length > 0 && (this.#idle.length > 0 || this.#busy.size < this.#limits.readers)) {
      this.#start(this.#idle.pop() ?? this.#spawn(), this.#waiting.shift()!);
    }
  }

  #spawn(): Reader {
    const { memoryLimitMb } = this.#limits;
    const worker = new Worker(WORKER, {
      resourceLimits: { maxOldGenerationSizeMb: memoryLimitMb, maxYoungGenerationSizeMb: Math.min(32, Math.max(4, Math.floor(memoryLimitMb / 8))) },
      stdout: true,
      stderr: true,
    });
    // What pdf.js or mammoth print about a file is not for the service's output.
    worker.stdout.resume();
    worker.stderr.resume();
    const reader: Reader = {
      worker,
      // Failing to start is handled like any other stop of the thread, in #start.
      ready: new Promise((resolve) => worker.once('message', () => resolve())),
    };
    worker.on('exit', () => {
      const at = this.#idle.indexOf(reader);
      if (at >= 0) this.#idle.splice(at, 1);
    });
    return reader;
  }

  #start(reader: Reader, { task, type, bytes, resolve, reject }: Pending): void {
    const { worker } = reader;
    // A copy, made only now and handed over to the reader: the caller keeps its own bytes.
    const job: ReadJob = { id: this.#nextId++, task, type, bytes: new Uint8Array(bytes) };
    const { timeLimitMs, memoryLimitMb } = this.#limits;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let watch: NodeJS.Timeout | undefined;
    const finish = (outcome: { reuse: boolean; error?: Error; result?: ExtractedText | null }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(watch);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      this.#busy.delete(reader);
      if (outcome.reuse && !this.#closed) {
        worker.unref();
        this.#idle.push(reader);
      } else {
        void worker.terminate();
      }
      if (outcome.error) reject(outcome.error);
      else resolve(outcome.result ?? null);
      this.#dispatch();
    };
    const onMessage = (reply: ReadReply) => {
      if (reply.id !== job.id) return;
      if (reply.ok) finish({ reuse: true, result: reply.result });
      else finish({ reuse: true, error: reply.refused ? new DocumentError(reply.message) : new Error(reply.message) });
    };
    const onError = (err: Error & { code?: string }) => {
      finish({ reuse: false, error: err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? tooMuchMemory(memoryLimitMb) : err });
    };
    const onExit = () => finish({ reuse: false, error: new Error('A document reader stopped before it answered') });
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.ref();
    this.#busy.set(reader, () => finish({ reuse: false, error: new Error('The document readers were closed') }));
    void reader.ready.then(() => {
      if (settled) return;
      // The limits run from when the reader has the file.
      timer = setTimeout(() => finish({ reuse: false, error: tooSlow(timeLimitMs) }), timeLimitMs);
      watch = setInterval(() => {
        worker.getHeapStatistics().then(
          (heap) => {
            if (heap.used_heap_size + (heap.external_memory ?? 0) > memoryLimitMb * MB) finish({ reuse: false, error: tooMuchMemory(memoryLimitMb) });
          },
          () => {}, // The reader has just stopped: its exit is handled above.
        );
      }, WATCH_MS);
      worker.postMessage(job, [job.bytes.buffer as ArrayBuffer]);
    });
  }
}

/** The readers with the limits the service is configured with. */
export function documentReadersFor(config: Pick<Config, 'documentReadLimitMs' | 'documentReadMemoryMb'>): DocumentReaders {
  return new DocumentReaders({ timeLimitMs: config.documentReadLimitMs, memoryLimitMb: config.documentReadMemoryMb });
}

function tooSlow(ms: number): DocumentError {
  const n = Number((ms / 1000).toFixed(1));
  const seconds = `${n} ${n === 1 ? 'second' : 'seconds'}`;
  return new DocumentError(
    `the file took longer than ${seconds} to read, so reading it was stopped: it may be damaged or built to be slow to open; open it and save or export it again (or print it to a new PDF), then try again`,
  );
}

function tooMuchMemory(mb: number): DocumentError {
  return new DocumentError(
    `the file needed more than ${mb} MB of memory to read, so reading it was stopped: it may be damaged or built to expand when opened; open it and save or export it again (or print it to a new PDF), then try again`,
  );
}
