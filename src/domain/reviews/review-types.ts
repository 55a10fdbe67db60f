// The kinds of review the service holds, as the domain notes list them, and the vocabularies a
// published review is described with. Pure data: the secure area, the public repository and the
// import read the same keys.
import { matchKey } from '../text/match-key.ts';

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

/**
 * The names people commonly give each type of review, as they appear in archives and on
 * partnership websites. Serious case reviews are the reviews Local Safeguarding Children Boards
 * held before the Child Safeguarding Practice Review and Relevant Agency (England) Regulations
 * 2018 replaced them with local child safeguarding practice reviews (Working Together 2018,
 * transitional arrangements: the last were published in 2019–2020), so "SCR" always means the
 * old type. Rapid reviews are not published reviews, so no name here leads to them.
 */
export const REVIEW_TYPE_NAMES: Readonly<Record<ReviewType, readonly string[]>> = Object.freeze({
  'local-cspr': ['LCSPR', 'Local CSPR', 'CSPR', 'Child safeguarding practice review', 'Local child safeguarding practice review', 'Local review', 'Local safeguarding practice review'],
  national: ['National review', 'National child safeguarding practice review', 'NCSPR', 'National CSPR'],
  scr: ['Serious case review', 'SCR', 'Serious case reviews'],
  'deep-dive': ['Deep dive', 'Deep-dive', 'Deep dive review'],
  'practice-learning': ['Practice learning review', 'Multi-agency practice learning review', 'Learning review', 'Multi-agency learning review', 'MALR', 'PLR'],
  thematic: ['Thematic', 'Thematic review', 'Thematic learning review'],
});

/**
 * The review type a name means: its key, its label or a common name, whatever the case or
 * punctuation ("Serious case review", "SCR", "serious-case-review (before 2019)"). Null if none.
 */
export function reviewTypeFromName(name: string): ReviewType | null {
  const key = matchKey(name);
  if (!key) return null;
  for (const type of REVIEW_TYPES) {
    const names = [type, REVIEW_TYPE_LABELS[type], ...REVIEW_TYPE_NAMES[type]];
    if (names.some((n) => matchKey(n) === key)) return type;
  }
  return null;
}
