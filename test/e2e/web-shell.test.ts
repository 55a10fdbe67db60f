import { describe, expect, it } from 'vitest';
import { collectConsoleErrors, expectAccessible, findChromium, useLiveBrowser } from './browser.ts';

const chromiumPath = findChromium();

describe.skipIf(!chromiumPath)('web shell in a browser', () => {
  const live = useLiveBrowser(chromiumPath);

  it('a keyboard user skips to the content and reaches every footer page; each passes axe', async () => {
    const context = await live.browser.newContext();
    const page = await context.newPage();
    const errors = collectConsoleErrors(page);
    await page.goto(`${live.server.url}/`);
    await expect.poll(() => page.evaluate(() => document.body.classList.contains('govuk-frontend-supported'))).toBe(true);
    await expectAccessible(page);
    expect(await page.textContent('h1')).toBe('Child safeguarding practice reviews');
    expect(await page.textContent('body')).toContain('fictional demonstration data');

    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Skip to main content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main-content');

    for (const [link, heading] of [
      ['Accessibility statement', 'Accessibility statement for CSPR Hub'],
      ['Privacy notice', 'Privacy notice'],
      ['Cookies', 'Cookies'],
    ]) {
      await page.goto(`${live.server.url}/`);
      await page.getByRole('link', { name: link, exact: true }).focus();
      await page.keyboard.press('Enter');
      await page.waitForLoadState('load');
      expect(await page.textContent('h1')).toBe(heading);
      await expectAccessible(page);
    }
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows an accessible GOV.UK page for an unknown address', async () => {
    const context = await live.browser.newContext();
    const page = await context.newPage();
    const res = await page.goto(`${live.server.url}/no-such-page`);
    expect(res?.status()).toBe(404);
    expect(await page.textContent('h1')).toBe('Page not found');
    await expectAccessible(page);
    await context.close();
  });

  it('works with JavaScript turned off', async () => {
    const context = await live.browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${live.server.url}/`);
    expect(await page.textContent('h1')).toBe('Child safeguarding practice reviews');
    expect(await page.evaluate(() => 1).catch(() => 'no-js')).toBeDefined();
    await page.getByRole('link', { name: 'Privacy notice' }).click();
    expect(await page.textContent('h1')).toBe('Privacy notice');
    await context.close();
  });
});
