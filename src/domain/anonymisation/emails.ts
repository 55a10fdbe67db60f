// Email addresses: those held on the case (identifying) and any address at all (review).

import type { Matcher } from './matcher.ts';
import { dedupeBy, escapeRegExp, regexMatcher } from './matcher.ts';

// An address neither starts nor ends inside a longer run of address characters; a full stop
// ending the sentence is not part of it.
const EMAIL_START = '(?<![A-Za-z0-9._%+-])';
const EMAIL_END = '(?![A-Za-z0-9_-]|\\.[A-Za-z0-9])';

export function caseEmailMatchers(emails: string[]): Matcher[] {
  const usable = emails.map((e) => e.trim().toLowerCase()).filter((e) => e.includes('@'));
  return [...dedupeBy(usable, (e) => e).keys()].map((email) =>
    regexMatcher({
      pattern: `${EMAIL_START}${escapeRegExp(email)}${EMAIL_END}`,
      kind: 'email',
      severity: 'identifying',
      describe: () => `Matches an email address held on the case (${email})`,
    }),
  );
}

export function emailPatternMatcher(): Matcher {
  return regexMatcher({
    pattern: `${EMAIL_START}[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\\.)+[A-Za-z]{2,}${EMAIL_END}`,
    kind: 'pattern-email',
    severity: 'review',
    describe: () => 'Looks like an email address',
  });
}
