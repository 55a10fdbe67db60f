/**
 * A bench's figures, printed for people and, one JSON line each, for `npm run bench` (bench/all.ts),
 * which gathers every bench's figures into one table with their ratios to the anchors measured in
 * the same run. An anchor is a figure of something simpler measured beside it (a bare Fastify route,
 * the anonymous start page), so a busy machine moves both and the ratio stays meaningful.
 */
export type Figure = {
  /** What was measured, e.g. "dashboard p95 (500 cases)". */
  label: string;
  value: number;
  unit: 'ms' | 's' | 'req/s' | 'MB' | '%' | 'count';
  /** The label of the anchor figure this one is compared with, from the same bench run. */
  anchor?: string;
  /** The target, in the figure's unit, and which way is good. */
  target?: { value: number; better: 'lower' | 'higher' };
};

export const FIGURE_PREFIX = 'bench-figure ';

export function figure(f: Figure): void {
  const target = f.target ? ` (target ${f.target.better === 'lower' ? '≤' : '≥'} ${f.target.value} ${f.unit}: ${met(f) ? 'met' : 'NOT met'})` : '';
  console.log(`${f.label}: ${round(f.value)} ${f.unit}${target}`);
  console.log(`${FIGURE_PREFIX}${JSON.stringify(f)}`);
}

export function met(f: Figure): boolean {
  if (!f.target) return true;
  return f.target.better === 'lower' ? f.value <= f.target.value : f.value >= f.target.value;
}

export function round(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : Math.abs(value) >= 10 ? value.toFixed(1) : value.toFixed(2);
}

export const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

/**
 * p95 of `requests` sequential GETs of `url` (after 5 to warm up), printed as a figure; with an
 * anchor, the figure is compared with it and held to `target` milliseconds.
 */
export async function timeSequential(base: string, label: string, url: string, options: { requests: number; headers?: Record<string, string>; anchor?: string; target?: number }): Promise<void> {
  const headers = options.headers ?? {};
  for (let i = 0; i < 5; i += 1) await (await fetch(`${base}${url}`, { headers })).arrayBuffer();
  const times: number[] = [];
  for (let i = 0; i < options.requests; i += 1) {
    const t = performance.now();
    const res = await fetch(`${base}${url}`, { headers });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  console.log(`${label}: median ${percentile(times, 50).toFixed(1)} ms over ${options.requests} requests`);
  const held = options.anchor && options.target !== undefined ? { anchor: options.anchor, target: { value: options.target, better: 'lower' as const } } : {};
  figure({ label: `${label} p95`, value: percentile(times, 95), unit: 'ms', ...held });
}
