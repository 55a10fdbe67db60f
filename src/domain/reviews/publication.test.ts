import { describe, expect, it } from 'vitest';
import { addDays, type DateOnly } from '../calendar/date-only.ts';
import { scanForIdentifiers } from '../anonymisation/index.ts';
import { advanceCopyProblem, caseIdentifiers, identifyingFindings, learningDocuments, namesInList, overrideReasonProblem, publicDocuments, unresolvedFindings } from './publication.ts';

// Weekdays only, enough for the rule (bank holidays are the calendar's business).
function addWeekdays(from: DateOnly, n: number): DateOnly {
  let d = from;
  let left = n;
  while (left > 0) {
    d = addDays(d, 1);
    const day = new Date(`${d}T12:00:00Z`).getUTCDay();
    if (day !== 0 && day !== 6) left -= 1;
  }
  return d;
}

describe('publishing a review', () => {
  it('reads the names out of a free-text list of family members', () => {
    expect(namesInList('Alex Example (mother), Casey Sample (mother’s partner) — fictional\nJo Bloggs; (none)')).toEqual(['Alex Example', 'Casey Sample', 'Jo Bloggs']);
    expect(namesInList('')).toEqual([]);
  });

  it('builds the case’s identifiers from its children, their families and other names to look for', () => {
    const ids = caseIdentifiers([{ name: 'Zeb Fictitious', dateOfBirth: '2018-04-03', nhsNumber: '9990000018', address: '1 Fable Street', familyNames: 'Robin Fictitious (mother)' }], ['Brookfield Primary', ' ']);
    expect(ids.people).toEqual([{ fullName: 'Zeb Fictitious', role: 'child' }, { fullName: 'Robin Fictitious', role: 'family member' }]);
    expect(ids).toMatchObject({ datesOfBirth: ['2018-04-03'], addresses: ['1 Fable Street'], settings: ['Brookfield Primary'], nhsNumbers: ['9990000018'] });
  });

  it('scans every public text and the report page by page, and keeps what was overridden out of the way', () => {
    const draft = { title: 'Child Z', summary: 'Nothing here.', learning: { livedExperience: 'Zeb liked football.', keyLearning: 'x', learningIntoPractice: 'y' }, briefing: null };
    const docs = publicDocuments(draft, { name: 'report.pdf', pages: ['clean page', 'Robin Fictitious said'] });
    expect(docs.map((d) => d.source)).toEqual(['title', 'summary', 'learning-on-a-page', 'report.pdf']);
    const findings = scanForIdentifiers(docs, caseIdentifiers([{ name: 'Zeb Fictitious', dateOfBirth: null, nhsNumber: '', address: '', familyNames: 'Robin Fictitious' }], []));
    expect(findings.map((f) => [f.source, f.page, f.line])).toEqual([['learning-on-a-page', 1, 1], ['report.pdf', 2, 1]]);
    expect(unresolvedFindings(findings, [{ fingerprint: findings[1].fingerprint, reason: 'agreed' }])).toEqual([findings[0]]);
  });

  it('scans the case’s recommendations, the partnership’s responses and its findings, each named for what it is', () => {
    const draft = { title: 'Child Z', summary: 'Nothing here.', learning: { livedExperience: 'a', keyLearning: 'b', learningIntoPractice: 'c' }, briefing: null };
    const learning = {
      recommendations: [
        { number: '1', text: 'Health visitors should ask who lives in the home.', responseReasons: '' },
        { number: '2', text: 'Schools should share attendance concerns.', responseReasons: 'Partly accepted: Robin Fictitious’s school has closed.' },
      ],
      findings: [{ number: '1', text: 'Zeb was not seen alone.' }, { number: '2', text: 'Zeb Fictitious was not seen alone.' }],
    };
    const docs = publicDocuments(draft, null, learning);
    expect(docs.map((d) => d.source)).toEqual(['title', 'summary', 'learning-on-a-page', 'Recommendation 1', 'Recommendation 2', 'Response to recommendation 2', 'Finding 1', 'Finding 2']);
    const findings = scanForIdentifiers(docs, caseIdentifiers([{ name: 'Zeb Fictitious', dateOfBirth: null, nhsNumber: '', address: '', familyNames: 'Robin Fictitious' }], []));
    expect(findings.map((f) => f.source).sort()).toEqual(['Finding 1', 'Finding 2', 'Response to recommendation 2']);
  });

  it('refuses a change to a published review’s learning for a detail of the case, not for a general pattern or what was overridden', () => {
    const ids = caseIdentifiers([{ name: 'Zeb Fictitious', dateOfBirth: null, nhsNumber: '', address: '', familyNames: '' }], []);
    const text = (t: string) => learningDocuments({ recommendations: [{ number: '3', text: t, responseReasons: '' }], findings: [] });
    // A date is a general pattern: a person judges it, nothing is refused.
    expect(identifyingFindings(text('Every school should check its protocol by 31/03/2027.'), ids, [])).toEqual([]);
    const named = identifyingFindings(text('Zeb Fictitious’s school should check its protocol.'), ids, []);
    expect(named.map((f) => [f.source, f.match])).toEqual([['Recommendation 3', 'Zeb Fictitious']]);
    // The same detail, overridden with a reason when the review was published, is let through.
    expect(identifyingFindings(text('Zeb Fictitious’s school should check its protocol.'), ids, [{ fingerprint: named[0].fingerprint, reason: 'The family asked for the name to be used.' }])).toEqual([]);
  });

  it('asks for a real reason to override', () => {
    expect(overrideReasonProblem('  ')).toBe('Enter why this can be published as it is');
    expect(overrideReasonProblem('fine')).toMatch(/at least 10 characters/);
    expect(overrideReasonProblem('The name is a common word here.')).toBeNull();
  });

  it('publishes no sooner than 7 working days after the advance copy', () => {
    expect(advanceCopyProblem(null, '2026-06-10', addWeekdays)).toMatch(/^Record the advance copy of the final report as sent first/);
    // Monday 1 June 2026 + 7 working days = Wednesday 10 June 2026.
    expect(advanceCopyProblem('2026-06-01', '2026-06-09', addWeekdays)).toBe('The advance copy was sent on 1 June 2026: the report can be published from 10 June 2026, 7 working days later');
    expect(advanceCopyProblem('2026-06-01', '2026-06-10', addWeekdays)).toBeNull();
  });
});
