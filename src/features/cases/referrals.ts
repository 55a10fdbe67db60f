import type { Kysely } from 'kysely';
import { compareDates, type DateOnly } from '../../domain/calendar/date-only.ts';
import type { FieldCipher } from '../../platform/crypto/field-encryption.ts';
import { withTenant, type TenantScope } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import { listAgencies } from '../partnerships/service.ts';
import { insertReferral, referralPartnershipOf, selectReferral, selectReferrals, updateReferral, type ReferralListRow } from './queries.ts';
import { isUuid, type Actor, type FieldProblem } from './service.ts';

/**
 * Referrals: an agency tells the partnership about an incident that may meet the criteria; the
 * business unit records the outcome with reasons. 'notify' leads on to recording the incident,
 * pre-filled from the referral. The details are encrypted (they usually name the child).
 */

export const REFERRAL_OUTCOMES = ['notify', 'does-not-meet-criteria', 'other'] as const;
export type ReferralOutcome = (typeof REFERRAL_OUTCOMES)[number];

export const REFERRAL_OUTCOME_LABELS: Readonly<Record<ReferralOutcome, string>> = Object.freeze({
  notify: 'Meets the criteria: notify the Panel',
  'does-not-meet-criteria': 'Does not meet the criteria for a notification',
  other: 'Other outcome (for example, passed to another local authority)',
});

export type ReferralSummary = {
  id: string;
  partnershipId: string;
  agencyName: string | null;
  summary: string;
  receivedOn: DateOnly;
  outcome: ReferralOutcome | null;
  incidentId: string | null;
  incidentReference: string | null;
};

export type ReferralDetail = ReferralSummary & { details: string; outcomeReasons: string | null; outcomeAt: Date | null };

function summary(row: ReferralListRow): ReferralSummary {
  return {
    id: row.id,
    partnershipId: row.partnership_id,
    agencyName: row.agency_name,
    summary: row.summary,
    receivedOn: row.received_on,
    outcome: row.outcome,
    incidentId: row.incident_id,
    incidentReference: row.incident_reference,
  };
}

export type NewReferral = { partnershipId: string; agencyId: string; summary: string; details: string; receivedOn: DateOnly };

/** Records a referral. The agency must be one of the partnership's. */
export async function createReferral(
  db: Kysely<DB>,
  cipher: FieldCipher,
  actor: Actor,
  input: NewReferral,
  today: DateOnly,
): Promise<{ ok: true; id: string } | { ok: false; problems: FieldProblem[] }> {
  const problems: FieldProblem[] = [];
  const agencies = await listAgencies(db, input.partnershipId);
  if (!agencies.some((a) => a.id === input.agencyId)) problems.push({ field: 'agency', message: 'Choose the agency making the referral' });
  if (compareDates(input.receivedOn, today) > 0) problems.push({ field: 'received', message: 'The date the referral was made cannot be in the future.' });
  if (problems.length) return { ok: false, problems };
  const { id } = await withTenant(db, [input.partnershipId], (trx) =>
    insertReferral(trx, {
      partnership_id: input.partnershipId,
      referring_agency_id: input.agencyId,
      referred_by: actor.userId,
      summary: input.summary.trim(),
      details_enc: cipher.encrypt(input.details.trim()),
      received_on: input.receivedOn,
    }),
  );
  return { ok: true, id };
}

export async function listReferrals(db: Kysely<DB>, scope: TenantScope): Promise<ReferralSummary[]> {
  if (Array.isArray(scope) && scope.length === 0) return [];
  return (await withTenant(db, scope, (trx) => selectReferrals(trx, scope))).map(summary);
}

export async function loadReferral(db: Kysely<DB>, cipher: FieldCipher, scope: TenantScope, id: string): Promise<ReferralDetail | undefined> {
  if ((Array.isArray(scope) && scope.length === 0) || !isUuid(id)) return undefined;
  const row = await withTenant(db, scope, (trx) => selectReferral(trx, scope, id));
  if (!row) return undefined;
  return { ...summary(row), details: cipher.decrypt(row.details_enc), outcomeReasons: row.outcome_reasons, outcomeAt: row.outcome_at ? new Date(row.outcome_at) : null };
}

export async function referralPartnership(db: Kysely<DB>, id: string): Promise<string | undefined> {
  if (!isUuid(id)) return undefined;
  return withTenant(db, 'all', (trx) => referralPartnershipOf(trx, id));
}

export type OutcomeResult =
  | { ok: true; partnershipId: string; outcome: ReferralOutcome }
  | { ok: false; reason: 'not-found' }
  | { ok: false; reason: 'already-recorded'; message: string }
  | { ok: false; reason: 'invalid'; problems: FieldProblem[] };

/** Records the outcome of a referral, once, with the reasons. */
export async function recordReferralOutcome(
  db: Kysely<DB>,
  scope: TenantScope,
  actor: Actor,
  id: string,
  input: { outcome: ReferralOutcome; reasons: string },
): Promise<OutcomeResult> {
  if ((Array.isArray(scope) && scope.length === 0) || !isUuid(id)) return { ok: false, reason: 'not-found' };
  const reasons = input.reasons.trim();
  if (!reasons) return { ok: false, reason: 'invalid', problems: [{ field: 'reasons', message: 'Enter the reasons for the outcome' }] };
  if (reasons.length > 5000) return { ok: false, reason: 'invalid', problems: [{ field: 'reasons', message: 'The reasons must be 5,000 characters or fewer' }] };
  return withTenant(db, scope, async (trx): Promise<OutcomeResult> => {
    const row = await selectReferral(trx, scope, id, { forUpdate: true });
    if (!row) return { ok: false, reason: 'not-found' };
    if (row.outcome) return { ok: false, reason: 'already-recorded', message: 'The outcome of this referral has already been recorded.' };
    await updateReferral(trx, row.partnership_id, id, { outcome: input.outcome, outcome_reasons: reasons, outcome_by: actor.userId, outcome_at: new Date() });
    return { ok: true, partnershipId: row.partnership_id, outcome: input.outcome };
  });
}
