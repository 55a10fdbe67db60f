import { z } from 'zod';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import { ETHNICITIES, PERPETRATOR_RELATIONSHIPS, socialCareStatusProblem, YES_NO_NOT_KNOWN } from '../../domain/notification/form-facts.ts';
import { WORKFLOW_DATE_LABELS, type DateQuestion } from '../../domain/workflow/incident-workflow.ts';
import { parseDateInput, type DatePart } from '../../platform/http/date-input.ts';
import { validateCaseDates } from '../../domain/clocks/deadlines.ts';
import type { ErrorItem } from '../../platform/http/forms.ts';
import { AGE_BANDS } from './duties.ts';
import { REFERRAL_OUTCOMES, type ReferralOutcome } from './referrals.ts';
import { FACT_FIELDS, nhsNumberProblem, type ChildInput, type Facts, type FieldProblem, type StepInput } from './service.ts';

/**
 * Reading the cases forms. Each field has a DOM id (the error summary links to it) and a name in
 * the service's terms ('aware', 'children.0.dateOfBirth'); `Problems` collects messages under the
 * DOM id, which the templates use to show each field's own message.
 */

export const MAX_CHILDREN = 10;

const FIELD_IDS: Record<string, string> = {
  outcome: 'outcome',
  abuseOrNeglect: 'abuseOrNeglect',
  location: 'location',
  incidentOn: 'incident',
  aware: 'aware',
  whatIsKnown: 'whatIsKnown',
  agencyIds: 'agencies',
  otherAgencies: 'otherAgencies',
  perpetratorRelationship: 'perpetratorRelationship',
  policeInvestigation: 'policeInvestigation',
  mediaInterest: 'mediaInterest',
  children: 'child-1-pseudonym',
  partnership: 'partnership',
  referral: 'outcome',
};
const CHILD_IDS: Record<string, string> = {
  pseudonym: 'pseudonym',
  name: 'name',
  dateOfBirth: 'dob',
  nhsNumber: 'nhs',
  address: 'address',
  familyNames: 'familyNames',
  gender: 'gender',
  ageAtIncident: 'age',
  ageBand: 'ageBand',
  status: 'status',
  ethnicity: 'ethnicity',
  disability: 'disability',
};
const DATE_IDS = new Set(['incident', 'aware', 'date', 'received', 'dob']);

/** The DOM id (without a date part) of a field named in the service's terms. */
export function fieldId(field: string): string {
  const child = /^children\.(\d+)\.(\w+)$/.exec(field);
  if (child) return `child-${Number(child[1]) + 1}-${CHILD_IDS[child[2]] ?? child[2]}`;
  return FIELD_IDS[field] ?? field;
}

function isDateId(id: string): boolean {
  return DATE_IDS.has(id) || /-dob$/.test(id);
}

export class Problems {
  readonly errors: ErrorItem[] = [];
  readonly fieldErrors: Record<string, { text: string }> = {};
  /** For date inputs: which boxes to mark. */
  readonly dateParts: Record<string, DatePart[]> = {};

  /** Adds a message for a field by DOM id; the first message per field wins. */
  add(id: string, text: string, parts?: DatePart[]): void {
    if (this.fieldErrors[id]) return;
    this.fieldErrors[id] = { text };
    const dateParts = isDateId(id) ? (parts ?? ['day', 'month', 'year']) : undefined;
    if (dateParts) this.dateParts[id] = dateParts;
    this.errors.push({ text, href: `#${id}${dateParts ? `-${dateParts[0]}` : ''}` });
  }

  /** Adds the service's problems (fields named in its terms). */
  addAll(problems: readonly FieldProblem[]): void {
    for (const p of problems) this.add(fieldId(p.field), p.message.replace(/\.$/, ''));
  }

  get any(): boolean {
    return this.errors.length > 0;
  }

  view(): { errors: ErrorItem[]; fieldErrors: Record<string, { text: string }>; dateParts: Record<string, DatePart[]> } {
    return { errors: this.errors, fieldErrors: this.fieldErrors, dateParts: this.dateParts };
  }
}

export type FormBody = Record<string, unknown>;

export function bodyOf(req: { body?: unknown }): FormBody {
  return req.body && typeof req.body === 'object' ? (req.body as FormBody) : {};
}

function text(body: FormBody, key: string, max = 20_000): string {
  const v = body[key];
  return typeof v === 'string' ? v.slice(0, max) : '';
}

/** A field that may be sent several times (checkboxes), as a list of strings. */
export function list(body: FormBody, key: string): string[] {
  const v = body[key];
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string').slice(0, 50);
}

function readDate(body: FormBody, problems: Problems, id: string, label: string, required: boolean): DateOnly | null {
  const r = parseDateInput(body, id, { label, required });
  if ('error' in r) {
    problems.add(id, r.error, r.parts);
    return null;
  }
  return r.value;
}

// ---- The facts of an incident ----------------------------------------------------------------

const factsSchema = z.object({
  outcome: z.enum(['died', 'serious-harm', 'other'], { error: 'Select what happened to the child' }),
  abuseOrNeglect: z.enum(['known', 'suspected', 'not-suspected'], { error: 'Select whether abuse or neglect is known or suspected' }),
  location: z.enum(['in-area', 'outside-england-normally-resident', 'elsewhere-in-england'], { error: 'Select where the incident happened' }),
  whatIsKnown: z.string().max(10_000, 'What is known so far must be 10,000 characters or fewer').default(''),
  otherAgencies: z.string().max(1000, 'Other agencies must be 1,000 characters or fewer').default(''),
  // Asked by the national notification form; may be left unanswered until known.
  perpetratorRelationship: z.enum([...PERPETRATOR_RELATIONSHIPS, ''], { error: 'Select the alleged perpetrator’s relationship to the child from the list' }),
  policeInvestigation: z.enum([...YES_NO_NOT_KNOWN, ''], { error: 'Select whether there is a police investigation' }),
  mediaInterest: z.enum([...YES_NO_NOT_KNOWN, ''], { error: 'Select whether there is media interest' }),
});

/** An optional answer (radios left unticked, a select left on "Not given") as the form sends it. */
function optional(body: FormBody, key: string): unknown {
  const v = body[key];
  return v === undefined ? '' : v;
}

/**
 * Reads the facts; returns them only when every answer is sound (problems are added otherwise). The
 * date of awareness is checked against today too (validateCaseDates, which the service applies again),
 * so a form or API call with other problems gets that one in the same answer, not after they are put right.
 */
export function readFacts(body: FormBody, problems: Problems, today: DateOnly): Facts | null {
  const parsed = factsSchema.safeParse({
    outcome: body.outcome,
    abuseOrNeglect: body.abuseOrNeglect,
    location: body.location,
    whatIsKnown: text(body, 'whatIsKnown'),
    otherAgencies: text(body, 'otherAgencies', 5000),
    perpetratorRelationship: optional(body, 'perpetratorRelationship'),
    policeInvestigation: optional(body, 'policeInvestigation'),
    mediaInterest: optional(body, 'mediaInterest'),
  });
  if (!parsed.success) for (const issue of parsed.error.issues) problems.add(fieldId(String(issue.path[0])), issue.message);
  const incidentOn = readDate(body, problems, 'incident', 'the date of the incident', false);
  const aware = readDate(body, problems, 'aware', 'the date the local authority became aware', true);
  if (aware) for (const e of validateCaseDates({ aware }, today)) problems.add('aware', e.message);
  if (!parsed.success || !aware || problems.fieldErrors.incident || problems.fieldErrors.aware) return null;
  const d = parsed.data;
  return {
    ...d,
    incidentOn,
    aware,
    agencyIds: list(body, 'agencies'),
    perpetratorRelationship: d.perpetratorRelationship || null,
    policeInvestigation: d.policeInvestigation || null,
    mediaInterest: d.mediaInterest || null,
  };
}

/** Facts as form values (for the edit form and its hidden copy of the values it was opened with). */
export function factsToValues(facts: Facts): FormBody {
  const [ay, am, ad] = facts.aware.split('-');
  const [iy, im, id] = facts.incidentOn ? facts.incidentOn.split('-') : ['', '', ''];
  return {
    outcome: facts.outcome,
    abuseOrNeglect: facts.abuseOrNeglect,
    location: facts.location,
    'aware-day': String(Number(ad)),
    'aware-month': String(Number(am)),
    'aware-year': ay,
    'incident-day': id ? String(Number(id)) : '',
    'incident-month': im ? String(Number(im)) : '',
    'incident-year': iy,
    whatIsKnown: facts.whatIsKnown,
    agencies: facts.agencyIds,
    otherAgencies: facts.otherAgencies,
    perpetratorRelationship: facts.perpetratorRelationship ?? '',
    policeInvestigation: facts.policeInvestigation ?? '',
    mediaInterest: facts.mediaInterest ?? '',
  };
}

/** The hidden copy of the facts the edit form was opened with; null when missing or malformed. */
export function readBase(body: FormBody): Facts | null {
  try {
    const raw = JSON.parse(text(body, 'base', 50_000)) as Record<string, unknown>;
    if (!raw || typeof raw !== 'object') return null;
    for (const f of FACT_FIELDS) if (!(f in raw)) return null;
    return raw as unknown as Facts;
  } catch {
    return null;
  }
}

export function readVersion(body: FormBody): number | null {
  const v = text(body, 'version', 12);
  return /^\d{1,9}$/.test(v) ? Number(v) : null;
}

// ---- Children --------------------------------------------------------------------------------

/** How many child blocks the form holds (1 to MAX_CHILDREN). */
export function childCount(body: FormBody): number {
  const n = Number(text(body, 'childCount', 3));
  return Number.isInteger(n) && n >= 1 ? Math.min(n, MAX_CHILDREN) : 1;
}

const CHILD_KEYS = ['pseudonym', 'name', 'dob-day', 'dob-month', 'dob-year', 'nhs', 'address', 'familyNames', 'gender', 'age', 'ageBand', 'status', 'ethnicity', 'disability'];

/**
 * The child blocks of the record form, without those marked "remove", renumbered from 1, so the
 * form can be shown again with the same values.
 */
export function keptChildValues(body: FormBody): { count: number; values: FormBody } {
  const values: FormBody = {};
  let kept = 0;
  const count = childCount(body);
  for (let i = 1; i <= count; i++) {
    if (text(body, `child-${i}-remove`) === 'yes' && count > 1) continue;
    kept += 1;
    for (const k of CHILD_KEYS) {
      const v = k === 'status' ? list(body, `child-${i}-${k}`) : text(body, `child-${i}-${k}`, 5000);
      values[`child-${kept}-${k}`] = v;
    }
  }
  return { count: Math.max(kept, 1), values };
}

const childSchema = (n: number) =>
  z.object({
    pseudonym: z
      .string()
      .trim()
      .min(1, `Enter a pseudonym for child ${n}, like Child K`)
      .max(60, `Child ${n}’s pseudonym must be 60 characters or fewer`),
    name: z.string().trim().max(200, `Child ${n}’s name must be 200 characters or fewer`),
    nhs: z
      .string()
      .trim()
      .superRefine((v, ctx) => {
        const problem = v === '' ? null : nhsNumberProblem(v);
        if (problem) ctx.addIssue({ code: 'custom', message: `Child ${n}’s ${problem}` });
      }),
    address: z.string().trim().max(1000, `Child ${n}’s address must be 1,000 characters or fewer`),
    familyNames: z.string().trim().max(2000, `Family names for child ${n} must be 2,000 characters or fewer`),
    gender: z.enum(['female', 'male', 'other', 'not-known', ''], { error: `Select child ${n}’s gender from the list` }),
    age: z
      .string()
      .trim()
      .refine((v) => v === '' || /^\d{1,2}$/.test(v), `Child ${n}’s age at the incident must be a whole number of years, like 7`)
      .refine((v) => v === '' || Number(v) <= 24, `Child ${n}’s age at the incident must be 24 or under`),
    ageBand: z.enum([...AGE_BANDS, ''], { error: `Select child ${n}’s age band from the list` }),
    ethnicity: z.enum(['', ...ETHNICITIES] as [string, ...string[]], { error: `Select child ${n}’s ethnicity from the list` }),
    disability: z.enum([...YES_NO_NOT_KNOWN, ''], { error: `Select whether child ${n} has a disability` }),
  });

/** The social care statuses a child's checkboxes can send, by value. */
const STATUS_VALUES = ['child-in-need', 'child-protection-plan', 'looked-after', 'care-leaver'] as const;

/** Reads the child blocks (already renumbered by keptChildValues). */
export function readChildren(values: FormBody, count: number, problems: Problems): ChildInput[] | null {
  const children: ChildInput[] = [];
  let sound = true;
  for (let n = 1; n <= count; n++) {
    const child = readChild(values, n, problems);
    if (child) children.push(child);
    else sound = false;
  }
  return sound ? children : null;
}

/** Reads child number `n` (fields named `child-<n>-…`); null when an answer is unsound (problems are added). */
export function readChild(values: FormBody, n: number, problems: Problems): ChildInput | null {
  const at = (k: string) => `child-${n}-${k}`;
  const parsed = childSchema(n).safeParse({
    pseudonym: text(values, at('pseudonym')),
    name: text(values, at('name')),
    nhs: text(values, at('nhs')),
    address: text(values, at('address')),
    familyNames: text(values, at('familyNames')),
    gender: text(values, at('gender')),
    age: text(values, at('age')),
    ageBand: text(values, at('ageBand')),
    ethnicity: optional(values, at('ethnicity')),
    disability: optional(values, at('disability')),
  });
  if (!parsed.success) for (const issue of parsed.error.issues) problems.add(at(String(issue.path[0])), issue.message);
  const dob = readDate(values, problems, at('dob'), `child ${n}’s date of birth`, false);
  const status = list(values, at('status'));
  if (status.some((s) => !(STATUS_VALUES as readonly string[]).includes(s))) {
    problems.add(at('status'), `Select child ${n}’s social care status from the list`);
    return null;
  }
  // The domain's rule (a care leaver is no longer looked after), the same on the command line and in the API.
  if (socialCareStatusProblem({ lookedAfter: status.includes('looked-after'), careLeaver: status.includes('care-leaver') })) {
    problems.add(at('status'), `Select either looked after or care leaver for child ${n}, not both: a care leaver is no longer looked after`);
    return null;
  }
  if (!parsed.success || problems.fieldErrors[at('dob')]) return null;
  const d = parsed.data;
  return {
    pseudonym: d.pseudonym,
    name: d.name,
    dateOfBirth: dob,
    nhsNumber: d.nhs,
    address: d.address,
    familyNames: d.familyNames,
    gender: d.gender === '' ? null : d.gender,
    ageAtIncident: d.age === '' ? null : Number(d.age),
    ageBand: d.ageBand === '' ? null : d.ageBand,
    lookedAfter: status.includes('looked-after'),
    careLeaver: status.includes('care-leaver'),
    ethnicity: d.ethnicity || null,
    disability: d.disability || null,
    childInNeed: status.includes('child-in-need'),
    childProtectionPlan: status.includes('child-protection-plan'),
  };
}

/** A child as form values, numbered `n`. */
export function childToValues(child: ChildInput, n: number): FormBody {
  const p = `child-${n}-`;
  const [y, m, d] = child.dateOfBirth ? child.dateOfBirth.split('-') : ['', '', ''];
  return {
    [`${p}pseudonym`]: child.pseudonym,
    [`${p}name`]: child.name,
    [`${p}dob-day`]: d ? String(Number(d)) : '',
    [`${p}dob-month`]: m ? String(Number(m)) : '',
    [`${p}dob-year`]: y,
    [`${p}nhs`]: child.nhsNumber,
    [`${p}address`]: child.address,
    [`${p}familyNames`]: child.familyNames,
    [`${p}gender`]: child.gender ?? '',
    [`${p}age`]: child.ageAtIncident === null ? '' : String(child.ageAtIncident),
    [`${p}ageBand`]: child.ageBand ?? '',
    [`${p}status`]: statusValues(child),
    [`${p}ethnicity`]: child.ethnicity ?? '',
    [`${p}disability`]: child.disability ?? '',
  };
}

/** A child's social care status as the checkboxes' values. */
export function statusValues(child: Pick<ChildInput, 'lookedAfter' | 'careLeaver' | 'childInNeed' | 'childProtectionPlan'>): string[] {
  return [
    ...(child.childInNeed ? ['child-in-need'] : []),
    ...(child.childProtectionPlan ? ['child-protection-plan'] : []),
    ...(child.lookedAfter ? ['looked-after'] : []),
    ...(child.careLeaver ? ['care-leaver'] : []),
  ];
}

/** The hidden copy of a child as the edit form was opened; null when missing or malformed. */
export function readChildBase(body: FormBody): ChildInput | null {
  try {
    const raw = JSON.parse(text(body, 'base', 50_000)) as Record<string, unknown>;
    if (!raw || typeof raw !== 'object' || typeof raw.pseudonym !== 'string') return null;
    return raw as unknown as ChildInput;
  } catch {
    return null;
  }
}

// ---- Transitions, steps and clocks --------------------------------------------------------------

export function readStep(body: FormBody, question: DateQuestion | undefined, problems: Problems): StepInput {
  const date = question ? readDate(body, problems, 'date', WORKFLOW_DATE_LABELS[question.field], true) : null;
  return { date, reference: text(body, 'reference', 200), note: text(body, 'note', 6000) };
}

export function readClockChange(body: FormBody, problems: Problems, action: 'pause' | 'resume'): { on: DateOnly | null; reason: string; panelToldOn: DateOnly | null; sosToldOn: DateOnly | null } {
  const on = readDate(body, problems, 'date', `the date the clock was ${action === 'pause' ? 'paused' : 'resumed'}`, true);
  const panelToldOn = readDate(body, problems, 'panelToldOn', 'the date the Panel was told', false);
  const sosToldOn = readDate(body, problems, 'sosToldOn', 'the date the Secretary of State was told', false);
  return { on, reason: text(body, 'reason', 3000), panelToldOn, sosToldOn };
}

// ---- Referrals -------------------------------------------------------------------------------

const referralSchema = z.object({
  agency: z.string().min(1, 'Choose the agency making the referral'),
  summary: z.string().trim().min(1, 'Enter a short summary of the incident').max(500, 'The summary must be 500 characters or fewer'),
  details: z.string().trim().min(1, 'Enter the details of the incident').max(20_000, 'The details must be 20,000 characters or fewer'),
});

export function readReferral(body: FormBody, problems: Problems): { agency: string; summary: string; details: string; receivedOn: DateOnly } | null {
  const parsed = referralSchema.safeParse({ agency: text(body, 'agency', 100), summary: text(body, 'summary', 1000), details: text(body, 'details') });
  if (!parsed.success) for (const issue of parsed.error.issues) problems.add(String(issue.path[0]), issue.message);
  const receivedOn = readDate(body, problems, 'received', 'the date the referral was made', true);
  return parsed.success && receivedOn ? { ...parsed.data, receivedOn } : null;
}

const outcomeSchema = z.object({
  outcome: z.enum(REFERRAL_OUTCOMES, { error: 'Select the outcome of the referral' }),
  reasons: z.string().trim().min(1, 'Enter the reasons for the outcome').max(5000, 'The reasons must be 5,000 characters or fewer'),
});

export function readOutcome(body: FormBody, problems: Problems): { outcome: ReferralOutcome; reasons: string } | null {
  const parsed = outcomeSchema.safeParse({ outcome: body.outcome, reasons: text(body, 'reasons', 6000) });
  if (!parsed.success) for (const issue of parsed.error.issues) problems.add(String(issue.path[0]), issue.message);
  return parsed.success ? parsed.data : null;
}
