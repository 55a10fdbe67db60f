import { z } from 'zod';
import type { ClockCondition, ClockDirection, ClockRule, ClockStart, ClockUnit } from '../../domain/clocks/rules.ts';
import type { ErrorItem } from '../../platform/http/forms.ts';
import type { RuleVersionInput } from './service.ts';

/** Form parsing and wording of the rules administration pages. The rules' own checks are the domain validators'. */

const text = z.string().max(5_000).optional();

/** The "Add a new version" form, as posted: every field a string (radios may be missing). */
export const ruleVersionForm = z.object({
  title: text,
  length: text,
  unit: text,
  direction: text,
  runsFrom: text,
  recipients: text,
  guidance: text,
  appliesFrom: text,
  appliesUntil: text,
  condition: text,
  statutory: text,
  mayPause: text,
});

export type RuleVersionFormValues = z.infer<typeof ruleVersionForm>;

/** What the person typed, shown again on the form (unknown fields dropped, long ones cut). */
export function ruleFormValues(body: unknown): RuleVersionFormValues {
  const b = (body ?? {}) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const k of Object.keys(ruleVersionForm.shape)) if (typeof b[k] === 'string') out[k] = (b[k] as string).slice(0, 5_000);
  return out;
}

/** The form's strings turned into a rule's fields; anything wrong is left for `validateClockRule` to name. */
export function ruleInputFromForm(values: RuleVersionFormValues): RuleVersionInput {
  const length = values.length?.trim() ?? '';
  const date = (v: string | undefined) => (v === undefined || v.trim() === '' ? null : v.trim());
  return {
    title: values.title ?? '',
    length: /^-?\d{1,6}$/.test(length) ? Number(length) : length === '' ? undefined : Number.NaN,
    unit: values.unit,
    direction: values.direction,
    runsFrom: values.runsFrom,
    // One recipient a line; blank lines are layout, not recipients.
    recipients: (values.recipients ?? '').split(/\r?\n/).map((r) => r.trim()).filter((r) => r !== ''),
    guidance: values.guidance ?? '',
    appliesFrom: date(values.appliesFrom),
    appliesUntil: date(values.appliesUntil),
    condition: values.condition,
    statutory: values.statutory === 'yes' ? true : values.statutory === 'no' ? false : undefined,
    mayPause: values.mayPause === 'yes' ? true : values.mayPause === 'no' ? false : undefined,
  };
}

/** A rule's fields as the form shows them (to pre-fill a new version from the current one). */
export function ruleToFormValues(rule: ClockRule): RuleVersionFormValues {
  return {
    title: rule.title,
    length: String(rule.length),
    unit: rule.unit,
    direction: rule.direction,
    runsFrom: rule.runsFrom,
    recipients: rule.recipients.join('\n'),
    guidance: rule.guidance,
    // A new version takes over from a date of its own: that one is for the person to choose.
    appliesFrom: '',
    appliesUntil: rule.appliesUntil ?? '',
    condition: rule.condition,
    statutory: rule.statutory ? 'yes' : 'no',
    mayPause: rule.mayPause ? 'yes' : 'no',
  };
}

const FIELD_FOR_MESSAGE: [RegExp, keyof RuleVersionFormValues][] = [
  [/^(Enter a title|Title)/, 'title'],
  [/^Runs from/, 'runsFrom'],
  [/^Unit/, 'unit'],
  [/^(Direction|Only clocks that run from the publication date)/, 'direction'],
  [/^Condition/, 'condition'],
  [/^Length/, 'length'],
  [/^(Recipients|Each recipient)/, 'recipients'],
  [/^Enter the guidance/, 'guidance'],
  [/^Applies until/, 'appliesUntil'],
  [/^(Applies from|Enter the date this version applies from)|both apply to some cases/, 'appliesFrom'],
  [/^Say whether the rule is statutory/, 'statutory'],
  [/^(Say whether the clock may be paused|A clock that runs from the date the local authority became aware)/, 'mayPause'],
];

/** The domain validators' messages as a GOV.UK error summary, each linked to the field it is about. */
export function ruleErrors(messages: string[]): { errors: ErrorItem[]; fieldErrors: Record<string, { text: string }> } {
  const errors: ErrorItem[] = [];
  const fieldErrors: Record<string, { text: string }> = {};
  for (const raw of messages) {
    const message = raw.replace(/^Rule \d+( \([^)]*\))?: /, '');
    const field = FIELD_FOR_MESSAGE.find(([pattern]) => pattern.test(message))?.[1] ?? 'title';
    errors.push({ text: message, href: `#${field}` });
    fieldErrors[field] ??= { text: message };
  }
  return { errors, fieldErrors };
}

export const RUNS_FROM_LABELS: Record<ClockStart, string> = {
  aware: 'The date the local authority became aware of the incident',
  notified: 'The date the Panel was notified',
  decision: 'The date of the decision to hold a local review',
  publication: 'The (planned) publication date of the final report',
};

/** Short forms, for sentences like "5 working days after the Panel was notified". */
export const RUNS_FROM_PHRASES: Record<ClockStart, string> = {
  aware: 'the local authority became aware',
  notified: 'the Panel was notified',
  decision: 'the decision to hold a local review',
  publication: 'publication',
};

export const UNIT_LABELS: Record<ClockUnit, string> = {
  'working-days': 'Working days',
  'calendar-months': 'Calendar months',
};

export const DIRECTION_LABELS: Record<ClockDirection, string> = {
  after: 'After the start date',
  before: 'Before the start date (only for clocks that run from the publication date)',
};

export const CONDITION_LABELS: Record<ClockCondition, string> = {
  always: 'Every case',
  'looked-after-death': 'Only the death of a looked-after child',
  'care-leaver-death': 'Only the death of a care leaver (up to and including age 24)',
  'looked-after-or-care-leaver-death': 'Only the death of a looked-after child or a care leaver (up to and including age 24)',
};

/** "5 working days after the local authority became aware". */
export function rulePhrase(rule: Pick<ClockRule, 'length' | 'unit' | 'direction' | 'runsFrom'>): string {
  const unit = rule.unit === 'working-days' ? 'working day' : 'calendar month';
  return `${rule.length} ${unit}${rule.length === 1 ? '' : 's'} ${rule.direction} ${RUNS_FROM_PHRASES[rule.runsFrom]}`;
}

/** A date typed in three boxes (GOV.UK date input) as `YYYY-MM-DD`, or '' when incomplete or not numbers. */
export function dateFromParts(day: unknown, month: unknown, year: unknown): string {
  const parts = [day, month, year].map((p) => (typeof p === 'string' ? p.trim() : ''));
  if (parts.some((p) => !/^\d{1,4}$/.test(p)) || parts[2].length !== 4) return '';
  return `${parts[2]}-${parts[1].padStart(2, '0')}-${parts[0].padStart(2, '0')}`;
}

export const HOLIDAY_SOURCE_LABELS: Record<string, string> = {
  shipped: 'Shipped with CSPR Hub',
  'gov-uk-file': 'GOV.UK file',
  admin: 'Added by an administrator',
};
