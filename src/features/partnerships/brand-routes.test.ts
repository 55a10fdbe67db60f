import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/support/app.ts';
import { signedInAs, type TestClient } from '../../../test/support/client.ts';
import { ENGINES } from '../../../test/support/database.ts';
import { multipartBody } from '../../../test/support/multipart.ts';
import { GOVUK_IDENTITY } from '../../styles/build.ts';
import { addPublication } from '../repository/catalogue.ts';
import { addPartnership } from './service.ts';

const LOGO = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" onload="alert(1)"><script>alert(2)</script><circle cx="5" cy="5" r="4" fill="#00703c"/></svg>';

describe.each(ENGINES)('a partnership’s own brand and address on %s', (engine) => {
  let t: TestApp;
  let northAdmin: TestClient;
  let southAdmin: TestClient;
  let north: { id: string; slug: string };
  let south: { id: string; slug: string };

  /** Posts the brand form as a browser does (multipart, the token among the fields). */
  async function saveBrand(client: TestClient, slug: string, fields: Record<string, string>, logo?: { name: string; type: string; bytes: Buffer }) {
    const url = `/admin/partnerships/${slug}/brand`;
    const csrf = await client.csrfFrom(url);
    const { payload, contentType } = multipartBody(
      { display_name: '', accent_colour: '', contact_email: '', contact_phone: '', contact_url: '', licence: 'all-rights-reserved', hosts: '', ...fields, _csrf: csrf },
      logo ? { ...logo, field: 'logo' } : undefined,
    );
    return t.app.inject({ method: 'POST', url, payload, headers: { 'content-type': contentType, cookie: [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
  }
  const onHost = (host: string, url: string) => t.app.inject({ method: 'GET', url, headers: { host } });

  beforeAll(async () => {
    t = await startTestApp(engine, { PUBLIC_URL: 'https://cspr.example.org', SERVICE_NAME: 'Reviews Hub' });
    const db = t.app.deps.database.db;
    north = await addPartnership(db, { slug: 'north', name: 'North Safeguarding Children Partnership' });
    south = await addPartnership(db, { slug: 'south', name: 'South Safeguarding Children Partnership' });
    for (const [p, title, on] of [[north, 'Child Nell: a local review', '2024-02-01'], [south, 'Child Sam: a local review', '2024-03-01']] as const) {
      await addPublication(db, { source: 'import', partnershipId: p.id, title, summary: `What ${title} found.`, reviewType: 'local-cspr', themes: ['neglect'], publishedOn: on });
    }
    northAdmin = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: north.id }])).client;
    southAdmin = (await signedInAs(t.app, [{ role: 'partnership-admin', partnershipId: south.id }])).client;
  });
  afterAll(async () => t.close());

  it('shows no GOV.UK identity (header, typeface, crest, icons, licence) but the deployment’s own name and icon', async () => {
    const page = await onHost('cspr.example.org', '/');
    expect(page.statusCode).toBe(200);
    for (const mark of ['govuk-logo', 'govuk-header', 'copyright', 'Open Government Licence', 'govuk-crest', '/assets/', 'favicon.ico', 'govuk-icon']) expect(page.body).not.toContain(mark);
    expect(page.body).toContain('<title>Child safeguarding practice reviews – Reviews Hub</title>');
    expect(page.body).toContain('href="/public/icon.svg"');
    expect(page.body).toContain('<meta name="theme-color" content="#28333d">');
    const css = await t.app.inject({ url: '/public/govuk-frontend.min.css' });
    expect(css.statusCode).toBe(200);
    for (const mark of GOVUK_IDENTITY) expect(css.body).not.toMatch(mark);
    expect(css.body).toContain('font-family:arial,helvetica,sans-serif');
    for (const url of ['/assets/fonts/bold-b542beb274-v2.woff2', '/assets/images/govuk-crest.svg', '/assets/images/favicon.ico', '/govuk/govuk-frontend.min.css']) {
      expect((await t.app.inject({ url })).statusCode, url).toBe(404);
    }
  });

  it('lets a partnership administrator set the brand, audited, and shows it on the partnership’s own host alone', async () => {
    const form = await northAdmin.get('/admin/brand');
    expect(form.statusCode).toBe(303);
    expect(form.headers.location).toBe('/admin/partnerships/north/brand');
    const saved = await saveBrand(
      northAdmin,
      'north',
      { display_name: 'North SCP', accent_colour: '#00703C', contact_email: 'reviews@north.example', contact_phone: '01632 960 001', contact_url: 'https://north.example/scp', licence: 'cc-by-4.0', hosts: 'Reviews.North.example\nlearning.north.example' },
      { name: 'logo.svg', type: 'image/svg+xml', bytes: Buffer.from(LOGO) },
    );
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe('/admin/partnerships/north/brand?saved=1');

    const audit = await t.app.deps.database.db.selectFrom('audit_events').selectAll().where('action', '=', 'partnership-brand-changed').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0].partnership_id).toBe(north.id);
    expect(JSON.stringify(audit[0].changes)).toContain('reviews.north.example');

    const home = await onHost('reviews.north.example', '/');
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('Child Nell: a local review');
    expect(home.body).not.toContain('Child Sam');
    expect(home.body).toContain('class="cspr-brand-band"');
    expect(home.body).toContain('<span>North SCP</span>');
    expect(home.body).toContain('<meta name="theme-color" content="#00703c">');
    expect(home.body).toContain('mailto:reviews@north.example');
    expect(home.body).toContain('https://creativecommons.org/licenses/by/4.0/');
    expect(home.body).not.toContain('href="/sign-in"');
    const sheet = /href="(\/brand\/north\/\d+\/accent\.css)"/.exec(home.body)?.[1];
    const logo = /src="(\/brand\/north\/\d+\/logo)"/.exec(home.body)?.[1];
    expect(sheet && logo).toBeTruthy();
    const css = await onHost('reviews.north.example', sheet!);
    expect(css.body).toContain('background-color:#00703c;color:#ffffff');
    expect(css.headers['cache-control']).toContain('immutable');
    const svg = await onHost('reviews.north.example', logo!);
    expect(svg.headers['content-type']).toContain('image/svg+xml');
    expect(svg.headers['content-security-policy']).toContain("default-src 'none'");
    expect(svg.body).toContain('<circle');
    expect(svg.body).not.toMatch(/script|onload|alert/);

    // Another partnership's review, search results and pages are not on this host.
    const other = await onHost('reviews.north.example', '/search?q=child');
    expect(other.body).toContain('Child Nell');
    expect(other.body).not.toContain('Child Sam');
    const slug = /href="\/reviews\/(2024-[a-z0-9-]+)[?"]/.exec((await onHost('cspr.example.org', '/search?q=sam')).body)![1];
    expect((await onHost('reviews.north.example', `/reviews/${slug}`)).statusCode).toBe(404);
    expect((await onHost('reviews.north.example', '/partnerships/south/reviews')).statusCode).toBe(404);
    expect((await onHost('reviews.north.example', '/dashboard')).statusCode).toBe(404);
    expect((await onHost('learning.north.example:443', '/')).body).toContain('North SCP');

    // The deployment's own address keeps the shared national view.
    const national = await onHost('cspr.example.org', '/search');
    expect(national.body).toContain('Child Nell');
    expect(national.body).toContain('Child Sam');
    expect(national.body).not.toContain('cspr-brand-band');
    const review = await onHost('cspr.example.org', `/reviews/${slug}`);
    expect(review.body).toContain('Published by South Safeguarding Children Partnership under\n        all rights reserved: ask the partnership before reusing it');
  });

  it('refuses, with an error summary and nothing saved, an accent colour text cannot be read on, a bad logo and a host name another partnership holds', async () => {
    const bad = await saveBrand(
      southAdmin,
      'south',
      { accent_colour: '#777777', contact_email: 'not an email', contact_url: 'http://south.example', hosts: 'reviews.north.example' },
      { name: 'logo.gif', type: 'image/gif', bytes: Buffer.from('GIF89a') },
    );
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('govuk-error-summary');
    expect(bad.body).toContain('below the 4.5:1 that WCAG 2.2 asks for');
    expect(bad.body).toContain('href="#accent_colour"');
    expect(bad.body).toContain('The logo must be an SVG or a PNG image');
    expect(bad.body).toContain('Enter an email address in the correct format');
    expect(bad.body).toContain('value="#777777"');

    // Nested deeper than any drawing program writes: refused at once, before any cleaning.
    const deep = `<svg xmlns="http://www.w3.org/2000/svg">${'<g>'.repeat(5_000)}${'</g>'.repeat(5_000)}</svg>`;
    const nested = await saveBrand(southAdmin, 'south', { accent_colour: '#1d70b8' }, { name: 'logo.svg', type: 'image/svg+xml', bytes: Buffer.from(deep) });
    expect(nested.statusCode).toBe(422);
    expect(nested.body).toContain('govuk-error-summary');
    expect(nested.body).toContain('The SVG’s elements are nested more than 200 deep: save it again as plain SVG, or use a PNG');

    const taken = await saveBrand(southAdmin, 'south', { hosts: 'reviews.north.example' });
    expect(taken.statusCode).toBe(422);
    expect(taken.body).toContain('reviews.north.example is already the address of North Safeguarding Children Partnership’s pages');
    const own = await saveBrand(southAdmin, 'south', { hosts: 'cspr.example.org' });
    expect(own.body).toContain('this service’s own address');
    const row = await t.app.deps.database.db.selectFrom('partnership_brands').selectAll().where('partnership_id', '=', south.id).executeTakeFirst();
    expect(row).toBeUndefined();
  });

  it('keeps each partnership administrator to their own partnership', async () => {
    expect((await southAdmin.get('/admin/partnerships/north/brand')).statusCode).toBe(404);
    const { client: lead } = await signedInAs(t.app, [{ role: 'partner-lead', partnershipId: north.id }]);
    expect((await lead.get('/admin/partnerships/north/brand')).statusCode).toBe(403);
  });
});
