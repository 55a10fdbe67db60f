import { loadConfig } from '../../platform/config/config.ts';
import { isNewEmbeddedDatabase, startEmbeddedEngine, stopStartedEngine } from '../../platform/db/embedded-start.ts';
import type { CheckpointSchedule } from '../../platform/audit/checkpoints.ts';
import type { ServiceLock } from '../../platform/db/service-lock.ts';
import type { scheduleJob, scheduleReminders } from '../../features/reminders/schedule.ts';
import type { FastifyInstance } from 'fastify';
import { parseCommandArgs, type Command } from '../command.ts';

/**
 * What serving needs beyond starting the embedded engine: nearly all of the service's code, the query
 * layer (Kysely) included. It is loaded after the engine's thread has started, so the two happen at
 * once (creating a new embedded database takes a couple of seconds of that thread; loading the code,
 * about one of this one).
 */
async function serviceModules() {
  const [database, demo, reminders, linkBase, learningProducts, audit, schedule, taskMail, checkpoints, roles, serviceLock, diskMove, app, runtime, seedDemo, requestQuiet] = await Promise.all([
    import('../../platform/db/database.ts'),
    import('../../features/demo/service.ts'),
    import('../../features/reminders/service.ts'),
    import('../../platform/config/link-base.ts'),
    import('../../features/learning-products/service.ts'),
    import('../../platform/audit/audit.ts'),
    import('../../features/reminders/schedule.ts'),
    import('../../features/tasks/mail.ts'),
    import('../../platform/audit/checkpoints.ts'),
    import('../../platform/db/roles.ts'),
    import('../../platform/db/service-lock.ts'),
    import('../../platform/storage/disk-move.ts'),
    import('../../platform/http/app.ts'),
    import('../runtime.ts'),
    import('./seed-demo.ts'),
    import('../../platform/http/request-quiet.ts'),
  ]);
  return { database, demo, reminders, linkBase, learningProducts, audit, schedule, taskMail, checkpoints, roles, serviceLock, diskMove, app, runtime, seedDemo, requestQuiet };
}

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
    // A new embedded database is empty once made: asked to seed one, the demonstration data's work
    // that needs no database (reading its reports' PDFs, its password's hash) is done while the engine makes it.
    const seedingNew = values['seed-if-empty'] === true && isNewEmbeddedDatabase(config);
    // The embedded engine's thread starts first, before the service's code (Kysely included) loads:
    // it makes a new database, which is what a first start waits for longest.
    const engine = config.databaseUrl ? null : startEmbeddedEngine(config.dataDir);
    const loading = serviceModules();
    // The embedded engine's query layer is made as soon as the code has loaded, before the engine is
    // ready, so that the service is assembled meanwhile; a PostgreSQL server is connected to as soon
    // as the query layer has loaded, while the rest loads.
    const opening = engine
      ? loading.then(
          (m) => m.database.embeddedDatabase(engine),
          async (err: unknown) => {
            await stopStartedEngine(engine);
            throw err;
          },
        )
      : import('../../platform/db/database.ts').then(async (m) => ({ database: await m.openDatabase(config), ready: Promise.resolve() }));
    const prepared = seedingNew ? loading.then((m) => m.demo.prepareDemo()) : undefined;
    // Each is awaited below; one that fails before then must not be an unhandled rejection.
    for (const p of [opening, loading, prepared]) p?.catch(() => {});
    const { database, ready } = await opening;
    let app;
    let reminders: ReturnType<typeof scheduleReminders> | undefined;
    let taskMail: ReturnType<typeof scheduleJob> | undefined;
    let lock: ServiceLock | undefined;
    let checkpoints: CheckpointSchedule | undefined;
    let building: Promise<FastifyInstance> | undefined;
    // The demonstration's public repository, added once the service answers (see below).
    let repository: Promise<void> | undefined;
    let stoppingRepository = false;
    let stopRequested: string | undefined;
    let onStop: ((why: string) => void) | undefined;
    const requestStop = (why: string) => (onStop ? onStop(why) : (stopRequested ??= why));
    const finishRepository = async () => {
      stoppingRepository = true;
      await repository;
    };
    try {
      const m = await loading;
      // The service is assembled while the engine makes the database and the demonstration data is
      // written: it queries nothing at assembly (a query would wait for the database to be ready).
      building = m.app.buildApp({ config, database }).then(async (built) => {
        await built.ready();
        return built;
      });
      building.catch(() => {});
      await ready;
      if (database.notice) io.err(database.notice);
      await m.roles.migrateDeployment(database, config);
      // With the wrong key the service would answer 500 on every encrypted page: refuse to start instead.
      const { cipher, files } = await m.runtime.serviceContext(database, config);
      lock = await m.serviceLock.holdServiceLock(database);
      // Files from before the file store, in this instance's data folder: moved in once.
      const moved = m.diskMove.describeMove(await m.diskMove.moveDiskFiles(database.db, files, config.dataDir), config.dataDir);
      if (moved) io.out(moved);
      // `npm start` asks for the demonstration data on an empty database, on either engine; a database
      // with any partnership or any account belongs to someone and is left alone. Its case work (what a
      // first page shows) is added before the service listens; its public repository after.
      const seeded = values['seed-if-empty'] ? await m.demo.seedDemoIfEmpty(database, cipher, files, prepared, { repository: 'later' }) : false;
      // It listens once the service is assembled and the demonstration's case work is in, so its first page shows the data.
      app = await building;
      // Requests are counted (for the public repository's steps below) from the first one on.
      const quiet = values['seed-if-empty'] ? m.requestQuiet.watchRequests(app.server) : null;
      // Signals are heard from before the service listens: one that comes before the graceful stop
      // below is ready is kept and acted on there, rather than ending the process at once (the
      // default) with the database open and the demonstration's repository part written.
      process.once('SIGINT', () => requestStop('Received SIGINT'));
      process.once('SIGTERM', () => requestStop('Received SIGTERM'));
      await app.listen({ port: config.port, host: config.host });
      const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
      const url = `http://${shownHost}:${config.port}/`;
      const where = database.engine === 'embedded' ? `embedded database in ${database.location}` : `PostgreSQL at ${database.location}`;
      io.out(`CSPR Hub is ready at ${url} (${where}), in ${Math.round(performance.now() - started)} ms.`);
      if (seeded) m.seedDemo.printDemoWelcome(io, url);
      const { mailer } = app.deps;
      const log = app.log;
      if (quiet) {
        // The demonstration's published reviews and what draws on them: most of seeding's work, which no
        // first page needs. Added a step at a time, each when no request has been waiting for a moment
        // (the embedded engine answers one statement at a time), and finished by the next start when
        // this one stops first. Nothing to do (one query) on any other database.
        repository = m.demo
          .addDemoRepository(database, cipher, files, { prepared, beforeStep: () => quiet.wait(), stopping: () => stoppingRepository })
          .then(
            (outcome) => {
              if (outcome.state === 'added') io.out(`The demonstration's public repository is in: ${outcome.publications} fictional published reviews.`);
              else if (outcome.state === 'stopped') io.out("The rest of the demonstration's public repository is added at the next start.");
              else if (outcome.state === 'elsewhere') io.out("Another instance is adding the demonstration's public repository.");
            },
            (err: unknown) => {
              log.error({ err }, 'adding the demonstration public repository failed');
              io.err(`Adding the demonstration's published reviews failed (${(err as Error).message}); the next start tries again (or stop the service and run 'npm run cspr -- seed-demo').`);
            },
          )
          .finally(() => quiet.stop());
        if (seeded) io.out('Its public repository (a dozen fictional published reviews) is being added meanwhile; a line says when it is in.');
      }
      // Reminder emails: a minute after start, then every 15 minutes (each reminder goes once, whatever the instances).
      reminders = m.schedule.scheduleReminders(
        { db: database.db, cipher, mailer, config },
        {
          onResult: (r) => log.info({ reminders: r.sent, failed: r.failed }, 'reminders run'),
          onError: (err) => log.error({ err }, 'reminders run failed'),
          // The same run sends the learning products' follow-up questions that are due (each once, whatever the instances).
          run: async (d) => {
            const result = await m.reminders.runReminders(d);
            const followUps = await m.learningProducts.sendDueFollowUps(d.db, d.mailer, m.linkBase.jobLinkBase(config), (trx, entry) => m.audit.recordAudit(trx, { ...entry, actor: null }));
            if (followUps.sent || followUps.failed) log.info({ learningFollowUps: followUps }, 'learning follow-up questions sent');
            return result;
          },
        },
      );
      // Emails of tasks handed to people: every minute (each goes once, whatever the instances).
      taskMail = m.schedule.scheduleJob(() => m.taskMail.runTaskMail({ db: database.db, mailer, config }), {
        everyMs: m.taskMail.TASK_MAIL_EVERY_MS,
        firstAfterMs: m.taskMail.TASK_MAIL_EVERY_MS,
        onResult: (r) => (r.immediate || r.digests || r.failed ? log.info({ taskMail: r }, 'task emails run') : undefined),
        onError: (err) => log.error({ err }, 'task emails run failed'),
      });
      // Signed checkpoints of the audit trail, to the log and the database (numbers, hashes and a signature: nothing identifying).
      checkpoints = m.checkpoints.scheduleCheckpoints(
        database.db,
        m.checkpoints.checkpointKeyFor(config),
        config.auditCheckpointMinutes * 60_000,
        (auditCheckpoint) => log.info({ auditCheckpoint }, 'audit checkpoint'),
        (err) => log.error({ err }, 'audit checkpoint failed'),
      );
    } catch (err) {
      app ??= await building?.catch(() => undefined);
      await app?.close().catch(() => {});
      await finishRepository();
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
        stoppingRepository = true;
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
        // A step under way ends; the rest of the demonstration's public repository waits for the next start.
        await finishRepository();
        // The last checkpoint anchors every request that finished.
        await checkpoints?.stop().catch(() => {});
        await lock?.release();
        await database.close().catch(() => {});
        io.out('Stopped.');
        resolve();
      };
      onStop = (why) => void stop(why);
      if (stopRequested) onStop(stopRequested);
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
