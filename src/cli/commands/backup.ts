import path from 'node:path';
import { backup, restore } from '../../platform/db/backup.ts';
import { parseCommandArgs, type Command } from '../command.ts';
import { withDatabase } from '../runtime.ts';

export const backupCommand: Command = {
  name: 'backup',
  summary: 'Write a consistent copy of all data to FILE (portable between engines).',
  usage: 'cspr backup FILE',
  async run(argv, io) {
    const { positionals } = parseCommandArgs(argv, {}, { min: 1, max: 1, names: 'the FILE to write' });
    const file = path.resolve(positionals[0]);
    const result = await withDatabase((database) => backup(database, file));
    io.out(`Wrote ${result.rows} rows from ${result.tables} tables to ${file}.`);
  },
};

export const restoreCommand: Command = {
  name: 'restore',
  summary: 'Load a backup FILE into an empty data folder or database.',
  usage: 'cspr restore FILE',
  async run(argv, io) {
    const { positionals } = parseCommandArgs(argv, {}, { min: 1, max: 1, names: 'the backup FILE to read' });
    const file = path.resolve(positionals[0]);
    const result = await withDatabase((database) => restore(database, file), { migrate: false });
    io.out(`Restored ${result.rows} rows into ${result.tables} tables from ${file}.`);
  },
};
