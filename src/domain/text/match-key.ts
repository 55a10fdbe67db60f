import { slugify } from './slug.ts';

/**
 * A name as compared for matching, whatever its case, punctuation, accents or joining words:
 * "Ethnicity, culture & religion", "ethnicity-culture-religion" and "Ethnicity culture and
 * religion" all give "ethnicity culture religion".
 */
const JOINING = new Set(['and', 'the', 'of', 'a', 'an']);

export function matchKey(name: string): string {
  return slugify(name.replace(/&/g, ' and '))
    .split('-')
    .filter((w) => w && !JOINING.has(w))
    .join(' ');
}
