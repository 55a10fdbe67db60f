import { ConfigError } from '../platform/config/config.ts';
import { BackupError } from '../platform/backup/format.ts';
import { DatabaseOpenError } from '../platform/db/database.ts';
import { MigrationError } from '../platform/db/migrate.ts';
import { ServiceLockError } from '../platform/db/service-lock.ts';
import { KeyError } from '../platform/crypto/field-encryption.ts';
import { FileStoreUnavailableError } from '../platform/storage/backends.ts';
import { StoredFileDamagedError } from '../platform/storage/envelope.ts';
import { UsageError, type Command, type Output } from './command.ts';
import { auditCommand } from './commands/audit.ts';
import { backupCommand, restoreCommand } from './commands/backup.ts';
import { deadlinesCommand } from './commands/deadlines.ts';
import { importCommand } from './commands/import.ts';
import { keysCommand } from './commands/keys.ts';
import { migrateCommand } from './commands/migrate.ts';
import { partnershipsCommand } from './commands/partnerships.ts';
import { remindersCommand } from './commands/reminders.ts';
import { demoCodeCommand, seedDemoCommand } from './commands/seed-demo.ts';
import { tokensCommand } from './commands/tokens.ts';
import { serveCommand } from './commands/serve.ts';
import { usersCommand } from './commands/users.ts';
import { workingDaysCommand } from './commands/working-days.ts';

export const COMMANDS: Command[] = [
  serveCommand,
  migrateCommand,
  seedDemoCommand,
  demoCodeCommand,
  backupCommand,
  restoreCommand,
  keysCommand,
  tokensCommand,
  auditCommand,
  partnershipsCommand,
  usersCommand,
  workingDaysCommand,
  deadlinesCommand,
  remindersCommand,
  importCommand,
];

export function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: cspr COMMAND [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
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
    io.out(helpText());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.err(`cspr: unknown command '${name}'.\n\n${helpText()}`);
    return 2;
  }
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
