import type { FastifyRequest } from 'fastify';
import { partnershipsWith, type Permission } from '../../platform/auth/policy.ts';
import type { FieldCipher } from '../../platform/crypto/field-encryption.ts';
import type { Database } from '../../platform/db/database.ts';
import { incidentPartnership } from '../cases/service.ts';
import { loadCaseReview, type CaseReview } from './case-reviews.ts';

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
