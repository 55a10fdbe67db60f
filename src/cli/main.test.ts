import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyTemplate, freshDir } from '../../test/support/database.ts';
import { freePort, runCspr as cspr, startServe, startServer } from '../../test/support/cli.ts';
import { PROJECT_ROOT } from '../../test/support/paths.ts';
import { acquireDataDirLock } from '../platform/db/data-dir-lock.ts';
import { commands, helpText, main } from './main.ts';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

/** Runs the real `cspr` command in a child process, as an operator would. */
describe('cspr command line', () => {
  it('lists every command with one line each', async () => {
    const c = capture();
    expect(await main(['--help'], c.io)).toBe(0);
    const text = c.out.join('\n');
    for (const name of ['serve', 'migrate', 'seed-demo', 'backup', 'restore']) expect(text).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    expect(text).toBe(await helpText());
  });

  it('finds each command by its own name (commands load only when they run)', async () => {
    const all = await commands();
    expect(new Set(all.map((c) => c.name)).size).toBe(all.length);
    for (const c of all) {
      const d = capture();
      expect(await main([c.name, '--help'], d.io)).toBe(0);
      expect(d.out.join('\n')).toBe(`Usage: ${c.usage}\n\n${c.summary}`);
    }
  });

  it('refuses an unknown command with a clear message and a non-zero exit', async () => {
    const c = capture();
    expect(await main(['frobnicate'], c.io)).toBe(2);
    expect(c.err.join('\n')).toContain("unknown command 'frobnicate'");
  });

  it('refuses bad arguments with the usage line', async () => {
    const c = capture();
    expect(await main(['backup'], c.io)).toBe(2);
    expect(c.err.join('\n')).toContain('Missing the backup FILE.');
    expect(c.err.join('\n')).toContain('Usage: cspr backup FILE');
    const d = capture();
    expect(await main(['migrate', '--colour'], d.io)).toBe(2);
    expect(d.err.join('\n')).toMatch(/Unknown option '--colour'/);
  });

  it('ends with one sentence per bad configuration value', async () => {
    const r = await cspr(['migrate'], { PORT: 'eighty', LOG_LEVEL: 'shout' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('PORT must be a whole number between 1 and 65535');
    expect(r.stderr).toContain('LOG_LEVEL must be one of');
    expect(r.stderr).not.toContain('    at ');
  });

  it('says clearly when the PostgreSQL server cannot be reached', async () => {
    const r = await cspr(['migrate'], { DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/cspr' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Could not connect to the PostgreSQL server at 127.0.0.1:1/cspr');
    expect(r.stderr).not.toContain('secret');
  });

  it('stops with a clear message when the embedded database cannot be opened, and lets go of its data folder', async () => {
    const dir = freshDir('damaged');
    fs.mkdirSync(path.join(dir, 'pgdata'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'pgdata', 'PG_VERSION'), 'not a version\n');
    const r = await cspr(['serve'], { DATA_DIR: dir, PORT: String(await freePort()) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`The embedded database in ${dir} could not be opened`);
    expect(r.stderr).not.toContain('    at ');
    // The data folder is let go: its lock file is gone. And no key was made for a database never opened
    // (the service is assembled while the database opens: its cipher makes the key only when first used).
    expect(fs.existsSync(path.join(dir, 'cspr.lock'))).toBe(false);
    expect(fs.readdirSync(dir).sort()).toEqual(['pgdata']);
  }, 60_000);

  it('refuses a data folder another process holds, naming both, and touches nothing', async () => {
    const dir = freshDir('locked');
    const lock = acquireDataDirLock(dir);
    try {
      const r = await cspr(['migrate'], { DATA_DIR: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`The data folder ${dir} is in use by another process (pid ${process.pid})`);
      expect(fs.readdirSync(dir)).toEqual(['cspr.lock']);
    } finally {
      lock.release();
    }
  });

  it('says clearly when the data folder cannot be written', async () => {
    const file = path.join(freshDir('not-a-folder'), 'plain-file');
    fs.writeFileSync(file, 'x');
    const r = await cspr(['migrate'], { DATA_DIR: path.join(file, 'data') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`The data folder ${path.join(file, 'data')} cannot be written to`);
  });

  it('serves, then on SIGTERM finishes and releases the data folder', async () => {
    const dir = copyTemplate();
    const port = await freePort();
    const serve = await startServe({ DATA_DIR: dir, PORT: String(port) });
    expect(serve.output()).toContain(`CSPR Hub is ready at http://127.0.0.1:${port}/`);
    const ready = await fetch(`${serve.url}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ok', database: 'embedded', files: 'database' });
    expect(await serve.stop()).toBe(0);
    expect(serve.output()).toContain('Stopped.');
    expect(fs.existsSync(path.join(dir, 'cspr.lock'))).toBe(false);
  }, 90_000);

  it('stops cleanly on a SIGTERM that comes the moment it says it is ready, before its first start is done', async () => {
    // The signal is sent from the data handler of the very line that says it is ready: the service
    // is then still printing its welcome and starting the public repository's steps.
    const dir = freshDir('cli-early-stop');
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin/cspr.js'), 'serve', '--seed-if-empty'], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', DATA_DIR: dir, PORT: String(await freePort()), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (d: Buffer) => {
      output += d.toString();
      if (output.includes('is ready at') && child.exitCode === null && !child.killed) child.kill('SIGTERM');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.once('close', (c, s) => resolve([c, s])));
    expect(signal, output).toBeNull();
    expect(code, output).toBe(0);
    expect(output).toContain('Received SIGTERM: finishing requests in flight, then stopping.');
    expect(output).toContain('Stopped.');
    expect(fs.existsSync(path.join(dir, 'cspr.lock'))).toBe(false);
  }, 120_000);

  it('starts on a new data folder with the demonstration data, its public repository added once it answers (npm start)', async () => {
    const dir = freshDir('cli-first-start');
    const port = await freePort();
    const server = await startServer({ DATA_DIR: dir, PORT: String(port) }, 'is ready at', 170_000, ['--seed-if-empty']);
    try {
      const base = `http://127.0.0.1:${port}`;
      // The public repository follows, and a line says when it is in (the lines may reach this process in more than one piece).
      const until = Date.now() + 60_000;
      while (!server.stdout().includes('public repository is in') && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(server.stdout()).toContain('Demonstration data was added');
      expect(server.stdout()).toContain('Its public repository (a dozen fictional published reviews) is being added meanwhile');
      expect(server.stdout()).toContain("The demonstration's public repository is in: 12 fictional published reviews.");
      const list = await (await fetch(`${base}/partnerships/northmoor/reviews`)).text();
      const slugs = [...list.matchAll(/href="\/reviews\/([a-z0-9-]+)"/g)].map((m) => m[1]);
      expect(new Set(slugs).size).toBeGreaterThanOrEqual(10);
      const report = await fetch(`${base}/reviews/${slugs[0]}/report`);
      expect(report.status).toBe(200);
      expect(Buffer.from(await report.arrayBuffer()).subarray(0, 5).toString()).toBe('%PDF-');
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  }, 240_000);

  it('migrates, seeds, backs up and restores through the real command', async () => {
    // Starts from the migrated template: creating an embedded database from nothing takes seconds.
    const dir = copyTemplate();
    const file = path.join(freshDir('cli-backup'), 'b.gz');
    expect((await cspr(['migrate'], { DATA_DIR: dir })).stdout).toContain('up to date');
    expect((await cspr(['seed-demo'], { DATA_DIR: dir })).stdout).toContain('Added the demonstration data');
    expect((await cspr(['seed-demo'], { DATA_DIR: dir })).stdout).toContain('already there');
    const b = await cspr(['backup', file], { DATA_DIR: dir });
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/Wrote \d+ rows from \d+ tables and 17 files \(.* MB\) to /);
    expect(b.stdout).toMatch(/Its data needs the key with fingerprint [0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}: keep a copy of that key apart from the backup\./);
    const target = copyTemplate();
    // A new data folder has no key: the restore refuses before writing anything, saying what to set.
    const refused = await cspr(['restore', file], { DATA_DIR: target });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/needs the encryption key of the deployment it came from \(fingerprint .*\), and none is configured: set DATA_ENCRYPTION_KEY \(or the key file .*data-encryption\.key\) to that key, then restore again\./);
    expect(fs.existsSync(path.join(target, 'secrets'))).toBe(false);
    // With the key that travelled apart from the backup, everything arrives, files included.
    const key = fs.readFileSync(path.join(dir, 'secrets', 'data-encryption.key'), 'utf8');
    const r = await cspr(['restore', file], { DATA_DIR: target, DATA_ENCRYPTION_KEY: key });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/Restored \d+ rows into \d+ tables and 17 files/);
    const again = await cspr(['restore', file], { DATA_DIR: target, DATA_ENCRYPTION_KEY: key });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('only into an empty data folder');
  }, 180_000);
});
