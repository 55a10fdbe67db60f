import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { ROLE_LABELS } from '../../platform/auth/policy.ts';
import { createSession, endAllSessions, endSession } from '../../platform/auth/sessions.ts';
import { inTransaction } from '../../platform/db/transaction.ts';
import type { DB } from '../../platform/db/types.ts';
import { access, PUBLIC } from '../../platform/http/access.ts';
import { COOKIE_OPTIONS, refuse, SESSION_COOKIE } from '../../platform/http/authentication.ts';
import { fieldError, formErrors, safeNext } from '../../platform/http/forms.ts';
import { noticeFor } from '../admin/notices.ts';
import { listPartnerships } from '../partnerships/service.ts';
import { answerOffer, openOffersFor } from '../users/role-offers.ts';
import { codeForm, recoveryForm, signInForm, tokenForm } from './schemas.ts';
import {
  checkPassword,
  createApiToken,
  type CodeResult,
  issueRecoveryCodes,
  LOCK_MINUTES,
  MAX_FAILED_ATTEMPTS,
  listApiTokens,
  pendingTotpSecret,
  grantNames,
  remainingRecoveryCodes,
  revokeApiToken,
  TOKEN_DAYS_DEFAULT,
  TOKEN_DAYS_MAX,
  twoFactorState,
  useRecoveryCode,
  verifyTotpCode,
} from './service.ts';
import { groupSecret, totpQrSvg } from './two-factor.ts';

const GUESSING_LIMIT = { rateLimit: { max: 10, timeWindow: '1 minute' } };
const LOCKED_MESSAGE = `Too many attempts. Your account is locked for ${LOCK_MINUTES} minutes; try again later or reset your password.`;
/**
 * The one answer to a sign-in that did not work, whatever the reason: a wrong password, an
 * address with no account, or a locked account. It must not tell which addresses have accounts.
 */
const SIGN_IN_REFUSED = `Enter a correct email address and password. After ${MAX_FAILED_ATTEMPTS} wrong attempts an account is locked for ${LOCK_MINUTES} minutes: if you have forgotten your password, reset it.`;
/** Why a session that single sign-on started cannot change the sign-in of the whole account. */
const LIMITED_SESSION = 'You signed in with your organisation’s account, which counts for one partnership only. Sign in with your email address, password and security code to change this.';

/** Sign-in with a password and a second factor, the person's own account, and their API tokens. */
export async function accountRoutes(app: FastifyInstance): Promise<void> {
  const { database, cipher, config } = app.deps;
  const db = database.db;
  const cookieOptions = { ...COOKIE_OPTIONS, maxAge: config.sessionMaxHours * 3600 };

  /** In the sign-in's transaction, with its audit entry. */
  async function startSession(trx: Kysely<DB>, req: FastifyRequest, reply: FastifyReply, userId: string, twoFactor: boolean): Promise<void> {
    // A new session id at every step up: a session id seen before sign-in is never trusted after it.
    if (req.session) await endSession(trx, req.session.idHash);
    const token = await createSession(trx, userId, { ip: req.ip, userAgent: req.headers['user-agent'], twoFactor });
    reply.setCookie(SESSION_COOKIE, token, cookieOptions);
  }

  const fullySignedIn = (req: FastifyRequest) => Boolean(req.principal && req.session?.twoFactorAt);

  app.get('/sign-in', PUBLIC, async (req, reply) => {
    const query = req.query as Record<string, string | undefined>;
    if (fullySignedIn(req)) return reply.redirect(safeNext(query.next), 303);
    const notice = query.invited
      ? 'Your password is set. Sign in to set up two-factor authentication.'
      : query.reset
        ? 'Your password has been changed. Sign in with your new password.'
        : query['signed-out']
          ? 'You have been signed out on every device.'
          : query.expired
            ? 'You were signed out because you had not done anything for a while.'
            : null;
    return reply.render('account/views/sign-in.njk', { pageTitle: 'Sign in', next: safeNext(query.next), notice, values: {} });
  });

  app.post('/sign-in', access('public', GUESSING_LIMIT), async (req, reply) => {
    const parsed = signInForm.safeParse(req.body);
    const body = (req.body ?? {}) as Record<string, string>;
    const next = safeNext(body.next);
    const values = { email: typeof body.email === 'string' ? body.email.slice(0, 254) : '' };
    if (!parsed.success) {
      return reply.code(422).render('account/views/sign-in.njk', { pageTitle: 'Sign in', next, values, ...formErrors(parsed.error) });
    }
    // The attempt is counted, and a session started, with its audit entry.
    const result = await checkPassword(db, parsed.data.email, parsed.data.password, async (trx, r) => {
      if (r.ok) await startSession(trx, req, reply, r.userId, false);
      await req.audit(
        r.ok
          ? { action: 'sign-in', recordType: 'user', recordId: r.userId, actor: { id: r.userId, email: r.email, role: null }, changes: { step: 'password' } }
          : {
              action: 'sign-in',
              outcome: r.reason === 'locked' ? 'refused' : 'failed',
              recordType: 'user',
              recordId: r.userId,
              actor: r.userId ? { id: r.userId, email: r.email as string, role: null } : undefined,
              changes: { step: 'password', reason: r.reason },
            },
        trx,
      );
    });
    if (!result.ok) {
      return reply.code(401).render('account/views/sign-in.njk', { pageTitle: 'Sign in', next, values, ...fieldError('email', SIGN_IN_REFUSED) });
    }
    return reply.redirect(`/sign-in/two-factor?next=${encodeURIComponent(next)}`, 303);
  });

  app.get('/sign-in/two-factor', access('password-only'), async (req, reply) => {
    const next = safeNext((req.query as Record<string, string>).next);
    if (req.session?.twoFactorAt) return reply.redirect(next, 303);
    const state = await twoFactorState(db, cipher, req.principal!.userId);
    if (!state.enabled) return reply.redirect(`/account/two-factor/set-up?next=${encodeURIComponent(next)}`, 303);
    return reply.render('account/views/two-factor.njk', { pageTitle: 'Enter your security code', next });
  });

  app.post('/sign-in/two-factor', access('password-only', GUESSING_LIMIT), async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, string>;
    const next = safeNext(body.next);
    const parsed = codeForm.safeParse(req.body);
    if (!parsed.success) {
      return reply.code(422).render('account/views/two-factor.njk', { pageTitle: 'Enter your security code', next, ...formErrors(parsed.error) });
    }
    const p = req.principal!;
    const result = await inTransaction(db, async (trx) => {
      const r = await verifyTotpCode(trx, cipher, p.userId, parsed.data.code);
      if (r.ok) await startSession(trx, req, reply, p.userId, true);
      await req.audit(
        r.ok
          ? { action: 'sign-in', recordType: 'user', recordId: p.userId, changes: { step: 'two-factor' } }
          : { action: 'sign-in', outcome: r.reason === 'locked' ? 'refused' : 'failed', recordType: 'user', recordId: p.userId, changes: { step: 'two-factor', reason: r.reason } },
        trx,
      );
      return r;
    });
    if (!result.ok) {
      const message = isLocked(result) ? LOCKED_MESSAGE : 'The code is not right or has expired: enter the current code from your authenticator app';
      return reply.code(401).render('account/views/two-factor.njk', { pageTitle: 'Enter your security code', next, ...fieldError('code', message) });
    }
    return reply.redirect(next, 303);
  });

  app.get('/sign-in/recovery-code', access('password-only'), async (req, reply) =>
    reply.render('account/views/recovery-code.njk', { pageTitle: 'Use a recovery code', next: safeNext((req.query as Record<string, string>).next) }),
  );

  app.post('/sign-in/recovery-code', access('password-only', GUESSING_LIMIT), async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, string>;
    const next = safeNext(body.next);
    const parsed = recoveryForm.safeParse(req.body);
    if (!parsed.success) {
      return reply.code(422).render('account/views/recovery-code.njk', { pageTitle: 'Use a recovery code', next, ...formErrors(parsed.error) });
    }
    const p = req.principal!;
    const result = await inTransaction(db, async (trx) => {
      const r = await useRecoveryCode(trx, p.userId, parsed.data.code);
      if (r.ok) await startSession(trx, req, reply, p.userId, true);
      await req.audit(
        r.ok
          ? { action: 'sign-in', recordType: 'user', recordId: p.userId, changes: { step: 'recovery-code' } }
          : { action: 'sign-in', outcome: 'failed', recordType: 'user', recordId: p.userId, changes: { step: 'recovery-code', reason: r.reason } },
        trx,
      );
      return r;
    });
    if (!result.ok) {
      const message = isLocked(result) ? LOCKED_MESSAGE : 'That recovery code is not right or has already been used';
      return reply.code(401).render('account/views/recovery-code.njk', { pageTitle: 'Use a recovery code', next, ...fieldError('code', message) });
    }
    return reply.redirect(next, 303);
  });

  async function renderSetUp(req: FastifyRequest, reply: FastifyReply, next: string, extra: Record<string, unknown> = {}) {
    const p = req.principal!;
    const { secret } = await req.change(
      (trx) => pendingTotpSecret(trx, cipher, p.userId),
      (r) => (r.created ? { action: 'two-factor-set-up-started', recordType: 'user', recordId: p.userId } : null),
    );
    return reply.render('account/views/two-factor-set-up.njk', {
      pageTitle: 'Set up two-factor authentication',
      next,
      qrSvg: await totpQrSvg(secret, p.email),
      secret: groupSecret(secret),
      ...extra,
    });
  }

  // Setting up the authenticator app (or replacing recovery codes) makes the second factor of a
  // password sign-in, which opens every role of the account: never from a single sign-on session.
  async function refuseIfLimited(req: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    if (!req.session?.limitedTo) return false;
    await refuse(req, reply, 'account:own', LIMITED_SESSION);
    return true;
  }

  app.get('/account/two-factor/set-up', access('password-only'), async (req, reply) => {
    if (await refuseIfLimited(req, reply)) return reply;
    const next = safeNext((req.query as Record<string, string>).next);
    const state = await twoFactorState(db, cipher, req.principal!.userId);
    if (state.enabled) return reply.redirect(`/sign-in/two-factor?next=${encodeURIComponent(next)}`, 303);
    return renderSetUp(req, reply, next);
  });

  app.post('/account/two-factor/set-up', access('password-only', GUESSING_LIMIT), async (req, reply) => {
    if (await refuseIfLimited(req, reply)) return reply;
    const body = (req.body ?? {}) as Record<string, string>;
    const next = safeNext(body.next);
    const parsed = codeForm.safeParse(req.body);
    if (!parsed.success) return renderSetUp(req, reply.code(422), next, formErrors(parsed.error));
    const p = req.principal!;
    const result = await inTransaction(db, async (trx) => {
      const r = await verifyTotpCode(trx, cipher, p.userId, parsed.data.code, true);
      if (!r.ok) return r;
      const codes = await issueRecoveryCodes(trx, p.userId);
      await startSession(trx, req, reply, p.userId, true);
      await req.audit({ action: 'two-factor-enabled', recordType: 'user', recordId: p.userId }, trx);
      return { ...r, codes };
    });
    if (!result.ok) {
      const message = isLocked(result) ? LOCKED_MESSAGE : 'The code is not right: check the time on your phone and enter the current code';
      return renderSetUp(req, reply.code(401), next, fieldError('code', message));
    }
    const { codes } = result;
    return reply.render('account/views/recovery-codes.njk', { pageTitle: 'Save your recovery codes', codes, next });
  });

  // Signing out changes state, so it is a form with the CSRF token (another site cannot sign
  // people out). The address itself shows that form, for links and bookmarks.
  app.get('/sign-out', PUBLIC, async (req, reply) => {
    if (!req.session) return reply.render('account/views/signed-out.njk', { pageTitle: 'You have signed out' });
    return reply.render('account/views/sign-out.njk', { pageTitle: 'Sign out' });
  });

  app.post('/sign-out', PUBLIC, async (req, reply) => {
    const session = req.session;
    if (session) {
      await inTransaction(db, async (trx) => {
        await endSession(trx, session.idHash);
        await req.audit({ action: 'sign-out', recordType: 'user', recordId: req.principal?.userId }, trx);
      });
    }
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    req.principal = null;
    req.session = null;
    req.viewContext.user = undefined;
    return reply.render('account/views/signed-out.njk', { pageTitle: 'You have signed out' });
  });

  async function renderAccount(req: FastifyRequest, reply: FastifyReply) {
    const p = req.principal!;
    const names = await grantNames(db, p.grants);
    const roles = p.grants.map((g) => ({
      role: ROLE_LABELS[g.role],
      partnership: g.partnershipId ? (names.get(g.partnershipId) ?? '') : 'All partnerships',
      agency: g.agencyId ? (names.get(g.agencyId) ?? '') : '',
    }));
    const offers = await openOffersFor(db, p.userId);
    const limitedTo = req.session?.limitedTo ? ((await listPartnerships(db, [req.session.limitedTo]))[0]?.name ?? '') : null;
    return reply.render('account/views/account.njk', {
      pageTitle: 'Your account',
      person: { name: p.name, email: p.email },
      roles,
      limitedTo,
      offers: offers.map((o) => ({
        ...o,
        role: ROLE_LABELS[o.role],
        mayAnswer: mayAnswer(req, o.partnershipId),
      })),
      recoveryCodesLeft: await remainingRecoveryCodes(db, p.userId),
      notice: noticeFor(req, ACCOUNT_NOTICES),
    });
  }

  app.get('/account', access('signed-in'), async (req, reply) => renderAccount(req, reply));

  /**
   * An offered role changes what the whole account opens: it is answered in a sign-in with the
   * person's own password and second factor, or in a single sign-on session of the offering
   * partnership itself.
   */
  const mayAnswer = (req: FastifyRequest, partnershipId: string | null) => !req.session?.limitedTo || req.session.limitedTo === partnershipId;

  for (const accept of [true, false]) {
    app.post(`/account/role-offers/:id/${accept ? 'accept' : 'decline'}`, access('signed-in'), async (req, reply) => {
      const p = req.principal!;
      const { id } = req.params as { id: string };
      const offer = (await openOffersFor(db, p.userId)).find((o) => o.id === id);
      if (!offer) return reply.code(404).render('error-pages/not-found.njk', { pageTitle: 'Page not found' });
      if (!mayAnswer(req, offer.partnershipId)) return refuse(req, reply, 'account:own', LIMITED_SESSION);
      const answered = await req.change(
        (trx) => answerOffer(trx, p.userId, offer.id, accept),
        (a) =>
          a
            ? {
                action: accept ? 'role-offer-accepted' : 'role-offer-declined',
                partnershipId: a.partnershipId,
                recordType: 'user',
                recordId: p.userId,
                changes: { after: { role: a.role, partnershipId: a.partnershipId, agencyId: a.agencyId, accepted: accept } },
              }
            : null,
      );
      if (!answered) return reply.code(404).render('error-pages/not-found.njk', { pageTitle: 'Page not found' });
      return reply.redirect(`/account?${accept ? 'accepted' : 'declined'}=1`, 303);
    });
  }

  app.post('/account/sign-out-everywhere', access('signed-in'), async (req, reply) => {
    const p = req.principal!;
    await req.change(
      (trx) => endAllSessions(trx, p.userId),
      (ended) => ({ action: 'sign-out-everywhere', recordType: 'user', recordId: p.userId, changes: { sessionsEnded: ended } }),
    );
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/sign-in?signed-out=1', 303);
  });

  app.post('/account/recovery-codes', access('signed-in'), async (req, reply) => {
    if (await refuseIfLimited(req, reply)) return reply;
    const p = req.principal!;
    const codes = await req.change(
      (trx) => issueRecoveryCodes(trx, p.userId),
      () => ({ action: 'recovery-codes-replaced', recordType: 'user', recordId: p.userId }),
    );
    return reply.render('account/views/recovery-codes.njk', { pageTitle: 'Save your recovery codes', codes, next: '/account' });
  });

  async function renderTokens(req: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}) {
    return reply.render('account/views/api-tokens.njk', {
      pageTitle: 'API tokens',
      tokens: await listApiTokens(db, req.principal!.userId),
      values: { expiresInDays: String(TOKEN_DAYS_DEFAULT) },
      maxDays: TOKEN_DAYS_MAX,
      limited: Boolean(req.session?.limitedTo),
      ...extra,
    });
  }

  app.get('/account/api-tokens', access('signed-in'), async (req, reply) => renderTokens(req, reply));

  app.post('/account/api-tokens', access('signed-in'), async (req, reply) => {
    const parsed = tokenForm.safeParse(req.body);
    if (!parsed.success) return renderTokens(req, reply.code(422), { values: formValues(req.body, ['name', 'scope', 'expiresInDays']), ...formErrors(parsed.error) });
    const { name, scope, expiresInDays } = parsed.data;
    // A token made in a single sign-on session is limited as the session is.
    const limitedTo = req.session?.limitedTo ?? null;
    const created = await req.change(
      (trx) => createApiToken(trx, req.principal!.userId, { name, scope, expiresInDays, limitedTo }),
      (c) => ({ action: 'api-token-created', recordType: 'api-token', recordId: c.id, changes: { after: { name, scope, expiresAt: c.expiresAt.toISOString(), limitedTo } } }),
    );
    return renderTokens(req, reply, { created: { name, scope, token: created.token, expiresAt: created.expiresAt } });
  });

  app.post('/account/api-tokens/:id/revoke', access('signed-in'), async (req, reply) => {
    const { id } = req.params as { id: string };
    const ok =
      /^[0-9a-f-]{36}$/.test(id) &&
      (await req.change(
        (trx) => revokeApiToken(trx, req.principal!.userId, id),
        (revoked) => (revoked ? { action: 'api-token-revoked', recordType: 'api-token', recordId: id } : null),
      ));
    if (!ok) return reply.code(404).render('error-pages/not-found.njk', { pageTitle: 'Page not found' });
    return reply.redirect('/account/api-tokens', 303);
  });

  app.get('/api/v1/me', access('signed-in'), async (req) => {
    const p = req.principal!;
    return { id: p.userId, email: p.email, name: p.name, roles: p.grants };
  });
}

/** Once past the password, the person may be told their account is locked. */
const isLocked = (result: CodeResult) => !result.ok && (result.reason === 'locked' || result.lockedNow);

const ACCOUNT_NOTICES: Record<string, string> = {
  accepted: 'Role accepted. It is yours from now on.',
  declined: 'Role declined.',
};

/** The submitted text fields, to show the form again as it was sent. */
function formValues(body: unknown, names: string[]): Record<string, string> {
  const b = (body ?? {}) as Record<string, unknown>;
  return Object.fromEntries(names.filter((n) => typeof b[n] === 'string').map((n) => [n, (b[n] as string).slice(0, 200)]));
}
