import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/cli.ts';
import { copyTemplate } from '../support/database.ts';
import { PROJECT_ROOT } from '../support/paths.ts';

/** The processes whose parent is `pid`, from /proc (Linux). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // pid (comm) state ppid …: the command name may hold spaces, so read after its closing bracket.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function descendantsOf(pid: number): number[] {
  return childrenOf(pid).flatMap((child) => [child, ...descendantsOf(child)]);
}

function commandOf(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function waitFor(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

/**
 * A container or process manager stops `npm start` by sending SIGTERM to npm's own process: the
 * server npm started must stop too (and let go of its data folder), not run on alone.
 */
describe.skipIf(process.platform !== 'linux')('stopping the server started through npm', () => {
  it.each([
    // The script execs node: npm passes the signal on, and the server stops as on its own SIGTERM.
    ['npm start', 'SIGTERM', ['start']],
    ['npm run cspr -- serve', 'SIGTERM', ['run', 'cspr', '--', 'serve']],
    // npm gone without a word (or a script that does not exec): the server sees its parent go and stops.
    ['npm run cspr -- serve', 'SIGKILL', ['run', 'cspr', '--', 'serve']],
  ] as const)('%s: %s to npm stops the server', async (_label, signal, args) => {
    const port = await freePort();
    const dataDir = copyTemplate();
    const npm = spawn('npm', [...args], {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'silent', npm_config_update_notifier: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout.on('data', (d) => (output += d));
    npm.stderr.on('data', (d) => (output += d));
    const npmExited = new Promise<void>((resolve) => npm.once('exit', () => resolve()));
    let server: number | undefined;
    try {
      expect(await waitFor(() => output.includes('is ready at'), 90_000), output).toBe(true);
      // The node process itself, not a shell npm may have run it through.
      server = descendantsOf(npm.pid as number).find((pid) => /(^|\/)node /.test(commandOf(pid)) && commandOf(pid).includes('cspr.js serve'));
      expect(server, 'the server process under npm').toBeDefined();
      expect(await portOpen(port)).toBe(true);

      npm.kill(signal);
      await npmExited;
      const pid = server as number;
      expect(await waitFor(() => !alive(pid), 15_000), `server ${pid} still running after npm stopped:\n${output}`).toBe(true);
      expect(await portOpen(port)).toBe(false);
      // It stopped cleanly: requests finished, database closed.
      expect(output).toContain(signal === 'SIGTERM' ? 'Received SIGTERM' : 'The npm process that started this server has ended');
      expect(await waitFor(() => output.includes('Stopped.'), 5_000), output).toBe(true);
    } finally {
      if (server && alive(server)) process.kill(server, 'SIGKILL');
      if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
