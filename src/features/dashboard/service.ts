import type { Kysely } from 'kysely';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import { STATES, type IncidentState } from '../../domain/workflow/incident-workflow.ts';
import type { FieldCipher } from '../../platform/crypto/field-encryption.ts';
import { type TenantScope, withTenant } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import { clockQueues, incidentCountsByState, type IncidentSummary } from '../cases/service.ts';
import { listPartnerships } from '../partnerships/service.ts';
import type { Deadline } from './deadlines.ts';

/**
 * How many rows each queue shows: the most urgent first, with the count of the rest and a link to
 * the full list on the cases page. A partnership with hundreds of open clocks still gets a page
 * that loads at once and can be read.
 */
export const QUEUE_LIMIT = 20;

/** A person's work queues, per partnership: what is overdue, what falls due soon, their own cases, and counts by state. */
export type PartnershipQueues = {
  id: string;
  name: string;
  overdue: Deadline[];
  overdueCount: number;
  dueSoon: Deadline[];
  dueSoonCount: number;
  mine: IncidentSummary[];
  mineCount: number;
  states: { state: IncidentState; label: string; tag: string; count: number }[];
  total: number;
};

export async function workQueues(db: Kysely<DB>, _cipher: FieldCipher, scope: TenantScope, userId: string, today: DateOnly): Promise<PartnershipQueues[]> {
  if (Array.isArray(scope) && scope.length === 0) return [];
  // One transaction for the whole page's reading: fewer trips to the database than one each.
  const { partnerships, queues, counts } = await withTenant(db, scope, async (trx) => {
    const found = await listPartnerships(trx, scope);
    if (found.length === 0) return { partnerships: found, queues: new Map(), counts: [] };
    return { partnerships: found, queues: await clockQueues(trx, scope, userId, today, QUEUE_LIMIT), counts: await incidentCountsByState(trx, scope) };
  });
  if (partnerships.length === 0) return [];
  return partnerships.map((p) => {
    const q = queues.get(p.id);
    const counted = counts.filter((c) => c.partnershipId === p.id);
    const states = (Object.keys(STATES) as IncidentState[])
      .map((state) => ({ state, label: STATES[state].label, tag: STATES[state].tag, count: counted.find((c) => c.state === state)?.count ?? 0 }))
      .filter((s) => s.count > 0);
    return {
      id: p.id,
      name: p.name,
      overdue: q?.overdue ?? [],
      overdueCount: q?.overdueCount ?? 0,
      dueSoon: q?.dueSoon ?? [],
      dueSoonCount: q?.dueSoonCount ?? 0,
      mine: q?.mine ?? [],
      mineCount: q?.mineCount ?? 0,
      states,
      total: counted.reduce((sum, c) => sum + c.count, 0),
    };
  });
}
