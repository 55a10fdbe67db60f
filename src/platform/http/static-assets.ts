import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const govuk = path.join(root, 'node_modules/govuk-frontend/dist/govuk');

/** GOV.UK Frontend's CSS, JS, fonts and images, and the service's own small files. */
export async function setUpStaticAssets(parent: FastifyInstance): Promise<void> {
  await parent.register(staticRoutes);
}

async function staticRoutes(app: FastifyInstance): Promise<void> {
  // Files anyone may fetch: these routes are public, and say so like every other route.
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config as object), access: 'public' };
  });
  const cache = { cacheControl: true, maxAge: '1d' } as const;
  await app.register(fastifyStatic, { root: path.join(govuk, 'assets'), prefix: '/assets/', ...cache });
  await app.register(fastifyStatic, {
    root: govuk,
    prefix: '/govuk/',
    decorateReply: false,
    allowedPath: (p) => /^\/govuk-frontend\.min\.(css|js)(\.map)?$/.test(p),
    ...cache,
  });
  await app.register(fastifyStatic, { root: path.join(root, 'public'), prefix: '/public/', decorateReply: false, ...cache });
}
