import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Imports between the workflow's features run one way: a feature (cases, rapid reviews, reviews)
 * may read another's service, and all of them read the workflow's facts (../workflow-facts), which
 * reads no feature at all — feature → workflow facts → domain. A circle (cases needing the rapid
 * review's facts while the rapid review needs cases to load an incident) is what this guards against.
 */

const FEATURES = fileURLToPath(new URL('..', import.meta.url));
const WATCHED = ['cases', 'rapid-reviews', 'reviews', 'workflow-facts', 'tasks', 'reminders', 'dashboard', 'learning'];
const WORKFLOW_FACTS = 'workflow-facts';

/** The feature folders a module's import and export statements reach (static, dynamic and type-only). */
export function featuresImported(source: string): string[] {
  const specifiers = [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]);
  const folders = specifiers.map((s) => /^\.\.\/([a-z0-9-]+)\//.exec(s)?.[1]).filter((f): f is string => Boolean(f));
  return [...new Set(folders)];
}

/** A cycle of a directed graph, as the path that comes back to where it started; null when there is none. */
export function findCycle(graph: ReadonlyMap<string, ReadonlySet<string>>): string[] | null {
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (node: string): string[] | null => {
    const at = path.indexOf(node);
    if (at >= 0) return [...path.slice(at), node];
    if (done.has(node)) return null;
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    done.add(node);
    return null;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

/** The feature folders each watched folder's modules (not their tests) import. */
function featureGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const folder of WATCHED) {
    const reached = new Set<string>();
    const dir = path.join(FEATURES, folder);
    for (const file of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
      for (const f of featuresImported(fs.readFileSync(path.join(dir, file), 'utf8'))) if (f !== folder) reached.add(f);
    }
    graph.set(folder, reached);
  }
  return graph;
}

describe('finding import cycles', () => {
  it('reads static, dynamic, type-only and re-export statements, keeping only other features', () => {
    const source = [
      "import { a } from '../cases/service.ts';",
      "import type { B } from '../reviews/service.ts';",
      "export { c } from '../workflow-facts/facts.ts';",
      "const { d } = await import('../rapid-reviews/service.ts');",
      "import { e } from '../../domain/workflow/decision.ts';",
      "import { f } from './queries.ts';",
      "import '../cases/side-effect.ts';",
    ].join('\n');
    expect(featuresImported(source).sort()).toEqual(['cases', 'rapid-reviews', 'reviews', 'workflow-facts']);
  });

  it('finds a circle, however long, and nothing in a graph that runs one way', () => {
    const graph = (edges: Record<string, string[]>) => new Map(Object.entries(edges).map(([k, v]) => [k, new Set(v)]));
    expect(findCycle(graph({ cases: ['rapid-reviews'], 'rapid-reviews': ['cases'] }))).toEqual(['cases', 'rapid-reviews', 'cases']);
    expect(findCycle(graph({ a: ['b'], b: ['c'], c: ['a'] }))).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle(graph({ reviews: ['cases', 'rapid-reviews', 'facts'], 'rapid-reviews': ['cases', 'facts'], cases: ['facts'], facts: [] }))).toBeNull();
  });
});

describe('the workflow’s features', () => {
  it('import one another one way only: no cycle between cases, rapid reviews, reviews, the workflow facts, tasks, reminders, the dashboard and learning', () => {
    expect(findCycle(featureGraph())).toBeNull();
  });

  it('read the workflow facts, which read no feature (feature → workflow facts → domain)', () => {
    const graph = featureGraph();
    expect([...(graph.get(WORKFLOW_FACTS) ?? [])]).toEqual([]);
    for (const folder of ['cases', 'rapid-reviews']) expect(graph.get(folder)?.has(WORKFLOW_FACTS), folder).toBe(true);
  });
});
