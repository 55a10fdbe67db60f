import { runReminders, type ReminderDeps, type ReminderResult } from './service.ts';

export const REMINDER_EVERY_MS = 15 * 60_000;
export const REMINDER_FIRST_AFTER_MS = 60_000;

export type ReminderSchedule = { stop(): Promise<void> };

/**
 * Runs the reminder job inside the web service: first a minute after start, then every 15 minutes.
 * Runs never overlap; the timers do not keep the process alive; `stop` waits for a run in flight.
 * Several instances may each run it: reminder_sends makes every reminder go once.
 */
export function scheduleReminders(
  deps: ReminderDeps,
  options: {
    everyMs?: number;
    firstAfterMs?: number;
    onResult?: (r: ReminderResult) => void;
    onError?: (err: unknown) => void;
    /** The job itself (tests replace it). */
    run?: (deps: ReminderDeps) => Promise<ReminderResult>;
  } = {},
): ReminderSchedule {
  const run = options.run ?? runReminders;
  return scheduleJob(() => run(deps), { ...options, everyMs: options.everyMs ?? REMINDER_EVERY_MS, firstAfterMs: options.firstAfterMs ?? REMINDER_FIRST_AFTER_MS });
}

/**
 * Runs a background job on a timer (the reminders; the emails of tasks): first after
 * `firstAfterMs`, then every `everyMs`. Runs never overlap; the timers do not keep the process
 * alive; `stop` waits for a run in flight. Each job makes its own work go once across instances.
 */
export function scheduleJob<R>(
  job: () => Promise<R>,
  options: { everyMs: number; firstAfterMs: number; onResult?: (r: R) => void; onError?: (err: unknown) => void },
): ReminderSchedule {
  let running: Promise<void> | null = null;
  let stopped = false;
  let interval: NodeJS.Timeout | undefined;
  const tick = () => {
    if (stopped || running) return;
    running = job()
      .then((r) => options.onResult?.(r), (err: unknown) => options.onError?.(err))
      .finally(() => {
        running = null;
      });
  };
  const first = setTimeout(() => {
    tick();
    if (!stopped) {
      interval = setInterval(tick, options.everyMs);
      interval.unref();
    }
  }, options.firstAfterMs);
  first.unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(first);
      if (interval) clearInterval(interval);
      await running;
    },
  };
}
