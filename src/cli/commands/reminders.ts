import { sendDueFollowUps } from '../../features/learning-products/service.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { runReminders } from '../../features/reminders/service.ts';
import { jobLinkBase } from '../../platform/config/link-base.ts';
import { runTaskMail } from '../../features/tasks/mail.ts';
import { createMailer } from '../../platform/mail/mailer.ts';
import { parseCommandArgs, UsageError, type Command } from '../command.ts';
import { withDatabase } from '../runtime.ts';

export const remindersCommand: Command = {
  name: 'reminders',
  summary: 'Send the reminder and task emails that are due now (each once): cspr reminders run. For cron; cspr serve also runs it every 15 minutes.',
  usage: 'cspr reminders run',
  async run(argv, io) {
    const { positionals } = parseCommandArgs(argv, {}, { min: 1, max: 1, names: "the sub-command ('run')" });
    if (positionals[0] !== 'run') throw new UsageError(`Unknown sub-command '${positionals[0]}'; use 'run'.`);
    const result = await withDatabase(async (database, config, cipher) => {
      const mailer = createMailer(config);
      try {
        const reminders = await runReminders({ db: database.db, cipher, mailer, config });
        // Learning products' follow-up questions that are due go in the same run (each once).
        const followUps = await sendDueFollowUps(database.db, mailer, jobLinkBase(config), (trx, entry) => recordAudit(trx, { ...entry, actor: null }));
        // The emails of tasks handed to people, and today's digests, go with the reminders.
        const tasks = await runTaskMail({ db: database.db, mailer, config });
        return { ...reminders, tasks, failed: reminders.failed + tasks.failed + followUps.failed, followUps: followUps.sent };
      } finally {
        mailer.close();
      }
      // Sending what is due is work for nobody in particular, as `cspr serve`'s own schedule does it:
      // it changes only the record of what was sent, never case data.
    }, { audited: false });
    const s = result.sent;
    io.out(`Reminders sent: ${s['before-due']} before due, ${s['on-the-day']} on the day, ${s.overdue} overdue, ${s['weekly-digest']} weekly digests; overdue actions: ${s['action-overdue']} to the owning agency, ${s['action-escalated']} escalated to the partnership.`);
    io.out(`Task emails sent: ${result.tasks.immediate} at once, ${result.tasks.digests} daily digests.`);
    if (result.followUps > 0) io.out(`Learning follow-up questions sent: ${result.followUps}.`);
    if (result.failed > 0) {
      io.err(`cspr reminders: ${result.failed} could not be sent; they will be tried again on the next run.`);
      return 1;
    }
    return 0;
  },
};
