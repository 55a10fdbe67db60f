import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { partnershipsWith } from '../../platform/auth/policy.ts';
import { access } from '../../platform/http/access.ts';
import { refuse, requireInScope } from '../../platform/http/authentication.ts';
import { fieldError, formErrors } from '../../platform/http/forms.ts';
import {
  addAgency,
  addPartnership,
  AGENCY_KIND_LABELS,
  findPartnershipBySlug,
  listAgencies,
  listPartnerships,
  PartnershipError,
  SLUG_PATTERN,
  type PartnershipView,
} from '../partnerships/service.ts';
import { noticeFor } from './notices.ts';
import { AGENCY_KINDS, agencyForm, partnershipForm } from './schemas.ts';

const PERMISSION = 'partnerships:manage';

const NOTICES: Record<string, string> = {
  added: 'Partnership added. Add its agencies below.',
  agency: 'Agency added.',
};

/** Partnerships (the tenants) and their agencies: for system administrators. */
export async function partnershipAdminRoutes(app: FastifyInstance): Promise<void> {
  const db = app.deps.database.db;
  const kindItems = (checked?: unknown) => AGENCY_KINDS.map((k) => ({ value: k, text: AGENCY_KIND_LABELS[k], checked: k === checked }));

  app.get('/admin/partnerships', access(PERMISSION), async (req, reply) => {
    const partnerships = await listPartnerships(db, partnershipsWith(req.principal!, PERMISSION));
    return reply.render('admin/views/partnerships.njk', { pageTitle: 'Partnerships', partnerships });
  });

  // Only people who manage every partnership may add one.
  const mayAdd = (req: FastifyRequest) => partnershipsWith(req.principal!, PERMISSION) === 'all';

  app.get('/admin/partnerships/new', access(PERMISSION), async (req, reply) => {
    if (!mayAdd(req)) return refuse(req, reply, PERMISSION);
    return reply.render('admin/views/partnership-new.njk', { pageTitle: 'Add a partnership', values: {} });
  });

  app.post('/admin/partnerships/new', access(PERMISSION), async (req, reply) => {
    if (!mayAdd(req)) return refuse(req, reply, PERMISSION);
    const values = (req.body ?? {}) as Record<string, unknown>;
    const show = (status: number, errors: ReturnType<typeof formErrors>) =>
      reply.code(status).render('admin/views/partnership-new.njk', { pageTitle: 'Add a partnership', values, ...errors });
    const parsed = partnershipForm.safeParse(values);
    if (!parsed.success) return show(422, formErrors(parsed.error));
    let created: PartnershipView;
    try {
      created = await req.change(
        (trx) => addPartnership(trx, parsed.data),
        (p) => ({ action: 'partnership-created', permission: PERMISSION, partnershipId: p.id, recordType: 'partnership', recordId: p.id, changes: { after: { slug: p.slug, name: p.name } } }),
      );
    } catch (err) {
      if (err instanceof PartnershipError) return show(422, fieldError('slug', err.message.replace(/\.$/, '')));
      throw err;
    }
    return reply.redirect(`/admin/partnerships/${created.slug}?added=1`, 303);
  });

  /** The partnership named in the address, if it exists and is the person's to manage (else a 404 has been sent). */
  async function partnershipFor(req: FastifyRequest, reply: FastifyReply): Promise<PartnershipView | null> {
    const { slug } = req.params as { slug: string };
    const partnership = SLUG_PATTERN.test(slug) ? await findPartnershipBySlug(db, slug) : undefined;
    if (!partnership) {
      reply.code(404).render('error-pages/not-found.njk', { pageTitle: 'Page not found' });
      return null;
    }
    return (await requireInScope(req, reply, PERMISSION, partnership.id)) ? partnership : null;
  }

  async function renderPartnership(req: FastifyRequest, reply: FastifyReply, partnership: PartnershipView, extra: Record<string, unknown> = {}) {
    const agencies = (await listAgencies(db, partnership.id)).map((a) => ({ ...a, kindLabel: AGENCY_KIND_LABELS[a.kind] }));
    const values = (extra.values ?? {}) as Record<string, unknown>;
    return reply.render('admin/views/partnership.njk', {
      pageTitle: partnership.name,
      partnership,
      agencies,
      notice: noticeFor(req, NOTICES),
      values,
      kindItems: kindItems(values.kind),
      ...extra,
    });
  }

  app.get('/admin/partnerships/:slug', access(PERMISSION), async (req, reply) => {
    const partnership = await partnershipFor(req, reply);
    if (!partnership) return reply;
    return renderPartnership(req, reply, partnership);
  });

  app.post('/admin/partnerships/:slug/agencies', access(PERMISSION), async (req, reply) => {
    const partnership = await partnershipFor(req, reply);
    if (!partnership) return reply;
    const values = (req.body ?? {}) as Record<string, unknown>;
    const parsed = agencyForm.safeParse(values);
    if (!parsed.success) return renderPartnership(req, reply.code(422), partnership, { values, ...formErrors(parsed.error) });
    try {
      await req.change(
        (trx) => addAgency(trx, { partnershipId: partnership.id, name: parsed.data.name, kind: parsed.data.kind }),
        (agency) => ({ action: 'agency-created', permission: PERMISSION, partnershipId: partnership.id, recordType: 'agency', recordId: agency.id, changes: { after: { name: agency.name, kind: agency.kind } } }),
      );
    } catch (err) {
      if (err instanceof PartnershipError) {
        return renderPartnership(req, reply.code(422), partnership, { values, ...fieldError('name', err.message.replace(/\.$/, '')) });
      }
      throw err;
    }
    return reply.redirect(`/admin/partnerships/${partnership.slug}?agency=1`, 303);
  });
}
