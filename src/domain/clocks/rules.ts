// Statutory clocks held as data.
//
// Guidance editions change the clocks (Working Together 2023 added care leavers' deaths; the rapid
// review period was relaxed during Covid), so rules are rows an administrator can edit, each with a
// version. A case records the key and version it was judged under, so changing a rule later does not
// silently move an old case's deadlines.

import { compareDates, isDateOnly } from '../calendar/date-only.ts';
import type { DateOnly } from '../calendar/date-only.ts';

export type ClockStart = 'aware' | 'notified' | 'decision' | 'publication';
export type ClockUnit = 'working-days' | 'calendar-months';
export type ClockDirection = 'after' | 'before';
export type ClockCondition = 'always' | 'looked-after-death' | 'care-leaver-death' | 'looked-after-or-care-leaver-death';

export const CLOCK_STARTS: readonly ClockStart[] = ['aware', 'notified', 'decision', 'publication'];
export const CLOCK_UNITS: readonly ClockUnit[] = ['working-days', 'calendar-months'];
export const CLOCK_DIRECTIONS: readonly ClockDirection[] = ['after', 'before'];
export const CLOCK_CONDITIONS: readonly ClockCondition[] = [
  'always', 'looked-after-death', 'care-leaver-death', 'looked-after-or-care-leaver-death',
];

export type ClockRule = {
  /** Stable name of the clock, e.g. `panel-notification`. Several versions may share a key. */
  key: string;
  /** Bumped whenever the rule's meaning changes; cases keep the version they were judged under. */
  version: number;
  title: string;
  runsFrom: ClockStart;
  length: number;
  unit: ClockUnit;
  direction: ClockDirection;
  recipients: string[];
  /** Where the rule comes from, for people checking it. */
  guidance: string;
  /** The rule governs cases whose aware date falls in [appliesFrom, appliesUntil]; null = open. */
  appliesFrom: DateOnly | null;
  appliesUntil: DateOnly | null;
  condition: ClockCondition;
  /**
   * True only when the timescale itself is set by statute or regulations (the advance copy: CSPR
   * Regulations 2018). False for timescales set by statutory guidance or good practice (Working
   * Together's 5 working days, 15 working days and 6 months), even where the duty is statutory.
   */
  statutory: boolean;
  /**
   * May the clock be paused for good reason (parallel criminal proceedings, an inquest)? A pause
   * never moves the due date: the original due date stays the measure of timeliness, and a pause
   * records why the work is late and when the Panel and the Secretary of State were told. The
   * notification duties (Panel, partners, Secretary of State and Ofsted) run whatever happens.
   */
  mayPause: boolean;
};

/** The date Working Together to Safeguard Children 2023 took effect. */
export const WORKING_TOGETHER_2023_FROM: DateOnly = '2023-12-15';

export const PANEL = 'Child Safeguarding Practice Review Panel';
export const SECRETARY_OF_STATE = 'Secretary of State for Education';
export const OFSTED = 'Ofsted';

const WT = 'Working Together to Safeguard Children 2018 ch.4 and 2023 ch.5';

const DEFAULT_ROWS: ClockRule[] = [
  {
    key: 'panel-notification',
    version: 1,
    title: 'Notify the Child Safeguarding Practice Review Panel',
    runsFrom: 'aware',
    length: 5,
    unit: 'working-days',
    direction: 'after',
    recipients: [PANEL],
    guidance: `${WT} (statutory guidance sets the 5 working days; the duty to notify is Children Act 2004 s16C)`,
    appliesFrom: null,
    appliesUntil: null,
    condition: 'always',
    statutory: false,
    mayPause: false,
  },
  {
    key: 'partners-informed',
    version: 1,
    title: 'Tell the safeguarding partners about the notification',
    runsFrom: 'aware',
    length: 5,
    unit: 'working-days',
    direction: 'after',
    recipients: ['Chief officer of police', 'Integrated care board'],
    guidance: `${WT} (statutory guidance)`,
    appliesFrom: null,
    appliesUntil: null,
    condition: 'always',
    statutory: false,
    mayPause: false,
  },
  {
    key: 'ofsted-sos-notification',
    version: 1,
    title: 'Notify the Secretary of State and Ofsted of the death of a looked-after child',
    runsFrom: 'aware',
    length: 5,
    unit: 'working-days',
    direction: 'after',
    recipients: [SECRETARY_OF_STATE, OFSTED],
    guidance: 'Working Together to Safeguard Children 2018 ch.4 (statutory guidance)',
    appliesFrom: null,
    appliesUntil: '2023-12-14',
    condition: 'looked-after-death',
    statutory: false,
    mayPause: false,
  },
  {
    key: 'ofsted-sos-notification',
    version: 2,
    title: 'Notify the Secretary of State and Ofsted of the death of a looked-after child or care leaver (up to and including age 24)',
    runsFrom: 'aware',
    length: 5,
    unit: 'working-days',
    direction: 'after',
    recipients: [SECRETARY_OF_STATE, OFSTED],
    guidance: 'Working Together to Safeguard Children 2023 ch.5 (from 15 December 2023; statutory guidance)',
    appliesFrom: WORKING_TOGETHER_2023_FROM,
    appliesUntil: null,
    condition: 'looked-after-or-care-leaver-death',
    statutory: false,
    mayPause: false,
  },
  {
    key: 'rapid-review',
    version: 1,
    title: 'Send the rapid review to the Panel',
    runsFrom: 'notified',
    length: 15,
    unit: 'working-days',
    direction: 'after',
    recipients: [PANEL],
    guidance: `${WT} (an expectation, not a statutory requirement)`,
    appliesFrom: null,
    appliesUntil: null,
    condition: 'always',
    statutory: false,
    mayPause: false,
  },
  {
    key: 'review-completion',
    version: 1,
    title: 'Complete and publish the local child safeguarding practice review',
    runsFrom: 'decision',
    length: 6,
    unit: 'calendar-months',
    direction: 'after',
    recipients: [],
    guidance: `${WT} (statutory guidance: the 6 months is the expectation it sets; the duty to arrange reviews is Children Act 2004 s16F, which sets no timescale)`,
    appliesFrom: null,
    appliesUntil: null,
    condition: 'always',
    statutory: false,
    mayPause: true,
  },
  {
    key: 'advance-copy',
    version: 1,
    title: 'Send the final report to the Panel, Secretary of State and Ofsted before publication',
    runsFrom: 'publication',
    length: 7,
    unit: 'working-days',
    direction: 'before',
    recipients: [PANEL, SECRETARY_OF_STATE, OFSTED],
    guidance: `${WT}; CSPR Regulations 2018`,
    appliesFrom: null,
    appliesUntil: null,
    condition: 'always',
    statutory: true,
    mayPause: false,
  },
  {
    key: 'published-until',
    version: 1,
    title: 'Keep the published report publicly available until at least',
    runsFrom: 'publication',
    length: 12,
    unit: 'calendar-months',
    direction: 'after',
    recipients: [],
    guidance: `CSPR Regulations 2018; ${WT}`,
    appliesFrom: null,
    appliesUntil: null,
    condition: 'always',
    statutory: true,
    mayPause: false,
  },
];

/**
 * The default rule set (README "Timescales at a glance"). `ofsted-sos-notification` has two
 * versions: v1 (looked-after children only) for cases the LA became aware of before 15 December
 * 2023, v2 (looked-after children and care leavers up to and including age 24) from then on.
 */
export const DEFAULT_CLOCK_RULES: readonly ClockRule[] = Object.freeze(
  DEFAULT_ROWS.map((r) => Object.freeze({ ...r, recipients: Object.freeze([...r.recipients]) as string[] })),
);

const KEY_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
// Generous ceilings that still catch a typo like 150 months.
const MAX_LENGTH: Record<ClockUnit, number> = { 'working-days': 260, 'calendar-months': 60 };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[]): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}

function quoteList(values: readonly string[]): string {
  return values.map((v) => `"${v}"`).join(', ');
}

/**
 * Checks a rule an administrator has edited. Returns one plain-English message per problem
 * (empty when the rule is sound). Accepts `unknown` because the input usually comes from a form.
 */
export function validateClockRule(rule: unknown): string[] {
  if (!isRecord(rule)) return ['A clock rule must be an object.'];
  const errors: string[] = [];
  const r = rule;

  if (typeof r.key !== 'string' || r.key === '') errors.push('Enter a key, like "rapid-review".');
  else if (!KEY_PATTERN.test(r.key) || r.key.length > 60) {
    errors.push('Key must be 60 characters or fewer, using lowercase letters, numbers and single hyphens, like "rapid-review".');
  }

  if (typeof r.version !== 'number' || !Number.isInteger(r.version) || r.version < 1) {
    errors.push('Version must be a whole number, 1 or more.');
  }

  if (typeof r.title !== 'string' || r.title.trim() === '') errors.push('Enter a title.');
  else if (r.title.length > 200) errors.push('Title must be 200 characters or fewer.');

  if (!oneOf(r.runsFrom, CLOCK_STARTS)) errors.push(`Runs from must be one of ${quoteList(CLOCK_STARTS)}.`);
  if (!oneOf(r.unit, CLOCK_UNITS)) errors.push(`Unit must be one of ${quoteList(CLOCK_UNITS)}.`);
  if (!oneOf(r.direction, CLOCK_DIRECTIONS)) errors.push(`Direction must be one of ${quoteList(CLOCK_DIRECTIONS)}.`);
  if (!oneOf(r.condition, CLOCK_CONDITIONS)) errors.push(`Condition must be one of ${quoteList(CLOCK_CONDITIONS)}.`);

  if (typeof r.length !== 'number' || !Number.isInteger(r.length) || r.length < 1) {
    errors.push('Length must be a whole number, 1 or more.');
  } else if (oneOf(r.unit, CLOCK_UNITS) && r.length > MAX_LENGTH[r.unit]) {
    errors.push(`Length must be ${MAX_LENGTH[r.unit]} ${r.unit.replace('-', ' ')} or fewer.`);
  }

  // Only the publication date is planned ahead; every other start date is recorded after the event,
  // so a clock running before it would be due before anyone could know about it.
  if (r.direction === 'before' && oneOf(r.runsFrom, CLOCK_STARTS) && r.runsFrom !== 'publication') {
    errors.push('Only clocks that run from the publication date can count before it; the other start dates are recorded after the event.');
  }

  if (!Array.isArray(r.recipients)) errors.push('Recipients must be a list (it may be empty).');
  else if (r.recipients.some((x: unknown) => typeof x !== 'string' || x.trim() === '')) {
    errors.push('Each recipient must be a name; remove any blank recipients.');
  }

  if (typeof r.guidance !== 'string' || r.guidance.trim() === '') {
    errors.push('Enter the guidance the rule comes from, like "Working Together to Safeguard Children 2023 ch.5".');
  }

  const fromOk = r.appliesFrom === null || isDateOnly(r.appliesFrom);
  const untilOk = r.appliesUntil === null || isDateOnly(r.appliesUntil);
  if (!fromOk) errors.push('Applies from must be a real date as YYYY-MM-DD, or empty.');
  if (!untilOk) errors.push('Applies until must be a real date as YYYY-MM-DD, or empty.');
  if (fromOk && untilOk && isDateOnly(r.appliesFrom) && isDateOnly(r.appliesUntil)
    && compareDates(r.appliesFrom, r.appliesUntil) > 0) {
    errors.push('Applies until must be the same as or after applies from.');
  }

  if (typeof r.statutory !== 'boolean') errors.push('Say whether the rule is statutory (true or false).');
  if (typeof r.mayPause !== 'boolean') errors.push('Say whether the clock may be paused (true or false).');
  // The duty to notify runs from the day the local authority became aware, whatever happens after.
  else if (r.mayPause && r.runsFrom === 'aware') {
    errors.push('A clock that runs from the date the local authority became aware is a notification duty and cannot be paused.');
  }

  return errors;
}

function windowsOverlap(a: ClockRule, b: ClockRule): boolean {
  const aFromBeforeBUntil = a.appliesFrom === null || b.appliesUntil === null || a.appliesFrom <= b.appliesUntil;
  const bFromBeforeAUntil = b.appliesFrom === null || a.appliesUntil === null || b.appliesFrom <= a.appliesUntil;
  return aFromBeforeBUntil && bFromBeforeAUntil;
}

function conditionsCanBothHold(a: ClockCondition, b: ClockCondition): boolean {
  if (a === 'always' || b === 'always' || a === b) return true;
  if (a === 'looked-after-or-care-leaver-death' || b === 'looked-after-or-care-leaver-death') return true;
  // A looked-after child is not a care leaver: the two single conditions exclude each other.
  return false;
}

/**
 * Checks a whole rule set: each rule, then that no key+version repeats and that two versions of
 * one clock never both govern the same case (overlapping date windows and compatible conditions).
 */
export function validateClockRuleSet(rules: readonly unknown[]): string[] {
  const errors: string[] = [];
  rules.forEach((rule, i) => {
    const label = isRecord(rule) && typeof rule.key === 'string' ? `Rule ${i + 1} (${rule.key})` : `Rule ${i + 1}`;
    for (const e of validateClockRule(rule)) errors.push(`${label}: ${e}`);
  });
  if (errors.length > 0) return errors;

  const valid = rules as readonly ClockRule[];
  for (let i = 0; i < valid.length; i++) {
    for (let j = i + 1; j < valid.length; j++) {
      const a = valid[i];
      const b = valid[j];
      if (a.key !== b.key) continue;
      if (a.version === b.version) {
        errors.push(`${a.key} v${a.version} appears more than once; give each version its own number.`);
      } else if (windowsOverlap(a, b) && conditionsCanBothHold(a.condition, b.condition)) {
        errors.push(`${a.key} v${a.version} and v${b.version} both apply to some cases; make their applies-from and applies-until dates meet without overlapping.`);
      }
    }
  }
  return errors;
}
