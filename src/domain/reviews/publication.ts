// Publishing a completed review: what is checked before anything goes public. The anonymisation
// guard runs over every public text and the report; each finding must be resolved (the text
// changed so that a new scan no longer finds it) or overridden with a reason. The advance copy
// must have gone to the Panel, the Secretary of State and Ofsted at least 7 working days before.
// Pure: the caller supplies the case's details, the report's text and the working-day calendar.

import { compareDates, formatDateForDisplay, type DateOnly } from '../calendar/date-only.ts';
import { scanForIdentifiers } from '../anonymisation/index.ts';
import type { Finding, Identifiers, ScannedDocument } from '../anonymisation/types.ts';

export type ChildIdentifyingDetails = { name: string; dateOfBirth: DateOnly | null; nhsNumber: string; address: string; familyNames: string };

/** The names in a free-text list of family members: "Alex Example (mother), Casey Sample — partner". */
export function namesInList(text: string): string[] {
  return text
    .split(/[\n;,]+/)
    .map((part) => part.replace(/\([^)]*\)/g, ' ').replace(/\s[—–-]\s.*$/, ' ').replace(/\s+/g, ' ').trim())
    .filter((name) => /\p{L}/u.test(name) && name.length <= 120);
}

/** The identifying details held on a case (its children and their families), plus other names to look for. */
export function caseIdentifiers(children: readonly ChildIdentifyingDetails[], otherNames: readonly string[]): Identifiers {
  const people: Identifiers['people'] = [];
  for (const c of children) {
    if (c.name.trim()) people.push({ fullName: c.name.trim(), role: 'child' });
    for (const name of namesInList(c.familyNames)) people.push({ fullName: name, role: 'family member' });
  }
  return {
    people,
    datesOfBirth: children.map((c) => c.dateOfBirth).filter((d): d is DateOnly => Boolean(d)),
    addresses: children.map((c) => c.address.trim()).filter(Boolean),
    postcodes: [],
    settings: otherNames.map((n) => n.trim()).filter(Boolean),
    nhsNumbers: children.map((c) => c.nhsNumber.trim()).filter(Boolean),
    phones: [],
    emails: [],
  };
}

export type DraftTexts = {
  title: string;
  summary: string;
  learning: { livedExperience: string; keyLearning: string; learningIntoPractice: string };
  briefing: { background: string; whyItMatters: string; keyInformation: [string, string, string]; thingsToRemember: string; whatToDo: string; reflectionQuestions: string } | null;
};

/** Source names the findings table shows. */
export const SOURCE_LABELS: Readonly<Record<string, string>> = Object.freeze({
  title: 'Title',
  summary: 'Summary',
  'learning-on-a-page': 'Learning on a Page',
  'seven-minute-briefing': '7-minute briefing',
});

/**
 * What a published review's page shows of the case's own recommendations (with the partnership's
 * reasons for not accepting one in full) and findings, as they are on the record: public as soon as
 * they are written, so scanned like every other public text.
 */
export type PublicLearning = {
  recommendations: readonly { number: string; text: string; responseReasons: string }[];
  findings: readonly { number: string; text: string }[];
};

/** Each recommendation, response and finding the review's page shows, as a document named for it. */
export function learningDocuments(learning: PublicLearning): ScannedDocument[] {
  return [
    ...learning.recommendations.flatMap((r) => [
      { source: `Recommendation ${r.number}`, pages: [r.text] },
      ...(r.responseReasons.trim() ? [{ source: `Response to recommendation ${r.number}`, pages: [r.responseReasons] }] : []),
    ]),
    ...learning.findings.map((f) => ({ source: `Finding ${f.number}`, pages: [f.text] })),
  ];
}

/**
 * A change to a published review's recommendations or findings goes on its page at once, with no
 * check in between: it is refused while it holds a detail of the case's children or families that
 * was not overridden when the review was published. General patterns (a date, a postcode) are left
 * to the writer, as a recommendation's dates are often its point; they were looked at when it was
 * published.
 */
export function identifyingFindings(documents: ScannedDocument[], identifiers: Identifiers, overrides: readonly Override[]): Finding[] {
  return unresolvedFindings(scanForIdentifiers(documents, identifiers), overrides).filter((f) => f.severity === 'identifying');
}

/** Everything that will be public, as documents for the scanner: each text one page; the report page by page; then the case's own learning. */
export function publicDocuments(draft: DraftTexts, report: { name: string; pages: readonly string[] } | null, learning: PublicLearning = { recommendations: [], findings: [] }): ScannedDocument[] {
  const documents: ScannedDocument[] = [
    { source: 'title', pages: [draft.title] },
    { source: 'summary', pages: [draft.summary] },
    { source: 'learning-on-a-page', pages: [[draft.learning.livedExperience, draft.learning.keyLearning, draft.learning.learningIntoPractice].join('\n')] },
  ];
  if (draft.briefing) {
    const b = draft.briefing;
    documents.push({ source: 'seven-minute-briefing', pages: [[b.background, b.whyItMatters, ...b.keyInformation, b.thingsToRemember, b.whatToDo, b.reflectionQuestions].join('\n')] });
  }
  if (report) documents.push({ source: report.name, pages: [...report.pages] });
  return [...documents, ...learningDocuments(learning)];
}

export type Override = { fingerprint: string; reason: string };

/** Findings not yet overridden: each blocks publication until the text changes or an admin overrides it. */
export function unresolvedFindings(findings: readonly Finding[], overrides: readonly Override[]): Finding[] {
  const overridden = new Set(overrides.map((o) => o.fingerprint));
  return findings.filter((f) => !overridden.has(f.fingerprint));
}

/** Reasons for overriding a finding must say why publishing it is safe. */
export function overrideReasonProblem(reason: string): string | null {
  const r = reason.trim();
  if (r.length === 0) return 'Enter why this can be published as it is';
  if (r.length < 10) return 'Say in a few words why this can be published as it is (at least 10 characters)';
  if (r.length > 1_000) return 'The reason must be 1,000 characters or fewer';
  return null;
}

/**
 * The advance copy of the final report must reach the Panel, the Secretary of State and Ofsted at
 * least `days` working days before publication. Returns why publishing on `publishOn` would break
 * that, or null. `addWorkingDays` is the deployment's calendar.
 */
export function advanceCopyProblem(
  advanceCopySentOn: DateOnly | null | undefined,
  publishOn: DateOnly,
  addWorkingDays: (from: DateOnly, days: number) => DateOnly,
  days = 7,
): string | null {
  if (!advanceCopySentOn) return `Record the advance copy of the final report as sent first: it must go to the Panel, the Secretary of State and Ofsted at least ${days} working days before publication`;
  const earliest = addWorkingDays(advanceCopySentOn, days);
  if (compareDates(publishOn, earliest) < 0) {
    return `The advance copy was sent on ${formatDateForDisplay(advanceCopySentOn)}: the report can be published from ${formatDateForDisplay(earliest)}, ${days} working days later`;
  }
  return null;
}
