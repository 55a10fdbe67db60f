import type { DateOnly } from '../../domain/calendar/date-only.ts';
import type { IncidentState, StepDefinition, TransitionDefinition } from '../../domain/workflow/incident-workflow.ts';
import type { AuditFields } from '../../platform/http/authentication.ts';
import { FACT_LABELS, SENSITIVE_FACTS, type ChildInput, type FactField, type Facts, type StepInput } from './service.ts';

/**
 * The audit entries of changes to a case, the same from the pages and the JSON API (`via: 'api'`).
 * What may identify a child is named as recorded or changed, never copied.
 */

type Via = { via?: 'api' };

/** Non-identifying facts for the audit trail; free text is named, not copied. */
export function factsForAudit(facts: Partial<Facts>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(facts).filter(([k]) => !SENSITIVE_FACTS.has(k as keyof Facts)));
}

/** Who was recorded: pseudonyms and which identifying details were given, never their values. */
export function childrenForAudit(children: ChildInput[]) {
  return children.map((c) => ({
    pseudonym: c.pseudonym,
    lookedAfter: c.lookedAfter,
    careLeaver: c.careLeaver,
    childInNeed: c.childInNeed ?? false,
    childProtectionPlan: c.childProtectionPlan ?? false,
    identifyingDetailsRecorded: [
      c.name && 'name', c.dateOfBirth && 'date of birth', c.nhsNumber && 'NHS number', c.address && 'address', c.familyNames && 'family names',
      c.ethnicity && 'ethnicity', c.disability && 'disability',
    ].filter(Boolean),
  }));
}

export function incidentCreatedEntry(
  recorded: { id: string; reference: string; partnershipId: string; facts: Facts; children: ChildInput[]; referralId: string | null },
  via: Via = {},
): AuditFields {
  return {
    action: 'incident-created',
    permission: 'case:write',
    partnershipId: recorded.partnershipId,
    recordType: 'incident',
    recordId: recorded.id,
    changes: {
      ...via,
      after: {
        reference: recorded.reference,
        state: 'recorded',
        ...factsForAudit(recorded.facts),
        whatIsKnownRecorded: recorded.facts.whatIsKnown.trim() !== '',
        perpetratorRelationshipRecorded: Boolean(recorded.facts.perpetratorRelationship),
        children: childrenForAudit(recorded.children),
        ...(recorded.referralId ? { fromReferral: recorded.referralId } : {}),
      },
    },
  };
}

export function factsUpdatedEntry(
  saved: { id: string; partnershipId: string; changed: FactField[]; before: Partial<Facts>; after: Partial<Facts>; version: number },
  via: Via = {},
): AuditFields {
  return {
    action: 'incident-updated',
    permission: 'case:write',
    partnershipId: saved.partnershipId,
    recordType: 'incident',
    recordId: saved.id,
    changes: { ...via, changed: saved.changed.map((f) => FACT_LABELS[f]), before: factsForAudit(saved.before), after: factsForAudit(saved.after), version: saved.version },
  };
}

export function workflowStepEntry(
  step: { id: string; partnershipId: string; definition: TransitionDefinition | StepDefinition; from: IncidentState; to: IncidentState; date: DateOnly | null; input: StepInput },
  via: Via = {},
): AuditFields {
  const { definition, input } = step;
  return {
    action: definition.kind === 'transition' ? 'incident-transition' : 'incident-step',
    permission: definition.permission,
    partnershipId: step.partnershipId,
    recordType: 'incident',
    recordId: step.id,
    changes: {
      ...via,
      step: definition.key,
      before: { state: step.from },
      after: {
        state: step.to,
        ...(step.date && definition.date ? { [definition.date.field]: step.date } : {}),
        ...(definition.reference ? { panelReference: input.reference.trim() || null } : {}),
      },
      noteRecorded: input.note.trim() !== '',
    },
  };
}

export function referralCreatedEntry(referral: { id: string; partnershipId: string; agencyId: string; receivedOn: DateOnly }, via: Via = {}): AuditFields {
  return {
    action: 'referral-created',
    permission: 'referral:create',
    partnershipId: referral.partnershipId,
    recordType: 'referral',
    recordId: referral.id,
    // The summary and details may name the child: recorded as given, not copied.
    changes: { ...via, after: { agencyId: referral.agencyId, receivedOn: referral.receivedOn }, summaryRecorded: true, detailsRecorded: true },
  };
}
