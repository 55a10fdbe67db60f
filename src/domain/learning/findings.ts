import { compareDates, type DateOnly } from '../calendar/date-only.ts';
import type { Problem } from './actions.ts';

/**
 * A review's findings: what the review found (a practice episode, a gap, a pattern), as its final
 * report sets them out before the improvements it recommends (Working Together to Safeguard
 * Children 2023, ch. 5: the report analyses "why events happened as they did" and partners follow
 * up "so that findings make a real difference"). A finding is kept apart from the
 * recommendations: some findings lead to no recommendation (the improvement was already under
 * way), some lead to several, and recurring learning compares findings across reviews as well as
 * recommendations.
 */
export type FindingDefinition = {
  number: string;
  text: string;
  foundOn: DateOnly | null;
  themes: string[];
  /** Recommendations of the same review that answer the finding (none is allowed). */
  recommendationIds: string[];
};

const MAX_TEXT = 10_000;

/** What is wrong with a finding, given the themes known, the recommendations of its own review and today (a finding is not dated in the future). */
export function findingProblems(input: FindingDefinition, knownThemes: readonly string[], reviewRecommendationIds: readonly string[], today: DateOnly): Problem[] {
  const problems: Problem[] = [];
  if (!input.number.trim()) problems.push({ field: 'number', message: 'Enter the finding’s number, as in the report' });
  else if (input.number.trim().length > 20) problems.push({ field: 'number', message: 'The number must be 20 characters or fewer' });
  if (!input.text.trim()) problems.push({ field: 'text', message: 'Enter what the review found' });
  else if (input.text.length > MAX_TEXT) problems.push({ field: 'text', message: 'The finding must be 10,000 characters or fewer' });
  if (!input.foundOn) problems.push({ field: 'foundOn', message: 'Enter the date of the finding' });
  else if (compareDates(input.foundOn, today) > 0) problems.push({ field: 'foundOn', message: 'The date of the finding cannot be in the future' });
  if (input.themes.some((t) => !knownThemes.includes(t))) problems.push({ field: 'themes', message: 'Select themes from the list' });
  // A finding leads only to recommendations of its own review: another review's would tie two reports together by mistake.
  if (input.recommendationIds.some((id) => !reviewRecommendationIds.includes(id))) problems.push({ field: 'recommendationIds', message: 'Select recommendations of this review' });
  return problems;
}

/** The same definition with its text trimmed and its lists without repeats, as it is stored. */
export function cleanFinding(input: FindingDefinition): FindingDefinition {
  return { ...input, number: input.number.trim(), text: input.text.trim(), themes: [...new Set(input.themes)], recommendationIds: [...new Set(input.recommendationIds)] };
}
