import { describe, it, expect } from 'vitest';
import { defaultCalendar } from '../calendar/working-days.ts';
import { clockStatus, dueSoonBefore } from './clock-status.ts';

const cal = defaultCalendar();

describe('clockStatus', () => {
  describe('open clocks', () => {
    it('is due when more than 5 working days away (today counted)', () => {
      expect(clockStatus({ dueOn: '2025-07-31' }, '2025-03-10', cal)).toEqual({ state: 'due', workingDaysLeft: 99 });
      // Fri 20 Dec: 23, 24, 27, 30, 31 left; with today that is 6 working days.
      expect(clockStatus({ dueOn: '2024-12-31' }, '2024-12-20', cal)).toEqual({ state: 'due', workingDaysLeft: 5 });
    });

    it('is due soon within the next 5 working days including today', () => {
      expect(clockStatus({ dueOn: '2024-12-31' }, '2024-12-23', cal)).toEqual({ state: 'due-soon', workingDaysLeft: 4 });
      expect(clockStatus({ dueOn: '2024-12-31' }, '2024-12-30', cal)).toEqual({ state: 'due-soon', workingDaysLeft: 1 });
    });

    it('on a weekend or holiday, due soon covers the next 5 working days', () => {
      // Sat 21 Dec: 23, 24, 27, 30, 31 are the next five working days.
      expect(clockStatus({ dueOn: '2024-12-31' }, '2024-12-21', cal)).toEqual({ state: 'due-soon', workingDaysLeft: 5 });
      // Christmas Day: 27, 30, 31, 2, 3 Jan.
      expect(clockStatus({ dueOn: '2025-01-03' }, '2024-12-25', cal)).toEqual({ state: 'due-soon', workingDaysLeft: 5 });
      expect(clockStatus({ dueOn: '2025-01-06' }, '2024-12-25', cal)).toEqual({ state: 'due', workingDaysLeft: 6 });
    });

    it('is due soon with 0 days left on the due date', () => {
      expect(clockStatus({ dueOn: '2024-12-31' }, '2024-12-31', cal)).toEqual({ state: 'due-soon', workingDaysLeft: 0 });
    });

    it('handles a due date on a weekend', () => {
      // Due Sun 15 Jun 2025. On Friday there is no working day left before it.
      expect(clockStatus({ dueOn: '2025-06-15' }, '2025-06-13', cal)).toEqual({ state: 'due-soon', workingDaysLeft: 0 });
      expect(clockStatus({ dueOn: '2025-06-15' }, '2025-06-15', cal)).toEqual({ state: 'due-soon', workingDaysLeft: 0 });
      expect(clockStatus({ dueOn: '2025-06-15' }, '2025-06-16', cal)).toEqual({ state: 'overdue', workingDaysLeft: -1 });
    });

    it('is overdue the day after the due date, counting working days late', () => {
      expect(clockStatus({ dueOn: '2024-12-31' }, '2025-01-02', cal)).toEqual({ state: 'overdue', workingDaysLeft: -1 });
      expect(clockStatus({ dueOn: '2024-12-31' }, '2025-01-01', cal)).toEqual({ state: 'overdue', workingDaysLeft: 0 });
      expect(clockStatus({ dueOn: '2024-12-20' }, '2024-12-31', cal)).toEqual({ state: 'overdue', workingDaysLeft: -5 });
    });

    it('never reports -0', () => {
      const s = clockStatus({ dueOn: '2025-06-14' }, '2025-06-15', cal);
      expect(s.state).toBe('overdue');
      expect(Object.is(s.workingDaysLeft, 0)).toBe(true);
    });
  });

  describe('done clocks', () => {
    it('is done on time on or before the due date', () => {
      expect(clockStatus({ dueOn: '2024-12-31', doneOn: '2024-12-31' }, '2025-03-10', cal)).toEqual({ state: 'done-on-time' });
      expect(clockStatus({ dueOn: '2024-12-31', doneOn: '2024-12-20' }, '2025-03-10', cal)).toEqual({ state: 'done-on-time' });
    });

    it('is done late after the due date', () => {
      expect(clockStatus({ dueOn: '2024-12-31', doneOn: '2025-01-02' }, '2025-03-10', cal)).toEqual({ state: 'done-late' });
    });

    it('done beats paused', () => {
      expect(clockStatus({ dueOn: '2024-12-31', doneOn: '2024-12-30', pausedSince: '2024-12-23', pauseReason: 'Inquest' }, '2025-03-10', cal))
        .toEqual({ state: 'done-on-time' });
    });
  });

  describe('paused clocks (a pause never moves the due date: Working Together 2023 ch.5)', () => {
    it('reports the reason and the working days left to the original due date', () => {
      expect(clockStatus({ dueOn: '2025-03-31', pausedSince: '2025-03-03', pauseReason: ' Parallel criminal proceedings ' }, '2025-03-24', cal))
        .toEqual({ state: 'paused', workingDaysLeft: 5, reason: 'Parallel criminal proceedings' });
    });

    it('is overdue, with its reason, once the original due date has passed', () => {
      expect(clockStatus({ dueOn: '2025-07-31', pausedSince: '2025-05-01', pauseReason: 'Inquest' }, '2025-09-01', cal))
        .toEqual({ state: 'overdue', workingDaysLeft: -21, reason: 'Inquest' });
    });

    it('done after the original due date is late, whatever the pause', () => {
      expect(clockStatus({ dueOn: '2024-12-31', doneOn: '2025-01-03', pausedSince: '2024-12-20', pauseReason: 'Inquest' }, '2025-03-10', cal))
        .toEqual({ state: 'done-late' });
    });
  });

  it('rejects malformed dates', () => {
    expect(() => clockStatus({ dueOn: '2024-02-30' }, '2024-01-01', cal)).toThrow(RangeError);
    expect(() => clockStatus({ dueOn: '2024-02-01' }, '01/01/2024', cal)).toThrow(RangeError);
  });
});

describe('dueSoonBefore', () => {
  it('is the sixth working day of the window: the day after the last due-soon working day', () => {
    // Mon 23 Dec 2024: today, 24, 27, 30, 31 are the five; Thu 2 Jan is not due soon.
    expect(dueSoonBefore('2024-12-23', cal)).toBe('2025-01-02');
    // Sat 21 Dec: 23, 24, 27, 30, 31 are the five; 1 Jan is a holiday, so 2 Jan is the sixth.
    expect(dueSoonBefore('2024-12-21', cal)).toBe('2025-01-02');
    // Christmas Day: 27, 30, 31, 2, 3 Jan; Mon 6 Jan is the sixth.
    expect(dueSoonBefore('2024-12-25', cal)).toBe('2025-01-06');
  });

  it('agrees with clockStatus on every due date around every day of two years', () => {
    const days: string[] = [];
    for (let d = new Date('2024-01-01T00:00:00Z'); d < new Date('2026-01-01T00:00:00Z'); d.setUTCDate(d.getUTCDate() + 1)) days.push(d.toISOString().slice(0, 10));
    for (let t = 0; t < days.length - 20; t += 1) {
      const today = days[t];
      const before = dueSoonBefore(today, cal);
      for (let k = 0; k < 20; k += 1) {
        const due = days[t + k];
        expect(clockStatus({ dueOn: due }, today, cal).state === 'due-soon', `${today} → ${due}`).toBe(due >= today && due < before);
      }
    }
  });
});
