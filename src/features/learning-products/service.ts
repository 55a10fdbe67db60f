import type { Kysely } from 'kysely';
import { checkStep, contentProblems, isKind, slugify, type Kind, type Problem, type Role, type Status } from '../../domain/learning-products/products.ts';
import { followUpDueAt, linkExpiresAt, reachByAgency, readMembers, type LineProblem, type Member, type ReachRow } from '../../domain/learning-products/reach.ts';
import { can, partnershipsWith, type Principal } from '../../platform/auth/policy.ts';
import { randomToken, sha256 } from '../../platform/auth/secrets.ts';
import { openField, sealField, type FieldCipher } from '../../platform/crypto/field-encryption.ts';
import { withTenant, type TenantScope } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import type { MailMessage } from '../../platform/mail/mailer.ts';
import { isUuid, type Actor } from '../cases/service.ts';

/**
 * Learning products in their own right and their reach (Working Together 2023, chapter 5: share
 * findings widely and follow up so they change practice). Free of HTTP: callers check access with
 * `productAccess` and make every change through `req.change` with its audit entry; each function
 * that changes data takes the caller's transaction.
 *
 * Who does what: the business unit (case:write) writes products, keeps distribution lists and
 * sends; a statutory partner's lead (case:sign-off) approves or sends back; the partnership's staff
 * (case:read) and its agencies' contributors (agency-request:respond) read published products;
 * anyone reads a published product marked public. A recipient reaches their own page through the
 * link in their email, without signing in: the link's token (random, stored only as its SHA-256,
 * with an expiry) says who they are.
 */

export type Outcome<T = object> = ({ ok: true } & T) | { ok: false; problems: Problem[]; conflict?: boolean };

export const READ_PERMISSIONS = ['case:read', 'agency-request:respond'] as const;

/** Partnerships whose products the person may see (published ones, or all for the business unit and leads). */
export function productScope(principal: Principal): TenantScope {
  const scopes = READ_PERMISSIONS.map((p) => partnershipsWith(principal, p));
  return scopes.includes('all') ? 'all' : [...new Set(scopes.flat() as string[])];
}

export type ProductAccess = { read: boolean; readDrafts: boolean; write: boolean; approve: boolean; reach: boolean };

export function productAccess(principal: Principal | null | undefined, product: { partnershipId: string; status: Status }): ProductAccess {
  const scope = { partnershipId: product.partnershipId };
  const staff = can(principal, 'case:read', scope);
  const write = can(principal, 'case:write', scope);
  const approve = can(principal, 'case:sign-off', scope);
  const agency = can(principal, 'agency-request:respond', scope);
  return { read: staff || (agency && product.status === 'published'), readDrafts: staff, write, approve, reach: staff };
}

/**
 * The product as the person may read it; null when they may not. An agency's contributor reads a
 * published product, and of the reviews it draws on only the published ones: which of the
 * partnership's cases it drew on is the partnership's staff's to know (need to know), not an agency's.
 */
export function asReadBy(principal: Principal | null | undefined, product: ProductView): ProductView | null {
  const may = productAccess(principal, product);
  if (!may.read) return null;
  return may.readDrafts ? product : { ...product, sources: product.sources.filter((s) => s.publicHref) };
}

export type SourceView = { publicationId: string | null; incidentId: string | null; title: string; href: string | null; publicHref: string | null };

export type ProductView = {
  id: string;
  partnershipId: string;
  partnershipName: string;
  kind: Kind;
  title: string;
  slug: string;
  theme: string | null;
  sections: Record<string, string>;
  status: Status;
  public: boolean;
  submittedBy: string | null;
  submittedAt: Date | null;
  approvedByName: string | null;
  approvedAt: Date | null;
  publishedAt: Date | null;
  version: number;
  updatedAt: Date;
  sources: SourceView[];
};

export type ProductSummary = Omit<ProductView, 'sections' | 'sources'>;

type Row = {
  id: string;
  partnership_id: string;
  partnership_name: string;
  kind: Kind;
  title: string;
  slug: string;
  theme: string | null;
  sections: Record<string, string>;
  status: Status;
  public: boolean;
  submitted_by: string | null;
  submitted_at: Date | null;
  approved_by_name: string | null;
  approved_at: Date | null;
  published_at: Date | null;
  version: number;
  updated_at: Date;
};

function summaryOf(r: Row): ProductSummary {
  return {
    id: r.id,
    partnershipId: r.partnership_id,
    partnershipName: r.partnership_name,
    kind: r.kind,
    title: r.title,
    slug: r.slug,
    theme: r.theme,
    status: r.status,
    public: r.public,
    submittedBy: r.submitted_by,
    submittedAt: r.submitted_at,
    approvedByName: r.approved_by_name,
    approvedAt: r.approved_at,
    publishedAt: r.published_at,
    version: r.version,
    updatedAt: r.updated_at,
  };
}

function baseQuery(trx: Kysely<DB>) {
  return trx
    .selectFrom('learning_products as p')
    .innerJoin('partnerships as pa', 'pa.id', 'p.partnership_id')
    .select([
      'p.id',
      'p.partnership_id',
      'pa.name as partnership_name',
      'p.kind',
      'p.title',
      'p.slug',
      'p.theme',
      'p.sections',
      'p.status',
      'p.public',
      'p.submitted_by',
      'p.submitted_at',
      'p.approved_by_name',
      'p.approved_at',
      'p.published_at',
      'p.version',
      'p.updated_at',
    ]);
}

async function sourcesOf(trx: Kysely<DB>, productIds: string[]): Promise<Map<string, SourceView[]>> {
  const out = new Map<string, SourceView[]>();
  if (!productIds.length) return out;
  const rows = await trx
    .selectFrom('learning_product_sources as s')
    .leftJoin('publications as pub', 'pub.id', 's.publication_id')
    .leftJoin('incidents as i', 'i.id', 's.incident_id')
    .select(['s.product_id', 's.publication_id', 's.incident_id', 'pub.title as pub_title', 'pub.slug as pub_slug', 'i.reference as reference'])
    .where('s.product_id', 'in', productIds)
    .orderBy('pub.title')
    .orderBy('i.reference')
    .execute();
  for (const r of rows) {
    const list = out.get(r.product_id) ?? [];
    list.push({
      publicationId: r.publication_id,
      incidentId: r.incident_id,
      title: r.pub_title ?? `Case ${r.reference ?? ''}`.trim(),
      href: r.pub_slug ? `/reviews/${r.pub_slug}` : r.incident_id ? `/cases/${r.incident_id}/review` : null,
      publicHref: r.pub_slug ? `/reviews/${r.pub_slug}` : null,
    });
    out.set(r.product_id, list);
  }
  return out;
}

/** The products the person may see: drafts for the partnership's staff, published ones for its agencies. */
export async function listProducts(db: Kysely<DB>, principal: Principal): Promise<ProductSummary[]> {
  const scope = productScope(principal);
  if (scope !== 'all' && scope.length === 0) return [];
  const rows = await withTenant(db, scope, async (trx) => {
    let q = baseQuery(trx).orderBy('p.updated_at', 'desc').limit(500);
    if (scope !== 'all') q = q.where('p.partnership_id', 'in', scope);
    return (await q.execute()) as Row[];
  });
  return rows.map(summaryOf).filter((p) => productAccess(principal, p).read);
}

export async function loadProduct(db: Kysely<DB>, scope: TenantScope, id: string): Promise<ProductView | null> {
  if (!isUuid(id) || (scope !== 'all' && scope.length === 0)) return null;
  return withTenant(db, scope, async (trx) => {
    let q = baseQuery(trx).where('p.id', '=', id);
    if (scope !== 'all') q = q.where('p.partnership_id', 'in', scope);
    const row = (await q.executeTakeFirst()) as Row | undefined;
    if (!row) return null;
    return { ...summaryOf(row), sections: row.sections ?? {}, sources: (await sourcesOf(trx, [row.id])).get(row.id) ?? [] };
  });
}

/** The partnership of a product, whoever asks (for the audit trail of a refusal). */
export async function productPartnership(db: Kysely<DB>, id: string): Promise<string | null> {
  if (!isUuid(id)) return null;
  const row = await withTenant(db, 'all', (trx) => trx.selectFrom('learning_products').select('partnership_id').where('id', '=', id).executeTakeFirst());
  return row?.partnership_id ?? null;
}

/** A published product marked public, by its address; null for anything else. */
export async function loadPublicProduct(db: Kysely<DB>, slug: string, partnershipId?: string): Promise<ProductView | null> {
  if (!/^[a-z0-9-]{1,120}$/.test(slug)) return null;
  return withTenant(db, 'all', async (trx) => {
    let q = baseQuery(trx).where('p.slug', '=', slug).where('p.status', '=', 'published').where('p.public', '=', true);
    if (partnershipId) q = q.where('p.partnership_id', '=', partnershipId);
    const row = (await q.executeTakeFirst()) as Row | undefined;
    if (!row) return null;
    // The public sees only the published reviews a product draws on, never a case of the partnership.
    const sources = ((await sourcesOf(trx, [row.id])).get(row.id) ?? []).filter((s) => s.publicHref);
    return { ...summaryOf(row), sections: row.sections ?? {}, sources };
  });
}

/** Published public products, newest first: for the public learning pages (optionally one partnership's, or one review's). */
export async function publicProducts(db: Kysely<DB>, options: { partnershipId?: string; publicationId?: string } = {}): Promise<ProductSummary[]> {
  return withTenant(db, 'all', async (trx) => {
    let q = baseQuery(trx).where('p.status', '=', 'published').where('p.public', '=', true).orderBy('p.published_at', 'desc').limit(200);
    if (options.partnershipId) q = q.where('p.partnership_id', '=', options.partnershipId);
    if (options.publicationId) {
      const pubId = options.publicationId;
      q = q.where((eb) => eb.exists(eb.selectFrom('learning_product_sources as s').select('s.id').whereRef('s.product_id', '=', 'p.id').where('s.publication_id', '=', pubId)));
    }
    return ((await q.execute()) as Row[]).map(summaryOf);
  });
}

export type SourceOption = { value: string; text: string };

/**
 * What a product may draw on: every review published in the repository (local reviews of any
 * partnership, national reviews, imported serious case reviews) and the partnership's own cases
 * that have a review.
 */
export async function sourceOptions(db: Kysely<DB>, partnershipId: string): Promise<{ publications: SourceOption[]; cases: SourceOption[] }> {
  return withTenant(db, [partnershipId], async (trx) => {
    const pubs = await trx.selectFrom('publications').select(['id', 'title', 'published_on']).orderBy('published_on', 'desc').limit(1000).execute();
    const cases = await trx
      .selectFrom('incidents as i')
      .innerJoin('reviews as r', 'r.incident_id', 'i.id')
      .select(['i.id', 'i.reference'])
      .where('i.partnership_id', '=', partnershipId)
      .orderBy('i.reference')
      .execute();
    return {
      publications: pubs.map((p) => ({ value: `publication:${p.id}`, text: `${p.title} (published ${String(p.published_on).slice(0, 4)})` })),
      cases: cases.map((c) => ({ value: `incident:${c.id}`, text: `Case ${c.reference}` })),
    };
  });
}

export type ProductInput = { kind: string; title: string; slug: string; theme: string; sections: Record<string, string>; sources: string[]; public: boolean };

type ParsedSources = { publications: string[]; incidents: string[] };

function parseSources(values: string[]): ParsedSources | null {
  const out: ParsedSources = { publications: [], incidents: [] };
  for (const v of values) {
    const [kind, id] = v.split(':');
    if (!isUuid(id ?? '')) return null;
    if (kind === 'publication') out.publications.push(id);
    else if (kind === 'incident') out.incidents.push(id);
    else return null;
  }
  out.publications = [...new Set(out.publications)];
  out.incidents = [...new Set(out.incidents)];
  return out;
}

async function checkInput(trx: Kysely<DB>, partnershipId: string, input: ProductInput, exceptId: string | null): Promise<{ problems: Problem[]; sources: ParsedSources; slug: string }> {
  const slug = input.slug.trim() || slugify(input.title);
  const problems = contentProblems({ ...input, slug });
  const sources = parseSources(input.sources) ?? { publications: [], incidents: [] };
  if (!parseSources(input.sources)) problems.push({ field: 'sources', message: 'Select reviews from the list' });
  const options = await sourceOptions(trx, partnershipId);
  const known = new Set([...options.publications, ...options.cases].map((o) => o.value));
  if (input.sources.some((s) => !known.has(s))) problems.push({ field: 'sources', message: 'Select reviews from the list' });
  if (input.theme) {
    const theme = await trx.selectFrom('themes').select('key').where('key', '=', input.theme).executeTakeFirst();
    if (!theme) problems.push({ field: 'theme', message: 'Select a theme from the list' });
  }
  if (!problems.some((p) => p.field === 'slug')) {
    // Addresses are unique across every partnership: look across them all.
    const taken = await withTenant(trx, 'all', (t) => {
      let q = t.selectFrom('learning_products').select('id').where('slug', '=', slug);
      if (exceptId) q = q.where('id', '<>', exceptId);
      return q.executeTakeFirst();
    });
    if (taken) problems.push({ field: 'slug', message: input.slug.trim() ? 'Another learning product already has this web address' : 'Another learning product already has a web address made from this title: enter a web address' });
  }
  return { problems, sources, slug };
}

async function replaceSources(trx: Kysely<DB>, partnershipId: string, productId: string, sources: ParsedSources): Promise<void> {
  await trx.deleteFrom('learning_product_sources').where('product_id', '=', productId).where('partnership_id', '=', partnershipId).execute();
  const rows = [
    ...sources.publications.map((id) => ({ partnership_id: partnershipId, product_id: productId, publication_id: id, incident_id: null })),
    ...sources.incidents.map((id) => ({ partnership_id: partnershipId, product_id: productId, publication_id: null, incident_id: id })),
  ];
  if (rows.length) await trx.insertInto('learning_product_sources').values(rows).execute();
}

function cleanSections(kind: string, sections: Record<string, string>): Record<string, string> {
  if (!isKind(kind)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(sections)) if (v.trim()) out[k] = v.replace(/\r\n?/g, '\n').trim();
  return out;
}

/** Writes a new draft product. */
export async function addProduct(trx: Kysely<DB>, partnershipId: string, actor: Actor, input: ProductInput): Promise<Outcome<{ id: string; slug: string }>> {
  const { problems, sources, slug } = await checkInput(trx, partnershipId, input, null);
  if (problems.length) return { ok: false, problems };
  return withTenant(trx, [partnershipId], async (t) => {
    const row = await t
      .insertInto('learning_products')
      .values({
        partnership_id: partnershipId,
        kind: input.kind as Kind,
        title: input.title.trim(),
        slug,
        theme: input.theme || null,
        sections: JSON.stringify(cleanSections(input.kind, input.sections)),
        public: input.public,
        created_by: actor.userId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await replaceSources(t, partnershipId, row.id, sources);
    return { ok: true, id: row.id, slug };
  });
}

const CONFLICT: Problem = { field: 'version', message: 'Someone else changed this product since you opened the page. Their changes are shown: check them, then make yours again.' };

/** Changes a product that is a draft, if nobody else has since `version`. */
export async function updateProduct(trx: Kysely<DB>, product: ProductView, input: ProductInput, version: number): Promise<Outcome> {
  if (product.status !== 'draft') return { ok: false, problems: [{ field: 'state', message: 'Only a draft can be changed. Ask for it to be sent back, or take it down first.' }] };
  const { problems, sources, slug } = await checkInput(trx, product.partnershipId, input, product.id);
  if (problems.length) return { ok: false, problems };
  return withTenant(trx, [product.partnershipId], async (t) => {
    const result = await t
      .updateTable('learning_products')
      .set((eb) => ({
        kind: input.kind as Kind,
        title: input.title.trim(),
        slug,
        theme: input.theme || null,
        sections: JSON.stringify(cleanSections(input.kind, input.sections)),
        public: input.public,
        version: eb('version', '+', 1),
        updated_at: new Date(),
      }))
      .where('id', '=', product.id)
      .where('status', '=', 'draft')
      .where('version', '=', version)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return { ok: false, problems: [CONFLICT], conflict: true };
    await replaceSources(t, product.partnershipId, product.id, sources);
    return { ok: true };
  });
}

/** Moves a product on: sent for review, approved and published, sent back, or taken down. */
export async function takeStep(trx: Kysely<DB>, product: ProductView, actor: Actor, role: Role, step: string, version: number): Promise<Outcome<{ from: Status; to: Status }>> {
  const check = checkStep(product.status, step, role, { title: product.title, kind: product.kind, sections: product.sections, sourceCount: product.sources.length }, { userId: actor.userId, submittedBy: product.submittedBy });
  if (!check.ok) return check;
  const now = new Date();
  const set =
    check.to === 'in-review'
      ? { submitted_by: actor.userId, submitted_at: now }
      : check.to === 'published'
        ? { approved_by: actor.userId, approved_by_name: actor.name, approved_at: now, published_at: now }
        : { submitted_by: null, submitted_at: null, approved_by: null, approved_by_name: null, approved_at: null, published_at: null };
  return withTenant(trx, [product.partnershipId], async (t) => {
    const result = await t
      .updateTable('learning_products')
      .set((eb) => ({ ...set, status: check.to, version: eb('version', '+', 1), updated_at: now }))
      .where('id', '=', product.id)
      .where('status', '=', product.status)
      .where('version', '=', version)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return { ok: false, problems: [CONFLICT], conflict: true };
    return { ok: true, from: product.status, to: check.to };
  });
}

// ---- Distribution lists ------------------------------------------------------------------------

export type ListView = { id: string; partnershipId: string; name: string; version: number; members: (Member & { agencyName: string | null })[] };

export async function agenciesOf(db: Kysely<DB>, partnershipId: string): Promise<{ id: string; name: string }[]> {
  return db.selectFrom('agencies').select(['id', 'name']).where('partnership_id', '=', partnershipId).orderBy('name').execute();
}

export async function listLists(db: Kysely<DB>, partnershipId: string): Promise<{ id: string; name: string; members: number }[]> {
  return withTenant(db, [partnershipId], async (trx) => {
    const rows = await trx
      .selectFrom('distribution_lists as l')
      .leftJoin('distribution_list_members as m', 'm.list_id', 'l.id')
      .select((eb) => ['l.id', 'l.name', eb.fn.count<string>('m.id').as('members')])
      .where('l.partnership_id', '=', partnershipId)
      .groupBy(['l.id', 'l.name'])
      .orderBy('l.name')
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name, members: Number(r.members) }));
  });
}

export async function loadList(db: Kysely<DB>, partnershipId: string, id: string): Promise<ListView | null> {
  if (!isUuid(id)) return null;
  return withTenant(db, [partnershipId], async (trx) => {
    const list = await trx.selectFrom('distribution_lists').selectAll().where('id', '=', id).where('partnership_id', '=', partnershipId).executeTakeFirst();
    if (!list) return null;
    const members = await trx
      .selectFrom('distribution_list_members as m')
      .leftJoin('agencies as a', 'a.id', 'm.agency_id')
      .select(['m.email', 'm.agency_id', 'a.name as agency_name'])
      .where('m.list_id', '=', id)
      .orderBy('m.email')
      .execute();
    return { id: list.id, partnershipId, name: list.name, version: list.version, members: members.map((m) => ({ email: m.email, agencyId: m.agency_id, agencyName: m.agency_name })) };
  });
}

export type ListOutcome = { ok: true; id: string; count: number } | { ok: false; problems: Problem[]; lines: LineProblem[]; conflict?: boolean };

/** Saves a list (new, or replacing `existing`'s name and members); a list with any bad line is not saved. */
export async function saveList(trx: Kysely<DB>, partnershipId: string, input: { name: string; members: string }, existing: { id: string; version: number } | null): Promise<ListOutcome> {
  return withTenant(trx, [partnershipId], async (t) => {
    const problems: Problem[] = [];
    const name = input.name.trim();
    if (!name) problems.push({ field: 'name', message: 'Enter a name for the list' });
    else if (name.length > 200) problems.push({ field: 'name', message: 'The name must be 200 characters or fewer' });
    else {
      let q = t.selectFrom('distribution_lists').select('id').where('partnership_id', '=', partnershipId).where('name', '=', name);
      if (existing) q = q.where('id', '<>', existing.id);
      if (await q.executeTakeFirst()) problems.push({ field: 'name', message: 'The partnership already has a list with this name' });
    }
    const read = readMembers(input.members, await agenciesOf(t, partnershipId));
    for (const p of read.problems) problems.push({ field: 'members', message: p.message });
    if (problems.length) return { ok: false, problems, lines: read.problems };
    let id: string;
    if (existing) {
      const r = await t
        .updateTable('distribution_lists')
        .set((eb) => ({ name, version: eb('version', '+', 1), updated_at: new Date() }))
        .where('id', '=', existing.id)
        .where('partnership_id', '=', partnershipId)
        .where('version', '=', existing.version)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return { ok: false, problems: [{ field: 'version', message: CONFLICT.message.replace('product', 'list') }], lines: [], conflict: true };
      await t.deleteFrom('distribution_list_members').where('list_id', '=', existing.id).where('partnership_id', '=', partnershipId).execute();
      id = existing.id;
    } else {
      id = (await t.insertInto('distribution_lists').values({ partnership_id: partnershipId, name }).returning('id').executeTakeFirstOrThrow()).id;
    }
    await t
      .insertInto('distribution_list_members')
      .values(read.members.map((m) => ({ partnership_id: partnershipId, list_id: id, email: m.email, agency_id: m.agencyId })))
      .execute();
    return { ok: true, id, count: read.members.length };
  });
}

// ---- Sending -----------------------------------------------------------------------------------

export type Outgoing = { recipientId: string; email: string; token: string };
export type SendOutcome = { ok: true; sendId: string; outgoing: Outgoing[]; already: number } | { ok: false; problems: Problem[]; lines: LineProblem[] };

/**
 * Records a send of a published product to the chosen lists and the people typed in: one row and
 * one random link a person, a person who already had the product skipped (it goes to an address
 * once). Any bad line among the people typed in, or a list that is not the partnership's, and
 * nothing is recorded, so nothing is sent. The emails go after this commits (`deliver`).
 */
export async function recordSend(
  trx: Kysely<DB>,
  product: ProductView,
  actor: Actor,
  input: { listIds: string[]; others: string; followUpDays: number },
  now = new Date(),
): Promise<SendOutcome> {
  const problems: Problem[] = [];
  if (product.status !== 'published') return { ok: false, problems: [{ field: 'state', message: 'Only a published product can be sent' }], lines: [] };
  return withTenant(trx, [product.partnershipId], async (t) => {
    const agencies = await agenciesOf(t, product.partnershipId);
    const others = input.others.trim() ? readMembers(input.others, agencies) : { members: [], problems: [] };
    for (const p of others.problems) problems.push({ field: 'others', message: p.message });
    // Only well-formed ids are looked up (an empty "in" list is not SQL); any other value is a list that is not there.
    const wellFormed = [...new Set(input.listIds.filter(isUuid))];
    const lists = wellFormed.length ? await t.selectFrom('distribution_lists').select(['id', 'name']).where('partnership_id', '=', product.partnershipId).where('id', 'in', wellFormed).execute() : [];
    if (lists.length !== new Set(input.listIds).size) problems.push({ field: 'listIds', message: 'Select lists from the list' });
    if (!input.listIds.length && !input.others.trim()) problems.push({ field: 'listIds', message: 'Select a distribution list or enter the people to send it to' });
    if (problems.length) return { ok: false, problems, lines: others.problems };
    const listMembers = lists.length ? await t.selectFrom('distribution_list_members').select(['email', 'agency_id']).where('list_id', 'in', lists.map((l) => l.id)).execute() : [];
    const everyone = new Map<string, string | null>();
    for (const m of [...listMembers.map((m) => ({ email: m.email, agencyId: m.agency_id })), ...others.members]) if (!everyone.has(m.email)) everyone.set(m.email, m.agencyId);
    const listName = [...lists.map((l) => l.name), ...(others.members.length ? ['people named on the form'] : [])].join(', ').slice(0, 500);
    const send = await t
      .insertInto('learning_sends')
      .values({ partnership_id: product.partnershipId, product_id: product.id, list_id: lists.length === 1 ? lists[0].id : null, list_name: listName, follow_up_days: input.followUpDays, sent_by: actor.userId, sent_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    const outgoing: Outgoing[] = [];
    let already = 0;
    for (const [email, agencyId] of everyone) {
      const token = randomToken();
      const row = await t
        .insertInto('learning_recipients')
        .values({
          partnership_id: product.partnershipId,
          send_id: send.id,
          product_id: product.id,
          email,
          agency_id: agencyId,
          token_hash: sha256(token),
          expires_at: linkExpiresAt(now, input.followUpDays),
          follow_up_due_at: followUpDueAt(now, input.followUpDays),
        })
        .onConflict((oc) => oc.columns(['product_id', 'email']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (row) outgoing.push({ recipientId: row.id, email, token });
      else already++;
    }
    return { ok: true, sendId: send.id, outgoing, already };
  });
}

export function productEmail(input: { partnershipName: string; kindLabel: string; title: string; link: string }): { subject: string; text: string } {
  return {
    subject: `${input.kindLabel}: ${input.title}`,
    text: [
      `${input.partnershipName} has published a ${input.kindLabel} for practitioners: ${input.title}.`,
      '',
      'Read it here (the link is yours alone; no sign-in is needed):',
      input.link,
      '',
      'When you have read it and discussed it with your team, say so on the same page. It takes a minute, and helps the partnership know its learning reached practice.',
    ].join('\n'),
  };
}

export function followUpEmail(input: { partnershipName: string; title: string; link: string }): { subject: string; text: string } {
  return {
    subject: `What changed in your practice? ${input.title}`,
    text: [
      `Some weeks ago you read and discussed “${input.title}” from ${input.partnershipName}. Thank you.`,
      '',
      'One question: what changed in your practice, or your team’s, as a result? Answer here (no sign-in is needed):',
      input.link,
    ].join('\n'),
  };
}

/** Sends the emails of a recorded send, one by one; a failed email is reported, the others still go. */
export async function deliver(
  mailer: { sendMail(m: MailMessage): Promise<unknown> },
  product: ProductView,
  outgoing: Outgoing[],
  base: string,
  kindLabel: string,
): Promise<{ sent: string[]; failed: number }> {
  const sent: string[] = [];
  let failed = 0;
  for (const o of outgoing) {
    try {
      await mailer.sendMail({ to: o.email, ...productEmail({ partnershipName: product.partnershipName, kindLabel, title: product.title, link: `${base}/read/${o.token}` }) });
      sent.push(o.recipientId);
    } catch {
      failed++;
    }
  }
  return { sent, failed };
}

export async function markEmailed(trx: Kysely<DB>, partnershipId: string, recipientIds: string[], now = new Date()): Promise<void> {
  if (!recipientIds.length) return;
  await withTenant(trx, [partnershipId], (t) => t.updateTable('learning_recipients').set({ emailed_at: now }).where('id', 'in', recipientIds).where('partnership_id', '=', partnershipId).execute());
}

// ---- The recipient's page ----------------------------------------------------------------------

export type RecipientView = {
  id: string;
  partnershipId: string;
  productId: string;
  openedBefore: boolean;
  acknowledgedAt: Date | null;
  reflection: string;
  followUpSentAt: Date | null;
  followUpAnswer: string;
  followUpAnsweredAt: Date | null;
};

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export type LinkCheck = { status: 'valid'; recipient: RecipientView } | { status: 'unknown' } | { status: 'expired' } | { status: 'taken-down' };

/**
 * Whose link this is: the first link or the follow-up's, while it has not expired and its product is
 * published. A product taken down to be corrected is a draft nobody has approved: its links show
 * nothing of it (and take no answer) until it is approved and published again.
 */
export async function checkLink(db: Kysely<DB>, cipher: FieldCipher, token: string, now = new Date()): Promise<LinkCheck> {
  if (!TOKEN_SHAPE.test(token)) return { status: 'unknown' };
  const hash = sha256(token);
  const row = await withTenant(db, 'all', (trx) =>
    trx
      .selectFrom('learning_recipients as r')
      .innerJoin('learning_products as p', 'p.id', 'r.product_id')
      .selectAll('r')
      .select('p.status as product_status')
      .where((eb) => eb.or([eb('r.token_hash', '=', hash), eb('r.follow_up_token_hash', '=', hash)]))
      .executeTakeFirst(),
  );
  if (!row) return { status: 'unknown' };
  if (new Date(row.expires_at) <= now) return { status: 'expired' };
  if (row.product_status !== 'published') return { status: 'taken-down' };
  return {
    status: 'valid',
    recipient: {
      id: row.id,
      partnershipId: row.partnership_id,
      productId: row.product_id,
      openedBefore: row.opens > 0,
      acknowledgedAt: row.acknowledged_at,
      reflection: openField(cipher, row.reflection_enc),
      followUpSentAt: row.follow_up_sent_at,
      followUpAnswer: openField(cipher, row.follow_up_answer_enc),
      followUpAnsweredAt: row.follow_up_answered_at,
    },
  };
}

/** The person clicked their link: counted, the first time kept. */
export async function recordOpen(trx: Kysely<DB>, recipient: RecipientView, now = new Date()): Promise<void> {
  await withTenant(trx, [recipient.partnershipId], (t) =>
    t
      .updateTable('learning_recipients')
      .set((eb) => ({ opens: eb('opens', '+', 1), first_opened_at: eb.fn.coalesce('first_opened_at', eb.val(now)) }))
      .where('id', '=', recipient.id)
      .execute(),
  );
}

export const REFLECTION_MAX = 5_000;

export async function acknowledge(trx: Kysely<DB>, cipher: FieldCipher, recipient: RecipientView, input: { confirmed: boolean; reflection: string }, now = new Date()): Promise<Outcome> {
  const problems: Problem[] = [];
  if (!input.confirmed) problems.push({ field: 'confirmed', message: 'Confirm that you have read this and discussed it with your team' });
  if (input.reflection.length > REFLECTION_MAX) problems.push({ field: 'reflection', message: `Your reflection must be ${REFLECTION_MAX.toLocaleString('en-GB')} characters or fewer` });
  if (problems.length) return { ok: false, problems };
  if (recipient.acknowledgedAt) return { ok: false, problems: [{ field: 'confirmed', message: 'You have already said you read and discussed this. Thank you.' }] };
  await withTenant(trx, [recipient.partnershipId], (t) =>
    t
      .updateTable('learning_recipients')
      .set({ acknowledged_at: now, reflection_enc: input.reflection.trim() ? sealField(cipher, input.reflection.trim()) : null })
      .where('id', '=', recipient.id)
      .where('acknowledged_at', 'is', null)
      .execute(),
  );
  return { ok: true };
}

export async function answerFollowUp(trx: Kysely<DB>, cipher: FieldCipher, recipient: RecipientView, answer: string, now = new Date()): Promise<Outcome> {
  if (!recipient.followUpSentAt) return { ok: false, problems: [{ field: 'answer', message: 'There is no follow-up question for you yet' }] };
  if (!answer.trim()) return { ok: false, problems: [{ field: 'answer', message: 'Say what changed in your practice (or that nothing has yet, and why)' }] };
  if (answer.length > REFLECTION_MAX) return { ok: false, problems: [{ field: 'answer', message: `Your answer must be ${REFLECTION_MAX.toLocaleString('en-GB')} characters or fewer` }] };
  // An answer is kept as given: a second one (another tab, a replayed form) is refused, never written over it.
  const taken = await withTenant(trx, [recipient.partnershipId], (t) =>
    t
      .updateTable('learning_recipients')
      .set({ follow_up_answer_enc: sealField(cipher, answer.trim()), follow_up_answered_at: now })
      .where('id', '=', recipient.id)
      .where('follow_up_answered_at', 'is', null)
      .executeTakeFirst(),
  );
  if (Number(taken.numUpdatedRows) === 0) return { ok: false, problems: [{ field: 'answer', message: 'You have already answered this question: your answer is kept as you gave it. Thank you.' }] };
  return { ok: true };
}

// ---- Follow-up question ------------------------------------------------------------------------

export type AuditRecorder = (trx: Kysely<DB>, entry: { action: string; partnershipId: string; recordType: string; recordId: string; changes: Record<string, unknown> }) => Promise<void>;

/**
 * Sends the follow-up question to every person whose time has come and who acknowledged the
 * product, each once whatever the instances running it: a row is claimed by an update that sets
 * follow_up_sent_at only while it is still empty, in a transaction with its audit entry; only the
 * run whose update took sends. A failed email gives the row back, so a later run tries again.
 */
export async function sendDueFollowUps(
  db: Kysely<DB>,
  mailer: { sendMail(m: MailMessage): Promise<unknown> },
  base: string,
  record: AuditRecorder,
  options: { partnershipId?: string; now?: Date } = {},
): Promise<{ sent: number; failed: number }> {
  const now = options.now ?? new Date();
  const scope: TenantScope = options.partnershipId ? [options.partnershipId] : 'all';
  const due = await withTenant(db, scope, (trx) => {
    let q = trx
      .selectFrom('learning_recipients as r')
      .innerJoin('learning_products as p', 'p.id', 'r.product_id')
      .innerJoin('partnerships as pa', 'pa.id', 'r.partnership_id')
      .select(['r.id', 'r.partnership_id', 'r.email', 'p.title', 'pa.name as partnership_name'])
      .where('r.acknowledged_at', 'is not', null)
      .where('r.follow_up_sent_at', 'is', null)
      .where('r.follow_up_due_at', '<=', now)
      .where('r.expires_at', '>', now)
      // A product taken down to be corrected takes no answers: its follow-ups wait until it is published again.
      .where('p.status', '=', 'published')
      .limit(500);
    if (options.partnershipId) q = q.where('r.partnership_id', '=', options.partnershipId);
    return q.execute();
  });
  let sent = 0;
  let failed = 0;
  for (const r of due) {
    const token = randomToken();
    const claimed = await withTenant(db, [r.partnership_id], async (trx) => {
      const u = await trx
        .updateTable('learning_recipients')
        .set({ follow_up_sent_at: now, follow_up_token_hash: sha256(token) })
        .where('id', '=', r.id)
        .where('follow_up_sent_at', 'is', null)
        .executeTakeFirst();
      if (Number(u.numUpdatedRows) !== 1) return false;
      await record(trx, { action: 'learning-follow-up-sent', partnershipId: r.partnership_id, recordType: 'learning-recipient', recordId: r.id, changes: { after: { followUpSentAt: now.toISOString() } } });
      return true;
    });
    if (!claimed) continue;
    try {
      await mailer.sendMail({ to: r.email, ...followUpEmail({ partnershipName: r.partnership_name, title: r.title, link: `${base}/read/${token}` }) });
      sent++;
    } catch {
      failed++;
      await withTenant(db, [r.partnership_id], async (trx) => {
        await trx.updateTable('learning_recipients').set({ follow_up_sent_at: null, follow_up_token_hash: null }).where('id', '=', r.id).execute();
        await record(trx, { action: 'learning-follow-up-failed', partnershipId: r.partnership_id, recordType: 'learning-recipient', recordId: r.id, changes: { after: { followUpSentAt: null } } });
      });
    }
  }
  return { sent, failed };
}

// ---- Reach -------------------------------------------------------------------------------------

export type ReachView = {
  rows: ReachRow[];
  total: ReachRow;
  sends: { listName: string; sentAt: Date; followUpDays: number; people: number }[];
  reflections: { agency: string; text: string; at: Date }[];
  answers: { agency: string; text: string; at: Date }[];
  followUpsDue: number;
};

/**
 * Who the product reached, by agency. Reflections and answers are shown with the agency only, never
 * the address: they are for learning, not for checking on people.
 */
export async function reachOf(db: Kysely<DB>, cipher: FieldCipher, product: { id: string; partnershipId: string }, now = new Date()): Promise<ReachView> {
  return withTenant(db, [product.partnershipId], async (trx) => {
    const rows = await trx
      .selectFrom('learning_recipients as r')
      .leftJoin('agencies as a', 'a.id', 'r.agency_id')
      .select(['a.name as agency_name', 'r.emailed_at', 'r.first_opened_at', 'r.acknowledged_at', 'r.reflection_enc', 'r.follow_up_sent_at', 'r.follow_up_due_at', 'r.follow_up_answer_enc', 'r.follow_up_answered_at'])
      .where('r.product_id', '=', product.id)
      .where('r.partnership_id', '=', product.partnershipId)
      .execute();
    const sends = await trx
      .selectFrom('learning_sends as s')
      .leftJoin('learning_recipients as r', 'r.send_id', 's.id')
      .select((eb) => ['s.list_name', 's.sent_at', 's.follow_up_days', eb.fn.count<string>('r.id').as('people')])
      .where('s.product_id', '=', product.id)
      .groupBy(['s.id', 's.list_name', 's.sent_at', 's.follow_up_days'])
      .orderBy('s.sent_at', 'desc')
      .execute();
    const { rows: byAgency, total } = reachByAgency(
      rows.map((r) => ({ agencyName: r.agency_name, emailed: r.emailed_at !== null, opened: r.first_opened_at !== null, acknowledged: r.acknowledged_at !== null, followUpSent: r.follow_up_sent_at !== null, answered: r.follow_up_answered_at !== null })),
    );
    const agency = (n: string | null) => n ?? 'No agency given';
    return {
      rows: byAgency,
      total,
      sends: sends.map((s) => ({ listName: s.list_name, sentAt: s.sent_at, followUpDays: s.follow_up_days, people: Number(s.people) })),
      reflections: rows.filter((r) => r.reflection_enc).map((r) => ({ agency: agency(r.agency_name), text: openField(cipher, r.reflection_enc), at: r.acknowledged_at as Date })),
      answers: rows.filter((r) => r.follow_up_answer_enc).map((r) => ({ agency: agency(r.agency_name), text: openField(cipher, r.follow_up_answer_enc), at: r.follow_up_answered_at as Date })),
      followUpsDue: rows.filter((r) => r.acknowledged_at && !r.follow_up_sent_at && new Date(r.follow_up_due_at) <= now).length,
    };
  });
}
