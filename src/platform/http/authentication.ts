import fastifyCookie from '@fastify/cookie';
import csrf from '@fastify/csrf-protection';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely, Transaction } from 'kysely';
import { type AuditEntry, recordAudit, recordAudits } from '../audit/audit.ts';
import { actingRole, can, type Permission, type Principal } from '../auth/policy.ts';
import { findApiToken, loadPrincipal } from '../auth/principals.ts';
import { sessionLookup, type SessionRow } from '../auth/sessions.ts';
import { discardHeldForm, holdForm, keepableFields } from '../auth/unsent-forms.ts';
import { auditedScope, inTransaction } from '../db/transaction.ts';
import type { DB } from '../db/types.ts';
import { sendProblem, wantsJson } from './errors.ts';
import { safeNext } from './forms.ts';

/**
 * What a route needs: a permission from the policy, or one of
 * 'public' (anyone), 'signed-in' (any person fully signed in) and
 * 'password-only' (signed in with a password, second factor still to come: the two-factor pages).
 */
/** A permission list lets in whoever holds any one of them (the handler then checks the record). */
export type Access = Permission | readonly Permission[] | 'public' | 'signed-in' | 'password-only';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | null;
    session: SessionRow | null;
    /** Whose session ended for want of use on this very request (its cookie came, the session had timed out). */
    timedOutUserId: string | null;
    /**
     * Records an audit entry with this request's actor, address and id filled in. A change passes
     * its transaction, so the change and its entry commit together; a view or a refusal records
     * its entry on its own.
     */
    audit(entry: AuditFields, trx?: Kysely<DB>): Promise<void>;
    /** Records entries of views (not of a change) together: one trip to the database. */
    auditViews(entries: readonly AuditFields[]): Promise<void>;
    /** The entry `audit` would record, with this request's actor, address and id filled in. */
    auditEntryOf(entry: AuditFields): AuditEntry;
    /**
     * Makes a change and records its audit entry in one transaction: `work` changes data through
     * the transaction it is given; `entry` names the audit entry for its result (null: nothing
     * changed). Both commit, or neither does.
     */
    change<T>(work: (trx: Transaction<DB>) => Promise<T>, entry: (result: T) => AuditFields | null): Promise<T>;
  }
}

export type AuditFields = {
  action: string;
  permission?: Permission;
  partnershipId?: string | null;
  recordType?: string;
  recordId?: string;
  changes?: Record<string, unknown> | null;
  outcome?: 'allowed' | 'refused' | 'failed';
  actor?: { id: string; email: string; role: string | null };
};

export const SESSION_COOKIE = 'cspr_session';
export const CSRF_COOKIE = 'cspr_csrf';
export const COOKIE_OPTIONS = { path: '/', httpOnly: true, sameSite: 'lax', secure: 'auto' } as const;

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function bearer(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  return h && /^Bearer\s+/i.test(h) ? h.replace(/^Bearer\s+/i, '').trim() : null;
}

/**
 * API tokens are for the JSON API alone: never a page, one's account (tokens, recovery codes),
 * or administration. A token sent anywhere else is refused before anything else happens.
 */
export const API_TOKEN_PATH = '/api/v1/';
export const TOKEN_OUTSIDE_API = `API tokens can be used only for the JSON API (addresses starting ${API_TOKEN_PATH}). Sign in to use pages, your account or administration.`;
export const INVALID_TOKEN = 'The API token is not valid, has expired or has been revoked.';
export const READ_ONLY_TOKEN = 'This API token is read-only: it can read but not change anything. Use a token with the write scope to do this.';

async function redirectToSignIn(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  let next = req.method === 'GET' ? req.url : null;
  // A form sent just after its sender's session ended: what they wrote is kept for them, and
  // signing in again takes them to it (see features/account/unsent-forms.ts).
  if (req.method === 'POST' && req.timedOutUserId) {
    const fields = keepableFields(req.body);
    const path = req.url.split('?')[0];
    if (fields && safeNext(path) === path) {
      const { database, cipher } = req.server.deps;
      next = `/account/unsent-forms/${await holdForm(database.db, cipher, { userId: req.timedOutUserId, path, fields, ip: req.ip })}`;
    }
  }
  return reply.redirect(`/sign-in${next ? `?next=${encodeURIComponent(next)}` : ''}`, 303);
}

export async function setUpAuthentication(app: FastifyInstance): Promise<void> {
  const { database, config } = app.deps;
  const limits = { idleMinutes: config.sessionIdleMinutes, maxHours: config.sessionMaxHours };
  const sessions = sessionLookup(database.db, limits, config.sessionCacheMs);

  await app.register(fastifyCookie);
  await app.register(csrf, {
    cookieKey: CSRF_COOKIE,
    cookieOpts: { ...COOKIE_OPTIONS },
    getToken: (req) => {
      const body = req.body as Record<string, unknown> | undefined;
      const fromBody = body && typeof body._csrf === 'string' ? body._csrf : undefined;
      // Never from the address: a token there is kept in browser history and access logs.
      return fromBody ?? (req.headers['x-csrf-token'] as string | undefined);
    },
  });

  app.decorateRequest('principal', null);
  app.decorateRequest('session', null);
  app.decorateRequest('timedOutUserId', null);
  const entryOf = (req: FastifyRequest, entry: AuditFields): AuditEntry => {
    const p = req.principal;
    return {
      actor: entry.actor ?? (p ? { id: p.userId, email: p.email, role: entry.permission ? actingRole(p, entry.permission, { partnershipId: entry.partnershipId }) : null } : null),
      partnershipId: entry.partnershipId ?? null,
      action: entry.action,
      recordType: entry.recordType ?? null,
      recordId: entry.recordId ?? null,
      changes: entry.changes ?? null,
      outcome: entry.outcome ?? 'allowed',
      ip: req.ip,
      requestId: req.id,
    };
  };
  app.decorateRequest('audit', async function audit(this: FastifyRequest, entry: AuditFields, trx?: Kysely<DB>) {
    await recordAudit(trx ?? database.db, entryOf(this, entry));
  });
  app.decorateRequest('auditEntryOf', function auditEntryOf(this: FastifyRequest, entry: AuditFields) {
    return entryOf(this, entry);
  });
  app.decorateRequest('auditViews', async function auditViews(this: FastifyRequest, entries: readonly AuditFields[]) {
    await recordAudits(database.db, entries.map((entry) => entryOf(this, entry)));
  });

  app.decorateRequest('change', function change<T>(this: FastifyRequest, work: (trx: Transaction<DB>) => Promise<T>, entry: (result: T) => AuditFields | null): Promise<T> {
    return inTransaction(database.db, async (trx) => {
      const result = await work(trx);
      const fields = entry(result);
      if (fields) await this.audit(fields, trx);
      return result;
    });
  });

  // Who is asking: an API token, or a session cookie.
  app.addHook('onRequest', async (req, reply) => {
    const token = bearer(req);
    if (token) {
      if (!req.url.startsWith(API_TOKEN_PATH)) return sendProblem(reply, 403, 'Forbidden', TOKEN_OUTSIDE_API);
      const use = await findApiToken(database.db, token);
      req.principal = use ? await loadPrincipal(database.db, use.userId, 'token', { limitedTo: use.limitedTo, tokenScope: use.scope }) : null;
      return;
    }
    const cookie = req.cookies[SESSION_COOKIE];
    if (!cookie) return;
    const found = await sessions.find(cookie);
    if (found && 'ended' in found) {
      req.timedOutUserId = found.userId;
      return;
    }
    const session = found;
    const principal = session?.principal;
    if (!session || !principal) return;
    req.session = session;
    req.principal = principal;
    req.viewContext.user = { name: principal.name, email: principal.email, twoFactor: session.twoFactorAt !== null, limitedTo: session.limitedTo };
    // For the warning before the session ends for want of use (WCAG 2.2.1: time limits can be extended).
    req.viewContext.sessionIdleSeconds = limits.idleMinutes * 60;
  });

  // A kept form sent again (see features/account/unsent-forms.ts) and accepted — the route answered
  // with its redirect, as every form here does when it has saved — is kept no longer.
  // Before the answer goes, so that the page it leads to no longer offers the kept form.
  app.addHook('onSend', async (req, reply, payload) => {
    const id = req.method === 'POST' ? (req.body as Record<string, unknown> | undefined)?._unsent : undefined;
    if (typeof id !== 'string' || reply.statusCode !== 303 || !req.principal || !req.session?.twoFactorAt) return payload;
    await discardHeldForm(database.db, req.principal.userId, id, req.ip).catch((err: unknown) => req.log.error({ err }, 'a kept form could not be discarded'));
    return payload;
  });

  // Everything a route does runs in an audited scope: a change it commits without an audit
  // entry in the same transaction is refused by the database (see platform/db/transaction.ts).
  // Set here, after the body is read: the parser's stream events would lose the scope.
  app.addHook('preHandler', (_req, _reply, done) => auditedScope(done));

  // Forms posted from a browser must carry this site's CSRF token. API calls with a
  // bearer token carry no cookies, so they cannot be forged by another site.
  app.addHook('preHandler', (req, reply, done) => {
    if (!STATE_CHANGING.has(req.method) || bearer(req)) return done();
    // An upload form's token is among its fields, read by the route with readMultipart, which
    // checks it before anything is done with the form. Only routes that say they take uploads.
    if ((req.routeOptions.config as { uploads?: boolean }).uploads && req.isMultipart()) return done();
    app.csrfProtection(req, reply, done);
  });

  // The door: every route names what it needs; a route that names nothing is refused.
  app.addHook('preHandler', async (req, reply) => {
    const config = req.routeOptions.config as { access?: Access };
    // The not-found page is for everyone; any other route must say what it needs.
    const access = req.is404 ? 'public' : config.access;
    // A read-only token changes nothing, whatever the route.
    if (req.principal?.via === 'token' && req.principal.tokenScope !== 'write' && STATE_CHANGING.has(req.method)) {
      await req.audit({ action: 'access-refused', recordType: 'route', recordId: `${req.method} ${req.routeOptions.url ?? req.url}`, outcome: 'refused', changes: { reason: 'read-only-token' } });
      return sendProblem(reply, 403, 'Forbidden', READ_ONLY_TOKEN);
    }
    if (access === 'public') return;
    if (access === undefined) {
      req.log.error({ route: req.routeOptions.url }, 'route declares no access rule: refused');
      return refuse(req, reply);
    }
    const principal = req.principal;
    if (!principal) {
      if (bearer(req)) return sendProblem(reply, 401, 'Unauthorized', INVALID_TOKEN);
      if (wantsJson(req)) return sendProblem(reply, 401, 'Unauthorized', 'Sign in or send an API token.');
      return redirectToSignIn(req, reply);
    }
    if (principal.via === 'session' && !req.session?.twoFactorAt && access !== 'password-only') {
      if (wantsJson(req)) return sendProblem(reply, 401, 'Unauthorized', 'Finish signing in with your two-factor code first.');
      return reply.redirect('/sign-in/two-factor', 303);
    }
    if (access === 'signed-in' || access === 'password-only') return;
    if (typeof access === 'string') {
      if (!can(principal, access)) return refuse(req, reply, access);
    } else if (!access.some((permission) => can(principal, permission))) return refuse(req, reply, access[0]);
  });
}

/** A refusal: 403 with a clear message, recorded in the audit trail. */
export async function refuse(req: FastifyRequest, reply: FastifyReply, permission?: Permission, detail?: string): Promise<FastifyReply> {
  const message = detail ?? 'You do not have permission to see this page or do this.';
  if (req.principal) {
    await req.audit({ action: 'access-refused', permission, recordType: 'route', recordId: `${req.method} ${req.routeOptions.url ?? req.url}`, outcome: 'refused' });
  }
  if (wantsJson(req)) return sendProblem(reply, 403, 'Forbidden', message);
  return reply.code(403).render('error-pages/client-error.njk', { pageTitle: 'You cannot do this', detail: message, status: 403 });
}

/** Refuse unless the principal holds the permission within this partnership (tenant check on a record). */
export async function requireInScope(
  req: FastifyRequest,
  reply: FastifyReply,
  permission: Permission,
  partnershipId: string,
): Promise<boolean> {
  if (can(req.principal, permission, { partnershipId })) return true;
  // Another partnership's record looks exactly like one that does not exist.
  if (req.principal) {
    await req.audit({ action: 'access-refused', permission, partnershipId, recordType: 'route', recordId: req.url, outcome: 'refused' });
  }
  if (wantsJson(req)) sendProblem(reply, 404, 'Not found', 'There is nothing at this address.');
  else reply.code(404).render('error-pages/not-found.njk', { pageTitle: 'Page not found' });
  return false;
}
