import type { z } from 'zod';
import { statusValues, type FormBody, type Problems } from '../cases/schemas.ts';
import type { Facts } from '../cases/service.ts';
import type { childInputSchema, incidentPatchSchema } from './schemas.ts';

/**
 * The API reuses the pages' readers (src/features/cases/schemas.ts) so a JSON body is checked
 * exactly as the form is: its answers are written as the form's fields, and the problems the
 * readers find (named by the form's element ids) are named back in the API's terms.
 */

type ChildJson = z.infer<typeof childInputSchema>;
type PatchJson = z.infer<typeof incidentPatchSchema>;

export type ApiError = { field: string; message: string };

export function dateParts(name: string, iso: string | null | undefined): FormBody {
  if (!iso) return { [`${name}-day`]: '', [`${name}-month`]: '', [`${name}-year`]: '' };
  const [y, m, d] = iso.split('-');
  return { [`${name}-day`]: String(Number(d)), [`${name}-month`]: String(Number(m)), [`${name}-year`]: y };
}

export function factsForm(facts: Partial<Omit<Facts, 'incidentOn'>> & { incidentOn?: string | null }): FormBody {
  return {
    outcome: facts.outcome,
    abuseOrNeglect: facts.abuseOrNeglect,
    location: facts.location,
    ...dateParts('aware', facts.aware),
    ...dateParts('incident', facts.incidentOn),
    whatIsKnown: facts.whatIsKnown ?? '',
    agencies: facts.agencyIds ?? [],
    otherAgencies: facts.otherAgencies ?? '',
    perpetratorRelationship: facts.perpetratorRelationship ?? '',
    policeInvestigation: facts.policeInvestigation ?? '',
    mediaInterest: facts.mediaInterest ?? '',
  };
}

export function childrenForm(children: readonly ChildJson[]): FormBody {
  const form: FormBody = { childCount: String(children.length) };
  children.forEach((c, i) => {
    const at = (k: string) => `child-${i + 1}-${k}`;
    Object.assign(form, {
      [at('pseudonym')]: c.pseudonym,
      [at('name')]: c.name ?? '',
      ...dateParts(at('dob'), c.dateOfBirth),
      [at('nhs')]: c.nhsNumber ?? '',
      [at('address')]: c.address ?? '',
      [at('familyNames')]: c.familyNames ?? '',
      [at('gender')]: c.gender ?? '',
      [at('age')]: c.ageAtIncident === null || c.ageAtIncident === undefined ? '' : String(c.ageAtIncident),
      [at('ageBand')]: c.ageBand ?? '',
      [at('status')]: statusValues({ lookedAfter: c.lookedAfter ?? false, careLeaver: c.careLeaver ?? false, childInNeed: c.childInNeed, childProtectionPlan: c.childProtectionPlan }),
      [at('ethnicity')]: c.ethnicity ?? '',
      [at('disability')]: c.disability ?? '',
    });
  });
  return form;
}

/** The facts after a PATCH: the current facts with the sent ones over them. */
export function patchedFacts(current: Facts, patch: PatchJson): Facts {
  return {
    outcome: patch.outcome ?? current.outcome,
    abuseOrNeglect: patch.abuseOrNeglect ?? current.abuseOrNeglect,
    location: patch.location ?? current.location,
    incidentOn: patch.incidentOn === undefined ? current.incidentOn : patch.incidentOn,
    aware: patch.aware ?? current.aware,
    whatIsKnown: patch.whatIsKnown ?? current.whatIsKnown,
    agencyIds: patch.agencyIds ?? current.agencyIds,
    otherAgencies: patch.otherAgencies ?? current.otherAgencies,
    perpetratorRelationship: patch.perpetratorRelationship === undefined ? current.perpetratorRelationship : patch.perpetratorRelationship,
    policeInvestigation: patch.policeInvestigation === undefined ? current.policeInvestigation : patch.policeInvestigation,
    mediaInterest: patch.mediaInterest === undefined ? current.mediaInterest : patch.mediaInterest,
  };
}

const FIELDS: Record<string, string> = {
  incident: 'incidentOn',
  agencies: 'agencyIds',
  received: 'receivedOn',
};
const CHILD_FIELDS: Record<string, string> = { dob: 'dateOfBirth', nhs: 'nhsNumber', age: 'ageAtIncident' };

/** A form element id ('child-2-nhs', 'incident') as the API's field name ('children.1.nhsNumber', 'incidentOn'). */
export function apiField(id: string): string {
  const child = /^child-(\d+)-(\w+)$/.exec(id);
  if (child) return `children.${Number(child[1]) - 1}.${CHILD_FIELDS[child[2]] ?? child[2]}`;
  return FIELDS[id] ?? id;
}

/** The readers' problems in the API's terms. */
export function problemsToErrors(problems: Problems): ApiError[] {
  return Object.entries(problems.fieldErrors).map(([id, { text }]) => ({ field: apiField(id), message: text }));
}
