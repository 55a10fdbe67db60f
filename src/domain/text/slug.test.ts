import { describe, expect, it } from 'vitest';
import { slugify } from './slug.ts';

describe('slugify', () => {
  it('keeps letters and digits, one hyphen between words, none at the ends', () => {
    expect(slugify('Ethnicity, culture & religion')).toBe('ethnicity-culture-religion');
    expect(slugify('  Child’s “lived” experience — 2026!  ')).toBe('childs-lived-experience-2026');
    expect(slugify('Café Zoë')).toBe('cafe-zoe');
    expect(slugify('---')).toBe('');
  });
});
