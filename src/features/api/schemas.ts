import { z } from 'zod';
import { INCIDENT_STATES, STEPS, TRANSITIONS } from '../../domain/workflow/incident-workflow.ts';
import { ETHNICITIES, PERPETRATOR_RELATIONSHIPS, YES_NO_NOT_KNOWN } from '../../domain/notification/form-facts.ts';
import { AGE_BANDS } from '../cases/duties.ts';
import { REFERRAL_OUTCOMES } from '../cases/referrals.ts';
import { MAX_CHILDREN } from '../cases/schemas.ts';

/**
 * The JSON API's bodies and answers, as zod schemas. Request schemas check the shape of a body
 * (types, known values, lengths); the answers themselves are then checked by the same readers and
 * services as the pages. The OpenAPI document is generated from these schemas (openapi.ts).
 */

export const OUTCOMES = ['died', 'serious-harm', 'other'] as const;
export const ABUSE = ['known', 'suspected', 'not-suspected'] as const;
export const LOCATIONS = ['in-area', 'outside-england-normally-resident', 'elsewhere-in-england'] as const;
export const GENDERS = ['female', 'male', 'other', 'not-known'] as const;

/** Keys a client may send to POST /transitions: the workflow's transitions and recorded steps. */
export const WORKFLOW_KEYS = [...TRANSITIONS.map((t) => t.key), ...STEPS.map((s) => s.key)] as [string, ...string[]];

const isoDate = (description: string) =>
  z.iso.date({ error: 'Must be a date written YYYY-MM-DD, like 2026-03-27' }).describe(description);

const uuid = (description: string) => z.uuid({ error: 'Must be an id (a UUID)' }).describe(description);

// ---- Requests --------------------------------------------------------------------------------

export const childInputSchema = z
  .strictObject({
    pseudonym: z.string().max(60).describe('A name that does not identify the child, like "Child K". Required.'),
    name: z.string().max(200).optional().describe('The child’s full name (identifying; stored encrypted).'),
    dateOfBirth: isoDate('The child’s date of birth (identifying; stored encrypted).').nullable().optional(),
    nhsNumber: z.string().max(20).optional().describe('NHS number, 10 digits with a valid check digit (identifying; stored encrypted).'),
    address: z.string().max(1000).optional().describe('Home address (identifying; stored encrypted).'),
    familyNames: z.string().max(2000).optional().describe('Names of family members (identifying; stored encrypted).'),
    gender: z.enum(GENDERS).nullable().optional().describe('The child’s gender.'),
    ageAtIncident: z.int().min(0).max(24).nullable().optional().describe('Age in whole years at the incident.'),
    ageBand: z.enum(AGE_BANDS).nullable().optional().describe('Age band at the incident.'),
    lookedAfter: z.boolean().optional().describe('The child was looked after by a local authority.'),
    careLeaver: z.boolean().optional().describe('The child was a care leaver (not together with lookedAfter: a care leaver is no longer looked after).'),
    childInNeed: z.boolean().optional().describe('The child was a child in need (Children Act 1989 s17) at the time.'),
    childProtectionPlan: z.boolean().optional().describe('The child was subject to a child protection plan at the time.'),
    ethnicity: z.enum(ETHNICITIES as [string, ...string[]]).nullable().optional().describe('The child’s ethnic group, from the ONS 2021 categories for England, or "refused" / "not-known" (special category data; stored encrypted).'),
    disability: z.enum(YES_NO_NOT_KNOWN).nullable().optional().describe('Whether the child has a disability (special category data; stored encrypted).'),
  })
  .describe('A child the incident concerns.');

const factFields = {
  outcome: z.enum(OUTCOMES).describe('What happened to the child: died, seriously harmed, or neither.'),
  abuseOrNeglect: z.enum(ABUSE).describe('Whether abuse or neglect is known or suspected.'),
  location: z.enum(LOCATIONS).describe('Where the incident happened.'),
  incidentOn: isoDate('The date of the incident, when known.').nullable().optional(),
  aware: isoDate('The date the local authority became aware: the statutory clocks run from it.'),
  whatIsKnown: z.string().max(10_000).optional().describe('What is known so far (may identify the child; stored encrypted).'),
  agencyIds: z.array(uuid('An agency of the partnership.')).max(50).optional().describe('Agencies involved, by id.'),
  otherAgencies: z.string().max(1000).optional().describe('Other agencies involved, in words.'),
  perpetratorRelationship: z.enum(PERPETRATOR_RELATIONSHIPS).nullable().optional().describe('The alleged perpetrator’s relationship to the child, as the national notification form asks (may identify people; stored encrypted).'),
  policeInvestigation: z.enum(YES_NO_NOT_KNOWN).nullable().optional().describe('Whether there is a police investigation.'),
  mediaInterest: z.enum(YES_NO_NOT_KNOWN).nullable().optional().describe('Whether there is media interest in the incident.'),
};

export const incidentCreateSchema = z
  .strictObject({
    partnership: z
      .string()
      .max(100)
      .optional()
      .describe('The partnership (slug or id). May be left out when you may record incidents for one partnership only.'),
    referral: uuid('The referral this incident comes from (its outcome must be "notify").').optional(),
    ...factFields,
    children: z
      .array(childInputSchema)
      .min(1, 'Add at least one child')
      .max(MAX_CHILDREN, `Record at most ${MAX_CHILDREN} children`)
      .describe(`The children the incident concerns (1 to ${MAX_CHILDREN}).`),
  })
  .describe('A new incident with its children.');

export const incidentPatchSchema = z
  .strictObject({
    outcome: factFields.outcome.optional(),
    abuseOrNeglect: factFields.abuseOrNeglect.optional(),
    location: factFields.location.optional(),
    incidentOn: factFields.incidentOn,
    aware: isoDate('The date the local authority became aware: the statutory clocks run from it.').optional(),
    whatIsKnown: factFields.whatIsKnown,
    agencyIds: factFields.agencyIds,
    otherAgencies: factFields.otherAgencies,
    perpetratorRelationship: factFields.perpetratorRelationship,
    policeInvestigation: factFields.policeInvestigation,
    mediaInterest: factFields.mediaInterest,
  })
  .describe('The facts to change; facts left out keep their values. Send the version you read in If-Match.');

export const transitionSchema = z
  .strictObject({
    transition: z.enum(WORKFLOW_KEYS).describe('The transition or step to record, e.g. "notify".'),
    date: isoDate('The date the workflow asks for with this step (e.g. when the Panel was notified).').optional(),
    reference: z.string().max(200).optional().describe('The Panel reference (with "notify").'),
    note: z.string().max(6000).optional().describe('A note or the reasons, required by some steps.'),
  })
  .describe('A workflow transition or step and its answers.');

export const clockChangeSchema = z
  .strictObject({
    date: isoDate('The date the clock was paused (or resumed). Not in the future; not before the clock started (or was paused).'),
    reason: z.string().max(2000).optional().describe('Why the clock is paused (required to pause), e.g. parallel criminal proceedings or an inquest.'),
    panelToldOn: isoDate('When the Panel was told of the delay and its reasons.').optional(),
    sosToldOn: isoDate('When the Secretary of State was told of the delay and its reasons.').optional(),
  })
  .describe('A pause (a delay for good reason) of a clock whose rule allows one, or its end. A pause never moves the due date.');

export const referralCreateSchema = z
  .strictObject({
    partnership: z.string().max(100).optional().describe('The partnership (slug or id). May be left out when you refer to one partnership only.'),
    agency: uuid('The agency making the referral: your own agency, unless you work for the business unit.'),
    summary: z.string().max(500).describe('A short summary of the incident.'),
    details: z.string().max(20_000).describe('The details of the incident (may identify the child; stored encrypted).'),
    receivedOn: isoDate('The date the referral was made.'),
  })
  .describe('A referral of an incident for consideration.');

export const listIncidentsQuery = z.object({
  state: z.enum(INCIDENT_STATES).optional().describe('Only incidents in this state.'),
  partnership: z.string().max(100).optional().describe('Only incidents of this partnership (its slug).'),
});

// ---- Answers (documentation and tests) -------------------------------------------------------

export const problemSchema = z
  .object({
    type: z.string().describe('Always "about:blank".'),
    title: z.string(),
    status: z.int(),
    detail: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional().describe('With 422: each answer to correct, by field name (e.g. "children.0.nhsNumber").'),
    current: z.unknown().optional().describe('With 412: the incident as it is now.'),
  })
  .describe('An RFC 9457 problem.');

const partnershipRef = z.object({ id: z.string(), slug: z.string(), name: z.string() });

export const deadlineSchema = z
  .object({
    key: z.string().describe('The clock, e.g. "panel-notification".'),
    title: z.string(),
    dueOn: z.string().describe('The due date (YYYY-MM-DD). Pauses never move it: it stays the measure of timeliness.'),
    from: z.string().describe('The date the clock runs from.'),
    rule: z.string().describe('The rule, in words.'),
    ruleVersion: z.int(),
    statutory: z.boolean().describe('True only when the timescale is set by statute or regulations (not by statutory guidance).'),
    mayPause: z.boolean().describe('The clock\'s rule allows a pause for good reason (never the notification duties).'),
    delays: z.array(z.object({
      pausedOn: z.string(),
      resumedOn: z.string().nullable(),
      reason: z.string(),
      panelToldOn: z.string().nullable().describe('When the Panel was told of the delay.'),
      sosToldOn: z.string().nullable().describe('When the Secretary of State was told of the delay.'),
    })).describe('The recorded delays (pauses) of the clock, oldest first.'),
    recipients: z.array(z.string()),
    state: z.enum(['due', 'due-soon', 'overdue', 'done-on-time', 'done-late', 'paused', 'not-required', 'stopped', 'running']),
    stateLabel: z.string(),
    doneOn: z.string().nullable(),
    workingDaysLeft: z.int().nullable(),
    reason: z.string().nullable().describe('Why the clock is paused (also when a paused clock is overdue), not required or stopped.'),
    pausedSince: z.string().nullable(),
  })
  .describe('A statutory clock of an incident, as the case page shows it.');

export const incidentSummarySchema = z.object({
  id: z.string(),
  reference: z.string(),
  partnership: partnershipRef,
  state: z.enum(INCIDENT_STATES),
  stateLabel: z.string(),
  pseudonyms: z.array(z.string()),
  dates: z.object({ aware: z.string() }).describe('Recorded dates (YYYY-MM-DD).'),
  nextDeadline: deadlineSchema.nullable().describe('The clock most needing attention today.'),
});

export const incidentListSchema = z.object({ incidents: z.array(incidentSummarySchema) });

const identifyingSchema = z
  .object({
    name: z.string(),
    dateOfBirth: z.string().nullable(),
    nhsNumber: z.string(),
    address: z.string(),
    familyNames: z.string(),
    ethnicity: z.enum(ETHNICITIES as [string, ...string[]]).nullable(),
    disability: z.enum(YES_NO_NOT_KNOWN).nullable(),
  })
  .describe('Identifying and special category details, decrypted: only for holders of case:read in the partnership.');

export const incidentDetailSchema = z.object({
  id: z.string(),
  reference: z.string(),
  version: z.int().describe('Send it back in If-Match to change the facts.'),
  partnership: partnershipRef,
  state: z.enum(INCIDENT_STATES),
  stateLabel: z.string(),
  facts: z.object({
    outcome: z.enum(OUTCOMES),
    abuseOrNeglect: z.enum(ABUSE),
    location: z.enum(LOCATIONS),
    incidentOn: z.string().nullable(),
    aware: z.string(),
    whatIsKnown: z.string().optional(),
    agencyIds: z.array(z.string()),
    otherAgencies: z.string(),
    perpetratorRelationship: z.enum(PERPETRATOR_RELATIONSHIPS).nullable().optional().describe('Only for holders of case:read in the partnership.'),
    policeInvestigation: z.enum(YES_NO_NOT_KNOWN).nullable(),
    mediaInterest: z.enum(YES_NO_NOT_KNOWN).nullable(),
  }),
  agencies: z.array(z.object({ id: z.string(), name: z.string() })),
  dates: z.record(z.string(), z.string()).describe('Dates recorded by the workflow, e.g. { "notified": "2026-03-05" }.'),
  panelReference: z.string().nullable(),
  reviewDecision: z.enum(['local-review', 'alternative-review', 'no-review']).nullable(),
  children: z.array(
    z.object({
      id: z.string(),
      position: z.int(),
      pseudonym: z.string(),
      gender: z.enum(GENDERS).nullable(),
      ageAtIncident: z.int().nullable(),
      ageBand: z.enum(AGE_BANDS).nullable(),
      lookedAfter: z.boolean(),
      careLeaver: z.boolean(),
      childInNeed: z.boolean(),
      childProtectionPlan: z.boolean(),
      identifying: identifyingSchema.optional(),
    }),
  ),
  available: z
    .array(z.object({ transition: z.string(), title: z.string(), kind: z.enum(['transition', 'step']) }))
    .describe('What you may record now, for POST /transitions.'),
  timeline: z.array(
    z.object({ at: z.string(), kind: z.string(), label: z.string(), actorName: z.string().nullable(), fromState: z.string().nullable(), toState: z.string().nullable(), note: z.string().nullable() }),
  ),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const deadlineListSchema = z.object({ incidentId: z.string(), reference: z.string(), today: z.string(), deadlines: z.array(deadlineSchema) });

export const referralSchema = z.object({
  id: z.string(),
  partnershipId: z.string(),
  agencyName: z.string().nullable(),
  summary: z.string(),
  receivedOn: z.string(),
  outcome: z.enum(REFERRAL_OUTCOMES).nullable(),
  incidentId: z.string().nullable(),
  incidentReference: z.string().nullable(),
});

export const referralListSchema = z.object({ referrals: z.array(referralSchema) });

export const createdSchema = z.object({ id: z.string(), reference: z.string().optional(), location: z.string().optional() });

export const meSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  roles: z.array(z.object({ role: z.string(), partnershipId: z.string().nullable(), agencyId: z.string().nullable() })),
});

/** A zod error as the API's `errors` list: field paths like "children.0.pseudonym". */
export function zodErrors(error: z.ZodError): { field: string; message: string }[] {
  return error.issues.map((i) => ({
    field: i.path.map(String).join('.') || (i.code === 'unrecognized_keys' ? (i.keys ?? []).join(', ') : 'body'),
    message: i.code === 'unrecognized_keys' ? `Unknown field: ${(i.keys ?? []).join(', ')}` : i.message,
  }));
}
