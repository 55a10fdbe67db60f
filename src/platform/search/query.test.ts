import { describe, expect, it } from 'vitest';
import { confirmedTerms, MAX_CONFIRMED_TERMS, parseQuery, plainWords, replaceWord, wordsOf, type QueryNode } from './query.ts';

/** The tree in a short form: words, "phrases", -not, (a OR b), [a AND b]. */
function show(n: QueryNode | null): string {
  if (!n) return '∅';
  switch (n.kind) {
    case 'term':
      return n.phrase ? `"${n.text}"` : n.text;
    case 'not':
      return `-${show(n.item)}`;
    case 'or':
      return `(${n.items.map(show).join(' OR ')})`;
    case 'and':
      return `[${n.items.map(show).join(' AND ')}]`;
  }
}

describe('reading search words as people write them', () => {
  it('needs every word, with or without AND', () => {
    expect(show(parseQuery('neglect housing'))).toBe('[neglect AND housing]');
    expect(show(parseQuery('neglect AND housing'))).toBe('[neglect AND housing]');
    expect(show(parseQuery('neglect and housing'))).toBe('[neglect AND housing]');
  });

  it('takes OR, in any case, as either word; OR binds closer than AND', () => {
    expect(show(parseQuery('neglect OR housing'))).toBe('(neglect OR housing)');
    expect(show(parseQuery('neglect or housing'))).toBe('(neglect OR housing)');
    expect(show(parseQuery('neglect OR abuse housing'))).toBe('[(neglect OR abuse) AND housing]');
    expect(show(parseQuery('neglect | housing'))).toBe('(neglect OR housing)');
  });

  it('groups with brackets, and reads phrases and left-out words', () => {
    expect(show(parseQuery('(neglect OR abuse) AND (housing OR school)'))).toBe('[(neglect OR abuse) AND (housing OR school)]');
    expect(show(parseQuery('"not yet mobile" -bruising'))).toBe('["not yet mobile" AND -bruising]');
    expect(show(parseQuery('neglect -"domestic abuse"'))).toBe('[neglect AND -"domestic abuse"]');
    expect(show(parseQuery('co-sleeping'))).toBe('"co sleeping"');
  });

  it('reads a word joined by hyphens as the phrase of its parts, so either spelling is found', () => {
    expect(show(parseQuery('safer-sleep'))).toBe('"safer sleep"');
    expect(show(parseQuery('county‐lines -e-safety'))).toBe('["county lines" AND -"e safety"]');
    expect(show(parseQuery('out-of-area OR 2019-20'))).toBe('("out of area" OR "2019 20")');
    // Not a hyphen between letters: a minus, a dash on its own, a hyphen at an end.
    expect(show(parseQuery('-housing - neglect abuse-'))).toBe('[-housing AND neglect AND abuse-]');
  });

  it('is lenient with what does not balance', () => {
    expect(show(parseQuery('OR neglect AND'))).toBe('neglect');
    expect(show(parseQuery('neglect OR OR abuse'))).toBe('(neglect OR abuse)');
    expect(show(parseQuery('(neglect OR abuse'))).toBe('(neglect OR abuse)');
    expect(show(parseQuery('neglect) housing'))).toBe('[neglect AND housing]');
    // Every stray closing bracket is skipped, wherever it stands, and no word after it is lost.
    expect(show(parseQuery(')neglect'))).toBe('neglect');
    expect(show(parseQuery('neglect ) school ) zzzqqq'))).toBe('[neglect AND school AND zzzqqq]');
    expect(show(parseQuery('(neglect OR abuse)) housing) -school'))).toBe('[(neglect OR abuse) AND housing AND -school]');
    expect(show(parseQuery('"not yet mobile'))).toBe('"not yet mobile"');
    expect(parseQuery('  OR AND ( ) - ')).toBeNull();
  });

  it('gives the plain words in order, and the words to check the spelling of', () => {
    expect(plainWords(parseQuery('not yet mobile'))).toBe('not yet mobile');
    expect(plainWords(parseQuery('neglect -housing OR'))).toBe('neglect');
    expect(wordsOf(parseQuery('neglekt "domestic abuse" -housing'))).toEqual(['neglekt', 'domestic', 'abuse']);
  });

  it('replaces a whole word whatever its case', () => {
    expect(replaceWord('Neglekt and housing', 'neglekt', 'neglect')).toBe('neglect and housing');
    expect(replaceWord('neglekts neglekt', 'neglekt', 'neglect')).toBe('neglekts neglect');
  });
});

describe('terms confirmed on report pages', () => {
  it('counts phrases of three or more words and words joined by other marks, left out or not; not words or two-word phrases', () => {
    expect(confirmedTerms(parseQuery('neglect housing "health visitor" -"social worker"'))).toBe(0);
    expect(confirmedTerms(parseQuery('"voice of the child"'))).toBe(1);
    // A hyphenated word is the phrase of its parts: two parts are answered by their pair, three are confirmed.
    expect(confirmedTerms(parseQuery('self-harm'))).toBe(0);
    expect(confirmedTerms(parseQuery('child’s'))).toBe(1);
    expect(confirmedTerms(parseQuery('out-of-area'))).toBe(1);
    expect(confirmedTerms(parseQuery('-"was not heard" OR (out-of-area neglect) "home in Aldbrook"'))).toBe(3);
    expect(confirmedTerms(parseQuery(''))).toBe(0);
    expect(MAX_CONFIRMED_TERMS).toBe(5);
  });
});
