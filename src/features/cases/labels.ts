import type { AbuseOrNeglect, IncidentLocation, IncidentOutcome } from '../../domain/notification/criteria.ts';
import type { ChildField, FactField, Gender } from './facts.ts';

/** The words people see for the facts of a case and their answers (pages, conflict banners, the audit trail). */

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
