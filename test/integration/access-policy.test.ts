import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STEPS, TRANSITIONS } from '../../src/domain/workflow/incident-workflow.ts';
import { ENTRY_KINDS } from '../../src/domain/reviews/review-log.ts';
import { createApiToken } from '../../src/features/account/service.ts';
import { seedDemo } from '../../src/features/demo/service.ts';
import { renderReportPdf } from '../../src/platform/documents/generate-pdf.ts';
import { addAgency, addPartnership } from '../../src/features/partnerships/service.ts';
import { saveProvider } from '../../src/features/sso/service.ts';
import { createUser } from '../../src/features/users/service.ts';
import { ROLES } from '../../src/platform/auth/policy.ts';
import { createSession } from '../../src/platform/auth/sessions.ts';
import { withTenant } from '../../src/platform/db/tenant.ts';
import type { ApiTokenScope, RoleName } from '../../src/platform/db/types.ts';
import { SESSION_COOKIE } from '../../src/platform/http/authentication.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { TEST_PASSWORD, TestClient } from '../support/client.ts';
import { ENGINES } from '../support/database.ts';
import { startTestProvider, type TestProvider } from '../support/oidc-test-provider.ts';
import { ACCESS_POLICY, type Rule } from './access-policy.ts';
import { SECTION_KEYS } from '../../src/domain/reports/yearly.ts';

/**
 * The access policy (access-policy.ts, written apart from the routes) against the running service:
 * every route is in the table and the table names only real routes; each role gets in exactly
 * where the table says, with a session, with API tokens of each scope and through a partnership's
 * single sign-on; and a person of two partnerships reaches the other's records only as the role
 * they hold there, never through a route of their own partnership.
 */

const PARTNERSHIP_ROLES: RoleName[] = ['partnership-admin', 'partner-lead', 'agency-contributor', 'reviewer'];
const NATIONAL = (role: RoleName) => role === 'panel-viewer' || role === 'system-admin';
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const key = (method: string, url: string) => `${method} ${url}`;

/** Does the role (none: a person whose roles do not count here) pass the rule's `who`? */
function passes(rule: Rule, role: RoleName | null, signedIn: boolean): boolean {
  if (rule.who === 'anyone') return true;
  if (!signedIn) return false;
  if (rule.who === 'signed-in' || rule.who === 'signing-in') return true;
  return role !== null && rule.who.includes(role);
}

/** A request's answer refuses entry: 401/403, or a redirect to sign in (or to finish signing in). */
function refusedAtDoor(res: LightMyRequestResponse): boolean {
  return res.statusCode === 401 || res.statusCode === 403 || (res.statusCode === 303 && /^\/sign-in($|\?next=|\/two-factor)/.test(String(res.headers.location)));
}

/** A route's address with made-up values: an id that exists nowhere, a slug its pattern accepts. */
function sampleUrl(url: string): string {
  return url
    .replace(/:[A-Za-z]+\([^)]*\)/g, '2020-nowhere')
    .replace(/:[A-Za-z]+/g, () => randomUUID())
    .replace('*', 'nothing-here');
}

async function send(client: TestClient, method: string, url: string, csrf: string | undefined): Promise<LightMyRequestResponse> {
  if (method === 'GET') return client.get(url);
  if (method === 'POST' && !url.startsWith('/api/')) return client.post(url, {}, { csrf: csrf ?? null });
  const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  return client.app.inject({ method: method as 'POST' | 'PATCH', url, headers: { cookie, 'content-type': 'application/json', ...(csrf ? { 'x-csrf-token': csrf } : {}) }, payload: '{}' });
}

function sendWithToken(t: TestApp, method: string, url: string, token: string): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: method as 'GET' | 'POST' | 'PATCH',
    url,
    headers: { authorization: `Bearer ${token}`, ...(STATE_CHANGING.has(method) ? { 'content-type': 'application/json' } : {}) },
    ...(STATE_CHANGING.has(method) ? { payload: '{}' } : {}),
  });
}

type Session = { client: TestClient; csrf: string };

async function sessionFor(t: TestApp, userId: string, limitedTo: string | null = null): Promise<Session> {
  const client = new TestClient(t.app);
  // What the single sign-on callback makes: a session with its second factor, limited to the partnership.
  client.cookies.set(SESSION_COOKIE, await createSession(t.app.deps.database.db, userId, { twoFactor: true, limitedTo }));
  return { client, csrf: await client.csrfFrom('/account/api-tokens') };
}

async function person(t: TestApp, grants: { role: RoleName; partnershipId: string | null; agencyId?: string | null }[]): Promise<string> {
  const email = `p-${randomUUID().slice(0, 8)}@example.org`;
  const user = await createUser(t.app.deps.database.db, { email, name: 'Policy Person', password: TEST_PASSWORD, grants: grants.map((g) => ({ agencyId: null, ...g })) });
  return user.id;
}

/**
 * Pages with a partnership's record in their address that show nothing of a case: a staff account,
 * the partnership's sign-in and brand settings, and the form to withdraw a published (public)
 * review. Every other page and answer of a partnership's record shows case data, and each view of it
 * is recorded in the audit trail (the test below).
 */
const NOT_CASE_DATA = new Set<string>([
  'GET /admin/users/:id',
  'GET /admin/partnerships/:slug/single-sign-on',
  'GET /admin/partnerships/:slug/brand',
  'GET /publications/:id/withdraw',
]);

const PUBLIC_URL = 'http://127.0.0.1:8123';
/** Partnership A's organisation: its single sign-on, approved for this email domain. */
const A_DOMAIN = 'policy-a.example';

describe.each(ENGINES)('the access policy on %s', (engine) => {
  let t: TestApp;
  let idp: TestProvider;
  /** Partnership A: the people under test. Partnership B (the demo partnership): real records. */
  let a: { id: string };
  let b: { id: string };

  beforeAll(async () => {
    idp = await startTestProvider([`${PUBLIC_URL}/sign-in/sso/callback`]);
    t = await startTestApp(engine, { PUBLIC_URL });
    const db = t.app.deps.database.db;
    a = await addPartnership(db, { slug: 'policy-a', name: 'Policy A SCP' });
    await saveProvider(db, t.app.deps.cipher, a.id, { issuer: idp.issuer, clientId: idp.clientId, clientSecret: idp.clientSecret, emailDomain: A_DOMAIN, enabled: true }, { approvedBy: null });
    await seedDemo(t.app.deps.database, t.app.deps.cipher, t.app.deps.files);
    b = await db.selectFrom('partnerships').select('id').where('slug', '=', 'northmoor').executeTakeFirstOrThrow();
    // The demo has no answered agency request nor review report: give B one of each, with their files.
    const pdf = await renderReportPdf({ title: 'Child Q', pages: ['A page of a report.'] });
    const school = await db.selectFrom('agencies').select('id').where('partnership_id', '=', b.id).where('name', '=', 'Northmoor Academy Trust').executeTakeFirstOrThrow();
    await withTenant(db, [b.id], async (trx) => {
      const incidents = await trx.selectFrom('incidents').select('id as incident_id').where('partnership_id', '=', b.id).execute();
      for (const { incident_id } of incidents) {
        await trx
          .insertInto('agency_requests')
          .values({ incident_id, partnership_id: b.id, agency_id: school.id, requested_on: '2026-01-05', due_on: '2026-01-12', answer_enc: null, file_sha256: await t.app.deps.files.put(trx, pdf, 'private'), file_name: 'summary.pdf', file_type: 'pdf', file_size: pdf.length, responded_at: new Date() })
          .execute();
      }
      const reviews = await trx.selectFrom('reviews').select('incident_id').where('partnership_id', '=', b.id).execute();
      for (const { incident_id } of reviews) {
        await trx
          .insertInto('review_reports')
          .values({ incident_id, partnership_id: b.id, kind: 'draft', version: 1, file_sha256: await t.app.deps.files.put(trx, pdf, 'private'), file_name: 'draft.pdf', file_type: 'pdf', file_size: pdf.length })
          .execute();
      }
    });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await idp?.close();
  });

  it('names every route of the service, and only routes of the service', () => {
    // The service's own door refuses a route that declares nothing: none may.
    expect(t.app.routeTable.filter((r) => !r.access).map((r) => key(r.method, r.url))).toEqual([]);
    const routes = new Set(t.app.routeTable.map((r) => key(r.method, r.url)));
    const missing = [...routes].filter((r) => !(r in ACCESS_POLICY));
    const gone = Object.keys(ACCESS_POLICY).filter((r) => !routes.has(r));
    expect({ missing, gone }).toEqual({ missing: [], gone: [] });
    for (const [route, rule] of Object.entries(ACCESS_POLICY)) {
      if (rule.token) expect(route, 'tokens are for the JSON API alone').toMatch(/^\w+ \/api\/v1\//);
    }
  });

  it('lets each role in exactly where the table says: sessions, API tokens and single sign-on', async () => {
    const db = t.app.deps.database.db;
    const agency = await addAgency(db, { partnershipId: a.id, name: 'Policy A School', kind: 'relevant-agency' });
    type Caller = { label: string; role: RoleName | null; kind: 'session' | 'sso' | 'token' | 'sso-token'; scope?: ApiTokenScope; session?: Session; token?: string };
    const callers: Caller[] = [];
    for (const role of ROLES) {
      const grant = { role, partnershipId: NATIONAL(role) ? null : a.id, agencyId: role === 'agency-contributor' ? agency.id : null };
      // A person each way in, so that signing out (or out everywhere) in one check leaves the others signed in.
      callers.push({ label: `${role} (session)`, role, kind: 'session', session: await sessionFor(t, await person(t, [grant])) });
      // Single sign-on vouches for the partnership's roles only: national roles do not count in it.
      const ssoRole = NATIONAL(role) ? null : role;
      callers.push({ label: `${role} (single sign-on)`, role: ssoRole, kind: 'sso', session: await sessionFor(t, await person(t, [grant]), a.id) });
      const tokenOwner = await person(t, [grant]);
      for (const scope of ['read', 'write'] as const) {
        callers.push({ label: `${role} (${scope} token)`, role, kind: 'token', scope, token: (await createApiToken(db, tokenOwner, { name: `${scope} token`, scope })).token });
      }
      const ssoTokenOwner = await person(t, [grant]);
      callers.push({ label: `${role} (write token made in single sign-on)`, role: ssoRole, kind: 'sso-token', scope: 'write', token: (await createApiToken(db, ssoTokenOwner, { name: 'sso token', scope: 'write', limitedTo: a.id })).token });
    }
    const anonymous = new TestClient(t.app);
    const anonymousCsrf = await anonymous.csrfFrom('/sign-in');

    const problems: string[] = [];
    // Signing out ends the session the other checks use: those routes go last.
    const routes = [...t.app.routeTable].sort((x, y) => Number(x.url.includes('sign-out')) - Number(y.url.includes('sign-out')));
    for (const route of routes) {
      const rule = ACCESS_POLICY[key(route.method, route.url)];
      if (!rule) continue; // reported by the test above
      const url = sampleUrl(route.url);
      const api = route.url.startsWith('/api/v1/');

      const res = await send(anonymous, route.method, url, anonymousCsrf);
      if (refusedAtDoor(res) === passes(rule, null, false)) problems.push(`${route.method} ${route.url} as anonymous: ${res.statusCode} (expected ${passes(rule, null, false) ? 'in' : 'refused'})`);

      for (const caller of callers) {
        let expected: boolean;
        let answer: LightMyRequestResponse;
        if (caller.kind === 'session' || caller.kind === 'sso') {
          // The public pages are checked for people without a session above: signed-in people may be sent on from them.
          if (rule.who === 'anyone') continue;
          expected = passes(rule, caller.role, true) && !(caller.kind === 'sso' && rule.sso === false);
          const s = caller.session as Session;
          answer = await send(s.client, route.method, url, s.csrf);
        } else {
          expected = api && rule.token !== undefined && passes(rule, caller.role, true) && (rule.token === 'read' ? !STATE_CHANGING.has(route.method) || caller.scope === 'write' : caller.scope === 'write');
          answer = await sendWithToken(t, route.method, url, caller.token as string);
        }
        if (refusedAtDoor(answer) === expected) problems.push(`${route.method} ${route.url} as ${caller.label}: ${answer.statusCode} (expected ${expected ? 'in' : 'refused'})`);
      }
    }
    expect(problems).toEqual([]);
  }, 300_000);

  describe('people of two partnerships', () => {
    /** Every route that reaches a partnership's record, with B's real records filled in (and the B role that may use it). */
    type Target = { method: string; route: string; urls: string[]; owner: RoleName };
    let targets: Target[];
    let owners: Map<RoleName, Session>;

    beforeAll(async () => {
      const db = t.app.deps.database.db;
      const rows = await withTenant(db, [b.id], async (trx) => ({
        incidents: (await trx.selectFrom('incidents').select('id').where('partnership_id', '=', b.id).execute()).map((r) => r.id),
        children: await trx.selectFrom('incident_children').select(['incident_id', 'id']).where('partnership_id', '=', b.id).execute(),
        requests: await trx.selectFrom('agency_requests').select(['incident_id', 'id']).where('partnership_id', '=', b.id).execute(),
        entries: await trx.selectFrom('review_entries').select(['incident_id', 'id']).where('partnership_id', '=', b.id).execute(),
        reports: await trx.selectFrom('review_reports').select(['incident_id', 'id']).where('partnership_id', '=', b.id).execute(),
        referrals: (await trx.selectFrom('referrals').select('id').where('partnership_id', '=', b.id).execute()).map((r) => r.id),
        recommendations: await trx.selectFrom('recommendations').select(['incident_id', 'id']).where('partnership_id', '=', b.id).where('incident_id', 'is not', null).execute(),
        // A published review's own recommendations, paired with the publication as a case's are with the case.
        publicationRecommendations: (await trx.selectFrom('recommendations').select(['publication_id', 'id']).where('partnership_id', '=', b.id).where('incident_id', 'is', null).execute()).map((r) => ({ incident_id: r.publication_id as string, id: r.id })),
        // A review's findings, paired with their case or publication as recommendations are.
        findings: await trx.selectFrom('review_findings').select(['incident_id', 'id']).where('partnership_id', '=', b.id).where('incident_id', 'is not', null).execute(),
        publicationFindings: (await trx.selectFrom('review_findings').select(['publication_id', 'id']).where('partnership_id', '=', b.id).where('incident_id', 'is', null).execute()).map((r) => ({ incident_id: r.publication_id as string, id: r.id })),
        actions: (await trx.selectFrom('recommendation_actions').select('id').where('partnership_id', '=', b.id).execute()).map((r) => r.id),
        publications: (await trx.selectFrom('publications').select('id').where('partnership_id', '=', b.id).execute()).map((r) => r.id),
        learningProducts: (await trx.selectFrom('learning_products').select('id').where('partnership_id', '=', b.id).execute()).map((r) => r.id),
        distributionLists: (await trx.selectFrom('distribution_lists').select('id').where('partnership_id', '=', b.id).execute()).map((r) => r.id),
        evidence: await trx.selectFrom('action_evidence_files').select(['action_id', 'id']).where('partnership_id', '=', b.id).execute(),
        checks: (await trx.selectFrom('assurance_checks').select('id').where('partnership_id', '=', b.id).execute()).map((r) => r.id),
      }));
      const people = await db
        .selectFrom('role_assignments')
        .innerJoin('users', 'users.id', 'role_assignments.user_id')
        .select(['users.id as userId', 'users.email', 'role_assignments.id as grantId'])
        .where('role_assignments.partnership_id', '=', b.id)
        .execute();
      const clocks = [...new Set((await db.selectFrom('clock_rules').select('key').execute()).map((r) => r.key))];
      const stepKeys = [...STEPS, ...TRANSITIONS].map((s) => s.key);

      // Candidate addresses for each route: every combination of B's records that fits it.
      const candidates = (url: string): string[] => {
        let urls = [url];
        const fill = (param: string, values: string[]) => {
          if (urls.some((u) => u.includes(param))) urls = urls.flatMap((u) => values.map((v) => u.replace(param, v)));
        };
        const pairs = (param: string, list: { incident_id: string; id: string }[]) => {
          if (!url.includes(param)) return false;
          urls = list.map((r) => url.replace(':id', r.incident_id).replace(param, r.id));
          return true;
        };
        // A yearly report's section is named by its key, the report by its month and partnership (B's).
        if (url.startsWith('/reports/yearly/sections/')) return SECTION_KEYS.map((k) => `${url.replace(':section', k)}?from=2024-04&partnership=${b.id}`);
        if (url.includes(':fileId')) urls = rows.evidence.map((r) => url.replace(':actionId', r.action_id).replace(':id', r.action_id).replace(':fileId', r.id));
        fill(':checkId', rows.checks);
        if (url.startsWith('/api/v1/assurance-checks/')) fill(':id', rows.checks);
        if (!((url.startsWith('/publications/') && pairs(':recId', rows.publicationRecommendations)) || (url.startsWith('/publications/') && pairs(':findingId', rows.publicationFindings)) || pairs(':findingId', rows.findings as { incident_id: string; id: string }[]) || pairs(':childId', rows.children) || pairs(':requestId', rows.requests) || pairs(':entryId', rows.entries) || pairs(':reportId', rows.reports) || pairs(':recId', rows.recommendations as { incident_id: string; id: string }[]))) {
          if (url.startsWith('/actions/')) fill(':actionId', rows.actions);
          if (url.startsWith('/api/v1/actions/')) fill(':id', rows.actions);
          if (url.startsWith('/api/v1/recommendations/')) fill(':id', rows.recommendations.map((r) => r.id));
          if (url.startsWith('/api/v1/findings/')) fill(':id', rows.findings.map((r) => r.id));
          if (url.startsWith('/agency-requests/') || url.startsWith('/api/v1/agency-requests/')) fill(':id', rows.requests.map((r) => r.id));
          else if (url.startsWith('/learning-products/') || url.startsWith('/api/v1/learning-products/')) fill(':id', rows.learningProducts);
          else if (url.startsWith('/distribution-lists/')) fill(':listId', rows.distributionLists);
          else if (url.startsWith('/referrals/')) fill(':id', rows.referrals);
          else if (url.startsWith('/publications/')) fill(':id', rows.publications);
          else if (url.startsWith('/api/v1/publications/')) fill(':id', rows.publications);
          else if (url.startsWith('/admin/users/')) {
            urls = people.map((p) => url.replace(':id', p.userId).replace(':grantId', p.grantId));
          } else fill(':id', rows.incidents);
        }
        fill(':slug', ['northmoor']);
        fill(':key', stepKeys);
        fill(':clock', clocks);
        fill(':kind', [...ENTRY_KINDS]);
        return urls;
      };

      owners = new Map();
      const ownerEmails: [RoleName, string][] = [
        ['partnership-admin', 'admin@northmoor.example'],
        ['partner-lead', 'la.lead@northmoor.example'],
        ['agency-contributor', 'school@northmoor.example'],
        ['reviewer', 'reviewer@reviewers.example'],
      ];
      for (const [role, email] of ownerEmails) {
        const user = await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow();
        owners.set(role, await sessionFor(t, user.id));
      }

      targets = [];
      for (const [route, rule] of Object.entries(ACCESS_POLICY)) {
        const [method, url] = route.split(' ');
        if (!url.includes(':') || rule.who === 'anyone' || typeof rule.who === 'string') continue;
        const owner = rule.who.find((r) => PARTNERSHIP_ROLES.includes(r));
        if (!owner) continue; // national settings: no partnership's record
        targets.push({ method, route, urls: candidates(url), owner });
      }
      expect(targets.length).toBeGreaterThan(60);
    }, 120_000);

    /**
     * For each route, the first of B's records that B's own people reach through it (proving the
     * address is a real one), then the outsider's answer on that same record. GET routes try the
     * candidates; changes use the address their page was found at, or the first candidate.
     */
    async function probe(outsider: Session, expectIn: (rule: Rule) => boolean | null): Promise<string[]> {
      const problems: string[] = [];
      const found = new Map<string, string>();
      const before = await withTenant(t.app.deps.database.db, [b.id], (trx) => trx.selectFrom('incidents').select(['id', 'version']).where('partnership_id', '=', b.id).orderBy('id').execute());
      for (const target of targets) {
        const page = target.route.replace(/^\w+ /, 'GET ');
        let url = found.get(page);
        if (!url && target.method === 'GET') {
          const owner = owners.get(target.owner) as Session;
          for (const candidate of target.urls.slice(0, 400)) {
            const res = await owner.client.get(candidate);
            if (res.statusCode !== 404 && !refusedAtDoor(res)) {
              url = candidate;
              break;
            }
          }
          if (!url) problems.push(`${target.route}: none of partnership B's records reachable by its own ${target.owner} (test set-up)`);
        }
        url ??= target.urls[0];
        if (!url) continue;
        found.set(target.route, url);
        const res = await send(outsider.client, target.method, url, outsider.csrf);
        const reached = res.statusCode !== 404 && res.statusCode !== 403 && !refusedAtDoor(res);
        const expected = expectIn(ACCESS_POLICY[target.route]);
        if (expected !== null && reached !== expected) problems.push(`${target.method} ${url} (${target.route}): ${res.statusCode} (expected ${expected ? 'in' : '403 or 404'})`);
      }
      const after = await withTenant(t.app.deps.database.db, [b.id], (trx) => trx.selectFrom('incidents').select(['id', 'version']).where('partnership_id', '=', b.id).orderBy('id').execute());
      expect(after, 'nothing of partnership B changed').toEqual(before);
      return problems;
    }

    it("records in the audit trail each page and answer of partnership B's records that its own people see", async () => {
      const db = t.app.deps.database.db;
      const problems: string[] = [];
      for (const target of targets.filter((x) => x.method === 'GET' && !NOT_CASE_DATA.has(x.route))) {
        const owner = owners.get(target.owner) as Session;
        for (const candidate of target.urls.slice(0, 400)) {
          const res = await owner.client.get(candidate);
          if (res.statusCode !== 200) continue;
          const requestId = String(res.headers['x-request-id']);
          const entries = await withTenant(db, 'all', (trx) => trx.selectFrom('audit_events').select('action').where('request_id', '=', requestId).execute());
          if (entries.length === 0) problems.push(`${target.route} (${candidate}): no audit entry`);
          break;
        }
      }
      expect(problems).toEqual([]);
    }, 300_000);

    it.each(PARTNERSHIP_ROLES)("someone who is %s in partnership A (and partner lead in another) reaches none of partnership B's records", async (role) => {
      const agency = role === 'agency-contributor' ? await addAgency(t.app.deps.database.db, { partnershipId: a.id, name: `A agency ${randomUUID().slice(0, 6)}`, kind: 'relevant-agency' }) : null;
      // Their second partnership: a third one, so that B is someone else's.
      const c = await addPartnership(t.app.deps.database.db, { slug: `policy-c-${randomUUID().slice(0, 6)}`, name: 'Policy C SCP' });
      const outsider = await sessionFor(t, await person(t, [{ role, partnershipId: a.id, agencyId: agency?.id ?? null }, { role: 'partner-lead', partnershipId: c.id }]));
      expect(await probe(outsider, () => false)).toEqual([]);
    }, 300_000);

    it("an administrator of A who is a partner lead in B reaches B's records only as B's partner lead", async () => {
      const email = `both-${randomUUID().slice(0, 8)}@${A_DOMAIN}`;
      const userId = (await createUser(t.app.deps.database.db, { email, name: 'In Both', password: TEST_PASSWORD, grants: [{ role: 'partnership-admin', partnershipId: a.id, agencyId: null }, { role: 'partner-lead', partnershipId: b.id, agencyId: null }] })).id;
      const both = await sessionFor(t, userId);
      // In B, exactly where B's partner leads go; where partner leads alone go (signing off for
      // their own statutory partner), the lead's own checks on the record decide: not this test's.
      const lead = (rule: Rule) => Array.isArray(rule.who) && rule.who.includes('partner-lead');
      expect(await probe(both, (rule) => (lead(rule) ? ((rule.who as RoleName[]).length === 1 ? null : true) : false))).toEqual([]);
      const caseId = (await withTenant(t.app.deps.database.db, [b.id], (trx) => trx.selectFrom('incidents').select('id').where('partnership_id', '=', b.id).executeTakeFirstOrThrow())).id;
      expect((await both.client.get(`/cases/${caseId}`)).statusCode).toBe(200);
      expect((await both.client.get('/cases')).body).toContain(caseId);
      const edit = await both.client.post(`/cases/${caseId}/edit`, { whatIsKnown: 'changed by an outsider' }, { csrf: both.csrf });
      expect(edit.statusCode).toBe(404);

      // Admitted by A's single sign-on (the whole journey through A's provider), the same person
      // has A's roles only: B's records are out of reach.
      const viaSso = new TestClient(t.app);
      const toProvider = await viaSso.post('/sign-in/sso', { email });
      expect(toProvider.statusCode).toBe(303);
      idp.accounts.set('both-1', { email });
      const back = await idp.signIn(String(toProvider.headers.location), 'both-1');
      expect((await viaSso.get(back.pathname + back.search)).statusCode).toBe(303);
      const sessions = await t.app.deps.database.db.selectFrom('sessions').select('limited_to_partnership').where('user_id', '=', userId).execute();
      expect(sessions.map((r) => r.limited_to_partnership).sort()).toEqual([a.id, null].sort());
      const sso = { client: viaSso, csrf: await viaSso.csrfFrom('/account/api-tokens') };
      expect(await probe(sso, () => false)).toEqual([]);
      expect((await viaSso.get('/cases')).body).not.toContain(caseId);

      // Their API tokens: a full one reads B's case (as B's lead) and changes nothing; one made in A's single sign-on reads nothing of B.
      const db = t.app.deps.database.db;
      const full = (await createApiToken(db, userId, { name: 'full', scope: 'write' })).token;
      const limited = (await createApiToken(db, userId, { name: 'limited', scope: 'write', limitedTo: a.id })).token;
      expect((await sendWithToken(t, 'GET', `/api/v1/incidents/${caseId}`, full)).statusCode).toBe(200);
      expect([403, 404]).toContain((await sendWithToken(t, 'PATCH', `/api/v1/incidents/${caseId}`, full)).statusCode);
      expect([403, 404]).toContain((await sendWithToken(t, 'POST', `/api/v1/incidents/${caseId}/transitions`, full)).statusCode);
      expect((await sendWithToken(t, 'GET', `/api/v1/incidents/${caseId}`, limited)).statusCode).toBe(404);
      expect([403, 404]).toContain((await sendWithToken(t, 'PATCH', `/api/v1/incidents/${caseId}`, limited)).statusCode);
    }, 300_000);
  });
});
