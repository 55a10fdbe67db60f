import { randomUUID } from 'node:crypto';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { accountRoutes } from '../../features/account/routes.ts';
import { unsentFormRoutes } from '../../features/account/unsent-forms.ts';
import { adminRoutes } from '../../features/admin/routes.ts';
import { apiRoutes } from '../../features/api/routes.ts';
import { auditRoutes } from '../../features/audit/routes.ts';
import { calendarRoutes } from '../../features/calendar/routes.ts';
import { caseRoutes } from '../../features/cases/routes.ts';
import { dashboardRoutes } from '../../features/dashboard/routes.ts';
import { taskRoutes } from '../../features/tasks/routes.ts';
import { referralRoutes } from '../../features/cases/referral-routes.ts';
import { rapidReviewRoutes } from '../../features/rapid-reviews/routes.ts';
import { reviewRoutes } from '../../features/reviews/routes.ts';
import { learningRoutes } from '../../features/learning/routes.ts';
import { trackerRoutes } from '../../features/learning/tracker-routes.ts';
import { reviewLearningRoutes } from '../../features/learning/review-routes.ts';
import { assuranceApiRoutes } from '../../features/learning/assurance-api.ts';
import { assuranceRoutes } from '../../features/learning/assurance-routes.ts';
import { evidenceRoutes } from '../../features/learning/evidence-routes.ts';
import { learningApiRoutes } from '../../features/learning/api.ts';
import { learningProductRoutes } from '../../features/learning-products/routes.ts';
import { learningProductApiRoutes } from '../../features/learning-products/api.ts';
import { recurringLearningRoutes } from '../../features/learning/recurring-routes.ts';
import { reportRoutes } from '../../features/reports/routes.ts';
import { yearlyReportRoutes } from '../../features/reports/yearly-routes.ts';
import { reportApiRoutes } from '../../features/reports/api.ts';
import { reviewApiRoutes } from '../../features/reviews/api.ts';
import { rapidReviewApiRoutes } from '../../features/rapid-reviews/api.ts';
import { panelRoutes } from '../../features/panel/routes.ts';
import { publicationRoutes } from '../../features/publications/routes.ts';
import { repositoryRoutes } from '../../features/repository/routes.ts';
import { healthRoutes } from '../../features/health/routes.ts';
import { homeRoutes } from '../../features/home/routes.ts';
import { setUpPartnershipHosts } from '../../features/partnerships/brand-hosts.ts';
import { brandRoutes } from '../../features/partnerships/brand-routes.ts';
import { rulesRoutes } from '../../features/rules/routes.ts';
import { ssoRoutes } from '../../features/sso/routes.ts';
import type { Config } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import { cipherFor, cipherWhenUsed, type FieldCipher } from '../crypto/field-encryption.ts';
import { documentWorkersFor, type DocumentWorkers } from '../documents/document-workers.ts';
import { createMailer, type Mailer } from '../mail/mailer.ts';
import { createFileStore, type FileStore } from '../storage/file-store.ts';
import { setUpAuthentication, type Access } from './authentication.ts';
import { setUpErrorPages } from './errors.ts';
import { setUpPlainTextGuard } from './plain-text-guard.ts';
import { navigationFor } from './navigation.ts';
import { setUpSecurityHeaders } from './security-headers.ts';
import { setUpStaticAssets } from './static-assets.ts';
import { setUpViews } from './views.ts';

export type AppDeps = { config: Config; database: Database };

/** What every feature may use, built once per app. */
export type AppServices = AppDeps & { cipher: FieldCipher; mailer: Mailer; documents: DocumentWorkers; files: FileStore };

export type RouteEntry = { method: string; url: string; access: Access | undefined };

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppServices;
    /** Every route with the access rule it declared: the policy matrix test walks this list. */
    routeTable: RouteEntry[];
  }
}

/** Trusts the `hops` nearest addresses a request came through (the socket's, then X-Forwarded-For from the right). */
export function proxyHops(hops: number): (address: string, hop: number) => boolean {
  return (_address, hop) => hop < hops;
}

/**
 * The path as logs may show it: no query string (single sign-on codes, searches) and no
 * single-use tokens in invitation and password-reset links, nor calendar feed tokens.
 */
export function loggablePath(url: string): string {
  return url.split('?')[0].replace(/\/(invitation|password-reset|calendar|read)\/[^/]+/, '/$1/[token]');
}

/**
 * Assembles the service from small pieces, in an order that matters:
 * security headers, parsing, static files, views, routes, errors.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    logger:
      config.logLevel === 'silent'
        ? false
        : {
            level: config.logLevel,
            // Cookies and tokens are secrets; request bodies are never logged.
            redact: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]'],
            serializers: { req: (req) => ({ method: req.method, url: loggablePath(req.url), remoteAddress: req.ip }) },
          },
    // The proxies in front, by how many there are: the service is reached only through them, so the
    // nearest hops are theirs (Fastify's own hop count trusts nothing since it cannot tell them apart).
    trustProxy: config.trustProxy === false ? false : proxyHops(config.trustProxy),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return config.trustProxy !== false && typeof given === 'string' && /^[\w-]{8,64}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: 1_048_576,
    return503OnClosing: true,
  });
  const cipher = cipherWhenUsed(() => cipherFor(config));
  const files = createFileStore({ db: deps.database.db, cipher, config: config.fileStore });
  // Uploaded files are read, and PDFs and spreadsheets made, by worker threads, never on the thread that answers requests.
  const documents = documentWorkersFor(config);
  app.addHook('onClose', async () => documents.close());
  app.decorate('deps', { ...deps, cipher, mailer: createMailer(config), documents, files });

  const routeTable: RouteEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      // Read when asked: plugins may still set the access rule after this hook runs.
      if (method !== 'HEAD') routeTable.push({ method, url: route.url, get access() { return (route.config as { access?: Access } | undefined)?.access; } });
    }
  });

  // Routes take the error handler in force when they are added: set it before any route.
  setUpErrorPages(app);
  await setUpSecurityHeaders(app);
  await app.register(formbody);
  // Off by default; routes that attract guessing (sign-in, resets) set their own limit.
  await app.register(rateLimit, {
    global: false,
    allowList: () => !config.rateLimits,
    // Thrown, so the error pages show it: a GOV.UK page for people, a problem body for the API.
    errorResponseBuilder: (_req, context) =>
      Object.assign(new Error(`There have been too many attempts from your address. Wait ${context.after} and try again.`), { statusCode: 429 }),
  });
  await setUpStaticAssets(app);
  setUpViews(app, { navigation: navigationFor, serviceName: config.serviceName });
  // After the views: a partnership's host name sets the brand pages are drawn in.
  setUpPartnershipHosts(app);
  await setUpAuthentication(app);
  // After the door: only people who may use a route learn what it refuses.
  setUpPlainTextGuard(app);

  await app.register(healthRoutes);
  await app.register(homeRoutes);
  await app.register(brandRoutes);
  await app.register(ssoRoutes);
  await app.register(adminRoutes);
  await app.register(auditRoutes);
  await app.register(caseRoutes);
  await app.register(referralRoutes);
  await app.register(rapidReviewRoutes);
  await app.register(reviewRoutes);
  await app.register(reviewApiRoutes);
  await app.register(rapidReviewApiRoutes);
  await app.register(learningRoutes);
  await app.register(trackerRoutes);
  await app.register(reviewLearningRoutes);
  await app.register(learningApiRoutes);
  await app.register(learningProductRoutes);
  await app.register(learningProductApiRoutes);
  await app.register(evidenceRoutes);
  await app.register(assuranceRoutes);
  await app.register(assuranceApiRoutes);
  await app.register(recurringLearningRoutes);
  await app.register(reportRoutes);
  await app.register(yearlyReportRoutes);
  await app.register(reportApiRoutes);
  await app.register(panelRoutes);
  await app.register(publicationRoutes);
  await app.register(repositoryRoutes);
  await app.register(rulesRoutes);
  await app.register(accountRoutes);
  await app.register(unsentFormRoutes);
  await app.register(dashboardRoutes);
  await app.register(taskRoutes);
  await app.register(calendarRoutes);
  await app.register(apiRoutes);

  return app;
}
