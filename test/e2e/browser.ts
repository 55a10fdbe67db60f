import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { AxeBuilder } from '@axe-core/playwright';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { seedDemo } from '../../src/features/demo/service.ts';
import { findUserByEmail } from '../../src/features/users/service.ts';
import { createSession } from '../../src/platform/auth/sessions.ts';
import { SESSION_COOKIE } from '../../src/platform/http/authentication.ts';
import { loadConfig } from '../../src/platform/config/config.ts';
import { buildApp } from '../../src/platform/http/app.ts';
import { openTestDatabase, type TestDatabase } from '../support/database.ts';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];

/** Debian's Chromium, or null with the reason printed. With REQUIRE_BROWSER=1 a missing browser fails the run. */
export function findChromium(): string | null {
  const found = CANDIDATES.find((p) => fs.existsSync(p)) ?? null;
  if (!found) {
    const reason = `Browser tests not run: no Chromium found (looked at ${CANDIDATES.join(', ')}). Install Debian's chromium package.`;
    if (process.env.REQUIRE_BROWSER === '1') throw new Error(reason);
    console.warn(reason);
  }
  return found;
}

/** `extraArgs`, e.g. --host-resolver-rules to reach the service under other host names. */
export function launchBrowser(executablePath: string, extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: [
      ...extraArgs,
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export type LiveServer = { url: string; app: FastifyInstance; db: TestDatabase; close(): Promise<void> };

/** The whole service listening on a loopback port, on a fresh embedded database with the demo data. */
export async function startLiveServer(): Promise<LiveServer> {
  const db = await openTestDatabase('embedded');
  const config = loadConfig({ LOG_LEVEL: 'silent', RATE_LIMITS: 'off', DATA_DIR: db.dataDir });
  const app = await buildApp({ config, database: db.database });
  await seedDemo(db.database, app.deps.cipher, app.deps.files);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    db,
    async close() {
      await app.close();
      await db.database.close();
      await db.drop();
    },
  };
}

/** Fails the test on any WCAG 2.2 A/AA violation axe finds on the page as it is now. */
export async function expectAccessible(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  const summary = results.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(summary, `accessibility violations on ${page.url()}`).toEqual([]);
}

/** Collects console errors (a CSP violation shows up here) for a page's lifetime. */
export function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    // A form sent with mistakes answers 4xx by design; the browser reports that as an error.
    if (msg.type() === 'error' && !/status of 4\d\d/.test(msg.text())) errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

/**
 * The live service and a browser for one describe block: started before its tests,
 * closed after them. Read `server` and `browser` inside tests (they exist from then on).
 */
export function useLiveBrowser(executablePath: string | null): { readonly server: LiveServer; readonly browser: Browser } {
  let server: LiveServer | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    server = await startLiveServer();
    browser = await launchBrowser(executablePath as string);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  return {
    get server() {
      return server as LiveServer;
    },
    get browser() {
      return browser as Browser;
    },
  };
}

/** A browser context signed in (password and second factor) as the demo person with this email. */
export async function signedInContext(live: { readonly server: LiveServer; readonly browser: Browser }, email: string): Promise<BrowserContext> {
  const user = await findUserByEmail(live.server.app.deps.database.db, email);
  if (!user) throw new Error(`the demo data has no user ${email}`);
  const context = await live.browser.newContext();
  const token = await createSession(live.server.app.deps.database.db, user.id, { twoFactor: true });
  await context.addCookies([{ name: SESSION_COOKIE, value: token, url: live.server.url, httpOnly: true, sameSite: 'Lax' }]);
  return context;
}
