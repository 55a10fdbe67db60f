import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const govuk = path.join(root, 'node_modules/govuk-frontend/dist/govuk');

/**
 * GOV.UK Frontend's JavaScript, and the service's own files: GOV.UK Frontend's CSS as built for this
 * service (public/govuk-frontend.min.css: Arial, no GOV.UK fonts or images) and its icon. GOV.UK's
 * fonts, crest and icons are not served: they are for services on GOV.UK only.
 */
export async function setUpStaticAssets(parent: FastifyInstance): Promise<void> {
  await parent.register(staticRoutes);
}

async function staticRoutes(app: FastifyInstance): Promise<void> {
  // Files anyone may fetch: these routes are public, and say so like every other route.
  app.addHook('onRoute', (route) => {
    route.config = { ...(route.config as object), access: 'public' };
  });
  const cache = { cacheControl: true, maxAge: '1d' } as const;
  await app.register(fastifyStatic, {
    root: govuk,
    prefix: '/govuk/',
    allowedPath: (p) => /^\/govuk-frontend\.min\.js(\.map)?$/.test(p),
    ...cache,
  });
  await app.register(fastifyStatic, { root: path.join(root, 'public'), prefix: '/public/', decorateReply: false, ...cache });
}
