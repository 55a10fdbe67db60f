import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, openTestDatabase, type TestDatabase } from '../../../test/support/database.ts';
import { todayInLondon } from '../../domain/calendar/date-only.ts';
import { createFieldCipher } from '../../platform/crypto/field-encryption.ts';
import { DEMO_PARTNERSHIP, seedDemo } from './service.ts';
import { listReferrals } from '../cases/referrals.ts';
import { listIncidents, loadIncident } from '../cases/service.ts';
import { loadReview } from '../reviews/service.ts';

describe.each(ENGINES)('demonstration cases on %s', (engine) => {
  let t: TestDatabase;
  const cipher = createFieldCipher(Buffer.alloc(32, 3));
  let partnershipId: string;

  beforeAll(async () => {
    t = await openTestDatabase(engine);
    await seedDemo(t.database, cipher);
    partnershipId = (await t.database.db.selectFrom('partnerships').select('id').where('slug', '=', DEMO_PARTNERSHIP.slug).executeTakeFirstOrThrow()).id;
  });
  afterAll(async () => {
    await t.database.close();
    await t.drop();
  });

  it('holds eight incidents at different stages, with clocks relative to today', async () => {
    const incidents = await listIncidents(t.database.db, [partnershipId], todayInLondon(new Date()));
    const byChild = new Map(incidents.map((i) => [i.pseudonyms.join(' and '), i]));
    expect([...byChild.keys()].sort()).toEqual(['Child A', 'Child B', 'Child C and Child D', 'Child E', 'Child F', 'Child G', 'Child H', 'Child J']);
    const at = (name: string) => byChild.get(name)!;
    expect(at('Child A')).toMatchObject({ state: 'recorded', next: { key: 'panel-notification', state: 'due-soon', workingDaysLeft: 2 } });
    expect(at('Child B')).toMatchObject({ state: 'notified', next: { key: 'rapid-review', state: 'due' } });
    expect(at('Child C and Child D')).toMatchObject({ state: 'rapid-review', next: { key: 'rapid-review', state: 'due-soon', workingDaysLeft: 2 } });
    expect(at('Child E')).toMatchObject({ state: 'rapid-review', next: { key: 'rapid-review', state: 'overdue' } });
    // Delayed by criminal proceedings: past its original due date, so late — with its reasons, the Panel and Secretary of State told.
    expect(at('Child F')).toMatchObject({ state: 'local-review', next: { key: 'review-completion', state: 'overdue' } });
    expect(at('Child F').next?.delays[0]).toMatchObject({ panelToldOn: expect.any(String), sosToldOn: expect.any(String) });
    expect(at('Child F').next?.reason).toMatch(/^Parallel criminal proceedings/);
    expect(at('Child G')).toMatchObject({ state: 'not-notifiable', next: null });
    // Not notifiable, yet a practice learning review: no notification clock runs.
    expect(at('Child H')).toMatchObject({ state: 'alternative-review' });
    expect(at('Child H').clocks.find((c) => c.key === 'panel-notification')).toMatchObject({ state: 'not-required' });
    // The Panel decided to hold a national review: the case follows, with no local 6-month clock.
    expect(at('Child J')).toMatchObject({ state: 'national-review' });
    expect(at('Child J').clocks.map((c) => c.key)).not.toContain('review-completion');
    // A late notification, not excused: shown late.
    expect(at('Child C and Child D').clocks.find((c) => c.key === 'panel-notification')).toMatchObject({ state: 'done-late' });
    expect(incidents.every((i) => /^NM-\d{4}-00[1-8]$/.test(i.reference))).toBe(true);

    const late = await loadIncident(t.database.db, cipher, [partnershipId], at('Child C and Child D').id);
    expect(late?.events.map((e) => e.kind).reverse()).toEqual(['recorded', 'notify', 'partners-informed', 'start-rapid-review']);
    const b = await loadIncident(t.database.db, cipher, [partnershipId], at('Child B').id);
    expect(b?.children[0].identifying.name).toBe('Jordan Pretend');
    // What the national notification form asks is filled in, as a partnership would.
    expect(b).toMatchObject({ perpetratorRelationship: 'carer', policeInvestigation: 'yes', mediaInterest: 'not-known' });
    expect(b?.children[0]).toMatchObject({ lookedAfter: true, careLeaver: false, identifying: { ethnicity: 'white-british', disability: 'yes' } });
    // The local review is under way, led by the demo reviewer, with its log.
    const review = await loadReview(t.database.db, cipher, [partnershipId], at('Child F').id, todayInLondon(new Date()));
    expect(review?.leadReviewer?.name).toBe('Jordan Ellis');
    expect(review?.terms.method).toBe('systems');
    expect(new Set(review?.entries.map((e) => e.kind))).toEqual(new Set(['milestone', 'practitioner-event', 'family-contact', 'monitoring', 'delay']));
    expect(review?.entries.filter((e) => e.overdue)).toHaveLength(1);
  });

  it('holds a referral to consider and one that became a case; seeding again adds nothing', async () => {
    const referrals = await listReferrals(t.database.db, [partnershipId]);
    expect(referrals.map((r) => r.outcome).sort()).toEqual(['notify', null]);
    expect(referrals.find((r) => r.outcome === 'notify')?.incidentReference).toMatch(/^NM-/);
    await seedDemo(t.database, cipher);
    expect(await listIncidents(t.database.db, [partnershipId], todayInLondon(new Date()))).toHaveLength(8);
  });
});
