import type { FastifyInstance } from 'fastify';
import { PUBLIC } from '../../platform/http/access.ts';
import { isDemoDeployment } from '../demo/service.ts';
import { newestForStartPage, partnershipHome } from '../repository/routes.ts';

/** The start page and the pages every GOV.UK service has in its footer. */
export async function homeRoutes(app: FastifyInstance): Promise<void> {
  app.get('/', PUBLIC, async (req, reply) => {
    // A partnership's own address starts with its published reviews.
    if (req.brand) return partnershipHome(app, req, reply);
    const demo = await isDemoDeployment(app.deps.database);
    // Fully signed in (password and second factor): offer the way to their work.
    const signedIn = Boolean(req.principal && req.session?.twoFactorAt);
    const newest = await newestForStartPage(app);
    return reply.render('home/views/start.njk', { pageTitle: 'Child safeguarding practice reviews', demo, signedIn, newest });
  });
  app.get('/accessibility', PUBLIC, async (_req, reply) =>
    reply.render('home/views/accessibility.njk', { pageTitle: 'Accessibility statement' }),
  );
  app.get('/privacy', PUBLIC, async (_req, reply) => reply.render('home/views/privacy.njk', { pageTitle: 'Privacy notice' }));
  app.get('/cookies', PUBLIC, async (_req, reply) => reply.render('home/views/cookies.njk', { pageTitle: 'Cookies' }));
}
