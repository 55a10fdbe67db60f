import type { z } from 'zod';
import { STATES } from '../../domain/workflow/incident-workflow.ts';
import { CLOCK_STATE_LABELS, type ClockView } from '../cases/clocks.ts';
import type { ReferralSummary } from '../cases/referrals.ts';
import type { CaseOverview, IncidentDetail, IncidentSummary } from '../cases/service.ts';
import type { PartnershipView } from '../partnerships/service.ts';
import type { deadlineSchema, incidentDetailSchema, incidentSummarySchema, referralSchema } from './schemas.ts';

/**
 * Service records as the API's JSON. Only what is listed here leaves the service: identifying
 * details of children appear only when the caller holds case:read in the incident's partnership.
 */

export type DeadlineJson = z.infer<typeof deadlineSchema>;
export type IncidentSummaryJson = z.infer<typeof incidentSummarySchema>;
export type IncidentDetailJson = z.infer<typeof incidentDetailSchema>;
export type ReferralJson = z.infer<typeof referralSchema>;

type PartnershipRef = { id: string; slug: string; name: string };

function partnershipRef(id: string, partnerships: readonly PartnershipView[]): PartnershipRef {
  const p = partnerships.find((x) => x.id === id);
  return { id, slug: p?.slug ?? '', name: p?.name ?? '' };
}

export function presentDeadline(clock: ClockView): DeadlineJson {
  return {
    key: clock.key,
    title: clock.title,
    dueOn: clock.dueOn,
    from: clock.from,
    rule: clock.rule,
    ruleVersion: clock.version,
    statutory: clock.statutory,
    mayPause: clock.mayPause,
    delays: clock.delays.map((d) => ({
      pausedOn: d.pausedOn, resumedOn: d.resumedOn, reason: d.reason, panelToldOn: d.panelToldOn ?? null, sosToldOn: d.sosToldOn ?? null,
    })),
    recipients: [...clock.recipients],
    state: clock.state,
    stateLabel: CLOCK_STATE_LABELS[clock.state].text,
    doneOn: clock.doneOn,
    workingDaysLeft: clock.workingDaysLeft,
    reason: clock.reason,
    pausedSince: clock.pausedSince,
  };
}

export function presentSummary(incident: IncidentSummary, partnerships: readonly PartnershipView[]): IncidentSummaryJson {
  return {
    id: incident.id,
    reference: incident.reference,
    partnership: partnershipRef(incident.partnershipId, partnerships),
    state: incident.state,
    stateLabel: incident.stateLabel,
    pseudonyms: [...incident.pseudonyms],
    dates: { aware: incident.aware },
    nextDeadline: incident.next ? presentDeadline(incident.next) : null,
  };
}

export function presentDetail(
  overview: Pick<CaseOverview, 'incident' | 'transitions' | 'steps'>,
  partnerships: readonly PartnershipView[],
  options: { identifying: boolean },
): IncidentDetailJson {
  const incident: IncidentDetail = overview.incident;
  return {
    id: incident.id,
    reference: incident.reference,
    version: incident.version,
    partnership: { ...partnershipRef(incident.partnershipId, partnerships), name: incident.partnershipName },
    state: incident.state,
    stateLabel: STATES[incident.state].label,
    facts: {
      outcome: incident.outcome,
      abuseOrNeglect: incident.abuseOrNeglect,
      location: incident.location,
      incidentOn: incident.incidentOn,
      aware: incident.aware,
      ...(options.identifying ? { whatIsKnown: incident.whatIsKnown } : {}),
      agencyIds: [...incident.agencyIds],
      otherAgencies: incident.otherAgencies,
      ...(options.identifying ? { perpetratorRelationship: incident.perpetratorRelationship } : {}),
      policeInvestigation: incident.policeInvestigation,
      mediaInterest: incident.mediaInterest,
    },
    agencies: incident.agencies.map((a) => ({ id: a.id, name: a.name })),
    dates: Object.fromEntries(Object.entries(incident.dates).filter((e): e is [string, string] => typeof e[1] === 'string')),
    panelReference: incident.panelReference,
    reviewDecision: incident.reviewDecision,
    children: incident.children.map((c) => ({
      id: c.id,
      position: c.position,
      pseudonym: c.pseudonym,
      gender: c.gender,
      ageAtIncident: c.ageAtIncident,
      ageBand: c.ageBand,
      lookedAfter: c.lookedAfter,
      careLeaver: c.careLeaver,
      childInNeed: c.childInNeed,
      childProtectionPlan: c.childProtectionPlan,
      ...(options.identifying
        ? {
            identifying: {
              name: c.identifying.name,
              dateOfBirth: c.identifying.dateOfBirth,
              nhsNumber: c.identifying.nhsNumber,
              address: c.identifying.address,
              familyNames: c.identifying.familyNames,
              ethnicity: c.identifying.ethnicity,
              disability: c.identifying.disability,
            },
          }
        : {}),
    })),
    available: [
      ...overview.transitions.map((t) => ({ transition: t.key, title: t.title, kind: 'transition' as const })),
      ...overview.steps.map((s) => ({ transition: s.key, title: s.title, kind: 'step' as const })),
    ],
    timeline: incident.events.map((e) => ({
      at: e.at.toISOString(),
      kind: e.kind,
      label: e.label,
      actorName: e.actorName,
      fromState: e.fromState,
      toState: e.toState,
      note: options.identifying ? e.note : null,
    })),
    createdAt: incident.createdAt.toISOString(),
    updatedAt: incident.updatedAt.toISOString(),
  };
}

export function presentReferral(r: ReferralSummary): ReferralJson {
  return {
    id: r.id,
    partnershipId: r.partnershipId,
    agencyName: r.agencyName,
    summary: r.summary,
    receivedOn: r.receivedOn,
    outcome: r.outcome,
    incidentId: r.incidentId,
    incidentReference: r.incidentReference,
  };
}
