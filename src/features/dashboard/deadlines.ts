import type { Kysely } from 'kysely';
import { compareDates, type DateOnly } from '../../domain/calendar/date-only.ts';
import type { FieldCipher } from '../../platform/crypto/field-encryption.ts';
import { withTenant, type TenantScope } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import type { ClockView } from '../cases/clocks.ts';
import { listIncidents, type IncidentSummary, type OpenDeadline } from '../cases/service.ts';

/**
 * Open deadlines of the cases in a scope, for the calendar feed and reminders (the dashboard picks
 * its queues out in the database: clockQueues). Built on the cases feature's case list, which reads
 * the stored clocks (made current first), so the clocks are exactly the ones the case page shows.
 * Carries references and clock titles only: never a child's identifying details.
 */

/** Clock states that are still to be met (a paused clock has no due date in force). */
const OPEN = new Set<ClockView['state']>(['overdue', 'due-soon', 'due']);

export type Deadline = OpenDeadline;

export type ScopeDeadlines = { incidents: IncidentSummary[]; deadlines: Deadline[] };


export async function openDeadlines(db: Kysely<DB>, _cipher: FieldCipher, scope: TenantScope, today: DateOnly): Promise<ScopeDeadlines> {
  // Closed and not-notifiable cases need no more work: their clocks no longer run.
  const incidents = await listIncidents(db, scope, today, { unfinishedOnly: true });
  const deadlines: Deadline[] = [];
  for (const incident of incidents) {
    for (const clock of incident.clocks) {
      if (OPEN.has(clock.state)) deadlines.push({ incidentId: incident.id, partnershipId: incident.partnershipId, reference: incident.reference, clock });
    }
  }
  deadlines.sort((a, b) => compareDates(a.clock.dueOn, b.clock.dueOn) || a.reference.localeCompare(b.reference) || a.clock.key.localeCompare(b.clock.key));
  return { incidents, deadlines };
}

/** Who recorded each incident (the person reminders go to first), for incidents in scope. */
export async function incidentCreators(db: Kysely<DB>, scope: TenantScope, incidentIds: string[]): Promise<Map<string, string | null>> {
  if (incidentIds.length === 0 || (Array.isArray(scope) && scope.length === 0)) return new Map();
  const rows = await withTenant(db, scope, (trx) =>
    trx
      .selectFrom('incidents')
      .select(['id', 'created_by'])
      .where('id', 'in', incidentIds)
      .$if(scope !== 'all', (q) => q.where('partnership_id', 'in', scope as string[]))
      .execute(),
  );
  return new Map(rows.map((r) => [r.id, r.created_by]));
}
