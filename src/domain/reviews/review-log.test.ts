import { describe, expect, it } from 'vitest';
import { checkEntry, delaysNotReported, doneDateProblem, ENTRY_DEFINITIONS, ENTRY_KINDS, entryDetails, isEntryKind, milestoneOverdue, type EntryInput } from './review-log.ts';

const today = '2026-06-10';
const blank: EntryInput = { onDate: null, doneOn: null, extraDate: null, shortText: '', choices: {}, flags: {}, notes: '' };
const fields = (problems: { field: string }[]) => problems.map((p) => p.field);

describe('the review log', () => {
  it('defines every kind with its questions', () => {
    for (const kind of ENTRY_KINDS) {
      expect(ENTRY_DEFINITIONS[kind].kind).toBe(kind);
      expect(isEntryKind(kind)).toBe(true);
    }
    expect(isEntryKind('minutes')).toBe(false);
    // The partners' own record: monitoring and delays are not the reviewer's to add.
    expect(ENTRY_KINDS.filter((k) => ENTRY_DEFINITIONS[k].reviewerMayAdd)).toEqual(['milestone', 'practitioner-event', 'family-contact']);
  });

  it('asks for every required answer, by kind', () => {
    expect(fields(checkEntry(ENTRY_DEFINITIONS.milestone, blank, { today, decisionOn: null }))).toEqual(['onDate', 'title']);
    expect(fields(checkEntry(ENTRY_DEFINITIONS.monitoring, blank, { today, decisionOn: null }))).toEqual(['onDate', 'time', 'quality', 'notes']);
    expect(fields(checkEntry(ENTRY_DEFINITIONS.delay, blank, { today, decisionOn: null }))).toEqual(['onDate', 'reason', 'notes']);
    expect(checkEntry(ENTRY_DEFINITIONS['family-contact'], blank, { today, decisionOn: null })[0].message).toBe('Enter the date of the contact');
  });

  it('refuses unknown choices and future dates where they cannot be', () => {
    const input = { ...blank, onDate: '2026-06-11', choices: { time: 'never', quality: 'good' }, notes: 'x' };
    expect(checkEntry(ENTRY_DEFINITIONS.monitoring, input, { today, decisionOn: null }).map((p) => p.message)).toEqual([
      'The date cannot be in the future',
      'Select one of the options for time',
    ]);
    // A milestone may be met before it is due.
    expect(checkEntry(ENTRY_DEFINITIONS.milestone, { ...blank, onDate: '2026-06-01', doneOn: '2026-05-20', shortText: 'Terms agreed' }, { today, decisionOn: null })).toEqual([]);
    // A milestone or an event may be planned ahead.
    expect(checkEntry(ENTRY_DEFINITIONS.milestone, { ...blank, onDate: '2026-09-01', shortText: 'Draft to partners' }, { today, decisionOn: null })).toEqual([]);
  });

  it('keeps dates in order: nothing before the decision, an end not before its start, the Panel told after the delay began', () => {
    const delay = { ...blank, onDate: '2026-05-01', doneOn: '2026-04-30', extraDate: '2026-04-29', choices: { reason: 'inquest' }, notes: 'Inquest' };
    expect(checkEntry(ENTRY_DEFINITIONS.delay, delay, { today, decisionOn: '2026-05-02' }).map((p) => p.message)).toEqual([
      'The date cannot be before the decision to hold the review (2 May 2026)',
      'The date the delay ended cannot be before the date of the decision to hold the review (2 May 2026)',
      'The Panel cannot have been told before the delay started',
    ]);
  });

  it('takes the day a milestone was met or a delay ended as it happened, naming the date it cannot precede', () => {
    const dates = { onDate: '2026-05-10', decisionOn: '2026-05-02' };
    expect(doneDateProblem('delay', '2026-05-12', today, dates)).toBeNull();
    expect(doneDateProblem('delay', '2026-05-09', today, dates)).toBe('The date the delay ended cannot be before the date the delay started (10 May 2026)');
    expect(doneDateProblem('delay', '2026-06-11', today, dates)).toBe('The date the delay ended cannot be in the future');
    expect(doneDateProblem('delay', null, today, dates)).toBe('Enter the date the delay ended');
    // A milestone may be met before it was due, never before the review was decided.
    expect(doneDateProblem('milestone', '2026-05-05', today, dates)).toBeNull();
    expect(doneDateProblem('milestone', '2026-05-01', today, dates)).toBe('The date the milestone was met cannot be before the date of the decision to hold the review (2 May 2026)');
    expect(doneDateProblem('milestone', '2026-06-11', today, dates)).toBe('The date the milestone was met cannot be in the future');
  });

  it('stores only non-identifying details, and finds overdue milestones and unreported delays', () => {
    const input = { ...blank, onDate: '2026-05-01', choices: { reason: 'inquest', bogus: 'x' }, extraDate: '2026-05-02', notes: 'secret' };
    expect(entryDetails(ENTRY_DEFINITIONS.delay, input)).toEqual({ reason: 'inquest', panelToldOn: '2026-05-02' });
    expect(milestoneOverdue({ kind: 'milestone', onDate: '2026-06-09', doneOn: null }, today)).toBe(true);
    expect(milestoneOverdue({ kind: 'milestone', onDate: '2026-06-09', doneOn: '2026-06-09' }, today)).toBe(false);
    expect(milestoneOverdue({ kind: 'milestone', onDate: today, doneOn: null }, today)).toBe(false);
    // Both the Panel and the Secretary of State must be told of a delay (Working Together 2023 ch.5).
    expect(delaysNotReported([{ kind: 'delay', details: {} }, { kind: 'delay', details: { panelToldOn: '2026-05-02' } }, { kind: 'monitoring', details: {} }])).toBe(2);
    expect(delaysNotReported([{ kind: 'delay', details: { panelToldOn: '2026-05-02', sosToldOn: '2026-05-03' } }])).toBe(0);
    expect(entryDetails(ENTRY_DEFINITIONS.delay, { ...input, sosToldOn: '2026-05-03' })).toEqual({ reason: 'inquest', panelToldOn: '2026-05-02', sosToldOn: '2026-05-03' });
    expect(checkEntry(ENTRY_DEFINITIONS.delay, { ...input, sosToldOn: '2026-04-30' }, { today, decisionOn: null }).map((p) => p.message)).toContain('The Secretary of State cannot have been told before the delay started');
  });
});
