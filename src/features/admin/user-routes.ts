import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { partnershipsWith, ROLE_LABELS, ROLES } from '../../platform/auth/policy.ts';
import { endAllSessions } from '../../platform/auth/sessions.ts';
import type { RoleName } from '../../platform/db/types.ts';
import { access } from '../../platform/http/access.ts';
import { refuse } from '../../platform/http/authentication.ts';
import { fieldError, formErrors, type ErrorItem } from '../../platform/http/forms.ts';
import { listAgencies, listPartnerships } from '../partnerships/service.ts';
import { OFFER_DAYS, openOffersIn } from '../users/role-offers.ts';
import { findUser, isUuid, listUsers, removeRole, setUserDisabled, UserError, type UserDetail, type UserGrant } from '../users/service.ts';
import { InvitationError, InvitationNotSent, invitePerson, resendInvitation } from './invitations.ts';
import { linkBase } from './links.ts';
import { noticeFor } from './notices.ts';
import { inviteForm } from './schemas.ts';

const PERMISSION = 'users:manage';

/** Roles not tied to a partnership: only people who manage every partnership may give them. */
const NATIONAL: readonly RoleName[] = ['panel-viewer', 'system-admin'];
/** Roles that belong to an agency of the partnership. */
const WITH_AGENCY: readonly RoleName[] = ['agency-contributor', 'partner-lead'];

const ROLE_HINTS: Record<RoleName, string> = {
  'partnership-admin': 'Runs the partnership’s reviews and manages its users.',
  'partner-lead': 'Signs off rapid review decisions for their statutory partner. Choose the agency they lead for.',
  'agency-contributor': 'Refers incidents and answers requests addressed to their agency. Choose their agency.',
  reviewer: 'Works on the reviews they are assigned to.',
  'panel-viewer': 'Reads what partnerships send to the National Panel. Not tied to a partnership.',
  'system-admin': 'Runs this deployment: partnerships, users and rules. Not tied to a partnership.',
};

const NOTICES: Record<string, string> = {
  invited: 'Invitation sent. The link in the email works once, for 7 days.',
  reinvited: 'A new invitation was sent. Older links no longer work.',
  disabled: 'Account disabled. They have been signed out everywhere.',
  enabled: 'Account enabled. They can sign in again.',
  removed: 'Role removed.',
  offered: `They already have an account, so the role was offered to them: it is theirs once they accept it, signed in. The offer lasts ${OFFER_DAYS} days.`,
};

type Scope = string[] | 'all';

function inScope(scope: Scope, partnershipId: string | null): boolean {
  return scope === 'all' || (partnershipId !== null && scope.includes(partnershipId));
}

function formValues(body: unknown): Record<string, string> {
  const b = (body ?? {}) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const k of ['email', 'name', 'role', 'partnership', 'agency']) if (typeof b[k] === 'string') out[k] = (b[k] as string).slice(0, 300);
  return out;
}

/** People and their roles: a partnership administrator manages their partnership's people; a system administrator everyone. */
export async function userAdminRoutes(app: FastifyInstance): Promise<void> {
  const { database, mailer, config } = app.deps;
  const db = database.db;
  const scopeOf = (req: FastifyRequest): Scope => partnershipsWith(req.principal!, PERMISSION);

  app.get('/admin/users', access(PERMISSION), async (req, reply) => {
    const users = await listUsers(db, scopeOf(req));
    const offers = await openOffersIn(db, scopeOf(req));
    return reply.render('admin/views/users.njk', {
      offers: offers.map((o) => ({ ...o, role: [ROLE_LABELS[o.role], o.partnershipName, o.agencyName].filter(Boolean).join(', ') })),
      pageTitle: 'Users',
      users: users.map((u) => ({
        ...u,
        roles: u.grants.map((g) => [ROLE_LABELS[g.role], g.partnershipName, g.agencyName].filter(Boolean).join(', ')),
      })),
      notice: noticeFor(req, NOTICES),
    });
  });

  // ---- Inviting a person -------------------------------------------------------------------

  async function inviteOptions(scope: Scope) {
    const partnerships = await listPartnerships(db, scope);
    const agencies = [];
    for (const p of partnerships) for (const a of await listAgencies(db, p.id)) agencies.push({ ...a, partnershipName: p.name });
    const roles = ROLES.filter((r) => scope === 'all' || !NATIONAL.includes(r));
    return { partnerships, agencies, roles };
  }

  async function renderInvite(req: FastifyRequest, reply: FastifyReply, values: Record<string, string>, extra: Record<string, unknown> = {}) {
    const scope = scopeOf(req);
    const { partnerships, agencies, roles } = await inviteOptions(scope);
    // Someone who manages one partnership invites into it: it is chosen for them.
    const chosen = values.partnership ?? (scope !== 'all' && partnerships.length === 1 ? partnerships[0].id : '');
    const partnershipItems = [
      { value: '', text: scope === 'all' ? 'Not tied to a partnership (national roles)' : 'Choose a partnership' },
      ...partnerships.map((p) => ({ value: p.id, text: p.name, selected: p.id === chosen })),
    ];
    const agencyItems = [
      { value: '', text: 'No agency' },
      ...agencies.map((a) => ({ value: a.id, text: partnerships.length > 1 ? `${a.partnershipName}: ${a.name}` : a.name, selected: a.id === values.agency })),
    ];
    const roleItems = roles.map((r) => ({ value: r, text: ROLE_LABELS[r], hint: { text: ROLE_HINTS[r] }, checked: r === values.role }));
    return reply.render('admin/views/invite.njk', { pageTitle: 'Invite a user', values, roleItems, partnershipItems, agencyItems, ...extra });
  }

  app.get('/admin/users/invite', access(PERMISSION), async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    return renderInvite(req, reply, isUuid(q.partnership) ? { partnership: q.partnership } : {});
  });

  app.post('/admin/users/invite', access(PERMISSION), async (req, reply) => {
    const values = formValues(req.body);
    const parsed = inviteForm.safeParse(req.body ?? {});
    if (!parsed.success) return renderInvite(req, reply.code(422), values, formErrors(parsed.error));
    const { email, name, role } = parsed.data;
    const scope = scopeOf(req);
    const { partnerships, agencies } = await inviteOptions(scope);

    // The form offers only roles, partnerships and agencies the person may give: anything
    // else is a forged request, refused and recorded.
    if (NATIONAL.includes(role) && scope !== 'all') return refuse(req, reply, PERMISSION, 'You cannot give this role: ask a system administrator.');
    const partnership = parsed.data.partnership ? partnerships.find((p) => p.id === parsed.data.partnership) : undefined;
    if (parsed.data.partnership && !partnership) return refuse(req, reply, PERMISSION, 'You can only invite people into a partnership you manage.');
    const agency = parsed.data.agency ? agencies.find((a) => a.id === parsed.data.agency) : undefined;
    if (parsed.data.agency && !agency) return refuse(req, reply, PERMISSION, 'You can only choose an agency of a partnership you manage.');

    const errors: ErrorItem[] = [];
    const fieldErrors: Record<string, { text: string }> = {};
    const problem = (field: string, text: string) => {
      if (fieldErrors[field]) return;
      fieldErrors[field] = { text };
      errors.push({ text, href: `#${field}` });
    };
    if (NATIONAL.includes(role) && partnership) problem('partnership', `A ${ROLE_LABELS[role]} is not tied to a partnership: choose ‘Not tied to a partnership’`);
    if (!NATIONAL.includes(role) && !partnership) problem('partnership', 'Choose the partnership they will work in');
    if (role === 'agency-contributor' && !agency) problem('agency', 'Choose the agency they will contribute for');
    if (agency && !WITH_AGENCY.includes(role)) problem('agency', 'Only agency contributors and statutory partner leads have an agency: choose ‘No agency’');
    else if (agency && partnership && agency.partnershipId !== partnership.id) problem('agency', 'Choose an agency of the partnership you chose');
    if (errors.length) return renderInvite(req, reply.code(422), values, { errors, fieldErrors });

    const grant = { role, partnershipId: partnership?.id ?? null, agencyId: agency?.id ?? null };
    try {
      const result = await invitePerson(
        db,
        mailer,
        {
          email,
          name,
          grant,
          partnershipName: partnership?.name ?? null,
          inviterName: req.principal!.name,
          inviterId: req.principal!.userId,
          inviterScope: scope,
          baseUrl: linkBase(req, config),
        },
        // The account, role, offer or link, with the change that makes them.
        (trx, r) =>
          req.audit(
            r.offered
              ? { action: 'role-offered', permission: PERMISSION, partnershipId: grant.partnershipId, recordType: 'user', recordId: r.userId, changes: { after: { email: r.email, ...grant } } }
              : {
                  action: 'invitation-created',
                  permission: PERMISSION,
                  partnershipId: grant.partnershipId,
                  recordType: 'user',
                  recordId: r.userId,
                  changes: { after: { email: r.email, ...grant }, accountCreated: r.created, roleAdded: r.roleAdded || r.created },
                },
            trx,
          ),
      );
      // The person is not (yet) one of this partnership's people: their page stays out of sight.
      if (result.offered) return reply.redirect('/admin/users?offered=1', 303);
      await req.audit({ action: 'invitation-sent', permission: PERMISSION, partnershipId: grant.partnershipId, recordType: 'user', recordId: result.userId, changes: { emailSent: true } });
      return reply.redirect(`/admin/users/${result.userId}?invited=1`, 303);
    } catch (err) {
      if (err instanceof InvitationError || err instanceof UserError) {
        return renderInvite(req, reply.code(422), values, fieldError(err instanceof InvitationError ? err.field : 'email', err.message));
      }
      if (err instanceof InvitationNotSent) {
        req.log.error({ err: { name: (err.cause as Error)?.name, code: (err.cause as { code?: string })?.code } }, 'invitation email not sent');
        await req.audit({
          action: 'invitation-sent',
          permission: PERMISSION,
          partnershipId: grant.partnershipId,
          recordType: 'user',
          recordId: err.userId,
          outcome: 'failed',
          changes: { after: { email, ...grant }, accountCreated: err.created },
        });
        return renderInvite(
          req,
          reply.code(503),
          values,
          fieldError('email', 'The invitation email could not be sent. Try again in a few minutes; if it keeps happening, tell your system administrator'),
        );
      }
      throw err;
    }
  });

  // ---- One person --------------------------------------------------------------------------

  type Visible = { user: UserDetail; scope: Scope; grants: UserGrant[]; self: boolean; mayChangeAccount: boolean };

  /**
   * The person in the address, with the roles this administrator can see. A person with no
   * role in the administrator's partnerships looks exactly like one who does not exist.
   */
  async function visibleUser(req: FastifyRequest, reply: FastifyReply): Promise<Visible | null> {
    const { id } = req.params as { id: string };
    const user = await findUser(db, id);
    const scope = scopeOf(req);
    const grants = user ? user.grants.filter((g) => inScope(scope, g.partnershipId)) : [];
    if (!user || (scope !== 'all' && grants.length === 0)) {
      if (user) await req.audit({ action: 'access-refused', permission: PERMISSION, recordType: 'user', recordId: user.id, outcome: 'refused' });
      reply.code(404).render('error-pages/not-found.njk', { pageTitle: 'Page not found' });
      return null;
    }
    const self = user.id === req.principal!.userId;
    // Disabling reaches every partnership the person works in: only for someone who manages them all.
    const mayChangeAccount = !self && grants.length === user.grants.length;
    return { user, scope, grants, self, mayChangeAccount };
  }

  function renderUser(req: FastifyRequest, reply: FastifyReply, v: Visible, extra: Record<string, unknown> = {}) {
    return reply.render('admin/views/user.njk', {
      pageTitle: v.user.name,
      person: v.user,
      roles: v.grants.map((g) => ({
        id: g.id,
        role: ROLE_LABELS[g.role],
        partnership: g.partnershipName ?? 'All partnerships',
        agency: g.agencyName ?? '',
      })),
      otherRoles: v.user.grants.length - v.grants.length,
      self: v.self,
      mayChangeAccount: v.mayChangeAccount,
      notice: noticeFor(req, NOTICES),
      ...extra,
    });
  }

  /** The partnership an action on this person is recorded under: one of theirs the administrator manages. */
  const auditPartnership = (v: Visible) => v.grants.find((g) => g.partnershipId)?.partnershipId ?? null;

  app.get('/admin/users/:id', access(PERMISSION), async (req, reply) => {
    const v = await visibleUser(req, reply);
    if (!v) return reply;
    return renderUser(req, reply, v);
  });

  for (const disable of [true, false]) {
    app.post(`/admin/users/:id/${disable ? 'disable' : 'enable'}`, access(PERMISSION), async (req, reply) => {
      const v = await visibleUser(req, reply);
      if (!v) return reply;
      if (v.self) return refuse(req, reply, PERMISSION, 'You cannot disable or enable your own account.');
      if (!v.mayChangeAccount) {
        return refuse(req, reply, PERMISSION, 'This person also holds roles in other partnerships: ask a system administrator, or remove their roles in yours.');
      }
      await req.change(
        async (trx) => ({ changed: await setUserDisabled(trx, v.user.id, disable), sessionsEnded: disable ? await endAllSessions(trx, v.user.id) : 0 }),
        ({ changed, sessionsEnded }) =>
          changed
            ? {
                action: disable ? 'user-disabled' : 'user-enabled',
                permission: PERMISSION,
                partnershipId: auditPartnership(v),
                recordType: 'user',
                recordId: v.user.id,
                changes: { before: { disabled: !disable }, after: { disabled: disable }, ...(disable ? { sessionsEnded } : {}) },
              }
            : null,
      );
      return reply.redirect(`/admin/users/${v.user.id}?${disable ? 'disabled' : 'enabled'}=1`, 303);
    });
  }

  app.post('/admin/users/:id/invitation', access(PERMISSION), async (req, reply) => {
    const v = await visibleUser(req, reply);
    if (!v) return reply;
    // The invitation sets how the person signs in: only for someone who manages all their roles.
    if (!v.mayChangeAccount) {
      return refuse(req, reply, PERMISSION, 'This person also holds roles in other partnerships: only a system administrator can send them a new invitation.');
    }
    const grant = v.grants[0] ?? null;
    try {
      await resendInvitation(
        db,
        mailer,
        v.user,
        { grant, partnershipName: grant?.partnershipName ?? null, inviterName: req.principal!.name, baseUrl: linkBase(req, config) },
        (trx) =>
          req.audit({ action: 'invitation-created', permission: PERMISSION, partnershipId: auditPartnership(v), recordType: 'user', recordId: v.user.id, changes: { after: { email: v.user.email }, resent: true } }, trx),
      );
    } catch (err) {
      if (err instanceof InvitationError) return renderUser(req, reply.code(422), v, fieldError(err.field, err.message));
      if (err instanceof InvitationNotSent) {
        req.log.error({ err: { name: (err.cause as Error)?.name, code: (err.cause as { code?: string })?.code } }, 'invitation email not sent');
        return renderUser(req, reply.code(503), v, fieldError('account-actions', 'The invitation email could not be sent. Try again in a few minutes'));
      }
      throw err;
    }
    await req.audit({ action: 'invitation-sent', permission: PERMISSION, partnershipId: auditPartnership(v), recordType: 'user', recordId: v.user.id, changes: { emailSent: true, resent: true } });
    return reply.redirect(`/admin/users/${v.user.id}?reinvited=1`, 303);
  });

  app.post('/admin/users/:id/roles/:grantId/remove', access(PERMISSION), async (req, reply) => {
    const v = await visibleUser(req, reply);
    if (!v) return reply;
    const { grantId } = req.params as { grantId: string };
    const grant = v.grants.find((g) => g.id === grantId);
    if (!grant) {
      if (v.user.grants.some((g) => g.id === grantId)) {
        await req.audit({ action: 'access-refused', permission: PERMISSION, recordType: 'role-assignment', recordId: grantId, outcome: 'refused' });
      }
      return reply.code(404).render('error-pages/not-found.njk', { pageTitle: 'Page not found' });
    }
    if (v.self) return refuse(req, reply, PERMISSION, 'You cannot remove your own roles: ask another administrator.');
    await req.change(
      (trx) => removeRole(trx, v.user.id, grant.id),
      (removed) =>
        removed
          ? {
              action: 'role-removed',
              permission: PERMISSION,
              partnershipId: removed.partnershipId,
              recordType: 'user',
              recordId: v.user.id,
              changes: { before: { role: removed.role, partnershipId: removed.partnershipId, agencyId: removed.agencyId }, after: null },
            }
          : null,
    );
    // Without roles in the administrator's partnerships the person is out of their sight.
    const stillVisible = v.scope === 'all' || v.grants.length > 1;
    return reply.redirect(stillVisible ? `/admin/users/${v.user.id}?removed=1` : '/admin/users?removed=1', 303);
  });
}
