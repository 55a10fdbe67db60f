/**
 * Use cases of the statutory workflow, free of HTTP: pages and the API call these with the
 * person's tenant scope (partnershipsWith(principal, permission)) and a `may` function for the
 * workflow's own permissions. Each returns plain data or a typed problem; callers record audit
 * entries. Identifying details are encrypted on recording and decrypted only for `loadIncident`.
 *
 * This module only gathers them; each lives in a file holding one idea: the case timeline,
 * the labels people see, the facts and their checks, reading incidents, the case page's overview,
 * recording and correcting, transitions and steps, pausing clocks. The workflow's facts (what a
 * transition's checks see, including the rapid review's and the review's) live in
 * ../workflow-facts, which every feature reads and which reads no feature.
 */

export { type Actor, addCaseEvent, type CaseEvent } from './timeline.ts';
export { ABUSE_LABELS, CHILD_LABELS, FACT_LABELS, GENDER_LABELS, LOCATION_LABELS, OUTCOME_LABELS } from './labels.ts';
export {
  CHILD_FIELDS, type ChildChange, type ChildField, type ChildInput, childInputOf, describeFact, FACT_FIELDS, type FactChange, type FactField,
  type Facts, factsOf, type FieldProblem, type Gender, IDENTIFYING_CHILD_FIELDS, nhsNumberProblem, SENSITIVE_FACTS,
} from './facts.ts';
export {
  CaseError, type ChildDetail, type ChildIdentifying, dutiesOf, incidentCountsByState, type IncidentDetail, incidentPartnership, type IncidentRecord,
  type IncidentSummary, isUuid, loadIncident,
} from './records.ts';
export { type ClockQueue, clockQueues, listIncidents, type OpenDeadline } from './case-list.ts';
export { freshClocks, storeClocks } from './clock-store.ts';
export { type CaseOverview, caseOverview } from './overview.ts';
export { type ChildUpdateResult, recordIncident, type RecordResult, updateChild, updateFacts, type UpdateResult } from './recording.ts';
export { definitionFor, recordWorkflowStep, type StepInput, type StepResult } from './transitions.ts';
export { changeClock, type ClockChange, type ClockChangeResult, findClock, whyNotPausable } from './clock-changes.ts';
export { fullWorkflowFacts, workflowFacts } from '../workflow-facts/facts.ts';
