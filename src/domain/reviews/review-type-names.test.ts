import { describe, expect, it } from 'vitest';
import { matchKey } from '../text/match-key.ts';
import { REVIEW_TYPE_NAMES, REVIEW_TYPES, reviewTypeFromName } from './review-types.ts';

describe('names of review types, as archives write them', () => {
  it('matches keys and labels whatever the case and punctuation', () => {
    expect(reviewTypeFromName('local-cspr')).toBe('local-cspr');
    expect(reviewTypeFromName('LOCAL CSPR')).toBe('local-cspr');
    expect(reviewTypeFromName('Serious case review (before 2019)')).toBe('scr');
    expect(reviewTypeFromName('serious-case-review, before 2019')).toBe('scr');
    expect(reviewTypeFromName('Thematic Review')).toBe('thematic');
  });

  it('accepts the common names: a serious case review is the type held before the 2018 regulations', () => {
    expect(reviewTypeFromName('Serious case review')).toBe('scr');
    expect(reviewTypeFromName('SCR')).toBe('scr');
    expect(reviewTypeFromName('LCSPR')).toBe('local-cspr');
    expect(reviewTypeFromName('Child Safeguarding Practice Review')).toBe('local-cspr');
    expect(reviewTypeFromName('Multi-agency practice learning review')).toBe('practice-learning');
    expect(reviewTypeFromName('Deep dive')).toBe('deep-dive');
    expect(reviewTypeFromName('National review')).toBe('national');
  });

  it('refuses what is not a type of published review', () => {
    for (const name of ['Rapid review', 'opinion', '', '(before 2019)']) expect(reviewTypeFromName(name)).toBeNull();
  });

  it('gives each name one type only', () => {
    const seen = new Map<string, string>();
    for (const type of REVIEW_TYPES) {
      for (const name of REVIEW_TYPE_NAMES[type]) {
        const key = matchKey(name);
        expect(seen.get(key) ?? type, name).toBe(type);
        seen.set(key, type);
      }
    }
  });
});

describe('match keys', () => {
  it('ignore case, punctuation, accents and joining words', () => {
    expect(matchKey('Ethnicity, culture & religion')).toBe('ethnicity culture religion');
    expect(matchKey('ethnicity-culture-religion')).toBe('ethnicity culture religion');
    expect(matchKey('  Voice of the Child ')).toBe('voice child');
    expect(matchKey('Café')).toBe('cafe');
  });
});
