// The anonymisation guard: scans every text about to be published for the identifying details
// held on the case and for identifying patterns in general, and lists each finding with its page,
// line and column so a partnership admin can resolve or override it.

import type { Finding, Identifiers, ScannedDocument } from './types.ts';
import type { Candidate, Matcher } from './matcher.ts';
import { nameMatchers } from './names.ts';
import { dateMatcher } from './dates.ts';
import { addressMatchers } from './addresses.ts';
import { casePostcodeMatchers, postcodePatternMatcher, postcodesIn } from './postcodes.ts';
import { settingMatchers } from './settings.ts';
import { caseNhsNumberMatchers, nhsNumberPatternMatcher } from './nhs-numbers.ts';
import { casePhoneMatchers, phonePatternMatcher } from './phones.ts';
import { caseEmailMatchers, emailPatternMatcher } from './emails.ts';
import { normaliseText } from './normalise-text.ts';
import { resolveOverlaps } from './overlaps.ts';
import { lineStarts, positionOf } from './positions.ts';
import { OccurrenceCounter, fingerprintOf } from './fingerprint.ts';

/** Every matcher for this case, compiled once for the whole scan. */
function buildMatchers(identifiers: Identifiers): Matcher[] {
  return [
    ...nameMatchers(identifiers.people),
    dateMatcher(identifiers.datesOfBirth),
    ...addressMatchers(identifiers.addresses),
    ...casePostcodeMatchers([...identifiers.postcodes, ...identifiers.addresses.flatMap(postcodesIn)]),
    ...settingMatchers(identifiers.settings),
    ...caseNhsNumberMatchers(identifiers.nhsNumbers),
    ...casePhoneMatchers(identifiers.phones),
    ...caseEmailMatchers(identifiers.emails),
    postcodePatternMatcher(),
    nhsNumberPatternMatcher(),
    phonePatternMatcher(),
    emailPatternMatcher(),
  ];
}

function compareFindings(a: Finding, b: Finding): number {
  if (a.source !== b.source) return a.source < b.source ? -1 : 1;
  return a.page - b.page || a.line - b.line || a.column - b.column;
}

/**
 * Scans `documents` for `identifiers` and for identifying patterns. Findings are sorted by source,
 * page, line and column. Each stretch of text is reported once.
 */
export function scanForIdentifiers(documents: ScannedDocument[], identifiers: Identifiers): Finding[] {
  const matchers = buildMatchers(identifiers);
  const occurrences = new OccurrenceCounter();
  const findings: Finding[] = [];

  for (const document of documents) {
    document.pages.forEach((page, pageIndex) => {
      const folded = normaliseText(page);
      const candidates: Candidate[] = [];
      for (const matcher of matchers) matcher.find(folded.text, candidates);
      if (candidates.length === 0) return;
      const starts = lineStarts(page);
      for (const c of resolveOverlaps(candidates)) {
        const originalStart = folded.starts[c.start];
        const originalEnd = folded.ends[c.end - 1];
        const { line, column } = positionOf(page, starts, originalStart);
        findings.push({
          source: document.source,
          page: pageIndex + 1,
          line,
          column,
          match: page.slice(originalStart, originalEnd),
          kind: c.kind,
          severity: c.severity,
          detail: c.detail,
          fingerprint: fingerprintOf(document.source, c.kind, c.key, occurrences.next(document.source, c.kind, c.key)),
        });
      }
    });
  }
  return findings.sort(compareFindings);
}
