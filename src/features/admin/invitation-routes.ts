import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ROLE_LABELS } from '../../platform/auth/policy.ts';
import { passwordProblem } from '../../platform/auth/passwords.ts';
import { access, PUBLIC } from '../../platform/http/access.ts';
import { fieldError, formErrors } from '../../platform/http/forms.ts';
import { findUser } from '../users/service.ts';
import { checkEmailToken, setPasswordWithToken, type EmailPurpose, type LinkPerson, type TokenCheck } from './email-tokens.ts';
import { newPasswordForm } from './schemas.ts';

/** The links are long random secrets; a limit still stops anyone trying them in bulk. */
export const LINK_LIMIT = { rateLimit: { max: 20, timeWindow: '1 minute' } };

/** An unknown link is 404; one that has expired or was used is 410 (Gone). Never a 500. */
export function renderLinkProblem(reply: FastifyReply, purpose: EmailPurpose, check: Exclude<TokenCheck, { status: 'valid' }>): FastifyReply {
  return reply
    .code(check.status === 'unknown' ? 404 : 410)
    .render('admin/views/link-problem.njk', { pageTitle: 'This link has expired or has already been used', purpose });
}

/** The tokens are secrets: the address of these pages must not reach other sites through the Referer header. */
export function noReferrer(reply: FastifyReply): FastifyReply {
  return reply.header('referrer-policy', 'no-referrer');
}

/** Accepting an invitation: the person sees who they were invited as, and chooses a password. */
export async function invitationRoutes(app: FastifyInstance): Promise<void> {
  const db = app.deps.database.db;

  async function renderChoose(reply: FastifyReply, person: LinkPerson, extra: Record<string, unknown> = {}) {
    const detail = await findUser(db, person.id);
    const roles = (detail?.grants ?? []).map((g) => [ROLE_LABELS[g.role], g.partnershipName, g.agencyName].filter(Boolean).join(', '));
    return noReferrer(reply).render('admin/views/invitation.njk', { pageTitle: 'Set up your account', person, roles, ...extra });
  }

  app.get('/invitation/:token', PUBLIC, async (req, reply) => {
    const { token } = req.params as { token: string };
    const check = await checkEmailToken(db, token, 'invitation');
    if (check.status !== 'valid') return renderLinkProblem(noReferrer(reply), 'invitation', check);
    return renderChoose(reply, check.user);
  });

  app.post('/invitation/:token', access('public', LINK_LIMIT), async (req: FastifyRequest, reply) => {
    const { token } = req.params as { token: string };
    const check = await checkEmailToken(db, token, 'invitation');
    if (check.status !== 'valid') return renderLinkProblem(noReferrer(reply), 'invitation', check);
    const parsed = newPasswordForm.safeParse(req.body ?? {});
    if (!parsed.success) return renderChoose(reply.code(422), check.user, formErrors(parsed.error));
    const problem = passwordProblem(parsed.data.password, check.user);
    if (problem) return renderChoose(reply.code(422), check.user, fieldError('password', problem));
    const person = await setPasswordWithToken(db, token, 'invitation', parsed.data.password, async (trx, p) => {
      await req.audit({ action: 'invitation-accepted', actor: { id: p.id, email: p.email, role: null }, recordType: 'user', recordId: p.id, changes: { passwordSet: true } }, trx);
      return p;
    });
    if (!person) return renderLinkProblem(noReferrer(reply), 'invitation', { status: 'used' });
    return reply.redirect('/sign-in?invited=1', 303);
  });
}
