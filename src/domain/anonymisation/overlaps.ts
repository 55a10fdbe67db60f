// Chooses one finding per stretch of text, so the admin resolves each span once.
//
// Rules, in order:
// 1. Case identifiers among themselves: leftmost, then longest ('Kayden Smith' as a full name,
//    not as a first name and a surname).
// 2. A general pattern over the same text as a case identifier is dropped: the case identifier
//    says more ("Matches a date of birth held on the case", not "A full date").
// 3. A general pattern that strictly contains case identifiers (an email address built from the
//    child's name) is kept, because it marks the whole thing to remove, but it becomes
//    identifying and its detail names what it contains.

import type { Candidate } from './matcher.ts';
import type { FindingKind } from './types.ts';
import { joinAnd } from './wording.ts';

// Tie-break for case identifiers over exactly the same span: the more specific kind first.
const KIND_ORDER: readonly FindingKind[] = [
  'email', 'nhs-number', 'phone', 'date-of-birth', 'postcode', 'address', 'setting', 'name',
  'pattern-email', 'pattern-nhs-number', 'pattern-phone', 'pattern-date', 'pattern-postcode',
];

function byPosition(a: Candidate, b: Candidate): number {
  return a.start - b.start || b.end - a.end || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind);
}

function leftmostLongest(candidates: Candidate[]): Candidate[] {
  const kept: Candidate[] = [];
  for (const c of [...candidates].sort(byPosition)) {
    const last = kept[kept.length - 1];
    if (last && c.start < last.end) continue;
    kept.push(c);
  }
  return kept;
}

function overlaps(a: Candidate, b: Candidate): boolean {
  return a.start < b.end && b.start < a.end;
}

export function resolveOverlaps(candidates: Candidate[]): Candidate[] {
  const identifying = leftmostLongest(candidates.filter((c) => c.severity === 'identifying'));
  const patterns = leftmostLongest(candidates.filter((c) => c.severity === 'review'));
  const dropped = new Set<Candidate>();
  const kept: Candidate[] = [];

  for (const pattern of patterns) {
    const touching = identifying.filter((c) => overlaps(c, pattern));
    if (touching.length === 0) {
      kept.push(pattern);
      continue;
    }
    const strictlyContains = touching.every(
      (c) => c.start >= pattern.start && c.end <= pattern.end && c.end - c.start < pattern.end - pattern.start,
    );
    if (!strictlyContains) continue;
    for (const c of touching) dropped.add(c);
    const contents = [...new Set(touching.map((c) => c.detail.replace(/^Matches /, '')))];
    kept.push({ ...pattern, severity: 'identifying', detail: `${pattern.detail}, and it contains ${joinAnd(contents)}` });
  }
  for (const c of identifying) if (!dropped.has(c)) kept.push(c);
  return kept.sort(byPosition);
}
