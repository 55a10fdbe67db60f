import { RAPID_REVIEW_EVENT_LABELS } from '../../domain/workflow/rapid-review-events.ts';
import { REVIEW_EVENT_LABELS } from '../../domain/reviews/review-log.ts';
import { sql, type Kysely } from 'kysely';
import { compareDates, formatDateForDisplay as formatDate, type DateOnly } from '../../domain/calendar/date-only.ts';
import { validateCaseDates } from '../../domain/clocks/deadlines.ts';
import type { ClockRule } from '../../domain/clocks/rules.ts';
import type { AbuseOrNeglect, IncidentLocation, IncidentOutcome } from '../../domain/notification/criteria.ts';
import {
  ETHNICITY_LABELS,
  isEthnicity,
  isPerpetratorRelationship,
  PERPETRATOR_RELATIONSHIP_LABELS,
  socialCareStatusProblem,
  YES_NO_NOT_KNOWN,
  YES_NO_NOT_KNOWN_LABELS,
  type Ethnicity,
  type PerpetratorRelationship,
  type YesNoNotKnown,
} from '../../domain/notification/form-facts.ts';
import { caseDecisionOf, stateAfterSending, type SignedDecision } from '../../domain/workflow/decision.ts';
import {
  availableSteps,
  availableTransitions,
  checkRecordedDate,
  checkStep,
  checkTransition,
  CLOCK_CHANGES,
  findStep,
  findTransition,
  isIncidentState,
  STATES,
  STEPS,
  TRANSITIONS,
  WORKFLOW_DATE_LABELS,
  type IncidentState,
  type May,
  type StepDefinition,
  type TransitionDefinition,
  type WorkflowDate,
  type WorkflowError,
  type WorkflowFacts,
} from '../../domain/workflow/incident-workflow.ts';
import { openField, sealField, type FieldCipher } from '../../platform/crypto/field-encryption.ts';
import { withTenant, type TenantScope } from '../../platform/db/tenant.ts';
import type { DB, IncidentsTable } from '../../platform/db/types.ts';
import { formatDateTime } from '../audit/format.ts';
import { listAgencies, listPartnerships } from '../partnerships/service.ts';
import { currentCalendar, currentRules } from '../rules/service.ts';
import { caseClocks, CLOCK_STATE_LABELS, nextClock, nextClockTag, type ClockPause, type ClockView } from './clocks.ts';
import { dutiesForClocks, incidentDuties, type AgeBand, type IncidentDuty } from './duties.ts';
import {
  incidentPartnershipOf,
  insertChildren,
  insertEvent,
  insertIncident,
  insertPause,
  nextReferenceNumber,
  resumePause,
  selectChildren,
  selectChildFactsInScope,
  countByState,
  type ListOptions,
  selectIncidentsForList,
  selectRuleSets,
  selectPausesInScope,
  selectEvents,
  selectIncident,
  selectPauses,
  selectPublicationPlans,
  selectReferral,
  updateIncident,
  updateReferral,
  type ChildRow,
  type IncidentRow,
} from './queries.ts';
import { formatReference, referencePrefix } from './references.ts';

/**
 * Use cases of the statutory workflow, free of HTTP: pages and the API call these with the
 * person's tenant scope (partnershipsWith(principal, permission)) and a `may` function for the
 * workflow's own permissions. Each returns plain data or a typed problem; callers record audit
 * entries. Identifying details are encrypted here and decrypted only for `loadIncident`.
 */

export type Actor = { userId: string; name: string };

/** Adds an event to the case timeline, in the caller's transaction. */
export function addCaseEvent(
  trx: Kysely<DB>,
  incident: { id: string; partnershipId: string },
  actor: Actor,
  kind: string,
  details: Record<string, unknown>,
  extra: { from?: IncidentState; to?: IncidentState; note?: string | null } = {},
): Promise<void> {
  return insertEvent(trx, {
    incident_id: incident.id,
    partnership_id: incident.partnershipId,
    kind,
    actor_id: actor.userId,
    actor_name: actor.name,
    from_state: extra.from ?? null,
    to_state: extra.to ?? null,
    note: extra.note ?? null,
    details: JSON.stringify(details),
  });
}
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

export const FACT_LABELS: Readonly<Record<FactField, string>> = Object.freeze({
  outcome: 'What happened to the child',
  abuseOrNeglect: 'Abuse or neglect',
  location: 'Where it happened',
  incidentOn: 'Date of the incident',
  aware: 'Date the local authority became aware',
  whatIsKnown: 'What is known so far',
  agencyIds: 'Agencies involved',
  otherAgencies: 'Other agencies involved',
  perpetratorRelationship: 'The alleged perpetrator’s relationship to the child',
  policeInvestigation: 'Police investigation',
  mediaInterest: 'Media interest',
});

/** Facts that may identify people (free text, who the alleged perpetrator is): stored encrypted, never written to the audit trail. */
export const SENSITIVE_FACTS: ReadonlySet<FactField> = new Set(['whatIsKnown', 'perpetratorRelationship']);

export const OUTCOME_LABELS: Readonly<Record<IncidentOutcome, string>> = Object.freeze({
  died: 'The child died',
  'serious-harm': 'The child was seriously harmed',
  other: 'Neither: the child was not seriously harmed',
});
export const ABUSE_LABELS: Readonly<Record<AbuseOrNeglect, string>> = Object.freeze({
  known: 'Known',
  suspected: 'Suspected',
  'not-suspected': 'Not known or suspected',
});
export const LOCATION_LABELS: Readonly<Record<IncidentLocation, string>> = Object.freeze({
  'in-area': 'In the local authority’s area',
  'outside-england-normally-resident': 'Outside England, and the child normally lives in the area',
  'elsewhere-in-england': 'Elsewhere in England',
});
export const GENDER_LABELS: Readonly<Record<Gender, string>> = Object.freeze({ female: 'Female', male: 'Male', other: 'Other', 'not-known': 'Not known' });

const DATE_COLUMNS = {
  notified: 'notified_on',
  partnersInformed: 'partners_informed_on',
  ofstedSosNotified: 'ofsted_sos_notified_on',
  rapidReviewStarted: 'rapid_review_started_on',
  rapidReviewSent: 'rapid_review_sent_on',
  decision: 'decision_on',
  completed: 'completed_on',
  advanceCopySent: 'advance_copy_sent_on',
  published: 'published_on',
  closed: 'closed_on',
  belowThresholdReview: 'below_threshold_review_on',
} as const satisfies Record<WorkflowDate, keyof IncidentsTable>;

const SEND_RAPID_REVIEW = 'send-rapid-review';

export class CaseError extends Error {}

// ---- Reading ---------------------------------------------------------------------------------

export type IncidentRecord = {
  id: string;
  partnershipId: string;
  reference: string;
  state: IncidentState;
  outcome: IncidentOutcome;
  abuseOrNeglect: AbuseOrNeglect;
  location: IncidentLocation;
  lookedAfter: boolean;
  careLeaver: boolean;
  incidentOn: DateOnly | null;
  aware: DateOnly;
  agencyIds: string[];
  otherAgencies: string;
  policeInvestigation: YesNoNotKnown | null;
  mediaInterest: YesNoNotKnown | null;
  dates: Partial<Record<WorkflowDate, DateOnly>>;
  panelReference: string | null;
  reviewDecision: 'local-review' | 'alternative-review' | 'no-review' | null;
  /** The review's planned publication date and chosen advance-copy recipients (none until the review records them). */
  plannedPublication: DateOnly | null;
  advanceCopyTo: string[] | null;
  clockRules: ClockRule[];
  version: number;
  createdAt: Date;
  updatedAt: Date;
};

function stateOf(value: string): IncidentState {
  if (!isIncidentState(value)) throw new CaseError(`An incident has an unknown state: ${value}`);
  return value;
}

function record(row: IncidentRow): IncidentRecord {
  const dates: Partial<Record<WorkflowDate, DateOnly>> = {};
  for (const [field, column] of Object.entries(DATE_COLUMNS) as [WorkflowDate, (typeof DATE_COLUMNS)[WorkflowDate]][]) {
    const v = row[column];
    if (v) dates[field] = v;
  }
  return {
    id: row.id,
    partnershipId: row.partnership_id,
    reference: row.reference,
    state: stateOf(row.state),
    outcome: row.outcome,
    abuseOrNeglect: row.abuse_or_neglect,
    location: row.location,
    lookedAfter: row.looked_after,
    careLeaver: row.care_leaver,
    incidentOn: row.incident_on,
    aware: row.aware_on,
    agencyIds: Array.isArray(row.agency_ids) ? row.agency_ids : [],
    otherAgencies: row.other_agencies,
    policeInvestigation: row.police_investigation ?? null,
    mediaInterest: row.media_interest ?? null,
    dates,
    panelReference: row.panel_reference,
    reviewDecision: row.review_decision,
    plannedPublication: null,
    advanceCopyTo: null,
    clockRules: (Array.isArray(row.clock_rules) ? row.clock_rules : []) as ClockRule[],
    version: row.version,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/** What the workflow's checks see of an incident. */
export function workflowFacts(incident: IncidentRecord): WorkflowFacts {
  return { aware: incident.aware, ...incident.dates };
}

/**
 * The workflow facts with what other features hold: while the rapid review is open, the
 * partners who have signed off its decision (sending it to the Panel needs all three); while a
 * review is under way or completed, its final report versions and publication decision.
 */
export async function fullWorkflowFacts(db: Kysely<DB>, scope: TenantScope, incident: IncidentRecord): Promise<WorkflowFacts> {
  const inTenant = <T>(work: (trx: Kysely<DB>) => Promise<T>) => withTenant(db, scope, work);
  if (incident.state === 'rapid-review') {
    const { rapidReviewFacts } = await import('../rapid-reviews/service.ts');
    return { ...workflowFacts(incident), ...(await inTenant((trx) => rapidReviewFacts(trx, scope, incident.id))) };
  }
  if (incident.state === 'local-review' || incident.state === 'alternative-review' || incident.state === 'completed') {
    const { reviewFacts } = await import('../reviews/service.ts');
    return { ...workflowFacts(incident), ...(await inTenant((trx) => reviewFacts(trx, incident.partnershipId, incident.id))) };
  }
  return workflowFacts(incident);
}

/** A child's identifying and special category details, decrypted. */
export type ChildIdentifying = {
  name: string;
  dateOfBirth: DateOnly | null;
  nhsNumber: string;
  address: string;
  familyNames: string;
  ethnicity: Ethnicity | null;
  disability: YesNoNotKnown | null;
};

function isYesNoNotKnown(value: unknown): value is YesNoNotKnown {
  return typeof value === 'string' && (YES_NO_NOT_KNOWN as readonly string[]).includes(value);
}

export type ChildDetail = {
  id: string;
  position: number;
  pseudonym: string;
  gender: Gender | null;
  ageAtIncident: number | null;
  ageBand: AgeBand | null;
  lookedAfter: boolean;
  careLeaver: boolean;
  childInNeed: boolean;
  childProtectionPlan: boolean;
  identifying: ChildIdentifying;
};

function child(row: ChildRow, cipher: FieldCipher): ChildDetail {
  return {
    id: row.id,
    position: row.position,
    pseudonym: row.pseudonym,
    gender: row.gender,
    ageAtIncident: row.age_at_incident,
    ageBand: row.age_band as AgeBand | null,
    lookedAfter: row.looked_after,
    careLeaver: row.care_leaver,
    childInNeed: row.child_in_need,
    childProtectionPlan: row.child_protection_plan,
    identifying: {
      name: openField(cipher, row.name_enc),
      dateOfBirth: openField(cipher, row.date_of_birth_enc) || null,
      nhsNumber: openField(cipher, row.nhs_number_enc),
      address: openField(cipher, row.address_enc),
      familyNames: openField(cipher, row.family_names_enc),
      ethnicity: ethnicityOf(openField(cipher, row.ethnicity_enc)),
      disability: yesNoNotKnownOf(openField(cipher, row.disability_enc)),
    },
  };
}

function ethnicityOf(value: string): Ethnicity | null {
  return isEthnicity(value) ? value : null;
}

function yesNoNotKnownOf(value: string): YesNoNotKnown | null {
  return isYesNoNotKnown(value) ? value : null;
}

function perpetratorRelationshipOf(value: string): PerpetratorRelationship | null {
  return isPerpetratorRelationship(value) ? value : null;
}

export type CaseEvent = {
  seq: number;
  at: Date;
  /** '27 March 2026 at 2:05:07pm' (UK time) */
  when: string;
  /** The date recorded with the step, as a sentence: 'The date the Panel was notified: 5 March 2025'. */
  dateLine: string | null;
  kind: string;
  label: string;
  actorName: string | null;
  fromState: IncidentState | null;
  toState: IncidentState | null;
  note: string | null;
  details: Record<string, unknown>;
};

const EVENT_LABELS: Record<string, string> = {
  recorded: 'Incident recorded',
  'facts-edited': 'Facts changed',
  'child-edited': 'Child’s details changed',
  'clock-paused': 'Clock paused',
  'clock-resumed': 'Clock resumed',
  ...Object.fromEntries([...TRANSITIONS, ...STEPS].map((d) => [d.key, d.done])),
};

export type IncidentDetail = IncidentRecord & {
  partnershipName: string;
  whatIsKnown: string;
  perpetratorRelationship: PerpetratorRelationship | null;
  agencies: { id: string; name: string }[];
  children: ChildDetail[];
  events: CaseEvent[];
  pauses: (ClockPause & { id: string })[];
};

/** Lists incidents in scope with their state and the clock most needing attention today. */
export type IncidentSummary = {
  id: string;
  partnershipId: string;
  reference: string;
  state: IncidentState;
  stateLabel: string;
  stateTag: string;
  pseudonyms: string[];
  aware: DateOnly;
  next: ClockView | null;
  nextTag: { text: string; colour: string } | null;
  /** Every clock of the case, as the case page shows them (no identifying details involved). */
  clocks: ClockView[];
};

function noPartnerships(scope: TenantScope): boolean {
  return Array.isArray(scope) && scope.length === 0;
}

export async function listIncidents(db: Kysely<DB>, scope: TenantScope, today: DateOnly, options: ListOptions = {}): Promise<IncidentSummary[]> {
  if (noPartnerships(scope)) return [];
  const calendar = await currentCalendar(db);
  // Three queries for the whole scope (not one per case), joined here by incident.
  const { rows, ruleSets, children, pauses, plans } = await withTenant(db, scope, async (trx) => ({
    rows: await selectIncidentsForList(trx, scope, options),
    ruleSets: await selectRuleSets(trx, scope, options),
    children: await selectChildFactsInScope(trx, scope, options),
    pauses: await selectPausesInScope(trx, scope, options),
    plans: await selectPublicationPlans(trx, scope, null),
  }));
  const childrenOf = groupBy(children, (c) => c.incident_id);
  const pausesOf = groupBy(pauses, (p) => p.incident_id);
  return rows.map(({ rules_key, ...row }) => {
    const incident = withPlan(record({ ...row, clock_rules: ruleSets.get(rules_key) ?? [] }), plans.get(row.id));
    const mine = childrenOf.get(row.id) ?? [];
    const clocks = clocksOf(incident, mine.map((c) => childFacts(c)), (pausesOf.get(row.id) ?? []).map(pauseOf), calendar, today);
    const next = nextClock(clocks);
    return {
      id: incident.id,
      partnershipId: incident.partnershipId,
      reference: incident.reference,
      state: incident.state,
      stateLabel: STATES[incident.state].label,
      stateTag: STATES[incident.state].tag,
      pseudonyms: mine.map((c) => c.pseudonym),
      aware: incident.aware,
      next,
      nextTag: nextClockTag(next),
      clocks,
    };
  });
}

/** How many incidents each partnership in scope has in each state. */
export async function incidentCountsByState(db: Kysely<DB>, scope: TenantScope): Promise<{ partnershipId: string; state: IncidentState; count: number }[]> {
  if (noPartnerships(scope)) return [];
  const rows = await withTenant(db, scope, (trx) => countByState(trx, scope));
  return rows.map((r) => ({ partnershipId: r.partnership_id, state: stateOf(r.state), count: Number(r.n) }));
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

type ChildFacts = { pseudonym: string; lookedAfter: boolean; careLeaver: boolean; ageAtIncident: number | null; ageBand: AgeBand | null };

type ChildFactsRow = Pick<ChildRow, 'pseudonym' | 'looked_after' | 'care_leaver' | 'age_at_incident' | 'age_band'>;

function childFacts(c: ChildFactsRow | ChildDetail): ChildFacts {
  if ('identifying' in c) return { pseudonym: c.pseudonym, lookedAfter: c.lookedAfter, careLeaver: c.careLeaver, ageAtIncident: c.ageAtIncident, ageBand: c.ageBand };
  return { pseudonym: c.pseudonym, lookedAfter: c.looked_after, careLeaver: c.care_leaver, ageAtIncident: c.age_at_incident, ageBand: c.age_band as AgeBand | null };
}

function pauseOf(p: { id: string; clock_key: string; paused_on: string; resumed_on: string | null; reason: string; panel_told_on: string | null; sos_told_on: string | null }): ClockPause & { id: string } {
  return { id: p.id, clockKey: p.clock_key, pausedOn: p.paused_on, resumedOn: p.resumed_on, reason: p.reason, panelToldOn: p.panel_told_on, sosToldOn: p.sos_told_on };
}

export function dutiesOf(incident: Pick<IncidentRecord, 'outcome' | 'abuseOrNeglect' | 'location' | 'aware'>, children: readonly ChildFacts[]): IncidentDuty[] {
  return incidentDuties({ outcome: incident.outcome, abuseOrNeglect: incident.abuseOrNeglect, location: incident.location, aware: incident.aware }, children);
}

function withPlan(incident: IncidentRecord, plan: { planned: string | null; advanceCopyTo: string[] } | undefined): IncidentRecord {
  return plan ? { ...incident, plannedPublication: plan.planned, advanceCopyTo: plan.advanceCopyTo.length ? plan.advanceCopyTo : null } : incident;
}

function clocksOf(
  incident: IncidentRecord,
  children: readonly ChildFacts[],
  pauses: readonly ClockPause[],
  calendar: Awaited<ReturnType<typeof currentCalendar>>,
  today: DateOnly,
): ClockView[] {
  return caseClocks(
    {
      state: incident.state,
      aware: incident.aware,
      outcome: incident.outcome,
      lookedAfter: incident.lookedAfter,
      careLeaver: incident.careLeaver,
      reviewDecision: incident.reviewDecision,
      dates: incident.dates,
      plannedPublication: incident.plannedPublication,
      advanceCopyTo: incident.advanceCopyTo,
      rules: incident.clockRules,
      pauses,
      duties: dutiesForClocks(dutiesOf(incident, children)),
    },
    calendar,
    today,
  );
}

/** One incident in scope with its children (identifying details decrypted), timeline and pauses; undefined when not in scope. */
export async function loadIncident(db: Kysely<DB>, cipher: FieldCipher, scope: TenantScope, id: string): Promise<IncidentDetail | undefined> {
  if (noPartnerships(scope) || !isUuid(id)) return undefined;
  const found = await withTenant(db, scope, async (trx) => {
    const row = await selectIncident(trx, scope, id);
    if (!row) return undefined;
    return {
      row,
      children: await selectChildren(trx, scope, [id]),
      events: await selectEvents(trx, scope, id),
      pauses: await selectPauses(trx, scope, [id]),
      plan: (await selectPublicationPlans(trx, scope, [id])).get(id),
    };
  });
  if (!found) return undefined;
  const incident = withPlan(record(found.row), found.plan);
  const [partnership] = await listPartnerships(db, [incident.partnershipId]);
  const agencies = await listAgencies(db, incident.partnershipId);
  return {
    ...incident,
    partnershipName: partnership?.name ?? '',
    whatIsKnown: openField(cipher, found.row.what_is_known_enc),
    perpetratorRelationship: perpetratorRelationshipOf(openField(cipher, found.row.perpetrator_relationship_enc)),
    agencies: incident.agencyIds.map((a) => ({ id: a, name: agencies.find((x) => x.id === a)?.name ?? 'An agency no longer listed' })),
    children: found.children.map((c) => child(c, cipher)),
    events: found.events.map((e) => eventOf(e)),
    pauses: found.pauses.map(pauseOf),
  };
}

function eventOf(e: Awaited<ReturnType<typeof selectEvents>>[number]): CaseEvent {
  const details = (e.details && typeof e.details === 'object' ? e.details : {}) as Record<string, unknown>;
  const date = typeof details.date === 'string' ? details.date : null;
  const label = typeof details.dateLabel === 'string' ? details.dateLabel : 'the date';
  return {
    seq: e.seq,
    at: new Date(e.at),
    when: formatDateTime(new Date(e.at)),
    dateLine: date ? `${label.charAt(0).toUpperCase()}${label.slice(1)}: ${formatDate(date)}` : null,
    kind: e.kind,
    label: EVENT_LABELS[e.kind] ?? RAPID_REVIEW_EVENT_LABELS[e.kind] ?? REVIEW_EVENT_LABELS[e.kind] ?? e.kind,
    actorName: e.actor_name,
    fromState: e.from_state && isIncidentState(e.from_state) ? e.from_state : null,
    toState: e.to_state && isIncidentState(e.to_state) ? e.to_state : null,
    note: e.note,
    details,
  };
}

export type CaseOverview = {
  incident: IncidentDetail;
  duties: IncidentDuty[];
  clocks: ClockView[];
  transitions: TransitionDefinition[];
  steps: StepDefinition[];
  /** The person may pause and resume clocks. */
  mayChangeClocks: boolean;
};

/** Everything the case page shows: the incident, its duties, every clock today, and what this person may do now. */
export async function caseOverview(
  db: Kysely<DB>,
  cipher: FieldCipher,
  scope: TenantScope,
  id: string,
  mayIn: (partnershipId: string) => May,
  today: DateOnly,
): Promise<CaseOverview | undefined> {
  const incident = await loadIncident(db, cipher, scope, id);
  if (!incident) return undefined;
  const may = mayIn(incident.partnershipId);
  const calendar = await currentCalendar(db);
  const duties = dutiesOf(incident, incident.children);
  const clocks = clocksOf(incident, incident.children, incident.pauses, calendar, today);
  const facts = await fullWorkflowFacts(db, scope, incident);
  const applies = (duty: IncidentDuty['duty']) => duties.find((d) => d.duty === duty)?.applies === true;
  const steps = availableSteps(incident.state, may, facts).filter((s) => {
    // Offer a step until it is recorded, and only where it is a duty of this case.
    if (s.date && incident.dates[s.date.field]) return false;
    if (s.key === 'ofsted-sos-notified') return applies('ofsted-sos-notification');
    if (s.key === 'partners-informed') return applies('partners-informed') && incident.state !== 'not-notifiable' && !incident.dates.belowThresholdReview;
    return true;
  });
  return {
    incident,
    duties,
    clocks,
    transitions: availableTransitions(incident.state, may, facts),
    steps,
    mayChangeClocks: checkStep(incident.state, CLOCK_CHANGES.key, may, facts).ok,
  };
}

/** The partnership of an incident, whatever the scope: to record a refusal when someone asks for another partnership's case. */
export async function incidentPartnership(db: Kysely<DB>, id: string): Promise<string | undefined> {
  if (!isUuid(id)) return undefined;
  return withTenant(db, 'all', (trx) => incidentPartnershipOf(trx, id));
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

// ---- Recording an incident -------------------------------------------------------------------

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

function factProblems(facts: Facts, today: DateOnly, recorded: Partial<Record<WorkflowDate, DateOnly>>, partnershipAgencies: string[]): FieldProblem[] {
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

function childProblems(children: readonly ChildInput[], facts: Facts, today: DateOnly): FieldProblem[] {
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

export type RecordResult = { ok: true; id: string; reference: string } | { ok: false; problems: FieldProblem[] };

/**
 * Records a new incident (state 'recorded') with its children, judged under the clock rules in
 * force now (a copy is kept with the case). Optionally links the referral it came from.
 */
export async function recordIncident(
  db: Kysely<DB>,
  cipher: FieldCipher,
  actor: Actor,
  input: { partnershipId: string; facts: Facts; children: ChildInput[]; referralId?: string | null },
  today: DateOnly,
): Promise<RecordResult> {
  const { partnershipId, facts, children } = input;
  if (children.length === 0) return { ok: false, problems: [{ field: 'children', message: 'Add at least one child' }] };
  const agencies = (await listAgencies(db, partnershipId)).map((a) => a.id);
  const problems = [...factProblems(facts, today, {}, agencies), ...childProblems(children, facts, today)];
  if (problems.length) return { ok: false, problems };
  const [partnership] = await listPartnerships(db, [partnershipId]);
  if (!partnership) throw new CaseError('The partnership does not exist.');
  const rules = await currentRules(db);
  const year = Number(today.slice(0, 4));
  const prefix = referencePrefix(partnership.slug);

  return withTenant(db, [partnershipId], async (trx) => {
    // Two people recording at once would pick the same number: they take turns.
    await sql`select pg_advisory_xact_lock(hashtext(${`cspr-hub:incident-reference:${partnershipId}:${year}`}))`.execute(trx);
    if (input.referralId) {
      const referral = await selectReferral(trx, [partnershipId], input.referralId, { forUpdate: true });
      if (!referral || referral.outcome !== 'notify' || referral.incident_id) {
        return { ok: false, problems: [{ field: 'referral', message: 'The referral this came from has already been dealt with, or is not one to notify' }] } as RecordResult;
      }
    }
    const number = await nextReferenceNumber(trx, partnershipId, year);
    const reference = formatReference(prefix, year, number);
    const { id } = await insertIncident(trx, {
      partnership_id: partnershipId,
      reference,
      reference_year: year,
      reference_number: number,
      state: 'recorded',
      outcome: facts.outcome,
      abuse_or_neglect: facts.abuseOrNeglect,
      location: facts.location,
      looked_after: children.some((c) => c.lookedAfter),
      care_leaver: children.some((c) => c.careLeaver),
      incident_on: facts.incidentOn,
      aware_on: facts.aware,
      what_is_known_enc: sealField(cipher, facts.whatIsKnown),
      perpetrator_relationship_enc: sealField(cipher, facts.perpetratorRelationship),
      police_investigation: facts.policeInvestigation ?? null,
      media_interest: facts.mediaInterest ?? null,
      agency_ids: JSON.stringify(facts.agencyIds),
      other_agencies: facts.otherAgencies.trim(),
      clock_rules: JSON.stringify(rules),
      created_by: actor.userId,
      updated_by: actor.userId,
    });
    await insertChildren(
      trx,
      children.map((c, i) => ({
        incident_id: id,
        partnership_id: partnershipId,
        position: i + 1,
        pseudonym: c.pseudonym.trim(),
        name_enc: sealField(cipher, c.name),
        date_of_birth_enc: sealField(cipher, c.dateOfBirth),
        nhs_number_enc: sealField(cipher, c.nhsNumber.replace(/\s+/g, '')),
        address_enc: sealField(cipher, c.address),
        family_names_enc: sealField(cipher, c.familyNames),
        gender: c.gender,
        age_at_incident: c.ageAtIncident,
        age_band: c.ageBand,
        looked_after: c.lookedAfter,
        care_leaver: c.careLeaver,
        ethnicity_enc: sealField(cipher, c.ethnicity),
        disability_enc: sealField(cipher, c.disability),
        child_in_need: c.childInNeed ?? false,
        child_protection_plan: c.childProtectionPlan ?? false,
      })),
    );
    await insertEvent(trx, {
      incident_id: id,
      partnership_id: partnershipId,
      kind: 'recorded',
      actor_id: actor.userId,
      actor_name: actor.name,
      to_state: 'recorded',
      details: JSON.stringify({ children: children.length, ...(input.referralId ? { fromReferral: true } : {}) }),
    });
    if (input.referralId) await updateReferral(trx, partnershipId, input.referralId, { incident_id: id });
    return { ok: true, id, reference } as RecordResult;
  });
}

// ---- Editing the facts, with optimistic locking ----------------------------------------------

export type FactChange = { field: FactField; label: string; theirs: string; yours: string };

export type UpdateResult =
  | { status: 'saved'; version: number; changed: FactField[]; before: Partial<Facts>; after: Partial<Facts> }
  | { status: 'conflict'; version: number; current: Facts; changes: FactChange[] }
  | { status: 'invalid'; problems: FieldProblem[] }
  | { status: 'not-found' };

function sameFact(field: FactField, a: Facts, b: Facts): boolean {
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

/**
 * Saves edited facts if the incident is still at the version the form was opened at. When someone
 * saved in between, the edit is saved only if none of the facts on the form changed since
 * (`base`, the values the form was opened with); otherwise nothing is saved and the conflict lists
 * each fact the other person changed, theirs beside yours, with the version to send next.
 */
export async function updateFacts(
  db: Kysely<DB>,
  cipher: FieldCipher,
  scope: TenantScope,
  actor: Actor,
  id: string,
  input: { version: number; base: Facts | null; values: Facts },
  today: DateOnly,
): Promise<UpdateResult> {
  if (noPartnerships(scope) || !isUuid(id)) return { status: 'not-found' };
  return withTenant(db, scope, async (trx) => {
    const row = await selectIncident(trx, scope, id, { forUpdate: true });
    if (!row) return { status: 'not-found' } as const;
    const incident = record(row);
    const current = factsOf({ ...incident, perpetratorRelationship: perpetratorRelationshipOf(openField(cipher, row.perpetrator_relationship_enc)) }, openField(cipher, row.what_is_known_enc));
    const agencyList = await listAgencies(trx, incident.partnershipId);
    const agencies = agencyList.map((a) => ({ id: a.id, name: a.name }));

    if (input.version !== incident.version) {
      const theirs = FACT_FIELDS.filter((f) => !input.base || !sameFact(f, input.base, current));
      if (theirs.length) {
        return {
          status: 'conflict',
          version: incident.version,
          current,
          changes: theirs.map((f) => ({ field: f, label: FACT_LABELS[f], theirs: describeFact(f, current, agencies), yours: describeFact(f, input.values, agencies) })),
        } as const;
      }
    }

    const problems = factProblems(input.values, today, incident.dates, agencies.map((a) => a.id));
    if (problems.length) return { status: 'invalid', problems } as const;

    const changed = FACT_FIELDS.filter((f) => !sameFact(f, input.values, current));
    if (changed.length === 0) return { status: 'saved', version: incident.version, changed, before: {}, after: {} } as const;
    const v = input.values;
    const saved = await updateIncident(trx, incident.partnershipId, id, incident.version, {
      outcome: v.outcome,
      abuse_or_neglect: v.abuseOrNeglect,
      location: v.location,
      incident_on: v.incidentOn,
      aware_on: v.aware,
      what_is_known_enc: sealField(cipher, v.whatIsKnown),
      perpetrator_relationship_enc: sealField(cipher, v.perpetratorRelationship),
      police_investigation: v.policeInvestigation ?? null,
      media_interest: v.mediaInterest ?? null,
      agency_ids: JSON.stringify(v.agencyIds),
      other_agencies: v.otherAgencies.trim(),
      updated_by: actor.userId,
    });
    if (!saved) throw new CaseError('The incident changed while it was being saved.');
    await insertEvent(trx, {
      incident_id: id,
      partnership_id: incident.partnershipId,
      kind: 'facts-edited',
      actor_id: actor.userId,
      actor_name: actor.name,
      details: JSON.stringify({ fields: changed.map((f) => FACT_LABELS[f]) }),
    });
    // Only non-identifying facts carry values; the others are named as changed.
    const plain = changed.filter((f) => !SENSITIVE_FACTS.has(f));
    return {
      status: 'saved',
      version: incident.version + 1,
      changed,
      before: Object.fromEntries(plain.map((f) => [f, current[f]])) as Partial<Facts>,
      after: Object.fromEntries(plain.map((f) => [f, v[f]])) as Partial<Facts>,
    } as const;
  });
}

// ---- Transitions and steps -------------------------------------------------------------------

export type StepInput = { date: DateOnly | null; reference: string; note: string };

export type StepResult =
  | { ok: true; reference: string; partnershipId: string; from: IncidentState; to: IncidentState; date: DateOnly | null; definition: TransitionDefinition | StepDefinition }
  | { ok: false; reason: 'not-found' }
  | { ok: false; reason: 'workflow'; error: WorkflowError }
  | { ok: false; reason: 'invalid'; problems: FieldProblem[] };

function answerProblems(definition: TransitionDefinition | StepDefinition, input: StepInput, incident: IncidentRecord, today: DateOnly): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (definition.date) {
    if (!input.date) problems.push({ field: 'date', message: `Enter ${WORKFLOW_DATE_LABELS[definition.date.field]}` });
    else {
      const p = checkRecordedDate(definition.date, input.date, workflowFacts(incident), today);
      if (p) problems.push({ field: 'date', message: p });
    }
  }
  if (definition.reference) {
    const ref = input.reference.trim();
    if (definition.reference.required && !ref) problems.push({ field: 'reference', message: 'Enter the Panel reference' });
    else if (ref.length > 100) problems.push({ field: 'reference', message: 'Panel reference must be 100 characters or fewer' });
  }
  if (definition.note) {
    const note = input.note.trim();
    if (definition.note.required && !note) problems.push({ field: 'note', message: `Enter the ${definition.note.label.toLowerCase().replace(/ \(optional\)$/, '')}` });
    else if (note.length > 5000) problems.push({ field: 'note', message: 'The note must be 5,000 characters or fewer' });
  }
  return problems;
}

/** The form a transition or step asks for: looked up by key; undefined when there is no such thing. */
export function definitionFor(key: string): TransitionDefinition | StepDefinition | undefined {
  return findTransition(key) ?? findStep(key);
}

/**
 * Takes a transition or records a step, checked against the workflow (order and permission) and
 * the answers (date, reference, note), and adds it to the timeline. The check runs on the incident
 * as it is in the database, locked, so two people cannot both move it from the same state.
 */
export async function recordWorkflowStep(
  db: Kysely<DB>,
  scope: TenantScope,
  actor: Actor,
  id: string,
  key: string,
  input: StepInput,
  may: (partnershipId: string) => May,
  today: DateOnly,
  /** Facts only the caller can vouch for: the publishing feature's `publicationChecked` after its checks. */
  vouched: WorkflowFacts = {},
): Promise<StepResult> {
  if (noPartnerships(scope) || !isUuid(id)) return { ok: false, reason: 'not-found' };
  return withTenant(db, scope, async (trx): Promise<StepResult> => {
    const row = await selectIncident(trx, scope, id, { forUpdate: true });
    if (!row) return { ok: false, reason: 'not-found' };
    const incident = record(row);
    // Sending the rapid review needs the three partners' sign-offs, which the rapid review feature keeps.
    const facts = { ...(await fullWorkflowFacts(trx, scope, incident)), ...vouched };
    const check = findTransition(key)
      ? checkTransition(incident.state, key, may(incident.partnershipId), facts)
      : checkStep(incident.state, key, may(incident.partnershipId), facts);
    if (!check.ok) return { ok: false, reason: 'workflow', error: check.error };
    const definition = check.definition;
    const problems = answerProblems(definition, input, incident, today);
    if (problems.length) return { ok: false, reason: 'invalid', problems };

    // One decision: sending the rapid review moves the case to the state of the decision the three
    // partners signed off, and records that decision and its date (the 6-month clock's start).
    const signed = definition.key === SEND_RAPID_REVIEW ? (facts.rapidReviewDecision as SignedDecision | null | undefined) ?? null : null;
    if (definition.key === SEND_RAPID_REVIEW) {
      if (!signed) return { ok: false, reason: 'workflow', error: { code: 'requirement', message: 'Record the decision in the rapid review, and have the three partners sign it off, before sending it to the Panel' } };
      if (input.date && compareDates(input.date, signed.decidedOn) < 0) {
        return { ok: false, reason: 'invalid', problems: [{ field: 'date', message: `The date the rapid review was sent to the Panel cannot be before the date of the decision (${formatDate(signed.decidedOn)})` }] };
      }
    }
    const to = signed ? stateAfterSending(signed.decision) : definition.kind === 'transition' ? definition.to : incident.state;
    const changes: Parameters<typeof updateIncident>[4] = { state: to, updated_by: actor.userId };
    if (signed) {
      const decided = caseDecisionOf(signed);
      changes.review_decision = decided.reviewDecision;
      changes.decision_on = decided.decisionOn;
      await trx.updateTable('rapid_reviews').set({ sent_on: input.date, updated_by: actor.userId }).where('incident_id', '=', id).where('partnership_id', '=', incident.partnershipId).execute();
    }
    if (definition.date && input.date) changes[DATE_COLUMNS[definition.date.field]] = input.date;
    if (definition.reference) changes.panel_reference = input.reference.trim() || null;
    if (definition.kind === 'transition') {
      for (const cleared of definition.clears ?? []) changes[DATE_COLUMNS[cleared]] = null;
      // A practice learning review of a case below the threshold: the partnership's own decision (there was no rapid review).
      if (definition.key === 'below-threshold-review' && input.date) {
        changes.review_decision = 'alternative-review';
        changes.decision_on = input.date;
      }
    }
    const saved = await updateIncident(trx, incident.partnershipId, id, incident.version, changes);
    if (!saved) throw new CaseError('The incident changed while it was being saved.');
    await insertEvent(trx, {
      incident_id: id,
      partnership_id: incident.partnershipId,
      kind: definition.key,
      actor_id: actor.userId,
      actor_name: actor.name,
      from_state: incident.state,
      to_state: to,
      note: input.note.trim() || null,
      details: JSON.stringify({
        ...(definition.date && input.date ? { date: input.date, dateLabel: WORKFLOW_DATE_LABELS[definition.date.field] } : {}),
        ...(definition.reference && input.reference.trim() ? { panelReference: input.reference.trim() } : {}),
        ...(signed ? { decision: signed.decision, decidedOn: signed.decidedOn } : {}),
      }),
    });
    return { ok: true, reference: incident.reference, partnershipId: incident.partnershipId, from: incident.state, to, date: input.date, definition };
  });
}

// ---- Pausing and resuming clocks ---------------------------------------------------------------

export type ClockChangeResult =
  | { ok: true; partnershipId: string; clock: ClockView }
  | { ok: false; reason: 'not-found' }
  | { ok: false; reason: 'workflow'; error: WorkflowError }
  | { ok: false; reason: 'invalid'; problems: FieldProblem[] };

/** The clock of a case the person is looking at, for the pause and resume pages. */
export async function findClock(db: Kysely<DB>, cipher: FieldCipher, scope: TenantScope, id: string, clockKey: string, today: DateOnly): Promise<{ incident: IncidentDetail; clock: ClockView } | undefined> {
  const incident = await loadIncident(db, cipher, scope, id);
  if (!incident) return undefined;
  const clocks = clocksOf(incident, incident.children, incident.pauses, await currentCalendar(db), today);
  const clock = clocks.find((c) => c.key === clockKey);
  return clock ? { incident, clock } : undefined;
}

/** A pause (a delay for good reason, where the clock's rule allows one) or its end, with when the Panel and the Secretary of State were told. */
export type ClockChange =
  | { action: 'pause'; on: DateOnly | null; reason: string; panelToldOn?: DateOnly | null; sosToldOn?: DateOnly | null }
  | { action: 'resume'; on: DateOnly | null; panelToldOn?: DateOnly | null; sosToldOn?: DateOnly | null };

/** Why a clock may not be paused now, in words for the person (and the API's 409). Null when it may. */
export function whyNotPausable(clock: ClockView): string | null {
  if (!clock.mayPause) {
    return `The clock “${clock.title}” cannot be paused: its rule does not allow a pause. `
      + 'The duty to notify the Panel, tell the safeguarding partners and notify the Secretary of State and Ofsted runs whatever happens; '
      + 'record the date it was done, and it will show as late if it was.';
  }
  if (clock.pausable) return null;
  const why = clock.pausedSince ? 'it is already paused' : clock.doneOn ? 'it is done' : `it is ${CLOCK_STATE_LABELS[clock.state].text.toLowerCase()}`;
  return `This clock cannot be paused: ${why}.`;
}

export async function changeClock(
  db: Kysely<DB>,
  cipher: FieldCipher,
  scope: TenantScope,
  actor: Actor,
  id: string,
  clockKey: string,
  change: ClockChange,
  may: (partnershipId: string) => May,
  today: DateOnly,
): Promise<ClockChangeResult> {
  const found = await findClock(db, cipher, scope, id, clockKey, today);
  if (!found) return { ok: false, reason: 'not-found' };
  const { incident, clock } = found;
  const check = checkStep(incident.state, CLOCK_CHANGES.key, may(incident.partnershipId), workflowFacts(incident));
  if (!check.ok) return { ok: false, reason: 'workflow', error: check.error };
  const problems: FieldProblem[] = [];
  const openPause = incident.pauses.find((p) => p.clockKey === clockKey && !p.resumedOn);
  const verb = change.action === 'pause' ? 'paused' : 'resumed';
  if (change.action === 'pause') {
    const why = whyNotPausable(clock);
    if (why) return { ok: false, reason: 'workflow', error: { code: 'out-of-order', message: why } };
  }
  if (change.action === 'resume' && !openPause) {
    return { ok: false, reason: 'workflow', error: { code: 'out-of-order', message: 'This clock cannot be resumed: it is not paused.' } };
  }
  if (!change.on) problems.push({ field: 'date', message: `Enter the date the clock was ${verb}` });
  else if (compareDates(change.on, today) > 0) problems.push({ field: 'date', message: `The date the clock was ${verb} cannot be in the future.` });
  else if (change.action === 'pause' && compareDates(change.on, clock.from) < 0) {
    problems.push({ field: 'date', message: `The date the clock was paused cannot be before the clock started (${formatDate(clock.from)}).` });
  } else if (change.action === 'resume' && openPause && compareDates(change.on, openPause.pausedOn) < 0) {
    problems.push({ field: 'date', message: `The date the clock was resumed cannot be before it was paused (${formatDate(openPause.pausedOn)}).` });
  }
  const pausedOn = change.action === 'pause' ? change.on : openPause?.pausedOn ?? null;
  for (const [field, who] of [['panelToldOn', 'the Panel'], ['sosToldOn', 'the Secretary of State']] as const) {
    const told = change[field];
    if (!told) continue;
    if (compareDates(told, today) > 0) problems.push({ field, message: `The date ${who} was told cannot be in the future.` });
    else if (pausedOn && compareDates(told, pausedOn) < 0) problems.push({ field, message: `The date ${who} was told cannot be before the clock was paused (${formatDate(pausedOn)}).` });
  }
  if (change.action === 'pause') {
    const reason = change.reason.trim();
    if (!reason) problems.push({ field: 'reason', message: 'Enter the reason the clock is paused' });
    else if (reason.length > 2000) problems.push({ field: 'reason', message: 'The reason must be 2,000 characters or fewer' });
  }
  if (problems.length) return { ok: false, reason: 'invalid', problems };

  const changed = await withTenant(db, [incident.partnershipId], async (trx) => {
    const row = await selectIncident(trx, [incident.partnershipId], id, { forUpdate: true });
    // Someone changed the case between reading its clocks and now: check again rather than guess.
    if (!row || row.version !== incident.version) return false;
    if (change.action === 'pause') {
      await insertPause(trx, {
        incident_id: id, partnership_id: incident.partnershipId, clock_key: clockKey, paused_on: change.on as DateOnly, reason: change.reason.trim(),
        panel_told_on: change.panelToldOn ?? null, sos_told_on: change.sosToldOn ?? null, paused_by: actor.userId,
      });
    } else {
      const open = openPause as ClockPause & { id: string };
      await resumePause(trx, incident.partnershipId, open.id, change.on as DateOnly, actor.userId, {
        panel_told_on: change.panelToldOn ?? open.panelToldOn ?? null, sos_told_on: change.sosToldOn ?? open.sosToldOn ?? null,
      });
    }
    await updateIncident(trx, incident.partnershipId, id, incident.version, { updated_by: actor.userId });
    await insertEvent(trx, {
      incident_id: id,
      partnership_id: incident.partnershipId,
      kind: change.action === 'pause' ? 'clock-paused' : 'clock-resumed',
      actor_id: actor.userId,
      actor_name: actor.name,
      note: change.action === 'pause' ? change.reason.trim() : null,
      details: JSON.stringify({
        clock: clock.title, clockKey, date: change.on, dateLabel: `the date the clock was ${verb}`,
        ...(change.panelToldOn ? { panelToldOn: change.panelToldOn } : {}), ...(change.sosToldOn ? { sosToldOn: change.sosToldOn } : {}),
      }),
    });
    return true;
  });
  if (!changed) {
    return { ok: false, reason: 'workflow', error: { code: 'out-of-order', message: 'Someone else changed this case at the same moment. Go back to the case and try again.' } };
  }
  return { ok: true, partnershipId: incident.partnershipId, clock };
}

// ---- Editing a child, with optimistic locking ------------------------------------------------

export const CHILD_FIELDS = [
  'pseudonym', 'name', 'dateOfBirth', 'nhsNumber', 'gender', 'ageAtIncident', 'ageBand', 'lookedAfter', 'careLeaver', 'address', 'familyNames',
  'ethnicity', 'disability', 'childInNeed', 'childProtectionPlan',
] as const;
export type ChildField = (typeof CHILD_FIELDS)[number];

export const CHILD_LABELS: Readonly<Record<ChildField, string>> = Object.freeze({
  pseudonym: 'Pseudonym',
  name: 'Full name',
  dateOfBirth: 'Date of birth',
  nhsNumber: 'NHS number',
  gender: 'Gender',
  ageAtIncident: 'Age at the incident',
  ageBand: 'Age band',
  lookedAfter: 'Looked after',
  careLeaver: 'Care leaver',
  address: 'Address',
  familyNames: 'Parents, carers and family',
  ethnicity: 'Ethnicity',
  disability: 'Disability',
  childInNeed: 'Child in need',
  childProtectionPlan: 'Child protection plan',
});

/** A child's identifying and special category details: stored encrypted; the audit trail names them as changed, never their values. */
export const IDENTIFYING_CHILD_FIELDS: ReadonlySet<ChildField> = new Set(['name', 'dateOfBirth', 'nhsNumber', 'address', 'familyNames', 'ethnicity', 'disability']);

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

function sameChildField(field: ChildField, a: ChildInput, b: ChildInput): boolean {
  const norm = (v: unknown) => (typeof v === 'string' ? (field === 'nhsNumber' ? v.replace(/\s+/g, '') : v.trim()) : v ?? (CHILD_FLAGS.has(field) ? false : null));
  return norm(a[field]) === norm(b[field]);
}

function describeChildField(field: ChildField, c: ChildInput): string {
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

export type ChildUpdateResult =
  | { status: 'saved'; version: number; partnershipId: string; changed: ChildField[]; before: Partial<ChildInput>; after: Partial<ChildInput> }
  | { status: 'conflict'; version: number; current: ChildInput; changes: ChildChange[] }
  | { status: 'invalid'; problems: FieldProblem[] }
  | { status: 'not-found' };

/**
 * Saves a child's details (adding identifying details once the child is identified, correcting
 * them) if the incident is still at the version the form was opened at, or if nobody changed this
 * child's details since (`base`). Otherwise nothing is saved and the conflict lists theirs beside yours.
 */
export async function updateChild(
  db: Kysely<DB>,
  cipher: FieldCipher,
  scope: TenantScope,
  actor: Actor,
  id: string,
  childId: string,
  input: { version: number; base: ChildInput | null; values: ChildInput },
  today: DateOnly,
): Promise<ChildUpdateResult> {
  if (noPartnerships(scope) || !isUuid(id) || !isUuid(childId)) return { status: 'not-found' };
  return withTenant(db, scope, async (trx): Promise<ChildUpdateResult> => {
    const row = await selectIncident(trx, scope, id, { forUpdate: true });
    if (!row) return { status: 'not-found' };
    const incident = record(row);
    const children = (await selectChildren(trx, scope, [id])).map((c) => child(c, cipher));
    const mine = children.find((c) => c.id === childId);
    if (!mine) return { status: 'not-found' };
    const current = childInputOf(mine);

    if (input.version !== incident.version) {
      const theirs = CHILD_FIELDS.filter((f) => !input.base || !sameChildField(f, input.base, current));
      if (theirs.length) {
        return {
          status: 'conflict',
          version: incident.version,
          current,
          changes: theirs.map((f) => ({ field: f, label: CHILD_LABELS[f], theirs: describeChildField(f, current), yours: describeChildField(f, input.values) })),
        };
      }
    }

    const all = children.map((c) => (c.id === childId ? input.values : childInputOf(c)));
    const index = children.findIndex((c) => c.id === childId);
    const problems = childProblems(all, factsOf(incident, ''), today).filter((p) => p.field.startsWith(`children.${index}.`));
    if (problems.length) return { status: 'invalid', problems };

    const changed = CHILD_FIELDS.filter((f) => !sameChildField(f, input.values, current));
    if (changed.length === 0) return { status: 'saved', version: incident.version, partnershipId: incident.partnershipId, changed, before: {}, after: {} };
    const v = input.values;
    await trx
      .updateTable('incident_children')
      .set({
        pseudonym: v.pseudonym.trim(),
        name_enc: sealField(cipher, v.name),
        date_of_birth_enc: sealField(cipher, v.dateOfBirth),
        nhs_number_enc: sealField(cipher, v.nhsNumber.replace(/\s+/g, '')),
        address_enc: sealField(cipher, v.address),
        family_names_enc: sealField(cipher, v.familyNames),
        gender: v.gender,
        age_at_incident: v.ageAtIncident,
        age_band: v.ageBand,
        looked_after: v.lookedAfter,
        care_leaver: v.careLeaver,
        ethnicity_enc: sealField(cipher, v.ethnicity),
        disability_enc: sealField(cipher, v.disability),
        child_in_need: v.childInNeed ?? false,
        child_protection_plan: v.childProtectionPlan ?? false,
        updated_at: new Date(),
      })
      .where('id', '=', childId)
      .where('incident_id', '=', id)
      .where('partnership_id', '=', incident.partnershipId)
      .execute();
    const saved = await updateIncident(trx, incident.partnershipId, id, incident.version, {
      looked_after: all.some((c) => c.lookedAfter),
      care_leaver: all.some((c) => c.careLeaver),
      updated_by: actor.userId,
    });
    if (!saved) throw new CaseError('The incident changed while it was being saved.');
    await insertEvent(trx, {
      incident_id: id,
      partnership_id: incident.partnershipId,
      kind: 'child-edited',
      actor_id: actor.userId,
      actor_name: actor.name,
      details: JSON.stringify({ child: v.pseudonym.trim(), fields: changed.map((f) => CHILD_LABELS[f]) }),
    });
    const plain = changed.filter((f) => !IDENTIFYING_CHILD_FIELDS.has(f));
    return {
      status: 'saved',
      version: incident.version + 1,
      partnershipId: incident.partnershipId,
      changed,
      before: Object.fromEntries(plain.map((f) => [f, current[f]])) as Partial<ChildInput>,
      after: Object.fromEntries(plain.map((f) => [f, v[f]])) as Partial<ChildInput>,
    };
  });
}
