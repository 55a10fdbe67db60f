import { describe, expect, it } from 'vitest';
import { themeKeyFromLabel } from './themes.ts';

describe('themeKeyFromLabel', () => {
  it('makes a stable key of lowercase letters, digits and single hyphens', () => {
    expect(themeKeyFromLabel('Ethnicity, culture, religion and racism')).toBe('ethnicity-culture-religion-and-racism');
    expect(themeKeyFromLabel('  Impact of Covid-19 ')).toBe('impact-of-covid-19');
    expect(themeKeyFromLabel('Children’s social care & “edge of care”')).toBe('childrens-social-care-edge-of-care');
    expect(themeKeyFromLabel('Fostering — Rôle of carers')).toBe('fostering-role-of-carers');
    expect(themeKeyFromLabel('!!!')).toBe('');
  });

  it('keeps keys within 80 characters, cut at a word', () => {
    const key = themeKeyFromLabel('word '.repeat(30));
    expect(key.length).toBeLessThanOrEqual(80);
    expect(key).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(key.endsWith('word')).toBe(true);
  });
});
