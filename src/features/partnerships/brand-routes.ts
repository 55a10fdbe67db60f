import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { partnershipsWith } from '../../platform/auth/policy.ts';
import { LOGO_MAX_BYTES, readLogo, type LogoImage } from '../../platform/documents/logo-image.ts';
import { access, PUBLIC } from '../../platform/http/access.ts';
import { requireInScope } from '../../platform/http/authentication.ts';
import type { ErrorItem } from '../../platform/http/forms.ts';
import { brandOf, HostTakenError, LICENCE_KEYS, LICENCES, logoOf, readBrandInput, saveBrand, type Brand } from './brand.ts';
import { publicBrand } from './brand-hosts.ts';
import { findPartnershipBySlug, listPartnerships, SLUG_PATTERN, type PartnershipView } from './service.ts';

const PERMISSION = 'brand:manage';
const FIELDS = ['display_name', 'accent_colour', 'contact_email', 'contact_phone', 'contact_url', 'licence', 'hosts'] as const;

/** A partnership's brand: the page its administrators set it on, and the logo and stylesheet its pages use. */
export async function brandRoutes(app: FastifyInstance): Promise<void> {
  const { database, config } = app.deps;
  const db = database.db;
  // The form carries a logo: read whole into the body before the CSRF check, so the token is a field like any other.
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    throwFileSizeLimit: false,
    limits: { files: 1, fileSize: LOGO_MAX_BYTES + 1, fields: 20, parts: 21, fieldSize: 10_000 },
  });
  const reservedHosts = config.publicUrl ? [new URL(config.publicUrl).hostname.toLowerCase()] : [];

  // ---- Public: the logo and the accent stylesheet (no inline styles under the CSP) -------------

  async function brandFromAddress(req: FastifyRequest): Promise<Brand> {
    const { slug } = req.params as { slug: string };
    const partnership = SLUG_PATTERN.test(slug) ? await findPartnershipBySlug(db, slug) : undefined;
    const brand = partnership ? await brandOf(db, partnership.id) : null;
    if (!brand) throw Object.assign(new Error('There is nothing at this address.'), { statusCode: 404 });
    return brand;
  }

  /** The version in the address is the brand's last change: a current one may be kept for a year. */
  const caching = (brand: Brand, version: string) => (brand.version === version ? 'public, max-age=31536000, immutable' : 'public, max-age=60');

  app.get('/brand/:slug/:version/accent.css', PUBLIC, async (req, reply) => {
    const brand = await brandFromAddress(req);
    const css = brand.accentColour ? accentStylesheet(brand.accentColour, brand.accentText!) : '';
    return reply.type('text/css; charset=utf-8').header('cache-control', caching(brand, (req.params as { version: string }).version)).send(css);
  });

  app.get('/brand/:slug/:version/logo', PUBLIC, async (req, reply) => {
    const brand = await brandFromAddress(req);
    const logo = await logoOf(db, brand.partnershipId);
    if (!logo) throw Object.assign(new Error('This partnership has no logo.'), { statusCode: 404 });
    // An SVG opened on its own is a document: it may do nothing but draw.
    return reply
      .type(logo.type)
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox")
      .header('content-disposition', 'inline; filename="logo"')
      .header('cache-control', caching(brand, (req.params as { version: string }).version))
      .send(logo.bytes);
  });

  // ---- Administration ----------------------------------------------------------------------------

  app.get('/admin/brand', access(PERMISSION), async (req, reply) => {
    const partnerships = await listPartnerships(db, partnershipsWith(req.principal!, PERMISSION));
    if (partnerships.length === 1) return reply.redirect(`/admin/partnerships/${partnerships[0].slug}/brand`, 303);
    return reply.render('partnerships/views/brands.njk', { pageTitle: 'Public pages of partnerships', partnerships });
  });

  async function partnershipFor(req: FastifyRequest, reply: FastifyReply): Promise<PartnershipView | null> {
    const { slug } = req.params as { slug: string };
    const partnership = SLUG_PATTERN.test(slug) ? await findPartnershipBySlug(db, slug) : undefined;
    if (!partnership) {
      reply.code(404).render('error-pages/not-found.njk', { pageTitle: 'Page not found' });
      return null;
    }
    return (await requireInScope(req, reply, PERMISSION, partnership.id)) ? partnership : null;
  }

  function render(reply: FastifyReply, partnership: PartnershipView, brand: Brand, values: Record<string, string>, extra: Record<string, unknown> = {}) {
    const pb = publicBrand(brand);
    return reply.render('partnerships/views/brand.njk', {
      pageTitle: `Public pages of ${partnership.name}`,
      partnership,
      current: pb,
      values,
      licenceItems: LICENCE_KEYS.map((k) => ({ value: k, text: LICENCES[k].label, checked: k === values.licence })),
      maxKb: LOGO_MAX_BYTES / 1024,
      fieldErrors: {},
      ...extra,
    });
  }

  const valuesOf = (brand: Brand): Record<string, string> => ({
    display_name: brand.displayName ?? '',
    accent_colour: brand.accentColour ?? '',
    contact_email: brand.contactEmail ?? '',
    contact_phone: brand.contactPhone ?? '',
    contact_url: brand.contactUrl ?? '',
    licence: brand.licence,
    hosts: brand.hosts.join('\n'),
  });

  app.get('/admin/partnerships/:slug/brand', access(PERMISSION), async (req, reply) => {
    const partnership = await partnershipFor(req, reply);
    if (!partnership) return reply;
    const brand = (await brandOf(db, partnership.id))!;
    const saved = (req.query as Record<string, unknown>).saved === '1';
    return render(reply, partnership, brand, valuesOf(brand), { saved });
  });

  app.post('/admin/partnerships/:slug/brand', access(PERMISSION), async (req, reply) => {
    const partnership = await partnershipFor(req, reply);
    if (!partnership) return reply;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');
    const values = Object.fromEntries(FIELDS.map((f) => [f, text(f)])) as Record<(typeof FIELDS)[number], string>;
    const { change, problems } = readBrandInput({
      displayName: values.display_name,
      accentColour: values.accent_colour,
      contactEmail: values.contact_email,
      contactPhone: values.contact_phone,
      contactUrl: values.contact_url,
      licence: values.licence,
      hosts: values.hosts,
    });
    let logo: { set: LogoImage } | { remove: true } | null = null;
    const file = body.logo;
    if (Buffer.isBuffer(file) && file.length > 0) {
      // Cleaned in a document worker: an SVG can be built to take most of a minute (logo-image.ts).
      const outcome = await readLogo(file, (svg) => app.deps.documents.svgLogo(svg));
      if (outcome.ok) logo = { set: outcome.logo };
      else problems.logo = outcome.problem;
    } else if (body.remove_logo === 'yes') logo = { remove: true };
    const brand = (await brandOf(db, partnership.id))!;
    const show = (found: Record<string, string>) => {
      const order = [...FIELDS, 'logo'];
      const errors: ErrorItem[] = order.filter((f) => found[f]).map((f) => ({ text: found[f], href: `#${f}` }));
      const fieldErrors = Object.fromEntries(Object.entries(found).map(([k, v]) => [k, { text: v }]));
      return render(reply.code(422), partnership, brand, values, { errors, fieldErrors });
    };
    if (Object.keys(problems).length > 0) return show(problems);
    try {
      await req.change(
        (trx) => saveBrand(trx, partnership.id, change, logo, reservedHosts),
        (diff) => ({ action: 'partnership-brand-changed', permission: PERMISSION, partnershipId: partnership.id, recordType: 'partnership', recordId: partnership.id, changes: diff }),
      );
    } catch (err) {
      if (err instanceof HostTakenError) return show({ hosts: err.message });
      throw err;
    }
    await app.brands.refresh();
    return reply.redirect(`/admin/partnerships/${partnership.slug}/brand?saved=1`, 303);
  });
}

/** The accent band's colours; the text colour was chosen for contrast (domain/brand/colour-contrast.ts). */
export function accentStylesheet(accent: string, text: string): string {
  return [
    `.cspr-brand-band{background-color:${accent};color:${text};border-bottom-color:${accent}}`,
    `.cspr-brand-band .cspr-brand-band__name:not(:focus){color:${text}}`,
    `.govuk-service-navigation__item--active{border-color:${accent}}`,
    `.govuk-footer{border-top-color:${accent}}`,
    '',
  ].join('\n');
}
