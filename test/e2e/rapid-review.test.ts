import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { addCalendarMonths, addDays, formatDateForDisplay, todayInLondon } from '../../src/domain/calendar/date-only.ts';
import { withTenant } from '../../src/platform/db/tenant.ts';
import { recordIncident, recordWorkflowStep } from '../../src/features/cases/service.ts';
import { DEMO_PARTNERSHIP } from '../../src/features/demo/service.ts';
import { listAgencies, findPartnershipBySlug } from '../../src/features/partnerships/service.ts';
import { findUserByEmail } from '../../src/features/users/service.ts';
import { collectConsoleErrors, expectAccessible, findChromium, signedInContext, useLiveBrowser } from './browser.ts';
import { samplePdf } from '../../src/platform/documents/test-fixtures.ts';

const chromiumPath = findChromium();

describe.skipIf(!chromiumPath)('the rapid review in a browser', () => {
  const live = useLiveBrowser(chromiumPath);

  const db = () => live.server.app.deps.database.db;
  const heading = async (page: Page) => ((await page.textContent('h1')) ?? '').trim();

  async function signedIn(email: string): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    const context = await signedInContext(live, email);
    const page = await context.newPage();
    return { context, page, errors: collectConsoleErrors(page) };
  }

  async function fillDate(page: Page, id: string, iso: string) {
    const [y, m, d] = iso.split('-');
    await page.locator(`#${id}-day`).fill(String(Number(d)));
    await page.locator(`#${id}-month`).fill(String(Number(m)));
    await page.locator(`#${id}-year`).fill(y);
  }

  it('requests, an agency answer with a file, the decision, three sign-offs, sending and the Panel response; every page passes axe', async () => {
    const today = todayInLondon(new Date());
    const partnership = await findPartnershipBySlug(db(), DEMO_PARTNERSHIP.slug);
    if (!partnership) throw new Error('no demo partnership');
    const agencies = await listAgencies(db(), partnership.id);
    const school = agencies.find((a) => a.name === 'Northmoor Academy Trust');
    const admin = await findUserByEmail(db(), 'admin@northmoor.example');
    if (!school || !admin) throw new Error('demo data is missing');
    const actor = { userId: admin.id, name: admin.name };
    const recorded = await recordIncident(db(), live.server.app.deps.cipher, actor, {
      partnershipId: partnership.id,
      facts: { outcome: 'serious-harm', abuseOrNeglect: 'suspected', location: 'in-area', incidentOn: null, aware: addDays(today, -2), whatIsKnown: '', agencyIds: [school.id], otherAgencies: '' },
      children: [{ pseudonym: 'Child R', name: '', dateOfBirth: null, nhsNumber: '', address: '', familyNames: '', gender: null, ageAtIncident: 4, ageBand: '1-4', lookedAfter: false, careLeaver: false }],
    }, today);
    if (!recorded.ok) throw new Error('could not record the incident');
    const id = recorded.id;
    for (const [key, date] of [['notify', addDays(today, -1)], ['start-rapid-review', addDays(today, -1)]] as const) {
      const r = await recordWorkflowStep(db(), [partnership.id], actor, id, key, { date, reference: '', note: '' }, () => () => true, today);
      expect(r.ok).toBe(true);
    }
    const base = `${live.server.url}/cases/${id}/rapid-review`;

    // The case page's main action is the next statutory step, not closing the case; it leads to the
    // rapid review, which shows its own clock.
    const bu = await signedIn('admin@northmoor.example');
    await bu.page.goto(`${live.server.url}/cases/${id}`);
    const buttons = bu.page.locator('#actions ~ .govuk-button-group .govuk-button');
    expect((await buttons.first().textContent())?.trim()).toBe('Continue the rapid review');
    expect(await buttons.first().getAttribute('class')).not.toContain('govuk-button--secondary');
    expect(await bu.page.getByRole('button', { name: 'Close the case' }).getAttribute('class')).toContain('govuk-button--secondary');
    await expectAccessible(bu.page);
    await buttons.first().click();
    await bu.page.waitForURL(base);
    expect(await heading(bu.page)).toBe('Rapid review');
    expect(((await bu.page.locator('#rapid-review-clock').textContent()) ?? '').replace(/\s+/g, ' ')).toMatch(/Send the rapid review to the Panel: due .* On time \d+ working days left/);
    await expectAccessible(bu.page);

    // The business unit sends a request to the school.
    await bu.page.getByRole('button', { name: 'Send requests to agencies' }).click();
    await bu.page.waitForURL(`${base}/requests`);
    await expectAccessible(bu.page);
    expect(await bu.page.getByLabel('Northmoor Academy Trust').isChecked()).toBe(true);
    await bu.page.getByRole('button', { name: 'Send requests' }).click();
    await bu.page.waitForURL(`${base}?done=requests`);
    expect(await bu.page.textContent('.govuk-notification-banner')).toContain('The requests were sent to the agencies.');
    await expectAccessible(bu.page);

    // The decision: first sent empty, then completed.
    await bu.page.getByRole('link', { name: 'Record the decision' }).click();
    await bu.page.waitForURL(`${base}/decision`);
    await expectAccessible(bu.page);
    await bu.page.getByRole('button', { name: 'Save the decision' }).click();
    await bu.page.waitForLoadState('load');
    expect(await bu.page.locator('.govuk-error-summary').textContent()).toContain('Select the decision');
    await expectAccessible(bu.page);
    await bu.page.getByLabel('Hold a local child safeguarding practice review').check();
    await bu.page.locator('#criteria').check();
    await bu.page.getByLabel('Reasons for the decision').fill('Criterion (a) is met: escalation between agencies was slow.');
    // The partners decided yesterday; it is recorded today, with the date it happened.
    const decided = addDays(today, -1);
    await fillDate(bu.page, 'decided', decided);
    await bu.page.getByRole('button', { name: 'Save the decision' }).click();
    await bu.page.waitForURL(`${base}?done=decision`);
    await expectAccessible(bu.page);

    // The school answers, first with a file that is not a PDF or Word document.
    const agency = await signedIn('school@northmoor.example');
    await agency.page.goto(`${live.server.url}/agency-requests`);
    expect(await heading(agency.page)).toBe('Requests to your agency');
    await expectAccessible(agency.page);
    await agency.page.locator('main table a').first().click();
    await agency.page.waitForURL(/\/agency-requests\/[0-9a-f-]{36}$/);
    await expectAccessible(agency.page);
    await agency.page.getByLabel('Summary of your agency’s involvement').fill('Child R attended nursery; two absences were followed up.');
    await agency.page.getByLabel('Attach your chronology (optional)').setInputFiles({ name: 'chronology.txt', mimeType: 'text/plain', buffer: Buffer.from('just text') });
    await agency.page.getByRole('button', { name: 'Send your answer' }).click();
    await agency.page.waitForLoadState('load');
    expect(await agency.page.locator('.govuk-error-summary').textContent()).toContain('The selected file must be a PDF or a Word document (.docx)');
    await expectAccessible(agency.page);
    await agency.page.getByLabel('Attach your chronology (optional)').setInputFiles({ name: 'chronology.pdf', mimeType: 'application/pdf', buffer: samplePdf('a fictional chronology') });
    await agency.page.getByRole('button', { name: 'Send your answer' }).click();
    await agency.page.waitForURL(`${live.server.url}/agency-requests?done=answered`);
    expect(await agency.page.textContent('main')).toContain('Answered');
    await expectAccessible(agency.page);
    expect(agency.errors).toEqual([]);
    await agency.context.close();

    // The business unit reads the answer, and says so with the page's button (by keyboard): its task ends.
    await bu.page.goto(base);
    await bu.page.getByRole('link', { name: /^View the answer from / }).first().click();
    await bu.page.waitForURL(/\/rapid-review\/requests\/[0-9a-f-]{36}$/);
    await expectAccessible(bu.page);
    await bu.page.getByRole('button', { name: 'Mark as read' }).focus();
    await bu.page.keyboard.press('Enter');
    await bu.page.waitForURL(/\?done=read$/);
    expect(await bu.page.textContent('main')).toContain('The answer is marked as read');
    expect(await bu.page.getByRole('button', { name: 'Mark as read' }).count()).toBe(0);
    await expectAccessible(bu.page);

    // Each statutory partner's lead signs off; before the last, sending is refused by name.
    for (const email of ['police.lead@northmoor.example', 'la.lead@northmoor.example']) {
      const lead = await signedIn(email);
      await lead.page.goto(base);
      await expectAccessible(lead.page);
      await lead.page.getByRole('button', { name: 'Sign off the decision' }).click();
      await lead.page.waitForURL(`${base}/sign-off`);
      // The criteria that apply, in their words, not only their letters.
      expect(await lead.page.textContent('main')).toMatch(/\([a-d]\) The (case highlights|Child Safeguarding Practice Review Panel)/);
      await expectAccessible(lead.page);
      await lead.page.getByRole('button', { name: 'Sign off the decision' }).click();
      await lead.page.waitForURL(`${base}?done=signed-off`);
      await expectAccessible(lead.page);
      expect(lead.errors).toEqual([]);
      await lead.context.close();
    }
    await bu.page.goto(`${base}/send`);
    expect(await bu.page.locator('.govuk-error-summary').textContent()).toContain('The integrated care board lead has not signed off yet');
    await expectAccessible(bu.page);
    const icb = await signedIn('health.lead@northmoor.example');
    await icb.page.goto(`${base}/sign-off`);
    await icb.page.getByRole('button', { name: 'Sign off the decision' }).click();
    await icb.page.waitForURL(`${base}?done=signed-off`);
    await expectAccessible(icb.page);
    await icb.context.close();

    // Signed off by all three: the case's decision, and the 6-month clock runs from the day the partners decided.
    await bu.page.goto(`${live.server.url}/cases/${id}`);
    const clock = ((await bu.page.locator('#clock-review-completion').textContent()) ?? '').replace(/\s+/g, ' ');
    expect(clock).toContain(formatDateForDisplay(addCalendarMonths(decided, 6)));
    expect(await bu.page.textContent('main')).not.toContain('Decide: local review');
    await expectAccessible(bu.page);

    // Sent to the Panel, then the Panel's response.
    await bu.page.goto(base);
    await bu.page.getByRole('button', { name: 'Record the rapid review as sent' }).click();
    await bu.page.waitForURL(`${base}/send`);
    await expectAccessible(bu.page);
    await fillDate(bu.page, 'sent', today);
    await bu.page.getByRole('button', { name: 'Record the rapid review as sent' }).click();
    await bu.page.waitForURL(`${base}?done=sent`);
    await expectAccessible(bu.page);
    await bu.page.getByRole('link', { name: 'Record the Panel’s response' }).click();
    await bu.page.waitForURL(`${base}/panel-response`);
    await expectAccessible(bu.page);
    await bu.page.getByLabel('The Panel agrees with the decision').check();
    await fillDate(bu.page, 'responded', today);
    await bu.page.getByRole('button', { name: 'Save the response' }).click();
    await bu.page.waitForURL(`${base}?done=response`);
    expect(await bu.page.textContent('main')).toContain('The Panel agrees with the decision');
    await expectAccessible(bu.page);
    const state = await db().selectFrom('incidents').select(['state', 'review_decision', 'decision_on']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(state).toEqual({ state: 'local-review', review_decision: 'local-review', decision_on: decided });

    // Completed later: publishing only through the checked page; the unchecked step is refused, saying why.
    await withTenant(db(), [partnership.id], async (trx) => {
      await trx.updateTable('incidents').set({ state: 'completed', completed_on: today }).where('id', '=', id).execute();
      await trx.insertInto('reviews').values({ incident_id: id, partnership_id: partnership.id, review_type: 'local-cspr', publication_decision: 'full-report' }).onConflict((oc) => oc.column('incident_id').doUpdateSet({ publication_decision: 'full-report' })).execute();
    });
    await bu.page.goto(`${live.server.url}/cases/${id}`);
    expect(await bu.page.getByRole('link', { name: /Publish the review/ }).getAttribute('href')).toBe(`/cases/${id}/review/publish`);
    expect(await bu.page.getByRole('button', { name: 'Record the review as published' }).count()).toBe(0);
    await expectAccessible(bu.page);
    await bu.page.goto(`${live.server.url}/cases/${id}/steps/publish`);
    expect(await bu.page.locator('.govuk-error-summary').textContent()).toContain('Publish from the review’s “Publish” page');
    await expectAccessible(bu.page);
    expect(await db().selectFrom('incidents').select('state').where('id', '=', id).executeTakeFirstOrThrow()).toEqual({ state: 'completed' });
    expect(bu.errors).toEqual([]);
    await bu.context.close();
  }, 300_000);
});
