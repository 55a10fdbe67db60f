import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { linkIn, waitForMail } from '../support/mail.ts';
import { collectConsoleErrors, expectAccessible, findChromium, signedInContext, useLiveBrowser } from './browser.ts';

const chromiumPath = findChromium();

async function fitsNarrowScreen(page: Page): Promise<void> {
  await page.setViewportSize({ width: 320, height: 700 });
  const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth }));
  expect(scroll).toBeLessThanOrEqual(width);
  await page.setViewportSize({ width: 1280, height: 900 });
}

describe.skipIf(!chromiumPath)('learning products, in a browser', () => {
  const live = useLiveBrowser(chromiumPath);

  it('the business unit writes a 7-minute briefing, a lead publishes it, it is sent to a practitioner who opens it with their own click and acknowledges it, and reach shows it; every page passes axe', async () => {
    const admin = await (await signedInContext(live, 'admin@northmoor.example')).newPage();
    const errors = collectConsoleErrors(admin);
    await admin.goto(`${live.server.url}/dashboard`);
    await admin.getByRole('link', { name: 'Briefings', exact: true }).click();
    await admin.waitForURL(`${live.server.url}/learning-products`);
    await expectAccessible(admin);
    await admin.getByRole('link', { name: 'Write a learning product' }).click();
    await admin.waitForURL(/\/learning-products\/new/);
    await expectAccessible(admin);

    // A draft may be incomplete; sending it for review may not, and the error summary says what is missing.
    await admin.check('input[name="kind"][value="seven-minute-briefing"]');
    await admin.fill('#title', 'Bruising in babies who are not yet mobile');
    await admin.fill('#section-background', 'Two reviews found bruises on babies that were explained away.');
    await admin.getByRole('button', { name: 'Save as a draft' }).click();
    await admin.waitForURL(/\/learning-products\/[0-9a-f-]{36}\?done=saved$/);
    const productUrl = admin.url().replace(/\?.*$/, '');
    await expectAccessible(admin);
    await admin.getByRole('button', { name: 'Send for review' }).click();
    await admin.waitForSelector('.govuk-error-summary');
    const missing = (await admin.textContent('.govuk-error-summary'))!;
    expect(missing).toContain('Write the section “Why it matters”');
    expect(missing).toContain('Select at least one review the product draws on');
    await expectAccessible(admin);
    await admin.goto(productUrl);
    await admin.getByRole('link', { name: 'Change the draft' }).click();
    expect(await admin.inputValue('#section-background')).toBe('Two reviews found bruises on babies that were explained away.');
    await expectAccessible(admin);
    await admin.fill('#section-why-it-matters', 'A bruise on a baby who cannot move is a warning sign.');
    await admin.fill('#section-information', 'Refer every bruise in a non-mobile baby under the local protocol.');
    await admin.fill('#section-practice', 'Ask how it happened, look at the whole baby, and talk to the safeguarding lead.');
    await admin.fill('#section-questions', 'When did you last see a bruise explained away?');
    await admin.locator('input[name="sources"]').first().check();
    await admin.getByRole('button', { name: 'Save as a draft' }).click();
    await admin.waitForURL((url) => url.href.startsWith(productUrl) && url.search === '?done=saved');
    expect(await admin.textContent('h1')).toContain('Bruising in babies who are not yet mobile');
    await admin.getByRole('button', { name: 'Send for review' }).click();
    await admin.waitForSelector('text=Approve and publish', { state: 'detached' });
    expect(await admin.locator('.govuk-error-summary').count()).toBe(0);

    // A statutory partner's lead approves it.
    const lead = await (await signedInContext(live, 'la.lead@northmoor.example')).newPage();
    await lead.goto(productUrl);
    await expectAccessible(lead);
    await lead.getByRole('button', { name: 'Approve and publish' }).click();
    await lead.waitForURL(/\/learning-products\/[0-9a-f-]{36}/);
    expect(await lead.textContent('main')).toContain('Published');

    // The business unit sends it; a bad address is refused with its line, nothing sent.
    await admin.goto(productUrl);
    await admin.getByRole('link', { name: 'Send to distribution lists' }).click();
    await expectAccessible(admin);
    await admin.fill('#others', 'not an address');
    await admin.fill('#followUpDays', '30');
    await admin.getByRole('button', { name: 'Send' }).click();
    await admin.waitForSelector('.govuk-error-summary');
    expect(await admin.textContent('.govuk-error-summary')).toContain('Line 1: “not an address” is not an email address');
    await expectAccessible(admin);
    await admin.fill('#others', 'robin.health.visitor@example.org, Northmoor Community Health NHS Trust');
    await admin.getByRole('button', { name: 'Send' }).click();
    await admin.waitForURL(/\/reach/);
    await expectAccessible(admin);

    // The practitioner, not signed in: the link alone records nothing until they choose to open it.
    const mail = await waitForMail(live.server.db.dataDir, 'robin.health.visitor@example.org');
    expect(mail.text).not.toMatch(/Child [A-Z]\b/);
    const reader = await (await live.browser.newContext()).newPage();
    const readerErrors = collectConsoleErrors(reader);
    await reader.goto(linkIn(mail, '/read/'));
    await expectAccessible(reader);
    await reader.getByRole('button', { name: 'Open the learning' }).click();
    await reader.waitForSelector('text=Have you read and discussed it?');
    await expectAccessible(reader);
    await fitsNarrowScreen(reader);
    await reader.getByRole('button', { name: 'Send' }).click();
    await reader.waitForSelector('.govuk-error-summary');
    await expectAccessible(reader);
    await reader.check('input[name="confirmed"]');
    await reader.fill('#reflection', 'We now look at the whole baby at every visit.');
    await reader.getByRole('button', { name: 'Send' }).click();
    await reader.waitForSelector('.govuk-notification-banner--success');
    await expectAccessible(reader);

    // Reach: one sent, opened and acknowledged, with the reflection.
    await admin.goto(`${productUrl}/reach`);
    const reach = (await admin.textContent('main'))!.replace(/\s+/g, ' ');
    expect(reach).toContain('We now look at the whole baby at every visit.');
    expect(reach).not.toContain('robin.health.visitor@example.org');
    await expectAccessible(admin);
    await fitsNarrowScreen(admin);
    expect(errors).toEqual([]);
    expect(readerErrors).toEqual([]);
  }, 240_000);
});
