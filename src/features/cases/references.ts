/**
 * Human references for incidents, like NM-2026-003: a short prefix for the partnership, the year
 * the incident was recorded and its number within the partnership and year.
 */

// Endings of English place names: "northmoor" reads as north + moor, so its prefix is NM.
const PLACE_ENDINGS = [
  'borough', 'bridge', 'chester', 'caster', 'cester', 'shire', 'field', 'ford', 'ham', 'ton', 'moor', 'dale', 'wood',
  'bury', 'port', 'mouth', 'land', 'ley', 'worth', 'wick', 'well', 'thorpe', 'stead', 'pool', 'gate', 'by', 'burn', 'sea',
];

/** The prefix for a partnership's references, from its short name (slug): 2 to 4 capital letters. */
export function referencePrefix(slug: string): string {
  const parts = slug.toLowerCase().split(/[^a-z]+/).filter(Boolean);
  if (parts.length === 0) return 'CSP';
  if (parts.length > 1) return parts.slice(0, 4).map((p) => p[0]).join('').toUpperCase();
  const word = parts[0];
  const ending = PLACE_ENDINGS.filter((e) => word.length > e.length + 1 && word.endsWith(e)).sort((a, b) => b.length - a.length)[0];
  if (ending) return `${word[0]}${word[word.length - ending.length]}`.toUpperCase();
  return word.slice(0, 2).toUpperCase().padEnd(2, 'X');
}

export function formatReference(prefix: string, year: number, number: number): string {
  return `${prefix}-${year}-${String(number).padStart(3, '0')}`;
}
