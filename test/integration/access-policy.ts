import type { RoleName } from '../../src/platform/db/types.ts';

/**
 * Who may use each route: the access policy written out in full, apart from the routes.
 *
 * Review a change here as a change of policy. It is written from who the people are (the domain
 * README's "Who is involved") and what each of them does, not from the permission a route
 * declares: `test/integration/access-policy.test.ts` checks every route of the service against
 * it, for people signed in with a session, with an API token and through a partnership's single
 * sign-on, so a new route, or a route whose declared access changes, fails until this table
 * agrees.
 *
 * - `who`: 'anyone' (no sign-in), 'signing-in' (a person with a password, second factor still to
 *   come; anyone fully signed in too), 'signed-in' (any person fully signed in, whatever their
 *   roles), or the roles that get in. Within a partnership role, the record decides further (a
 *   partnership's own cases, a reviewer's own reviews, an agency's own requests): that is proved
 *   with real records in the same test.
 * - `token`: the JSON API only (addresses under /api/v1/). The least scope of API token that gets
 *   in ('read' or 'write'); without it, no token gets in, whatever its owner's roles.
 * - `sso: false`: a session admitted by a partnership's single sign-on does not get in (it counts
 *   as a second factor for that partnership's roles only; nothing that makes a password's second
 *   factor). Otherwise such a session gets in as the person's roles in that partnership would;
 *   national roles (Panel viewer, system administrator) never count in it.
 */
export type Who = 'anyone' | 'signing-in' | 'signed-in' | readonly RoleName[];
export type Rule = { who: Who; token?: 'read' | 'write'; sso?: false };

/** The business unit: day-to-day running of cases and reviews for the partnership. */
const ADMIN: RoleName = 'partnership-admin';
/** A statutory partner's lead (local authority, police, ICB): reads cases, signs off rapid reviews. */
const LEAD: RoleName = 'partner-lead';
/** A relevant agency (school, health trust…): refers incidents, answers requests addressed to it. */
const AGENCY: RoleName = 'agency-contributor';
/** An independent reviewer: works on the reviews they are assigned to. */
const REVIEWER: RoleName = 'reviewer';
/** The national Panel: reads what partnerships send it. */
const PANEL: RoleName = 'panel-viewer';
/** Runs the deployment: partnerships, national settings (clock rules, bank holidays, themes), accounts. */
const SYSADMIN: RoleName = 'system-admin';

const anyone: Rule = { who: 'anyone' };
const only = (...roles: RoleName[]): Rule => ({ who: roles });

export const ACCESS_POLICY: Record<string, Rule> = {
  // Static files, health checks and the public pages.
  'GET /govuk/*': anyone,
  'GET /public/*': anyone,
  'GET /healthz': anyone,
  'GET /readyz': anyone,
  'GET /': anyone,
  'GET /accessibility': anyone,
  'GET /privacy': anyone,
  'GET /cookies': anyone,
  // A partnership's brand on its public pages: its accent colour and logo.
  'GET /brand/:slug/:version/accent.css': anyone,
  'GET /brand/:slug/:version/logo': anyone,

  // Signing in, out, invitations and password resets.
  'GET /sign-in': anyone,
  'POST /sign-in': anyone,
  'GET /sign-in/sso': anyone,
  'POST /sign-in/sso': anyone,
  'GET /sign-in/sso/callback': anyone,
  'GET /sign-in/two-factor': { who: 'signing-in' },
  'POST /sign-in/two-factor': { who: 'signing-in' },
  'GET /sign-in/recovery-code': { who: 'signing-in' },
  'POST /sign-in/recovery-code': { who: 'signing-in' },
  'GET /account/two-factor/set-up': { who: 'signing-in', sso: false },
  'POST /account/two-factor/set-up': { who: 'signing-in', sso: false },
  'GET /sign-out': anyone,
  'POST /sign-out': anyone,
  'GET /invitation/:token': anyone,
  'POST /invitation/:token': anyone,
  'GET /password-reset': anyone,
  'POST /password-reset': anyone,
  'GET /password-reset/:token': anyone,
  'POST /password-reset/:token': anyone,

  // One's own account: every person, never with a token.
  'GET /account': { who: 'signed-in' },
  'POST /account/role-offers/:id/accept': { who: 'signed-in' },
  'POST /account/role-offers/:id/decline': { who: 'signed-in' },
  'POST /account/sign-out-everywhere': { who: 'signed-in' },
  'POST /account/recovery-codes': { who: 'signed-in', sso: false },
  'GET /account/api-tokens': { who: 'signed-in' },
  'POST /account/api-tokens': { who: 'signed-in' },
  'POST /account/api-tokens/:id/revoke': { who: 'signed-in' },
  // How a person hears of the tasks handed to them (at once or in a daily digest): their own choice.
  'GET /account/task-emails': { who: 'signed-in' },
  'POST /account/task-emails': { who: 'signed-in' },
  // Staying signed in when warned, and one's own forms kept after a session ended.
  'POST /account/stay-signed-in': { who: 'signed-in' },
  'GET /account/unsent-forms/:id': { who: 'signed-in' },
  'POST /account/unsent-forms/:id/discard': { who: 'signed-in' },
  'GET /api/v1/me': { who: 'signed-in', token: 'read' },
  'GET /dashboard': { who: 'signed-in' },
  'GET /admin': { who: 'signed-in' },

  // Deadline calendar feeds: for those who follow the partnership's cases.
  'POST /dashboard/calendar': only(ADMIN, LEAD),
  'POST /dashboard/calendar/revoke': only(ADMIN, LEAD),
  'GET /calendar/:file': anyone, // the feed's unguessable address is its key

  // People and partnerships.
  'GET /admin/users': only(ADMIN, SYSADMIN),
  'GET /admin/users/invite': only(ADMIN, SYSADMIN),
  'POST /admin/users/invite': only(ADMIN, SYSADMIN),
  'GET /admin/users/:id': only(ADMIN, SYSADMIN),
  'POST /admin/users/:id/disable': only(ADMIN, SYSADMIN),
  'POST /admin/users/:id/enable': only(ADMIN, SYSADMIN),
  'POST /admin/users/:id/invitation': only(ADMIN, SYSADMIN),
  'POST /admin/users/:id/roles/:grantId/remove': only(ADMIN, SYSADMIN),
  'GET /admin/partnerships': only(SYSADMIN),
  'GET /admin/partnerships/new': only(SYSADMIN),
  'POST /admin/partnerships/new': only(SYSADMIN),
  'GET /admin/partnerships/:slug': only(SYSADMIN),
  'POST /admin/partnerships/:slug/agencies': only(SYSADMIN),
  // A partnership's own single sign-on is set up by its business unit; only a system administrator
  // approves it (the email domain it claims decides whose sign-in it vouches for).
  'GET /admin/partnerships/:slug/single-sign-on': only(ADMIN, SYSADMIN),
  'POST /admin/partnerships/:slug/single-sign-on': only(ADMIN, SYSADMIN),
  'POST /admin/partnerships/:slug/single-sign-on/approve': only(SYSADMIN),
  // A partnership's brand and host names: its own administrators (and the deployment's).
  'GET /admin/brand': only(ADMIN, SYSADMIN),
  'GET /admin/partnerships/:slug/brand': only(ADMIN, SYSADMIN),
  'POST /admin/partnerships/:slug/brand': only(ADMIN, SYSADMIN),

  // The audit trail.
  'GET /admin/audit': only(ADMIN, SYSADMIN),
  'GET /admin/audit.csv': only(ADMIN, SYSADMIN),

  // National settings.
  'GET /admin/clock-rules': only(SYSADMIN),
  'GET /admin/clock-rules/:key': only(SYSADMIN),
  'GET /admin/clock-rules/:key/new-version': only(SYSADMIN),
  'POST /admin/clock-rules/:key/new-version': only(SYSADMIN),
  'GET /admin/bank-holidays': only(SYSADMIN),
  'POST /admin/bank-holidays': only(SYSADMIN),
  'POST /admin/bank-holidays/import': only(SYSADMIN),
  'GET /admin/bank-holidays/:date/remove': only(SYSADMIN),
  'POST /admin/bank-holidays/:date/remove': only(SYSADMIN),
  'GET /admin/themes': only(SYSADMIN),
  'POST /admin/themes': only(SYSADMIN),
  'GET /admin/themes/:key': only(SYSADMIN),
  'POST /admin/themes/:key': only(SYSADMIN),
  'POST /admin/themes/:key/retire': only(SYSADMIN),
  'POST /admin/themes/:key/restore': only(SYSADMIN),

  // Cases (incidents and their notification): the business unit records and moves them; the
  // statutory partners read them. Agencies, reviewers and the Panel never see the case file.
  'GET /cases': only(ADMIN, LEAD),
  'GET /cases/new': only(ADMIN),
  'POST /cases/new': only(ADMIN),
  'GET /cases/:id': only(ADMIN, LEAD),
  'GET /cases/:id/notification-check': only(ADMIN, LEAD),
  'GET /cases/:id/notification-summary': only(ADMIN, LEAD),
  'GET /cases/:id/edit': only(ADMIN),
  'POST /cases/:id/edit': only(ADMIN),
  'GET /cases/:id/children/:childId/edit': only(ADMIN),
  'POST /cases/:id/children/:childId/edit': only(ADMIN),
  'GET /cases/:id/steps/:key': only(ADMIN),
  'POST /cases/:id/steps/:key': only(ADMIN),
  'GET /cases/:id/clocks/:clock/pause': only(ADMIN),
  'POST /cases/:id/clocks/:clock/pause': only(ADMIN),
  'GET /cases/:id/clocks/:clock/resume': only(ADMIN),
  'POST /cases/:id/clocks/:clock/resume': only(ADMIN),

  // Referrals: any agency (and the partners) may refer; the business unit considers them.
  'GET /referrals/new': only(ADMIN, LEAD, AGENCY),
  'POST /referrals/new': only(ADMIN, LEAD, AGENCY),
  'GET /referrals/sent': only(ADMIN, LEAD, AGENCY),
  'GET /referrals': only(ADMIN),
  'GET /referrals/:id': only(ADMIN),
  'POST /referrals/:id': only(ADMIN),

  // Rapid reviews: the business unit runs them, the partners read them and each signs off.
  'GET /cases/:id/rapid-review': only(ADMIN, LEAD),
  'GET /cases/:id/rapid-review/requests': only(ADMIN),
  'POST /cases/:id/rapid-review/requests': only(ADMIN),
  'GET /cases/:id/rapid-review/requests/:requestId': only(ADMIN, LEAD),
  'GET /cases/:id/rapid-review/requests/:requestId/file': only(ADMIN, LEAD),
  // Reading an agency's answer is the business unit's task; it says so with a button.
  'POST /cases/:id/rapid-review/requests/:requestId/read': only(ADMIN),
  'GET /cases/:id/rapid-review/meetings/new': only(ADMIN),
  'POST /cases/:id/rapid-review/meetings/new': only(ADMIN),
  'GET /cases/:id/rapid-review/record': only(ADMIN),
  'POST /cases/:id/rapid-review/record': only(ADMIN),
  'GET /cases/:id/rapid-review/decision': only(ADMIN),
  'POST /cases/:id/rapid-review/decision': only(ADMIN),
  'GET /cases/:id/rapid-review/sign-off': only(LEAD),
  'POST /cases/:id/rapid-review/sign-off': only(LEAD),
  'GET /cases/:id/rapid-review/send': only(ADMIN),
  'POST /cases/:id/rapid-review/send': only(ADMIN),
  'GET /cases/:id/rapid-review/panel-response': only(ADMIN),
  'POST /cases/:id/rapid-review/panel-response': only(ADMIN),

  // Requests to agencies: answered by the agency they are addressed to.
  'GET /agency-requests': only(AGENCY),
  'GET /agency-requests/:id': only(AGENCY),
  'POST /agency-requests/:id': only(AGENCY),

  // Local reviews: the business unit runs them and appoints the reviewer, who writes them; the
  // partners read them.
  'GET /cases/reviews': only(ADMIN, LEAD, REVIEWER),
  'GET /cases/:id/review': only(ADMIN, LEAD, REVIEWER),
  'GET /cases/:id/review/reviewer': only(ADMIN),
  'POST /cases/:id/review/reviewer': only(ADMIN),
  'GET /cases/:id/review/terms': only(ADMIN, REVIEWER),
  'POST /cases/:id/review/terms': only(ADMIN, REVIEWER),
  'GET /cases/:id/review/log/:kind': only(ADMIN, REVIEWER),
  'POST /cases/:id/review/log/:kind': only(ADMIN, REVIEWER),
  'POST /cases/:id/review/log/entries/:entryId/done': only(ADMIN, REVIEWER),
  'GET /cases/:id/review/reports/new': only(ADMIN, REVIEWER),
  'POST /cases/:id/review/reports/new': only(ADMIN, REVIEWER),
  'GET /cases/:id/review/reports/:reportId': only(ADMIN, LEAD, REVIEWER),
  'GET /cases/:id/review/publication': only(ADMIN),
  'POST /cases/:id/review/publication': only(ADMIN),

  // Learning into practice: the business unit records a review's recommendations and their actions;
  // the partners' leads read them and sign off (or send back) what agencies say they have done; an
  // agency reads and updates only the actions its own agency owns (the record decides which).
  'GET /cases/:id/review/recommendations': only(ADMIN, LEAD),
  'GET /cases/:id/review/recommendations/new': only(ADMIN),
  'POST /cases/:id/review/recommendations/new': only(ADMIN),
  'GET /cases/:id/review/recommendations/:recId/edit': only(ADMIN),
  'POST /cases/:id/review/recommendations/:recId/edit': only(ADMIN),
  'GET /cases/:id/review/recommendations/:recId/actions/new': only(ADMIN),
  'POST /cases/:id/review/recommendations/:recId/actions/new': only(ADMIN),
  // A review's findings: recorded by the business unit, read on the recommendations page.
  'GET /cases/:id/review/findings/new': only(ADMIN),
  'POST /cases/:id/review/findings/new': only(ADMIN),
  'GET /cases/:id/review/findings/:findingId/edit': only(ADMIN),
  'POST /cases/:id/review/findings/:findingId/edit': only(ADMIN),
  // The same for a published review no case holds (an imported serious case review, a national or
  // thematic review), and a tracker spreadsheet brought in by the business unit.
  'GET /publications/:id/recommendations': only(ADMIN, LEAD),
  'GET /publications/:id/recommendations/new': only(ADMIN),
  'POST /publications/:id/recommendations/new': only(ADMIN),
  'GET /publications/:id/recommendations/:recId/edit': only(ADMIN),
  'POST /publications/:id/recommendations/:recId/edit': only(ADMIN),
  'GET /publications/:id/recommendations/:recId/actions/new': only(ADMIN),
  'POST /publications/:id/recommendations/:recId/actions/new': only(ADMIN),
  'GET /publications/:id/findings/new': only(ADMIN),
  'POST /publications/:id/findings/new': only(ADMIN),
  'GET /publications/:id/findings/:findingId/edit': only(ADMIN),
  'POST /publications/:id/findings/:findingId/edit': only(ADMIN),
  'GET /recommendations/import': only(ADMIN),
  'POST /recommendations/import': only(ADMIN),
  'GET /actions': only(ADMIN, LEAD, AGENCY),
  'GET /actions/:actionId': only(ADMIN, LEAD, AGENCY),
  'GET /actions/:actionId/edit': only(ADMIN),
  'POST /actions/:actionId/edit': only(ADMIN),
  'POST /actions/:actionId/updates': only(ADMIN, AGENCY),
  'POST /actions/:actionId/sign-off': only(LEAD),
  // Assurance: the owning agency (or the business unit) adds evidence files, everyone who sees the
  // action downloads them; the business unit schedules and records assurance checks, the leads read them.
  'GET /actions/:actionId/evidence/new': only(ADMIN, AGENCY),
  'POST /actions/:actionId/evidence/new': only(ADMIN, AGENCY),
  'GET /actions/:actionId/files/:fileId': only(ADMIN, LEAD, AGENCY),
  'GET /actions/checks': only(ADMIN, LEAD),
  'GET /actions/checks/new': only(ADMIN),
  'POST /actions/checks/new': only(ADMIN),
  'GET /actions/checks/:checkId': only(ADMIN, LEAD),
  'GET /actions/checks/:checkId/record': only(ADMIN),
  'POST /actions/checks/:checkId/record': only(ADMIN),
  // Recurring learning: a partnership's business unit and partner leads see their partnership's
  // lessons, the national Panel every partnership's published ones; only the business unit splits
  // and merges groups (the record decides: its own partnership's recommendations).
  'GET /learning/recurring': only(ADMIN, LEAD, PANEL),
  'POST /learning/recurring/split': only(ADMIN),
  'POST /learning/recurring/merge': only(ADMIN),

  // Learning products (thematic briefings, Learning on a Page): the business unit writes, sends and
  // keeps distribution lists; a partner's lead approves or sends back; agencies read published ones
  // (the record decides: a draft is not found for them). Reach is the business unit's and the leads'.
  'GET /learning-products': only(ADMIN, LEAD, AGENCY),
  'GET /learning-products/new': only(ADMIN),
  'POST /learning-products/new': only(ADMIN),
  'GET /learning-products/:id': only(ADMIN, LEAD, AGENCY),
  'GET /learning-products/:id/pdf': only(ADMIN, LEAD, AGENCY),
  'GET /learning-products/:id/edit': only(ADMIN),
  'POST /learning-products/:id/edit': only(ADMIN),
  // Sending for review or taking down is the business unit's, approving the lead's: the step decides.
  'POST /learning-products/:id/steps': only(ADMIN, LEAD),
  'GET /learning-products/:id/send': only(ADMIN),
  'POST /learning-products/:id/send': only(ADMIN),
  'GET /learning-products/:id/reach': only(ADMIN, LEAD),
  'POST /learning-products/:id/follow-ups': only(ADMIN),
  'GET /distribution-lists': only(ADMIN),
  'GET /distribution-lists/new': only(ADMIN),
  'POST /distribution-lists/new': only(ADMIN),
  'GET /distribution-lists/:listId/edit': only(ADMIN),
  'POST /distribution-lists/:listId/edit': only(ADMIN),
  // A recipient's own page: their emailed link (a random token) is the key, no sign-in.
  'GET /read/:token': anyone,
  'POST /read/:token': anyone,
  'POST /read/:token/open': anyone,
  'POST /read/:token/follow-up': anyone,

  // Publishing (the partnership publishes; the anonymisation check is theirs).
  'GET /cases/:id/review/publish': only(ADMIN),
  'POST /cases/:id/review/publish': only(ADMIN),
  'GET /cases/:id/review/publish/check': only(ADMIN),
  'POST /cases/:id/review/publish/overrides': only(ADMIN),
  'POST /cases/:id/review/publish/confirm': only(ADMIN),
  'GET /publications': only(ADMIN),
  'GET /publications/import': only(ADMIN),
  'POST /publications/import': only(ADMIN),
  'GET /publications/:id/withdraw': only(ADMIN),
  'POST /publications/:id/withdraw': only(ADMIN),

  // Figures (counts and timeliness, no case's details): the business unit and the partners' leads
  // for their own partnership; the national Panel and the deployment's administrators across
  // partnerships. Agencies, reviewers and the public do not see them.
  'GET /reports/figures': only(ADMIN, LEAD, PANEL, SYSADMIN),
  'GET /reports/figures/export': only(ADMIN, LEAD, PANEL, SYSADMIN),
  // The yearly report: seen by whoever sees the partnership's figures; its narrative written by the
  // partnership's business unit only (its partners' leads read it and agree it outside the service).
  'GET /reports/yearly': only(ADMIN, LEAD, PANEL, SYSADMIN),
  'GET /reports/yearly/pdf': only(ADMIN, LEAD, PANEL, SYSADMIN),
  'GET /reports/yearly/sections/:section/versions': only(ADMIN, LEAD, PANEL, SYSADMIN),
  'GET /reports/yearly/sections/:section': only(ADMIN),
  'POST /reports/yearly/sections/:section': only(ADMIN),

  // The national Panel.
  'GET /panel': only(PANEL),
  'GET /panel/cases/:id': only(PANEL),
  'GET /panel/cases/:id/advance-copy': only(PANEL),

  // The public repository of published reviews and learning.
  'GET /search': anyone,
  'GET /partnerships/:slug/reviews': anyone,
  'GET /partnerships/:slug/search': anyone,
  'GET /reviews/:slug(^\\d{4}-[a-z0-9-]+$)': anyone,
  'GET /reviews/:slug(^\\d{4}-[a-z0-9-]+$)/report': anyone,
  'GET /learning': anyone,
  'GET /learning/:themeKey': anyone,
  // Published learning products marked public.
  'GET /learning/products/:slug': anyone,
  'GET /learning/products/:slug/pdf': anyone,
  'GET /reviews.atom': anyone,
  'GET /partnerships/:slug/reviews.atom': anyone,
  'GET /sitemap.xml': anyone,

  // The JSON API: what the same people do on the pages, for their own systems.
  'GET /api/docs': anyone,
  'GET /api/v1/openapi.json': { who: 'anyone', token: 'read' },
  'GET /api/v1/public/search': { who: 'anyone', token: 'read' },
  'GET /api/v1/public/reviews/:slug': { who: 'anyone', token: 'read' },
  'GET /api/v1/incidents': { who: [ADMIN, LEAD], token: 'read' },
  'POST /api/v1/incidents': { who: [ADMIN], token: 'write' },
  'GET /api/v1/incidents/:id': { who: [ADMIN, LEAD], token: 'read' },
  'PATCH /api/v1/incidents/:id': { who: [ADMIN], token: 'write' },
  'GET /api/v1/incidents/:id/deadlines': { who: [ADMIN, LEAD], token: 'read' },
  'POST /api/v1/incidents/:id/transitions': { who: [ADMIN], token: 'write' },
  'GET /api/v1/incidents/:id/review': { who: [ADMIN, LEAD, REVIEWER], token: 'read' },
  'POST /api/v1/incidents/:id/review/entries': { who: [ADMIN, REVIEWER], token: 'write' },
  'POST /api/v1/incidents/:id/review/publish': { who: [ADMIN], token: 'write' },
  // The rapid review and the clocks, as on the pages: the business unit runs it, the partners' leads read it and sign off.
  'GET /api/v1/incidents/:id/rapid-review': { who: [ADMIN, LEAD], token: 'read' },
  'POST /api/v1/incidents/:id/rapid-review/meetings': { who: [ADMIN], token: 'write' },
  'POST /api/v1/incidents/:id/rapid-review/decision': { who: [ADMIN], token: 'write' },
  'POST /api/v1/incidents/:id/rapid-review/sign-off': { who: [LEAD], token: 'write' },
  'POST /api/v1/incidents/:id/rapid-review/send': { who: [ADMIN], token: 'write' },
  'POST /api/v1/incidents/:id/rapid-review/panel-response': { who: [ADMIN], token: 'write' },
  // Requests to agencies: the business unit sends them and reads the answers; an agency reads and
  // answers only its own agency's requests (the record decides, as on the pages).
  'POST /api/v1/incidents/:id/rapid-review/requests': { who: [ADMIN], token: 'write' },
  'GET /api/v1/incidents/:id/rapid-review/requests/:requestId': { who: [ADMIN, LEAD], token: 'read' },
  'GET /api/v1/agency-requests': { who: [AGENCY], token: 'read' },
  'GET /api/v1/agency-requests/:id': { who: [AGENCY], token: 'read' },
  'POST /api/v1/agency-requests/:id/answer': { who: [AGENCY], token: 'write' },
  'POST /api/v1/incidents/:id/clocks/:clock/pause': { who: [ADMIN], token: 'write' },
  'POST /api/v1/incidents/:id/clocks/:clock/resume': { who: [ADMIN], token: 'write' },
  'GET /api/v1/incidents/:id/review/recommendations': { who: [ADMIN, LEAD], token: 'read' },
  'POST /api/v1/incidents/:id/review/recommendations': { who: [ADMIN], token: 'write' },
  'GET /api/v1/publications/:id/recommendations': { who: [ADMIN, LEAD], token: 'read' },
  'POST /api/v1/publications/:id/recommendations': { who: [ADMIN], token: 'write' },
  'GET /api/v1/incidents/:id/review/findings': { who: [ADMIN, LEAD], token: 'read' },
  'POST /api/v1/incidents/:id/review/findings': { who: [ADMIN], token: 'write' },
  'GET /api/v1/publications/:id/findings': { who: [ADMIN, LEAD], token: 'read' },
  'POST /api/v1/publications/:id/findings': { who: [ADMIN], token: 'write' },
  'PUT /api/v1/findings/:id': { who: [ADMIN], token: 'write' },
  'POST /api/v1/recommendations/:id/actions': { who: [ADMIN], token: 'write' },
  'GET /api/v1/actions': { who: [ADMIN, LEAD, AGENCY], token: 'read' },
  'GET /api/v1/actions/:id': { who: [ADMIN, LEAD, AGENCY], token: 'read' },
  // Progress by the owning agency (or the business unit), sign-off by a partner lead: the record and the step decide.
  'POST /api/v1/actions/:id/updates': { who: [ADMIN, LEAD, AGENCY], token: 'write' },
  'GET /api/v1/learning-products': { who: [ADMIN, LEAD, AGENCY], token: 'read' },
  'POST /api/v1/learning-products': { who: [ADMIN], token: 'write' },
  'GET /api/v1/learning-products/:id': { who: [ADMIN, LEAD, AGENCY], token: 'read' },
  'GET /api/v1/learning-products/:id/reach': { who: [ADMIN, LEAD], token: 'read' },
  // Assurance, as on the pages: evidence files of an action, and the partnership's assurance checks.
  'GET /api/v1/actions/:id/evidence': { who: [ADMIN, LEAD, AGENCY], token: 'read' },
  'POST /api/v1/actions/:id/evidence': { who: [ADMIN, AGENCY], token: 'write' },
  'GET /api/v1/actions/:id/evidence/:fileId': { who: [ADMIN, LEAD, AGENCY], token: 'read' },
  'GET /api/v1/assurance-checks': { who: [ADMIN, LEAD], token: 'read' },
  'POST /api/v1/assurance-checks': { who: [ADMIN], token: 'write' },
  'POST /api/v1/assurance-checks/:id/record': { who: [ADMIN], token: 'write' },
  'GET /api/v1/learning/recurring': { who: [ADMIN, LEAD, PANEL], token: 'read' },
  'GET /api/v1/referrals': { who: [ADMIN], token: 'read' },
  'GET /api/v1/reports/figures': { who: [ADMIN, LEAD, PANEL, SYSADMIN], token: 'read' },
  'GET /api/v1/reports/yearly': { who: [ADMIN, LEAD, PANEL, SYSADMIN], token: 'read' },
  'POST /api/v1/referrals': { who: [ADMIN, LEAD, AGENCY], token: 'write' },
};
