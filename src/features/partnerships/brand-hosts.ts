import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { hostOfHeader } from '../../domain/brand/host-names.ts';
import type { DB } from '../../platform/db/types.ts';
import { brandOf, LICENCES, type Brand } from './brand.ts';

/**
 * Host names → partnerships. A request whose Host names a partnership's host sees that
 * partnership's public pages alone, in its brand; any other host (the deployment's own
 * address) sees the shared national view. The list is small: it is read whole and kept for
 * a short while, so every instance sees a change within REFRESH_MS (at once on the instance
 * that made it).
 */
const REFRESH_MS = 30_000;

export type PublicBrand = Brand & {
  logoHref: string | null;
  stylesheetHref: string | null;
  licenceLabel: string;
  licenceHref: string | null;
};

export function publicBrand(brand: Brand): PublicBrand {
  const base = `/brand/${brand.slug}/${brand.version}`;
  return {
    ...brand,
    logoHref: brand.hasLogo ? `${base}/logo` : null,
    stylesheetHref: brand.accentColour ? `${base}/accent.css` : null,
    licenceLabel: LICENCES[brand.licence].label,
    licenceHref: LICENCES[brand.licence].href,
  };
}

export class BrandDirectory {
  private readonly db: Kysely<DB>;
  private byHost: Map<string, PublicBrand> = new Map();
  private loadedAt = 0;
  private loading: Promise<void> | null = null;
  constructor(db: Kysely<DB>) {
    this.db = db;
  }

  async forHost(host: string): Promise<PublicBrand | null> {
    if (Date.now() - this.loadedAt > REFRESH_MS) await this.refresh();
    return this.byHost.get(host) ?? null;
  }

  /** Reads every host name and its partnership's brand again (after a change, or when stale). */
  refresh(): Promise<void> {
    this.loading ??= (async () => {
      try {
        const rows = await this.db.selectFrom('partnership_hosts').select(['host', 'partnership_id']).execute();
        const brands = new Map<string, PublicBrand>();
        for (const id of new Set(rows.map((r) => r.partnership_id))) {
          const brand = await brandOf(this.db, id);
          if (brand) brands.set(id, publicBrand(brand));
        }
        this.byHost = new Map(rows.filter((r) => brands.has(r.partnership_id)).map((r) => [r.host, brands.get(r.partnership_id)!]));
        this.loadedAt = Date.now();
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    brands: BrandDirectory;
  }
  interface FastifyRequest {
    /** The partnership whose host name this request came to; null on the deployment's own address. */
    brand: PublicBrand | null;
  }
}

/** The headers a response kept by shared caches varies with, behind proxies. */
const FORWARDED = ['X-Forwarded-Host', 'X-Forwarded-Proto'];

/**
 * Finds the brand of each request's host. On a partnership's host, only public pages are
 * served (its repository); the signed-in workspace stays at the deployment's own address.
 * Added after the views are set up (it writes to the view context).
 */
export function setUpPartnershipHosts(app: FastifyInstance): void {
  const directory = new BrandDirectory(app.deps.database.db);
  app.decorate('brands', directory);
  app.decorateRequest('brand', null);
  app.addHook('onRequest', async (req) => {
    const brand = await directory.forHost(hostOfHeader(req.host));
    if (!brand) return;
    req.brand = brand;
    req.viewContext.brand = brand;
    req.viewContext.serviceName = brand.name;
    const rule = (req.routeOptions.config as { access?: unknown } | undefined)?.access;
    if (!req.is404 && rule !== 'public') {
      throw Object.assign(new Error(`This address shows the published reviews of ${brand.name}. Other pages of the service are at its own address.`), { statusCode: 404 });
    }
  });
  // Behind proxies the host and the scheme are read from X-Forwarded-Host and -Proto (Fastify's req.host
  // and req.protocol), which a shared cache does not key on by itself: a proxy that passed a client's
  // headers through would let a cache keep one partnership's feed under another's address, or a feed
  // whose links are http. What may be kept says what it was made for.
  if (app.deps.config.trustProxy !== false) {
    app.addHook('onSend', async (_req, reply, payload) => {
      if (!/\bpublic\b/i.test(String(reply.getHeader('cache-control') ?? ''))) return payload;
      const vary = String(reply.getHeader('vary') ?? '');
      const named = new Set(vary.split(',').map((v) => v.trim().toLowerCase()));
      if (named.has('*')) return payload;
      const missing = FORWARDED.filter((h) => !named.has(h.toLowerCase()));
      if (missing.length > 0) reply.header('vary', [vary, ...missing].filter(Boolean).join(', '));
      return payload;
    });
  }
}
