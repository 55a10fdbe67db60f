import { spawn } from 'node:child_process';
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
