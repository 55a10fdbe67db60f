import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RESPONSE_LABELS } from '../../domain/learning/actions.ts';
import { publishedFindings } from '../learning/findings.ts';
import { publishedRecommendations } from '../learning/service.ts';
import { publicProducts } from '../learning-products/service.ts';
import { KIND_LABELS } from '../../domain/learning-products/products.ts';
import { formatDateForDisplay } from '../../domain/calendar/date-only.ts';
import {
  AGE_BAND_LABELS,
  AGE_BANDS,
  HARM_TYPE_LABELS,
  REVIEW_TYPE_LABELS,
  REVIEW_TYPES,
  type AgeBand,
  type ReviewType,
} from '../../domain/reviews/review-types.ts';
import { PUBLIC } from '../../platform/http/access.ts';
import { sendDocument } from '../../platform/http/downloads.ts';
import { sendProblem } from '../../platform/http/errors.ts';
import { keptWithCatalogue, searchesNothing, searchPublications, suggestQuery, type SearchHit, type SearchOutcome, type Snippet } from '../../platform/search/search.ts';
import { linkBase } from '../admin/links.ts';
import { brandOf } from '../partnerships/brand.ts';
import { publicBrand } from '../partnerships/brand-hosts.ts';
import { findPartnershipBySlug, type PartnershipView } from '../partnerships/service.ts';
import {
  BRIEFING_PARTS,
  getPublication,
  latestPublications,
  learningCountsByTheme,
  learningForTheme,
  LEARNING_PARTS,
  listThemes,
  publicationAddresses,
  publishingPartnerships,
  type Publication,
  type Theme,
} from './catalogue.ts';
import { atomFeed, sitemap, type SitemapUrl } from './feeds.ts';
import { readSearchParams, searchQueryString, toSearchRequest, type SearchParams } from './params.ts';

/**
 * The public learning repository: published reviews, their learning and the search over them,
 * for anyone, without signing in. Every list is also served for one partnership under
 * /partnerships/<slug>/…, by the same code with the partnership fixed.
 */

/**
 * A publication's address always starts with its year ('2024-child-q'), which no case id (a UUID)
 * does: the signed-in workspace's /reviews/<id> pages and the public /reviews/<slug> pages share
 * the prefix without ambiguity.
 */
export const SLUG_ROUTE = '^\\d{4}-[a-z0-9-]+$';

const SORT_LABELS = { relevance: 'Most relevant', newest: 'Newest first', oldest: 'Oldest first' } as const;

function notFound(message = 'There is nothing at this address.'): Error {
  return Object.assign(new Error(message), { statusCode: 404 });
}

export function snippetSource(snippet: Pick<Snippet, 'kind' | 'page'>): string {
  switch (snippet.kind) {
    case 'page':
      return `Page ${snippet.page} of the report`;
    case 'learning':
      return 'From the Learning on a Page';
    case 'briefing':
      return 'From the 7-minute briefing';
    default:
      return 'From the summary';
  }
}

export function fileSizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function paragraphs(text: string): string[] {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean);
}

type Scope = { partnership: PartnershipView | null; basePath: string };

/** The partnership whose own address the request came to, as a scope with its address at the root. */
function hostScope(req: FastifyRequest): Scope {
  const b = req.brand;
  return b ? { partnership: { id: b.partnershipId, slug: b.slug, name: b.name, fictional: false }, basePath: '' } : { partnership: null, basePath: '' };
}

/** The brand host's own start of links (its host name is registered), else the deployment's. */
function baseFor(req: FastifyRequest, config: Parameters<typeof linkBase>[1]): string {
  return req.brand ? `${req.protocol}://${req.host}` : linkBase(req, config);
}

function labelOfTheme(themes: ReadonlyMap<string, Theme>, key: string): string {
  return themes.get(key)?.label ?? key;
}

function hitView(hit: SearchHit, themes: ReadonlyMap<string, Theme>, from: string | null) {
  return {
    // The review page's back link returns to this very list: query, filters and page.
    href: `/reviews/${hit.slug}${from ? `?from=${encodeURIComponent(from)}` : ''}`,
    title: hit.title,
    summary: hit.summary.length >= 400 ? `${hit.summary.replace(/\s+\S*$/, '')}…` : hit.summary,
    partnership: hit.partnership.name,
    publishedOn: formatDateForDisplay(hit.publishedOn),
    reviewType: REVIEW_TYPE_LABELS[hit.reviewType as ReviewType] ?? hit.reviewType,
    themes: hit.themes.map((k) => labelOfTheme(themes, k)),
    // Built by escaping the text first, then adding <mark> (see platform/search/text.ts).
    snippetHtml: hit.snippet?.html ?? null,
    snippetSource: hit.snippet ? snippetSource(hit.snippet) : null,
    hasLearning: hit.hasLearning,
    hasBriefing: hit.hasBriefing,
  };
}

type CheckboxItem = { value: string; text: string; checked: boolean };

function facetItems<T extends string | number>(
  counts: { value: T; count: number }[],
  selected: readonly T[],
  label: (v: T) => string,
  order?: readonly T[] | ((a: T, b: T) => number),
): CheckboxItem[] {
  const byValue = new Map(counts.map((c) => [c.value, c.count]));
  // A ticked value no match has stays in the list (with 0), so it can be unticked.
  for (const s of selected) if (!byValue.has(s)) byValue.set(s, 0);
  let values = [...byValue.keys()];
  if (typeof order === 'function') values.sort(order);
  else if (order) values = order.filter((v) => byValue.has(v));
  return values.map((v) => ({ value: String(v), text: `${label(v)} (${byValue.get(v)})`, checked: selected.includes(v) }));
}

function resultsView(outcome: SearchOutcome, params: SearchParams, themes: ReadonlyMap<string, Theme>, scope: Scope, action: string) {
  const link = (change: Partial<SearchParams>) => `${action}${searchQueryString(params, change, { partnership: !scope.partnership })}`;
  const pages: Array<{ number?: number; href?: string; current?: boolean; ellipsis?: boolean }> = [];
  const last = outcome.pageCount;
  for (let n = 1; n <= last; n++) {
    if (n === 1 || n === last || Math.abs(n - outcome.page) <= 2) pages.push({ number: n, href: link({ page: n }), current: n === outcome.page });
    else if (pages.length && !pages[pages.length - 1].ellipsis) pages.push({ ellipsis: true });
  }
  const facets = outcome.facets;
  return {
    values: { q: params.q, sort: outcome.sort },
    mode: outcome.mode,
    total: outcome.total,
    page: outcome.page,
    pageCount: outcome.pageCount,
    firstShown: outcome.total === 0 ? 0 : (outcome.page - 1) * outcome.perPage + 1,
    lastShown: (outcome.page - 1) * outcome.perPage + outcome.results.length,
    results: outcome.results.map((h) => hitView(h, themes, link({}) === action ? null : link({}))),
    sortItems: (outcome.mode === 'search' ? (['relevance', 'newest', 'oldest'] as const) : (['newest', 'oldest'] as const)).map((s) => ({
      value: s,
      text: SORT_LABELS[s],
      selected: s === outcome.sort,
    })),
    facetTypes: facetItems(facets.types, params.types, (v) => REVIEW_TYPE_LABELS[v as ReviewType] ?? v, REVIEW_TYPES),
    facetThemes: facetItems(facets.themes, params.themes, (v) => labelOfTheme(themes, v)),
    facetYears: facetItems(facets.years, params.years, (v) => String(v), (a, b) => b - a),
    facetAgeBands: facetItems(facets.ageBands, params.ageBands, (v) => AGE_BAND_LABELS[v as AgeBand] ?? v, AGE_BANDS),
    facetPartnerships: scope.partnership
      ? []
      : facetItems(
          facets.partnerships.map((p) => ({ value: p.value, count: p.count })),
          params.partnerships,
          (v) => facets.partnerships.find((p) => p.value === v)?.name ?? v,
        ),
    filteredCount: params.types.length + params.themes.length + params.years.length + params.ageBands.length + (scope.partnership ? 0 : params.partnerships.length),
    filtered: params.types.length + params.themes.length + params.years.length + params.ageBands.length + (scope.partnership ? 0 : params.partnerships.length) > 0,
    clearHref: `${action}${params.q ? `?q=${encodeURIComponent(params.q)}` : ''}`,
    pagination:
      last > 1
        ? {
            previous: outcome.page > 1 ? { href: link({ page: outcome.page - 1 }) } : undefined,
            next: outcome.page < last ? { href: link({ page: outcome.page + 1 }) } : undefined,
            items: pages,
            landmarkLabel: 'Pages of results',
          }
        : null,
  };
}

function reviewView(p: Publication, themes: ReadonlyMap<string, Theme>) {
  const rows = [
    { key: { text: 'Partnership' }, value: { text: p.partnership.name } },
    { key: { text: 'Type of review' }, value: { text: REVIEW_TYPE_LABELS[p.reviewType] ?? p.reviewType } },
    { key: { text: 'Published' }, value: { text: formatDateForDisplay(p.publishedOn) } },
  ];
  if (p.ageBand) rows.push({ key: { text: 'Age of the child' }, value: { text: AGE_BAND_LABELS[p.ageBand] ?? p.ageBand } });
  if (p.harmType) rows.push({ key: { text: 'What happened' }, value: { text: HARM_TYPE_LABELS[p.harmType] ?? p.harmType } });
  if (p.reviewStartedOn) rows.push({ key: { text: 'Review started' }, value: { text: formatDateForDisplay(p.reviewStartedOn) } });
  if (p.reviewCompletedOn) rows.push({ key: { text: 'Review completed' }, value: { text: formatDateForDisplay(p.reviewCompletedOn) } });
  return {
    slug: p.slug,
    title: p.title,
    partnership: p.partnership,
    summary: paragraphs(p.summary),
    metadata: rows,
    themes: p.themes.map((k) => ({ key: k, label: labelOfTheme(themes, k) })),
    improvementsOnly: p.improvementsOnly,
    learning: p.learning ? LEARNING_PARTS.map((part) => ({ heading: part.label, paragraphs: paragraphs(p.learning![part.key]) })) : null,
    briefing: p.briefing
      ? {
          before: BRIEFING_PARTS.slice(0, 2).map((part) => ({ heading: part.label, paragraphs: paragraphs(p.briefing![part.key]) })),
          keyInformation: p.briefing.keyInformation,
          after: BRIEFING_PARTS.slice(2).map((part) => ({ heading: part.label, paragraphs: paragraphs(p.briefing![part.key]) })),
        }
      : null,
    report: p.file
      ? {
          href: `/reviews/${p.slug}/report`,
          type: p.file.type === 'pdf' ? 'PDF' : 'Word document',
          size: fileSizeText(p.file.size),
          pages: p.file.pageCount,
          withdrawnOn: p.fileWithdrawnOn ? formatDateForDisplay(p.fileWithdrawnOn) : null,
        }
      : null,
  };
}

/** The lists a review is reached from; the back link returns there only (never another site). */
const BACK_TO = /^\/(search|partnerships\/[a-z0-9-]{2,63}\/(reviews|search)|learning(\/[a-z0-9-]{1,100})?)(\?[\x21-\x7e]{0,1500})?$/;

export function backLinkFrom(from: unknown): { href: string; text: string } {
  if (typeof from === 'string' && BACK_TO.test(from)) {
    const path = from.split('?')[0];
    const text = path.startsWith('/learning') ? 'Back to the learning' : from.includes('?') ? 'Back to your search results' : 'Published reviews';
    return { href: from, text };
  }
  return { href: '/search', text: 'Published reviews' };
}

type Db = FastifyInstance['deps']['database']['db'];

/** On a partnership's own address, only its own publications are there. */
function onThisHost(req: FastifyRequest, publication: Publication): boolean {
  return !req.brand || req.brand.partnershipId === publication.partnership.id;
}

async function listPageOf(db: Db, req: FastifyRequest, reply: FastifyReply, scope: Scope, kind: 'reviews' | 'search') {
  const read = readSearchParams(req.query);
  let params = read.params;
  const action = `${scope.basePath}/${kind}`;
  // A query too costly to run is not run: the page says why, over the reviews listed without it.
  const refused = read.problems.filter((p) => p.refused);
  const [first, themes] = await Promise.all([
    searchPublications(db, toSearchRequest(refused.length ? { ...params, q: '' } : params, scope.partnership?.slug)),
    themeMapOf(db),
  ]);
  let outcome = first;
  // A page past the last (an old link, a page number typed in): the last page, which has results.
  if (!refused.length && outcome.total > 0 && outcome.page > outcome.pageCount) {
    return reply.redirect(`${action}${searchQueryString(params, { page: outcome.pageCount }, { partnership: !scope.partnership })}`);
  }
  // A word no published text holds: suggest the nearest one that does, and when nothing was
  // found, show what the suggestion finds.
  let suggestion: { q: string; href: string; original: string; shown: boolean } | null = null;
  if (outcome.mode === 'search') {
    const suggested = await suggestQuery(db, outcome.q);
    if (suggested) {
      const original = outcome.q;
      if (outcome.total === 0) {
        const instead = await searchPublications(db, toSearchRequest({ ...params, q: suggested.q, page: 1 }, scope.partnership?.slug));
        if (instead.total > 0) {
          params = { ...params, q: suggested.q, page: 1 };
          outcome = instead;
          suggestion = { q: suggested.q, href: `${action}${searchQueryString(params, {}, { partnership: !scope.partnership })}`, original, shown: true };
        }
      } else {
        suggestion = { q: suggested.q, href: `${action}${searchQueryString(params, { q: suggested.q, page: 1 }, { partnership: !scope.partnership })}`, original, shown: false };
      }
    }
  }
  // Nothing found because nothing was searched for: every word is one the search leaves out.
  const ignoredOnly = outcome.mode === 'search' && outcome.total === 0 && !suggestion && (await searchesNothing(db, outcome.q));
  const where = scope.partnership ? ` – ${scope.partnership.name}` : '';
  const heading = outcome.mode === 'search' ? 'Search results' : 'Published reviews';
  if (refused.length) reply.code(400);
  return reply.render('repository/views/results.njk', {
    errors: refused.map((p) => ({ text: `Your search ${p.message}`, href: '#q' })),
    qError: refused[0] ? `Your search ${refused[0].message}` : null,
    pageTitle: `${outcome.mode === 'search' ? `Search results for ‘${outcome.q}’` : heading}${outcome.page > 1 ? ` (page ${outcome.page})` : ''}${where}`,
    heading,
    action,
    kind,
    scopePartnership: scope.partnership ? { name: scope.partnership.name, slug: scope.partnership.slug } : null,
    feedHref: scope.partnership ? `${scope.basePath}/reviews.atom` : '/reviews.atom',
    browseHref: scope.partnership && scope.basePath ? `${scope.basePath}/reviews` : '/search',
    ...resultsView(outcome, params, themes, scope, action),
    suggestion,
    ignoredOnly,
  });
}


/**
 * The themes by key, kept as searches are (for a minute, and forgotten when the catalogue or a theme
 * changes in this process): every list and search page names them, and a page whose search is kept
 * then asks the database nothing, so it never waits behind another visitor's search.
 */
function themeMapOf(db: Db): Promise<ReadonlyMap<string, Theme>> {
  return keptWithCatalogue(db, 'themes', async () => new Map((await listThemes(db, { includeRetired: true })).map((t) => [t.key, t])));
}

/** The start page of a partnership's own address: its published reviews, searchable. */
export function partnershipHome(app: FastifyInstance, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  return listPageOf(app.deps.database.db, req, reply, hostScope(req), 'search');
}

export async function repositoryRoutes(app: FastifyInstance): Promise<void> {
  const { database, config, files } = app.deps;
  const db = database.db;

  async function partnershipOf(req: FastifyRequest): Promise<PartnershipView> {
    const { slug } = req.params as { slug: string };
    const partnership = typeof slug === 'string' && slug.length <= 63 ? await findPartnershipBySlug(db, slug) : undefined;
    if (!partnership) throw notFound('There is no partnership with this name.');
    return partnership;
  }

  const listPage = (req: FastifyRequest, reply: FastifyReply, scope: Scope, kind: 'reviews' | 'search') => listPageOf(db, req, reply, scope, kind);

  const scopeOf = async (req: FastifyRequest): Promise<Scope> => {
    const partnership = await partnershipOf(req);
    // On a partnership's own address, another partnership's pages are not there.
    if (req.brand && req.brand.partnershipId !== partnership.id) throw notFound();
    return { partnership, basePath: `/partnerships/${partnership.slug}` };
  };

  // Everyone's list and search share /search (/reviews is the signed-in workspace of reviews in progress);
  // on a partnership's own address, /search (and its start page) are that partnership's alone.
  app.get('/search', PUBLIC, async (req, reply) => listPage(req, reply, hostScope(req), 'search'));
  app.get('/partnerships/:slug/reviews', PUBLIC, async (req, reply) => listPage(req, reply, await scopeOf(req), 'reviews'));
  app.get('/partnerships/:slug/search', PUBLIC, async (req, reply) => listPage(req, reply, await scopeOf(req), 'search'));

  app.get(`/reviews/:slug(${SLUG_ROUTE})`, PUBLIC, async (req, reply) => {
    const publication = await getPublication(db, (req.params as { slug: string }).slug);
    if (!publication || !onThisHost(req, publication)) throw notFound('There is no published review at this address.');
    const reviewRef = { id: publication.id, partnershipId: publication.partnership.id, incidentId: publication.incidentId };
    const [themes, brand, recommendations, findings, products] = await Promise.all([
      themeMapOf(db),
      brandOf(db, publication.partnership.id),
      publishedRecommendations(db, reviewRef),
      publishedFindings(db, reviewRef),
      publicProducts(db, { publicationId: publication.id }),
    ]);
    const view = reviewView(publication, themes);
    const back = backLinkFrom((req.query as Record<string, unknown>).from);
    return reply.render('repository/views/review.njk', { pageTitle: publication.title, review: view, publisher: brand ? publicBrand(brand) : null, back, recommendations, findings, responses: RESPONSE_LABELS, products: products.map((x) => ({ href: `/learning/products/${x.slug}`, title: x.title, kind: KIND_LABELS[x.kind], partnership: x.partnershipName })) });
  });

  app.get(`/reviews/:slug(${SLUG_ROUTE})/report`, PUBLIC, async (req, reply) => {
    const publication = await getPublication(db, (req.params as { slug: string }).slug);
    if (!publication || !onThisHost(req, publication) || !publication.file) throw notFound('There is no report to download at this address.');
    if (publication.fileWithdrawnOn) {
      throw Object.assign(
        new Error(`The report was withdrawn on ${formatDateForDisplay(publication.fileWithdrawnOn)}. The summary and learning of the review are still published on its page.`),
        { statusCode: 410 },
      );
    }
    const stored = await files.open(publication.file.sha256);
    if (!stored) throw notFound('The report file is not available.');
    return sendDocument(reply.header('cache-control', 'public, max-age=3600'), { body: stored.stream(), name: publication.file.name, type: publication.file.type });
  });

  // ---- Learning library ------------------------------------------------------------------------

  app.get('/learning', PUBLIC, async (req, reply) => {
    const [themes, counts, products] = await Promise.all([listThemes(db, { includeRetired: true }), learningCountsByTheme(db, req.brand?.partnershipId), publicProducts(db, { partnershipId: req.brand?.partnershipId })]);
    const items = themes
      .filter((t) => (counts.get(t.key) ?? 0) > 0)
      .map((t) => ({ href: `/learning/${t.key}`, label: t.label, count: counts.get(t.key) ?? 0 }));
    return reply.render('repository/views/learning.njk', {
      pageTitle: 'Learning from reviews',
      themes: items,
      // Thematic briefings and Learning on a Page documents drawing on several reviews.
      products: products.map((x) => ({ href: `/learning/products/${x.slug}`, title: x.title, kind: KIND_LABELS[x.kind], partnership: x.partnershipName, publishedAt: x.publishedAt })),
    });
  });

  app.get('/learning/:themeKey', PUBLIC, async (req, reply) => {
    const { themeKey } = req.params as { themeKey: string };
    const theme = (await themeMapOf(db)).get(themeKey);
    if (!theme) throw notFound('There is no theme with this name.');
    const { params } = readSearchParams({ page: (req.query as Record<string, unknown>).page });
    const perPage = 20;
    const { total, items } = await learningForTheme(db, theme.key, params.page, perPage, req.brand?.partnershipId);
    const pageCount = Math.max(1, Math.ceil(total / perPage));
    return reply.render('repository/views/learning-theme.njk', {
      pageTitle: `Learning about ${theme.label.toLowerCase()}${params.page > 1 ? ` (page ${params.page})` : ''}`,
      theme,
      total,
      items: items.map((i) => ({
        href: `/reviews/${i.slug}?from=${encodeURIComponent(`/learning/${theme.key}${params.page > 1 ? `?page=${params.page}` : ''}`)}`,
        title: i.title,
        partnership: i.partnership.name,
        publishedOn: formatDateForDisplay(i.publishedOn),
        keyLearning: i.learning ? paragraphs(i.learning.keyLearning) : null,
        whyItMatters: !i.learning && i.briefing ? paragraphs(i.briefing.whyItMatters) : null,
        hasLearning: Boolean(i.learning),
        hasBriefing: Boolean(i.briefing),
      })),
      pagination:
        pageCount > 1
          ? {
              previous: params.page > 1 ? { href: `/learning/${theme.key}${params.page > 2 ? `?page=${params.page - 1}` : ''}` } : undefined,
              next: params.page < pageCount ? { href: `/learning/${theme.key}?page=${params.page + 1}` } : undefined,
              landmarkLabel: 'Pages of learning',
            }
          : null,
    });
  });

  // ---- For machines --------------------------------------------------------------------------

  async function sendFeed(req: FastifyRequest, reply: FastifyReply, partnership: PartnershipView | null) {
    const base = baseFor(req, config);
    const [entries, themes] = await Promise.all([latestPublications(db, { limit: 50, partnershipId: partnership?.id }), themeMapOf(db)]);
    const path = partnership ? `/partnerships/${partnership.slug}/reviews` : '/reviews';
    const xml = atomFeed({
      title: partnership ? `Published reviews of ${partnership.name}` : 'Published child safeguarding practice reviews',
      selfUrl: `${base}${path}.atom`,
      pageUrl: `${base}${partnership ? path : '/search'}`,
      base,
      fallbackUpdated: new Date(0),
      entries: entries.map((e) => ({
        slug: e.slug,
        title: e.title,
        summary: e.summary,
        partnershipName: e.partnership.name,
        publishedOn: e.publishedOn,
        updatedAt: e.updatedAt,
        themes: e.themes.map((k) => ({ key: k, label: labelOfTheme(themes, k) })),
      })),
    });
    return reply.type('application/atom+xml; charset=utf-8').header('cache-control', 'public, max-age=300').send(xml);
  }

  app.get('/reviews.atom', PUBLIC, async (req, reply) => sendFeed(req, reply, hostScope(req).partnership));
  app.get('/partnerships/:slug/reviews.atom', PUBLIC, async (req, reply) => sendFeed(req, reply, await partnershipOf(req)));

  app.get('/sitemap.xml', PUBLIC, async (req, reply) => {
    const base = baseFor(req, config);
    const only = req.brand?.partnershipId;
    const [publications, partnerships, counts, themes] = await Promise.all([
      publicationAddresses(db, only),
      only ? Promise.resolve([]) : publishingPartnerships(db),
      learningCountsByTheme(db, only),
      listThemes(db, { includeRetired: true }),
    ]);
    const urls: SitemapUrl[] = [
      { loc: `${base}/` },
      { loc: `${base}/search` },
      { loc: `${base}/learning` },
      ...themes.filter((t) => counts.has(t.key)).map((t) => ({ loc: `${base}/learning/${t.key}` })),
      ...partnerships.map((p) => ({ loc: `${base}/partnerships/${p.slug}/reviews` })),
      ...publications.map((p) => ({ loc: `${base}/reviews/${p.slug}`, lastmod: p.updatedAt.toISOString().slice(0, 10) })),
      { loc: `${base}/accessibility` },
      { loc: `${base}/privacy` },
      { loc: `${base}/cookies` },
    ];
    return reply.type('application/xml; charset=utf-8').header('cache-control', 'public, max-age=300').send(sitemap(urls));
  });

  // ---- Public JSON API -------------------------------------------------------------------------

  app.get('/api/v1/public/search', PUBLIC, async (req, reply) => {
    const { params, problems } = readSearchParams(req.query, { strict: true });
    if (problems.length > 0) {
      return sendProblem(reply, 400, 'Bad request', 'Some parameters are not understood: see errors.', { errors: problems });
    }
    const base = linkBase(req, config);
    const outcome = await searchPublications(db, toSearchRequest(params));
    // As on the search page: a query of left-out words only matched nothing because it searched for nothing.
    const onlyLeftOutWords = outcome.mode === 'search' && outcome.total === 0 && (await searchesNothing(db, outcome.q));
    return reply.header('cache-control', 'public, max-age=60').send({
      q: outcome.q,
      onlyLeftOutWords,
      sort: outcome.sort,
      total: outcome.total,
      page: outcome.page,
      pageCount: outcome.pageCount,
      results: outcome.results.map((h) => ({
        title: h.title,
        url: `${base}/reviews/${h.slug}`,
        slug: h.slug,
        partnership: h.partnership.name,
        publishedOn: h.publishedOn,
        reviewType: h.reviewType,
        themes: h.themes,
        snippet: h.snippet?.text ?? null,
        page: h.snippet?.page ?? null,
      })),
    });
  });

  app.get('/api/v1/public/reviews/:slug', PUBLIC, async (req, reply) => {
    const p = await getPublication(db, (req.params as { slug: string }).slug);
    if (!p) return sendProblem(reply, 404, 'Not found', 'There is no published review with this slug.');
    const base = linkBase(req, config);
    return reply.header('cache-control', 'public, max-age=60').send({
      title: p.title,
      url: `${base}/reviews/${p.slug}`,
      slug: p.slug,
      partnership: { slug: p.partnership.slug, name: p.partnership.name },
      summary: p.summary,
      reviewType: p.reviewType,
      themes: p.themes,
      ageBand: p.ageBand,
      harmType: p.harmType,
      reviewStartedOn: p.reviewStartedOn,
      reviewCompletedOn: p.reviewCompletedOn,
      publishedOn: p.publishedOn,
      improvementsOnly: p.improvementsOnly,
      learning: p.learning,
      briefing: p.briefing,
      report: p.file
        ? {
            url: p.fileWithdrawnOn ? null : `${base}/reviews/${p.slug}/report`,
            type: p.file.type,
            size: p.file.size,
            pages: p.file.pageCount,
            withdrawnOn: p.fileWithdrawnOn,
          }
        : null,
    });
  });
}

/** The newest publications, for the start page. */
type NewestReview = { href: string; title: string; partnership: string; publishedOn: string; reviewType: string };

/**
 * The start page's newest reviews, kept like the searches (keptWithCatalogue): read once and kept for
 * a minute, and read again at once when this process changes the catalogue. Read on every visit, they
 * were the one query behind each anonymous start page.
 */
export function newestForStartPage(app: FastifyInstance, limit = 5): Promise<NewestReview[]> {
  const db = app.deps.database.db;
  return keptWithCatalogue(db, `newest:${limit}`, () => readNewest(db, limit));
}

async function readNewest(db: Db, limit: number): Promise<NewestReview[]> {
  const rows = await latestPublications(db, { limit });
  return rows.map((r) => ({
    href: `/reviews/${r.slug}`,
    title: r.title,
    partnership: r.partnership.name,
    publishedOn: formatDateForDisplay(r.publishedOn),
    reviewType: REVIEW_TYPE_LABELS[r.reviewType] ?? r.reviewType,
  }));
}
