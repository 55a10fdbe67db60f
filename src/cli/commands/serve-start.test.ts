import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * `cspr serve` starts the embedded engine's thread before it loads the rest of the service: a first
 * start waits longest for that thread (it makes the new database), and loading the query layer alone
 * (Kysely, some 250 modules) took a fifth of a second before it. What the command imports statically,
 * through main.ts, is what loads before the thread starts; this keeps the heavy packages out of it.
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));
const ENTRY = path.join(HERE, '..', 'main.ts');

/** Every module reached from `file` by static, non-type imports: source files and package names. */
function staticGraph(file: string, seen = new Set<string>(), packages = new Set<string>()): { files: Set<string>; packages: Set<string> } {
  if (seen.has(file)) return { files: seen, packages };
  seen.add(file);
  const source = fs.readFileSync(file, 'utf8');
  for (const m of source.matchAll(/^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?'([^']+)'/gm)) {
    const spec = m[1];
    if (spec.startsWith('.')) staticGraph(path.resolve(path.dirname(file), spec), seen, packages);
    else if (!spec.startsWith('node:')) packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
  }
  return { files: seen, packages };
}

describe('what serve loads before it starts the embedded engine', () => {
  const main = staticGraph(ENTRY);
  const serve = staticGraph(path.join(HERE, 'serve.ts'), new Set(main.files), new Set(main.packages));

  it('follows the imports this test reads (it would otherwise pass on an empty graph)', () => {
    expect([...serve.files].map((f) => path.relative(path.join(HERE, '..', '..'), f))).toEqual(expect.arrayContaining(['cli/main.ts', 'cli/commands/serve.ts', 'platform/db/embedded-start.ts', 'platform/config/config.ts']));
    expect(serve.packages).toContain('zod');
  });

  it('holds neither the query layer nor the web framework, nor the database module that loads them', () => {
    for (const heavy of ['kysely', 'fastify', 'nunjucks', 'pdf-lib', 'nodemailer']) expect(serve.packages).not.toContain(heavy);
    expect([...serve.files].map((f) => path.basename(f))).not.toContain('database.ts');
  });
});
