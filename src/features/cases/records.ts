import type { Kysely } from 'kysely';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import type { ClockRule } from '../../domain/clocks/rules.ts';
import type { AbuseOrNeglect, IncidentLocation, IncidentOutcome } from '../../domain/notification/criteria.ts';
import {
  type Ethnicity,
  isEthnicity,
  isPerpetratorRelationship,
  type PerpetratorRelationship,
  YES_NO_NOT_KNOWN,
  type YesNoNotKnown,
} from '../../domain/notification/form-facts.ts';
import { type IncidentState, isIncidentState, type WorkflowDate } from '../../domain/workflow/incident-workflow.ts';
import { type FieldCipher, openField } from '../../platform/crypto/field-encryption.ts';
import { type TenantScope, withTenant } from '../../platform/db/tenant.ts';
import type { DB, IncidentsTable } from '../../platform/db/types.ts';
import { listAgencies, listPartnerships } from '../partnerships/service.ts';
import type { WorkingDayCalendar } from '../../domain/calendar/working-days.ts';
import { caseClocks, type ClockInput, type ClockPause, type ClockView } from './clocks.ts';
import { type AgeBand, dutiesForClocks, incidentDuties, type IncidentDuty } from './duties.ts';
import type { Gender } from './facts.ts';
import {
  type ChildRow,
  countByState,
  incidentPartnershipOf,
  type IncidentRow,
  selectChildren,
  selectEvents,
  selectIncident,
  selectPauses,
  selectPublicationPlans,
} from './queries.ts';
import { type CaseEvent, eventOf } from './timeline.ts';

/**
 * Reading incidents: a row as the case's record (dates, children, identifying details decrypted),
 * one incident with its timeline and pauses, the case list with every clock, counts by state.
 */

export const DATE_COLUMNS = {
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

export class CaseError extends Error {}

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

export function stateOf(value: string): IncidentState {
  if (!isIncidentState(value)) throw new CaseError(`An incident has an unknown state: ${value}`);
  return value;
}

export function record(row: IncidentRow): IncidentRecord {
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

export function isYesNoNotKnown(value: unknown): value is YesNoNotKnown {
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

export function child(row: ChildRow, cipher: FieldCipher): ChildDetail {
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

export function perpetratorRelationshipOf(value: string): PerpetratorRelationship | null {
  return isPerpetratorRelationship(value) ? value : null;
}

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

export function noPartnerships(scope: TenantScope): boolean {
  return Array.isArray(scope) && scope.length === 0;
}

/** How many incidents each partnership in scope has in each state. */
export async function incidentCountsByState(db: Kysely<DB>, scope: TenantScope): Promise<{ partnershipId: string; state: IncidentState; count: number }[]> {
  if (noPartnerships(scope)) return [];
  const rows = await withTenant(db, scope, (trx) => countByState(trx, scope));
  return rows.map((r) => ({ partnershipId: r.partnership_id, state: stateOf(r.state), count: Number(r.n) }));
}

export type ChildFacts = { pseudonym: string; lookedAfter: boolean; careLeaver: boolean; ageAtIncident: number | null; ageBand: AgeBand | null };

type ChildFactsRow = Pick<ChildRow, 'pseudonym' | 'looked_after' | 'care_leaver' | 'age_at_incident' | 'age_band'>;

export function childFacts(c: ChildFactsRow | ChildDetail): ChildFacts {
  if ('identifying' in c) return { pseudonym: c.pseudonym, lookedAfter: c.lookedAfter, careLeaver: c.careLeaver, ageAtIncident: c.ageAtIncident, ageBand: c.ageBand };
  return { pseudonym: c.pseudonym, lookedAfter: c.looked_after, careLeaver: c.care_leaver, ageAtIncident: c.age_at_incident, ageBand: c.age_band as AgeBand | null };
}

export function pauseOf(p: { id: string; clock_key: string; paused_on: string; resumed_on: string | null; reason: string; panel_told_on: string | null; sos_told_on: string | null }): ClockPause & { id: string } {
  return { id: p.id, clockKey: p.clock_key, pausedOn: p.paused_on, resumedOn: p.resumed_on, reason: p.reason, panelToldOn: p.panel_told_on, sosToldOn: p.sos_told_on };
}

export function dutiesOf(incident: Pick<IncidentRecord, 'outcome' | 'abuseOrNeglect' | 'location' | 'aware'>, children: readonly ChildFacts[]): IncidentDuty[] {
  return incidentDuties({ outcome: incident.outcome, abuseOrNeglect: incident.abuseOrNeglect, location: incident.location, aware: incident.aware }, children);
}

export function withPlan(incident: IncidentRecord, plan: { planned: string | null; advanceCopyTo: string[] } | undefined): IncidentRecord {
  return plan ? { ...incident, plannedPublication: plan.planned, advanceCopyTo: plan.advanceCopyTo.length ? plan.advanceCopyTo : null } : incident;
}

/** What a case's clocks are computed from. */
export function clockInputOf(incident: IncidentRecord, children: readonly ChildFacts[], pauses: readonly ClockPause[]): ClockInput {
  return {
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
  };
}

/** A case's clocks computed afresh (the case page and its pause pages; lists read the stored ones). */
export function clocksOf(
  incident: IncidentRecord,
  children: readonly ChildFacts[],
  pauses: readonly ClockPause[],
  calendar: WorkingDayCalendar,
  today: DateOnly,
): ClockView[] {
  return caseClocks(clockInputOf(incident, children, pauses), calendar, today);
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

/** The partnership of an incident, whatever the scope: to record a refusal when someone asks for another partnership's case. */
export async function incidentPartnership(db: Kysely<DB>, id: string): Promise<string | undefined> {
  if (!isUuid(id)) return undefined;
  return withTenant(db, 'all', (trx) => incidentPartnershipOf(trx, id));
}

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
