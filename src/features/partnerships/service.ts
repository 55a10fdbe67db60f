import { textProblem } from '../../domain/text/plain-text.ts';
import type { Kysely } from 'kysely';
import type { AgencyKind, DB } from '../../platform/db/types.ts';

export const AGENCY_KIND_LABELS: Record<AgencyKind, string> = {
  'local-authority': 'Local authority (statutory partner)',
  police: 'Police (statutory partner)',
  icb: 'Integrated care board (statutory partner)',
  'relevant-agency': 'Relevant agency',
};

export type PartnershipView = { id: string; slug: string; name: string; fictional: boolean };
export type AgencyView = { id: string; partnershipId: string; name: string; kind: AgencyKind };

export class PartnershipError extends Error {}

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;

export async function addPartnership(db: Kysely<DB>, input: { slug: string; name: string; fictional?: boolean }): Promise<PartnershipView> {
  const slug = input.slug.trim().toLowerCase();
  const name = input.name.trim();
  if (!SLUG_PATTERN.test(slug)) throw new PartnershipError('The short name must be 2 to 63 lowercase letters, digits or hyphens, starting with a letter or digit.');
  if (name.length === 0) throw new PartnershipError('Enter the name of the partnership.');
  const nameProblem = textProblem(name, { label: 'The name', max: 200 });
  if (nameProblem) throw new PartnershipError(`${nameProblem}.`);
  const existing = await db.selectFrom('partnerships').select('id').where('slug', '=', slug).executeTakeFirst();
  if (existing) throw new PartnershipError(`There is already a partnership with the short name '${slug}'.`);
  const row = await db
    .insertInto('partnerships')
    .values({ slug, name, fictional: input.fictional ?? false })
    .returning(['id', 'slug', 'name', 'fictional'])
    .executeTakeFirstOrThrow();
  return row;
}

export async function listPartnerships(db: Kysely<DB>, only?: string[] | 'all'): Promise<PartnershipView[]> {
  if (Array.isArray(only) && only.length === 0) return [];
  let q = db.selectFrom('partnerships').select(['id', 'slug', 'name', 'fictional']).orderBy('name');
  if (Array.isArray(only)) q = q.where('id', 'in', only);
  return q.execute();
}

export async function findPartnershipBySlug(db: Kysely<DB>, slug: string): Promise<PartnershipView | undefined> {
  return db.selectFrom('partnerships').select(['id', 'slug', 'name', 'fictional']).where('slug', '=', slug).executeTakeFirst();
}

export async function addAgency(db: Kysely<DB>, input: { partnershipId: string; name: string; kind: AgencyKind }): Promise<AgencyView> {
  const name = input.name.trim();
  if (name.length === 0) throw new PartnershipError('Enter the name of the agency.');
  const nameProblem = textProblem(name, { label: 'The agency name', max: 200 });
  if (nameProblem) throw new PartnershipError(`${nameProblem}.`);
  const existing = await db.selectFrom('agencies').select('id').where('partnership_id', '=', input.partnershipId).where('name', '=', name).executeTakeFirst();
  if (existing) throw new PartnershipError(`The partnership already has an agency called '${name}'.`);
  const row = await db
    .insertInto('agencies')
    .values({ partnership_id: input.partnershipId, name, kind: input.kind })
    .returning(['id', 'partnership_id', 'name', 'kind'])
    .executeTakeFirstOrThrow();
  return { id: row.id, partnershipId: row.partnership_id, name: row.name, kind: row.kind };
}

export async function listAgencies(db: Kysely<DB>, partnershipId: string): Promise<AgencyView[]> {
  const rows = await db.selectFrom('agencies').select(['id', 'partnership_id', 'name', 'kind']).where('partnership_id', '=', partnershipId).orderBy('kind').orderBy('name').execute();
  return rows.map((r) => ({ id: r.id, partnershipId: r.partnership_id, name: r.name, kind: r.kind }));
}
