import { describe, expect, it } from 'vitest';
import {
  answeredLate,
  latestDate,
  requestAnsweredProblem,
  requestDueProblem,
  requestSentProblem,
  sentToPanelProblem,
  signOffProblem,
  stepDateProblem,
} from './step-dates.ts';

// Every step takes the date it happened: not in the future, not before the dates it depends on
// (Working Together to Safeguard Children 2023 ch.5: requests and answers, decision, sign-off, sending).
const today = '2026-12-04';
const started = { aware: '2026-11-02', notified: '2026-11-04', rapidReviewStarted: '2026-11-05' };

describe('the date a step happened', () => {
  it('is asked for, cannot be in the future, and names the date it comes before', () => {
    expect(stepDateProblem('the date of the meeting', null, today, [])).toBe('Enter the date of the meeting');
    expect(stepDateProblem('the date of the meeting', '2026-12-05', today, [])).toBe('The date of the meeting cannot be in the future');
    expect(stepDateProblem('the date of the meeting', '2026-11-01', today, [{ date: '2026-11-05', label: 'the date the rapid review started' }]))
      .toBe('The date of the meeting cannot be before the date the rapid review started (5 November 2026)');
    expect(stepDateProblem('the due date', '2027-01-04', today, [], { future: 'allowed' })).toBeNull();
    // Before several: the latest is named (on a tie, the nearer step).
    expect(stepDateProblem('the date of the meeting', '2026-11-01', today, [{ date: '2026-11-05', label: 'b' }, { date: '2026-11-02', label: 'a' }])).toBe('The date of the meeting cannot be before b (5 November 2026)');
    expect(stepDateProblem('the date of the meeting', '2026-11-01', today, [{ date: '2026-11-05', label: 'notified' }, { date: '2026-11-05', label: 'started' }])).toBe('The date of the meeting cannot be before started (5 November 2026)');
    // A dependency not yet recorded is skipped, not a reason to refuse.
    expect(stepDateProblem('the date of the meeting', '2026-11-01', today, [{ date: null, label: 'x' }])).toBeNull();
  });

  it('takes a past date: a rapid review recorded weeks after it happened', () => {
    expect(requestSentProblem('2026-11-05', today, started)).toBeNull();
    expect(requestAnsweredProblem('2026-11-12', today, '2026-11-05')).toBeNull();
    expect(signOffProblem('2026-11-20', today, '2026-11-19')).toBeNull();
    expect(sentToPanelProblem('2026-11-23', today, { decidedOn: '2026-11-19', signedOn: ['2026-11-20', '2026-11-23', '2026-11-21'] })).toBeNull();
  });

  it('refuses requests sent before the rapid review started, and due dates before they were sent', () => {
    expect(requestSentProblem('2026-11-04', today, started)).toBe('The date the requests were sent cannot be before the date the rapid review started (5 November 2026)');
    expect(requestSentProblem('2026-11-03', today, { aware: '2026-11-02', notified: '2026-11-04' })).toBe('The date the requests were sent cannot be before the date the Panel was notified (4 November 2026)');
    expect(requestSentProblem('2026-12-07', today, started)).toBe('The date the requests were sent cannot be in the future');
    // Due dates may have passed already (the request was sent last month) but not precede the sending.
    expect(requestDueProblem('2026-11-16', '2026-11-05', 'Academy Trust')).toBeNull();
    expect(requestDueProblem('2026-11-04', '2026-11-05', 'Academy Trust')).toBe('The due date for Academy Trust cannot be before the date the requests were sent (5 November 2026)');
  });

  it('refuses an answer before its request, and marks one after its due date as late', () => {
    expect(requestAnsweredProblem('2026-11-04', today, '2026-11-05')).toBe('The date the answer was sent cannot be before the date the request was sent (5 November 2026)');
    expect(requestAnsweredProblem('2026-12-05', today, '2026-11-05')).toBe('The date the answer was sent cannot be in the future');
    expect(answeredLate('2026-11-17', '2026-11-16')).toBe(true);
    expect(answeredLate('2026-11-16', '2026-11-16')).toBe(false);
    expect(answeredLate(null, '2026-11-16')).toBe(false);
  });

  it('refuses a sign-off before the decision, and sending before the last sign-off', () => {
    expect(signOffProblem('2026-11-18', today, '2026-11-19')).toBe('The date you signed off the decision cannot be before the date of the decision (19 November 2026)');
    expect(signOffProblem('2026-12-05', today, '2026-11-19')).toBe('The date you signed off the decision cannot be in the future');
    expect(sentToPanelProblem('2026-11-18', today, { decidedOn: '2026-11-19', signedOn: [] })).toBe('The date the rapid review was sent to the Panel cannot be before the date of the decision (19 November 2026)');
    expect(sentToPanelProblem('2026-11-22', today, { decidedOn: '2026-11-19', signedOn: ['2026-11-20', '2026-11-23', null] }))
      .toBe('The date the rapid review was sent to the Panel cannot be before the date the last partner signed off the decision (23 November 2026)');
  });

  it('finds the latest of some dates', () => {
    expect(latestDate([])).toBeNull();
    expect(latestDate([null, '2026-11-20', undefined, '2026-11-23', '2026-11-21'])).toBe('2026-11-23');
  });
});
