/**
 * Recurring learning: recommendations (and findings) that say much the same thing across different
 * reviews, grouped, so a lesson that keeps coming back cannot be missed. Working Together 2023
 * (chapter 5) asks partners to consider whether a case "highlights recurrent themes" and to follow
 * up so that findings make a real difference; the national Panel reports the same failings
 * (information sharing, unseen men in the household, escalation, safer sleep) year after year.
 *
 * The method, chosen to be explainable on the page and fast for tens of thousands of texts:
 *  1. Words: each text is lower-cased and split into words; common words ("the", "should",
 *     "ensure", "partnership"...) are dropped; each word is cut to its stem ("sharing", "shared"
 *     → "share"), and a short list of words safeguarding writers use for the same thing is read
 *     as one ("fathers", "stepfather", "male carers" → man; "infant", "babies" → baby).
 *  2. Weights: a stem counts for more when it is rare among all the recommendations (TF-IDF:
 *     (1 + log count in the text) × log(1 + N / texts with the stem)); each text's weights are
 *     scaled to length 1, so long texts do not win by length.
 *  3. Similarity of two texts: the cosine of their weights (0: no stem in common, 1: the same
 *     stems in the same proportions), plus a small boost when they carry the same themes
 *     (0.1 × the share of their themes in common).
 *  4. Groups: pairs at or above the threshold are joined, most similar first; a text joins a group
 *     only if it is also similar to the group as a whole (the cosine with the group's mean weights
 *     reaches the threshold), which stops chains of loosely related texts running together.
 *  5. An administrator's decisions are applied last, in the order they were made: "split" takes a
 *     recommendation out of its group (and out of the matching, so it cannot join others);
 *     "merge" joins the groups of the recommendations it names. They are stored, so they hold
 *     when the groups are worked out again with new recommendations.
 * Only groups whose recommendations come from at least two different reviews count as recurring.
 *
 * Limits, said plainly: it matches words, not meaning; two texts about the same failing in
 * different words ("did not see the baby's bedroom" and "safer sleep assessment") are joined only
 * through the shared synonyms and themes, and two texts using the same words about different
 * things ("share the plan with the family" and "share information with police") can be joined.
 * The administrator's split and merge are there for both.
 */

export type RecurringItem = {
  id: string;
  /** The review it came from: recommendations of the same review share the key. */
  reviewKey: string;
  text: string;
  themes: readonly string[];
};

export type RecurringDecision =
  | { kind: 'split'; recommendationIds: readonly string[] }
  | { kind: 'merge'; recommendationIds: readonly string[] };

export type RecurringOptions = {
  /** Similarity at or above which two texts are about the same thing. */
  threshold?: number;
  /** Added to the cosine × the share of themes two texts have in common. */
  themeBoost?: number;
  /** Groups spanning fewer reviews are not returned. */
  minReviews?: number;
};

export type RecurringGroup = {
  /** The group's most characteristic stems, as readable words. */
  terms: string[];
  /** A short label: the most characteristic words. */
  label: string;
  /** The member closest to the group as a whole. */
  centralId: string;
  /** The members, most central first. */
  memberIds: string[];
  reviewCount: number;
  /** An administrator's merge joined this group. */
  adjusted: boolean;
};

export const DEFAULT_THRESHOLD = 0.2;
export const DEFAULT_THEME_BOOST = 0.1;

/** Words that say nothing about what a recommendation is about. */
const STOP_WORDS = new Set(
  (
    'a about above after again against all also am an and any are as at be because been before being below between both but by can could did do does doing down during each ' +
    'few for from further had has have having he her here hers him his how i if in into is it its itself just me more most my no nor not now of off on once only or other our ' +
    'out over own same she should so some such than that the their theirs them then there these they this those through to too under until up very was we were what when where ' +
    'which while who whom why will with would you your yours within across whether including include includes every ' +
    // the language of any recommendation, whatever it is about
    'ensure ensures ensuring must need needs needed make makes made take takes consider considers considered ' +
    'partnership partnerships safeguarding children child childrens agency agencies partner partners multi lscb lcspr scp board ' +
    'recommendation recommendations review reviews learning practice practitioners practitioner professional professionals staff ' +
    'provide provides develop develops promote promotes support supports improve improves strengthen strengthens embed embeds ' +
    'local relevant appropriate effective effectively clear clearly robust range key new current existing level levels report reports ' +
    'assure assurance audit audits evidence evidenced seek seeks regarding relation way ways part use used using work working non'
  ).split(/\s+/),
);

/**
 * Words safeguarding writers use for one idea, read as one (each word and its stem). Kept short and
 * shown on the page: each line here is a judgment someone can check.
 */
const SAME_IDEA_WORDS: Record<string, readonly string[]> = {
  man: ['man', 'men', 'father', 'fathers', 'stepfather', 'stepfathers', 'male', 'males', 'boyfriend', 'boyfriends', 'fatherhood'],
  baby: ['baby', 'babies', 'infant', 'infants', 'newborn', 'newborns', 'neonatal'],
  bruise: ['bruise', 'bruises', 'bruising', 'bruised'],
  sleep: ['sleep', 'sleeping', 'co-sleeping', 'cosleeping', 'cot', 'cots', 'bed', 'beds', 'bedsharing'],
  curious: ['curious', 'curiosity', 'inquisitive', 'questioning'],
  escalate: ['escalate', 'escalation', 'escalating', 'challenge', 'challenges', 'challenging', 'disagreement', 'disagreements', 'dispute', 'disputes'],
  share: ['share', 'shares', 'sharing', 'shared', 'exchange', 'exchanging'],
};
const SAME_IDEA = new Map<string, string>();

/** Readable words for the stems in labels. */
const READABLE: Record<string, string> = { man: 'men and fathers', baby: 'babies', bruise: 'bruising', sleep: 'sleep', curious: 'curiosity', escalate: 'escalation and challenge', share: 'sharing' };

/**
 * A light English stemmer (after Porter's first steps): plurals, -ed, -ing, and the common
 * derivational endings, so "shared", "sharing" and "shares" meet. Not the full algorithm: enough
 * for matching, with every rule visible here.
 */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3) return w;
  if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('ies')) w = `${w.slice(0, -3)}i`;
  else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) w = w.slice(0, -1);
  const vowel = (s: string) => /[aeiouy]/.test(s);
  for (const suffix of ['ingly', 'edly', 'ing', 'ed']) {
    if (w.endsWith(suffix) && vowel(w.slice(0, -suffix.length)) && w.length - suffix.length >= 3) {
      w = w.slice(0, -suffix.length);
      if (/(at|bl|iz)$/.test(w)) w += 'e';
      else if (/([^aeiouylsz])\1$/.test(w)) w = w.slice(0, -1);
      break;
    }
  }
  if (w.endsWith('y') && w.length > 3 && !vowel(w.slice(-2, -1))) w = `${w.slice(0, -1)}i`;
  for (const [suffix, to] of [
    ['ational', 'ate'], ['tional', 'tion'], ['ization', 'ize'], ['isation', 'ise'], ['fulness', 'ful'], ['ousness', 'ous'], ['iveness', 'ive'],
    ['ation', 'ate'], ['ator', 'ate'], ['alism', 'al'], ['aliti', 'al'], ['iviti', 'ive'], ['biliti', 'ble'], ['entli', 'ent'], ['ousli', 'ous'], ['alli', 'al'], ['eli', 'e'],
  ] as const) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 3) {
      w = w.slice(0, -suffix.length) + to;
      break;
    }
  }
  for (const suffix of ['ement', 'ment', 'ence', 'ance', 'able', 'ible', 'ness', 'ical', 'ful', 'ism', 'ate', 'iti', 'ous', 'ive', 'ize', 'ise', 'ent', 'ant', 'ion', 'al', 'er', 'ic', 'e', 'i']) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 4) {
      w = w.slice(0, -suffix.length);
      break;
    }
  }
  return w;
}

for (const [as, words] of Object.entries(SAME_IDEA_WORDS)) {
  for (const w of words) {
    SAME_IDEA.set(w, as);
    SAME_IDEA.set(stem(w), as);
  }
}

/** Words already stemmed (a bounded cache: the same words recur in every report). */
const TERM_OF = new Map<string, string>();

/** The stems of a text that count: no common words, no numbers, synonyms read as one. */
export function termsOf(text: string): string[] {
  const out: string[] = [];
  const words = text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[’']s\b/g, '')
    .split(/[^a-z]+/);
  for (const word of words) {
    if (word.length < 3 || STOP_WORDS.has(word)) continue;
    let term = TERM_OF.get(word);
    if (term === undefined) {
      const s = stem(word);
      term = SAME_IDEA.get(word) ?? SAME_IDEA.get(s) ?? s;
      if (TERM_OF.size < 200_000) TERM_OF.set(word, term);
    }
    out.push(term);
  }
  return out;
}

type Vector = Map<number, number>;

function cosine(a: Vector, b: Vector): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [k, v] of small) {
    const w = large.get(k);
    if (w !== undefined) dot += v * w;
  }
  return dot;
}

function normalise(v: Vector): Vector {
  let sum = 0;
  for (const x of v.values()) sum += x * x;
  const len = Math.sqrt(sum);
  if (len > 0) for (const [k, x] of v) v.set(k, x / len);
  return v;
}

function themeShare(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let common = 0;
  for (const t of a) if (b.has(t)) common++;
  return common / (a.size + b.size - common);
}

class UnionFind {
  parent: Int32Array;
  constructor(n: number) {
    this.parent = new Int32Array(n);
    for (let i = 0; i < n; i++) this.parent[i] = i;
  }
  find(i: number): number {
    let r = i;
    while (this.parent[r] !== r) r = this.parent[r];
    while (this.parent[i] !== r) {
      const next = this.parent[i];
      this.parent[i] = r;
      i = next;
    }
    return r;
  }
}

/**
 * The groups of recommendations that say much the same thing, with the administrator's decisions
 * applied, most widely recurring first. Pure: the same items and decisions give the same groups.
 */
export function findRecurring(items: readonly RecurringItem[], decisions: readonly RecurringDecision[] = [], options: RecurringOptions = {}): RecurringGroup[] {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const themeBoost = options.themeBoost ?? DEFAULT_THEME_BOOST;
  const minReviews = options.minReviews ?? 2;
  const n = items.length;
  const indexOf = new Map(items.map((it, i) => [it.id, i]));

  // 1–2: terms and TF-IDF weights.
  const dictionary = new Map<string, number>();
  const stems: string[] = [];
  const counts: Map<number, number>[] = items.map((it) => {
    const c = new Map<number, number>();
    for (const t of termsOf(it.text)) {
      let k = dictionary.get(t);
      if (k === undefined) {
        k = stems.length;
        dictionary.set(t, k);
        stems.push(t);
      }
      c.set(k, (c.get(k) ?? 0) + 1);
    }
    return c;
  });
  const df = new Int32Array(stems.length);
  for (const c of counts) for (const k of c.keys()) df[k]++;
  const idf = Array.from(df, (d) => Math.log(1 + n / d));
  const vectors: Vector[] = counts.map((c) => normalise(new Map([...c].map(([k, x]) => [k, (1 + Math.log(x)) * idf[k]]))));

  // Split recommendations take no part in the matching.
  const excluded = new Set<number>();
  for (const d of decisions) if (d.kind === 'split') for (const id of d.recommendationIds) if (indexOf.has(id)) excluded.add(indexOf.get(id) as number);

  // 3: candidate pairs through an inverted index: only texts sharing a stem are compared. Stems
  // found in many texts ("information", "health") would make every pair a candidate, so a text
  // follows them only where they carry much of its weight ("heavy" texts, taken first); two other
  // texts meeting on such stems alone cannot reach the threshold (their cosine there is at most
  // the product of the weights those stems carry in each, by Cauchy–Schwarz), and a pair that
  // might is checked in full, so no pair that matters is missed.
  const cap = Math.max(50, Math.ceil(n * 0.02));
  const common = Uint8Array.from(df, (d) => (d > cap ? 1 : 0));
  const floor = Math.max(0, threshold - themeBoost);
  const commonMass = vectors.map((v) => {
    let mass = 0;
    for (const [k, w] of v) if (common[k]) mass += w * w;
    return Math.sqrt(mass);
  });
  const heavy = commonMass.map((m) => m * m >= floor);
  // Each text's common stems, to add what the candidate search left out when a pair may matter.
  const commonTerms = vectors.map((v) => [...v].filter(([k]) => common[k] === 1));
  const themeSets = items.map((it) => new Set(it.themes));
  const sequence = [...Array(n).keys()].filter((i) => !excluded.has(i)).sort((a, b) => Number(heavy[b]) - Number(heavy[a]) || a - b);
  const rank = new Int32Array(n).fill(-1);
  sequence.forEach((i, r) => (rank[i] = r));
  const postingCount = new Int32Array(stems.length + 1);
  for (const i of sequence) for (const k of vectors[i].keys()) postingCount[k + 1]++;
  for (let k = 0; k < stems.length; k++) postingCount[k + 1] += postingCount[k];
  const postingDoc = new Int32Array(postingCount[stems.length]);
  const postingWeight = new Float64Array(postingCount[stems.length]);
  const fill = postingCount.slice(0, stems.length);
  for (const i of sequence) {
    for (const [k, w] of vectors[i]) {
      postingDoc[fill[k]] = i;
      postingWeight[fill[k]++] = w;
    }
  }
  const edgeA: number[] = [];
  const edgeB: number[] = [];
  const edgeS: number[] = [];
  const acc = new Float64Array(n);
  const touched = new Int32Array(n);
  for (const i of sequence) {
    let t = 0;
    const r = rank[i];
    for (const [k, w] of vectors[i]) {
      if (common[k] && !heavy[i]) continue;
      for (let p = postingCount[k]; p < postingCount[k + 1]; p++) {
        const j = postingDoc[p];
        if (rank[j] <= r) continue;
        if (acc[j] === 0) touched[t++] = j;
        acc[j] += w * postingWeight[p];
      }
    }
    for (let x = 0; x < t; x++) {
      const j = touched[x];
      let s = acc[j];
      acc[j] = 0;
      // A light text's common stems were not followed: at most this much is missing.
      const missing = heavy[i] ? 0 : commonMass[i] * commonMass[j];
      if (s + missing + themeBoost < threshold) continue;
      if (missing > 0) {
        const vj = vectors[j];
        for (const [k, w] of commonTerms[i]) {
          const wj = vj.get(k);
          if (wj !== undefined) s += w * wj;
        }
      }
      if (themeBoost > 0 && themeSets[i].size && themeSets[j].size) s += themeBoost * themeShare(themeSets[i], themeSets[j]);
      if (s >= threshold) {
        edgeA.push(Math.min(i, j));
        edgeB.push(Math.max(i, j));
        edgeS.push(s);
      }
    }
  }
  const order = Array.from(edgeS.keys()).sort((x, y) => edgeS[y] - edgeS[x] || edgeA[x] - edgeA[y] || edgeB[x] - edgeB[y]);

  // 4: join, most similar first, when the two groups are also similar as wholes (the cosine of
  // their summed weights), so loosely related texts do not chain together.
  const uf = new UnionFind(n);
  const sums = new Map<number, Vector>();
  const norms2 = new Float64Array(n).fill(1);
  const sizes = new Int32Array(n).fill(1);
  for (const e of order) {
    const ra = uf.find(edgeA[e]);
    const rb = uf.find(edgeB[e]);
    if (ra === rb) continue;
    const sa = sums.get(ra) ?? vectors[ra];
    const sb = sums.get(rb) ?? vectors[rb];
    if (sizes[ra] > 1 || sizes[rb] > 1) {
      const whole = cosine(sa, sb) / Math.sqrt(norms2[ra] * norms2[rb]);
      if (whole < threshold) continue;
    }
    const [root, child] = sizes[ra] >= sizes[rb] ? [ra, rb] : [rb, ra];
    const into = sums.get(root) ?? new Map(vectors[root]);
    const from = root === ra ? sb : sa;
    for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
    let n2 = 0;
    for (const v of into.values()) n2 += v * v;
    uf.parent[child] = root;
    sizes[root] += sizes[child];
    norms2[root] = n2;
    sums.set(root, into);
    sums.delete(child);
  }

  // 5: the administrator's decisions, in the order they were made.
  const groupOf = Int32Array.from({ length: n }, (_, i) => uf.find(i));
  const adjusted = new Set<number>();
  let fresh = n;
  for (const d of decisions) {
    const members = d.recommendationIds.map((id) => indexOf.get(id)).filter((i): i is number => i !== undefined);
    if (d.kind === 'split') {
      for (const i of members) groupOf[i] = fresh++;
    } else if (members.length) {
      const targets = new Set(members.map((i) => groupOf[i]));
      const into = groupOf[members[0]];
      for (let i = 0; i < n; i++) if (targets.has(groupOf[i])) groupOf[i] = into;
      adjusted.add(into);
    }
  }

  const byGroup = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const list = byGroup.get(groupOf[i]);
    if (list) list.push(i);
    else byGroup.set(groupOf[i], [i]);
  }
  const groups: RecurringGroup[] = [];
  for (const [g, members] of byGroup) {
    const reviews = new Set(members.map((i) => items[i].reviewKey));
    if (members.length < 2 || reviews.size < minReviews) continue;
    const sum: Vector = new Map();
    for (const i of members) for (const [k, v] of vectors[i]) sum.set(k, (sum.get(k) ?? 0) + v);
    const centre = normalise(new Map(sum));
    const ranked = members.map((i) => ({ i, c: cosine(vectors[i], centre) })).sort((x, y) => y.c - x.c || items[x.i].id.localeCompare(items[y.i].id));
    // Characteristic: weight in the group × how many members use it.
    const uses = new Map<number, number>();
    for (const i of members) for (const k of vectors[i].keys()) uses.set(k, (uses.get(k) ?? 0) + 1);
    const terms = [...sum]
      .map(([k, v]) => ({ k, score: v * (uses.get(k) ?? 0) }))
      .sort((x, y) => y.score - x.score || stems[x.k].localeCompare(stems[y.k]))
      .slice(0, 3)
      .map(({ k }) => readableTerm(stems[k], items, members));
    groups.push({
      terms,
      label: labelOf(terms),
      centralId: items[ranked[0].i].id,
      memberIds: ranked.map(({ i }) => items[i].id),
      reviewCount: reviews.size,
      adjusted: adjusted.has(g),
    });
  }
  return groups.sort((a, b) => b.reviewCount - a.reviewCount || b.memberIds.length - a.memberIds.length || a.label.localeCompare(b.label));
}

/** A stem as a word a reader knows: the synonym's name, or the commonest word of the members that has the stem. */
function readableTerm(s: string, items: readonly RecurringItem[], members: number[]): string {
  if (READABLE[s]) return READABLE[s];
  const seen = new Map<string, number>();
  for (const i of members) {
    for (const word of items[i].text.toLowerCase().split(/[^a-z]+/)) {
      if (word.length >= 3 && !STOP_WORDS.has(word) && termsOf(word)[0] === s) seen.set(word, (seen.get(word) ?? 0) + 1);
    }
  }
  return [...seen].sort((a, b) => b[1] - a[1] || a[0].length - b[0].length || a[0].localeCompare(b[0]))[0]?.[0] ?? s;
}

function labelOf(terms: string[]): string {
  const words = [...new Set(terms)];
  const text = words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}` : (words[0] ?? 'Recurring learning');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The synonyms the matching uses, for the page that explains it. */
export function sameIdeaList(): { as: string; words: readonly string[] }[] {
  return Object.entries(SAME_IDEA_WORDS).map(([as, words]) => ({ as: READABLE[as] ?? as, words }));
}

/** Pairwise precision and recall of a grouping against labels (items in no group are in a group of their own). */
export function pairwiseScores(groups: readonly (readonly string[])[], labels: ReadonlyMap<string, string>): { precision: number; recall: number; truePairs: number; foundPairs: number; correctPairs: number } {
  const groupOf = new Map<string, number>();
  groups.forEach((g, i) => g.forEach((id) => groupOf.set(id, i)));
  const ids = [...labels.keys()];
  let found = 0;
  let truth = 0;
  let correct = 0;
  for (let i = 0; i < ids.length; i++) {
    for (let j = i + 1; j < ids.length; j++) {
      const gi = groupOf.get(ids[i]);
      const same = gi !== undefined && gi === groupOf.get(ids[j]);
      const label = labels.get(ids[i]);
      const truly = label !== 'other' && label === labels.get(ids[j]);
      if (same) found++;
      if (truly) truth++;
      if (same && truly) correct++;
    }
  }
  return { precision: found ? correct / found : 1, recall: truth ? correct / truth : 1, truePairs: truth, foundPairs: found, correctPairs: correct };
}
