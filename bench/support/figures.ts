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

/**
 * p50 and p99 of sequential GETs of `url`, first `requests` of them alone, then for `seconds` while
 * `clients` clients each download one of `documents` after another (the next as soon as the last
 * is received): whether making documents holds up a cheap request. Prints both pairs as figures,
 * and how many documents were made meanwhile.
 */
export async function timeBesideDocuments(
  base: string,
  label: string,
  url: string,
  options: { requests: number; seconds: number; documents: { url: string; headers?: Record<string, string> }[]; clients: number },
): Promise<void> {
  const timeRequests = async (until: (count: number) => boolean) => {
    const times: number[] = [];
    for (let i = 0; !until(i); i += 1) {
      const t = performance.now();
      const res = await fetch(`${base}${url}`);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
      times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b);
  };
  for (let i = 0; i < 5; i += 1) await (await fetch(`${base}${url}`)).arrayBuffer();
  const alone = await timeRequests((i) => i >= options.requests);
  let running = true;
  let made = 0;
  const clients = Array.from({ length: options.clients }, async (_, c) => {
    for (let k = c; running; k += 1) {
      const doc = options.documents[k % options.documents.length];
      const res = await fetch(`${base}${doc.url}`, { headers: doc.headers ?? {} });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${doc.url} answered ${res.status}`);
      made += 1;
    }
  });
  // Let every client's first document be under way.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const started = performance.now();
  const beside = await timeRequests(() => performance.now() - started >= options.seconds * 1000);
  const seconds = (performance.now() - started) / 1000;
  running = false;
  await Promise.all(clients);
  console.log(`${label}: alone p50 ${percentile(alone, 50).toFixed(1)} ms, p99 ${percentile(alone, 99).toFixed(1)} ms; beside ${options.clients} clients downloading documents p50 ${percentile(beside, 50).toFixed(1)} ms, p99 ${percentile(beside, 99).toFixed(1)} ms (${made} documents made, ${(made / seconds).toFixed(1)} a second)`);
  figure({ label: `${label} p99, alone`, value: percentile(alone, 99), unit: 'ms' });
  figure({ label: `${label} p50, beside ${options.clients} clients downloading documents`, value: percentile(beside, 50), unit: 'ms' });
  figure({ label: `${label} p99, beside ${options.clients} clients downloading documents`, value: percentile(beside, 99), unit: 'ms', anchor: `${label} p99, alone` });
  figure({ label: `documents made beside ${label}`, value: made / seconds, unit: 'req/s' });
}
