import type { FastifyInstance, FastifyReply } from 'fastify';
import { recordAudit } from '../../platform/audit/audit.ts';
import { passwordProblem } from '../../platform/auth/passwords.ts';
import { access, PUBLIC } from '../../platform/http/access.ts';
import { SESSION_COOKIE } from '../../platform/http/authentication.ts';
import { fieldError, formErrors } from '../../platform/http/forms.ts';
import { checkEmailToken, type LinkPerson } from './email-tokens.ts';
import { LINK_LIMIT, noReferrer, renderLinkProblem } from './invitation-routes.ts';
import { linkBase } from './links.ts';
import { completePasswordReset, requestPasswordReset } from './password-reset.ts';
import { newPasswordForm, resetRequestForm } from './schemas.ts';

/** Asking for a link by email is what someone guessing addresses would repeat. */
export const RESET_REQUEST_LIMIT = { rateLimit: { max: 5, timeWindow: '1 minute' } };

/**
 * Forgotten passwords: ask for a link by email, then choose a new password through it.
 * The answer to the request is the same whether or not there is an account.
 */
export async function passwordResetRoutes(app: FastifyInstance): Promise<void> {
  const { database, mailer, config } = app.deps;
  const db = database.db;

  app.get('/password-reset', PUBLIC, async (_req, reply) =>
    reply.render('admin/views/password-reset-request.njk', { pageTitle: 'Reset your password', values: {} }),
  );

  app.post('/password-reset', access('public', RESET_REQUEST_LIMIT), async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const parsed = resetRequestForm.safeParse(body);
    if (!parsed.success) {
      const values = { email: typeof body.email === 'string' ? body.email.slice(0, 254) : '' };
      return reply.code(422).render('admin/views/password-reset-request.njk', { pageTitle: 'Reset your password', values, ...formErrors(parsed.error) });
    }
    // The lookup and the email happen after the answer, so its timing does not tell
    // whether there is an account for the address either.
    const baseUrl = linkBase(req, config);
    const meta = { ip: req.ip, requestId: req.id };
    // The link is issued with its audit entry, before the email is sent.
    void requestPasswordReset(db, mailer, parsed.data.email, baseUrl, async (trx, result) => {
      if (result.outcome === 'no-account') return;
      await recordAudit(trx, {
        actor: null,
        action: 'password-reset-requested',
        recordType: 'user',
        recordId: result.userId,
        outcome: result.outcome === 'sent' ? 'allowed' : 'refused',
        changes: result.outcome === 'sent' ? { linkIssued: true } : { linkIssued: false, reason: 'account disabled' },
        ...meta,
      });
    })
      .catch((err: unknown) => {
        req.log.error({ err: { name: (err as Error)?.name, code: (err as { code?: string })?.code } }, 'password reset email not sent');
      });
    return reply.render('admin/views/password-reset-sent.njk', { pageTitle: 'Check your email' });
  });

  function renderChoose(reply: FastifyReply, person: LinkPerson, extra: Record<string, unknown> = {}) {
    return noReferrer(reply).render('admin/views/password-reset-choose.njk', { pageTitle: 'Choose a new password', person, ...extra });
  }

  app.get('/password-reset/:token', PUBLIC, async (req, reply) => {
    const { token } = req.params as { token: string };
    const check = await checkEmailToken(db, token, 'password-reset');
    if (check.status !== 'valid') return renderLinkProblem(noReferrer(reply), 'password-reset', check);
    return renderChoose(reply, check.user);
  });

  app.post('/password-reset/:token', access('public', LINK_LIMIT), async (req, reply) => {
    const { token } = req.params as { token: string };
    const check = await checkEmailToken(db, token, 'password-reset');
    if (check.status !== 'valid') return renderLinkProblem(noReferrer(reply), 'password-reset', check);
    const parsed = newPasswordForm.safeParse(req.body ?? {});
    if (!parsed.success) return renderChoose(reply.code(422), check.user, formErrors(parsed.error));
    const problem = passwordProblem(parsed.data.password, check.user);
    if (problem) return renderChoose(reply.code(422), check.user, fieldError('password', problem));
    const person = await completePasswordReset(db, token, parsed.data.password, (trx, p) =>
      req.audit(
        {
          action: 'password-reset-completed',
          actor: { id: p.id, email: p.email, role: null },
          recordType: 'user',
          recordId: p.id,
          changes: { passwordChanged: true, lockoutCleared: true, sessionsEnded: p.sessionsEnded },
        },
        trx,
      ),
    );
    if (!person) return renderLinkProblem(noReferrer(reply), 'password-reset', { status: 'used' });
    // Every session of theirs has ended, this browser's included.
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/sign-in?reset=1', 303);
  });
}
