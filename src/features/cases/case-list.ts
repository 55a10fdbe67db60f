import type { Kysely } from 'kysely';
import { compareDates, type DateOnly } from '../../domain/calendar/date-only.ts';
import type { WorkingDayCalendar } from '../../domain/calendar/working-days.ts';
import { dueSoonBefore } from '../../domain/clocks/clock-status.ts';
import { STATES } from '../../domain/workflow/incident-workflow.ts';
import { type TenantScope, withTenant } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import { freshClocks } from './clock-store.ts';
import { clockOnDay, type ClockView, nextClock, nextClockTag, type StoredClock } from './clocks.ts';
import {
  type ListOptions,
  selectIncidentSummaries,
  selectOpenClocks,
  selectOwnUnfinished,
  selectPseudonymsInScope,
  selectPseudonymsOf,
  selectStoredClocks,
  selectStoredClocksByKey,
} from './queries.ts';
import { type IncidentSummary, noPartnerships, stateOf } from './records.ts';

/**
 * The case list: every incident in scope with every clock and the one most needing attention
 * today. The clocks are the stored ones (made current first), so a list of hundreds of cases reads
 * them rather than working each out; only where each stands today is decided here.
 */
export async function listIncidents(db: Kysely<DB>, scope: TenantScope, today: DateOnly, options: ListOptions = {}): Promise<IncidentSummary[]> {
  if (noPartnerships(scope)) return [];
  const { calendar, rows, children, clocks } = await withTenant(db, scope, async (trx) => ({
    // Made current first, in the same transaction: what is read next is what was just checked.
    calendar: (await freshClocks(trx, scope, options)).calendar,
    rows: await selectIncidentSummaries(trx, scope, options),
    children: await selectPseudonymsInScope(trx, scope, options),
    clocks: await selectStoredClocks(trx, scope, null, options),
  }));
  const pseudonyms = new Map<string, string[]>();
  for (const c of children) {
    const list = pseudonyms.get(c.incident_id);
    if (list) list.push(c.pseudonym);
    else pseudonyms.set(c.incident_id, [c.pseudonym]);
  }
  const stored = new Map<string, StoredClock[]>();
  for (const c of clocks) {
    const list = stored.get(c.incident_id);
    if (list) list.push(c.clock as StoredClock);
    else stored.set(c.incident_id, [c.clock as StoredClock]);
  }
  return rows.map((row) => summaryOf(row, pseudonyms.get(row.id) ?? [], stored.get(row.id) ?? [], today, calendar));
}

type SummaryRow = { id: string; partnership_id: string; reference: string; state: string; aware_on: DateOnly };

function summaryOf(row: SummaryRow, pseudonyms: string[], stored: readonly StoredClock[], today: DateOnly, calendar: WorkingDayCalendar): IncidentSummary {
  const state = stateOf(row.state);
  const clocks = stored.map((c) => clockOnDay(c, today, calendar));
  const next = nextClock(clocks);
  return {
    id: row.id,
    partnershipId: row.partnership_id,
    reference: row.reference,
    state,
    stateLabel: STATES[state].label,
    stateTag: STATES[state].tag,
    pseudonyms,
    aware: row.aware_on,
    next,
    nextTag: nextClockTag(next),
    clocks,
  };
}

/** A clock still to be met, with the case it belongs to (by reference: never a child's details). */
export type OpenDeadline = { incidentId: string; partnershipId: string; reference: string; clock: ClockView };

export type ClockQueue = {
  overdue: OpenDeadline[];
  overdueCount: number;
  dueSoon: OpenDeadline[];
  dueSoonCount: number;
  /** The unfinished cases this person recorded, newest first. */
  mine: IncidentSummary[];
  mineCount: number;
};

/** Most urgent first: earliest due date, then reference, then clock. */
function byUrgency(a: { due_on: string; reference: string; clock_key: string }, b: { due_on: string; reference: string; clock_key: string }): number {
  return compareDates(a.due_on, b.due_on) || a.reference.localeCompare(b.reference) || a.clock_key.localeCompare(b.clock_key);
}

function perPartnership<T extends { partnership_id: string }>(rows: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const r of rows) {
    const g = groups.get(r.partnership_id);
    if (g) g.push(r);
    else groups.set(r.partnership_id, [r]);
  }
  return groups;
}

/**
 * A person's work queues in each partnership of the scope: the overdue clocks and those due in the
 * next 5 working days (the `limit` most urgent of each, with how many there are), and the unfinished
 * cases they recorded (the `limit` newest). Picked out by the stored due dates in the database, so
 * only the rows shown are read whole: the cost does not grow with the cases a partnership holds.
 */
export async function clockQueues(db: Kysely<DB>, scope: TenantScope, userId: string, today: DateOnly, limit: number): Promise<Map<string, ClockQueue>> {
  const queues = new Map<string, ClockQueue>();
  if (noPartnerships(scope)) return queues;
  await withTenant(db, scope, async (trx) => {
    const { calendar } = await freshClocks(trx, scope, { unfinishedOnly: true });
    const soonBefore = dueSoonBefore(today, calendar);
    const overdue = perPartnership((await selectOpenClocks(trx, scope, { from: null, before: today, unpausedOnly: false })).sort(byUrgency));
    const soon = perPartnership((await selectOpenClocks(trx, scope, { from: today, before: soonBefore, unpausedOnly: true })).sort(byUrgency));
    const own = perPartnership(await selectOwnUnfinished(trx, scope, userId));
    const shownClocks = [...overdue.values(), ...soon.values()].flatMap((rows) => rows.slice(0, limit));
    const shownOwn = [...own.values()].flatMap((rows) => rows.slice(0, limit));
    const ownIds = shownOwn.map((r) => r.id);
    const clocks = new Map((await selectStoredClocksByKey(trx, scope, shownClocks.map((r) => ({ incidentId: r.incident_id, clockKey: r.clock_key }))))
      .map((r) => [`${r.incident_id} ${r.clock_key}`, r.clock as StoredClock]));
    const ownClocks = new Map<string, StoredClock[]>();
    for (const r of await selectStoredClocks(trx, scope, ownIds)) ownClocks.set(r.incident_id, [...(ownClocks.get(r.incident_id) ?? []), r.clock as StoredClock]);
    const pseudonyms = new Map<string, string[]>();
    for (const r of await selectPseudonymsOf(trx, scope, ownIds)) pseudonyms.set(r.incident_id, [...(pseudonyms.get(r.incident_id) ?? []), r.pseudonym]);
    const deadline = (r: { incident_id: string; partnership_id: string; reference: string; clock_key: string }): OpenDeadline[] => {
      const stored = clocks.get(`${r.incident_id} ${r.clock_key}`);
      return stored ? [{ incidentId: r.incident_id, partnershipId: r.partnership_id, reference: r.reference, clock: clockOnDay(stored, today, calendar) }] : [];
    };
    const ids = new Set([...overdue.keys(), ...soon.keys(), ...own.keys()]);
    for (const id of ids) {
      const o = overdue.get(id) ?? [];
      const s = soon.get(id) ?? [];
      const m = own.get(id) ?? [];
      queues.set(id, {
        overdue: o.slice(0, limit).flatMap(deadline),
        overdueCount: o.length,
        dueSoon: s.slice(0, limit).flatMap(deadline),
        dueSoonCount: s.length,
        mine: m.slice(0, limit).map((r) => summaryOf(r, pseudonyms.get(r.id) ?? [], ownClocks.get(r.id) ?? [], today, calendar)),
        mineCount: m.length,
      });
    }
  });
  return queues;
}
