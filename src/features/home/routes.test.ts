import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../../test/support/database.ts';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { PUBLIC } from '../../platform/http/access.ts';
import { seedDemo } from '../demo/service.ts';
import { layoutIndentation } from '../../../test/support/pages.ts';

describe.each(ENGINES)('web shell on %s', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
  });
  afterAll(async () => t.close());

  it('serves the start page with the service name, skip link and footer links', async () => {
    const res = await t.app.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('<title>Child safeguarding practice reviews – CSPR Hub</title>');
    expect(res.body).toContain('href="#main-content"');
    expect(res.body).toContain('govuk-phase-banner');
    for (const href of ['/accessibility', '/privacy', '/cookies']) expect(res.body).toContain(`href="${href}"`);
  });

  it('sends the page without its template’s indentation between tags, each time it is served', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await t.app.inject({ url: '/' });
      expect(res.body).toContain('<main');
      expect(layoutIndentation(res.body)).toBeNull();
    }
  });

  it('sends a strict CSP whose nonce is on the inline script, and no cookies', async () => {
    const res = await t.app.inject({ url: '/' });
    const csp = String(res.headers['content-security-policy']);
    const nonce = /script-src 'self' 'nonce-([a-f0-9]+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.body).toContain(`<script nonce="${nonce}">`);
    expect(res.body).not.toMatch(/<script>(?!<\/script>)/);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['strict-transport-security']).toContain('max-age=31536000');
    expect(res.headers['referrer-policy']).toBe('same-origin');
    // A second response has a nonce of its own, also when the page comes from the render cache.
    const again = await t.app.inject({ url: '/' });
    const nonce2 = /'nonce-([a-f0-9]+)'/.exec(String(again.headers['content-security-policy']))?.[1];
    expect(nonce2).not.toBe(nonce);
    expect(again.body).toContain(`<script nonce="${nonce2}">`);
    expect(again.body).not.toContain('placeholder');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('puts each response’s own nonce in a public page with a form (never kept, never the placeholder)', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await t.app.inject({ url: '/sign-in' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('name="_csrf"');
      const nonce = /'nonce-([a-f0-9]+)'/.exec(String(res.headers['content-security-policy']))?.[1];
      expect(res.body).toContain(`<script nonce="${nonce}">`);
      expect(res.body).not.toContain('__cspr_');
    }
  });

  it('says when the deployment holds fictional demonstration data', async () => {
    expect((await t.app.inject({ url: '/' })).body).not.toContain('fictional demonstration data');
    await seedDemo(t.db.database, t.app.deps.cipher);
    expect((await t.app.inject({ url: '/' })).body).toContain('fictional demonstration data');
  });

  it.each([
    ['/accessibility', 'Accessibility statement for CSPR Hub'],
    ['/privacy', 'Privacy notice'],
    ['/cookies', 'Cookies'],
  ])('serves %s', async (url, heading) => {
    const res = await t.app.inject({ url });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`<h1 class="govuk-heading-l">${heading}</h1>`);
  });

  it('serves GOV.UK Frontend assets with caching', async () => {
    const css = await t.app.inject({ url: '/public/govuk-frontend.min.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['cache-control']).toContain('max-age');
    expect((await t.app.inject({ url: '/govuk/govuk-frontend.min.js' })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/govuk/package.json' })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/public/init.mjs' })).statusCode).toBe(200);
  });

  it('answers unknown pages with a GOV.UK 404 page, and API paths with a problem body', async () => {
    const page = await t.app.inject({ url: '/no/such/page' });
    expect(page.statusCode).toBe(404);
    expect(page.body).toContain('Page not found');
    const api = await t.app.inject({ url: '/api/v1/nothing' });
    expect(api.statusCode).toBe(404);
    expect(api.headers['content-type']).toContain('application/problem+json');
    expect(api.json()).toMatchObject({ status: 404, title: 'Not found' });
  });
});

describe('server errors', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('embedded');
  });
  afterAll(async () => t.close());

  it('show a GOV.UK 500 page without any internals', async () => {
    const app = t.app;
    // A route that fails the way a bug would, added only to this test's app.
    const { buildApp } = await import('../../platform/http/app.ts');
    const failing = await buildApp(app.deps);
    failing.get('/explode', PUBLIC, async () => {
      throw new Error('secret internal detail at /srv/code.ts:12');
    });
    failing.get('/api/v1/explode', PUBLIC, async () => {
      throw new Error('secret internal detail');
    });
    const page = await failing.inject({ url: '/explode' });
    expect(page.statusCode).toBe(500);
    expect(page.body).toContain('Sorry, there is a problem with the service');
    expect(page.body).not.toContain('secret internal detail');
    const api = await failing.inject({ url: '/api/v1/explode' });
    expect(api.statusCode).toBe(500);
    expect(api.json()).toEqual({ type: 'about:blank', title: 'Internal server error', status: 500 });
    await failing.close();
  });
});
