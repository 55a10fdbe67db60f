/**
 * Issue 12's recurring-learning measures, run by hand (`node bench/recurring.ts`):
 *  1. grouping 10,000 recommendations (BENCH_RECOMMENDATIONS) over 1,400 reviews: processor and
 *     elapsed time (median of 3 runs, target under 5 s) and memory (heap and resident set growth);
 *  2. the quality of the grouping on the labelled set written for it: pairwise precision and
 *     recall, with and without the theme boost, at thresholds around the default.
 * Pure computation: the rule in src/domain/learning/recurring.ts, no database.
 */
import { findRecurring, pairwiseScores, DEFAULT_THRESHOLD } from '../src/domain/learning/recurring.ts';
import { LABELLED_SET, syntheticRecommendations } from '../src/domain/learning/recurring-labelled-set.ts';

const N = Number(process.env.BENCH_RECOMMENDATIONS ?? 10_000);
const items = syntheticRecommendations(N);
const times: number[] = [];
const cpuTimes: number[] = [];
let groups = 0;
const rssBefore = process.memoryUsage().rss;
let heapPeak = 0;
for (let run = 0; run < 3; run++) {
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  groups = findRecurring(items).length;
  times.push(performance.now() - started);
  const cpu = process.cpuUsage(cpuBefore);
  cpuTimes.push((cpu.user + cpu.system) / 1000);
  heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed - heapBefore);
}
times.sort((a, b) => a - b);
cpuTimes.sort((a, b) => a - b);
// Processor time beside elapsed time: on a shared machine the second depends on the neighbours.
console.log(`grouping ${N.toLocaleString('en-GB')} recommendations: median ${(cpuTimes[1] / 1000).toFixed(2)} s of processor time, ${(times[1] / 1000).toFixed(2)} s elapsed (runs ${times.map((t) => (t / 1000).toFixed(2)).join(', ')} s), ${groups} groups; heap grew up to ${(heapPeak / 1e6).toFixed(0)} MB, resident set grew ${((process.memoryUsage().rss - rssBefore) / 1e6).toFixed(0)} MB`);

const labels = new Map(LABELLED_SET.map((r) => [r.id, r.label]));
for (const themeBoost of [0.1, 0]) {
  for (const threshold of [DEFAULT_THRESHOLD - 0.05, DEFAULT_THRESHOLD, DEFAULT_THRESHOLD + 0.05, DEFAULT_THRESHOLD + 0.1]) {
    const s = pairwiseScores(findRecurring(LABELLED_SET, [], { threshold, themeBoost, minReviews: 1 }).map((g) => g.memberIds), labels);
    console.log(`labelled set (${LABELLED_SET.length}): threshold ${threshold.toFixed(2)}, theme boost ${themeBoost}: precision ${s.precision.toFixed(2)}, recall ${s.recall.toFixed(2)}`);
  }
}
