import { describe, expect, it } from 'vitest';
import { FINDINGS_SET, HELD_OUT_SET, LABELLED_SET, syntheticRecommendations } from './recurring-labelled-set.ts';

/**
 * Measured when the findings were written (untuned): over all pairs precision 0.97, recall 0.90;
 * over pairs with a finding precision 0.93, recall 0.83. The floors sit a little under.
 */
const FINDINGS_FLOORS = { allPrecision: 0.9, allRecall: 0.85, precision: 0.85, recall: 0.75 };
import { findRecurring, pairwiseScores, stem, termsOf, type RecurringItem } from './recurring.ts';

const labels = new Map(LABELLED_SET.map((r) => [r.id, r.label]));
const item = (id: string, reviewKey: string, text: string, themes: string[] = []): RecurringItem => ({ id, reviewKey, text, themes });

describe('the words a recommendation is compared on', () => {
  it('cuts words to their stems, so forms of one word meet', () => {
    expect(stem('sharing')).toBe(stem('shared'));
    expect(stem('shares')).toBe(stem('share'));
    expect(stem('assessments')).toBe(stem('assessment'));
    expect(stem('escalated')).toBe(stem('escalate'));
  });

  it('drops common words and reads the same idea as one', () => {
    expect(termsOf('The partnership should ensure that all agencies...')).toEqual([]);
    expect(termsOf('fathers')).toEqual(termsOf('stepfather'));
    expect(termsOf('infants')).toEqual(termsOf('babies'));
    expect(termsOf('co-sleeping')).toEqual(termsOf('sleep'));
    expect(termsOf('Professional challenge')).toEqual(termsOf('escalation'));
  });
});

describe('finding recurring learning', () => {
  it('groups recommendations of different reviews that say the same thing, and names the group', () => {
    const groups = findRecurring([
      item('a', 'r1', 'Agencies should share information about new adults in the household promptly.'),
      item('b', 'r2', 'Information about new adults in the household should be shared promptly between agencies.'),
      item('c', 'r3', 'Health visitors should give safer sleep advice at every contact.'),
    ]);
    expect(groups).toHaveLength(1);
    expect(groups[0].memberIds.sort()).toEqual(['a', 'b']);
    expect(groups[0].reviewCount).toBe(2);
    expect(groups[0].label).toMatch(/adults|household|information|sharing/i);
  });

  it('counts only groups that span two reviews or more', () => {
    const same = 'Practitioners should use the escalation policy when they disagree with another agency.';
    expect(findRecurring([item('a', 'r1', same), item('b', 'r1', same)])).toEqual([]);
    expect(findRecurring([item('a', 'r1', same), item('b', 'r2', same)])).toHaveLength(1);
  });

  it('is the same whatever the order of the recommendations', () => {
    const forward = findRecurring(LABELLED_SET).map((g) => [...g.memberIds].sort().join());
    const backward = findRecurring([...LABELLED_SET].reverse()).map((g) => [...g.memberIds].sort().join());
    expect(new Set(backward)).toEqual(new Set(forward));
  });

  it('gives shared themes a small boost, not a match on their own', () => {
    const a = item('a', 'r1', 'Schools should record how they supported the child.', ['domestic-abuse']);
    const b = item('b', 'r2', 'Police should send notifications before nine.', ['domestic-abuse']);
    expect(findRecurring([a, b])).toEqual([]);
  });

  it('keeps an administrator’s split: the recommendation leaves the group and joins no other', () => {
    const items = [
      item('a', 'r1', 'Any bruise on a non-mobile baby must be referred under the bruising protocol.'),
      item('b', 'r2', 'Bruising in non-mobile babies must be referred under the protocol.'),
      item('c', 'r3', 'Follow the bruising protocol for every non-mobile baby with a bruise.'),
    ];
    expect(findRecurring(items)[0].memberIds).toHaveLength(3);
    const after = findRecurring(items, [{ kind: 'split', recommendationIds: ['c'] }]);
    expect(after).toHaveLength(1);
    expect(after[0].memberIds.sort()).toEqual(['a', 'b']);
    // Splitting one of two leaves no recurring group.
    expect(findRecurring(items, [{ kind: 'split', recommendationIds: ['c'] }, { kind: 'split', recommendationIds: ['b'] }])).toEqual([]);
  });

  it('keeps an administrator’s merge, and applies decisions in the order they were made', () => {
    const items = [
      item('a', 'r1', 'Health visitors should give safer sleep advice at every contact.'),
      item('b', 'r2', 'Safer sleep advice should be given by health visitors at each contact.'),
      item('c', 'r3', 'Midwives should check that every baby has a safe cot.'),
      item('d', 'r4', 'Each baby should have a safe cot checked by midwives before discharge.'),
    ];
    const before = findRecurring(items);
    expect(before.length).toBe(2);
    const merged = findRecurring(items, [{ kind: 'merge', recommendationIds: ['a', 'b', 'c', 'd'] }]);
    expect(merged).toHaveLength(1);
    expect(merged[0].memberIds.sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(merged[0].adjusted).toBe(true);
    // A split after the merge takes one out; the rest stay together.
    const thenSplit = findRecurring(items, [{ kind: 'merge', recommendationIds: ['a', 'b', 'c', 'd'] }, { kind: 'split', recommendationIds: ['d'] }]);
    expect(thenSplit[0].memberIds.sort()).toEqual(['a', 'b', 'c']);
    // A merge after a split brings it back.
    const back = findRecurring(items, [{ kind: 'split', recommendationIds: ['d'] }, { kind: 'merge', recommendationIds: ['c', 'd'] }]);
    expect(back.find((g) => g.memberIds.includes('d'))?.memberIds.sort()).toEqual(['c', 'd']);
  });

  it('keeps decisions when new recommendations arrive', () => {
    const items = [
      item('a', 'r1', 'Practitioners should show professional curiosity and question parents’ explanations.'),
      item('b', 'r2', 'Staff should be curious and question explanations given by parents.'),
      item('c', 'r3', 'Professional curiosity: question what parents explain.'),
    ];
    const decisions = [{ kind: 'split' as const, recommendationIds: ['c'] }];
    const later = [...items, item('e', 'r5', 'Workers should question parental explanations with professional curiosity.')];
    const groups = findRecurring(later, decisions);
    expect(groups).toHaveLength(1);
    expect(groups[0].memberIds.sort()).toEqual(['a', 'b', 'e']);
  });

  it('ignores decisions about recommendations it was not given (another partnership’s, unpublished)', () => {
    const items = [item('a', 'r1', 'Share information promptly.'), item('b', 'r2', 'Information should be shared promptly.')];
    expect(findRecurring(items, [{ kind: 'split', recommendationIds: ['zz'] }, { kind: 'merge', recommendationIds: ['yy', 'a'] }])).toHaveLength(1);
  });
});

describe('the quality of the grouping on a labelled set', () => {
  it('reaches pairwise precision and recall floors on realistic recommendations', () => {
    const groups = findRecurring(LABELLED_SET, [], { minReviews: 1 });
    const scores = pairwiseScores(
      groups.map((g) => g.memberIds),
      labels,
    );
    console.log(
      `recurring learning, labelled set of ${LABELLED_SET.length} recommendations (${new Set(LABELLED_SET.map((r) => r.label)).size - 1} lessons + singletons): ` +
        `pairwise precision ${scores.precision.toFixed(2)}, recall ${scores.recall.toFixed(2)} (${scores.correctPairs} of ${scores.foundPairs} pairs found correct, ${scores.truePairs} true pairs)`,
    );
    expect(scores.precision).toBeGreaterThanOrEqual(0.85);
    expect(scores.recall).toBeGreaterThanOrEqual(0.7);
    // The one-off lessons stay out of every group.
    const grouped = new Set(groups.flatMap((g) => g.memberIds));
    expect(LABELLED_SET.filter((r) => r.label === 'other' && grouped.has(r.id)).map((r) => r.id)).toEqual([]);
  });

  it('reports the honest figures on a held-out set written after the method was chosen', () => {
    const score = (set: typeof LABELLED_SET) =>
      pairwiseScores(
        findRecurring(set, [], { minReviews: 1 }).map((g) => g.memberIds),
        new Map(set.map((r) => [r.id, r.label])),
      );
    const alone = score(HELD_OUT_SET);
    const together = score([...LABELLED_SET, ...HELD_OUT_SET]);
    console.log(
      `recurring learning, held-out set of ${HELD_OUT_SET.length}: precision ${alone.precision.toFixed(2)}, recall ${alone.recall.toFixed(2)} (${alone.correctPairs}/${alone.foundPairs} found pairs correct, ${alone.truePairs} true pairs); ` +
        `both sets together (${LABELLED_SET.length + HELD_OUT_SET.length}): precision ${together.precision.toFixed(2)}, recall ${together.recall.toFixed(2)}`,
    );
    // Precise, but the same lesson in other words ("dads", "the build-up of neglect") is missed on its
    // own; among more recommendations the rarer shared words carry it further.
    expect(alone.precision).toBeGreaterThanOrEqual(0.8);
    expect(alone.recall).toBeGreaterThanOrEqual(0.2);
    expect(together.precision).toBeGreaterThanOrEqual(0.9);
    expect(together.recall).toBeGreaterThanOrEqual(0.75);
  });

  it('groups findings with the recommendations of their lesson (findings written after the method was chosen)', () => {
    const set = [...LABELLED_SET, ...FINDINGS_SET];
    const groups = findRecurring(set, [], { minReviews: 1 });
    const all = pairwiseScores(
      groups.map((g) => g.memberIds),
      new Map(set.map((r) => [r.id, r.label])),
    );
    // The pairs with a finding in them: does a finding land with its own lesson?
    const findingIds = new Set(FINDINGS_SET.map((f) => f.id));
    const groupOf = new Map(groups.flatMap((g, i) => g.memberIds.map((id) => [id, i] as const)));
    let found = 0;
    let correct = 0;
    let truth = 0;
    for (const f of FINDINGS_SET) {
      for (const r of set) {
        if (r.id === f.id || (findingIds.has(r.id) && r.id < f.id)) continue;
        const same = groupOf.has(f.id) && groupOf.get(f.id) === groupOf.get(r.id);
        const truly = f.label !== 'other' && f.label === r.label;
        if (same) found++;
        if (truly) truth++;
        if (same && truly) correct++;
      }
    }
    const precision = found ? correct / found : 1;
    const recall = truth ? correct / truth : 1;
    console.log(
      `recurring learning, ${LABELLED_SET.length} recommendations with ${FINDINGS_SET.length} findings: precision ${all.precision.toFixed(2)}, recall ${all.recall.toFixed(2)} over all pairs; ` +
        `pairs with a finding: precision ${precision.toFixed(2)}, recall ${recall.toFixed(2)} (${correct}/${found} found pairs correct, ${truth} true pairs)`,
    );
    // Floors a little under what was measured when the findings were written (see the note).
    expect(all.precision).toBeGreaterThanOrEqual(FINDINGS_FLOORS.allPrecision);
    expect(all.recall).toBeGreaterThanOrEqual(FINDINGS_FLOORS.allRecall);
    expect(precision).toBeGreaterThanOrEqual(FINDINGS_FLOORS.precision);
    expect(recall).toBeGreaterThanOrEqual(FINDINGS_FLOORS.recall);
    // A finding of a lesson of its own stays out of every group.
    expect(FINDINGS_SET.filter((f) => f.label === 'other' && groupOf.has(f.id)).map((f) => f.id)).toEqual([]);
  });

  it('without the theme boost, words alone still do most of the work', () => {
    const scores = pairwiseScores(
      findRecurring(LABELLED_SET, [], { minReviews: 1, themeBoost: 0 }).map((g) => g.memberIds),
      labels,
    );
    expect(scores.precision).toBeGreaterThanOrEqual(0.85);
    expect(scores.recall).toBeGreaterThanOrEqual(0.6);
  });

  it('scores itself: a perfect grouping is 1 and 1, lumping everything together has low precision', () => {
    const byLabel = new Map<string, string[]>();
    for (const r of LABELLED_SET) if (r.label !== 'other') byLabel.set(r.label, [...(byLabel.get(r.label) ?? []), r.id]);
    expect(pairwiseScores([...byLabel.values()], labels)).toMatchObject({ precision: 1, recall: 1 });
    expect(pairwiseScores([LABELLED_SET.map((r) => r.id)], labels).precision).toBeLessThan(0.2);
  });
});

describe('grouping at scale', () => {
  it('groups 10,000 recommendations in under 5 seconds of processor time', () => {
    const items = syntheticRecommendations(10_000);
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const groups = findRecurring(items);
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const heapMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
    console.log(`recurring learning: 10,000 recommendations grouped in ${Math.round(cpuMs)} ms of processor time (${Math.round(ms)} ms elapsed) into ${groups.length} groups (heap grew ${heapMb.toFixed(0)} MB)`);
    // Processor time: elapsed time depends on what else shares the machine.
    expect(cpuMs).toBeLessThan(5_000);
    expect(groups.length).toBeGreaterThan(5);
  }, 60_000);
});
