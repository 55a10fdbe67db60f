/**
 * `npm run bench`: every bench in turn, on the embedded engine and, when DATABASE_URL names a
 * PostgreSQL server, on a database of their own there too; then one table of the figures, each with
 * its ratio to the anchor measured in the same bench run (a bare route, the start page), since on a
 * shared machine absolute figures move with the load and ratios much less.
 *
 * BENCH_ONLY=dashboard,search runs some of them; each bench's own settings (BENCH_SECONDS,
 * BENCH_INCIDENTS, BENCH_REPORTS, …) pass through.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { FIGURE_PREFIX, met, round, type Figure } from './support/figures.ts';

const BENCHES = ['start-page', 'dashboard', 'learning', 'figures', 'search'] as const;
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
const chosen = BENCHES.filter((b) => !only || only.includes(b));
const serverUrl = process.env.DATABASE_URL;
const engines: Array<{ name: 'embedded' | 'postgresql'; env: Record<string, string | undefined> }> = [
  { name: 'embedded', env: { DATABASE_URL: undefined, BENCH_DATABASE_URL: undefined, TEST_DATABASE_URL: undefined } },
  ...(serverUrl ? [{ name: 'postgresql' as const, env: { DATABASE_URL: serverUrl, BENCH_DATABASE_URL: undefined, TEST_DATABASE_URL: undefined } }] : []),
];

async function run(bench: string, env: Record<string, string | undefined>): Promise<Figure[]> {
  const figures: Figure[] = [];
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) childEnv[k] = v;
  // The service's own flags (as npm start gives them): what is measured is the service as it runs.
  const child = spawn(process.execPath, ['--liftoff-only', '--max-semi-space-size=2', path.join(import.meta.dirname, `${bench}.ts`)], { env: childEnv, stdio: ['ignore', 'pipe', 'inherit'] });
  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith(FIGURE_PREFIX)) figures.push(JSON.parse(line.slice(FIGURE_PREFIX.length)) as Figure);
      else console.log(`  ${line}`);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) console.log(`  ${bench} stopped with exit code ${code}: its figures so far are in the table`);
  return figures;
}

type Row = { bench: string; label: string; unit: string; target: string; values: Map<string, { value: number; ratio: number | null; met: boolean }> };
const rows: Row[] = [];
for (const bench of chosen) {
  for (const engine of engines) {
    console.log(`\n${bench} on the ${engine.name} engine`);
    const figures = await run(bench, engine.env);
    for (const f of figures) {
      let row = rows.find((r) => r.bench === bench && r.label === f.label);
      if (!row) {
        row = { bench, label: f.label, unit: f.unit, target: f.target ? `${f.target.better === 'lower' ? '≤' : '≥'} ${f.target.value}` : '', values: new Map() };
        rows.push(row);
      }
      const anchor = f.anchor ? figures.find((a) => a.label === f.anchor) : undefined;
      row.values.set(engine.name, { value: f.value, ratio: anchor && anchor.value ? f.value / anchor.value : null, met: met(f) });
    }
  }
}

const cell = (row: Row, engine: string) => {
  const v = row.values.get(engine);
  if (!v) return '–';
  return `${round(v.value)}${v.ratio !== null ? ` (×${v.ratio.toFixed(2)})` : ''}${row.target && !v.met ? ' !' : ''}`;
};
const header = ['bench', 'figure', 'unit', ...engines.map((e) => e.name), 'target'];
const table = [header, ...rows.map((r) => [r.bench, r.label, r.unit, ...engines.map((e) => cell(r, e.name)), r.target])];
const widths = header.map((_, i) => Math.max(...table.map((line) => line[i].length)));
console.log('');
for (const line of table) console.log(line.map((c, i) => c.padEnd(widths[i])).join('  '));
console.log('\n(×n): the figure divided by its anchor from the same run; !: target not met.');
