// The kinds of review the service holds, as the domain notes list them, and the vocabularies a
// published review is described with. Pure data: the secure area, the public repository and the
// import read the same keys.

export const REVIEW_TYPES = ['local-cspr', 'national', 'scr', 'deep-dive', 'practice-learning', 'thematic'] as const;
export type ReviewType = (typeof REVIEW_TYPES)[number];

export const REVIEW_TYPE_LABELS: Readonly<Record<ReviewType, string>> = Object.freeze({
  'local-cspr': 'Local child safeguarding practice review',
  national: 'National review (with local input)',
  scr: 'Serious case review (before 2019)',
  'deep-dive': 'Deep-dive review',
  'practice-learning': 'Practice learning review',
  thematic: 'Thematic review',
});

export function isReviewType(value: unknown): value is ReviewType {
  return typeof value === 'string' && (REVIEW_TYPES as readonly string[]).includes(value);
}

/** Age bands of the child, as incidents record them. */
export const AGE_BANDS = ['unborn', 'under-1', '1-4', '5-9', '10-15', '16-17', '18-24'] as const;
export type AgeBand = (typeof AGE_BANDS)[number];

export const AGE_BAND_LABELS: Readonly<Record<AgeBand, string>> = Object.freeze({
  unborn: 'Unborn',
  'under-1': 'Under 1 year',
  '1-4': '1 to 4 years',
  '5-9': '5 to 9 years',
  '10-15': '10 to 15 years',
  '16-17': '16 or 17 years',
  '18-24': '18 to 24 years (care leaver)',
});

/** What happened to the child, as a published review describes it. */
export const HARM_TYPES = ['died', 'serious-harm'] as const;
export type HarmType = (typeof HARM_TYPES)[number];

export const HARM_TYPE_LABELS: Readonly<Record<HarmType, string>> = Object.freeze({
  died: 'Child died',
  'serious-harm': 'Child seriously harmed',
});
