import { parentPort } from 'node:worker_threads';
import { DocumentError } from './document-error.ts';
import { checkDocument, extractText } from './extract.ts';
import type { ReadJob, ReadReply } from './document-readers.ts';

/**
 * A document reader's thread (see document-readers.ts): reads one file at a time, as asked, and
 * answers with the result or the reason the file cannot be used.
 */
const port = parentPort!;

// Said once the libraries are loaded (the imports above), so that loading is not counted against the first file's time.
port.postMessage('ready');

port.on('message', async (job: ReadJob) => {
  let reply: ReadReply;
  try {
    const bytes = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
    const result = job.task === 'text' ? await extractText(bytes, job.type) : (await checkDocument(bytes, job.type), null);
    reply = { id: job.id, ok: true, result };
  } catch (err) {
    reply = { id: job.id, ok: false, refused: err instanceof DocumentError, message: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(reply);
});
