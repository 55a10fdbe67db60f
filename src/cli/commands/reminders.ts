import { runReminders } from '../../features/reminders/service.ts';
import { createMailer } from '../../platform/mail/mailer.ts';
import { parseCommandArgs, UsageError, type Command } from '../command.ts';
import { withDatabase } from '../runtime.ts';

export const remindersCommand: Command = {
  name: 'reminders',
  summary: 'Send the reminder emails that are due now (each once): cspr reminders run. For cron; cspr serve also runs it every 15 minutes.',
  usage: 'cspr reminders run',
  async run(argv, io) {
    const { positionals } = parseCommandArgs(argv, {}, { min: 1, max: 1, names: "the sub-command ('run')" });
    if (positionals[0] !== 'run') throw new UsageError(`Unknown sub-command '${positionals[0]}'; use 'run'.`);
    const result = await withDatabase(async (database, config, cipher) => {
      const mailer = createMailer(config);
      try {
        return await runReminders({ db: database.db, cipher, mailer, config });
      } finally {
        mailer.close();
      }
    });
    const s = result.sent;
    io.out(`Reminders sent: ${s['before-due']} before due, ${s['on-the-day']} on the day, ${s.overdue} overdue, ${s['weekly-digest']} weekly digests; overdue actions: ${s['action-overdue']} to the owning agency, ${s['action-escalated']} escalated to the partnership.`);
    if (result.failed > 0) {
      io.err(`cspr reminders: ${result.failed} could not be sent; they will be tried again on the next run.`);
      return 1;
    }
    return 0;
  },
};
