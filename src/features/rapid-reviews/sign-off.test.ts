import { describe, expect, it } from 'vitest';
import { checkTransition, type May } from '../../domain/workflow/incident-workflow.ts';

const everyone: May = () => true;

describe('sending the rapid review needs the three partners’ sign-offs', () => {
  it('names the first partner who has not signed off', () => {
    expect(checkTransition('rapid-review', 'send-rapid-review', everyone, { rapidReviewSignOffs: [] })).toEqual({
      ok: false,
      error: { code: 'requirement', message: 'The local authority lead has not signed off yet' },
    });
    expect(checkTransition('rapid-review', 'send-rapid-review', everyone, { rapidReviewSignOffs: ['local-authority', 'icb'] })).toEqual({
      ok: false,
      error: { code: 'requirement', message: 'The police lead has not signed off yet' },
    });
    expect(checkTransition('rapid-review', 'send-rapid-review', everyone, { rapidReviewSignOffs: ['local-authority', 'police'] })).toMatchObject({
      ok: false,
      error: { message: 'The integrated care board lead has not signed off yet' },
    });
  });

  it('allows it once all three have signed off', () => {
    expect(checkTransition('rapid-review', 'send-rapid-review', everyone, { rapidReviewSignOffs: ['icb', 'police', 'local-authority'] }).ok).toBe(true);
  });

  it('checks order and permission before the sign-offs', () => {
    expect(checkTransition('notified', 'send-rapid-review', everyone, { rapidReviewSignOffs: [] })).toMatchObject({ ok: false, error: { code: 'out-of-order' } });
    expect(checkTransition('rapid-review', 'send-rapid-review', () => false, { rapidReviewSignOffs: [] })).toMatchObject({ ok: false, error: { code: 'not-permitted' } });
  });
});
