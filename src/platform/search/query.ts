/**
 * A person's search words, read the way people write them (as on most search sites):
 *   - every word must be there:          neglect housing
 *   - AND may be written, and changes nothing: neglect AND housing
 *   - OR between words for either:       neglect OR housing (binds closer than AND, so
 *                                        "neglect OR abuse housing" is (neglect or abuse) and housing)
 *   - brackets group:                    (neglect OR abuse) AND (housing OR school)
 *   - a phrase in quotes:                "not yet mobile"
 *   - a minus before a word or phrase leaves it out: neglect -housing
 * OR and AND count as operators in any case ("or", "Or"). Anything unbalanced is read leniently:
 * a lone OR or AND is dropped, a missing bracket or quote is closed at the end.
 */

export type QueryNode =
  | { kind: 'term'; text: string; phrase: boolean }
  | { kind: 'not'; item: QueryNode }
  | { kind: 'and'; items: QueryNode[] }
  | { kind: 'or'; items: QueryNode[] };

type Token = { t: 'word'; text: string; negated: boolean } | { t: 'phrase'; text: string; negated: boolean } | { t: 'or' } | { t: 'and' } | { t: '(' ; negated: boolean } | { t: ')' };

/** Hyphens (and the Unicode hyphens) between letters or digits. */
const HYPHENS = /(?<=[\p{L}\p{N}])[-\u2010\u2011](?=[\p{L}\p{N}])/gu;

function tokenise(q: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i];
    if (/\s/u.test(c)) {
      i++;
      continue;
    }
    const negated = c === '-' && i + 1 < q.length && !/\s/u.test(q[i + 1]);
    if (negated) i++;
    const d = q[i];
    if (d === '"' || d === '“' || d === '”') {
      let j = i + 1;
      while (j < q.length && !'"“”'.includes(q[j])) j++;
      const text = q.slice(i + 1, j).trim();
      if (text) tokens.push({ t: 'phrase', text, negated });
      i = j + 1;
    } else if (d === '(') {
      tokens.push({ t: '(', negated });
      i++;
    } else if (d === ')') {
      tokens.push({ t: ')' });
      i++;
    } else {
      let j = i;
      while (j < q.length && !/[\s()"“”]/u.test(q[j])) j++;
      const text = q.slice(i, j);
      const parts = text.replace(HYPHENS, ' ');
      i = j;
      if (!negated && /^or$/i.test(text)) tokens.push({ t: 'or' });
      else if (!negated && (/^and$/i.test(text) || text === '&&' || text === '&')) tokens.push({ t: 'and' });
      else if (!negated && (text === '|' || text === '||')) tokens.push({ t: 'or' });
      // A word joined by hyphens ("safer-sleep", "county-lines") is read as the phrase of its parts, which
      // finds it written either way: the text "safer sleep" and "safer-sleep" (whose parts PostgreSQL
      // also indexes, one after the other) both hold the phrase; the hyphenated whole alone would match only the second.
      else if (parts !== text) tokens.push({ t: 'phrase', text: parts, negated });
      else if (/[\p{L}\p{N}]/u.test(text)) tokens.push({ t: 'word', text, negated });
    }
  }
  return tokens;
}

/** The query as a tree; null when it holds no words. */
export function parseQuery(q: string): QueryNode | null {
  const tokens = tokenise(q);
  let pos = 0;

  function andExpr(): QueryNode | null {
    const items: QueryNode[] = [];
    while (pos < tokens.length && tokens[pos].t !== ')') {
      if (tokens[pos].t === 'and' || tokens[pos].t === 'or') {
        pos++; // a lone AND or OR (at the start, or twice): nothing to join
        continue;
      }
      const item = orExpr();
      if (item) items.push(item);
    }
    return items.length === 0 ? null : items.length === 1 ? items[0] : { kind: 'and', items };
  }

  function orExpr(): QueryNode | null {
    const items: QueryNode[] = [];
    const first = unary();
    if (first) items.push(first);
    while (pos < tokens.length && tokens[pos].t === 'or') {
      pos++;
      if (pos < tokens.length && (tokens[pos].t === 'or' || tokens[pos].t === 'and' || tokens[pos].t === ')')) continue;
      const next = unary();
      if (next) items.push(next);
    }
    return items.length === 0 ? null : items.length === 1 ? items[0] : { kind: 'or', items };
  }

  function unary(): QueryNode | null {
    const tok = tokens[pos++];
    if (!tok) return null;
    if (tok.t === 'word' || tok.t === 'phrase') {
      const term: QueryNode = { kind: 'term', text: tok.text, phrase: tok.t === 'phrase' };
      return tok.negated ? { kind: 'not', item: term } : term;
    }
    if (tok.t === '(') {
      const inner = andExpr();
      if (tokens[pos]?.t === ')') pos++;
      if (!inner) return null;
      return tok.negated ? { kind: 'not', item: inner } : inner;
    }
    return null;
  }

  let tree = andExpr();
  // Stray closing brackets: skipped, and what follows each is read as more words, all required.
  while (pos < tokens.length) {
    pos++;
    const more = andExpr();
    if (more) tree = tree ? { kind: 'and', items: [...(tree.kind === 'and' ? tree.items : [tree]), more] } : more;
  }
  return tree;
}

/** The words of the query in the order written, without operators (for finding them side by side). */
export function plainWords(node: QueryNode | null): string {
  if (!node) return '';
  switch (node.kind) {
    case 'term':
      return node.text;
    case 'not':
      return '';
    default:
      return node.items.map(plainWords).filter(Boolean).join(' ');
  }
}

/** The query's positive words one by one (for spelling suggestions). */
export function wordsOf(node: QueryNode | null): string[] {
  if (!node) return [];
  switch (node.kind) {
    case 'term':
      return node.text.split(/\s+/u).filter(Boolean);
    case 'not':
      return [];
    default:
      return node.items.flatMap(wordsOf);
  }
}

/** The query written back, with one word replaced (case-insensitively, whole words only). */
export function replaceWord(q: string, word: string, by: string): string {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return q.replace(new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'giu'), by);
}

/**
 * At most this many terms of a query may need report pages read to be confirmed. A phrase of three
 * or more words, or a word the parser splits (child's), is matched from its word pairs and then
 * confirmed page by page in every publication holding all its pairs (ranking.md): one such term
 * costs about as much as a common word, but a query of twenty of them that never occur would read
 * every page of nearly every report, time taken from every other request.
 */
export const MAX_CONFIRMED_TERMS = 5;

/** How many terms of the query (phrases or words, left out or not) are confirmed on pages. */
export function confirmedTerms(node: QueryNode | null): number {
  if (!node) return 0;
  switch (node.kind) {
    case 'term': {
      const runs = node.text.match(/[\p{L}\p{N}]+/gu) ?? [];
      // Two words apart ("health visitor", and "self-harm", read as "self harm") are answered by their
      // pair alone; joined by anything else ("child's"), or three or more words, they are confirmed.
      const joined = runs.length === 2 && !/^[\p{L}\p{N}]+\s+[\p{L}\p{N}]+$/u.test(node.text.trim());
      return runs.length >= 3 || joined ? 1 : 0;
    }
    case 'not':
      return confirmedTerms(node.item);
    default:
      return node.items.reduce((n, item) => n + confirmedTerms(item), 0);
  }
}
