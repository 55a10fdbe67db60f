import { randomUUID } from 'node:crypto';
import formbody from '@fastify/formbody';
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance } from 'fastify';
import { healthRoutes } from '../../features/health/routes.ts';
import { homeRoutes } from '../../features/home/routes.ts';
import type { Config } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import { createFieldCipher, loadDataKey, type FieldCipher } from '../crypto/field-encryption.ts';
import { setUpAuthentication } from './authentication.ts';
import { setUpErrorPages } from './errors.ts';
import { navigationFor } from './navigation.ts';
import { setUpSecurityHeaders } from './security-headers.ts';
import { setUpStaticAssets } from './static-assets.ts';
import { setUpViews } from './views.ts';

export type AppDeps = { config: Config; database: Database };

/** What every feature may use, built once per app. */
export type AppServices = AppDeps & { cipher: FieldCipher };

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppServices;
  }
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
          },
    trustProxy: config.trustProxy,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return config.trustProxy && typeof given === 'string' && /^[\w-]{8,64}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: 1_048_576,
    return503OnClosing: true,
  });
  const cipher = createFieldCipher(loadDataKey({ envKey: config.dataEncryptionKey, dataDir: config.dataDir }));
  app.decorate('deps', { ...deps, cipher });

  await setUpSecurityHeaders(app);
  await app.register(formbody);
  // Off by default; routes that attract guessing (sign-in, resets) set their own limit.
  await app.register(rateLimit, { global: false });
  await setUpStaticAssets(app);
  setUpViews(app, { navigation: navigationFor });
  await setUpAuthentication(app);

  await app.register(healthRoutes);
  await app.register(homeRoutes);

  setUpErrorPages(app);
  return app;
}
