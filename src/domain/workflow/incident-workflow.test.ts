import { describe, expect, it } from 'vitest';
import {
  availableSteps,
  availableTransitions,
  checkRecordedDate,
  checkStep,
  checkTransition,
  CLOCK_CHANGES,
  findStep,
  findTransition,
  INCIDENT_STATES,
  isIncidentState,
  nextStates,
  STATES,
  STEPS,
  TRANSITIONS,
  type IncidentState,
  type May,
  type TransitionDefinition,
  type WorkflowPermission,
} from './incident-workflow.ts';

const everyone: May = () => true;
const writerOnly: May = (p) => p === 'case:write';
const nobody: May = () => false;

/** The expected edges of the state machine, written out by hand: the tables must match. */
const EXPECTED: Record<string, { from: IncidentState[]; to: IncidentState; permission: WorkflowPermission }> = {
  notify: { from: ['recorded'], to: 'notified', permission: 'case:write' },
  'not-notifiable': { from: ['recorded'], to: 'not-notifiable', permission: 'case:write' },
  reopen: { from: ['not-notifiable'], to: 'recorded', permission: 'case:write' },
  'start-rapid-review': { from: ['notified'], to: 'rapid-review', permission: 'case:write' },
  'send-rapid-review': { from: ['rapid-review'], to: 'decision', permission: 'case:write' },
  'below-threshold-review': { from: ['not-notifiable'], to: 'alternative-review', permission: 'case:write' },
  'complete-review': { from: ['local-review', 'alternative-review'], to: 'completed', permission: 'case:write' },
  publish: { from: ['completed'], to: 'published', permission: 'publication:manage' },
  close: { from: ['notified', 'rapid-review', 'no-review', 'national-review', 'completed', 'published'], to: 'closed', permission: 'case:write' },
};

describe('incident states', () => {
  it('has a definition for every state, and recognises only those', () => {
    for (const s of INCIDENT_STATES) {
      expect(STATES[s].state).toBe(s);
      expect(isIncidentState(s)).toBe(true);
    }
    expect(isIncidentState('archived')).toBe(false);
    expect(isIncidentState(undefined)).toBe(false);
    expect(INCIDENT_STATES.filter((s) => STATES[s].finished)).toEqual(['not-notifiable', 'closed']);
  });

  it('lists exactly the expected transitions', () => {
    expect(TRANSITIONS.map((t) => t.key).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const t of TRANSITIONS) {
      expect({ from: [...t.from], to: t.to, permission: t.permission }, t.key).toEqual(EXPECTED[t.key]);
    }
  });

  it('reaches every state from recorded, and every open state can move on', () => {
    const seen = new Set<IncidentState>(['recorded']);
    const queue: IncidentState[] = ['recorded'];
    while (queue.length) {
      for (const next of nextStates(queue.shift() as IncidentState)) {
        if (seen.has(next)) continue;
        seen.add(next);
        queue.push(next);
      }
    }
    expect([...seen].sort()).toEqual([...INCIDENT_STATES].sort());
    for (const s of INCIDENT_STATES.filter((x) => x !== 'closed')) expect(nextStates(s).length, s).toBeGreaterThan(0);
    expect(nextStates('closed')).toEqual([]);
  });
});

describe.each(TRANSITIONS.map((t) => [t.key, t] as [string, TransitionDefinition]))('transition %s', (key, transition) => {
  it.each(INCIDENT_STATES.map((s) => [s]))('from %s', (state) => {
    // Every requirement met (all three partners signed off, a final report, a publication decision), so only the order is tested here.
    const check = checkTransition(state, key, everyone, { aware: '2025-01-06', rapidReviewSignOffs: ['local-authority', 'police', 'icb'], finalReports: 1, publicationDecision: 'full-report', publicationChecked: true });
    if (transition.from.includes(state)) {
      expect(check).toEqual({ ok: true, definition: transition });
    } else {
      expect(check.ok).toBe(false);
      if (check.ok) return;
      expect(check.error.code).toBe('out-of-order');
      // The message says what the transition needs and where the incident is now.
      expect(check.error.message).toBe(`${transition.precondition}: this incident is ${STATES[state].now}.`);
    }
  });

  it('needs its permission', () => {
    const state = transition.from[0];
    const check = checkTransition(state, key, nobody);
    expect(check).toEqual({ ok: false, error: { code: 'not-permitted', message: 'You do not have permission to do this.' } });
    const onlyOther: May = (p) => p !== transition.permission;
    expect(checkTransition(state, key, onlyOther).ok).toBe(false);
  });
});

describe('sending the rapid review', () => {
  it('needs all three partners to have signed off, and a caller that knows no sign-offs cannot skip it', () => {
    const facts = { aware: '2025-01-06' };
    const none = checkTransition('rapid-review', 'send-rapid-review', everyone, facts);
    expect(none).toMatchObject({ ok: false, error: { code: 'requirement', message: 'The local authority lead has not signed off yet' } });
    const two = checkTransition('rapid-review', 'send-rapid-review', everyone, { ...facts, rapidReviewSignOffs: ['local-authority', 'icb'] });
    expect(two).toMatchObject({ ok: false, error: { message: 'The police lead has not signed off yet' } });
    expect(checkTransition('rapid-review', 'send-rapid-review', everyone, { ...facts, rapidReviewSignOffs: ['local-authority', 'police', 'icb'] }).ok).toBe(true);
  });
});

describe('checking transitions', () => {
  it('gives specific messages for steps out of order', () => {
    const early = checkTransition('recorded', 'send-rapid-review', everyone);
    expect(early).toEqual({
      ok: false,
      error: { code: 'out-of-order', message: 'A rapid review can only be sent to the Panel once it has started: this incident is recorded and not yet notified to the Panel.' },
    });
    const twice = checkTransition('notified', 'notify', everyone);
    expect(twice.ok === false && twice.error.message).toBe(
      'The notification to the Panel can only be recorded for an incident that is recorded and not yet notified: this incident is notified to the Panel, with the rapid review not yet started.',
    );
    const closed = checkTransition('closed', 'start-rapid-review', everyone);
    expect(closed.ok === false && closed.error.message).toMatch(/: this incident is closed\.$/);
  });

  it('refuses an unknown transition', () => {
    expect(checkTransition('recorded', 'teleport', everyone)).toEqual({ ok: false, error: { code: 'unknown', message: 'There is no such step in the workflow.' } });
  });

  it('checks extra requirements later features add, with their message', () => {
    const t = findTransition('complete-review') as TransitionDefinition;
    const withSignOff: TransitionDefinition = {
      ...t,
      requires: [{ key: 'signed-off', holds: (f) => f.signOffs === 3, message: 'All three safeguarding partners must sign off the decision first.' }],
    };
    const table = TRANSITIONS.map((x) => (x === t ? withSignOff : x));
    expect(checkTransition('local-review', 'complete-review', everyone, { signOffs: 2 }, table)).toEqual({
      ok: false,
      error: { code: 'requirement', message: 'All three safeguarding partners must sign off the decision first.' },
    });
    expect(checkTransition('local-review', 'complete-review', everyone, { signOffs: 3 }, table).ok).toBe(true);
    expect(availableTransitions('local-review', everyone, { signOffs: 2 }, table).map((x) => x.key)).toEqual([]);
    // The shipped table is unchanged.
    expect(checkTransition('local-review', 'complete-review', everyone, { signOffs: 2, finalReports: 1 }).ok).toBe(true);
  });

  it('offers the transitions a person may take now', () => {
    expect(availableTransitions('recorded', everyone).map((t) => t.key)).toEqual(['notify', 'not-notifiable']);
    // One decision record: no separate unsigned "Decide" step; the signed-off rapid review decision moves the case.
    expect(availableTransitions('decision', everyone).map((t) => t.key)).toEqual([]);
    expect(TRANSITIONS.map((t) => t.key).filter((k) => k.startsWith('decide-'))).toEqual([]);
    // Publishing is offered only to the checked publishing path, which vouches that its checks passed.
    expect(availableTransitions('completed', everyone, { publicationDecision: 'full-report' }).map((t) => t.key)).toEqual(['close']);
    expect(availableTransitions('completed', everyone, { publicationDecision: 'full-report', publicationChecked: true }).map((t) => t.key)).toEqual(['publish', 'close']);
    // Publishing needs publication:manage: a person with case:write alone is not offered it.
    expect(availableTransitions('completed', writerOnly, { publicationDecision: 'full-report', publicationChecked: true }).map((t) => t.key)).toEqual(['close']);
    expect(availableTransitions('recorded', nobody)).toEqual([]);
    expect(availableTransitions('closed', everyone)).toEqual([]);
  });
});

describe('conducting and publishing a review', () => {
  it('completes a review only with a final report on file', () => {
    for (const facts of [{}, { finalReports: 0 }, { finalReports: '1' }]) {
      const check = checkTransition('local-review', 'complete-review', everyone, facts);
      expect(check).toEqual({ ok: false, error: { code: 'requirement', message: 'Add the final report to the review before recording the review as completed' } });
    }
    expect(checkTransition('alternative-review', 'complete-review', everyone, { finalReports: 1 }).ok).toBe(true);
  });

  it('publishes only once the publication decision is recorded', () => {
    expect(checkTransition('completed', 'publish', everyone, {}).ok).toBe(false);
    expect(availableTransitions('completed', everyone).map((t) => t.key)).toEqual(['close']);
    expect(checkTransition('completed', 'publish', everyone, { publicationDecision: 'improvements-only' })).toMatchObject({ ok: false, error: { code: 'requirement' } });
    expect(checkTransition('completed', 'publish', everyone, { publicationDecision: 'improvements-only', publicationChecked: true }).ok).toBe(true);
  });
});

describe('steps', () => {
  it('records partners informed and the Secretary of State and Ofsted notification while the case is open', () => {
    for (const state of INCIDENT_STATES) {
      expect(checkStep(state, 'partners-informed', everyone).ok, state).toBe(!STATES[state].finished);
      expect(checkStep(state, 'ofsted-sos-notified', everyone).ok, state).toBe(state !== 'closed');
      expect(checkStep(state, 'advance-copy-sent', everyone).ok, state).toBe(state === 'completed' || state === 'published');
      expect(checkStep(state, CLOCK_CHANGES.key, everyone).ok, state).toBe(!STATES[state].finished);
    }
  });

  it('refuses steps out of order, without permission, or unknown', () => {
    expect(checkStep('closed', 'partners-informed', everyone)).toEqual({
      ok: false,
      error: { code: 'out-of-order', message: 'Telling the safeguarding partners can only be recorded on a case that is still open: this incident is closed.' },
    });
    expect(checkStep('recorded', 'partners-informed', nobody).ok === false && checkStep('recorded', 'partners-informed', nobody)).toMatchObject({ error: { code: 'not-permitted' } });
    expect(checkStep('recorded', 'bake-a-cake', everyone)).toMatchObject({ ok: false, error: { code: 'unknown' } });
    expect(availableSteps('recorded', everyone).map((s) => s.key)).toEqual(['partners-informed', 'ofsted-sos-notified']);
    expect(availableSteps('published', everyone).map((s) => s.key)).toEqual(['partners-informed', 'ofsted-sos-notified', 'advance-copy-sent']);
    expect(findStep('partners-informed')).toBe(STEPS[0]);
  });
});

describe('recorded dates', () => {
  const today = '2025-03-14';
  const notify = findTransition('notify')!.date!;
  const sent = findTransition('send-rapid-review')!.date!;
  const decide = { field: 'decision', label: 'When did the partners decide?', notBefore: ['aware', 'notified'] } as const;

  it('uses the clocks’ own checks for the notification and decision dates', () => {
    expect(checkRecordedDate(notify, '2025-03-05', { aware: '2025-03-03' }, today)).toBeNull();
    expect(checkRecordedDate(notify, '2025-03-03', { aware: '2025-03-03' }, today)).toBeNull();
    expect(checkRecordedDate(notify, '2025-03-02', { aware: '2025-03-03' }, today)).toBe('The Panel cannot have been notified before the local authority became aware.');
    expect(checkRecordedDate(notify, '2025-03-17', { aware: '2025-03-03' }, today)).toBe('The date the Panel was notified cannot be in the future.');
    expect(checkRecordedDate(decide, '2025-03-04', { aware: '2025-03-03', notified: '2025-03-05' }, today)).toBe(
      'The decision to hold a local review cannot come before the Panel was notified.',
    );
  });

  it('checks other dates against today and the dates they follow', () => {
    expect(checkRecordedDate(sent, '2025-03-10', { aware: '2025-03-03', notified: '2025-03-05' }, today)).toBeNull();
    expect(checkRecordedDate(sent, '2025-03-04', { aware: '2025-03-03', notified: '2025-03-05' }, today)).toBe(
      'The date the rapid review was sent to the Panel cannot be before the date the Panel was notified (5 March 2025).',
    );
    expect(checkRecordedDate(sent, '2025-03-15', { aware: '2025-03-03', notified: '2025-03-05' }, today)).toBe(
      'The date the rapid review was sent to the Panel cannot be in the future.',
    );
    const partners = findStep('partners-informed')!.date!;
    expect(checkRecordedDate(partners, '2025-03-01', { aware: '2025-03-03' }, today)).toBe(
      'The date the safeguarding partners were told cannot be before the date the local authority became aware (3 March 2025).',
    );
  });
});
