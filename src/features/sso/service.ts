import type { Kysely } from 'kysely';
import * as oidc from 'openid-client';
import type { FieldCipher } from '../../platform/crypto/field-encryption.ts';
import type { DB } from '../../platform/db/types.ts';
import { emailDomainOf, isLoopbackHost } from './schemas.ts';
import { ProviderConnectionError, providerFetch } from './provider-fetch.ts';

/**
 * Single sign-on through a partnership's own OpenID Connect provider (e.g. Microsoft Entra ID):
 * its settings, the two halves of the sign-in (to the provider and back), and who that lets in.
 * Nobody gets an account this way: the provider only vouches for people who already have one.
 */

export const STATE_COOKIE = 'cspr_oidc';
export const STATE_COOKIE_PATH = '/sign-in/sso';
export const STATE_MINUTES = 10;
export const CALLBACK_PATH = '/sign-in/sso/callback';
const SCOPE = 'openid email profile';
const TIMEOUT_SECONDS = 10;

export type ProviderSettings = { issuer: string; clientId: string; emailDomain: string; enabled: boolean };
/** `approvedAt`: when a system administrator approved this issuer's claim to the domain (null: waiting). */
export type StoredProvider = ProviderSettings & { partnershipId: string; partnershipName: string; clientSecretEnc: string; approvedAt: Date | null };

// ---- settings -------------------------------------------------------------------------------

export async function findProvider(db: Kysely<DB>, partnershipId: string): Promise<StoredProvider | undefined> {
  const row = await db
    .selectFrom('sso_providers as s')
    .innerJoin('partnerships as p', 'p.id', 's.partnership_id')
    .select(['s.partnership_id', 'p.name', 's.issuer', 's.client_id', 's.client_secret_enc', 's.email_domain', 's.enabled', 's.approved_at'])
    .where('s.partnership_id', '=', partnershipId)
    .executeTakeFirst();
  return row ? toStored(row) : undefined;
}

type ProviderRow = { partnership_id: string; name: string; issuer: string; client_id: string; client_secret_enc: string; email_domain: string; enabled: boolean; approved_at: Date | null };

function toStored(row: ProviderRow): StoredProvider {
  return {
    partnershipId: row.partnership_id,
    partnershipName: row.name,
    issuer: row.issuer,
    clientId: row.client_id,
    clientSecretEnc: row.client_secret_enc,
    emailDomain: row.email_domain,
    enabled: row.enabled,
    approvedAt: row.approved_at,
  };
}

/**
 * The provider for an email address's domain: enabled, and its claim to the domain approved by
 * a system administrator. A claim waiting for approval signs nobody in.
 */
export async function providerForEmail(db: Kysely<DB>, email: string): Promise<StoredProvider | undefined> {
  const domain = emailDomainOf(email);
  if (!domain) return undefined;
  const row = await db
    .selectFrom('sso_providers as s')
    .innerJoin('partnerships as p', 'p.id', 's.partnership_id')
    .select(['s.partnership_id', 'p.name', 's.issuer', 's.client_id', 's.client_secret_enc', 's.email_domain', 's.enabled', 's.approved_at'])
    .where('s.email_domain', '=', domain)
    .where('s.enabled', '=', true)
    .where('s.approved_at', 'is not', null)
    .executeTakeFirst();
  return row ? toStored(row) : undefined;
}

/** Providers whose claim to an email domain waits for a system administrator, for the administration page. */
export async function providersAwaitingApproval(db: Kysely<DB>): Promise<{ slug: string; name: string; emailDomain: string }[]> {
  return db
    .selectFrom('sso_providers as s')
    .innerJoin('partnerships as p', 'p.id', 's.partnership_id')
    .select(['p.slug', 'p.name', 's.email_domain as emailDomain'])
    .where('s.approved_at', 'is', null)
    .orderBy('p.name')
    .execute();
}

/** Another partnership's approved provider already signs in people of this domain: one domain, one provider. */
export async function domainUsedElsewhere(db: Kysely<DB>, domain: string, partnershipId: string): Promise<boolean> {
  const row = await db
    .selectFrom('sso_providers')
    .select('partnership_id')
    .where('email_domain', '=', domain)
    .where('partnership_id', '<>', partnershipId)
    .where('approved_at', 'is not', null)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * What became of the approval: 'approved' (a system administrator saved it), 'kept' (issuer and
 * domain unchanged), 'awaiting' (new or changed issuer or domain: no sign-in until approved).
 */
export type Approval = 'approved' | 'kept' | 'awaiting';
export type SaveResult = { before: ProviderSettings | null; after: ProviderSettings; secretChanged: boolean; approval: Approval };

/**
 * Creates or changes a partnership's provider. A blank secret keeps the stored one.
 *
 * The issuer and the email domain together are a claim that this provider speaks for everyone
 * with an address in the domain. A partnership administrator may propose it; it counts once a
 * system administrator approves it (`approvedBy`, when a system administrator saves it
 * themselves). Changing the issuer or the domain withdraws an approval; changing the client ID,
 * secret or whether it is on does not (the organisation is the same).
 */
export async function saveProvider(
  db: Kysely<DB>,
  cipher: FieldCipher,
  partnershipId: string,
  input: ProviderSettings & { clientSecret: string },
  options: { approvedBy?: string | null } = {},
): Promise<SaveResult> {
  const existing = await findProvider(db, partnershipId);
  const after: ProviderSettings = { issuer: input.issuer, clientId: input.clientId, emailDomain: input.emailDomain, enabled: input.enabled };
  const secretChanged = input.clientSecret !== '';
  if (!existing && !secretChanged) throw new Error('a new provider needs a client secret');
  const claimUnchanged = existing !== undefined && existing.issuer === after.issuer && existing.emailDomain === after.emailDomain;
  const approval: Approval = options.approvedBy !== undefined ? 'approved' : claimUnchanged && existing.approvedAt ? 'kept' : 'awaiting';
  const values = {
    issuer: after.issuer,
    client_id: after.clientId,
    email_domain: after.emailDomain,
    enabled: after.enabled,
    ...(secretChanged ? { client_secret_enc: cipher.encrypt(input.clientSecret) } : {}),
    ...(approval === 'approved' ? { approved_at: new Date(), approved_by: options.approvedBy ?? null } : {}),
    ...(approval === 'awaiting' ? { approved_at: null, approved_by: null } : {}),
  };
  if (existing) {
    await db.updateTable('sso_providers').set(values).where('partnership_id', '=', partnershipId).execute();
  } else {
    await db
      .insertInto('sso_providers')
      .values({ ...values, partnership_id: partnershipId, client_secret_enc: cipher.encrypt(input.clientSecret) })
      .execute();
  }
  const before = existing ? { issuer: existing.issuer, clientId: existing.clientId, emailDomain: existing.emailDomain, enabled: existing.enabled } : null;
  return { before, after, secretChanged, approval };
}

export type ApproveResult = 'approved' | 'changed' | 'domain-taken';

/**
 * A system administrator approves the provider's claim to its domain, as they saw it: if the
 * issuer or domain changed since (`seen`), nothing is approved. One domain has one approved
 * provider.
 */
export async function approveProvider(
  db: Kysely<DB>,
  partnershipId: string,
  approverId: string | null,
  seen: { issuer: string; emailDomain: string },
): Promise<ApproveResult> {
  if (await domainUsedElsewhere(db, seen.emailDomain, partnershipId)) return 'domain-taken';
  try {
    const r = await db
      .updateTable('sso_providers')
      .set({ approved_at: new Date(), approved_by: approverId })
      .where('partnership_id', '=', partnershipId)
      .where('issuer', '=', seen.issuer)
      .where('email_domain', '=', seen.emailDomain)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1 ? 'approved' : 'changed';
  } catch (err) {
    // Approved elsewhere at the same moment: the unique index on approved domains decided.
    if ((err as { code?: string }).code === '23505') return 'domain-taken';
    throw err;
  }
}

// ---- talking to the provider ------------------------------------------------------------------

/** Why talking to a provider failed, in words an administrator can act on. */
export class ProviderError extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
  }
}

/**
 * Loopback issuers may use plain http, for tests and demonstrations on one machine, but only
 * while the service itself is not published at a real address: a deployment's users could never
 * reach a provider on its loopback, and the service should not be pointed at its own machine.
 */
export function loopbackIssuersAllowed(publicUrl: string | undefined): boolean {
  if (!publicUrl) return true;
  try {
    return isLoopbackHost(new URL(publicUrl).hostname);
  } catch {
    return false;
  }
}

function explain(err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  // openid-client wraps what its fetch threw ("something went wrong"), keeping it as the cause.
  const connection = err instanceof ProviderConnectionError ? err : (err as { cause?: unknown } | null)?.cause;
  if (connection instanceof ProviderConnectionError) return new ProviderError('unreachable', `the provider could not be reached: ${connection.message}`);
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string; name?: string }; error?: string; status?: number };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.cause?.name === 'TimeoutError' || e?.cause?.name === 'AbortError') {
    return new ProviderError('timeout', `the provider did not answer within ${TIMEOUT_SECONDS} seconds`);
  }
  if (err instanceof TypeError && /fetch failed/i.test(err.message)) {
    const code = e.cause?.code;
    const detail = code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'its address was not found' : code === 'ECONNREFUSED' ? 'the connection was refused' : 'the connection failed';
    return new ProviderError('unreachable', `the provider could not be reached: ${detail}`);
  }
  if (err instanceof oidc.ResponseBodyError) {
    return new ProviderError('provider-refused', `the provider refused the request (${err.error})`);
  }
  if (err instanceof oidc.AuthorizationResponseError) {
    return new ProviderError('provider-refused', `the provider refused the request (${err.error})`);
  }
  switch (e?.code) {
    case 'OAUTH_RESPONSE_IS_NOT_CONFORM':
    case 'OAUTH_RESPONSE_IS_NOT_JSON':
    case 'OAUTH_PARSE_ERROR':
      return new ProviderError('not-oidc', 'the address did not answer with an OpenID Connect configuration (check the issuer address)');
    case 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED':
      return new ProviderError('issuer-mismatch', 'the provider names a different issuer address than the one entered (copy it exactly, including any ending such as /v2.0)');
    case 'OAUTH_HTTP_REQUEST_FORBIDDEN':
    case 'OAUTH_REQUEST_PROTOCOL_FORBIDDEN':
      return new ProviderError('insecure', 'the provider uses an address that does not start with https://');
    case 'OAUTH_JWT_CLAIM_COMPARISON_FAILED':
    case 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED':
    case 'OAUTH_KEY_SELECTION_FAILED':
    case 'OAUTH_INVALID_RESPONSE':
      return new ProviderError('invalid-token', 'the provider’s answer did not pass the security checks');
    default:
      return new ProviderError('failed', 'the provider’s answer could not be used');
  }
}

type Credentials = { issuer: string; clientId: string; clientSecret?: string };

async function discover(provider: Credentials, allowLoopbackHttp: boolean): Promise<oidc.Configuration> {
  let url: URL;
  try {
    url = new URL(provider.issuer);
  } catch {
    throw new ProviderError('insecure', 'the issuer address is not a web address');
  }
  const insecure = url.protocol === 'http:' && allowLoopbackHttp && isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !insecure) throw new ProviderError('insecure', 'the issuer address does not start with https://');
  try {
    return await oidc.discovery(url, provider.clientId, provider.clientSecret, undefined, {
      execute: insecure ? [oidc.allowInsecureRequests] : [],
      timeout: TIMEOUT_SECONDS,
      // Every request of this provider's (here and later, for its keys, tokens and user info) goes to public addresses only.
      [oidc.customFetch]: providerFetch(allowLoopbackHttp),
    });
  } catch (err) {
    throw explain(err);
  }
}

export type ConnectionTest = { ok: true; issuer: string } | { ok: false; message: string };

/** "Test the connection": the provider's discovery document can be fetched and names this issuer. */
export async function testConnection(provider: Credentials, allowLoopbackHttp: boolean): Promise<ConnectionTest> {
  try {
    const config = await discover(provider, allowLoopbackHttp);
    const meta = config.serverMetadata();
    if (!meta.authorization_endpoint || !meta.token_endpoint) {
      return { ok: false, message: 'the provider does not publish an authorization endpoint and a token endpoint' };
    }
    return { ok: true, issuer: meta.issuer };
  } catch (err) {
    return { ok: false, message: explain(err).message };
  }
}

/** What the browser keeps between leaving for the provider and coming back: sealed in the cookie. */
export type PendingSignIn = { state: string; nonce: string; verifier: string; partnershipId: string; next: string; redirectUri: string; expires: number };

const SEAL_PURPOSE = 'cspr-oidc-state';

/**
 * The cookie is encrypted and authenticated (AES-256-GCM with the data key): it cannot be read
 * or altered, and names its purpose so no other encrypted value can stand in for it.
 */
export function sealPending(cipher: FieldCipher, pending: PendingSignIn): string {
  return cipher.encrypt(JSON.stringify({ purpose: SEAL_PURPOSE, ...pending }));
}

export function openPending(cipher: FieldCipher, sealed: string | undefined, now = Date.now()): PendingSignIn | null {
  if (!sealed || sealed.length > 4000) return null;
  try {
    const value = JSON.parse(cipher.decrypt(sealed)) as Partial<PendingSignIn> & { purpose?: string };
    const strings = [value.state, value.nonce, value.verifier, value.partnershipId, value.next, value.redirectUri];
    if (value.purpose !== SEAL_PURPOSE || strings.some((s) => typeof s !== 'string') || typeof value.expires !== 'number') return null;
    if (value.expires < now) return null;
    return value as PendingSignIn;
  } catch {
    return null;
  }
}

/** First half: the address at the provider to send the person to, and what to remember meanwhile. */
export async function startSignIn(
  cipher: FieldCipher,
  provider: StoredProvider,
  input: { email: string; next: string; redirectUri: string; allowLoopbackHttp: boolean },
): Promise<{ url: URL; pending: PendingSignIn }> {
  const config = await discover({ issuer: provider.issuer, clientId: provider.clientId, clientSecret: cipher.decrypt(provider.clientSecretEnc) }, input.allowLoopbackHttp);
  const verifier = oidc.randomPKCECodeVerifier();
  const pending: PendingSignIn = {
    state: oidc.randomState(),
    nonce: oidc.randomNonce(),
    verifier,
    partnershipId: provider.partnershipId,
    next: input.next,
    redirectUri: new URL(input.redirectUri).href,
    expires: Date.now() + STATE_MINUTES * 60_000,
  };
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: pending.redirectUri,
    scope: SCOPE,
    response_type: 'code',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: pending.state,
    nonce: pending.nonce,
    login_hint: input.email,
  });
  return { url, pending };
}

export type ProviderIdentity = { issuer: string; subject: string; email: string | null; emailVerified: boolean | null };

/** Second half: exchange the code (checking state, nonce and the PKCE verifier) and read who signed in. */
export async function finishSignIn(
  cipher: FieldCipher,
  provider: StoredProvider,
  pending: PendingSignIn,
  query: string,
  allowLoopbackHttp: boolean,
): Promise<ProviderIdentity> {
  const config = await discover({ issuer: provider.issuer, clientId: provider.clientId, clientSecret: cipher.decrypt(provider.clientSecretEnc) }, allowLoopbackHttp);
  const currentUrl = new URL(pending.redirectUri);
  currentUrl.search = query;
  try {
    const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
    });
    const claims = tokens.claims();
    if (!claims) throw new ProviderError('invalid-token', 'the provider sent no ID token');
    let email: unknown = claims.email;
    let verified: unknown = claims.email_verified;
    // Some providers put the email address only in the user info, not the ID token.
    if (typeof email !== 'string') {
      const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      email = info.email;
      verified = info.email_verified;
    }
    return {
      issuer: claims.iss,
      subject: claims.sub,
      email: typeof email === 'string' && email.trim() ? email.trim().toLowerCase() : null,
      emailVerified: typeof verified === 'boolean' ? verified : null,
    };
  } catch (err) {
    throw explain(err);
  }
}

// ---- who may come in -------------------------------------------------------------------------

export type Admission =
  | { ok: true; userId: string; email: string; linked: boolean }
  | { ok: false; reason: 'no-email' | 'email-unverified' | 'other-domain' | 'no-account' | 'disabled' | 'national-role'; email: string | null };

/**
 * The CSPR Hub account this identity signs in to: the one already linked to it, or else the
 * active account with this email address that holds a role in the provider's partnership (then
 * linked for next time). People with a national role (system administrators, Panel viewers) sign
 * in with a password and their own second factor: one partnership's provider cannot vouch for them.
 * The session this admits to holds only the roles in the provider's partnership (see the
 * callback): a provider never vouches for the person's work anywhere else.
 */
export async function admit(db: Kysely<DB>, provider: StoredProvider, identity: ProviderIdentity): Promise<Admission> {
  const linked = await db
    .selectFrom('sso_identities')
    .select('user_id')
    .where('issuer', '=', identity.issuer)
    .where('subject', '=', identity.subject)
    .executeTakeFirst();
  let userId = linked?.user_id;
  if (!userId) {
    if (!identity.email) return { ok: false, reason: 'no-email', email: null };
    if (identity.emailVerified === false) return { ok: false, reason: 'email-unverified', email: identity.email };
    // The provider vouches only for addresses in its organisation's domain.
    if (emailDomainOf(identity.email) !== provider.emailDomain) return { ok: false, reason: 'other-domain', email: identity.email };
    const user = await db.selectFrom('users').select('id').where('email', '=', identity.email).executeTakeFirst();
    if (!user) return { ok: false, reason: 'no-account', email: identity.email };
    userId = user.id;
  }
  const user = await db.selectFrom('users').select(['id', 'email', 'disabled_at']).where('id', '=', userId).executeTakeFirstOrThrow();
  const grants = await db.selectFrom('role_assignments').select(['partnership_id']).where('user_id', '=', user.id).execute();
  if (!grants.some((g) => g.partnership_id === provider.partnershipId)) return { ok: false, reason: 'no-account', email: identity.email ?? user.email };
  if (user.disabled_at) return { ok: false, reason: 'disabled', email: user.email };
  if (grants.some((g) => g.partnership_id === null)) return { ok: false, reason: 'national-role', email: user.email };
  if (!linked) {
    await db
      .insertInto('sso_identities')
      .values({ issuer: identity.issuer, subject: identity.subject, user_id: user.id })
      .onConflict((oc) => oc.columns(['issuer', 'subject']).doNothing())
      .execute();
  }
  return { ok: true, userId: user.id, email: user.email, linked: !linked };
}
