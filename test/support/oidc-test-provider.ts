import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/**
 * A real OpenID Connect provider (oidc-provider) on a loopback port, for single sign-on tests.
 * People sign in through its development login form with their login name (any password);
 * `accounts` says which claims each login name carries.
 */
export type TestAccount = { email?: string; emailVerified?: boolean; name?: string };

export type TestProvider = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, TestAccount>;
  /** Plays the browser at the provider: from the authorization address through login and consent, to the address it sends the person back to. */
  signIn(authorizationUrl: string, login: string): Promise<URL>;
  /** The person cancels at the provider's login form. */
  cancel(authorizationUrl: string): Promise<URL>;
  close(): Promise<void>;
};

export const TEST_CLIENT_ID = 'cspr-hub-test';
export const TEST_CLIENT_SECRET = 'test-client-secret-0123456789abcdef';

export async function startTestProvider(redirectUris: string[]): Promise<TestProvider> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const accounts = new Map<string, TestAccount>();
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: TEST_CLIENT_ID,
        client_secret: TEST_CLIENT_SECRET,
        redirect_uris: redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    cookies: { keys: ['test-cookie-key-not-secret'] },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    findAccount: (_ctx, id) => ({
      accountId: id,
      claims: () => {
        const a = accounts.get(id) ?? {};
        return {
          sub: id,
          ...(a.email !== undefined ? { email: a.email, email_verified: a.emailVerified ?? true } : {}),
          ...(a.name ? { name: a.name } : {}),
        };
      },
    }),
  });
  server.on('request', provider.callback());

  /** The cookies the provider set, as a browser would keep them for one person's visit. */
  function visit() {
    const jar = new Map<string, string>();
    return async (url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> => {
      const res = await fetch(url, {
        method: init.method ?? 'GET',
        redirect: 'manual',
        headers: {
          cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
          ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        body: init.form ? new URLSearchParams(init.form).toString() : undefined,
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair.indexOf('=');
        jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
      }
      return res;
    };
  }

  type Step = { url: string; form?: Record<string, string> };

  async function walk(authorizationUrl: string, act: (html: string, page: URL) => Step): Promise<URL> {
    const go = visit();
    let current = new URL(authorizationUrl);
    let res = await go(current.href);
    for (let step = 0; step < 12; step += 1) {
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        const target = new URL(location, current);
        if (target.origin !== issuer) return target;
        current = target;
        res = await go(current.href);
        continue;
      }
      const html = await res.text();
      if (res.status !== 200) throw new Error(`the provider answered ${res.status}: ${html.slice(0, 300)}`);
      const next = act(html, current);
      current = new URL(next.url, current);
      res = await go(current.href, next.form ? { method: 'POST', form: next.form } : {});
    }
    throw new Error('the provider did not send the browser back');
  }

  const submitUrl = (html: string) => {
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`no form on the provider's page: ${html.slice(0, 300)}`);
    return action.replaceAll('&amp;', '&');
  };

  return {
    issuer,
    clientId: TEST_CLIENT_ID,
    clientSecret: TEST_CLIENT_SECRET,
    accounts,
    signIn: (authorizationUrl, login) =>
      walk(authorizationUrl, (html): Step => {
        const prompt = /name="prompt" value="(login|consent)"/.exec(html)?.[1];
        if (prompt === 'login') return { url: submitUrl(html), form: { prompt: 'login', login, password: 'any' } };
        if (prompt === 'consent') return { url: submitUrl(html), form: { prompt: 'consent' } };
        throw new Error(`unexpected page at the provider: ${html.slice(0, 300)}`);
      }),
    cancel: (authorizationUrl) => walk(authorizationUrl, (_html, page): Step => ({ url: `${page.pathname.replace(/\/$/, '')}/abort` })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
