import fs from 'node:fs';
import path from 'node:path';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';
import { chooseTemplate, DATA_TEMPLATE_DIR, templateNotice } from './data-template.ts';
import { EmbeddedEngine } from './embedded-engine.ts';

/**
 * Starting the embedded engine's thread, apart from the query layer (database.ts): this module loads
 * little (not Kysely, which is some 250 modules), so `cspr serve` can start the thread before loading
 * the rest of its code. A first start waits longest for that thread, which makes the new database.
 */

export class DatabaseOpenError extends Error {}

/** Where the embedded engine keeps PostgreSQL's own files, inside the data folder. */
export function embeddedFolder(dataDir: string): string {
  return path.join(dataDir, 'pgdata');
}

/**
 * True when opening will create a new embedded database (no database in the data folder yet), which
 * then holds nothing: known before the engine starts, so work that awaits an empty database can begin.
 */
export function isNewEmbeddedDatabase(options: { dataDir: string; databaseUrl?: string | undefined }): boolean {
  return !options.databaseUrl && !fs.existsSync(path.join(embeddedFolder(options.dataDir), 'PG_VERSION'));
}

/** An engine whose thread has started on a data folder this process holds the lock of (not yet ready). */
export type StartedEngine = {
  readonly dataDir: string;
  readonly engine: EmbeddedEngine;
  readonly lock: DataDirLock;
  /** Why a new database was made without the data template, when it was. */
  readonly notice?: string;
};

/**
 * Takes the data folder (made if missing) and starts the engine's thread on it, without waiting for
 * it: a new database is made from the data template when `fromTemplate` and it can be (data-template.ts).
 */
export function startEmbeddedEngine(dataDir: string, template: { fromTemplate?: boolean | undefined; templateDir?: string | undefined } = {}): StartedEngine {
  const { fromTemplate = true, templateDir = DATA_TEMPLATE_DIR } = template;
  ensureWritableFolder(dataDir);
  let lock: DataDirLock;
  try {
    lock = acquireDataDirLock(dataDir);
  } catch (err) {
    throw new DatabaseOpenError((err as Error).message);
  }
  try {
    // Only where nothing is yet: an empty folder there may be a mount point or a link, which the
    // unpacked folder cannot be renamed onto, and a folder holding anything is left to PGlite (it may
    // be a creation that was interrupted). The lock is held, so nothing appears there meanwhile.
    const chosen = fromTemplate && nothingAt(embeddedFolder(dataDir)) ? chooseTemplate(templateDir) : null;
    const engine = new EmbeddedEngine(embeddedFolder(dataDir), chosen?.archive ?? null);
    return { dataDir, engine, lock, ...(chosen?.refusal ? { notice: templateNotice(chosen.refusal) } : {}) };
  } catch (err) {
    lock.release();
    throw err;
  }
}

/** Stops an engine that will not be used after all, and lets go of its data folder. */
export async function stopStartedEngine({ engine, lock }: StartedEngine): Promise<void> {
  await engine.close().catch(() => {});
  lock.release();
}

function ensureWritableFolder(dataDir: string): void {
  try {
    // The service's data is for its own user alone: so made when this makes the folder (the folders
    // above it as usual; an existing one is left as its owner set it).
    const made = fs.mkdirSync(dataDir, { recursive: true });
    if (made !== undefined) fs.chmodSync(dataDir, 0o700);
    const probe = path.join(dataDir, `.write-test-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.rmSync(probe);
  } catch (err) {
    throw new DatabaseOpenError(
      `The data folder ${dataDir} cannot be written to (${(err as NodeJS.ErrnoException).code ?? 'error'}). ` +
        'Give this user write access to it, or set DATA_DIR to a folder it can write.',
    );
  }
}

function nothingAt(where: string): boolean {
  try {
    fs.lstatSync(where);
    return false;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}
