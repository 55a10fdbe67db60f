import { describe, expect, it } from 'vitest';
import { defaultCalendar } from '../../domain/calendar/working-days.ts';
import { DEFAULT_CLOCK_RULES } from '../../domain/clocks/rules.ts';
import { caseClocks, CLOCK_STATE_LABELS, clockOnDay, isOpenClock, nextClock, nextClockTag, storedClocks, type ClockInput, type StoredClock } from './clocks.ts';
import { dutiesForClocks, incidentDuties } from './duties.ts';
import { formatReference, referencePrefix } from './references.ts';

const calendar = defaultCalendar();
const child = { pseudonym: 'Child K', lookedAfter: false, careLeaver: false, ageAtIncident: 5, ageBand: null };

function input(over: Partial<ClockInput> = {}): ClockInput {
  const base = { outcome: 'serious-harm', abuseOrNeglect: 'suspected', location: 'in-area', aware: '2025-03-03' } as const;
  return {
    state: 'recorded',
    aware: base.aware,
    outcome: base.outcome,
    lookedAfter: false,
    careLeaver: false,
    reviewDecision: null,
    dates: {},
    rules: DEFAULT_CLOCK_RULES,
    pauses: [],
    duties: dutiesForClocks(incidentDuties(base, [child])),
    ...over,
  };
}

const summary = (clocks: ReturnType<typeof caseClocks>) => clocks.map((c) => `${c.key} ${c.dueOn} ${c.state}${c.workingDaysLeft === null ? '' : ` ${c.workingDaysLeft}`}`);

describe('case clocks', () => {
  it('counts from the aware date, and says how far each clock is', () => {
    // Aware Monday 3 March 2025: the Panel and partners are due Monday 10 March.
    expect(summary(caseClocks(input(), calendar, '2025-03-03'))).toEqual(['panel-notification 2025-03-10 due 5', 'partners-informed 2025-03-10 due 5']);
    expect(summary(caseClocks(input(), calendar, '2025-03-04'))).toEqual(['panel-notification 2025-03-10 due-soon 4', 'partners-informed 2025-03-10 due-soon 4']);
    expect(summary(caseClocks(input(), calendar, '2025-03-12'))).toEqual(['panel-notification 2025-03-10 overdue -2', 'partners-informed 2025-03-10 overdue -2']);
  });

  it('marks clocks done on time or late, and starts the rapid review clock from the notification', () => {
    const clocks = caseClocks(input({ state: 'notified', dates: { notified: '2025-03-10', partnersInformed: '2025-03-11' } }), calendar, '2025-03-12');
    expect(summary(clocks)).toEqual(['panel-notification 2025-03-10 done-on-time', 'partners-informed 2025-03-10 done-late', 'rapid-review 2025-03-31 due 13']);
  });

  it('never lets a notification clock pause or move: paused, resumed and notified late is done late', () => {
    // Aware Mon 16 Nov 2026, due Mon 23 Nov; "paused" 17 Nov, resumed 1 Dec, notified 2 Dec: 7 working days late.
    const pauses = [{ clockKey: 'panel-notification', pausedOn: '2026-11-17', resumedOn: '2026-12-01', reason: 'Waiting for police' }];
    const clocks = caseClocks(input({ state: 'notified', aware: '2026-11-16', dates: { notified: '2026-12-02' }, pauses }), calendar, '2026-12-03');
    const panel = clocks.find((c) => c.key === 'panel-notification')!;
    expect(panel).toMatchObject({ dueOn: '2026-11-23', doneOn: '2026-12-02', state: 'done-late', mayPause: false, pausable: false });
    const open = caseClocks(input({ state: 'recorded', aware: '2026-11-16' }), calendar, '2026-11-17');
    expect(open.find((c) => c.key === 'panel-notification')).toMatchObject({ state: 'due-soon', pausable: false, mayPause: false });
  });

  it('keeps the original due date of a paused review: late is late, with its reasons and who was told', () => {
    const pauses = [{ clockKey: 'review-completion', pausedOn: '2025-05-01', resumedOn: '2025-09-11', reason: 'Criminal trial', panelToldOn: '2025-05-02', sosToldOn: '2025-05-02' }];
    const dates = { notified: '2025-03-10', partnersInformed: '2025-03-10', rapidReviewSent: '2025-03-28', decision: '2025-04-04' };
    const running = caseClocks(input({ state: 'local-review', reviewDecision: 'local-review', dates, pauses: [{ ...pauses[0], resumedOn: null }] }), calendar, '2025-06-02');
    expect(running.find((c) => c.key === 'review-completion')).toMatchObject({ dueOn: '2025-10-04', state: 'paused', reason: 'Criminal trial', pausable: false, mayPause: true });
    const overdue = caseClocks(input({ state: 'local-review', reviewDecision: 'local-review', dates, pauses: [{ ...pauses[0], resumedOn: null }] }), calendar, '2025-10-10');
    expect(overdue.find((c) => c.key === 'review-completion')).toMatchObject({ dueOn: '2025-10-04', state: 'overdue', reason: 'Criminal trial' });
    const late = caseClocks(input({ state: 'published', reviewDecision: 'local-review', dates: { ...dates, published: '2025-11-20' }, pauses }), calendar, '2025-12-01');
    const review = late.find((c) => c.key === 'review-completion')!;
    expect(review).toMatchObject({ dueOn: '2025-10-04', doneOn: '2025-11-20', state: 'done-late' });
    expect(review.delays).toEqual(pauses);
  });

  it('offers a pause only where the rule allows it', () => {
    const dates = { notified: '2025-03-10', partnersInformed: '2025-03-10', rapidReviewSent: '2025-03-28', decision: '2025-04-04' };
    const clocks = caseClocks(input({ state: 'local-review', reviewDecision: 'local-review', dates }), calendar, '2025-04-07');
    expect(clocks.filter((c) => c.pausable).map((c) => c.key)).toEqual(['review-completion']);
  });

  it('runs the advance copy clock from the planned publication date, to the recipients chosen', () => {
    const dates = { notified: '2025-03-10', partnersInformed: '2025-03-10', rapidReviewSent: '2025-03-28', decision: '2025-04-04', completed: '2025-08-29' };
    const planned = caseClocks(input({ state: 'completed', reviewDecision: 'local-review', dates, plannedPublication: '2025-09-12', advanceCopyTo: ['panel', 'secretary-of-state'] }), calendar, '2025-09-01');
    // 7 working days before Friday 12 September 2025 (CSPR Regulations 2018): Wednesday 3 September.
    expect(planned.find((c) => c.key === 'advance-copy')).toMatchObject({ dueOn: '2025-09-03', state: 'due-soon', recipients: ['Child Safeguarding Practice Review Panel', 'Secretary of State for Education'] });
    // Publication is still planned: the one-year period has not started.
    expect(planned.map((c) => c.key)).not.toContain('published-until');
    // With no plan there is nothing to remind anyone of yet.
    expect(caseClocks(input({ state: 'completed', reviewDecision: 'local-review', dates }), calendar, '2025-09-01').map((c) => c.key)).not.toContain('advance-copy');
  });

  it('runs no six-month clock for an alternative review', () => {
    const clocks = caseClocks(input({ state: 'alternative-review', reviewDecision: 'alternative-review', dates: { notified: '2025-03-10', decision: '2025-04-04' } }), calendar, '2025-06-01');
    expect(clocks.map((c) => c.key)).not.toContain('review-completion');
  });

  it('says when a clock is not required, and stops open clocks when the case is closed', () => {
    const notNotifiable = caseClocks(input({ state: 'not-notifiable' }), calendar, '2025-03-20');
    expect(notNotifiable.map((c) => `${c.key} ${c.state}`)).toEqual(['panel-notification not-required', 'partners-informed not-required']);
    expect(notNotifiable[0].reason).toBe('The incident was recorded as not notifiable to the Panel.');

    const elsewhere = { outcome: 'serious-harm', abuseOrNeglect: 'suspected', location: 'elsewhere-in-england', aware: '2025-03-03' } as const;
    const other = caseClocks(input({ duties: dutiesForClocks(incidentDuties(elsewhere, [child])) }), calendar, '2025-03-20');
    expect(other[0]).toMatchObject({ state: 'not-required' });
    expect(other[0].reason).toContain('the local authority where it happened notifies the Panel');

    const closed = caseClocks(input({ state: 'closed', dates: { notified: '2025-03-05', closed: '2025-03-20' } }), calendar, '2025-04-30');
    expect(closed.map((c) => `${c.key} ${c.state}`)).toEqual(['panel-notification done-on-time', 'partners-informed stopped', 'rapid-review stopped']);
  });

  it('uses the Secretary of State and Ofsted clock only for a looked-after child’s or care leaver’s death', () => {
    const lac = { ...child, lookedAfter: true };
    const base = { outcome: 'died', abuseOrNeglect: 'not-suspected', location: 'in-area', aware: '2025-04-14' } as const;
    const clocks = caseClocks(input({ ...base, lookedAfter: true, duties: dutiesForClocks(incidentDuties(base, [lac])) }), calendar, '2025-04-15');
    expect(summary(clocks)).toEqual(['panel-notification 2025-04-23 not-required', 'partners-informed 2025-04-23 not-required', 'ofsted-sos-notification 2025-04-23 due-soon 4']);
  });

  it('picks the clock that most needs attention', () => {
    const clocks = caseClocks(input({ state: 'notified', dates: { notified: '2025-03-12' } }), calendar, '2025-03-13');
    expect(nextClock(clocks)?.key).toBe('partners-informed');
    expect(nextClockTag(nextClock(clocks))).toEqual({ text: 'Overdue', colour: 'red' });
    const onTime = caseClocks(input({ state: 'notified', dates: { notified: '2025-03-05', partnersInformed: '2025-03-05' } }), calendar, '2025-03-06');
    expect(nextClockTag(nextClock(onTime))).toEqual({ text: 'On time', colour: 'green' });
    // The same clock reads the same on the case page (CLOCK_STATE_LABELS) as in the lists and on the dashboard.
    expect(nextClock(onTime)?.state).toBe('due');
    expect(CLOCK_STATE_LABELS.due).toEqual({ text: 'On time', colour: 'green' });
    expect(nextClock([])).toBeNull();
    expect(nextClockTag(null)).toBeNull();
  });
});

describe('clocks stored without the day', () => {
  const dates = { notified: '2025-03-10', partnersInformed: '2025-03-12', rapidReviewSent: '2025-03-28', decision: '2025-04-04' };
  const cases: Partial<ClockInput>[] = [
    {},
    { state: 'notified', dates: { notified: '2025-03-10' } },
    { state: 'local-review', reviewDecision: 'local-review', dates, pauses: [{ clockKey: 'review-completion', pausedOn: '2025-05-01', resumedOn: null, reason: ' Criminal trial ' }] },
    { state: 'published', reviewDecision: 'local-review', dates: { ...dates, published: '2025-11-20' }, plannedPublication: '2025-11-20' },
    { state: 'completed', reviewDecision: 'local-review', dates, plannedPublication: '2025-12-01', advanceCopyTo: ['panel', 'secretary-of-state'] },
    { state: 'closed', dates: { notified: '2025-03-10', closed: '2025-03-20' } },
    { state: 'not-notifiable', dates: { belowThresholdReview: '2025-03-07' } },
  ];
  const days = ['2025-03-03', '2025-03-08', '2025-03-31', '2025-06-02', '2025-10-06', '2025-11-20', '2025-12-25', '2026-11-21'];

  it('stands on any day, after a trip through JSON, exactly as the clocks worked out that day', () => {
    for (const c of cases) {
      const stored = JSON.parse(JSON.stringify(storedClocks(input(c), calendar))) as StoredClock[];
      for (const today of days) {
        expect(stored.map((s) => clockOnDay(s, today, calendar)), `${JSON.stringify(c)} on ${today}`).toEqual(caseClocks(input(c), calendar, today));
      }
    }
  });

  it('marks as open only the clocks still to be met: settled and period clocks never are', () => {
    // Published with the advance copy on record: nothing left to meet (without it, that clock stays open).
    expect(storedClocks(input(cases[3]), calendar).filter(isOpenClock).map((s) => s.key)).toEqual(['advance-copy']);
    const published = storedClocks(input({ ...cases[3], dates: { ...cases[3].dates, advanceCopySent: '2025-11-07' } }), calendar);
    expect(published.filter(isOpenClock).map((s) => s.key)).toEqual([]);
    expect(published.find((s) => s.key === 'published-until')).toMatchObject({ period: true, settled: null });
    const running = storedClocks(input(cases[2]), calendar);
    expect(running.filter(isOpenClock).map((s) => s.key)).toEqual(['review-completion']);
    expect(running.find((s) => s.key === 'review-completion')).toMatchObject({ pausedSince: '2025-05-01', pauseReason: ' Criminal trial ', pausable: false });
  });
});

describe('incident duties', () => {
  const facts = { outcome: 'died', abuseOrNeglect: 'suspected', location: 'in-area', aware: '2025-04-14' } as const;
  it('applies a duty when it applies to any child, naming each child when their reasons differ', () => {
    const duties = incidentDuties(facts, [child, { ...child, pseudonym: 'Child M', lookedAfter: true }]);
    const sos = duties.find((d) => d.duty === 'ofsted-sos-notification')!;
    expect(sos.applies).toBe(true);
    expect(sos.reasons.map((r) => r.pseudonym)).toEqual(['Child K', 'Child M']);
    const panel = duties.find((d) => d.duty === 'panel-notification')!;
    expect(panel).toMatchObject({ applies: true, reasons: [{ pseudonym: null }] });
  });

  it('reads an age band as its youngest age', () => {
    const careLeaver = { pseudonym: 'Child Q', lookedAfter: false, careLeaver: true, ageAtIncident: null, ageBand: '18-24' as const };
    const duties = incidentDuties(facts, [careLeaver]);
    expect(duties.find((d) => d.duty === 'panel-notification')?.applies).toBe(false);
    expect(duties.find((d) => d.duty === 'ofsted-sos-notification')?.applies).toBe(true);
    // With no child recorded the check still runs.
    expect(incidentDuties(facts, []).find((d) => d.duty === 'panel-notification')?.applies).toBe(true);
  });
});

describe('references', () => {
  it('makes a prefix from the partnership’s short name', () => {
    expect(referencePrefix('northmoor')).toBe('NM');
    expect(referencePrefix('southdale')).toBe('SD');
    expect(referencePrefix('north-east-lincs')).toBe('NEL');
    expect(referencePrefix('leeds')).toBe('LE');
    expect(referencePrefix('x')).toBe('XX');
    expect(formatReference('NM', 2026, 3)).toBe('NM-2026-003');
    expect(formatReference('NM', 2026, 1234)).toBe('NM-2026-1234');
  });
});
