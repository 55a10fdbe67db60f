import { describe, expect, it } from 'vitest';
import { actionableIn, awaitedPartners, digestEmail, digestTime, isTaskFor, kindsForRoles, TASK_KINDS, taskEmail, taskLink } from './hand-offs.ts';

const P = '11111111-1111-1111-1111-111111111111';
const Q = '22222222-2222-2222-2222-222222222222';
const SCHOOL = '33333333-3333-3333-3333-333333333333';
const POLICE = '44444444-4444-4444-4444-444444444444';

describe('whom a task is for', () => {
  const agencyTask = { partnershipId: P, forUserId: null, forRole: 'agency-contributor', forAgencyId: SCHOOL };
  it('is for the agency’s contributors in the partnership, not another agency’s nor another partnership’s', () => {
    expect(isTaskFor(agencyTask, { userId: 'a', grants: [{ role: 'agency-contributor', partnershipId: P, agencyId: SCHOOL }] })).toBe(true);
    expect(isTaskFor(agencyTask, { userId: 'b', grants: [{ role: 'agency-contributor', partnershipId: P, agencyId: POLICE }] })).toBe(false);
    expect(isTaskFor(agencyTask, { userId: 'c', grants: [{ role: 'agency-contributor', partnershipId: Q, agencyId: SCHOOL }] })).toBe(false);
    // A role without an agency does not stand for every agency's contributors.
    expect(isTaskFor(agencyTask, { userId: 'd', grants: [{ role: 'agency-contributor', partnershipId: P, agencyId: null }] })).toBe(false);
    expect(isTaskFor(agencyTask, { userId: 'e', grants: [{ role: 'partnership-admin', partnershipId: P, agencyId: null }] })).toBe(false);
  });
  it('is for the business unit as a whole when no agency is named', () => {
    const answered = { partnershipId: P, forUserId: null, forRole: 'partnership-admin', forAgencyId: null };
    expect(isTaskFor(answered, { userId: 'a', grants: [{ role: 'partnership-admin', partnershipId: P, agencyId: null }] })).toBe(true);
    expect(isTaskFor(answered, { userId: 'b', grants: [{ role: 'partnership-admin', partnershipId: Q, agencyId: null }] })).toBe(false);
    expect(isTaskFor(answered, { userId: 'c', grants: [{ role: 'system-admin', partnershipId: null, agencyId: null }] })).toBe(false);
  });
  it('is for one person alone when it names them, whatever their roles', () => {
    const chosen = { partnershipId: P, forUserId: 'r1', forRole: null, forAgencyId: null };
    expect(isTaskFor(chosen, { userId: 'r1', grants: [] })).toBe(true);
    expect(isTaskFor(chosen, { userId: 'r2', grants: [{ role: 'reviewer', partnershipId: P, agencyId: null }] })).toBe(false);
  });
});

describe('the hand-offs', () => {
  it('waits for the sign-off of each partner who has not given it', () => {
    expect(awaitedPartners(['local-authority', 'police', 'icb'], ['police'])).toEqual(['local-authority', 'icb']);
    expect(awaitedPartners(['local-authority', 'police', 'icb'], ['local-authority', 'police', 'icb'])).toEqual([]);
  });
  it('leaves nothing to do once the case has moved past the step', () => {
    expect(actionableIn('agency-request-sent', 'rapid-review')).toBe(true);
    expect(actionableIn('agency-request-sent', 'decision')).toBe(false);
    expect(actionableIn('sign-off-awaited', 'decision')).toBe(true);
    expect(actionableIn('sign-off-awaited', 'closed')).toBe(false);
    expect(actionableIn('action-assigned', null)).toBe(true);
  });
  it('links each kind to the page where its work is done', () => {
    expect(taskLink({ kind: 'agency-request-sent', subjectId: 'r', incidentId: 'i' })).toBe('/agency-requests/r');
    expect(taskLink({ kind: 'agency-request-answered', subjectId: 'r', incidentId: 'i' })).toBe('/cases/i/rapid-review/requests/r');
    expect(taskLink({ kind: 'sign-off-awaited', subjectId: 'i', incidentId: 'i' })).toBe('/cases/i/rapid-review/sign-off');
    expect(taskLink({ kind: 'reviewer-chosen', subjectId: 'i', incidentId: 'i' })).toBe('/cases/i/review');
    expect(taskLink({ kind: 'action-assigned', subjectId: 'a', incidentId: null })).toBe('/actions/a');
  });
  it('offers each role the kinds it can be handed', () => {
    expect(kindsForRoles(['agency-contributor'])).toEqual(['agency-request-sent', 'action-assigned']);
    expect(kindsForRoles(['partner-lead'])).toEqual(['sign-off-awaited']);
    expect(kindsForRoles(['partnership-admin', 'reviewer'])).toEqual(['agency-request-answered', 'reviewer-chosen']);
    expect(kindsForRoles(['panel-viewer', 'system-admin'])).toEqual([]);
  });
});

describe('the emails', () => {
  it('name the case by its reference, with the date and a link, and nothing else of it', () => {
    for (const kind of TASK_KINDS) {
      const m = taskEmail(kind, { reference: 'NMR-2026-001', dueOn: '2026-03-11', link: 'https://cspr.example.org/x' });
      expect(m.subject).toContain('NMR-2026-001');
      expect(m.text).toContain('https://cspr.example.org/x');
      expect(m.text).toContain('By: 11 March 2026');
      expect(m.text).toContain('names the case by its reference only');
    }
    expect(taskEmail('sign-off-awaited', { reference: 'NMR-2026-001', dueOn: null, link: 'l' }).text).not.toContain('By:');
  });
  it('gather a day’s tasks in one digest, grouped by kind', () => {
    const m = digestEmail(
      [
        { kind: 'action-assigned', reference: 'NMR-2026-002', dueOn: '2026-04-01', link: 'https://x/actions/a' },
        { kind: 'agency-request-sent', reference: 'NMR-2026-001', dueOn: '2026-03-11', link: 'https://x/agency-requests/r' },
        { kind: 'action-assigned', reference: 'NMR-2026-003', dueOn: null, link: 'https://x/actions/b' },
      ],
      'https://x/dashboard#your-tasks',
    );
    expect(m.subject).toBe('Your tasks: 3 new');
    expect(m.text.indexOf('Send your agency’s summary')).toBeLessThan(m.text.indexOf('Record progress on your agency’s action (2)'));
    expect(m.text).toContain('- NMR-2026-002, by 1 April 2026');
    expect(m.text).toContain('https://x/dashboard#your-tasks');
  });
  it('send the digest from 07:00 London time, summer and winter', () => {
    expect(digestTime(new Date('2026-01-15T06:59:00Z'))).toBe(false);
    expect(digestTime(new Date('2026-01-15T07:00:00Z'))).toBe(true);
    // British Summer Time: 07:00 in London is 06:00 UTC.
    expect(digestTime(new Date('2026-07-15T05:59:00Z'))).toBe(false);
    expect(digestTime(new Date('2026-07-15T06:00:00Z'))).toBe(true);
  });
});
