import { ConfigError } from '../platform/config/config.ts';
import { BackupError } from '../platform/backup/format.ts';
import { DatabaseOpenError } from '../platform/db/embedded-start.ts';
import { MigrationError } from '../platform/db/migrate.ts';
import { ServiceLockError } from '../platform/db/service-lock.ts';
import { KeyError } from '../platform/crypto/field-encryption.ts';
import { FileStoreUnavailableError } from '../platform/storage/backends.ts';
import { StoredFileDamagedError } from '../platform/storage/envelope.ts';
import { UsageError, type Command, type Output } from './command.ts';

/**
 * The commands, each loaded only when it runs (or its help is shown): a command's code pulls in
 * what it works with, and `cspr serve` starts the embedded engine's thread before it loads the
 * rest of the service (see serve.ts), which it could not do behind every command's imports.
 */
const LOADERS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./commands/serve.ts')).serveCommand,
  migrate: async () => (await import('./commands/migrate.ts')).migrateCommand,
  'seed-demo': async () => (await import('./commands/seed-demo.ts')).seedDemoCommand,
  'demo-code': async () => (await import('./commands/seed-demo.ts')).demoCodeCommand,
  backup: async () => (await import('./commands/backup.ts')).backupCommand,
  restore: async () => (await import('./commands/backup.ts')).restoreCommand,
  keys: async () => (await import('./commands/keys.ts')).keysCommand,
  tokens: async () => (await import('./commands/tokens.ts')).tokensCommand,
  audit: async () => (await import('./commands/audit.ts')).auditCommand,
  partnerships: async () => (await import('./commands/partnerships.ts')).partnershipsCommand,
  users: async () => (await import('./commands/users.ts')).usersCommand,
  'working-days': async () => (await import('./commands/working-days.ts')).workingDaysCommand,
  deadlines: async () => (await import('./commands/deadlines.ts')).deadlinesCommand,
  reminders: async () => (await import('./commands/reminders.ts')).remindersCommand,
  import: async () => (await import('./commands/import.ts')).importCommand,
};

/** Every command, in the order help lists them. */
export async function commands(): Promise<Command[]> {
  return Promise.all(Object.values(LOADERS).map((load) => load()));
}

export async function helpText(): Promise<string> {
  const all = await commands();
  const width = Math.max(...all.map((c) => c.name.length));
  return [
    'Usage: cspr COMMAND [options]',
    '',
    'Commands:',
    ...all.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Configuration comes from environment variables (see the README).',
    "Run 'cspr COMMAND --help' for a command's options.",
  ].join('\n');
}

/** Errors we expect (bad configuration, locked folder…) print one clear message, never a stack trace. */
const EXPECTED = [ConfigError, DatabaseOpenError, MigrationError, BackupError, KeyError, FileStoreUnavailableError, StoredFileDamagedError, ServiceLockError];

export async function main(argv: string[], io: Output): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(await helpText());
    return name === undefined ? 2 : 0;
  }
  const load = Object.hasOwn(LOADERS, name) ? LOADERS[name] : undefined;
  if (!load) {
    io.err(`cspr: unknown command '${name}'.\n\n${await helpText()}`);
    return 2;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`Usage: ${command.usage}\n\n${command.summary}`);
    return 0;
  }
  try {
    return (await command.run(rest, io)) ?? 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`cspr ${name}: ${err.message}\nUsage: ${command.usage}`);
      return 2;
    }
    if (EXPECTED.some((E) => err instanceof E)) {
      io.err(`cspr ${name}: ${(err as Error).message}`);
      return 1;
    }
    throw err;
  }
}

const isEntryPoint = import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/bin/cspr.js');
if (isEntryPoint) {
  const io: Output = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`cspr: unexpected failure: ${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
