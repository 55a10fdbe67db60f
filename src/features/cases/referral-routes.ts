import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { todayInLondon } from '../../domain/calendar/date-only.ts';
import { partnershipsWith, ROLE_PERMISSIONS, type Permission } from '../../platform/auth/policy.ts';
import { access } from '../../platform/http/access.ts';
import { refuse } from '../../platform/http/authentication.ts';
import { recordViews } from '../audit/service.ts';
import { listAgencies, listPartnerships, type AgencyView } from '../partnerships/service.ts';
import { referralCreatedEntry } from './audit-entries.ts';
import {
  createReferral,
  listReferrals,
  loadReferral,
  recordReferralOutcome,
  REFERRAL_OUTCOME_LABELS,
  REFERRAL_OUTCOMES,
  referralPartnership,
  type ReferralDetail,
} from './referrals.ts';
import { bodyOf, Problems, readOutcome, readReferral, type FormBody } from './schemas.ts';

const REFER: Permission = 'referral:create';
const WRITE: Permission = 'case:write';

/**
 * The agencies a person may refer for in a partnership: people with an agency role (agency
 * contributors, partner leads) refer for their own agency; the business unit for any of them.
 */
function referringAgencies(req: FastifyRequest, partnershipId: string, agencies: AgencyView[]): AgencyView[] {
  const grants = req.principal!.grants.filter((g) => ROLE_PERMISSIONS[g.role].includes(REFER) && (g.partnershipId === null || g.partnershipId === partnershipId));
  if (grants.some((g) => g.agencyId === null)) return agencies;
  const own = new Set(grants.map((g) => g.agencyId));
  return agencies.filter((a) => own.has(a.id));
}

async function referralNotFound(req: FastifyRequest, reply: FastifyReply, id: string): Promise<FastifyReply> {
  const elsewhere = await referralPartnership(req.server.deps.database.db, id);
  if (elsewhere && req.principal) {
    await req.audit({ action: 'access-refused', permission: WRITE, partnershipId: elsewhere, recordType: 'referral', recordId: id, outcome: 'refused' });
  }
  return reply.code(404).render('error-pages/not-found.njk', { pageTitle: 'Page not found' });
}

export async function referralRoutes(app: FastifyInstance): Promise<void> {
  const { database, cipher } = app.deps;
  const db = database.db;

  async function renderNew(req: FastifyRequest, reply: FastifyReply, values: FormBody, extra: Record<string, unknown> = {}) {
    const partnerships = await listPartnerships(db, partnershipsWith(req.principal!, REFER));
    const chosen = typeof values.partnership === 'string' && values.partnership ? values.partnership : partnerships[0]?.id ?? '';
    const agencies = chosen ? referringAgencies(req, chosen, await listAgencies(db, chosen)) : [];
    return reply.render('cases/views/referral-new.njk', {
      pageTitle: 'Refer an incident',
      values,
      partnerships,
      chosenPartnership: chosen,
      agencies,
      fieldErrors: {},
      dateParts: {},
      ...extra,
    });
  }

  app.get('/referrals/new', access(REFER), async (req, reply) => renderNew(req, reply, {}));

  app.post('/referrals/new', access(REFER), async (req, reply) => {
    const body = bodyOf(req);
    const problems = new Problems();
    const partnerships = await listPartnerships(db, partnershipsWith(req.principal!, REFER));
    const partnershipId = partnerships.length === 1 ? partnerships[0].id : typeof body.partnership === 'string' ? body.partnership : '';
    if (!partnerships.some((p) => p.id === partnershipId)) problems.add('partnership', 'Choose the partnership you are referring to');
    const input = readReferral(body, problems);
    const agencies = partnershipId ? referringAgencies(req, partnershipId, await listAgencies(db, partnershipId)) : [];
    if (input && partnershipId && !agencies.some((a) => a.id === input.agency)) {
      // The form offers only the person's own agency: anything else is a forged request.
      if (agencies.length) return refuse(req, reply, REFER, 'You can only refer for your own agency.');
      problems.add('agency', 'Choose the agency making the referral');
    }
    if (problems.any || !input) return renderNew(req, reply.code(422), body, problems.view());
    const actor = { userId: req.principal!.userId, name: req.principal!.name };
    const result = await req.change(
      (trx) => createReferral(trx, cipher, actor, { partnershipId, agencyId: input.agency, summary: input.summary, details: input.details, receivedOn: input.receivedOn }, todayInLondon(new Date())),
      (r) => (r.ok ? referralCreatedEntry({ id: r.id, partnershipId, agencyId: input.agency, receivedOn: input.receivedOn }) : null),
    );
    if (!result.ok) {
      problems.addAll(result.problems);
      return renderNew(req, reply.code(422), body, problems.view());
    }
    return reply.redirect('/referrals/sent', 303);
  });

  app.get('/referrals/sent', access(REFER), async (_req, reply) => reply.render('cases/views/referral-sent.njk', { pageTitle: 'Referral sent' }));

  app.get('/referrals', access(WRITE), async (req, reply) => {
    const referrals = await listReferrals(db, partnershipsWith(req.principal!, WRITE));
    // Each referral's summary is case data: the list's view is recorded, as the API's is.
    await req.audit({ action: 'view', permission: WRITE, recordType: 'referral-list', changes: { page: 'referrals', referrals: referrals.map((r) => r.id) } });
    return reply.render('cases/views/referrals.njk', { pageTitle: 'Referrals', referrals, outcomeLabels: REFERRAL_OUTCOME_LABELS });
  });

  async function renderReferral(req: FastifyRequest, reply: FastifyReply, referral: ReferralDetail, values: FormBody, extra: Record<string, unknown> = {}) {
    return reply.render('cases/views/referral.njk', {
      pageTitle: `Referral from ${referral.agencyName ?? 'an agency'}`,
      referral,
      values,
      outcomes: REFERRAL_OUTCOMES.map((o) => ({ value: o, text: REFERRAL_OUTCOME_LABELS[o], checked: values.outcome === o })),
      outcomeLabels: REFERRAL_OUTCOME_LABELS,
      viewedBy: await recordViews(db, 'referral', referral.id),
      recorded: (req.query as Record<string, unknown>).recorded === '1',
      fieldErrors: {},
      ...extra,
    });
  }

  app.get('/referrals/:id', access(WRITE), async (req, reply) => {
    const { id } = req.params as { id: string };
    const referral = await loadReferral(db, cipher, partnershipsWith(req.principal!, WRITE), id);
    if (!referral) return referralNotFound(req, reply, id);
    await req.audit({ action: 'view', permission: WRITE, partnershipId: referral.partnershipId, recordType: 'referral', recordId: id });
    return renderReferral(req, reply, referral, {});
  });

  app.post('/referrals/:id', access(WRITE), async (req, reply) => {
    const { id } = req.params as { id: string };
    const scope = partnershipsWith(req.principal!, WRITE);
    const referral = await loadReferral(db, cipher, scope, id);
    if (!referral) return referralNotFound(req, reply, id);
    const body = bodyOf(req);
    const problems = new Problems();
    const input = readOutcome(body, problems);
    if (!input) return renderReferral(req, reply.code(422), referral, body, problems.view());
    const result = await req.change(
      (trx) => recordReferralOutcome(trx, scope, { userId: req.principal!.userId, name: req.principal!.name }, id, input),
      (r) =>
        r.ok
          ? { action: 'referral-outcome', permission: WRITE, partnershipId: r.partnershipId, recordType: 'referral', recordId: id, changes: { after: { outcome: r.outcome }, reasonsRecorded: true } }
          : null,
    );
    if (!result.ok) {
      if (result.reason === 'not-found') return referralNotFound(req, reply, id);
      if (result.reason === 'already-recorded') problems.add('outcome', result.message);
      else problems.addAll(result.problems);
      return renderReferral(req, reply.code(422), referral, body, problems.view());
    }
    // To notify, the next step is recording the incident, pre-filled from the referral.
    return reply.redirect(result.outcome === 'notify' ? `/cases/new?referral=${id}` : `/referrals/${id}?recorded=1`, 303);
  });
}
