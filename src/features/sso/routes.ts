import { linkBase } from '../admin/links.ts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { safeEqual } from '../../platform/auth/secrets.ts';
import { createSession, endSession } from '../../platform/auth/sessions.ts';
import { access, PUBLIC } from '../../platform/http/access.ts';
import { can } from '../../platform/auth/policy.ts';
import { COOKIE_OPTIONS, requireInScope, SESSION_COOKIE } from '../../platform/http/authentication.ts';
import { findPartnershipBySlug, SLUG_PATTERN, type PartnershipView } from '../partnerships/service.ts';
import { fieldError, formErrors, providerForm, safeNext, signInForm } from './schemas.ts';
import {
  admit,
  approveProvider,
  CALLBACK_PATH,
  domainUsedElsewhere,
  findProvider,
  finishSignIn,
  loopbackIssuersAllowed,
  openPending,
  ProviderError,
  providerForEmail,
  saveProvider,
  sealPending,
  startSignIn,
  STATE_COOKIE,
  STATE_COOKIE_PATH,
  STATE_MINUTES,
  testConnection,
  type Admission,
  type StoredProvider,
} from './service.ts';
import { inTransaction } from '../../platform/db/transaction.ts';

/** Approving a provider's claim to an email domain is part of setting up partnerships: system administrators. */
const APPROVER = 'partnerships:manage';

const SIGN_IN_TITLE = "Sign in with your organisation's account";
const NO_PROVIDER = 'Your organisation does not use single sign-on here. Sign in with your email address and password.';

/** Why a sign-in coming back from a provider could not be used: status and what the person is told. */
const FAILURES = {
  expired: [400, 'Your sign-in took longer than 10 minutes, or was started in another browser or tab. Start again.'],
  'state-mismatch': [400, 'The answer from your organisation’s sign-in service does not match the sign-in started here, so it cannot be trusted. Start again.'],
  'provider-disabled': [400, 'Single sign-on is turned off for your partnership. Sign in with your email address and password.'],
  'provider-unapproved': [400, 'Single sign-on for your partnership is waiting for a system administrator to approve it. Sign in with your email address and password.'],
  'provider-error': [401, 'Your organisation’s sign-in service did not sign you in.'],
  'access-denied': [401, 'You did not sign in: your organisation’s sign-in service says the sign-in was cancelled or is not allowed for you.'],
  'token-failed': [401, 'Your organisation’s sign-in service did not confirm who you are. Start again, or sign in with your email address and password.'],
} as const satisfies Record<string, readonly [number, string]>;

type Failure = keyof typeof FAILURES;

function refusalText(admission: Exclude<Admission, { ok: true }>, provider: StoredProvider): string {
  switch (admission.reason) {
    case 'no-email':
      return 'Your organisation’s sign-in service did not tell CSPR Hub your email address, so your account cannot be found. Ask your partnership administrator to check the single sign-on settings.';
    case 'email-unverified':
      return 'Your organisation’s sign-in service says your email address is not verified, so it cannot be used to sign in here.';
    case 'other-domain':
      return `You signed in with an account outside ${provider.emailDomain}. Sign in with your ${provider.emailDomain} account, or with your email address and password.`;
    case 'national-role':
      return 'System administrators and National Panel viewers sign in with their email address, password and security code, not through a partnership’s single sign-on.';
    default:
      return `There is no CSPR Hub account for this address in ${provider.partnershipName}. Ask your partnership administrator to invite you.`;
  }
}

/**
 * The sign-in form posts here and is redirected to the organisation's provider. Browsers apply
 * the page's form-action rule to that redirect too, so this page lets forms lead to https
 * addresses (and to loopback ones where loopback providers are allowed). The page shows no
 * user content besides the escaped email address.
 */
function allowFormsToProviders(reply: FastifyReply, loopback: boolean): void {
  const csp = reply.getHeader('content-security-policy');
  if (typeof csp !== 'string') return;
  const sources = loopback ? "'self' https: http://127.0.0.1:* http://localhost:*" : "'self' https:";
  reply.header('content-security-policy', csp.replace("form-action 'self'", `form-action ${sources}`));
}

/** Single sign-on by OpenID Connect: a partnership's settings, and signing in through them. */
export async function ssoRoutes(app: FastifyInstance): Promise<void> {
  const { database, cipher, config } = app.deps;
  const db = database.db;
  const allowLoopbackHttp = loopbackIssuersAllowed(config.publicUrl);
  const sessionCookie = { ...COOKIE_OPTIONS, maxAge: config.sessionMaxHours * 3600 };
  const stateCookie = { ...COOKIE_OPTIONS, path: STATE_COOKIE_PATH, maxAge: STATE_MINUTES * 60 };

  const redirectUriFor = (req: FastifyRequest): string =>
    `${linkBase(req, config)}${CALLBACK_PATH}`;

  // ---- configuration ------------------------------------------------------------------------

  /**
   * The partnership in the address, if this person manages its users; otherwise the reply is sent.
   * The route's rule ('users:manage') already refused (403) people who manage no users at all;
   * a partnership administrator of another partnership finds nothing here (404).
   */
  async function managedPartnership(req: FastifyRequest, reply: FastifyReply): Promise<PartnershipView | null> {
    const { slug } = req.params as { slug: string };
    const partnership = SLUG_PATTERN.test(slug) ? await findPartnershipBySlug(db, slug) : undefined;
    if (!partnership) {
      reply.code(404).render('error-pages/not-found.njk', { pageTitle: 'Page not found' });
      return null;
    }
    return (await requireInScope(req, reply, 'users:manage', partnership.id)) ? partnership : null;
  }

  function renderSettings(req: FastifyRequest, reply: FastifyReply, context: Record<string, unknown>) {
    return reply.render('sso/views/settings.njk', {
      pageTitle: 'Single sign-on',
      redirectUri: redirectUriFor(req),
      allowLoopbackHttp,
      // System administrators approve a provider's claim to its email domain; others propose it.
      mayApprove: can(req.principal, APPROVER),
      fieldErrors: {},
      ...context,
    });
  }

  /** What the page says about the stored provider, and what an approver approves. */
  const providerStatus = (provider: StoredProvider | undefined) =>
    provider ? { enabled: provider.enabled, approvedAt: provider.approvedAt, issuer: provider.issuer, emailDomain: provider.emailDomain } : null;

  app.get('/admin/partnerships/:slug/single-sign-on', access('users:manage'), async (req, reply) => {
    const partnership = await managedPartnership(req, reply);
    if (!partnership) return reply;
    const provider = await findProvider(db, partnership.id);
    const values = provider
      ? { issuer: provider.issuer, clientId: provider.clientId, emailDomain: provider.emailDomain, enabled: provider.enabled ? 'yes' : 'no' }
      : {};
    const query = req.query as Record<string, string | undefined>;
    return renderSettings(req, reply, { partnership, provider: providerStatus(provider), values, saved: query.saved, approved: query.approved === '1' });
  });

  app.post('/admin/partnerships/:slug/single-sign-on', access('users:manage'), async (req, reply) => {
    const partnership = await managedPartnership(req, reply);
    if (!partnership) return reply;
    const provider = await findProvider(db, partnership.id);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).slice(0, 1000) : '');
    // Everything typed is shown again except the secret, which is never sent back to a browser.
    const values = { issuer: text('issuer'), clientId: text('clientId'), emailDomain: text('emailDomain'), enabled: text('enabled') };
    const base = { partnership, provider: providerStatus(provider), values };
    const testing = body.action === 'test';
    const parsed = providerForm({ secretRequired: !provider && !testing, allowLoopbackHttp }).safeParse(body);
    if (!parsed.success) return renderSettings(req, reply.code(422), { ...base, ...formErrors(parsed.error) });
    const data = parsed.data;

    if (data.action === 'test') {
      const result = await testConnection({ issuer: data.issuer, clientId: data.clientId }, allowLoopbackHttp);
      // The service made a request where this person asked it to: recorded, with how it went.
      await req.audit({
        action: 'sso-connection-tested',
        permission: 'users:manage',
        partnershipId: partnership.id,
        recordType: 'sso-provider',
        recordId: partnership.id,
        changes: { issuer: data.issuer, ok: result.ok, ...(result.ok ? {} : { message: result.message }) },
      });
      if (!result.ok) {
        return renderSettings(req, reply.code(422), { ...base, ...fieldError('issuer', `The connection test failed: ${result.message}`) });
      }
      return renderSettings(req, reply, { ...base, tested: { issuer: result.issuer, secretTyped: data.clientSecret !== '' } });
    }

    if (await domainUsedElsewhere(db, data.emailDomain, partnership.id)) {
      return renderSettings(req, reply.code(422), { ...base, ...fieldError('emailDomain', 'Another partnership already uses single sign-on for this email domain') });
    }
    const approver = can(req.principal, APPROVER);
    const result = await req.change(
      (trx) =>
        saveProvider(
          trx,
          cipher,
          partnership.id,
          { issuer: data.issuer, clientId: data.clientId, clientSecret: data.clientSecret, emailDomain: data.emailDomain, enabled: data.enabled === 'yes' },
          approver ? { approvedBy: req.principal!.userId } : {},
        ),
      (r) => ({
        action: r.before ? 'sso-provider-changed' : 'sso-provider-added',
        permission: 'users:manage',
        partnershipId: partnership.id,
        recordType: 'sso-provider',
        recordId: partnership.id,
        // The secret itself is never recorded: only that it changed.
        changes: { before: r.before, after: r.after, secretChanged: r.secretChanged, approval: r.approval },
      }),
    );
    return reply.redirect(`/admin/partnerships/${partnership.slug}/single-sign-on?saved=${result.approval}`, 303);
  });

  app.post('/admin/partnerships/:slug/single-sign-on/approve', access(APPROVER), async (req, reply) => {
    const partnership = await managedPartnership(req, reply);
    if (!partnership) return reply;
    const provider = await findProvider(db, partnership.id);
    if (!provider) return reply.code(404).render('error-pages/not-found.njk', { pageTitle: 'Page not found' });
    const body = (req.body ?? {}) as Record<string, unknown>;
    // What the approver saw: a claim changed since then is not what they approved.
    const seen = { issuer: typeof body.issuer === 'string' ? body.issuer : '', emailDomain: typeof body.emailDomain === 'string' ? body.emailDomain : '' };
    const values = { issuer: provider.issuer, clientId: provider.clientId, emailDomain: provider.emailDomain, enabled: provider.enabled ? 'yes' : 'no' };
    const base = { partnership, provider: providerStatus(provider), values };
    const result = await req.change(
      (trx) => approveProvider(trx, partnership.id, req.principal!.userId, seen),
      (r) =>
        r === 'approved'
          ? {
              action: 'sso-domain-approved',
              permission: APPROVER,
              partnershipId: partnership.id,
              recordType: 'sso-provider',
              recordId: partnership.id,
              changes: { after: { issuer: seen.issuer, emailDomain: seen.emailDomain, approved: true } },
            }
          : null,
    );
    if (result === 'changed') {
      return renderSettings(req, reply.code(409), { ...base, ...fieldError('approve', 'The issuer or email domain changed after you opened the page. Check them again before you approve.') });
    }
    if (result === 'domain-taken') {
      return renderSettings(req, reply.code(422), { ...base, ...fieldError('approve', 'Another partnership already uses single sign-on for this email domain') });
    }
    return reply.redirect(`/admin/partnerships/${partnership.slug}/single-sign-on?approved=1`, 303);
  });

  // ---- signing in ---------------------------------------------------------------------------

  function renderSignIn(reply: FastifyReply, context: Record<string, unknown>) {
    allowFormsToProviders(reply, allowLoopbackHttp);
    return reply.render('sso/views/sign-in.njk', { pageTitle: SIGN_IN_TITLE, fieldErrors: {}, values: {}, ...context });
  }

  app.get('/sign-in/sso', PUBLIC, async (req, reply) => {
    const next = safeNext((req.query as Record<string, unknown>).next);
    if (req.principal && req.session?.twoFactorAt) return reply.redirect(next, 303);
    return renderSignIn(reply, { next });
  });

  app.post('/sign-in/sso', access('public', { rateLimit: { max: 10, timeWindow: '1 minute' } }), async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeNext(body.next);
    const values = { email: typeof body.email === 'string' ? body.email.slice(0, 254) : '' };
    const parsed = signInForm.safeParse(body);
    if (!parsed.success) return renderSignIn(reply.code(422), { next, values, ...formErrors(parsed.error) });
    const provider = await providerForEmail(db, parsed.data.email);
    if (!provider) return renderSignIn(reply.code(422), { next, values, ...fieldError('email', NO_PROVIDER) });
    try {
      const { url, pending } = await startSignIn(cipher, provider, { email: parsed.data.email, next, redirectUri: redirectUriFor(req), allowLoopbackHttp });
      reply.setCookie(STATE_COOKIE, sealPending(cipher, pending), stateCookie);
      return reply.redirect(url.href, 303);
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      await req.audit({ action: 'sign-in', outcome: 'failed', partnershipId: provider.partnershipId, changes: { method: 'sso', step: 'start', reason: err.reason } });
      const message = 'Your organisation’s sign-in service is not answering. Try again later, or sign in with your email address and password.';
      return renderSignIn(reply.code(502), { next, values, ...fieldError('email', message) });
    }
  });

  async function fail(req: FastifyRequest, reply: FastifyReply, failure: Failure, partnershipId: string | null, detail: Record<string, unknown> = {}) {
    await req.audit({ action: 'sign-in', outcome: 'failed', partnershipId, changes: { method: 'sso', reason: failure, ...detail } });
    const [status, message] = FAILURES[failure];
    return reply.code(status).render('sso/views/problem.njk', { pageTitle: 'You could not sign in', message });
  }

  app.get(CALLBACK_PATH, access('public', { rateLimit: { max: 30, timeWindow: '1 minute' } }), async (req, reply) => {
    const pending = openPending(cipher, req.cookies[STATE_COOKIE]);
    // The cookie serves one return from the provider only.
    reply.clearCookie(STATE_COOKIE, { path: STATE_COOKIE_PATH });
    if (!pending) return fail(req, reply, 'expired', null);
    const query = req.query as Record<string, unknown>;
    if (typeof query.state !== 'string' || !safeEqual(query.state, pending.state)) return fail(req, reply, 'state-mismatch', pending.partnershipId);
    if (query.error !== undefined) {
      const code = typeof query.error === 'string' && /^[a-z_]{1,64}$/.test(query.error) ? query.error : 'unknown';
      return fail(req, reply, code === 'access_denied' ? 'access-denied' : 'provider-error', pending.partnershipId, { providerError: code });
    }
    const provider = await findProvider(db, pending.partnershipId);
    if (!provider?.enabled) return fail(req, reply, 'provider-disabled', pending.partnershipId);
    if (!provider.approvedAt) return fail(req, reply, 'provider-unapproved', pending.partnershipId);

    let identity;
    try {
      const rawQuery = req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '';
      identity = await finishSignIn(cipher, provider, pending, rawQuery, allowLoopbackHttp);
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      return fail(req, reply, 'token-failed', provider.partnershipId, { providerError: err.reason });
    }

    // The identity linked, the session started and their audit entries: one transaction.
    const admission = await inTransaction(db, async (trx) => {
      const a = await admit(trx, provider, identity);
      if (!a.ok) {
        await req.audit({ action: 'sign-in', outcome: 'refused', partnershipId: provider.partnershipId, changes: { method: 'sso', reason: a.reason, email: a.email, issuer: identity.issuer } }, trx);
        return a;
      }
      const actor = { id: a.userId, email: a.email, role: null };
      if (a.linked) {
        await req.audit({ action: 'sso-identity-linked', actor, partnershipId: provider.partnershipId, recordType: 'user', recordId: a.userId, changes: { issuer: identity.issuer } }, trx);
      }
      // A new session id at sign-in: one seen before is never trusted after it. The organisation's
      // provider applies its own multi-factor policy, so this session counts as fully signed in —
      // but only for the roles in the provider's own partnership: a provider vouches for nothing else.
      if (req.session) await endSession(trx, req.session.idHash);
      const token = await createSession(trx, a.userId, { ip: req.ip, userAgent: req.headers['user-agent'], twoFactor: true, limitedTo: provider.partnershipId });
      reply.setCookie(SESSION_COOKIE, token, sessionCookie);
      await req.audit({ action: 'sign-in', actor, partnershipId: provider.partnershipId, recordType: 'user', recordId: a.userId, changes: { method: 'sso', issuer: identity.issuer } }, trx);
      return a;
    });
    if (!admission.ok) {
      return reply.code(403).render('sso/views/no-account.njk', {
        pageTitle: 'You cannot sign in with this account',
        message: refusalText(admission, provider),
        email: admission.email,
      });
    }

    return reply.redirect(safeNext(pending.next), 303);
  });
}
