import { compareDates, type DateOnly, formatDateForDisplay as formatDate } from '../../domain/calendar/date-only.ts';
import { validateCaseDates } from '../../domain/clocks/deadlines.ts';
import type { AbuseOrNeglect, IncidentLocation, IncidentOutcome } from '../../domain/notification/criteria.ts';
import {
  type Ethnicity,
  ETHNICITY_LABELS,
  isEthnicity,
  PERPETRATOR_RELATIONSHIP_LABELS,
  type PerpetratorRelationship,
  socialCareStatusProblem,
  YES_NO_NOT_KNOWN_LABELS,
  type YesNoNotKnown,
} from '../../domain/notification/form-facts.ts';
import { WORKFLOW_DATE_LABELS, type WorkflowDate } from '../../domain/workflow/incident-workflow.ts';
import type { AgeBand } from './duties.ts';
import { ABUSE_LABELS, GENDER_LABELS, LOCATION_LABELS, OUTCOME_LABELS } from './labels.ts';
import { type ChildDetail, type IncidentRecord, isYesNoNotKnown } from './records.ts';

/**
 * The facts people record about an incident and its children, and how their answers are checked
 * and compared (an edit saves only what changed; a conflict shows theirs beside yours).
 */

export type Gender = 'female' | 'male' | 'other' | 'not-known';

/** A problem with one answer: `field` is the answer's name (e.g. 'aware', 'children.0.dateOfBirth'). */
export type FieldProblem = { field: string; message: string };

export type ChildInput = {
  pseudonym: string;
  name: string;
  dateOfBirth: DateOnly | null;
  nhsNumber: string;
  address: string;
  familyNames: string;
  gender: Gender | null;
  ageAtIncident: number | null;
  ageBand: AgeBand | null;
  lookedAfter: boolean;
  careLeaver: boolean;
  /** What the national notification form asks (left out: not recorded). Ethnicity and disability are stored encrypted. */
  ethnicity?: Ethnicity | null;
  disability?: YesNoNotKnown | null;
  childInNeed?: boolean;
  childProtectionPlan?: boolean;
};

/** The facts of an incident that people record and edit. */
export type Facts = {
  outcome: IncidentOutcome;
  abuseOrNeglect: AbuseOrNeglect;
  location: IncidentLocation;
  incidentOn: DateOnly | null;
  aware: DateOnly;
  whatIsKnown: string;
  agencyIds: string[];
  otherAgencies: string;
  /** What the national notification form asks (left out: not recorded). The relationship is stored encrypted. */
  perpetratorRelationship?: PerpetratorRelationship | null;
  policeInvestigation?: YesNoNotKnown | null;
  mediaInterest?: YesNoNotKnown | null;
};

export const FACT_FIELDS = [
  'outcome', 'abuseOrNeglect', 'location', 'incidentOn', 'aware', 'whatIsKnown', 'agencyIds', 'otherAgencies',
  'perpetratorRelationship', 'policeInvestigation', 'mediaInterest',
] as const;

export type FactField = (typeof FACT_FIELDS)[number];

/** Facts that may identify people (free text, who the alleged perpetrator is): stored encrypted, never written to the audit trail. */
export const SENSITIVE_FACTS: ReadonlySet<FactField> = new Set(['whatIsKnown', 'perpetratorRelationship']);

export const CHILD_FIELDS = [
  'pseudonym', 'name', 'dateOfBirth', 'nhsNumber', 'gender', 'ageAtIncident', 'ageBand', 'lookedAfter', 'careLeaver', 'address', 'familyNames',
  'ethnicity', 'disability', 'childInNeed', 'childProtectionPlan',
] as const;

export type ChildField = (typeof CHILD_FIELDS)[number];

/** A child's identifying and special category details: stored encrypted; the audit trail names them as changed, never their values. */
export const IDENTIFYING_CHILD_FIELDS: ReadonlySet<ChildField> = new Set(['name', 'dateOfBirth', 'nhsNumber', 'address', 'familyNames', 'ethnicity', 'disability']);

/** NHS numbers: 10 digits whose last is the modulus 11 check digit. */
export function nhsNumberProblem(value: string): string | null {
  const digits = value.replace(/\s+/g, '');
  if (!/^\d{10}$/.test(digits)) return 'NHS number must be 10 digits, like 999 000 0018';
  const sum = [...digits.slice(0, 9)].reduce((acc, d, i) => acc + Number(d) * (10 - i), 0);
  const check = 11 - (sum % 11);
  const expected = check === 11 ? 0 : check;
  if (check === 10 || expected !== Number(digits[9])) return 'NHS number is not a real NHS number: check the digits';
  return null;
}

export function factProblems(facts: Facts, today: DateOnly, recorded: Partial<Record<WorkflowDate, DateOnly>>, partnershipAgencies: string[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  // The clocks' own checks: aware cannot be in the future, nor after the notification.
  const caseDates = validateCaseDates({ aware: facts.aware, notified: recorded.notified, decision: recorded.decision }, today);
  for (const e of caseDates) {
    if (e.field === 'aware') problems.push({ field: 'aware', message: e.message });
    else if (e.field === 'notified') {
      problems.push({ field: 'aware', message: `The date the local authority became aware cannot be after the date the Panel was notified (${formatDate(recorded.notified as DateOnly)}).` });
    } else if (e.field === 'decision') {
      problems.push({ field: 'aware', message: `The date the local authority became aware cannot be after the decision on a local review (${formatDate(recorded.decision as DateOnly)}).` });
    }
  }
  for (const field of ['partnersInformed', 'ofstedSosNotified', 'rapidReviewSent'] as const) {
    const other = recorded[field];
    if (other && compareDates(facts.aware, other) > 0 && !problems.some((p) => p.field === 'aware')) {
      problems.push({ field: 'aware', message: `The date the local authority became aware cannot be after ${WORKFLOW_DATE_LABELS[field]} (${formatDate(other)}).` });
    }
  }
  if (facts.incidentOn) {
    if (compareDates(facts.incidentOn, today) > 0) problems.push({ field: 'incidentOn', message: 'The date of the incident cannot be in the future.' });
    else if (compareDates(facts.incidentOn, facts.aware) > 0) {
      problems.push({ field: 'incidentOn', message: 'The date of the incident cannot be after the date the local authority became aware.' });
    }
  }
  if (facts.agencyIds.some((a) => !partnershipAgencies.includes(a))) problems.push({ field: 'agencyIds', message: 'Choose agencies from the list' });
  return problems;
}

export function childProblems(children: readonly ChildInput[], facts: Facts, today: DateOnly): FieldProblem[] {
  const problems: FieldProblem[] = [];
  children.forEach((c, i) => {
    const at = `children.${i}`;
    if (c.dateOfBirth) {
      if (compareDates(c.dateOfBirth, today) > 0) problems.push({ field: `${at}.dateOfBirth`, message: `${c.pseudonym || `Child ${i + 1}`}’s date of birth cannot be in the future.` });
      else if (compareDates(c.dateOfBirth, facts.incidentOn ?? facts.aware) > 0 && c.ageBand !== 'unborn') {
        problems.push({ field: `${at}.dateOfBirth`, message: `${c.pseudonym || `Child ${i + 1}`}’s date of birth cannot be after the incident.` });
      }
    }
    if (c.nhsNumber.trim()) {
      const p = nhsNumberProblem(c.nhsNumber);
      if (p) problems.push({ field: `${at}.nhsNumber`, message: p });
    }
    const status = socialCareStatusProblem(c);
    if (status) problems.push({ field: `${at}.status`, message: `${c.pseudonym || `Child ${i + 1}`}: ${status}` });
    if (c.ethnicity != null && !isEthnicity(c.ethnicity)) problems.push({ field: `${at}.ethnicity`, message: `Select ${c.pseudonym || `child ${i + 1}`}’s ethnicity from the list` });
    if (c.disability != null && !isYesNoNotKnown(c.disability)) problems.push({ field: `${at}.disability`, message: `Select whether ${c.pseudonym || `child ${i + 1}`} has a disability` });
  });
  const names = children.map((c) => c.pseudonym.trim().toLowerCase());
  names.forEach((n, i) => {
    if (n && names.indexOf(n) !== i) problems.push({ field: `children.${i}.pseudonym`, message: `Give each child a different pseudonym: “${children[i].pseudonym}” is used twice` });
  });
  return problems;
}

export type FactChange = { field: FactField; label: string; theirs: string; yours: string };

export function sameFact(field: FactField, a: Facts, b: Facts): boolean {
  if (field === 'agencyIds') return [...a.agencyIds].sort().join(',') === [...b.agencyIds].sort().join(',');
  const x = a[field] ?? null;
  const y = b[field] ?? null;
  return (typeof x === 'string' ? x.trim() : x) === (typeof y === 'string' ? y.trim() : y);
}

/** The facts of an incident as the forms show them; the perpetrator's relationship comes decrypted with a loaded incident. */
export function factsOf(incident: IncidentRecord & { perpetratorRelationship?: PerpetratorRelationship | null }, whatIsKnown: string): Facts {
  return {
    outcome: incident.outcome,
    abuseOrNeglect: incident.abuseOrNeglect,
    location: incident.location,
    incidentOn: incident.incidentOn,
    aware: incident.aware,
    whatIsKnown,
    agencyIds: incident.agencyIds,
    otherAgencies: incident.otherAgencies,
    perpetratorRelationship: incident.perpetratorRelationship ?? null,
    policeInvestigation: incident.policeInvestigation,
    mediaInterest: incident.mediaInterest,
  };
}

/** A fact written for people (the conflict banner shows the other person's value beside yours). */
export function describeFact(field: FactField, facts: Facts, agencies: { id: string; name: string }[]): string {
  switch (field) {
    case 'outcome': return OUTCOME_LABELS[facts.outcome];
    case 'abuseOrNeglect': return ABUSE_LABELS[facts.abuseOrNeglect];
    case 'location': return LOCATION_LABELS[facts.location];
    case 'incidentOn': return facts.incidentOn ? formatDate(facts.incidentOn) : 'Not given';
    case 'aware': return formatDate(facts.aware);
    case 'agencyIds': return facts.agencyIds.map((a) => agencies.find((x) => x.id === a)?.name ?? 'An agency no longer listed').join(', ') || 'None';
    case 'whatIsKnown':
    case 'otherAgencies': return facts[field].trim() || 'Not given';
    case 'perpetratorRelationship': return facts.perpetratorRelationship ? PERPETRATOR_RELATIONSHIP_LABELS[facts.perpetratorRelationship] : 'Not recorded';
    case 'policeInvestigation':
    case 'mediaInterest': {
      const v = facts[field];
      return v ? YES_NO_NOT_KNOWN_LABELS[v] : 'Not recorded';
    }
  }
}

export function childInputOf(c: ChildDetail): ChildInput {
  return {
    pseudonym: c.pseudonym,
    name: c.identifying.name,
    dateOfBirth: c.identifying.dateOfBirth,
    nhsNumber: c.identifying.nhsNumber,
    address: c.identifying.address,
    familyNames: c.identifying.familyNames,
    gender: c.gender,
    ageAtIncident: c.ageAtIncident,
    ageBand: c.ageBand,
    lookedAfter: c.lookedAfter,
    careLeaver: c.careLeaver,
    ethnicity: c.identifying.ethnicity,
    disability: c.identifying.disability,
    childInNeed: c.childInNeed,
    childProtectionPlan: c.childProtectionPlan,
  };
}

const CHILD_FLAGS: ReadonlySet<ChildField> = new Set(['lookedAfter', 'careLeaver', 'childInNeed', 'childProtectionPlan']);

export function sameChildField(field: ChildField, a: ChildInput, b: ChildInput): boolean {
  const norm = (v: unknown) => (typeof v === 'string' ? (field === 'nhsNumber' ? v.replace(/\s+/g, '') : v.trim()) : v ?? (CHILD_FLAGS.has(field) ? false : null));
  return norm(a[field]) === norm(b[field]);
}

export function describeChildField(field: ChildField, c: ChildInput): string {
  const v = c[field];
  if (field === 'dateOfBirth') return c.dateOfBirth ? formatDate(c.dateOfBirth) : 'Not given';
  if (field === 'gender') return c.gender ? GENDER_LABELS[c.gender] : 'Not given';
  if (field === 'ethnicity') return c.ethnicity ? ETHNICITY_LABELS[c.ethnicity] ?? 'Not given' : 'Not given';
  if (field === 'disability') return c.disability ? YES_NO_NOT_KNOWN_LABELS[c.disability] : 'Not given';
  if (CHILD_FLAGS.has(field)) return v ? 'Yes' : 'No';
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  if (v === null || v === '') return 'Not given';
  return String(v);
}

export type ChildChange = { field: ChildField; label: string; theirs: string; yours: string };
