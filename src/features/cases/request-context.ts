import type { FastifyRequest } from 'fastify';
import { todayInLondon, type DateOnly } from '../../domain/calendar/date-only.ts';
import type { May } from '../../domain/workflow/incident-workflow.ts';
import { can } from '../../platform/auth/policy.ts';
import type { Actor } from './service.ts';

/** What the case, rapid review and API routes all take from a request. */
export const today = (): DateOnly => todayInLondon(new Date());

export const actorOf = (req: FastifyRequest): Actor => ({ userId: req.principal!.userId, name: req.principal!.name });

/** What the person may do in a partnership, as the workflow asks it. */
export const mayIn =
  (req: FastifyRequest) =>
  (partnershipId: string): May =>
  (permission) =>
    can(req.principal, permission, { partnershipId });
