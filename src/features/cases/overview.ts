import type { Kysely } from 'kysely';
import type { DateOnly } from '../../domain/calendar/date-only.ts';
import {
  availableSteps,
  availableTransitions,
  checkStep,
  CLOCK_CHANGES,
  type May,
  type StepDefinition,
  type TransitionDefinition,
} from '../../domain/workflow/incident-workflow.ts';
import type { FieldCipher } from '../../platform/crypto/field-encryption.ts';
import type { TenantScope } from '../../platform/db/tenant.ts';
import type { DB } from '../../platform/db/types.ts';
import { currentCalendar } from '../rules/service.ts';
import { fullWorkflowFacts } from '../workflow-facts/facts.ts';
import type { ClockView } from './clocks.ts';
import type { IncidentDuty } from './duties.ts';
import { clocksOf, dutiesOf, type IncidentDetail, loadIncident } from './records.ts';

/** What the case page shows: the incident, its duties, every clock today, and what this person may do now. */

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
