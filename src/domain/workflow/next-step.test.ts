import { describe, expect, it } from 'vitest';
import { caseActions } from './next-step.ts';

const t = (key: string) => ({ key });

// The case page's main action is the next statutory step (Working Together 2023 ch.5), never closing the case.
describe('the main action on the case page', () => {
  it('during a rapid review leads to the rapid review, with closing offered last', () => {
    const actions = caseActions('rapid-review', [t('close')], true);
    expect(actions.primary).toEqual({ kind: 'page', page: { text: 'Continue the rapid review', path: 'rapid-review' } });
    expect(actions.others.map((o) => o.key)).toEqual(['close']);
  });

  it('is sending the rapid review once it may be sent, never closing', () => {
    const actions = caseActions('rapid-review', [t('send-rapid-review'), t('close')], true);
    expect(actions.primary).toEqual({ kind: 'transition', transition: { key: 'send-rapid-review' } });
    expect(actions.others.map((o) => o.key)).toEqual(['close']);
  });

  it('keeps a setting-aside transition offered but second even when the workflow lists it first', () => {
    const actions = caseActions('recorded', [t('not-notifiable'), t('notify')], true);
    expect(actions.primary).toEqual({ kind: 'transition', transition: { key: 'notify' } });
    expect(actions.others.map((o) => o.key)).toEqual(['not-notifiable']);
  });

  it('leads to the review during a local or alternative review, and to the publishing check once completed', () => {
    expect(caseActions('local-review', [], true).primary).toEqual({ kind: 'page', page: { text: 'Continue the review', path: 'review' } });
    expect(caseActions('alternative-review', [], true).primary).toMatchObject({ kind: 'page', page: { path: 'review' } });
    expect(caseActions('completed', [t('close')], true)).toEqual({
      primary: { kind: 'page', page: { text: 'Check and publish the review', path: 'review/publish' } },
      others: [{ key: 'close' }],
    });
    expect(caseActions('decision', [], true).primary).toMatchObject({ kind: 'page', page: { path: 'rapid-review' } });
  });

  it('offers no main action to someone who may not record the work, and never makes closing the main action', () => {
    expect(caseActions('rapid-review', [t('close')], false)).toEqual({ primary: null, others: [{ key: 'close' }] });
    expect(caseActions('no-review', [t('close')], true)).toEqual({ primary: null, others: [{ key: 'close' }] });
    expect(caseActions('closed', [], true)).toEqual({ primary: null, others: [] });
  });
});
