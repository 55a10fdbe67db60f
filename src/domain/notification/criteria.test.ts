import { describe, it, expect } from 'vitest';
import { LCSPR_ALTERNATIVES, LCSPR_CRITERIA, LCSPR_DECISION_NOTE, checkNotification } from './criteria.ts';
import type { NotificationCheckInput, NotificationDuty, NotificationDutyKey } from './criteria.ts';

const base: NotificationCheckInput = {
  outcome: 'died',
  abuseOrNeglect: 'suspected',
  location: 'in-area',
  lookedAfter: false,
  careLeaver: false,
  aware: '2024-12-20',
};

const check = (patch: Partial<NotificationCheckInput>) => {
  const duties = checkNotification({ ...base, ...patch });
  return Object.fromEntries(duties.map((d) => [d.duty, d])) as Record<NotificationDutyKey, NotificationDuty>;
};
const applying = (patch: Partial<NotificationCheckInput>) =>
  checkNotification({ ...base, ...patch }).filter((d) => d.applies).map((d) => d.duty);

describe('checkNotification', () => {
  it('always returns the four duties in order', () => {
    expect(checkNotification(base).map((d) => d.duty)).toEqual(['panel-notification', 'partners-informed', 'ofsted-sos-notification', 'rapid-review']);
    expect(checkNotification({ ...base, outcome: 'other' }).map((d) => d.duty)).toEqual(['panel-notification', 'partners-informed', 'ofsted-sos-notification', 'rapid-review']);
  });

  describe('serious child safeguarding cases in the area', () => {
    it('a death with suspected abuse: notify the Panel, tell partners, rapid review', () => {
      const r = check({});
      expect(r['panel-notification']).toEqual({ duty: 'panel-notification', applies: true, why: 'Abuse or neglect is suspected and the child died in the area, so the local authority must notify the Panel within 5 working days.' });
      expect(r['partners-informed'].applies).toBe(true);
      expect(r['partners-informed'].why).toMatch(/safeguarding partners .* within the same 5 working days/);
      expect(r['rapid-review'].applies).toBe(true);
      expect(r['rapid-review'].why).toMatch(/15 working days of the notification/);
      expect(r['ofsted-sos-notification'].applies).toBe(false);
    });

    it('serious harm with known abuse', () => {
      expect(check({ outcome: 'serious-harm', abuseOrNeglect: 'known' })['panel-notification'].why)
        .toBe('Abuse or neglect is known and the child was seriously harmed in the area, so the local authority must notify the Panel within 5 working days.');
      expect(applying({ outcome: 'serious-harm', abuseOrNeglect: 'known' })).toEqual(['panel-notification', 'partners-informed', 'rapid-review']);
    });

    it('an unborn or unidentified child (no age) is covered', () => {
      expect(check({ ageAtIncident: undefined })['panel-notification'].applies).toBe(true);
      expect(check({ ageAtIncident: 0 })['panel-notification'].applies).toBe(true);
      expect(check({ ageAtIncident: 17 })['panel-notification'].applies).toBe(true);
    });
  });

  describe('location', () => {
    it('a child normally resident here harmed outside England: this LA notifies', () => {
      const r = check({ location: 'outside-england-normally-resident', outcome: 'serious-harm' });
      expect(r['panel-notification']).toMatchObject({ applies: true, why: 'Abuse or neglect is suspected and the child, who normally lives in the area, was seriously harmed outside England, so the local authority must notify the Panel within 5 working days.' });
      expect(r['rapid-review'].applies).toBe(true);
    });

    it('a child harmed elsewhere in England: the LA where it happened notifies', () => {
      const r = check({ location: 'elsewhere-in-england', outcome: 'serious-harm' });
      expect(r['panel-notification']).toMatchObject({ applies: false, why: 'The child was seriously harmed elsewhere in England, so the local authority where it happened notifies the Panel, not this one. Make sure that authority knows.' });
      expect(r['partners-informed'].applies).toBe(false);
      expect(r['rapid-review']).toMatchObject({ applies: false, why: expect.stringMatching(/no rapid review starts here/) });
    });
  });

  describe('cases that are not serious child safeguarding cases', () => {
    it('abuse or neglect not suspected', () => {
      const r = check({ abuseOrNeglect: 'not-suspected' });
      expect(r['panel-notification']).toMatchObject({ applies: false, why: expect.stringMatching(/^Abuse or neglect is not known or suspected, so this is not a serious child safeguarding case/) });
      expect(r['rapid-review']).toMatchObject({ applies: false, why: 'No notification to the Panel is due, so no rapid review is needed.' });
      expect(applying({ abuseOrNeglect: 'not-suspected' })).toEqual([]);
    });

    it('neither death nor serious harm', () => {
      expect(check({ outcome: 'other' })['panel-notification'].why).toMatch(/^The child has not died or been seriously harmed/);
      expect(applying({ outcome: 'other', abuseOrNeglect: 'known' })).toEqual([]);
    });

    it('an adult (18 or over) is outside the Panel duty', () => {
      expect(check({ ageAtIncident: 18 })['panel-notification']).toMatchObject({ applies: false, why: 'The duty to notify the Panel covers children (under 18), and the young person was 18.' });
    });
  });

  describe('looked-after children', () => {
    it('a looked-after child death goes to SoS and Ofsted even with no abuse suspected, without a rapid review', () => {
      const r = check({ lookedAfter: true, abuseOrNeglect: 'not-suspected' });
      expect(r['ofsted-sos-notification']).toMatchObject({ applies: true, why: 'A looked-after child has died, so the local authority must notify the Secretary of State and Ofsted within 5 working days, whether or not abuse or neglect is suspected.' });
      expect(r['panel-notification'].applies).toBe(false);
      expect(r['rapid-review']).toMatchObject({ applies: false, why: expect.stringMatching(/death on its own does not need a rapid review/) });
    });

    it('a looked-after child death with suspected abuse needs everything', () => {
      expect(applying({ lookedAfter: true })).toEqual(['panel-notification', 'partners-informed', 'ofsted-sos-notification', 'rapid-review']);
    });

    it('applies before WT2023 too, and wherever the child died', () => {
      expect(check({ lookedAfter: true, aware: '2019-03-01' })['ofsted-sos-notification'].applies).toBe(true);
      expect(check({ lookedAfter: true, location: 'elsewhere-in-england' })['ofsted-sos-notification'].applies).toBe(true);
    });

    it('serious harm to a looked-after child is not a SoS/Ofsted notification', () => {
      const r = check({ lookedAfter: true, outcome: 'serious-harm', abuseOrNeglect: 'not-suspected' });
      expect(r['ofsted-sos-notification'].applies).toBe(false);
      expect(r['ofsted-sos-notification'].why).toMatch(/covers deaths/);
      expect(applying({ lookedAfter: true, outcome: 'serious-harm', abuseOrNeglect: 'not-suspected' })).toEqual([]);
    });
  });

  describe('care leavers', () => {
    const leaver = { careLeaver: true, abuseOrNeglect: 'not-suspected' as const, ageAtIncident: 21 };

    it('a care leaver death from 15 December 2023 goes to SoS and Ofsted, without a rapid review', () => {
      const r = check({ ...leaver, aware: '2023-12-15' });
      expect(r['ofsted-sos-notification'].applies).toBe(true);
      expect(r['ofsted-sos-notification'].why).toMatch(/care leaver \(up to and including age 24\) has died/);
      expect(r['rapid-review'].applies).toBe(false);
      expect(r['panel-notification'].applies).toBe(false);
    });

    it('not before 15 December 2023', () => {
      expect(check({ ...leaver, aware: '2023-12-14' })['ofsted-sos-notification']).toMatchObject({
        applies: false,
        why: 'The duty to notify the Secretary of State and Ofsted of a care leaver\'s death started on 15 December 2023 (Working Together 2023), and the local authority became aware on 14 December 2023.',
      });
    });

    it('up to and including age 24 only', () => {
      expect(check({ ...leaver, ageAtIncident: 24 })['ofsted-sos-notification'].applies).toBe(true);
      expect(check({ ...leaver, ageAtIncident: 25 })['ofsted-sos-notification']).toMatchObject({
        applies: false, why: 'The duty covers care leavers up to and including age 24, and the young person was 25.',
      });
      expect(check({ ...leaver, ageAtIncident: undefined })['ofsted-sos-notification'].applies).toBe(true);
    });

    it('a 17-year-old care leaver with suspected abuse is also a Panel case', () => {
      expect(applying({ careLeaver: true, ageAtIncident: 17 })).toEqual(['panel-notification', 'partners-informed', 'ofsted-sos-notification', 'rapid-review']);
    });

    it('a 20-year-old care leaver with suspected abuse is not a Panel case (not a child)', () => {
      expect(applying({ careLeaver: true, ageAtIncident: 20 })).toEqual(['ofsted-sos-notification']);
    });
  });

  it('rejects invalid input', () => {
    expect(() => checkNotification({ ...base, aware: '2024-02-30' })).toThrow(RangeError);
    expect(() => checkNotification({ ...base, ageAtIncident: -1 })).toThrow(RangeError);
    expect(() => checkNotification({ ...base, ageAtIncident: 2.5 })).toThrow(RangeError);
  });
});

describe('LCSPR decision data', () => {
  it('lists criteria (a) to (d) with unique short keys', () => {
    expect(LCSPR_CRITERIA.map((c) => c.letter)).toEqual(['a', 'b', 'c', 'd']);
    expect(new Set(LCSPR_CRITERIA.map((c) => c.key)).size).toBe(4);
    expect(LCSPR_CRITERIA[0].text).toMatch(/improvements/);
    expect(LCSPR_CRITERIA[1].text).toMatch(/recurrent themes/);
    expect(LCSPR_CRITERIA[2].text).toMatch(/two or more organisations or agencies/);
    expect(LCSPR_CRITERIA[3].text).toMatch(/Panel/);
  });

  it('lists the alternatives and the decision note', () => {
    expect(LCSPR_ALTERNATIVES.map((a) => a.key)).toEqual(['deep-dive', 'practice-learning-review', 'audit']);
    expect(LCSPR_DECISION_NOTE).toMatch(/does not mean a local review must be held/);
  });
});
