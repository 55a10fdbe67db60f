import { seedDemoIfEmpty } from '../../features/demo/service.ts';
import { runReminders } from '../../features/reminders/service.ts';
import { jobLinkBase } from '../../platform/config/link-base.ts';
import { sendDueFollowUps } from '../../features/learning-products/service.ts';
import { recordAudit } from '../../platform/audit/audit.ts';
import { scheduleJob, scheduleReminders } from '../../features/reminders/schedule.ts';
import { runTaskMail, TASK_MAIL_EVERY_MS } from '../../features/tasks/mail.ts';
import { loadConfig } from '../../platform/config/config.ts';
import { openDatabase } from '../../platform/db/database.ts';
import { checkpointKeyFor, scheduleCheckpoints, type CheckpointSchedule } from '../../platform/audit/checkpoints.ts';
import { migrateDeployment } from '../../platform/db/roles.ts';
import { holdServiceLock, type ServiceLock } from '../../platform/db/service-lock.ts';
import { describeMove, moveDiskFiles } from '../../platform/storage/disk-move.ts';
import { buildApp } from '../../platform/http/app.ts';
import { parseCommandArgs, type Command } from '../command.ts';
import { serviceContext } from '../runtime.ts';
import { printDemoWelcome } from './seed-demo.ts';

/** How often a server started through npm checks that npm is still there. */
const PARENT_CHECK_MS = 500;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Start the web service (migrates the database first).',
  usage: 'cspr serve [--seed-if-empty]',
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { 'seed-if-empty': { type: 'boolean' } }, { min: 0, max: 0, names: '' });
    const started = performance.now();
    const config = loadConfig();
    const database = await openDatabase(config);
    let app;
    let reminders: ReturnType<typeof scheduleReminders> | undefined;
    let taskMail: ReturnType<typeof scheduleJob> | undefined;
    let lock: ServiceLock | undefined;
    let checkpoints: CheckpointSchedule | undefined;
    try {
      await migrateDeployment(database, config);
      // With the wrong key the service would answer 500 on every encrypted page: refuse to start instead.
      const { cipher, files } = await serviceContext(database, config);
      lock = await holdServiceLock(database);
      // Files from before the file store, in this instance's data folder: moved in once.
      const moved = describeMove(await moveDiskFiles(database.db, files, config.dataDir), config.dataDir);
      if (moved) io.out(moved);
      // `npm start` asks for the demonstration data on an empty database, on either engine; a database
      // with any partnership or any account belongs to someone and is left alone.
      const seeded = values['seed-if-empty'] ? await seedDemoIfEmpty(database, cipher, files) : false;
      app = await buildApp({ config, database });
      await app.listen({ port: config.port, host: config.host });
      const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
      const url = `http://${shownHost}:${config.port}/`;
      const where = database.engine === 'embedded' ? `embedded database in ${database.location}` : `PostgreSQL at ${database.location}`;
      io.out(`CSPR Hub is ready at ${url} (${where}), in ${Math.round(performance.now() - started)} ms.`);
      if (seeded) printDemoWelcome(io, url);
      // Reminder emails: a minute after start, then every 15 minutes (each reminder goes once, whatever the instances).
      const { mailer } = app.deps;
      const log = app.log;
      reminders = scheduleReminders(
        { db: database.db, cipher, mailer, config },
        {
          onResult: (r) => log.info({ reminders: r.sent, failed: r.failed }, 'reminders run'),
          onError: (err) => log.error({ err }, 'reminders run failed'),
          // The same run sends the learning products' follow-up questions that are due (each once, whatever the instances).
          run: async (d) => {
            const result = await runReminders(d);
            const followUps = await sendDueFollowUps(d.db, d.mailer, jobLinkBase(config), (trx, entry) => recordAudit(trx, { ...entry, actor: null }));
            if (followUps.sent || followUps.failed) log.info({ learningFollowUps: followUps }, 'learning follow-up questions sent');
            return result;
          },
        },
      );
      // Emails of tasks handed to people: every minute (each goes once, whatever the instances).
      taskMail = scheduleJob(() => runTaskMail({ db: database.db, mailer, config }), {
        everyMs: TASK_MAIL_EVERY_MS,
        firstAfterMs: TASK_MAIL_EVERY_MS,
        onResult: (r) => (r.immediate || r.digests || r.failed ? log.info({ taskMail: r }, 'task emails run') : undefined),
        onError: (err) => log.error({ err }, 'task emails run failed'),
      });
      // Signed checkpoints of the audit trail, to the log and the database (numbers, hashes and a signature: nothing identifying).
      checkpoints = scheduleCheckpoints(
        database.db,
        checkpointKeyFor(config),
        config.auditCheckpointMinutes * 60_000,
        (auditCheckpoint) => log.info({ auditCheckpoint }, 'audit checkpoint'),
        (err) => log.error({ err }, 'audit checkpoint failed'),
      );
    } catch (err) {
      await app?.close().catch(() => {});
      await checkpoints?.stop().catch(() => {});
      await lock?.release();
      await database.close().catch(() => {});
      throw err;
    }

    // Graceful shutdown: stop accepting, let requests in flight finish, close the database.
    await new Promise<void>((resolve) => {
      let stopping = false;
      let watch: NodeJS.Timeout | undefined;
      const stop = async (why: string) => {
        if (stopping) return;
        stopping = true;
        clearInterval(watch);
        io.out(`${why}: finishing requests in flight, then stopping.`);
        const timer = setTimeout(() => {
          io.err('Requests did not finish in time; closing anyway.');
          app.server.closeAllConnections();
        }, config.shutdownGraceMs);
        await reminders?.stop().catch(() => {});
        await taskMail?.stop().catch(() => {});
        await app.close().catch(() => {});
        clearTimeout(timer);
        // The last checkpoint anchors every request that finished.
        await checkpoints?.stop().catch(() => {});
        await lock?.release();
        await database.close().catch(() => {});
        io.out('Stopped.');
        resolve();
      };
      process.once('SIGINT', () => void stop('Received SIGINT'));
      process.once('SIGTERM', () => void stop('Received SIGTERM'));
      // Started through npm (`npm start`, `npm run cspr -- serve`), a container or process manager
      // signals npm, not this process, and npm may exit without passing the signal on: this process
      // would be left running on its own, holding the data folder. So it stops when npm does.
      if (process.env.npm_lifecycle_event) {
        const parent = process.ppid;
        watch = setInterval(() => {
          if (process.ppid !== parent) void stop('The npm process that started this server has ended');
        }, PARENT_CHECK_MS);
        watch.unref();
      }
    });
  },
};
