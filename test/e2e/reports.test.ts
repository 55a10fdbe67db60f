import { describe, expect, it } from 'vitest';
import { collectConsoleErrors, expectAccessible, findChromium, signedInContext, useLiveBrowser } from './browser.ts';

const chromiumPath = findChromium();

describe.skipIf(!chromiumPath)('figures, in a browser', () => {
  const live = useLiveBrowser(chromiumPath);

  it('the business unit finds the figures from the navigation, reads charts beside their tables, is told what is wrong with a reversed period, and the page fits 320 px; the Panel sees the figures too; every page passes axe', async () => {
    const context = await signedInContext(live, 'admin@northmoor.example');
    const page = await context.newPage();
    const errors = collectConsoleErrors(page);
    await page.goto(`${live.server.url}/dashboard`);
    await page.getByRole('link', { name: 'Figures', exact: true }).click();
    await page.waitForURL(`${live.server.url}/reports/figures`);
    expect(await page.textContent('h1')).toBe('Figures');
    expect(await page.locator('table').count()).toBeGreaterThan(5);
    await expectAccessible(page);

    // Three years by year: the demo's cases and actions fall in it.
    await page.fill('#from-day', '1');
    await page.fill('#from-month', '4');
    await page.fill('#from-year', String(new Date().getUTCFullYear() - 3));
    await page.check('input[name="by"][value="year"]');
    await page.getByRole('button', { name: 'Show the figures' }).click();
    await page.waitForURL(/by=year/);
    expect(await page.locator('svg[role="img"]').count()).toBeGreaterThan(0);
    for (const svg of await page.locator('svg[role="img"]').all()) {
      const [title, desc] = (await svg.getAttribute('aria-labelledby'))!.split(' ');
      expect(await page.locator(`#${title}`).textContent()).not.toBe('');
      expect(await page.locator(`#${desc}`).textContent()).not.toBe('');
    }
    await expectAccessible(page);

    await page.setViewportSize({ width: 320, height: 700 });
    const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth }));
    expect(scroll).toBeLessThanOrEqual(width);
    await page.setViewportSize({ width: 1280, height: 900 });

    // A reversed period: the error summary links to the field.
    await page.fill('#to-year', String(new Date().getUTCFullYear() - 4));
    await page.getByRole('button', { name: 'Show the figures' }).click();
    await page.waitForSelector('.govuk-error-summary');
    expect(await page.textContent('.govuk-error-summary')).toContain('The end of the period must be the same as or after its start');
    await expectAccessible(page);
    expect(errors).toEqual([]);
    await context.close();

    const panel = await signedInContext(live, 'panel@panel.example');
    const panelPage = await panel.newPage();
    await panelPage.goto(`${live.server.url}/reports/figures`);
    // The Panel sees every partnership of the deployment (here the demonstration's own).
    expect(await panelPage.textContent('h1')).toBe('Figures');
    expect(await panelPage.locator('svg[role="img"], table').count()).toBeGreaterThan(0);
    await expectAccessible(panelPage);
    await panel.close();
  }, 180_000);
});
