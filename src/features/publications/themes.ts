import { sql, type Kysely } from 'kysely';
import { textProblem } from '../../domain/text/plain-text.ts';
import type { DB } from '../../platform/db/types.ts';
import { afterCommit } from '../../platform/db/transaction.ts';
import { forgetSearches } from '../../platform/search/search.ts';
import { slugify } from '../../domain/text/slug.ts';

/**
 * The vocabulary of themes publications are described with. The key is made from the label when
 * a theme is added and never changes (filters and addresses use it); the label may be reworded;
 * a theme is retired rather than deleted, so older publications keep it.
 */

export class ThemeError extends Error {
  readonly field: 'label';
  constructor(message: string) {
    super(message);
    this.field = 'label';
  }
}

export const THEME_LABEL_MAX = 120;
const KEY_MAX = 80;

/** "Ethnicity, culture & religion" → "ethnicity-culture-religion": lowercase letters and digits, single hyphens. */
export function themeKeyFromLabel(label: string): string {
  let key = slugify(label);
  if (key.length > KEY_MAX) key = key.slice(0, KEY_MAX).replace(/-[^-]*$/, '').replace(/-+$/, '');
  return key;
}

function checkLabel(value: unknown): string {
  const label = typeof value === 'string' ? value.trim().replace(/\s+/g, ' ') : '';
  if (!label) throw new ThemeError('Enter the name of the theme');
  const problem = textProblem(label, { label: 'The name of the theme', max: THEME_LABEL_MAX });
  if (problem) throw new ThemeError(problem);
  return label;
}

async function labelTaken(db: Kysely<DB>, label: string, exceptKey?: string): Promise<boolean> {
  let q = db.selectFrom('themes').select('key').where((eb) => eb(eb.fn('lower', ['label']), '=', label.toLowerCase()));
  if (exceptKey) q = q.where('key', '<>', exceptKey);
  return (await q.executeTakeFirst()) !== undefined;
}

export async function addTheme(db: Kysely<DB>, rawLabel: unknown): Promise<{ key: string; label: string }> {
  const label = checkLabel(rawLabel);
  const key = themeKeyFromLabel(label);
  if (!key) throw new ThemeError('The name of the theme must include letters or numbers');
  if (await labelTaken(db, label)) throw new ThemeError('There is already a theme with this name');
  const existing = await db.selectFrom('themes').select(['label']).where('key', '=', key).executeTakeFirst();
  if (existing) throw new ThemeError(`This name is too close to the theme ‘${existing.label}’: reword that theme instead, or choose another name`);
  await db.insertInto('themes').values({ key, label }).execute();
  afterCommit(db, forgetSearches);
  return { key, label };
}

/** Gives a theme a new label; its key (and so every publication and link using it) stays. */
export async function rewordTheme(db: Kysely<DB>, key: string, rawLabel: unknown): Promise<{ before: string; after: string }> {
  const label = checkLabel(rawLabel);
  const theme = await db.selectFrom('themes').select('label').where('key', '=', key).executeTakeFirst();
  if (!theme) throw new ThemeError('There is no such theme');
  if (await labelTaken(db, label, key)) throw new ThemeError('There is already a theme with this name');
  await db.updateTable('themes').set({ label }).where('key', '=', key).execute();
  afterCommit(db, forgetSearches);
  return { before: theme.label, after: label };
}

/** Retired themes are no longer offered for new publications; publications that have them keep them. */
export async function setThemeRetired(db: Kysely<DB>, key: string, retired: boolean): Promise<boolean> {
  const result = await db.updateTable('themes').set({ retired }).where('key', '=', key).executeTakeFirst();
  afterCommit(db, forgetSearches);
  return Number(result.numUpdatedRows) > 0;
}

export async function findTheme(db: Kysely<DB>, key: string): Promise<{ key: string; label: string; retired: boolean } | undefined> {
  return db.selectFrom('themes').select(['key', 'label', 'retired']).where('key', '=', key).executeTakeFirst();
}

/** How many publications use each theme (to show before retiring one). */
export async function themeUse(db: Kysely<DB>): Promise<Map<string, number>> {
  const { rows } = await sql<{ key: string; n: number }>`
    select t.key, count(*)::int as n from publications p cross join lateral jsonb_array_elements_text(p.themes) as t(key) group by t.key`.execute(db);
  return new Map(rows.map((r) => [r.key, Number(r.n)]));
}
