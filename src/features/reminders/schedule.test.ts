import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReminderDeps, ReminderResult } from './service.ts';
import { REMINDER_EVERY_MS, REMINDER_FIRST_AFTER_MS, scheduleReminders } from './schedule.ts';

const RESULT: ReminderResult = { sent: { 'before-due': 0, 'on-the-day': 0, overdue: 0, 'weekly-digest': 0, 'action-overdue': 0, 'action-escalated': 0 }, failed: 0 };
const deps = {} as ReminderDeps;

describe('the in-process reminder schedule', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a minute after start, then every 15 minutes, and not after stop', async () => {
    const run = vi.fn(async () => RESULT);
    const schedule = scheduleReminders(deps, { run });
    await vi.advanceTimersByTimeAsync(REMINDER_FIRST_AFTER_MS - 1);
    expect(run).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(run).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(REMINDER_EVERY_MS * 2);
    expect(run).toHaveBeenCalledTimes(3);
    await schedule.stop();
    await vi.advanceTimersByTimeAsync(REMINDER_EVERY_MS * 3);
    expect(run).toHaveBeenCalledTimes(3);
  });

  it('never overlaps runs, reports errors, and stop waits for the run in flight', async () => {
    let finish: () => void = () => {};
    const run = vi.fn(() => new Promise<ReminderResult>((resolve) => (finish = () => resolve(RESULT))));
    const onResult = vi.fn();
    const schedule = scheduleReminders(deps, { run, onResult, everyMs: 1000, firstAfterMs: 10 });
    await vi.advanceTimersByTimeAsync(5000);
    expect(run).toHaveBeenCalledTimes(1);
    let stopped = false;
    const stopping = schedule.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(1);
    expect(stopped).toBe(false);
    finish();
    await stopping;
    expect(onResult).toHaveBeenCalledWith(RESULT);

    const onError = vi.fn();
    const failing = scheduleReminders(deps, { run: async () => Promise.reject(new Error('database gone')), onError, firstAfterMs: 10 });
    await vi.advanceTimersByTimeAsync(10);
    await failing.stop();
    expect(onError).toHaveBeenCalledTimes(1);
  });

  it('does not keep the process alive', () => {
    vi.useRealTimers();
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const schedule = scheduleReminders(deps, { run: async () => RESULT });
    const timer = spy.mock.results[0].value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    spy.mockRestore();
    void schedule.stop();
  });
});
