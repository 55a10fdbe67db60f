import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ENGINES, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { ENGLAND_AND_WALES_BANK_HOLIDAYS } from '../../domain/calendar/bank-holidays.ts';
import { computeDeadlines } from '../../domain/clocks/deadlines.ts';
import { DEFAULT_CLOCK_RULES, validateClockRuleSet, type ClockRule } from '../../domain/clocks/rules.ts';
import { createUser } from '../users/service.ts';
import {
  addHoliday,
  addRuleVersion,
  currentCalendar,
  currentRules,
  effectiveRules,
  findRule,
  holidayYears,
  importGovUkHolidays,
  listHolidays,
  listRules,
  removeHoliday,
  RULES_CACHE_MS,
  type RuleVersionInput,
} from './service.ts';

const ruleOf = (key: string, version = 1): ClockRule => {
  const rule = DEFAULT_CLOCK_RULES.find((r) => r.key === key && r.version === version);
  if (!rule) throw new Error(`no default ${key} v${version}`);
  return { ...rule, recipients: [...rule.recipients] };
};

/** The editable fields of a default rule, as a new version would start. */
function inputFrom(key: string, changes: RuleVersionInput = {}): RuleVersionInput {
  const { key: _k, version: _v, ...rest } = ruleOf(key, key === 'ofsted-sos-notification' ? 2 : 1);
  return { ...rest, ...changes };
}

/** A GOV.UK bank-holidays.json with these England and Wales events (and a Scottish one to ignore). */
function govUkFile(events: unknown[]): string {
  return JSON.stringify({
    'england-and-wales': { division: 'england-and-wales', events },
    scotland: { division: 'scotland', events: [{ title: 'St Andrew’s Day', date: '2028-11-30', notes: '', bunting: true }] },
  });
}

describe('effectiveRules (pure)', () => {
  it('leaves the default rule set exactly as it is, and it validates', () => {
    expect(effectiveRules(DEFAULT_CLOCK_RULES)).toEqual(DEFAULT_CLOCK_RULES);
    expect(validateClockRuleSet(effectiveRules(DEFAULT_CLOCK_RULES))).toEqual([]);
  });

  it('ends each version the day before a later version of the same clock starts, keeping the earliest cut', () => {
    const v1 = ruleOf('rapid-review');
    const v2 = { ...v1, version: 2, length: 20, appliesFrom: '2026-04-01' };
    const v3 = { ...v1, version: 3, length: 10, appliesFrom: '2027-01-01' };
    const other = ruleOf('panel-notification');
    const out = effectiveRules([v1, v2, v3, other]);
    expect(out.map((r) => [r.key, r.version, r.appliesFrom, r.appliesUntil])).toEqual([
      ['rapid-review', 1, null, '2026-03-31'],
      ['rapid-review', 2, '2026-04-01', '2026-12-31'],
      ['rapid-review', 3, '2027-01-01', null],
      ['panel-notification', 1, null, null],
    ]);
    expect(validateClockRuleSet(out)).toEqual([]);
    // Without the cut the raw rows overlap: that is why the stored rows are never judged alone.
    expect(validateClockRuleSet([v1, v2])).toHaveLength(1);
    // An own applies-until that is earlier stays.
    expect(effectiveRules([{ ...v1, appliesUntil: '2025-01-01' }, v2])[0].appliesUntil).toBe('2025-01-01');
  });
});

describe.each(ENGINES)('rules service on %s', (engine) => {
  let t: TestDatabase;
  let adminId: string;
  beforeAll(async () => {
    t = await openTestDatabase(engine);
    adminId = (await createUser(t.database.db, { email: `rules-admin-${engine}@example.org`, name: 'Rhian Rules', grants: [{ role: 'system-admin' }] })).id;
  });
  afterAll(async () => {
    await t.database.close();
    await t.drop();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const db = () => t.database.db;

  it('the migration seeds exactly the shipped default rules and bank holidays', async () => {
    const rules = await db().selectFrom('clock_rules').selectAll().orderBy('key').orderBy('version').execute();
    const expected = [...DEFAULT_CLOCK_RULES].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.version - b.version));
    expect(rules.map((r) => ({
      key: r.key,
      version: r.version,
      title: r.title,
      runsFrom: r.runs_from,
      length: r.length,
      unit: r.unit,
      direction: r.direction,
      recipients: r.recipients,
      guidance: r.guidance,
      appliesFrom: r.applies_from,
      appliesUntil: r.applies_until,
      condition: r.condition,
      statutory: r.statutory,
      mayPause: r.may_pause,
    }))).toEqual(expected);
    expect(rules.every((r) => r.created_by === null && r.created_at instanceof Date)).toBe(true);

    const holidays = await db().selectFrom('bank_holidays').selectAll().orderBy('date').execute();
    expect(holidays.map((h) => ({ date: h.date, title: h.title }))).toEqual(ENGLAND_AND_WALES_BANK_HOLIDAYS);
    expect(new Set(holidays.map((h) => h.source))).toEqual(new Set(['shipped']));
    expect(holidays.every((h) => h.added_by === null)).toBe(true);
  });

  it('serves the stored rules and calendar, equal to the defaults on a fresh database', async () => {
    expect(await currentRules(db())).toEqual(DEFAULT_CLOCK_RULES);
    const calendar = await currentCalendar(db());
    expect(calendar.holidays).toEqual(ENGLAND_AND_WALES_BANK_HOLIDAYS.map((h) => h.date));
    expect(calendar.addWorkingDays('2024-12-20', 5)).toBe('2024-12-31');
    // Cached: the same objects until something changes.
    expect(await currentRules(db())).toBe(await currentRules(db()));
    expect(await currentCalendar(db())).toBe(calendar);
  });

  it('sees a change made elsewhere (another instance) once the cache is a minute old', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-30T10:00:00Z') });
    const before = await currentCalendar(db());
    await db().insertInto('bank_holidays').values({ date: '2031-01-01', title: 'New Year’s Day', source: 'admin' }).execute();
    vi.setSystemTime(new Date(Date.now() + RULES_CACHE_MS - 1_000));
    expect(await currentCalendar(db())).toBe(before);
    expect((await currentCalendar(db())).isHoliday('2031-01-01')).toBe(false);
    vi.setSystemTime(new Date(Date.now() + 2_000));
    expect((await currentCalendar(db())).isHoliday('2031-01-01')).toBe(true);
    await db().deleteFrom('bank_holidays').where('date', '=', '2031-01-01').execute();
  });

  it('lists the clocks in the default order, each with its versions newest first', async () => {
    const rules = await listRules(db());
    expect(rules.map((r) => r.key)).toEqual([...new Set(DEFAULT_CLOCK_RULES.map((r) => r.key))]);
    const ofsted = rules.find((r) => r.key === 'ofsted-sos-notification')!;
    expect(ofsted.latest.version).toBe(2);
    expect(ofsted.versions.map((v) => v.version)).toEqual([2, 1]);
    expect(ofsted.versions[1]).toMatchObject({ appliesUntil: '2023-12-14', effectiveUntil: '2023-12-14', replacedBy: null, createdByName: null });
    expect(await findRule(db(), 'no-such-clock')).toBeUndefined();
  });

  it('refuses a new version with the domain validators’ messages, and stores nothing', async () => {
    const bad = await addRuleVersion(db(), 'rapid-review', inputFrom('rapid-review', { length: 0, direction: 'before', title: ' ', appliesFrom: '2026-02-30' }), adminId);
    expect(bad).toEqual({
      outcome: 'invalid',
      errors: [
        'Enter a title.',
        'Length must be a whole number, 1 or more.',
        'Only clocks that run from the publication date can count before it; the other start dates are recorded after the event.',
        'Applies from must be a real date as YYYY-MM-DD, or empty.',
      ],
    });
    const noStart = await addRuleVersion(db(), 'rapid-review', inputFrom('rapid-review', { appliesFrom: null }), adminId);
    expect(noStart).toEqual({
      outcome: 'invalid',
      errors: ['Enter the date this version applies from: it replaces version 1 for cases the local authority became aware of on or after that date.'],
    });
    const tooEarly = await addRuleVersion(db(), 'ofsted-sos-notification', inputFrom('ofsted-sos-notification', { appliesFrom: '2023-12-15' }), adminId);
    expect(tooEarly).toEqual({ outcome: 'invalid', errors: ['Applies from must be after 15 December 2023, when version 2 started to apply.'] });
    const backwards = await addRuleVersion(db(), 'rapid-review', inputFrom('rapid-review', { appliesFrom: '2026-05-01', appliesUntil: '2026-04-01' }), adminId);
    expect(backwards).toEqual({ outcome: 'invalid', errors: ['Applies until must be the same as or after applies from.'] });
    expect(await addRuleVersion(db(), 'made-up-clock', inputFrom('rapid-review', { appliesFrom: '2026-05-01' }), adminId)).toEqual({ outcome: 'unknown-key' });
    const { n } = await db().selectFrom('clock_rules').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(n)).toBe(DEFAULT_CLOCK_RULES.length);
  });

  it('adds a version that takes over from its date, never changing the old one, and currentRules shows it at once', async () => {
    const before = await currentRules(db());
    const result = await addRuleVersion(
      db(),
      'rapid-review',
      inputFrom('rapid-review', { length: 20, title: '  Send the rapid review to the Panel (extended)  ', recipients: [' Child Safeguarding Practice Review Panel '], appliesFrom: '2026-04-01' }),
      adminId,
    );
    expect(result.outcome).toBe('added');
    if (result.outcome !== 'added') return;
    expect(result.rule).toMatchObject({ key: 'rapid-review', version: 2, length: 20, title: 'Send the rapid review to the Panel (extended)', recipients: ['Child Safeguarding Practice Review Panel'] });
    expect(result.previous).toEqual(ruleOf('rapid-review'));

    const rows = await db().selectFrom('clock_rules').selectAll().where('key', '=', 'rapid-review').orderBy('version').execute();
    expect(rows.map((r) => [r.version, r.length, r.applies_from, r.applies_until, r.created_by])).toEqual([
      [1, 15, null, null, null],
      [2, 20, '2026-04-01', null, adminId],
    ]);

    const after = await currentRules(db());
    expect(after).not.toBe(before);
    expect(after.filter((r) => r.key === 'rapid-review').map((r) => [r.version, r.appliesUntil])).toEqual([[1, '2026-03-31'], [2, null]]);
    const calendar = await currentCalendar(db());
    const rr = (aware: string) => computeDeadlines({ aware, notified: aware }, after, calendar).find((d) => d.key === 'rapid-review');
    expect(rr('2026-03-31')).toMatchObject({ version: 1, dueOn: '2026-04-23' });
    expect(rr('2026-04-01')).toMatchObject({ version: 2, dueOn: '2026-05-01' });

    const summary = await findRule(db(), 'rapid-review');
    expect(summary?.latest).toMatchObject({ version: 2, createdByName: 'Rhian Rules' });
    expect(summary?.versions[1]).toMatchObject({ version: 1, appliesUntil: null, effectiveUntil: '2026-03-31', replacedBy: 2 });

    // The next one must start later still.
    const again = await addRuleVersion(db(), 'rapid-review', inputFrom('rapid-review', { appliesFrom: '2026-04-01' }), adminId);
    expect(again).toEqual({ outcome: 'invalid', errors: ['Applies from must be after 1 April 2026, when version 2 started to apply.'] });
  });

  it('refuses, in the database itself, to change a stored version', async () => {
    await expect(db().updateTable('clock_rules').set({ length: 99 }).where('key', '=', 'panel-notification').execute()).rejects.toThrow(
      /cannot be changed once written/,
    );
  });

  it('adds one bank holiday, refusing weekends, duplicates and bad input, and the calendar follows at once', async () => {
    expect(await addHoliday(db(), { date: '2030-02-30', title: '' }, adminId)).toEqual({
      outcome: 'invalid',
      errors: [
        { field: 'date', message: 'Enter the date of the bank holiday as a real date' },
        { field: 'title', message: 'Enter the name of the bank holiday, like Christmas Day' },
      ],
    });
    expect(await addHoliday(db(), { date: '2030-06-01', title: 'A Saturday' }, adminId)).toEqual({
      outcome: 'invalid',
      errors: [{ field: 'date', message: '1 June 2030 is a weekend day: enter the weekday the bank holiday is taken on (the substitute day)' }],
    });
    expect(await addHoliday(db(), { date: '2026-12-25', title: 'Christmas' }, adminId)).toEqual({
      outcome: 'invalid',
      errors: [{ field: 'date', message: '25 December 2026 is already a bank holiday (Christmas Day)' }],
    });
    expect((await currentCalendar(db())).addWorkingDays('2030-06-03', 1)).toBe('2030-06-04');
    expect(await addHoliday(db(), { date: '2030-06-04', title: '  Jubilee bank holiday ' }, adminId)).toEqual({
      outcome: 'added',
      holiday: { date: '2030-06-04', title: 'Jubilee bank holiday' },
    });
    expect((await currentCalendar(db())).addWorkingDays('2030-06-03', 1)).toBe('2030-06-05');
    const [stored] = await listHolidays(db(), 2030);
    expect(stored).toMatchObject({ date: '2030-06-04', title: 'Jubilee bank holiday', source: 'admin', addedByName: 'Rhian Rules' });
    expect(await holidayYears(db())).toEqual([2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026, 2027, 2030]);
  });

  it('removes a future bank holiday freely, and a past one only with a reason', async () => {
    const today = '2026-11-30';
    expect(await removeHoliday(db(), '2030-06-05', { today })).toEqual({ outcome: 'not-found' });
    expect(await removeHoliday(db(), 'junk', { today })).toEqual({ outcome: 'not-found' });
    const past = await removeHoliday(db(), '2026-08-31', { today, reason: '   ' });
    expect(past.outcome).toBe('reason-needed');
    expect((await currentCalendar(db())).isHoliday('2026-08-31')).toBe(true);
    expect((await removeHoliday(db(), '2026-08-31', { today, reason: 'Loaded by mistake' })).outcome).toBe('removed');
    expect((await currentCalendar(db())).isHoliday('2026-08-31')).toBe(false);
    const future = await removeHoliday(db(), '2030-06-04', { today });
    expect(future).toMatchObject({ outcome: 'removed', holiday: { date: '2030-06-04', title: 'Jubilee bank holiday', source: 'admin' } });
    expect(await listHolidays(db(), 2030)).toEqual([]);
    await db().insertInto('bank_holidays').values({ date: '2026-08-31', title: 'Summer bank holiday', source: 'shipped' }).execute();
  });

  it('imports the GOV.UK file: adds the dates it lacks, counts the ones it has, ignores other divisions', async () => {
    const file = govUkFile([
      { title: 'Christmas Day', date: '2027-12-27', notes: 'Substitute day', bunting: true },
      { title: 'New Year’s Day', date: '2028-01-03', notes: 'Substitute day', bunting: true },
      { title: 'Good Friday', date: '2028-04-14', notes: '', bunting: false },
      { title: 'Good Friday', date: '2028-04-14', notes: '', bunting: false },
    ]);
    const result = await importGovUkHolidays(db(), file, adminId);
    expect(result).toEqual({ outcome: 'imported', added: ['2028-01-03', '2028-04-14'], alreadyThere: 1, first: '2027-12-27', last: '2028-04-14' });
    expect((await listHolidays(db(), 2028)).map((h) => [h.date, h.title, h.source])).toEqual([
      ['2028-01-03', 'New Year’s Day', 'gov-uk-file'],
      ['2028-04-14', 'Good Friday', 'gov-uk-file'],
    ]);
    expect((await listHolidays(db(), 2027)).find((h) => h.date === '2027-12-27')?.source).toBe('shipped');
    expect((await currentCalendar(db())).isHoliday('2028-04-14')).toBe(true);
    expect(await listHolidays(db(), 2028 + 0)).toHaveLength(2);
    const twice = await importGovUkHolidays(db(), JSON.parse(file) as unknown, adminId);
    expect(twice).toMatchObject({ outcome: 'imported', added: [], alreadyThere: 3 });
  });

  it('refuses a bad file with a specific message and adds nothing from it', async () => {
    const bad = govUkFile([
      { title: 'Early May bank holiday', date: '2029-05-07' },
      { title: 'Spring bank holiday', date: '2029-05-32' },
    ]);
    expect(await importGovUkHolidays(db(), bad, adminId)).toEqual({
      outcome: 'invalid',
      message: 'England and Wales event 2 ("Spring bank holiday") has an invalid date "2029-05-32"; expected a real date as YYYY-MM-DD.',
    });
    expect(await listHolidays(db(), 2029)).toEqual([]);
    expect(await importGovUkHolidays(db(), '{"scotland": {}}', adminId)).toEqual({ outcome: 'invalid', message: 'Bank holidays file has no "england-and-wales" division.' });
    expect(await importGovUkHolidays(db(), 'not json', adminId)).toEqual({ outcome: 'invalid', message: 'Bank holidays file is not valid JSON.' });
    expect(await importGovUkHolidays(db(), govUkFile([]), adminId)).toEqual({ outcome: 'invalid', message: 'The file lists no England and Wales bank holidays.' });
    const long = govUkFile([{ title: 'x'.repeat(201), date: '2029-05-07' }]);
    expect(await importGovUkHolidays(db(), long, adminId)).toEqual({ outcome: 'invalid', message: 'The title of the bank holiday on 2029-05-07 is longer than 200 characters.' });
    expect(await listHolidays(db(), 2029)).toEqual([]);
  });
});
