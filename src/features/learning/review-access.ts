import type { FastifyRequest } from 'fastify';
import { partnershipsWith, type Permission } from '../../platform/auth/policy.ts';
import type { FieldCipher } from '../../platform/crypto/field-encryption.ts';
import type { Database } from '../../platform/db/database.ts';
import { incidentPartnership } from '../cases/service.ts';
import { today } from '../cases/request-context.ts';
import { loadCaseReview, type CaseReview } from './case-reviews.ts';
import { OWN_AGENCY } from './permissions.ts';
import { actionAccess, actionPartnership, learningScope, loadAction, type ActionDetail } from './service.ts';

/**
 * A case's review for its recommendations (of any kind: rapid, local, practice learning, national), when the person holds `permission` in its partnership;
 * otherwise null, and a refusal in the audit trail when the case exists elsewhere. The page and the
 * API each answer "not found" in their own way.
 */
export async function reviewForRecommendations(req: FastifyRequest, db: Database['db'], cipher: FieldCipher, permission: Permission): Promise<CaseReview | null> {
  const { id } = req.params as { id: string };
  const view = await loadCaseReview(db, cipher, partnershipsWith(req.principal!, permission), id);
  if (view) return view;
  const elsewhere = await incidentPartnership(db, id);
  if (elsewhere) await req.audit({ action: 'access-refused', permission, partnershipId: elsewhere, recordType: 'recommendations', recordId: id, outcome: 'refused' });
  return null;
}

/**
 * The action at `id` when the person may see it (its partnership, and their own agency's for an
 * agency contributor); otherwise null, with a refusal in the audit trail when it exists elsewhere.
 * The pages and the API each answer "not found" in their own way.
 */
export async function visibleAction(req: FastifyRequest, db: Database['db'], cipher: FieldCipher, id: string): Promise<ActionDetail | null> {
  const action = await loadAction(db, cipher, learningScope(req.principal!), id, today());
  if (action && actionAccess(req.principal, action).read) return action;
  const from = action?.partnershipId ?? (await actionPartnership(db, id));
  if (from) await req.audit({ action: 'access-refused', permission: OWN_AGENCY, partnershipId: from, recordType: 'recommendation-action', recordId: id, outcome: 'refused' });
  return null;
}
