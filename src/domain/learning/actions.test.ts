import { describe, expect, it } from 'vitest';
import { actionProblems, checkStep, COMPLETION_FILE_REQUIRED, isOverdue, ragOf, recommendationProblems, responseProblems, stepsFrom, type ActionDefinition } from './actions.ts';

// Expected outcomes follow Working Together 2023 chapter 5 as the issue quotes it: recommendations
// say how and by when they will be acted on and what should change; partners audit progress.
const none = { text: '', whatChanged: '' };
const messages = (o: ReturnType<typeof checkStep>) => (o.ok ? [] : o.problems.map((p) => p.message));

describe('the action status machine', () => {
  it('runs not started → in progress → completed → impact evaluated → closed', () => {
    expect(checkStep('not-started', 'start', 'owner', none)).toEqual({ ok: true, to: 'in-progress' });
    expect(checkStep('in-progress', 'complete', 'owner', { text: 'New protocol issued to all health visitors; audit attached', whatChanged: '', evidenceFiles: 1 })).toEqual({ ok: true, to: 'completed' });
    expect(checkStep('completed', 'evaluate', 'owner', { text: 'Audit of 40 cases: 38 compliant', whatChanged: 'Fathers are now recorded at first contact' })).toEqual({ ok: true, to: 'impact-evaluated' });
    expect(checkStep('impact-evaluated', 'close', 'lead', none)).toEqual({ ok: true, to: 'closed' });
  });

  it('does not skip a step, nor go back except by sending back', () => {
    expect(messages(checkStep('not-started', 'complete', 'owner', { text: 'done', whatChanged: '' }))).toEqual(['This cannot be done to an action that is not started']);
    expect(checkStep('in-progress', 'evaluate', 'owner', { text: 'x', whatChanged: 'y' }).ok).toBe(false);
    expect(checkStep('completed', 'close', 'lead', none).ok).toBe(false);
    expect(checkStep('closed', 'note', 'owner', { text: 'late note', whatChanged: '' }).ok).toBe(false);
    expect(checkStep('in-progress', 'send-back', 'lead', { text: 'why', whatChanged: '' }).ok).toBe(false);
  });

  it('needs evidence to complete, what changed and its evidence to evaluate the impact', () => {
    expect(messages(checkStep('in-progress', 'complete', 'owner', { text: '  ', whatChanged: '', evidenceFiles: 2 }))).toEqual(['Enter the evidence that the action is completed']);
    expect(messages(checkStep('completed', 'evaluate', 'owner', none))).toEqual([
      'Say what changed as a result of the action',
      'Enter the evidence of the impact: audit results, figures, what practitioners and families say',
    ]);
  });

  it('needs at least one file as evidence to complete, already attached or sent with the step: words alone are not enough', () => {
    const words = { text: 'New protocol issued; training records kept', whatChanged: '' };
    expect(messages(checkStep('in-progress', 'complete', 'owner', words))).toEqual([COMPLETION_FILE_REQUIRED]);
    expect(messages(checkStep('in-progress', 'complete', 'owner', { ...words, evidenceFiles: 0 }))).toEqual([COMPLETION_FILE_REQUIRED]);
    expect(COMPLETION_FILE_REQUIRED).toMatch(/^Attach at least one file as evidence/);
    expect(messages(checkStep('in-progress', 'complete', 'owner', { text: '', whatChanged: '' }))).toEqual(['Enter the evidence that the action is completed', COMPLETION_FILE_REQUIRED]);
    expect(checkStep('in-progress', 'complete', 'owner', { ...words, evidenceFiles: 1 })).toEqual({ ok: true, to: 'completed' });
  });

  it('records the impact with evidence in words; files are welcome there but not required', () => {
    expect(checkStep('completed', 'evaluate', 'owner', { text: 'Families told us they were asked about every adult', whatChanged: 'Fathers are seen at first contact' })).toEqual({ ok: true, to: 'impact-evaluated' });
  });

  it('lets a partner lead send back a completed or evaluated action to in progress, with reasons', () => {
    expect(checkStep('completed', 'send-back', 'lead', { text: 'The audit covers one team only', whatChanged: '' })).toEqual({ ok: true, to: 'in-progress' });
    expect(checkStep('impact-evaluated', 'send-back', 'lead', { text: 'No families were asked', whatChanged: '' })).toEqual({ ok: true, to: 'in-progress' });
    expect(messages(checkStep('completed', 'send-back', 'lead', none))).toEqual(['Enter the reasons for sending the action back']);
  });

  it('keeps sign-off for leads and progress for the owner', () => {
    expect(messages(checkStep('impact-evaluated', 'close', 'owner', none))).toEqual(['Only a statutory partner’s lead can sign off or send back an action']);
    expect(checkStep('completed', 'send-back', 'owner', { text: 'x', whatChanged: '' }).ok).toBe(false);
    expect(checkStep('not-started', 'start', 'lead', none).ok).toBe(false);
    expect(stepsFrom('completed', 'lead')).toEqual(['send-back']);
    expect(stepsFrom('impact-evaluated', 'lead')).toEqual(['close', 'send-back']);
    expect(stepsFrom('in-progress', 'owner')).toEqual(['note', 'complete']);
    expect(stepsFrom('closed', 'owner')).toEqual([]);
  });

  it('refuses an unknown step', () => {
    expect(messages(checkStep('in-progress', 'finish', 'owner', none))).toEqual(['Select what you are recording']);
  });
});

describe('RAG by due date', () => {
  const today = '2026-06-10';
  it('is red once the due date has passed, amber within 14 days, green otherwise', () => {
    expect(ragOf('in-progress', '2026-06-09', today)).toBe('red');
    expect(ragOf('not-started', '2026-06-10', today)).toBe('amber');
    expect(ragOf('in-progress', '2026-06-24', today)).toBe('amber');
    expect(ragOf('in-progress', '2026-06-25', today)).toBe('green');
    expect(ragOf('in-progress', '2026-06-12', today, 1)).toBe('green');
    expect(isOverdue('not-started', '2026-01-01', today)).toBe(true);
  });
  it('does not rate an action once completed', () => {
    for (const status of ['completed', 'impact-evaluated', 'closed'] as const) expect(ragOf(status, '2026-01-01', today)).toBeNull();
    expect(isOverdue('completed', '2026-01-01', today)).toBe(false);
  });
});

describe('the partnership’s response', () => {
  it('needs reasons unless the recommendation is accepted in full', () => {
    expect(responseProblems('accepted', '')).toEqual([]);
    expect(responseProblems(null, '')).toEqual([]);
    expect(responseProblems('accepted-in-part', ' ')[0].message).toBe('Say which parts are not accepted and why');
    expect(responseProblems('not-accepted', '')[0].message).toBe('Say why the recommendation is not accepted');
    expect(responseProblems('not-accepted', 'Already covered by the pan-London procedures')).toEqual([]);
    expect(responseProblems('maybe', '')[0].field).toBe('response');
  });
});

describe('defining actions and recommendations', () => {
  const action: ActionDefinition = { agencyId: 'a1', leadName: 'Sam Lead', dueOn: '2026-09-01', intendedChange: 'Fathers seen', measureOfSuccess: 'Audit' };
  it('accepts a complete action', () => {
    expect(actionProblems(action, '2026-06-01', ['a1'])).toEqual([]);
    expect(actionProblems({ ...action, dueOn: '2026-06-01' }, '2026-06-01', ['a1'])).toEqual([]);
  });
  it('refuses a due date before the recommendation, and a missing owner, lead, change or measure', () => {
    expect(actionProblems({ ...action, dueOn: '2026-05-31' }, '2026-06-01', ['a1']).map((p) => p.message)).toEqual(['The due date cannot be before the date of the recommendation']);
    expect(actionProblems({ agencyId: 'zz', leadName: '', dueOn: null, intendedChange: '', measureOfSuccess: '' }, '2026-06-01', ['a1']).map((p) => p.field)).toEqual([
      'agencyId',
      'leadName',
      'dueOn',
      'intendedChange',
      'measureOfSuccess',
    ]);
  });
  it('checks a recommendation’s number, text, date, themes, agencies and response', () => {
    const ok = { number: '1', text: 'Improve information sharing', madeOn: '2026-06-01', themes: ['information-sharing'], agencyIds: ['a1'], response: 'accepted', responseReasons: '' };
    expect(recommendationProblems(ok, ['information-sharing'], ['a1'], '2026-06-01')).toEqual([]);
    expect(recommendationProblems({ ...ok, number: '', text: '', madeOn: null, themes: ['made-up'], agencyIds: [], response: 'not-accepted' }, ['information-sharing'], ['a1'], '2026-06-01').map((p) => p.field)).toEqual([
      'number',
      'text',
      'madeOn',
      'themes',
      'agencyIds',
      'responseReasons',
    ]);
    expect(recommendationProblems({ ...ok, madeOn: '2026-06-02' }, ['information-sharing'], ['a1'], '2026-06-01')).toEqual([{ field: 'madeOn', message: 'The date of the recommendation cannot be in the future' }]);
  });
});

describe('a recommendation’s published status', () => {
  it('says how far its actions have got', async () => {
    const { recommendationProgress } = await import('./actions.ts');
    expect(recommendationProgress('accepted', []).label).toBe('Actions not yet agreed');
    expect(recommendationProgress('not-accepted', []).label).toBe('Not accepted');
    expect(recommendationProgress('accepted', ['closed', 'closed']).label).toBe('Completed and signed off');
    expect(recommendationProgress('accepted-in-part', ['in-progress', 'completed', 'impact-evaluated']).label).toBe('In progress: 2 of 3 actions completed');
    expect(recommendationProgress(null, ['not-started'])).toEqual({ label: 'In progress: 0 of 1 action completed', done: 0, total: 1 });
  });
});
