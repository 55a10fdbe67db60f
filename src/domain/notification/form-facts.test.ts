import { describe, expect, it } from 'vitest';
import {
  describeSocialCareStatus,
  ETHNICITIES,
  ETHNICITY_LABELS,
  isEthnicity,
  isPerpetratorRelationship,
  PERPETRATOR_RELATIONSHIP_LABELS,
  PERPETRATOR_RELATIONSHIPS,
  socialCareStatusProblem,
} from './form-facts.ts';

describe('the notification form’s facts', () => {
  it('a child cannot be both looked after and a care leaver', () => {
    expect(socialCareStatusProblem({ lookedAfter: true, careLeaver: true })).toMatch(/cannot be both looked after and a care leaver/);
    expect(socialCareStatusProblem({ lookedAfter: true, careLeaver: false })).toBeNull();
    expect(socialCareStatusProblem({ lookedAfter: false, careLeaver: true })).toBeNull();
    expect(socialCareStatusProblem({ lookedAfter: false, careLeaver: false })).toBeNull();
  });

  it('other statuses combine: a looked-after child in need with a protection plan', () => {
    expect(describeSocialCareStatus({ childInNeed: true, childProtectionPlan: true, lookedAfter: true, careLeaver: false }))
      .toBe('A child in need (Children Act 1989 s17); Subject to a child protection plan; Looked after by the local authority');
    expect(describeSocialCareStatus({ childInNeed: false, childProtectionPlan: false, lookedAfter: false, careLeaver: false })).toBe('None recorded');
  });

  it('ethnicity uses the 19 ONS 2021 categories for England, with refused and not known', () => {
    expect(ETHNICITIES).toHaveLength(21);
    expect(new Set(ETHNICITIES).size).toBe(21);
    expect(ETHNICITY_LABELS['white-roma']).toBe('White: Roma');
    expect(ETHNICITY_LABELS['mixed-white-black-caribbean']).toBe('Mixed or multiple ethnic groups: White and Black Caribbean');
    expect(ETHNICITY_LABELS['not-known']).toBe('Not known yet');
    expect(isEthnicity('other-arab')).toBe(true);
    expect(isEthnicity('martian')).toBe(false);
    expect(isEthnicity(undefined)).toBe(false);
  });

  it('every perpetrator relationship has a label, and nothing else is one', () => {
    for (const r of PERPETRATOR_RELATIONSHIPS) expect(PERPETRATOR_RELATIONSHIP_LABELS[r]).toBeTruthy();
    expect(isPerpetratorRelationship('parent')).toBe(true);
    expect(isPerpetratorRelationship('toString')).toBe(false);
  });
});
