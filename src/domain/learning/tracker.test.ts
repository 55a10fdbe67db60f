import { describe, expect, it } from 'vitest';
import { actionIdentity, cellDate, cellText, checkTracker, MEASURE_NOT_GIVEN, type TrackerContext, type TrackerRecord } from './tracker.ts';

const P = 'p1';
const context: TrackerContext = {
  reviews: [
    { incidentId: 'case-1', publicationId: null, partnershipId: P, slug: null, reference: 'NM-2025-001', title: null, madeOn: '2025-03-01' },
    { incidentId: null, publicationId: 'pub-1', partnershipId: P, slug: '2016-northmoor-child-a', reference: null, title: 'Serious case review: Child A', madeOn: '2016-05-10' },
    { incidentId: null, publicationId: 'pub-2', partnershipId: 'p2', slug: 'elsewhere-child-b', reference: null, title: 'Child B', madeOn: '2020-01-01' },
  ],
  agencies: [
    { id: 'police', partnershipId: P, name: 'Northmoor Police' },
    { id: 'health', partnershipId: P, name: 'Northmoor Health & Care' },
    { id: 'other-police', partnershipId: 'p2', name: 'Elsewhere Police' },
  ],
  themes: [
    { key: 'information-sharing', label: 'Information sharing', retired: false },
    { key: 'old', label: 'Old theme', retired: true },
  ],
  suggestTheme: (name) => (name.startsWith('info') ? 'Information sharing' : null),
};
const HEADER = ['review', 'number', 'text', 'agencies', 'themes', 'response', 'reasons', 'action', 'owner_agency', 'lead', 'due_on', 'status', 'evidence'];
const row = (line: number, ...cells: (string | number | Date | null)[]): TrackerRecord => ({ line, cells });

describe('checking a recommendation tracker (Working Together 2023, chapter 5)', () => {
  it('reads good rows, names the review by slug, reference or exact title, and merges one recommendation’s action rows', () => {
    const result = checkTracker(HEADER, [
      row(2, 'NM-2025-001', 1, 'Share information sooner.', 'Northmoor Police; northmoor health and care', 'Information Sharing', 'Accepted', '', 'Train staff', 'Northmoor Police', 'Pat Lead', '01/06/2025', 'in progress', ''),
      row(3, 'nm-2025-001', '1', 'Share information sooner.', 'Northmoor Police', '', 'accepted', '', 'Audit referrals', 'NORTHMOOR HEALTH AND CARE', 'Sam Lead', new Date(Date.UTC(2025, 8, 30)), 'Completed', 'Audit report of May'),
      row(4, 'Serious case review: Child A', '2', 'Escalate disagreements.', 'Northmoor Police', '', 'Accepted in part', 'Only for police.', '', '', '', '', ''),
      row(5, '2016-northmoor-child-a', '3', 'Think family.', 'Northmoor Police', '', '', '', '', '', '', '', ''),
    ], context);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.recommendations).toHaveLength(3);
    const [one, two, three] = result.recommendations;
    expect(one.review.incidentId).toBe('case-1');
    expect(one.number).toBe('1');
    expect(one.agencyIds).toEqual(['police', 'health']);
    expect(one.themes).toEqual(['information-sharing']);
    expect(one.actions.map((a) => [a.agencyId, a.dueOn, a.status, a.measureOfSuccess])).toEqual([
      ['police', '2025-06-01', 'in-progress', MEASURE_NOT_GIVEN],
      ['health', '2025-09-30', 'completed', MEASURE_NOT_GIVEN],
    ]);
    expect(two.review.publicationId).toBe('pub-1');
    expect([two.response, two.responseReasons]).toEqual(['accepted-in-part', 'Only for police.']);
    expect(three.madeOn).toBe('2016-05-10');
  });

  it('reports every bad row with its line and what is wrong, and returns nothing to store', () => {
    const result = checkTracker(HEADER, [
      row(2, 'NM-2025-001', '1', 'Fine.', 'Northmoor Police', '', '', '', '', '', '', '', '', ''),
      row(3, 'No such review', '2', 'Text.', 'Northmoor Police', '', '', '', '', '', '', '', ''),
      row(4, 'NM-2025-001', '3', 'Text.', 'Nobody Agency', '', '', '', '', '', '', '', ''),
      row(5, 'NM-2025-001', '4', 'Text.', 'Northmoor Police', '', '', '', 'Act', 'Northmoor Police', 'Lead', '31/02/2025', '', ''),
      row(6, 'NM-2025-001', '5', 'Text.', 'Northmoor Police', 'infosharing', 'not accepted', '', '', '', '', '', ''),
      row(7, 'NM-2025-001', '6', 'Text.', 'Northmoor Police', '', '', '', 'Act', 'Northmoor Police', 'Lead', '2025-01-01', '', ''),
      row(8, 'NM-2025-001', '7', 'Text.', 'Northmoor Police', '', '', '', 'Act', 'Northmoor Police', 'Lead', '2025-06-01', 'closed', ''),
      row(9, 'elsewhere-child-b', '1', 'Text.', 'Northmoor Police', '', '', '', '', '', '', '', ''),
      row(10, 'NM-2025-001', '1', 'Another text.', 'Northmoor Police', '', '', '', '', '', '', '', ''),
      row(11, 'NM-2025-001', '8', 'Text.', 'Northmoor Police', 'Old theme', 'maybe', '', '', '', 'Lead', '', '', ''),
    ], context);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const at = (line: number) => result.problems.find((p) => p.line === line)?.message ?? '';
    expect(result.problems.map((p) => p.line)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(at(3)).toContain("there is no review 'No such review'");
    expect(at(4)).toContain("there is no agency 'Nobody Agency'");
    expect(at(5)).toContain("the due date '31/02/2025' must be a real date");
    expect(at(6)).toContain("there is no theme 'infosharing' (did you mean 'Information sharing'?)");
    expect(at(6)).toContain('needs its reasons');
    expect(at(7)).toContain('is before the date of the recommendation (2025-03-01)');
    expect(at(8)).toContain('an action closed needs its evidence');
    // Another partnership's agencies are not this review's.
    expect(at(9)).toContain("there is no agency 'Northmoor Police'");
    expect(at(10)).toContain('is given a different text on line 2');
    expect(at(11)).toContain("the theme 'Old theme' is retired");
    expect(at(11)).toContain("the response 'maybe'");
    expect(at(11)).toContain('the action is missing, but its lead is given');
  });

  it('refuses a header without the required columns, or with unknown or repeated ones', () => {
    const result = checkTracker(['review', 'number', 'text', 'agency', 'text'], [row(2, 'x')], context);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0].line).toBe(1);
    expect(result.problems[0].message).toContain('missing agencies');
    expect(result.problems[0].message).toContain("unknown 'agency'");
    expect(result.problems[0].message).toContain("'text' named twice");
    expect(checkTracker(HEADER, [], context)).toMatchObject({ ok: false, problems: [{ line: 2 }] });
  });

  it('names a review by a title two reviews share only by its address or reference', () => {
    const twice: TrackerContext = { ...context, reviews: [...context.reviews, { ...context.reviews[1], publicationId: 'pub-3', slug: 'another' }] };
    const result = checkTracker(HEADER, [row(2, 'Serious case review: Child A', '1', 'T', 'Northmoor Police')], twice);
    expect(result).toMatchObject({ ok: false, problems: [{ line: 2, message: expect.stringContaining('names 2 reviews') }] });
  });

  it('reads cells: whole numbers without a decimal point, real date cells, UK dates, never US ones', () => {
    expect(cellText(3)).toBe('3');
    expect(cellText(2.5)).toBe('2.5');
    expect(cellText(new Date(Date.UTC(2026, 0, 31)))).toBe('2026-01-31');
    expect(cellDate(new Date(Date.UTC(2024, 1, 29)))).toBe('2024-02-29');
    expect(cellDate('4/5/2026')).toBe('2026-05-04');
    expect(cellDate('2026-02-30')).toBeNull();
    expect(cellDate('13/13/2026')).toBeNull();
    expect(cellDate('May 2026')).toBeNull();
    expect(actionIdentity('a', ' Train  STAFF ')).toBe(actionIdentity('a', 'train staff'));
  });
});
