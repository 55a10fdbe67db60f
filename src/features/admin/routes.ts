import type { FastifyInstance } from 'fastify';
import { invitationRoutes } from './invitation-routes.ts';
import { overviewRoutes } from './overview-routes.ts';
import { partnershipAdminRoutes } from './partnership-routes.ts';
import { passwordResetRoutes } from './password-reset-routes.ts';
import { userAdminRoutes } from './user-routes.ts';

/**
 * Administration (partnerships, agencies, people and their roles) and the two journeys
 * that start from an email: accepting an invitation and resetting a password.
 */
export async function adminRoutes(app: FastifyInstance): Promise<void> {
  await app.register(overviewRoutes);
  await app.register(partnershipAdminRoutes);
  await app.register(userAdminRoutes);
  await app.register(invitationRoutes);
  await app.register(passwordResetRoutes);
}
