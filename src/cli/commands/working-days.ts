import { parseDateOnly, type DateOnly } from '../../domain/calendar/date-only.ts';
import { defaultCalendar, type WorkingDayCalendar } from '../../domain/calendar/working-days.ts';
import { DEFAULT_CLOCK_RULES, type ClockRule } from '../../domain/clocks/rules.ts';
import { currentCalendar, currentRules } from '../../features/rules/service.ts';
import { DatabaseOpenError } from '../../platform/db/database.ts';
import { UsageError, type Command, type Output } from '../command.ts';
import { withDatabase } from '../runtime.ts';

export const SHIPPED_DEFAULTS_NOTE = 'Using the shipped default rules: the data folder is in use by the running service.';

/** Most a count may be: about twenty years of working days, far beyond any statutory clock. */
const MAX_WORKING_DAYS = 5_000;

/**
 * The rules and bank holidays held in the database. When the embedded data folder is locked by the
 * running service (it can be opened by one process only), the shipped defaults instead, saying so
 * on standard error: changes an administrator made are then not seen.
 */
export async function rulesAndCalendar(io: Output): Promise<{ rules: readonly ClockRule[]; calendar: WorkingDayCalendar }> {
  try {
    return await withDatabase(async (database) => ({
      rules: await currentRules(database.db),
      calendar: await currentCalendar(database.db),
    }));
  } catch (err) {
    if (err instanceof DatabaseOpenError && / is in use by /.test(err.message)) {
      io.err(SHIPPED_DEFAULTS_NOTE);
      return { rules: DEFAULT_CLOCK_RULES, calendar: defaultCalendar() };
    }
    throw err;
  }
}

/** One warning naming the years, within the given spans of dates, for which the calendar holds no bank holiday. */
export function warnAboutYearsWithoutHolidays(io: Output, calendar: WorkingDayCalendar, spans: [DateOnly, DateOnly][]): void {
  const known = new Set(calendar.holidays.map((h) => Number(h.slice(0, 4))));
  const missing = new Set<number>();
  for (const [a, b] of spans) {
    const [from, to] = [Number(a.slice(0, 4)), Number(b.slice(0, 4))].sort((x, y) => x - y);
    for (let y = from; y <= to; y += 1) if (!known.has(y)) missing.add(y);
  }
  if (missing.size > 0) {
    const years = [...missing].sort((x, y) => x - y).join(', ');
    io.err(`No bank holidays are held for ${years}: only weekends were skipped there. Load the GOV.UK file on the Bank holidays page.`);
  }
}

export function parseDateArgument(value: string, what: string): DateOnly {
  const date = parseDateOnly(value);
  if (date === null) throw new UsageError(`${what} must be a real date written YYYY-MM-DD, like 2024-12-20; got '${value}'.`);
  return date;
}

export const workingDaysCommand: Command = {
  name: 'working-days',
  summary: 'Count working days (England and Wales): working-days add DATE N prints the date N working days after DATE.',
  usage: 'cspr working-days add DATE N   (N may be negative: before DATE)',
  async run(argv, io) {
    // Read by hand: a negative N such as -5 would look like an option to parseArgs.
    const option = argv.find((a) => a.startsWith('--'));
    if (option) throw new UsageError(`Unknown option '${option}'.`);
    const [sub, ...rest] = argv;
    if (sub === undefined) throw new UsageError("Missing what to do: 'add DATE N'.");
    if (sub !== 'add') throw new UsageError(`Unknown working-days command '${sub}': use 'add'.`);
    if (rest.length < 2) throw new UsageError('Missing the DATE and the number N of working days.');
    if (rest.length > 2) throw new UsageError(`Unexpected argument '${rest[2]}'.`);
    const date = parseDateArgument(rest[0], 'DATE');
    if (!/^[+-]?\d{1,6}$/.test(rest[1]) || Math.abs(Number(rest[1])) > MAX_WORKING_DAYS) {
      throw new UsageError(`N must be a whole number of working days between -${MAX_WORKING_DAYS} and ${MAX_WORKING_DAYS}, like 5 or -5; got '${rest[1]}'.`);
    }
    const n = Number(rest[1]);

    const { calendar } = await rulesAndCalendar(io);
    let result: DateOnly;
    try {
      result = calendar.addWorkingDays(date, n);
    } catch (err) {
      if (err instanceof RangeError) throw new UsageError(`${err.message}.`);
      throw err;
    }
    warnAboutYearsWithoutHolidays(io, calendar, [[date, result]]);
    io.out(result);
    return 0;
  },
};
