import type { DateOnly } from '../../domain/calendar/date-only.ts';
import { computeDeadlines, validateCaseDates, type CaseFacts } from '../../domain/clocks/deadlines.ts';
import { socialCareStatusProblem } from '../../domain/notification/form-facts.ts';
import { parseCommandArgs, UsageError, type Command } from '../command.ts';
import { parseDateArgument, rulesAndCalendar, warnAboutYearsWithoutHolidays } from './working-days.ts';

const DATE_OPTIONS = ['aware', 'notified', 'decision', 'publication'] as const;

// Only the order of the dates is checked: a future date is fine for working out "what if".
const NO_LIMIT_TODAY: DateOnly = '9999-12-31';

export const deadlinesCommand: Command = {
  name: 'deadlines',
  summary: "Print a case's statutory deadlines as JSON, from its key dates (deadlines --aware DATE …).",
  usage:
    'cspr deadlines --aware DATE [--notified DATE] [--decision DATE] [--publication DATE] [--looked-after-death | --care-leaver-death]',
  async run(argv, io) {
    const { values } = parseCommandArgs(
      argv,
      {
        aware: { type: 'string' },
        notified: { type: 'string' },
        decision: { type: 'string' },
        publication: { type: 'string' },
        'looked-after-death': { type: 'boolean' },
        'care-leaver-death': { type: 'boolean' },
      },
      { min: 0, max: 0, names: 'nothing' },
    );
    if (values.aware === undefined) throw new UsageError('Missing --aware DATE: the date the local authority became aware of the incident.');
    const dates: Partial<Record<(typeof DATE_OPTIONS)[number], DateOnly>> = {};
    for (const name of DATE_OPTIONS) {
      const given = values[name];
      if (given !== undefined) dates[name] = parseDateArgument(given, `--${name}`);
    }
    // The same rule as the pages and the API: a care leaver is no longer looked after.
    if (socialCareStatusProblem({ lookedAfter: values['looked-after-death'] === true, careLeaver: values['care-leaver-death'] === true })) {
      throw new UsageError('Give --looked-after-death or --care-leaver-death, not both: a care leaver is no longer looked after.');
    }
    const problems = validateCaseDates(dates, NO_LIMIT_TODAY);
    if (problems.length > 0) throw new UsageError(problems.map((p) => p.message).join(' '));

    const facts: CaseFacts = {
      aware: dates.aware as DateOnly,
      ...(dates.notified ? { notified: dates.notified } : {}),
      ...(dates.decision ? { decision: dates.decision } : {}),
      ...(dates.publication ? { publication: dates.publication } : {}),
      lookedAfterDeath: values['looked-after-death'] === true,
      careLeaverDeath: values['care-leaver-death'] === true,
    };
    const { rules, calendar } = await rulesAndCalendar(io);
    const deadlines = computeDeadlines(facts, rules, calendar);
    // Only working-day clocks depend on bank holidays.
    const countsWorkingDays = (d: { key: string; version: number }) => rules.some((r) => r.key === d.key && r.version === d.version && r.unit === 'working-days');
    warnAboutYearsWithoutHolidays(io, calendar, deadlines.filter(countsWorkingDays).map((d): [DateOnly, DateOnly] => [d.from, d.dueOn]));
    io.out(JSON.stringify(deadlines.map(({ key, dueOn, from, rule }) => ({ key, dueOn, from, rule })), null, 2));
    return 0;
  },
};
