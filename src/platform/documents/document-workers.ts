import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config/config.ts';
import type { Sheet, SheetCell } from '../export/xlsx.ts';
import type { CsvFile } from './csv.ts';
import { DocumentError } from './document-error.ts';
import type { DocumentType, ExtractedText } from './extract.ts';
import type { OnePagePdf } from './one-page-pdf.ts';
import type { TaggedDocument } from './tagged-pdf.ts';
import type { WorkbookLimits, WorkbookSheet } from './workbook.ts';

/**
 * Document work (reading an uploaded file, checking it, making a PDF or a spreadsheet) is done off
 * the request thread, by a few worker threads with a time limit and a memory limit each. Reading
 * is there so that a hostile file (one built to be slow, or to expand when opened) cannot stall
 * other requests or take the server's memory; making a document is there because it is a few
 * hundred milliseconds of pure computation (laying out a report, zipping a workbook) during which
 * no other request could be answered. One pool, not one per kind of work: the work is the same
 * kind (CPU-bound, bounded by the same limits), and on a small machine two pools would put more
 * threads than cores to work at once.
 *
 * - Time: a worker still busy after the time limit is terminated, and the work refused.
 * - Memory: the worker's JavaScript heap is capped (resourceLimits), and because buffers live
 *   outside that heap (a PDF stream inflating to gigabytes would not be caught by it), the
 *   heap and buffer memory of each busy worker is also measured a few times a second and the
 *   worker terminated past the limit. Word documents are also checked before they are inflated
 *   (zip-archive.ts), so this is the second line, not the first.
 * - A terminated worker is replaced when the next job comes; workers that finish are reused, and
 *   one left idle for a while is stopped, so that the libraries it loaded (each on its first use)
 *   do not stay in memory for good.
 * - What is sent to a worker is plain data (bytes, a document's model, rows), never functions.
 *
 * A file's problems are DocumentErrors (the person is told why it cannot be used); a document that
 * could not be made is a plain Error (the service's error page), or, when too much work is already
 * waiting, an Error with status 503.
 */

export type DocumentWorkerLimits = {
  /** How long one piece of work may take. */
  timeLimitMs: number;
  /** How much memory (JavaScript heap and buffers) one worker may use. */
  memoryLimitMb: number;
  /** How many pieces of work are done at once (default: one fewer than the cores, at least 1, at most 2). */
  workers?: number;
  /** How long a worker may stay idle before it is stopped (default 30 seconds). */
  idleMs?: number;
};

/** A spreadsheet's sheets as plain data: rows as arrays, not a generator. */
export type PlainSheet = Omit<Sheet, 'rows'> & { rows: (readonly SheetCell[])[] };

export type DocumentJob =
  | { task: 'text' | 'check'; type: DocumentType; bytes: Uint8Array }
  | { task: 'workbook'; bytes: Uint8Array; limits: WorkbookLimits }
  | { task: 'report-pdf'; model: TaggedDocument }
  | { task: 'one-page-pdf'; model: OnePagePdf }
  | { task: 'xlsx'; sheets: PlainSheet[] }
  | { task: 'svg-logo'; text: string }
  | { task: 'csv'; bytes: Uint8Array; maxRows: number };
export type DocumentJobMessage = DocumentJob & { id: number };
export type DocumentResult = ExtractedText | WorkbookSheet | CsvFile | Uint8Array | string | null;
/** Said by a worker when it has loaded what the job needs and begins it: the time limit runs from then. */
export type DocumentStarted = { id: number; started: true };
export type DocumentReply = { id: number; ok: true; result: DocumentResult } | { id: number; ok: false; refused: boolean; message: string };

/** A worker's thread, and whether it has started (it says 'ready'). */
type Thread = { worker: Worker; ready: Promise<void>; idleTimer?: NodeJS.Timeout };

type Pending = { job: DocumentJob; resolve(result: DocumentResult): void; reject(err: Error): void };

/** How often a busy worker's memory is measured. */
const WATCH_MS = 25;
/** Work waiting for a worker beyond this is refused at once: the service is busy. */
const MAX_WAITING = 50;
const MB = 1024 * 1024;
const WORKER = new URL('./document-worker.ts', import.meta.url);
const CLOSED = 'The document workers were closed';

export class DocumentWorkers {
  readonly #limits: Required<DocumentWorkerLimits>;
  readonly #idle: Thread[] = [];
  readonly #busy = new Map<Thread, () => void>();
  readonly #waiting: Pending[] = [];
  #nextId = 1;
  #closed = false;

  constructor(limits: DocumentWorkerLimits) {
    this.#limits = { workers: Math.max(1, Math.min(2, os.availableParallelism() - 1)), idleMs: 30_000, ...limits };
  }

  /** The text of a PDF or Word document, page by page, after the checks; throws DocumentError when it cannot be used. */
  async text(bytes: Buffer, type: DocumentType): Promise<ExtractedText> {
    // A copy, handed over to the worker: the caller keeps its own bytes.
    return (await this.#run({ task: 'text', type, bytes: new Uint8Array(bytes) })) as ExtractedText;
  }

  /** Checks a file without keeping its text (limits, damage, active content); throws DocumentError when it cannot be used. */
  async check(bytes: Buffer, type: DocumentType): Promise<void> {
    await this.#run({ task: 'check', type, bytes: new Uint8Array(bytes) });
  }

  /** The rows of an uploaded workbook's first sheet (workbook.ts); throws DocumentError when it cannot be read. */
  async workbook(bytes: Buffer, limits: WorkbookLimits): Promise<WorkbookSheet> {
    return (await this.#run({ task: 'workbook', bytes: new Uint8Array(bytes), limits })) as WorkbookSheet;
  }

  /**
   * The records of an uploaded CSV file, or why it cannot be read, more than `maxRows` rows below its
   * first line included (csv.ts); throws DocumentError past the time or memory limit.
   */
  async csv(bytes: Uint8Array, maxRows: number): Promise<CsvFile> {
    const result = await this.#run({ task: 'csv', bytes: new Uint8Array(bytes), maxRows });
    if (result === null || typeof result !== 'object' || !('records' in result || 'problem' in result)) throw new Error('A document worker answered without the CSV file’s records');
    return result;
  }

  /**
   * An uploaded SVG logo cleaned of anything that could run or reach another site (logo-image.ts);
   * null when nothing of a drawing is left. Throws DocumentError when it takes too long or too much
   * memory: one built with deep nesting kept a thread busy for most of a minute.
   */
  async svgLogo(text: string): Promise<string | null> {
    const result = await this.#run({ task: 'svg-logo', text });
    if (result !== null && typeof result !== 'string') throw new Error('A document worker answered without the logo');
    return result;
  }

  /** A report as a tagged PDF (tagged-pdf.ts). */
  async reportPdf(model: TaggedDocument): Promise<Buffer> {
    return asBuffer(await this.#run({ task: 'report-pdf', model }));
  }

  /** A one-page briefing as a tagged PDF (one-page-pdf.ts). */
  async onePagePdf(model: OnePagePdf): Promise<Buffer> {
    return asBuffer(await this.#run({ task: 'one-page-pdf', model }));
  }

  /** A spreadsheet of the sheets (export/xlsx.ts). */
  async xlsx(sheets: readonly Sheet[]): Promise<Buffer> {
    const plain = sheets.map((s) => ({ ...s, rows: Array.isArray(s.rows) ? (s.rows as (readonly SheetCell[])[]) : Array.from(s.rows) }));
    return asBuffer(await this.#run({ task: 'xlsx', sheets: plain }));
  }

  /** How many pieces of work are being done at this moment. */
  get working(): number {
    return this.#busy.size;
  }

  /** How many worker threads are running (busy or idle). */
  get threads(): number {
    return this.#busy.size + this.#idle.length;
  }

  /** Stops every worker; work still waiting or being done is refused. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const waiting of this.#waiting.splice(0)) waiting.reject(new Error(CLOSED));
    for (const stop of [...this.#busy.values()]) stop();
    await Promise.all(
      this.#idle.splice(0).map((t) => {
        clearTimeout(t.idleTimer);
        return t.worker.terminate();
      }),
    );
  }

  #run(job: DocumentJob): Promise<DocumentResult> {
    if (this.#closed) return Promise.reject(new Error(CLOSED));
    if (this.#waiting.length >= MAX_WAITING) return Promise.reject(busy(job));
    return new Promise((resolve, reject) => {
      this.#waiting.push({ job, resolve, reject });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    while (!this.#closed && this.#waiting.length > 0 && (this.#idle.length > 0 || this.#busy.size < this.#limits.workers)) {
      const thread = this.#idle.pop() ?? this.#spawn();
      clearTimeout(thread.idleTimer);
      this.#start(thread, this.#waiting.shift()!);
    }
  }

  #spawn(): Thread {
    const { memoryLimitMb } = this.#limits;
    const worker = new Worker(WORKER, {
      resourceLimits: { maxOldGenerationSizeMb: memoryLimitMb, maxYoungGenerationSizeMb: Math.min(32, Math.max(4, Math.floor(memoryLimitMb / 8))) },
      stdout: true,
      stderr: true,
    });
    // What pdf.js or mammoth print about a file is not for the service's output.
    worker.stdout.resume();
    worker.stderr.resume();
    const thread: Thread = {
      worker,
      // Failing to start is handled like any other stop of the thread, in #start.
      ready: new Promise((resolve) => worker.once('message', () => resolve())),
    };
    worker.on('exit', () => {
      clearTimeout(thread.idleTimer);
      const at = this.#idle.indexOf(thread);
      if (at >= 0) this.#idle.splice(at, 1);
    });
    return thread;
  }

  #rest(thread: Thread): void {
    thread.worker.unref();
    this.#idle.push(thread);
    // An idle worker holds the libraries it loaded; stopping it gives their memory back.
    thread.idleTimer = setTimeout(() => {
      const at = this.#idle.indexOf(thread);
      if (at >= 0) this.#idle.splice(at, 1);
      void thread.worker.terminate();
    }, this.#limits.idleMs);
    thread.idleTimer.unref();
  }

  #start(thread: Thread, { job, resolve, reject }: Pending): void {
    const { worker } = thread;
    const message: DocumentJobMessage = { ...job, id: this.#nextId++ };
    const { timeLimitMs, memoryLimitMb } = this.#limits;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    let watch: NodeJS.Timeout | undefined;
    const finish = (outcome: { reuse: boolean; error?: Error; result?: DocumentResult }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(watch);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      this.#busy.delete(thread);
      if (outcome.reuse && !this.#closed) this.#rest(thread);
      else void worker.terminate();
      if (outcome.error) reject(outcome.error);
      else resolve(outcome.result ?? null);
      this.#dispatch();
    };
    const onMessage = (reply: DocumentReply | DocumentStarted) => {
      if (reply.id !== message.id) return;
      if ('started' in reply) {
        timer = setTimeout(() => finish({ reuse: false, error: tooSlow(job, timeLimitMs) }), timeLimitMs);
        return;
      }
      if (reply.ok) finish({ reuse: true, result: reply.result });
      else finish({ reuse: true, error: reply.refused ? new DocumentError(reply.message) : new Error(reply.message) });
    };
    const onError = (err: Error & { code?: string }) => {
      finish({ reuse: false, error: err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? tooMuchMemory(job, memoryLimitMb) : err });
    };
    const onExit = () => finish({ reuse: false, error: new Error('A document worker stopped before it answered') });
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.ref();
    this.#busy.set(thread, () => finish({ reuse: false, error: new Error(CLOSED) }));
    void thread.ready.then(() => {
      if (settled) return;
      // Memory is watched from when the worker has the job; time from when it begins it (see onMessage).
      watch = setInterval(() => {
        worker.getHeapStatistics().then(
          (heap) => {
            if (heap.used_heap_size + (heap.external_memory ?? 0) > memoryLimitMb * MB) finish({ reuse: false, error: tooMuchMemory(job, memoryLimitMb) });
          },
          () => {}, // The worker has just stopped: its exit is handled above.
        );
      }, WATCH_MS);
      worker.postMessage(message, 'bytes' in job ? [job.bytes.buffer as ArrayBuffer] : []);
    });
  }
}

/** The workers with the limits the service is configured with. */
export function documentWorkersFor(config: Pick<Config, 'documentReadLimitMs' | 'documentReadMemoryMb'>): DocumentWorkers {
  return new DocumentWorkers({ timeLimitMs: config.documentReadLimitMs, memoryLimitMb: config.documentReadMemoryMb });
}

function asBuffer(result: DocumentResult): Buffer {
  if (!(result instanceof Uint8Array)) throw new Error('A document worker answered without the document');
  return Buffer.from(result.buffer, result.byteOffset, result.byteLength);
}

/** Reading an uploaded file (whose problems are the file's: a CSV file and an SVG logo's text too), as opposed to making a document. */
function isReading(job: DocumentJob): boolean {
  return job.task === 'text' || job.task === 'check' || job.task === 'workbook' || job.task === 'svg-logo' || job.task === 'csv';
}

function busy(job: DocumentJob): Error {
  if (isReading(job)) return new DocumentError('the service is busy reading other files: try again in a few minutes');
  return Object.assign(new Error('The service is busy making other documents: try again in a few minutes.'), { statusCode: 503 });
}

function seconds(ms: number): string {
  const n = Number((ms / 1000).toFixed(1));
  return `${n} ${n === 1 ? 'second' : 'seconds'}`;
}

/** What to do with a file that could not be read in time or memory, by what it is. */
function saveAgain(job: DocumentJob): string {
  if (job.task === 'csv') return 'save it again as CSV (in Excel: Save as, "CSV UTF-8"), split if it is large, then try again';
  if (job.task === 'svg-logo') return 'save it again as plain SVG, or use a PNG, then try again';
  return 'open it and save or export it again (or print it to a new PDF), then try again';
}

function tooSlow(job: DocumentJob, ms: number): Error {
  if (!isReading(job)) return new Error(`Making the document (${job.task}) took longer than ${seconds(ms)}, so it was stopped`);
  return new DocumentError(`the file took longer than ${seconds(ms)} to read, so reading it was stopped: it may be damaged or built to be slow to open; ${saveAgain(job)}`);
}

function tooMuchMemory(job: DocumentJob, mb: number): Error {
  if (!isReading(job)) return new Error(`Making the document (${job.task}) needed more than ${mb} MB of memory, so it was stopped`);
  return new DocumentError(`the file needed more than ${mb} MB of memory to read, so reading it was stopped: it may be damaged or built to expand when opened; ${saveAgain(job)}`);
}
