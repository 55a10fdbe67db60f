// Turns a case's key dates into due dates, using rules held as data.

import { addCalendarMonths, compareDates, isDateOnly } from '../calendar/date-only.ts';
import type { DateOnly } from '../calendar/date-only.ts';
import type { WorkingDayCalendar } from '../calendar/working-days.ts';
import type { ClockCondition, ClockRule, ClockStart } from './rules.ts';

export type CaseFacts = {
  /** When the local authority became aware of the incident. */
  aware: DateOnly;
  /** When the Panel was notified. */
  notified?: DateOnly;
  /** When the partners decided to hold a local review. */
  decision?: DateOnly;
  /** The date the final report was published. */
  publication?: DateOnly;
  /**
   * The date publication is planned for. Clocks that count *before* publication (the advance copy)
   * run from it until the report is published; clocks that count after publication wait for the real date.
   */
  plannedPublication?: DateOnly;
  lookedAfterDeath?: boolean;
  careLeaverDeath?: boolean;
};

export type Deadline = {
  key: string;
  dueOn: DateOnly;
  /** The start date the clock ran from. */
  from: DateOnly;
  /** e.g. "5 working days after the local authority became aware" (no internal keys: people read it). */
  rule: string;
  version: number;
  title: string;
  recipients: string[];
  statutory: boolean;
};

const START_PHRASE: Record<ClockStart, string> = {
  aware: 'the local authority became aware',
  notified: 'the Panel was notified',
  decision: 'the decision to hold a local review',
  publication: 'publication',
};

function describe(rule: ClockRule): string {
  const unit = rule.unit === 'working-days'
    ? (rule.length === 1 ? 'working day' : 'working days')
    : (rule.length === 1 ? 'calendar month' : 'calendar months');
  // "before publication" is always before the planned date: it is in the future when the clock runs.
  const start = rule.direction === 'before' && rule.runsFrom === 'publication'
    ? 'the planned publication date'
    : START_PHRASE[rule.runsFrom];
  return `${rule.length} ${unit} ${rule.direction} ${start}`;
}

function conditionHolds(condition: ClockCondition, facts: CaseFacts): boolean {
  switch (condition) {
    case 'always': return true;
    case 'looked-after-death': return facts.lookedAfterDeath === true;
    case 'care-leaver-death': return facts.careLeaverDeath === true;
    case 'looked-after-or-care-leaver-death': return facts.lookedAfterDeath === true || facts.careLeaverDeath === true;
  }
}

/** True when `rule` governs a case with these facts (ignoring whether its start date is known). */
export function ruleGoverns(rule: ClockRule, facts: CaseFacts): boolean {
  if (!conditionHolds(rule.condition, facts)) return false;
  // The aware date fixes which guidance edition a case falls under, for every clock in the case.
  if (rule.appliesFrom !== null && compareDates(facts.aware, rule.appliesFrom) < 0) return false;
  if (rule.appliesUntil !== null && compareDates(facts.aware, rule.appliesUntil) > 0) return false;
  return true;
}

/** The date a rule runs from: for a clock counting before publication, the planned date until the report is published. */
function startOf(rule: ClockRule, facts: CaseFacts): DateOnly | undefined {
  if (rule.runsFrom === 'publication' && rule.direction === 'before') return facts.publication ?? facts.plannedPublication;
  return facts[rule.runsFrom];
}

/** The version of a clock that governs a case with these facts (the highest, if several would), or undefined. */
export function governingRule(key: string, facts: CaseFacts, rules: readonly ClockRule[]): ClockRule | undefined {
  return rules.filter((r) => r.key === key && ruleGoverns(r, facts)).sort((a, b) => b.version - a.version)[0];
}

/** The due date for one rule from one start date. */
export function dueDate(rule: ClockRule, from: DateOnly, calendar: WorkingDayCalendar): DateOnly {
  const signed = rule.direction === 'before' ? -rule.length : rule.length;
  return rule.unit === 'working-days'
    ? calendar.addWorkingDays(from, signed)
    : addCalendarMonths(from, signed);
}

/**
 * The deadlines that apply to a case, in rule order. A rule applies when its condition holds, its
 * start date is recorded, and the aware date lies within its applies-from/until window (inclusive).
 * If two versions of one clock both apply (a rule set with overlapping windows), the higher version
 * wins so each key appears at most once. Throws RangeError if a recorded date is malformed;
 * call `validateCaseDates` first for user input.
 */
export function computeDeadlines(facts: CaseFacts, rules: readonly ClockRule[], calendar: WorkingDayCalendar): Deadline[] {
  if (!isDateOnly(facts.aware)) throw new RangeError(`Aware date is not a valid date: ${String(facts.aware)}`);
  const chosen = new Map<string, ClockRule>();
  const order: string[] = [];
  for (const rule of rules) {
    if (startOf(rule, facts) === undefined || !ruleGoverns(rule, facts)) continue;
    const existing = chosen.get(rule.key);
    if (!existing) order.push(rule.key);
    if (!existing || rule.version > existing.version) chosen.set(rule.key, rule);
  }
  return order.map((key) => {
    const rule = chosen.get(key) as ClockRule;
    const from = startOf(rule, facts) as DateOnly;
    return {
      key,
      dueOn: dueDate(rule, from, calendar),
      from,
      rule: describe(rule),
      version: rule.version,
      title: rule.title,
      recipients: [...rule.recipients],
      statutory: rule.statutory,
    };
  });
}

/**
 * The day the duty to notify the Child Safeguarding Practice Review Panel began (Children Act 2004
 * s.16C, inserted by the Children and Social Work Act 2017, in force with the Child Safeguarding
 * Practice Review and Relevant Agency (England) Regulations 2018 on 29 June 2018). No case's clocks
 * can run from a day before it: a local authority's awareness before then is a mistyped year (1900,
 * 2108 for 2018), and would show a clock tens of thousands of working days overdue.
 */
export const NOTIFICATION_DUTY_BEGAN = '2018-06-29' as DateOnly;

export type CaseDateField = 'aware' | 'notified' | 'decision' | 'publication';
export type CaseDateError = { field: CaseDateField; message: string };

const LABEL: Record<CaseDateField, string> = {
  aware: 'The date the local authority became aware',
  notified: 'The date the Panel was notified',
  decision: 'The date of the decision to hold a local review',
  publication: 'The publication date',
};

/**
 * Checks a case's dates against each other and against today (the date in London). Returns one
 * error per problem, each tied to the field to correct, in the order the fields appear on a form.
 * Publication may be in the future (it is planned); the others record things that have happened.
 */
export function validateCaseDates(facts: Partial<Record<CaseDateField, unknown>>, today: DateOnly): CaseDateError[] {
  const errors: CaseDateError[] = [];
  const valid: Partial<Record<CaseDateField, DateOnly>> = {};

  for (const field of ['aware', 'notified', 'decision', 'publication'] as const) {
    const value = facts[field];
    if (value === undefined || value === null || value === '') {
      if (field === 'aware') errors.push({ field, message: 'Enter the date the local authority became aware.' });
      continue;
    }
    if (!isDateOnly(value)) {
      errors.push({ field, message: `${LABEL[field]} must be a real date.` });
      continue;
    }
    valid[field] = value;
    if (field !== 'publication' && compareDates(value, today) > 0) {
      errors.push({ field, message: `${LABEL[field]} cannot be in the future.` });
    } else if (field === 'aware' && compareDates(value, NOTIFICATION_DUTY_BEGAN) < 0) {
      errors.push({ field, message: `${LABEL[field]} cannot be before 29 June 2018, when the duty to notify the Panel began: check the year.` });
    }
  }

  const { aware, notified, decision, publication } = valid;
  if (aware && notified && compareDates(aware, notified) > 0) {
    errors.push({ field: 'notified', message: 'The Panel cannot have been notified before the local authority became aware.' });
  }
  if (notified && decision && compareDates(decision, notified) < 0) {
    errors.push({ field: 'decision', message: 'The decision to hold a local review cannot come before the Panel was notified.' });
  } else if (!notified && aware && decision && compareDates(decision, aware) < 0) {
    errors.push({ field: 'decision', message: 'The decision to hold a local review cannot come before the local authority became aware.' });
  }
  if (decision && publication && compareDates(publication, decision) < 0) {
    errors.push({ field: 'publication', message: 'The publication date cannot be before the decision to hold the review.' });
  } else if (!decision && aware && publication && compareDates(publication, aware) < 0) {
    errors.push({ field: 'publication', message: 'The publication date cannot be before the local authority became aware.' });
  }
  return errors;
}
