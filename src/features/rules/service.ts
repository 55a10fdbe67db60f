import { sql, type Kysely, type Selectable } from 'kysely';
import { parseGovUkBankHolidays, type BankHoliday } from '../../domain/calendar/bank-holidays.ts';
import { addDays, compareDates, formatDateForDisplay, isDateOnly, isWeekend, type DateOnly } from '../../domain/calendar/date-only.ts';
import { createCalendar, type WorkingDayCalendar } from '../../domain/calendar/working-days.ts';
import { DEFAULT_CLOCK_RULES, validateClockRule, validateClockRuleSet, type ClockRule } from '../../domain/clocks/rules.ts';
import type { BankHolidaySource, ClockRulesTable, DB } from '../../platform/db/types.ts';
import { afterCommit, inTransaction } from '../../platform/db/transaction.ts';
// The stored clocks only (not the cases feature's service): counting working days is this feature's; the cases feature reads the calendar here.
import { storeClocks } from '../cases/clock-store.ts';

// The statutory clock rules and the bank holidays, held in the database (migration 0004 seeds the
// shipped defaults). Every page, API and command that computes a deadline asks `currentRules` and
// `currentCalendar`, so a change made here reaches them all.

/** How long this process trusts what it read; another instance's change shows within this time. */
export const RULES_CACHE_MS = 60_000;

type Entry<T> = { at: number; generation: number; value: Promise<T> };

const calendars = new WeakMap<Kysely<DB>, Entry<WorkingDayCalendar>>();
const ruleSets = new WeakMap<Kysely<DB>, Entry<readonly ClockRule[]>>();
// Bumped by every change this process makes: an entry read before the change is stale at once.
let generation = 0;

function cached<T>(map: WeakMap<Kysely<DB>, Entry<T>>, db: Kysely<DB>, load: () => Promise<T>): Promise<T> {
  const now = Date.now();
  const hit = map.get(db);
  if (hit && hit.generation === generation && now - hit.at >= 0 && now - hit.at < RULES_CACHE_MS) return hit.value;
  const entry: Entry<T> = { at: now, generation, value: load() };
  map.set(db, entry);
  // A failed read is not remembered: the next caller tries again.
  entry.value.catch(() => {
    if (map.get(db) === entry) map.delete(db);
  });
  return entry.value;
}

/** Forget what this process has cached; called after every change to rules or holidays. */
export function invalidateRulesCache(): void {
  generation += 1;
}

/**
 * The working-day calendar built from the bank holidays in the database (cached per Kysely
 * instance for up to a minute, and refreshed at once after a change made by this process).
 */
export async function currentCalendar(db: Kysely<DB>): Promise<WorkingDayCalendar> {
  return cached(calendars, db, async () => {
    const rows = await db.selectFrom('bank_holidays').select('date').orderBy('date').execute();
    return createCalendar(rows.map((r) => r.date));
  });
}

/**
 * Every version of every clock rule, in the order of the default rule set (then any other keys
 * by name), each key's versions oldest first, with each version's applies-until date as it
 * works: a later version takes over from its applies-from date (see `effectiveRules`).
 */
export async function currentRules(db: Kysely<DB>): Promise<readonly ClockRule[]> {
  return cached(ruleSets, db, async () => {
    const stored = await loadStoredRules(db);
    return Object.freeze(effectiveRules(stored).map((r) => Object.freeze({ ...r, recipients: Object.freeze([...r.recipients]) as string[] })));
  });
}

// ---------------------------------------------------------------------------------------------
// Clock rules

const DEFAULT_ORDER = [...new Set(DEFAULT_CLOCK_RULES.map((r) => r.key))];

function keyRank(key: string): number {
  const i = DEFAULT_ORDER.indexOf(key);
  return i === -1 ? DEFAULT_ORDER.length : i;
}

/** Default-set order for keys the defaults know, then by name; versions oldest first. */
export function compareRules(a: Pick<ClockRule, 'key' | 'version'>, b: Pick<ClockRule, 'key' | 'version'>): number {
  return keyRank(a.key) - keyRank(b.key) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) || a.version - b.version;
}

function toRule(row: Selectable<ClockRulesTable>): ClockRule {
  return {
    key: row.key,
    version: row.version,
    title: row.title,
    runsFrom: row.runs_from,
    length: row.length,
    unit: row.unit,
    direction: row.direction,
    recipients: [...row.recipients],
    guidance: row.guidance,
    appliesFrom: row.applies_from,
    appliesUntil: row.applies_until,
    condition: row.condition,
    statutory: row.statutory,
    mayPause: row.may_pause,
  };
}

async function loadStoredRules(db: Kysely<DB>): Promise<ClockRule[]> {
  const rows = await db.selectFrom('clock_rules').selectAll().execute();
  return rows.map(toRule).sort(compareRules);
}

/**
 * Versions are never changed once written, so a new version cannot close the one before it by
 * editing it. Instead a later version takes over from its applies-from date: each version's
 * applies-until is cut to the day before the earliest later version of the same clock that starts
 * after it. The stored rows stay as written; this is how they work together. The defaults are
 * unchanged by it (ofsted-sos-notification v1 already ends the day before v2 starts).
 */
export function effectiveRules(stored: readonly ClockRule[]): ClockRule[] {
  return stored.map((rule) => {
    let until = rule.appliesUntil;
    for (const later of stored) {
      if (later.key !== rule.key || later.version <= rule.version || later.appliesFrom === null) continue;
      if (rule.appliesFrom !== null && compareDates(later.appliesFrom, rule.appliesFrom) <= 0) continue;
      const cut = addDays(later.appliesFrom, -1);
      if (until === null || compareDates(cut, until) < 0) until = cut;
    }
    return until === rule.appliesUntil ? { ...rule, recipients: [...rule.recipients] } : { ...rule, recipients: [...rule.recipients], appliesUntil: until };
  });
}

export type StoredRule = ClockRule & {
  /** The applies-until date as it works once later versions take over (see `effectiveRules`). */
  effectiveUntil: DateOnly | null;
  /** The version that takes over from this one, if any. */
  replacedBy: number | null;
  createdAt: Date;
  createdByName: string | null;
};

export type RuleSummary = {
  key: string;
  /** The highest version: the one a new version starts from. */
  latest: StoredRule;
  /** Every version, newest first. */
  versions: StoredRule[];
};

async function storedRules(db: Kysely<DB>, key?: string): Promise<StoredRule[]> {
  let query = db
    .selectFrom('clock_rules')
    .leftJoin('users', 'users.id', 'clock_rules.created_by')
    .selectAll('clock_rules')
    .select('users.name as created_by_name');
  if (key !== undefined) query = query.where('clock_rules.key', '=', key);
  const rows = await query.execute();
  const rules = rows.map((row) => ({ rule: toRule(row), row })).sort((a, b) => compareRules(a.rule, b.rule));
  const effective = effectiveRules(rules.map((r) => r.rule));
  return rules.map(({ rule, row }, i) => {
    const until = effective[i].appliesUntil;
    const replacedBy = until === rule.appliesUntil
      ? null
      : (rules.find((o) => o.rule.key === rule.key && o.rule.version > rule.version && o.rule.appliesFrom !== null && addDays(o.rule.appliesFrom, -1) === until)?.rule.version ?? null);
    return { ...rule, effectiveUntil: until, replacedBy, createdAt: row.created_at, createdByName: row.created_by_name };
  });
}

function summarise(rules: StoredRule[]): RuleSummary[] {
  const byKey = new Map<string, StoredRule[]>();
  for (const r of rules) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r]);
  return [...byKey].map(([key, versions]) => {
    const newestFirst = [...versions].sort((a, b) => b.version - a.version);
    return { key, latest: newestFirst[0], versions: newestFirst };
  });
}

/** Every clock, in the default-set order, with all its versions. */
export async function listRules(db: Kysely<DB>): Promise<RuleSummary[]> {
  return summarise(await storedRules(db));
}

/** One clock and all its versions, or undefined when there is no such key. */
export async function findRule(db: Kysely<DB>, key: string): Promise<RuleSummary | undefined> {
  return summarise(await storedRules(db, key))[0];
}

/** The fields of a rule an administrator edits: everything but the key (fixed) and version (given). */
export type RuleVersionInput = { [K in Exclude<keyof ClockRule, 'key' | 'version'>]?: unknown };

export type AddRuleVersionResult =
  | { outcome: 'added'; rule: ClockRule; previous: ClockRule }
  | { outcome: 'invalid'; errors: string[] }
  | { outcome: 'unknown-key' };

/**
 * Adds the next version of an existing clock. Old versions are never changed: cases keep the version
 * they were judged under. The new version takes over from its applies-from date, which is therefore
 * required and must come after the start of every earlier version. Returns the domain validators'
 * messages (validateClockRule, then validateClockRuleSet over the rules as they would work).
 */
export async function addRuleVersion(
  db: Kysely<DB>,
  key: string,
  input: RuleVersionInput,
  createdBy: string | null,
): Promise<AddRuleVersionResult> {
  const result = await inTransaction(db, async (trx): Promise<AddRuleVersionResult> => {
    // Two administrators adding a version at once take turns, so each gets its own number.
    await sql`select pg_advisory_xact_lock(hashtext('cspr-hub:clock-rules'))`.execute(trx);
    const all = await loadStoredRules(trx);
    const versions = all.filter((r) => r.key === key);
    if (versions.length === 0) return { outcome: 'unknown-key' };
    const previous = versions[versions.length - 1];
    const candidate: Record<string, unknown> = {
      title: input.title,
      runsFrom: input.runsFrom,
      length: input.length,
      unit: input.unit,
      direction: input.direction,
      recipients: input.recipients,
      guidance: input.guidance,
      appliesFrom: input.appliesFrom,
      appliesUntil: input.appliesUntil,
      condition: input.condition,
      statutory: input.statutory,
      // Whether the clock may pause carries over from the version before unless the new version says.
      mayPause: input.mayPause === undefined ? previous.mayPause : input.mayPause,
      key,
      version: previous.version + 1,
    };

    const errors = validateClockRule(candidate);
    if (errors.length > 0) return { outcome: 'invalid', errors };
    const rule = candidate as ClockRule;
    rule.title = rule.title.trim();
    rule.guidance = rule.guidance.trim();
    rule.recipients = rule.recipients.map((r) => r.trim());

    if (rule.appliesFrom === null) {
      return {
        outcome: 'invalid',
        errors: [`Enter the date this version applies from: it replaces version ${previous.version} for cases the local authority became aware of on or after that date.`],
      };
    }
    const lastStart = versions.map((v) => v.appliesFrom).filter((d): d is DateOnly => d !== null).sort().at(-1);
    if (lastStart !== undefined && compareDates(rule.appliesFrom, lastStart) <= 0) {
      const started = versions.filter((v) => v.appliesFrom === lastStart).at(-1) as ClockRule;
      return {
        outcome: 'invalid',
        errors: [`Applies from must be after ${formatDateForDisplay(lastStart)}, when version ${started.version} started to apply.`],
      };
    }
    const setErrors = validateClockRuleSet(effectiveRules([...all, rule]));
    if (setErrors.length > 0) return { outcome: 'invalid', errors: setErrors };

    await trx
      .insertInto('clock_rules')
      .values({
        key: rule.key,
        version: rule.version,
        title: rule.title,
        runs_from: rule.runsFrom,
        length: rule.length,
        unit: rule.unit,
        direction: rule.direction,
        recipients: rule.recipients,
        guidance: rule.guidance,
        applies_from: rule.appliesFrom,
        applies_until: rule.appliesUntil,
        condition: rule.condition,
        statutory: rule.statutory,
        may_pause: rule.mayPause,
        created_by: createdBy,
      })
      .execute();
    return { outcome: 'added', rule, previous };
  });
  if (result.outcome === 'added') afterCommit(db, invalidateRulesCache);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Bank holidays

export type StoredHoliday = {
  date: DateOnly;
  title: string;
  source: BankHolidaySource;
  addedAt: Date;
  addedByName: string | null;
};

export const HOLIDAY_TITLE_MAX = 200;

/** The bank holidays held, in date order; only those of `year` when given. */
export async function listHolidays(db: Kysely<DB>, year?: number): Promise<StoredHoliday[]> {
  let query = db
    .selectFrom('bank_holidays')
    .leftJoin('users', 'users.id', 'bank_holidays.added_by')
    .select(['bank_holidays.date', 'bank_holidays.title', 'bank_holidays.source', 'bank_holidays.added_at', 'users.name as added_by_name']);
  if (year !== undefined) {
    query = query.where('bank_holidays.date', '>=', `${String(year).padStart(4, '0')}-01-01`).where('bank_holidays.date', '<=', `${String(year).padStart(4, '0')}-12-31`);
  }
  const rows = await query.orderBy('bank_holidays.date').execute();
  return rows.map((r) => ({ date: r.date, title: r.title, source: r.source, addedAt: r.added_at, addedByName: r.added_by_name }));
}

/** The years that have at least one bank holiday, in order. */
export async function holidayYears(db: Kysely<DB>): Promise<number[]> {
  const rows = await db
    .selectFrom('bank_holidays')
    .select(sql<number>`extract(year from date)::int`.as('year'))
    .distinct()
    .orderBy('year')
    .execute();
  return rows.map((r) => Number(r.year));
}

export type HolidayField = 'date' | 'title';

export type AddHolidayResult =
  | { outcome: 'added'; holiday: BankHoliday }
  | { outcome: 'invalid'; errors: { field: HolidayField; message: string }[] };

/** Adds one bank holiday an administrator entered. Weekends are refused: bank holidays fall on weekdays (GOV.UK lists the substitute day). */
export async function addHoliday(db: Kysely<DB>, holiday: { date: unknown; title: unknown }, addedBy: string | null): Promise<AddHolidayResult> {
  const errors: { field: HolidayField; message: string }[] = [];
  const { date } = holiday;
  const title = typeof holiday.title === 'string' ? holiday.title.trim() : '';
  if (!isDateOnly(date)) errors.push({ field: 'date', message: 'Enter the date of the bank holiday as a real date' });
  else if (isWeekend(date)) {
    errors.push({ field: 'date', message: `${formatDateForDisplay(date)} is a weekend day: enter the weekday the bank holiday is taken on (the substitute day)` });
  }
  if (title === '') errors.push({ field: 'title', message: 'Enter the name of the bank holiday, like Christmas Day' });
  else if (title.length > HOLIDAY_TITLE_MAX) errors.push({ field: 'title', message: `Name must be ${HOLIDAY_TITLE_MAX} characters or fewer` });
  if (errors.length > 0 || !isDateOnly(date)) return { outcome: 'invalid', errors };

  const inserted = await inTransaction(db, async (trx) => {
    const row = await trx
      .insertInto('bank_holidays')
      .values({ date, title, source: 'admin', added_by: addedBy })
      .onConflict((oc) => oc.column('date').doNothing())
      .returning('date')
      .executeTakeFirst();
    if (row) await recountEveryCase(trx);
    return row;
  });
  if (!inserted) {
    const existing = await db.selectFrom('bank_holidays').select('title').where('date', '=', date).executeTakeFirstOrThrow();
    return { outcome: 'invalid', errors: [{ field: 'date', message: `${formatDateForDisplay(date)} is already a bank holiday (${existing.title})` }] };
  }
  afterCommit(db, invalidateRulesCache);
  return { outcome: 'added', holiday: { date, title } };
}

export type RemoveHolidayResult =
  | { outcome: 'removed'; holiday: StoredHoliday }
  | { outcome: 'not-found' }
  | { outcome: 'reason-needed'; message: string };

/** True when removing this holiday needs a reason: it is today or already past, so deadlines already worked out used it. */
export function removalNeedsReason(date: DateOnly, today: DateOnly): boolean {
  return compareDates(date, today) <= 0;
}

/**
 * Removes a bank holiday. A future date goes freely (a date loaded by mistake, or a one-off day
 * that was cancelled). Today or a past date needs a reason, because deadlines already worked out
 * counted it; the caller records the reason in the audit trail.
 */
export async function removeHoliday(db: Kysely<DB>, date: string, options: { today: DateOnly; reason?: string }): Promise<RemoveHolidayResult> {
  if (!isDateOnly(date)) return { outcome: 'not-found' };
  const reason = options.reason?.trim() ?? '';
  const existing = (await listHolidays(db, Number(date.slice(0, 4)))).find((h) => h.date === date);
  if (!existing) return { outcome: 'not-found' };
  if (removalNeedsReason(date, options.today) && reason === '') {
    return {
      outcome: 'reason-needed',
      message: 'Give the reason for removing a bank holiday that is today or has passed: deadlines already worked out counted it',
    };
  }
  const removed = await inTransaction(db, async (trx) => {
    const result = await trx.deleteFrom('bank_holidays').where('date', '=', date).executeTakeFirst();
    if (Number(result.numDeletedRows) > 0) await recountEveryCase(trx);
    return Number(result.numDeletedRows);
  });
  if (removed === 0) return { outcome: 'not-found' };
  afterCommit(db, invalidateRulesCache);
  return { outcome: 'removed', holiday: existing };
}

/** Every case's stored clocks counted again with the bank holidays as they now are, in the transaction of the change. */
async function recountEveryCase(trx: Kysely<DB>): Promise<void> {
  await storeClocks(trx, 'all', 'all');
}

export type ImportResult =
  | { outcome: 'imported'; added: DateOnly[]; alreadyThere: number; first: DateOnly; last: DateOnly }
  | { outcome: 'invalid'; message: string };

const IMPORT_BATCH = 500;

/**
 * Loads the England and Wales dates from the GOV.UK `bank-holidays.json` (text or parsed JSON):
 * adds the dates not held yet and leaves the ones already there as they are (their titles too).
 * The whole file is checked before anything is written, and written in one transaction, so a bad
 * file adds nothing.
 */
export async function importGovUkHolidays(db: Kysely<DB>, json: unknown, addedBy: string | null): Promise<ImportResult> {
  let holidays: BankHoliday[];
  try {
    holidays = parseGovUkBankHolidays(json);
  } catch (err) {
    return { outcome: 'invalid', message: (err as Error).message };
  }
  if (holidays.length === 0) return { outcome: 'invalid', message: 'The file lists no England and Wales bank holidays.' };
  const tooLong = holidays.find((h) => h.title.length > HOLIDAY_TITLE_MAX);
  if (tooLong) {
    return { outcome: 'invalid', message: `The title of the bank holiday on ${tooLong.date} is longer than ${HOLIDAY_TITLE_MAX} characters.` };
  }
  const added = await inTransaction(db, async (trx) => {
    const dates: DateOnly[] = [];
    for (let i = 0; i < holidays.length; i += IMPORT_BATCH) {
      const rows = await trx
        .insertInto('bank_holidays')
        .values(holidays.slice(i, i + IMPORT_BATCH).map((h) => ({ date: h.date, title: h.title, source: 'gov-uk-file' as const, added_by: addedBy })))
        .onConflict((oc) => oc.column('date').doNothing())
        .returning('date')
        .execute();
      dates.push(...rows.map((r) => r.date));
    }
    if (dates.length > 0) await recountEveryCase(trx);
    return dates.sort();
  });
  if (added.length > 0) afterCommit(db, invalidateRulesCache);
  return {
    outcome: 'imported',
    added,
    alreadyThere: holidays.length - added.length,
    first: holidays[0].date,
    last: holidays[holidays.length - 1].date,
  };
}
