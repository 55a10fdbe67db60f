/**
 * Text as an address part or key: "Ethnicity, culture & religion" → "ethnicity-culture-religion".
 * Accents dropped, apostrophes removed, anything else that is not a letter or digit becomes a
 * single hyphen, none at either end.
 */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[’']/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
