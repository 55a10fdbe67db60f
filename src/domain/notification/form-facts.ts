// What the national serious incident notification form asks beyond the criteria (criteria.ts):
// the child's ethnicity and disability, their social care status at the time, the alleged
// perpetrator's relationship to the child, whether there is a police investigation, and media
// interest. The Panel's form is the source of the questions (the duty to notify is Children Act
// 2004 s16C; Working Together 2023 chapter 5); the answer lists below are the standard ones the
// form's users already keep, so answers can be copied across without translation.

/** An answer the local authority may not know yet when it notifies. */
export const YES_NO_NOT_KNOWN = ['yes', 'no', 'not-known'] as const;
export type YesNoNotKnown = (typeof YES_NO_NOT_KNOWN)[number];

export const YES_NO_NOT_KNOWN_LABELS: Readonly<Record<YesNoNotKnown, string>> = Object.freeze({
  yes: 'Yes',
  no: 'No',
  'not-known': 'Not known yet',
});

/**
 * Ethnic groups: the Office for National Statistics' 2021 Census categories for England (the
 * standard the Department for Education's data collections follow), in its five groups, with the
 * DfE's "information refused" and "not yet obtained" answers.
 */
export const ETHNICITY_GROUPS: readonly { group: string; items: readonly { key: string; label: string }[] }[] = Object.freeze([
  {
    group: 'Asian, Asian British or Asian Welsh',
    items: [
      { key: 'asian-bangladeshi', label: 'Bangladeshi' },
      { key: 'asian-chinese', label: 'Chinese' },
      { key: 'asian-indian', label: 'Indian' },
      { key: 'asian-pakistani', label: 'Pakistani' },
      { key: 'asian-other', label: 'Any other Asian background' },
    ],
  },
  {
    group: 'Black, Black British, Black Welsh, Caribbean or African',
    items: [
      { key: 'black-african', label: 'African' },
      { key: 'black-caribbean', label: 'Caribbean' },
      { key: 'black-other', label: 'Any other Black, Black British or Caribbean background' },
    ],
  },
  {
    group: 'Mixed or multiple ethnic groups',
    items: [
      { key: 'mixed-white-asian', label: 'White and Asian' },
      { key: 'mixed-white-black-african', label: 'White and Black African' },
      { key: 'mixed-white-black-caribbean', label: 'White and Black Caribbean' },
      { key: 'mixed-other', label: 'Any other Mixed or multiple ethnic background' },
    ],
  },
  {
    group: 'White',
    items: [
      { key: 'white-british', label: 'English, Welsh, Scottish, Northern Irish or British' },
      { key: 'white-irish', label: 'Irish' },
      { key: 'white-gypsy-irish-traveller', label: 'Gypsy or Irish Traveller' },
      { key: 'white-roma', label: 'Roma' },
      { key: 'white-other', label: 'Any other White background' },
    ],
  },
  {
    group: 'Other ethnic group',
    items: [
      { key: 'other-arab', label: 'Arab' },
      { key: 'other-any', label: 'Any other ethnic group' },
    ],
  },
  {
    group: 'Not recorded',
    items: [
      { key: 'refused', label: 'Information refused' },
      { key: 'not-known', label: 'Not known yet' },
    ],
  },
]);

export const ETHNICITIES: readonly string[] = Object.freeze(ETHNICITY_GROUPS.flatMap((g) => g.items.map((i) => i.key)));
export type Ethnicity = string;

/** "White: Irish" — the group and the category, as one line (a select, a summary). */
export const ETHNICITY_LABELS: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(ETHNICITY_GROUPS.flatMap((g) => g.items.map((i) => [i.key, g.group === 'Not recorded' ? i.label : `${g.group}: ${i.label}`]))),
);

export function isEthnicity(value: unknown): value is Ethnicity {
  return typeof value === 'string' && ETHNICITIES.includes(value);
}

/** The alleged perpetrator's relationship to the child, as the notification asks it. */
export const PERPETRATOR_RELATIONSHIPS = [
  'parent',
  'parents-partner',
  'other-family',
  'carer',
  'known-adult',
  'position-of-trust',
  'another-child',
  'stranger',
  'more-than-one',
  'not-known',
] as const;
export type PerpetratorRelationship = (typeof PERPETRATOR_RELATIONSHIPS)[number];

export const PERPETRATOR_RELATIONSHIP_LABELS: Readonly<Record<PerpetratorRelationship, string>> = Object.freeze({
  parent: 'Parent',
  'parents-partner': 'Step-parent or a parent’s partner',
  'other-family': 'Another family member',
  carer: 'Foster, kinship or residential carer',
  'known-adult': 'Another adult known to the child',
  'position-of-trust': 'A professional or volunteer in a position of trust',
  'another-child': 'Another child or young person',
  stranger: 'Someone not known to the child',
  'more-than-one': 'More than one person (say who in what is known so far)',
  'not-known': 'Not known yet',
});

export function isPerpetratorRelationship(value: unknown): value is PerpetratorRelationship {
  return typeof value === 'string' && (PERPETRATOR_RELATIONSHIPS as readonly string[]).includes(value);
}

/** The child's social care status at the time of the incident: any that applied. */
export type SocialCareStatus = { childInNeed: boolean; childProtectionPlan: boolean; lookedAfter: boolean; careLeaver: boolean };

export const SOCIAL_CARE_STATUS_LABELS: Readonly<Record<keyof SocialCareStatus, string>> = Object.freeze({
  childInNeed: 'A child in need (Children Act 1989 s17)',
  childProtectionPlan: 'Subject to a child protection plan',
  lookedAfter: 'Looked after by the local authority',
  careLeaver: 'A care leaver (up to and including age 24)',
});

/** The message when a child is recorded as both looked after and a care leaver. */
export const LOOKED_AFTER_AND_CARE_LEAVER = 'A child cannot be both looked after and a care leaver: a care leaver is no longer looked after (Children Act 1989 s23C)';

/**
 * A care leaver is a young person who was looked after and no longer is (Children Act 1989 s23C,
 * Children (Leaving Care) Act 2000), so a child cannot be both at the same time. Other statuses
 * combine: a child protection plan is made for a child in need, and a looked-after child can have one.
 */
export function socialCareStatusProblem(status: Pick<SocialCareStatus, 'lookedAfter' | 'careLeaver'>): string | null {
  return status.lookedAfter && status.careLeaver ? LOOKED_AFTER_AND_CARE_LEAVER : null;
}

/** The statuses that applied, in words ('None recorded' when none did). */
export function describeSocialCareStatus(status: SocialCareStatus): string {
  const applied = (Object.keys(SOCIAL_CARE_STATUS_LABELS) as (keyof SocialCareStatus)[]).filter((k) => status[k]);
  return applied.length ? applied.map((k) => SOCIAL_CARE_STATUS_LABELS[k]).join('; ') : 'None recorded';
}
