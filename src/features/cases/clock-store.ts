import { sql, type Kysely } from 'kysely';
import { createCalendar, type WorkingDayCalendar } from '../../domain/calendar/working-days.ts';
import type { ClockRule } from '../../domain/clocks/rules.ts';
import { type TenantScope, withTenant } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import { isOpenClock, type StoredClock, storedClocks } from './clocks.ts';
import { type ListOptions, selectChildFactsOf, selectClockSources, selectPausesOf, selectStaleClockSets } from './queries.ts';
import { childFacts, clockInputOf, pauseOf, record } from './records.ts';

/**
 * Each case's clocks, stored (migration 0040) so that views read them instead of working them out:
 * what does not depend on the day is computed when the case, its pauses, its review's plan or the bank
 * holidays change, in the transaction of that change, and stamped with the versions it came from. A
 * reader first asks which sets in its scope are missing or stale (a stamp that no longer matches) and
 * computes and stores those before reading, so a view never shows a clock from an outdated computation,
 * whatever path changed the case.
 */

/** The calendar and its stamp (a digest of the bank holidays, computed by the database the same way everywhere). */
export type StampedCalendar = { calendar: WorkingDayCalendar; stamp: string };

export const CALENDAR_STAMP = sql<string>`(select coalesce(md5(string_agg(date::text, ',' order by date)), '') from bank_holidays)`;

// The last calendar built, by stamp: every reader checks the stamp (one small query), so a change of
// bank holidays made by any instance reaches every view at once.
let lastCalendar: StampedCalendar | null = null;

async function calendarOf(db: Kysely<DB>, stamp: string): Promise<StampedCalendar> {
  if (lastCalendar?.stamp === stamp) return lastCalendar;
  const rows = await db.selectFrom('bank_holidays').select('date').orderBy('date').execute();
  const built = { calendar: createCalendar(rows.map((r) => r.date)), stamp };
  // Kept only when nothing changed between the two reads (else the next reader builds it again).
  const now = (await sql<{ stamp: string }>`select ${CALENDAR_STAMP} as stamp`.execute(db)).rows[0].stamp;
  if (now === stamp) lastCalendar = built;
  return now === stamp ? built : calendarOf(db, now);
}

/** The calendar as the database holds it now (read inside `db`'s transaction when it is one). */
export async function stampedCalendar(db: Kysely<DB>): Promise<StampedCalendar> {
  const { stamp } = (await sql<{ stamp: string }>`select ${CALENDAR_STAMP} as stamp`.execute(db)).rows[0];
  return calendarOf(db, stamp);
}

/**
 * Computes and stores the clocks of these incidents (every incident in scope when `ids` is 'all'), in
 * `trx`: called by every change that moves a clock, in its own transaction. The incidents' rows are
 * locked first, so a set is always computed from one version of the case. Returns what it stored.
 */
export async function storeClocks(trx: Kysely<DB>, scope: TenantScope, ids: readonly string[] | 'all', calendar?: StampedCalendar): Promise<Map<string, StoredClock[]>> {
  if ((ids !== 'all' && ids.length === 0) || (Array.isArray(scope) && scope.length === 0)) return new Map();
  return withTenant(trx, scope, async (tx) => {
    const cal = calendar ?? (await stampedCalendar(tx));
    const sources = await selectClockSources(tx, scope, ids);
    if (sources.length === 0) return new Map();
    const found = sources.map((s) => s.id);
    const children = groupBy(await selectChildFactsOf(tx, scope, found), (c) => c.incident_id);
    const pauses = groupBy(await selectPausesOf(tx, scope, found), (p) => p.incident_id);
    const result = new Map<string, StoredClock[]>();
    const sets: { incident_id: string; partnership_id: string; incident_version: number; review_version: number; calendar_stamp: string }[] = [];
    const clocks: { incident_id: string; partnership_id: string; clock_key: string; position: number; due_on: string; open: boolean; paused_since: string | null; clock: string }[] = [];
    for (const { review_version, planned_publication_on, advance_copy_to, ...row } of sources) {
      const incident = record({ ...row, clock_rules: row.clock_rules as ClockRule[] });
      incident.plannedPublication = planned_publication_on;
      incident.advanceCopyTo = advance_copy_to && advance_copy_to.length ? advance_copy_to : null;
      const mine = (children.get(row.id) ?? []).map(childFacts);
      const stored = storedClocks(clockInputOf(incident, mine, (pauses.get(row.id) ?? []).map(pauseOf)), cal.calendar);
      result.set(row.id, stored);
      sets.push({ incident_id: row.id, partnership_id: row.partnership_id, incident_version: row.version, review_version: review_version ?? 0, calendar_stamp: cal.stamp });
      stored.forEach((c, position) => clocks.push({
        incident_id: row.id,
        partnership_id: row.partnership_id,
        clock_key: c.key,
        position,
        due_on: c.dueOn,
        open: isOpenClock(c),
        paused_since: c.pausedSince,
        clock: JSON.stringify(c),
      }));
    }
    // Replaced whole: a clock that no longer applies goes with the old set.
    await tx.deleteFrom('case_clocks').where('incident_id', 'in', found).execute();
    for (let i = 0; i < sets.length; i += BATCH) {
      await tx.insertInto('case_clock_sets').values(sets.slice(i, i + BATCH))
        .onConflict((oc) => oc.column('incident_id').doUpdateSet((eb) => ({
          incident_version: eb.ref('excluded.incident_version'),
          review_version: eb.ref('excluded.review_version'),
          calendar_stamp: eb.ref('excluded.calendar_stamp'),
          computed_at: sql<Date>`now()`,
        })))
        .execute();
    }
    for (let i = 0; i < clocks.length; i += BATCH) {
      await tx.insertInto('case_clocks').values(clocks.slice(i, i + BATCH))
        .onConflict((oc) => oc.columns(['incident_id', 'clock_key']).doUpdateSet((eb) => ({
          position: eb.ref('excluded.position'),
          due_on: eb.ref('excluded.due_on'),
          open: eb.ref('excluded.open'),
          paused_since: eb.ref('excluded.paused_since'),
          clock: eb.ref('excluded.clock'),
        })))
        .execute();
    }
    return result;
  });
}

const BATCH = 500;

/**
 * Makes the stored clocks of the incidents in scope current (only unfinished ones with
 * `unfinishedOnly`): finds the missing and stale sets in one query and stores them, in `trx` (the
 * reader's own transaction, so that what it reads next is what was just made current). Returns the
 * calendar they are computed with, for the today-dependent part.
 */
export async function freshClocks(trx: Kysely<DB>, scope: TenantScope, options: ListOptions = {}): Promise<StampedCalendar> {
  return withTenant(trx, scope, async (tx) => {
    const { stamp, stale } = await selectStaleClockSets(tx, scope, CALENDAR_STAMP, options);
    const calendar = await calendarOf(tx, stamp);
    if (stale.length > 0) await storeClocks(tx, scope, stale, calendar);
    return calendar;
  });
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

