import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { PROJECT_ROOT } from './paths.ts';

export type CliRun = { code: number; stdout: string; stderr: string };

/** The real `cspr` command in a child process, as an operator runs it (with `input` on standard input). */
export function runCspr(args: string[], env: Record<string, string>, input?: string): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin/cspr.js'), ...args], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    if (input !== undefined) child.stdin?.end(input);
  });
}

export type ServeProcess = { url: string; output(): string; stop(): Promise<number | null> };

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  // A port below the kernel's ephemeral range (32768 and up on Linux): a port the kernel handed out
  // with listen(0) could be handed again, to another test's socket or an outgoing connection, in
  // the seconds a server takes to start (seen as EADDRINUSE when npm start seeded the demo data).
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `cspr serve` on a free port, as an operator starts it, once it says it is ready; stop() sends SIGTERM. */
export async function startServe(env: Record<string, string>): Promise<ServeProcess> {
  const port = env.PORT ?? String(await freePort());
  const server = await startServer({ ...env, PORT: port }, 'is ready at', 60_000);
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => server.stdout(),
    async stop() {
      server.child.kill('SIGTERM');
      return server.exited;
    },
  };
}

export type RunningServer = {
  readonly child: ChildProcess;
  /** Everything it printed so far. */
  stdout(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
};

/** `cspr serve` (with `args`) in a child process; resolves once it prints `until` (by default, that it is ready). */
export async function startServer(env: Record<string, string>, until = 'is ready at', timeoutMs = 30_000, args: string[] = []): Promise<RunningServer> {
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, 'bin/cspr.js'), 'serve', ...args], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr?.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  let gone = false;
  void exited.then(() => (gone = true));
  for (let waited = 0; !stdout.includes(until); waited += 50) {
    if (gone || waited > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`cspr serve did not print '${until}': ${stderr || stdout}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, stdout: () => stdout, exited };
}
