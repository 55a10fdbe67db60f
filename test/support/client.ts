import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createSession } from '../../src/platform/auth/sessions.ts';
import { createUser, type NewGrant } from '../../src/features/users/service.ts';
import { SESSION_COOKIE } from '../../src/platform/http/authentication.ts';
import { multipartBody } from './multipart.ts';

/**
 * A small browser for integration tests: keeps cookies, and posts forms with the
 * CSRF token read from the page that shows the form, as a person's browser would.
 */
export class TestClient {
  readonly cookies = new Map<string, string>();
  readonly app: FastifyInstance;
  constructor(app: FastifyInstance) {
    this.app = app;
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: LightMyRequestResponse): LightMyRequestResponse {
    for (const c of res.cookies) {
      if (c.value === '' || (c.expires && new Date(c.expires) < new Date())) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return res;
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.keep(await this.app.inject({ method: 'GET', url, headers: { cookie: this.cookieHeader(), ...headers } }));
  }

  /** The CSRF token in the first form of the page at `url`. */
  async csrfFrom(url: string): Promise<string> {
    const page = await this.get(url);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
    if (!token) throw new Error(`no CSRF token on ${url} (status ${page.statusCode})`);
    return token;
  }

  /** Posts a form as a browser would; `from` is the page holding the form (default: the same address). */
  async post(url: string, fields: Record<string, string | string[]>, options: { from?: string; csrf?: string | null } = {}): Promise<LightMyRequestResponse> {
    const token = options.csrf === null ? undefined : (options.csrf ?? (await this.csrfFrom(options.from ?? url)));
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
    if (token) body.append('_csrf', token);
    return this.keep(
      await this.app.inject({
        method: 'POST',
        url,
        headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
        payload: body.toString(),
      }),
    );
  }
}

/** Posts a file upload form (multipart) as a browser would, the CSRF token among its fields. */
export async function uploadForm(
  client: TestClient,
  url: string,
  fields: Record<string, string | string[]>,
  file?: { name: string; type: string; bytes: Buffer },
  options: { from?: string } = {},
): Promise<LightMyRequestResponse> {
  const token = await client.csrfFrom(options.from ?? url);
  const { payload, contentType } = multipartBody({ ...fields, _csrf: token }, file);
  const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  return client.app.inject({ method: 'POST', url, headers: { cookie, 'content-type': contentType }, payload });
}

export const TEST_PASSWORD = 'correct horse battery staple 42';

/** A person with the given roles, fully signed in (password and second factor), and a client holding their session. */
export async function signedInAs(
  app: FastifyInstance,
  grants: NewGrant[],
  who: { email?: string; name?: string } = {},
): Promise<{ client: TestClient; userId: string; email: string }> {
  const email = who.email ?? `user-${Math.random().toString(36).slice(2, 10)}@example.org`;
  const user = await createUser(app.deps.database.db, { email, name: who.name ?? 'Test Person', password: TEST_PASSWORD, grants });
  const token = await createSession(app.deps.database.db, user.id, { twoFactor: true });
  const client = new TestClient(app);
  client.cookies.set(SESSION_COOKIE, token);
  return { client, userId: user.id, email };
}
