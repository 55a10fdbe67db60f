import type { Kysely } from 'kysely';
import { defaultCalendar, type WorkingDayCalendar } from '../../domain/calendar/working-days.ts';
import { DEFAULT_CLOCK_RULES, type ClockRule } from '../../domain/clocks/rules.ts';
import type { DB } from '../../platform/db/types.ts';

/**
 * The working-day calendar and statutory clock rules in force. Every page, API and
 * command that computes a deadline asks here, so a data change reaches them all.
 * (Until rules are stored in the database, these are the shipped defaults.)
 */
export async function currentCalendar(_db: Kysely<DB>): Promise<WorkingDayCalendar> {
  return defaultCalendar();
}

export async function currentRules(_db: Kysely<DB>): Promise<readonly ClockRule[]> {
  return DEFAULT_CLOCK_RULES;
}
