import type { Kysely } from 'kysely';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import { STATES, type IncidentState } from '../../domain/workflow/incident-workflow.ts';
import type { FieldCipher } from '../../platform/crypto/field-encryption.ts';
import type { TenantScope } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import type { IncidentSummary } from '../cases/service.ts';
import { listPartnerships } from '../partnerships/service.ts';
import { incidentsRecordedBy, openDeadlines, type Deadline } from './deadlines.ts';

/** A person's work queues, per partnership: what is overdue, what falls due soon, their own cases, and counts by state. */
export type PartnershipQueues = {
  id: string;
  name: string;
  overdue: Deadline[];
  dueSoon: Deadline[];
  mine: IncidentSummary[];
  states: { state: IncidentState; label: string; tag: string; count: number }[];
  total: number;
};

export async function workQueues(db: Kysely<DB>, cipher: FieldCipher, scope: TenantScope, userId: string, today: DateOnly): Promise<PartnershipQueues[]> {
  const partnerships = await listPartnerships(db, scope);
  if (partnerships.length === 0) return [];
  const { incidents, deadlines } = await openDeadlines(db, cipher, scope, today);
  const mine = await incidentsRecordedBy(db, scope, userId);
  return partnerships.map((p) => {
    const theirs = incidents.filter((i) => i.partnershipId === p.id);
    const here = deadlines.filter((d) => d.partnershipId === p.id);
    const states = (Object.keys(STATES) as IncidentState[])
      .map((state) => ({ state, label: STATES[state].label, tag: STATES[state].tag, count: theirs.filter((i) => i.state === state).length }))
      .filter((s) => s.count > 0);
    return {
      id: p.id,
      name: p.name,
      overdue: here.filter((d) => d.clock.state === 'overdue'),
      dueSoon: here.filter((d) => d.clock.state === 'due-soon'),
      mine: theirs.filter((i) => mine.has(i.id)),
      states,
      total: theirs.length,
    };
  });
}
