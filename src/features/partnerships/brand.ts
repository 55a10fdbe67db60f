import type { Kysely } from 'kysely';
import { judgeAccentColour } from '../../domain/brand/colour-contrast.ts';
import { readHostNames } from '../../domain/brand/host-names.ts';
import { textProblem } from '../../domain/text/plain-text.ts';
import type { DB, ReportLicence } from '../../platform/db/types.ts';
import type { LogoImage } from '../../platform/documents/logo-image.ts';

/**
 * A partnership's own brand on its public pages: the name shown, logo, accent colour, contact
 * details, the licence its reports are published under, and the host names its pages answer on.
 */

export const LICENCES: Record<ReportLicence, { label: string; href: string | null }> = {
  'all-rights-reserved': { label: 'All rights reserved', href: null },
  'cc-by-4.0': { label: 'Creative Commons Attribution 4.0 (CC BY 4.0)', href: 'https://creativecommons.org/licenses/by/4.0/' },
  'cc-by-nc-4.0': { label: 'Creative Commons Attribution-NonCommercial 4.0 (CC BY-NC 4.0)', href: 'https://creativecommons.org/licenses/by-nc/4.0/' },
  'cc-by-nc-nd-4.0': { label: 'Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 (CC BY-NC-ND 4.0)', href: 'https://creativecommons.org/licenses/by-nc-nd/4.0/' },
};
export const LICENCE_KEYS = Object.keys(LICENCES) as ReportLicence[];

export type Brand = {
  partnershipId: string;
  slug: string;
  /** The name shown on its pages: its display name, or the partnership's own name. */
  name: string;
  displayName: string | null;
  accentColour: string | null;
  /** White or near-black: whichever contrasts more with the accent. */
  accentText: string | null;
  contactEmail: string | null;
  contactPhone: string | null;
  contactUrl: string | null;
  licence: ReportLicence;
  hasLogo: boolean;
  /** Changes with every save: part of the logo's and stylesheet's addresses, so caches never show an old one. */
  version: string;
  hosts: string[];
};

export async function brandOf(db: Kysely<DB>, partnershipId: string): Promise<Brand | null> {
  const row = await db
    .selectFrom('partnerships as p')
    .leftJoin('partnership_brands as b', 'b.partnership_id', 'p.id')
    .select([
      'p.id',
      'p.slug',
      'p.name',
      'b.display_name',
      'b.accent_colour',
      'b.contact_email',
      'b.contact_phone',
      'b.contact_url',
      'b.licence',
      'b.logo_type',
      'b.updated_at',
    ])
    .where('p.id', '=', partnershipId)
    .executeTakeFirst();
  if (!row) return null;
  const hosts = await db.selectFrom('partnership_hosts').select('host').where('partnership_id', '=', partnershipId).orderBy('host').execute();
  const accent = row.accent_colour ? judgeAccentColour(row.accent_colour) : null;
  return {
    partnershipId: row.id,
    slug: row.slug,
    name: row.display_name ?? row.name,
    displayName: row.display_name,
    accentColour: accent?.ok ? accent.colour : null,
    accentText: accent?.ok ? accent.text : null,
    contactEmail: row.contact_email,
    contactPhone: row.contact_phone,
    contactUrl: row.contact_url,
    licence: row.licence ?? 'all-rights-reserved',
    hasLogo: row.logo_type !== null,
    version: row.updated_at ? String(row.updated_at.getTime()) : '0',
    hosts: hosts.map((h) => h.host),
  };
}

/** The partnership whose public pages answer on this host name, if any. */
export async function partnershipIdForHost(db: Kysely<DB>, host: string): Promise<string | null> {
  if (!host) return null;
  const row = await db.selectFrom('partnership_hosts').select('partnership_id').where('host', '=', host).executeTakeFirst();
  return row?.partnership_id ?? null;
}

export async function logoOf(db: Kysely<DB>, partnershipId: string): Promise<LogoImage | null> {
  const row = await db.selectFrom('partnership_brands').select(['logo', 'logo_type']).where('partnership_id', '=', partnershipId).executeTakeFirst();
  return row?.logo && row.logo_type ? { bytes: row.logo, type: row.logo_type } : null;
}

export type BrandInput = {
  displayName: string;
  accentColour: string;
  contactEmail: string;
  contactPhone: string;
  contactUrl: string;
  licence: string;
  hosts: string;
};

export type BrandChange = {
  displayName: string | null;
  accentColour: string | null;
  contactEmail: string | null;
  contactPhone: string | null;
  contactUrl: string | null;
  licence: ReportLicence;
  hosts: string[];
};

/** Each field's problem (by field name), or the change to save. Host names taken by another partnership are checked by saveBrand. */
export function readBrandInput(input: BrandInput): { change: BrandChange; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const opt = (v: string) => (v.trim() === '' ? null : v.trim());
  const displayName = opt(input.displayName);
  if (displayName) {
    const p = textProblem(displayName, { label: 'The name shown', max: 200 });
    if (p) problems.display_name = p;
  }
  let accentColour: string | null = null;
  if (opt(input.accentColour)) {
    const verdict = judgeAccentColour(input.accentColour);
    if (verdict.ok) accentColour = verdict.colour;
    else problems.accent_colour = verdict.problem;
  }
  const contactEmail = opt(input.contactEmail);
  if (contactEmail && (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(contactEmail) || contactEmail.length > 254)) {
    problems.contact_email = 'Enter an email address in the correct format, like reviews@example.org.uk';
  }
  const contactPhone = opt(input.contactPhone);
  if (contactPhone && !/^\+?[0-9 ()-]{6,30}(\s*(ext|extension)\.?\s*\d{1,6})?$/i.test(contactPhone)) {
    problems.contact_phone = 'Enter a telephone number, like 01632 960 001';
  }
  const contactUrl = opt(input.contactUrl);
  if (contactUrl) {
    let ok: boolean;
    try {
      const u = new URL(contactUrl);
      ok = u.protocol === 'https:' && !u.username && !u.password && contactUrl.length <= 500;
    } catch {
      ok = false;
    }
    if (!ok) problems.contact_url = 'Enter the address of a web page starting with https://';
  }
  const licence = LICENCE_KEYS.includes(input.licence as ReportLicence) ? (input.licence as ReportLicence) : null;
  if (!licence) problems.licence = 'Choose the licence the partnership publishes its reports under';
  const { hosts, problems: hostProblems } = readHostNames(input.hosts);
  if (hostProblems.length > 0) problems.hosts = hostProblems[0];
  return { change: { displayName, accentColour, contactEmail, contactPhone, contactUrl, licence: licence ?? 'all-rights-reserved', hosts }, problems };
}

export class HostTakenError extends Error {
  readonly host: string;
  constructor(host: string, reason: string) {
    super(reason);
    this.host = host;
  }
}

/**
 * Saves the brand and the host names (replacing the ones held). Refuses a host name another
 * partnership holds, or the deployment's own. Returns what was before, for the audit trail.
 */
export async function saveBrand(
  trx: Kysely<DB>,
  partnershipId: string,
  change: BrandChange,
  logo: { set: LogoImage } | { remove: true } | null,
  reservedHosts: string[],
): Promise<{ before: Record<string, unknown>; after: Record<string, unknown> }> {
  for (const host of change.hosts) {
    if (reservedHosts.includes(host)) throw new HostTakenError(host, `${host} is this service’s own address: its shared national pages stay there`);
  }
  const taken = change.hosts.length
    ? await trx.selectFrom('partnership_hosts as h').innerJoin('partnerships as p', 'p.id', 'h.partnership_id').select(['h.host', 'p.name']).where('h.host', 'in', change.hosts).where('h.partnership_id', '!=', partnershipId).execute()
    : [];
  if (taken.length > 0) throw new HostTakenError(taken[0].host, `${taken[0].host} is already the address of ${taken[0].name}’s pages`);
  const before = await trx.selectFrom('partnership_brands').selectAll().where('partnership_id', '=', partnershipId).executeTakeFirst();
  const beforeHosts = (await trx.selectFrom('partnership_hosts').select('host').where('partnership_id', '=', partnershipId).orderBy('host').execute()).map((h) => h.host);
  const values = {
    display_name: change.displayName,
    accent_colour: change.accentColour,
    contact_email: change.contactEmail,
    contact_phone: change.contactPhone,
    contact_url: change.contactUrl,
    licence: change.licence,
    updated_at: new Date(),
    ...(logo && 'set' in logo ? { logo: logo.set.bytes, logo_type: logo.set.type } : {}),
    ...(logo && 'remove' in logo ? { logo: null, logo_type: null } : {}),
  };
  await trx
    .insertInto('partnership_brands')
    .values({ partnership_id: partnershipId, ...values })
    .onConflict((oc) => oc.column('partnership_id').doUpdateSet(values))
    .execute();
  await trx.deleteFrom('partnership_hosts').where('partnership_id', '=', partnershipId).execute();
  if (change.hosts.length) await trx.insertInto('partnership_hosts').values(change.hosts.map((host) => ({ host, partnership_id: partnershipId }))).execute();
  const summary = (b: typeof before, hosts: string[]) => ({
    displayName: b?.display_name ?? null,
    accentColour: b?.accent_colour ?? null,
    contactEmail: b?.contact_email ?? null,
    contactPhone: b?.contact_phone ?? null,
    contactUrl: b?.contact_url ?? null,
    licence: b?.licence ?? 'all-rights-reserved',
    logo: b?.logo_type ?? null,
    hosts,
  });
  return {
    before: summary(before, beforeHosts),
    after: {
      ...summary({ ...(before ?? {}), ...values, partnership_id: partnershipId } as NonNullable<typeof before>, [...change.hosts].sort()),
    },
  };
}
