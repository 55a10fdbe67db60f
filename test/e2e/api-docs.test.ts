import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../src/features/api/openapi.ts';
import { collectConsoleErrors, expectAccessible, findChromium, useLiveBrowser } from './browser.ts';

const chromiumPath = findChromium();

describe.skipIf(!chromiumPath)('the API documentation in a browser', () => {
  const live = useLiveBrowser(chromiumPath);

  it('anyone reads every endpoint, follows the contents to one, and opens the OpenAPI document; the page passes axe', async () => {
    const context = await live.browser.newContext();
    const page = await context.newPage();
    const errors = collectConsoleErrors(page);
    // Nothing is fetched from another origin.
    const elsewhere: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(live.server.url)) elsewhere.push(r.url());
    });

    await page.goto(`${live.server.url}/api/docs`);
    await expectAccessible(page);
    expect((await page.textContent('h1'))?.trim()).toBe('CSPR Hub API');
    expect(await page.title()).toContain('API documentation');

    const doc = buildOpenApiDocument();
    const count = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    expect(await page.locator('main section').count()).toBe(count);
    expect(await page.locator('#updateIncident').textContent()).toContain('If-Match');

    await page.getByRole('link', { name: /PATCH \/api\/v1\/incidents\/\{id\}/ }).click();
    expect(page.url()).toBe(`${live.server.url}/api/docs#updateIncident`);
    expect(await page.getByRole('heading', { name: 'Change the facts of an incident' }).isVisible()).toBe(true);
    await expectAccessible(page);

    const res = await page.goto(`${live.server.url}/api/v1/openapi.json`);
    expect(res?.status()).toBe(200);
    expect(((await res?.json()) as { openapi: string }).openapi).toBe('3.1.0');
    expect(elsewhere).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
