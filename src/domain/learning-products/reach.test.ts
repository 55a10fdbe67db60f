import { describe, expect, it } from 'vitest';
import { followUpDaysProblem, followUpDue, followUpDueAt, isEmailAddress, reachByAgency, readMembers } from './reach.ts';

const agencies = [
  { id: 'a1', name: 'Northmoor Police' },
  { id: 'a2', name: 'Northmoor Academy' },
];

describe('checking addresses', () => {
  it('accepts ordinary addresses and refuses slips', () => {
    for (const good of ['sam@example.org', 'first.last+learning@school.example.sch.uk', "o'neil@nhs.example"]) expect(isEmailAddress(good), good).toBe(true);
    for (const bad of ['sam', 'sam@', '@example.org', 'sam@example', 'sam@@example.org', 'sam example@x.org', '<sam@example.org>', 'sam@exa_mple.org', '.sam@example.org', 'a..b@example.org', `${'a'.repeat(65)}@example.org`]) {
      expect(isEmailAddress(bad), bad).toBe(false);
    }
  });

  it('reads one person a line with an optional agency, reporting every bad line by number', () => {
    const r = readMembers('sam@example.org, Northmoor Police\n\nnot-an-address\nKIM@example.org\nkim@example.org\npat@example.org, Nowhere Trust\r\n', agencies);
    expect(r.members).toEqual([
      { email: 'sam@example.org', agencyId: 'a1' },
      { email: 'kim@example.org', agencyId: null },
    ]);
    expect(r.problems.map((p) => p.line)).toEqual([3, 6]);
    expect(r.problems[0].message).toBe('Line 3: “not-an-address” is not an email address, like name@example.org');
    expect(r.problems[1].message).toBe('Line 6: there is no agency called “Nowhere Trust” in this partnership');
  });

  it('refuses an empty list', () => {
    expect(readMembers(' \n ', agencies).problems).toEqual([{ line: 0, text: '', message: 'Enter at least one email address' }]);
  });
});

describe('the follow-up question', () => {
  const sent = new Date('2026-01-01T09:00:00Z');
  const due = followUpDueAt(sent, 42);
  it('is due after the set time, once, and only to those who acknowledged', () => {
    expect(due.toISOString()).toBe('2026-02-12T09:00:00.000Z');
    const ack = new Date('2026-01-02T10:00:00Z');
    expect(followUpDue({ acknowledgedAt: ack, followUpDueAt: due, followUpSentAt: null }, new Date('2026-02-12T08:59:59Z'))).toBe(false);
    expect(followUpDue({ acknowledgedAt: ack, followUpDueAt: due, followUpSentAt: null }, new Date('2026-02-12T09:00:00Z'))).toBe(true);
    expect(followUpDue({ acknowledgedAt: ack, followUpDueAt: due, followUpSentAt: new Date('2026-02-12T09:00:00Z') }, new Date('2026-03-01T00:00:00Z'))).toBe(false);
    expect(followUpDue({ acknowledgedAt: null, followUpDueAt: due, followUpSentAt: null }, new Date('2026-03-01T00:00:00Z'))).toBe(false);
  });

  it('needs a number of days within range', () => {
    expect(followUpDaysProblem('42')).toBeNull();
    expect(followUpDaysProblem('0')).toMatch(/between 1 and 365/);
    expect(followUpDaysProblem('six')).toMatch(/Enter the number/);
    expect(followUpDaysProblem('400')).toMatch(/between 1 and 365/);
  });
});

describe('reach by agency', () => {
  it('counts sent, opened, acknowledged and answered by agency, with a total', () => {
    const r = reachByAgency([
      { agencyName: 'Police', emailed: true, opened: true, acknowledged: true, followUpSent: true, answered: true },
      { agencyName: 'Police', emailed: true, opened: false, acknowledged: false, followUpSent: false, answered: false },
      { agencyName: null, emailed: true, opened: true, acknowledged: false, followUpSent: false, answered: false },
      { agencyName: 'Academy', emailed: true, opened: true, acknowledged: true, followUpSent: false, answered: false },
    ]);
    expect(r.rows.map((x) => [x.agency, x.sent, x.opened, x.acknowledged])).toEqual([
      ['Academy', 1, 1, 1],
      ['Police', 2, 1, 1],
      ['No agency given', 1, 1, 0],
    ]);
    expect(r.total).toEqual({ agency: 'Total', sent: 4, opened: 3, acknowledged: 2, followUpsSent: 1, answered: 1 });
  });
});
