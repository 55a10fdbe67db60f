import fs from 'node:fs';
import path from 'node:path';

/**
 * Files the demonstration makes beforehand and keeps in the source (its reviews' PDFs, its files of
 * evidence): read when seeding, made again by `npm run build:demo-reports`.
 */

/** The kept file `name` in `dir`, or null when there is none (the caller then makes it). */
export async function readKeptFile(dir: string, name: string): Promise<Buffer | null> {
  return fs.promises.readFile(path.join(dir, name)).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
}

/** Makes `dir` hold exactly these PDFs: each made and written, and any other PDF there removed. */
export async function replaceKeptFiles(dir: string, files: ReadonlyArray<{ name: string; bytes: Buffer }>): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const names = files.map((f) => f.name);
  // Only the build writes there: a file no longer made leaves nothing behind.
  for (const old of fs.readdirSync(dir)) if (old.endsWith('.pdf') && !names.includes(old)) fs.rmSync(path.join(dir, old));
  for (const f of files) fs.writeFileSync(path.join(dir, f.name), f.bytes);
  return names;
}
